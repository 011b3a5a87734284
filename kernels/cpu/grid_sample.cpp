// grid_sample on the CPU, 2-D (bilinear, nearest, bicubic) and 3-D: each output point's taps and weights computed once
// and applied to every channel. The backward records them per point, then scatters the input's gradient plane by plane
// (so that no two threads add into one plane) and sums the grid's over channels.
#include <cmath>
#include <vector>

#include "kernels/cpu/cpu_kernels.h"
#include "kernels/cpu/loops.h"
#include "kernels/grid_sample_math.h"

namespace tg::kernels::cpu {
namespace {

template <class T, int S, bool kCubic>
void forward(const GridSampleGeometry& g, T* out, const T* in, const T* grid) {
  using A = acc_t<T>;
  using Taps = GridTaps<A, S, kCubic>;
  constexpr int kTaps = Taps::kTaps;
  const int64_t plane = g.in_d * g.in_h * g.in_w, points = g.out_d * g.out_h * g.out_w;
  // Blocks of points of one image: their taps first, then each channel's run over the block
  // (contiguous writes, no branches).
  constexpr int64_t kBlockPoints = 256;
  const int64_t blocks = (points + kBlockPoints - 1) / kBlockPoints;
  parallel_for(0, g.n * blocks, std::max<int64_t>(1, kGrain / (kBlockPoints * std::max<int64_t>(1, g.c))),
               [&](int64_t lo, int64_t hi) {
                 int64_t at[kBlockPoints][kTaps];
                 A weight[kBlockPoints][kTaps];
                 for (int64_t blk = lo; blk < hi; ++blk) {
                   const int64_t b = blk / blocks, p0 = (blk % blocks) * kBlockPoints;
                   const int64_t count = std::min(kBlockPoints, points - p0);
                   for (int64_t i = 0; i < count; ++i) {
                     const T* point = grid + S * (b * points + p0 + i);
                     A coords[S];
                     for (int s = 0; s < S; ++s) coords[s] = A(point[s]);
                     const Taps taps = sample_taps<S, kCubic, false>(g, coords);
                     for (int k = 0; k < kTaps; ++k) {
                       at[i][k] = taps.at[k];
                       weight[i][k] = taps.weight[k];
                     }
                   }
                   const T* src = in + b * g.c * plane;
                   T* dst = out + b * g.c * points + p0;
                   for (int64_t ch = 0; ch < g.c; ++ch, src += plane, dst += points) {
                     if (g.nearest) {
                       for (int64_t i = 0; i < count; ++i) dst[i] = static_cast<T>(A(src[at[i][0]]) * weight[i][0]);
                       continue;
                     }
                     for (int64_t i = 0; i < count; ++i) {
                       A sum = 0;
                       for (int k = 0; k < kTaps; ++k) sum += A(src[at[i][k]]) * weight[i][k];
                       dst[i] = static_cast<T>(sum);
                     }
                   }
                 }
               });
}

template <class T, int S, bool kCubic>
void backward(const GridSampleGeometry& g, T* grad_input, T* grad_grid, const T* grad_out, const T* in, const T* grid) {
  using A = acc_t<T>;
  using Taps = GridTaps<A, S, kCubic>;
  constexpr int kTaps = Taps::kTaps;
  const int64_t plane = g.in_d * g.in_h * g.in_w, points = g.out_d * g.out_h * g.out_w;
  std::vector<Taps> all(grad_input ? static_cast<size_t>(g.n * points) : 0);
  // Blocks of points of one image, as in the forward: their taps, then the grid's gradient
  // summed channel by channel over the block (the output gradient read along its rows).
  constexpr int64_t kBlockPoints = 128;
  const int64_t blocks = (points + kBlockPoints - 1) / kBlockPoints;
  const int64_t grain = std::max<int64_t>(1, kGrain / std::max<int64_t>(1, kBlockPoints * kTaps * g.c));
  parallel_for(0, g.n * blocks, grain, [&](int64_t lo, int64_t hi) {
    Taps taps[kBlockPoints];
    A sums[kBlockPoints][S];
    for (int64_t blk = lo; blk < hi; ++blk) {
      const int64_t b = blk / blocks, p0 = (blk % blocks) * kBlockPoints;
      const int64_t count = std::min(kBlockPoints, points - p0);
      for (int64_t i = 0; i < count; ++i) {
        const int64_t t = b * points + p0 + i;
        A coords[S];
        for (int s = 0; s < S; ++s) coords[s] = A(grid[S * t + s]);
        taps[i] = sample_taps<S, kCubic, true>(g, coords);
        if (grad_input) all[static_cast<size_t>(t)] = taps[i];
        for (int s = 0; s < S; ++s) sums[i][s] = 0;
      }
      if (!grad_grid) continue;
      if (!g.nearest) {
        const T* src = in + b * g.c * plane;
        const T* go = grad_out + b * g.c * points + p0;
        for (int64_t ch = 0; ch < g.c; ++ch, src += plane, go += points) {
          for (int64_t i = 0; i < count; ++i) {
            const A gv = A(go[i]);
            for (int k = 0; k < kTaps; ++k) {
              const A v = A(src[taps[i].at[k]]) * gv;
              for (int s = 0; s < S; ++s) sums[i][s] += v * taps[i].d[s][k];
            }
          }
        }
      }
      T* gg = grad_grid + S * (b * points + p0);
      for (int64_t i = 0; i < count; ++i)
        for (int s = 0; s < S; ++s) gg[S * i + s] = static_cast<T>(sums[i][s] * taps[i].slope[s]);
    }
  });
  if (!grad_input) return;
  const int64_t plane_grain = std::max<int64_t>(1, kGrain / std::max<int64_t>(1, kTaps * points));
  parallel_for(0, g.n * g.c, plane_grain, [&](int64_t lo, int64_t hi) {
    std::vector<A> acc(static_cast<size_t>(plane));
    for (int64_t pc = lo; pc < hi; ++pc) {
      const int64_t b = pc / g.c;
      std::fill(acc.begin(), acc.end(), A(0));
      const T* go = grad_out + pc * points;
      const Taps* taps = all.data() + b * points;
      for (int64_t p = 0; p < points; ++p) {
        const A gv = A(go[p]);
        for (int k = 0; k < kTaps; ++k) acc[static_cast<size_t>(taps[p].at[k])] += taps[p].weight[k] * gv;
      }
      T* gi = grad_input + pc * plane;
      for (int64_t i = 0; i < plane; ++i) gi[i] = static_cast<T>(acc[static_cast<size_t>(i)]);
    }
  });
}

}  // namespace

void grid_sample(DType dtype, const GridSampleGeometry& g, void* out, const void* input, const void* grid) {
  dispatch_floating(dtype, [&]<class T>() {
    auto run = [&]<int S, bool kCubic>() {
      forward<T, S, kCubic>(g, static_cast<T*>(out), static_cast<const T*>(input), static_cast<const T*>(grid));
    };
    with_sampler(g, run);
  });
}

void grid_sample_backward(DType dtype, const GridSampleGeometry& g, void* grad_input, void* grad_grid,
                          const void* grad_out, const void* input, const void* grid) {
  dispatch_floating(dtype, [&]<class T>() {
    auto run = [&]<int S, bool kCubic>() {
      backward<T, S, kCubic>(g, static_cast<T*>(grad_input), static_cast<T*>(grad_grid),
                             static_cast<const T*>(grad_out), static_cast<const T*>(input),
                             static_cast<const T*>(grid));
    };
    with_sampler(g, run);
  });
}

}  // namespace tg::kernels::cpu
