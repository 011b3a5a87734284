// Fused optimizer updates: one pass over parameter, gradient and state instead of a dozen
// elementwise ops, in the same order of operations as the composite formula.
#include <cmath>

#include "kernels/cpu/cpu_kernels.h"
#include "kernels/cpu/loops.h"

namespace tg::kernels::cpu {
namespace {

// The options are template parameters so that the loop has no branches and vectorises.
template <class T, bool kDecoupled, bool kAmsgrad>
void adam_impl(int64_t n, const AdamStep& s, T* p, const T* g, T* m, T* v, T* vmax) {
  const T beta1 = T(s.beta1), beta2 = T(s.beta2), one = T(1), eps = T(s.eps);
  const T wd = kDecoupled ? T(0) : T(s.weight_decay), decay = kDecoupled ? T(1 - s.lr * s.weight_decay) : T(1);
  const T sign = s.maximize ? T(-1) : T(1), bc2 = T(s.bias_correction2_sqrt), step = T(s.lr / s.bias_correction1);
  // Constants by value and restrict pointers: otherwise every store might alias them, and
  // the loop stays scalar.
  parallel_for(0, n, kGrain, [=](int64_t lo, int64_t hi) {
    T* __restrict pp = p;
    const T* __restrict gp = g;
    T* __restrict mp = m;
    T* __restrict vp = v;
    T* __restrict xp = vmax;
    for (int64_t i = lo; i < hi; ++i) {
      const T param = pp[i] * decay;  // AdamW decays the weights first (decay is 1 for Adam)
      const T grad = sign * gp[i] + wd * pp[i];  // Adam adds weight_decay * param (wd is 0 for AdamW)
      const T mi = mp[i] + (grad - mp[i]) * (one - beta1);  // exp_avg.lerp_(grad, 1 - beta1)
      const T vi = vp[i] * beta2 + grad * grad * (one - beta2);
      mp[i] = mi;
      vp[i] = vi;
      T second = vi;
      if constexpr (kAmsgrad) {
        second = xp[i] > vi ? xp[i] : vi;
        xp[i] = second;
      }
      pp[i] = param - step * (mi / (std::sqrt(second) / bc2 + eps));
    }
  });
}

template <class T>
void adam_dispatch(int64_t n, const AdamStep& s, void* p, const void* g, void* m, void* v, void* vmax) {
  auto run = [&]<bool kDecoupled, bool kAmsgrad>() {
    adam_impl<T, kDecoupled, kAmsgrad>(n, s, static_cast<T*>(p), static_cast<const T*>(g), static_cast<T*>(m),
                                       static_cast<T*>(v), static_cast<T*>(vmax));
  };
  if (s.decoupled) {
    s.amsgrad ? run.template operator()<true, true>() : run.template operator()<true, false>();
  } else {
    s.amsgrad ? run.template operator()<false, true>() : run.template operator()<false, false>();
  }
}

}  // namespace

void adam_step(DType dtype, int64_t n, const AdamStep& s, void* param, const void* grad, void* exp_avg, void* exp_avg_sq,
               void* max_exp_avg_sq) {
  switch (dtype) {
    case DType::Float32: return adam_dispatch<float>(n, s, param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq);
    case DType::Float64: return adam_dispatch<double>(n, s, param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq);
    default: TG_FAIL("adam_step: dtype {} has no fused kernel", dtype);
  }
}

}  // namespace tg::kernels::cpu
