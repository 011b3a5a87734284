// Backward formulas of cat, split, unbind, flip and pad.
#include <vector>

#include "autograd/derivatives/derivatives.h"
#include "tapegrad/tensor/ops.h"

namespace tg::autograd::derivatives {

std::shared_ptr<Node> cat_node(const tensor_list& inputs, int64_t dim) {
  std::vector<int64_t> sizes;
  std::vector<DType> dtypes;
  for (const Tensor& t : inputs) {
    sizes.push_back(t.sizes()[static_cast<int>(dim)]);
    dtypes.push_back(t.dtype());
  }
  return make_node("CatBackward", inputs, [=](const Node& n, const tensor_list& g) -> tensor_list {
    tensor_list r(sizes.size());
    int64_t offset = 0;
    for (size_t i = 0; i < sizes.size(); ++i) {
      if (n.needs_input_grad(i)) r[i] = g[0].narrow(dim, offset, sizes[i]).to(dtypes[i]);
      offset += sizes[i];
    }
    return r;
  });
}

// The pieces' gradients arrive together (missing ones as zeros): one cat or stack rebuilds the input's.
std::shared_ptr<Node> split_node(const Tensor& self, int64_t dim) {
  return make_node("SplitBackward", {&self},
                   [dim](const Node&, const tensor_list& g) -> tensor_list { return {cat(g, dim)}; });
}

std::shared_ptr<Node> unbind_node(const Tensor& self, int64_t dim) {
  return make_node("UnbindBackward", {&self},
                   [dim](const Node&, const tensor_list& g) -> tensor_list { return {stack(g, dim)}; });
}

std::shared_ptr<Node> flip_node(const Tensor& self, const Shape& dims) {
  return make_node("FlipBackward", {&self},
                   [dims](const Node&, const tensor_list& g) -> tensor_list { return {g[0].flip(dims)}; });
}

std::shared_ptr<Node> pad_node(const Tensor& self, const std::vector<int64_t>& pads) {
  std::vector<int64_t> undo(pads.size());
  for (size_t i = 0; i < pads.size(); ++i) undo[i] = -pads[i];
  // Padding by the negated amounts crops what was added and zero-fills what was cropped.
  return make_node("PadBackward", {&self},
                   [undo](const Node&, const tensor_list& g) -> tensor_list { return {tg::pad(g[0], undo, 0)}; });
}

std::shared_ptr<Node> triangle_node(const Tensor& self, int64_t diagonal, bool lower) {
  return make_node(lower ? "TrilBackward" : "TriuBackward", {&self},
                   [diagonal, lower](const Node&, const tensor_list& g) -> tensor_list {
                     return {lower ? tg::tril(g[0], diagonal) : tg::triu(g[0], diagonal)};
                   });
}

}  // namespace tg::autograd::derivatives
