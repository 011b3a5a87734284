#pragma once
// Adadelta, Rprop and ASGD: the older per-parameter step-size rules, torch.optim's single-tensor
// updates exactly.
#include "tapegrad/optim/optimizer.h"

namespace tg::optim {

struct AdadeltaOptions {
  double lr = 1.0;
  double rho = 0.9;
  double eps = 1e-6;
  double weight_decay = 0;
  bool maximize = false;
  void check(const char* name) const;
  void visit(auto&& f) {
    f("lr", lr);
    f("rho", rho);
    f("eps", eps);
    f("weight_decay", weight_decay);
    f("maximize", maximize);
  }
};
struct AdadeltaState {
  Tensor step, square_avg, acc_delta;
  void visit(auto&& f) {
    f("step", step);
    f("square_avg", square_avg);
    f("acc_delta", acc_delta);
  }
};
class Adadelta : public OptimizerImpl<AdadeltaOptions, AdadeltaState> {
 public:
  explicit Adadelta(tensor_list params, const AdadeltaOptions& options = {})
      : OptimizerImpl("Adadelta", std::move(params), options) {}
  Adadelta(const std::vector<ParamGroup>& groups, const AdadeltaOptions& defaults = {})
      : OptimizerImpl("Adadelta", groups, defaults) {}
  void step() override;
};

// Rprop: each element's step size grows by etaplus while its gradient keeps its sign and shrinks
// by etaminus when it flips (that step is then skipped), within [step_size_min, step_size_max].
struct RpropOptions {
  double lr = 1e-2;
  double etaminus = 0.5, etaplus = 1.2;
  double step_size_min = 1e-6, step_size_max = 50;
  bool maximize = false;
  void check(const char* name) const;
  void visit(auto&& f) {
    f("lr", lr);
    f("etaminus", etaminus);
    f("etaplus", etaplus);
    f("step_size_min", step_size_min);
    f("step_size_max", step_size_max);
    f("maximize", maximize);
  }
};
struct RpropState {
  Tensor step, prev, step_size;
  void visit(auto&& f) {
    f("step", step);
    f("prev", prev);
    f("step_size", step_size);
  }
};
class Rprop : public OptimizerImpl<RpropOptions, RpropState> {
 public:
  explicit Rprop(tensor_list params, const RpropOptions& options = {})
      : OptimizerImpl("Rprop", std::move(params), options) {}
  Rprop(const std::vector<ParamGroup>& groups, const RpropOptions& defaults = {})
      : OptimizerImpl("Rprop", groups, defaults) {}
  void step() override;
};

// Averaged SGD: SGD with a decaying rate eta, and ax, the running average of the parameters from
// step t0 on (the averaged model; state "ax").
struct ASGDOptions {
  double lr = 1e-2;
  double lambd = 1e-4;
  double alpha = 0.75;
  double t0 = 1e6;
  double weight_decay = 0;
  bool maximize = false;
  void check(const char* name) const;
  void visit(auto&& f) {
    f("lr", lr);
    f("lambd", lambd);
    f("alpha", alpha);
    f("t0", t0);
    f("weight_decay", weight_decay);
    f("maximize", maximize);
  }
};
struct ASGDState {
  Tensor step, eta, mu, ax;
  void visit(auto&& f) {
    f("step", step);
    f("eta", eta);
    f("mu", mu);
    f("ax", ax);
  }
};
class ASGD : public OptimizerImpl<ASGDOptions, ASGDState> {
 public:
  explicit ASGD(tensor_list params, const ASGDOptions& options = {})
      : OptimizerImpl("ASGD", std::move(params), options) {}
  ASGD(const std::vector<ParamGroup>& groups, const ASGDOptions& defaults = {})
      : OptimizerImpl("ASGD", groups, defaults) {}
  void step() override;

 protected:
  bool state_has_param_shape(const std::string& name) const override { return name == "ax"; }
};

}  // namespace tg::optim
