// Backward formulas of indexing, gather/scatter and sorting.
#include "autograd/derivatives/derivatives.h"
#include "tapegrad/tensor/ops.h"
#include "tensor/ops/internal.h"

namespace tg::autograd::derivatives {

using OptionalIndices = std::vector<std::optional<Tensor>>;

std::shared_ptr<Node> index_node(const Tensor& self, const OptionalIndices& indices) {
  const Shape shape = self.sizes();
  return make_node("IndexBackward", {&self}, [=](const Node&, const tensor_list& g) -> tensor_list {
    return {ops::index_put_into_zeros(shape, indices, g[0])};
  });
}

std::shared_ptr<Node> index_put_node(const Tensor& self, const OptionalIndices& indices, const Tensor& values,
                                     bool accumulate) {
  const Shape vshape = values.sizes();
  const DType vdtype = values.dtype();
  return make_node("IndexPutBackward", {&self, &values}, [=](const Node& n, const tensor_list& g) -> tensor_list {
    tensor_list r(2);
    if (n.needs_input_grad(0))
      r[0] = accumulate ? g[0] : tg::index_put(g[0], indices, zeros({}, g[0].options()), false);
    if (n.needs_input_grad(1)) r[1] = ops::sum_to_shape(tg::index(g[0], indices), vshape).to(vdtype);
    return r;
  });
}

std::shared_ptr<Node> gather_node(const Tensor& self, int64_t dim, const Tensor& index) {
  const Shape shape = self.sizes();
  auto node = make_node("GatherBackward", {&self}, [=](const Node& n, const tensor_list& g) -> tensor_list {
    return {zeros(shape, g[0].options()).scatter_add(dim, n.saved(0), g[0])};
  });
  node->save(index);
  return node;
}

namespace {
// A gradient of the index's shape, padded with zeros to the source's (which may be larger).
Tensor pad_to(const Tensor& picked, const Shape& src_shape) {
  std::vector<int64_t> pads;
  for (int d = src_shape.size() - 1; d >= 0; --d) {
    pads.push_back(0);
    pads.push_back(src_shape[d] - picked.sizes()[d]);
  }
  return tg::pad(picked, pads, 0);
}
}  // namespace

std::shared_ptr<Node> scatter_node(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& src, bool add) {
  const Shape src_shape = src.sizes();
  const DType src_dtype = src.dtype();
  auto node = make_node(add ? "ScatterAddBackward" : "ScatterBackward", {&self, &src},
                        [=](const Node& n, const tensor_list& g) -> tensor_list {
                          Tensor idx = n.saved(0);
                          tensor_list r(2);
                          if (n.needs_input_grad(0)) r[0] = add ? g[0] : g[0].scatter(dim, idx, 0.0);
                          if (n.needs_input_grad(1)) r[1] = pad_to(g[0].gather(dim, idx), src_shape).to(src_dtype);
                          return r;
                        });
  node->save(index);
  return node;
}

// PyTorch's formulas (scatter_reduce_backward), but for amax/amin with include_self false,
// where self's values at the places written to do not share the gradient.
std::shared_ptr<Node> scatter_reduce_node(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& src,
                                          std::string_view reduce, bool include_self, const Tensor& result) {
  const Shape src_shape = src.sizes();
  const std::string op(reduce);
  auto node =
      make_node("ScatterReduceBackward", {&self, &src}, [=](const Node& n, const tensor_list& g) -> tensor_list {
        const Tensor &idx = n.saved(0), &self = n.saved(1), &result = n.saved(3), &grad = g[0];
        Tensor src = n.saved(2);
        for (int d = 0; d < idx.dim(); ++d) src = src.slice(d, 0, idx.sizes()[d]);  // the elements scattered
        const auto left_out = [&](const Tensor& t) { return include_self ? t : t.scatter(dim, idx, 0.0); };
        Tensor grad_self, grad_src;
        if (op == "sum") {
          grad_self = grad;
          grad_src = grad.gather(dim, idx);
        } else if (op == "mean") {
          const Tensor count = left_out(ones_like(self)).scatter_add(dim, idx, ones_like(src));
          grad_self = grad / count;
          grad_src = grad_self.gather(dim, idx);
        } else if (op == "prod") {
          // The product of the others, also where an element is 0: self's zeros are masked to 1, and
          // a source zero alone in its place is masked to 1 in a second product.
          const Tensor masked_self = where(eq(self, 0), 1.0, self);
          grad_self = grad * scatter_reduce(masked_self, dim, idx, src, "prod", include_self) / masked_self;
          const Tensor src_zero = eq(src, 0);
          const Tensor zeros_there = zeros_like(self).scatter_add(dim, idx, src_zero.to(self.dtype())).gather(dim, idx);
          const Tensor single_zero = logical_and(src_zero, eq(zeros_there, 1));
          const Tensor others = scatter_reduce(self, dim, idx, where(single_zero, 1.0, src), "prod", include_self);
          grad_src = where(single_zero, (grad * others).gather(dim, idx),
                           (grad * result).gather(dim, idx) / where(src_zero, 1.0, src));
        } else {
          // amax / amin: the elements equal to the result share its gradient evenly.
          const Tensor self_is = left_out(eq(self, result).to(grad.dtype()));
          const Tensor src_is = eq(src, result.gather(dim, idx)).to(grad.dtype());
          const Tensor count = self_is.scatter_add(dim, idx, src_is);
          const Tensor share = grad / where(eq(count, 0), 1.0, count);
          grad_self = self_is * share;
          grad_src = src_is * share.gather(dim, idx);
        }
        return {left_out(grad_self), pad_to(grad_src, src_shape)};
      });
  node->save(index);
  node->save(self);
  node->save(src);
  node->save(result, /*is_output=*/true);
  return node;
}

std::shared_ptr<Node> sorted_values_node(const char* name, const Tensor& self, int64_t dim, const Tensor& indices) {
  const Shape shape = self.sizes();
  auto node = make_node(name, {&self}, [=](const Node& n, const tensor_list& g) -> tensor_list {
    if (shape.size() == 0) return {g[0]};
    return {zeros(shape, g[0].options()).scatter(dim, n.saved(0), g[0])};
  });
  node->save(indices);
  return node;
}

}  // namespace tg::autograd::derivatives
