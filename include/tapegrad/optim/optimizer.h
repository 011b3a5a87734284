#pragma once
// The optimizer base: parameter groups with their own options, per-parameter state, zero_grad,
// and a state_dict in PyTorch's layout flattened to named tensors
// ("state.<index>.<name>", "param_groups.<group>.<option>", "param_groups.<group>.params"),
// so that it goes through tg::save / tg::load like a module's.
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "tapegrad/nn/ordered_dict.h"
#include "tapegrad/tensor/tensor.h"

namespace tg::optim {

class Optimizer {
 public:
  virtual ~Optimizer() = default;
  // One update of every parameter with a gradient.
  virtual void step() = 0;
  void zero_grad(bool set_to_none = true);

  size_t num_param_groups() const { return group_params_.size(); }
  const tensor_list& params(size_t group) const;
  // The group's learning rate (what LR schedulers read and write).
  virtual double lr(size_t group) const = 0;
  virtual void set_lr(size_t group, double lr) = 0;
  // The group's learning rate before any scheduler changed it (PyTorch's param group
  // "initial_lr"): the first scheduler records it and every later one starts from it.
  double initial_lr(size_t group);
  // The momentum the optimizer has (SGD's momentum, Adam's beta1), for OneCycleLR; false when none.
  virtual bool has_momentum() const { return false; }
  virtual double momentum(size_t group) const;
  virtual void set_momentum(size_t group, double momentum);

  // The group's options by name, as state_dict saves them (bools and integers as doubles), and
  // one of them set: PyTorch's param_groups[g][name]. option_type says what a name holds: 'b'
  // a bool, 'i' an integer, 'f' a real number, 0 no such option.
  std::vector<std::pair<std::string, double>> options_of(size_t group) const { return group_options(group); }
  void set_option(size_t group, const std::string& name, double value) { set_group_option(group, name, value); }
  virtual char option_type(const std::string& name) const = 0;

  nn::OrderedDict<Tensor> state_dict() const;
  // Checks the group and parameter counts, then restores options and state.
  void load_state_dict(const nn::OrderedDict<Tensor>& state);

 protected:
  // Options of a group as (name, value) numbers; bools are 0/1.
  virtual std::vector<std::pair<std::string, double>> group_options(size_t group) const = 0;
  virtual void set_group_option(size_t group, const std::string& name, double value) = 0;
  // Per-parameter state as named tensors (counters as 0-dim int64), and its restoration.
  virtual std::vector<std::pair<std::string, Tensor>> param_state(const Tensor& param) const = 0;
  virtual void set_param_state(const Tensor& param, const std::string& name, const Tensor& value) = 0;

  // Whether a per-parameter state tensor has its parameter's shape (load_state_dict checks it):
  // all but the step counter by default; scalars such as NAdam's mu_product and L-BFGS's flat
  // vectors are the exceptions their optimizers name.
  virtual bool state_has_param_shape(const std::string& name) const { return name != "step"; }

  void add_params(const char* optimizer, tensor_list params);
  // Parameters that have a gradient, in order, with their group.
  std::vector<std::pair<size_t, Tensor>> params_with_grad() const;

  std::vector<tensor_list> group_params_;

 private:
  std::vector<std::optional<double>> initial_lrs_;
};

// Optimizers with an Options struct per group and a State struct per parameter.
template <class Options, class State>
class OptimizerImpl : public Optimizer {
 public:
  struct ParamGroup {
    tensor_list params;
    Options options;
  };

  OptimizerImpl(const char* name, tensor_list params, const Options& defaults) : name_(name), defaults_(defaults) {
    add_param_group({std::move(params), defaults});
  }
  OptimizerImpl(const char* name, const std::vector<ParamGroup>& groups, const Options& defaults)
      : name_(name), defaults_(defaults) {
    TG_CHECK_VALUE(!groups.empty(), "{}: got an empty list of parameter groups", name_);
    for (const auto& g : groups) add_param_group(g);
  }

  void add_param_group(const ParamGroup& group) {
    Options o = group.options;
    o.check(name_);
    add_params(name_, group.params);
    options_.push_back(o);
  }
  Options& options(size_t group = 0) {
    TG_CHECK_INDEX(group < options_.size(), "{}: no parameter group {}", name_, group);
    return options_[group];
  }
  const Options& options(size_t group = 0) const {
    TG_CHECK_INDEX(group < options_.size(), "{}: no parameter group {}", name_, group);
    return options_[group];
  }
  const Options& defaults() const { return defaults_; }
  char option_type(const std::string& name) const override {
    char type = 0;
    const_cast<Options&>(defaults_).visit([&](const char* n, auto& v) {
      using T = std::remove_cvref_t<decltype(v)>;
      if (name == n) type = std::is_same_v<T, bool> ? 'b' : std::is_integral_v<T> ? 'i' : 'f';
    });
    return type;
  }
  double lr(size_t group) const override { return options(group).lr; }
  void set_lr(size_t group, double lr) override { options(group).lr = lr; }

 protected:
  State& state(const Tensor& p) { return state_[p.impl()]; }
  const State* find_state(const Tensor& p) const {
    auto it = state_.find(p.impl());
    return it == state_.end() ? nullptr : &it->second;
  }
  std::vector<std::pair<std::string, double>> group_options(size_t group) const override {
    std::vector<std::pair<std::string, double>> out;
    const_cast<Options&>(options_[group]).visit([&](const char* n, auto& v) { out.emplace_back(n, static_cast<double>(v)); });
    return out;
  }
  void set_group_option(size_t group, const std::string& name, double value) override {
    bool found = false;
    options(group).visit([&](const char* n, auto& v) {
      if (name == n) {
        v = static_cast<std::remove_reference_t<decltype(v)>>(value);
        found = true;
      }
    });
    TG_CHECK(found, "{}.load_state_dict: unknown option '{}'", name_, name);
  }
  std::vector<std::pair<std::string, Tensor>> param_state(const Tensor& p) const override {
    std::vector<std::pair<std::string, Tensor>> out;
    if (const State* s = find_state(p)) const_cast<State*>(s)->visit([&](const char* n, Tensor& t) {
        if (t.defined()) out.emplace_back(n, t);
      });
    return out;
  }
  void set_param_state(const Tensor& p, const std::string& name, const Tensor& value) override {
    bool found = false;
    state(p).visit([&](const char* n, Tensor& t) {
      if (name == n) {
        t = value.to(name == "step" ? value.dtype() : p.dtype()).clone();
        found = true;
      }
    });
    TG_CHECK(found, "{}.load_state_dict: unknown state '{}'", name_, name);
  }

  const char* name_;
  Options defaults_;
  std::vector<Options> options_;
  std::unordered_map<const TensorImpl*, State> state_;
};

}  // namespace tg::optim
