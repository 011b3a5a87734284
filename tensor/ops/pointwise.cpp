// clamp, where, and the fused ternary ops (addcmul, addcdiv, lerp).
#include <cmath>
#include <limits>

#include "autograd/derivatives/derivatives.h"
#include "tapegrad/autograd/grad_mode.h"
#include "tapegrad/tensor/ops.h"
#include "tensor/ops/common.h"
#include "tensor/ops/inplace.h"
#include "tensor/ops/internal.h"

namespace tg {
namespace {

// An integer bound beyond an integer dtype's range binds at its end, as PyTorch's wider
// comparison does (converted as it was, -1 became 255 for uint8 and took every value there).
std::optional<Scalar> within_range(const std::optional<Scalar>& s, DType dt) {
  if (!s || !s->is_integral()) return s;
  int64_t lo = 0, hi = 0;
  switch (dt) {
    case kUInt8:
      hi = 255;
      break;
    case kInt8:
      lo = -128, hi = 127;
      break;
    case kInt16:
      lo = -32768, hi = 32767;
      break;
    case kInt32:
      lo = std::numeric_limits<int32_t>::min(), hi = std::numeric_limits<int32_t>::max();
      break;
    default:
      return s;
  }
  return Scalar(std::clamp(s->to_int(), lo, hi));
}

Tensor clamp_impl(const char* name, const Tensor& self, const std::optional<Scalar>& lo, const std::optional<Scalar>& hi) {
  ops::check_defined(name, self, "input");
  TG_CHECK(lo || hi, "{}: at least one of min and max must be given", name);
  const auto& be = kernels::backend(self.device(), name);
  ops::ResultType rt;
  rt.add(self);
  if (lo) rt.add(*lo);
  if (hi) rt.add(*hi);
  const DType dt = rt.result();
  // A bool tensor with number bounds is clamped as the bounds' type (int64 or float), as in PyTorch.
  TG_CHECK_TYPE(dt != kBool, "{}: not supported for bool tensors with bool bounds", name);
  const std::optional<Scalar> lo_in = within_range(lo, dt), hi_in = within_range(hi, dt);
  Tensor in = ops::cast(self, dt);
  Tensor out = ops::empty_like_inputs(self.sizes(), dt, self.device(), {&in});
  be.clamp(dt, ops::make_loop(out, {&in}), out.data_ptr(), in.data_ptr(), lo_in ? &*lo_in : nullptr,
           hi_in ? &*hi_in : nullptr);
  if (autograd::needs_grad(self)) autograd::set_history(out, autograd::derivatives::clamp_node(self, self, lo, hi));
  return out;
}

}  // namespace

Tensor clamp(const Tensor& self, const std::optional<Scalar>& min, const std::optional<Scalar>& max, SourceLoc loc) {
  detail::ApiScope scope("clamp", loc);
  return clamp_impl("clamp", self, min, max);
}

Tensor clamp(const Tensor& self, const std::optional<Tensor>& min, const std::optional<Tensor>& max, SourceLoc loc) {
  detail::ApiScope scope("clamp", loc);
  ops::check_defined("clamp", self, "input");
  TG_CHECK((min && min->defined()) || (max && max->defined()), "clamp: at least one of min and max must be given");
  const Tensor none;
  const Tensor& lo = min && min->defined() ? *min : none;
  const Tensor& hi = max && max->defined() ? *max : none;
  if (!autograd::needs_grad(self) && !(lo.defined() && autograd::needs_grad(lo)) &&
      !(hi.defined() && autograd::needs_grad(hi)) && self.dtype() != kBool) {
    // Nothing to differentiate: maximum and minimum (NaN from either side, as below) in two
    // passes instead of six (2.6x PyTorch's time).
    Tensor r = lo.defined() ? maximum(self, lo) : self;
    return hi.defined() ? minimum(r, hi) : r;
  }
  // Composed so that the bounds get gradients too (where the input is clipped to them).
  Tensor r = self;
  // A NaN bound gives NaN, as PyTorch's clamp (a comparison with NaN alone would keep x).
  if (min && min->defined()) r = where(logical_or(lt(r, *min), isnan(*min)), *min, r);
  if (max && max->defined()) r = where(logical_or(gt(r, *max), isnan(*max)), *max, r);
  return r;
}

const Tensor& clamp_(const Tensor& self, const std::optional<Scalar>& min, const std::optional<Scalar>& max,
                     SourceLoc loc) {
  detail::ApiScope scope("clamp_", loc);
  ops::check_defined("clamp_", self, "input");
  TG_CHECK(min || max, "clamp_: at least one of min and max must be given");
  TG_CHECK_TYPE(self.dtype() != kBool, "clamp_: not supported for bool tensors");
  TG_CHECK_TYPE(!((min && min->is_floating_point()) || (max && max->is_floating_point())) || self.is_floating_point(),
                "clamp_: floating-point bounds can't be applied in place to a {} tensor", self.dtype());
  const auto& be = kernels::backend(self.device(), "clamp_");
  autograd::check_inplace(self, "clamp_");
  const bool record = autograd::needs_grad(self);
  Tensor original = record ? tg::clone(self) : Tensor();
  const std::optional<Scalar> lo = within_range(min, self.dtype()), hi = within_range(max, self.dtype());
  be.clamp(self.dtype(), ops::make_loop(self, {&self}), self.data_ptr(), self.data_ptr(), lo ? &*lo : nullptr,
           hi ? &*hi : nullptr);
  ops::bump_version(self);
  if (record) autograd::rebase_history(self, autograd::derivatives::clamp_node(self, original, min, max));
  return self;
}

// Composed: the out-of-place clamp (whose graph saves no input values) copied back, after the check
// that its promoted dtype fits self's, as PyTorch's in-place ops check.
const Tensor& clamp_(const Tensor& self, const std::optional<Tensor>& min, const std::optional<Tensor>& max,
                     SourceLoc loc) {
  detail::ApiScope scope("clamp_", loc);
  ops::check_defined("clamp_", self, "input");
  TG_CHECK_TYPE(self.dtype() != kBool, "clamp_: not supported for bool tensors");
  Tensor r = clamp(self, min, max);
  TG_CHECK_TYPE(can_cast(r.dtype(), self.dtype()), "clamp_: the {} result can't be cast to the input's dtype {}",
                r.dtype(), self.dtype());
  TG_CHECK(r.sizes() == self.sizes(), "clamp_: the bounds would broadcast the input of shape {} to {}", self.sizes(),
           r.sizes());
  return self.copy_(r);
}

Tensor clamp_min(const Tensor& self, const Scalar& min, SourceLoc loc) {
  detail::ApiScope scope("clamp_min", loc);
  return clamp_impl("clamp_min", self, min, std::nullopt);
}
Tensor clamp_max(const Tensor& self, const Scalar& max, SourceLoc loc) {
  detail::ApiScope scope("clamp_max", loc);
  return clamp_impl("clamp_max", self, std::nullopt, max);
}
const Tensor& clamp_min_(const Tensor& self, const Scalar& min, SourceLoc loc) {
  detail::ApiScope scope("clamp_min_", loc);
  return clamp_(self, min, std::nullopt);
}
const Tensor& clamp_max_(const Tensor& self, const Scalar& max, SourceLoc loc) {
  detail::ApiScope scope("clamp_max_", loc);
  return clamp_(self, std::nullopt, max);
}
Tensor clamp_min(const Tensor& self, const Tensor& min, SourceLoc loc) {
  detail::ApiScope scope("clamp_min", loc);
  return clamp(self, min, std::nullopt);
}
Tensor clamp_max(const Tensor& self, const Tensor& max, SourceLoc loc) {
  detail::ApiScope scope("clamp_max", loc);
  return clamp(self, std::nullopt, max);
}
const Tensor& clamp_min_(const Tensor& self, const Tensor& min, SourceLoc loc) {
  detail::ApiScope scope("clamp_min_", loc);
  return clamp_(self, min, std::nullopt);
}
const Tensor& clamp_max_(const Tensor& self, const Tensor& max, SourceLoc loc) {
  detail::ApiScope scope("clamp_max_", loc);
  return clamp_(self, std::nullopt, max);
}

Tensor square(const Tensor& self, SourceLoc loc) {
  detail::ApiScope scope("square", loc);
  // PyTorch squares bools as pow(x, 2) does, in int64 (x * x would stay bool).
  const Tensor x = self.dtype() == kBool ? self.to(kInt64) : self;
  return mul(x, x);
}

// ---- where ------------------------------------------------------------------------------------

Tensor where(const Tensor& condition, const Tensor& self, const Tensor& other, SourceLoc loc) {
  detail::ApiScope scope("where", loc);
  ops::check_defined("where", condition, "condition");
  ops::check_defined("where", self, "self");
  ops::check_defined("where", other, "other");
  // A uint8 mask is read as "not zero", as PyTorch still takes it (deprecated there).
  if (condition.dtype() == kUInt8) return where(ne(condition, 0), self, other);
  TG_CHECK_TYPE(condition.dtype() == kBool, "where: the condition must be a bool tensor, got {}", condition.dtype());
  ops::check_same_device("where", condition, self);
  ops::check_same_device("where", self, other);
  const auto& be = kernels::backend(self.device(), "where");
  const DType dt = ops::result_type(self, other);
  const Shape shape = broadcast_shapes(broadcast_shapes(condition.sizes(), self.sizes(), "where"), other.sizes(), "where");
  Tensor a = ops::cast(self, dt), b = ops::cast(other, dt);
  Tensor out = ops::empty_like_inputs(shape, dt, self.device(), {&condition, &a, &b});
  be.where(dt, ops::make_loop(out, {&condition, &a, &b}), out.data_ptr(), condition.data_ptr(), a.data_ptr(),
           b.data_ptr());
  if (is_inexact(dt) && autograd::needs_grad(self, other))
    autograd::set_history(out, autograd::derivatives::where_node(condition, self, other));
  return out;
}

Tensor where(const Tensor& condition, const Tensor& self, const Scalar& other, SourceLoc loc) {
  detail::ApiScope scope("where", loc);
  ops::check_defined("where", self, "self");
  return where(condition, self, ops::wrapped_scalar(other, ops::result_type(self, other), self.device()));
}
Tensor where(const Tensor& condition, const Scalar& self, const Tensor& other, SourceLoc loc) {
  detail::ApiScope scope("where", loc);
  ops::check_defined("where", other, "other");
  return where(condition, ops::wrapped_scalar(self, ops::result_type(other, self), other.device()), other);
}
Tensor where(const Tensor& condition, const Scalar& self, const Scalar& other, SourceLoc loc) {
  detail::ApiScope scope("where", loc);
  ops::check_defined("where", condition, "condition");
  ops::ResultType rt;
  rt.add(self);
  rt.add(other);
  const DType dt = rt.result();
  return where(condition, ops::wrapped_scalar(self, dt, condition.device()),
               ops::wrapped_scalar(other, dt, condition.device()));
}

// ---- addcmul, addcdiv, lerp: one fused kernel over three operands ------------------------------

namespace {

using kernels::TernaryOp;

void check_value(const char* name, const Scalar& value, DType dt) {
  TG_CHECK_TYPE(!(value.is_floating_point() && !is_floating_point(dt)),
                "{}: a floating-point value needs floating-point operands (got {})", name, dt);
}

}  // namespace

Tensor ops::ternary(TernaryOp op, const char* name, const Tensor& self, const Tensor& b, const Tensor& c,
                    const Scalar& value, DType dt) {
  ops::check_same_device(name, self, b);
  ops::check_same_device(name, self, c);
  check_value(name, value, dt);
  const auto& be = kernels::backend(self.device(), name);
  const Shape shape = broadcast_shapes(broadcast_shapes(self.sizes(), b.sizes(), name), c.sizes(), name);
  Tensor x = ops::cast(self, dt), y = ops::cast(b, dt), z = ops::cast(c, dt);
  Tensor out = ops::empty_like_inputs(shape, dt, self.device(), {&x, &y, &z});
  be.ternary(op, dt, ops::make_loop(out, {&x, &y, &z}), out.data_ptr(), x.data_ptr(), y.data_ptr(), z.data_ptr(),
             value);
  if (is_inexact(dt) && autograd::needs_grad(self, b, c))
    autograd::set_history(out, autograd::derivatives::ternary_node(op, self, b, c, value));
  return out;
}

namespace {

// In place: the kernel writes into self where nothing is recorded and self holds the result as
// it is (its dtype and shape); otherwise out of place and a copy.
template <class F>
const Tensor& ternary_op_(TernaryOp op, const char* name, const Tensor& self, const Tensor& b, const Tensor& c,
                          const Scalar& value, DType dt, F&& composed) {
  const Shape shape = broadcast_shapes(broadcast_shapes(self.sizes(), b.sizes(), name), c.sizes(), name);
  TG_CHECK(shape == self.sizes(),
           "{}: the result of broadcasting shapes {}, {} and {} does not fit the tensor's shape {}", name, self.sizes(),
           b.sizes(), c.sizes(), self.sizes());
  check_value(name, value, dt);
  const bool direct = dt == self.dtype() && !autograd::needs_grad(self, b, c) && self.device() == b.device() &&
                      self.device() == c.device();
  if (!direct) return ops::inplace_via_copy(self, name, composed);
  autograd::check_inplace(self, name);
  // An operand sharing self's memory at other positions (x.addcmul_(x.t(), y)) is read from a copy.
  auto apart = [&](const Tensor& t) {
    return t.storage() == self.storage() && !t.is_same(self) ? ops::clone_raw(t) : t;
  };
  Tensor y = apart(ops::cast(b, dt)), z = apart(ops::cast(c, dt));
  kernels::backend(self.device(), name)
      .ternary(op, dt, ops::make_loop(self, {&self, &y, &z}), self.data_ptr(), self.data_ptr(), y.data_ptr(),
               z.data_ptr(), value);
  ops::bump_version(self);
  return self;
}

void check_addc(const char* name, const Tensor& self, const Tensor& t1, const Tensor& t2, bool divides) {
  ops::check_defined(name, self, "self");
  ops::check_defined(name, t1, "tensor1");
  ops::check_defined(name, t2, "tensor2");
  if (divides) {
    TG_CHECK_TYPE(is_inexact(t1.dtype()) || is_inexact(t2.dtype()),
                  "{}: integer division is not supported (tensor1 is {}, tensor2 is {}); use addcmul with a "
                  "reciprocal or cast to a floating-point dtype",
                  name, t1.dtype(), t2.dtype());
  }
}

DType addc_dtype(const Tensor& self, const Tensor& t1, const Tensor& t2) {
  ops::ResultType rt;
  rt.add(self);
  rt.add(t1);
  rt.add(t2);
  return rt.result();
}

void check_lerp(const char* name, const Tensor& self, const Tensor& end, const Tensor* weight) {
  ops::check_defined(name, self, "self");
  ops::check_defined(name, end, "end");
  if (weight) ops::check_defined(name, *weight, "weight");
  TG_CHECK_TYPE(is_inexact(self.dtype()) && is_inexact(end.dtype()) && (!weight || is_inexact(weight->dtype())),
                "{}: expected floating-point or complex tensors, got {}, {}{}{}", name, self.dtype(), end.dtype(),
                weight ? " and " : "", weight ? fmt::format("{}", weight->dtype()) : std::string());
}

}  // namespace

namespace {

// Integer operands take a floating-point value truncated, as PyTorch's addcmul does.
Scalar addcmul_value(DType dt, const Scalar& value) {
  return is_integral(dt, /*include_bool=*/false) && value.is_floating_point() ? Scalar(value.to_int()) : value;
}

}  // namespace

Tensor addcmul(const Tensor& self, const Tensor& tensor1, const Tensor& tensor2, const Scalar& value, SourceLoc loc) {
  detail::ApiScope scope("addcmul", loc);
  check_addc("addcmul", self, tensor1, tensor2, /*divides=*/false);
  const DType dt = addc_dtype(self, tensor1, tensor2);
  if (dt == kBool) return add(self, tensor1 * tensor2, value);  // logical: or of self with the and
  return ops::ternary(TernaryOp::AddCMul, "addcmul", self, tensor1, tensor2, addcmul_value(dt, value), dt);
}
const Tensor& addcmul_(const Tensor& self, const Tensor& tensor1, const Tensor& tensor2, const Scalar& value,
                       SourceLoc loc) {
  detail::ApiScope scope("addcmul_", loc);
  check_addc("addcmul_", self, tensor1, tensor2, /*divides=*/false);
  const DType dt = addc_dtype(self, tensor1, tensor2);
  return ternary_op_(TernaryOp::AddCMul, "addcmul_", self, tensor1, tensor2, addcmul_value(dt, value), dt,
                     [&](const Tensor& s) { return addcmul(s, tensor1, tensor2, value); });
}
Tensor addcdiv(const Tensor& self, const Tensor& tensor1, const Tensor& tensor2, const Scalar& value, SourceLoc loc) {
  detail::ApiScope scope("addcdiv", loc);
  check_addc("addcdiv", self, tensor1, tensor2, /*divides=*/true);
  return ops::ternary(TernaryOp::AddCDiv, "addcdiv", self, tensor1, tensor2, value, addc_dtype(self, tensor1, tensor2));
}
const Tensor& addcdiv_(const Tensor& self, const Tensor& tensor1, const Tensor& tensor2, const Scalar& value,
                       SourceLoc loc) {
  detail::ApiScope scope("addcdiv_", loc);
  check_addc("addcdiv_", self, tensor1, tensor2, /*divides=*/true);
  return ternary_op_(TernaryOp::AddCDiv, "addcdiv_", self, tensor1, tensor2, value, addc_dtype(self, tensor1, tensor2),
                     [&](const Tensor& s) { return addcdiv(s, tensor1, tensor2, value); });
}

Tensor lerp(const Tensor& self, const Tensor& end, const Scalar& weight, SourceLoc loc) {
  detail::ApiScope scope("lerp", loc);
  check_lerp("lerp", self, end, nullptr);
  const DType dt = ops::result_type(self, end);
  return ops::ternary(TernaryOp::Lerp, "lerp", self, end, ops::wrapped_scalar(weight, dt, self.device()), 0, dt);
}
Tensor lerp(const Tensor& self, const Tensor& end, const Tensor& weight, SourceLoc loc) {
  detail::ApiScope scope("lerp", loc);
  check_lerp("lerp", self, end, &weight);
  return ops::ternary(TernaryOp::Lerp, "lerp", self, end, weight, 0, addc_dtype(self, end, weight));
}
const Tensor& lerp_(const Tensor& self, const Tensor& end, const Scalar& weight, SourceLoc loc) {
  detail::ApiScope scope("lerp_", loc);
  check_lerp("lerp_", self, end, nullptr);
  const DType dt = ops::result_type(self, end);
  return ternary_op_(TernaryOp::Lerp, "lerp_", self, end, ops::wrapped_scalar(weight, dt, self.device()), 0, dt,
                     [&](const Tensor& s) { return lerp(s, end, weight); });
}
const Tensor& lerp_(const Tensor& self, const Tensor& end, const Tensor& weight, SourceLoc loc) {
  detail::ApiScope scope("lerp_", loc);
  check_lerp("lerp_", self, end, &weight);
  return ternary_op_(TernaryOp::Lerp, "lerp_", self, end, weight, 0, addc_dtype(self, end, weight),
                     [&](const Tensor& s) { return lerp(s, end, weight); });
}

}  // namespace tg
