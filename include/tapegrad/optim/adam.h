#pragma once
// Adam and AdamW (decoupled weight decay), with amsgrad; PyTorch's update rules exactly.
#include "tapegrad/optim/optimizer.h"

namespace tg::optim {

struct AdamOptions {
  double lr = 1e-3;
  double beta1 = 0.9, beta2 = 0.999;
  double eps = 1e-8;
  double weight_decay = 0;  // Adam: added to the gradient; AdamW: decoupled (default 1e-2 there)
  bool amsgrad = false;
  bool maximize = false;
  bool decoupled_weight_decay = false;  // true: the weights decay, not the gradient (AdamW, which sets it)
  void check(const char* name) const;
  void visit(auto&& f) {
    f("lr", lr);
    f("beta1", beta1);
    f("beta2", beta2);
    f("eps", eps);
    f("weight_decay", weight_decay);
    f("amsgrad", amsgrad);
    f("maximize", maximize);
    f("decoupled_weight_decay", decoupled_weight_decay);
  }
};
struct AdamState {
  Tensor step;  // 0-dim int64
  Tensor exp_avg, exp_avg_sq, max_exp_avg_sq;
  void visit(auto&& f) {
    f("step", step);
    f("exp_avg", exp_avg);
    f("exp_avg_sq", exp_avg_sq);
    f("max_exp_avg_sq", max_exp_avg_sq);
  }
};

class Adam : public OptimizerImpl<AdamOptions, AdamState> {
 public:
  explicit Adam(tensor_list params, const AdamOptions& options = {}) : Adam("Adam", std::move(params), options) {}
  Adam(const std::vector<ParamGroup>& groups, const AdamOptions& defaults = {}) : OptimizerImpl("Adam", groups, defaults) {}
  void step() override;
  bool has_momentum() const override { return true; }
  double momentum(size_t group) const override { return options(group).beta1; }
  void set_momentum(size_t group, double m) override { options(group).beta1 = m; }

 protected:
  Adam(const char* name, tensor_list params, const AdamOptions& options)
      : OptimizerImpl(name, std::move(params), options) {}
  Adam(const char* name, const std::vector<ParamGroup>& groups, const AdamOptions& options)
      : OptimizerImpl(name, groups, options) {}
};

// AdamW's defaults are Adam's with weight_decay = 1e-2, and its weight decay always decoupled.
inline AdamOptions adamw_defaults() {
  AdamOptions o;
  o.weight_decay = 1e-2;
  o.decoupled_weight_decay = true;
  return o;
}
class AdamW : public Adam {
 public:
  explicit AdamW(tensor_list params, const AdamOptions& options = adamw_defaults())
      : Adam("AdamW", std::move(params), decoupled(options)) {}
  AdamW(const std::vector<ParamGroup>& groups, const AdamOptions& defaults = adamw_defaults())
      : Adam("AdamW", decoupled(groups), decoupled(defaults)) {}

 private:
  static AdamOptions decoupled(AdamOptions o) {
    o.decoupled_weight_decay = true;
    return o;
  }
  static std::vector<ParamGroup> decoupled(std::vector<ParamGroup> groups) {
    for (ParamGroup& g : groups) g.options.decoupled_weight_decay = true;
    return groups;
  }
};

}  // namespace tg::optim
