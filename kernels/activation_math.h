#pragma once
// The formulas of the fused activations (ActivationOp), shared by the CPU kernels (on scalars
// and on GCC vector types, whose operators and `?:` act lane by lane) and, as device functions,
// by the CUDA kernels. `M` supplies the transcendental functions for V; S is V's element type.
// Both arms of a `?:` are evaluated on vectors, so each arm must be harmless where not chosen.
#include <cmath>

#include "kernels/kernels.h"
#include "kernels/scalar_math.h"

namespace tg::kernels {

// std:: functions, for scalars on either device.
struct ScalarMath {
  template <class V>
  TG_HOST_DEVICE static V exp(V x) { return std::exp(x); }
  template <class V>
  TG_HOST_DEVICE static V expm1(V x) { return std::expm1(x); }
  template <class V>
  TG_HOST_DEVICE static V log1p(V x) { return std::log1p(x); }
  template <class V>
  TG_HOST_DEVICE static V erf(V x) { return std::erf(x); }
  template <class V>
  TG_HOST_DEVICE static V tanh(V x) { return std::tanh(x); }
};

// The parameters in the compute type.
template <class S>
struct ActivationArgs {
  S alpha, beta, threshold, scale, input_scale, min_val, max_val;
  explicit ActivationArgs(const ActivationParams& p)
      : alpha(static_cast<S>(p.alpha)),
        beta(static_cast<S>(p.beta)),
        threshold(static_cast<S>(p.threshold)),
        scale(static_cast<S>(p.scale)),
        input_scale(static_cast<S>(p.input_scale)),
        min_val(static_cast<S>(p.min_val)),
        max_val(static_cast<S>(p.max_val)) {}
};

// The constants of the formulas, exact to double.
inline constexpr double kSqrtHalf = 0.70710678118654752440;     // 1 / sqrt(2)
inline constexpr double kInvSqrt2Pi = 0.39894228040143267794;   // 1 / sqrt(2 pi)
inline constexpr double kSqrt2OverPi = 0.79788456080286535588;  // sqrt(2 / pi)
inline constexpr double kGeluTanhCubic = 0.044715;

// Calls fn.template operator()<kOp>() with kOp = op (host code).
template <class F>
void dispatch_activation(ActivationOp op, F&& fn) {
  switch (op) {
    case ActivationOp::Gelu: return fn.template operator()<ActivationOp::Gelu>();
    case ActivationOp::GeluTanh: return fn.template operator()<ActivationOp::GeluTanh>();
    case ActivationOp::Silu: return fn.template operator()<ActivationOp::Silu>();
    case ActivationOp::Elu: return fn.template operator()<ActivationOp::Elu>();
    case ActivationOp::LeakyRelu: return fn.template operator()<ActivationOp::LeakyRelu>();
    case ActivationOp::Softplus: return fn.template operator()<ActivationOp::Softplus>();
    case ActivationOp::Hardtanh: return fn.template operator()<ActivationOp::Hardtanh>();
    case ActivationOp::Hardsigmoid: return fn.template operator()<ActivationOp::Hardsigmoid>();
    case ActivationOp::Hardswish: return fn.template operator()<ActivationOp::Hardswish>();
    case ActivationOp::Mish: return fn.template operator()<ActivationOp::Mish>();
    case ActivationOp::NanToNum:
      return fn.template operator()<ActivationOp::NanToNum>();
    case ActivationOp::Hardshrink:
      return fn.template operator()<ActivationOp::Hardshrink>();
    case ActivationOp::Softshrink:
      return fn.template operator()<ActivationOp::Softshrink>();
    case ActivationOp::Threshold:
      return fn.template operator()<ActivationOp::Threshold>();
    case ActivationOp::Huber:
      return fn.template operator()<ActivationOp::Huber>();
  }
}

// f(x).
template <ActivationOp kOp, class M, class S, class V>
TG_HOST_DEVICE inline V activation_value(V x, const ActivationArgs<S>& a) {
  const V zero = V{}, one = V{} + S(1), half = V{} + S(0.5);
  if constexpr (kOp == ActivationOp::Gelu) {
    return x * half * (one + M::erf(x * S(kSqrtHalf)));
  } else if constexpr (kOp == ActivationOp::GeluTanh) {
    return x * half * (one + M::tanh(S(kSqrt2OverPi) * (x + S(kGeluTanhCubic) * x * x * x)));
  } else if constexpr (kOp == ActivationOp::Silu) {
    return x / (one + M::exp(zero - x));
  } else if constexpr (kOp == ActivationOp::Elu) {
    return x > S(0) ? x * a.scale : a.scale * a.alpha * M::expm1(x * a.input_scale);
  } else if constexpr (kOp == ActivationOp::LeakyRelu) {
    return x > S(0) ? x : x * a.alpha;
  } else if constexpr (kOp == ActivationOp::Softplus) {  // the identity above the threshold, where log1p(exp) overflows
    // Far below 0 log1p(e^z) is e^z to the last bit (from -20 in float, -40 in double). Both ends
    // pass log1p a 0 instead, for the vector forms: libmvec's log1p of inf (above the threshold)
    // or of a subnormal (e^z below -87) takes its scalar path, 3-20x slower.
    constexpr S kTiny = sizeof(S) == 4 ? S(-20) : S(-40);
    const V z = x * a.beta;
    const auto above = z > a.threshold, tiny = z < kTiny;
    const V e = M::exp(above ? zero : z);
    return above ? x : (tiny ? e : M::log1p(tiny ? zero : e)) / a.beta;
  } else if constexpr (kOp == ActivationOp::Hardtanh) {
    const V lo = V{} + a.min_val, hi = V{} + a.max_val;
    return x < a.min_val ? lo : (x > a.max_val ? hi : x);
  } else if constexpr (kOp == ActivationOp::Hardsigmoid) {
    return x <= S(-3) ? zero : (x >= S(3) ? one : x * S(1.0 / 6) + half);
  } else if constexpr (kOp == ActivationOp::Hardswish) {
    return x <= S(-3) ? zero : (x >= S(3) ? x : x * (x + S(3)) * S(1.0 / 6));
  } else if constexpr (kOp == ActivationOp::NanToNum) {  // x - x is 0 exactly where x is finite
    const V nan = V{} + a.alpha, pos = V{} + a.max_val, neg = V{} + a.min_val;
    return x - x == zero ? x : (x != x ? nan : (x > zero ? pos : neg));
  } else if constexpr (kOp == ActivationOp::Hardshrink) {  // NaN stays NaN, as PyTorch
    return x >= -a.alpha ? (x <= a.alpha ? zero : x) : x;
  } else if constexpr (kOp == ActivationOp::Softshrink) {  // x * 0 in the band: PyTorch's signed zero
    return x > a.alpha ? x - a.alpha : (x < -a.alpha ? x + a.alpha : x * S(0));
  } else if constexpr (kOp == ActivationOp::Threshold) {  // -0 + value keeps a value of -0
    return x <= a.threshold ? -zero + a.alpha : x;
  } else if constexpr (kOp == ActivationOp::Huber) {  // scale x^2 / 2 inside the band, beta (|x| - delta / 2) out
    const V z = x < zero ? zero - x : x;
    return z < a.alpha ? x * x * (S(0.5) * a.scale) : (z - S(0.5) * a.alpha) * a.beta;
  } else {  // Mish: x tanh(softplus(x)); tanh(softplus) is 1 from x = 20 on (and log1p(exp) inf later)
    return x * M::tanh(M::log1p(M::exp(x > S(20) ? V{} + S(20) : x)));
  }
}

// dy * f'(x).
template <ActivationOp kOp, class M, class S, class V>
TG_HOST_DEVICE inline V activation_grad(V dy, V x, const ActivationArgs<S>& a) {
  const V zero = V{}, one = V{} + S(1), half = V{} + S(0.5);
  if constexpr (kOp == ActivationOp::Gelu) {
    const V cdf = half * (one + M::erf(x * S(kSqrtHalf)));
    const V pdf = M::exp(S(-0.5) * x * x) * S(kInvSqrt2Pi);
    return dy * (cdf + x * pdf);
  } else if constexpr (kOp == ActivationOp::GeluTanh) {
    const V x2 = x * x;
    const V t = M::tanh(S(kSqrt2OverPi) * (x + S(kGeluTanhCubic) * x2 * x));
    const V dinner = S(kSqrt2OverPi) * (one + S(3 * kGeluTanhCubic) * x2);
    return dy * half * (one + t + x * (one - t * t) * dinner);
  } else if constexpr (kOp == ActivationOp::Silu) {
    const V s = one / (one + M::exp(zero - x));
    return dy * s * (one + x * (one - s));
  } else if constexpr (kOp == ActivationOp::Elu) {
    return x > S(0) ? dy * a.scale : dy * (a.scale * a.alpha * a.input_scale) * M::exp(x * a.input_scale);
  } else if constexpr (kOp == ActivationOp::LeakyRelu) {
    return x > S(0) ? dy : dy * a.alpha;
  } else if constexpr (kOp == ActivationOp::Softplus) {  // sigmoid(beta x), never inf / inf
    const V z = x * a.beta;
    return z > a.threshold ? dy : dy / (one + M::exp(zero - z));
  } else if constexpr (kOp == ActivationOp::Hardtanh) {  // zero at the bounds, as PyTorch
    return x <= a.min_val ? zero : (x >= a.max_val ? zero : dy);
  } else if constexpr (kOp == ActivationOp::Hardsigmoid) {  // NaN gets none, as PyTorch
    return x > S(-3) ? (x < S(3) ? dy * S(1.0 / 6) : zero) : zero;
  } else if constexpr (kOp == ActivationOp::Hardswish) {
    return x <= S(-3) ? zero : (x < S(3) ? dy * (x * S(1.0 / 3) + half) : dy);
  } else if constexpr (kOp == ActivationOp::NanToNum) {  // none where x is replaced, as PyTorch
    return x - x == zero ? dy : zero;
  } else if constexpr (kOp == ActivationOp::Hardshrink || kOp == ActivationOp::Softshrink) {  // NaN gets dy, as PyTorch
    return x >= -a.alpha ? (x <= a.alpha ? zero : dy) : dy;
  } else if constexpr (kOp == ActivationOp::Threshold) {
    return x <= a.threshold ? zero : dy;
  } else if constexpr (kOp == ActivationOp::Huber) {  // beta sign(x) outside the band
    return dy * (x < -a.alpha ? V{} - a.beta : (x > a.alpha ? V{} + a.beta : x * a.scale));
  } else {  // Mish: tanh(sp) + x sigmoid(x) (1 - tanh(sp)^2), sp = softplus(x)
    const V t = M::tanh(M::log1p(M::exp(x > S(20) ? V{} + S(20) : x)));
    const V s = one / (one + M::exp(zero - x));
    return dy * (t + x * s * (one - t * t));
  }
}

}  // namespace tg::kernels
