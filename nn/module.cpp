// Module: registration, traversal, conversion, state_dict, hooks and printing.
#include "tapegrad/nn/module.h"

#include <algorithm>
#include <sstream>
#include <unordered_map>

#include "tapegrad/autograd/function.h"
#include "tapegrad/autograd/grad_mode.h"
#include "tapegrad/autograd/node.h"
#include "tapegrad/tensor/ops.h"

namespace tg::nn {

struct Module::Hooks {
  uint64_t next_id = 0;
  std::vector<std::pair<uint64_t, ForwardPreHook>> pre;
  std::vector<std::pair<uint64_t, ForwardHook>> post;
  std::vector<std::pair<uint64_t, BackwardHook>> backward;
  std::vector<std::pair<uint64_t, BackwardPreHook>> backward_pre;
  std::vector<uint64_t> always_call;  // forward hooks that also run after a failed call
  bool empty() const { return pre.empty() && post.empty() && backward.empty() && backward_pre.empty(); }
};

bool Module::any_hooks() const { return !hooks_->empty(); }

Module::Module(std::string name) : name_(std::move(name)) {}
Module::~Module() = default;

Module::Module(const Module& other) : std::enable_shared_from_this<Module>() { assign_shallow(other); }

void Module::assign_shallow(const Module& other) {
  name_ = other.name_;
  training_ = other.training_;
  parameters_ = other.parameters_;
  buffers_ = other.buffers_;
  non_persistent_ = other.non_persistent_;
  bound_members_ = other.bound_members_;
  children_ = other.children_;
  bound_children_ = other.bound_children_;
  // The copy has its own hook lists (PyTorch's deepcopy copies them), holding the same hooks.
  hooks_ = other.hooks_ ? std::make_shared<Hooks>(*other.hooks_) : nullptr;
}

Tensor Module::forward(const Tensor&) {
  TG_FAIL("{}: this module does not take a single tensor; call it through its own forward", name_);
}

Tensor Module::operator()(const Tensor& input) { return detail::call_module(*this, input); }

// ---- registration ------------------------------------------------------------------------------

void Module::check_new_name(const std::string& name, const char* what) const {
  TG_CHECK_VALUE(!name.empty() && name.find('.') == std::string::npos,
                 "{}: {} name '{}' must be non-empty and contain no '.'", name_, what, name);
  TG_CHECK_VALUE(!parameters_.contains(name) && !buffers_.contains(name) && !children_.contains(name),
                 "{}: attribute '{}' is already registered", name_, name);
}

namespace {
// A parameter is a leaf; registering sets its requires_grad.
void make_parameter(const std::string& module, const std::string& name, const Tensor& tensor, bool requires_grad) {
  if (!tensor.defined()) return;
  TG_CHECK(tensor.is_leaf() || !tensor.requires_grad(), "{}: parameter '{}' must be a leaf tensor (detach it first)",
           module, name);
  tensor.requires_grad_(requires_grad);
}
}  // namespace

Tensor& Module::register_parameter(std::string name, Tensor tensor, bool requires_grad) {
  check_new_name(name, "parameter");
  make_parameter(name_, name, tensor, requires_grad);
  update_bound(name, tensor);
  return parameters_.insert(std::move(name), std::move(tensor));
}

void Module::update_bound(const std::string& name, const Tensor& value) {
  for (auto& [bound, member] : bound_members_)
    if (bound == name) *member = value;
}

Tensor& Module::register_parameter(std::string name, Tensor tensor, Tensor* member, bool requires_grad) {
  TG_CHECK(member != nullptr, "{}: the member bound to parameter '{}' is null", name_, name);
  bound_members_.emplace_back(name, member);
  return *member = register_parameter(std::move(name), std::move(tensor), requires_grad);
}

Tensor& Module::replace_parameter(const std::string& name, Tensor tensor, bool requires_grad) {
  Tensor* slot = parameters_.find(name);
  TG_CHECK(slot != nullptr, "{}: no parameter named '{}' to replace", name_, name);
  make_parameter(name_, name, tensor, requires_grad);
  *slot = std::move(tensor);
  update_bound(name, *slot);
  return *slot;
}

bool Module::parameter_bound(const std::string& name) const {
  for (const auto& [bound, member] : bound_members_)
    if (bound == name) return true;
  return false;
}

Tensor& Module::register_buffer(std::string name, Tensor tensor, bool persistent) {
  check_new_name(name, "buffer");
  if (!persistent) non_persistent_.push_back(name);
  update_bound(name, tensor);
  return buffers_.insert(std::move(name), std::move(tensor));
}

Tensor& Module::register_buffer(std::string name, Tensor tensor, Tensor* member, bool persistent) {
  TG_CHECK(member != nullptr, "{}: the member bound to buffer '{}' is null", name_, name);
  bound_members_.emplace_back(name, member);
  return *member = register_buffer(std::move(name), std::move(tensor), persistent);
}

Tensor& Module::replace_buffer(const std::string& name, Tensor tensor) {
  Tensor* slot = buffers_.find(name);
  TG_CHECK(slot != nullptr, "{}: no buffer named '{}' to replace", name_, name);
  *slot = std::move(tensor);
  update_bound(name, *slot);
  return *slot;
}

void Module::unregister_parameter(const std::string& name) {
  TG_CHECK(parameters_.erase(name), "{}: no parameter named '{}' to remove", name_, name);
}

void Module::unregister_buffer(const std::string& name) {
  TG_CHECK(buffers_.erase(name), "{}: no buffer named '{}' to remove", name_, name);
  std::erase(non_persistent_, name);
}

void Module::unregister_module(const std::string& name) {
  const size_t index = child_index(name);
  TG_CHECK(index < children_.size(), "{}: no submodule named '{}' to remove", name_, name);
  for (const BoundChild& bound : bound_children_)
    TG_CHECK(bound.name != name, "{}: submodule '{}' can't be removed: the layer calls it (replace it instead)", name_,
             name);
  children_.erase(name);
  child_removed(index);
}

Tensor Module::swap_tensor(const std::string& name, Tensor tensor) {
  Tensor* slot = parameters_.find(name);
  if (slot == nullptr) slot = buffers_.find(name);
  TG_CHECK(slot != nullptr, "{}: no parameter or buffer named '{}' to swap", name_, name);
  std::swap(*slot, tensor);
  update_bound(name, *slot);
  return tensor;
}

void Module::assign_member(const std::string& name, const Tensor& value) {
  TG_CHECK(!parameters_.contains(name) && !buffers_.contains(name),
           "{}: '{}' is registered; assign_member sets members whose tensor is not", name_, name);
  TG_CHECK(parameter_bound(name), "{}: no member is bound to '{}'", name_, name);
  update_bound(name, value);
}

void Module::add_child(std::string name, std::shared_ptr<Module> module) {
  check_new_name(name, "submodule");
  TG_CHECK(module != nullptr, "{}: submodule '{}' is empty", name_, name);
  children_.insert(std::move(name), module);
  child_added(module);
}

size_t Module::child_index(const std::string& name) const {
  size_t index = 0;
  while (index < children_.size() && children_.items()[index].first != name) ++index;
  return index;
}

void Module::replace_child(const std::string& name, std::shared_ptr<Module> module) {
  const size_t index = child_index(name);
  TG_CHECK(index < children_.size(), "{}: no submodule named '{}' to replace", name_, name);
  TG_CHECK(module != nullptr, "{}: the module replacing submodule '{}' is empty", name_, name);
  std::shared_ptr<Module>& slot = (children_.begin() + static_cast<std::ptrdiff_t>(index))->second;
  for (const BoundChild& bound : bound_children_)
    if (bound.name == name)
      TG_CHECK_TYPE(bound.assign(bound.member, module),
                    "{}: submodule '{}' must be a {} like the one it replaces (the layer calls it as one), got {}",
                    name_, name, slot->name(), module->name());
  slot = std::move(module);
  child_replaced(index, slot);
}

void Module::child_added(const std::shared_ptr<Module>&) {}
void Module::child_replaced(size_t, const std::shared_ptr<Module>&) {}
void Module::child_removed(size_t) {}

// ---- copying -----------------------------------------------------------------------------------

void Module::rebase_members(const void* from, size_t size, void* to) {
  const auto begin = reinterpret_cast<uintptr_t>(from), base = reinterpret_cast<uintptr_t>(to);
  auto rebase = [&]<class P>(P*& member) {
    const auto at = reinterpret_cast<uintptr_t>(member);
    if (at >= begin && at < begin + size) member = reinterpret_cast<P*>(base + (at - begin));
  };
  for (auto& bound : bound_members_) rebase(bound.second);
  for (auto& bound : bound_children_) rebase(bound.member);
}

std::shared_ptr<Module> Module::shallow_copy() const {
  TG_FAIL("{}: clone: this module's class does not declare TG_CLONEABLE", name_);
}

void Module::remap(
    const std::function<Tensor(const std::string&, const Tensor&, bool)>& tensor,
    const std::function<std::shared_ptr<Module>(const std::string&, const std::shared_ptr<Module>&)>& module) {
  for (const std::string& name : parameters_.keys()) {
    const Tensor old = parameters_[name];
    if (!old.defined()) continue;
    Tensor replacement = tensor(name, old, true);
    replace_parameter(name, replacement, replacement.defined() && replacement.requires_grad());
  }
  for (const std::string& name : buffers_.keys())
    if (buffers_[name].defined()) replace_buffer(name, tensor(name, buffers_[name], false));
  for (const std::string& name : children_.keys()) replace_child(name, module(name, children_[name]));
}

std::shared_ptr<Module> Module::clone(const std::optional<Device>& device) const {
  NoGradGuard no_grad;
  auto copy_data = [&](const Tensor& t) {  // to() copies when it changes the device
    return device && *device != t.device() ? t.detach().to(*device) : t.detach().clone();
  };
  auto copy_tensor = [&](const Tensor& t) {
    Tensor copy = copy_data(t);
    copy.requires_grad_(t.requires_grad());
    if (const Tensor& g = t.grad(); g.defined()) copy.set_grad(copy_data(g));
    return copy;
  };
  // Each original tensor and module is copied once, so ties and sharing carry over.
  std::unordered_map<const TensorImpl*, Tensor> tensors;
  std::unordered_map<const Module*, std::shared_ptr<Module>> modules;
  std::function<std::shared_ptr<Module>(const Module&)> copy_module = [&](const Module& m) {
    if (auto it = modules.find(&m); it != modules.end()) return it->second;
    std::shared_ptr<Module> copy = m.shallow_copy();
    modules.emplace(&m, copy);
    copy->remap(
        [&](const std::string&, const Tensor& t, bool) {
          auto [it, fresh] = tensors.try_emplace(t.impl());
          if (fresh) it->second = copy_tensor(t);
          return it->second;
        },
        [&](const std::string&, const std::shared_ptr<Module>& child) { return copy_module(*child); });
    return copy;
  };
  return copy_module(*this);
}

// ---- traversal ---------------------------------------------------------------------------------

void Module::collect(const std::string& prefix, bool params, bool recurse, NamedTensors& out,
                     std::vector<const TensorImpl*>& seen) const {
  for (const auto& [name, t] : params ? parameters_ : buffers_) {
    if (!t.defined() || std::find(seen.begin(), seen.end(), t.impl()) != seen.end()) continue;
    seen.push_back(t.impl());
    out.insert(prefix + name, t);
  }
  if (!recurse) return;
  for (const auto& [name, child] : children_) child->collect(prefix + name + ".", params, true, out, seen);
}

NamedTensors Module::named_parameters(bool recurse) const {
  NamedTensors out;
  std::vector<const TensorImpl*> seen;
  collect("", true, recurse, out, seen);
  return out;
}
tensor_list Module::parameters(bool recurse) const { return named_parameters(recurse).values(); }

NamedTensors Module::named_buffers(bool recurse) const {
  NamedTensors out;
  std::vector<const TensorImpl*> seen;
  collect("", false, recurse, out, seen);
  return out;
}
tensor_list Module::buffers(bool recurse) const { return named_buffers(recurse).values(); }

std::vector<std::shared_ptr<Module>> Module::children() const { return children_.values(); }
OrderedDict<std::shared_ptr<Module>> Module::named_children() const { return children_; }

OrderedDict<std::shared_ptr<Module>> Module::named_modules(const std::string& prefix) {
  OrderedDict<std::shared_ptr<Module>> out;
  std::vector<const Module*> seen;
  std::function<void(const std::string&, const std::shared_ptr<Module>&)> walk =
      [&](const std::string& p, const std::shared_ptr<Module>& m) {
        if (std::find(seen.begin(), seen.end(), m.get()) != seen.end()) return;
        seen.push_back(m.get());
        out.insert(p, m);
        for (const auto& [name, child] : m->children_) walk(p.empty() ? name : p + "." + name, child);
      };
  // A module not held by a shared_ptr (a stack object) is listed through a non-owning pointer.
  std::shared_ptr<Module> self = weak_from_this().lock();
  if (!self) self = std::shared_ptr<Module>(std::shared_ptr<Module>{}, this);
  walk(prefix, self);
  return out;
}
std::vector<std::shared_ptr<Module>> Module::modules() { return named_modules().values(); }

// ---- state -------------------------------------------------------------------------------------

void Module::train(bool on) {
  training_ = on;
  for (const auto& [name, child] : children_) child->train(on);
}

void zero_grad(const tensor_list& params, bool set_to_none) {
  for (const Tensor& p : params) {
    if (!p.defined() || !p.grad().defined()) continue;
    if (set_to_none) {
      p.set_grad(Tensor());
    } else {
      NoGradGuard no_grad;
      p.mutable_grad() = p.grad().detach();
      p.grad().zero_();
    }
  }
}

void Module::zero_grad(bool set_to_none) { nn::zero_grad(parameters(), set_to_none); }

void Module::convert(const std::function<Tensor(const Tensor&)>& fn) {
  NoGradGuard no_grad;
  auto visit = [&](const Tensor& t) {
    if (!t.defined()) return;
    Tensor converted = fn(t);
    if (converted.is_same(t)) return;
    const Tensor& grad = t.grad();
    Tensor new_grad = grad.defined() ? fn(grad) : Tensor();
    t.set_data(converted);
    if (grad.defined()) t.set_grad(new_grad);
  };
  for (auto& [name, t] : parameters_) visit(t);
  for (auto& [name, t] : buffers_) visit(t);
  for (auto& [name, child] : children_) child->convert(fn);
}

namespace {

// PyTorch's rule for Module.to: a floating-point or complex dtype, taken by the floating-point
// and complex tensors (a complex dtype turns real parameters complex); integer ones keep theirs.
void check_module_dtype(const std::string& name, DType dtype) {
  TG_CHECK_TYPE(is_floating_point(dtype) || is_complex(dtype),
                "{}.to: modules convert to floating-point or complex dtypes only, got {}", name, dtype);
}
bool is_inexact(const Tensor& t) { return t.is_floating_point() || t.is_complex(); }

}  // namespace

void Module::to(DType dtype) {
  check_module_dtype(name_, dtype);
  convert([dtype](const Tensor& t) { return is_inexact(t) ? t.to(dtype) : t; });
}
void Module::to(Device device) {
  convert([device](const Tensor& t) { return t.to(device); });
}
void Module::to(Device device, DType dtype) {
  check_module_dtype(name_, dtype);
  convert([device, dtype](const Tensor& t) { return is_inexact(t) ? t.to(device, dtype) : t.to(device); });
}

void Module::apply(const std::function<void(Module&)>& fn) {
  for (auto& [name, child] : children_) child->apply(fn);
  fn(*this);
}

NamedTensors Module::state_dict() const {
  NamedTensors out;
  std::function<void(const Module&, const std::string&)> walk = [&](const Module& m, const std::string& prefix) {
    for (const auto& [name, t] : m.parameters_)
      if (t.defined()) out.insert_or_assign(prefix + name, t.detach());
    for (const auto& [name, t] : m.buffers_) {
      const bool persistent = std::find(m.non_persistent_.begin(), m.non_persistent_.end(), name) == m.non_persistent_.end();
      if (t.defined() && persistent) out.insert_or_assign(prefix + name, t.detach());
    }
    for (const auto& [name, child] : m.children_) walk(*child, prefix + name + ".");
  };
  walk(*this, "");
  return out;
}

LoadResult Module::load_state_dict(const NamedTensors& state, bool strict) {
  NamedTensors own = state_dict();
  LoadResult result;
  std::vector<std::string> mismatched;
  for (const auto& [name, t] : own) {
    const Tensor* src = state.find(name);
    if (!src) {
      result.missing_keys.push_back(name);
    } else if (!(src->sizes() == t.sizes())) {
      mismatched.push_back(fmt::format("'{}': checkpoint {} vs model {}", name, src->sizes(), t.sizes()));
    }
  }
  for (const auto& [name, t] : state)
    if (!own.contains(name)) result.unexpected_keys.push_back(name);
  const bool bad = !mismatched.empty() || (strict && (!result.missing_keys.empty() || !result.unexpected_keys.empty()));
  if (bad) {
    std::string msg = fmt::format("{}.load_state_dict: the state does not match the model", name_);
    if (!result.missing_keys.empty()) msg += fmt::format("\n  missing keys: {}", fmt::join(result.missing_keys, ", "));
    if (!result.unexpected_keys.empty())
      msg += fmt::format("\n  unexpected keys: {}", fmt::join(result.unexpected_keys, ", "));
    if (!mismatched.empty()) msg += fmt::format("\n  shape mismatches: {}", fmt::join(mismatched, "; "));
    throw Error(msg);
  }
  NoGradGuard no_grad;
  for (const auto& [name, t] : own)
    if (const Tensor* src = state.find(name)) t.copy_(*src);
  return result;
}

// ---- hooks -------------------------------------------------------------------------------------

namespace {

// Per call: the module's backward (pre) hooks and the output gradients, seen by both identities.
struct BackwardHookState {
  std::shared_ptr<Module> keep;  // holds a shared module alive until its hooks have run
  Module* raw = nullptr;
  std::vector<BackwardHook> hooks;
  std::vector<BackwardPreHook> pre_hooks;
  tensor_list grad_outputs;
  size_t n_inputs = 0;
  bool inputs_need_grad = false;

  // The pre hooks may replace the output gradients; the full hooks see the replacements, as
  // PyTorch's do, and with no input needing a gradient they run here with undefined ones.
  tensor_list at_outputs(tensor_list grads) {
    for (auto& h : pre_hooks) {
      if (auto replaced = h(*raw, grads)) {
        TG_CHECK(replaced->size() == grads.size(), "{}: a backward pre hook returned {} gradients for {} outputs",
                 raw->name(), replaced->size(), grads.size());
        grads = std::move(*replaced);
      }
    }
    grad_outputs = grads;
    if (!hooks.empty() && !inputs_need_grad) run(tensor_list(n_inputs));
    return grads;
  }

  tensor_list run(const tensor_list& grad_inputs) {
    tensor_list current = grad_inputs;
    for (auto& h : hooks) {
      if (auto replaced = h(*raw, current, grad_outputs)) {
        TG_CHECK(replaced->size() == current.size(), "{}: a backward hook returned {} gradients for {} inputs",
                 raw->name(), replaced->size(), current.size());
        current = std::move(*replaced);
      }
    }
    return current;
  }
};

// An identity (PyTorch's BackwardHookFunction) put around a hooked call's inputs and outputs:
// at the outputs its backward records the output gradients, at the inputs it hands the input
// gradients with them to the module's hooks.
struct BackwardHookFunction : autograd::Function<BackwardHookFunction> {
  static tensor_list forward(autograd::AutogradContext* ctx, const tensor_list& tensors,
                             std::shared_ptr<BackwardHookState> state, bool at_outputs) {
    ctx->saved_data["state"] = state;
    ctx->saved_data["at_outputs"] = at_outputs;
    tensor_list out;
    for (const Tensor& t : tensors) out.push_back(t.detach());
    return out;
  }
  static tensor_list backward(autograd::AutogradContext* ctx, tensor_list grads) {
    auto state = std::any_cast<std::shared_ptr<BackwardHookState>>(ctx->saved_data["state"]);
    if (!std::any_cast<bool>(ctx->saved_data["at_outputs"])) return state->run(grads);
    return state->at_outputs(std::move(grads));
  }
};

}  // namespace

tensor_list Module::run_pre_hooks(tensor_list inputs, std::shared_ptr<void>& call_state) {
  for (auto& [id, h] : hooks_->pre)
    if (auto replaced = h(*this, inputs)) inputs = std::move(*replaced);
  if ((!hooks_->backward.empty() || !hooks_->backward_pre.empty()) && GradMode::is_enabled()) {
    auto state = std::make_shared<BackwardHookState>();
    state->keep = weak_from_this().lock();
    state->raw = this;
    for (auto& [id, h] : hooks_->backward) state->hooks.push_back(h);
    for (auto& [id, h] : hooks_->backward_pre) state->pre_hooks.push_back(h);
    state->n_inputs = inputs.size();
    for (const Tensor& t : inputs) state->inputs_need_grad |= t.defined() && t.requires_grad();
    if (state->inputs_need_grad && !state->hooks.empty()) inputs = BackwardHookFunction::apply(inputs, state, false);
    call_state = state;
  }
  return inputs;
}

tensor_list Module::run_post_hooks(const tensor_list& inputs, tensor_list outputs,
                                   const std::shared_ptr<void>& call_state) {
  for (auto& [id, h] : hooks_->post)
    if (auto replaced = h(*this, inputs, outputs)) outputs = std::move(*replaced);
  if (auto state = std::static_pointer_cast<BackwardHookState>(call_state)) {
    bool any = false;
    for (const Tensor& t : outputs) any |= t.defined() && t.requires_grad();
    if (any) outputs = BackwardHookFunction::apply(outputs, state, true);
  }
  return outputs;
}

void Module::run_always_call_hooks(const tensor_list& inputs) noexcept {
  if (!hooks_ || hooks_->always_call.empty()) return;
  // A copy: a hook may remove itself.
  const auto post = hooks_->post;
  for (const auto& [id, h] : post) {
    if (std::find(hooks_->always_call.begin(), hooks_->always_call.end(), id) == hooks_->always_call.end()) continue;
    // What the hook throws is dropped: the failed call's exception is the one to report.
    try {
      h(*this, inputs, {});
    } catch (...) {
    }
  }
}

void Module::fail_hooks_unsupported() const {
  TG_FAIL("{}: hooks need a forward that takes tensors and returns a Tensor or a tuple of Tensors", name_);
}

namespace {
// Appends a hook to one of the lists; the handle erases it by id while the module lives.
template <class Hook>
RemovableHandle add_hook(const std::shared_ptr<void>& owner, uint64_t& next_id,
                         std::vector<std::pair<uint64_t, Hook>>& list, Hook hook, bool prepend) {
  const uint64_t id = next_id++;
  list.emplace(prepend ? list.begin() : list.end(), id, std::move(hook));
  return RemovableHandle(owner, [&list, id] { std::erase_if(list, [id](const auto& e) { return e.first == id; }); });
}
}  // namespace

RemovableHandle Module::register_forward_pre_hook(ForwardPreHook hook, bool prepend) {
  if (!hooks_) hooks_ = std::make_shared<Hooks>();
  return add_hook(hooks_, hooks_->next_id, hooks_->pre, std::move(hook), prepend);
}

RemovableHandle Module::register_forward_hook(ForwardHook hook, bool prepend, bool always_call) {
  if (!hooks_) hooks_ = std::make_shared<Hooks>();
  if (always_call) hooks_->always_call.push_back(hooks_->next_id);
  return add_hook(hooks_, hooks_->next_id, hooks_->post, std::move(hook), prepend);
}

RemovableHandle Module::register_full_backward_hook(BackwardHook hook, bool prepend) {
  if (!hooks_) hooks_ = std::make_shared<Hooks>();
  return add_hook(hooks_, hooks_->next_id, hooks_->backward, std::move(hook), prepend);
}

RemovableHandle Module::register_full_backward_pre_hook(BackwardPreHook hook, bool prepend) {
  if (!hooks_) hooks_ = std::make_shared<Hooks>();
  return add_hook(hooks_, hooks_->next_id, hooks_->backward_pre, std::move(hook), prepend);
}

// ---- printing ----------------------------------------------------------------------------------

void Module::print(std::string& out, int indent) const {
  out += name_ + "(";
  const std::string extra = extra_repr();
  const bool multiline = extra.find('\n') != std::string::npos;
  if (children_.empty() && !multiline) {
    out += extra + ")";
    return;
  }
  const std::string pad(static_cast<size_t>(indent + 2), ' ');
  // extra_repr on lines of their own, each indented (a multi-line one as PyTorch prints it).
  for (size_t start = 0; !extra.empty() && start <= extra.size();) {
    const size_t end = std::min(extra.find('\n', start), extra.size());
    out += fmt::format("\n{}{}", pad, extra.substr(start, end - start));
    start = end + 1;
  }
  for (const auto& [name, child] : children_) {
    out += fmt::format("\n{}({}): ", pad, name);
    child->print(out, indent + 2);
  }
  out += fmt::format("\n{})", std::string(static_cast<size_t>(indent), ' '));
}

std::string Module::str() const {
  std::string out;
  print(out, 0);
  return out;
}

std::ostream& operator<<(std::ostream& os, const Module& m) { return os << m.str(); }

}  // namespace tg::nn
