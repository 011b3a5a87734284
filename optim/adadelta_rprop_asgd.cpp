// Adadelta, Rprop and ASGD: torch.optim's single-tensor updates, in the same order of operations.
#include "tapegrad/optim/adadelta_rprop_asgd.h"

#include <algorithm>
#include <cmath>

#include "tapegrad/autograd/grad_mode.h"
#include "tapegrad/tensor/factories.h"
#include "tapegrad/tensor/ops.h"

namespace tg::optim {

void AdadeltaOptions::check(const char* name) const {
  TG_CHECK_VALUE(lr >= 0, "{}: invalid learning rate {}", name, lr);
  TG_CHECK_VALUE(rho >= 0 && rho <= 1, "{}: invalid rho value {}", name, rho);
  TG_CHECK_VALUE(eps >= 0, "{}: invalid epsilon value {}", name, eps);
  TG_CHECK_VALUE(weight_decay >= 0, "{}: invalid weight_decay value {}", name, weight_decay);
}

void Adadelta::step() {
  NoGradGuard no_grad;
  for (auto& [g, p] : params_with_grad()) {
    const AdadeltaOptions& o = options_[g];
    AdadeltaState& s = state(p);
    if (!s.step.defined()) {
      s.step = zeros({}, kFloat32);
      s.square_avg = zeros_like(p);
      s.acc_delta = zeros_like(p);
    }
    s.step.add_(1);
    Tensor grad = o.maximize ? -p.grad() : p.grad();
    if (o.weight_decay != 0) grad = grad.add(p, o.weight_decay);
    s.square_avg.mul_(o.rho).addcmul_(grad, grad, 1 - o.rho);
    const Tensor std_dev = sqrt(s.square_avg + o.eps);
    const Tensor delta = sqrt(s.acc_delta + o.eps).div_(std_dev).mul_(grad);
    s.acc_delta.mul_(o.rho).addcmul_(delta, delta, 1 - o.rho);
    p.add_(delta, -o.lr);
  }
}

void RpropOptions::check(const char* name) const {
  TG_CHECK_VALUE(lr >= 0, "{}: invalid learning rate {}", name, lr);
  TG_CHECK_VALUE(0 < etaminus && etaminus < 1 && 1 < etaplus, "{}: invalid eta values: {}, {}", name, etaminus,
                 etaplus);
  TG_CHECK_VALUE(step_size_min <= step_size_max, "{}: invalid step sizes: {}, {}", name, step_size_min, step_size_max);
}

void Rprop::step() {
  NoGradGuard no_grad;
  for (auto& [g, p] : params_with_grad()) {
    const RpropOptions& o = options_[g];
    RpropState& s = state(p);
    if (!s.step.defined()) {
      s.step = zeros({}, kFloat32);
      s.prev = zeros_like(p);
      s.step_size = full_like(p, o.lr);
    }
    s.step.add_(1);
    Tensor grad = o.maximize ? -p.grad() : p.grad().clone();
    // etaplus where the gradient kept its sign, etaminus where it flipped, 1 where either is 0.
    const Tensor factor = sign(grad * s.prev);
    const Tensor kept = gt(factor, 0), flipped = lt(factor, 0), zero = eq(factor, 0);
    factor.masked_fill_(kept, o.etaplus).masked_fill_(flipped, o.etaminus).masked_fill_(zero, 1.0);
    s.step_size.mul_(factor).clamp_(o.step_size_min, o.step_size_max);
    // A flipped gradient takes no step and is forgotten, so the next step size grows again.
    grad.masked_fill_(flipped, 0.0);
    p.addcmul_(sign(grad), s.step_size, -1);
    s.prev.copy_(grad);
  }
}

void ASGDOptions::check(const char* name) const {
  TG_CHECK_VALUE(lr >= 0, "{}: invalid learning rate {}", name, lr);
  TG_CHECK_VALUE(weight_decay >= 0, "{}: invalid weight_decay value {}", name, weight_decay);
}

void ASGD::step() {
  NoGradGuard no_grad;
  for (auto& [g, p] : params_with_grad()) {
    const ASGDOptions& o = options_[g];
    ASGDState& s = state(p);
    if (!s.step.defined()) {
      s.step = zeros({}, kFloat32);
      // float32 counters, as PyTorch's state (their rounding is part of the update).
      s.eta = full({}, o.lr, kFloat32);
      s.mu = ones({}, kFloat32);
      s.ax = zeros_like(p);
    }
    s.step.add_(1);
    const double step = s.step.item<double>(), eta = s.eta.item<double>(), mu = s.mu.item<double>();
    Tensor grad = o.maximize ? -p.grad() : p.grad();
    if (o.weight_decay != 0) grad = grad.add(p, o.weight_decay);
    p.mul_(1 - o.lambd * eta);
    p.add_(grad, -eta);
    if (mu != 1) {
      s.ax.add_((p - s.ax).mul_(s.mu));
    } else {
      s.ax.copy_(p);
    }
    s.eta.fill_(o.lr / std::pow(1 + o.lambd * o.lr * step, o.alpha));
    s.mu.fill_(1 / std::max(1.0, step - o.t0));
  }
}

}  // namespace tg::optim
