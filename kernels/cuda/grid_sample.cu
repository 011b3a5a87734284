// grid_sample on the GPU, 2-D (bilinear, nearest, bicubic) and 3-D: one thread per output point, looping over the
// channels with the point's taps (the coordinate maths shared with the CPU in grid_sample_math.h); the backward adds
// the input's gradient with atomics and reduces the grid's over channels in the thread.
#include "kernels/cuda/cuda_kernels.h"
#include "kernels/cuda/loops.cuh"
#include "kernels/grid_sample_math.h"
#include "tapegrad/deterministic.h"

namespace tg::kernels::cuda {
namespace {

template <int S, bool kCubic, bool kDerivatives, class T>
__device__ GridTaps<acc_t<T>, S, kCubic> point_taps(const GridSampleGeometry& g, const T* grid, int64_t t) {
  acc_t<T> coords[S];
  for (int s = 0; s < S; ++s) coords[s] = static_cast<acc_t<T>>(grid[S * t + s]);
  return sample_taps<S, kCubic, kDerivatives>(g, coords);
}

template <class T, int S, bool kCubic>
__global__ void forward_kernel(const GridSampleGeometry g, T* out, const T* in, const T* grid) {
  using A = acc_t<T>;
  const int64_t plane = g.in_d * g.in_h * g.in_w, points = g.out_d * g.out_h * g.out_w, total = g.n * points;
  const int64_t step = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t t = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; t < total; t += step) {
    const int64_t b = t / points, p = t % points;
    const GridTaps<A, S, kCubic> taps = point_taps<S, kCubic, false>(g, grid, t);
    const T* src = in + b * g.c * plane;
    T* dst = out + b * g.c * points + p;
    for (int64_t ch = 0; ch < g.c; ++ch, src += plane) {
      A sum = 0;
      for (int k = 0; k < GridTaps<A, S, kCubic>::kTaps; ++k) sum += static_cast<A>(src[taps.at[k]]) * taps.weight[k];
      dst[ch * points] = static_cast<T>(sum);
    }
  }
}

template <class T, int S, bool kCubic>
__global__ void backward_kernel(const GridSampleGeometry g, T* grad_input, T* grad_grid, const T* grad_out, const T* in,
                                const T* grid) {
  using A = acc_t<T>;
  const int64_t plane = g.in_d * g.in_h * g.in_w, points = g.out_d * g.out_h * g.out_w, total = g.n * points;
  const int64_t step = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t t = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; t < total; t += step) {
    const int64_t b = t / points, p = t % points;
    const GridTaps<A, S, kCubic> taps = point_taps<S, kCubic, true>(g, grid, t);
    const T* src = in + b * g.c * plane;
    const T* go = grad_out + b * g.c * points + p;
    T* gi = grad_input ? grad_input + b * g.c * plane : nullptr;
    A gc[S] = {};
    for (int64_t ch = 0; ch < g.c; ++ch) {
      const A gv = static_cast<A>(go[ch * points]);
      for (int k = 0; k < GridTaps<A, S, kCubic>::kTaps; ++k) {
        // A tap outside has weight 0 (no atomic spent on it) and derivatives 0.
        if (gi && taps.weight[k] != A(0))
          atomicAdd(gi + ch * plane + taps.at[k], static_cast<T>(taps.weight[k] * gv));
        if (grad_grid && !g.nearest) {
          const A v = static_cast<A>(src[ch * plane + taps.at[k]]) * gv;
          for (int s = 0; s < S; ++s) gc[s] += v * taps.d[s][k];
        }
      }
    }
    if (grad_grid)
      for (int s = 0; s < S; ++s) grad_grid[S * t + s] = static_cast<T>(gc[s] * taps.slope[s]);
  }
}

}  // namespace

void grid_sample(DType dtype, const GridSampleGeometry& g, void* out, const void* input, const void* grid) {
  const int64_t total = g.n * g.out_d * g.out_h * g.out_w;
  if (total == 0 || g.c == 0) return;
  dispatch_floating(dtype, [&]<class T>() {
    auto launch = [&](auto kernel) {
      kernel<<<grid_for(total), kBlock, 0, current_stream()>>>(g, static_cast<T*>(out), static_cast<const T*>(input),
                                                               static_cast<const T*>(grid));
    };
    with_sampler(g, [&]<int S, bool kCubic>() { launch(forward_kernel<T, S, kCubic>); });
  });
  TG_CUDA_CHECK(cudaGetLastError(), "grid_sample");
}

void grid_sample_backward(DType dtype, const GridSampleGeometry& g, void* grad_input, void* grad_grid,
                          const void* grad_out, const void* input, const void* grid) {
  const char* op = "grid_sample_backward";
  if (grad_input) {
    ::tg::detail::alert_not_deterministic(op);
    const size_t bytes = static_cast<size_t>(g.n * g.c * g.in_d * g.in_h * g.in_w) * itemsize(dtype);
    if (bytes > 0) TG_CUDA_CHECK(cudaMemsetAsync(grad_input, 0, bytes, current_stream()), op);
  }
  const int64_t total = g.n * g.out_d * g.out_h * g.out_w;
  if (total == 0) return;
  dispatch_floating(dtype, [&]<class T>() {
    auto launch = [&](auto kernel) {
      kernel<<<grid_for(total), kBlock, 0, current_stream()>>>(
          g, static_cast<T*>(grad_input), static_cast<T*>(grad_grid), static_cast<const T*>(grad_out),
          static_cast<const T*>(input), static_cast<const T*>(grid));
    };
    with_sampler(g, [&]<int S, bool kCubic>() { launch(backward_kernel<T, S, kCubic>); });
  });
  TG_CUDA_CHECK(cudaGetLastError(), op);
}

}  // namespace tg::kernels::cuda
