// Backward formulas of the scans: each is made of tensor ops (scans among them), so that
// gradients of any order follow.
#include <cmath>
#include <limits>

#include "autograd/derivatives/derivatives.h"
#include "tapegrad/tensor/ops.h"

namespace tg::autograd::derivatives {
namespace {

// out[k] = sum over j >= k of t[j] along dim: the adjoint of cumsum.
Tensor reverse_cumsum(const Tensor& t, int64_t dim) { return t.flip({dim}).cumsum(dim).flip({dim}); }

}  // namespace

std::shared_ptr<Node> cumsum_node(const Tensor& self, int64_t dim) {
  return make_node("CumsumBackward", {&self}, [dim](const Node&, const tensor_list& g) -> tensor_list {
    if (g[0].dim() == 0) return {g[0]};
    return {reverse_cumsum(g[0], dim)};
  });
}

std::shared_ptr<Node> cumprod_node(const Tensor& self, const Tensor& result, int64_t dim) {
  auto node = make_node("CumprodBackward", {&self}, [dim](const Node& n, const tensor_list& g) -> tensor_list {
    if (g[0].dim() == 0) return {g[0]};
    // Complex: the conjugate derivatives, as every complex gradient (PyTorch's convention).
    Tensor x = conj(n.saved(0)), out = conj(n.saved(1));
    // d out[j] / d x[k] = prod over i <= j, i != k of x[i]. Before a slice's first zero that is
    // out[j] / x[k]; at the first zero it is the cumprod with that zero taken as 1; after it, 0.
    Tensor is_zero = eq(x, 0);
    // Without zeros (the usual case, and PyTorch's fast path too) that is all: five passes
    // instead of fifteen.
    if (!is_zero.any().item<bool>()) return {reverse_cumsum(g[0] * out, dim) / x};
    Tensor zeros_so_far = is_zero.cumsum(dim);
    Tensor before = eq(zeros_so_far, 0);
    Tensor first_zero = logical_and(is_zero, eq(zeros_so_far, 1));
    Tensor until_zero = where(before, reverse_cumsum(g[0] * out, dim) / where(before, x, 1.0), 0.0);
    Tensor at_zero = where(first_zero, reverse_cumsum(g[0] * where(first_zero, 1.0, x).cumprod(dim), dim), 0.0);
    return {until_zero + at_zero};
  });
  node->save(self);
  node->save(result, /*is_output=*/true);
  return node;
}

std::shared_ptr<Node> cummax_cummin_node(const char* name, const Tensor& self, const Tensor& indices, int64_t dim) {
  const Shape shape = self.sizes();
  auto node = make_node(name, {&self}, [=](const Node& n, const tensor_list& g) -> tensor_list {
    if (shape.size() == 0) return {g[0]};
    // Each output position passes its gradient to the element it copied.
    return {zeros(shape, g[0].options()).scatter_add(dim, n.saved(0), g[0])};
  });
  node->save(indices);
  return node;
}

std::shared_ptr<Node> logcumsumexp_node(const Tensor& self, const Tensor& result, int64_t dim) {
  auto node = make_node("LogcumsumexpBackward", {&self}, [dim](const Node& n, const tensor_list& g) -> tensor_list {
    if (g[0].dim() == 0) return {g[0]};
    Tensor x = n.saved(0), out = n.saved(1);
    // dx[k] = sum over j >= k of g[j] exp(x[k] - out[j]), summed in log space (TensorFlow's
    // formula, as PyTorch's): the positive and negative parts of g apart, as logs need them. The
    // other part's entries are the dtype's lowest number, not -inf, which would make NaNs in the
    // second derivative.
    const bool wide = x.dtype() == kFloat64 || x.dtype() == kComplex128;
    const double lowest = wide                     ? std::numeric_limits<double>::lowest()
                          : x.dtype() == kFloat16  ? -65504.0
                          : x.dtype() == kBFloat16 ? -3.3895313892515355e38
                                                   : std::numeric_limits<float>::lowest();
    if (x.is_complex()) {
      // dx[k] = sum over j >= k of g[j] conj(exp(x[k] - out[j])) (PyTorch's convention for a
      // holomorphic map), in log space: complex logs carry the signs and phases of g, and zeros
      // become the lowest number (their exp, 0, whatever the phase).
      const Tensor nonzero = ne(g[0], 0);
      const Tensor log_g = where(nonzero, log(where(nonzero, g[0], 1.0)), lowest);
      return {exp((log_g - conj(out)).flip({dim}).logcumsumexp(dim).flip({dim}) + conj(x))};
    }
    auto part = [&](const Tensor& mask, const Tensor& magnitude) {
      Tensor log_g = where(mask, log(where(mask, magnitude, 1.0)), lowest);
      return exp((log_g - out).flip({dim}).logcumsumexp(dim).flip({dim}) + x);
    };
    return {part(gt(g[0], 0), g[0]) - part(lt(g[0], 0), -g[0])};
  });
  node->save(self);
  node->save(result, /*is_output=*/true);
  return node;
}

}  // namespace tg::autograd::derivatives
