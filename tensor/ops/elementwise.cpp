// Front ends of the table-driven elementwise ops (unary_ops.def, binary_ops.def,
// special_ops.def, compare_ops.def): validation, dtype promotion, broadcasting, the kernel call, and recording.
#include "autograd/derivatives/derivatives.h"
#include "tapegrad/autograd/grad_mode.h"
#include "tapegrad/tensor/ops.h"
#include "tensor/ops/common.h"
#include "tensor/ops/inplace.h"
#include "tensor/ops/internal.h"

namespace tg {
namespace {

using kernels::BinaryOp;
using kernels::CompareOp;
using kernels::UnaryOp;

enum class Kind { Float, Signed, Real, Floating, Arith };
constexpr int kSaveSelf = 1, kSaveOther = 2, kSaveResult = 4;

// What the front ends need from a table line.
struct OpInfo {
  const char* name;
  const char* inplace_name;
  Kind kind;
  int saves;
};
constexpr OpInfo kUnary[] = {
#define TG_UNARY_OP(name, Name, kind, domain, f, saves, bwd) {#name, #name "_", Kind::kind, saves},
#include "tapegrad/tensor/unary_ops.def"
#undef TG_UNARY_OP
#define TG_UNARY_OP(name, Name, kind, domain, f, saves, bwd) {"special." #name, "", Kind::kind, saves},
#include "tapegrad/tensor/special_ops.def"
#undef TG_UNARY_OP
};

constexpr OpInfo kBinary[] = {
#define TG_BINARY_OP(name, Name, kind, da, db, f, saves, gs, go) {#name, #name "_", Kind::kind, saves},
#include "tapegrad/tensor/binary_ops.def"
#undef TG_BINARY_OP
#define TG_BINARY_OP(name, Name, kind, da, db, f, saves, gs, go) {"special." #name, "", Kind::kind, saves},
#include "tapegrad/tensor/special_ops.def"
#undef TG_BINARY_OP
};
constexpr const char* kCompareNames[] = {
#define TG_COMPARE_OP(name, ...) #name,
#include "tapegrad/tensor/compare_ops.def"
#undef TG_COMPARE_OP
};

// ---- unary ------------------------------------------------------------------------------------

DType unary_dtype(const OpInfo& info, DType in) {
  if (info.kind == Kind::Float) return is_inexact(in) ? in : default_dtype();
  TG_CHECK_TYPE(info.kind != Kind::Floating || is_floating_point(in), "{}: expected a floating-point tensor, got {}",
                info.name, in);
  TG_CHECK_TYPE(in != kBool, "{}: not supported for bool tensors", info.name);
  return in;
}

Tensor unary_op(UnaryOp op, const Tensor& self) {
  const OpInfo& info = kUnary[static_cast<int>(op)];
  ops::check_defined(info.name, self, "input");
  if (op == UnaryOp::Sign && self.dtype() == kBool) return tg::clone(self);  // PyTorch's: a bool is its own sign
  const auto& be = kernels::backend(self.device(), info.name);
  const DType dt = unary_dtype(info, self.dtype());
  Tensor in = ops::cast(self, dt);
  // abs of complex numbers is their real magnitude.
  const DType out_dt = op == UnaryOp::Abs ? to_real_dtype(dt) : dt;
  Tensor out = ops::empty_like_inputs(self.sizes(), out_dt, self.device(), {&in});
  be.unary(op, dt, ops::make_loop(out, {&in}), out.data_ptr(), in.data_ptr());
  if (autograd::needs_grad(self)) autograd::set_history(out, autograd::derivatives::unary_node(op, self, self, out));
  return out;
}

const Tensor& unary_op_(UnaryOp op, const Tensor& self) {
  const OpInfo& info = kUnary[static_cast<int>(op)];
  ops::check_defined(info.inplace_name, self, "input");
  if (op == UnaryOp::Sign && self.dtype() == kBool) return self;
  const auto& be = kernels::backend(self.device(), info.inplace_name);
  const DType dt = unary_dtype(info, self.dtype());
  TG_CHECK_TYPE(dt == self.dtype(), "{}: the result type {} can't be cast to the tensor's dtype {}",
                info.inplace_name, dt, self.dtype());
  TG_CHECK_TYPE(!(op == UnaryOp::Abs && self.is_complex()),
                "abs_: not supported for complex tensors (the magnitude is real); use abs()");
  autograd::check_inplace(self, info.inplace_name);
  const bool record = autograd::needs_grad(self);
  Tensor original = record && (info.saves & kSaveSelf) ? tg::clone(self) : Tensor();  // keeps the old history for double backward
  be.unary(op, dt, ops::make_loop(self, {&self}), self.data_ptr(), self.data_ptr());
  ops::bump_version(self);
  if (record) autograd::rebase_history(self, autograd::derivatives::unary_node(op, self, original, self));
  return self;
}

// ---- binary -----------------------------------------------------------------------------------

DType compute_dtype(const OpInfo& info, BinaryOp op, DType common) {
  // As in PyTorch, these have no integer kernels (rather than computing in a float dtype).
  const bool floating_only =
      op == BinaryOp::Nextafter || op == BinaryOp::Hypot || op == BinaryOp::Logaddexp || op == BinaryOp::Logaddexp2;
  if (op == BinaryOp::Logaddexp && is_complex(common)) return common;  // composed: complex_logaddexp
  TG_CHECK_TYPE(!floating_only || is_floating_point(common), "{}: expected floating-point operands, got {}", info.name,
                common);
  if (info.kind == Kind::Float && !is_inexact(common)) return default_dtype();
  if (common == kBool) {
    TG_CHECK_TYPE(op == BinaryOp::Add || op == BinaryOp::Mul || op == BinaryOp::Minimum || op == BinaryOp::Maximum ||
                      op == BinaryOp::Fmin || op == BinaryOp::Fmax,
                  "{}: not supported for two bool operands", info.name);
  }
  return common;
}

// Integer ops that would trap or be undefined on some values are refused up front.
void check_integer_operands(BinaryOp op, const char* name, DType compute, const Tensor& other) {
  if (is_inexact(compute)) return;
  const bool divides = op == BinaryOp::FloorDivide || op == BinaryOp::TruncDivide || op == BinaryOp::Remainder ||
                       op == BinaryOp::Fmod;
  if (divides) TG_CHECK_VALUE(!any(eq(other, 0)).item<bool>(), "{}: integer division by zero", name);
}
// A negative number as an integer tensor's exponent is refused, as PyTorch does (a tensor of
// exponents may hold negative ones: they give 0, or +-1 for bases +-1).
void check_integer_exponent(BinaryOp op, const char* name, DType compute, const Scalar& exponent) {
  if (op != BinaryOp::Pow || is_inexact(compute) || compute == kUInt8) return;
  TG_CHECK_VALUE(exponent.is_floating_point() || exponent.is_bool() || exponent.to_int() >= 0,
                 "{}: integers to negative integer powers are not allowed", name);
}

// logaddexp of complex operands, which has no kernel: PyTorch's formula in tensor ops (so its
// gradient is theirs). With hi the operand of the larger real part and lo the other, it is
// hi + log1p(exp(lo - hi)); where both real parts are the same infinity, -inf gives lo (its exp
// is 0 whatever the phase) and +inf log(exp(lo) + exp(hi)). Each branch reads only the entries it
// gives (0 elsewhere), so the others' NaNs stay out of its gradient.
Tensor complex_logaddexp(const Tensor& self, const Tensor& other) {
  const DType dt = ops::result_type(self, other);
  const Tensor a = self.to(dt), b = other.to(dt);
  const Tensor a_higher = ge(real(a), real(b));
  const Tensor hi = where(a_higher, a, b), lo = where(a_higher, b, a);
  const Tensor rlo = real(lo);
  const Tensor same_infinity = logical_and(isinf(rlo), eq(rlo, real(hi)));
  const Tensor finite_lo = where(same_infinity, 0.0, lo), finite_hi = where(same_infinity, 0.0, hi);
  const Tensor general = log1p(exp(finite_lo - finite_hi)) + finite_hi;
  const Tensor both_up = logical_and(same_infinity, gt(rlo, 0.0));
  const Tensor up_lo = where(both_up, lo, 0.0), up_hi = where(both_up, hi, 0.0);
  const Tensor infinite = where(both_up, log(exp(up_lo) + exp(up_hi)), lo);
  return where(same_infinity, infinite, general);
}

// alpha as the kernel takes it in `compute`: of a kind that dtype holds, and for bools a bool
// (PyTorch's: any non-zero alpha adds, so a + (-1) * b is a or b).
Scalar checked_alpha(const char* name, DType compute, const Scalar& alpha) {
  TG_CHECK_TYPE(!(alpha.is_floating_point() && !is_inexact(compute)),
                "{}: a floating-point alpha needs floating-point operands (got {})", name, compute);
  TG_CHECK_TYPE(!(alpha.is_complex() && !is_complex(compute)), "{}: a complex alpha needs complex operands (got {})",
                name, compute);
  TG_CHECK_TYPE(!(alpha.is_bool() && compute != kBool), "{}: a bool alpha needs bool operands (got {})", name, compute);
  return compute == kBool ? Scalar(alpha.to_bool()) : alpha;
}

Tensor binary_op(BinaryOp op, const Tensor& self, const Tensor& other, const Scalar& alpha) {
  const OpInfo& info = kBinary[static_cast<int>(op)];
  ops::check_defined(info.name, self, "self");
  ops::check_defined(info.name, other, "other");
  ops::check_same_device(info.name, self, other);
  const DType compute = compute_dtype(info, op, ops::result_type(self, other));
  if (op == BinaryOp::Logaddexp && is_complex(compute)) return complex_logaddexp(self, other);
  const auto& be = kernels::backend(self.device(), info.name);
  const Shape shape = broadcast_shapes(self.sizes(), other.sizes(), info.name);
  Tensor a = ops::cast(self, compute), b = ops::cast(other, compute);
  if (shape.numel() > 0) check_integer_operands(op, info.name, compute, b);  // an empty result divides nothing
  // fmax/fmin differ from maximum/minimum only at NaN, which bools do not hold.
  if (compute == kBool && op == BinaryOp::Fmax) op = BinaryOp::Maximum;
  if (compute == kBool && op == BinaryOp::Fmin) op = BinaryOp::Minimum;
  const Scalar scale = checked_alpha(info.name, compute, alpha);
  Tensor out = ops::empty_like_inputs(shape, compute, self.device(), {&a, &b});
  be.binary(op, compute, ops::make_loop(out, {&a, &b}), out.data_ptr(), a.data_ptr(), b.data_ptr(), scale);
  if (is_inexact(compute) && autograd::needs_grad(self, other))
    autograd::set_history(out, autograd::derivatives::binary_node(op, self, self, other, out, alpha));
  return out;
}

Tensor binary_op(BinaryOp op, const Tensor& self, const Scalar& other, const Scalar& alpha) {
  const OpInfo& info = kBinary[static_cast<int>(op)];
  ops::check_defined(info.name, self, "self");
  // PyTorch's pow takes a bool tensor to the powers True (itself) and False (all True), though
  // it has no bool pow kernel.
  if (op == BinaryOp::Pow && self.dtype() == kBool && other.is_bool())
    return other.to_bool() ? tg::clone(self) : ones_like(self);
  const DType compute = compute_dtype(info, op, ops::result_type(self, other));
  check_integer_exponent(op, info.name, compute, other);
  return binary_op(op, self, ops::wrapped_scalar(other, compute, self.device()), alpha);
}

Tensor binary_op_scalar_first(BinaryOp op, const Scalar& self, const Tensor& other) {
  const OpInfo& info = kBinary[static_cast<int>(op)];
  ops::check_defined(info.name, other, "other");
  const DType compute = compute_dtype(info, op, ops::result_type(other, self));
  return binary_op(op, ops::wrapped_scalar(self, compute, other.device()), other, 1);
}

const Tensor& binary_op_(BinaryOp op, const Tensor& self, const Tensor& other, const Scalar& alpha) {
  const OpInfo& info = kBinary[static_cast<int>(op)];
  ops::check_defined(info.inplace_name, self, "self");
  ops::check_defined(info.inplace_name, other, "other");
  ops::check_same_device(info.inplace_name, self, other);
  const auto& be = kernels::backend(self.device(), info.inplace_name);
  const DType compute = compute_dtype(info, op, ops::result_type(self, other));
  TG_CHECK_TYPE(can_cast(compute, self.dtype()), "{}: the result type {} can't be cast to the tensor's dtype {}",
                info.inplace_name, compute, self.dtype());
  TG_CHECK(broadcast_shapes(self.sizes(), other.sizes(), info.inplace_name) == self.sizes(),
           "{}: the result of broadcasting shapes {} and {} does not fit the tensor's shape {}", info.inplace_name,
           self.sizes(), other.sizes(), self.sizes());
  if (op == BinaryOp::Logaddexp && is_complex(compute))
    return ops::inplace_via_copy(self, info.inplace_name, [&](const Tensor& s) { return complex_logaddexp(s, other); });
  autograd::check_inplace(self, info.inplace_name);
  const Scalar scale = checked_alpha(info.inplace_name, compute, alpha);
  Tensor b = ops::cast(other, compute);
  if (self.numel() > 0) check_integer_operands(op, info.inplace_name, compute, b);
  const bool record = is_inexact(compute) && autograd::needs_grad(self, other);
  Tensor original = record && (info.saves & kSaveSelf) ? tg::clone(self) : Tensor();  // keeps the old history for double backward
  if (compute == self.dtype()) {
    // `other` may share memory with self (x += x.t()): read it from a copy then.
    if (b.storage() == self.storage() && !b.is_same(self)) b = ops::clone_raw(b);
    be.binary(op, compute, ops::make_loop(self, {&self, &b}), self.data_ptr(), self.data_ptr(), b.data_ptr(), scale);
  } else {
    Tensor a = ops::cast(self, compute);
    Tensor tmp = ops::empty(self.sizes(), compute, self.device());
    be.binary(op, compute, ops::make_loop(tmp, {&a, &b}), tmp.data_ptr(), a.data_ptr(), b.data_ptr(), scale);
    ops::copy_into(self, tmp);
  }
  ops::bump_version(self);
  if (record) autograd::rebase_history(self, autograd::derivatives::binary_node(op, self, original, other, self, alpha));
  return self;
}

const Tensor& binary_op_(BinaryOp op, const Tensor& self, const Scalar& other, const Scalar& alpha) {
  const OpInfo& info = kBinary[static_cast<int>(op)];
  ops::check_defined(info.inplace_name, self, "self");
  if (op == BinaryOp::Pow && self.dtype() == kBool && other.is_bool()) return other.to_bool() ? self : self.fill_(true);
  const DType compute = compute_dtype(info, op, ops::result_type(self, other));
  check_integer_exponent(op, info.inplace_name, compute, other);
  return binary_op_(op, self, ops::wrapped_scalar(other, compute, self.device()), alpha);
}

// ---- comparisons ------------------------------------------------------------------------------

Tensor compare_op(CompareOp op, const Tensor& self, const Tensor& other) {
  const char* name = kCompareNames[static_cast<int>(op)];
  ops::check_defined(name, self, "self");
  ops::check_defined(name, other, "other");
  ops::check_same_device(name, self, other);
  const auto& be = kernels::backend(self.device(), name);
  const DType common = ops::result_type(self, other);
  const Shape shape = broadcast_shapes(self.sizes(), other.sizes(), name);
  Tensor a = ops::cast(self, common), b = ops::cast(other, common);
  Tensor out = ops::empty_like_inputs(shape, kBool, self.device(), {&a, &b});
  be.compare(op, common, ops::make_loop(out, {&a, &b}), out.data_ptr(), a.data_ptr(), b.data_ptr());
  return out;
}

Tensor compare_op(CompareOp op, const Tensor& self, const Scalar& other) {
  ops::check_defined(kCompareNames[static_cast<int>(op)], self, "self");
  return compare_op(op, self, ops::wrapped_scalar(other, ops::result_type(self, other), self.device()));
}

Tensor classify(kernels::ClassifyOp op, const char* name, const Tensor& self) {
  ops::check_defined(name, self, "input");
  const auto& be = kernels::backend(self.device(), name);
  Tensor out = ops::empty_like_inputs(self.sizes(), kBool, self.device(), {&self});
  be.classify(op, self.dtype(), ops::make_loop(out, {&self}), out.data_ptr(), self.data_ptr());
  return out;
}

}  // namespace

// ---- the public functions, one set per table line ----------------------------------------------

#define TG_UNARY_OP(name, Name, ...)                                    \
  Tensor name(const Tensor& self, SourceLoc loc) {                      \
    detail::ApiScope scope(#name, loc);                                 \
    return unary_op(UnaryOp::Name, self);                               \
  }                                                                     \
  const Tensor& name##_(const Tensor& self, SourceLoc loc) {            \
    detail::ApiScope scope(#name "_", loc);                             \
    return unary_op_(UnaryOp::Name, self);                              \
  }
#include "tapegrad/tensor/unary_ops.def"
#undef TG_UNARY_OP

#define TG_BINARY_OP(name, Name, ...)                                                   \
  Tensor name(const Tensor& self, const Tensor& other, SourceLoc loc) {                 \
    detail::ApiScope scope(#name, loc);                                                 \
    return binary_op(BinaryOp::Name, self, other, 1);                                   \
  }                                                                                     \
  Tensor name(const Tensor& self, const Scalar& other, SourceLoc loc) {                 \
    detail::ApiScope scope(#name, loc);                                                 \
    return binary_op(BinaryOp::Name, self, other, 1);                                   \
  }                                                                                     \
  const Tensor& name##_(const Tensor& self, const Tensor& other, SourceLoc loc) {       \
    detail::ApiScope scope(#name "_", loc);                                             \
    return binary_op_(BinaryOp::Name, self, other, 1);                                  \
  }                                                                                     \
  const Tensor& name##_(const Tensor& self, const Scalar& other, SourceLoc loc) {       \
    detail::ApiScope scope(#name "_", loc);                                             \
    return binary_op_(BinaryOp::Name, self, other, 1);                                  \
  }
#include "tapegrad/tensor/binary_ops.def"
#undef TG_BINARY_OP

// torch.special's own kernels: no in-place forms; either argument of the binary ones may be a number.
namespace special {
#define TG_UNARY_OP(name, Name, ...)               \
  Tensor name(const Tensor& self, SourceLoc loc) { \
    detail::ApiScope scope("special." #name, loc); \
    return unary_op(UnaryOp::Name, self);          \
  }
#include "tapegrad/tensor/special_ops.def"
#undef TG_UNARY_OP

#define TG_BINARY_OP(name, Name, ...)                                   \
  Tensor name(const Tensor& self, const Tensor& other, SourceLoc loc) { \
    detail::ApiScope scope("special." #name, loc);                      \
    return binary_op(BinaryOp::Name, self, other, 1);                   \
  }                                                                     \
  Tensor name(const Tensor& self, const Scalar& other, SourceLoc loc) { \
    detail::ApiScope scope("special." #name, loc);                      \
    return binary_op(BinaryOp::Name, self, other, 1);                   \
  }                                                                     \
  Tensor name(const Scalar& self, const Tensor& other, SourceLoc loc) { \
    detail::ApiScope scope("special." #name, loc);                      \
    return binary_op_scalar_first(BinaryOp::Name, self, other);         \
  }
#include "tapegrad/tensor/special_ops.def"
#undef TG_BINARY_OP
}  // namespace special

#define TG_COMPARE_OP(name, Name, ...)                                  \
  Tensor name(const Tensor& self, const Tensor& other, SourceLoc loc) { \
    detail::ApiScope scope(#name, loc);                                 \
    return compare_op(CompareOp::Name, self, other);                    \
  }                                                                     \
  Tensor name(const Tensor& self, const Scalar& other, SourceLoc loc) { \
    detail::ApiScope scope(#name, loc);                                 \
    return compare_op(CompareOp::Name, self, other);                    \
  }
#include "tapegrad/tensor/compare_ops.def"
#undef TG_COMPARE_OP

Tensor add(const Tensor& self, const Tensor& other, const Scalar& alpha, SourceLoc loc) {
  detail::ApiScope scope("add", loc);
  return binary_op(BinaryOp::Add, self, other, alpha);
}
Tensor add(const Tensor& self, const Scalar& other, const Scalar& alpha, SourceLoc loc) {
  detail::ApiScope scope("add", loc);
  return binary_op(BinaryOp::Add, self, other, alpha);
}
Tensor sub(const Tensor& self, const Tensor& other, const Scalar& alpha, SourceLoc loc) {
  detail::ApiScope scope("sub", loc);
  return binary_op(BinaryOp::Sub, self, other, alpha);
}
Tensor sub(const Tensor& self, const Scalar& other, const Scalar& alpha, SourceLoc loc) {
  detail::ApiScope scope("sub", loc);
  return binary_op(BinaryOp::Sub, self, other, alpha);
}
const Tensor& add_(const Tensor& self, const Tensor& other, const Scalar& alpha, SourceLoc loc) {
  detail::ApiScope scope("add_", loc);
  return binary_op_(BinaryOp::Add, self, other, alpha);
}
const Tensor& sub_(const Tensor& self, const Tensor& other, const Scalar& alpha, SourceLoc loc) {
  detail::ApiScope scope("sub_", loc);
  return binary_op_(BinaryOp::Sub, self, other, alpha);
}

Tensor sub(const Scalar& self, const Tensor& other, SourceLoc loc) {
  detail::ApiScope scope("sub", loc);
  ops::check_defined("sub", other, "other");
  const DType compute = ops::result_type(other, self);
  return binary_op(BinaryOp::Sub, ops::wrapped_scalar(self, compute, other.device()), other, 1);
}
Tensor div(const Scalar& self, const Tensor& other, SourceLoc loc) {
  detail::ApiScope scope("div", loc);
  // The number made in div's floating compute type, not the integer one it would wrap in (-1 / uint8).
  return binary_op_scalar_first(BinaryOp::Div, self, other);
}
Tensor pow(const Scalar& self, const Tensor& exponent, SourceLoc loc) {
  detail::ApiScope scope("pow", loc);
  ops::check_defined("pow", exponent, "exponent");
  const DType compute = ops::result_type(exponent, self);
  return binary_op(BinaryOp::Pow, ops::wrapped_scalar(self, compute, exponent.device()), exponent, 1);
}

namespace {
BinaryOp rounding_op(std::string_view mode) {
  if (mode == "trunc") return BinaryOp::TruncDivide;
  if (mode == "floor") return BinaryOp::FloorDivide;
  detail::fail<ValueError>("div: rounding_mode must be \"trunc\" or \"floor\", got \"{}\"", mode);
}
}  // namespace
Tensor div(const Tensor& self, const Tensor& other, std::string_view rounding_mode, SourceLoc loc) {
  detail::ApiScope scope("div", loc);
  return binary_op(rounding_op(rounding_mode), self, other, 1);
}
Tensor div(const Tensor& self, const Scalar& other, std::string_view rounding_mode, SourceLoc loc) {
  detail::ApiScope scope("div", loc);
  return binary_op(rounding_op(rounding_mode), self, other, 1);
}

Tensor logical_not(const Tensor& self, SourceLoc loc) {
  detail::ApiScope scope("logical_not", loc);
  return classify(kernels::ClassifyOp::LogicalNot, "logical_not", self);
}
Tensor isnan(const Tensor& self, SourceLoc loc) {
  detail::ApiScope scope("isnan", loc);
  return classify(kernels::ClassifyOp::IsNan, "isnan", self);
}
Tensor isinf(const Tensor& self, SourceLoc loc) {
  detail::ApiScope scope("isinf", loc);
  return classify(kernels::ClassifyOp::IsInf, "isinf", self);
}
Tensor isfinite(const Tensor& self, SourceLoc loc) {
  detail::ApiScope scope("isfinite", loc);
  return classify(kernels::ClassifyOp::IsFinite, "isfinite", self);
}

namespace {
Tensor isclose_impl(const char* name, const Tensor& self, const Tensor& other, double rtol, double atol,
                    bool equal_nan) {
  ops::check_defined(name, self, "self");
  ops::check_defined(name, other, "other");
  TG_CHECK_VALUE(rtol >= 0 && atol >= 0, "{}: rtol and atol must be non-negative, got {} and {}", name, rtol, atol);
  AutoGradMode no_grad(false);
  // Complex numbers are close as |a - b| is (PyTorch's), so both compare in complex128. Two float32
  // tensors compare in float32, as PyTorch's do (half the bytes of float64, and its roundings).
  const DType common = ops::result_type(self, other);
  const DType dt = self.is_complex() || other.is_complex() ? kComplex128 : common == kFloat32 ? kFloat32 : kFloat64;
  Tensor a = ops::cast(self, dt), b = ops::cast(other, dt);
  // An infinite difference is never close (inf and -inf, 1e30 and inf), as PyTorch's isclose.
  const Tensor diff = abs(a - b);
  Tensor close = logical_or(eq(a, b), logical_and(isfinite(diff), le(diff, atol + rtol * abs(b))));
  if (equal_nan) close = logical_or(close, logical_and(isnan(a), isnan(b)));
  return close;
}
}  // namespace

Tensor isclose(const Tensor& self, const Tensor& other, double rtol, double atol, bool equal_nan, SourceLoc loc) {
  detail::ApiScope scope("isclose", loc);
  return isclose_impl("isclose", self, other, rtol, atol, equal_nan);
}

bool allclose(const Tensor& self, const Tensor& other, double rtol, double atol, bool equal_nan) {
  return all(isclose_impl("allclose", self, other, rtol, atol, equal_nan)).item<bool>();
}

bool equal(const Tensor& self, const Tensor& other) {
  ops::check_defined("equal", self, "self");
  ops::check_defined("equal", other, "other");
  if (!(self.sizes() == other.sizes())) return false;
  AutoGradMode no_grad(false);
  return all(eq(self, other)).item<bool>();
}

}  // namespace tg
