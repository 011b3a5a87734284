#pragma once
// Adafactor (torch.optim.Adafactor): Adam-like steps whose second moment of a matrix parameter is
// kept factored, as row and column means over its last two dims, so it costs O(rows + cols)
// memory instead of O(rows * cols). PyTorch's single-tensor update exactly.
#include <limits>

#include "tapegrad/optim/optimizer.h"

namespace tg::optim {

struct AdafactorOptions {
  double lr = 1e-2;
  // The second moment's decay: 1 - beta2 at step t is t^beta2_decay.
  double beta2_decay = -0.8;
  // eps1 floors the second moment (NaN: the parameter dtype's machine epsilon, PyTorch's None);
  // eps2 floors the parameter's RMS that scales the step.
  double eps1 = std::numeric_limits<double>::quiet_NaN();
  double eps2 = 1e-3;
  double d = 1.0;  // the update's RMS is clipped to d
  double weight_decay = 0;
  bool maximize = false;
  void check(const char* name) const;
  void visit(auto&& f) {
    f("lr", lr);
    f("beta2_decay", beta2_decay);
    f("eps1", eps1);
    f("eps2", eps2);
    f("d", d);
    f("weight_decay", weight_decay);
    f("maximize", maximize);
  }
};
// row_var [..., rows, 1] and col_var [..., 1, cols] for parameters of 2 or more dims; variance
// (the parameter's shape) for the others.
struct AdafactorState {
  Tensor step, row_var, col_var, variance;
  void visit(auto&& f) {
    f("step", step);
    f("row_var", row_var);
    f("col_var", col_var);
    f("variance", variance);
  }
};
class Adafactor : public OptimizerImpl<AdafactorOptions, AdafactorState> {
 public:
  explicit Adafactor(tensor_list params, const AdafactorOptions& options = {})
      : OptimizerImpl("Adafactor", std::move(params), options) {}
  Adafactor(const std::vector<ParamGroup>& groups, const AdafactorOptions& defaults = {})
      : OptimizerImpl("Adafactor", groups, defaults) {}
  void step() override;

 protected:
  bool state_has_param_shape(const std::string& name) const override { return name == "variance"; }
};

}  // namespace tg::optim
