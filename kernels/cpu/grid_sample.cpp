// grid_sample on the CPU: each output point's taps and weights computed once and applied to
// every channel. The backward records them per point, then scatters the input's gradient plane
// by plane (so that no two threads add into one plane) and reduces the grid's over channels.
#include <cmath>
#include <vector>

#include "kernels/cpu/cpu_kernels.h"
#include "kernels/cpu/loops.h"
#include "kernels/grid_sample_math.h"

namespace tg::kernels::cpu {
namespace {

template <class T>
void forward(const GridSampleGeometry& g, T* out, const T* in, const T* grid) {
  using A = acc_t<T>;
  const int64_t plane = g.in_h * g.in_w, points = g.out_h * g.out_w;
  // Blocks of points of one image: their taps first, then each channel's run over the block
  // (contiguous writes, no branches).
  constexpr int64_t kBlockPoints = 256;
  const int64_t blocks = (points + kBlockPoints - 1) / kBlockPoints;
  parallel_for(0, g.n * blocks, std::max<int64_t>(1, kGrain / (kBlockPoints * std::max<int64_t>(1, g.c))),
               [&](int64_t lo, int64_t hi) {
                 int64_t at[kBlockPoints][4];
                 A weight[kBlockPoints][4];
                 for (int64_t blk = lo; blk < hi; ++blk) {
                   const int64_t b = blk / blocks, p0 = (blk % blocks) * kBlockPoints;
                   const int64_t count = std::min(kBlockPoints, points - p0);
                   for (int64_t i = 0; i < count; ++i) {
                     const T* point = grid + 2 * (b * points + p0 + i);
                     const GridTaps<A> taps = grid_taps(g, A(point[0]), A(point[1]));
                     for (int k = 0; k < 4; ++k) {
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
                     for (int64_t i = 0; i < count; ++i)
                       dst[i] = static_cast<T>(A(src[at[i][0]]) * weight[i][0] + A(src[at[i][1]]) * weight[i][1] +
                                               A(src[at[i][2]]) * weight[i][2] + A(src[at[i][3]]) * weight[i][3]);
                   }
                 }
               });
}

template <class T>
void backward(const GridSampleGeometry& g, T* grad_input, T* grad_grid, const T* grad_out, const T* in,
              const T* grid) {
  using A = acc_t<T>;
  const int64_t plane = g.in_h * g.in_w, points = g.out_h * g.out_w;
  std::vector<GridTaps<A>> all(grad_input ? static_cast<size_t>(g.n * points) : 0);
  const int64_t grain = std::max<int64_t>(1, kGrain / std::max<int64_t>(1, 4 * g.c));
  parallel_for(0, g.n * points, grain, [&](int64_t lo, int64_t hi) {
    for (int64_t t = lo; t < hi; ++t) {
      const GridTaps<A> taps = grid_taps(g, A(grid[2 * t]), A(grid[2 * t + 1]));
      if (grad_input) all[static_cast<size_t>(t)] = taps;
      if (!grad_grid) continue;
      A gx = 0, gy = 0;
      if (!g.nearest) {
        const int64_t b = t / points, p = t % points;
        const T* src = in + b * g.c * plane;
        const T* go = grad_out + b * g.c * points + p;
        for (int64_t ch = 0; ch < g.c; ++ch, src += plane) {
          const A gv = A(go[ch * points]);
          for (int k = 0; k < 4; ++k) {
            const A v = A(src[taps.at[k]]) * gv;
            gx += v * taps.d_x[k];
            gy += v * taps.d_y[k];
          }
        }
      }
      grad_grid[2 * t] = static_cast<T>(gx * taps.slope_x);
      grad_grid[2 * t + 1] = static_cast<T>(gy * taps.slope_y);
    }
  });
  if (!grad_input) return;
  const int64_t plane_grain = std::max<int64_t>(1, kGrain / std::max<int64_t>(1, 4 * points));
  parallel_for(0, g.n * g.c, plane_grain, [&](int64_t lo, int64_t hi) {
    std::vector<A> acc(static_cast<size_t>(plane));
    for (int64_t pc = lo; pc < hi; ++pc) {
      const int64_t b = pc / g.c;
      std::fill(acc.begin(), acc.end(), A(0));
      const T* go = grad_out + pc * points;
      const GridTaps<A>* taps = all.data() + b * points;
      for (int64_t p = 0; p < points; ++p) {
        const A gv = A(go[p]);
        for (int k = 0; k < 4; ++k) acc[static_cast<size_t>(taps[p].at[k])] += taps[p].weight[k] * gv;
      }
      T* gi = grad_input + pc * plane;
      for (int64_t i = 0; i < plane; ++i) gi[i] = static_cast<T>(acc[static_cast<size_t>(i)]);
    }
  });
}

}  // namespace

void grid_sample(DType dtype, const GridSampleGeometry& g, void* out, const void* input, const void* grid) {
  dispatch_floating(dtype, [&]<class T>() {
    forward<T>(g, static_cast<T*>(out), static_cast<const T*>(input), static_cast<const T*>(grid));
  });
}

void grid_sample_backward(DType dtype, const GridSampleGeometry& g, void* grad_input, void* grad_grid,
                          const void* grad_out, const void* input, const void* grid) {
  dispatch_floating(dtype, [&]<class T>() {
    backward<T>(g, static_cast<T*>(grad_input), static_cast<T*>(grad_grid), static_cast<const T*>(grad_out),
                static_cast<const T*>(input), static_cast<const T*>(grid));
  });
}

}  // namespace tg::kernels::cpu
