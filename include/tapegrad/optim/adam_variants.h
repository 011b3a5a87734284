#pragma once
// Adam's relatives: Adamax (the infinity norm for the second moment), NAdam (Nesterov momentum
// with PyTorch's momentum-decay schedule) and RAdam (the variance rectification of Liu et al.);
// torch.optim's single-tensor update rules exactly.
#include "tapegrad/optim/optimizer.h"

namespace tg::optim {

// An optimizer whose momentum (what OneCycleLR cycles) is its beta1.
template <class Options, class State>
class Beta1Momentum : public OptimizerImpl<Options, State> {
 public:
  using OptimizerImpl<Options, State>::OptimizerImpl;
  bool has_momentum() const override { return true; }
  double momentum(size_t group) const override { return this->options(group).beta1; }
  void set_momentum(size_t group, double m) override { this->options(group).beta1 = m; }
};

struct AdamaxOptions {
  double lr = 2e-3;
  double beta1 = 0.9, beta2 = 0.999;
  double eps = 1e-8;
  double weight_decay = 0;
  bool maximize = false;
  void check(const char* name) const;
  void visit(auto&& f) {
    f("lr", lr);
    f("beta1", beta1);
    f("beta2", beta2);
    f("eps", eps);
    f("weight_decay", weight_decay);
    f("maximize", maximize);
  }
};
struct AdamaxState {
  Tensor step, exp_avg, exp_inf;
  void visit(auto&& f) {
    f("step", step);
    f("exp_avg", exp_avg);
    f("exp_inf", exp_inf);
  }
};
class Adamax : public Beta1Momentum<AdamaxOptions, AdamaxState> {
 public:
  explicit Adamax(tensor_list params, const AdamaxOptions& options = {})
      : Beta1Momentum("Adamax", std::move(params), options) {}
  Adamax(const std::vector<ParamGroup>& groups, const AdamaxOptions& defaults = {})
      : Beta1Momentum("Adamax", groups, defaults) {}
  void step() override;
};

struct NAdamOptions {
  double lr = 2e-3;
  double beta1 = 0.9, beta2 = 0.999;
  double eps = 1e-8;
  double weight_decay = 0;
  double momentum_decay = 4e-3;
  bool decoupled_weight_decay = false;  // true: AdamW's decay of the weights instead of the gradient
  bool maximize = false;
  void check(const char* name) const;
  void visit(auto&& f) {
    f("lr", lr);
    f("beta1", beta1);
    f("beta2", beta2);
    f("eps", eps);
    f("weight_decay", weight_decay);
    f("momentum_decay", momentum_decay);
    f("decoupled_weight_decay", decoupled_weight_decay);
    f("maximize", maximize);
  }
};
struct NAdamState {
  Tensor step, mu_product, exp_avg, exp_avg_sq;
  void visit(auto&& f) {
    f("step", step);
    f("mu_product", mu_product);
    f("exp_avg", exp_avg);
    f("exp_avg_sq", exp_avg_sq);
  }
};
class NAdam : public Beta1Momentum<NAdamOptions, NAdamState> {
 public:
  explicit NAdam(tensor_list params, const NAdamOptions& options = {})
      : Beta1Momentum("NAdam", std::move(params), options) {}
  NAdam(const std::vector<ParamGroup>& groups, const NAdamOptions& defaults = {})
      : Beta1Momentum("NAdam", groups, defaults) {}
  void step() override;

 protected:
  bool state_has_param_shape(const std::string& name) const override { return name != "step" && name != "mu_product"; }
};

struct RAdamOptions {
  double lr = 1e-3;
  double beta1 = 0.9, beta2 = 0.999;
  double eps = 1e-8;
  double weight_decay = 0;
  bool decoupled_weight_decay = false;
  bool maximize = false;
  void check(const char* name) const;
  void visit(auto&& f) {
    f("lr", lr);
    f("beta1", beta1);
    f("beta2", beta2);
    f("eps", eps);
    f("weight_decay", weight_decay);
    f("decoupled_weight_decay", decoupled_weight_decay);
    f("maximize", maximize);
  }
};
struct RAdamState {
  Tensor step, exp_avg, exp_avg_sq;
  void visit(auto&& f) {
    f("step", step);
    f("exp_avg", exp_avg);
    f("exp_avg_sq", exp_avg_sq);
  }
};
class RAdam : public Beta1Momentum<RAdamOptions, RAdamState> {
 public:
  explicit RAdam(tensor_list params, const RAdamOptions& options = {})
      : Beta1Momentum("RAdam", std::move(params), options) {}
  RAdam(const std::vector<ParamGroup>& groups, const RAdamOptions& defaults = {})
      : Beta1Momentum("RAdam", groups, defaults) {}
  void step() override;
};

}  // namespace tg::optim
