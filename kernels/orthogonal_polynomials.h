#pragma once
// torch.special's orthogonal polynomials p_n(x) (special_ops.def): Chebyshev's four kinds (and
// the shifted ones, p_n(2x - 1)), Hermite's two, Laguerre's and Legendre's. The degree n is a
// number of the tensor's dtype, truncated to an integer as PyTorch does; a negative degree gives
// 0 and a NaN or +inf one NaN. Three-term recurrences, which are stable for these families, up
// to degree 1024; above it the Chebyshev kinds take their trigonometric (|x| < 1) or hyperbolic
// (|x| > 1) closed forms, and the others keep iterating, as PyTorch's do.
#include <cmath>
#include <cstdint>

#include "kernels/scalar_math.h"

namespace tg::kernels::special_math {

// The degree as an integer: NaN and +inf are -2 (no polynomial has them; at +inf the recurrences
// ran 4.6e18 steps, a hang), those that truncate to a negative -1, and degrees past 2^62 (where
// doubles are all even integers) saturate there.
TG_HOST_DEVICE inline int64_t polynomial_degree(double n) {
  if (n != n || n == INFINITY) return -2;
  if (n <= -1) return -1;  // truncation first: a degree in (-1, 0) is 0
  return n < 4.6e18 ? static_cast<int64_t>(n) : int64_t{4600000000000000000};
}

// p_n from p_0 = 1, p_1 = first and p_{k+1} = Family::next(x, k, p_k, p_{k-1}). Where a value
// overflows, inf - inf would make it NaN: the loop runs again with (p_k, p_{k-1}) scaled by a
// power of two each step, so that the result is the infinity of the right sign (or the finite
// value the recurrence came back to).
template <class Family>
TG_HOST_DEVICE inline double recurrence(double x, int64_t n, double first) {
  if (n == 0) return 1;
  double p = 1, q = first;
  for (int64_t k = 1; k < n; ++k) {
    const double r = Family::next(x, static_cast<double>(k), q, p);
    p = q;
    q = r;
  }
  if (std::isfinite(q) || !std::isfinite(x)) return q;
  int exponent = 0;
  std::frexp(first, &exponent);
  p = std::ldexp(1.0, -exponent);
  q = std::ldexp(first, -exponent);
  for (int64_t k = 1; k < n; ++k) {
    const double r = Family::next(x, static_cast<double>(k), q, p);
    int e = 0;
    std::frexp(r, &e);
    p = std::ldexp(q, -e);
    q = std::ldexp(r, -e);
    exponent += e;
  }
  return std::ldexp(q, exponent);
}

struct ChebyshevStep {
  TG_HOST_DEVICE static double next(double x, double, double q, double p) { return 2 * x * q - p; }
};
struct HermiteStep {  // physicists' (2x and 2k are exact: the roundings of 2 (x q - k p), one step shorter)
  TG_HOST_DEVICE static double next(double x, double k, double q, double p) { return 2 * x * q - 2 * k * p; }
};
struct HermiteEStep {  // probabilists'
  TG_HOST_DEVICE static double next(double x, double k, double q, double p) { return x * q - k * p; }
};
struct LaguerreStep {
  TG_HOST_DEVICE static double next(double x, double k, double q, double p) {
    return ((2 * k + 1 - x) * q - k * p) / (k + 1);
  }
};
struct LegendreStep {
  TG_HOST_DEVICE static double next(double x, double k, double q, double p) {
    return ((2 * k + 1) * x * q - k * p) / (k + 1);
  }
};

enum class Chebyshev { T, U, V, W };

// Chebyshev polynomials of the first to fourth kind: T_n(cos t) = cos(n t),
// U_n(cos t) = sin((n + 1) t) / sin(t), V_n(cos t) = cos((n + 1/2) t) / cos(t / 2),
// W_n(cos t) = sin((n + 1/2) t) / sin(t / 2); all four satisfy p_{k+1} = 2x p_k - p_{k-1}.
template <Chebyshev kKind>
TG_HOST_DEVICE inline double chebyshev_polynomial(double x, double degree) {
  const int64_t n = polynomial_degree(degree);
  if (n == -2 || x != x) return NAN;
  if (n < 0) return 0;
  const double sign = n % 2 == 0 ? 1.0 : -1.0, dn = static_cast<double>(n);
  if (x == 1 || x == -1) {  // exact, where the closed forms divide 0 by 0
    const bool pos = x > 0;
    switch (kKind) {
      case Chebyshev::T:
        return pos ? 1.0 : sign;
      case Chebyshev::U:
        return (pos ? 1.0 : sign) * (dn + 1);
      case Chebyshev::V:
        return pos ? 1.0 : sign * (2 * dn + 1);
      case Chebyshev::W:
        return pos ? 2 * dn + 1 : sign;
    }
  }
  if (n > 1024) {
    if (std::fabs(x) < 1) {
      const double t = std::acos(x);
      switch (kKind) {
        case Chebyshev::T:
          return std::cos(dn * t);
        case Chebyshev::U:
          return std::sin((dn + 1) * t) / std::sin(t);
        case Chebyshev::V:
          return std::cos((dn + 0.5) * t) / std::cos(0.5 * t);
        case Chebyshev::W:
          return std::sin((dn + 0.5) * t) / std::sin(0.5 * t);
      }
    }
    // |x| > 1: cosh and sinh of t = acosh|x|. Below -1, T and U have the parity of n, and V and
    // W trade places: V_n(-x) = (-1)^n W_n(x).
    const double t = std::acosh(std::fabs(x)), s = x < 0 ? sign : 1.0;
    const bool half_cosh = kKind == Chebyshev::V ? x > 0 : x < 0;
    switch (kKind) {
      case Chebyshev::T:
        return s * std::cosh(dn * t);
      case Chebyshev::U:
        return s * std::sinh((dn + 1) * t) / std::sinh(t);
      default:
        return s * (half_cosh ? std::cosh((dn + 0.5) * t) / std::cosh(0.5 * t)
                              : std::sinh((dn + 0.5) * t) / std::sinh(0.5 * t));
    }
  }
  const double first = kKind == Chebyshev::T   ? x
                       : kKind == Chebyshev::U ? 2 * x
                       : kKind == Chebyshev::V ? 2 * x - 1
                                               : 2 * x + 1;
  return recurrence<ChebyshevStep>(x, n, first);
}

// Hermite's physicists' H_{k+1} = 2x H_k - 2k H_{k-1} and probabilists' He_{k+1} = x He_k - k He_{k-1}.
template <bool kPhysicists>
TG_HOST_DEVICE inline double hermite_polynomial(double x, double degree) {
  const int64_t n = polynomial_degree(degree);
  if (n == -2 || x != x) return NAN;
  if (n < 0) return 0;
  return kPhysicists ? recurrence<HermiteStep>(x, n, 2 * x) : recurrence<HermiteEStep>(x, n, x);
}

// Laguerre's (k + 1) L_{k+1} = (2k + 1 - x) L_k - k L_{k-1}.
TG_HOST_DEVICE inline double laguerre_polynomial(double x, double degree) {
  const int64_t n = polynomial_degree(degree);
  if (n == -2 || x != x) return NAN;
  if (n < 0) return 0;
  return recurrence<LaguerreStep>(x, n, 1 - x);
}

// Legendre's (k + 1) P_{k+1} = (2k + 1) x P_k - k P_{k-1}; P_n(1) = 1 and P_n(-1) = (-1)^n exactly.
TG_HOST_DEVICE inline double legendre_polynomial(double x, double degree) {
  const int64_t n = polynomial_degree(degree);
  if (n == -2 || x != x) return NAN;
  if (n < 0) return 0;
  if (x == 1 || x == -1) return x > 0 || n % 2 == 0 ? 1.0 : -1.0;
  return recurrence<LegendreStep>(x, n, x);
}

}  // namespace tg::kernels::special_math
