// softmax / log_softmax / logsumexp along one dim, max-subtracted for stability; cross entropy
// of rows of logits against class indices (log_softmax and nll_loss in one visit of each row,
// and the backward as softmax minus the smoothed one-hot target).
#include <atomic>
#include <cmath>
#include <limits>
#include <vector>

#include "kernels/cpu/cpu_kernels.h"
#include "kernels/cpu/float_blocks.h"
#include "kernels/cpu/loops.h"
#include "kernels/cpu/vec_math.h"

namespace tg::kernels::cpu {
namespace {

// The shift of a row whose max is mx: a row of -inf stays -inf / 0 rather than turning into NaN
// through inf - inf, and a log-sum-exp over +inf is +inf.
template <class A>
A shift_for(SoftmaxOp op, A mx) {
  return std::isinf(mx) && (mx < 0 || op == SoftmaxOp::LogSumExp) ? A(0) : mx;
}

// A contiguous row of float or double: vector max, exp and sums (log-sum-exp: one value, y[0]).
template <class T>
void softmax_row(SoftmaxOp op, const T* x, T* y, int64_t n) {
  const T shift = shift_for(op, max_run(x, n));
  if (op == SoftmaxOp::LogSumExp) {
    y[0] = shift + std::log(exp_shifted_run<false>(x, shift, static_cast<T*>(nullptr), n));
  } else if (op == SoftmaxOp::LogSoftmax) {
    const T off = shift + std::log(exp_shifted_run<false>(x, shift, static_cast<T*>(nullptr), n));
#pragma omp simd
    for (int64_t k = 0; k < n; ++k) y[k] = x[k] - off;
  } else {
    const T inv = T(1) / exp_shifted_run<true>(x, shift, y, n);
#pragma omp simd
    for (int64_t k = 0; k < n; ++k) y[k] *= inv;
  }
}

// Softmax along a dim that is not innermost (contiguous [outer, size, inner] data): `w` inner
// positions side by side, as vector lanes down the dim, so that every pass reads whole rows of
// memory instead of one element per cache line (softmax over dim 0 of [256, 1024]: 7x faster).
// Log-sum-exp writes y[0 .. w).
template <class T>
void softmax_columns(SoftmaxOp op, const T* x, T* y, int64_t size, int64_t inner, int64_t w, T* scratch) {
  const bool log = op != SoftmaxOp::Softmax;
  T* mx = scratch;
  T* sum = scratch + w;
  T* e = scratch + 2 * w;  // one row of exps
  for (int64_t j = 0; j < w; ++j) mx[j] = x[j];
  for (int64_t k = 1; k < size; ++k) {
    const T* xr = x + k * inner;
#pragma omp simd
    for (int64_t j = 0; j < w; ++j) mx[j] = (xr[j] > mx[j]) | (xr[j] != xr[j]) ? xr[j] : mx[j];
  }
  for (int64_t j = 0; j < w; ++j) {
    mx[j] = shift_for(op, mx[j]);
    sum[j] = 0;
  }
  for (int64_t k = 0; k < size; ++k) {
    const T* xr = x + k * inner;
    T* er = log ? e : y + k * inner;
#pragma omp simd
    for (int64_t j = 0; j < w; ++j) er[j] = xr[j] - mx[j];
    vector_map<VectorFn::Exp>(er, er, w, [](T v) { return std::exp(v); });
#pragma omp simd
    for (int64_t j = 0; j < w; ++j) sum[j] += er[j];
  }
  if (log) {
    vector_map<VectorFn::Log>(sum, sum, w, [](T v) { return std::log(v); });
    if (op == SoftmaxOp::LogSumExp) {
#pragma omp simd
      for (int64_t j = 0; j < w; ++j) y[j] = mx[j] + sum[j];
      return;
    }
    for (int64_t k = 0; k < size; ++k) {
      const T* xr = x + k * inner;
      T* yr = y + k * inner;
#pragma omp simd
      for (int64_t j = 0; j < w; ++j) yr[j] = xr[j] - mx[j] - sum[j];
    }
  } else {
    for (int64_t j = 0; j < w; ++j) sum[j] = T(1) / sum[j];
    for (int64_t k = 0; k < size; ++k) {
      T* yr = y + k * inner;
#pragma omp simd
      for (int64_t j = 0; j < w; ++j) yr[j] *= sum[j];
    }
  }
}

// Whether the columns path applies: the input laid out densely as [outer, size, inner], and the
// output too (a log-sum-exp's as [outer, inner]).
bool dense_columns(SoftmaxOp op, const DimGeometry& g) {
  if (op != SoftmaxOp::LogSumExp) return is_dense(g);
  return g.in_inner_stride == 1 && g.in_dim_stride == g.inner && g.in_outer_stride == g.size * g.inner &&
         g.out_inner_stride == 1 && g.out_outer_stride == g.inner;
}

}  // namespace

void softmax(DType dtype, SoftmaxOp op, const DimGeometry& g, void* out, const void* in) {
  const bool lse_only = op == SoftmaxOp::LogSumExp;
  dispatch_floating(dtype, [&]<class T>() {
    using A = acc_t<T>;
    const T* x = static_cast<const T*>(in);
    T* y = static_cast<T*>(out);
    if constexpr (std::is_same_v<T, A>) {
      if (dense_columns(op, g) && g.inner >= 8 && g.size > 0) {
        constexpr int64_t kWidth = 256;
        const int64_t chunks = (g.inner + kWidth - 1) / kWidth;
        parallel_for(0, g.outer * chunks, std::max<int64_t>(1, kGrain / (g.size * kWidth)), [&](int64_t b, int64_t e) {
          std::vector<T> scratch(3 * kWidth);
          for (int64_t t = b; t < e; ++t) {
            const int64_t o = t / chunks, j0 = (t % chunks) * kWidth, off = o * g.size * g.inner + j0;
            T* ys = y + (lse_only ? o * g.inner + j0 : off);
            softmax_columns(op, x + off, ys, g.size, g.inner, std::min(kWidth, g.inner - j0), scratch.data());
          }
        });
        return;
      }
    } else if constexpr (is_reduced_float_v<T>) {
      // The same on float copies of the 16-bit columns (a block of at most 64 Ki floats each
      // way): one element at a time down the columns took 12x PyTorch's time.
      constexpr int64_t kWidth = 64;
      if (dense_columns(op, g) && g.inner >= 8 && g.size > 0 && g.size <= 1024) {
        const int64_t chunks = (g.inner + kWidth - 1) / kWidth;
        parallel_for(0, g.outer * chunks, std::max<int64_t>(1, kGrain / (g.size * kWidth)), [&](int64_t b, int64_t e) {
          std::vector<float> scratch(3 * kWidth), xs(static_cast<size_t>(g.size * kWidth)), ys(xs.size());
          for (int64_t t = b; t < e; ++t) {
            const int64_t o = t / chunks, j0 = (t % chunks) * kWidth, off = o * g.size * g.inner + j0;
            const int64_t w = std::min(kWidth, g.inner - j0);
            for (int64_t k = 0; k < g.size; ++k) widen(x + off + k * g.inner, xs.data() + k * w, w);
            softmax_columns(op, xs.data(), ys.data(), g.size, w, w, scratch.data());
            if (lse_only)
              narrow(ys.data(), y + o * g.inner + j0, w);
            else
              for (int64_t k = 0; k < g.size; ++k) narrow(ys.data() + k * w, y + off + k * g.inner, w);
          }
        });
        return;
      }
    }
    const int64_t rows = g.outer * g.inner;
    parallel_for(0, rows, std::max<int64_t>(1, kGrain / std::max<int64_t>(1, g.size)), [&](int64_t b, int64_t e) {
      std::vector<float> widened;  // a 16-bit float row as float32, for the vector forms
      for (int64_t r = b; r < e; ++r) {
        const int64_t o = r / g.inner, i = r % g.inner;
        const T* xs = x + o * g.in_outer_stride + i * g.in_inner_stride;
        T* ys = y + o * g.out_outer_stride + i * g.out_inner_stride;
        const int64_t sx = g.in_dim_stride, sy = g.out_dim_stride;
        if constexpr (std::is_same_v<T, A>) {
          if (sx == 1 && (sy == 1 || lse_only)) {
            softmax_row(op, xs, ys, g.size);
            continue;
          }
        } else if constexpr (is_reduced_float_v<T>) {
          if (sx == 1 && (sy == 1 || lse_only)) {
            widened.resize(g.size);
            widen(xs, widened.data(), g.size);
            softmax_row(op, widened.data(), widened.data(), g.size);
            narrow(widened.data(), ys, lse_only ? 1 : g.size);
            continue;
          }
        }
        A mx = -std::numeric_limits<A>::infinity();
        for (int64_t k = 0; k < g.size; ++k) {
          const A v = A(xs[k * sx]);
          if (v > mx || v != v) mx = v;
        }
        const A shift = shift_for(op, mx);
        A sum = 0;
        for (int64_t k = 0; k < g.size; ++k) sum += std::exp(A(xs[k * sx]) - shift);
        if (lse_only) {
          ys[0] = static_cast<T>(shift + std::log(sum));
        } else if (op == SoftmaxOp::LogSoftmax) {
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

// The class weights (null: 1), the target's share 1 - s, each class's share s / C of the label
// smoothing s, and the weights' sum (the smoothing term's).
template <class T>
struct CrossEntropyTerms {
  const T* w;
  T keep, spread, wsum = 0;
  explicit CrossEntropyTerms(const CrossEntropyParams& p)
      : w(static_cast<const T*>(p.weight)),
        keep(T(1 - p.smoothing)),
        spread(T(p.smoothing / static_cast<double>(p.classes))) {
    for (int64_t c = 0; c < p.classes; ++c) wsum += w ? w[c] : T(1);
  }
};

// [N, C, d...] logits (a loss per position of a segmentation map): a sample's positions are
// contiguous within each class, so chunks of them run as vector lanes down the classes, with no
// horizontal sums and no copy into rows.
constexpr int64_t kPositionChunk = 256;

// Calls fn(sample, first position, count) for every chunk of positions, in parallel.
template <class F>
void for_each_position_chunk(const CrossEntropyParams& p, F&& fn) {
  const int64_t inner = p.inner, per_sample = (inner + kPositionChunk - 1) / kPositionChunk;
  const int64_t chunks = p.rows / inner * per_sample;
  parallel_for(0, chunks, std::max<int64_t>(1, kGrain / (kPositionChunk * std::max<int64_t>(1, p.classes))),
               [&](int64_t lo, int64_t hi) {
                 for (int64_t q = lo; q < hi; ++q) {
                   const int64_t i0 = q % per_sample * kPositionChunk;
                   fn(q / per_sample, i0, std::min(kPositionChunk, inner - i0));
                 }
               });
}

template <class T>
int64_t cross_entropy_positions(const CrossEntropyParams& p, const T* x, T* loss, T* lse_out, T* row_weight) {
  const int64_t C = p.classes, inner = p.inner;
  const auto [w, keep, spread, wsum] = CrossEntropyTerms<T>(p);
  std::atomic<int64_t> bad{-1};
  for_each_position_chunk(p, [&](int64_t s, int64_t i0, int64_t m) {
    T shift[kPositionChunk], sum[kPositionChunk], buf[kPositionChunk], wx[kPositionChunk];
    const T* xs = x + s * C * inner + i0;  // class c of position i at xs[c * inner + i]
    for (int64_t i = 0; i < m; ++i) shift[i] = -INFINITY;
    for (int64_t c = 0; c < C; ++c) {
      const T* xc = xs + c * inner;
#pragma omp simd
      for (int64_t i = 0; i < m; ++i) shift[i] = xc[i] > shift[i] ? xc[i] : shift[i];
    }
    for (int64_t i = 0; i < m; ++i) {
      shift[i] = std::isinf(shift[i]) && shift[i] < 0 ? T(0) : shift[i];
      sum[i] = wx[i] = 0;
    }
    for (int64_t c = 0; c < C; ++c) {
      const T* xc = xs + c * inner;
      for (int64_t i = 0; i < m; ++i) buf[i] = xc[i] - shift[i];
      vector_map<VectorFn::Exp>(buf, buf, m, [](T v) { return std::exp(v); });
#pragma omp simd
      for (int64_t i = 0; i < m; ++i) sum[i] += buf[i];
      if (p.smoothing > 0) {
        const T wc = w ? w[c] : T(1);
#pragma omp simd
        for (int64_t i = 0; i < m; ++i) wx[i] += wc * xc[i];
      }
    }
    vector_map<VectorFn::Log>(sum, sum, m, [](T v) { return std::log(v); });
    for (int64_t i = 0; i < m; ++i) {
      const int64_t r = s * inner + i0 + i, t = p.target[r];
      if (t == p.ignore_index || t < 0 || t >= C) {
        loss[r] = lse_out[r] = row_weight[r] = 0;
        if (t == p.ignore_index) continue;
        note_first_bad(bad, r);
        continue;
      }
      const T lse = shift[i] + sum[i], wt = w ? w[t] : T(1);
      T l = keep * wt * (lse - xs[t * inner + i]);
      if (p.smoothing > 0) l += spread * (wsum * lse - wx[i]);
      loss[r] = l;
      lse_out[r] = lse;
      row_weight[r] = wt;
    }
  });
  return bad.load();
}

template <class T>
void cross_entropy_backward_positions(const CrossEntropyParams& p, const T* x, const T* lse, const T* g,
                                      int64_t grad_stride, T* dx) {
  const int64_t C = p.classes, inner = p.inner;
  const auto [w, keep, spread, wsum] = CrossEntropyTerms<T>(p);
  for_each_position_chunk(p, [&](int64_t s, int64_t i0, int64_t m) {
    T a[kPositionChunk], sp[kPositionChunk], l[kPositionChunk];
    const int64_t r0 = s * inner + i0;
    for (int64_t i = 0; i < m; ++i) {
      const int64_t t = p.target[r0 + i];
      const T gr = t == p.ignore_index ? T(0) : g[(r0 + i) * grad_stride];
      a[i] = gr * (keep * (w && t != p.ignore_index ? w[t] : T(1)) + spread * wsum);
      sp[i] = gr * spread;
      l[i] = lse[r0 + i];
    }
    const T* xs = x + s * C * inner + i0;
    T* ds = dx + s * C * inner + i0;
    for (int64_t c = 0; c < C; ++c) {
      const T* xc = xs + c * inner;
      T* dc = ds + c * inner;
      const T wc = w ? w[c] : T(1);
      for (int64_t i = 0; i < m; ++i) dc[i] = xc[i] - l[i];
      vector_map<VectorFn::Exp>(dc, dc, m, [](T v) { return std::exp(v); });
#pragma omp simd
      for (int64_t i = 0; i < m; ++i) dc[i] = a[i] * dc[i] - sp[i] * wc;
    }
    for (int64_t i = 0; i < m; ++i) {
      const int64_t t = p.target[r0 + i];
      if (t != p.ignore_index) {
        ds[t * inner + i] -= g[(r0 + i) * grad_stride] * keep * (w ? w[t] : T(1));
      } else {  // exact zeros, whatever exp(x) was
        for (int64_t c = 0; c < C; ++c) ds[c * inner + i] = 0;
      }
    }
  });
}

template <class T>
int64_t cross_entropy_impl(const CrossEntropyParams& p, const T* x, T* loss, T* lse_out, T* row_weight) {
  const int64_t C = p.classes;
  const auto [w, keep, spread, wsum] = CrossEntropyTerms<T>(p);
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
      note_first_bad(bad, r);
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
  const int64_t C = p.classes;
  const auto [w, keep, spread, wsum] = CrossEntropyTerms<T>(p);
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
    if (p.inner > 1)
      return cross_entropy_positions<T>(p, static_cast<const T*>(logits), static_cast<T*>(loss), static_cast<T*>(lse),
                                        static_cast<T*>(row_weight));
    return cross_entropy_impl<T>(p, static_cast<const T*>(logits), static_cast<T*>(loss), static_cast<T*>(lse),
                                 static_cast<T*>(row_weight));
  });
}

void cross_entropy_backward(DType dtype, const CrossEntropyParams& p, const void* logits, const void* lse,
                            const void* grad_loss, int64_t grad_stride, void* dx) {
  dispatch_single_double(dtype, [&]<class T>() {
    if (p.inner > 1)
      return cross_entropy_backward_positions<T>(p, static_cast<const T*>(logits), static_cast<const T*>(lse),
                                                 static_cast<const T*>(grad_loss), grad_stride, static_cast<T*>(dx));
    cross_entropy_backward_impl<T>(p, static_cast<const T*>(logits), static_cast<const T*>(lse),
                                   static_cast<const T*>(grad_loss), grad_stride, static_cast<T*>(dx));
  });
}

}  // namespace tg::kernels::cpu
