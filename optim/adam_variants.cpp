// Adamax, NAdam and RAdam: torch.optim's single-tensor updates, in the same order of operations.
#include "tapegrad/optim/adam_variants.h"

#include <cmath>

#include "tapegrad/autograd/grad_mode.h"
#include "tapegrad/tensor/factories.h"
#include "tapegrad/tensor/ops.h"

namespace tg::optim {

namespace {

void check_adam_like(const char* name, double lr, double eps, double beta1, double beta2, double weight_decay) {
  TG_CHECK_VALUE(lr >= 0, "{}: invalid learning rate {}", name, lr);
  TG_CHECK_VALUE(eps >= 0, "{}: invalid epsilon value {}", name, eps);
  TG_CHECK_VALUE(beta1 >= 0 && beta1 < 1, "{}: invalid beta parameter at index 0: {}", name, beta1);
  TG_CHECK_VALUE(beta2 >= 0 && beta2 < 1, "{}: invalid beta parameter at index 1: {}", name, beta2);
  TG_CHECK_VALUE(weight_decay >= 0, "{}: invalid weight_decay value {}", name, weight_decay);
}

// The gradient with maximize and (coupled) weight decay applied; decoupled decay shrinks p instead.
Tensor effective_grad(const Tensor& p, bool maximize, double weight_decay, bool decoupled, double lr) {
  Tensor grad = maximize ? -p.grad() : p.grad();
  if (weight_decay == 0) return grad;
  if (decoupled) {
    p.mul_(1 - lr * weight_decay);
    return grad;
  }
  return grad.add(p, weight_decay);
}

// Counts the step in the state's float32 counter (PyTorch's layout) and returns it.
double count_step(Tensor& step) {
  if (!step.defined()) step = zeros({}, kFloat32);
  step.add_(1);
  return step.item<double>();
}

}  // namespace

void AdamaxOptions::check(const char* name) const { check_adam_like(name, lr, eps, beta1, beta2, weight_decay); }

void Adamax::step() {
  NoGradGuard no_grad;
  for (auto& [g, p] : params_with_grad()) {
    const AdamaxOptions& o = options_[g];
    AdamaxState& s = state(p);
    if (!s.exp_avg.defined()) {
      s.exp_avg = zeros_like(p);
      s.exp_inf = zeros_like(p);
    }
    const double step = count_step(s.step);
    const Tensor grad = effective_grad(p, o.maximize, o.weight_decay, false, o.lr);
    s.exp_avg.lerp_(grad, 1 - o.beta1);
    s.exp_inf.copy_(maximum(s.exp_inf.mul_(o.beta2), grad.abs().add_(o.eps)));
    p.addcdiv_(s.exp_avg, s.exp_inf, -o.lr / (1 - std::pow(o.beta1, step)));
  }
}

void NAdamOptions::check(const char* name) const {
  check_adam_like(name, lr, eps, beta1, beta2, weight_decay);
  TG_CHECK_VALUE(momentum_decay >= 0, "{}: invalid momentum_decay value {}", name, momentum_decay);
}

void NAdam::step() {
  NoGradGuard no_grad;
  for (auto& [g, p] : params_with_grad()) {
    const NAdamOptions& o = options_[g];
    NAdamState& s = state(p);
    if (!s.exp_avg.defined()) {
      s.mu_product = ones({}, kFloat32);
      s.exp_avg = zeros_like(p);
      s.exp_avg_sq = zeros_like(p);
    }
    const double step = count_step(s.step);
    const double bias_correction2 = 1 - std::pow(o.beta2, step);
    const Tensor grad = effective_grad(p, o.maximize, o.weight_decay, o.decoupled_weight_decay, o.lr);
    // The momentum schedule: mu_t = beta1 (1 - 0.96^(t psi) / 2), and the product of mu up to t.
    const double mu = o.beta1 * (1 - 0.5 * std::pow(0.96, step * o.momentum_decay));
    const double mu_next = o.beta1 * (1 - 0.5 * std::pow(0.96, (step + 1) * o.momentum_decay));
    s.mu_product.mul_(mu);
    const double mu_product = s.mu_product.item<double>();
    s.exp_avg.lerp_(grad, 1 - o.beta1);
    s.exp_avg_sq.mul_(o.beta2).addcmul_(grad, grad, 1 - o.beta2);
    const Tensor denom = sqrt(s.exp_avg_sq / bias_correction2).add_(o.eps);
    p.addcdiv_(grad, denom, -o.lr * (1 - mu) / (1 - mu_product));
    p.addcdiv_(s.exp_avg, denom, -o.lr * mu_next / (1 - mu_product * mu_next));
  }
}

void RAdamOptions::check(const char* name) const { check_adam_like(name, lr, eps, beta1, beta2, weight_decay); }

void RAdam::step() {
  NoGradGuard no_grad;
  for (auto& [g, p] : params_with_grad()) {
    const RAdamOptions& o = options_[g];
    RAdamState& s = state(p);
    if (!s.exp_avg.defined()) {
      s.exp_avg = zeros_like(p);
      s.exp_avg_sq = zeros_like(p);
    }
    const double step = count_step(s.step);
    const Tensor grad = effective_grad(p, o.maximize, o.weight_decay, o.decoupled_weight_decay, o.lr);
    s.exp_avg.lerp_(grad, 1 - o.beta1);
    s.exp_avg_sq.mul_(o.beta2).addcmul_(grad, grad, 1 - o.beta2);
    const double bias_correction1 = 1 - std::pow(o.beta1, step);
    const double bias_correction2 = 1 - std::pow(o.beta2, step);
    const Tensor corrected_avg = s.exp_avg / bias_correction1;
    // The length of the approximated simple moving average; past 5 the variance is tractable
    // and the adaptive step is rectified, before that the step is plain momentum SGD.
    const double rho_inf = 2 / (1 - o.beta2) - 1;
    const double rho_t = rho_inf - 2 * step * std::pow(o.beta2, step) / bias_correction2;
    if (rho_t > 5) {
      const double rect = std::sqrt((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t));
      const Tensor adaptive_lr = std::sqrt(bias_correction2) / sqrt(s.exp_avg_sq).add_(o.eps);
      p.sub_(corrected_avg * o.lr * adaptive_lr * rect, 1);
    } else {
      p.sub_(corrected_avg * o.lr, 1);
    }
  }
}

}  // namespace tg::optim
