// softmax / log_softmax along one dim on the GPU: a block per row, max-subtracted for stability
// (the CPU kernel's formula and its rule for rows of -inf).
#include <cmath>

#include "kernels/cuda/cuda_kernels.h"
#include "kernels/cuda/loops.cuh"

namespace tg::kernels::cuda {
namespace {

// The block's reduction of v (max or sum), returned to every thread.
template <bool kMax, class A>
__device__ A block_reduce(A v, A* shared) {
  for (int o = 16; o > 0; o /= 2) {
    const A w = __shfl_down_sync(0xffffffffu, v, o);
    v = kMax ? ((w > v || w != w) ? w : v) : v + w;
  }
  const int lane = threadIdx.x % 32, warp = threadIdx.x / 32, warps = blockDim.x / 32;
  __syncthreads();  // shared may still be read by the previous call
  if (lane == 0) shared[warp] = v;
  __syncthreads();
  A r = shared[0];
  for (int w = 1; w < warps; ++w) r = kMax ? ((shared[w] > r || shared[w] != shared[w]) ? shared[w] : r) : r + shared[w];
  return r;
}

template <class T>
__global__ void softmax_rows(const DimGeometry g, bool log, const T* __restrict__ x, T* __restrict__ y) {
  using A = acc_t<T>;
  __shared__ A shared[kBlock / 32];
  const int64_t r = blockIdx.x;
  const int64_t o = r / g.inner, i = r % g.inner;
  const T* xs = x + o * g.in_outer_stride + i * g.in_inner_stride;
  T* ys = y + o * g.out_outer_stride + i * g.out_inner_stride;
  const int64_t sx = g.in_dim_stride, sy = g.out_dim_stride;
  A mx = -INFINITY;
  for (int64_t k = threadIdx.x; k < g.size; k += blockDim.x) {
    const A v = static_cast<A>(xs[k * sx]);
    if (v > mx || v != v) mx = v;
  }
  mx = block_reduce<true>(mx, shared);
  const A shift = isinf(mx) && mx < 0 ? A(0) : mx;
  A sum = 0;
  for (int64_t k = threadIdx.x; k < g.size; k += blockDim.x) sum += exp(static_cast<A>(xs[k * sx]) - shift);
  sum = block_reduce<false>(sum, shared);
  if (log) {
    const A lse = ::log(sum);
    for (int64_t k = threadIdx.x; k < g.size; k += blockDim.x)
      ys[k * sy] = static_cast<T>(static_cast<A>(xs[k * sx]) - shift - lse);
  } else {
    const A inv = A(1) / sum;
    for (int64_t k = threadIdx.x; k < g.size; k += blockDim.x)
      ys[k * sy] = static_cast<T>(exp(static_cast<A>(xs[k * sx]) - shift) * inv);
  }
}

}  // namespace

void softmax(DType dtype, bool log, const DimGeometry& g, void* out, const void* in) {
  const int64_t rows = g.outer * g.inner;
  if (rows == 0 || g.size == 0) return;
  TG_CHECK(rows <= 0x7fffffff, "softmax: {} rows are more than one CUDA launch can index", rows);
  unsigned threads = 32;
  while (threads < kBlock && threads < g.size) threads *= 2;
  dispatch_floating(dtype, [&]<class T>() {
    softmax_rows<T><<<static_cast<unsigned>(rows), threads, 0, current_stream()>>>(g, log, static_cast<const T*>(in),
                                                                                   static_cast<T*>(out));
    TG_CUDA_CHECK(cudaGetLastError(), "softmax");
  });
}

}  // namespace tg::kernels::cuda
