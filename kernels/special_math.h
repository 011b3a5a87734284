#pragma once
// The scalar forms of torch.special's functions that libm lacks (special_ops.def), shared by the
// CPU and CUDA kernels. They compute in double for every dtype: none is on a model's hot path,
// and one code path keeps float inputs within an ulp of the double result.
#include "kernels/double_double.h"
#include "kernels/orthogonal_polynomials.h"
#include "kernels/scalar_math.h"

namespace tg::kernels {
namespace special_math {

constexpr double kPi = 3.14159265358979323846;
constexpr double kSqrtHalf = 0.70710678118654752440;
constexpr double kSqrtPi = 1.77245385090551602730;
constexpr double kSqrtTwoPi = 2.50662827463100050242;
constexpr double kSqrtTwo = 1.41421356237309504880;
constexpr double kSqrtPiHalf = 0.88622692545275801365;  // sqrt(pi) / 2
constexpr double kEps = 1.1102230246251565e-16;

// e^(x^2) to the accuracy of exp itself: x * x split into its rounded value and the rounding error.
TG_HOST_DEVICE inline double exp_square(double x) {
  const double hi = x * x, lo = std::fma(x, x, -hi);
  return std::exp(hi) * (1 + lo);
}

// The asymptotic (Hankel) series of J, Y and K of order nu at large x: the terms
// a_k = prod_{j<=k} (4 nu^2 - (2j - 1)^2) / (k! (8x)^k), summed until they fall below 1e-17.
// Returns sum a_k (the K series) and, in p and q, the P and Q series of J and Y.
TG_HOST_DEVICE inline double hankel_series(double nu, double x, double* p, double* q) {
  const double mu = 4.0 * nu * nu, inv_8x = 1 / (8 * x);
  double term = 1, all = 1, even = 1, odd = 0;
  for (int k = 1; k < 60; ++k) {
    term *= (mu - (2.0 * k - 1) * (2.0 * k - 1)) * inv_8x / k;  // the division is off the chain
    all += term;
    // P = a_0 - a_2 + a_4 ..., Q = a_1 - a_3 + ...
    const double sign = (k / 2) % 2 == 0 ? 1.0 : -1.0;
    if (k % 2 == 0)
      even += sign * term;
    else
      odd += sign * term;
    if (std::fabs(term) < 1e-17) break;
  }
  *p = even;
  *q = odd;
  return all;
}

// The parts of J_n, Y_n and K_n (n = 0, 1) that the scalar forms here and the CPU's vector forms
// (cpu/unary.cpp) share, on a scalar or on lanes V of double (kDouble) or float: the caller
// brings the logarithm, sine, cosine, square root and exponential.
// J_n below 2, scalar_math.h's series in t = x^2 / 2 - 1.
template <int kOrder, bool kDouble, class V>
TG_HOST_DEVICE inline V bessel_j_below2(V x) {
  using S = std::conditional_t<kDouble, double, float>;
  const V t = x * x * S(0.5) - 1;
  return kOrder == 0 ? bessel_j_small<0, kDouble>(t) : x * bessel_j_small<1, kDouble>(t);
}
// Y_n below 2: 2/pi log(x/2) J_n plus the rest of its expansion.
template <int kOrder, bool kDouble, class V>
TG_HOST_DEVICE inline V bessel_y_below2(V x, V log_half_x) {
  using S = std::conditional_t<kDouble, double, float>;
  const V t = x * x * S(0.5) - 1, log_term = S(2 / kPi) * log_half_x * bessel_j_below2<kOrder, kDouble>(x);
  return kOrder == 0 ? log_term + bessel_y_small_rest<0, kDouble>(t)
                     : S(-2 / kPi) / x + log_term + x * bessel_y_small_rest<1, kDouble>(t);
}
// J_n or (kY) Y_n above 8 by Hankel's form from c = cos x, s = sin x and sqrt(2 / (pi x)), P_n
// and Q_n as scalar_math.h's series in t = 2 (8/x)^2 - 1. cos and sin of x - pi/4 and x - 3pi/4
// come from those of x: x - pi/4 rounds for large x.
template <int kOrder, bool kY, bool kDouble, class V>
TG_HOST_DEVICE inline V bessel_hankel(V x, V c, V s, V scale) {
  using S = std::conditional_t<kDouble, double, float>;
  const V cos_c = (kOrder == 0 ? c + s : s - c) * S(kSqrtHalf), sin_c = (kOrder == 0 ? s - c : -(s + c)) * S(kSqrtHalf);
  const V w = S(8) / x, t = 2 * w * w - 1;
  const V p = bessel_p<kOrder, kDouble>(t), q = w * bessel_q<kOrder, kDouble>(t);  // Q_n = (Q_n x / 8) * 8 / x
  return kY ? scale * (p * sin_c + q * cos_c) : scale * (p * cos_c - q * sin_c);
}
// K_n below 2 from I_n and the rest of its expansion (scalar_math.h's series).
template <int kOrder, bool kDouble, class V>
TG_HOST_DEVICE inline V bessel_k_below2(V x, V log_half_x) {
  using S = std::conditional_t<kDouble, double, float>;
  const V t = x * x * S(0.5) - 1;
  return kOrder == 0 ? bessel_k_small_rest<0, kDouble>(t) - log_half_x * bessel_k_small_i<0, kDouble>(t)
                     : 1 / x + x * (log_half_x * bessel_k_small_i<1, kDouble>(t) + bessel_k_small_rest<1, kDouble>(t));
}
// sin(x) / x's Taylor polynomial in z = x^2, for |x| < 0.5.
template <bool kDouble, class V>
TG_HOST_DEVICE inline V spherical_bessel_j0_taylor(V z) {
  using S = std::conditional_t<kDouble, double, float>;
  return ((((((S(1.0 / 6227020800) * z - S(1.0 / 39916800)) * z + S(1.0 / 362880)) * z - S(1.0 / 5040)) * z +
            S(1.0 / 120)) *
               z -
           S(1.0 / 6)) *
              z +
          S(1.0));
}

// J_n (n = 0, 1): J_0 even, J_1 odd. scalar_math.h's series up to 8 (past 2 with the zeros
// factored out, to keep the relative accuracy near them), Hankel's form above: within 3e-16 of
// mpmath absolutely, and 2e-15 relatively but near the zeros above 8.
template <int kOrder>
TG_HOST_DEVICE inline double bessel_j(double x) {
  if (x != x) return x;
  const double ax = std::fabs(x);
  if (ax == 0) return kOrder == 0 ? 1.0 : x;
  if (ax == INFINITY) return 0.0;
  const double r = ax <= 2 ? bessel_j_below2<kOrder, true>(ax)
                   : ax <= 8
                       ? bessel_jy_mid<kOrder, false, true>(ax)
                       : bessel_hankel<kOrder, false, true>(ax, std::cos(ax), std::sin(ax), std::sqrt(2 / kPi / ax));
  return kOrder == 1 && x < 0 ? -r : r;
}

// Y_n (n = 0, 1): -inf at 0, NaN below (as PyTorch). As J_n; below 2 from J_n's series and log(x/2).
template <int kOrder>
TG_HOST_DEVICE inline double bessel_y(double x) {
  if (x != x) return x;
  if (x == 0) return -INFINITY;
  if (x < 0) return NAN;
  if (x == INFINITY) return 0.0;
  if (x <= 2) return bessel_y_below2<kOrder, true>(x, std::log(x * 0.5));
  if (x <= 8) return bessel_jy_mid<kOrder, true, true>(x);
  return bessel_hankel<kOrder, true, true>(x, std::cos(x), std::sin(x), std::sqrt(2 / kPi / x));
}

// e^x K_nu(x) for nu = kNum / kDen in [0, 1] by the trapezoidal rule on
// int_0^inf e^(-x (cosh t - 1)) cosh(nu t) dt, which converges doubly exponentially: with step h
// the error is below e^(x - pi^2 / h), 1e-18 for x up to 25. cosh(m h) by its recurrence.
template <int kNum, int kDen>
TG_HOST_DEVICE inline double scaled_bessel_k_trapezoid(double x) {
  const double h = kPi * kPi / (x + 42), c1 = std::cosh(h);
  const double w1 = kNum == 0 ? 1.0 : kNum == kDen ? c1 : std::cosh(h * kNum / kDen);
  double sum = 0.5, c_prev = 1, c = c1, w_prev = 1, w = w1;
  for (int m = 1; m < 200; ++m) {
    const double e = x * (c - 1);
    sum += std::exp(-e) * w;
    if (e - m * h > 42) break;
    const double c_next = 2 * c1 * c - c_prev, w_next = 2 * w1 * w - w_prev;
    c_prev = c;
    c = c_next;
    w_prev = w;
    w = w_next;
  }
  return h * sum;
}

// K_n and e^x K_n (n = 0, 1): +inf at 0, NaN below. scalar_math.h's series: below 2 from I_n
// and the rest of K_n's expansion, above it sqrt(x) e^x K_n in 4 / x - 1.
template <int kOrder, bool kScaled>
TG_HOST_DEVICE inline double bessel_k(double x) {
  if (x != x) return x;
  if (x == 0) return INFINITY;
  if (x < 0) return NAN;
  if (x == INFINITY) return 0.0;
  if (x <= 2) {
    const double k = bessel_k_below2<kOrder, true>(x, std::log(x * 0.5));
    return kScaled ? k * std::exp(x) : k;
  }
  const double r = bessel_k_large<kOrder, true>(4 / x - 1) / std::sqrt(x);
  return kScaled ? r : r * std::exp(-x);
}

// sum_j b_j with b_{j+1} = b_j x^3 / ((3j + kA)(3j + kB)) in double-double, to 1e-33 of the
// largest term: the Maclaurin series of Ai and Ai' cancel e^zeta of their size for negative x.
template <int kA, int kB>
TG_HOST_DEVICE inline DoubleDouble airy_series(DoubleDouble first, DoubleDouble x3) {
  DoubleDouble term = first, sum = first;
  double largest = std::fabs(first.hi);
  for (int j = 0; j < 80; ++j) {
    term = dd_div(dd_mul(term, x3), double(3 * j + kA) * double(3 * j + kB));
    sum = dd_add(sum, term);
    largest = std::fmax(largest, std::fabs(term.hi));
    if (std::fabs(term.hi) < 1e-33 * largest) break;
  }
  return sum;
}

// zeta = 2/3 x^(3/2) in double-double: its rounding error, times zeta, would be the error of
// Ai's phase (below 0) and of its exponential decay (above).
TG_HOST_DEVICE inline DoubleDouble airy_zeta(double x) {
  const double r = std::sqrt(x), r_lo = std::fma(-r, r, x) / (2 * r);
  if (r * x > 1e308) return {INFINITY, 0};  // (past 4e205; fma's error term would be NaN)
  return dd_div(dd_mul(DoubleDouble{r, r_lo}, 2 * x), 3);
}

// The same sum in double, where it cancels less than a digit (-2.5 <= x <= 1).
template <int kA, int kB>
TG_HOST_DEVICE inline double airy_series(double first, double x3) {
  double term = first, sum = first, largest = std::fabs(first);
  for (int j = 0; j < 40; ++j) {
    term *= x3 / (double(3 * j + kA) * double(3 * j + kB));
    sum += term;
    largest = std::fmax(largest, std::fabs(term));
    if (std::fabs(term) < 1e-17 * largest) break;
  }
  return sum;
}

// Ai(x) and (kDerivative) Ai'(x). Above 1, from K_1/3 and K_2/3 of zeta = 2/3 x^(3/2):
// Ai = sqrt(x / 3) K_1/3(zeta) / pi, Ai' = -x K_2/3(zeta) / (pi sqrt 3), by the trapezoidal rule up
// to zeta = 25 and the asymptotic series past it. From -10 to 1, the Maclaurin series
// Ai = Ai(0) f - |Ai'(0)| g, in double-double below -2.5. Below -10, the asymptotic forms
// Ai(-x) = x^(-1/4) (P cos(zeta - pi/4) - Q sin(zeta - pi/4)) / sqrt(pi) and
// Ai'(-x) = x^(1/4) (P sin(zeta - pi/4) + Q cos(zeta - pi/4)) / sqrt(pi), with Hankel's P and Q of
// order 1/3 (2/3), whose error is below e^(-2 zeta) ~ 1e-18; the phase is good to zeta's rounding.
template <bool kDerivative>
TG_HOST_DEVICE inline double airy_ai(double x) {
  if (x != x) return x;
  if (x == INFINITY) return 0.0;
  if (x == -INFINITY) return 0.0;
  if (x > 1) {
    const DoubleDouble zeta_dd = airy_zeta(x);
    const double zeta = zeta_dd.hi;
    double k, p, q;
    if (zeta <= 25) {
      k = kDerivative ? scaled_bessel_k_trapezoid<2, 3>(zeta) : scaled_bessel_k_trapezoid<1, 3>(zeta);
    } else {
      k = std::sqrt(kPi / (2 * zeta)) * hankel_series(kDerivative ? 2.0 / 3 : 1.0 / 3, zeta, &p, &q);
    }
    k *= std::exp(-zeta) * (1 - zeta_dd.lo);
    return kDerivative ? -x * k / (kPi * 1.73205080756887729353) : std::sqrt(x / 3) * k / kPi;
  }
  if (x >= -2.5) {
    constexpr double kAi0 = 0.35502805388781723926, kMinusAiPrime0 = 0.25881940379280679841;
    const double x3 = x * x * x;
    return kDerivative ? kAi0 * airy_series<3, 5>(x * x / 2, x3) - kMinusAiPrime0 * airy_series<1, 3>(1.0, x3)
                       : kAi0 * airy_series<2, 3>(1.0, x3) - kMinusAiPrime0 * airy_series<3, 4>(x, x3);
  }
  if (x >= -10) {
    const DoubleDouble x2 = dd_quick_sum(x * x, std::fma(x, x, -x * x)), x3 = dd_mul(x2, x);
    constexpr DoubleDouble kAi0 = {0.3550280538878172, 2.05233632436212e-17};
    constexpr DoubleDouble kMinusAiPrime0 = {0.2588194037928068, -2.522243111610832e-17};
    DoubleDouble f, g;
    if (kDerivative) {
      f = airy_series<3, 5>(dd_div(x2, 2), x3);  // f' = x^2 / 2 + x^5 / 30 + ...
      g = airy_series<1, 3>({1, 0}, x3);         // g' = 1 + x^3 / 3 + ...
    } else {
      f = airy_series<2, 3>({1, 0}, x3);  // f = 1 + x^3 / 6 + ...
      g = airy_series<3, 4>({x, 0}, x3);  // g = x + x^4 / 12 + ...
    }
    const DoubleDouble r = dd_add(dd_mul(f, kAi0), dd_mul(g, DoubleDouble{-kMinusAiPrime0.hi, -kMinusAiPrime0.lo}));
    return r.hi + r.lo;
  }
  const double z = -x;
  const DoubleDouble zeta = airy_zeta(z);
  if (zeta.hi == INFINITY) return 0.0;  // below -1e205: the amplitude's limit (no phase is left)
  double p, q;
  hankel_series(kDerivative ? 2.0 / 3 : 1.0 / 3, zeta.hi, &p, &q);
  // cos and sin of zeta - pi/4 from its double-double value: the phase to 1e-16 absolute.
  const DoubleDouble a = dd_add(zeta, DoubleDouble{-0.7853981633974483, -3.061616997868383e-17});
  const double c0 = std::cos(a.hi), s0 = std::sin(a.hi), c_lo = std::cos(a.lo), s_lo = std::sin(a.lo);
  const double c = c0 * c_lo - s0 * s_lo, s = s0 * c_lo + c0 * s_lo;
  return kDerivative ? std::sqrt(std::sqrt(z)) * (p * s + q * c) / kSqrtPi
                     : (p * c - q * s) / (std::sqrt(std::sqrt(z)) * kSqrtPi);
}

// sin(x) / x, by its Taylor series near 0 (through x^12).
TG_HOST_DEVICE inline double spherical_bessel_j0(double x) {
  if (std::fabs(x) == INFINITY) return 0.0;
  if (std::fabs(x) < 0.5) return spherical_bessel_j0_taylor<true>(x * x);
  return std::sin(x) / x;
}

// e^(x^2) erfc(x): through erfc while it is a normal number, then the asymptotic series
// 1 / (x sqrt(pi)) sum (-1)^n (2n - 1)!! / (2x^2)^n; below 0 from 2 e^(x^2) - erfcx(-x).
TG_HOST_DEVICE inline double erfcx(double x) {
  if (x != x) return x;
  const double ax = std::fabs(x);
  double r;
  if (ax < 25) {
    r = exp_square(ax) * std::erfc(ax);
  } else {
    const double z = 1 / (2 * ax * ax);
    double term = 1, sum = 1;
    for (int n = 1; n < 20 && std::fabs(term) > 1e-17; ++n) {
      term *= -(2 * n - 1) * z;
      sum += term;
    }
    r = sum / (ax * kSqrtPi);
  }
  if (x >= 0) return r;
  return x < -26.7 ? INFINITY : 2 * exp_square(x) - r;
}

// The standard normal distribution function and its log: erfc for the lower tail, log1p of the
// upper tail above 0, and for log below 0 log(erfcx(-x / sqrt 2) / 2) - x^2 / 2 (no underflow).
TG_HOST_DEVICE inline double ndtr(double x) { return 0.5 * std::erfc(-x * kSqrtHalf); }

TG_HOST_DEVICE inline double log_ndtr(double x) {
  if (x != x) return x;
  if (x >= 0) return std::log1p(-0.5 * std::erfc(x * kSqrtHalf));
  return std::log(0.5 * erfcx(-x * kSqrtHalf)) - 0.5 * x * x;
}

// ndtri in the far lower tail (p < 1e-16): a rational first guess in sqrt(-2 log p) (Abramowitz
// and Stegun 26.2.23, to 4.5e-4) and two Halley steps on log ndtr(x) = log p, whose derivatives
// need ndtr(x) / phi(x) only, so no tiny numbers.
TG_HOST_DEVICE inline double ndtri_lower(double p) {
  const double log_p = std::log(p), t = std::sqrt(-2 * log_p);
  double x = -(t - (2.515517 + (0.802853 + 0.010328 * t) * t) / (1 + (1.432788 + (0.189269 + 0.001308 * t) * t) * t));
  // Halley's method (cubic: 4.5e-4, 1e-10, below 1e-16) on g = log ndtr(x) - log p, with
  // R = ndtr / phi = sqrt(2 pi) erfcx(-x / sqrt 2) / 2: g' = 1 / R, g'' = -(x + 1 / R) / R.
  for (int i = 0; i < 2; ++i) {
    const double e = erfcx(-x * kSqrtHalf), ratio = 0.5 * e * kSqrtTwoPi;
    const double g = std::log(0.5 * e) - 0.5 * x * x - log_p;
    x -= g * ratio / (1 + 0.5 * g * (x * ratio + 1));
  }
  return x;
}

// The inverse of ndtr. For p in [1/8, 7/8], sqrt 2 erfinv(2p - 1), with 2p - 1's rounding error e
// (none in [1/4, 3/4]) added through erfinv' = sqrt(pi) / 2 exp(erfinv^2); beyond, with q =
// min(p, 1 - p) (exact), erfinv's tail series at z = sqrt(-log q) (what it takes for
// y = 1 - 2q), and below q = 1e-16, past that series' range, ndtri_lower.
constexpr double kNdtriTailSeriesEnd = 1e-16;
TG_HOST_DEVICE inline double ndtri(double p) {
  if (p != p || p < 0 || p > 1) return NAN;
  if (p == 0) return -INFINITY;
  if (p == 1) return INFINITY;
  if (p >= 0.125 && p <= 0.875) {
    const double two = 2 * p, y = two - 1, back = y - two, e = (two - (y - back)) + (-1 - back);
    const double x = erfinv_central(y);
    return kSqrtTwo * (x + e * kSqrtPiHalf * std::exp(x * x));
  }
  const double q = p < 0.5 ? p : 1 - p;
  const double x = q >= kNdtriTailSeriesEnd ? -kSqrtTwo * erfinv_tail(std::sqrt(-std::log(q))) : ndtri_lower(q);
  return p < 0.5 ? x : -x;
}

// Hurwitz's zeta(x, q) = sum_k (q + k)^-x (Cephes' algorithm, as PyTorch): at least 10 terms and
// until q + k > 9, then Euler-Maclaurin with the Bernoulli numbers B_2..B_24 (kA = (2j)! / B_2j).
TG_HOST_DEVICE inline double zeta(double x, double q) {
  if (x != x || q != q) return NAN;
  if (x == 1) return INFINITY;
  if (x < 1) return NAN;
  if (q <= 0) {
    if (q == std::floor(q)) return INFINITY;
    if (x != std::floor(x)) return NAN;  // q^-x is not real
  }
  constexpr double kA[] = {12.0,
                           -720.0,
                           30240.0,
                           -1209600.0,
                           47900160.0,
                           -1892437580.3183792,
                           74724249600.0,
                           -2950130727918.164,
                           116467828143500.67,
                           -4597978722407473.0,
                           1.8152105401943546e+17,
                           -7.166165256175667e+18};
  double s = std::pow(q, -x), a = q, b = 0;
  int i = 0;
  while (i < 9 || a <= 9) {
    ++i;
    a += 1;
    b = std::pow(a, -x);
    s += b;
    if (std::fabs(b / s) < kEps) return s;
  }
  const double w = a;
  s += b * w / (x - 1) - 0.5 * b;
  double rising = 1, k = 0;
  for (double coefficient : kA) {
    rising *= x + k;
    b /= w;
    const double t = rising * b / coefficient;
    s += t;
    if (std::fabs(t / s) < kEps) break;
    k += 1;
    rising *= x + k;
    b /= w;
    k += 1;
  }
  return s;
}

// log(x^a e^-x / Gamma(a)) for the incomplete gamma functions, with the large terms cancelled
// analytically for a >= 10: a (log(x / a) - d) - log(2 pi a) / 2 + log(a) - stirling(a) with
// d = (x - a) / a, from lgamma(a) = (a - 1/2) log a - a + log(2 pi) / 2 + stirling(a).
TG_HOST_DEVICE inline double igamma_log_factor(double a, double x) {
  if (a < 10) return a * std::log(x) - x - lgamma_value(a);
  const double inv = 1 / a, inv2 = inv * inv;
  const double stirling =
      inv * (1.0 / 12 - inv2 * (1.0 / 360 - inv2 * (1.0 / 1260 - inv2 * (1.0 / 1680 - inv2 / 1188))));
  // log1p(d) near x = a; away from it log(x / a), as 1 + d would round.
  const double d = (x - a) / a, log_ratio = std::fabs(d) < 0.5 ? std::log1p(d) : std::log(x / a);
  return a * (log_ratio - d) - 0.5 * std::log(2 * kPi * a) + std::log(a) - stirling;
}

// The regularised lower and upper incomplete gamma functions P(a, x) and Q(a, x): the power series
// of P below x = a + 1, a continued fraction for Q (modified Lentz) above; edge cases as PyTorch.
TG_HOST_DEVICE inline double igamma(double a, double x, bool upper) {
  if (a != a || x != x || a < 0 || x < 0) return NAN;
  if (a == 0) {
    if (x == 0) return NAN;
    return upper ? 0.0 : 1.0;
  }
  if (x == 0) return upper ? 1.0 : 0.0;
  if (a == INFINITY) return x == INFINITY ? NAN : (upper ? 1.0 : 0.0);
  if (x == INFINITY) return upper ? 0.0 : 1.0;
  const double factor = std::exp(igamma_log_factor(a, x));
  if (x < a + 1) {
    double term = 1 / a, sum = term;
    for (int n = 1; n < 100000 && term > sum * kEps; ++n) {
      term *= x / (a + n);
      sum += term;
    }
    const double p = factor * sum;
    return upper ? 1 - p : p;
  }
  constexpr double kTiny = 1e-300;
  double b = x + 1 - a, c = 1 / kTiny, d = 1 / b, h = d;
  for (int n = 1; n < 100000; ++n) {
    const double an = -n * (n - a);
    b += 2;
    d = an * d + b;
    if (std::fabs(d) < kTiny) d = kTiny;
    c = b + an / c;
    if (std::fabs(c) < kTiny) c = kTiny;
    d = 1 / d;
    const double delta = d * c;
    h *= delta;
    if (std::fabs(delta - 1) < kEps) break;
  }
  const double q = factor * h;
  return upper ? q : 1 - q;
}

}  // namespace special_math

// The formula-column names (special_ops.def), any dtype in, the dtype out.
#define TG_SPECIAL_VALUE(name, expr)         \
  template <class V>                         \
  TG_HOST_DEVICE inline V name(V v) {        \
    const double x = static_cast<double>(v); \
    return static_cast<V>(expr);             \
  }
TG_SPECIAL_VALUE(bessel_j0_value, special_math::bessel_j<0>(x))
TG_SPECIAL_VALUE(bessel_j1_value, special_math::bessel_j<1>(x))
TG_SPECIAL_VALUE(bessel_y0_value, special_math::bessel_y<0>(x))
TG_SPECIAL_VALUE(bessel_y1_value, special_math::bessel_y<1>(x))
TG_SPECIAL_VALUE(bessel_k0_value, (special_math::bessel_k<0, false>(x)))
TG_SPECIAL_VALUE(bessel_k1_value, (special_math::bessel_k<1, false>(x)))
TG_SPECIAL_VALUE(bessel_k0e_value, (special_math::bessel_k<0, true>(x)))
TG_SPECIAL_VALUE(bessel_k1e_value, (special_math::bessel_k<1, true>(x)))
TG_SPECIAL_VALUE(spherical_j0_value, special_math::spherical_bessel_j0(x))
TG_SPECIAL_VALUE(erfcx_value, special_math::erfcx(x))
TG_SPECIAL_VALUE(ndtr_value, special_math::ndtr(x))
TG_SPECIAL_VALUE(log_ndtr_value, special_math::log_ndtr(x))
TG_SPECIAL_VALUE(ndtri_value, special_math::ndtri(x))
TG_SPECIAL_VALUE(airy_ai_value, special_math::airy_ai<false>(x))
TG_SPECIAL_VALUE(airy_ai_prime_value, special_math::airy_ai<true>(x))
#undef TG_SPECIAL_VALUE

template <class V>
TG_HOST_DEVICE inline V zeta_value(V x, V q) {
  return static_cast<V>(special_math::zeta(static_cast<double>(x), static_cast<double>(q)));
}
template <class V>
TG_HOST_DEVICE inline V igamma_value(V a, V x) {
  return static_cast<V>(special_math::igamma(static_cast<double>(a), static_cast<double>(x), false));
}
template <class V>
TG_HOST_DEVICE inline V igammac_value(V a, V x) {
  return static_cast<V>(special_math::igamma(static_cast<double>(a), static_cast<double>(x), true));
}

// The polynomials at x (shifted: at 2x - 1, formed in double) of degree n.
#define TG_POLYNOMIAL_VALUE(name, expr)                                       \
  template <class V>                                                          \
  TG_HOST_DEVICE inline V name(V v, V degree) {                               \
    const double x = static_cast<double>(v), n = static_cast<double>(degree); \
    return static_cast<V>(expr);                                              \
  }
TG_POLYNOMIAL_VALUE(chebyshev_t_value, special_math::chebyshev_polynomial<special_math::Chebyshev::T>(x, n))
TG_POLYNOMIAL_VALUE(chebyshev_u_value, special_math::chebyshev_polynomial<special_math::Chebyshev::U>(x, n))
TG_POLYNOMIAL_VALUE(chebyshev_v_value, special_math::chebyshev_polynomial<special_math::Chebyshev::V>(x, n))
TG_POLYNOMIAL_VALUE(chebyshev_w_value, special_math::chebyshev_polynomial<special_math::Chebyshev::W>(x, n))
TG_POLYNOMIAL_VALUE(shifted_chebyshev_t_value,
                    special_math::chebyshev_polynomial<special_math::Chebyshev::T>(2 * x - 1, n))
TG_POLYNOMIAL_VALUE(shifted_chebyshev_u_value,
                    special_math::chebyshev_polynomial<special_math::Chebyshev::U>(2 * x - 1, n))
TG_POLYNOMIAL_VALUE(shifted_chebyshev_v_value,
                    special_math::chebyshev_polynomial<special_math::Chebyshev::V>(2 * x - 1, n))
TG_POLYNOMIAL_VALUE(shifted_chebyshev_w_value,
                    special_math::chebyshev_polynomial<special_math::Chebyshev::W>(2 * x - 1, n))
TG_POLYNOMIAL_VALUE(hermite_h_value, special_math::hermite_polynomial<true>(x, n))
TG_POLYNOMIAL_VALUE(hermite_he_value, special_math::hermite_polynomial<false>(x, n))
TG_POLYNOMIAL_VALUE(laguerre_l_value, special_math::laguerre_polynomial(x, n))
TG_POLYNOMIAL_VALUE(legendre_p_value, special_math::legendre_polynomial(x, n))
#undef TG_POLYNOMIAL_VALUE

}  // namespace tg::kernels
