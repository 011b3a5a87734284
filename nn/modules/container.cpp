// Sequential, ModuleList, ModuleDict, ParameterList, ParameterDict.
#include "tapegrad/nn/modules/container.h"

#include <fmt/ranges.h>

namespace tg::nn {

namespace {
// Registers `modules` again as the container's children "0", "1", ..., in this order.
template <class Container>
void renumber(Container& c, std::vector<std::shared_ptr<Module>> modules) {
  for (const auto& name : c.named_children().keys()) c.unregister_module(name);
  for (auto& m : modules) c.push_back(std::move(m));
}

template <class Container>
void insert_module(Container& c, const char* what, size_t index, std::shared_ptr<Module> module) {
  TG_CHECK_INDEX(index <= c.size(), "{}.insert: index {} is out of range for {} modules", what, index, c.size());
  TG_CHECK_VALUE(module != nullptr, "{}.insert: the module is null", what);
  std::vector<std::shared_ptr<Module>> modules(c.begin(), c.end());
  modules.insert(modules.begin() + static_cast<std::ptrdiff_t>(index), std::move(module));
  renumber(c, std::move(modules));
}

template <class Container>
std::shared_ptr<Module> pop_module(Container& c, const char* what, size_t index) {
  TG_CHECK_INDEX(index < c.size(), "{}.pop: index {} is out of range for {} modules", what, index, c.size());
  std::vector<std::shared_ptr<Module>> modules(c.begin(), c.end());
  auto popped = modules[index];
  modules.erase(modules.begin() + static_cast<std::ptrdiff_t>(index));
  renumber(c, std::move(modules));
  return popped;
}
}  // namespace

void SequentialImpl::insert(size_t index, std::shared_ptr<Module> module) {
  insert_module(*this, "Sequential", index, std::move(module));
}
std::shared_ptr<Module> SequentialImpl::pop(size_t index) { return pop_module(*this, "Sequential", index); }
void ModuleListImpl::insert(size_t index, std::shared_ptr<Module> module) {
  insert_module(*this, "ModuleList", index, std::move(module));
}
std::shared_ptr<Module> ModuleListImpl::pop(size_t index) { return pop_module(*this, "ModuleList", index); }

SequentialImpl::SequentialImpl(const OrderedDict<std::shared_ptr<Module>>& named) : SequentialImpl() {
  for (const auto& [name, m] : named) push_back(name, m);
}

void SequentialImpl::push_back(std::shared_ptr<Module> module) { push_back(std::to_string(modules_.size()), std::move(module)); }

void SequentialImpl::push_back(const std::string& name, std::shared_ptr<Module> module) {
  register_module(name, std::move(module));  // (child_added appends it to the sequence)
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
  register_module(std::to_string(modules_.size()), std::move(module));
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

namespace {
// PyTorch's line for a parameter: "(0): Parameter containing: [float32 of size 3x4]".
std::string parameter_lines(const NamedTensors& params) {
  std::string out;
  for (const auto& [name, p] : params) {
    std::vector<int64_t> dims;
    for (int d = 0; d < p.dim(); ++d) dims.push_back(p.sizes()[d]);
    out += fmt::format("{}({}): Parameter containing: [{} of size {}{}]", out.empty() ? "" : "\n", name,
                       tg::name(p.dtype()), dims.empty() ? "()" : fmt::format("{}", fmt::join(dims, "x")),
                       p.is_cuda() ? " (cuda)" : "");
  }
  return out;
}
}  // namespace

ParameterListImpl::ParameterListImpl(const tensor_list& parameters) : ParameterListImpl() {
  for (const Tensor& p : parameters) append(p);
}

void ParameterListImpl::append(const Tensor& parameter) {
  TG_CHECK(parameter.defined(), "ParameterList: can't append an undefined tensor");
  register_parameter(std::to_string(size_), parameter);
  ++size_;
}

Tensor ParameterListImpl::operator[](size_t i) const {
  TG_CHECK_INDEX(i < size_, "ParameterList: index {} is out of range for {} parameters", i, size_);
  return *own_parameters().find(std::to_string(i));  // the registry: the same parameter may be listed twice
}

std::string ParameterListImpl::extra_repr() const { return parameter_lines(own_parameters()); }

ParameterDictImpl::ParameterDictImpl(const OrderedDict<Tensor>& parameters) : ParameterDictImpl() {
  for (const auto& [k, p] : parameters) insert(k, p);
}

void ParameterDictImpl::insert(const std::string& key, const Tensor& parameter) {
  TG_CHECK(parameter.defined(), "ParameterDict: can't insert an undefined tensor under '{}'", key);
  if (contains(key)) {
    replace_parameter(key, parameter);
  } else {
    register_parameter(key, parameter);
  }
}

Tensor ParameterDictImpl::operator[](const std::string& key) const {
  const Tensor* p = own_parameters().find(key);
  TG_CHECK_INDEX(p != nullptr, "ParameterDict: no parameter named '{}'", key);
  return *p;
}

std::string ParameterDictImpl::extra_repr() const { return parameter_lines(own_parameters()); }

}  // namespace tg::nn
