// Elementwise unary kernels, one per line of unary_ops.def.
#include <array>
#include <cmath>
#include <iterator>

#include "kernels/cpu/complex_kernels.h"
#include "kernels/cpu/cpu_kernels.h"
#include "kernels/cpu/float_blocks.h"
#include "kernels/cpu/loops.h"
#include "kernels/cpu/vec_math.h"
#include "kernels/scalar_math.h"
#include "kernels/special_math.h"

namespace tg::kernels::cpu {
namespace {

#define TG_UNARY_OP(name, Name, kind, domain, formula, ...) \
  struct Name##Fn {                                          \
    template <class V>                                       \
    V operator()(V x) const {                                \
      return formula;                                        \
    }                                                        \
  };
#include "tapegrad/tensor/unary_ops.def"
// then tg::special's kernels
#include "tapegrad/tensor/special_ops.def"
#undef TG_UNARY_OP

// The ops with a vector form (vec_math.h), for float and double contiguous runs.
template <class Fn>
constexpr int kVectorForm = -1;
template <>
constexpr int kVectorForm<ExpFn> = static_cast<int>(VectorFn::Exp);
template <>
constexpr int kVectorForm<LogFn> = static_cast<int>(VectorFn::Log);
template <>
constexpr int kVectorForm<TanhFn> = static_cast<int>(VectorFn::Tanh);
template <>
constexpr int kVectorForm<SigmoidFn> = static_cast<int>(VectorFn::Sigmoid);

// The other transcendental ops through libmvec on GCC vector types (8 floats or 4 doubles per
// call, ~10x the scalar libm loop); the scalar formula runs the tails.
template <class Fn>
struct LibmvecForm {
  static constexpr bool kHas = false;
  static constexpr bool kDoubles = false;  // a Doubles4 form as well as the Floats8 one
};
#ifdef TG_VECTOR_ACTIVATIONS
#define TG_LIBMVEC_FORM(Name, fn)          \
  template <>                              \
  struct LibmvecForm<Name##Fn> {           \
    static constexpr bool kHas = true;     \
    static constexpr bool kDoubles = true; \
    template <class V>                     \
    static V apply(V v) {                  \
      return VectorMath::fn(v);            \
    }                                      \
  };
TG_LIBMVEC_FORM(Log1p, log1p)
TG_LIBMVEC_FORM(Expm1, expm1)
TG_LIBMVEC_FORM(Erf, erf)
TG_LIBMVEC_FORM(Sin, sin)
TG_LIBMVEC_FORM(Cos, cos)
TG_LIBMVEC_FORM(Tan, tan)
TG_LIBMVEC_FORM(Asin, asin)
TG_LIBMVEC_FORM(Acos, acos)
TG_LIBMVEC_FORM(Atan, atan)
TG_LIBMVEC_FORM(Sinh, sinh)
TG_LIBMVEC_FORM(Cosh, cosh)
TG_LIBMVEC_FORM(Asinh, asinh)
TG_LIBMVEC_FORM(Acosh, acosh)
TG_LIBMVEC_FORM(Atanh, atanh)
TG_LIBMVEC_FORM(Exp2, exp2)
TG_LIBMVEC_FORM(Log2, log2)
TG_LIBMVEC_FORM(Log10, log10)
TG_LIBMVEC_FORM(Erfc, erfc)
#undef TG_LIBMVEC_FORM
// A float op computed in double: Form's Doubles4 apply on each half of v.
template <class Form>
Floats8 in_double_lanes(Floats8 v) {
  using Floats4 = float __attribute__((vector_size(16)));
  const Floats4 lo = __builtin_shufflevector(v, v, 0, 1, 2, 3), hi = __builtin_shufflevector(v, v, 4, 5, 6, 7);
  const Floats4 a = __builtin_convertvector(Form::apply(__builtin_convertvector(lo, Doubles4)), Floats4);
  const Floats4 b = __builtin_convertvector(Form::apply(__builtin_convertvector(hi, Doubles4)), Floats4);
  return __builtin_shufflevector(a, b, 0, 1, 2, 3, 4, 5, 6, 7);
}
// ndtr(x) = erfc(-x / sqrt 2) / 2 in double lanes, as special_math.h's scalar form (in float,
// the rounding of x / sqrt 2 alone costs 2 x^2 float ulps in the tail).
template <>
struct LibmvecForm<NdtrFn> {
  static constexpr bool kHas = true;
  static constexpr bool kDoubles = true;
  static Doubles4 apply(Doubles4 v) { return VectorMath::erfc(v * -special_math::kSqrtHalf) * 0.5; }
  static Floats8 apply(Floats8 v) { return in_double_lanes<LibmvecForm<NdtrFn>>(v); }
};
// erfinv on float lanes: scalar_math.h's erfinv_float, its edge cases from the arithmetic
// (|y| = 1: log(0) makes w and the tail +inf; |y| > 1: log of a negative number, NaN).
// In double lanes: both of scalar_math.h's series, then a select, with |y| = 1 apart (z = inf).
template <>
struct LibmvecForm<ErfinvFn> {
  static constexpr bool kHas = true;
  static constexpr bool kDoubles = true;
  static Doubles4 apply(Doubles4 y) {
    const Doubles4 a = y < 0 ? -y : y;
    const Doubles4 tail = erfinv_tail(VectorMath::sqrt(-VectorMath::log((1 - a) * 0.5)));
    const Doubles4 r = a <= 0.75 ? erfinv_central(y) : (y < 0 ? -tail : tail);
    const Doubles4 inf = Doubles4{} + INFINITY;
    return a == 1 ? (y < 0 ? -inf : inf) : r;
  }
  static Floats8 apply(Floats8 y) {
    const Floats8 a = reinterpret_cast<Floats8>(_mm256_andnot_ps(_mm256_set1_ps(-0.0f), reinterpret_cast<__m256>(y)));
    const __m256 one_minus_a2 =
        _mm256_fnmadd_ps(reinterpret_cast<__m256>(a), reinterpret_cast<__m256>(a), _mm256_set1_ps(1.0f));
    const Floats8 w = -VectorMath::log(reinterpret_cast<Floats8>(one_minus_a2));
    return (w < 5.0f ? erfinv_float_central(w) : erfinv_float_tail(VectorMath::sqrt(w))) * y;
  }
};
// ndtri in double lanes (float ones convert): special_math.h's central and tail forms, then a
// select; a vector with a lane outside their range (the far tails, 0, 1, NaN, outside [0, 1])
// takes the scalar form.
template <>
struct LibmvecForm<NdtriFn> {
  static constexpr bool kHas = true;
  static constexpr bool kDoubles = true;
  static Doubles4 apply(Doubles4 p) {
    using namespace special_math;
    const Doubles4 q = p < 0.5 ? p : 1 - p;
    for (int i = 0; i < 4; ++i)
      if (!(q[i] >= kNdtriTailSeriesEnd)) return Doubles4{ndtri(p[0]), ndtri(p[1]), ndtri(p[2]), ndtri(p[3])};
    const Doubles4 two = p * 2, y = two - 1, back = y - two, e = (two - (y - back)) + (-1 - back);
    const Doubles4 x = erfinv_central(y);
    const Doubles4 central = kSqrtTwo * (x + e * kSqrtPiHalf * VectorMath::exp(x * x));
    const Doubles4 tail = kSqrtTwo * erfinv_tail(VectorMath::sqrt(-VectorMath::log(q)));
    return (p >= 0.125) & (p <= 0.875) ? central : (p < 0.5 ? -tail : tail);
  }
  static Floats8 apply(Floats8 v) { return in_double_lanes<LibmvecForm<NdtriFn>>(v); }
};
// lgamma on float lanes, in double (libm's lgammaf costs ~25 ns an element), as Cephes does it:
// x goes by lgamma(x + 1) = lgamma(x) + log x down or up into [2, 3), the factors collected in
// num / den, where a polynomial (fitted with mpmath, 3e-16 relative) gives lgamma(2 + u) / u;
// Stirling's series from 13 on. Negative x by reflection, lgamma(x) = log(pi / |sin(pi x)|) -
// lgamma(1 - x), folded into the same single log. In double the cancellation at the zeros (1, 2
// and those between the negative poles) stays far below a float ulp. Double tensors keep libm's
// form, which is exact to their own ulp there.
template <>
struct LibmvecForm<LgammaFn> {
  static constexpr bool kHas = true;
  static constexpr bool kDoubles = false;
  static constexpr std::array<double, 15> kNearTwo = {
      -1.0138964113951364796e-7,  2.7165118798486336941e-7,   -6.3702060965964796873e-7,   1.7320463128371054602e-6,
      -4.787357162866329714e-6,   0.000013278305230491472692, -0.000037353269562238015158, 0.00010709994506122282411,
      -0.00031505925558746926656, 0.00096109794244976326729,  -0.0030951822934964124937,   0.01087700151387638237,
      -0.04480584269738540725,    0.26758179939881186092,     0.56936574094583831926};  // in u - 1/2, highest first
  static bool any(Doubles4 mask) { return _mm256_movemask_pd(reinterpret_cast<__m256d>(mask)) != 0; }
  // c[0] t^(N-1) + ... + c[N-1], as two Horner chains in t^2 (even and odd powers): half the
  // latency of one, which bounds this loop.
  template <size_t N>
  static Doubles4 polynomial(Doubles4 t, const std::array<double, N>& c) {
    const Doubles4 t2 = t * t;
    Doubles4 even{}, odd{};
    for (size_t i = 0; i < N; ++i) {
      if ((N - 1 - i) % 2 == 0)
        even = even * t2 + c[i];
      else
        odd = odd * t2 + c[i];
    }
    return even + t * odd;
  }
  // sin(pi d) for |d| <= 1/2: its Taylor series to d^21 (the next term is below 1e-18).
  static Doubles4 sin_pi(Doubles4 d) {
    static constexpr auto kCoef = [] {
      std::array<double, 11> c{};
      double term = special_math::kPi;
      for (int k = 0; k < 11; ++k) {
        c[10 - k] = term;
        term *= -special_math::kPi * special_math::kPi / ((2 * k + 2) * (2 * k + 3));
      }
      return c;
    }();
    return polynomial(d * d, kCoef) * d;
  }
  static Doubles4 apply(Doubles4 x) {
    using special_math::kPi;
    const Doubles4 zero{}, one = zero + 1, inf = zero + INFINITY;
    const auto negative = x < 0;
    const Doubles4 y = negative ? 1 - x : x;
    const auto large = y >= 13;
    Doubles4 z = large ? zero + 2.5 : y, num = one, den = one;
    for (auto high = z >= 3; any(reinterpret_cast<Doubles4>(high)); high = z >= 3) {
      z = high ? z - 1 : z;
      num = high ? num * z : num;
    }
    for (int i = 0; i < 2; ++i) {  // (always at most 2 steps: a loop on the mask would mispredict)
      const auto low = z < 2;
      den = low ? den * z : den;
      z = low ? z + 1 : z;
    }
    const Doubles4 u = z - 2;
    Doubles4 rest = polynomial(u - 0.5, kNearTwo) * u;
    if (any(reinterpret_cast<Doubles4>(large))) {
      const Doubles4 r = 1 / y, r2 = r * r;
      const Doubles4 series = r * (1.0 / 12 + r2 * (-1.0 / 360 + r2 * (1.0 / 1260 + r2 * (-1.0 / 1680 + r2 / 1188))));
      constexpr double kLogSqrtTwoPi = 0.91893853320467274178;
      rest = large ? (y - 0.5) * VectorMath::log(y) - y + kLogSqrtTwoPi + series : rest;
    }
    Doubles4 q;
    if (any(x)) {
      // sin(pi x) from x's distance to the nearest integer (exact), so a pole gives 0 and +inf.
      const __m256d whole =
          _mm256_round_pd(reinterpret_cast<__m256d>(x), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
      const Doubles4 s = sin_pi(x - reinterpret_cast<Doubles4>(whole));
      q = negative ? kPi * den : num;
      q /= negative ? (s < 0 ? -s : s) * num : den;
    } else {
      q = num / den;
    }
    const Doubles4 log_q = VectorMath::log(q < 0 ? -q : q);  // (x = -0: den = -0)
    const Doubles4 out = negative ? log_q - rest : log_q + rest;
    return (x == inf) | (x == -inf) ? inf : out;
  }
  static Floats8 apply(Floats8 v) { return in_double_lanes<LibmvecForm<LgammaFn>>(v); }
};
// i0, i0e, i1 and i1e on float and double lanes: both of scalar_math.h's series, then a select
// (on real data a branch between them mispredicts). Infinity and NaN fall out of the arithmetic
// but for e^x * 0 at infinity.
template <int kOrder, bool kScaled>
struct BesselILanes {
  static constexpr bool kHas = true;
  static constexpr bool kDoubles = true;
  template <class V>
  static V apply(V v) {
    constexpr bool kDouble = std::is_same_v<V, Doubles4>;
    using S = std::conditional_t<kDouble, double, float>;
    const V x = v < 0 ? -v : v;
    V r = x <= S(8) ? bessel_i_below8<kOrder, kDouble>(x) : bessel_i_above8<kOrder, kDouble>(x) / VectorMath::sqrt(x);
    if constexpr (!kScaled) {
      const V half = VectorMath::exp(x * S(0.5));
      r = x == S(INFINITY) ? V{} + S(INFINITY) : r * half * half;
    }
    if constexpr (kOrder == 1) r = v < 0 ? -r : r;
    return r;
  }
};
template <>
struct LibmvecForm<I0Fn> : BesselILanes<0, false> {};
template <>
struct LibmvecForm<I0eFn> : BesselILanes<0, true> {};
template <>
struct LibmvecForm<I1Fn> : BesselILanes<1, false> {};
template <>
struct LibmvecForm<I1eFn> : BesselILanes<1, true> {};
// K_0, K_1 and their scaled forms likewise: both of scalar_math.h's series on every lane, one exp
// (e^x below 2, e^-x above), then the select. 0 and negative lanes are set apart at the end (at 0
// K_1's x log(x/2) is NaN).
template <int kOrder, bool kScaled>
struct BesselKLanes {
  static constexpr bool kHas = true;
  static constexpr bool kDoubles = true;
  template <class V>
  static V apply(V x) {
    constexpr bool kDouble = std::is_same_v<V, Doubles4>;
    using S = std::conditional_t<kDouble, double, float>;
    const auto small = x <= S(2);
    const V below = special_math::bessel_k_below2<kOrder, kDouble>(x, VectorMath::log(x * S(0.5)));
    const V above = bessel_k_large<kOrder, kDouble>(S(4) / x - 1) / VectorMath::sqrt(x);
    const V e = VectorMath::exp(small ? x : -x);
    const V r = kScaled ? (small ? below * e : above) : (small ? below : above * e);
    return x == S(0) ? V{} + S(INFINITY) : (x < S(0) ? V{} + S(NAN) : r);
  }
};
template <>
struct LibmvecForm<ModifiedBesselK0Fn> : BesselKLanes<0, false> {};
template <>
struct LibmvecForm<ModifiedBesselK1Fn> : BesselKLanes<1, false> {};
template <>
struct LibmvecForm<ScaledModifiedBesselK0Fn> : BesselKLanes<0, true> {};
template <>
struct LibmvecForm<ScaledModifiedBesselK1Fn> : BesselKLanes<1, true> {};
// J_n and Y_n: special_math.h's forms below 2, in (2, 8] and above 8 (Hankel's) on every lane, then a select; 0,
// infinities, NaNs and (Y) negative values take the scalar formula.
template <int kOrder, bool kY, class Fn>
struct BesselJYLanes {
  static constexpr bool kHas = true;
  static constexpr bool kDoubles = true;
  template <class V>
  static V apply(V v) {
    constexpr bool kDouble = std::is_same_v<V, Doubles4>;
    using S = std::conditional_t<kDouble, double, float>;
    const V x = kY ? v : (v < 0 ? -v : v);
    const V above = special_math::bessel_hankel<kOrder, kY, kDouble>(x, VectorMath::cos(x), VectorMath::sin(x),
                                                                     VectorMath::sqrt(S(2 / M_PI) / x));
    V below;
    if constexpr (kY)
      below = special_math::bessel_y_below2<kOrder, kDouble>(x, VectorMath::log(x * S(0.5)));
    else
      below = special_math::bessel_j_below2<kOrder, kDouble>(x);
    V r = x <= S(2) ? below : (x <= S(8) ? bessel_jy_mid<kOrder, kY, kDouble>(x) : above);
    if constexpr (kOrder == 1 && !kY) r = v < 0 ? -r : r;
    const auto scalar = (x <= S(0)) | (x != x) | (x == S(INFINITY));
    if (_mm256_movemask_epi8(reinterpret_cast<__m256i>(scalar)) != 0) {
      for (size_t i = 0; i < sizeof(V) / sizeof(S); ++i)
        if (scalar[i]) r[i] = Fn{}(v[i]);
    }
    return r;
  }
};
// sin(x) / x, special_math.h's Taylor polynomial below 0.5, 0 at infinities.
struct SphericalBesselJ0Lanes {
  static constexpr bool kHas = true;
  static constexpr bool kDoubles = true;
  template <class V>
  static V apply(V x) {
    constexpr bool kDouble = std::is_same_v<V, Doubles4>;
    using S = std::conditional_t<kDouble, double, float>;
    const V ax = x < 0 ? -x : x;
    return ax < S(0.5) ? special_math::spherical_bessel_j0_taylor<kDouble>(x * x)
                       : (ax == S(INFINITY) ? V{} : VectorMath::sin(x) / x);
  }
};
template <>
struct LibmvecForm<SphericalBesselJ0Fn> : SphericalBesselJ0Lanes {};
template <>
struct LibmvecForm<BesselJ0Fn> : BesselJYLanes<0, false, BesselJ0Fn> {};
template <>
struct LibmvecForm<BesselJ1Fn> : BesselJYLanes<1, false, BesselJ1Fn> {};
template <>
struct LibmvecForm<BesselY0Fn> : BesselJYLanes<0, true, BesselY0Fn> {};
template <>
struct LibmvecForm<BesselY1Fn> : BesselJYLanes<1, true, BesselY1Fn> {};
#endif

// Fn over a contiguous float or double run: libmvec or vec_math where Fn has a vector form, else
// the plain loop (which the compiler vectorises for the simple formulas).
template <class T, class Fn>
void run_contiguous(T* o, const T* x, int64_t n) {
  const auto f = [](T v) { return static_cast<T>(Fn{}(v)); };
#ifdef TG_VECTOR_ACTIVATIONS
  if constexpr (LibmvecForm<Fn>::kHas && (std::is_same_v<T, float> || LibmvecForm<Fn>::kDoubles)) {
    using V = VectorOf<T>;
    constexpr int64_t kLanes = sizeof(V) / sizeof(T);
    int64_t i = 0;
    if constexpr (std::is_same_v<Fn, ErfFn> && std::is_same_v<T, float>) {
      if (n >= 16 && has_avx512()) i = erf_avx512(x, o, n);
    }
    for (; i + kLanes <= n; i += kLanes) store_vector(o + i, LibmvecForm<Fn>::apply(load_vector<V>(x + i)));
    for (; i < n; ++i) o[i] = f(x[i]);
    return;
  }
#endif
  if constexpr (kVectorForm<Fn> >= 0) {
    vector_map<static_cast<VectorFn>(kVectorForm<Fn>)>(x, o, n, f);
  } else {
    for (int64_t i = 0; i < n; ++i) o[i] = f(x[i]);
  }
}

#ifdef TG_HALF_VECTORS
// A 16-bit float op without a vector form (neg, abs, relu, sqrt, rounding): eight lanes widened,
// the formula on them (which the compiler vectorises when it is simple), narrowed, all in
// registers; through float blocks it made three passes over memory (2x PyTorch's time).
template <class Fn, class T>
void fused_half_run(T* o, const T* x, int64_t n) {
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    alignas(32) float v[8];
    _mm256_store_ps(v, load8_as_float(x + i));
    for (int k = 0; k < 8; ++k) v[k] = Fn{}(v[k]);
    store8_from_float(o + i, _mm256_load_ps(v));
  }
  for (; i < n; ++i) o[i] = static_cast<T>(Fn{}(static_cast<float>(x[i])));
}
#endif

template <class T, class Fn>
void run(const Loop& L, void* out, const void* in) {
  using A = acc_t<T>;
  const auto f = [](T x) { return static_cast<T>(Fn{}(static_cast<A>(x))); };
  auto* o = static_cast<T*>(out);
  const auto* x = static_cast<const T*>(in);
  if constexpr (std::is_same_v<T, float> || std::is_same_v<T, double>) {
    unary_loop(L, o, x, f, [](T* o, const T* x, int64_t n) { run_contiguous<T, Fn>(o, x, n); });
  } else if constexpr (is_reduced_float_v<T> && (std::is_same_v<Fn, NegFn> || std::is_same_v<Fn, AbsFn>)) {
    // On the sign bit, which vectorises with no conversions (3x faster than widening).
    unary_loop(L, o, x, [](T v) {
      return T::from_bits(static_cast<uint16_t>(std::is_same_v<Fn, NegFn> ? v.bits ^ 0x8000u : v.bits & 0x7fffu));
    });
  } else if constexpr (is_reduced_float_v<T>) {
#if defined(TG_HALF_VECTORS) && defined(TG_VECTOR_ACTIVATIONS)
    if constexpr (kVectorForm<Fn> < 0 && !LibmvecForm<Fn>::kHas)
      return unary_loop(L, o, x, f, [](T* o, const T* x, int64_t n) { fused_half_run<Fn>(o, x, n); });
#endif
    unary_loop(L, o, x, f, [](T* o, const T* x, int64_t n) { through_floats(o, x, n, run_contiguous<float, Fn>); });
  } else {
    unary_loop(L, o, x, f);
  }
}

// Float ops run on floating dtypes only (the front end promotes integers); the others on every
// dtype but bool.
template <class Fn>
void dispatch_kind(DType dt, bool floating_only, const Loop& L, void* out, const void* in) {
  if (floating_only) {
    dispatch_floating(dt, [&]<class T>() { run<T, Fn>(L, out, in); });
  } else {
    dispatch_numeric(dt, [&]<class T>() { run<T, Fn>(L, out, in); });
  }
}

constexpr bool kFloatKind_Float = true;
constexpr bool kFloatKind_Signed = false;
constexpr bool kFloatKind_Real = false;
constexpr bool kFloatKind_Floating = true;

}  // namespace

void unary(UnaryOp op, DType dtype, const Loop& loop, void* out, const void* in) {
  if (is_complex(dtype)) return complex_unary(op, dtype, loop, out, in);
  switch (op) {
#define TG_UNARY_OP(name, Name, kind, ...) \
  case UnaryOp::Name:                      \
    return dispatch_kind<Name##Fn>(dtype, kFloatKind_##kind, loop, out, in);
#include "tapegrad/tensor/unary_ops.def"
// then tg::special's kernels
#include "tapegrad/tensor/special_ops.def"
#undef TG_UNARY_OP
  }
}

void frexp(DType dtype, const Loop& loop, void* mantissa, int32_t* exponent, const void* in) {
  dispatch_floating(dtype, [&]<class T>() {
    using A = acc_t<T>;
    parallel_rows<3>(loop, [&](const int64_t* off, int64_t n) {
      T* __restrict m = static_cast<T*>(mantissa) + off[0];
      int32_t* __restrict e = exponent + off[1];
      const T* __restrict x = static_cast<const T*>(in) + off[2];
      const int64_t sm = loop.strides[0][0], se = loop.strides[1][0], sx = loop.strides[2][0];
      if (sm == 1 && se == 1 && sx == 1) {
        for (int64_t i = 0; i < n; ++i) {
          int32_t k;
          m[i] = static_cast<T>(frexp_value(static_cast<A>(x[i]), k));
          e[i] = k;
        }
      } else {
        for (int64_t i = 0; i < n; ++i) {
          int32_t k;
          m[i * sm] = static_cast<T>(frexp_value(static_cast<A>(x[i * sx]), k));
          e[i * se] = k;
        }
      }
    });
  });
}

}  // namespace tg::kernels::cpu
