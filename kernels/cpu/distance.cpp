// cdist / pdist on the CPU. x2 is transposed first (its rows padded to a whole number of vector
// blocks), so that one row of x1 meets a block of x2's rows one coordinate at a time: the inner
// loop runs over contiguous j with no horizontal sum per pair, whatever the number of columns
// (3-D points as well as 1024-wide features). The backward has the same shape, with the
// gradient and distance of each pair gathered per row of x1 first.
#include <algorithm>
#include <type_traits>
#include <vector>

#include "kernels/cpu/cpu_kernels.h"
#include "kernels/cpu/loops.h"
#include "kernels/distance_math.h"

namespace tg::kernels::cpu {
namespace {

using distance_math::Norm;

// x2 [rows, cols] as [cols, padded] with zeros past rows.
template <class T>
void transpose_padded(const T* x, int64_t rows, int64_t cols, int64_t padded, T* out) {
  std::fill(out, out + cols * padded, T(0));
  for (int64_t j = 0; j < rows; ++j)
    for (int64_t k = 0; k < cols; ++k) out[k * padded + j] = x[j * cols + k];
}

template <class T>
constexpr int64_t kBlock = 256 / sizeof(T);  // eight AVX2 vectors of accumulators

template <class T>
int64_t padded_rows(int64_t rows) {
  return (rows + kBlock<T> - 1) / kBlock<T> * kBlock<T>;
}

// Rows of x1 per thread at least: a row costs rows2 * cols terms.
inline int64_t row_grain(int64_t rows2, int64_t cols) {
  return std::max<int64_t>(1, kGrain / std::max<int64_t>(1, rows2 * cols));
}

// Calls fn(i) for each row in [lo, hi) of `rows`; with pairs, rows q and rows - 1 - q together, so
// that equal chunks of q carry equal numbers of pairs.
template <class F>
void for_rows(int64_t rows, bool pairs, int64_t grain, F&& fn) {
  const int64_t count = pairs ? (rows + 1) / 2 : rows;
  parallel_for(0, count, grain, [&](int64_t lo, int64_t hi) {
    for (int64_t q = lo; q < hi; ++q) {
      fn(q);
      if (pairs && rows - 1 - q != q) fn(rows - 1 - q);
    }
  });
}

using Float32x8 = float __attribute__((vector_size(32)));
using Float64x4 = double __attribute__((vector_size(32)));
using Int32x8 = int32_t __attribute__((vector_size(32)));
using Int64x4 = int64_t __attribute__((vector_size(32)));

// acc[jj] = the combined terms of row v (m coordinates) against the kBlock columns of xt (rows
// of x2) from col. For p = 2 and 1, GCC vectors that stay in registers across the coordinates
// (as an array under `omp simd`, GCC unrolled the loop and kept the sums on the stack).
template <class T, Norm N>
void block_terms(const T* v, const T* col, int64_t m, int64_t padded, T p, T* acc) {
  constexpr int64_t B = kBlock<T>;
  if constexpr (N == Norm::Two || N == Norm::One) {
    using Vec = std::conditional_t<std::is_same_v<T, float>, Float32x8, Float64x4>;
    using Bits = std::conditional_t<std::is_same_v<T, float>, Int32x8, Int64x4>;
    constexpr int64_t kLanes = 32 / sizeof(T), W = B / kLanes;
    Vec s[W] = {};
    for (int64_t k = 0; k < m; ++k, col += padded) {
      const Vec a = v[k] - Vec{};  // (v[k] in every lane, -0.0 kept)
#pragma GCC unroll 8
      for (int64_t w = 0; w < W; ++w) {
        Vec c;
        __builtin_memcpy(&c, col + w * kLanes, sizeof(Vec));
        const Vec d = a - c;
        if constexpr (N == Norm::Two)
          s[w] += d * d;
        else  // |d|: the sign bit cleared
          s[w] += reinterpret_cast<Vec>(reinterpret_cast<Bits>(d) & ~reinterpret_cast<Bits>(-Vec{}));
      }
    }
    __builtin_memcpy(acc, s, sizeof(s));
  } else {
    std::fill(acc, acc + B, T(0));
    for (int64_t k = 0; k < m; ++k, col += padded) {
      const T a = v[k];
#pragma omp simd
      for (int64_t jj = 0; jj < B; ++jj)
        acc[jj] = distance_math::combine<N>(acc[jj], distance_math::term<N>(a - col[jj], p));
    }
  }
}

template <class T, Norm N>
void forward_impl(const DistanceGeometry& g, T* out, const T* x1, const T* x2) {
  constexpr int64_t B = kBlock<T>;
  const int64_t r1 = g.rows1, r2 = g.rows2, m = g.cols, padded = padded_rows<T>(r2);
  const T p = static_cast<T>(g.p);
  std::vector<T> xt(static_cast<size_t>(m * padded));
  for (int64_t b = 0; b < g.batch; ++b) {
    const T* a = x1 + b * r1 * m;
    transpose_padded(x2 + b * r2 * m, r2, m, padded, xt.data());
    T* o = out + b * r1 * r2;
    for_rows(r1, g.pairs, row_grain(r2, m), [&](int64_t i) {
      const T* ai = a + i * m;
      // pdist: row i's pairs (i, j > i) are contiguous, from pair_index(i, i + 1).
      T* oi = g.pairs ? o + distance_math::pair_index(i, i + 1, r1) - (i + 1) : o + i * r2;
      for (int64_t j0 = g.pairs ? (i + 1) / B * B : 0; j0 < r2; j0 += B) {
        T acc[B];
        block_terms<T, N>(ai, xt.data() + j0, m, padded, p, acc);
        const int64_t first = g.pairs ? std::max(j0, i + 1) : j0, last = std::min(j0 + B, r2);
        for (int64_t j = first; j < last; ++j) oi[j] = distance_math::finish<N>(acc[j - j0], p);
      }
    });
  }
}

// Row i's gradient as a sum over j of grad_ij times slope(x1_i - x2_j), coordinates innermost
// (x2 read in its own layout): each row of x2 updates m running sums that stay in L1, where a
// sum over j per coordinate was one chain of dependent adds (4x slower). p = 2 folds 1 / dist
// into the gradient first, leaving a multiply-add per term, and takes four rows of x2 at a time.
template <class T, Norm N>
void backward_impl(const DistanceGeometry& g, T* gx1, const T* grad, const T* x1, const T* x2, const T* dist) {
  const int64_t r1 = g.rows1, r2 = g.rows2, m = g.cols;
  const T p = static_cast<T>(g.p);
  for (int64_t b = 0; b < g.batch; ++b) {
    const T* gb = grad + b * r1 * r2;
    const T* db = dist + b * r1 * r2;
    const T* x2b = x2 + b * r2 * m;
    parallel_for(0, r1, row_grain(r2, m), [&](int64_t lo, int64_t hi) {
      std::vector<T> gr(static_cast<size_t>(r2)), dr(static_cast<size_t>(r2));
      for (int64_t i = lo; i < hi; ++i) {
        // This row's gradients and distances (with pairs, zero at j == i).
        for (int64_t j = 0; j < r2; ++j) {
          const int64_t at = !g.pairs ? i * r2 + j
                             : j < i  ? distance_math::pair_index(j, i, r1)
                                      : distance_math::pair_index(i, j, r1);
          const bool self = g.pairs && j == i;
          gr[j] = self ? T(0) : gb[at];
          dr[j] = self ? T(0) : db[at];
          if constexpr (N == Norm::Two) gr[j] = dr[j] == T(0) ? T(0) : gr[j] / dr[j];
        }
        const T* ai = x1 + (b * r1 + i) * m;
        T* gi = gx1 + (b * r1 + i) * m;
        std::fill(gi, gi + m, T(0));
        if constexpr (N == Norm::Zero) continue;
        int64_t j = 0;
        if constexpr (N == Norm::Two) {  // four rows of x2 per visit of the running sums
          for (; j + 4 <= r2; j += 4) {
            const T *c0 = x2b + j * m, *c1 = c0 + m, *c2 = c1 + m, *c3 = c2 + m;
            const T w0 = gr[j], w1 = gr[j + 1], w2 = gr[j + 2], w3 = gr[j + 3];
#pragma omp simd
            for (int64_t k = 0; k < m; ++k) {
              const T a = ai[k];
              gi[k] += w0 * (a - c0[k]) + w1 * (a - c1[k]) + w2 * (a - c2[k]) + w3 * (a - c3[k]);
            }
          }
        }
        for (; j < r2; ++j) {
          const T w = gr[j], d = dr[j];
          const T* cj = x2b + j * m;
          if constexpr (N == Norm::Two) {  // w is already grad / dist
#pragma omp simd
            for (int64_t k = 0; k < m; ++k) gi[k] += w * (ai[k] - cj[k]);
          } else {
#pragma omp simd
            for (int64_t k = 0; k < m; ++k) gi[k] += w * distance_math::slope<N>(ai[k] - cj[k], d, p);
          }
        }
      }
    });
  }
}

}  // namespace

void distance(DType dtype, const DistanceGeometry& g, void* out, const void* x1, const void* x2) {
  dispatch_single_double(dtype, [&]<class T>() {
    distance_math::with_norm(g.p, [&]<Norm N>() {
      forward_impl<T, N>(g, static_cast<T*>(out), static_cast<const T*>(x1), static_cast<const T*>(x2));
    });
  });
}

void distance_backward(DType dtype, const DistanceGeometry& g, void* gx1, const void* grad, const void* x1,
                       const void* x2, const void* dist) {
  dispatch_single_double(dtype, [&]<class T>() {
    distance_math::with_norm(g.p, [&]<Norm N>() {
      backward_impl<T, N>(g, static_cast<T*>(gx1), static_cast<const T*>(grad), static_cast<const T*>(x1),
                          static_cast<const T*>(x2), static_cast<const T*>(dist));
    });
  });
}

}  // namespace tg::kernels::cpu
