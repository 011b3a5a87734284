// Activations (and nan_to_num) on the fused kernels (kernels::ActivationOp): one pass forward and
// one backward.
// Their double backward is written in tensor ops (autograd/derivatives/activation.cpp).
#include <limits>
#include <optional>

#include "autograd/derivatives/derivatives.h"
#include "tapegrad/tensor/ops.h"
#include "tensor/ops/common.h"
#include "tensor/ops/inplace.h"

namespace tg {
namespace {
using kernels::ActivationOp;
using kernels::ActivationParams;

Tensor activation(ActivationOp op, const char* name, const Tensor& self, const ActivationParams& p) {
  ops::check_floating(name, self);
  const auto& be = kernels::backend(self.device(), name);
  Tensor out = ops::empty_like_inputs(self.sizes(), self.dtype(), self.device(), {&self});
  be.activation(op, self.dtype(), p, ops::make_loop(out, {&self}), out.data_ptr(), self.data_ptr());
  if (autograd::needs_grad(self)) autograd::set_history(out, autograd::derivatives::activation_node(op, p, self));
  return out;
}

// Outside recording the kernel overwrites self; while recording, backward needs the old values,
// so the op runs on a clone and the result is copied in.
const Tensor& activation_(ActivationOp op, const char* name, const Tensor& self, const ActivationParams& p) {
  if (autograd::needs_grad(self))
    return ops::inplace_via_copy(self, name, [&](const Tensor& s) { return activation(op, name, s, p); });
  ops::check_floating(name, self);
  autograd::check_inplace(self, name);
  const auto& be = kernels::backend(self.device(), name);
  be.activation(op, self.dtype(), p, ops::make_loop(self, {&self}), self.data_ptr(), self.data_ptr());
  ops::bump_version(self);
  return self;
}

ActivationOp gelu_op(std::string_view approximate, const char* name) {
  if (approximate == "none") return ActivationOp::Gelu;
  TG_CHECK_VALUE(approximate == "tanh", "{}: approximate must be \"none\" or \"tanh\", got \"{}\"", name, approximate);
  return ActivationOp::GeluTanh;
}

ActivationParams softplus_params(double beta, double threshold, const char* name) {
  TG_CHECK_VALUE(beta != 0, "{}: beta must be non-zero", name);
  return {.beta = beta, .threshold = threshold};
}

constexpr ActivationParams kSelu{.alpha = 1.6732632423543772848170429916717,
                                 .scale = 1.0507009873554804934193349852946};

ActivationParams celu_params(double alpha, const char* name) {
  TG_CHECK_VALUE(alpha != 0, "{}: alpha must be non-zero", name);
  return {.alpha = alpha, .input_scale = 1 / alpha};
}

double largest_finite(DType dtype) {
  switch (dtype) {
    case kFloat16:
      return 65504.0;
    case kBFloat16:
      return 3.38953138925153547590e38;
    case kFloat32:
      return std::numeric_limits<float>::max();
    default:
      return std::numeric_limits<double>::max();
  }
}

ActivationParams nan_to_num_params(DType dtype, double nan, std::optional<double> posinf,
                                   std::optional<double> neginf) {
  const double big = largest_finite(dtype);
  return {.alpha = nan, .min_val = neginf.value_or(-big), .max_val = posinf.value_or(big)};
}

ActivationParams hardtanh_params(double min_val, double max_val, const char* name) {
  TG_CHECK_VALUE(min_val <= max_val, "{}: min_val ({}) must not exceed max_val ({})", name, min_val, max_val);
  return {.min_val = min_val, .max_val = max_val};
}
}  // namespace

Tensor ops::fused_activation(ActivationOp op, const char* name, const Tensor& self, const ActivationParams& p) {
  return activation(op, name, self, p);
}

Tensor leaky_relu(const Tensor& self, double negative_slope, SourceLoc loc) {
  detail::ApiScope scope("leaky_relu", loc);
  return activation(ActivationOp::LeakyRelu, "leaky_relu", self, {.alpha = negative_slope});
}
const Tensor& leaky_relu_(const Tensor& self, double negative_slope, SourceLoc loc) {
  detail::ApiScope scope("leaky_relu_", loc);
  return activation_(ActivationOp::LeakyRelu, "leaky_relu_", self, {.alpha = negative_slope});
}

Tensor elu(const Tensor& self, double alpha, SourceLoc loc) {
  detail::ApiScope scope("elu", loc);
  return activation(ActivationOp::Elu, "elu", self, {.alpha = alpha});
}
const Tensor& elu_(const Tensor& self, double alpha, SourceLoc loc) {
  detail::ApiScope scope("elu_", loc);
  return activation_(ActivationOp::Elu, "elu_", self, {.alpha = alpha});
}

Tensor gelu(const Tensor& self, std::string_view approximate, SourceLoc loc) {
  detail::ApiScope scope("gelu", loc);
  return activation(gelu_op(approximate, "gelu"), "gelu", self, {});
}
const Tensor& gelu_(const Tensor& self, std::string_view approximate, SourceLoc loc) {
  detail::ApiScope scope("gelu_", loc);
  return activation_(gelu_op(approximate, "gelu_"), "gelu_", self, {});
}

// Complex silu, which PyTorch computes too (the kernel has no complex form): x * sigmoid(x).
Tensor silu(const Tensor& self, SourceLoc loc) {
  detail::ApiScope scope("silu", loc);
  if (self.defined() && self.is_complex()) return self * sigmoid(self);
  return activation(ActivationOp::Silu, "silu", self, {});
}
const Tensor& silu_(const Tensor& self, SourceLoc loc) {
  detail::ApiScope scope("silu_", loc);
  if (self.defined() && self.is_complex())
    return ops::inplace_via_copy(self, "silu_", [](const Tensor& s) { return s * sigmoid(s); });
  return activation_(ActivationOp::Silu, "silu_", self, {});
}

Tensor softplus(const Tensor& self, double beta, double threshold, SourceLoc loc) {
  detail::ApiScope scope("softplus", loc);
  return activation(ActivationOp::Softplus, "softplus", self, softplus_params(beta, threshold, "softplus"));
}
const Tensor& softplus_(const Tensor& self, double beta, double threshold, SourceLoc loc) {
  detail::ApiScope scope("softplus_", loc);
  return activation_(ActivationOp::Softplus, "softplus_", self, softplus_params(beta, threshold, "softplus_"));
}

// Integer and bool tensors hold no NaN or infinity: a copy (in place, nothing to do).
Tensor nan_to_num(const Tensor& self, double nan, std::optional<double> posinf, std::optional<double> neginf,
                  SourceLoc loc) {
  detail::ApiScope scope("nan_to_num", loc);
  ops::check_defined("nan_to_num", self, "self");
  if (!self.is_floating_point()) return clone(self);
  return activation(ActivationOp::NanToNum, "nan_to_num", self, nan_to_num_params(self.dtype(), nan, posinf, neginf));
}
const Tensor& nan_to_num_(const Tensor& self, double nan, std::optional<double> posinf, std::optional<double> neginf,
                          SourceLoc loc) {
  detail::ApiScope scope("nan_to_num_", loc);
  ops::check_defined("nan_to_num_", self, "self");
  if (!self.is_floating_point()) return self;
  return activation_(ActivationOp::NanToNum, "nan_to_num_", self, nan_to_num_params(self.dtype(), nan, posinf, neginf));
}

namespace {
// Integer tensors, as PyTorch takes them: clamped to the bounds cast to integers.
bool clamps_integers(const Tensor& self, const char* name) {
  ops::check_defined(name, self, "self");
  TG_CHECK_TYPE(self.dtype() != kBool, "{}: bool inputs are not supported", name);
  return is_integral(self.dtype(), false);
}
std::optional<Scalar> integer_bound(double v) { return Scalar(static_cast<int64_t>(v)); }
}  // namespace

Tensor hardtanh(const Tensor& self, double min_val, double max_val, SourceLoc loc) {
  detail::ApiScope scope("hardtanh", loc);
  const ActivationParams p = hardtanh_params(min_val, max_val, "hardtanh");
  if (clamps_integers(self, "hardtanh")) return clamp(self, integer_bound(min_val), integer_bound(max_val));
  return activation(ActivationOp::Hardtanh, "hardtanh", self, p);
}
const Tensor& hardtanh_(const Tensor& self, double min_val, double max_val, SourceLoc loc) {
  detail::ApiScope scope("hardtanh_", loc);
  const ActivationParams p = hardtanh_params(min_val, max_val, "hardtanh_");
  if (clamps_integers(self, "hardtanh_")) return clamp_(self, integer_bound(min_val), integer_bound(max_val));
  return activation_(ActivationOp::Hardtanh, "hardtanh_", self, p);
}
Tensor relu6(const Tensor& self, SourceLoc loc) {
  detail::ApiScope scope("relu6", loc);
  if (clamps_integers(self, "relu6")) return clamp(self, integer_bound(0), integer_bound(6));
  return activation(ActivationOp::Hardtanh, "relu6", self, {.min_val = 0, .max_val = 6});
}
const Tensor& relu6_(const Tensor& self, SourceLoc loc) {
  detail::ApiScope scope("relu6_", loc);
  if (clamps_integers(self, "relu6_")) return clamp_(self, integer_bound(0), integer_bound(6));
  return activation_(ActivationOp::Hardtanh, "relu6_", self, {.min_val = 0, .max_val = 6});
}

// The activations below have no parameter beyond what their name fixes, or one that needs checking;
// each is its out-of-place form and its in-place twin. params_expr builds the ActivationParams
// from the trailing parameters and may name the function being defined as `fn`, for its errors.
#define TG_ACTIVATION(name, op, params_expr, ...)                                  \
  Tensor name(const Tensor& self __VA_OPT__(, ) __VA_ARGS__, SourceLoc loc) {       \
    detail::ApiScope scope(#name, loc);                                            \
    [[maybe_unused]] const char* fn = #name;                                       \
    return activation(ActivationOp::op, #name, self, params_expr);                 \
  }                                                                                \
  const Tensor& name##_(const Tensor& self __VA_OPT__(, ) __VA_ARGS__, SourceLoc loc) { \
    detail::ApiScope scope(#name "_", loc);                                        \
    [[maybe_unused]] const char* fn = #name "_";                                   \
    return activation_(ActivationOp::op, #name "_", self, params_expr);            \
  }
TG_ACTIVATION(selu, Elu, kSelu)
TG_ACTIVATION(celu, Elu, celu_params(alpha, fn), double alpha)
TG_ACTIVATION(hardsigmoid, Hardsigmoid, {})
TG_ACTIVATION(hardswish, Hardswish, {})
TG_ACTIVATION(mish, Mish, {})
#undef TG_ACTIVATION

}  // namespace tg
