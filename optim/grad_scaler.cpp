// GradScaler: torch.amp.GradScaler's scale / unscale_ / step / update.
#include "tapegrad/amp/grad_scaler.h"

#include <cmath>

#include "tapegrad/autograd/grad_mode.h"
#include "tapegrad/tensor/factories.h"
#include "tapegrad/tensor/ops.h"

namespace tg::amp {

GradScaler::GradScaler(const GradScalerOptions& o) : options_(o), scale_(o.init_scale) {
  TG_CHECK_VALUE(o.init_scale > 0, "GradScaler: init_scale must be positive, got {}", o.init_scale);
  TG_CHECK_VALUE(o.growth_factor > 1, "GradScaler: growth_factor must be > 1, got {}", o.growth_factor);
  TG_CHECK_VALUE(o.backoff_factor > 0 && o.backoff_factor < 1, "GradScaler: backoff_factor must be in (0, 1), got {}",
                 o.backoff_factor);
  TG_CHECK_VALUE(o.growth_interval > 0, "GradScaler: growth_interval must be positive, got {}", o.growth_interval);
}

Tensor GradScaler::scale(const Tensor& loss) const {
  TG_CHECK(loss.defined(), "GradScaler.scale: the loss is undefined");
  if (!options_.enabled) return loss;
  return loss * scale_;
}

void GradScaler::unscale_(optim::Optimizer& optimizer) {
  if (!options_.enabled) return;
  TG_CHECK(!found_inf_.count(&optimizer),
           "GradScaler.unscale_: already called for this optimizer since the last update()");
  NoGradGuard no_grad;
  bool found = false;
  const double inv = 1.0 / scale_;
  for (size_t g = 0; g < optimizer.num_param_groups(); ++g)
    for (const Tensor& p : optimizer.params(g)) {
      if (!p.grad().defined()) continue;
      p.grad().mul_(inv);
      if (!found) found = !isfinite(p.grad()).all().item<bool>();
    }
  found_inf_[&optimizer] = found;
}

bool GradScaler::should_step(optim::Optimizer& optimizer) {
  if (!options_.enabled) return true;
  if (!found_inf_.count(&optimizer)) unscale_(optimizer);
  return !found_inf_[&optimizer];
}

bool GradScaler::step(optim::Optimizer& optimizer) {
  if (!should_step(optimizer)) return false;
  optimizer.step();
  return true;
}

void GradScaler::update() {
  if (!options_.enabled) return;
  bool any_inf = false;
  for (const auto& [opt, inf] : found_inf_) any_inf |= inf;
  if (!found_inf_.empty()) {
    if (any_inf) {
      scale_ *= options_.backoff_factor;
      growth_tracker_ = 0;
    } else if (++growth_tracker_ == options_.growth_interval) {
      scale_ *= options_.growth_factor;
      growth_tracker_ = 0;
    }
  }
  found_inf_.clear();
}

nn::OrderedDict<Tensor> GradScaler::state_dict() const {
  nn::OrderedDict<Tensor> out;
  out.insert("scale", scalar_tensor(scale_, kFloat64));
  out.insert("growth_tracker", scalar_tensor(growth_tracker_, kInt64));
  return out;
}

void GradScaler::load_state_dict(const nn::OrderedDict<Tensor>& state) {
  TG_CHECK(state.contains("scale") && state.contains("growth_tracker"),
           "GradScaler.load_state_dict: expected 'scale' and 'growth_tracker'");
  scale_ = state["scale"].item<double>();
  growth_tracker_ = state["growth_tracker"].item<int64_t>();
  TG_CHECK_VALUE(scale_ > 0 && std::isfinite(scale_), "GradScaler.load_state_dict: invalid scale {}", scale_);
}

}  // namespace tg::amp
