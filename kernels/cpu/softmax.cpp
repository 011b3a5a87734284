// softmax / log_softmax along one dim, max-subtracted for stability; cross entropy of rows of
// logits against class indices (log_softmax and nll_loss in one visit of each row, and the
// backward as softmax minus the smoothed one-hot target).
#include <atomic>
#include <cmath>
#include <limits>

#include "kernels/cpu/cpu_kernels.h"
#include "kernels/cpu/loops.h"
#include "kernels/cpu/vec_math.h"

namespace tg::kernels::cpu {
namespace {

// A contiguous row of float or double: vector max, exp and sums.
template <class T>
void softmax_row(bool log, const T* x, T* y, int64_t n) {
  const T mx = max_run(x, n);
  // A row of -inf stays -inf / 0 rather than turning into NaN through inf - inf.
  const T shift = std::isinf(mx) && mx < 0 ? T(0) : mx;
  if (log) {
    const T off = shift + std::log(exp_shifted_run<false>(x, shift, static_cast<T*>(nullptr), n));
#pragma omp simd
    for (int64_t k = 0; k < n; ++k) y[k] = x[k] - off;
  } else {
    const T inv = T(1) / exp_shifted_run<true>(x, shift, y, n);
#pragma omp simd
    for (int64_t k = 0; k < n; ++k) y[k] *= inv;
  }
}

}  // namespace

void softmax(DType dtype, bool log, const DimGeometry& g, void* out, const void* in) {
  dispatch_floating(dtype, [&]<class T>() {
    using A = acc_t<T>;
    const T* x = static_cast<const T*>(in);
    T* y = static_cast<T*>(out);
    const int64_t rows = g.outer * g.inner;
    parallel_for(0, rows, std::max<int64_t>(1, kGrain / std::max<int64_t>(1, g.size)), [&](int64_t b, int64_t e) {
      for (int64_t r = b; r < e; ++r) {
        const int64_t o = r / g.inner, i = r % g.inner;
        const T* xs = x + o * g.in_outer_stride + i * g.in_inner_stride;
        T* ys = y + o * g.out_outer_stride + i * g.out_inner_stride;
        const int64_t sx = g.in_dim_stride, sy = g.out_dim_stride;
        if constexpr (std::is_same_v<T, A>) {
          if (sx == 1 && sy == 1) {
            softmax_row(log, xs, ys, g.size);
            continue;
          }
        }
        A mx = -std::numeric_limits<A>::infinity();
        for (int64_t k = 0; k < g.size; ++k) {
          const A v = A(xs[k * sx]);
          if (v > mx || v != v) mx = v;
        }
        // A row of -inf stays -inf / 0 rather than turning into NaN through inf - inf.
        const A shift = std::isinf(mx) && mx < 0 ? A(0) : mx;
        A sum = 0;
        for (int64_t k = 0; k < g.size; ++k) sum += std::exp(A(xs[k * sx]) - shift);
        if (log) {
          const A lse = std::log(sum);
          for (int64_t k = 0; k < g.size; ++k) ys[k * sy] = static_cast<T>(A(xs[k * sx]) - shift - lse);
        } else {
          const A inv = A(1) / sum;
          for (int64_t k = 0; k < g.size; ++k) ys[k * sy] = static_cast<T>(std::exp(A(xs[k * sx]) - shift) * inv);
        }
      }
    });
  });
}

namespace {

// Rows shorter than this are mostly a vector's tail on their own: the cross-entropy kernels
// work on blocks of them (up to kBlockElements) as one run, so that exp and log take whole
// vectors across rows. A segmentation loss's 21 classes run 3x faster so.
constexpr int64_t kShortRow = 64, kBlockElements = 2048;

// Log-sum-exp of m contiguous rows of C (max-shifted; a row of -inf gets -inf).
template <class T>
void rows_lse(const T* x, int64_t m, int64_t C, T* lse) {
  auto shift_of = [C](const T* xr) {
    const T mx = max_run(xr, C);
    return std::isinf(mx) && mx < 0 ? T(0) : mx;
  };
  if (C >= kShortRow) {
    for (int64_t r = 0; r < m; ++r) {
      const T* xr = x + r * C;
      const T shift = shift_of(xr);
      lse[r] = shift + std::log(exp_shifted_run<false>(xr, shift, static_cast<T*>(nullptr), C));
    }
    return;
  }
  T buf[kBlockElements], sums[kBlockElements];
  const int64_t block = kBlockElements / std::max<int64_t>(1, C);
  for (int64_t b = 0; b < m; b += block) {
    const int64_t k = std::min(block, m - b);
    for (int64_t j = 0; j < k; ++j) {
      const T* xr = x + (b + j) * C;
      const T shift = shift_of(xr);
      lse[b + j] = shift;
      for (int64_t c = 0; c < C; ++c) buf[j * C + c] = xr[c] - shift;
    }
    vector_map<VectorFn::Exp>(buf, buf, k * C, [](T v) { return std::exp(v); });
    for (int64_t j = 0; j < k; ++j) sums[j] = sum_run(buf + j * C, C);
    vector_map<VectorFn::Log>(sums, sums, k, [](T v) { return std::log(v); });
    for (int64_t j = 0; j < k; ++j) lse[b + j] += sums[j];
  }
}

template <class T>
int64_t cross_entropy_impl(const CrossEntropyParams& p, const T* x, T* loss, T* lse_out, T* row_weight) {
  const T* w = static_cast<const T*>(p.weight);
  const int64_t C = p.classes;
  const T keep = T(1 - p.smoothing), spread = T(p.smoothing / static_cast<double>(C));
  T wsum = 0;  // sum of the class weights, for the smoothing term
  if (p.smoothing > 0) {
    for (int64_t c = 0; c < C; ++c) wsum += w ? w[c] : T(1);
  }
  std::atomic<int64_t> bad{-1};
  parallel_for(0, p.rows, std::max<int64_t>(1, kGrain / std::max<int64_t>(1, C)), [&](int64_t lo, int64_t hi) {
  rows_lse(x + lo * C, hi - lo, C, lse_out + lo);
  for (int64_t r = lo; r < hi; ++r) {
    const T* xr = x + r * C;
    const int64_t t = p.target[r];
    if (t == p.ignore_index) {
      loss[r] = 0;
      lse_out[r] = 0;
      row_weight[r] = 0;
      continue;
    }
    if (t < 0 || t >= C) {
      int64_t seen = bad.load();
      while ((seen < 0 || r < seen) && !bad.compare_exchange_weak(seen, r)) {
      }
      continue;
    }
    const T lse = lse_out[r];
    const T wt = w ? w[t] : T(1);
    T l = keep * wt * (lse - xr[t]);
    if (p.smoothing > 0) {
      T wx = 0;
      if (w) {
#pragma omp simd reduction(+ : wx)
        for (int64_t c = 0; c < C; ++c) wx += w[c] * xr[c];
      } else {
        wx = sum_run(xr, C);
      }
      l += spread * (wsum * lse - wx);
    }
    loss[r] = l;
    row_weight[r] = wt;
  }
  });
  return bad.load();
}

template <class T>
void cross_entropy_backward_impl(const CrossEntropyParams& p, const T* x, const T* lse, const T* g,
                                 int64_t grad_stride, T* dx) {
  const T* w = static_cast<const T*>(p.weight);
  const int64_t C = p.classes;
  const T keep = T(1 - p.smoothing), spread = T(p.smoothing / static_cast<double>(C));
  T wsum = 0;
  for (int64_t c = 0; c < C; ++c) wsum += w ? w[c] : T(1);
  parallel_for(0, p.rows, std::max<int64_t>(1, kGrain / std::max<int64_t>(1, C)), [&](int64_t lo, int64_t hi) {
    const bool short_rows = C < kShortRow;
    if (short_rows) {  // the softmax of all the chunk's rows as one run (see kShortRow)
      for (int64_t r = lo; r < hi; ++r)
        for (int64_t c = 0; c < C; ++c) dx[r * C + c] = x[r * C + c] - lse[r];
      vector_map<VectorFn::Exp>(dx + lo * C, dx + lo * C, (hi - lo) * C, [](T v) { return std::exp(v); });
    }
    for (int64_t r = lo; r < hi; ++r) {
      const T* xr = x + r * C;
      T* dr = dx + r * C;
      const int64_t t = p.target[r];
      if (t == p.ignore_index) {
        std::fill(dr, dr + C, T(0));
        continue;
      }
      const T gr = g[r * grad_stride], l = lse[r];
      // d/dx_c of w_t (lse - x_t) is w_t (p_c - [c == t]); of sum_k w_k (lse - x_k), W p_c - w_c.
      const T a = gr * (keep * (w ? w[t] : T(1)) + spread * wsum), sp = gr * spread;
      if (!short_rows) exp_shifted_run<true>(xr, l, dr, C);
      if (w) {
#pragma omp simd
        for (int64_t c = 0; c < C; ++c) dr[c] = a * dr[c] - sp * w[c];
      } else {
#pragma omp simd
        for (int64_t c = 0; c < C; ++c) dr[c] = a * dr[c] - sp;
      }
      dr[t] -= gr * keep * (w ? w[t] : T(1));
    }
  });
}

}  // namespace

int64_t cross_entropy(DType dtype, const CrossEntropyParams& p, const void* logits, void* loss, void* lse,
                      void* row_weight) {
  return dispatch_single_double(dtype, [&]<class T>() {
    return cross_entropy_impl<T>(p, static_cast<const T*>(logits), static_cast<T*>(loss), static_cast<T*>(lse),
                                 static_cast<T*>(row_weight));
  });
}

void cross_entropy_backward(DType dtype, const CrossEntropyParams& p, const void* logits, const void* lse,
                            const void* grad_loss, int64_t grad_stride, void* dx) {
  dispatch_single_double(dtype, [&]<class T>() {
    cross_entropy_backward_impl<T>(p, static_cast<const T*>(logits), static_cast<const T*>(lse),
                                   static_cast<const T*>(grad_loss), grad_stride, static_cast<T*>(dx));
  });
}

}  // namespace tg::kernels::cpu
