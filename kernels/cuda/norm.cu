// Batch normalisation over contiguous [n, c, inner] data on the GPU: a block per channel for the
// statistics and the backward pass (sums in double, shifted by the channel's first value as on
// the CPU), and an elementwise kernel for the per-channel scale and shift.
#include <cmath>

#include "kernels/cuda/cuda_kernels.h"
#include "kernels/cuda/loops.cuh"

namespace tg::kernels::cuda {
namespace {

// Sums a and b over the block; every thread gets the totals.
__device__ inline void block_sum2(double& a, double& b) {
  __shared__ double sa[kBlock / 32], sb[kBlock / 32];
  for (int o = 16; o > 0; o /= 2) {
    a += __shfl_down_sync(0xffffffffu, a, o);
    b += __shfl_down_sync(0xffffffffu, b, o);
  }
  const int lane = threadIdx.x % 32, warp = threadIdx.x / 32;
  __syncthreads();
  if (lane == 0) {
    sa[warp] = a;
    sb[warp] = b;
  }
  __syncthreads();
  a = b = 0;
  for (int w = 0; w < static_cast<int>(blockDim.x / 32); ++w) {
    a += sa[w];
    b += sb[w];
  }
}

template <class T>
__global__ void stats_kernel(int64_t n, int64_t c, int64_t inner, const T* x, T* mean, T* var) {
  using A = acc_t<T>;
  const int64_t ch = blockIdx.x, m = n * inner;
  const A shift = m > 0 ? static_cast<A>(x[ch * inner]) : A(0);
  double s = 0, ss = 0;
  for (int64_t e = threadIdx.x; e < m; e += blockDim.x) {
    const int64_t b = e / inner, i = e % inner;
    const double d = static_cast<double>(static_cast<A>(x[(b * c + ch) * inner + i]) - shift);
    s += d;
    ss += d * d;
  }
  block_sum2(s, ss);
  if (threadIdx.x == 0) {
    const double count = static_cast<double>(m), mu = s / count;
    mean[ch] = static_cast<T>(static_cast<double>(shift) + mu);
    var[ch] = static_cast<T>(fmax(0.0, ss / count - mu * mu));
  }
}

template <class T>
__global__ void affine_kernel(int64_t total, int64_t c, int64_t inner, const T* x, const T* scale, const T* shift,
                              T* y) {
  using A = acc_t<T>;
  const int64_t step = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t e = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; e < total; e += step) {
    const int64_t ch = (e / inner) % c;
    y[e] = static_cast<T>(static_cast<A>(x[e]) * static_cast<A>(scale[ch]) + static_cast<A>(shift[ch]));
  }
}

template <class T>
__global__ void backward_kernel(int64_t n, int64_t c, int64_t inner, const T* x, const T* dy, const T* mean,
                                const T* invstd, const T* weight, T* dx, T* sum_dy, T* sum_dy_xhat) {
  using A = acc_t<T>;
  const int64_t ch = blockIdx.x, m = n * inner;
  const A mu = static_cast<A>(mean[ch]), is = static_cast<A>(invstd[ch]);
  double sd = 0, sdx = 0;
  for (int64_t e = threadIdx.x; e < m; e += blockDim.x) {
    const int64_t at = ((e / inner) * c + ch) * inner + e % inner;
    const A g = static_cast<A>(dy[at]);
    sd += static_cast<double>(g);
    sdx += static_cast<double>(g * (static_cast<A>(x[at]) - mu));
  }
  block_sum2(sd, sdx);
  sdx *= static_cast<double>(is);
  if (threadIdx.x == 0) {
    sum_dy[ch] = static_cast<T>(sd);
    sum_dy_xhat[ch] = static_cast<T>(sdx);
  }
  if (!dx) return;
  const double count = static_cast<double>(m);
  const A w = weight ? static_cast<A>(weight[ch]) : A(1);
  const A k = w * is, mean_dy = static_cast<A>(sd / count), proj = static_cast<A>(sdx / count) * is;
  for (int64_t e = threadIdx.x; e < m; e += blockDim.x) {
    const int64_t at = ((e / inner) * c + ch) * inner + e % inner;
    dx[at] = static_cast<T>(k * (static_cast<A>(dy[at]) - mean_dy - (static_cast<A>(x[at]) - mu) * proj));
  }
}

}  // namespace

void batch_norm_stats(DType dtype, int64_t n, int64_t c, int64_t inner, const void* x, void* mean, void* var) {
  if (c == 0) return;
  dispatch_floating(dtype, [&]<class T>() {
    stats_kernel<T><<<static_cast<unsigned>(c), kBlock, 0, current_stream()>>>(
        n, c, inner, static_cast<const T*>(x), static_cast<T*>(mean), static_cast<T*>(var));
  });
  TG_CUDA_CHECK(cudaGetLastError(), "batch_norm");
}

void channel_affine(DType dtype, int64_t n, int64_t c, int64_t inner, const void* x, const void* scale, const void* shift,
                    void* y) {
  const int64_t total = n * c * inner;
  if (total == 0) return;
  dispatch_floating(dtype, [&]<class T>() {
    affine_kernel<T><<<grid_for(total), kBlock, 0, current_stream()>>>(
        total, c, inner, static_cast<const T*>(x), static_cast<const T*>(scale), static_cast<const T*>(shift),
        static_cast<T*>(y));
  });
  TG_CUDA_CHECK(cudaGetLastError(), "batch_norm");
}

void batch_norm_backward(DType dtype, int64_t n, int64_t c, int64_t inner, const void* x, const void* dy,
                         const void* mean, const void* invstd, const void* weight, void* dx, void* sum_dy,
                         void* sum_dy_xhat) {
  if (c == 0) return;
  dispatch_floating(dtype, [&]<class T>() {
    backward_kernel<T><<<static_cast<unsigned>(c), kBlock, 0, current_stream()>>>(
        n, c, inner, static_cast<const T*>(x), static_cast<const T*>(dy), static_cast<const T*>(mean),
        static_cast<const T*>(invstd), static_cast<const T*>(weight), static_cast<T*>(dx), static_cast<T*>(sum_dy),
        static_cast<T*>(sum_dy_xhat));
  });
  TG_CUDA_CHECK(cudaGetLastError(), "batch_norm_backward");
}

}  // namespace tg::kernels::cuda
