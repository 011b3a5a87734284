#pragma once
// Complex arithmetic and the complex forms of the unary maps, shared by the CPU kernels (on
// std::complex) and, compiled as device functions, the CUDA kernels (on cuda::std::complex), so
// that both devices evaluate the same formulas. The library functions (exp, log, sin, ...) are
// found by argument-dependent lookup in each complex type's namespace.
#include <cmath>
#include <limits>
#include <numbers>

#include "kernels/kernels.h"
#include "kernels/scalar_math.h"

namespace tg::kernels {

// Products and quotients by their formulas: std::complex's operators call libgcc's __mulsc3 /
// __divsc3 (Annex G's infinity rules), several times slower; PyTorch's c10::complex does the same.
template <class C>
TG_HOST_DEVICE inline C cmul(C a, C b) {
  return C(a.real() * b.real() - a.imag() * b.imag(), a.real() * b.imag() + a.imag() * b.real());
}
// Smith's algorithm: scales by the larger part of the divisor, so that |b|^2 cannot overflow.
template <class C>
TG_HOST_DEVICE inline C cdiv(C a, C b) {
  using R = typename C::value_type;
  const R c = b.real(), d = b.imag();
  if (std::fabs(c) >= std::fabs(d)) {
    if (c == R(0) && d == R(0)) return C(a.real() / std::fabs(c), a.imag() / std::fabs(d));  // inf or NaN parts
    const R r = d / c, den = c + d * r;
    return C((a.real() + a.imag() * r) / den, (a.imag() - a.real() * r) / den);
  }
  const R r = c / d, den = c * r + d;
  return C((a.real() * r + a.imag()) / den, (a.imag() * r - a.real()) / den);
}

template <class C>
TG_HOST_DEVICE inline C log1p_complex(C z) {
  // log|1 + z| = log1p(2x + x^2 + y^2) / 2 keeps the digits of small z that log(1 + z) loses.
  using R = typename C::value_type;
  const R x = z.real(), y = z.imag();
  return C(std::log1p(x * (2 + x) + y * y) / 2, std::atan2(y, 1 + x));
}

template <class C>
TG_HOST_DEVICE inline C expm1_complex(C z) {
  // exp(x) cos(y) - 1 = expm1(x) cos(y) - 2 sin(y/2)^2, without the cancellation near 0.
  using R = typename C::value_type;
  const R x = z.real(), y = z.imag(), s = std::sin(y / 2);
  return C(std::expm1(x) * std::cos(y) - 2 * s * s, std::exp(x) * std::sin(y));
}

template <class C>
TG_HOST_DEVICE inline C pow_complex(C a, C b) {
  using R = typename C::value_type;
  if (b == C(0)) return C(1);
  if (b.imag() == 0 && b.real() == std::trunc(b.real()) && std::fabs(b.real()) <= 64) {
    // Integer powers by squaring: exact for the squares and cubes that exp(b log a) rounds.
    auto n = static_cast<int>(std::fabs(b.real()));
    C r(1), p = a;
    for (; n > 0; n >>= 1, p = cmul(p, p))
      if (n & 1) r = cmul(r, p);
    return b.real() < 0 ? cdiv(C(1), r) : r;
  }
  if (a == C(0))
    return b.real() > 0 ? C(0) : C(std::numeric_limits<R>::quiet_NaN(), std::numeric_limits<R>::quiet_NaN());
  return exp(cmul(b, log(a)));
}

// The unary ops with a complex form besides abs (which maps into the real dtype): X(Name) for
// each, for the kernels' switches.
#define TG_COMPLEX_UNARY_OPS(X)                                                                                  \
  X(Neg)                                                                                                         \
  X(Sign)                                                                                                        \
  X(Reciprocal)                                                                                                  \
  X(Sqrt) X(Rsqrt) X(Exp) X(Exp2) X(Log) X(Log2) X(Log10) X(Log1p) X(Expm1) X(Sin) X(Cos) X(Tan) X(Asin) X(Acos) \
      X(Atan) X(Sinh) X(Cosh) X(Tanh) X(Asinh) X(Acosh) X(Atanh) X(Sigmoid)

template <UnaryOp kOp, class C>
TG_HOST_DEVICE inline C complex_unary_value(C z) {
  using R = typename C::value_type;
  constexpr R kLn2 = std::numbers::ln2_v<R>, kLn10 = std::numbers::ln10_v<R>;
  if constexpr (kOp == UnaryOp::Neg)
    return -z;
  else if constexpr (kOp == UnaryOp::Sign)
    return z == C(0) ? C(0) : z / abs(z);  // sgn
  else if constexpr (kOp == UnaryOp::Reciprocal)
    return cdiv(C(1), z);
  else if constexpr (kOp == UnaryOp::Sqrt)
    return sqrt(z);
  else if constexpr (kOp == UnaryOp::Rsqrt)
    return cdiv(C(1), sqrt(z));
  else if constexpr (kOp == UnaryOp::Exp)
    return exp(z);
  else if constexpr (kOp == UnaryOp::Exp2)
    return exp(z * kLn2);
  else if constexpr (kOp == UnaryOp::Log)
    return log(z);
  else if constexpr (kOp == UnaryOp::Log2)
    return log(z) / kLn2;
  else if constexpr (kOp == UnaryOp::Log10)
    return log(z) / kLn10;
  else if constexpr (kOp == UnaryOp::Log1p)
    return log1p_complex(z);
  else if constexpr (kOp == UnaryOp::Expm1)
    return expm1_complex(z);
  else if constexpr (kOp == UnaryOp::Sin)
    return sin(z);
  else if constexpr (kOp == UnaryOp::Cos)
    return cos(z);
  else if constexpr (kOp == UnaryOp::Tan)
    return tan(z);
  else if constexpr (kOp == UnaryOp::Asin)
    return asin(z);
  else if constexpr (kOp == UnaryOp::Acos)
    return acos(z);
  else if constexpr (kOp == UnaryOp::Atan)
    return atan(z);
  else if constexpr (kOp == UnaryOp::Sinh)
    return sinh(z);
  else if constexpr (kOp == UnaryOp::Cosh)
    return cosh(z);
  else if constexpr (kOp == UnaryOp::Tanh)
    return tanh(z);
  else if constexpr (kOp == UnaryOp::Asinh)
    return asinh(z);
  else if constexpr (kOp == UnaryOp::Acosh)
    return acosh(z);
  else if constexpr (kOp == UnaryOp::Atanh)
    return atanh(z);
  else if constexpr (kOp == UnaryOp::Sigmoid)
    return cdiv(C(1), C(1) + exp(-z));
  else
    static_assert(kOp == UnaryOp::Neg, "no complex form");
}

// |z| as a real number: complex64 squared in double cannot overflow; complex128 takes hypot only
// where the squares could (hypot is several times slower than the square root).
template <class C>
TG_HOST_DEVICE inline typename C::value_type complex_abs(C z) {
  using R = typename C::value_type;
  if constexpr (std::is_same_v<R, float>) {
    const double a = z.real(), b = z.imag();
    return static_cast<float>(std::sqrt(a * a + b * b));
  } else {
    const double a = std::fabs(z.real()), b = std::fabs(z.imag()), big = a > b ? a : b;
    return big < 1e150 && big > 1e-150 ? std::sqrt(a * a + b * b) : std::hypot(a, b);
  }
}

// addcmul, addcdiv and lerp of complex numbers (s: the scalar factor).
template <TernaryOp kOp, class C>
TG_HOST_DEVICE inline C complex_ternary_value(C p, C q, C r, C s) {
  if constexpr (kOp == TernaryOp::AddCMul)
    return p + cmul(s, cmul(q, r));
  else if constexpr (kOp == TernaryOp::AddCDiv)
    return p + cmul(s, cdiv(q, r));
  else {
    // From the nearer end, as the real lerp: exact at both ends (r is the weight).
    const C d = q - p;
    return abs(r) < 0.5 ? p + cmul(r, d) : q - cmul(d, C(1) - r);
  }
}

}  // namespace tg::kernels
