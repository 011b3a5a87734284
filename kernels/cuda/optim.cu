// The fused Adam/AdamW update on the GPU: one pass over parameter, gradient and state, in the
// CPU kernel's order of operations (torch.optim.Adam's single-tensor formula), for many tensors
// per launch.
#include <cmath>

#include "kernels/cuda/cuda_kernels.h"
#include "kernels/cuda/loops.cuh"

namespace tg::kernels::cuda {
namespace {

template <class T>
struct AdamConstants {
  T beta1, beta2, eps, wd, decay, sign, bc2, step;
};

// Multi-tensor launches: each launch carries up to kMaxTensors tensors' pointers and a table
// that maps each block to a (tensor, chunk) pair, all passed by value as the kernel's argument
// (under the 4 KiB parameter limit), as PyTorch's multi_tensor_apply does.
constexpr int kMaxTensors = 24;
constexpr int kMaxBlocks = 320;
constexpr int64_t kChunk = 65536;

template <class T>
struct AdamBatch {
  T* p[kMaxTensors];
  const T* g[kMaxTensors];
  T* m[kMaxTensors];
  T* v[kMaxTensors];
  T* vmax[kMaxTensors];
  int64_t n[kMaxTensors];
  uint8_t tensor_of_block[kMaxBlocks];
  int32_t chunk_of_block[kMaxBlocks];
};
static_assert(sizeof(AdamBatch<double>) + sizeof(AdamConstants<double>) < 4000, "kernel parameters over 4 KiB");

template <class T, bool kDecoupled, bool kAmsgrad>
__global__ void adam_kernel(const AdamConstants<T> k, const AdamBatch<T> batch) {
  const int t = batch.tensor_of_block[blockIdx.x];
  const int64_t lo = static_cast<int64_t>(batch.chunk_of_block[blockIdx.x]) * kChunk;
  const int64_t hi = min(batch.n[t], lo + kChunk);
  T* __restrict__ p = batch.p[t];
  const T* __restrict__ g = batch.g[t];
  T* __restrict__ m = batch.m[t];
  T* __restrict__ v = batch.v[t];
  T* __restrict__ vmax = batch.vmax[t];
  for (int64_t i = lo + threadIdx.x; i < hi; i += blockDim.x) {
    const T pi = p[i];
    const T param = pi * k.decay;          // AdamW decays the weights first (decay is 1 for Adam)
    const T grad = k.sign * g[i] + k.wd * pi;  // Adam adds weight_decay * param (wd is 0 for AdamW)
    const T mi = m[i] + (grad - m[i]) * (T(1) - k.beta1);
    const T vi = v[i] * k.beta2 + grad * grad * (T(1) - k.beta2);
    m[i] = mi;
    v[i] = vi;
    T second = vi;
    if constexpr (kAmsgrad) {
      second = vmax[i] > vi ? vmax[i] : vi;
      vmax[i] = second;
    }
    p[i] = param - k.step * (mi / (sqrt(second) / k.bc2 + k.eps));
  }
}

template <class T>
void adam_dispatch(const AdamStep& s, int64_t count, const AdamTensor* tensors) {
  const AdamConstants<T> k{T(s.beta1),
                           T(s.beta2),
                           T(s.eps),
                           s.decoupled ? T(0) : T(s.weight_decay),
                           s.decoupled ? T(1 - s.lr * s.weight_decay) : T(1),
                           s.maximize ? T(-1) : T(1),
                           T(s.bias_correction2_sqrt),
                           T(s.lr / s.bias_correction1)};
  auto launch = [&](const AdamBatch<T>& b, int blocks) {
    auto run = [&]<bool kDecoupled, bool kAmsgrad>() {
      adam_kernel<T, kDecoupled, kAmsgrad><<<static_cast<unsigned>(blocks), kBlock, 0, current_stream()>>>(k, b);
    };
    if (s.decoupled) s.amsgrad ? run.template operator()<true, true>() : run.template operator()<true, false>();
    else s.amsgrad ? run.template operator()<false, true>() : run.template operator()<false, false>();
    TG_CUDA_CHECK(cudaGetLastError(), "Adam");
  };
  AdamBatch<T> b{};
  int ntensors = 0, nblocks = 0;
  for (int64_t i = 0; i < count; ++i) {
    const AdamTensor& t = tensors[i];
    if (t.n == 0) continue;
    const int64_t chunks = (t.n + kChunk - 1) / kChunk;
    for (int64_t c = 0; c < chunks; ++c) {
      // A tensor enters the batch at its first chunk, or again at the first chunk of a new launch.
      if (c == 0 || nblocks == 0) {
        b.p[ntensors] = static_cast<T*>(t.param);
        b.g[ntensors] = static_cast<const T*>(t.grad);
        b.m[ntensors] = static_cast<T*>(t.exp_avg);
        b.v[ntensors] = static_cast<T*>(t.exp_avg_sq);
        b.vmax[ntensors] = static_cast<T*>(t.max_exp_avg_sq);
        b.n[ntensors] = t.n;
        ++ntensors;
      }
      b.tensor_of_block[nblocks] = static_cast<uint8_t>(ntensors - 1);
      b.chunk_of_block[nblocks] = static_cast<int32_t>(c);
      ++nblocks;
      const bool last_chunk = c == chunks - 1;
      if (nblocks == kMaxBlocks || (last_chunk && ntensors == kMaxTensors)) {
        launch(b, nblocks);
        nblocks = 0;
        ntensors = 0;
      }
    }
  }
  if (nblocks > 0) launch(b, nblocks);
}

}  // namespace

void adam_step(DType dtype, const AdamStep& s, int64_t count, const AdamTensor* tensors) {
  if (count == 0) return;
  dispatch_single_double(dtype, [&]<class T>() { adam_dispatch<T>(s, count, tensors); });
}

}  // namespace tg::kernels::cuda
