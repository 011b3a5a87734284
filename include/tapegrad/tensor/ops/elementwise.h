#pragma once
// Elementwise ops: the tables in unary_ops.def / binary_ops.def / compare_ops.def /
// bitwise_ops.def, activations,
// clamp, where, lerp. All broadcast, follow PyTorch's type promotion, and record for autograd.
#include <optional>
#include <string_view>

#include "tapegrad/tensor/tensor.h"

namespace tg {

#define TG_UNARY_OP(name, ...)                         \
  Tensor name(const Tensor& self, TG_CALLER);          \
  const Tensor& name##_(const Tensor& self, TG_CALLER);
#include "tapegrad/tensor/unary_ops.def"
#undef TG_UNARY_OP

#define TG_BINARY_OP(name, ...)                                                   \
  Tensor name(const Tensor& self, const Tensor& other, TG_CALLER);                \
  Tensor name(const Tensor& self, const Scalar& other, TG_CALLER);                \
  const Tensor& name##_(const Tensor& self, const Tensor& other, TG_CALLER);       \
  const Tensor& name##_(const Tensor& self, const Scalar& other, TG_CALLER);
#include "tapegrad/tensor/binary_ops.def"
#undef TG_BINARY_OP

Tensor add(const Tensor& self, const Tensor& other, const Scalar& alpha, TG_CALLER);
Tensor add(const Tensor& self, const Scalar& other, const Scalar& alpha, TG_CALLER);
Tensor sub(const Tensor& self, const Tensor& other, const Scalar& alpha, TG_CALLER);
Tensor sub(const Tensor& self, const Scalar& other, const Scalar& alpha, TG_CALLER);
const Tensor& add_(const Tensor& self, const Tensor& other, const Scalar& alpha, TG_CALLER);
const Tensor& sub_(const Tensor& self, const Tensor& other, const Scalar& alpha, TG_CALLER);
// Number-first forms: 2 - x, 1 / x, 2 ** x.
Tensor sub(const Scalar& self, const Tensor& other, TG_CALLER);
Tensor div(const Scalar& self, const Tensor& other, TG_CALLER);
Tensor pow(const Scalar& self, const Tensor& exponent, TG_CALLER);
// rounding_mode "trunc" or "floor" (true division without one).
Tensor div(const Tensor& self, const Tensor& other, std::string_view rounding_mode, TG_CALLER);
Tensor div(const Tensor& self, const Scalar& other, std::string_view rounding_mode, TG_CALLER);

// The in-place forms write the result (1 or 0) in self's dtype, as PyTorch's lt_ and logical_and_.
#define TG_COMPARE_OP(name, ...)                                             \
  Tensor name(const Tensor& self, const Tensor& other, TG_CALLER);           \
  Tensor name(const Tensor& self, const Scalar& other, TG_CALLER);           \
  const Tensor& name##_(const Tensor& self, const Tensor& other, TG_CALLER); \
  const Tensor& name##_(const Tensor& self, const Scalar& other, TG_CALLER);
#include "tapegrad/tensor/compare_ops.def"
#undef TG_COMPARE_OP
Tensor logical_not(const Tensor& self, TG_CALLER);
const Tensor& logical_not_(const Tensor& self, TG_CALLER);
#define TG_BITWISE_OP(name, ...)                                             \
  Tensor name(const Tensor& self, const Tensor& other, TG_CALLER);           \
  Tensor name(const Tensor& self, const Scalar& other, TG_CALLER);           \
  Tensor name(const Scalar& self, const Tensor& other, TG_CALLER);           \
  const Tensor& name##_(const Tensor& self, const Tensor& other, TG_CALLER); \
  const Tensor& name##_(const Tensor& self, const Scalar& other, TG_CALLER);
#include "tapegrad/tensor/bitwise_ops.def"
#undef TG_BITWISE_OP
// ~x: logical not of a bool tensor, the bits flipped in an integer one.
Tensor bitwise_not(const Tensor& self, TG_CALLER);
const Tensor& bitwise_not_(const Tensor& self, TG_CALLER);
Tensor isnan(const Tensor& self, TG_CALLER);
Tensor isinf(const Tensor& self, TG_CALLER);
Tensor isfinite(const Tensor& self, TG_CALLER);
Tensor isposinf(const Tensor& self, TG_CALLER);
Tensor isneginf(const Tensor& self, TG_CALLER);
// Where self is within atol + rtol * |other| of other (NaNs equal only with equal_nan), as bool.
Tensor isclose(const Tensor& self, const Tensor& other, double rtol = 1e-5, double atol = 1e-8, bool equal_nan = false,
               TG_CALLER);
// Whether all elements are within atol + rtol * |other| (NaNs equal only with equal_nan).
bool allclose(const Tensor& self, const Tensor& other, double rtol = 1e-5, double atol = 1e-8, bool equal_nan = false);
// Same shape and the same values.
bool equal(const Tensor& self, const Tensor& other);

Tensor clamp(const Tensor& self, const std::optional<Scalar>& min, const std::optional<Scalar>& max = std::nullopt,
             TG_CALLER);
Tensor clamp(const Tensor& self, const std::optional<Tensor>& min, const std::optional<Tensor>& max = std::nullopt,
             TG_CALLER);
const Tensor& clamp_(const Tensor& self, const std::optional<Scalar>& min,
                     const std::optional<Scalar>& max = std::nullopt, TG_CALLER);
const Tensor& clamp_(const Tensor& self, const std::optional<Tensor>& min,
                     const std::optional<Tensor>& max = std::nullopt, TG_CALLER);
Tensor clamp_min(const Tensor& self, const Scalar& min, TG_CALLER);
Tensor clamp_max(const Tensor& self, const Scalar& max, TG_CALLER);
Tensor clamp_min(const Tensor& self, const Tensor& min, TG_CALLER);
Tensor clamp_max(const Tensor& self, const Tensor& max, TG_CALLER);
const Tensor& clamp_min_(const Tensor& self, const Scalar& min, TG_CALLER);
const Tensor& clamp_max_(const Tensor& self, const Scalar& max, TG_CALLER);
const Tensor& clamp_min_(const Tensor& self, const Tensor& min, TG_CALLER);
const Tensor& clamp_max_(const Tensor& self, const Tensor& max, TG_CALLER);
// self itself (torch.positive; not for bool), and sign (torch.sgn, the same for real tensors).
Tensor positive(const Tensor& self, TG_CALLER);
Tensor sgn(const Tensor& self, TG_CALLER);
Tensor square(const Tensor& self, TG_CALLER);

// Activations (torch.nn.functional names and defaults).
Tensor leaky_relu(const Tensor& self, double negative_slope = 0.01, TG_CALLER);
const Tensor& leaky_relu_(const Tensor& self, double negative_slope = 0.01, TG_CALLER);
Tensor elu(const Tensor& self, double alpha = 1.0, TG_CALLER);
const Tensor& elu_(const Tensor& self, double alpha = 1.0, TG_CALLER);
// approximate: "none" (exact, with erf) or "tanh".
Tensor gelu(const Tensor& self, std::string_view approximate = "none", TG_CALLER);
const Tensor& gelu_(const Tensor& self, std::string_view approximate = "none", TG_CALLER);
Tensor silu(const Tensor& self, TG_CALLER);
const Tensor& silu_(const Tensor& self, TG_CALLER);
Tensor softplus(const Tensor& self, double beta = 1.0, double threshold = 20.0, TG_CALLER);
const Tensor& softplus_(const Tensor& self, double beta = 1.0, double threshold = 20.0, TG_CALLER);
// SELU's fixed alpha and scale (Klambauer et al.); CELU: max(0, x) + min(0, alpha (exp(x / alpha) - 1)).
Tensor selu(const Tensor& self, TG_CALLER);
const Tensor& selu_(const Tensor& self, TG_CALLER);
Tensor celu(const Tensor& self, double alpha = 1.0, TG_CALLER);
const Tensor& celu_(const Tensor& self, double alpha = 1.0, TG_CALLER);
// Clamps to [min_val, max_val]; the gradient is zero at and beyond the bounds. relu6 is hardtanh(0, 6).
Tensor hardtanh(const Tensor& self, double min_val = -1.0, double max_val = 1.0, TG_CALLER);
const Tensor& hardtanh_(const Tensor& self, double min_val = -1.0, double max_val = 1.0, TG_CALLER);
Tensor relu6(const Tensor& self, TG_CALLER);
const Tensor& relu6_(const Tensor& self, TG_CALLER);
// relu6(x + 3) / 6, and x times that.
Tensor hardsigmoid(const Tensor& self, TG_CALLER);
const Tensor& hardsigmoid_(const Tensor& self, TG_CALLER);
Tensor hardswish(const Tensor& self, TG_CALLER);
const Tensor& hardswish_(const Tensor& self, TG_CALLER);
// x tanh(softplus(x)).
Tensor mish(const Tensor& self, TG_CALLER);
const Tensor& mish_(const Tensor& self, TG_CALLER);

// condition ? self : other, broadcasting all three.
Tensor where(const Tensor& condition, const Tensor& self, const Tensor& other, TG_CALLER);
Tensor where(const Tensor& condition, const Tensor& self, const Scalar& other, TG_CALLER);
Tensor where(const Tensor& condition, const Scalar& self, const Tensor& other, TG_CALLER);
Tensor where(const Tensor& condition, const Scalar& self, const Scalar& other, TG_CALLER);
// self + weight * (end - self)
Tensor lerp(const Tensor& self, const Tensor& end, const Scalar& weight, TG_CALLER);
Tensor lerp(const Tensor& self, const Tensor& end, const Tensor& weight, TG_CALLER);
const Tensor& lerp_(const Tensor& self, const Tensor& end, const Scalar& weight, TG_CALLER);
const Tensor& lerp_(const Tensor& self, const Tensor& end, const Tensor& weight, TG_CALLER);
// self + value * tensor1 * tensor2, and self + value * tensor1 / tensor2 (not for integer tensors).
Tensor addcmul(const Tensor& self, const Tensor& tensor1, const Tensor& tensor2, const Scalar& value = 1, TG_CALLER);
const Tensor& addcmul_(const Tensor& self, const Tensor& tensor1, const Tensor& tensor2, const Scalar& value = 1,
                       TG_CALLER);
Tensor addcdiv(const Tensor& self, const Tensor& tensor1, const Tensor& tensor2, const Scalar& value = 1, TG_CALLER);
const Tensor& addcdiv_(const Tensor& self, const Tensor& tensor1, const Tensor& tensor2, const Scalar& value = 1,
                       TG_CALLER);
// NaN, +inf and -inf replaced by nan, posinf and neginf (by default 0 and the dtype's largest and
// lowest finite values).
Tensor nan_to_num(const Tensor& self, double nan = 0.0, std::optional<double> posinf = std::nullopt,
                  std::optional<double> neginf = std::nullopt, TG_CALLER);
// Composed pointwise functions (torch names): self * log(other) and self * log1p(other), 0 where
// self is 0 and other is not NaN; log(p / (1 - p)) of p clamped to
// [eps, 1 - eps] when eps is given; |self| with other's sign; 0, values or 1 by self's sign;
// sin(pi x) / (pi x) (1 at 0); angle conversions; the fractional part (self - trunc(self));
// self ** exponent in float64; whether the sign bit is set; self * 2 ** other.
Tensor xlogy(const Tensor& self, const Tensor& other, TG_CALLER);
Tensor xlogy(const Tensor& self, const Scalar& other, TG_CALLER);
Tensor xlogy(const Scalar& self, const Tensor& other, TG_CALLER);
Tensor xlog1py(const Tensor& self, const Tensor& other, TG_CALLER);
Tensor logit(const Tensor& self, std::optional<double> eps = std::nullopt, TG_CALLER);
Tensor heaviside(const Tensor& self, const Tensor& values, TG_CALLER);
Tensor sinc(const Tensor& self, TG_CALLER);
Tensor deg2rad(const Tensor& self, TG_CALLER);
Tensor rad2deg(const Tensor& self, TG_CALLER);
Tensor float_power(const Tensor& self, const Tensor& exponent, TG_CALLER);
Tensor float_power(const Tensor& self, const Scalar& exponent, TG_CALLER);
Tensor signbit(const Tensor& self, TG_CALLER);
Tensor ldexp(const Tensor& self, const Tensor& other, TG_CALLER);
// The in-place forms of the composed functions above and of nan_to_num, sgn and square
// (float_power_ needs a float64 self, as in PyTorch).
const Tensor& xlogy_(const Tensor& self, const Tensor& other, TG_CALLER);
const Tensor& xlogy_(const Tensor& self, const Scalar& other, TG_CALLER);
const Tensor& logit_(const Tensor& self, std::optional<double> eps = std::nullopt, TG_CALLER);
const Tensor& heaviside_(const Tensor& self, const Tensor& values, TG_CALLER);
const Tensor& sinc_(const Tensor& self, TG_CALLER);
const Tensor& deg2rad_(const Tensor& self, TG_CALLER);
const Tensor& rad2deg_(const Tensor& self, TG_CALLER);
const Tensor& float_power_(const Tensor& self, const Tensor& exponent, TG_CALLER);
const Tensor& float_power_(const Tensor& self, const Scalar& exponent, TG_CALLER);
const Tensor& ldexp_(const Tensor& self, const Tensor& other, TG_CALLER);
const Tensor& nan_to_num_(const Tensor& self, double nan = 0.0, std::optional<double> posinf = std::nullopt,
                          std::optional<double> neginf = std::nullopt, TG_CALLER);
const Tensor& sgn_(const Tensor& self, TG_CALLER);
const Tensor& square_(const Tensor& self, TG_CALLER);
// self = mantissa * 2 ** exponent with |mantissa| in [0.5, 1) (0, inf and NaN: exponent 0 and
// mantissa self), as C's frexp; the exponent is int32, the mantissa has self's dtype.
std::tuple<Tensor, Tensor> frexp(const Tensor& self, TG_CALLER);
// The n-th derivative of digamma (n >= 0; n = 0 is digamma), differentiable to any order.
Tensor polygamma(int64_t n, const Tensor& self, TG_CALLER);
const Tensor& polygamma_(const Tensor& self, int64_t n, TG_CALLER);

}  // namespace tg
