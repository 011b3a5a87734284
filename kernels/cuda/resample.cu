// Resampling along one dim on the GPU (interpolate's separable passes): a thread per output
// value; the backward adds each output's shares into the input rows with atomics.
#include "kernels/cuda/cuda_kernels.h"
#include "kernels/cuda/loops.cuh"
#include "tapegrad/deterministic.h"

namespace tg::kernels::cuda {
namespace {

template <class T>
__global__ void forward_kernel(const ResampleGeometry g, T* out, const T* in, const int64_t* index,
                               const acc_t<T>* weight) {
  using A = acc_t<T>;
  const int64_t total = g.outer * g.out_size * g.inner;
  const int64_t step = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t t = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; t < total; t += step) {
    const int64_t j = t % g.inner, o = (t / g.inner) % g.out_size, b = t / (g.inner * g.out_size);
    const T* src = in + b * g.in_size * g.inner + j;
    if (!weight) {
      out[t] = src[index[o] * g.inner];
      continue;
    }
    A sum = 0;
    for (int k = 0; k < g.taps; ++k)
      sum += static_cast<A>(src[index[k * g.out_size + o] * g.inner]) * weight[k * g.out_size + o];
    out[t] = static_cast<T>(sum);
  }
}

template <class T>
__global__ void backward_kernel(const ResampleGeometry g, T* grad_in, const T* grad_out, const int64_t* index,
                                const acc_t<T>* weight) {
  using A = acc_t<T>;
  const int64_t total = g.outer * g.out_size * g.inner;
  const int64_t step = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t t = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; t < total; t += step) {
    const int64_t j = t % g.inner, o = (t / g.inner) % g.out_size, b = t / (g.inner * g.out_size);
    T* dst = grad_in + b * g.in_size * g.inner + j;
    const A go = static_cast<A>(grad_out[t]);
    for (int k = 0; k < g.taps; ++k) {
      const A w = weight ? weight[k * g.out_size + o] : A(1);
      atomicAdd(dst + index[k * g.out_size + o] * g.inner, static_cast<T>(w * go));
    }
  }
}

}  // namespace

void resample(DType dtype, const ResampleGeometry& g, bool backward, void* out, const void* in, const int64_t* index,
              const void* weight) {
  const char* op = backward ? "resample_backward" : "resample";
  if (backward) {
    ::tg::detail::alert_not_deterministic(op);
    const size_t bytes = static_cast<size_t>(g.outer * g.in_size * g.inner) * itemsize(dtype);
    if (bytes > 0) TG_CUDA_CHECK(cudaMemsetAsync(out, 0, bytes, current_stream()), op);
  }
  const int64_t total = g.outer * g.out_size * g.inner;
  if (total == 0) return;
  if (!backward && !weight) {
    dispatch_all(dtype, [&]<class T>() {
      forward_kernel<T><<<grid_for(total), kBlock, 0, current_stream()>>>(g, static_cast<T*>(out),
                                                                          static_cast<const T*>(in), index, nullptr);
    });
  } else {
    dispatch_floating(dtype, [&]<class T>() {
      const auto* w = static_cast<const acc_t<T>*>(weight);
      if (backward)
        backward_kernel<T><<<grid_for(total), kBlock, 0, current_stream()>>>(g, static_cast<T*>(out),
                                                                             static_cast<const T*>(in), index, w);
      else
        forward_kernel<T><<<grid_for(total), kBlock, 0, current_stream()>>>(g, static_cast<T*>(out),
                                                                            static_cast<const T*>(in), index, w);
    });
  }
  TG_CUDA_CHECK(cudaGetLastError(), op);
}

}  // namespace tg::kernels::cuda
