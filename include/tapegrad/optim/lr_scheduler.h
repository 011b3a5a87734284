#pragma once
// Learning-rate schedulers with torch.optim.lr_scheduler's names, defaults and formulas. As in
// PyTorch, constructing one applies epoch 0 and step() advances one epoch; the schedules are
// PyTorch's recursive ("chainable") forms, so ChainedScheduler composes them the same way. Every
// scheduler of an optimizer starts from the rates it had before the first one (initial_lr).
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tapegrad/optim/optimizer.h"

namespace tg::optim {

// A scheduler's progress as named numbers (PyTorch's names: last_epoch, base_lrs, _last_lr and
// the scheduler's own counters), to checkpoint with the optimizer's state and load into a
// scheduler made the same way. Functions (LambdaLR's lambdas, CyclicLR's scale_fn) are not in it.
using SchedulerState = std::map<std::string, std::vector<double>>;

class LRScheduler {
 public:
  explicit LRScheduler(Optimizer& optimizer);
  virtual ~LRScheduler() = default;
  virtual void step();
  // Starts the schedule again at epoch 0 from the base rates, as SequentialLR does at a
  // milestone (PyTorch's step(0)).
  virtual void restart();
  const std::vector<double>& get_last_lr() const { return last_lr_; }
  int64_t last_epoch() const { return last_epoch_; }
  const Optimizer& optimizer() const { return optimizer_; }
  virtual SchedulerState state_dict() const;
  // Restores the progress; the optimizer's rates come back with the optimizer's own state.
  virtual void load_state_dict(const SchedulerState& state);

 protected:
  // The new learning rate of each group at last_epoch_ (current rates are optimizer_.lr(g)).
  virtual std::vector<double> compute_lr() = 0;
  // Sets epoch 0 up; called by each concrete scheduler's constructor.
  void initialize();
  Optimizer& optimizer_;
  std::vector<double> base_lrs_, last_lr_;
  int64_t last_epoch_ = -1;
};

// lr * gamma every step_size epochs.
class StepLR : public LRScheduler {
 public:
  StepLR(Optimizer& optimizer, int64_t step_size, double gamma = 0.1);

 protected:
  std::vector<double> compute_lr() override;
  int64_t step_size_;
  double gamma_;
};

// lr * gamma at each milestone epoch.
class MultiStepLR : public LRScheduler {
 public:
  MultiStepLR(Optimizer& optimizer, std::vector<int64_t> milestones, double gamma = 0.1);

 protected:
  std::vector<double> compute_lr() override;
  std::vector<int64_t> milestones_;
  double gamma_;
};

// lr * gamma every epoch.
class ExponentialLR : public LRScheduler {
 public:
  ExponentialLR(Optimizer& optimizer, double gamma);

 protected:
  std::vector<double> compute_lr() override;
  double gamma_;
};

// eta_min + (base - eta_min) (1 + cos(pi epoch / T_max)) / 2, continued as a cosine wave.
class CosineAnnealingLR : public LRScheduler {
 public:
  CosineAnnealingLR(Optimizer& optimizer, int64_t T_max, double eta_min = 0.0);

 protected:
  std::vector<double> compute_lr() override;
  int64_t t_max_;
  double eta_min_;
};

// Multiplies base lr by a factor going linearly from start_factor to end_factor over total_iters.
class LinearLR : public LRScheduler {
 public:
  LinearLR(Optimizer& optimizer, double start_factor = 1.0 / 3, double end_factor = 1.0, int64_t total_iters = 5);

 protected:
  std::vector<double> compute_lr() override;
  double start_, end_;
  int64_t total_;
};

// base lr * lr_lambda(epoch), one function for every group or one per group.
class LambdaLR : public LRScheduler {
 public:
  using Lambda = std::function<double(int64_t)>;
  LambdaLR(Optimizer& optimizer, Lambda lr_lambda);
  LambdaLR(Optimizer& optimizer, std::vector<Lambda> lr_lambdas);

 protected:
  std::vector<double> compute_lr() override;
  std::vector<Lambda> lambdas_;
};

// lr * lr_lambda(epoch) each epoch after the first.
class MultiplicativeLR : public LRScheduler {
 public:
  MultiplicativeLR(Optimizer& optimizer, LambdaLR::Lambda lr_lambda);
  MultiplicativeLR(Optimizer& optimizer, std::vector<LambdaLR::Lambda> lr_lambdas);
  // Keeps the current rates at epoch 0, as PyTorch's recursive form does.
  void restart() override;

 protected:
  std::vector<double> compute_lr() override;
  std::vector<LambdaLR::Lambda> lambdas_;
};

// lr * factor for the first total_iters epochs, then lr.
class ConstantLR : public LRScheduler {
 public:
  ConstantLR(Optimizer& optimizer, double factor = 1.0 / 3, int64_t total_iters = 5);

 protected:
  std::vector<double> compute_lr() override;
  double factor_;
  int64_t total_;
};

// base lr * (1 - epoch / total_iters)^power, then 0 (held) after total_iters.
class PolynomialLR : public LRScheduler {
 public:
  PolynomialLR(Optimizer& optimizer, int64_t total_iters = 5, double power = 1.0);

 protected:
  std::vector<double> compute_lr() override;
  int64_t total_;
  double power_;
};

// SGDR (Loshchilov & Hutter): cosine annealing from base lr to eta_min over T_i epochs, then a
// restart, with T_i = T_0 at first and T_mult times longer after each restart.
class CosineAnnealingWarmRestarts : public LRScheduler {
 public:
  CosineAnnealingWarmRestarts(Optimizer& optimizer, int64_t T_0, int64_t T_mult = 1, double eta_min = 0.0);
  void step() override;
  // The schedule at a (fractional) epoch, e.g. epoch + batch / batches, as PyTorch's step(epoch).
  void step(double epoch);
  void restart() override;
  double T_cur() const { return t_cur_; }
  SchedulerState state_dict() const override;
  void load_state_dict(const SchedulerState& state) override;

 protected:
  std::vector<double> compute_lr() override;
  int64_t t_0_, t_mult_;
  double eta_min_, t_cur_ = -1, t_i_;
};

// The cyclical learning rate policy (Smith), stepped once per batch: lr between base_lr and
// max_lr in cycles of step_size_up + step_size_down iterations, the amplitude scaled by mode
// ("triangular": 1, "triangular2": halved each cycle, "exp_range": gamma^iteration) or by
// scale_fn of the cycle or the iteration; momentum cycles the opposite way.
struct CyclicLROptions {
  double step_size_up = 2000;
  std::optional<double> step_size_down = std::nullopt;  // step_size_up when unset
  std::string mode = "triangular";
  double gamma = 1.0;
  std::function<double(double)> scale_fn = nullptr;  // replaces mode when set
  std::string scale_mode = "cycle";                  // for scale_fn: "cycle" or "iterations"
  bool cycle_momentum = true;
  double base_momentum = 0.8, max_momentum = 0.9;
};
class CyclicLR : public LRScheduler {
 public:
  CyclicLR(Optimizer& optimizer, double base_lr, double max_lr, const CyclicLROptions& options = {});
  // One rate per parameter group (or one for all).
  CyclicLR(Optimizer& optimizer, std::vector<double> base_lrs, std::vector<double> max_lrs,
           const CyclicLROptions& options = {});

 protected:
  std::vector<double> compute_lr() override;
  CyclicLROptions o_;
  std::vector<double> max_lrs_;
  double total_size_, step_ratio_;
  bool by_cycle_;
};

// The 1cycle policy (Smith & Topin), stepped once per batch: warm-up from max_lr / div_factor to
// max_lr over pct_start of total_steps, then annealing to initial / final_div_factor; momentum
// (SGD momentum, Adam beta1) cycles the opposite way.
struct OneCycleOptions {
  double pct_start = 0.3;
  bool cos_anneal = true;  // false: linear
  bool cycle_momentum = true;
  double base_momentum = 0.85, max_momentum = 0.95;
  double div_factor = 25.0, final_div_factor = 1e4;
  bool three_phase = false;
};
class OneCycleLR : public LRScheduler {
 public:
  OneCycleLR(Optimizer& optimizer, double max_lr, int64_t total_steps, const OneCycleOptions& options = {});
  // One peak rate per parameter group (or one for all).
  OneCycleLR(Optimizer& optimizer, std::vector<double> max_lrs, int64_t total_steps,
             const OneCycleOptions& options = {});

 protected:
  std::vector<double> compute_lr() override;
  struct Phase {
    double end_step;
    double lr_from, lr_to, m_from, m_to;  // as multiples: lr from initial/max/min, momentum absolute
  };
  double anneal(double from, double to, double pct) const;
  int64_t total_;
  OneCycleOptions o_;
  std::vector<double> initial_lr_, max_lr_, min_lr_;
  std::vector<Phase> phases_;
};

// Applies every scheduler's step in turn each epoch.
class ChainedScheduler {
 public:
  explicit ChainedScheduler(std::vector<std::shared_ptr<LRScheduler>> schedulers);
  void step();
  const std::vector<double>& get_last_lr() const { return schedulers_.back()->get_last_lr(); }
  // The schedulers' states under "_schedulers.<i>.".
  SchedulerState state_dict() const;
  void load_state_dict(const SchedulerState& state);

 private:
  std::vector<std::shared_ptr<LRScheduler>> schedulers_;
};

// One scheduler at a time: the first until milestones[0], where the second starts again from
// epoch 0 and the base rates, and so on (warm-up then decay).
class SequentialLR {
 public:
  SequentialLR(Optimizer& optimizer, std::vector<std::shared_ptr<LRScheduler>> schedulers,
               std::vector<int64_t> milestones);
  void step();
  const std::vector<double>& get_last_lr() const { return last_lr_; }
  int64_t last_epoch() const { return last_epoch_; }
  SchedulerState state_dict() const;
  void load_state_dict(const SchedulerState& state);

 private:
  std::vector<std::shared_ptr<LRScheduler>> schedulers_;
  std::vector<int64_t> milestones_;
  std::vector<double> last_lr_;
  int64_t last_epoch_ = 0;
};

// Cuts lr by `factor` when a metric stops improving for `patience` epochs.
struct ReduceLROnPlateauOptions {
  bool mode_max = false;  // false: lower is better ("min")
  double factor = 0.1;
  int64_t patience = 10;
  double threshold = 1e-4;
  bool threshold_rel = true;  // false: "abs"
  int64_t cooldown = 0;
  double min_lr = 0.0;
  std::vector<double> min_lrs = {};  // one per parameter group; replaces min_lr when given
  double eps = 1e-8;
};
class ReduceLROnPlateau {
 public:
  explicit ReduceLROnPlateau(Optimizer& optimizer, const ReduceLROnPlateauOptions& options = {});
  void step(double metric);
  std::vector<double> get_last_lr() const;
  int64_t num_bad_epochs() const { return num_bad_epochs_; }
  SchedulerState state_dict() const;
  void load_state_dict(const SchedulerState& state);

 private:
  bool is_better(double a, double best) const;
  Optimizer& optimizer_;
  ReduceLROnPlateauOptions o_;
  std::vector<double> min_lrs_;
  double best_;
  int64_t num_bad_epochs_ = 0, cooldown_counter_ = 0, last_epoch_ = 0;
};

}  // namespace tg::optim
