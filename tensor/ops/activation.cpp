// Activations composed from primitive ops, so that their backward (and double backward) come
// from the primitives' formulas.
#include <cmath>

#include "tapegrad/tensor/ops.h"
#include "tensor/ops/common.h"
#include "tensor/ops/inplace.h"

namespace tg {
namespace {
void check_floating(const char* name, const Tensor& self) {
  ops::check_defined(name, self, "input");
  TG_CHECK_TYPE(self.is_floating_point(), "{}: expected a floating-point tensor, got {}", name, self.dtype());
}
}  // namespace

Tensor leaky_relu(const Tensor& self, double negative_slope, SourceLoc loc) {
  detail::ApiScope scope("leaky_relu", loc);
  check_floating("leaky_relu", self);
  return where(gt(self, 0), self, self * negative_slope);
}
const Tensor& leaky_relu_(const Tensor& self, double negative_slope, SourceLoc loc) {
  detail::ApiScope scope("leaky_relu_", loc);
  return ops::inplace_via_copy(self, "leaky_relu_", [&](const Tensor& s) { return leaky_relu(s, negative_slope); });
}

Tensor elu(const Tensor& self, double alpha, SourceLoc loc) {
  detail::ApiScope scope("elu", loc);
  check_floating("elu", self);
  // expm1 of min(x, 0): the branch that where() drops never overflows, so its zero gradient
  // stays zero instead of 0 * inf.
  return where(gt(self, 0), self, expm1(clamp_max(self, 0)) * alpha);
}
const Tensor& elu_(const Tensor& self, double alpha, SourceLoc loc) {
  detail::ApiScope scope("elu_", loc);
  return ops::inplace_via_copy(self, "elu_", [&](const Tensor& s) { return elu(s, alpha); });
}

Tensor gelu(const Tensor& self, std::string_view approximate, SourceLoc loc) {
  detail::ApiScope scope("gelu", loc);
  check_floating("gelu", self);
  if (approximate == "none") return self * 0.5 * (erf(self * M_SQRT1_2) + 1);
  TG_CHECK_VALUE(approximate == "tanh", "gelu: approximate must be \"none\" or \"tanh\", got \"{}\"", approximate);
  const double k = std::sqrt(2.0 / M_PI);
  return self * 0.5 * (tanh((self + self * self * self * 0.044715) * k) + 1);
}
const Tensor& gelu_(const Tensor& self, std::string_view approximate, SourceLoc loc) {
  detail::ApiScope scope("gelu_", loc);
  return ops::inplace_via_copy(self, "gelu_", [&](const Tensor& s) { return gelu(s, approximate); });
}

Tensor silu(const Tensor& self, SourceLoc loc) {
  detail::ApiScope scope("silu", loc);
  check_floating("silu", self);
  return self * sigmoid(self);
}
const Tensor& silu_(const Tensor& self, SourceLoc loc) {
  detail::ApiScope scope("silu_", loc);
  return ops::inplace_via_copy(self, "silu_", [&](const Tensor& s) { return silu(s); });
}

Tensor softplus(const Tensor& self, double beta, double threshold, SourceLoc loc) {
  detail::ApiScope scope("softplus", loc);
  check_floating("softplus", self);
  TG_CHECK_VALUE(beta != 0, "softplus: beta must be non-zero");
  Tensor scaled = self * beta;
  // Above the threshold softplus is the identity; min() keeps exp() finite on that branch.
  return where(gt(scaled, threshold), self, log1p(exp(clamp_max(scaled, threshold))) / beta);
}
const Tensor& softplus_(const Tensor& self, double beta, double threshold, SourceLoc loc) {
  detail::ApiScope scope("softplus_", loc);
  return ops::inplace_via_copy(self, "softplus_", [&](const Tensor& s) { return softplus(s, beta, threshold); });
}

}  // namespace tg
