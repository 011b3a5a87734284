#pragma once
// Loss scaling for float16 training (torch.amp.GradScaler's behaviour): multiply the loss by a
// large scale so that small gradients survive float16, divide the gradients back before the
// step, skip steps whose gradients overflowed, and adapt the scale: halve it after an overflow,
// double it after growth_interval clean steps.
//
//   tg::amp::GradScaler scaler;
//   scaler.scale(loss).backward();
//   scaler.step(optimizer);   // unscales, then steps unless a gradient is inf/NaN
//   scaler.update();
#include <map>

#include "tapegrad/optim/optimizer.h"

namespace tg::amp {

struct GradScalerOptions {
  double init_scale = 65536.0;
  double growth_factor = 2.0;
  double backoff_factor = 0.5;
  int64_t growth_interval = 2000;
  bool enabled = true;  // false: every call passes through (scale 1, plain steps)
};

class GradScaler {
 public:
  explicit GradScaler(const GradScalerOptions& options = {});
  // loss * scale (loss itself when disabled).
  Tensor scale(const Tensor& loss) const;
  // Divides the optimizer's gradients by the scale (once per step) and notes whether any is
  // inf or NaN.
  void unscale_(optim::Optimizer& optimizer);
  // Unscales if not done yet, then steps unless the gradients overflowed; returns whether it stepped.
  bool step(optim::Optimizer& optimizer);
  // step's check alone: unscales if not done yet and says whether the gradients are finite (true
  // when disabled), for callers that run the optimizer's step themselves (Python's step hooks).
  bool should_step(optim::Optimizer& optimizer);
  // Adapts the scale from what the steps since the last update saw.
  void update();
  double get_scale() const { return options_.enabled ? scale_ : 1.0; }
  int64_t growth_tracker() const { return growth_tracker_; }
  bool is_enabled() const { return options_.enabled; }
  nn::OrderedDict<Tensor> state_dict() const;
  void load_state_dict(const nn::OrderedDict<Tensor>& state);

 private:
  GradScalerOptions options_;
  double scale_;
  int64_t growth_tracker_ = 0;
  // Per optimizer since the last update: unscaled already, and whether it found inf/NaN.
  std::map<const optim::Optimizer*, bool> found_inf_;
};

}  // namespace tg::amp
