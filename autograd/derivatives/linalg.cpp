// Backward formulas of matrix products and softmax.
#include "autograd/derivatives/derivatives.h"
#include "tapegrad/tensor/ops.h"
#include "tensor/ops/internal.h"

namespace tg::autograd::derivatives {

std::shared_ptr<Node> matmul_node(const Tensor& a, const Tensor& b) {
  const Shape as = a.sizes(), bs = b.sizes();
  auto node = make_node("MmBackward", {&a, &b}, [as, bs](const Node& n, const tensor_list& g) -> tensor_list {
    tensor_list r(2);
    if (n.needs_input_grad(0)) r[0] = ops::sum_to_shape(tg::matmul(g[0], n.saved(1).mT()), as);
    if (n.needs_input_grad(1)) r[1] = ops::sum_to_shape(tg::matmul(n.saved(0).mT(), g[0]), bs);
    return r;
  });
  node->save(a);
  node->save(b);
  return node;
}

std::shared_ptr<Node> softmax_node(const Tensor& self, const Tensor& result, int64_t dim, bool log) {
  auto node = make_node(log ? "LogSoftmaxBackward" : "SoftmaxBackward", {&self},
                        [dim, log](const Node& n, const tensor_list& g) -> tensor_list {
                          Tensor y = n.saved(0);
                          const Tensor& grad = g[0];
                          if (y.dim() == 0) return {zeros_like(grad)};
                          if (log) return {grad - exp(y) * grad.sum({dim}, true)};
                          return {y * (grad - (grad * y).sum({dim}, true))};
                        });
  node->save(result, /*is_output=*/true);
  return node;
}

}  // namespace tg::autograd::derivatives
