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

std::shared_ptr<Node> scatter_node(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& src, bool add) {
  const Shape src_shape = src.sizes();
  const DType src_dtype = src.dtype();
  auto node = make_node(add ? "ScatterAddBackward" : "ScatterBackward", {&self, &src},
                        [=](const Node& n, const tensor_list& g) -> tensor_list {
                          Tensor idx = n.saved(0);
                          tensor_list r(2);
                          if (n.needs_input_grad(0)) r[0] = add ? g[0] : g[0].scatter(dim, idx, 0.0);
                          if (n.needs_input_grad(1)) {
                            // The source may be larger than the index: its other elements get zeros.
                            Tensor picked = g[0].gather(dim, idx);
                            std::vector<int64_t> pads;
                            for (int d = src_shape.size() - 1; d >= 0; --d) {
                              pads.push_back(0);
                              pads.push_back(src_shape[d] - picked.sizes()[d]);
                            }
                            r[1] = tg::pad(picked, pads, 0).to(src_dtype);
                          }
                          return r;
                        });
  node->save(index);
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
