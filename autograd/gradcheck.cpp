// gradcheck / gradgradcheck: analytical Jacobians from backward against central differences.
#include "tapegrad/autograd/gradcheck.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "tapegrad/autograd/engine.h"
#include "tapegrad/autograd/forward_ad.h"
#include "tapegrad/autograd/grad_mode.h"
#include "tapegrad/tensor/ops.h"
#include "tensor/ops/common.h"

namespace tg::autograd {
namespace {

using Matrix = std::vector<double>;  // rows: input elements, columns: output elements

// Storage offset of logical element j of t (row-major order).
int64_t element_offset(const Tensor& t, int64_t j) {
  int64_t off = t.storage_offset();
  for (int d = t.dim() - 1; d >= 0; --d) {
    off += (j % t.sizes()[d]) * t.strides()[d];
    j /= t.sizes()[d];
  }
  return off;
}

std::vector<double> values(const Tensor& t) { return t.detach().to_vector<double>(); }

tensor_list differentiable_outputs(const tensor_list& outs) {
  tensor_list r;
  for (const Tensor& o : outs)
    if (o.defined() && o.is_floating_point()) r.push_back(o);
  return r;
}

bool fail(const GradcheckOptions& o, const std::string& msg) {
  if (o.raise_exception) throw Error(msg);
  return false;
}

bool any_complex(const tensor_list& ts) {
  return std::any_of(ts.begin(), ts.end(), [](const Tensor& t) { return t.defined() && t.is_complex(); });
}

// Complex inputs and outputs checked as their real and imaginary parts (PyTorch's way): fn seen
// as a function of view_as_real of each complex input, returning view_as_real of each complex
// output. The analytical side then checks the gradient convention too: the parts of z.grad()
// must be dL/dx and dL/dy.
struct RealView {
  DifferentiableFn fn;
  tensor_list inputs;
};
RealView as_real_function(const DifferentiableFn& fn, const tensor_list& inputs) {
  RealView r;
  std::vector<bool> was_complex;
  for (const Tensor& t : inputs) {
    const bool c = t.defined() && t.is_complex();
    was_complex.push_back(c);
    r.inputs.push_back(c ? view_as_real(t.detach()).clone().requires_grad_(t.requires_grad()) : t);
  }
  r.fn = [fn, was_complex](const tensor_list& in) {
    tensor_list args;
    for (size_t i = 0; i < in.size(); ++i) args.push_back(was_complex[i] ? view_as_complex(in[i]) : in[i]);
    tensor_list outs;
    for (const Tensor& o : fn(args)) outs.push_back(o.defined() && o.is_complex() ? view_as_real(o) : o);
    return outs;
  };
  return r;
}

}  // namespace

bool gradcheck(const DifferentiableFn& fn, const tensor_list& inputs, const GradcheckOptions& options) {
  if (any_complex(inputs)) {
    for (const Tensor& t : inputs)
      TG_CHECK_TYPE(!(t.defined() && t.is_complex() && t.dtype() != kComplex128),
                    "gradcheck: complex inputs must be complex128 for finite differences, got {}", t.dtype());
    const RealView r = as_real_function(fn, inputs);
    return gradcheck(r.fn, r.inputs, options);
  }
  {
    tensor_list outs;
    {
      NoGradGuard no_grad;
      outs = fn(inputs);
    }
    if (any_complex(outs)) {
      const RealView r = as_real_function(fn, inputs);
      return gradcheck(r.fn, r.inputs, options);
    }
  }
  std::vector<size_t> wrt;
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (!inputs[i].defined() || !inputs[i].requires_grad()) continue;
    TG_CHECK_TYPE(inputs[i].dtype() == kFloat64,
                  "gradcheck: input {} requires grad but has dtype {}; finite differences need float64", i,
                  inputs[i].dtype());
    wrt.push_back(i);
  }
  TG_CHECK(!wrt.empty(), "gradcheck: no input requires grad");

  // Numerical Jacobians, perturbing each element in place (without recording).
  tensor_list outs0;
  {
    NoGradGuard no_grad;
    outs0 = differentiable_outputs(fn(inputs));
  }
  TG_CHECK(!outs0.empty(), "gradcheck: the function has no floating-point output");
  std::vector<std::vector<Matrix>> numerical(outs0.size(), std::vector<Matrix>(wrt.size()));
  for (size_t w = 0; w < wrt.size(); ++w) {
    const Tensor& x = inputs[wrt[w]];
    for (size_t o = 0; o < outs0.size(); ++o) numerical[o][w].assign(static_cast<size_t>(x.numel() * outs0[o].numel()), 0.0);
    for (int64_t j = 0; j < x.numel(); ++j) {
      // Element j as a 0-dim view, written through the kernels (so on any device) and without
      // recording or a version bump: the perturbation is invisible to autograd.
      const Tensor v = ops::alias(x, Shape{}, Shape{}, element_offset(x, j));
      const double orig = v.item<double>();
      // Read the outputs right away: they may alias the input being perturbed.
      auto evaluate = [&](double value) {
        NoGradGuard no_grad;
        ops::fill_into(v, value);
        std::vector<std::vector<double>> r;
        for (const Tensor& out : differentiable_outputs(fn(inputs))) r.push_back(values(out));
        return r;
      };
      const auto plus = evaluate(orig + options.eps);
      const auto minus = evaluate(orig - options.eps);
      ops::fill_into(v, orig);
      for (size_t o = 0; o < outs0.size(); ++o) {
        const std::vector<double>& p = plus[o];
        const std::vector<double>& m = minus[o];
        for (size_t k = 0; k < p.size(); ++k)
          numerical[o][w][static_cast<size_t>(j) * p.size() + k] = (p[k] - m[k]) / (2 * options.eps);
      }
    }
  }

  if (options.check_forward_ad) {
    // Forward mode: the tangent of every output for a one-hot tangent on each input element.
    for (size_t w = 0; w < wrt.size(); ++w) {
      const Tensor& x = inputs[wrt[w]];
      for (int64_t j = 0; j < x.numel(); ++j) {
        forward_ad::DualLevel level;
        tensor_list duals = inputs;
        for (size_t i : wrt) duals[i] = inputs[i].detach();
        Tensor onehot = zeros(x.sizes(), x.options());
        ops::fill_into(ops::alias(onehot, Shape{}, Shape{}, j), 1.0);
        duals[wrt[w]] = forward_ad::make_dual(duals[wrt[w]], onehot);
        const tensor_list outs = differentiable_outputs(fn(duals));
        for (size_t o = 0; o < outs.size() && o < outs0.size(); ++o) {
          const Tensor tangent = forward_ad::unpack_dual(outs[o]).tangent;
          const int64_t n_out = outs[o].numel();
          const std::vector<double> a =
              tangent.defined() ? values(tangent) : std::vector<double>(static_cast<size_t>(n_out), 0.0);
          for (int64_t k = 0; k < n_out; ++k) {
            const double an = a[static_cast<size_t>(k)];
            const double nu = numerical[o][w][static_cast<size_t>(j * n_out + k)];
            if (!(std::fabs(an - nu) <= options.atol + options.rtol * std::fabs(nu)))
              return fail(options, fmt::format("gradcheck: forward-mode AD mismatch for output {} with respect to "
                                               "input {} (input element {}, output element {}): numerical {:.8g}, "
                                               "forward mode {:.8g}",
                                               o, wrt[w], j, k, nu, an));
          }
        }
      }
    }
  }

  // Analytical Jacobians, one backward per output element.
  tensor_list outs = differentiable_outputs(fn(inputs));
  tensor_list wrt_tensors;
  for (size_t i : wrt) wrt_tensors.push_back(inputs[i]);
  for (size_t o = 0; o < outs.size(); ++o) {
    if (!outs[o].requires_grad()) {
      for (size_t w = 0; w < wrt.size(); ++w)
        for (double v : numerical[o][w])
          if (std::fabs(v) > options.atol)
            return fail(options, fmt::format("gradcheck: output {} does not require grad, but its numerical gradient "
                                             "with respect to input {} is non-zero ({})",
                                             o, wrt[w], v));
      continue;
    }
    const int64_t n_out = outs[o].numel();
    for (int64_t k = 0; k < n_out; ++k) {
      Tensor onehot = zeros(outs[o].sizes(), outs[o].options());
      ops::fill_into(ops::alias(onehot, Shape{}, Shape{}, k), 1.0);
      tensor_list g = autograd::grad({outs[o]}, wrt_tensors, {onehot}, /*retain_graph=*/true, false, /*allow_unused=*/true);
      for (size_t w = 0; w < wrt.size(); ++w) {
        const int64_t n_in = inputs[wrt[w]].numel();
        const std::vector<double> a = g[w].defined() ? values(g[w]) : std::vector<double>(static_cast<size_t>(n_in), 0.0);
        for (int64_t j = 0; j < n_in; ++j) {
          const double an = a[static_cast<size_t>(j)];
          const double nu = numerical[o][w][static_cast<size_t>(j * n_out + k)];
          if (!(std::fabs(an - nu) <= options.atol + options.rtol * std::fabs(nu))) {
            return fail(options,
                        fmt::format("gradcheck: Jacobian mismatch for output {} with respect to input {} (input element "
                                    "{}, output element {}): numerical {:.8g}, analytical {:.8g}",
                                    o, wrt[w], j, k, nu, an));
          }
        }
      }
    }
  }
  return true;
}

bool gradgradcheck(const DifferentiableFn& fn, const tensor_list& inputs, const GradcheckOptions& options) {
  tensor_list outs;
  {
    NoGradGuard no_grad;
    outs = fn(inputs);
  }
  if (any_complex(inputs) || any_complex(outs)) {
    const RealView r = as_real_function(fn, inputs);
    return gradgradcheck(r.fn, r.inputs, options);
  }
  outs = differentiable_outputs(outs);
  // Random (but reproducible) gradients of the outputs become inputs of the checked function.
  Generator gen(12345);
  tensor_list grad_outputs;
  for (const Tensor& o : outs) grad_outputs.push_back(randn(o.sizes(), gen, TensorOptions(kFloat64)).requires_grad_(true));
  const size_t n = inputs.size();
  auto vjp = [&fn, n](const tensor_list& all) -> tensor_list {
    EnableGradGuard grad_mode;  // gradcheck evaluates this under no_grad for its finite differences
    tensor_list ins(all.begin(), all.begin() + static_cast<long>(n));
    tensor_list gouts(all.begin() + static_cast<long>(n), all.end());
    tensor_list ys = differentiable_outputs(fn(ins));
    tensor_list used_outs, used_grads, wrt;
    for (size_t i = 0; i < ys.size(); ++i) {
      if (!ys[i].requires_grad()) continue;
      used_outs.push_back(ys[i]);
      used_grads.push_back(gouts[i]);
    }
    for (const Tensor& t : ins)
      if (t.defined() && t.requires_grad()) wrt.push_back(t);
    if (used_outs.empty()) return {};
    tensor_list g = autograd::grad(used_outs, wrt, used_grads, true, /*create_graph=*/true, /*allow_unused=*/true);
    tensor_list r;
    for (size_t i = 0; i < g.size(); ++i) r.push_back(g[i].defined() ? g[i] : zeros_like(wrt[i]));
    return r;
  };
  tensor_list all = inputs;
  all.insert(all.end(), grad_outputs.begin(), grad_outputs.end());
  return gradcheck(vjp, all, options);
}

}  // namespace tg::autograd
