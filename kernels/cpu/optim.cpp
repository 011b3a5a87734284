// Fused optimizer updates: one pass over parameter, gradient and state instead of a dozen
// elementwise ops, in the same order of operations as the composite formula.
#include <algorithm>
#include <cmath>
#include <vector>

#include "kernels/cpu/cpu_kernels.h"
#include "kernels/cpu/loops.h"

namespace tg::kernels::cpu {
namespace {

// The options are template parameters so that the loop has no branches and vectorises.
template <class T, bool kDecoupled, bool kAmsgrad>
void adam_range(int64_t lo, int64_t hi, const AdamStep& s, const AdamTensor& t) {
  const T beta1 = T(s.beta1), beta2 = T(s.beta2), one = T(1), eps = T(s.eps);
  const T wd = kDecoupled ? T(0) : T(s.weight_decay), decay = kDecoupled ? T(1 - s.lr * s.weight_decay) : T(1);
  const T sign = s.maximize ? T(-1) : T(1), bc2 = T(s.bias_correction2_sqrt), step = T(s.lr / s.bias_correction1);
  // Constants by value and restrict pointers: otherwise every store might alias them, and
  // the loop stays scalar.
  T* __restrict pp = static_cast<T*>(t.param);
  const T* __restrict gp = static_cast<const T*>(t.grad);
  T* __restrict mp = static_cast<T*>(t.exp_avg);
  T* __restrict vp = static_cast<T*>(t.exp_avg_sq);
  T* __restrict xp = static_cast<T*>(t.max_exp_avg_sq);
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
}

// All tensors' elements as one index space, split evenly over the threads: one parallel region
// for the whole step, however many (small) tensors there are.
template <class T, bool kDecoupled, bool kAmsgrad>
void adam_all(const AdamStep& s, int64_t count, const AdamTensor* tensors) {
  std::vector<int64_t> starts(static_cast<size_t>(count) + 1, 0);
  for (int64_t i = 0; i < count; ++i) starts[static_cast<size_t>(i) + 1] = starts[static_cast<size_t>(i)] + tensors[i].n;
  parallel_for(0, starts.back(), kGrain, [&](int64_t lo, int64_t hi) {
    auto it = std::upper_bound(starts.begin(), starts.end(), lo) - 1;
    for (auto i = it - starts.begin(); i < count && starts[static_cast<size_t>(i)] < hi; ++i) {
      const int64_t base = starts[static_cast<size_t>(i)];
      const int64_t a = std::max(lo, base) - base, b = std::min(hi, starts[static_cast<size_t>(i) + 1]) - base;
      if (a < b) adam_range<T, kDecoupled, kAmsgrad>(a, b, s, tensors[i]);
    }
  });
}

}  // namespace

void adam_step(DType dtype, const AdamStep& s, int64_t count, const AdamTensor* tensors) {
  dispatch_single_double(dtype, [&]<class T>() {
    auto run = [&]<bool kDecoupled, bool kAmsgrad>() { adam_all<T, kDecoupled, kAmsgrad>(s, count, tensors); };
    if (s.decoupled) {
      s.amsgrad ? run.template operator()<true, true>() : run.template operator()<true, false>();
    } else {
      s.amsgrad ? run.template operator()<false, true>() : run.template operator()<false, false>();
    }
  });
}

}  // namespace tg::kernels::cpu
