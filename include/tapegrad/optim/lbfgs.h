#pragma once
// L-BFGS: quasi-Newton steps from the last history_size gradient differences, each step up to
// max_iter iterations of re-evaluating the loss through a closure, with a fixed step lr or
// strong-Wolfe line search; torch.optim.LBFGS's algorithm exactly. One parameter group; the
// parameters are treated as one flat vector.
#include <functional>

#include "tapegrad/optim/optimizer.h"

namespace tg::optim {

struct LBFGSOptions {
  double lr = 1;
  int64_t max_iter = 20;
  int64_t max_eval = 0;  // 0: max_iter * 5 / 4, as PyTorch's None
  double tolerance_grad = 1e-7;
  double tolerance_change = 1e-9;
  int64_t history_size = 100;
  bool strong_wolfe = false;  // PyTorch's line_search_fn="strong_wolfe"
  bool maximize = false;
  void check(const char* name) const;
  void visit(auto&& f) {
    f("lr", lr);
    f("max_iter", max_iter);
    f("max_eval", max_eval);
    f("tolerance_grad", tolerance_grad);
    f("tolerance_change", tolerance_change);
    f("history_size", history_size);
    f("strong_wolfe", strong_wolfe);
    f("maximize", maximize);
  }
};
// Kept for the first parameter (PyTorch's layout); the history is saved as old_dirs.<i>,
// old_stps.<i> and ro.
struct LBFGSState {
  Tensor func_evals, n_iter, d, t, H_diag, prev_flat_grad, prev_loss;
  std::vector<Tensor> old_dirs, old_stps;
  std::vector<double> ro;
  void visit(auto&& f) {
    f("func_evals", func_evals);
    f("n_iter", n_iter);
    f("d", d);
    f("t", t);
    f("H_diag", H_diag);
    f("prev_flat_grad", prev_flat_grad);
    f("prev_loss", prev_loss);
  }
};

class LBFGS : public OptimizerImpl<LBFGSOptions, LBFGSState> {
 public:
  explicit LBFGS(tensor_list params, const LBFGSOptions& options = {});
  // Only one group: a list of more is an error, as in PyTorch.
  LBFGS(const std::vector<ParamGroup>& groups, const LBFGSOptions& defaults = {});
  // closure: zeroes the gradients, computes the loss, calls backward and returns the loss; it is
  // called with gradients enabled. Returns the loss of the first evaluation.
  Tensor step(const std::function<Tensor()>& closure);
  // An error: L-BFGS re-evaluates the loss, so it needs step(closure).
  void step() override;

 protected:
  std::vector<std::pair<std::string, Tensor>> param_state(const Tensor& p) const override;
  void set_param_state(const Tensor& p, const std::string& name, const Tensor& value) override;
  // Its state is scalars and vectors over all the parameters.
  bool state_has_param_shape(const std::string&) const override { return false; }

 private:
  Tensor flat_grad() const;
  void add_to_params(double step, const Tensor& direction) const;
  // The loss and flat gradient at x + t d (the parameters are put back to x afterwards).
  std::pair<double, Tensor> evaluate_at(const std::function<Tensor()>& closure, const tensor_list& x, double t,
                                        const Tensor& d);
};

}  // namespace tg::optim
