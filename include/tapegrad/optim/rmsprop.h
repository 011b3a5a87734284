#pragma once
// RMSprop (centered, momentum) and Adagrad; PyTorch's update rules exactly.
#include "tapegrad/optim/optimizer.h"

namespace tg::optim {

struct RMSpropOptions {
  double lr = 1e-2;
  double alpha = 0.99;
  double eps = 1e-8;
  double weight_decay = 0;
  double momentum = 0;
  bool centered = false;
  bool maximize = false;
  void check(const char* name) const;
  void visit(auto&& f) {
    f("lr", lr);
    f("alpha", alpha);
    f("eps", eps);
    f("weight_decay", weight_decay);
    f("momentum", momentum);
    f("centered", centered);
    f("maximize", maximize);
  }
};
struct RMSpropState {
  Tensor step, square_avg, momentum_buffer, grad_avg;
  void visit(auto&& f) {
    f("step", step);
    f("square_avg", square_avg);
    f("momentum_buffer", momentum_buffer);
    f("grad_avg", grad_avg);
  }
};
class RMSprop : public OptimizerImpl<RMSpropOptions, RMSpropState> {
 public:
  explicit RMSprop(tensor_list params, const RMSpropOptions& options = {})
      : OptimizerImpl("RMSprop", std::move(params), options) {}
  RMSprop(const std::vector<ParamGroup>& groups, const RMSpropOptions& defaults = {})
      : OptimizerImpl("RMSprop", groups, defaults) {}
  void step() override;
  bool has_momentum() const override { return true; }
  double momentum(size_t group) const override { return options(group).momentum; }
  void set_momentum(size_t group, double m) override { options(group).momentum = m; }
};

struct AdagradOptions {
  double lr = 1e-2;
  double lr_decay = 0;
  double weight_decay = 0;
  double initial_accumulator_value = 0;
  double eps = 1e-10;
  bool maximize = false;
  void check(const char* name) const;
  void visit(auto&& f) {
    f("lr", lr);
    f("lr_decay", lr_decay);
    f("weight_decay", weight_decay);
    f("initial_accumulator_value", initial_accumulator_value);
    f("eps", eps);
    f("maximize", maximize);
  }
};
struct AdagradState {
  Tensor step, sum;
  void visit(auto&& f) {
    f("step", step);
    f("sum", sum);
  }
};
class Adagrad : public OptimizerImpl<AdagradOptions, AdagradState> {
 public:
  explicit Adagrad(tensor_list params, const AdagradOptions& options = {})
      : OptimizerImpl("Adagrad", std::move(params), options) {}
  Adagrad(const std::vector<ParamGroup>& groups, const AdagradOptions& defaults = {})
      : OptimizerImpl("Adagrad", groups, defaults) {}
  void step() override;
};

}  // namespace tg::optim
