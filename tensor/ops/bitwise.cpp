// Front ends of the bitwise ops, gcd and lcm (bitwise_ops.def) and bitwise_not: dtype rules, broadcasting and
// the kernel call. Integer results, so nothing is recorded for autograd.
#include "tapegrad/tensor/ops.h"
#include "tensor/ops/common.h"
#include "tensor/ops/inplace.h"

namespace tg {
namespace {

using kernels::BitwiseOp;

constexpr const char* kNames[] = {
#define TG_BITWISE_OP(name, ...) #name,
#include "tapegrad/tensor/bitwise_ops.def"
#undef TG_BITWISE_OP
};
constexpr const char* kInplaceNames[] = {
#define TG_BITWISE_OP(name, ...) #name "_",
#include "tapegrad/tensor/bitwise_ops.def"
#undef TG_BITWISE_OP
};

bool integers_only(BitwiseOp op) {
  return op == BitwiseOp::LeftShift || op == BitwiseOp::RightShift || op == BitwiseOp::Gcd || op == BitwiseOp::Lcm;
}

// `other`: the second operand's dtype, or what kind of number it is.
DType check_dtype(BitwiseOp op, const char* name, DType common, const Tensor& self, std::string_view other) {
  TG_CHECK_TYPE(is_integral(common, /*include_bool=*/!integers_only(op)), "{}: needs {} operands, got {} and {}", name,
                integers_only(op) ? "integer" : "bool or integer", self.dtype(), other);
  return common;
}

std::string_view describe(const Scalar& s) {
  return s.is_floating_point() ? "a floating-point number" : s.is_bool() ? "a bool number" : "an integer number";
}

Tensor bitwise_op(BitwiseOp op, const Tensor& self, const Tensor& other) {
  const char* name = kNames[static_cast<int>(op)];
  ops::check_defined(name, self, "self");
  ops::check_defined(name, other, "other");
  ops::check_same_device(name, self, other);
  const auto& be = kernels::backend(self.device(), name);
  const DType dt = check_dtype(op, name, ops::result_type(self, other), self, tg::name(other.dtype()));
  const Shape shape = broadcast_shapes(self.sizes(), other.sizes(), name);
  Tensor a = ops::cast(self, dt), b = ops::cast(other, dt);
  Tensor out = ops::empty_like_inputs(shape, dt, self.device(), {&a, &b});
  be.bitwise(op, dt, ops::make_loop(out, {&a, &b}), out.data_ptr(), a.data_ptr(), b.data_ptr());
  return out;
}

Tensor bitwise_op(BitwiseOp op, const Tensor& self, const Scalar& other) {
  const char* name = kNames[static_cast<int>(op)];
  ops::check_defined(name, self, "self");
  const DType dt = check_dtype(op, name, ops::result_type(self, other), self, describe(other));
  return bitwise_op(op, self, ops::wrapped_scalar(other, dt, self.device()));
}

// Out of place, then copied in: integer results are never recorded, so this costs one buffer.
const Tensor& bitwise_op_(BitwiseOp op, const Tensor& self, const Tensor& other) {
  const char* name = kInplaceNames[static_cast<int>(op)];
  ops::check_defined(name, self, "self");
  ops::check_defined(name, other, "other");
  check_dtype(op, name, ops::result_type(self, other), self, tg::name(other.dtype()));
  TG_CHECK(broadcast_shapes(self.sizes(), other.sizes(), name) == self.sizes(),
           "{}: the result of broadcasting shapes {} and {} does not fit the tensor's shape {}", name, self.sizes(),
           other.sizes(), self.sizes());
  return ops::inplace_via_copy(self, name, [&](const Tensor& s) { return bitwise_op(op, s, other); });
}

const Tensor& bitwise_op_(BitwiseOp op, const Tensor& self, const Scalar& other) {
  const char* name = kInplaceNames[static_cast<int>(op)];
  ops::check_defined(name, self, "self");
  const DType dt = check_dtype(op, name, ops::result_type(self, other), self, describe(other));
  return bitwise_op_(op, self, ops::wrapped_scalar(other, dt, self.device()));
}

// ~x: logical not for bool, else x ^ (all bits set), which -1 is in every integer type.
void check_not(const char* name, const Tensor& self) {
  ops::check_defined(name, self, "input");
  TG_CHECK_TYPE(is_integral(self.dtype(), /*include_bool=*/true), "{}: needs a bool or integer tensor, got {}", name,
                self.dtype());
}

}  // namespace

#define TG_BITWISE_OP(name, Name, ...)                                                  \
  Tensor name(const Tensor& self, const Tensor& other, SourceLoc loc) {                 \
    detail::ApiScope scope(#name, loc);                                                 \
    return bitwise_op(BitwiseOp::Name, self, other);                                    \
  }                                                                                     \
  Tensor name(const Tensor& self, const Scalar& other, SourceLoc loc) {                 \
    detail::ApiScope scope(#name, loc);                                                 \
    return bitwise_op(BitwiseOp::Name, self, other);                                    \
  }                                                                                     \
  Tensor name(const Scalar& self, const Tensor& other, SourceLoc loc) {                 \
    detail::ApiScope scope(#name, loc);                                                 \
    ops::check_defined(#name, other, "other");                                          \
    return bitwise_op(BitwiseOp::Name, ops::wrapped_scalar(self, ops::result_type(other, self), other.device()), \
                      other);                                                           \
  }                                                                                     \
  const Tensor& name##_(const Tensor& self, const Tensor& other, SourceLoc loc) {       \
    detail::ApiScope scope(#name "_", loc);                                             \
    return bitwise_op_(BitwiseOp::Name, self, other);                                   \
  }                                                                                     \
  const Tensor& name##_(const Tensor& self, const Scalar& other, SourceLoc loc) {       \
    detail::ApiScope scope(#name "_", loc);                                             \
    return bitwise_op_(BitwiseOp::Name, self, other);                                   \
  }
#include "tapegrad/tensor/bitwise_ops.def"
#undef TG_BITWISE_OP

Tensor bitwise_not(const Tensor& self, SourceLoc loc) {
  detail::ApiScope scope("bitwise_not", loc);
  check_not("bitwise_not", self);
  if (self.dtype() == kBool) return logical_not(self);
  return bitwise_op(BitwiseOp::Xor, self, ops::wrapped_scalar(-1, self.dtype(), self.device()));
}

const Tensor& bitwise_not_(const Tensor& self, SourceLoc loc) {
  detail::ApiScope scope("bitwise_not_", loc);
  check_not("bitwise_not_", self);
  // bool's not is xor with true.
  const Scalar all_bits = self.dtype() == kBool ? Scalar(true) : Scalar(-1);
  return bitwise_op_(BitwiseOp::Xor, self, ops::wrapped_scalar(all_bits, self.dtype(), self.device()));
}

}  // namespace tg
