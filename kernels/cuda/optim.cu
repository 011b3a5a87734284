// The fused Adam/AdamW update on the GPU: one pass over parameter, gradient and state, in the
// CPU kernel's order of operations (torch.optim.Adam's single-tensor formula).
#include <cmath>

#include "kernels/cuda/cuda_kernels.h"
#include "kernels/cuda/loops.cuh"

namespace tg::kernels::cuda {
namespace {

template <class T>
struct AdamConstants {
  T beta1, beta2, eps, wd, decay, sign, bc2, step;
};

template <class T, bool kDecoupled, bool kAmsgrad>
__global__ void adam_kernel(int64_t n, const AdamConstants<T> k, T* __restrict__ p, const T* __restrict__ g,
                            T* __restrict__ m, T* __restrict__ v, T* __restrict__ vmax) {
  const int64_t stride = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += stride) {
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
void adam_dispatch(int64_t n, const AdamStep& s, void* p, const void* g, void* m, void* v, void* vmax) {
  const AdamConstants<T> k{T(s.beta1),
                           T(s.beta2),
                           T(s.eps),
                           s.decoupled ? T(0) : T(s.weight_decay),
                           s.decoupled ? T(1 - s.lr * s.weight_decay) : T(1),
                           s.maximize ? T(-1) : T(1),
                           T(s.bias_correction2_sqrt),
                           T(s.lr / s.bias_correction1)};
  auto run = [&]<bool kDecoupled, bool kAmsgrad>() {
    adam_kernel<T, kDecoupled, kAmsgrad><<<grid_for(n), kBlock, 0, current_stream()>>>(
        n, k, static_cast<T*>(p), static_cast<const T*>(g), static_cast<T*>(m), static_cast<T*>(v),
        static_cast<T*>(vmax));
  };
  if (s.decoupled) s.amsgrad ? run.template operator()<true, true>() : run.template operator()<true, false>();
  else s.amsgrad ? run.template operator()<false, true>() : run.template operator()<false, false>();
  TG_CUDA_CHECK(cudaGetLastError(), "Adam");
}

}  // namespace

void adam_step(DType dtype, int64_t n, const AdamStep& s, void* param, const void* grad, void* exp_avg, void* exp_avg_sq,
               void* max_exp_avg_sq) {
  if (n == 0) return;
  switch (dtype) {
    case DType::Float32: return adam_dispatch<float>(n, s, param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq);
    case DType::Float64: return adam_dispatch<double>(n, s, param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq);
    default: TG_FAIL("adam_step: dtype {} has no fused kernel", dtype);
  }
}

}  // namespace tg::kernels::cuda
