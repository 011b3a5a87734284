// Backward formulas of reductions.
#include <cmath>

#include "autograd/derivatives/derivatives.h"
#include "tapegrad/tensor/ops.h"
#include "tensor/ops/internal.h"

namespace tg::autograd::derivatives {
namespace {

// Puts back the reduced dims (sorted) as size 1, so that the gradient broadcasts over them.
Tensor unsqueeze_dims(const Tensor& t, const Shape& dims, bool keepdim) {
  if (keepdim) return t;
  Tensor r = t;
  for (int64_t d : dims) r = r.unsqueeze(d);
  return r;
}

int64_t count(const Shape& shape, const Shape& dims) {
  int64_t n = 1;
  for (int64_t d : dims) n *= shape[static_cast<int>(d)];
  return n;
}

}  // namespace

std::shared_ptr<Node> sum_node(const Tensor& self, const Shape& dims, bool keepdim) {
  const Shape shape = self.sizes();
  return make_node("SumBackward", {&self}, [=](const Node&, const tensor_list& g) -> tensor_list {
    return {unsqueeze_dims(g[0], dims, keepdim).expand(shape)};
  });
}

std::shared_ptr<Node> mean_node(const Tensor& self, const Shape& dims, bool keepdim) {
  const Shape shape = self.sizes();
  const double n = static_cast<double>(count(shape, dims));
  return make_node("MeanBackward", {&self}, [=](const Node&, const tensor_list& g) -> tensor_list {
    return {unsqueeze_dims(g[0], dims, keepdim).expand(shape) / n};
  });
}

std::shared_ptr<Node> prod_node(const Tensor& self, const Tensor& result, const Shape& dims, bool keepdim) {
  auto node = make_node("ProdBackward", {&self}, [=](const Node& n, const tensor_list& g) -> tensor_list {
    Tensor x = n.saved(0);
    Tensor grad = unsqueeze_dims(g[0], dims, keepdim);
    Tensor res = unsqueeze_dims(n.saved(1), dims, keepdim);
    // result / x fails at zeros: with one zero in a slice only that element gets the product
    // of the others; with two or more every gradient is zero.
    Tensor is_zero = eq(x, 0);
    Tensor zeros_in_slice = tg::sum(is_zero, dims, /*keepdim=*/true);
    Tensor prod_nonzero = tg::prod(where(is_zero, 1.0, x), dims, /*keepdim=*/true);
    Tensor no_zero = res / where(is_zero, 1.0, x);
    Tensor one_zero = where(logical_and(eq(zeros_in_slice, 1), is_zero), prod_nonzero, 0.0);
    return {grad * conj(where(eq(zeros_in_slice, 0), no_zero, one_zero))};
  });
  node->save(self);
  node->save(result, /*is_output=*/true);
  return node;
}

std::shared_ptr<Node> amax_amin_node(const char* name, const Tensor& self, const Tensor& result, const Shape& dims,
                                bool keepdim) {
  auto node = make_node(name, {&self}, [=](const Node& n, const tensor_list& g) -> tensor_list {
    Tensor x = n.saved(0);
    Tensor res = unsqueeze_dims(n.saved(1), dims, keepdim);
    // Ties share the gradient evenly, as in PyTorch.
    Tensor mask = eq(x, res).to(x.dtype());
    return {unsqueeze_dims(g[0], dims, keepdim) * mask / tg::sum(mask, dims, /*keepdim=*/true)};
  });
  node->save(self);
  node->save(result, /*is_output=*/true);
  return node;
}

std::shared_ptr<Node> evenly_distributed_node(const char* name, const Tensor& self, const Tensor& result) {
  auto node = make_node(name, {&self}, [](const Node& n, const tensor_list& g) -> tensor_list {
    const Tensor x = n.saved(0), res = n.saved(1);
    const Tensor mask = logical_or(eq(x, res), logical_and(isnan(x), isnan(res)));
    return {mask.to(x.dtype()) * (g[0] / mask.sum())};
  });
  node->save(self);
  node->save(result, /*is_output=*/true);
  return node;
}

std::shared_ptr<Node> indexed_extreme_node(const char* name, const Tensor& self, const Tensor& indices, int64_t dim,
                                      bool keepdim) {
  const Shape shape = self.sizes();
  auto node = make_node(name, {&self}, [=](const Node& n, const tensor_list& g) -> tensor_list {
    if (shape.size() == 0) return {g[0]};
    Tensor idx = n.saved(0);
    Tensor grad = g[0];
    if (!keepdim) {
      idx = idx.unsqueeze(dim);
      grad = grad.unsqueeze(dim);
    }
    return {zeros(shape, grad.options()).scatter(dim, idx, grad)};
  });
  node->save(indices);
  return node;
}

std::shared_ptr<Node> norm_node(const Tensor& self, const Tensor& result, double p, const Shape& dims, bool keepdim) {
  auto node = make_node("NormBackward", {&self}, [=](const Node& n, const tensor_list& g) -> tensor_list {
    Tensor x = n.saved(0);
    Tensor nrm = unsqueeze_dims(n.saved(1), dims, keepdim);
    Tensor grad = unsqueeze_dims(g[0], dims, keepdim);
    if (p == 0) return {zeros_like(x)};
    if (p == 1) return {grad * sign(x)};
    if (std::isinf(p)) {
      Tensor mask = eq(abs(x), nrm).to(x.dtype());
      return {grad * sign(x) * mask / tg::sum(mask, dims, /*keepdim=*/true)};
    }
    // d||x||_p / dx = sign(x) |x|^(p-1) / ||x||^(p-1); zero where the norm is zero.
    Tensor scale = p == 2 ? x / nrm : sign(x) * pow(abs(x), p - 1) / pow(nrm, p - 1);
    return {where(eq(nrm, 0), 0.0, grad * scale)};
  });
  node->save(self);
  node->save(result, /*is_output=*/true);
  return node;
}

std::shared_ptr<Node> std_node(const Tensor& var, const Tensor& result) {
  auto node = make_node("StdBackward", {&var}, [](const Node& n, const tensor_list& g) -> tensor_list {
    // d sqrt(v) / dv = 1 / (2 sqrt(v)); zero where the deviation is zero (constant or single
    // values), as PyTorch's, rather than inf times a zero gradient of var.
    const Tensor std = n.saved(0);
    return {where(eq(std, 0), 0.0, g[0] / (std * 2.0))};
  });
  node->save(result, /*is_output=*/true);
  return node;
}

}  // namespace tg::autograd::derivatives
