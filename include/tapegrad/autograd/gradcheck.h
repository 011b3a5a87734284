#pragma once
// Checking gradients against finite differences, for built-in ops and users' own functions.
#include <functional>
#include <type_traits>

#include "tapegrad/tensor/tensor.h"

namespace tg::autograd {

struct GradcheckOptions {
  double eps = 1e-6;   // finite-difference step
  double atol = 1e-5;
  double rtol = 1e-3;
  // Throw a tg::Error describing the first mismatch (else return false).
  bool raise_exception = true;
  // Also compare forward-mode AD (forward_ad.h) with the finite differences, one tangent per
  // input element, on inputs detached from the tape.
  bool check_forward_ad = false;
};

using DifferentiableFn = std::function<tensor_list(const tensor_list&)>;

// Compares the Jacobian that backward computes with central differences, for every input that
// requires grad (they must be float64) and every floating-point output.
bool gradcheck(const DifferentiableFn& fn, const tensor_list& inputs, const GradcheckOptions& options = {});
// The same for second derivatives: checks the gradient of fn's vector-Jacobian product.
bool gradgradcheck(const DifferentiableFn& fn, const tensor_list& inputs, const GradcheckOptions& options = {});

// Forms for functions that return one tensor.
template <class F>
  requires std::is_same_v<std::invoke_result_t<F, const tensor_list&>, Tensor>
bool gradcheck(F&& fn, const tensor_list& inputs, const GradcheckOptions& options = {}) {
  return gradcheck(DifferentiableFn([f = std::forward<F>(fn)](const tensor_list& in) { return tensor_list{f(in)}; }),
                   inputs, options);
}
template <class F>
  requires std::is_same_v<std::invoke_result_t<F, const tensor_list&>, Tensor>
bool gradgradcheck(F&& fn, const tensor_list& inputs, const GradcheckOptions& options = {}) {
  return gradgradcheck(
      DifferentiableFn([f = std::forward<F>(fn)](const tensor_list& in) { return tensor_list{f(in)}; }), inputs,
      options);
}

}  // namespace tg::autograd
