// Batch normalisation over contiguous [n, c, inner] data on the GPU: a block per channel for the
// statistics and the backward pass (sums in double, shifted by the channel's first value as on
// the CPU), and an elementwise kernel for the per-channel scale and shift. Layer normalisation:
// a block per row for the output and the input gradient (the CPU kernel's two-pass statistics),
// and the weight and bias gradients as column sums over row chunks, then over the chunks. Group
// normalisation: a block per (sample, group) row, and per-plane sums for its backward.
#include <algorithm>
#include <cmath>

#include "kernels/cuda/cuda_kernels.h"
#include "kernels/cuda/loops.cuh"

namespace tg::kernels::cuda {
namespace {

// Sums a and b over the block (whole warps, at most kBlock threads); every thread gets the totals.
template <class A>
__device__ inline void block_sum2(A& a, A& b) {
  __shared__ A sa[kBlock / 32], sb[kBlock / 32];
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

// A row's mean and 1 / sqrt(var + eps) over the block, in the CPU kernels' two passes.
template <class T>
__device__ inline void block_row_stats(const T* xr, int64_t cols, T eps, T& mu, T& rs) {
  T s = 0, unused = 0;
  for (int64_t j = threadIdx.x; j < cols; j += blockDim.x) s += xr[j];
  block_sum2(s, unused);
  mu = s / static_cast<T>(cols);
  T ss = 0;
  for (int64_t j = threadIdx.x; j < cols; j += blockDim.x) ss += (xr[j] - mu) * (xr[j] - mu);
  block_sum2(ss, unused);
  rs = T(1) / sqrt(ss / static_cast<T>(cols) + eps);
}

template <class T>
__global__ void layer_norm_kernel(int64_t cols, T eps, const T* __restrict__ x, const T* __restrict__ w,
                                  const T* __restrict__ b, T* __restrict__ y, T* __restrict__ mean,
                                  T* __restrict__ rstd) {
  const int64_t r = blockIdx.x;
  const T* xr = x + r * cols;
  T* yr = y + r * cols;
  T mu, rs;
  block_row_stats(xr, cols, eps, mu, rs);
  if (threadIdx.x == 0) {
    mean[r] = mu;
    rstd[r] = rs;
  }
  for (int64_t j = threadIdx.x; j < cols; j += blockDim.x) {
    T v = (xr[j] - mu) * rs;
    if (w) v *= w[j];
    if (b) v += b[j];
    yr[j] = v;
  }
}

template <class T>
__global__ void layer_norm_dx_kernel(int64_t cols, const T* __restrict__ x, const T* __restrict__ dy,
                                     const T* __restrict__ mean, const T* __restrict__ rstd,
                                     const T* __restrict__ w, T* __restrict__ dx) {
  const int64_t r = blockIdx.x;
  const T* xr = x + r * cols;
  const T* gr = dy + r * cols;
  T* dr = dx + r * cols;
  const T mu = mean[r], rs = rstd[r];
  T a = 0, bsum = 0;  // sums of dy*w and dy*w*(x - mean)
  for (int64_t j = threadIdx.x; j < cols; j += blockDim.x) {
    const T gw = w ? gr[j] * w[j] : gr[j];
    a += gw;
    bsum += gw * (xr[j] - mu);
  }
  block_sum2(a, bsum);
  const T inv = T(1) / static_cast<T>(cols), ma = a * inv, mb = bsum * rs * inv;
  for (int64_t j = threadIdx.x; j < cols; j += blockDim.x) {
    const T gw = w ? gr[j] * w[j] : gr[j];
    dr[j] = rs * (gw - ma - (xr[j] - mu) * rs * mb);
  }
}

// Partial column sums of dy * xhat and dy over `rows_per_chunk` rows: a block of 32 columns x
// 8 row lanes, so each warp reads 32 consecutive values of a row.
template <class T>
__global__ void layer_norm_param_partial(int64_t rows, int64_t cols, int64_t rows_per_chunk, const T* __restrict__ x,
                                         const T* __restrict__ dy, const T* __restrict__ mean,
                                         const T* __restrict__ rstd, T* __restrict__ pw, T* __restrict__ pb) {
  __shared__ T sw[8][33], sb[8][33];
  const int64_t j = static_cast<int64_t>(blockIdx.x) * 32 + threadIdx.x;
  const int64_t r0 = static_cast<int64_t>(blockIdx.y) * rows_per_chunk;
  const int64_t r1 = min(rows, r0 + rows_per_chunk);
  T aw = 0, ab = 0;
  if (j < cols) {
    for (int64_t r = r0 + threadIdx.y; r < r1; r += 8) {
      const T g = dy[r * cols + j];
      aw += g * (x[r * cols + j] - mean[r]) * rstd[r];
      ab += g;
    }
  }
  sw[threadIdx.y][threadIdx.x] = aw;
  sb[threadIdx.y][threadIdx.x] = ab;
  __syncthreads();
  if (threadIdx.y == 0 && j < cols) {
    for (int k = 1; k < 8; ++k) {
      aw += sw[k][threadIdx.x];
      ab += sb[k][threadIdx.x];
    }
    pw[static_cast<int64_t>(blockIdx.y) * cols + j] = aw;
    pb[static_cast<int64_t>(blockIdx.y) * cols + j] = ab;
  }
}

template <class T>
__global__ void layer_norm_param_final(int64_t chunks, int64_t cols, const T* __restrict__ pw,
                                       const T* __restrict__ pb, T* __restrict__ dw, T* __restrict__ db) {
  const int64_t j = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (j >= cols) return;
  T aw = 0, ab = 0;
  for (int64_t c = 0; c < chunks; ++c) {
    aw += pw[c * cols + j];
    ab += pb[c * cols + j];
  }
  if (dw) dw[j] = aw;
  if (db) db[j] = ab;
}

// Threads for a block per row: whole warps, no more than the row needs, at most kBlock.
unsigned row_threads(int64_t cols) {
  unsigned threads = 32;
  while (threads < kBlock && threads < cols) threads *= 2;
  return threads;
}

// The channel of a thread's element j of a group-norm row as j steps by the block size, kept
// without a 64-bit division per element (j = (ch - first channel) * inner + i throughout).
struct ChannelWalk {
  int64_t ch, i, inner, step_ch, step_i;
  __device__ ChannelWalk(int64_t first, int64_t inner_)
      : ch(first + threadIdx.x / inner_), i(threadIdx.x % inner_), inner(inner_), step_ch(blockDim.x / inner_),
        step_i(blockDim.x % inner_) {}
  __device__ void next() {
    ch += step_ch;
    i += step_i;
    if (i >= inner) {
      i -= inner;
      ++ch;
    }
  }
};

// Group norm: a block per (sample, group) row, layer norm's two-pass statistics, then the
// output with the channel's weight and bias.
template <class T>
__global__ void group_norm_kernel(GroupNormGeometry g, T eps, const T* __restrict__ x, const T* __restrict__ w,
                                  const T* __restrict__ b, T* __restrict__ y, T* __restrict__ mean,
                                  T* __restrict__ rstd) {
  const int64_t r = blockIdx.x, cpg = g.c / g.groups, cols = cpg * g.inner, ch0 = (r % g.groups) * cpg;
  const T* xr = x + r * cols;
  T* yr = y + r * cols;
  T mu, rs;
  block_row_stats(xr, cols, eps, mu, rs);
  if (threadIdx.x == 0) {
    mean[r] = mu;
    rstd[r] = rs;
  }
  ChannelWalk walk(ch0, g.inner);
  for (int64_t j = threadIdx.x; j < cols; j += blockDim.x, walk.next()) {
    T v = (xr[j] - mu) * rs;
    if (w) v *= w[walk.ch];
    if (b) v += b[walk.ch];
    yr[j] = v;
  }
}

// Sums of dy and dy * x over each (sample, channel) plane: a block per plane.
template <class T>
__global__ void group_norm_plane_sums(int64_t inner, const T* __restrict__ x, const T* __restrict__ dy,
                                      T* __restrict__ sum_dy, T* __restrict__ sum_dy_x) {
  const int64_t p = blockIdx.x;
  const T* xp = x + p * inner;
  const T* gp = dy + p * inner;
  T s0 = 0, s1 = 0;
  for (int64_t i = threadIdx.x; i < inner; i += blockDim.x) {
    s0 += gp[i];
    s1 += gp[i] * xp[i];
  }
  block_sum2(s0, s1);
  if (threadIdx.x == 0) {
    sum_dy[p] = s0;
    sum_dy_x[p] = s1;
  }
}

// dx of one (sample, group) row per block, from the plane sums (the CPU kernel's formula).
template <class T>
__global__ void group_norm_dx_kernel(GroupNormGeometry g, const T* __restrict__ x, const T* __restrict__ dy,
                                     const T* __restrict__ mean, const T* __restrict__ rstd, const T* __restrict__ w,
                                     const T* __restrict__ sum_dy, const T* __restrict__ sum_dy_x, T* __restrict__ dx) {
  const int64_t r = blockIdx.x, cpg = g.c / g.groups, cols = cpg * g.inner, ch0 = (r % g.groups) * cpg;
  const int64_t base = (r / g.groups) * g.c + ch0;
  T A = 0, B = 0;
  for (int64_t k = 0; k < cpg; ++k) {
    const T wc = w ? w[ch0 + k] : T(1);
    B += wc * sum_dy[base + k];
    A += wc * sum_dy_x[base + k];
  }
  const T mu = mean[r], rs = rstd[r], inv = T(1) / static_cast<T>(cols);
  const T q = -rs * rs * rs * (A - mu * B) * inv, r0 = -rs * B * inv - q * mu;
  const T* xr = x + r * cols;
  const T* gr = dy + r * cols;
  T* dr = dx + r * cols;
  ChannelWalk walk(ch0, g.inner);
  for (int64_t j = threadIdx.x; j < cols; j += blockDim.x, walk.next()) {
    const T p = rs * (w ? w[walk.ch] : T(1));
    dr[j] = gr[j] * p + xr[j] * q + r0;
  }
}

// The weight and bias gradients: a thread per channel, summing over the samples.
template <class T>
__global__ void group_norm_param_kernel(GroupNormGeometry g, const T* __restrict__ mean, const T* __restrict__ rstd,
                                        const T* __restrict__ sum_dy, const T* __restrict__ sum_dy_x,
                                        T* __restrict__ dw, T* __restrict__ db) {
  const int64_t ch = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (ch >= g.c) return;
  const int64_t cpg = g.c / g.groups;
  double sw = 0, sb = 0;
  for (int64_t s = 0; s < g.n; ++s) {
    const int64_t i = s * g.c + ch, r = s * g.groups + ch / cpg;
    sw += static_cast<double>(rstd[r]) * (static_cast<double>(sum_dy_x[i]) - static_cast<double>(mean[r]) * sum_dy[i]);
    sb += sum_dy[i];
  }
  if (dw) dw[ch] = static_cast<T>(sw);
  if (db) db[ch] = static_cast<T>(sb);
}

// The weight and bias gradients (`count` each, either may be null) of an input with no elements.
void zero_param_grads(DType dtype, int64_t count, void* dweight, void* dbias, const char* op) {
  const size_t bytes = static_cast<size_t>(count) * itemsize(dtype);
  if (dweight && bytes) TG_CUDA_CHECK(cudaMemsetAsync(dweight, 0, bytes, current_stream()), op);
  if (dbias && bytes) TG_CUDA_CHECK(cudaMemsetAsync(dbias, 0, bytes, current_stream()), op);
}

}  // namespace

void group_norm(DType dtype, const GroupNormGeometry& g, double eps, const void* x, const void* weight, const void* bias,
                void* y, void* mean, void* rstd) {
  const int64_t rows = g.n * g.groups;
  if (rows == 0) return;
  TG_CHECK(rows <= 0x7fffffff, "group_norm: {} rows are more than one CUDA launch can index", rows);
  dispatch_single_double(dtype, [&]<class T>() {
    group_norm_kernel<T><<<static_cast<unsigned>(rows), row_threads(g.c / g.groups * g.inner), 0, current_stream()>>>(
        g, T(eps), static_cast<const T*>(x), static_cast<const T*>(weight), static_cast<const T*>(bias),
        static_cast<T*>(y), static_cast<T*>(mean), static_cast<T*>(rstd));
  });
  TG_CUDA_CHECK(cudaGetLastError(), "group_norm");
}

void group_norm_backward(DType dtype, const GroupNormGeometry& g, const void* x, const void* dy, const void* mean,
                         const void* rstd, const void* weight, void* dx, void* dweight, void* dbias) {
  const int64_t rows = g.n * g.groups, planes = g.n * g.c;
  if (planes == 0) return zero_param_grads(dtype, g.c, dweight, dbias, "group_norm_backward");
  TG_CHECK(planes <= 0x7fffffff, "group_norm_backward: {} planes are more than one CUDA launch can index", planes);
  dispatch_single_double(dtype, [&]<class T>() {
    const T* xs = static_cast<const T*>(x);
    const T* gs = static_cast<const T*>(dy);
    const T* ms = static_cast<const T*>(mean);
    const T* rs = static_cast<const T*>(rstd);
    Scratch sums(static_cast<size_t>(2 * planes) * sizeof(T));
    T* sum_dy = sums.as<T>();
    T* sum_dy_x = sum_dy + planes;
    group_norm_plane_sums<T><<<static_cast<unsigned>(planes), row_threads(g.inner), 0, current_stream()>>>(
        g.inner, xs, gs, sum_dy, sum_dy_x);
    TG_CUDA_CHECK(cudaGetLastError(), "group_norm_backward");
    if (dx) {
      group_norm_dx_kernel<T><<<static_cast<unsigned>(rows), row_threads(g.c / g.groups * g.inner), 0,
                                current_stream()>>>(g, xs, gs, ms, rs, static_cast<const T*>(weight), sum_dy, sum_dy_x,
                                                    static_cast<T*>(dx));
      TG_CUDA_CHECK(cudaGetLastError(), "group_norm_backward");
    }
    if (dweight || dbias) {
      group_norm_param_kernel<T><<<static_cast<unsigned>((g.c + kBlock - 1) / kBlock), kBlock, 0, current_stream()>>>(
          g, ms, rs, sum_dy, sum_dy_x, static_cast<T*>(dweight), static_cast<T*>(dbias));
      TG_CUDA_CHECK(cudaGetLastError(), "group_norm_backward");
    }
  });
}

void layer_norm(DType dtype, int64_t rows, int64_t cols, double eps, const void* x, const void* weight, const void* bias,
                void* y, void* mean, void* rstd) {
  if (rows == 0) return;
  TG_CHECK(rows <= 0x7fffffff, "layer_norm: {} rows are more than one CUDA launch can index", rows);
  dispatch_single_double(dtype, [&]<class T>() {
    layer_norm_kernel<T><<<static_cast<unsigned>(rows), row_threads(cols), 0, current_stream()>>>(
        cols, T(eps), static_cast<const T*>(x), static_cast<const T*>(weight), static_cast<const T*>(bias),
        static_cast<T*>(y), static_cast<T*>(mean), static_cast<T*>(rstd));
  });
  TG_CUDA_CHECK(cudaGetLastError(), "layer_norm");
}

void layer_norm_backward(DType dtype, int64_t rows, int64_t cols, const void* x, const void* dy, const void* mean,
                         const void* rstd, const void* weight, void* dx, void* dweight, void* dbias) {
  if (rows == 0 || cols == 0) return zero_param_grads(dtype, cols, dweight, dbias, "layer_norm_backward");
  TG_CHECK(rows <= 0x7fffffff, "layer_norm_backward: {} rows are more than one CUDA launch can index", rows);
  dispatch_single_double(dtype, [&]<class T>() {
    const T* xs = static_cast<const T*>(x);
    const T* gs = static_cast<const T*>(dy);
    const T* ms = static_cast<const T*>(mean);
    const T* rs = static_cast<const T*>(rstd);
    if (dx) {
      layer_norm_dx_kernel<T><<<static_cast<unsigned>(rows), row_threads(cols), 0, current_stream()>>>(
          cols, xs, gs, ms, rs, static_cast<const T*>(weight), static_cast<T*>(dx));
      TG_CUDA_CHECK(cudaGetLastError(), "layer_norm_backward");
    }
    if (!dweight && !dbias) return;
    const int64_t chunks = std::min<int64_t>((rows + 31) / 32, 256);
    const int64_t per_chunk = (rows + chunks - 1) / chunks;
    Scratch partial(static_cast<size_t>(2 * chunks * cols) * sizeof(T));
    T* pw = partial.as<T>();
    T* pb = pw + chunks * cols;
    const dim3 grid(static_cast<unsigned>((cols + 31) / 32), static_cast<unsigned>(chunks));
    layer_norm_param_partial<T><<<grid, dim3(32, 8), 0, current_stream()>>>(rows, cols, per_chunk, xs, gs, ms, rs, pw,
                                                                            pb);
    TG_CUDA_CHECK(cudaGetLastError(), "layer_norm_backward");
    layer_norm_param_final<T><<<static_cast<unsigned>((cols + kBlock - 1) / kBlock), kBlock, 0, current_stream()>>>(
        chunks, cols, pw, pb, static_cast<T*>(dweight), static_cast<T*>(dbias));
    TG_CUDA_CHECK(cudaGetLastError(), "layer_norm_backward");
  });
}

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

void batch_norm_backward(DType dtype, int64_t n, int64_t c, int64_t inner, double /*eps: in invstd*/, const void* x,
                         const void* dy, const void* mean, const void* invstd, const void* weight, void* dx,
                         void* sum_dy, void* sum_dy_xhat) {
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
