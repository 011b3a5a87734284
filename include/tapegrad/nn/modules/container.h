#pragma once
// Containers: Sequential (chains one-tensor forwards), ModuleList and ModuleDict, and
// ParameterList and ParameterDict (parameters registered under their index or key).
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "tapegrad/nn/module.h"

namespace tg::nn {

class SequentialImpl : public Module {
 public:
  TG_CLONEABLE
  SequentialImpl() : Module("Sequential") {}
  template <class... M>
    requires(sizeof...(M) > 0)
  explicit SequentialImpl(const M&... modules) : SequentialImpl() {
    (push_back(as_module_ptr(modules)), ...);
  }
  // Named children, as nn.Sequential(OrderedDict(...)).
  explicit SequentialImpl(const OrderedDict<std::shared_ptr<Module>>& named);

  Tensor forward(const Tensor& input) override;
  void push_back(std::shared_ptr<Module> module);
  template <class M>
    requires requires(const M& m) { m.ptr(); }
  void push_back(const M& m) {
    push_back(std::shared_ptr<Module>(m.ptr()));
  }
  void push_back(const std::string& name, std::shared_ptr<Module> module);
  // Puts `module` before the index-th one (index == size() appends) and removes the index-th
  // module, returning it. Either renumbers the modules "0", "1", ... as PyTorch does.
  void insert(size_t index, std::shared_ptr<Module> module);
  std::shared_ptr<Module> pop(size_t index);
  size_t size() const { return modules_.size(); }
  const std::shared_ptr<Module>& operator[](size_t i) const;
  auto begin() const { return modules_.begin(); }
  auto end() const { return modules_.end(); }

 protected:
  // Every child is in the sequence, however registered (add_module appends, as in PyTorch).
  void child_added(const std::shared_ptr<Module>& module) override { modules_.push_back(module); }
  void child_replaced(size_t index, const std::shared_ptr<Module>& module) override { modules_[index] = module; }
  void child_removed(size_t index) override { modules_.erase(modules_.begin() + static_cast<std::ptrdiff_t>(index)); }

 private:
  std::vector<std::shared_ptr<Module>> modules_;
};
TG_MODULE(Sequential);

class ModuleListImpl : public Module {
 public:
  TG_CLONEABLE
  ModuleListImpl() : Module("ModuleList") {}
  template <class... M>
    requires(sizeof...(M) > 0)
  explicit ModuleListImpl(const M&... modules) : ModuleListImpl() {
    (push_back(as_module_ptr(modules)), ...);
  }
  void push_back(std::shared_ptr<Module> module);
  template <class M>
    requires requires(const M& m) { m.ptr(); }
  void push_back(const M& m) {
    push_back(std::shared_ptr<Module>(m.ptr()));
  }
  // As Sequential's: the modules are renumbered "0", "1", ... afterwards.
  void insert(size_t index, std::shared_ptr<Module> module);
  std::shared_ptr<Module> pop(size_t index);
  size_t size() const { return modules_.size(); }
  const std::shared_ptr<Module>& operator[](size_t i) const;
  // The i-th module as its implementation type; a tg::Error when it is another type.
  template <class Impl>
  std::shared_ptr<Impl> at(size_t i) const {
    auto p = std::dynamic_pointer_cast<Impl>((*this)[i]);
    TG_CHECK(p != nullptr, "ModuleList: module {} is a {}, not the requested type", i, (*this)[i]->name());
    return p;
  }
  auto begin() const { return modules_.begin(); }
  auto end() const { return modules_.end(); }

 protected:
  // Every child is in the sequence, however registered (add_module appends, as in PyTorch).
  void child_added(const std::shared_ptr<Module>& module) override { modules_.push_back(module); }
  void child_replaced(size_t index, const std::shared_ptr<Module>& module) override { modules_[index] = module; }
  void child_removed(size_t index) override { modules_.erase(modules_.begin() + static_cast<std::ptrdiff_t>(index)); }

 private:
  std::vector<std::shared_ptr<Module>> modules_;
};
TG_MODULE(ModuleList);

class ModuleDictImpl : public Module {
 public:
  TG_CLONEABLE
  ModuleDictImpl() : Module("ModuleDict") {}
  explicit ModuleDictImpl(const OrderedDict<std::shared_ptr<Module>>& modules);
  void insert(const std::string& key, std::shared_ptr<Module> module);
  template <class M>
    requires requires(const M& m) { m.ptr(); }
  void insert(const std::string& key, const M& m) {
    insert(key, std::shared_ptr<Module>(m.ptr()));
  }
  bool contains(const std::string& key) const { return named_children().contains(key); }
  std::shared_ptr<Module> operator[](const std::string& key) const;
  size_t size() const { return named_children().size(); }
  std::vector<std::string> keys() const { return named_children().keys(); }
};
TG_MODULE(ModuleDict);

class ParameterListImpl : public Module {
 public:
  TG_CLONEABLE
  ParameterListImpl() : Module("ParameterList") {}
  explicit ParameterListImpl(const tensor_list& parameters);
  // Registers the tensor as parameter "<size>" (requires_grad set, as nn.Parameter does).
  void append(const Tensor& parameter);
  size_t size() const { return size_; }
  // The registered tensor (after a to() or load_state_dict, the module's current one).
  Tensor operator[](size_t i) const;
  std::string extra_repr() const override;

 private:
  size_t size_ = 0;
};
TG_MODULE(ParameterList);

class ParameterDictImpl : public Module {
 public:
  TG_CLONEABLE
  ParameterDictImpl() : Module("ParameterDict") {}
  explicit ParameterDictImpl(const OrderedDict<Tensor>& parameters);
  // Registers (or replaces) the parameter under key.
  void insert(const std::string& key, const Tensor& parameter);
  // Its own registry, not named_parameters(): one parameter may sit under several keys.
  bool contains(const std::string& key) const { return own_parameters().contains(key); }
  Tensor operator[](const std::string& key) const;
  size_t size() const { return own_parameters().size(); }
  std::vector<std::string> keys() const { return own_parameters().keys(); }
  std::string extra_repr() const override;
};
TG_MODULE(ParameterDict);

}  // namespace tg::nn
