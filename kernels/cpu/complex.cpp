// The CPU kernels of complex64 and complex128 tensors: the elementwise maps, comparisons and
// reductions that PyTorch defines on complex numbers. The real kernels hand complex dtypes here
// (complex_kernels.h); what is not here fails with the public op's name.
#include "kernels/cpu/complex_kernels.h"

#include <algorithm>
#include <cmath>
#include <complex>
#include <limits>
#include <type_traits>
#include <vector>

#include "kernels/complex_math.h"
#include "kernels/cpu/loops.h"

namespace tg::kernels::cpu {
namespace {

template <class T>
void map(UnaryOp op, const Loop& loop, T* o, const T* x) {
  switch (op) {
#define TG_COMPLEX_MAP(Name) \
  case UnaryOp::Name:        \
    return unary_loop(loop, o, x, [](T z) { return complex_unary_value<UnaryOp::Name>(z); });
    TG_COMPLEX_UNARY_OPS(TG_COMPLEX_MAP)
#undef TG_COMPLEX_MAP
    default:
      fail_dtype(dtype_of<T>);
  }
}

// logaddexp of complex numbers as PyTorch's: hi + log1p(exp(lo - hi)), hi the operand of the
// larger real part; where both real parts are the same infinity, -inf gives lo (its exp is 0
// whatever the phase) and +inf log(exp(lo) + exp(hi)); a NaN part anywhere gives NaN.
template <class C>
C complex_logaddexp(C a, C b) {
  using R = typename C::value_type;
  if (std::isnan(a.real()) || std::isnan(a.imag()) || std::isnan(b.real()) || std::isnan(b.imag()))
    return C(std::numeric_limits<R>::quiet_NaN(), std::numeric_limits<R>::quiet_NaN());
  const bool a_higher = a.real() >= b.real();
  const C hi = a_higher ? a : b, lo = a_higher ? b : a;
  if (std::isinf(lo.real()) && lo.real() == hi.real())
    return lo.real() < 0 ? lo : std::log(std::exp(lo) + std::exp(hi));
  return log1p_complex(std::exp(lo - hi)) + hi;
}

}  // namespace

void complex_unary(UnaryOp op, DType dtype, const Loop& loop, void* out, const void* in) {
  dispatch_complex(dtype, [&]<class T>() {
    const T* x = static_cast<const T*>(in);
    if (op == UnaryOp::Abs)  // the magnitude, into a real tensor
      return unary_loop(loop, static_cast<typename T::value_type*>(out), x, [](T z) { return complex_abs(z); });
    map(op, loop, static_cast<T*>(out), x);
  });
}

void complex_binary(BinaryOp op, DType dtype, const Loop& loop, void* out, const void* a, const void* b,
                    const Scalar& alpha) {
  dispatch_complex(dtype, [&]<class T>() {
    T* o = static_cast<T*>(out);
    const T *x = static_cast<const T*>(a), *y = static_cast<const T*>(b);
    const T s = alpha.to<T>();
    const bool unit = s == T(1);
    switch (op) {
      case BinaryOp::Add:
        if (unit) return binary_loop(loop, o, x, y, [](T p, T q) { return p + q; });
        return binary_loop(loop, o, x, y, [s](T p, T q) { return p + cmul(s, q); });
      case BinaryOp::Sub:
        if (unit) return binary_loop(loop, o, x, y, [](T p, T q) { return p - q; });
        return binary_loop(loop, o, x, y, [s](T p, T q) { return p - cmul(s, q); });
      case BinaryOp::Mul:
        return binary_loop(loop, o, x, y, [](T p, T q) { return cmul(p, q); });
      case BinaryOp::Div:
        return binary_loop(loop, o, x, y, [](T p, T q) { return cdiv(p, q); });
      case BinaryOp::Pow:
        return binary_loop(loop, o, x, y, [](T p, T q) { return pow_complex(p, q); });
      default:
        fail_dtype(dtype);
    }
  });
}

void complex_compare(CompareOp op, DType dtype, const Loop& loop, void* out, const void* a, const void* b) {
  dispatch_complex(dtype, [&]<class T>() {
    auto* o = static_cast<uint8_t*>(out);
    const T *x = static_cast<const T*>(a), *y = static_cast<const T*>(b);
    auto run = [&](auto f) { binary_loop(loop, o, x, y, [f](T p, T q) { return static_cast<uint8_t>(f(p, q)); }); };
    switch (op) {
      case CompareOp::Eq:
        return run([](T p, T q) { return p == q; });
      case CompareOp::Ne:
        return run([](T p, T q) { return p != q; });
      case CompareOp::LogicalAnd:
        return run([](T p, T q) { return p != T(0) && q != T(0); });
      case CompareOp::LogicalOr:
        return run([](T p, T q) { return p != T(0) || q != T(0); });
      case CompareOp::LogicalXor:
        return run([](T p, T q) { return (p != T(0)) != (q != T(0)); });
      default:
        fail_dtype(dtype);  // complex numbers have no order
    }
  });
}

void complex_classify(ClassifyOp op, DType dtype, const Loop& loop, void* out, const void* in) {
  dispatch_complex(dtype, [&]<class T>() {
    auto* o = static_cast<uint8_t*>(out);
    const T* x = static_cast<const T*>(in);
    auto run = [&](auto f) { unary_loop(loop, o, x, [f](T z) { return static_cast<uint8_t>(f(z)); }); };
    switch (op) {
      case ClassifyOp::IsNan:
        return run([](T z) { return std::isnan(z.real()) || std::isnan(z.imag()); });
      case ClassifyOp::IsInf:
        return run([](T z) { return std::isinf(z.real()) || std::isinf(z.imag()); });
      case ClassifyOp::IsFinite:
        return run([](T z) { return std::isfinite(z.real()) && std::isfinite(z.imag()); });
      case ClassifyOp::LogicalNot:
        return run([](T z) { return z == T(0); });
    }
  });
}

namespace {

// Offset of the i-th kept or reduced position (row-major over `sizes`).
int64_t position_offset(int64_t i, int n, const int64_t* sizes, const int64_t* strides) {
  int64_t off = 0;
  for (int d = n - 1; d >= 0; --d) {
    off += i % sizes[d] * strides[d];
    i /= sizes[d];
  }
  return off;
}

// A sum whose innermost kept dim is contiguous and whose reduced dims are not (x.sum(0) of
// [rows, cols]): each reduced row adds a contiguous block of columns into running sums, where
// one result at a time strode down a column (0.26x PyTorch's speed).
template <class T>
void sum_complex_columns(const ReduceGeometry& g, T* out, const T* x) {
  using V = typename T::value_type;
  const int64_t cols = g.kept_sizes[g.n_kept - 1];
  constexpr int64_t kWidth = 256;  // complex columns per block: the sums stay in L1
  const int64_t grain = std::max<int64_t>(32, kGrain / std::max<int64_t>(1, g.reduced_numel));
  std::vector<int64_t> rows(static_cast<size_t>(g.reduced_numel));
  for (int64_t r = 0; r < g.reduced_numel; ++r)
    rows[static_cast<size_t>(r)] = position_offset(r, g.n_reduced, g.reduced_sizes, g.reduced_strides);
  parallel_for(0, g.kept_numel, grain, [&](int64_t b, int64_t e) {
    double sums[2 * kWidth];
    for (int64_t pos = b; pos < e;) {
      const int64_t len = std::min({cols - pos % cols, e - pos, kWidth});
      const T* base = x + position_offset(pos / cols, g.n_kept - 1, g.kept_sizes, g.kept_strides) + pos % cols;
      std::fill(sums, sums + 2 * len, 0.0);
      // Four rows per pass over the sums: a quarter of the loads and stores of the sums.
      size_t r = 0;
      for (; r + 4 <= rows.size(); r += 4) {
        const V* p0 = reinterpret_cast<const V*>(base + rows[r]);
        const V* p1 = reinterpret_cast<const V*>(base + rows[r + 1]);
        const V* p2 = reinterpret_cast<const V*>(base + rows[r + 2]);
        const V* p3 = reinterpret_cast<const V*>(base + rows[r + 3]);
        for (int64_t j = 0; j < 2 * len; ++j)
          sums[j] += (static_cast<double>(p0[j]) + static_cast<double>(p1[j])) +
                     (static_cast<double>(p2[j]) + static_cast<double>(p3[j]));
      }
      for (; r < rows.size(); ++r) {
        const V* parts = reinterpret_cast<const V*>(base + rows[r]);
        for (int64_t j = 0; j < 2 * len; ++j) sums[j] += static_cast<double>(parts[j]);
      }
      for (int64_t j = 0; j < len; ++j) out[pos + j] = T(static_cast<V>(sums[2 * j]), static_cast<V>(sums[2 * j + 1]));
      pos += len;
    }
  });
}

// The parts of a contiguous run of n complex numbers summed, in 16 running sums (the even ones
// real) so that the adds do not wait on each other (one chain per part ran at 0.44x PyTorch).
// With AVX2, complex64 runs go by blocks of 64 numbers summed in float (four vectors of sums,
// the blocks independent of each other) and each block's sum added in double: as fast as the
// loads. Converting every element to double first ran at 0.53x PyTorch.
template <class V>
void sum_parts(const V* parts, int64_t n, double& re, double& im) {
  constexpr int64_t kSums = 16;
  double sums[kSums] = {};
  int64_t t = 0;
#ifdef __AVX2__
  if constexpr (std::is_same_v<V, float>) {
    constexpr int64_t kBlock = 64;
    __m256d lo = _mm256_setzero_pd(), hi = _mm256_setzero_pd();  // (re, im, re, im) in double
    for (; t + kBlock <= n; t += kBlock) {
      const float* p = parts + 2 * t;
      __m256 s0 = _mm256_loadu_ps(p), s1 = _mm256_loadu_ps(p + 8);
      __m256 s2 = _mm256_loadu_ps(p + 16), s3 = _mm256_loadu_ps(p + 24);
      for (int64_t i = 32; i < 2 * kBlock; i += 32) {
        s0 = _mm256_add_ps(s0, _mm256_loadu_ps(p + i));
        s1 = _mm256_add_ps(s1, _mm256_loadu_ps(p + i + 8));
        s2 = _mm256_add_ps(s2, _mm256_loadu_ps(p + i + 16));
        s3 = _mm256_add_ps(s3, _mm256_loadu_ps(p + i + 24));
      }
      const __m256 block = _mm256_add_ps(_mm256_add_ps(s0, s1), _mm256_add_ps(s2, s3));
      lo = _mm256_add_pd(lo, _mm256_cvtps_pd(_mm256_castps256_ps128(block)));
      hi = _mm256_add_pd(hi, _mm256_cvtps_pd(_mm256_extractf128_ps(block, 1)));
    }
    alignas(32) double folded[4];
    _mm256_store_pd(folded, _mm256_add_pd(lo, hi));
    sums[0] = folded[0] + folded[2];
    sums[1] = folded[1] + folded[3];
  }
#endif
  for (; t + kSums / 2 <= n; t += kSums / 2)
    for (int64_t j = 0; j < kSums; ++j) sums[j] += static_cast<double>(parts[2 * t + j]);
  for (int64_t j = 0; j < kSums; j += 2) re += sums[j], im += sums[j + 1];
  for (; t < n; ++t) {
    re += static_cast<double>(parts[2 * t]);
    im += static_cast<double>(parts[2 * t + 1]);
  }
}

// A whole contiguous tensor summed to one number: the run split between the threads (one thread
// ran at 0.43x PyTorch's speed), the partial sums added in thread order.
template <class T>
T sum_complex_run(const T* x, int64_t n) {
  using V = typename T::value_type;
  std::vector<std::complex<double>> partial(static_cast<size_t>(num_threads()));
  parallel_for(0, n, kGrain, [&](int64_t b, int64_t e) {
    double re = 0, im = 0;
    sum_parts(reinterpret_cast<const V*>(x + b), e - b, re, im);
    partial[static_cast<size_t>(omp_in_parallel() ? omp_get_thread_num() : 0)] = {re, im};
  });
  std::complex<double> total = 0;
  for (const auto& p : partial) total += p;
  return T(static_cast<V>(total.real()), static_cast<V>(total.imag()));
}

}  // namespace

void complex_reduce(ReduceOp op, DType in_dtype, DType out_dtype, const ReduceGeometry& g, void* out, const void* in) {
  const bool truth = op == ReduceOp::All || op == ReduceOp::Any;  // of the non-zero test, into bools
  if (!(truth || op == ReduceOp::Sum || op == ReduceOp::Prod) || (!truth && out_dtype != in_dtype))
    fail_dtype(in_dtype);
  const bool inner_contiguous_run = g.n_reduced == 1 && g.reduced_strides[0] == 1;
  if (op == ReduceOp::Sum && g.kept_numel == 1 && inner_contiguous_run) {
    return dispatch_complex(in_dtype, [&]<class T>() {
      static_cast<T*>(out)[0] = sum_complex_run(static_cast<const T*>(in), g.reduced_numel);
    });
  }
  if (op == ReduceOp::Sum && g.n_kept > 0 && g.n_reduced > 0 && g.kept_strides[g.n_kept - 1] == 1 &&
      !inner_contiguous_run) {
    return dispatch_complex(
        in_dtype, [&]<class T>() { sum_complex_columns(g, static_cast<T*>(out), static_cast<const T*>(in)); });
  }
  dispatch_complex(in_dtype, [&]<class T>() {
    // Sums of complex64 accumulate in complex128, as the float32 sums keep extra precision.
    using Acc = std::complex<double>;
    const T* x = static_cast<const T*>(in);
    parallel_for(0, g.kept_numel, std::max<int64_t>(1, kGrain / std::max<int64_t>(1, g.reduced_numel)),
                 [&](int64_t begin, int64_t end) {
                   for (int64_t k = begin; k < end; ++k) {
                     int64_t base = 0, rem = k;
                     for (int d = g.n_kept - 1; d >= 0; --d) {
                       base += rem % g.kept_sizes[d] * g.kept_strides[d];
                       rem /= g.kept_sizes[d];
                     }
                     Acc acc = op == ReduceOp::Prod ? Acc(1) : Acc(0);
                     bool all = true, any = false;
                     if (op == ReduceOp::Sum && g.n_reduced > 0) {
                       // Runs along the innermost reduced dim, the parts summed apart (vector loops).
                       const int d_in = g.n_reduced - 1;
                       const int64_t run = g.reduced_sizes[d_in], step = g.reduced_strides[d_in];
                       double re = 0, im = 0;
                       for (int64_t r0 = 0; r0 < g.reduced_numel; r0 += run) {
                         int64_t off = base, q = r0 / run;
                         for (int d = d_in - 1; d >= 0; --d) {
                           off += q % g.reduced_sizes[d] * g.reduced_strides[d];
                           q /= g.reduced_sizes[d];
                         }
                         const auto* parts = reinterpret_cast<const typename T::value_type*>(x + off);
                         if (step == 1) {
                           sum_parts(parts, run, re, im);
                           continue;
                         }
                         for (int64_t t = 0; t < run; ++t) {
                           re += static_cast<double>(parts[2 * t * step]);
                           im += static_cast<double>(parts[2 * t * step + 1]);
                         }
                       }
                       static_cast<T*>(out)[k] =
                           T(static_cast<typename T::value_type>(re), static_cast<typename T::value_type>(im));
                       continue;
                     }
                     for (int64_t r = 0; r < g.reduced_numel; ++r) {
                       int64_t off = base, q = r;
                       for (int d = g.n_reduced - 1; d >= 0; --d) {
                         off += q % g.reduced_sizes[d] * g.reduced_strides[d];
                         q /= g.reduced_sizes[d];
                       }
                       const Acc v(x[off]);
                       if (truth) {
                         all = all && v != Acc(0);
                         any = any || v != Acc(0);
                       } else {
                         acc = op == ReduceOp::Sum ? acc + v : cmul(acc, v);
                       }
                     }
                     if (truth)
                       static_cast<bool*>(out)[k] = op == ReduceOp::All ? all : any;
                     else
                       static_cast<T*>(out)[k] = T(acc);
                   }
                 });
  });
}

void complex_ternary(TernaryOp op, DType dtype, const Loop& loop, void* out, const void* a, const void* b,
                     const void* c, const Scalar& value) {
  dispatch_complex(dtype, [&]<class T>() {
    T* o = static_cast<T*>(out);
    const T *x = static_cast<const T*>(a), *y = static_cast<const T*>(b), *z = static_cast<const T*>(c);
    const T s = value.to<T>();
    switch (op) {
      case TernaryOp::AddCMul:
        return ternary_loop(loop, o, x, y, z,
                            [s](T p, T q, T r) { return complex_ternary_value<TernaryOp::AddCMul>(p, q, r, s); });
      case TernaryOp::AddCDiv:
        return ternary_loop(loop, o, x, y, z,
                            [s](T p, T q, T r) { return complex_ternary_value<TernaryOp::AddCDiv>(p, q, r, s); });
      case TernaryOp::Lerp:
        return ternary_loop(loop, o, x, y, z,
                            [s](T p, T q, T r) { return complex_ternary_value<TernaryOp::Lerp>(p, q, r, s); });
      default:
        fail_dtype(dtype);
    }
  });
}

void complex_scan(ScanOp op, DType dtype, const DimGeometry& g, void* out, const void* in) {
  if (op == ScanOp::Max || op == ScanOp::Min) fail_dtype(dtype);
  dispatch_complex(dtype, [&]<class T>() {
    // complex64 runs in complex128, as the float32 scans run in double.
    using Acc = std::complex<double>;
    const T* x = static_cast<const T*>(in);
    T* y = static_cast<T*>(out);
    parallel_for(0, g.outer * g.inner, std::max<int64_t>(1, kGrain / std::max<int64_t>(1, g.size)),
                 [&](int64_t b, int64_t e) {
                   for (int64_t p = b; p < e; ++p) {
                     const int64_t o = p / g.inner, i = p % g.inner;
                     const T* xs = x + o * g.in_outer_stride + i * g.in_inner_stride;
                     T* ys = y + o * g.out_outer_stride + i * g.out_inner_stride;
                     Acc acc = op == ScanOp::Prod ? Acc(1) : Acc(0);
                     for (int64_t k = 0; k < g.size; ++k) {
                       const Acc v(xs[k * g.in_dim_stride]);
                       if (op == ScanOp::LogSumExp) {
                         acc = k == 0 ? v : complex_logaddexp(acc, v);
                       } else {
                         acc = op == ScanOp::Sum ? acc + v : cmul(acc, v);
                       }
                       ys[k * g.out_dim_stride] = T(acc);
                     }
                   }
                 });
  });
}

}  // namespace tg::kernels::cpu
