// 2-D max and average pooling over contiguous planes, parallel over planes. Average pooling
// takes precomputed windows, so plain, padded and adaptive pooling share one kernel.
#include <cmath>
#include <vector>

#include "kernels/cpu/cpu_kernels.h"
#include "kernels/cpu/loops.h"

namespace tg::kernels::cpu {
namespace {

template <class T>
void max_pool_plain(const PoolGeometry& g, T* out, int64_t* indices, const T* in) {
  using Acc = acc_t<T>;
  const int64_t in_plane = g.in_h * g.in_w, out_plane = g.out_h * g.out_w;
  parallel_for(0, g.planes, std::max<int64_t>(1, kGrain / std::max<int64_t>(1, in_plane)), [&](int64_t lo, int64_t hi) {
    for (int64_t p = lo; p < hi; ++p) {
      const T* src = in + p * in_plane;
      for (int64_t oh = 0; oh < g.out_h; ++oh)
        for (int64_t ow = 0; ow < g.out_w; ++ow) {
          Acc best = -std::numeric_limits<Acc>::infinity();
          int64_t best_at = -1;
          for (int64_t i = 0; i < g.kernel[0]; ++i) {
            const int64_t ih = oh * g.stride[0] - g.pad[0] + i * g.dilation[0];
            if (ih < 0 || ih >= g.in_h) continue;
            for (int64_t j = 0; j < g.kernel[1]; ++j) {
              const int64_t iw = ow * g.stride[1] - g.pad[1] + j * g.dilation[1];
              if (iw < 0 || iw >= g.in_w) continue;
              const Acc v = Acc(src[ih * g.in_w + iw]);
              if (best_at < 0 || v > best || std::isnan(v)) {
                best = v;
                best_at = ih * g.in_w + iw;
                if (std::isnan(v)) goto done;
              }
            }
          }
        done:
          out[p * out_plane + oh * g.out_w + ow] = static_cast<T>(best);
          indices[p * out_plane + oh * g.out_w + ow] = best_at;
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
  parallel_for(0, g.planes, std::max<int64_t>(1, kGrain / std::max<int64_t>(1, in_plane)), [&](int64_t lo, int64_t hi) {
    std::vector<Acc> acc(backward ? static_cast<size_t>(in_plane) : 0);
    for (int64_t p = lo; p < hi; ++p) {
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

}  // namespace

void max_pool2d(DType dtype, const PoolGeometry& g, void* out, int64_t* indices, const void* in) {
  dispatch_floating(dtype, [&]<class T>() { max_pool_plain<T>(g, static_cast<T*>(out), indices, static_cast<const T*>(in)); });
}

void avg_pool2d(DType dtype, const PoolGeometry& g, bool backward, void* out, const void* in) {
  dispatch_floating(dtype, [&]<class T>() { avg_pool_plain<T>(g, backward, static_cast<T*>(out), static_cast<const T*>(in)); });
}

}  // namespace tg::kernels::cpu
