// Batch normalisation over contiguous [n, c, inner] data: per-channel statistics, the fused
// scale-and-shift, and the backward pass, each parallel over channels, reading every element
// once or twice in contiguous runs of `inner`. Layer normalisation over contiguous rows: each
// row's statistics and output in one visit (parallel over rows); the backward gathers the weight
// and bias gradients' column sums in the same visit of each row as the input gradient. Group
// normalisation: layer norm's rows per (sample, group), with a per-channel affine.
#include <cmath>
#include <utility>
#include <vector>

#include "kernels/cpu/cpu_kernels.h"
#include "kernels/cpu/float_blocks.h"
#include "kernels/cpu/loops.h"
#include "kernels/cpu/vec_math.h"

namespace tg::kernels::cpu {
namespace {

template <class T>
void stats_impl(int64_t n, int64_t c, int64_t inner, const T* x, T* mean, T* var) {
  const double count = static_cast<double>(n * inner);
  parallel_for(0, c, 1, [&](int64_t lo, int64_t hi) {
    for (int64_t ch = lo; ch < hi; ++ch) {
      // Shifted sums (by the channel's first value) keep the variance accurate for large means.
      const double shift = n * inner > 0 ? static_cast<double>(acc_t<T>(x[ch * inner])) : 0.0;
      double s = 0, ss = 0;
      for (int64_t b = 0; b < n; ++b) {
        const T* row = x + (b * c + ch) * inner;
        acc_t<T> ls = 0, lss = 0;
        // Lane-wise partial sums: a serial sum waits on the add's latency for every element
        // (batch norm of [16, 64, 32, 32] float32 spent 1 ms in these two sums).
#pragma omp simd reduction(+ : ls, lss)
        for (int64_t i = 0; i < inner; ++i) {
          const acc_t<T> d = acc_t<T>(row[i]) - static_cast<acc_t<T>>(shift);
          ls += d;
          lss += d * d;
        }
        s += ls;
        ss += lss;
      }
      const double m = s / count;
      mean[ch] = static_cast<T>(shift + m);
      var[ch] = static_cast<T>(std::max(0.0, ss / count - m * m));
    }
  });
}

template <class T>
void affine_impl(int64_t n, int64_t c, int64_t inner, const T* x, const T* scale, const T* shift, T* y) {
  parallel_for(0, n * c, std::max<int64_t>(1, kGrain / std::max<int64_t>(1, inner)), [&](int64_t lo, int64_t hi) {
    for (int64_t r = lo; r < hi; ++r) {
      const acc_t<T> a = acc_t<T>(scale[r % c]), b = acc_t<T>(shift[r % c]);
      const T* xr = x + r * inner;
      T* yr = y + r * inner;
      for (int64_t i = 0; i < inner; ++i) yr[i] = static_cast<T>(acc_t<T>(xr[i]) * a + b);
    }
  });
}

template <class T>
void backward_impl(int64_t n, int64_t c, int64_t inner, const T* x, const T* dy, const T* mean, const T* invstd,
                   const T* weight, T* dx, T* sum_dy, T* sum_dy_xhat) {
  using A = acc_t<T>;
  const double count = static_cast<double>(n * inner);
  parallel_for(0, c, 1, [&](int64_t lo, int64_t hi) {
    for (int64_t ch = lo; ch < hi; ++ch) {
      const A m = A(mean[ch]), is = A(invstd[ch]);
      double sd = 0, sdx = 0;
      for (int64_t b = 0; b < n; ++b) {
        const T* xr = x + (b * c + ch) * inner;
        const T* gr = dy + (b * c + ch) * inner;
        A ls = 0, lsx = 0;
#pragma omp simd reduction(+ : ls, lsx)
        for (int64_t i = 0; i < inner; ++i) {
          const A g = A(gr[i]);
          ls += g;
          lsx += g * (A(xr[i]) - m);
        }
        sd += ls;
        sdx += lsx;
      }
      sdx *= static_cast<double>(is);
      sum_dy[ch] = static_cast<T>(sd);
      sum_dy_xhat[ch] = static_cast<T>(sdx);
      if (!dx) continue;
      const A w = weight ? A(weight[ch]) : A(1);
      const A k = w * is, mean_dy = static_cast<A>(sd / count), proj = static_cast<A>(sdx / count) * is;
      for (int64_t b = 0; b < n; ++b) {
        const T* xr = x + (b * c + ch) * inner;
        const T* gr = dy + (b * c + ch) * inner;
        T* dr = dx + (b * c + ch) * inner;
        for (int64_t i = 0; i < inner; ++i) dr[i] = static_cast<T>(k * (A(gr[i]) - mean_dy - (A(xr[i]) - m) * proj));
      }
    }
  });
}

// A row's mean and 1 / sqrt(var + eps), in two passes over a row that stays in cache: the
// variance of (x - mean) has no cancellation, unlike E[x^2] - mean^2.
template <class T>
std::pair<T, T> row_stats(const T* xr, int64_t cols, double eps) {
  const T mu = sum_run(xr, cols) / static_cast<T>(cols);
  const T ss = sum_run(xr, cols, [mu](auto v) { return (v - mu) * (v - mu); });
  return {mu, T(1) / std::sqrt(ss / static_cast<T>(cols) + static_cast<T>(eps))};
}

// One row: its statistics and yr (which may be xr itself).
template <class T>
void layer_norm_row(int64_t cols, double eps, const T* xr, const T* w, const T* b, T* yr, T& mean, T& rstd) {
  const auto [mu, rs] = row_stats(xr, cols, eps);
  mean = mu;
  rstd = rs;
  if (w && b) {
    for (int64_t j = 0; j < cols; ++j) yr[j] = (xr[j] - mu) * rs * w[j] + b[j];
  } else if (w) {
    for (int64_t j = 0; j < cols; ++j) yr[j] = (xr[j] - mu) * rs * w[j];
  } else if (b) {
    for (int64_t j = 0; j < cols; ++j) yr[j] = (xr[j] - mu) * rs + b[j];
  } else {
    for (int64_t j = 0; j < cols; ++j) yr[j] = (xr[j] - mu) * rs;
  }
}

template <class T>
void layer_norm_impl(int64_t rows, int64_t cols, double eps, const T* x, const T* w, const T* b, T* y, T* mean,
                     T* rstd) {
  parallel_for(0, rows, std::max<int64_t>(1, kGrain / std::max<int64_t>(1, cols)), [&](int64_t lo, int64_t hi) {
    for (int64_t r = lo; r < hi; ++r) layer_norm_row(cols, eps, x + r * cols, w, b, y + r * cols, mean[r], rstd[r]);
  });
}

// float16 / bfloat16 rows widened to float32 one at a time (a row stays in L1), normalized by the
// float32 formula and rounded once. Widening the whole tensor, normalizing it and narrowing the
// result took three passes, at 1.6x PyTorch's time for [256, 1024] in float16.
template <class H>
void layer_norm_16bit(int64_t rows, int64_t cols, double eps, const H* x, const H* w, const H* b, H* y, float* mean,
                      float* rstd) {
  parallel_for(0, rows, std::max<int64_t>(1, kGrain / std::max<int64_t>(1, cols)), [&](int64_t lo, int64_t hi) {
    std::vector<float> buf(static_cast<size_t>(3 * cols));
    float *xf = buf.data(), *wf = w ? xf + cols : nullptr, *bf = b ? xf + 2 * cols : nullptr;
    if (w) widen(w, wf, cols);
    if (b) widen(b, bf, cols);
    for (int64_t r = lo; r < hi; ++r) {
      widen(x + r * cols, xf, cols);
      layer_norm_row(cols, eps, xf, wf, bf, xf, mean[r], rstd[r]);
      narrow(xf, y + r * cols, cols);
    }
  });
}

template <class T>
void layer_norm_backward_impl(int64_t rows, int64_t cols, const T* x, const T* dy, const T* mean, const T* rstd,
                              const T* w, T* dx, T* dw, T* db) {
  const bool params = dw || db;
  // The weight and bias gradients are column sums of dy * xhat and dy. Each thread gathers its
  // rows' sums in the same visit of a row as dx (a separate pass would read x and dy from memory
  // again): in T for up to kBlock rows, then flushed into double.
  constexpr int64_t kBlock = 64;
  const int nt = num_threads();
  const size_t width = static_cast<size_t>(cols);
  std::vector<double> total(params ? static_cast<size_t>(nt) * 2 * width : 0, 0.0);
  std::vector<T> block(params ? static_cast<size_t>(nt) * 2 * width : 0, T(0));
  parallel_for(0, rows, std::max<int64_t>(1, kGrain / std::max<int64_t>(1, cols)), [&](int64_t lo, int64_t hi) {
    const size_t t = static_cast<size_t>(omp_in_parallel() ? omp_get_thread_num() : 0);
    T* bw = params ? block.data() + t * 2 * width : nullptr;
    T* bb = params ? bw + width : nullptr;
    double* tw = params ? total.data() + t * 2 * width : nullptr;
    double* tb = params ? tw + width : nullptr;
    for (int64_t r = lo; r < hi; ++r) {
      const T* xr = x + r * cols;
      const T* gr = dy + r * cols;
      const T mu = mean[r], rs = rstd[r];
      if (dx) {
        T* dr = dx + r * cols;
        T a = 0, bsum = 0;  // sums of dy*w and dy*w*xhat
        // One loop per case: with `w ? : ` inside, GCC left the sums scalar (4x slower).
        if (w) {
#pragma omp simd reduction(+ : a, bsum)
          for (int64_t j = 0; j < cols; ++j) {
            const T gw = gr[j] * w[j];
            a += gw;
            bsum += gw * (xr[j] - mu);
          }
        } else {
#pragma omp simd reduction(+ : a, bsum)
          for (int64_t j = 0; j < cols; ++j) {
            a += gr[j];
            bsum += gr[j] * (xr[j] - mu);
          }
        }
        const T inv = T(1) / static_cast<T>(cols), ma = a * inv, mb = bsum * rs * inv;
#pragma omp simd
        for (int64_t j = 0; j < cols; ++j) {
          const T gw = w ? gr[j] * w[j] : gr[j];
          dr[j] = rs * (gw - ma - (xr[j] - mu) * rs * mb);
        }
      }
      if (!params) continue;
#pragma omp simd
      for (int64_t j = 0; j < cols; ++j) {
        bw[j] += gr[j] * (xr[j] - mu) * rs;
        bb[j] += gr[j];
      }
      if ((r - lo + 1) % kBlock == 0 || r + 1 == hi) {
        for (int64_t j = 0; j < cols; ++j) {
          tw[j] += static_cast<double>(bw[j]);
          tb[j] += static_cast<double>(bb[j]);
          bw[j] = bb[j] = T(0);
        }
      }
    }
  });
  if (!params) return;
  for (int64_t j = 0; j < cols; ++j) {
    double sw = 0, sb = 0;
    for (size_t t = 0; t < static_cast<size_t>(nt); ++t) {
      sw += total[t * 2 * width + static_cast<size_t>(j)];
      sb += total[(t * 2 + 1) * width + static_cast<size_t>(j)];
    }
    if (dw) dw[j] = static_cast<T>(sw);
    if (db) db[j] = static_cast<T>(sb);
  }
}

// Group norm: each (sample, group) row's statistics as layer norm's, then the output channel by
// channel with the weight and bias folded into one scale and shift.
template <class T>
void group_norm_impl(const GroupNormGeometry& g, double eps, const T* x, const T* w, const T* b, T* y, T* mean,
                     T* rstd) {
  const int64_t cpg = g.c / g.groups, cols = cpg * g.inner, rows = g.n * g.groups;
  parallel_for(0, rows, std::max<int64_t>(1, kGrain / std::max<int64_t>(1, cols)), [&](int64_t lo, int64_t hi) {
    for (int64_t r = lo; r < hi; ++r) {
      const T* xr = x + r * cols;
      T* yr = y + r * cols;
      const auto [mu, rs] = row_stats(xr, cols, eps);
      mean[r] = mu;
      rstd[r] = rs;
      const int64_t ch0 = (r % g.groups) * cpg;
      for (int64_t k = 0; k < cpg; ++k) {
        const T a = rs * (w ? w[ch0 + k] : T(1)), shift = (b ? b[ch0 + k] : T(0)) - mu * a;
        const T* xc = xr + k * g.inner;
        T* yc = yr + k * g.inner;
#pragma omp simd
        for (int64_t i = 0; i < g.inner; ++i) yc[i] = xc[i] * a + shift;
      }
    }
  });
}

// Per (sample, channel) sums of dy and dy * x in one visit of each row, then dx in a second:
// with dxhat = dy * w, B = sum(dxhat) and A = sum(dxhat * x) over the row, dx = rstd * w * dy
// + q * x + r0 with q = -rstd^3 (A - mean B) / cols and r0 = -rstd B / cols - q mean. The weight
// and bias gradients sum rstd * (sum(dy x) - mean sum(dy)) and sum(dy) over the samples.
template <class T>
void group_norm_backward_impl(const GroupNormGeometry& g, const T* x, const T* dy, const T* mean, const T* rstd,
                              const T* w, T* dx, T* dw, T* db) {
  const int64_t cpg = g.c / g.groups, cols = cpg * g.inner, rows = g.n * g.groups;
  std::vector<T> sum_dy(static_cast<size_t>(g.n * g.c)), sum_dy_x(static_cast<size_t>(g.n * g.c));
  parallel_for(0, rows, std::max<int64_t>(1, kGrain / std::max<int64_t>(1, cols)), [&](int64_t lo, int64_t hi) {
    for (int64_t r = lo; r < hi; ++r) {
      const int64_t ch0 = (r % g.groups) * cpg, base = (r / g.groups) * g.c + ch0;
      const T* xr = x + r * cols;
      const T* gr = dy + r * cols;
      T A = 0, B = 0;
      for (int64_t k = 0; k < cpg; ++k) {
        const T* xc = xr + k * g.inner;
        const T* gc = gr + k * g.inner;
        T s0 = 0, s1 = 0;
#pragma omp simd reduction(+ : s0, s1)
        for (int64_t i = 0; i < g.inner; ++i) {
          s0 += gc[i];
          s1 += gc[i] * xc[i];
        }
        sum_dy[static_cast<size_t>(base + k)] = s0;
        sum_dy_x[static_cast<size_t>(base + k)] = s1;
        const T wc = w ? w[ch0 + k] : T(1);
        B += wc * s0;
        A += wc * s1;
      }
      if (!dx) continue;
      const T mu = mean[r], rs = rstd[r], inv = T(1) / static_cast<T>(cols);
      const T q = -rs * rs * rs * (A - mu * B) * inv, r0 = -rs * B * inv - q * mu;
      T* dr = dx + r * cols;
      for (int64_t k = 0; k < cpg; ++k) {
        const T p = rs * (w ? w[ch0 + k] : T(1));
        const T* xc = xr + k * g.inner;
        const T* gc = gr + k * g.inner;
        T* dc = dr + k * g.inner;
#pragma omp simd
        for (int64_t i = 0; i < g.inner; ++i) dc[i] = gc[i] * p + xc[i] * q + r0;
      }
    }
  });
  if (!dw && !db) return;
  for (int64_t ch = 0; ch < g.c; ++ch) {
    double sw = 0, sb = 0;
    for (int64_t s = 0; s < g.n; ++s) {
      const size_t i = static_cast<size_t>(s * g.c + ch);
      const int64_t r = s * g.groups + ch / cpg;
      sw += static_cast<double>(rstd[r]) * (static_cast<double>(sum_dy_x[i]) - static_cast<double>(mean[r]) * sum_dy[i]);
      sb += sum_dy[i];
    }
    if (dw) dw[ch] = static_cast<T>(sw);
    if (db) db[ch] = static_cast<T>(sb);
  }
}

}  // namespace

void group_norm(DType dtype, const GroupNormGeometry& g, double eps, const void* x, const void* weight, const void* bias,
                void* y, void* mean, void* rstd) {
  dispatch_single_double(dtype, [&]<class T>() {
    group_norm_impl<T>(g, eps, static_cast<const T*>(x), static_cast<const T*>(weight), static_cast<const T*>(bias),
                       static_cast<T*>(y), static_cast<T*>(mean), static_cast<T*>(rstd));
  });
}

void group_norm_backward(DType dtype, const GroupNormGeometry& g, const void* x, const void* dy, const void* mean,
                         const void* rstd, const void* weight, void* dx, void* dweight, void* dbias) {
  dispatch_single_double(dtype, [&]<class T>() {
    group_norm_backward_impl<T>(g, static_cast<const T*>(x), static_cast<const T*>(dy), static_cast<const T*>(mean),
                                static_cast<const T*>(rstd), static_cast<const T*>(weight), static_cast<T*>(dx),
                                static_cast<T*>(dweight), static_cast<T*>(dbias));
  });
}

void layer_norm(DType dtype, int64_t rows, int64_t cols, double eps, const void* x, const void* weight, const void* bias,
                void* y, void* mean, void* rstd) {
  if (dtype == DType::Float16 || dtype == DType::BFloat16) {
    dispatch_floating(dtype, [&]<class H>() {
      if constexpr (std::is_same_v<H, Half> || std::is_same_v<H, BFloat16>)
        layer_norm_16bit(rows, cols, eps, static_cast<const H*>(x), static_cast<const H*>(weight),
                         static_cast<const H*>(bias), static_cast<H*>(y), static_cast<float*>(mean),
                         static_cast<float*>(rstd));
    });
    return;
  }
  dispatch_single_double(dtype, [&]<class T>() {
    layer_norm_impl<T>(rows, cols, eps, static_cast<const T*>(x), static_cast<const T*>(weight),
                       static_cast<const T*>(bias), static_cast<T*>(y), static_cast<T*>(mean), static_cast<T*>(rstd));
  });
}

void layer_norm_backward(DType dtype, int64_t rows, int64_t cols, const void* x, const void* dy, const void* mean,
                         const void* rstd, const void* weight, void* dx, void* dweight, void* dbias) {
  dispatch_single_double(dtype, [&]<class T>() {
    layer_norm_backward_impl<T>(rows, cols, static_cast<const T*>(x), static_cast<const T*>(dy),
                                static_cast<const T*>(mean), static_cast<const T*>(rstd), static_cast<const T*>(weight),
                                static_cast<T*>(dx), static_cast<T*>(dweight), static_cast<T*>(dbias));
  });
}

void batch_norm_stats(DType dtype, int64_t n, int64_t c, int64_t inner, const void* x, void* mean, void* var) {
  dispatch_floating(dtype, [&]<class T>() {
    stats_impl<T>(n, c, inner, static_cast<const T*>(x), static_cast<T*>(mean), static_cast<T*>(var));
  });
}

void channel_affine(DType dtype, int64_t n, int64_t c, int64_t inner, const void* x, const void* scale, const void* shift,
                    void* y) {
  dispatch_floating(dtype, [&]<class T>() {
    affine_impl<T>(n, c, inner, static_cast<const T*>(x), static_cast<const T*>(scale), static_cast<const T*>(shift),
                   static_cast<T*>(y));
  });
}

void batch_norm_backward(DType dtype, int64_t n, int64_t c, int64_t inner, double /*eps: in invstd*/, const void* x,
                         const void* dy, const void* mean, const void* invstd, const void* weight, void* dx,
                         void* sum_dy, void* sum_dy_xhat) {
  dispatch_floating(dtype, [&]<class T>() {
    backward_impl<T>(n, c, inner, static_cast<const T*>(x), static_cast<const T*>(dy), static_cast<const T*>(mean),
                     static_cast<const T*>(invstd), static_cast<const T*>(weight), static_cast<T*>(dx),
                     static_cast<T*>(sum_dy), static_cast<T*>(sum_dy_xhat));
  });
}

}  // namespace tg::kernels::cpu
