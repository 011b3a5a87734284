// Adafactor: torch.optim's single-tensor update, in the same order of operations.
#include "tapegrad/optim/adafactor.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "tapegrad/autograd/grad_mode.h"
#include "tapegrad/tensor/factories.h"
#include "tapegrad/tensor/ops.h"

namespace tg::optim {

void AdafactorOptions::check(const char* name) const {
  TG_CHECK_VALUE(lr >= 0, "{}: learning rate should be >= 0 but is {}", name, lr);
  TG_CHECK_VALUE(beta2_decay <= 0, "{}: beta2_decay should be <= 0 but is {}", name, beta2_decay);
  TG_CHECK_VALUE(std::isnan(eps1) || eps1 >= 0, "{}: epsilon1 should be >= 0 but is {}", name, eps1);
  TG_CHECK_VALUE(eps2 >= 0, "{}: epsilon2 should be >= 0 but is {}", name, eps2);
  TG_CHECK_VALUE(d >= 1, "{}: clipping threshold d should be >= 1 but is {}", name, d);
  TG_CHECK_VALUE(weight_decay >= 0, "{}: weight_decay should be >= 0 but is {}", name, weight_decay);
}

void Adafactor::step() {
  NoGradGuard no_grad;
  for (auto& [g, p] : params_with_grad()) {
    const AdafactorOptions& o = options_[g];
    AdafactorState& s = state(p);
    const Tensor grad = o.maximize ? -p.grad() : p.grad();
    if (!s.step.defined()) {
      s.step = zeros({}, kFloat32);
      if (grad.dim() > 1) {
        Shape row = grad.sizes(), col = grad.sizes();
        row[row.size() - 1] = 1;
        col[col.size() - 2] = 1;
        s.row_var = zeros(row, p.options());
        s.col_var = zeros(col, p.options());
      } else {
        s.variance = zeros_like(p);
      }
    }
    const double machine_eps =
        p.dtype() == kFloat64 ? std::numeric_limits<double>::epsilon() : std::numeric_limits<float>::epsilon();
    const double eps1 = std::isnan(o.eps1) ? machine_eps : o.eps1;
    s.step.add_(1);
    const double t = s.step.item<double>();
    const double one_minus_beta2 = std::pow(t, o.beta2_decay);
    const double rho = std::min(o.lr, 1 / std::sqrt(t));
    const double alpha = std::max(o.eps2, p.norm().item<double>() / std::sqrt(static_cast<double>(p.numel()))) * rho;
    if (o.weight_decay != 0) p.mul_(1 - o.lr * o.weight_decay);
    Tensor estimate;
    if (grad.dim() > 1) {
      const Tensor row_mean = grad.norm(2, {-1}, true).square_().div_(static_cast<double>(grad.size(-1)));
      s.row_var.lerp_(row_mean, one_minus_beta2);
      const Tensor col_mean = grad.norm(2, {-2}, true).square_().div_(static_cast<double>(grad.size(-2)));
      s.col_var.lerp_(col_mean, one_minus_beta2);
      estimate = matmul(s.row_var, s.col_var);
      estimate.div_(s.row_var.mean({-2}, true).clamp_(eps1));
    } else {
      s.variance.lerp_(grad * grad, one_minus_beta2);
      estimate = s.variance.clone();
    }
    // eps1 squared: the square root below brings it back to eps1's magnitude.
    const Tensor update = estimate.clamp_(eps1 * eps1).rsqrt_().mul_(grad);
    const double denom =
        std::max(1.0, update.norm().item<double>() / (std::sqrt(static_cast<double>(update.numel())) * o.d));
    p.add_(update, -alpha / denom);
  }
}

}  // namespace tg::optim
