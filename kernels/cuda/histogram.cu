// histc's and histogram's binning on the GPU, a thread per value: with few bins each block counts
// into a histogram of its own in shared memory and adds it to the result once, so that the
// atomics of a block's threads meet there rather than in global memory; many bins go straight
// to the result.
#include "kernels/cuda/cuda_kernels.h"
#include "kernels/cuda/loops.cuh"
#include "kernels/histogram_math.h"

namespace tg::kernels::cuda {
namespace {

constexpr int64_t kSharedBins = 4096;  // 32 KiB of doubles
constexpr unsigned kMaxBlocks = 1024;  // each block's merge costs `bins` atomics

template <class T, bool kShared>
__global__ void count_bins(int64_t n, const T* __restrict__ x, const T* __restrict__ w, const T* __restrict__ edges,
                           int64_t bins, Binning binning, double* __restrict__ hist) {
  using A = acc_t<T>;
  extern __shared__ double local[];
  if constexpr (kShared) {
    for (int64_t b = threadIdx.x; b < bins; b += blockDim.x) local[b] = 0;
    __syncthreads();
  }
  double* h = kShared ? local : hist;
  const A lo = static_cast<A>(edges[0]), hi = static_cast<A>(edges[bins]);
  const A scale = hi > lo ? static_cast<A>(static_cast<double>(bins) / (static_cast<double>(hi) - lo)) : A(0);
  const int64_t step = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t t = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; t < n; t += step) {
    const int64_t b = histogram_bin(static_cast<A>(x[t]), edges, bins, binning, lo, hi, scale);
    if (b >= 0) atomicAdd(h + b, w ? static_cast<double>(static_cast<A>(w[t])) : 1.0);
  }
  if constexpr (kShared) {
    __syncthreads();
    for (int64_t b = threadIdx.x; b < bins; b += blockDim.x)
      if (local[b] != 0) atomicAdd(hist + b, local[b]);
  }
}

}  // namespace

void histogram(DType dtype, int64_t n, const void* values, const void* weights, const void* edges, int64_t bins,
               Binning binning, double* hist) {
  if (n == 0) return;
  dispatch_floating(dtype, [&]<class T>() {
    const auto* x = static_cast<const T*>(values);
    const auto* w = static_cast<const T*>(weights);
    const auto* e = static_cast<const T*>(edges);
    const unsigned blocks = grid_for(n) < kMaxBlocks ? grid_for(n) : kMaxBlocks;
    if (bins <= kSharedBins) {
      count_bins<T, true><<<blocks, kBlock, bins * sizeof(double), current_stream()>>>(n, x, w, e, bins, binning, hist);
    } else {
      count_bins<T, false><<<grid_for(n), kBlock, 0, current_stream()>>>(n, x, w, e, bins, binning, hist);
    }
    TG_CUDA_CHECK(cudaGetLastError(), "histogram");
  });
}

}  // namespace tg::kernels::cuda
