// 2-D max and average pooling over contiguous planes, parallel over planes. Average pooling
// takes precomputed windows, so plain, padded and adaptive pooling share one kernel.
#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "kernels/cpu/cpu_kernels.h"
#include "kernels/cpu/loops.h"
#include "kernels/pool_math.h"

namespace tg::kernels::cpu {
namespace {

// Windows at least this wide (and undilated) reduce each row's run in vector lanes: below it the
// scalar scan's chain of compare-and-selects, one per tap, ran adaptive pooling of 56 x 56 planes
// to 5 x 5 (windows 12 or 13 wide) at 0.55x PyTorch's speed (0.67x with this bound; 16 was the
// bound before). Adaptive windows of several rows now take max_pool_by_columns (2.3x); these
// runs remain for one-row windows (adaptive 1-d pooling of a long signal), padded or dilated
// ones and fractional ones.
constexpr int64_t kVectorRun = 8;

// kIndices false: the values alone (no gradient to route), whose interior loop then runs twice
// as many lanes as one that also carries 64-bit positions.
template <class T, bool kIndices>
void max_pool_plain(const PoolGeometry& g, T* out, int64_t* indices, const T* in) {
  using Acc = acc_t<T>;
  const int64_t in_plane = g.in_h * g.in_w, out_plane = g.out_h * g.out_w;
  // The windows of each output row, computed once (they cost divisions); fractional windows
  // start differently in every plane, at their own starts.
  const auto rows = static_cast<size_t>(g.out_h), cols = static_cast<size_t>(g.out_w);
  std::vector<int64_t> row_start(rows), i0(rows), i1(rows);
  for (size_t oh = 0; oh < rows; ++oh)
    plane_window_taps(g, 0, 0, static_cast<int64_t>(oh), row_start[oh], i0[oh], i1[oh]);
  // Regular windows: columns [c0, c1) lie whole inside the input (output ow starts at ow * stride
  // - pad) and take the vector loop below; the few at the borders are clipped, and the scan
  // computes theirs. Adaptive and fractional windows: every column's, computed once (per column
  // of a long row this cost 20x the pooling itself, so regular ones are not tabulated).
  const bool regular = !g.adaptive && g.w_start == nullptr;
  int64_t c0 = g.out_w, c1 = g.out_w;
  if (regular) {
    const int64_t s = g.stride[1], pad = g.pad[1], reach = (g.kernel[1] - 1) * g.dilation[1];
    c0 = std::min(g.out_w, (pad + s - 1) / s);
    const int64_t last = g.in_w - 1 - reach + pad;  // the last start, plus pad, that fits
    c1 = last < 0 ? 0 : std::min(g.out_w, last / s + 1);
    if (c1 <= c0) c0 = c1 = g.out_w;
  }
  std::vector<int64_t> col_start(regular ? 0 : cols), j0(regular ? 0 : cols), j1(regular ? 0 : cols);
  for (size_t ow = 0; ow < col_start.size(); ++ow)
    plane_window_taps(g, 1, 0, static_cast<int64_t>(ow), col_start[ow], j0[ow], j1[ow]);
  parallel_for(0, g.planes, std::max<int64_t>(1, kGrain / std::max<int64_t>(1, in_plane)), [&](int64_t lo, int64_t hi) {
    // The running maxima of up to kChunk outputs at a time: in L1 however long the row (a buffer
    // for the whole row cost a fresh allocation and its page faults per call).
    constexpr int64_t kChunk = 512;
    Acc best[kChunk];
    int64_t at[kIndices ? kChunk : 1];
    for (int64_t p = lo; p < hi; ++p) {
      const int64_t* hs = g.h_start ? g.h_start + p * g.out_h : row_start.data();
      const int64_t* ws = g.w_start ? g.w_start + p * g.out_w : col_start.data();  // (not regular)
      const T* src = in + p * in_plane;
      T* dst = out + p * out_plane;
      int64_t* idx = kIndices ? indices + p * out_plane : nullptr;
      for (int64_t oh = 0; oh < g.out_h; ++oh) {
        const auto r = static_cast<size_t>(oh);
        const int64_t h0 = hs[r], ia = i0[r], ib = i1[r];
        // A dilated window can miss the input (kernel 2, dilation 3 and padding 1 over 2 inputs):
        // its maximum is -inf, PyTorch's value, and its index -1, which the backward skips.
        const auto empty_window = [&](int64_t ow) {
          dst[oh * g.out_w + ow] = static_cast<T>(-std::numeric_limits<Acc>::infinity());
          if constexpr (kIndices) idx[oh * g.out_w + ow] = -1;
        };
        if (ia >= ib) {
          for (int64_t ow = 0; ow < g.out_w; ++ow) empty_window(ow);
          continue;
        }
        const auto scan = [&](int64_t ow) {
          int64_t w0, ja, jb;
          if (regular) {
            window_taps(g, 1, ow, w0, ja, jb);
          } else {
            const auto c = static_cast<size_t>(ow);
            w0 = ws[c], ja = j0[c], jb = j1[c];
          }
          if (ja >= jb) return empty_window(ow);
          int64_t best_at = (h0 + ia * g.dilation[0]) * g.in_w + w0 + ja * g.dilation[1];
          Acc best = Acc(src[best_at]);
          // Branch-free scan (on real data the comparison is a coin flip, and mispredictions
          // cost more than the taps); a window holding a NaN is rescanned so that its first NaN wins.
          bool has_nan = false;
          if (g.dilation[1] == 1 && jb - ja >= kVectorRun) {
            // Wide windows (adaptive pooling of a long signal): each row's contiguous run reduced
            // in vector lanes, then searched for its first maximum only where it beats the best.
            for (int64_t i = ia; i < ib; ++i) {
              const int64_t row = (h0 + i * g.dilation[0]) * g.in_w + w0 + ja, n = jb - ja;
              const T* run = src + row;
              Acc m = Acc(run[0]);
              int nan = 0;
#pragma omp simd reduction(max : m) reduction(| : nan)
              for (int64_t k = 0; k < n; ++k) {
                const Acc v = Acc(run[k]);
                m = v > m ? v : m;
                nan |= v != v;
              }
              has_nan |= nan != 0;
              if (m > best) {
                int64_t k = 0;
                while (Acc(run[k]) != m) ++k;
                best = Acc(run[k]);  // (the first of -0 and +0, as the scan keeps)
                best_at = row + k;
              }
            }
          } else {
            for (int64_t i = ia; i < ib; ++i) {
              const int64_t row = (h0 + i * g.dilation[0]) * g.in_w + w0;
              for (int64_t j = ja; j < jb; ++j) {
                const int64_t at = row + j * g.dilation[1];
                const Acc v = Acc(src[at]);
                const int64_t take = v > best;
                best_at += (at - best_at) * take;
                best = v > best ? v : best;
                has_nan |= v != v;
              }
            }
          }
          if (has_nan) [[unlikely]] {
            for (int64_t i = ia; i < ib && best == best; ++i)
              for (int64_t j = ja; j < jb; ++j) {
                const int64_t at = (h0 + i * g.dilation[0]) * g.in_w + w0 + j * g.dilation[1];
                if (Acc(src[at]) != Acc(src[at])) {
                  best = Acc(src[at]);
                  best_at = at;
                  break;
                }
              }
          }
          dst[oh * g.out_w + ow] = static_cast<T>(best);
          if constexpr (kIndices) idx[oh * g.out_w + ow] = best_at;
        };
        for (int64_t ow = 0; ow < c0; ++ow) scan(ow);
        if (c1 > c0) {
          // Whole windows, tap by tap across the row's outputs (one scan per output was a chain of
          // dependent compares: max_pool1d took 6x PyTorch's time). The same taps in the same
          // order; a NaN replaces any number and nothing replaces a NaN, so the first NaN wins.
          // Strides 1 and 2 (the usual ones) as constants, so that the loops vectorise.
          const int64_t w_first = c0 * g.stride[1] - g.pad[1];
          const auto interior = [&](auto sw, int64_t k0, int64_t n) {
            bool first = true;
            for (int64_t i = ia; i < ib; ++i) {
              for (int64_t j = 0; j < g.kernel[1]; ++j) {
                const int64_t base = (h0 + i * g.dilation[0]) * g.in_w + w_first + j * g.dilation[1] + k0 * sw;
                const T* s0 = src + base;
                if (first) {
                  for (int64_t k = 0; k < n; ++k) best[k] = Acc(s0[k * sw]);
                  if constexpr (kIndices)
                    for (int64_t k = 0; k < n; ++k) at[k] = base + k * sw;
                  first = false;
                  continue;
                }
                for (int64_t k = 0; k < n; ++k) {
                  const Acc v = Acc(s0[k * sw]), b = best[k];
                  const bool take = (v > b) | ((v != v) & (b == b));
                  best[k] = take ? v : b;
                  if constexpr (kIndices) at[k] = take ? base + k * sw : at[k];
                }
              }
            }
            T* d = dst + oh * g.out_w + c0 + k0;
            for (int64_t k = 0; k < n; ++k) d[k] = static_cast<T>(best[k]);
            if constexpr (kIndices) std::copy(at, at + n, idx + oh * g.out_w + c0 + k0);
          };
          for (int64_t k0 = 0; k0 < c1 - c0; k0 += kChunk) {
            const int64_t n = std::min(kChunk, c1 - c0 - k0);
            if (g.stride[1] == 1)
              interior(std::integral_constant<int64_t, 1>(), k0, n);
            else if (g.stride[1] == 2)
              interior(std::integral_constant<int64_t, 2>(), k0, n);
            else
              interior(g.stride[1], k0, n);
          }
        }
        for (int64_t ow = c1; ow < g.out_w; ++ow) scan(ow);
      }
    }
  });
}

// Adaptive windows several rows tall in rows of kVectorRun or more (56 x 56 planes to 5 x 5 ran at
// 0.67x PyTorch's speed through the scan above, 3-D pooling's depth pass of one-column windows
// at 0.6x), and fixed windows that do not overlap, 2 or more rows by kVectorRun or more columns
// (whole tiles, no padding): per output row, a vertical pass keeps each input
// column's maximum over the window's rows, and its first row, in vector lanes across the row;
// then each window takes the best of its columns. A tie goes to the earlier position in row-major
// order and a NaN beats any number (the first NaN wins), so values and indices are the scan's.
template <class T, bool kIndices>
void max_pool_by_columns(const PoolGeometry& g, T* out, int64_t* indices, const T* in) {
  using Acc = acc_t<T>;
  const int64_t in_plane = g.in_h * g.in_w, out_plane = g.out_h * g.out_w, width = g.in_w;
  parallel_for(0, g.planes, std::max<int64_t>(1, kGrain / std::max<int64_t>(1, in_plane)), [&](int64_t lo, int64_t hi) {
    std::vector<Acc> col(static_cast<size_t>(width));
    std::vector<int64_t> row_of(static_cast<size_t>(width));
    Acc* cm = col.data();
    int64_t* cr = row_of.data();
    for (int64_t p = lo; p < hi; ++p) {
      const T* src = in + p * in_plane;
      for (int64_t oh = 0; oh < g.out_h; ++oh) {
        int64_t h0, ia, ib;
        window_taps(g, 0, oh, h0, ia, ib);
        const T* first = src + (h0 + ia) * width;
        for (int64_t c = 0; c < width; ++c) {
          cm[c] = Acc(first[c]);
          cr[c] = h0 + ia;
        }
        for (int64_t h = h0 + ia + 1; h < h0 + ib; ++h) {
          const T* r = src + h * width;
#pragma omp simd
          for (int64_t c = 0; c < width; ++c) {
            const Acc v = Acc(r[c]), b = cm[c];
            const bool take = (v > b) | ((v != v) & (b == b));
            cm[c] = take ? v : b;
            cr[c] = take ? h : cr[c];
          }
        }
        for (int64_t ow = 0; ow < g.out_w; ++ow) {
          int64_t w0, ja, jb;
          window_taps(g, 1, ow, w0, ja, jb);
          Acc best = cm[w0 + ja];
          int64_t best_at = cr[w0 + ja] * width + w0 + ja;
          for (int64_t c = w0 + ja + 1; c < w0 + jb; ++c) {
            const Acc v = cm[c];
            const int64_t at = cr[c] * width + c;
            const bool take =
                best != best ? (v != v && at < best_at) : (v != v || v > best || (v == best && at < best_at));
            best = take ? v : best;
            best_at = take ? at : best_at;
          }
          out[p * out_plane + oh * g.out_w + ow] = static_cast<T>(best);
          if constexpr (kIndices) indices[p * out_plane + oh * g.out_w + ow] = best_at;
        }
      }
    }
  });
}

template <class T>
void avg_pool_plain(const PoolGeometry& g, bool backward, T* out, const T* in) {
  using Acc = acc_t<T>;
  const int64_t in_plane = g.in_h * g.in_w, out_plane = g.out_h * g.out_w;
  auto divisor = [&](int64_t oh, int64_t ow) {
    return static_cast<Acc>(g.divisor > 0 ? g.divisor : g.h_div[oh] * g.w_div[ow]);
  };
  // Windows one column wide at every column (the depth pass of 3-D pooling, whose planes are
  // [D, OH * OW]): whole rows add up, which vectorises.
  bool by_rows = g.in_w == g.out_w;
  for (int64_t ow = 0; by_rows && ow < g.out_w; ++ow) by_rows = g.w_lo[ow] == ow && g.w_hi[ow] == ow + 1;
  parallel_for(0, g.planes, std::max<int64_t>(1, kGrain / std::max<int64_t>(1, in_plane)), [&](int64_t lo, int64_t hi) {
    std::vector<Acc> acc(backward || by_rows ? static_cast<size_t>(std::max(in_plane, g.out_w)) : 0);
    for (int64_t p = lo; p < hi; ++p) {
      if (by_rows) {
        const int64_t W = g.out_w;
        if (backward) std::fill(acc.begin(), acc.begin() + in_plane, Acc(0));
        for (int64_t oh = 0; oh < g.out_h; ++oh) {
          if (!backward) {
            std::fill(acc.begin(), acc.begin() + W, Acc(0));
            for (int64_t ih = g.h_lo[oh]; ih < g.h_hi[oh]; ++ih) {
              const T* row = in + p * in_plane + ih * W;
              for (int64_t w = 0; w < W; ++w) acc[static_cast<size_t>(w)] += Acc(row[w]);
            }
            T* dst = out + p * out_plane + oh * W;
            for (int64_t w = 0; w < W; ++w) dst[w] = static_cast<T>(acc[static_cast<size_t>(w)] / divisor(oh, w));
            continue;
          }
          const T* grad = in + p * out_plane + oh * W;
          for (int64_t ih = g.h_lo[oh]; ih < g.h_hi[oh]; ++ih) {
            Acc* row = acc.data() + ih * W;
            for (int64_t w = 0; w < W; ++w) row[w] += Acc(grad[w]) / divisor(oh, w);
          }
        }
        if (backward) {
          T* dst = out + p * in_plane;
          for (int64_t e = 0; e < in_plane; ++e) dst[e] = static_cast<T>(acc[static_cast<size_t>(e)]);
        }
        continue;
      }
      if (!backward) {
        const T* src = in + p * in_plane;
        for (int64_t oh = 0; oh < g.out_h; ++oh)
          for (int64_t ow = 0; ow < g.out_w; ++ow) {
            Acc s = 0;
            for (int64_t ih = g.h_lo[oh]; ih < g.h_hi[oh]; ++ih)
              for (int64_t iw = g.w_lo[ow]; iw < g.w_hi[ow]; ++iw) s += Acc(src[ih * g.in_w + iw]);
            out[p * out_plane + oh * g.out_w + ow] = static_cast<T>(s / divisor(oh, ow));
          }
        continue;
      }
      // Backward: `in` is d(out) [OH, OW], `out` is d(in) [H, W].
      std::fill(acc.begin(), acc.end(), Acc(0));
      const T* grad = in + p * out_plane;
      for (int64_t oh = 0; oh < g.out_h; ++oh)
        for (int64_t ow = 0; ow < g.out_w; ++ow) {
          const Acc share = Acc(grad[oh * g.out_w + ow]) / divisor(oh, ow);
          for (int64_t ih = g.h_lo[oh]; ih < g.h_hi[oh]; ++ih)
            for (int64_t iw = g.w_lo[ow]; iw < g.w_hi[ow]; ++iw) acc[static_cast<size_t>(ih * g.in_w + iw)] += share;
        }
      T* dst = out + p * in_plane;
      for (int64_t e = 0; e < in_plane; ++e) dst[e] = static_cast<T>(acc[static_cast<size_t>(e)]);
    }
  });
}

template <class T>
void max_pool_backward_plain(const PoolGeometry& g, T* grad_in, const int64_t* indices, const T* grad_out) {
  const int64_t in_plane = g.in_h * g.in_w, out_plane = g.out_h * g.out_w;
  parallel_for(0, g.planes, std::max<int64_t>(1, kGrain / std::max<int64_t>(1, in_plane)), [&](int64_t lo, int64_t hi) {
    for (int64_t p = lo; p < hi; ++p) {
      T* dst = grad_in + p * in_plane;
      std::fill(dst, dst + in_plane, T(0));
      const int64_t* idx = indices + p * out_plane;
      const T* src = grad_out + p * out_plane;
      for (int64_t o = 0; o < out_plane; ++o)
        if (idx[o] >= 0) dst[idx[o]] = static_cast<T>(acc_t<T>(dst[idx[o]]) + acc_t<T>(src[o]));
    }
  });
}

}  // namespace

void max_pool2d_backward(DType dtype, const PoolGeometry& g, void* grad_in, const int64_t* indices, const void* grad_out) {
  dispatch_floating(dtype, [&]<class T>() {
    max_pool_backward_plain<T>(g, static_cast<T*>(grad_in), indices, static_cast<const T*>(grad_out));
  });
}

void max_pool2d(DType dtype, const PoolGeometry& g, void* out, int64_t* indices, const void* in) {
  // Adaptive windows, or the fixed tiles that adaptive pooling takes when the output divides the
  // input (global pooling: 56 x 56 to 1 x 1 ran at 0.25x PyTorch's speed through the interior
  // loop, a pass per tap over one output).
  const bool tiles = g.h_start == nullptr && g.w_start == nullptr && g.pad[0] == 0 && g.pad[1] == 0 &&
                     g.dilation[0] == 1 && g.dilation[1] == 1 && g.stride[0] >= g.kernel[0] &&
                     g.stride[1] >= g.kernel[1] && g.kernel[0] >= 2 && g.kernel[1] >= kVectorRun;
  const bool by_columns = g.adaptive ? g.in_h > g.out_h && g.in_w >= kVectorRun : tiles;
  dispatch_floating(dtype, [&]<class T>() {
    if (by_columns && indices)
      max_pool_by_columns<T, true>(g, static_cast<T*>(out), indices, static_cast<const T*>(in));
    else if (by_columns)
      max_pool_by_columns<T, false>(g, static_cast<T*>(out), nullptr, static_cast<const T*>(in));
    else if (indices)
      max_pool_plain<T, true>(g, static_cast<T*>(out), indices, static_cast<const T*>(in));
    else
      max_pool_plain<T, false>(g, static_cast<T*>(out), nullptr, static_cast<const T*>(in));
  });
}

void avg_pool2d(DType dtype, const PoolGeometry& g, bool backward, void* out, const void* in) {
  dispatch_floating(dtype, [&]<class T>() { avg_pool_plain<T>(g, backward, static_cast<T*>(out), static_cast<const T*>(in)); });
}

}  // namespace tg::kernels::cpu
