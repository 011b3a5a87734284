#pragma once
// Forward-mode AD, as PyTorch's torch.autograd.forward_ad: inside a dual level, a tensor made by
// make_dual carries a tangent, and every differentiable op on it gives its output the tangent
// J·t (the Jacobian-vector product) as it runs, under grad mode or not.
//
//   forward_ad::DualLevel level;
//   Tensor x = forward_ad::make_dual(primal, direction);
//   Tensor jvp = forward_ad::unpack_dual(f(x)).tangent;
//
// Each op's J·t comes from its backward formula, by the double-backward trick (the gradient of
// the vector-Jacobian product with respect to the vector), so every op that has a twice
// differentiable backward has forward mode too, and the tangents are themselves differentiable
// when the op recorded (reverse over forward). Views of a dual tensor get the same view of its
// tangent, and in-place ops update the tangent in place. One level at a time, per thread; custom
// Functions give their outputs tangents with their jvp (function.h), and refuse dual inputs
// without one.
#include "tapegrad/tensor/tensor.h"

namespace tg::autograd::forward_ad {

// Enters this thread's dual level (there is one: entering twice is an error) and returns its
// number, 0. Exiting drops the tangents of every tensor that got one in it.
int64_t enter_dual_level();
void exit_dual_level();
bool dual_level_active();

// Enters a dual level for the guard's lifetime.
class DualLevel {
 public:
  DualLevel() { enter_dual_level(); }
  ~DualLevel() {
    if (dual_level_active()) exit_dual_level();  // the body may have exited it
  }
  DualLevel(const DualLevel&) = delete;
  DualLevel& operator=(const DualLevel&) = delete;
};

// A view of `primal` whose tangent is `tangent` (same shape, dtype and device; floating point).
// The view stays differentiable in reverse mode with respect to primal.
Tensor make_dual(const Tensor& primal, const Tensor& tangent);

struct UnpackedDual {
  Tensor primal;   // a view of the tensor without its tangent
  Tensor tangent;  // undefined when the tensor has none
};
UnpackedDual unpack_dual(const Tensor& tensor);

}  // namespace tg::autograd::forward_ad
