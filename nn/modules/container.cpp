// Sequential, ModuleList, ModuleDict.
#include "tapegrad/nn/modules/container.h"

namespace tg::nn {

SequentialImpl::SequentialImpl(const OrderedDict<std::shared_ptr<Module>>& named) : SequentialImpl() {
  for (const auto& [name, m] : named) push_back(name, m);
}

void SequentialImpl::push_back(std::shared_ptr<Module> module) { push_back(std::to_string(modules_.size()), std::move(module)); }

void SequentialImpl::push_back(const std::string& name, std::shared_ptr<Module> module) {
  register_module(name, module);
  modules_.push_back(std::move(module));
}

const std::shared_ptr<Module>& SequentialImpl::operator[](size_t i) const {
  TG_CHECK_INDEX(i < modules_.size(), "Sequential: index {} is out of range for {} modules", i, modules_.size());
  return modules_[i];
}

Tensor SequentialImpl::forward(const Tensor& input) {
  Tensor x = input;
  for (const auto& m : modules_) x = (*m)(x);
  return x;
}

void ModuleListImpl::push_back(std::shared_ptr<Module> module) {
  register_module(std::to_string(modules_.size()), module);
  modules_.push_back(std::move(module));
}

const std::shared_ptr<Module>& ModuleListImpl::operator[](size_t i) const {
  TG_CHECK_INDEX(i < modules_.size(), "ModuleList: index {} is out of range for {} modules", i, modules_.size());
  return modules_[i];
}

ModuleDictImpl::ModuleDictImpl(const OrderedDict<std::shared_ptr<Module>>& modules) : ModuleDictImpl() {
  for (const auto& [k, m] : modules) insert(k, m);
}

void ModuleDictImpl::insert(const std::string& key, std::shared_ptr<Module> module) { register_module(key, std::move(module)); }

std::shared_ptr<Module> ModuleDictImpl::operator[](const std::string& key) const {
  const auto children = named_children();
  const auto* m = children.find(key);
  TG_CHECK_INDEX(m != nullptr, "ModuleDict: no module named '{}'", key);
  return *m;
}

}  // namespace tg::nn
