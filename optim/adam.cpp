// Adam and AdamW: torch.optim.Adam's single-tensor update (AdamW decays the weights first).
#include "tapegrad/optim/adam.h"

#include <cmath>
#include <vector>

#include "kernels/kernels.h"
#include "tapegrad/autograd/grad_mode.h"
#include "tapegrad/tensor/factories.h"
#include "tapegrad/tensor/ops.h"

namespace tg::optim {

void AdamOptions::check(const char* name) const {
  TG_CHECK_VALUE(lr >= 0, "{}: invalid learning rate {}", name, lr);
  TG_CHECK_VALUE(eps >= 0, "{}: invalid epsilon value {}", name, eps);
  TG_CHECK_VALUE(beta1 >= 0 && beta1 < 1, "{}: invalid beta parameter at index 0: {}", name, beta1);
  TG_CHECK_VALUE(beta2 >= 0 && beta2 < 1, "{}: invalid beta parameter at index 1: {}", name, beta2);
  TG_CHECK_VALUE(weight_decay >= 0, "{}: invalid weight_decay value {}", name, weight_decay);
}

namespace {
// The fused kernel takes contiguous float32/float64 tensors of one dtype on one device.
bool fusable(const Tensor& p, const AdamState& s) {
  const Tensor& g = p.grad();
  if (p.dtype() != kFloat32 && p.dtype() != kFloat64) return false;
  for (const Tensor* t : {&p, &g, &s.exp_avg, &s.exp_avg_sq, &s.max_exp_avg_sq})
    if (t->defined() && (!t->is_contiguous() || t->dtype() != p.dtype() || t->device() != p.device())) return false;
  return true;
}
}  // namespace

void Adam::step() {
  NoGradGuard no_grad;
  // Fusable tensors that share a group, device, dtype and step count are updated together: one
  // kernel launch for all of them (the multi-tensor step), flushed when the key changes.
  struct Batch {
    size_t group = 0;
    Device device;
    DType dtype = kFloat32;
    double step = 0;
    std::vector<kernels::AdamTensor> tensors;
    std::vector<Tensor> bumped;  // whose versions move: the parameters and their state
  } batch;
  auto flush = [&] {
    if (batch.tensors.empty()) return;
    const AdamOptions& o = options_[batch.group];
    const kernels::AdamStep k{o.lr,
                              o.beta1,
                              o.beta2,
                              o.eps,
                              o.weight_decay,
                              1 - std::pow(o.beta1, batch.step),
                              std::sqrt(1 - std::pow(o.beta2, batch.step)),
                              o.decoupled_weight_decay,
                              o.amsgrad,
                              o.maximize};
    kernels::backend(batch.device, "Adam")
        .adam_step(batch.dtype, k, static_cast<int64_t>(batch.tensors.size()), batch.tensors.data());
    for (const Tensor& t : batch.bumped) t.storage()->bump_version();
    batch.tensors.clear();
    batch.bumped.clear();
  };
  for (auto& [g, p] : params_with_grad()) {
    const AdamOptions& o = options_[g];
    AdamState& s = state(p);
    if (!s.step.defined()) {
      s.step = zeros({}, kFloat32);
      s.exp_avg = zeros_like(p);
      s.exp_avg_sq = zeros_like(p);
      if (o.amsgrad) s.max_exp_avg_sq = zeros_like(p);
    }
    s.step.add_(1);
    const double step = s.step.item<double>();
    if (o.amsgrad && !s.max_exp_avg_sq.defined()) s.max_exp_avg_sq = zeros_like(p);
    const double bias_correction1 = 1 - std::pow(o.beta1, step);
    const double bias_correction2_sqrt = std::sqrt(1 - std::pow(o.beta2, step));
    if (fusable(p, s)) {
      // One pass instead of a dozen elementwise ops; the same formula, in the same order.
      if (!batch.tensors.empty() &&
          (batch.group != g || batch.device != p.device() || batch.dtype != p.dtype() || batch.step != step))
        flush();
      batch.group = g;
      batch.device = p.device();
      batch.dtype = p.dtype();
      batch.step = step;
      batch.tensors.push_back({p.numel(), p.data_ptr(), p.grad().data_ptr(), s.exp_avg.data_ptr(),
                               s.exp_avg_sq.data_ptr(), o.amsgrad ? s.max_exp_avg_sq.data_ptr() : nullptr});
      batch.bumped.insert(batch.bumped.end(), {p, s.exp_avg, s.exp_avg_sq});
      continue;
    }
    Tensor grad = o.maximize ? -p.grad() : p.grad();
    if (o.weight_decay != 0) {
      if (o.decoupled_weight_decay) {
        p.mul_(1 - o.lr * o.weight_decay);
      } else {
        grad = grad.add(p, o.weight_decay);
      }
    }
    s.exp_avg.lerp_(grad, 1 - o.beta1);
    s.exp_avg_sq.mul_(o.beta2).add_(grad * grad, 1 - o.beta2);
    Tensor second = s.exp_avg_sq;
    if (o.amsgrad) {
      s.max_exp_avg_sq.copy_(maximum(s.max_exp_avg_sq, s.exp_avg_sq));
      second = s.max_exp_avg_sq;
    }
    Tensor denom = (sqrt(second) / bias_correction2_sqrt).add_(o.eps);
    p.add_(s.exp_avg / denom, -o.lr / bias_correction1);
  }
  flush();
}

}  // namespace tg::optim
