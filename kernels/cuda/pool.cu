// 2-D max and average pooling over contiguous planes on the GPU: a thread per output for the
// forward passes (the CPU's scan order, so ties and NaNs pick the same input); backward passes
// scatter each output's gradient with atomic adds (windows may overlap). Own kernels rather than
// cuDNN's pooling, as PyTorch's are too: cuDNN's gives no argmax indices (which return_indices,
// max_unpool and this backward read), has no dilation, no ceil_mode and no divisor_override.
#include <cmath>
#include <vector>

#include "kernels/cuda/cuda_kernels.h"
#include "kernels/cuda/loops.cuh"
#include "kernels/pool_math.h"
#include "tapegrad/deterministic.h"

namespace tg::kernels::cuda {
namespace {

template <class T>
__global__ void max_pool_kernel(const PoolGeometry g, T* out, int64_t* indices, const T* in) {
  using A = acc_t<T>;
  const int64_t out_plane = g.out_h * g.out_w, total = g.planes * out_plane;
  const int64_t step = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t t = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; t < total; t += step) {
    const int64_t p = t / out_plane, oh = (t % out_plane) / g.out_w, ow = t % g.out_w;
    int64_t h0, ia, ib, w0, ja, jb;
    plane_window_taps(g, 0, p, oh, h0, ia, ib);
    plane_window_taps(g, 1, p, ow, w0, ja, jb);
    if (ia >= ib || ja >= jb) {  // a dilated window that misses the input: -inf, as the CPU's
      out[t] = static_cast<T>(-INFINITY);
      if (indices) indices[t] = -1;
      continue;
    }
    const T* src = in + p * g.in_h * g.in_w;
    int64_t best_at = (h0 + ia * g.dilation[0]) * g.in_w + w0 + ja * g.dilation[1];
    A best = static_cast<A>(src[best_at]);
    for (int64_t i = ia; i < ib && best == best; ++i) {
      const int64_t row = (h0 + i * g.dilation[0]) * g.in_w + w0;
      for (int64_t j = ja; j < jb; ++j) {
        const int64_t at = row + j * g.dilation[1];
        const A v = static_cast<A>(src[at]);
        if (v > best || v != v) {  // the first NaN ends the scan
          best = v;
          best_at = at;
          if (v != v) break;
        }
      }
    }
    out[t] = static_cast<T>(best);
    if (indices) indices[t] = best_at;
  }
}

template <class T>
__global__ void max_pool_backward_kernel(const PoolGeometry g, T* grad_in, const int64_t* indices, const T* grad_out) {
  const int64_t out_plane = g.out_h * g.out_w, total = g.planes * out_plane;
  const int64_t step = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t t = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; t < total; t += step) {
    const int64_t idx = indices[t];
    if (idx >= 0) atomicAdd(grad_in + (t / out_plane) * g.in_h * g.in_w + idx, grad_out[t]);
  }
}

// The averaging windows, copied to the device: h_lo, h_hi, h_div (out_h each), then w_*.
struct Windows {
  const int64_t *h_lo, *h_hi, *h_div, *w_lo, *w_hi, *w_div;
  int64_t divisor;
};

template <class T>
__device__ inline acc_t<T> divisor_of(const Windows& w, int64_t oh, int64_t ow) {
  return static_cast<acc_t<T>>(w.divisor > 0 ? w.divisor : w.h_div[oh] * w.w_div[ow]);
}

template <class T>
__global__ void avg_pool_kernel(const PoolGeometry g, const Windows w, T* out, const T* in) {
  using A = acc_t<T>;
  const int64_t out_plane = g.out_h * g.out_w, total = g.planes * out_plane;
  const int64_t step = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t t = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; t < total; t += step) {
    const int64_t p = t / out_plane, oh = (t % out_plane) / g.out_w, ow = t % g.out_w;
    const T* src = in + p * g.in_h * g.in_w;
    A s = 0;
    for (int64_t ih = w.h_lo[oh]; ih < w.h_hi[oh]; ++ih)
      for (int64_t iw = w.w_lo[ow]; iw < w.w_hi[ow]; ++iw) s += static_cast<A>(src[ih * g.in_w + iw]);
    out[t] = static_cast<T>(s / divisor_of<T>(w, oh, ow));
  }
}

// Backward: `grad_out` is d(out) [planes, OH, OW]; d(in) (zeroed first) gets each share.
template <class T>
__global__ void avg_pool_backward_kernel(const PoolGeometry g, const Windows w, T* grad_in, const T* grad_out) {
  using A = acc_t<T>;
  const int64_t out_plane = g.out_h * g.out_w, total = g.planes * out_plane;
  const int64_t step = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t t = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; t < total; t += step) {
    const int64_t p = t / out_plane, oh = (t % out_plane) / g.out_w, ow = t % g.out_w;
    T* dst = grad_in + p * g.in_h * g.in_w;
    const T share = static_cast<T>(static_cast<A>(grad_out[t]) / divisor_of<T>(w, oh, ow));
    for (int64_t ih = w.h_lo[oh]; ih < w.h_hi[oh]; ++ih)
      for (int64_t iw = w.w_lo[ow]; iw < w.w_hi[ow]; ++iw) atomicAdd(dst + ih * g.in_w + iw, share);
  }
}

}  // namespace

void max_pool2d(DType dtype, const PoolGeometry& g, void* out, int64_t* indices, const void* in) {
  const int64_t total = g.planes * g.out_h * g.out_w;
  if (total == 0) return;
  dispatch_floating(dtype, [&]<class T>() {
    max_pool_kernel<T><<<grid_for(total), kBlock, 0, current_stream()>>>(g, static_cast<T*>(out), indices,
                                                                         static_cast<const T*>(in));
  });
  TG_CUDA_CHECK(cudaGetLastError(), "max_pool2d");
}

void max_pool2d_backward(DType dtype, const PoolGeometry& g, void* grad_in, const int64_t* indices, const void* grad_out) {
  const size_t in_bytes = static_cast<size_t>(g.planes * g.in_h * g.in_w) * itemsize(dtype);
  if (in_bytes == 0) return;
  ::tg::detail::alert_not_deterministic("max_pool2d_backward");
  TG_CUDA_CHECK(cudaMemsetAsync(grad_in, 0, in_bytes, current_stream()), "max_pool2d_backward");
  const int64_t total = g.planes * g.out_h * g.out_w;
  if (total == 0) return;
  dispatch_floating(dtype, [&]<class T>() {
    max_pool_backward_kernel<T><<<grid_for(total), kBlock, 0, current_stream()>>>(g, static_cast<T*>(grad_in), indices,
                                                                                  static_cast<const T*>(grad_out));
  });
  TG_CUDA_CHECK(cudaGetLastError(), "max_pool2d_backward");
}

void avg_pool2d(DType dtype, const PoolGeometry& g, bool backward, void* out, const void* in) {
  const int64_t total = g.planes * g.out_h * g.out_w;
  const char* op = backward ? "avg_pool2d_backward" : "avg_pool2d";
  if (backward) {
    const size_t in_bytes = static_cast<size_t>(g.planes * g.in_h * g.in_w) * itemsize(dtype);
    if (in_bytes == 0) return;
    ::tg::detail::alert_not_deterministic(op);
    TG_CUDA_CHECK(cudaMemsetAsync(out, 0, in_bytes, current_stream()), op);
  }
  if (total == 0) return;
  // The window tables live on the host: copy them over (6 small arrays in one block).
  const size_t h = static_cast<size_t>(g.out_h), w = static_cast<size_t>(g.out_w);
  std::vector<int64_t> host;
  host.reserve(3 * (h + w));
  for (const int64_t* a : {g.h_lo, g.h_hi, g.h_div}) host.insert(host.end(), a, a + h);
  for (const int64_t* a : {g.w_lo, g.w_hi, g.w_div}) host.insert(host.end(), a, a + w);
  Scratch tables(host.size() * sizeof(int64_t));
  int64_t* d = tables.as<int64_t>();
  TG_CUDA_CHECK(cudaMemcpyAsync(d, host.data(), host.size() * sizeof(int64_t), cudaMemcpyHostToDevice, current_stream()),
                op);
  const Windows win{d, d + h, d + 2 * h, d + 3 * h, d + 3 * h + w, d + 3 * h + 2 * w, g.divisor};
  dispatch_floating(dtype, [&]<class T>() {
    if (backward)
      avg_pool_backward_kernel<T><<<grid_for(total), kBlock, 0, current_stream()>>>(g, win, static_cast<T*>(out),
                                                                                    static_cast<const T*>(in));
    else
      avg_pool_kernel<T><<<grid_for(total), kBlock, 0, current_stream()>>>(g, win, static_cast<T*>(out),
                                                                           static_cast<const T*>(in));
  });
  TG_CUDA_CHECK(cudaGetLastError(), op);
}

}  // namespace tg::kernels::cuda
