#pragma once
// Vector helpers over contiguous runs of float and double: exp, log, tanh and sigmoid (and the
// activation formulas' erf, expm1 and log1p) eight (four) at a time through glibc's vector math
// library (libmvec, the same routines GCC calls when it vectorises exp under -ffast-math) where
// the build targets AVX2 and links it, std::exp one element at a time elsewhere (float erf has a
// polynomial of its own); and the max and sum of a run. The softmax and cross-entropy rows spend
// nearly all their time here: scalar exp costs ~10 ns per element, the vector one under 1.
#include <cmath>
#include <cstdint>
#include <limits>
#include <type_traits>

#include "kernels/cpu/erf_table.h"
#include "kernels/scalar_math.h"

#if defined(TG_HAVE_LIBMVEC) && defined(__AVX2__)
#include <immintrin.h>
// The x86-64 vector function ABI names: 'd' = AVX2, N8 = eight lanes, unmasked, v = vector arg.
extern "C" __m256 _ZGVdN8v_expf(__m256);
extern "C" __m256d _ZGVdN4v_exp(__m256d);
extern "C" __m256 _ZGVdN8v_logf(__m256);
extern "C" __m256d _ZGVdN4v_log(__m256d);
#define TG_VECTOR_EXP 1
#ifdef TG_HAVE_LIBMVEC_2_35  // glibc 2.35 added these
extern "C" __m256 _ZGVdN8v_tanhf(__m256);
extern "C" __m256d _ZGVdN4v_tanh(__m256d);
extern "C" __m256d _ZGVdN4v_erf(__m256d);
extern "C" __m256 _ZGVdN8v_expm1f(__m256);
extern "C" __m256d _ZGVdN4v_expm1(__m256d);
extern "C" __m256 _ZGVdN8v_log1pf(__m256);
extern "C" __m256d _ZGVdN4v_log1p(__m256d);
// The other transcendental unary ops (sin and cos are older, but come along here).
#define TG_DECLARE_LIBMVEC(fn)                 \
  extern "C" __m256 _ZGVdN8v_##fn##f(__m256); \
  extern "C" __m256d _ZGVdN4v_##fn(__m256d);
#define TG_LIBMVEC_UNARY(X) \
  X(sin)                    \
  X(cos) X(tan) X(asin) X(acos) X(atan) X(sinh) X(cosh) X(asinh) X(acosh) X(atanh) X(exp2) X(log2) X(log10) X(erfc)
TG_LIBMVEC_UNARY(TG_DECLARE_LIBMVEC)
#undef TG_DECLARE_LIBMVEC
extern "C" __m256 _ZGVdN8vv_powf(__m256, __m256);
extern "C" __m256d _ZGVdN4vv_pow(__m256d, __m256d);
extern "C" __m256 _ZGVdN8vv_atan2f(__m256, __m256);
extern "C" __m256d _ZGVdN4vv_atan2(__m256d, __m256d);
#define TG_VECTOR_ACTIVATIONS 1
#endif
#endif

namespace tg::kernels::cpu {

#ifdef TG_VECTOR_EXP
// libmvec's exp takes a scalar path, 15-25x slower, for a whole vector when any lane is beyond
// +-87.3 in float (+-708.4 in double): saturated logits, a sigmoid of -100, exp of -inf. Those
// lanes go through exp(d -+ K) e^+-K instead (K = 40, in double 200), which stays in its range:
// d -+ K is exact where the result is not 0 or inf anyway, and clamped beyond.
// (GCC vector types: their operators and `?:` act lane by lane.)
using Floats8 = float __attribute__((vector_size(32)));
using Doubles4 = double __attribute__((vector_size(32)));
inline Floats8 libmvec_exp(Floats8 x) { return reinterpret_cast<Floats8>(_ZGVdN8v_expf(reinterpret_cast<__m256>(x))); }
inline Doubles4 libmvec_exp(Doubles4 x) {
  return reinterpret_cast<Doubles4>(_ZGVdN4v_exp(reinterpret_cast<__m256d>(x)));
}
template <class V>
using LaneOf = std::remove_cvref_t<decltype(V{}[0])>;
template <class S>
constexpr S kExpSafe = sizeof(S) == 4 ? S(87) : S(708);  // within libmvec's fast range
template <class V>
__attribute__((noinline)) V exp_wide_far(V d) {
  using S = LaneOf<V>;
  constexpr bool kFloat = sizeof(S) == 4;
  constexpr S kLimit = kExpSafe<S>, kShift = kFloat ? 40 : 200;
  constexpr S kUp = kFloat ? S(2.35385266837019985e17) : S(7.22597376812574925e86);  // e^kShift
  constexpr S kDown = kFloat ? S(4.24835425529158900e-18) : S(1.38389652673673757e-87);
  const auto far = (d > kLimit) | (d < -kLimit), below = d < 0;
  V s = far ? (below ? d + kShift : d - kShift) : d;
  s = s > kLimit ? V{} + kLimit : (s < -kLimit ? V{} - kLimit : s);  // (a NaN stays)
  return libmvec_exp(s) * (far ? (below ? V{} + kDown : V{} + kUp) : V{} + 1);
}
template <class V>
inline V exp_wide(V d) {
  constexpr LaneOf<V> kLimit = kExpSafe<LaneOf<V>>;
  const auto far = (d > kLimit) | (d < -kLimit);
  return _mm256_movemask_epi8(reinterpret_cast<__m256i>(far)) == 0 ? libmvec_exp(d) : exp_wide_far(d);
}
// exp(d), 0 below -kExpSafe (where exp is a subnormal float or 0 anyway), for softmax's weights:
// cheaper than exp_wide where such lanes are common (masked scores at -inf). A NaN stays.
template <class V>
inline V exp_or_zero(V d) {
  constexpr LaneOf<V> kFloor = -kExpSafe<LaneOf<V>>;
  return d < kFloor ? V{} : libmvec_exp(d < kFloor ? V{} + kFloor : d);
}

// One AVX register of T and the vector routines on it.
template <class T>
struct Avx;
template <>
struct Avx<float> {
  using V = __m256;
  static constexpr int64_t kLanes = 8;
  static V load(const float* p) { return _mm256_loadu_ps(p); }
  static void store(float* p, V v) { _mm256_storeu_ps(p, v); }
  static V set1(float x) { return _mm256_set1_ps(x); }
  static V add(V a, V b) { return _mm256_add_ps(a, b); }
  static V sub(V a, V b) { return _mm256_sub_ps(a, b); }
  static V div(V a, V b) { return _mm256_div_ps(a, b); }
  static V exp(V v) { return reinterpret_cast<V>(exp_wide(reinterpret_cast<Floats8>(v))); }
  static V exp_or_zero(V v) { return reinterpret_cast<V>(kernels::cpu::exp_or_zero(reinterpret_cast<Floats8>(v))); }
  static V log(V v) { return _ZGVdN8v_logf(v); }
#ifdef TG_HAVE_LIBMVEC_2_35
  static V tanh(V v) { return _ZGVdN8v_tanhf(v); }
#endif
};
template <>
struct Avx<double> {
  using V = __m256d;
  static constexpr int64_t kLanes = 4;
  static V load(const double* p) { return _mm256_loadu_pd(p); }
  static void store(double* p, V v) { _mm256_storeu_pd(p, v); }
  static V set1(double x) { return _mm256_set1_pd(x); }
  static V add(V a, V b) { return _mm256_add_pd(a, b); }
  static V sub(V a, V b) { return _mm256_sub_pd(a, b); }
  static V div(V a, V b) { return _mm256_div_pd(a, b); }
  static V exp(V v) { return reinterpret_cast<V>(exp_wide(reinterpret_cast<Doubles4>(v))); }
  static V exp_or_zero(V v) { return reinterpret_cast<V>(kernels::cpu::exp_or_zero(reinterpret_cast<Doubles4>(v))); }
  static V log(V v) { return _ZGVdN4v_log(v); }
#ifdef TG_HAVE_LIBMVEC_2_35
  static V tanh(V v) { return _ZGVdN4v_tanh(v); }
#endif
};
#endif

#ifdef TG_VECTOR_ACTIVATIONS
// AVX registers as GCC vector types (above), so the scalar formulas of activation_math.h
// compile unchanged for them.
template <class T>
using VectorOf = std::conditional_t<std::is_same_v<T, float>, Floats8, Doubles4>;

// erf in float, 8 lanes: erf_table.h's polynomials, evaluated exactly as vec_math_avx512.cpp's
// erf16 does. 1.1-1.25x the speed of libmvec's erff (on a Zen 4), and within 1.1 ulp, not 2.
inline Floats8 erf8(Floats8 xv) {
  const __m256 x = reinterpret_cast<__m256>(xv), sign_bit = _mm256_set1_ps(-0.0f), four = _mm256_set1_ps(4.0f);
  // (min's second operand is what a NaN lane gets: NaN stays NaN through the polynomial.)
  const __m256 t = _mm256_min_ps(four, _mm256_andnot_ps(sign_bit, x));
  const __m256i piece = _mm256_min_epi32(_mm256_cvttps_epi32(_mm256_add_ps(t, t)), _mm256_set1_epi32(7));
  const auto pick = [&](const float* row) { return _mm256_permutevar8x32_ps(_mm256_load_ps(row), piece); };
  const __m256 u = _mm256_sub_ps(t, pick(kErfCentre));
  __m256 r = pick(kErfCoef[7]);
  for (int k = 6; k >= 1; --k) r = _mm256_fmadd_ps(r, u, pick(kErfCoef[k]));
  const __m256 first = _mm256_castsi256_ps(_mm256_cmpeq_epi32(piece, _mm256_setzero_si256()));
  r = _mm256_fmadd_ps(r, u, _mm256_blendv_ps(pick(kErfCoef[0]), t, first));
  r = _mm256_blendv_ps(r, _mm256_set1_ps(1.0f), _mm256_cmp_ps(t, four, _CMP_GE_OQ));
  return reinterpret_cast<Floats8>(_mm256_or_ps(r, _mm256_and_ps(x, sign_bit)));
}

// libmvec for those formulas (the M of activation_math.h).
struct VectorMath {
  static Floats8 exp(Floats8 x) { return exp_wide(x); }
  static Doubles4 exp(Doubles4 x) { return exp_wide(x); }
  // expm1 kept off libmvec's scalar path too (ELU's saturated inputs): below -40 it is -1 in
  // float and double, above 80 (700) it is exp.
  static Floats8 expm1(Floats8 x) {
    return expm1_wide(x, [](Floats8 c) { return Floats8(_ZGVdN8v_expm1f(c)); });
  }
  static Doubles4 expm1(Doubles4 x) {
    return expm1_wide(x, [](Doubles4 c) { return Doubles4(_ZGVdN4v_expm1(c)); });
  }
  template <class V, class F>
  static V expm1_wide(V x, F libmvec_expm1) {
    constexpr LaneOf<V> kHigh = sizeof(LaneOf<V>) == 4 ? 80 : 700;
    const auto high = x > kHigh;
    const V r = libmvec_expm1(high ? V{} + kHigh : (x < -40 ? V{} - 40 : x));  // (a NaN stays)
    return _mm256_movemask_epi8(reinterpret_cast<__m256i>(high)) == 0 ? r : (high ? exp_wide(x) : r);
  }
  static Floats8 log1p(Floats8 x) { return _ZGVdN8v_log1pf(x); }
  static Doubles4 log1p(Doubles4 x) { return _ZGVdN4v_log1p(x); }
  static Floats8 erf(Floats8 x) { return erf8(x); }
  static Doubles4 erf(Doubles4 x) { return _ZGVdN4v_erf(x); }
  static Floats8 log(Floats8 x) { return _ZGVdN8v_logf(x); }
  static Doubles4 log(Doubles4 x) { return _ZGVdN4v_log(x); }
  static Floats8 tanh(Floats8 x) { return _ZGVdN8v_tanhf(x); }
  static Doubles4 tanh(Doubles4 x) { return _ZGVdN4v_tanh(x); }
#define TG_VECTOR_MATH_FN(fn)                                           \
  static Floats8 fn(Floats8 x) { return _ZGVdN8v_##fn##f(x); }        \
  static Doubles4 fn(Doubles4 x) { return _ZGVdN4v_##fn(x); }
  TG_LIBMVEC_UNARY(TG_VECTOR_MATH_FN)
#undef TG_VECTOR_MATH_FN
  static Floats8 sqrt(Floats8 x) { return reinterpret_cast<Floats8>(_mm256_sqrt_ps(reinterpret_cast<__m256>(x))); }
  static Doubles4 sqrt(Doubles4 x) { return reinterpret_cast<Doubles4>(_mm256_sqrt_pd(reinterpret_cast<__m256d>(x))); }
  static Floats8 pow(Floats8 a, Floats8 b) {
    return pow_any_sign(a, b, [](Floats8 x, Floats8 y) { return Floats8(_ZGVdN8vv_powf(x, y)); });
  }
  static Doubles4 pow(Doubles4 a, Doubles4 b) {
    return pow_any_sign(a, b, [](Doubles4 x, Doubles4 y) { return Doubles4(_ZGVdN4vv_pow(x, y)); });
  }
  static Floats8 floor(Floats8 x) { return _mm256_round_ps(x, _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC); }
  static Doubles4 floor(Doubles4 x) { return _mm256_round_pd(x, _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC); }
  // libmvec's pow takes its scalar path, 4x slower, for a whole vector when any base is zero or
  // negative (x ** y after a relu, or of signed data). Those lanes get pow(|x|, y) (1 for a zero),
  // then C's rules: pow(+-0, y) is 0, inf or 1 by y's sign; a negative base with an odd integer
  // exponent negates the result (also -0 and -inf), and a finite negative base with a non-integer
  // exponent (NaN too) is NaN.
  template <class V, class F>
  static V pow_any_sign(V x, V y, F libmvec_pow) {
    using S = LaneOf<V>;
    const auto not_positive = x <= 0;
    if (_mm256_movemask_epi8(reinterpret_cast<__m256i>(not_positive)) == 0) return libmvec_pow(x, y);
    const auto zero = x == 0;
    const V r = libmvec_pow(zero ? V{} + 1 : (x < 0 ? -x : x), y);
    const V half = y * S(0.5);
    const auto integer = floor(y) == y;
    const auto odd = integer & (floor(half) != half);
    const V inf = V{} + std::numeric_limits<S>::infinity();
    const V zero_base = y > 0 ? V{} : (y < 0 ? inf : (y == 0 ? V{} + 1 : y));
    const V magnitude = zero ? zero_base : r;
    const auto negative = reinterpret_cast<decltype(zero)>(x) < 0;  // the sign bit, -0 included
    const V signed_result = (negative & odd) ? -magnitude : magnitude;
    const auto nan = (x < 0) & (x != -inf) & ~integer;
    return nan ? V{} + std::numeric_limits<S>::quiet_NaN() : signed_result;
  }
  static Floats8 atan2(Floats8 a, Floats8 b) { return _ZGVdN8vv_atan2f(a, b); }
  static Doubles4 atan2(Doubles4 a, Doubles4 b) { return _ZGVdN4vv_atan2(a, b); }
  // logaddexp_value and logaddexp2_value of scalar_math.h, lane by lane.
  template <class V>
  static V logaddexp(V a, V b) {
    V d;
    const V m = logaddexp_gap(a, b, d);
    return m + log1p_unit(exp(d));
  }
  template <class V>
  static V logaddexp2(V a, V b) {
    V d;
    const V m = logaddexp_gap(a, b, d);
    return m + log1p_unit(exp2(d)) * LaneOf<V>(1.44269504088896340736);
  }
  // log1p(e) for e in [0, 1] as log(u) e / (u - 1), u = 1 + e (exact: u - 1 is, and the ratio
  // mends the rounding of u), e itself where u rounds to 1: libmvec's log1pf took 5x its logf.
  template <class V>
  static V log1p_unit(V e) {
    const V u = e + 1;
    const V r = log(u) * (e / (u - 1));
    return u == 1 ? e : r;
  }
};

template <class V, class T>
V load_vector(const T* p) {
  V v;
  __builtin_memcpy(&v, p, sizeof(V));
  return v;
}
// v in every lane (`V{} + v` would turn -0.0 into +0.0, and atan2(-0.0, -1) into +pi).
template <class V, class T>
V splat(T v) {
  V r;
  for (size_t j = 0; j < sizeof(V) / sizeof(T); ++j) r[j] = v;
  return r;
}
template <class V, class T>
void store_vector(T* p, V v) {
  __builtin_memcpy(p, &v, sizeof(V));
}
#endif

// The unary ops that have a vector form.
enum class VectorFn { Exp, Log, Tanh, Sigmoid };

#ifdef TG_VECTOR_EXP
// float32 sixteen at a time where the CPU has AVX-512 (vec_math_avx512.cpp): each does the
// whole vectors of 16 at the start of the run and returns how many elements that was.
bool has_avx512();
int64_t vector_map_avx512(VectorFn fn, const float* x, float* y, int64_t n);
int64_t exp_shifted_avx512(const float* x, float shift, float* out, int64_t n, float* sum);
#ifdef TG_VECTOR_ACTIVATIONS
// erf within 1.1 ulp (erf_table.h's polynomials, twice as fast as libmvec's 16-lane erff).
int64_t erf_avx512(const float* x, float* y, int64_t n);
// GELU (erf form) and its gradient dx = dy * gelu'(x), dy advancing by dy_step (0: one value).
int64_t gelu_avx512(const float* x, float* y, int64_t n);
int64_t gelu_backward_avx512(const float* dy, int64_t dy_step, const float* x, float* dx, int64_t n);
// SiLU and its gradient, the same way.
int64_t silu_avx512(const float* x, float* y, int64_t n);
int64_t silu_backward_avx512(const float* dy, int64_t dy_step, const float* x, float* dx, int64_t n);
#endif
#endif

// out[i] = exp(x[i] - shift) when kStore (out may alias x); returns the sum of those values,
// accumulated in one partial sum per lane. Below e^-87 (float) they are 0: a softmax over masked
// scores (-inf) stays on libmvec's vector path, and no weight changes by more than 1e-38.
template <bool kStore, class T>
T exp_shifted_run(const T* x, T shift, T* out, int64_t n) {
  static_assert(std::is_same_v<T, float> || std::is_same_v<T, double>);
  int64_t i = 0;
  T sum = 0;
#ifdef TG_VECTOR_EXP
  if constexpr (std::is_same_v<T, float>) {
    if (n >= 16 && has_avx512()) i = exp_shifted_avx512(x, shift, kStore ? out : nullptr, n, &sum);
  }
  using A = Avx<T>;
  const typename A::V s = A::set1(shift);
  typename A::V acc = A::set1(T(0));
  for (; i + A::kLanes <= n; i += A::kLanes) {
    const typename A::V e = A::exp_or_zero(A::sub(A::load(x + i), s));
    if constexpr (kStore) A::store(out + i, e);
    acc = A::add(acc, e);
  }
  T lanes[A::kLanes];
  A::store(lanes, acc);
  for (T v : lanes) sum += v;
  if (i < n) {
    // The tail in one vector too (short rows, 21 classes say, are mostly tail): padded with
    // the shift, its extra lanes computed and dropped.
    T tail[A::kLanes];
    for (int64_t j = 0; j < A::kLanes; ++j) tail[j] = i + j < n ? x[i + j] : shift;
    A::store(tail, A::exp_or_zero(A::sub(A::load(tail), s)));
    for (int64_t j = 0; i < n; ++i, ++j) {
      if constexpr (kStore) out[i] = tail[j];
      sum += tail[j];
    }
  }
#endif
  for (; i < n; ++i) {
    const T e = std::exp(x[i] - shift);
    if constexpr (kStore) out[i] = e;
    sum += e;
  }
  return sum;
}

// y[i] = fn(x[i]) over a contiguous run (y may alias x); `scalar` computes the elements that do
// not fill a vector, and all of them where there is no vector form.
template <VectorFn kFn, class T, class S>
void vector_map(const T* x, T* y, int64_t n, S scalar) {
  static_assert(std::is_same_v<T, float> || std::is_same_v<T, double>);
  int64_t i = 0;
#ifdef TG_VECTOR_EXP
#ifndef TG_HAVE_LIBMVEC_2_35
  if constexpr (kFn != VectorFn::Tanh)
#endif
  {
    if constexpr (std::is_same_v<T, float>) {
      if (n >= 16 && has_avx512()) i = vector_map_avx512(kFn, x, y, n);
    }
    using A = Avx<T>;
    const typename A::V one = A::set1(T(1)), zero = A::set1(T(0));
    for (; i + A::kLanes <= n; i += A::kLanes) {
      const typename A::V v = A::load(x + i);
      if constexpr (kFn == VectorFn::Exp) A::store(y + i, A::exp(v));
      else if constexpr (kFn == VectorFn::Log) A::store(y + i, A::log(v));
      else if constexpr (kFn == VectorFn::Sigmoid) A::store(y + i, A::div(one, A::add(one, A::exp(A::sub(zero, v)))));
#ifdef TG_HAVE_LIBMVEC_2_35
      else A::store(y + i, A::tanh(v));
#endif
    }
  }
#endif
  for (; i < n; ++i) y[i] = scalar(x[i]);
}

// The largest element of a run (the softmax shift). NaN is not looked for: it reaches the
// result through the exp sum, which it turns into NaN.
template <class T>
T max_run(const T* x, int64_t n) {
  T m = -INFINITY;
#pragma omp simd reduction(max : m)
  for (int64_t i = 0; i < n; ++i) m = x[i] > m ? x[i] : m;
  return m;
}

// Sum of f(x[i]) over a run (float or double), f taking a vector of lanes or one value (a generic
// lambda), in four vectors of partial sums: one chain of dependent vector adds waited on the add's
// latency, and held layer norm's row statistics to a quarter of the adds' rate ([256, 1024] in
// float16 at 1.6x PyTorch's time).
template <class T, class F>
T sum_run(const T* x, int64_t n, F f) {
  typedef T V __attribute__((vector_size(32)));
  constexpr int64_t kLanes = sizeof(V) / sizeof(T);
  const auto load = [x](int64_t i) {
    V v;
    __builtin_memcpy(&v, x + i, sizeof(V));
    return v;
  };
  V a0 = {}, a1 = {}, a2 = {}, a3 = {};
  int64_t i = 0;
  for (; i + 4 * kLanes <= n; i += 4 * kLanes) {
    a0 += f(load(i));
    a1 += f(load(i + kLanes));
    a2 += f(load(i + 2 * kLanes));
    a3 += f(load(i + 3 * kLanes));
  }
  for (; i + kLanes <= n; i += kLanes) a0 += f(load(i));
  const V a = (a0 + a1) + (a2 + a3);
  T s = 0;
  for (int64_t k = 0; k < kLanes; ++k) s += a[k];
  for (; i < n; ++i) s += f(x[i]);
  return s;
}
template <class T>
T sum_run(const T* x, int64_t n) {
  return sum_run(x, n, [](auto v) { return v; });
}

}  // namespace tg::kernels::cpu
