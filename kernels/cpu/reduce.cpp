// Reductions (sum, prod, max/min with or without indices, all/any, sums of squares and of
// absolute values for norms).
#include <bit>
#include <cmath>
#include <limits>
#include <memory>
#include <numeric>
#include <vector>

#ifdef __AVX2__
#include <immintrin.h>
#endif

#include "kernels/cpu/complex_kernels.h"
#include "kernels/cpu/cpu_kernels.h"
#include "kernels/cpu/float_blocks.h"
#include "kernels/cpu/loops.h"

namespace tg::kernels::cpu {
namespace {

// Sums and products of floats accumulate in double; of integers and bools in int64.
template <class T>
using wide_t = std::conditional_t<std::is_floating_point_v<acc_t<T>>, double, int64_t>;

template <class T>
struct SumR {
  using Acc = wide_t<T>;
  Acc init() const { return 0; }
  void step(Acc& a, acc_t<T> x, int64_t) const { a += static_cast<Acc>(x); }
  void combine(Acc& a, const Acc& b) const { a += b; }
};
// norm's sums of x^2 (kSquares) or |x|, of floating types, accumulated as sums are.
template <class T, bool kSquares>
struct NormSumR {
  using Acc = double;
  Acc init() const { return 0; }
  void step(Acc& a, acc_t<T> x, int64_t) const {
    const auto v = static_cast<double>(x);
    a += kSquares ? v * v : std::abs(v);
  }
  void combine(Acc& a, const Acc& b) const { a += b; }
};
// a * b, wrapping for integers as PyTorch's products do (signed overflow is undefined in C++).
template <class W>
W times(W a, W b) {
  if constexpr (std::is_integral_v<W>) return static_cast<W>(static_cast<uint64_t>(a) * static_cast<uint64_t>(b));
  else return a * b;
}
template <class T>
struct ProdR {
  using Acc = wide_t<T>;
  Acc init() const { return 1; }
  void step(Acc& a, acc_t<T> x, int64_t) const { a = times(a, static_cast<Acc>(x)); }
  void combine(Acc& a, const Acc& b) const { a = times(a, b); }
};
#ifdef TG_HALF_VECTORS
// Folds the whole 32-element blocks of a contiguous float run into the extreme m in four
// registers, noting NaN in `nan`; returns how many elements it took. Under `omp simd` the loop
// had one accumulator, a chain of dependent max ops ([256, 1024].amax(1) at 1.8x PyTorch's time).
// vmaxps keeps its second operand, the extreme so far, where the element is NaN.
template <bool kMax>
int64_t extreme_run_f32(const float* x, int64_t n, float& m, int& nan) {
  if (n < 32) return 0;
  __m256 a[4], unordered = _mm256_setzero_ps();
  for (__m256& q : a) q = _mm256_set1_ps(m);
  int64_t i = 0;
  for (; i + 32 <= n; i += 32) {
    for (int q = 0; q < 4; ++q) {
      const __m256 v = _mm256_loadu_ps(x + i + 8 * q);
      a[q] = kMax ? _mm256_max_ps(v, a[q]) : _mm256_min_ps(v, a[q]);
      unordered = _mm256_or_ps(unordered, _mm256_cmp_ps(v, v, _CMP_UNORD_Q));
    }
  }
  const __m256 e = kMax ? _mm256_max_ps(_mm256_max_ps(a[0], a[1]), _mm256_max_ps(a[2], a[3]))
                        : _mm256_min_ps(_mm256_min_ps(a[0], a[1]), _mm256_min_ps(a[2], a[3]));
  // Halves folded in registers (a scalar pass over the lanes was a chain as long as a 64-wide row).
  __m128 h = kMax ? _mm_max_ps(_mm256_castps256_ps128(e), _mm256_extractf128_ps(e, 1))
                  : _mm_min_ps(_mm256_castps256_ps128(e), _mm256_extractf128_ps(e, 1));
  h = kMax ? _mm_max_ps(h, _mm_movehl_ps(h, h)) : _mm_min_ps(h, _mm_movehl_ps(h, h));
  h = kMax ? _mm_max_ps(h, _mm_shuffle_ps(h, h, 1)) : _mm_min_ps(h, _mm_shuffle_ps(h, h, 1));
  m = _mm_cvtss_f32(h);  // (m was in every lane; a NaN m is noted in `nan` by its element)
  nan |= _mm256_movemask_ps(unordered) != 0;
  return i;
}
#endif

// Max/min keep the first index of the extreme value; NaN wins (and propagates).
template <class T, bool kMax>
struct ExtremeR {
  using A = acc_t<T>;
  struct Acc {
    A value;
    int64_t index;
    bool valid;
  };
  static constexpr bool kIsMax = kMax;
  bool values_only = false;  // no indices wanted (amax, amin): the index is not looked for
  Acc init() const { return {A(0), 0, false}; }
  // The extreme of n > 0 contiguous elements in vector loops, NaN if any is NaN; then, unless
  // values_only, the first element equal to it (the first NaN), which is also the value returned
  // (so that a max over +0 and -0 gives the sign of the element its index names).
  Acc run_contiguous(const T* x, int64_t n, int64_t first_index) const {
    if (n < 16) {  // short rows ([N, 4].max(1)): a plain scan costs less than the vector loops' set-up
      Acc a{A(x[0]), first_index, true};
      for (int64_t i = 1; i < n; ++i)
        if (better(A(x[i]), a.value)) a = {A(x[i]), first_index + i, true};
      return a;
    }
    A m = A(x[0]);
    int nan = 0;  // an int: GCC does not vectorise reductions into a bool
    if constexpr (std::is_same_v<T, Half>) {
      // float16 widened a block at a time: converted one by one, the loop did not vectorise
      // ([256, 1024].amax(1) at 11x PyTorch's time).
      float block[kFloatBlock];
      for (int64_t b = 0; b < n; b += kFloatBlock) {
        const int64_t len = std::min(kFloatBlock, n - b);
        widen(x + b, block, len);
        scan(block, len, m, nan);
      }
    } else {
      scan(x, n, m, nan);
    }
    if constexpr (std::is_floating_point_v<A>) {
      if (nan) m = std::numeric_limits<A>::quiet_NaN();
    }
    if (values_only) return {m, first_index, true};
    const int64_t i = nan ? first_where(x, n, [](A v) { return v != v; }) : first_where(x, n, [m](A v) { return v == m; });
    return {A(x[i]), first_index + i, true};
  }
  // Folds n elements into the extreme m so far, noting NaN.
  template <class U>
  static void scan(const U* x, int64_t n, A& m, int& nan) {
    A e = m;
    int seen = nan;
    int64_t i = 0;
#ifdef TG_HALF_VECTORS
    if constexpr (std::is_same_v<U, float>) i = extreme_run_f32<kMax>(x, n, e, seen);
#endif
    if constexpr (std::is_integral_v<A> && std::is_same_v<U, T>) {
      // Sixteen independent lanes: under `omp simd` one accumulator made each compare and blend
      // wait for the last (AVX2 has no 64-bit max; int64 amax ran at 2x PyTorch's time).
      constexpr int64_t kLanes = 16;
      if (n >= 2 * kLanes) {
        A lanes[kLanes];
        for (A& l : lanes) l = e;
        for (; i + kLanes <= n; i += kLanes)
          for (int64_t j = 0; j < kLanes; ++j) {
            const A v = A(x[i + j]);
            lanes[j] = (kMax ? v > lanes[j] : v < lanes[j]) ? v : lanes[j];
          }
        for (const A l : lanes) e = (kMax ? l > e : l < e) ? l : e;
      }
    }
    if constexpr (kMax) {
#pragma omp simd reduction(max : e) reduction(| : seen)
      for (int64_t k = i; k < n; ++k) {
        const A v = A(x[k]);
        e = v > e ? v : e;
        seen |= v != v;
      }
    } else {
#pragma omp simd reduction(min : e) reduction(| : seen)
      for (int64_t k = i; k < n; ++k) {
        const A v = A(x[k]);
        e = v < e ? v : e;
        seen |= v != v;
      }
    }
    m = e;
    nan = seen;
  }
  // The first i with pred(x[i]) (one exists): blocks of lanes tested in vector loops, then the
  // block that holds it scanned.
  template <class P>
  static int64_t first_where(const T* x, int64_t n, P pred) {
    constexpr int64_t kLanes = 32;
    int64_t i = 0;
    for (; i + kLanes <= n; i += kLanes) {
      int hit = 0;
#pragma omp simd reduction(| : hit)
      for (int64_t j = 0; j < kLanes; ++j) hit |= pred(A(x[i + j]));
      if (hit) break;
    }
    while (i < n - 1 && !pred(A(x[i]))) ++i;
    return i;
  }
  // Whether x replaces cur as the extreme so far (a NaN replaces any number, nothing a NaN),
  // without branches: bitwise, so that column updates vectorise.
  static bool takes(A x, A cur) {
    if constexpr (std::is_floating_point_v<A>) return (kMax ? x > cur : x < cur) | ((x != x) & (cur == cur));
    else return kMax ? x > cur : x < cur;
  }
  // One more row (reduced position i) of m contiguous columns into their extremes so far.
  void update_columns(A* best, int64_t* at, const T* row, int64_t m, int64_t i) const {
    if (values_only) {
#pragma omp simd
      for (int64_t j = 0; j < m; ++j) {
        const A v = A(row[j]), c = best[j];
        best[j] = takes(v, c) ? v : c;
      }
    } else {
#pragma omp simd
      for (int64_t j = 0; j < m; ++j) {
        const A v = A(row[j]), c = best[j];
        const bool t = takes(v, c);
        best[j] = t ? v : c;
        at[j] = t ? i : at[j];
      }
    }
  }
  static bool better(A x, A cur) {
    if constexpr (std::is_floating_point_v<A>) {
      if (cur != cur) return false;
      if (x != x) return true;
    }
    return kMax ? x > cur : x < cur;
  }
  void step(Acc& a, A x, int64_t i) const {
    if (!a.valid || better(x, a.value)) a = {x, i, true};
  }
  void combine(Acc& a, const Acc& b) const {
    if (!b.valid) return;
    if (!a.valid || better(b.value, a.value) || (!better(a.value, b.value) && b.index < a.index && b.value == a.value))
      a = b;
  }
};
template <class T, bool kAll>
struct LogicR {
  using Acc = bool;
  Acc init() const { return kAll; }
  void step(Acc& a, acc_t<T> x, int64_t) const {
    if constexpr (kAll) a = a && (x != acc_t<T>(0));
    else a = a || (x != acc_t<T>(0));
  }
  void combine(Acc& a, const Acc& b) const { a = kAll ? (a && b) : (a || b); }
};

template <class Acc>
auto value_of(const Acc& a) {
  if constexpr (requires { a.value; }) return a.value;
  else return a;
}

// Writes one result: the value converted to the output dtype, and the index if asked.
template <class Acc>
void write_result(DType out_dtype, void* out, int64_t* indices, int64_t pos, const Acc& a) {
  if constexpr (requires { a.index; }) {
    if (indices) indices[pos] = a.index;
  }
  if (!out) return;
  auto v = value_of(a);
  dispatch_all(out_dtype, [&]<class O>() { static_cast<O*>(out)[pos] = convert<O>(v); });
}
// The same for n results from pos on, the dtype dispatched once (per element it cost more than
// summing 16 rows of the column).
template <class Acc>
void write_results(DType out_dtype, void* out, int64_t* indices, int64_t pos, const Acc* a, int64_t n) {
  if constexpr (requires { a->index; }) {
    if (indices)
      for (int64_t j = 0; j < n; ++j) indices[pos + j] = a[j].index;
  }
  if (!out) return;
  dispatch_all(out_dtype, [&]<class O>() {
    O* o = static_cast<O*>(out) + pos;
    for (int64_t j = 0; j < n; ++j) o[j] = convert<O>(value_of(a[j]));
  });
}

// What a run sum adds up: the values, their squares or their absolute values.
enum class RunMap { Value, Square, Abs };

template <RunMap M, class L>
L map_value(L v) {
  if constexpr (M == RunMap::Square)
    return v * v;
  else if constexpr (M == RunMap::Abs)
    return std::abs(v);
  else
    return v;
}

// Sum of a contiguous run: independent partial sums (four AVX registers' worth, enough to
// hide the add latency) so that the adds vectorise (one floating-point accumulator cannot be
// reordered), kept in float for 1024 elements at a time (32 adds per lane) and then flushed
// into double, so that error grows with the block, not n.
#ifdef TG_HALF_VECTORS
template <RunMap M>
__m256 map_value(__m256 v) {
  if constexpr (M == RunMap::Square)
    return _mm256_mul_ps(v, v);
  else if constexpr (M == RunMap::Abs)
    return _mm256_andnot_ps(_mm256_set1_ps(-0.0f), v);
  else
    return v;
}

// total += the 8 floats of s, as 4 doubles.
inline void add_widened(__m256d& total, __m256 s) {
  total = _mm256_add_pd(
      total, _mm256_add_pd(_mm256_cvtps_pd(_mm256_castps256_ps128(s)), _mm256_cvtps_pd(_mm256_extractf128_ps(s, 1))));
}

// The same for float32 (and the 16-bit floats, widened as they load) in AVX registers: four
// accumulators of eight lanes, folded and widened to double once per block. The generic loop's
// arrays of lanes were zeroed and folded through memory for every row, which tripled the time of
// a 256-element row; a float16 sum converting one element at a time ran at 1/9 of PyTorch's speed.
template <RunMap M, class T>
double sum_run_f32(const T* x, int64_t n) {
  __m256d total = _mm256_setzero_pd();
  int64_t i = 0;
  while (i + 32 <= n) {
    const int64_t end = i + std::min<int64_t>(1024, (n - i) / 32 * 32);
    __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
    for (; i < end; i += 32) {
      a0 = _mm256_add_ps(a0, map_value<M>(load8_as_float(x + i)));
      a1 = _mm256_add_ps(a1, map_value<M>(load8_as_float(x + i + 8)));
      a2 = _mm256_add_ps(a2, map_value<M>(load8_as_float(x + i + 16)));
      a3 = _mm256_add_ps(a3, map_value<M>(load8_as_float(x + i + 24)));
    }
    add_widened(total, _mm256_add_ps(_mm256_add_ps(a0, a1), _mm256_add_ps(a2, a3)));
  }
  // Eight at a time below 32 (a plane of 7 x 7 left 17 elements for the scalar adds, a chain that
  // took longer than the rest: [32, 512, 7, 7].mean((2, 3)) ran at 0.61x PyTorch's speed).
  if (i + 8 <= n) {
    __m256 s = _mm256_setzero_ps();
    for (; i + 8 <= n; i += 8) s = _mm256_add_ps(s, map_value<M>(load8_as_float(x + i)));
    add_widened(total, s);
  }
  alignas(32) double t[4];
  _mm256_store_pd(t, total);
  double r = (t[0] + t[1]) + (t[2] + t[3]);
  for (; i < n; ++i) r += static_cast<double>(map_value<M>(static_cast<float>(x[i])));
  return r;
}
#endif

template <RunMap M, class T>
double sum_run_float(const T* x, int64_t n) {
#ifdef TG_HALF_VECTORS
  if constexpr (std::is_same_v<T, float> || is_reduced_float_v<T>) return sum_run_f32<M>(x, n);
#endif
  using L = std::conditional_t<std::is_same_v<T, double>, double, float>;
  constexpr int64_t kLanes = std::is_same_v<L, double> ? 16 : 32, kBlock = 1024;
  double total[kLanes] = {};
  int64_t i = 0;
  while (i + kLanes <= n) {
    // A full block, or what is left of the run in whole lanes (short runs, e.g. image planes).
    const int64_t block = std::min(kBlock, (n - i) / kLanes * kLanes);
    L lanes[kLanes] = {};
    for (int64_t k = 0; k < block; k += kLanes)
      for (int64_t j = 0; j < kLanes; ++j) lanes[j] += map_value<M>(static_cast<L>(x[i + k + j]));
    for (int64_t j = 0; j < kLanes; ++j) total[j] += lanes[j];
    i += block;
  }
  // Folded in halves (vector adds) rather than one lane after another: a chain of 32 dependent
  // adds cost more than the whole sum of a 256-element row.
  for (int64_t w = kLanes / 2; w >= 1; w /= 2)
    for (int64_t j = 0; j < w; ++j) total[j] += total[j + w];
  double s = total[0];
  for (; i < n; ++i) s += static_cast<double>(map_value<M>(static_cast<L>(x[i])));
  return s;
}

// Product of a contiguous run in sixteen independent lanes (one chain of dependent multiplies ran
// at 1/13 of PyTorch's speed), in the wide type: exact for integers (wrapping products do not
// depend on the order), for floats rounded differently only in the last bits of a double.
template <class T>
wide_t<T> prod_run(const T* x, int64_t n) {
  using W = wide_t<T>;
  constexpr int64_t kLanes = 16;
  if (n < kLanes) {  // short rows: folding the lanes would cost more than the run
    W p = 1;
    for (int64_t i = 0; i < n; ++i) p = times(p, static_cast<W>(acc_t<T>(x[i])));
    return p;
  }
  W lanes[kLanes];
  for (W& l : lanes) l = 1;
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes)
    for (int64_t j = 0; j < kLanes; ++j) lanes[j] = times(lanes[j], static_cast<W>(acc_t<T>(x[i + j])));
  for (int64_t w = kLanes / 2; w >= 1; w /= 2)
    for (int64_t j = 0; j < w; ++j) lanes[j] = times(lanes[j], lanes[j + w]);
  W p = lanes[0];
  for (; i < n; ++i) p = times(p, static_cast<W>(acc_t<T>(x[i])));
  return p;
}

// Inlined: returned through memory, a max / min result (value, index) was stored in parts and
// read back whole, a failed store forward per result (short rows ran at 2x PyTorch's time).
template <class T, class R>
[[gnu::always_inline]] inline typename R::Acc reduce_run(const R& r, const T* x, int64_t n, int64_t stride,
                                                         int64_t first_index) {
  using A = acc_t<T>;
  typename R::Acc a = r.init();
  if constexpr (std::is_same_v<R, SumR<T>> && std::is_floating_point_v<A>) {
    if (stride == 1) return static_cast<typename R::Acc>(sum_run_float<RunMap::Value>(x, n));
  }
  if constexpr (std::is_same_v<R, ProdR<T>>) {
    if (stride == 1) return prod_run(x, n);
  }
  if constexpr (std::is_same_v<R, NormSumR<T, true>>) {
    if (stride == 1) return sum_run_float<RunMap::Square>(x, n);
  } else if constexpr (std::is_same_v<R, NormSumR<T, false>>) {
    if (stride == 1) return sum_run_float<RunMap::Abs>(x, n);
  }
  if constexpr (requires { r.values_only; }) {
    if (stride == 1 && n > 0) return r.run_contiguous(x, n, first_index);
  }
  for (int64_t i = 0; i < n; ++i) r.step(a, A(x[i * stride]), first_index + i);
  return a;
}

// Element offset of the i-th position (row-major) over dims with these sizes and strides.
inline int64_t offset_of(int64_t i, int n, const int64_t* sizes, const int64_t* strides) {
  if (n == 1) return i * strides[0];  // the common case, without a 64-bit division
  int64_t off = 0;
  for (int d = n - 1; d >= 0; --d) {
    off += (i % sizes[d]) * strides[d];
    i /= sizes[d];
  }
  return off;
}
inline int64_t reduced_offset(const ReduceGeometry& g, int64_t r) {
  return offset_of(r, g.n_reduced, g.reduced_sizes, g.reduced_strides);
}
inline int64_t kept_offset(const ReduceGeometry& g, int64_t k) {
  return offset_of(k, g.n_kept, g.kept_sizes, g.kept_strides);
}

// The dtypes whose column sums take sum_columns' registers: float32, and the 16-bit floats where
// they load widened eight at a time.
template <class T>
constexpr bool kColumnSums = std::is_same_v<T, float>
#ifdef TG_HALF_VECTORS
                             || std::is_same_v<T, Half> || std::is_same_v<T, BFloat16>
#endif
    ;

// Adds rows [r0, r1) of the reduced positions of len contiguous float columns from base into
// acc: 32 columns at a time summed down up to 32 rows in four vector registers, then flushed into
// the double totals (an array of partial sums is loaded and stored once per row: 1.6x slower);
// then 8 at a time, then one. 16-bit floats are widened as they load (through an array of float
// partial sums, float16's sum(0) took 1.4x PyTorch's time).
template <class T>
void sum_columns(const ReduceGeometry& g, const T* base, int64_t len, int64_t r0, int64_t r1, double* acc) {
  using V8 = float __attribute__((vector_size(32)));
  auto load = [](const T* p) {
    V8 v;
    if constexpr (std::is_same_v<T, float>) {
      __builtin_memcpy(&v, p, sizeof(v));
    } else {
#ifdef TG_HALF_VECTORS
      v = std::bit_cast<V8>(load8_as_float(p));
#endif
    }
    return v;
  };
  auto value = [](T x) { return static_cast<float>(acc_t<T>(x)); };
  if (len < 8 && g.n_reduced == 1 && g.reduced_strides[0] == len) {
    // Fewer than 8 columns of back-to-back rows ([N, 3].sum(0)): the rows are one contiguous run,
    // summed in lcm(len, 8) lanes (lane k holds column k % len), 32 periods at a time in float.
    const int64_t period = std::lcm(len, int64_t{8}), vectors = period / 8, rows_per = period / len;
    const T* p = base + r0 * len;
    int64_t i = r0;
    while (i + rows_per <= r1) {
      const int64_t blocks = std::min<int64_t>(32, (r1 - i) / rows_per);
      V8 s[7] = {};
      for (int64_t b = 0; b < blocks; ++b, p += period)
        for (int64_t v = 0; v < vectors; ++v) s[v] += load(p + v * 8);
      for (int64_t v = 0; v < vectors; ++v)
        for (int k = 0; k < 8; ++k) acc[(v * 8 + k) % len] += s[v][k];
      i += blocks * rows_per;
    }
    for (; i < r1; ++i, p += len)
      for (int64_t j = 0; j < len; ++j) acc[j] += value(p[j]);
    return;
  }
  constexpr int64_t kRows = 32;
  int64_t offsets[kRows];
  for (int64_t i0 = r0; i0 < r1; i0 += kRows) {
    const int64_t rows = std::min<int64_t>(kRows, r1 - i0);
    for (int64_t i = 0; i < rows; ++i) offsets[i] = reduced_offset(g, i0 + i);
    int64_t j = 0;
    for (; j + 32 <= len; j += 32) {
      V8 s0{}, s1{}, s2{}, s3{};
      for (int64_t i = 0; i < rows; ++i) {
        const T* row = base + offsets[i] + j;
        s0 += load(row);
        s1 += load(row + 8);
        s2 += load(row + 16);
        s3 += load(row + 24);
      }
      for (int k = 0; k < 8; ++k) {
        acc[j + k] += s0[k];
        acc[j + 8 + k] += s1[k];
        acc[j + 16 + k] += s2[k];
        acc[j + 24 + k] += s3[k];
      }
    }
    for (; j + 8 <= len; j += 8) {
      V8 s0{}, s1{};  // two chains: the adds of alternate rows overlap
      int64_t i = 0;
      for (; i + 2 <= rows; i += 2) {
        s0 += load(base + offsets[i] + j);
        s1 += load(base + offsets[i + 1] + j);
      }
      if (i < rows) s0 += load(base + offsets[i] + j);
      s0 += s1;
      for (int k = 0; k < 8; ++k) acc[j + k] += s0[k];
    }
    for (; j < len; ++j) {
      float sum = 0;
      for (int64_t i = 0; i < rows; ++i) sum += value(base[offsets[i] + j]);
      acc[j] += sum;
    }
  }
}

#ifdef TG_HALF_VECTORS
// amax / amin of len contiguous float columns down the reduced rows at offsets rows[0, nrows):
// 64 columns at a time held in eight registers over every row (an array of extremes loaded and
// stored for every row took 2x PyTorch's time for [64, 256, 64].amax(1)), then 8 at a time, then
// one by one. vmaxps keeps its second operand, the extreme so far, on a tie (the scalar scan keeps
// the first value too) and where that is NaN; a NaN row element is blended in.
template <bool kMax, int kRegs>
void extreme_column_block(const float* base, const int64_t* rows, int64_t nrows, int64_t j, float* best) {
  __m256 m[kRegs];
  for (int q = 0; q < kRegs; ++q) m[q] = _mm256_loadu_ps(base + rows[0] + j + 8 * q);
  for (int64_t i = 1; i < nrows; ++i) {
    const float* row = base + rows[i] + j;
    for (int q = 0; q < kRegs; ++q) {
      const __m256 v = _mm256_loadu_ps(row + 8 * q);
      const __m256 e = kMax ? _mm256_max_ps(v, m[q]) : _mm256_min_ps(v, m[q]);
      m[q] = _mm256_blendv_ps(e, v, _mm256_cmp_ps(v, v, _CMP_UNORD_Q));
    }
  }
  for (int q = 0; q < kRegs; ++q) _mm256_storeu_ps(best + j + 8 * q, m[q]);
}

template <bool kMax>
void extreme_columns_f32(const float* base, const int64_t* rows, int64_t nrows, int64_t len, float* best) {
  int64_t j = 0;
  for (; j + 64 <= len; j += 64) extreme_column_block<kMax, 8>(base, rows, nrows, j, best);
  for (; j + 32 <= len; j += 32) extreme_column_block<kMax, 4>(base, rows, nrows, j, best);
  for (; j + 8 <= len; j += 8) extreme_column_block<kMax, 1>(base, rows, nrows, j, best);
  for (; j < len; ++j) {
    float m = base[rows[0] + j];
    for (int64_t i = 1; i < nrows; ++i) {
      const float v = base[rows[i] + j];
      m = (kMax ? v > m : v < m) || (v != v && m == m) ? v : m;
    }
    best[j] = m;
  }
}
#endif

// Walks the kept positions k, k + 1, ... of g in order: their offsets by a counter instead of
// divisions per result.
class KeptCursor {
 public:
  KeptCursor(const ReduceGeometry& g, int64_t k) : g_(g) {
    for (int d = g.n_kept - 1; d >= 0; --d) {
      idx_[d] = k % g.kept_sizes[d];
      k /= g.kept_sizes[d];
      offset_ += idx_[d] * g.kept_strides[d];
    }
  }
  int64_t offset() const { return offset_; }
  void next() {
    for (int d = g_.n_kept - 1; d >= 0; --d) {
      offset_ += g_.kept_strides[d];
      if (++idx_[d] < g_.kept_sizes[d]) return;
      offset_ -= idx_[d] * g_.kept_strides[d];
      idx_[d] = 0;
    }
  }

 private:
  const ReduceGeometry& g_;
  int64_t idx_[kMaxDims] = {};
  int64_t offset_ = 0;
};

// Short rows (one reduced dim of fewer than 16, as in [N, 4].max(1) or the windows of an unfold):
// 64 results at a time, stepped through their reduced positions together so that the loops run
// across rows and max/min choose without branches. Row by row, the calls cost more than the rows,
// and a max's scan mispredicted about one branch in two on random data.
template <class T, class R>
void reduce_short_rows(const R& r, const ReduceGeometry& g, int64_t run, int64_t step, int64_t grain, DType out_dtype,
                       void* out, int64_t* indices, const T* in) {
  using A = acc_t<T>;
  using Acc = typename R::Acc;
  parallel_for(0, g.kept_numel, grain, [&](int64_t b, int64_t e) {
    constexpr int64_t kBlock = 64;
    int64_t off[kBlock];
    Acc acc[kBlock];
    KeptCursor cursor(g, b);
    for (int64_t k0 = b; k0 < e; k0 += kBlock) {
      const int64_t m = std::min(kBlock, e - k0);
      for (int64_t j = 0; j < m; ++j, cursor.next()) off[j] = cursor.offset();
      // Each reduced position of the block's rows gathered into a contiguous column first: the
      // compiler neither vectorised the updates through the offsets nor kept max's select free of
      // branches.
      T column[kBlock];
      const auto gather = [&](int64_t i) {
        const T* x = in + i * step;
        for (int64_t j = 0; j < m; ++j) column[j] = x[off[j]];
      };
      if constexpr (requires { r.values_only; }) {
        A best[kBlock];
        int64_t at[kBlock] = {};
        gather(0);
        for (int64_t j = 0; j < m; ++j) best[j] = A(column[j]);
        for (int64_t i = 1; i < run; ++i) {
          gather(i);
          r.update_columns(best, at, column, m, i);
        }
        for (int64_t j = 0; j < m; ++j) acc[j] = Acc{best[j], at[j], true};
      } else {
        for (int64_t j = 0; j < m; ++j) acc[j] = r.init();
        for (int64_t i = 0; i < run; ++i) {
          gather(i);
          for (int64_t j = 0; j < m; ++j) r.step(acc[j], A(column[j]), i);
        }
      }
      write_results(out_dtype, out, indices, k0, acc, m);
    }
  });
}

template <class T, class R>
void reduce_impl(const R& r, const ReduceGeometry& g, DType out_dtype, void* out, int64_t* indices, const T* in) {
  using A = acc_t<T>;
  using Acc = typename R::Acc;
  const bool inner_run = g.n_reduced == 1;  // reduced dims coalesced into one strided run
  if (g.kept_numel == 1) {
    // One result: split the reduced range across threads and combine the partial results.
    const int nt = num_threads();
    std::unique_ptr<Acc[]> partial(new Acc[static_cast<size_t>(nt)]);  // not vector: Acc may be bool
    for (int t = 0; t < nt; ++t) partial[t] = r.init();
    if (inner_run) {
      parallel_for(0, g.reduced_numel, kGrain, [&](int64_t b, int64_t e) {
        const int t = omp_in_parallel() ? omp_get_thread_num() : 0;
        partial[t] = reduce_run(r, in + b * g.reduced_strides[0], e - b, g.reduced_strides[0], b);
      });
    } else {
      // Runs along the innermost reduced dim (the smallest stride, where make_geometry may order
      // the dims): element by element, with a division each, a sum of a transposed view took
      // 100x PyTorch's time.
      const int n = g.n_reduced;
      const int64_t run = n > 0 ? g.reduced_sizes[n - 1] : 1, step = n > 0 ? g.reduced_strides[n - 1] : 0;
      const int64_t outer = run > 0 ? g.reduced_numel / run : 0;
      const int64_t *sizes = g.reduced_sizes, *strides = g.reduced_strides;
      parallel_for(0, outer, std::max<int64_t>(1, kGrain / std::max<int64_t>(run, 1)), [&](int64_t b, int64_t e) {
        const int t = omp_in_parallel() ? omp_get_thread_num() : 0;
        Acc a = r.init();
        for (int64_t o = b; o < e; ++o)
          r.combine(a, reduce_run(r, in + offset_of(o, n - 1, sizes, strides), run, step, o * run));
        partial[t] = a;
      });
    }
    Acc total = r.init();
    for (int t = 0; t < nt; ++t) r.combine(total, partial[t]);
    write_result(out_dtype, out, indices, 0, total);
    return;
  }
  const int64_t cols = g.n_kept > 0 ? g.kept_sizes[g.n_kept - 1] : 0;
  // (Float sums take it from one column: sum_columns sums narrow rows in whole vectors.)
  constexpr bool kFloatSum = std::is_same_v<R, SumR<T>> && kColumnSums<T>;
  if ((cols >= 4 || (kFloatSum && cols >= 1)) && g.kept_strides[g.n_kept - 1] == 1 &&
      !(inner_run && g.reduced_strides[0] == 1)) {
    // The innermost kept dim is contiguous and the reduced ones are not (a sum over a batch, or
    // over the middle dim of [N, L, D]): accumulate whole rows of columns at a time. Results
    // [b, e) are visited as segments that stay within one run of columns.
    if constexpr (kFloatSum) {
      // Few columns down many rows ([N, 32].sum(0)): too few columns to share out, so each thread
      // sums a band of rows into its own totals, added up at the end.
      const int nt = num_threads();
      if (g.kept_numel == cols && cols < 32 * nt && nt > 1 && g.reduced_numel * cols >= 2 * kGrain) {
        std::vector<double> partial(static_cast<size_t>(nt * cols), 0.0);
        parallel_for(0, g.reduced_numel, std::max<int64_t>(32, kGrain / cols), [&](int64_t rb, int64_t re) {
          const int t = omp_in_parallel() ? omp_get_thread_num() : 0;
          sum_columns(g, in, cols, rb, re, partial.data() + t * cols);
        });
        for (int t = 1; t < nt; ++t)
          for (int64_t j = 0; j < cols; ++j)
            partial[static_cast<size_t>(j)] += partial[static_cast<size_t>(t * cols + j)];
        write_results(out_dtype, out, indices, 0, partial.data(), cols);
        return;
      }
    }
    // Chunks sized by the work in them (a long reduced dim makes few columns worth a thread), at
    // least 32 columns wide for the vector loops.
    const int64_t col_grain = std::max<int64_t>(32, kGrain / std::max<int64_t>(1, g.reduced_numel));
    parallel_for(0, g.kept_numel, col_grain, [&](int64_t b, int64_t e) {
      const auto width = static_cast<size_t>(std::min(e - b, cols));
      std::unique_ptr<Acc[]> acc(new Acc[width]);  // not vector: Acc may be bool
      std::vector<A> best, part;
      std::vector<int64_t> at;
      if constexpr (std::is_same_v<R, SumR<T>> && !kColumnSums<T>)
        part.resize(width);  // (sum_columns sums in registers)
      if constexpr (requires { r.values_only; }) {
        best.resize(width);
        at.resize(width);
      }
      std::vector<int64_t> rows;  // the reduced rows' offsets, for amax / amin of float
      for (int64_t pos = b; pos < e;) {
        const int64_t len = std::min(cols - pos % cols, e - pos);
        const T* base = in + offset_of(pos / cols, g.n_kept - 1, g.kept_sizes, g.kept_strides) + pos % cols;
#ifdef TG_HALF_VECTORS
        if constexpr (requires { r.values_only; } && std::is_same_v<T, float>) {
          if (r.values_only && g.reduced_numel > 0) {
            if (rows.empty()) {
              rows.resize(static_cast<size_t>(g.reduced_numel));
              for (int64_t i = 0; i < g.reduced_numel; ++i) rows[static_cast<size_t>(i)] = reduced_offset(g, i);
            }
            extreme_columns_f32<R::kIsMax>(base, rows.data(), g.reduced_numel, len, best.data());
            for (int64_t j = 0; j < len; ++j)
              write_result(out_dtype, out, indices, pos + j, Acc{best[static_cast<size_t>(j)], 0, true});
            pos += len;
            continue;
          }
        }
#endif
        if constexpr (requires { r.values_only; }) {
          if (g.reduced_numel > 0) {  // max/min: values and indices in separate arrays, vector updates
            for (int64_t j = 0; j < len; ++j) {
              best[static_cast<size_t>(j)] = A(base[j]);
              at[static_cast<size_t>(j)] = 0;
            }
            for (int64_t i = 1; i < g.reduced_numel; ++i)
              r.update_columns(best.data(), at.data(), base + reduced_offset(g, i), len, i);
            for (int64_t j = 0; j < len; ++j)
              write_result(out_dtype, out, indices, pos + j, Acc{best[static_cast<size_t>(j)], at[static_cast<size_t>(j)], true});
            pos += len;
            continue;
          }
        }
        for (int64_t j = 0; j < len; ++j) acc[j] = r.init();
        if constexpr (kFloatSum) {
          sum_columns(g, base, len, 0, g.reduced_numel, acc.get());
        } else if constexpr (std::is_same_v<R, SumR<T>> && std::is_same_v<A, float>) {
          // float sums of up to 32 rows at a time, flushed into the double totals (as the runs'
          // blocks are): the adds then run 8 wide instead of 4.
          for (int64_t i0 = 0; i0 < g.reduced_numel; i0 += 32) {
            for (int64_t j = 0; j < len; ++j) part[static_cast<size_t>(j)] = 0;
            for (int64_t i = i0; i < std::min(g.reduced_numel, i0 + 32); ++i) {
              const T* row = base + reduced_offset(g, i);
              for (int64_t j = 0; j < len; ++j) part[static_cast<size_t>(j)] += A(row[j]);
            }
            for (int64_t j = 0; j < len; ++j) acc[j] += part[static_cast<size_t>(j)];
          }
        } else {
          for (int64_t i = 0; i < g.reduced_numel; ++i) {
            const T* row = base + reduced_offset(g, i);
            for (int64_t j = 0; j < len; ++j) r.step(acc[j], A(row[j]), i);
          }
        }
        write_results(out_dtype, out, indices, pos, acc.get(), len);
        pos += len;
      }
    });
    return;
  }
  const int64_t grain = std::max<int64_t>(1, kGrain / std::max<int64_t>(1, g.reduced_numel));
  // The innermost reduced dim is one run (vectorised when contiguous); the outer reduced
  // positions are few, so their offsets may cost a division each. Their count is worked out once
  // here: per result, a division cost as much as a short row's whole reduction.
  const int last = g.n_reduced - 1;
  const int64_t run = g.n_reduced > 0 ? g.reduced_sizes[last] : 1, step = g.n_reduced > 0 ? g.reduced_strides[last] : 1;
  const int64_t outer = g.n_reduced == 0 ? 1 : (run > 0 ? g.reduced_numel / run : 0);
  if (outer == 1 && run > 0 && run < 16) return reduce_short_rows(r, g, run, step, grain, out_dtype, out, indices, in);
  parallel_for(0, g.kept_numel, grain, [&](int64_t b, int64_t e) {
    // Results gathered 64 at a time for write_results.
    constexpr int64_t kBatch = 64;
    Acc results[kBatch];
    for (int64_t k = b; k < e; ++k) {
      const T* base = in + kept_offset(g, k);
      Acc a = r.init();
      if (outer == 1) {  // (nothing reduced: each result is its one element)
        a = reduce_run(r, base, run, step, 0);
      } else {
        for (int64_t o = 0; o < outer; ++o)
          r.combine(a,
                    reduce_run(r, base + offset_of(o, last, g.reduced_sizes, g.reduced_strides), run, step, o * run));
      }
      const int64_t slot = (k - b) % kBatch;
      results[slot] = a;
      if (slot == kBatch - 1 || k == e - 1) write_results(out_dtype, out, indices, k - slot, results, slot + 1);
    }
  });
}

}  // namespace

void reduce(ReduceOp op, DType in_dtype, DType out_dtype, const ReduceGeometry& g, void* out, int64_t* indices,
            const void* in) {
  if (is_complex(in_dtype)) return complex_reduce(op, in_dtype, out_dtype, g, out, in);
  // bools as the bytes 0 and 1, which give the same sums, products, extremes and truth values
  // (GCC does not vectorise loads of bool: mask.sum() ran at 2x PyTorch's time).
  dispatch_all(in_dtype == DType::Bool ? DType::UInt8 : in_dtype, [&]<class T>() {
    const T* x = static_cast<const T*>(in);
    switch (op) {
      case ReduceOp::Sum:
        return reduce_impl(SumR<T>{}, g, out_dtype, out, indices, x);
      case ReduceOp::Prod:
        return reduce_impl(ProdR<T>{}, g, out_dtype, out, indices, x);
      case ReduceOp::Max:
        return reduce_impl(ExtremeR<T, true>{indices == nullptr}, g, out_dtype, out, indices, x);
      case ReduceOp::Min:
        return reduce_impl(ExtremeR<T, false>{indices == nullptr}, g, out_dtype, out, indices, x);
      case ReduceOp::All:
        return reduce_impl(LogicR<T, true>{}, g, out_dtype, out, indices, x);
      case ReduceOp::Any:
        return reduce_impl(LogicR<T, false>{}, g, out_dtype, out, indices, x);
      case ReduceOp::SumSquares:
      case ReduceOp::SumAbs:
        if constexpr (std::is_floating_point_v<acc_t<T>>) {
          if (op == ReduceOp::SumSquares) return reduce_impl(NormSumR<T, true>{}, g, out_dtype, out, indices, x);
          return reduce_impl(NormSumR<T, false>{}, g, out_dtype, out, indices, x);
        } else {
          TG_FAIL("norm kernel: dtype {} is not a floating-point type", in_dtype);
        }
    }
  });
}

}  // namespace tg::kernels::cpu
