// Optimizer base: groups, zero_grad, and the flattened state_dict.
#include "tapegrad/optim/optimizer.h"

#include "tapegrad/nn/module.h"

#include <algorithm>

#include "tapegrad/autograd/grad_mode.h"
#include "tapegrad/autograd/node.h"
#include "tapegrad/tensor/factories.h"
#include "tapegrad/tensor/ops.h"

namespace tg::optim {

void Optimizer::add_params(const char* optimizer, tensor_list params) {
  TG_CHECK_VALUE(!params.empty(), "{}: got an empty parameter list", optimizer);
  for (size_t i = 0; i < params.size(); ++i) {
    const Tensor& p = params[i];
    TG_CHECK(p.defined(), "{}: parameter {} is undefined", optimizer, i);
    TG_CHECK(p.is_leaf(), "{}: can't optimize a non-leaf tensor (parameter {} has grad_fn {})", optimizer, i,
             p.grad_fn() ? p.grad_fn()->name() : "");
    TG_CHECK_TYPE(p.is_floating_point(), "{}: parameter {} has dtype {}; only floating-point tensors can be optimized",
                  optimizer, i, p.dtype());
    for (const auto& g : group_params_)
      for (const Tensor& q : g)
        TG_CHECK_VALUE(!q.is_same(p), "{}: some parameters appear in more than one parameter group", optimizer);
    for (size_t j = 0; j < i; ++j)
      TG_CHECK_VALUE(!params[j].is_same(p), "{}: parameter {} appears twice in one group", optimizer, i);
  }
  group_params_.push_back(std::move(params));
}

const tensor_list& Optimizer::params(size_t group) const {
  TG_CHECK_INDEX(group < group_params_.size(), "optimizer: no parameter group {}", group);
  return group_params_[group];
}

double Optimizer::initial_lr(size_t group) {
  TG_CHECK_INDEX(group < num_param_groups(), "initial_lr: group {} is out of range for {} groups", group,
                 num_param_groups());
  if (initial_lrs_.size() < num_param_groups()) initial_lrs_.resize(num_param_groups());
  if (!initial_lrs_[group]) initial_lrs_[group] = lr(group);
  return *initial_lrs_[group];
}

double Optimizer::momentum(size_t) const { TG_FAIL("this optimizer has no momentum"); }
void Optimizer::set_momentum(size_t, double) { TG_FAIL("this optimizer has no momentum"); }

void Optimizer::zero_grad(bool set_to_none) {
  for (const auto& g : group_params_) nn::zero_grad(g, set_to_none);
}

std::vector<std::pair<size_t, Tensor>> Optimizer::params_with_grad() const {
  std::vector<std::pair<size_t, Tensor>> out;
  for (size_t g = 0; g < group_params_.size(); ++g)
    for (const Tensor& p : group_params_[g])
      if (p.grad().defined()) {
        TG_CHECK(p.grad().sizes() == p.sizes(), "optimizer: gradient of shape {} for a parameter of shape {}",
                 p.grad().sizes(), p.sizes());
        out.emplace_back(g, p);
      }
  return out;
}

nn::OrderedDict<Tensor> Optimizer::state_dict() const {
  nn::OrderedDict<Tensor> out;
  int64_t index = 0;
  for (size_t g = 0; g < group_params_.size(); ++g) {
    std::vector<int64_t> ids;
    for (const Tensor& p : group_params_[g]) {
      for (const auto& [name, t] : param_state(p)) out.insert(fmt::format("state.{}.{}", index, name), t.detach());
      ids.push_back(index++);
    }
    for (const auto& [name, v] : group_options(g))
      out.insert(fmt::format("param_groups.{}.{}", g, name), scalar_tensor(v, kFloat64));
    out.insert(fmt::format("param_groups.{}.params", g), tensor(ids));
  }
  return out;
}

void Optimizer::load_state_dict(const nn::OrderedDict<Tensor>& state) {
  // Validate everything before changing anything.
  size_t groups = 0;
  while (state.contains(fmt::format("param_groups.{}.params", groups))) ++groups;
  TG_CHECK(groups == group_params_.size(), "optimizer.load_state_dict: the state has {} parameter groups, the optimizer {}",
           groups, group_params_.size());
  std::vector<const Tensor*> by_index;
  for (size_t g = 0; g < groups; ++g) {
    const Tensor ids = state[fmt::format("param_groups.{}.params", g)];  // a handle: the key is a temporary
    TG_CHECK(ids.numel() == static_cast<int64_t>(group_params_[g].size()),
             "optimizer.load_state_dict: group {} has {} parameters in the state but {} in the optimizer", g, ids.numel(),
             group_params_[g].size());
    for (const Tensor& p : group_params_[g]) by_index.push_back(&p);
  }
  for (const auto& [key, value] : state) {
    if (!key.starts_with("state.")) continue;
    const size_t dot = key.find('.', 6);
    TG_CHECK(dot != std::string::npos, "optimizer.load_state_dict: malformed key '{}'", key);
    const size_t index = std::stoul(key.substr(6, dot - 6));
    TG_CHECK(index < by_index.size(), "optimizer.load_state_dict: key '{}' names parameter {} of {}", key, index,
             by_index.size());
    const std::string name = key.substr(dot + 1);
    if (state_has_param_shape(name))
      TG_CHECK(value.sizes() == by_index[index]->sizes(),
               "optimizer.load_state_dict: '{}' has shape {} but the parameter has shape {}", key, value.sizes(),
               by_index[index]->sizes());
  }
  for (size_t g = 0; g < groups; ++g)
    for (const auto& [name, v] : group_options(g)) {
      const std::string key = fmt::format("param_groups.{}.{}", g, name);
      if (const Tensor* t = state.find(key)) set_group_option(g, name, t->item<double>());
    }
  for (const auto& [key, value] : state) {
    if (!key.starts_with("state.")) continue;
    const size_t dot = key.find('.', 6);
    const Tensor& param = *by_index[std::stoul(key.substr(6, dot - 6))];
    const std::string name = key.substr(dot + 1);
    // State lives with its parameter (a checkpoint read on the CPU may be resumed on a GPU); the
    // step count stays on the CPU, as in PyTorch.
    set_param_state(param, name, name == "step" ? value : value.to(param.device()));
  }
}

}  // namespace tg::optim
