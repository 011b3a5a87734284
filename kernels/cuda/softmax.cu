// softmax / log_softmax / logsumexp along one dim on the GPU: a block per row, max-subtracted
// for stability (the CPU kernel's formula and its rules for rows of infinities). Cross entropy
// against class indices: a block per row for the loss (log-sum-exp, the target's logit, the
// smoothing sums) and for the gradient (softmax minus the smoothed one-hot target).
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
__global__ void softmax_rows(const DimGeometry g, SoftmaxOp op, const T* __restrict__ x, T* __restrict__ y) {
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
  // A row of -inf stays -inf / 0 rather than turning into NaN through inf - inf (and a
  // log-sum-exp over +inf is +inf).
  const A shift = isinf(mx) && (mx < 0 || op == SoftmaxOp::LogSumExp) ? A(0) : mx;
  A sum = 0;
  for (int64_t k = threadIdx.x; k < g.size; k += blockDim.x) sum += exp(static_cast<A>(xs[k * sx]) - shift);
  sum = block_reduce<false>(sum, shared);
  if (op == SoftmaxOp::LogSumExp) {
    if (threadIdx.x == 0) ys[0] = static_cast<T>(shift + ::log(sum));
  } else if (op == SoftmaxOp::LogSoftmax) {
    const A lse = ::log(sum);
    for (int64_t k = threadIdx.x; k < g.size; k += blockDim.x)
      ys[k * sy] = static_cast<T>(static_cast<A>(xs[k * sx]) - shift - lse);
  } else {
    const A inv = A(1) / sum;
    for (int64_t k = threadIdx.x; k < g.size; k += blockDim.x)
      ys[k * sy] = static_cast<T>(exp(static_cast<A>(xs[k * sx]) - shift) * inv);
  }
}

// Sums of w over the classes and of w * x over a row, for the label-smoothing term.
template <class T>
__device__ void smoothing_sums(const T* w, const T* xr, int64_t C, int64_t cs, T* shared, T& wsum, T& wx) {
  wsum = 0;
  wx = 0;
  for (int64_t c = threadIdx.x; c < C; c += blockDim.x) {
    const T wc = w ? w[c] : T(1);
    wsum += wc;
    wx += wc * xr[c * cs];
  }
  wsum = block_reduce<false>(wsum, shared);
  wx = block_reduce<false>(wx, shared);
}

template <class T>
__global__ void cross_entropy_rows(const CrossEntropyParams p, const T* __restrict__ x, T* __restrict__ loss,
                                   T* __restrict__ lse_out, T* __restrict__ row_weight,
                                   unsigned long long* __restrict__ bad) {
  __shared__ T shared[kBlock / 32];
  const int64_t r = blockIdx.x, C = p.classes, cs = p.inner;  // cs: the class stride
  const T* w = static_cast<const T*>(p.weight);
  const T* xr = x + (r / cs) * C * cs + r % cs;
  const int64_t t = p.target[r];
  if (t == p.ignore_index || t < 0 || t >= C) {
    if (threadIdx.x == 0) {
      loss[r] = 0;
      lse_out[r] = 0;
      row_weight[r] = 0;
      if (t != p.ignore_index) atomicMin(bad, static_cast<unsigned long long>(r));
    }
    return;
  }
  T mx = -INFINITY;
  for (int64_t c = threadIdx.x; c < C; c += blockDim.x)
    if (xr[c * cs] > mx || xr[c * cs] != xr[c * cs]) mx = xr[c * cs];
  mx = block_reduce<true>(mx, shared);
  const T shift = isinf(mx) && mx < 0 ? T(0) : mx;
  T sum = 0;
  for (int64_t c = threadIdx.x; c < C; c += blockDim.x) sum += exp(xr[c * cs] - shift);
  sum = block_reduce<false>(sum, shared);
  const T lse = shift + ::log(sum);
  const T wt = w ? w[t] : T(1);
  T l = T(1 - p.smoothing) * wt * (lse - xr[t * cs]);
  if (p.smoothing > 0) {
    T wsum, wx;
    smoothing_sums(w, xr, C, cs, shared, wsum, wx);
    l += T(p.smoothing / static_cast<double>(C)) * (wsum * lse - wx);
  }
  if (threadIdx.x == 0) {
    loss[r] = l;
    lse_out[r] = lse;
    row_weight[r] = wt;
  }
}

template <class T>
__global__ void cross_entropy_backward_rows(const CrossEntropyParams p, const T* __restrict__ x,
                                            const T* __restrict__ lse, const T* __restrict__ g, int64_t grad_stride,
                                            T* __restrict__ dx) {
  __shared__ T shared[kBlock / 32];
  const int64_t r = blockIdx.x, C = p.classes, cs = p.inner;
  const T* w = static_cast<const T*>(p.weight);
  const int64_t base = (r / cs) * C * cs + r % cs;
  const T* xr = x + base;
  T* dr = dx + base;
  const int64_t t = p.target[r];
  if (t == p.ignore_index) {
    for (int64_t c = threadIdx.x; c < C; c += blockDim.x) dr[c * cs] = 0;
    return;
  }
  const T keep = T(1 - p.smoothing), spread = T(p.smoothing / static_cast<double>(C));
  T wsum = 0, unused = 0;
  if (p.smoothing > 0) smoothing_sums(w, xr, C, cs, shared, wsum, unused);
  const T gr = g[r * grad_stride], l = lse[r], wt = w ? w[t] : T(1);
  const T a = gr * (keep * wt + spread * wsum), sp = gr * spread;
  for (int64_t c = threadIdx.x; c < C; c += blockDim.x)
    dr[c * cs] = a * exp(xr[c * cs] - l) - sp * (w ? w[c] : T(1)) - (c == t ? gr * keep * wt : T(0));
}

unsigned row_threads(int64_t size) {
  unsigned threads = 32;
  while (threads < kBlock && threads < size) threads *= 2;
  return threads;
}

}  // namespace

int64_t cross_entropy(DType dtype, const CrossEntropyParams& p, const void* logits, void* loss, void* lse,
                      void* row_weight) {
  if (p.rows == 0) return -1;
  TG_CHECK(p.rows <= 0x7fffffff, "cross_entropy: {} rows are more than one CUDA launch can index", p.rows);
  // The first bad row, or all ones: read back below, which waits for the kernel (as the CPU's
  // range check of the targets does).
  Scratch flag(sizeof(unsigned long long));
  auto* bad = flag.as<unsigned long long>();
  TG_CUDA_CHECK(cudaMemsetAsync(bad, 0xff, sizeof(unsigned long long), current_stream()), "cross_entropy");
  dispatch_single_double(dtype, [&]<class T>() {
    cross_entropy_rows<T><<<static_cast<unsigned>(p.rows), row_threads(p.classes), 0, current_stream()>>>(
        p, static_cast<const T*>(logits), static_cast<T*>(loss), static_cast<T*>(lse), static_cast<T*>(row_weight),
        bad);
  });
  TG_CUDA_CHECK(cudaGetLastError(), "cross_entropy");
  unsigned long long host = 0;
  TG_CUDA_CHECK(cudaMemcpyAsync(&host, bad, sizeof(host), cudaMemcpyDeviceToHost, current_stream()), "cross_entropy");
  TG_CUDA_CHECK(cudaStreamSynchronize(current_stream()), "cross_entropy");
  return host == ~0ULL ? -1 : static_cast<int64_t>(host);
}

void cross_entropy_backward(DType dtype, const CrossEntropyParams& p, const void* logits, const void* lse,
                            const void* grad_loss, int64_t grad_stride, void* dx) {
  if (p.rows == 0) return;
  TG_CHECK(p.rows <= 0x7fffffff, "cross_entropy_backward: {} rows are more than one CUDA launch can index", p.rows);
  dispatch_single_double(dtype, [&]<class T>() {
    cross_entropy_backward_rows<T><<<static_cast<unsigned>(p.rows), row_threads(p.classes), 0, current_stream()>>>(
        p, static_cast<const T*>(logits), static_cast<const T*>(lse), static_cast<const T*>(grad_loss), grad_stride,
        static_cast<T*>(dx));
  });
  TG_CUDA_CHECK(cudaGetLastError(), "cross_entropy_backward");
}

void softmax(DType dtype, SoftmaxOp op, const DimGeometry& g, void* out, const void* in) {
  const int64_t rows = g.outer * g.inner;
  if (rows == 0 || g.size == 0) return;
  TG_CHECK(rows <= 0x7fffffff, "softmax: {} rows are more than one CUDA launch can index", rows);
  const unsigned threads = row_threads(g.size);
  dispatch_floating(dtype, [&]<class T>() {
    softmax_rows<T><<<static_cast<unsigned>(rows), threads, 0, current_stream()>>>(g, op, static_cast<const T*>(in),
                                                                                   static_cast<T*>(out));
    TG_CUDA_CHECK(cudaGetLastError(), "softmax");
  });
}

}  // namespace tg::kernels::cuda
