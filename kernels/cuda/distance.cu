// cdist / pdist on the GPU: a thread per distance (pdist: per (i, j) of the square, those with
// j <= i leaving at once), and for the backward a thread per coordinate of x1 summing over j,
// neighbouring threads reading neighbouring coordinates of the same row of x2 (coalesced) and
// the same gradient and distance (a broadcast).
#include "kernels/cuda/cuda_kernels.h"
#include "kernels/cuda/loops.cuh"
#include "kernels/distance_math.h"

namespace tg::kernels::cuda {
namespace {

using distance_math::Norm;

template <class T, Norm N>
__global__ void distance_kernel(const DistanceGeometry g, T* out, const T* x1, const T* x2) {
  const int64_t r1 = g.rows1, r2 = g.rows2, m = g.cols, total = g.batch * r1 * r2;
  const T p = static_cast<T>(g.p);
  for (int64_t t = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; t < total;
       t += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    const int64_t j = t % r2, i = t / r2 % r1, b = t / (r1 * r2);
    if (g.pairs && j <= i) continue;
    const T* a = x1 + (b * r1 + i) * m;
    const T* c = x2 + (b * r2 + j) * m;
    T acc = 0;
    for (int64_t k = 0; k < m; ++k) acc = distance_math::combine<N>(acc, distance_math::term<N>(a[k] - c[k], p));
    out[g.pairs ? distance_math::pair_index(i, j, r1) : t] = distance_math::finish<N>(acc, p);
  }
}

template <class T, Norm N>
__global__ void distance_backward_kernel(const DistanceGeometry g, T* gx1, const T* grad, const T* x1, const T* x2,
                                         const T* dist) {
  const int64_t r1 = g.rows1, r2 = g.rows2, m = g.cols, total = g.batch * r1 * m;
  const T p = static_cast<T>(g.p);
  for (int64_t t = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; t < total;
       t += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    const int64_t k = t % m, i = t / m % r1, b = t / (r1 * m);
    const T v = x1[t];
    const T* gb = grad + b * r1 * r2;
    const T* db = dist + b * r1 * r2;
    T s = 0;
    for (int64_t j = 0; j < r2; ++j) {
      int64_t at = i * r2 + j;
      if (g.pairs) {
        if (j == i) continue;
        at = j < i ? distance_math::pair_index(j, i, r1) : distance_math::pair_index(i, j, r1);
      }
      s += gb[at] * distance_math::slope<N>(v - x2[(b * r2 + j) * m + k], db[at], p);
    }
    gx1[t] = s;
  }
}

}  // namespace

void distance(DType dtype, const DistanceGeometry& g, void* out, const void* x1, const void* x2) {
  const int64_t total = g.batch * g.rows1 * g.rows2;
  if (total == 0) return;
  dispatch_single_double(dtype, [&]<class T>() {
    distance_math::with_norm(g.p, [&]<Norm N>() {
      distance_kernel<T, N><<<grid_for(total), kBlock, 0, current_stream()>>>(
          g, static_cast<T*>(out), static_cast<const T*>(x1), static_cast<const T*>(x2));
    });
  });
  TG_CUDA_CHECK(cudaGetLastError(), g.pairs ? "pdist" : "cdist");
}

void distance_backward(DType dtype, const DistanceGeometry& g, void* gx1, const void* grad, const void* x1,
                       const void* x2, const void* dist) {
  const int64_t total = g.batch * g.rows1 * g.cols;
  if (total == 0) return;
  dispatch_single_double(dtype, [&]<class T>() {
    distance_math::with_norm(g.p, [&]<Norm N>() {
      distance_backward_kernel<T, N><<<grid_for(total), kBlock, 0, current_stream()>>>(
          g, static_cast<T*>(gx1), static_cast<const T*>(grad), static_cast<const T*>(x1), static_cast<const T*>(x2),
          static_cast<const T*>(dist));
    });
  });
  TG_CUDA_CHECK(cudaGetLastError(), g.pairs ? "pdist_backward" : "cdist_backward");
}

}  // namespace tg::kernels::cuda
