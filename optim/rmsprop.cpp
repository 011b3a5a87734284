// RMSprop and Adagrad: torch.optim's single-tensor updates.
#include "tapegrad/optim/rmsprop.h"

#include "tapegrad/autograd/grad_mode.h"
#include "tapegrad/tensor/factories.h"
#include "tapegrad/tensor/ops.h"

namespace tg::optim {

void RMSpropOptions::check(const char* name) const {
  TG_CHECK_VALUE(lr >= 0, "{}: invalid learning rate {}", name, lr);
  TG_CHECK_VALUE(eps >= 0, "{}: invalid epsilon value {}", name, eps);
  TG_CHECK_VALUE(momentum >= 0, "{}: invalid momentum value {}", name, momentum);
  TG_CHECK_VALUE(weight_decay >= 0, "{}: invalid weight_decay value {}", name, weight_decay);
  TG_CHECK_VALUE(alpha >= 0, "{}: invalid alpha value {}", name, alpha);
}

void RMSprop::step() {
  NoGradGuard no_grad;
  for (auto& [g, p] : params_with_grad()) {
    const RMSpropOptions& o = options_[g];
    RMSpropState& s = state(p);
    if (!s.step.defined()) {
      s.step = zeros({}, kFloat32);
      s.square_avg = zeros_like(p);
      if (o.momentum > 0) s.momentum_buffer = zeros_like(p);
      if (o.centered) s.grad_avg = zeros_like(p);
    }
    s.step.add_(1);
    Tensor grad = o.maximize ? -p.grad() : p.grad();
    if (o.weight_decay != 0) grad = grad.add(p, o.weight_decay);
    s.square_avg.mul_(o.alpha).add_(grad * grad, 1 - o.alpha);
    Tensor avg;
    if (o.centered) {
      if (!s.grad_avg.defined()) s.grad_avg = zeros_like(p);
      s.grad_avg.lerp_(grad, 1 - o.alpha);
      avg = sqrt(s.square_avg - s.grad_avg * s.grad_avg).add_(o.eps);
    } else {
      avg = sqrt(s.square_avg).add_(o.eps);
    }
    if (o.momentum > 0) {
      if (!s.momentum_buffer.defined()) s.momentum_buffer = zeros_like(p);
      s.momentum_buffer.mul_(o.momentum).add_(grad / avg);
      p.add_(s.momentum_buffer, -o.lr);
    } else {
      p.add_(grad / avg, -o.lr);
    }
  }
}

void AdagradOptions::check(const char* name) const {
  TG_CHECK_VALUE(lr >= 0, "{}: invalid learning rate {}", name, lr);
  TG_CHECK_VALUE(lr_decay >= 0, "{}: invalid lr_decay value {}", name, lr_decay);
  TG_CHECK_VALUE(weight_decay >= 0, "{}: invalid weight_decay value {}", name, weight_decay);
  TG_CHECK_VALUE(initial_accumulator_value >= 0, "{}: invalid initial_accumulator_value {}", name,
                 initial_accumulator_value);
  TG_CHECK_VALUE(eps >= 0, "{}: invalid epsilon value {}", name, eps);
}

void Adagrad::step() {
  NoGradGuard no_grad;
  for (auto& [g, p] : params_with_grad()) {
    const AdagradOptions& o = options_[g];
    AdagradState& s = state(p);
    if (!s.step.defined()) {
      s.step = zeros({}, kFloat32);
      s.sum = full_like(p, o.initial_accumulator_value);
    }
    s.step.add_(1);
    const double step = s.step.item<double>();
    Tensor grad = o.maximize ? -p.grad() : p.grad();
    if (o.weight_decay != 0) grad = grad.add(p, o.weight_decay);
    const double clr = o.lr / (1 + (step - 1) * o.lr_decay);
    s.sum.add_(grad * grad);
    p.add_(grad / sqrt(s.sum).add_(o.eps), -clr);
  }
}

}  // namespace tg::optim
