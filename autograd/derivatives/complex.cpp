// Backward formulas of the complex-number ops (tensor/ops/complex.cpp). Gradients of complex
// tensors are conjugate Wirtinger derivatives scaled as PyTorch's: dL/dx + i dL/dy.
#include <numbers>

#include "autograd/derivatives/derivatives.h"
#include "tapegrad/tensor/ops.h"
#include "tensor/ops/internal.h"

namespace tg::autograd::derivatives {

std::shared_ptr<Node> view_as_real_node(const Tensor& self) {
  // The gradient of the parts [..., 2] is the complex gradient; contiguous makes it viewable.
  return make_node("ViewAsRealBackward", {&self}, [](const Node&, const tensor_list& g) -> tensor_list {
    return {view_as_complex(g[0].contiguous())};
  });
}

std::shared_ptr<Node> view_as_complex_node(const Tensor& self) {
  return make_node("ViewAsComplexBackward", {&self},
                   [](const Node&, const tensor_list& g) -> tensor_list { return {view_as_real(g[0])}; });
}

std::shared_ptr<Node> conj_node(const Tensor& self) {
  return make_node("ConjBackward", {&self},
                   [](const Node&, const tensor_list& g) -> tensor_list { return {conj(g[0])}; });
}

std::shared_ptr<Node> angle_node(const Tensor& self) {
  auto node = make_node("AngleBackward", {&self}, [](const Node& n, const tensor_list& g) -> tensor_list {
    const Tensor z = n.saved(0);
    // d angle = (x dy - y dx) / |z|^2: the gradient i z g / |z|^2, 0 at z = 0; a real input's
    // angle is piecewise constant.
    if (!z.is_complex()) return {zeros_like(z)};
    const Tensor a = abs(z);
    return {where(eq(z, 0), 0.0, g[0] * z / (a * a) * Scalar(std::complex<double>(0, 1)))};
  });
  node->save(self);
  return node;
}

std::shared_ptr<Node> fft_node(const Tensor& self, int d, bool inverse, double scale) {
  // The transform's matrix F is symmetric, so its adjoint conj(F) is the opposite transform.
  return make_node(inverse ? "FftC2CInverseBackward" : "FftC2CBackward", {&self},
                   [d, inverse, scale](const Node&, const tensor_list& g) -> tensor_list {
                     return {ops::fft_c2c(g[0], d, !inverse, scale)};
                   });
}

}  // namespace tg::autograd::derivatives
