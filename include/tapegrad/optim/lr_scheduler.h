#pragma once
// Learning-rate schedulers with torch.optim.lr_scheduler's names, defaults and formulas. As in
// PyTorch, constructing one applies epoch 0 and step() advances one epoch; the schedules are
// PyTorch's recursive ("chainable") forms, so ChainedScheduler composes them the same way.
#include <memory>
#include <string>
#include <vector>

#include "tapegrad/optim/optimizer.h"

namespace tg::optim {

class LRScheduler {
 public:
  explicit LRScheduler(Optimizer& optimizer);
  virtual ~LRScheduler() = default;
  virtual void step();
  const std::vector<double>& get_last_lr() const { return last_lr_; }
  int64_t last_epoch() const { return last_epoch_; }

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

 private:
  std::vector<std::shared_ptr<LRScheduler>> schedulers_;
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
  double eps = 1e-8;
};
class ReduceLROnPlateau {
 public:
  explicit ReduceLROnPlateau(Optimizer& optimizer, const ReduceLROnPlateauOptions& options = {});
  void step(double metric);
  std::vector<double> get_last_lr() const;
  int64_t num_bad_epochs() const { return num_bad_epochs_; }

 private:
  bool is_better(double a, double best) const;
  Optimizer& optimizer_;
  ReduceLROnPlateauOptions o_;
  double best_;
  int64_t num_bad_epochs_ = 0, cooldown_counter_ = 0, last_epoch_ = 0;
};

}  // namespace tg::optim
