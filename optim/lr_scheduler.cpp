// LR schedulers: torch.optim.lr_scheduler's get_lr formulas (the recursive forms).
#include "tapegrad/optim/lr_scheduler.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>

namespace tg::optim {

LRScheduler::LRScheduler(Optimizer& optimizer) : optimizer_(optimizer) {
  for (size_t g = 0; g < optimizer.num_param_groups(); ++g) base_lrs_.push_back(optimizer.initial_lr(g));
}

void LRScheduler::initialize() { step(); }

void LRScheduler::step() {
  ++last_epoch_;
  std::vector<double> lrs = compute_lr();
  for (size_t g = 0; g < lrs.size(); ++g) optimizer_.set_lr(g, lrs[g]);
  last_lr_ = std::move(lrs);
}

void LRScheduler::restart() {
  for (size_t g = 0; g < base_lrs_.size(); ++g) optimizer_.set_lr(g, base_lrs_[g]);
  last_epoch_ = -1;
  step();
}

namespace {
// state[key], which must hold `size` numbers (any number when size is -1).
const std::vector<double>& entry(const SchedulerState& state, const std::string& key, int64_t size) {
  const auto it = state.find(key);
  TG_CHECK_VALUE(it != state.end(), "load_state_dict: the scheduler state has no '{}'", key);
  TG_CHECK_VALUE(size < 0 || static_cast<int64_t>(it->second.size()) == size,
                 "load_state_dict: '{}' holds {} values, expected {}", key, it->second.size(), size);
  return it->second;
}

// One value per parameter group, from one for all or one for each (torch's float-or-list).
std::vector<double> per_group(const char* op, const char* what, std::vector<double> values, size_t groups) {
  if (values.size() == 1) return std::vector<double>(groups, values[0]);
  TG_CHECK_VALUE(values.size() == groups,
                 "{}: {} must have the same length as optimizer.param_groups: {} has {} values, param_groups has {}",
                 op, what, what, values.size(), groups);
  return values;
}

int64_t whole(const SchedulerState& state, const std::string& key) {
  const double v = entry(state, key, 1)[0];
  TG_CHECK_VALUE(v == std::floor(v), "load_state_dict: '{}' must be a whole number, got {}", key, v);
  return static_cast<int64_t>(v);
}

// The children's states under "_schedulers.<i>.".
template <class S>
SchedulerState nest(const std::vector<std::shared_ptr<S>>& schedulers, SchedulerState state) {
  for (size_t i = 0; i < schedulers.size(); ++i)
    for (auto& [k, v] : schedulers[i]->state_dict()) state[fmt::format("_schedulers.{}.{}", i, k)] = v;
  return state;
}

template <class S>
void unnest(const std::vector<std::shared_ptr<S>>& schedulers, const SchedulerState& state) {
  for (size_t i = 0; i < schedulers.size(); ++i) {
    const std::string prefix = fmt::format("_schedulers.{}.", i);
    SchedulerState child;
    for (const auto& [k, v] : state)
      if (k.starts_with(prefix)) child[k.substr(prefix.size())] = v;
    schedulers[i]->load_state_dict(child);
  }
}

std::vector<double> current(const Optimizer& o) {
  std::vector<double> v;
  for (size_t g = 0; g < o.num_param_groups(); ++g) v.push_back(o.lr(g));
  return v;
}

// One function per group: a single one repeated, or as many as there are groups.
std::vector<LambdaLR::Lambda> per_group(const char* scheduler, const Optimizer& o,
                                        std::vector<LambdaLR::Lambda> lambdas) {
  if (lambdas.size() == 1) lambdas.resize(o.num_param_groups(), lambdas.front());
  TG_CHECK_VALUE(lambdas.size() == o.num_param_groups(), "{}: expected {} lr_lambdas (one per group), got {}",
                 scheduler, o.num_param_groups(), lambdas.size());
  for (const auto& f : lambdas) TG_CHECK_VALUE(static_cast<bool>(f), "{}: an lr_lambda is empty", scheduler);
  return lambdas;
}
}  // namespace

SchedulerState LRScheduler::state_dict() const {
  return {{"last_epoch", {static_cast<double>(last_epoch_)}}, {"base_lrs", base_lrs_}, {"_last_lr", last_lr_}};
}

void LRScheduler::load_state_dict(const SchedulerState& state) {
  const auto groups = static_cast<int64_t>(optimizer_.num_param_groups());
  const std::vector<double>& base = entry(state, "base_lrs", groups);
  const std::vector<double>& last = entry(state, "_last_lr", groups);
  last_epoch_ = whole(state, "last_epoch");
  base_lrs_ = base;
  last_lr_ = last;
}

StepLR::StepLR(Optimizer& o, int64_t step_size, double gamma) : LRScheduler(o), step_size_(step_size), gamma_(gamma) {
  TG_CHECK_VALUE(step_size > 0, "StepLR: step_size must be positive, got {}", step_size);
  initialize();
}
std::vector<double> StepLR::compute_lr() {
  std::vector<double> lrs = current(optimizer_);
  if (last_epoch_ == 0 || last_epoch_ % step_size_ != 0) return lrs;
  for (double& lr : lrs) lr *= gamma_;
  return lrs;
}

MultiStepLR::MultiStepLR(Optimizer& o, std::vector<int64_t> milestones, double gamma)
    : LRScheduler(o), milestones_(std::move(milestones)), gamma_(gamma) {
  std::sort(milestones_.begin(), milestones_.end());
  initialize();
}
std::vector<double> MultiStepLR::compute_lr() {
  std::vector<double> lrs = current(optimizer_);
  const auto hits = std::count(milestones_.begin(), milestones_.end(), last_epoch_);
  for (double& lr : lrs) lr *= std::pow(gamma_, static_cast<double>(hits));
  return lrs;
}

ExponentialLR::ExponentialLR(Optimizer& o, double gamma) : LRScheduler(o), gamma_(gamma) { initialize(); }
std::vector<double> ExponentialLR::compute_lr() {
  std::vector<double> lrs = current(optimizer_);
  if (last_epoch_ == 0) return lrs;
  for (double& lr : lrs) lr *= gamma_;
  return lrs;
}

CosineAnnealingLR::CosineAnnealingLR(Optimizer& o, int64_t t_max, double eta_min)
    : LRScheduler(o), t_max_(t_max), eta_min_(eta_min) {
  TG_CHECK_VALUE(t_max > 0, "CosineAnnealingLR: T_max must be positive, got {}", t_max);
  initialize();
}
std::vector<double> CosineAnnealingLR::compute_lr() {
  std::vector<double> lrs = current(optimizer_);
  if (last_epoch_ == 0) return lrs;
  const double pi = std::numbers::pi, e = static_cast<double>(last_epoch_), t = static_cast<double>(t_max_);
  for (size_t g = 0; g < lrs.size(); ++g) {
    if (last_epoch_ == 1 && t_max_ == 1) {
      lrs[g] = eta_min_;
    } else if ((last_epoch_ - 1 - t_max_) % (2 * t_max_) == 0) {
      lrs[g] += (base_lrs_[g] - eta_min_) * (1 - std::cos(pi / t)) / 2;
    } else {
      lrs[g] = (1 + std::cos(pi * e / t)) / (1 + std::cos(pi * (e - 1) / t)) * (lrs[g] - eta_min_) + eta_min_;
    }
  }
  return lrs;
}

LinearLR::LinearLR(Optimizer& o, double start, double end, int64_t total)
    : LRScheduler(o), start_(start), end_(end), total_(total) {
  TG_CHECK_VALUE(start > 0 && start <= 1, "LinearLR: start_factor must be in (0, 1], got {}", start);
  TG_CHECK_VALUE(end >= 0 && end <= 1, "LinearLR: end_factor must be in [0, 1], got {}", end);
  initialize();
}
std::vector<double> LinearLR::compute_lr() {
  std::vector<double> lrs = current(optimizer_);
  if (last_epoch_ == 0) {
    for (double& lr : lrs) lr *= start_;
  } else if (last_epoch_ <= total_) {
    const double f = 1 + (end_ - start_) / (static_cast<double>(total_) * start_ +
                                            static_cast<double>(last_epoch_ - 1) * (end_ - start_));
    for (double& lr : lrs) lr *= f;
  }
  return lrs;
}

LambdaLR::LambdaLR(Optimizer& o, Lambda lr_lambda) : LambdaLR(o, std::vector<Lambda>{std::move(lr_lambda)}) {}
LambdaLR::LambdaLR(Optimizer& o, std::vector<Lambda> lr_lambdas)
    : LRScheduler(o), lambdas_(per_group("LambdaLR", o, std::move(lr_lambdas))) {
  initialize();
}
std::vector<double> LambdaLR::compute_lr() {
  std::vector<double> lrs(base_lrs_.size());
  for (size_t g = 0; g < lrs.size(); ++g) lrs[g] = base_lrs_[g] * lambdas_[g](last_epoch_);
  return lrs;
}

MultiplicativeLR::MultiplicativeLR(Optimizer& o, LambdaLR::Lambda lr_lambda)
    : MultiplicativeLR(o, std::vector<LambdaLR::Lambda>{std::move(lr_lambda)}) {}
MultiplicativeLR::MultiplicativeLR(Optimizer& o, std::vector<LambdaLR::Lambda> lr_lambdas)
    : LRScheduler(o), lambdas_(per_group("MultiplicativeLR", o, std::move(lr_lambdas))) {
  initialize();
}
void MultiplicativeLR::restart() {
  last_epoch_ = -1;
  step();
}
std::vector<double> MultiplicativeLR::compute_lr() {
  std::vector<double> lrs = current(optimizer_);
  if (last_epoch_ == 0) return lrs;
  for (size_t g = 0; g < lrs.size(); ++g) lrs[g] *= lambdas_[g](last_epoch_);
  return lrs;
}

ConstantLR::ConstantLR(Optimizer& o, double factor, int64_t total) : LRScheduler(o), factor_(factor), total_(total) {
  TG_CHECK_VALUE(factor >= 0 && factor <= 1, "ConstantLR: factor must be in [0, 1], got {}", factor);
  TG_CHECK_VALUE(total >= 0, "ConstantLR: total_iters must be non-negative, got {}", total);
  initialize();
}
std::vector<double> ConstantLR::compute_lr() {
  std::vector<double> lrs = current(optimizer_);
  if (last_epoch_ == 0) {
    for (double& lr : lrs) lr *= factor_;
  } else if (last_epoch_ == total_) {
    for (double& lr : lrs) lr *= 1.0 / factor_;
  }
  return lrs;
}

PolynomialLR::PolynomialLR(Optimizer& o, int64_t total, double power) : LRScheduler(o), total_(total), power_(power) {
  TG_CHECK_VALUE(total > 0, "PolynomialLR: total_iters must be positive, got {}", total);
  initialize();
}
std::vector<double> PolynomialLR::compute_lr() {
  std::vector<double> lrs = current(optimizer_);
  if (last_epoch_ == 0 || last_epoch_ > total_) return lrs;
  const double e = static_cast<double>(last_epoch_), t = static_cast<double>(total_);
  const double f = std::pow((1.0 - e / t) / (1.0 - (e - 1) / t), power_);
  for (double& lr : lrs) lr *= f;
  return lrs;
}

CosineAnnealingWarmRestarts::CosineAnnealingWarmRestarts(Optimizer& o, int64_t t_0, int64_t t_mult, double eta_min)
    : LRScheduler(o), t_0_(t_0), t_mult_(t_mult), eta_min_(eta_min), t_i_(static_cast<double>(t_0)) {
  TG_CHECK_VALUE(t_0 > 0, "CosineAnnealingWarmRestarts: T_0 must be a positive integer, got {}", t_0);
  TG_CHECK_VALUE(t_mult >= 1, "CosineAnnealingWarmRestarts: T_mult must be an integer >= 1, got {}", t_mult);
  initialize();
}
void CosineAnnealingWarmRestarts::step() {
  if (last_epoch_ < 0) return step(0.0);
  t_cur_ += 1;
  if (t_cur_ >= t_i_) {
    t_cur_ -= t_i_;
    t_i_ *= static_cast<double>(t_mult_);
  }
  LRScheduler::step();
}
void CosineAnnealingWarmRestarts::step(double epoch) {
  TG_CHECK_VALUE(epoch >= 0, "CosineAnnealingWarmRestarts: expected a non-negative epoch, got {}", epoch);
  const double t0 = static_cast<double>(t_0_), mult = static_cast<double>(t_mult_);
  if (epoch >= t0) {
    if (t_mult_ == 1) {
      t_cur_ = std::fmod(epoch, t0);
    } else {
      // The restart this epoch falls after: T_0 (mult^n - 1) / (mult - 1) <= epoch.
      const double n = std::floor(std::log(epoch / t0 * (mult - 1) + 1) / std::log(mult));
      t_cur_ = epoch - t0 * (std::pow(mult, n) - 1) / (mult - 1);
      t_i_ = t0 * std::pow(mult, n);
    }
  } else {
    t_i_ = t0;
    t_cur_ = epoch;
  }
  last_epoch_ = static_cast<int64_t>(std::floor(epoch)) - 1;
  LRScheduler::step();
}
void CosineAnnealingWarmRestarts::restart() { step(0.0); }
SchedulerState CosineAnnealingWarmRestarts::state_dict() const {
  SchedulerState state = LRScheduler::state_dict();
  state["T_cur"] = {t_cur_};
  state["T_i"] = {t_i_};
  return state;
}
void CosineAnnealingWarmRestarts::load_state_dict(const SchedulerState& state) {
  const double t_cur = entry(state, "T_cur", 1)[0], t_i = entry(state, "T_i", 1)[0];
  TG_CHECK_VALUE(t_i > 0, "load_state_dict: 'T_i' must be positive, got {}", t_i);
  LRScheduler::load_state_dict(state);
  t_cur_ = t_cur;
  t_i_ = t_i;
}
std::vector<double> CosineAnnealingWarmRestarts::compute_lr() {
  std::vector<double> lrs(base_lrs_.size());
  for (size_t g = 0; g < lrs.size(); ++g)
    lrs[g] = eta_min_ + (base_lrs_[g] - eta_min_) * (1 + std::cos(std::numbers::pi * t_cur_ / t_i_)) / 2;
  return lrs;
}

CyclicLR::CyclicLR(Optimizer& o, double base_lr, double max_lr, const CyclicLROptions& options)
    : CyclicLR(o, std::vector<double>{base_lr}, std::vector<double>{max_lr}, options) {}

CyclicLR::CyclicLR(Optimizer& o, std::vector<double> base_lrs, std::vector<double> max_lrs,
                   const CyclicLROptions& options)
    : LRScheduler(o), o_(options), max_lrs_(per_group("CyclicLR", "max_lr", std::move(max_lrs), o.num_param_groups())) {
  base_lrs = per_group("CyclicLR", "base_lr", std::move(base_lrs), o.num_param_groups());
  TG_CHECK_VALUE(options.step_size_up > 0 && options.step_size_down.value_or(1) > 0,
                 "CyclicLR: step_size_up and step_size_down must be positive, got {} and {}", options.step_size_up,
                 options.step_size_down.value_or(options.step_size_up));
  if (!options.scale_fn) {
    TG_CHECK_VALUE(options.mode == "triangular" || options.mode == "triangular2" || options.mode == "exp_range",
                   "CyclicLR: mode must be 'triangular', 'triangular2' or 'exp_range' when scale_fn is None, got '{}'",
                   options.mode);
    by_cycle_ = options.mode != "exp_range";
  } else {
    TG_CHECK_VALUE(options.scale_mode == "cycle" || options.scale_mode == "iterations",
                   "CyclicLR: scale_mode must be 'cycle' or 'iterations', got '{}'", options.scale_mode);
    by_cycle_ = options.scale_mode == "cycle";
  }
  TG_CHECK_VALUE(!options.cycle_momentum || o.has_momentum(),
                 "CyclicLR: optimizer must support momentum or beta1 with the cycle_momentum option enabled");
  total_size_ = options.step_size_up + options.step_size_down.value_or(options.step_size_up);
  step_ratio_ = options.step_size_up / total_size_;
  for (size_t g = 0; g < o.num_param_groups(); ++g) {
    o.set_lr(g, base_lrs[g]);
    base_lrs_[g] = base_lrs[g];
    if (options.cycle_momentum) o.set_momentum(g, options.max_momentum);
  }
  initialize();
}
std::vector<double> CyclicLR::compute_lr() {
  const double e = static_cast<double>(last_epoch_);
  const double cycle = std::floor(1 + e / total_size_), x = 1.0 + e / total_size_ - cycle;
  const double scale_factor = x <= step_ratio_ ? x / step_ratio_ : (x - 1) / (step_ratio_ - 1);
  const double at = by_cycle_ ? cycle : e;
  double scale = 1.0;
  if (o_.scale_fn)
    scale = o_.scale_fn(at);
  else if (o_.mode == "triangular2")
    scale = 1 / std::pow(2.0, at - 1);
  else if (o_.mode == "exp_range")
    scale = std::pow(o_.gamma, at);
  std::vector<double> lrs(base_lrs_.size());
  for (size_t g = 0; g < lrs.size(); ++g) {
    lrs[g] = base_lrs_[g] + (max_lrs_[g] - base_lrs_[g]) * scale_factor * scale;
    if (o_.cycle_momentum)
      optimizer_.set_momentum(g, o_.max_momentum - (o_.max_momentum - o_.base_momentum) * scale_factor * scale);
  }
  return lrs;
}

OneCycleLR::OneCycleLR(Optimizer& o, double max_lr, int64_t total_steps, const OneCycleOptions& options)
    : OneCycleLR(o, std::vector<double>{max_lr}, total_steps, options) {}

OneCycleLR::OneCycleLR(Optimizer& o, std::vector<double> max_lrs, int64_t total_steps, const OneCycleOptions& options)
    : LRScheduler(o), total_(total_steps), o_(options) {
  max_lrs = per_group("OneCycleLR", "max_lr", std::move(max_lrs), o.num_param_groups());
  TG_CHECK_VALUE(total_steps > 0, "OneCycleLR: total_steps must be positive, got {}", total_steps);
  TG_CHECK_VALUE(options.pct_start >= 0 && options.pct_start <= 1, "OneCycleLR: pct_start must be in [0, 1], got {}",
                 options.pct_start);
  TG_CHECK(!options.cycle_momentum || o.has_momentum(),
           "OneCycleLR: cycle_momentum needs an optimizer with momentum (SGD, Adam, RMSprop)");
  for (size_t g = 0; g < o.num_param_groups(); ++g) {
    initial_lr_.push_back(max_lrs[g] / options.div_factor);
    max_lr_.push_back(max_lrs[g]);
    min_lr_.push_back(initial_lr_.back() / options.final_div_factor);
    o.set_lr(g, initial_lr_.back());
    if (options.cycle_momentum) o.set_momentum(g, options.max_momentum);
  }
  const double up = options.pct_start * static_cast<double>(total_steps) - 1;
  // lr_from / lr_to code: 0 initial, 1 max, 2 min.
  if (options.three_phase) {
    phases_ = {{up, 0, 1, options.max_momentum, options.base_momentum},
               {2 * options.pct_start * static_cast<double>(total_steps) - 2, 1, 0, options.base_momentum, options.max_momentum},
               {static_cast<double>(total_steps) - 1, 0, 2, options.max_momentum, options.max_momentum}};
  } else {
    phases_ = {{up, 0, 1, options.max_momentum, options.base_momentum},
               {static_cast<double>(total_steps) - 1, 1, 2, options.base_momentum, options.max_momentum}};
  }
  base_lrs_ = initial_lr_;
  initialize();
}

double OneCycleLR::anneal(double from, double to, double pct) const {
  if (o_.cos_anneal) return to + (from - to) / 2.0 * (std::cos(std::numbers::pi * pct) + 1);
  return (to - from) * pct + from;
}

std::vector<double> OneCycleLR::compute_lr() {
  TG_CHECK_VALUE(last_epoch_ <= total_,
                 "OneCycleLR: tried to step {} times with total_steps={}; make total_steps the number of batches",
                 last_epoch_, total_);
  std::vector<double> lrs(initial_lr_.size());
  const double step = static_cast<double>(last_epoch_);
  for (size_t g = 0; g < lrs.size(); ++g) {
    const double levels[3] = {initial_lr_[g], max_lr_[g], min_lr_[g]};
    double start = 0;
    for (size_t i = 0; i < phases_.size(); ++i) {
      const Phase& ph = phases_[i];
      if (step <= ph.end_step || i + 1 == phases_.size()) {
        const double pct = (step - start) / (ph.end_step - start);
        lrs[g] = anneal(levels[static_cast<int>(ph.lr_from)], levels[static_cast<int>(ph.lr_to)], pct);
        if (o_.cycle_momentum) optimizer_.set_momentum(g, anneal(ph.m_from, ph.m_to, pct));
        break;
      }
      start = ph.end_step;
    }
  }
  return lrs;
}

ChainedScheduler::ChainedScheduler(std::vector<std::shared_ptr<LRScheduler>> schedulers)
    : schedulers_(std::move(schedulers)) {
  TG_CHECK_VALUE(!schedulers_.empty(), "ChainedScheduler: needs at least one scheduler");
}
void ChainedScheduler::step() {
  for (auto& s : schedulers_) s->step();
}
SchedulerState ChainedScheduler::state_dict() const { return nest(schedulers_, {}); }
void ChainedScheduler::load_state_dict(const SchedulerState& state) { unnest(schedulers_, state); }

SequentialLR::SequentialLR(Optimizer& optimizer, std::vector<std::shared_ptr<LRScheduler>> schedulers,
                           std::vector<int64_t> milestones)
    : schedulers_(std::move(schedulers)), milestones_(std::move(milestones)) {
  TG_CHECK_VALUE(!schedulers_.empty(), "SequentialLR: needs at least one scheduler");
  TG_CHECK_VALUE(milestones_.size() + 1 == schedulers_.size(),
                 "SequentialLR: expects one more scheduler than milestones, got {} schedulers and {} milestones",
                 schedulers_.size(), milestones_.size());
  for (size_t i = 0; i < schedulers_.size(); ++i)
    TG_CHECK_VALUE(schedulers_[i] && &schedulers_[i]->optimizer() == &optimizer,
                   "SequentialLR: scheduler {} is not bound to the optimizer given", i);
  TG_CHECK_VALUE(std::is_sorted(milestones_.begin(), milestones_.end()),
                 "SequentialLR: milestones must be in increasing order");
  // The optimizer as before the schedulers' first steps, then the first one's epoch 0.
  for (size_t g = 0; g < optimizer.num_param_groups(); ++g) optimizer.set_lr(g, optimizer.initial_lr(g));
  schedulers_.front()->restart();
  last_lr_ = schedulers_.front()->get_last_lr();
}
void SequentialLR::step() {
  ++last_epoch_;
  const size_t i =
      static_cast<size_t>(std::upper_bound(milestones_.begin(), milestones_.end(), last_epoch_) - milestones_.begin());
  LRScheduler& s = *schedulers_[i];
  if (i > 0 && milestones_[i - 1] == last_epoch_)
    s.restart();
  else
    s.step();
  last_lr_ = s.get_last_lr();
}

SchedulerState SequentialLR::state_dict() const {
  return nest(schedulers_, {{"last_epoch", {static_cast<double>(last_epoch_)}}, {"_last_lr", last_lr_}});
}
void SequentialLR::load_state_dict(const SchedulerState& state) {
  const int64_t epoch = whole(state, "last_epoch");
  const std::vector<double>& last = entry(state, "_last_lr", static_cast<int64_t>(last_lr_.size()));
  unnest(schedulers_, state);
  last_epoch_ = epoch;
  last_lr_ = last;
}

ReduceLROnPlateau::ReduceLROnPlateau(Optimizer& optimizer, const ReduceLROnPlateauOptions& options)
    : optimizer_(optimizer),
      o_(options),
      min_lrs_(per_group("ReduceLROnPlateau", "min_lr",
                         options.min_lrs.empty() ? std::vector<double>{options.min_lr} : options.min_lrs,
                         optimizer.num_param_groups())) {
  TG_CHECK_VALUE(options.factor < 1, "ReduceLROnPlateau: factor should be < 1.0, got {}", options.factor);
  best_ = options.mode_max ? -std::numeric_limits<double>::infinity() : std::numeric_limits<double>::infinity();
}

bool ReduceLROnPlateau::is_better(double a, double best) const {
  if (!o_.mode_max) return o_.threshold_rel ? a < best * (1 - o_.threshold) : a < best - o_.threshold;
  return o_.threshold_rel ? a > best * (1 + o_.threshold) : a > best + o_.threshold;
}

void ReduceLROnPlateau::step(double metric) {
  ++last_epoch_;
  if (is_better(metric, best_)) {
    best_ = metric;
    num_bad_epochs_ = 0;
  } else {
    ++num_bad_epochs_;
  }
  if (cooldown_counter_ > 0) {
    --cooldown_counter_;
    num_bad_epochs_ = 0;
  }
  if (num_bad_epochs_ > o_.patience) {
    for (size_t g = 0; g < optimizer_.num_param_groups(); ++g) {
      const double old_lr = optimizer_.lr(g);
      const double new_lr = std::max(old_lr * o_.factor, min_lrs_[g]);
      if (old_lr - new_lr > o_.eps) optimizer_.set_lr(g, new_lr);
    }
    cooldown_counter_ = o_.cooldown;
    num_bad_epochs_ = 0;
  }
}

std::vector<double> ReduceLROnPlateau::get_last_lr() const { return current(optimizer_); }

SchedulerState ReduceLROnPlateau::state_dict() const {
  return {{"last_epoch", {static_cast<double>(last_epoch_)}},
          {"best", {best_}},
          {"num_bad_epochs", {static_cast<double>(num_bad_epochs_)}},
          {"cooldown_counter", {static_cast<double>(cooldown_counter_)}}};
}

void ReduceLROnPlateau::load_state_dict(const SchedulerState& state) {
  const int64_t epoch = whole(state, "last_epoch"), bad = whole(state, "num_bad_epochs"),
                cooldown = whole(state, "cooldown_counter");
  best_ = entry(state, "best", 1)[0];
  last_epoch_ = epoch;
  num_bad_epochs_ = bad;
  cooldown_counter_ = cooldown;
}

}  // namespace tg::optim
