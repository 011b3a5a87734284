// Muon: torch.optim.Muon's single-tensor update.
#include "tapegrad/optim/muon.h"

#include <algorithm>
#include <cmath>

#include "tapegrad/autograd/grad_mode.h"
#include "tapegrad/tensor/factories.h"
#include "tapegrad/tensor/ops.h"

namespace tg::optim {

void MuonOptions::check(const char* name) const {
  TG_CHECK_VALUE(lr >= 0, "{}: invalid learning rate {}", name, lr);
  TG_CHECK_VALUE(momentum >= 0, "{}: invalid momentum value {}", name, momentum);
  TG_CHECK_VALUE(weight_decay >= 0, "{}: invalid weight_decay value {}", name, weight_decay);
  TG_CHECK_VALUE(ns_steps >= 0 && ns_steps < 100, "{}: ns_steps must be in [0, 100), got {}", name, ns_steps);
  TG_CHECK_VALUE(adjust_lr_fn >= kMuonOriginal && adjust_lr_fn <= kMuonSpectralUnclamped, "{}: unknown adjust_lr_fn {}",
                 name, adjust_lr_fn);
}

Muon::Muon(tensor_list params, const MuonOptions& options) : OptimizerImpl("Muon", std::move(params), options) {
  check_params();
}

Muon::Muon(const std::vector<ParamGroup>& groups, const MuonOptions& defaults)
    : OptimizerImpl("Muon", groups, defaults) {
  check_params();
}

void Muon::check_params() const {
  for (const tensor_list& group : group_params_)
    for (const Tensor& p : group)
      TG_CHECK_VALUE(p.dim() == 2, "Muon: only 2-D parameters are supported, got one of shape {}", p.sizes());
}

Tensor muon_orthogonalize(const Tensor& update, double a, double b, double c, int64_t steps, double eps) {
  TG_CHECK_VALUE(update.dim() == 2, "muon_orthogonalize: expected a 2-D update, got shape {}", update.sizes());
  const bool tall = update.sizes()[0] > update.sizes()[1];
  Tensor x = update.to(kBFloat16).clone();
  if (tall) x = x.t();
  // The Frobenius norm bounds the spectral norm, so the iteration starts inside its basin.
  x = x.div(x.norm().clamp_min(eps));
  for (int64_t i = 0; i < steps; ++i) {
    const Tensor gram = x.matmul(x.t());
    const Tensor poly = addmm(gram, gram, gram, b, c);
    x = addmm(x, poly, x, a);
  }
  return tall ? x.t() : x;
}

void Muon::step() {
  NoGradGuard no_grad;
  for (auto& [g, p] : params_with_grad()) {
    const MuonOptions& o = options_[g];
    const Tensor& grad = p.grad();
    TG_CHECK_VALUE(grad.dim() == 2, "Muon: the gradient must be 2-D, got shape {}", grad.sizes());
    Tensor& buf = state(p).momentum_buffer;
    if (!buf.defined()) buf = zeros_like(grad);
    buf.lerp_(grad, 1 - o.momentum);
    const Tensor update = o.nesterov ? grad.lerp(buf, o.momentum) : buf;
    const Tensor ortho = muon_orthogonalize(update, o.ns_a, o.ns_b, o.ns_c, o.ns_steps, o.eps);
    const double rows = static_cast<double>(p.sizes()[0]), cols = static_cast<double>(p.sizes()[1]);
    double ratio = 1;
    if (o.adjust_lr_fn == kMuonOriginal) ratio = std::sqrt(std::max(1.0, rows / cols));
    if (o.adjust_lr_fn == kMuonMatchRmsAdamW) ratio = 0.2 * std::sqrt(std::max(rows, cols));
    if (o.adjust_lr_fn == kMuonSpectralUnclamped) ratio = std::sqrt(rows / cols);
    p.mul_(1 - o.lr * o.weight_decay);
    p.add_(ortho.to(p.dtype()), -o.lr * ratio);
  }
}

}  // namespace tg::optim
