// Pointwise functions composed of the table ops and where: xlogy, xlog1py, logit,
// heaviside, sinc, deg2rad, rad2deg, float_power, signbit, ldexp,
// isposinf, isneginf, positive, sgn. Their gradients come from
// those ops (with the masked branch's input made safe, so that where's zero gradient is not
// multiplied by an infinity), and they run on every device. frexp has a kernel of its own.
#include <cmath>
#include <limits>
#include <numbers>

#include "autograd/record.h"
#include "kernels/kernels.h"
#include "tapegrad/autograd/grad_mode.h"
#include "tapegrad/tensor/factories.h"
#include "tapegrad/tensor/ops.h"
#include "tensor/ops/common.h"
#include "tensor/ops/internal.h"

namespace tg {

namespace {

// Both operands in their promoted type (the binary ops' rule: 0-D and number operands do not
// widen a tensor of their kind), floating point.
std::pair<Tensor, Tensor> float_pair(const char* op, const Tensor& a, const Tensor& b) {
  ops::check_defined(op, a, "input");
  ops::check_defined(op, b, "other");
  ops::check_same_device(op, a, b);
  DType t = ops::result_type(a, b);
  if (!is_floating_point(t)) t = default_dtype();
  return {a.to(t), b.to(t)};
}

// A number operand as a plain 0-D tensor of the floating type float_pair gives it with `other`:
// a wrapped number would take the default dtype again in the composed ops' own scalar
// arithmetic, and an integer type would wrap it first (-1 as uint8 is 255).
Tensor number_like(const Scalar& s, const Tensor& other) {
  DType t = ops::result_type(other, s);
  if (!is_floating_point(t)) t = default_dtype();
  return scalar_tensor(s, TensorOptions(t).device(other.device()));
}

// self * f(other), 0 where self is 0 and other is not NaN; f(safe) stands in for f(other) there.
Tensor x_times(const Tensor& x, const Tensor& y, Tensor (*f)(const Tensor&, SourceLoc), double safe) {
  const Tensor zero_x = logical_and(eq(x, 0), logical_not(isnan(y)));
  return where(zero_x, 0.0, x * f(where(zero_x, safe, y), SourceLoc::current()));
}

}  // namespace

Tensor xlogy(const Tensor& self, const Tensor& other, SourceLoc loc) {
  detail::ApiScope scope("xlogy", loc);
  auto [x, y] = float_pair("xlogy", self, other);
  return x_times(x, y, &tg::log, 1.0);
}

Tensor xlogy(const Tensor& self, const Scalar& other, SourceLoc loc) {
  detail::ApiScope scope("xlogy", loc);
  ops::check_defined("xlogy", self, "input");
  return xlogy(self, number_like(other, self));
}

Tensor xlogy(const Scalar& self, const Tensor& other, SourceLoc loc) {
  detail::ApiScope scope("xlogy", loc);
  ops::check_defined("xlogy", other, "other");
  return xlogy(number_like(self, other), other);
}

Tensor xlog1py(const Tensor& self, const Tensor& other, SourceLoc loc) {
  detail::ApiScope scope("xlog1py", loc);
  auto [x, y] = float_pair("xlog1py", self, other);
  return x_times(x, y, &tg::log1p, 0.0);
}

Tensor logit(const Tensor& self, std::optional<double> eps, SourceLoc loc) {
  detail::ApiScope scope("logit", loc);
  ops::check_defined("logit", self, "input");
  TG_CHECK_TYPE(!self.is_complex(), "logit: not implemented for {} tensors", self.dtype());
  Tensor p = ops::as_floating(self);
  if (eps) p = clamp(p, *eps, 1.0 - *eps);
  return log(p / (1.0 - p));
}

Tensor heaviside(const Tensor& self, const Tensor& values, SourceLoc loc) {
  detail::ApiScope scope("heaviside", loc);
  ops::check_defined("heaviside", self, "input");
  ops::check_defined("heaviside", values, "values");
  ops::check_same_device("heaviside", self, values);
  TG_CHECK_TYPE(self.dtype() == values.dtype(), "heaviside: input ({}) and values ({}) must have the same dtype",
                self.dtype(), values.dtype());
  // A step function: not differentiable (PyTorch has no derivative for it either).
  NoGradGuard no_grad;
  return where(eq(self, 0), values, gt(self, 0).to(self.dtype()));
}

Tensor sinc(const Tensor& self, SourceLoc loc) {
  detail::ApiScope scope("sinc", loc);
  ops::check_defined("sinc", self, "input");
  const Tensor x = ops::as_floating(self), at_zero = eq(x, 0);
  const Tensor px = where(at_zero, 1.0, x) * std::numbers::pi;
  return where(at_zero, 1.0, sin(px) / px);
}

Tensor deg2rad(const Tensor& self, SourceLoc loc) {
  detail::ApiScope scope("deg2rad", loc);
  ops::check_defined("deg2rad", self, "input");
  TG_CHECK_TYPE(!self.is_complex(), "deg2rad: not implemented for {} tensors", self.dtype());
  return ops::as_floating(self) * (std::numbers::pi / 180.0);
}

Tensor rad2deg(const Tensor& self, SourceLoc loc) {
  detail::ApiScope scope("rad2deg", loc);
  ops::check_defined("rad2deg", self, "input");
  TG_CHECK_TYPE(!self.is_complex(), "rad2deg: not implemented for {} tensors", self.dtype());
  return ops::as_floating(self) * (180.0 / std::numbers::pi);
}

Tensor float_power(const Tensor& self, const Tensor& exponent, SourceLoc loc) {
  detail::ApiScope scope("float_power", loc);
  ops::check_defined("float_power", self, "input");
  ops::check_defined("float_power", exponent, "exponent");
  // In double precision: complex128 where either side is complex (PyTorch's).
  const DType dt = self.is_complex() || exponent.is_complex() ? kComplex128 : kFloat64;
  return pow(self.to(dt), exponent.to(dt));
}

Tensor float_power(const Tensor& self, const Scalar& exponent, SourceLoc loc) {
  detail::ApiScope scope("float_power", loc);
  ops::check_defined("float_power", self, "input");
  if (self.is_complex() || exponent.is_complex()) return pow(self.to(kComplex128), exponent.to_complex());
  return pow(self.to(kFloat64), exponent.to<double>());
}

namespace {
// x's bits read as the signed integer of its width (float32 or float64 x).
Tensor float_bits(const Tensor& x) {
  return Tensor(IntrusivePtr<TensorImpl>::make(new TensorImpl(x.storage(), x.dtype() == kFloat32 ? kInt32 : kInt64,
                                                              x.sizes(), x.strides(), x.storage_offset())));
}
}  // namespace

Tensor signbit(const Tensor& self, SourceLoc loc) {
  detail::ApiScope scope("signbit", loc);
  ops::check_defined("signbit", self, "input");
  if (self.dtype() == kBool || self.dtype() == kUInt8) return zeros(self.sizes(), TensorOptions(kBool).device(self.device()));
  if (!is_floating_point(self.dtype())) return lt(self, 0);
  // The sign bit itself (set for -0.0 and negative NaNs): the same bits read as a signed integer.
  const Tensor x = (self.dtype() == kFloat32 || self.dtype() == kFloat64 ? self : self.to(kFloat32)).detach();
  return lt(float_bits(x), 0);
}

Tensor ldexp(const Tensor& self, const Tensor& other, SourceLoc loc) {
  detail::ApiScope scope("ldexp", loc);
  auto [x, e] = float_pair("ldexp", self, other);
  return x * exp2(e);
}

std::tuple<Tensor, Tensor> frexp(const Tensor& self, SourceLoc loc) {
  detail::ApiScope scope("frexp", loc);
  ops::check_defined("frexp", self, "input");
  TG_CHECK_TYPE(is_floating_point(self.dtype()), "frexp: expected a floating-point tensor, got {}", self.dtype());
  // One pass of a kernel of its own: composed of the table ops it took ~20 (9x PyTorch's time).
  Tensor mantissa = ops::empty_like_inputs(self.sizes(), self.dtype(), self.device(), {&self});
  Tensor exponent = ops::empty_like_inputs(self.sizes(), kInt32, self.device(), {&self});
  kernels::backend(self.device(), "frexp")
      .frexp(self.dtype(), ops::make_loop(mantissa, {&exponent, &self}), mantissa.data_ptr(),
             exponent.data_ptr<int32_t>(), self.data_ptr());
  if (autograd::needs_grad(self)) {
    // PyTorch's: d mantissa = grad / 2^exponent; the exponent has none.
    auto node = autograd::make_node("FrexpBackward", {&self}, [](const autograd::Node& nd, const tensor_list& g) {
      return tensor_list{g[0] / exp2(nd.saved(0).to(g[0].dtype()))};
    });
    node->save(exponent);  // not an output of the node: it has no history
    autograd::set_history(mantissa, node);
  }
  return {mantissa, exponent};
}

Tensor isposinf(const Tensor& self, SourceLoc loc) {
  detail::ApiScope scope("isposinf", loc);
  ops::check_defined("isposinf", self, "input");
  return logical_and(isinf(self), gt(self, 0));
}

Tensor isneginf(const Tensor& self, SourceLoc loc) {
  detail::ApiScope scope("isneginf", loc);
  ops::check_defined("isneginf", self, "input");
  return logical_and(isinf(self), lt(self, 0));
}

Tensor positive(const Tensor& self, SourceLoc loc) {
  detail::ApiScope scope("positive", loc);
  ops::check_defined("positive", self, "input");
  TG_CHECK_TYPE(self.dtype() != kBool, "positive: not supported for bool tensors");
  return self;
}

Tensor sgn(const Tensor& self, SourceLoc loc) {
  detail::ApiScope scope("sgn", loc);
  return sign(self);
}

}  // namespace tg
