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

namespace {
// A real tensor of h weights along dim d of an nd-dim tensor (1 elsewhere): `edge` for the zero
// frequency and, for even n, the Nyquist one; `middle` for the frequencies that stand for two.
Tensor half_spectrum_weights(const Tensor& like, int d, int nd, int64_t n, double edge, double middle) {
  const int64_t h = n / 2 + 1;
  std::vector<double> w(static_cast<size_t>(h), middle);
  w.front() = edge;
  if (n % 2 == 0) w.back() = edge;
  Shape shape = Shape::filled(nd, 1);
  shape[d] = h;
  return tensor(w).to(like.device(), to_real_dtype(like.dtype())).view(shape);
}
}  // namespace

std::shared_ptr<Node> fft_r2c_node(const Tensor& self, int d, double scale) {
  // X_k = sum_j x_j W^jk for k <= n / 2; so dL/dx_j = Re sum_k g_k conj(W^jk): the complex-to-real
  // transform of g, which counts each middle frequency twice, with those halved.
  const int64_t n = self.sizes()[d];
  const int nd = self.dim();
  return make_node("FftR2CBackward", {&self}, [d, n, nd, scale](const Node&, const tensor_list& g) -> tensor_list {
    return {ops::fft_c2r(g[0] * half_spectrum_weights(g[0], d, nd, n, 1.0, 0.5), d, n, scale)};
  });
}

std::shared_ptr<Node> fft_c2r_node(const Tensor& self, int d, int64_t n, double scale) {
  // Each middle frequency X_k enters the signal twice (as itself and as conj X_n-k), the zero and
  // Nyquist ones once and through their real parts only (which the real-to-complex transform of a
  // real gradient gives them anyway).
  const int nd = self.dim();
  return make_node("FftC2RBackward", {&self}, [d, n, nd, scale](const Node&, const tensor_list& g) -> tensor_list {
    const Tensor grad = ops::fft_r2c(g[0], d, scale);
    return {grad * half_spectrum_weights(grad, d, nd, n, 1.0, 2.0)};
  });
}

}  // namespace tg::autograd::derivatives
