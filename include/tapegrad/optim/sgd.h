#pragma once
// Stochastic gradient descent with momentum, dampening, Nesterov and weight decay (PyTorch's
// update rule exactly).
#include "tapegrad/optim/optimizer.h"

namespace tg::optim {

struct SGDOptions {
  double lr = 1e-3;
  double momentum = 0;
  double dampening = 0;
  double weight_decay = 0;
  bool nesterov = false;
  bool maximize = false;
  void check(const char* name) const;
  void visit(auto&& f) {
    f("lr", lr);
    f("momentum", momentum);
    f("dampening", dampening);
    f("weight_decay", weight_decay);
    f("nesterov", nesterov);
    f("maximize", maximize);
  }
};
struct SGDState {
  Tensor momentum_buffer;
  void visit(auto&& f) { f("momentum_buffer", momentum_buffer); }
};

class SGD : public OptimizerImpl<SGDOptions, SGDState> {
 public:
  explicit SGD(tensor_list params, const SGDOptions& options = {}) : OptimizerImpl("SGD", std::move(params), options) {}
  SGD(const std::vector<ParamGroup>& groups, const SGDOptions& defaults = {}) : OptimizerImpl("SGD", groups, defaults) {}
  void step() override;
  bool has_momentum() const override { return true; }
  double momentum(size_t group) const override { return options(group).momentum; }
  void set_momentum(size_t group, double m) override { options(group).momentum = m; }
};

}  // namespace tg::optim
