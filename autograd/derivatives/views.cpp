// Backward formulas of views and copies.
#include "autograd/derivatives/derivatives.h"
#include "tapegrad/tensor/ops.h"
#include "tensor/ops/internal.h"

namespace tg::autograd::derivatives {

std::shared_ptr<Node> reshape_like_node(const char* name, const Tensor& self) {
  const Shape shape = self.sizes();
  return make_node(name, {&self},
                   [shape](const Node&, const tensor_list& g) -> tensor_list { return {g[0].reshape(shape)}; });
}

std::shared_ptr<Node> permute_node(const Tensor& self, const Shape& dims) {
  Shape inverse = dims;
  for (int i = 0; i < dims.size(); ++i) inverse[static_cast<int>(dims[i])] = i;
  return make_node("PermuteBackward", {&self},
                   [inverse](const Node&, const tensor_list& g) -> tensor_list { return {g[0].permute(inverse)}; });
}

std::shared_ptr<Node> expand_node(const Tensor& self) {
  const Shape shape = self.sizes();
  return make_node("ExpandBackward", {&self},
                   [shape](const Node&, const tensor_list& g) -> tensor_list { return {ops::sum_to_shape(g[0], shape)}; });
}

std::shared_ptr<Node> strided_view_node(const char* name, const Tensor& self, const Shape& sizes, const Shape& strides,
                                   int64_t offset) {
  const Shape shape = self.sizes();
  return make_node(name, {&self}, [shape, sizes, strides, offset](const Node&, const tensor_list& g) -> tensor_list {
    return {ops::strided_scatter(zeros(shape, g[0].options()), g[0], sizes, strides, offset, /*accumulate=*/true)};
  });
}

std::shared_ptr<Node> clone_node(const Tensor& self) {
  return make_node("CloneBackward", {&self}, [](const Node&, const tensor_list& g) -> tensor_list { return {g[0]}; });
}

std::shared_ptr<Node> strided_scatter_node(const Tensor& base, const Tensor& src, const Shape& sizes, const Shape& strides,
                                      int64_t offset, bool accumulate) {
  const Shape src_shape = src.sizes();
  return make_node("StridedScatterBackward", {&base, &src},
                   [=](const Node& n, const tensor_list& g) -> tensor_list {
                     tensor_list r(2);
                     if (n.needs_input_grad(0))
                       r[0] = accumulate ? g[0]
                                         : ops::strided_scatter(g[0], zeros(sizes, g[0].options()), sizes, strides,
                                                                offset, false);
                     if (n.needs_input_grad(1)) {
                       Tensor gc = g[0].contiguous();
                       r[1] = ops::sum_to_shape(gc.as_strided(sizes, strides, gc.storage_offset() + offset), src_shape);
                     }
                     return r;
                   });
}

}  // namespace tg::autograd::derivatives
