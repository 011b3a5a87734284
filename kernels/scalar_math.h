#pragma once
// Scalar helpers named in the formula columns of the op tables, shared by the CPU kernels and
// (compiled as device functions) the CUDA kernels.
#include <bit>
#include <cmath>
#include <cstdint>
#include <type_traits>

#include "kernels/kernels.h"

#if defined(__CUDACC__)
#define TG_HOST_DEVICE __host__ __device__
#else
#define TG_HOST_DEVICE
#endif

namespace tg::kernels {

template <class V>
TG_HOST_DEVICE inline V abs_value(V x) {
  if constexpr (std::is_unsigned_v<V>)
    return x;
  else
    return x < 0 ? static_cast<V>(-x) : x;
}
template <class V>
TG_HOST_DEVICE inline V sign_value(V x) {
  if constexpr (std::is_unsigned_v<V>)
    return static_cast<V>(x > 0);
  else if constexpr (std::is_floating_point_v<V>)
    return std::isnan(x) ? x : static_cast<V>((x > 0) - (x < 0));
  else
    return static_cast<V>((x > 0) - (x < 0));
}
template <class V>
TG_HOST_DEVICE inline V relu_value(V x) {
  if constexpr (std::is_unsigned_v<V>)
    return x;
  else
    return x > 0 ? x : (x == x ? V(0) : x);  // NaN stays NaN, as in PyTorch
}
// min/max: a NaN on either side propagates. Written as selects rather than early returns, so
// that the loops over them vectorise (with the returns, maximum ran at 1/2 of PyTorch's speed).
template <class V>
TG_HOST_DEVICE inline V min_value(V a, V b) {
  if constexpr (std::is_floating_point_v<V>)
    return a != a ? a : (b != b ? b : (b < a ? b : a));
  else
    return b < a ? b : a;
}
template <class V>
TG_HOST_DEVICE inline V max_value(V a, V b) {
  if constexpr (std::is_floating_point_v<V>)
    return a != a ? a : (b != b ? b : (b > a ? b : a));
  else
    return b > a ? b : a;
}
// fmin/fmax: C's fmin/fmax, a NaN loses to a number (NaN only when both are).
template <class V>
TG_HOST_DEVICE inline V fmin_value(V a, V b) {
  if constexpr (std::is_floating_point_v<V>)
    return a != a ? b : (b != b ? a : (b < a ? b : a));
  else
    return b < a ? b : a;
}
template <class V>
TG_HOST_DEVICE inline V fmax_value(V a, V b) {
  if constexpr (std::is_floating_point_v<V>)
    return a != a ? b : (b != b ? a : (b > a ? b : a));
  else
    return b > a ? b : a;
}
template <class V>
TG_HOST_DEVICE inline V pow_value(V a, V b) {
  if constexpr (std::is_floating_point_v<V>) {
    if (b == V(2)) return a * a;
    if (b == V(1)) return a;
    if (b == V(0.5)) return std::sqrt(a);
    return std::pow(a, b);
  } else {
    // Integer power by squaring. A negative exponent (a tensor's: a number's is refused by the
    // front end) gives PyTorch's truncated 1 / a^|b|: 1 and -1 keep their powers, all else 0.
    if constexpr (std::is_signed_v<V>) {
      if (b < 0) return a == V(1) ? V(1) : a == V(-1) ? ((b & 1) ? V(-1) : V(1)) : V(0);
    }
    using W = std::conditional_t<std::is_signed_v<V>, int64_t, uint64_t>;
    W base = static_cast<W>(a), result = 1;
    auto e = static_cast<uint64_t>(b);
    while (e) {
      if (e & 1) result = static_cast<W>(static_cast<uint64_t>(result) * static_cast<uint64_t>(base));
      base = static_cast<W>(static_cast<uint64_t>(base) * static_cast<uint64_t>(base));
      e >>= 1;
    }
    return static_cast<V>(result);
  }
}
// Integer division rounding towards zero; b == -1 is done without the INT_MIN / -1 trap.
// (A zero divisor is refused by the front end.)
template <class V>
TG_HOST_DEVICE inline V trunc_div_value(V a, V b) {
  if constexpr (std::is_floating_point_v<V>) {
    return std::trunc(a / b);
  } else {
    if constexpr (std::is_signed_v<V>) {
      if (b == V(-1)) return static_cast<V>(0 - static_cast<std::make_unsigned_t<V>>(a));
    }
    return static_cast<V>(a / b);
  }
}
// Python's float //, from mod = fmod(a, b) (exact), not floor(a / b), whose rounded quotient can
// cross an integer (1 // 0.1 is 9: 0.1 is a little above a tenth, and 1 / 0.1 rounds up to 10).
// Selects rather than branches, so that a loop over it vectorises.
template <class V>
TG_HOST_DEVICE inline V floor_div_from_fmod(V a, V b, V mod) {
  V div = (a - mod) / b;
  div = (mod != V(0)) & ((b < V(0)) != (mod < V(0))) ? div - V(1) : div;
  V floordiv = std::floor(div);
  floordiv = div - floordiv > V(0.5) ? floordiv + V(1) : floordiv;
  return b == V(0) ? a / b : div == V(0) ? std::copysign(V(0), a / b) : floordiv;
}
// Python's float %, from mod = fmod(a, b): the result takes the divisor's sign.
template <class V>
TG_HOST_DEVICE inline V remainder_from_fmod(V b, V mod) {
  return (mod != V(0)) & ((mod < V(0)) != (b < V(0))) ? mod + b : mod;
}
template <class V>
TG_HOST_DEVICE inline V floor_div_value(V a, V b) {
  if constexpr (std::is_floating_point_v<V>) {
    return floor_div_from_fmod(a, b, std::fmod(a, b));
  } else {
    V q = trunc_div_value(a, b);
    if constexpr (std::is_signed_v<V>) {
      if (b != V(-1) && (a % b != 0) && ((a < 0) != (b < 0))) --q;
    }
    return q;
  }
}
// Python's %: the result takes the divisor's sign.
template <class V>
TG_HOST_DEVICE inline V remainder_value(V a, V b) {
  if constexpr (std::is_floating_point_v<V>) {
    return remainder_from_fmod(b, std::fmod(a, b));
  } else {
    if constexpr (std::is_signed_v<V>) {
      if (b == V(-1)) return 0;
      V r = static_cast<V>(a % b);
      if (r != 0 && ((r < 0) != (b < 0))) r = static_cast<V>(r + b);
      return r;
    } else {
      return static_cast<V>(a % b);
    }
  }
}
// C's fmod: the result takes the dividend's sign.
template <class V>
TG_HOST_DEVICE inline V fmod_value(V a, V b) {
  if constexpr (std::is_floating_point_v<V>) {
    return std::fmod(a, b);
  } else {
    if constexpr (std::is_signed_v<V>) {
      if (b == V(-1)) return 0;
    }
    return static_cast<V>(a % b);
  }
}

// copysign and nextafter are floating-point ops: their front ends hand them no integers, which
// compile here (every dtype instantiates every table op) but take a plain conversion.
template <class V>
TG_HOST_DEVICE inline V copysign_value(V a, V b) {
  if constexpr (std::is_same_v<V, float>) {
    return ::copysignf(a, b);
  } else if constexpr (std::is_same_v<V, double>) {
    return ::copysign(a, b);
  } else {
    return static_cast<V>(::copysign(static_cast<double>(a), static_cast<double>(b)));
  }
}
// float's on the host is the square root of a sum of squares in double (which neither overflows
// nor loses bits before that sum's rounding), and a loop of it vectorises, as std::hypotf's does
// not; the rest take C's hypot. An infinite side wins over NaN.
template <class V>
TG_HOST_DEVICE inline V hypot_value(V a, V b) {
  if constexpr (std::is_same_v<V, float>) {
#ifdef __CUDA_ARCH__
    return ::hypotf(a, b);
#else
    const double s = static_cast<double>(a) * a + static_cast<double>(b) * b;
    return std::fabs(a) == INFINITY || std::fabs(b) == INFINITY ? INFINITY : static_cast<float>(std::sqrt(s));
#endif
  } else {
    return static_cast<V>(::hypot(static_cast<double>(a), static_cast<double>(b)));
  }
}
// log(e^a + e^b) as max + log1p(e^(min - max)), finite where the exponentials overflow. Where a
// and b are the same infinity, min - max is NaN and the max is the answer: 0 in the NaN's place
// keeps it; a NaN operand makes the max NaN. logaddexp2 likewise in base 2. V may be a GCC
// vector type as well (the CPU's vector path, vec_math.h): selects only, and V{} for zero.
template <class V>
TG_HOST_DEVICE inline V logaddexp_gap(V a, V b, V& gap) {
  const V m = (a != a) || (b != b) ? a + b : (a > b ? a : b);
  const V d = (a > b ? b : a) - m;
  gap = d != d ? V{} : d;
  return m;
}
template <class V>
TG_HOST_DEVICE inline V logaddexp_value(V a, V b) {
  if constexpr (std::is_integral_v<V>) {  // refused by the front end; compiled for every dtype
    return static_cast<V>(logaddexp_value(static_cast<double>(a), static_cast<double>(b)));
  } else {
    V d;
    const V m = logaddexp_gap(a, b, d);
    return m + std::log1p(std::exp(d));
  }
}
template <class V>
TG_HOST_DEVICE inline V logaddexp2_value(V a, V b) {
  if constexpr (std::is_integral_v<V>) {
    return static_cast<V>(logaddexp2_value(static_cast<double>(a), static_cast<double>(b)));
  } else {
    V d;
    const V m = logaddexp_gap(a, b, d);
    return m + std::log1p(std::exp2(d)) * V(1.44269504088896340736);
  }
}
// nextafter on a float's bits (U: the unsigned integer of its width; inf_bits: +inf's bits, its
// NaNs the magnitudes above): the magnitude one step up or down, in selects only, so that a loop
// of it vectorises (libm's nextafterf is a call per element, 18x PyTorch's time). The 16-bit
// floats need it anyway: computed in float, the next float would round back to a.
template <class U>
TG_HOST_DEVICE inline U nextafter_bits(U a, U b, U inf_bits) {
  constexpr U kSign = static_cast<U>(U(1) << (sizeof(U) * 8 - 1));
  const U ma = static_cast<U>(a & ~kSign), mb = static_cast<U>(b & ~kSign);
  const bool away = ((a ^ b) & kSign) == 0 && mb > ma;  // b beyond a, on a's side of zero
  U r = static_cast<U>(away ? a + 1 : a - 1);
  r = ma == 0 ? static_cast<U>((b & kSign) | 1) : r;  // from zero: the smallest subnormal toward b
  r = a == b || (ma | mb) == 0 ? b : r;
  r = mb > inf_bits ? b : r;
  return ma > inf_bits ? a : r;
}
template <class V>
TG_HOST_DEVICE inline V nextafter_value(V a, V b) {
#ifdef __CUDA_ARCH__
  if constexpr (std::is_same_v<V, float>) {
    return ::nextafterf(a, b);
  } else
#else
  if constexpr (std::is_same_v<V, float>) {
    return std::bit_cast<float>(
        nextafter_bits(std::bit_cast<uint32_t>(a), std::bit_cast<uint32_t>(b), uint32_t{0x7f800000}));
  } else if constexpr (std::is_same_v<V, double>) {
    return std::bit_cast<double>(
        nextafter_bits(std::bit_cast<uint64_t>(a), std::bit_cast<uint64_t>(b), uint64_t{0x7ff0000000000000}));
  } else
#endif
  {
    return static_cast<V>(::nextafter(static_cast<double>(a), static_cast<double>(b)));
  }
}

// x = m 2^e with 0.5 <= |m| < 1; zeros, infinities and NaN give m = x, e = 0 (PyTorch's). On the
// CPU it works on the bits, which vectorises (libm's frexp is a call per element); subnormals are
// scaled into the normal range by 2^64 first. V: float or double.
template <class V>
TG_HOST_DEVICE inline V frexp_value(V x, int32_t& e) {
#ifdef __CUDA_ARCH__
  int k = 0;
  const V m = std::is_same_v<V, float> ? ::frexpf(static_cast<float>(x), &k) : ::frexp(static_cast<double>(x), &k);
  e = isfinite(x) ? k : 0;
  return isfinite(x) ? m : x;
#else
  using U = std::conditional_t<sizeof(V) == 4, uint32_t, uint64_t>;
  constexpr int kMantissaBits = sizeof(V) == 4 ? 23 : 52;
  constexpr U kField = sizeof(V) == 4 ? 0xff : 0x7ff;
  constexpr U kHalf = sizeof(V) == 4 ? 126 : 1022;  // 0.5's exponent field
  const bool subnormal = ((std::bit_cast<U>(x) >> kMantissaBits) & kField) == 0;
  const U bits = std::bit_cast<U>(subnormal ? x * V(0x1p64) : x);
  const U field = (bits >> kMantissaBits) & kField;
  const bool kept = x == 0 || field == kField;
  e = kept ? 0 : static_cast<int32_t>(field) - static_cast<int32_t>(kHalf) - (subnormal ? 64 : 0);
  const V m = std::bit_cast<V>(static_cast<U>((bits & ~(kField << kMantissaBits)) | (kHalf << kMantissaBits)));
  return kept ? x : m;
#endif
}

// The bitwise ops (kernels::BitwiseOp) on integers, bool arriving as int. Out-of-range shift
// counts (negative, or at least the width) are defined as PyTorch defines them: a left shift
// gives 0, a right shift the sign fill; a negative count is the count's bits read as signed.
template <BitwiseOp Op, class V>
TG_HOST_DEVICE inline V bitwise_value(V a, V b) {
  if constexpr (Op == BitwiseOp::And) {
    return static_cast<V>(a & b);
  } else if constexpr (Op == BitwiseOp::Or) {
    return static_cast<V>(a | b);
  } else if constexpr (Op == BitwiseOp::Xor) {
    return static_cast<V>(a ^ b);
  } else if constexpr (Op == BitwiseOp::Gcd || Op == BitwiseOp::Lcm) {
    if constexpr (std::is_same_v<V, bool>) {
      return a || b;  // the front end refuses bool operands; this is gcd and lcm of 0 and 1 anyway
    } else {
      // Euclid on the magnitudes in the unsigned type, where |min| exists; the cast back wraps
      // it as PyTorch's abs does.
      using U = std::make_unsigned_t<V>;
      const auto magnitude = [](V v) {
        if constexpr (std::is_signed_v<V>) {
          if (v < 0) return static_cast<U>(U(0) - static_cast<U>(v));
        }
        return static_cast<U>(v);
      };
      U x = magnitude(a), y = magnitude(b);
      while (x != 0) {
        const U r = static_cast<U>(y % x);
        y = x;
        x = r;
      }
      if constexpr (Op == BitwiseOp::Gcd) {
        return static_cast<V>(y);
      } else {
        // |a / gcd * b| of the product wrapped to the width, as PyTorch's.
        return y == 0 ? V(0)
                      : static_cast<V>(magnitude(static_cast<V>(static_cast<U>(magnitude(a) / y) * magnitude(b))));
      }
    }
  } else {
    constexpr int kBits = static_cast<int>(sizeof(V) * 8);
    const bool negative = static_cast<std::make_signed_t<V>>(b) < 0;
    if constexpr (Op == BitwiseOp::LeftShift) {
      if (negative || b >= static_cast<V>(kBits)) return V(0);
      return static_cast<V>(static_cast<std::make_unsigned_t<V>>(a) << b);
    } else {
      constexpr int kMaxShift = kBits - (std::is_signed_v<V> ? 1 : 0);
      if (negative || b >= static_cast<V>(kMaxShift)) return static_cast<V>(a >> kMaxShift);
      return static_cast<V>(a >> b);
    }
  }
}

// The ternary ops (kernels::TernaryOp): addcmul and addcdiv in PyTorch's order of operations,
// lerp in its two-sided form, exact at both ends (weight 0 gives a, 1 gives b), prelu's select.
template <TernaryOp Op, class V>  // a template parameter, so that each loop holds one formula
TG_HOST_DEVICE inline V ternary_value(V a, V b, V c, [[maybe_unused]] V value) {
  if constexpr (Op == TernaryOp::AddCMul) {
    return static_cast<V>(a + value * b * c);
  } else if constexpr (Op == TernaryOp::AddCDiv) {
    return static_cast<V>(a + value * b / c);
  } else if constexpr (Op == TernaryOp::Prelu) {
    return b > V(0) ? a : static_cast<V>(a * c);
  } else {
    // Both forms, then a select, not a branch: one on random weights mispredicts half the time.
    // (The CPU kernels vectorise it because they build with -fno-trapping-math.)
    const V d = static_cast<V>(b - a);
    const V near_a = static_cast<V>(a + c * d), near_b = static_cast<V>(b - d * (V(1) - c));
    return abs_value(c) < V(0.5) ? near_a : near_b;
  }
}

// log|Gamma(x)|. The host's lgamma writes the global signgam, a race between threads: the
// reentrant form instead.
template <class V>
TG_HOST_DEVICE inline V lgamma_value(V x) {
#if defined(__CUDA_ARCH__)
  return ::lgamma(x);
#else
  int sign = 0;
  if constexpr (std::is_same_v<V, float>)
    return ::lgammaf_r(x, &sign);
  else
    return static_cast<V>(::lgamma_r(static_cast<double>(x), &sign));
#endif
}

// c0 / 2 + sum_k c_k T_k(t) by Clenshaw's recurrence, the coefficients passed highest first as
// literals (a local array of them would be copied on every call). V: a scalar, or a vector of
// lanes of the coefficients' type S.
template <class V, class S, class... C>
TG_HOST_DEVICE inline V chebyshev(V t, S c0, C... descending) {
  V b1 = V{}, b2 = V{};
  auto step = [&](S c) {
    const V b0 = 2 * t * b1 - b2 + c;
    b2 = b1;
    b1 = b0;
  };
  (step(descending), ...);
  return t * b1 - b2 + S(0.5) * c0;
}

// e^-x I_n(x) for x in [0, 8] (divided by x for n = 1) and sqrt(x) e^-x I_n(x) for x >= 8, n = 0
// or 1, as Chebyshev series in t = x / 4 - 1 and t = 16 / x - 1 fitted with mpmath at 50 digits
// (the terms left off are below 1e-18 of the value in double, 2e-9 in float). V: a scalar, or a
// vector of double (kDouble) or float lanes.
template <int kOrder, bool kDouble, class V>
TG_HOST_DEVICE inline V bessel_i_below8(V x) {
  const V t = x / 4 - 1;
  if constexpr (kDouble && kOrder == 0)
    return chebyshev(t, 6.7679527440947608e-1, 5.6691780069214962e-19, -4.4153416464793394e-18, 3.3307945188222381e-17,
                     -2.4312798465479547e-16, 1.715391285555133e-15, -1.1685332877993452e-14, 7.6761854986049356e-14,
                     -4.8564467831119295e-13, 2.9550526631296398e-12, -1.7268262914415557e-11, 9.6758090353732369e-11,
                     -5.1897956016352629e-10, 2.6598237246823867e-9, -1.300025009986248e-8, 6.0469950225419189e-8,
                     -2.6707938539406117e-7, 1.1173875391201037e-6, -4.4167383584587506e-6, 1.6448448070728897e-5,
                     -5.7541950100821037e-5, 1.8850288509584166e-4, -5.7637557453858237e-4, 1.6394756169413358e-3,
                     -4.3243099950505759e-3, 1.0546460394594998e-2, -2.3737414805899469e-2, 4.9305284239670708e-2,
                     -9.4901097048047644e-2, 1.7162090152220878e-1, -3.046826723431984e-1);
  else if constexpr (kDouble)
    return x * chebyshev(t, 2.5258718644363365e-1, -3.5415817725421362e-19, 2.7779141127610464e-18,
                         -2.1114212143581661e-17, 1.5536319577362005e-16, -1.1055969477353863e-15,
                         7.6006842947354069e-15, -5.0421855047279117e-14, 3.2237933659455747e-13,
                         -1.9839743977649437e-12, 1.1736186298890902e-11, -6.6634897235020277e-11,
                         3.625590281552117e-10, -1.8872497517228293e-9, 9.3815373864957718e-9, -4.4450591287963281e-8,
                         2.0032947535521353e-7, -8.5687202646954547e-7, 3.4702513081376785e-6, -1.3273163656039436e-5,
                         4.7815651075500542e-5, -1.6176081582589675e-4, 5.1228595616857577e-4, -1.5135724506312531e-3,
                         4.1564229443128882e-3, -1.0564084894626198e-2, 2.4726449030626517e-2, -5.2945981208094991e-2,
                         1.026436586898471e-1, -1.7641651835783406e-1);
  else if constexpr (kOrder == 0)
    return chebyshev(t, 6.76795274e-1f, -5.1897956e-10f, 2.65982372e-9f, -1.30002501e-8f, 6.04699502e-8f,
                     -2.67079385e-7f, 1.11738754e-6f, -4.41673836e-6f, 1.64484481e-5f, -5.75419501e-5f, 1.88502885e-4f,
                     -5.76375575e-4f, 1.63947562e-3f, -4.32431e-3f, 1.05464604e-2f, -2.37374148e-2f, 4.93052842e-2f,
                     -9.4901097e-2f, 1.71620902e-1f, -3.04682672e-1f);
  else
    return x * chebyshev(t, 2.52587186e-1f, 3.62559028e-10f, -1.88724975e-9f, 9.38153739e-9f, -4.44505913e-8f,
                         2.00329475e-7f, -8.56872026e-7f, 3.47025131e-6f, -1.32731637e-5f, 4.78156511e-5f,
                         -1.61760816e-4f, 5.12285956e-4f, -1.51357245e-3f, 4.15642294e-3f, -1.05640849e-2f,
                         2.4726449e-2f, -5.29459812e-2f, 1.02643659e-1f, -1.76416518e-1f);
}
template <int kOrder, bool kDouble, class V>
TG_HOST_DEVICE inline V bessel_i_above8(V x) {
  const V t = 16 / x - 1;
  if constexpr (kDouble && kOrder == 0)
    return chebyshev(t, 8.0449041101410883e-1, 1.1936508908459821e-18, 9.9214754121736986e-19, -7.233180487874754e-18,
                     -4.8305044859441821e-18, 4.46562142029676e-17, 3.4612228676974611e-17, -2.8276239805165835e-16,
                     -3.4254856196772191e-16, 1.7725601330565264e-15, 3.8116806693526224e-15, -9.5548466988283076e-15,
                     -4.1505693472872221e-14, 1.5400862175214098e-14, 3.8527783827421427e-13, 7.1801244513836662e-13,
                     -1.7941785315068061e-12, -1.3215811840447713e-11, -3.1499165279632414e-11, 1.1889147107846438e-11,
                     4.9406023882249696e-10, 3.3962320257083863e-9, 2.2666689904981781e-8, 2.0489185894690637e-7,
                     2.8913705208347565e-6, 6.889758346916824e-5, 3.3691164782556941e-3);
  else if constexpr (kDouble)
    return chebyshev(t, 7.7857623501828012e-1, -1.242193275194891e-18, -9.3141788673268834e-19, 7.5172963108421048e-18,
                     4.4143483230717079e-18, -4.6503053684893583e-17, -3.209525921993424e-17, 2.9626289976459501e-16,
                     3.3082023109209283e-16, -1.8803547755107824e-15, -3.8144030724370078e-15, 1.0420276984128803e-14,
                     4.2724400167119514e-14, -2.1015418427726643e-14, -4.0835511110921973e-13, -7.1985517762459085e-13,
                     2.0356285441470895e-12, 1.4125807436613781e-11, 3.2526035830154882e-11, -1.8974958123505412e-11,
                     -5.5897434621965838e-10, -3.835380385964237e-9, -2.6314688468895195e-8, -2.5122362378702089e-7,
                     -3.8825648088776904e-6, -1.1058893876262372e-4, -9.7610974913614684e-3);
  else if constexpr (kOrder == 0)
    return chebyshev(t, 8.04490411e-1f, 3.39623203e-9f, 2.26666899e-8f, 2.04891859e-7f, 2.89137052e-6f, 6.88975835e-5f,
                     3.36911648e-3f);
  else
    return chebyshev(t, 7.78576235e-1f, -3.83538039e-9f, -2.63146885e-8f, -2.51223624e-7f, -3.88256481e-6f,
                     -1.10588939e-4f, -9.76109749e-3f);
}

// The series of K_0 and K_1 and of Hankel's P and Q of J_n and Y_n (n = 0, 1), fitted with mpmath
// at 40 digits by scripts/fit_bessel_series.py, which prints them (the terms left off are below
// 1e-18 of the value in double, 2e-9 in float). Below 2, K_n from I_n and the rest of its
// expansion, both entire in x^2: K_0 = R_0 - log(x/2) I_0, K_1 = 1/x + x (log(x/2) I_1 / x + R_1);
// J_n and Y_n likewise.
// V: a scalar, or a vector of double (kDouble) or float lanes.
// I_0 and I_1 / x for x <= 2, in t = x^2 / 2 - 1.
template <int kOrder, bool kDouble, class V>
TG_HOST_DEVICE inline V bessel_k_small_i(V t) {
  if constexpr (kOrder == 0) {
    if constexpr (kDouble)
      return chebyshev(t, 3.2058456136159266, 6.0905165060589554e-17, 1.984280622680562e-14, 5.1149979020112795e-12,
                       1.0114797900674826e-09, 1.4738449008423848e-07, 1.4983654208927293e-05, 0.00098287812725147993,
                       0.036854859694361759, 0.63880962565117705);
    else
      return chebyshev(t, 3.20584561f, 1.4738449e-07f, 1.49836542e-05f, 0.000982878127f, 0.0368548597f, 0.638809626f);
  } else {
    if constexpr (kDouble)
      return chebyshev(t, 1.2835179939823749, 3.0315021220933553e-18, 1.0962998348773076e-15, 3.1748793113101202e-13,
                       7.1611066927992791e-11, 1.2138074968740922e-08, 1.4739165119093128e-06, 0.00011988137174638708,
                       0.0058987426800207882, 0.14753932014919341);
    else
      return chebyshev(t, 1.28351799f, 1.2138075e-08f, 1.47391651e-06f, 0.000119881372f, 0.00589874268f, 0.14753932f);
  }
}
// K_0 + log(x/2) I_0 and (K_1 - 1/x - log(x/2) I_1) / x for x <= 2, in t = x^2 / 2 - 1.
template <int kOrder, bool kDouble, class V>
TG_HOST_DEVICE inline V bessel_k_small_rest(V t) {
  if constexpr (kOrder == 0) {
    if constexpr (kDouble)
      return chebyshev(t, -0.53532739323390277, 3.5708965285083736e-19, 1.3744654358807508e-16, 4.2598161427910826e-14,
                       1.0349695257633625e-11, 1.9045163772202091e-09, 2.5347910790261494e-07, 2.2862121031194519e-05,
                       0.001264615411446926, 0.035979936515361501, 0.3442898999246285);
    else
      return chebyshev(t, -0.535327393f, 1.90451638e-09f, 2.53479108e-07f, 2.2862121e-05f, 0.00126461541f,
                       0.0359799365f, 0.3442899f);
  } else {
    if constexpr (kDouble)
      return chebyshev(t, -0.12818069033732507, -6.9908737312425675e-18, -2.4134516242987822e-15,
                       -6.6185627529760411e-13, -1.3982271326113327e-10, -2.1853569024549695e-08,
                       -2.3895591808036078e-06, -0.00016822792382067343, -0.0066368784528177136, -0.10916919599320105);
    else
      return chebyshev(t, -0.12818069f, -1.39822713e-10f, -2.1853569e-08f, -2.38955918e-06f, -0.000168227924f,
                       -0.00663687845f, -0.109169196f);
  }
}
// J_0 and J_1 / x for x <= 2, in t = x^2 / 2 - 1.
template <int kOrder, bool kDouble, class V>
TG_HOST_DEVICE inline V bessel_j_small(V t) {
  if constexpr (kOrder == 0) {
    if constexpr (kDouble)
      return chebyshev(t, 1.171054999027328, -5.5109254902609706e-17, 1.7756113941402797e-14, -4.5139657234743477e-12,
                       8.7682799660459734e-10, -1.2475784760053552e-07, 1.2267481117095263e-05, -0.00076544963810237559,
                       0.026405621698990963, -0.38728903602891818);
    else
      return chebyshev(t, 1.171055f, -1.24757848e-07f, 1.22674811e-05f, -0.000765449638f, 0.0264056217f, -0.387289036f);
  } else {
    if constexpr (kDouble)
      return chebyshev(t, 0.77917201752812315, -2.7680663702631102e-18, 9.9197290323497884e-16, -2.8410059112881505e-13,
                       6.3196512101544112e-11, -1.0522220059846298e-08, 1.2476416725174568e-06, -9.8150371156821952e-05,
                       0.0045939454702867708, -0.10572063716712067);
    else
      return chebyshev(t, 0.779172018f, -1.05222201e-08f, 1.24764167e-06f, -9.81503712e-05f, 0.00459394547f,
                       -0.105720637f);
  }
}
// Y_0 - 2/pi log(x/2) J_0 and (Y_1 + 2/(pi x) - 2/pi log(x/2) J_1) / x for x <= 2, in t = x^2 / 2 - 1.
template <int kOrder, bool kDouble, class V>
TG_HOST_DEVICE inline V bessel_y_small_rest(V t) {
  if constexpr (kOrder == 0) {
    if constexpr (kDouble)
      return chebyshev(t, 0.90694632498654348, 7.882347840419409e-17, -2.412742506507207e-14, 5.7697048027445876e-12,
                       -1.0396537585286434e-09, 1.3438957614724474e-07, -1.1603621940488338e-05, 0.0005965066522649685,
                       -0.014540268908472849, 0.070857742678953686);
    else
      return chebyshev(t, 0.906946325f, -1.03965376e-09f, 1.34389576e-07f, -1.16036219e-05f, 0.000596506652f,
                       -0.0145402689f, 0.0708577427f);
  } else {
    if constexpr (kDouble)
      return chebyshev(t, 0.13637421095287949, 4.0484880362425789e-18, -1.3835720067606079e-15, 3.7466861244513008e-13,
                       -7.7880892848778109e-11, 1.1912243693559219e-08, -1.2634281477077729e-06, 8.4871197924113427e-05,
                       -0.0030772235564901613, 0.040445225796964482);
    else
      return chebyshev(t, 0.136374211f, 1.19122437e-08f, -1.26342815e-06f, 8.48711979e-05f, -0.00307722356f,
                       0.0404452258f);
  }
}
// f(x) / ((x - z_1)(x - z_2)) for f = J_n or (kY) Y_n and z_1, z_2 its zeros in (2, 8], in
// t = (x - 5) / 3.
template <int kOrder, bool kY, bool kDouble, class V>
TG_HOST_DEVICE inline V bessel_jy_mid_series(V t) {
  if constexpr (kOrder == 0 && !kY) {
    if constexpr (kDouble)
      return chebyshev(t, 0.21429878709642211, 1.3365755465865625e-17, 1.4112251233285783e-17, -2.5945072820857957e-15,
                       -1.7399717370947322e-15, 4.1113682906721333e-13, 1.178412012095064e-13, -5.1947015410270838e-11,
                       4.9887868174433977e-12, 5.078668147529695e-09, -2.4238435649145777e-09, -3.692471896756745e-07,
                       3.1653314827613139e-07, 1.8888458859607696e-05, -2.336608458764893e-05, -0.00062501334977979476,
                       0.0010130868587838551, 0.011545731386095343, -0.023396880523345345, -0.083311091850309896);
    else
      return chebyshev(t, 0.214298787f, 5.07866815e-09f, -2.42384356e-09f, -3.6924719e-07f, 3.16533148e-07f,
                       1.88884589e-05f, -2.33660846e-05f, -0.00062501335f, 0.00101308686f, 0.0115457314f,
                       -0.0233968805f, -0.0833110919f);
  } else if constexpr (kOrder == 1 && !kY) {
    if constexpr (kDouble)
      return chebyshev(t, 0.19329484315577888, 8.5870877196181371e-19, 2.8465212088752461e-18, -1.8275980187142209e-16,
                       -5.352037015396093e-16, 3.2070735491681019e-14, 8.1582455681946685e-14, -4.5438887955857196e-12,
                       -9.8224241868190854e-12, 5.063721558352948e-10, 9.0288095219187258e-10, -4.2915775208703045e-08,
                       -6.0494025071695963e-08, 2.6443944553199073e-06, 2.761531222572115e-06, -0.0001111814290063662,
                       -7.7014156286067561e-05, 0.0028950273353122087, 0.0010613163346884003, -0.039455043098177676,
                       -0.0037838153543727385);
    else
      return chebyshev(t, 0.193294843f, 5.06372156e-10f, 9.02880952e-10f, -4.29157752e-08f, -6.04940251e-08f,
                       2.64439446e-06f, 2.76153122e-06f, -0.000111181429f, -7.70141563e-05f, 0.00289502734f,
                       0.00106131633f, -0.0394550431f, -0.00378381535f);
  } else if constexpr (kOrder == 0 && kY) {
    if constexpr (kDouble)
      return chebyshev(t, 0.19179668846383138, 2.3435569580335965e-19, -7.2364840413460964e-19, 2.2363732724265558e-18,
                       -6.9174630049172935e-18, 2.1416988112396029e-17, -6.6374939644806224e-17, 2.0592618491692298e-16,
                       -6.3960341272806043e-16, 1.9889995931484648e-15, -6.1932631954138382e-15, 1.9311016770876989e-14,
                       -6.0302520037356155e-14, 1.8860749493602615e-13, -5.9092023367848131e-13, 1.8548436455182869e-12,
                       -5.8340529570689428e-12, 1.8388206100316392e-11, -5.806719535784967e-11, 1.8412815862389849e-10,
                       -5.8929728780020937e-10, 1.8525355578710441e-09, -5.4334164702653925e-09, 2.0054939661924065e-08,
                       -1.0598427760094289e-07, 1.3587330314600617e-07, 2.1052441822737108e-06, 4.97435028272963e-06,
                       -0.0001234712662207251, -5.4232537997958973e-05, 0.0029848766420225185, 0.00117146398190628,
                       -0.042881600410326966, 0.0034990421814558065);
    else
      return chebyshev(t, 0.191796688f, -5.89297288e-10f, 1.85253556e-09f, -5.43341647e-09f, 2.00549397e-08f,
                       -1.05984278e-07f, 1.35873303e-07f, 2.10524418e-06f, 4.97435028e-06f, -0.000123471266f,
                       -5.4232538e-05f, 0.00298487664f, 0.00117146398f, -0.0428816004f, 0.00349904218f);
  } else {
    if constexpr (kDouble)
      return chebyshev(t, -0.20472626908277855, -1.7678738396351196e-19, 5.3020226586330567e-19,
                       -1.5900871004911256e-18, 4.7685684112586757e-18, -1.4300178141359972e-17, 4.2882445661142923e-17,
                       -1.2858798646819425e-16, 3.8556870184616369e-16, -1.1560618936925121e-15, 3.466053800293779e-15,
                       -1.0391083684987361e-14, 3.1149672916425489e-14, -9.3370185268785719e-14, 2.7984594668225985e-13,
                       -8.3864595531891386e-13, 2.5129182853167448e-12, -7.5284819500828988e-12, 2.2550305168452505e-11,
                       -6.7530176796446636e-11, 2.021751842781529e-10, -6.0506178125395064e-10, 1.809688956273167e-09,
                       -5.4123187005940073e-09, 1.6222934759497546e-08, -4.8297072883312562e-08, 1.3912382903037927e-07,
                       -4.2624210940049026e-07, 1.6299621878159445e-06, -4.1134260971907666e-06,
                       -6.7902100646711998e-06, -9.8340291472626024e-06, 0.00068537390309137216, -0.0012451694009558356,
                       -0.0099310819579019154, 0.019173534530059513, 0.083102632723407455);
    else
      return chebyshev(t, -0.204726269f, -6.05061781e-10f, 1.80968896e-09f, -5.4123187e-09f, 1.62229348e-08f,
                       -4.82970729e-08f, 1.39123829e-07f, -4.26242109e-07f, 1.62996219e-06f, -4.1134261e-06f,
                       -6.79021006e-06f, -9.83402915e-06f, 0.000685373903f, -0.0012451694f, -0.00993108196f,
                       0.0191735345f, 0.0831026327f);
  }
}
// (x - z_1)(x - z_2), each zero given as the pair hi + lo (in float: its float and the rest),
// so that the factors are exact to the last bit near the zeros.
template <bool kDouble, class V>
TG_HOST_DEVICE inline V zero_factors(V x, double hi1, double lo1, double hi2, double lo2) {
  using S = std::conditional_t<kDouble, double, float>;
  const S h1 = S(hi1), l1 = S((hi1 - double(h1)) + lo1), h2 = S(hi2), l2 = S((hi2 - double(h2)) + lo2);
  return ((x - h1) - l1) * ((x - h2) - l2);
}
// J_n or (kY) Y_n for 2 < x <= 8.
template <int kOrder, bool kY, bool kDouble, class V>
TG_HOST_DEVICE inline V bessel_jy_mid(V x) {
  using S = std::conditional_t<kDouble, double, float>;
  const V series = bessel_jy_mid_series<kOrder, kY, kDouble>((x - S(5)) * S(1.0 / 3));
  if constexpr (kOrder == 0 && !kY)
    return series * zero_factors<kDouble>(x, 2.4048255576957729, -1.176691651530894e-16, 5.5200781102863106,
                                          8.0885971461467223e-17);
  else if constexpr (kOrder == 1 && !kY)
    return series * zero_factors<kDouble>(x, 3.8317059702075125, -1.5269184090088067e-16, 7.0155866698156188,
                                          -9.4141656534103889e-17);
  else if constexpr (kOrder == 0 && kY)
    return series * zero_factors<kDouble>(x, 3.957678419314858, -1.0764340697562706e-16, 7.0860510603017728,
                                          -8.8352857230854081e-17);
  else
    return series * zero_factors<kDouble>(x, 2.1971413260310171, -4.8259835876454966e-17, 5.4296810407941347,
                                          4.162514026670377e-16);
}
// sqrt(x) e^x K_n(x) for x > 2, in t = 4 / x - 1.
template <int kOrder, bool kDouble, class V>
TG_HOST_DEVICE inline V bessel_k_large(V t) {
  if constexpr (kOrder == 0) {
    if constexpr (kDouble)
      return chebyshev(t, 2.4403030820659555, -1.7331712005821001e-18, 5.3004337711773354e-18, -1.6475805939842632e-17,
                       5.2103917776435543e-17, -1.6782311257549006e-16, 5.5120559994043335e-16, -1.8485933779209071e-15,
                       6.3400764762766461e-15, -2.2275133267462965e-14, 8.0328907750683746e-14, -2.9800969231481784e-13,
                       1.1403405882073441e-12, -4.5145978833745193e-12, 1.8559491149549264e-11, -7.9574892444773965e-11,
                       3.5773972814003283e-10, -1.6975345093890614e-09, 8.5740340174142253e-09, -4.6604898976879478e-08,
                       2.7668136394450149e-07, -1.8317555227191195e-06, 1.39498137188765e-05, -0.00012849549581627802,
                       0.0015698838857300533, -0.031448101311964502);
    else
      return chebyshev(t, 2.44030308f, 8.57403402e-09f, -4.6604899e-08f, 2.76681364e-07f, -1.83175552e-06f,
                       1.39498137e-05f, -0.000128495496f, 0.00156988389f, -0.0314481013f);
  } else {
    if constexpr (kDouble)
      return chebyshev(t, 2.7206261904844427, 1.8778651901623268e-18, -5.7567444820733025e-18, 1.7940510478863572e-17,
                       -5.6894628491936484e-17, 1.8380935752430455e-16, -6.0570472706430177e-16, 2.038703166239861e-15,
                       -7.0198370892147685e-15, 2.4771544242195988e-14, -8.9767051820101463e-14, 3.3484196660522431e-13,
                       -1.2891739609498229e-12, 5.1396396734823432e-12, -2.1299678384277909e-11, 9.2183151876053146e-11,
                       -4.1903547593419254e-10, 2.0150497551970347e-09, -1.0345762465678097e-08, 5.7410841254500495e-08,
                       -3.5019606030878126e-07, 2.406484947837217e-06, -1.936197974166083e-05, 0.00019521551847135162,
                       -0.0028578168596227792, 0.10392373657681724);
    else
      return chebyshev(t, 2.72062619f, -1.03457625e-08f, 5.74108413e-08f, -3.5019606e-07f, 2.40648495e-06f,
                       -1.93619797e-05f, 0.000195215518f, -0.00285781686f, 0.103923737f);
  }
}
// Hankel's P_n(x) for x > 8, in t = 2 (8/x)^2 - 1.
template <int kOrder, bool kDouble, class V>
TG_HOST_DEVICE inline V bessel_p(V t) {
  if constexpr (kOrder == 0) {
    if constexpr (kDouble)
      return chebyshev(t, 1.9989206986950374, -2.8808661694828711e-18, 1.6305919233744186e-17, -1.0011513723467786e-16,
                       6.7480722157338734e-16, -5.0690340959352359e-15, 4.3265957431549404e-14, -4.3045788699253914e-13,
                       5.1682623873491928e-12, -7.8640913772370698e-11, 1.6306464635151382e-09, -5.1705945376060975e-08,
                       3.0751847875194745e-06, -0.00053652204681321172);
    else
      return chebyshev(t, 1.9989207f, -5.17059454e-08f, 3.07518479e-06f, -0.000536522047f);
  } else {
    if constexpr (kDouble)
      return chebyshev(t, 2.0018060817200274, 3.0492991197665872e-18, -1.7312313216116335e-17, 1.0667689114335412e-16,
                       -7.2211808422740179e-16, 5.4526748960447171e-15, -4.6842237839904895e-14, 4.699195515230542e-13,
                       -5.7048636403956448e-12, 8.8168986595823391e-11, -1.8718907491063067e-09, 6.1776339606442988e-08,
                       -3.9872843004889084e-06, 0.00089898983308594083);
    else
      return chebyshev(t, 2.00180608f, 6.17763396e-08f, -3.9872843e-06f, 0.000898989833f);
  }
}
// Hankel's Q_n(x) x / 8 for x > 8, in t = 2 (8/x)^2 - 1.
template <int kOrder, bool kDouble, class V>
TG_HOST_DEVICE inline V bessel_q(V t) {
  if constexpr (kOrder == 0) {
    if constexpr (kDouble)
      return chebyshev(t, -0.031111709210674018, -2.9211627152642775e-20, 1.3091448717220122e-19,
                       -6.1911157873581446e-19, 3.1082440486738143e-18, -1.6686065214378146e-17, 9.6621289703032567e-17,
                       -6.0999301316400496e-16, 4.2552250402454608e-15, -3.3363281853224267e-14, 3.0061451253517062e-13,
                       -3.2067474209966348e-12, 4.2201219046687385e-11, -7.2719159368663201e-10, 1.7972457247968992e-08,
                       -7.4144984110606469e-07, 6.8385199426116493e-05);
    else
      return chebyshev(t, -0.0311117092f, 4.2201219e-11f, -7.27191594e-10f, 1.79724572e-08f, -7.41449841e-07f,
                       6.83851994e-05f);
  } else {
    if constexpr (kDouble)
      return chebyshev(t, 0.093555574139070646, -1.3765771484849487e-19, 6.5240811495892607e-19,
                       -3.2834519872981614e-18, 1.7676355487764791e-17, -1.0269147531823243e-16, 6.5082829577833837e-16,
                       -4.5612523950772974e-15, 3.5967765829165294e-14, -3.2643156743279e-13, 3.5152187949686082e-12,
                       -4.6863636881769453e-11, 8.2291933276505541e-10, -2.0959781384083424e-08, 9.1386152579554545e-07,
                       -9.6277235491570797e-05);
    else
      return chebyshev(t, 0.0935555741f, 8.22919333e-10f, -2.09597814e-08f, 9.13861526e-07f, -9.62772355e-05f);
  }
}

// I_0 is even, I_1 odd; float16 and bfloat16 compute in float. Within 3 ulps of mpmath's values,
// but for I_1 and e^-x I_1 near x = 8 (up to 7 ulps: the series' terms cancel there, as in
// Cephes', PyTorch's).
template <int kOrder, bool kScaled, class V>
TG_HOST_DEVICE inline V bessel_i(V v) {
  using C = std::conditional_t<std::is_same_v<V, double>, double, float>;
  constexpr bool kDouble = std::is_same_v<C, double>;
  const C x = static_cast<C>(v), ax = std::fabs(x);
  if (x != x) return v;
  C r;
  if (ax == C(INFINITY)) {
    r = kScaled ? C(0) : C(INFINITY);
  } else if (ax <= C(8)) {
    r = bessel_i_below8<kOrder, kDouble>(ax);
    if (!kScaled) r *= std::exp(ax);
  } else {
    r = bessel_i_above8<kOrder, kDouble>(ax) / std::sqrt(ax);
    // e^x in two halves: I_0 is finite a little past where e^x overflows.
    if (!kScaled) r = r * std::exp(ax / 2) * std::exp(ax / 2);
  }
  return static_cast<V>(kOrder == 1 && x < 0 ? -r : r);
}
template <class V>
TG_HOST_DEVICE inline V i0_value(V x) {
  return bessel_i<0, false>(x);
}
template <class V>
TG_HOST_DEVICE inline V i0e_value(V x) {
  return bessel_i<0, true>(x);
}
template <class V>
TG_HOST_DEVICE inline V i1_value(V x) {
  return bessel_i<1, false>(x);
}
template <class V>
TG_HOST_DEVICE inline V i1e_value(V x) {
  return bessel_i<1, true>(x);
}

// digamma(x) = d/dx log Gamma(x) (Cephes' psi, as PyTorch): the recurrence up to 10, then the
// asymptotic series; reflection for negative x; poles at 0 and the negative integers.
template <class V>
TG_HOST_DEVICE inline V digamma_value(V x) {
  constexpr double kPi = 3.14159265358979323846;
  double v = static_cast<double>(x), result = 0;
  if (v == 0) return static_cast<V>(std::signbit(v) ? INFINITY : -INFINITY);
  if (v < 0) {
    if (v == std::trunc(v)) return static_cast<V>(NAN);
    // psi(1 - x) - psi(x) = pi / tan(pi x)
    const double q = v - std::floor(v);
    result = -kPi / std::tan(kPi * q);
    v = 1 - v;
  }
  while (v < 10) {
    result -= 1 / v;
    v += 1;
  }
  constexpr double kA[] = {8.33333333333333333333E-2,  -2.10927960927960927961E-2, 7.57575757575757575758E-3,
                           -4.16666666666666666667E-3, 3.96825396825396825397E-3,  -8.33333333333333333333E-3,
                           8.33333333333333333333E-2};
  double y = 0;
  if (v < 1e17) {
    const double z = 1 / (v * v);
    double p = 0;
    for (double a : kA) p = p * z + a;
    y = z * p;
  }
  return static_cast<V>(result + std::log(v) - 0.5 / v - y);
}

// c0 + t (c1 + t (c2 + ...)) in V (a float or a vector of floats), the coefficients as literals.
template <class V>
TG_HOST_DEVICE inline V horner(V, float c0) {
  return V{} + c0;
}
template <class V, class... C>
TG_HOST_DEVICE inline V horner(V t, float c0, float c1, C... higher) {
  return horner(t, c1, higher...) * t + c0;
}

// erfinv(y) / y for float tensors, in float arithmetic, as polynomials fitted with mpmath (to 1e-8
// relative) in w = -log(1 - y^2): in w itself up to 5 (|y| < 0.9966), and in sqrt(w) - sqrt(5)
// above, to the largest float below 1 (w = 16.6). Written for V = float and the CPU's vectors of
// 8 floats (kernels/cpu/unary.cpp), which compute w alike.
template <class V>
TG_HOST_DEVICE inline V erfinv_float_central(V w) {
  return horner(w, 0.8862269207403011f, 0.23201381796824855f, 0.011548654090262143f, -0.002334296344256181f,
                -0.00012748163616414118f, 4.456527813352001e-05f, 3.983196051660268e-06f, -1.9764491304178e-06f,
                2.21028816921391e-07f, -8.790924016480791e-09f);
}
template <class V>
TG_HOST_DEVICE inline V erfinv_float_tail(V sqrt_w) {
  return horner(sqrt_w - 2.23606797749979f, 2.0798127810188425f, 0.9557045711291873f, 0.06844150660743642f,
                -0.05348551987804199f, 0.02214032662304738f, 0.0015941591016981598f, -0.007603227096884438f,
                0.004266169895968657f, -0.0011051199149582289f, 0.00011570802577059105f);
}

// erfinv on float: 1 - y^2 by one fma (exact before its rounding, also next to 1); within 2 ulps
// of mpmath over every float in (-1, 1).
TG_HOST_DEVICE inline float erfinv_float(float y) {
  const float a = std::fabs(y);
  if (a > 1 || y != y) return NAN;
  if (a == 1) return y < 0 ? -INFINITY : INFINITY;
  const float w = -std::log(std::fma(-a, a, 1.0f));
  return (w < 5 ? erfinv_float_central(w) : erfinv_float_tail(std::sqrt(w))) * y;
}

// The inverse of erf on (-1, 1), from Chebyshev series fitted with mpmath at 60 digits (the terms
// left off are below 1e-16 of the value): up to |y| = 3/4 erfinv(y) / y in y^2 on [0, 9/16];
// beyond, erfinv in z = sqrt(-log((1 - |y|) / 2)) (as 1 - |y| is exact there) on [1.442, 2.6]
// and [2.6, 6.2], the whole range of doubles below 1. Within 5e-16 (relative) of mpmath's. Float
// (and half) tensors take erfinv_float, 10x faster. V: a double, or a vector of double lanes (for
// which `?:` computes both sides).
template <class V>
TG_HOST_DEVICE inline V erfinv_central(V y) {  // |y| <= 3/4
  return y * chebyshev(y * y / 0.28125 - 1, 1.9489718392394175, 1.319990081950303e-17, 6.810937482440025e-17,
                       3.5229350975383005e-16, 1.8271407438754928e-15, 9.504612363589054e-15, 4.960649711523937e-14,
                       2.598708098538055e-13, 1.3670906380006421e-12, 7.226135143013051e-12, 3.8404854958353785e-11,
                       2.0540500062873634e-10, 1.1067505460742694e-09, 6.015922964924221e-09, 3.3048595802566894e-08,
                       1.8393099988652242e-07, 1.0405605281919531e-06, 6.013052435846527e-06, 3.5754642695386944e-05,
                       0.00022139561793534646, 0.00145839261934236, 0.0106798426748877, 0.09767121365429762);
}
template <class V>
TG_HOST_DEVICE inline V erfinv_tail(V z) {  // |erfinv(y)| for z = sqrt(-log((1 - |y|) / 2)) in [1.442, 6.2]
  return z <= 2.6
             ? chebyshev((z - 2.0210134433004416) / 0.5789865566995585, 2.985841529563983, -4.4559269909152405e-17,
                         3.250053283473735e-16, -2.3800189448508652e-15, 1.7507876672728176e-14,
                         -1.2945610827291162e-13, 9.629009169165273e-13, -7.211469930309046e-12, 5.444573937018724e-11,
                         -4.1499587476405215e-10, 3.1993172654125983e-09, -2.5001628141240972e-08,
                         1.9857057749025869e-07, -1.607692172128507e-06, 1.3314311636494052e-05,
                         -0.00011325573569596713, 0.000995472233082179, -0.00914390074155794, 0.6692331392209396)
             : chebyshev((z - 4.4) / 1.8, 8.1335159062952, -7.626667702623202e-17, 3.759863427999067e-16,
                         -1.858450050042365e-15, 9.212723529090853e-15, -4.5815848983760973e-14, 2.286559871902035e-13,
                         -1.1456544661835993e-12, 5.765139423981489e-12, -2.915049242113631e-11, 1.4817266645380865e-10,
                         -7.575149117561485e-10, 3.897057674684254e-09, -2.018530633741941e-08, 1.053257016201212e-07,
                         -5.540128106664747e-07, 2.940067347622868e-06, -1.5760409476058294e-05, 8.549913943090095e-05,
                         -0.00047086260405940667, 0.0026471450972520823, -0.015357523475948796, 1.8942734352115966);
}
template <class V>
TG_HOST_DEVICE inline V erfinv_value(V y) {
  if constexpr (std::is_same_v<V, float>) return erfinv_float(y);  // (half types compute in float too)
  const double v = static_cast<double>(y), a = v < 0 ? -v : v;
  if (a > 1 || v != v) return static_cast<V>(NAN);
  if (a == 1) return static_cast<V>(v < 0 ? -INFINITY : INFINITY);
  if (a <= 0.75) return static_cast<V>(erfinv_central(v));
  const double x = erfinv_tail(std::sqrt(-std::log((1 - a) / 2)));
  return static_cast<V>(v < 0 ? -x : x);
}

// Keys' cubic convolution (a = -0.75, PyTorch's; bicubic interpolate and grid_sample) at
// fraction t past floor(x): the weights of the taps floor(x) - 1 .. floor(x) + 2, and
// (kDerivatives) their derivatives along t.
constexpr double kCubicA = -0.75;

template <bool kDerivatives, class A>
TG_HOST_DEVICE inline void cubic_weights(A t, A w[4], A dw[4]) {
  constexpr double a = kCubicA;
  const A near_a = A(a + 2), near_b = A(a + 3), far_a = A(a);
  auto near = [&](A x) { return (near_a * x - near_b) * x * x + 1; };                         // |x| <= 1
  auto far = [&](A x) { return ((far_a * x - 5 * far_a) * x + 8 * far_a) * x - 4 * far_a; };  // 1 < |x| < 2
  w[0] = far(t + 1);
  w[1] = near(t);
  w[2] = near(1 - t);
  w[3] = far(2 - t);
  if constexpr (kDerivatives) {
    auto near_d = [&](A x) { return (3 * near_a * x - 2 * near_b) * x; };
    auto far_d = [&](A x) { return (3 * far_a * x - 10 * far_a) * x + 8 * far_a; };
    dw[0] = far_d(t + 1);
    dw[1] = near_d(t);
    dw[2] = -near_d(1 - t);
    dw[3] = -far_d(2 - t);
  }
}

}  // namespace tg::kernels
