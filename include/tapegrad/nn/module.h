#pragma once
// tg::nn::Module, the base of every layer: a tree of named parameters, buffers and submodules,
// with PyTorch's traversal, train/eval, to(), state_dict, hooks and printout.
//
//   struct NetImpl : tg::nn::Module {
//     NetImpl() : Module("Net") {
//       fc1 = register_module("fc1", tg::nn::Linear(784, 256));
//       fc2 = register_module("fc2", tg::nn::Linear(256, 10));
//     }
//     tg::Tensor forward(const tg::Tensor& x) override { return fc2(tg::relu(fc1(x))); }
//     tg::nn::Linear fc1{nullptr}, fc2{nullptr};
//   };
//   TG_MODULE(Net);   // Net is a shared handle: Net net; net(x); net->parameters();
//
// Add TG_CLONEABLE to NetImpl's body for net->clone() (a deep copy); for that, members that hold
// a parameter, buffer or submodule must be bound to it (register_parameter(name, t, &member),
// register_buffer(name, t, &member), register_module(name, m, &member)).
#include <functional>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <tuple>
#include <typeinfo>
#include <type_traits>
#include <utility>
#include <vector>

#include "tapegrad/nn/ordered_dict.h"
#include "tapegrad/tensor/tensor.h"

namespace tg::nn {

class Module;
using NamedTensors = OrderedDict<Tensor>;

// Hooks (PyTorch's): a pre-hook may replace the inputs, a forward hook the outputs, a full
// backward pre hook the gradients with respect to the outputs (before the module's backward
// runs), a full backward hook those with respect to the inputs. Returning nullopt keeps them.
using ForwardPreHook = std::function<std::optional<tensor_list>(Module&, const tensor_list& inputs)>;
using ForwardHook =
    std::function<std::optional<tensor_list>(Module&, const tensor_list& inputs, const tensor_list& outputs)>;
using BackwardHook = std::function<std::optional<tensor_list>(Module&, const tensor_list& grad_inputs,
                                                              const tensor_list& grad_outputs)>;
using BackwardPreHook = std::function<std::optional<tensor_list>(Module&, const tensor_list& grad_outputs)>;

// Unregisters a module hook; a no-op after the module is gone.
class RemovableHandle {
 public:
  RemovableHandle() = default;
  RemovableHandle(std::weak_ptr<void> owner, std::function<void()> remove)
      : owner_(std::move(owner)), remove_(std::move(remove)) {}
  void remove() {
    if (remove_ && !owner_.expired()) remove_();
    remove_ = nullptr;
  }

 private:
  std::weak_ptr<void> owner_;
  std::function<void()> remove_;
};

// Any module handle or shared_ptr, as a shared_ptr<Module>.
template <class M>
std::shared_ptr<Module> as_module_ptr(const M& m) {
  if constexpr (requires { m.ptr(); }) {
    return m.ptr();
  } else {
    return m;
  }
}

namespace detail {
// Sets a handle or shared_ptr member to `module` if it is of the member's type.
template <class Holder>
bool assign_module(void* member, const std::shared_ptr<Module>& module) {
  using Impl = typename decltype([] {
    if constexpr (requires { typename Holder::ContainedType; })
      return std::type_identity<typename Holder::ContainedType>{};
    else
      return std::type_identity<typename Holder::element_type>{};
  }())::type;
  auto typed = std::dynamic_pointer_cast<Impl>(module);
  if (module != nullptr && typed == nullptr) return false;
  *static_cast<Holder*>(member) = Holder(std::move(typed));
  return true;
}
}  // namespace detail

// What load_state_dict found; with strict=true any mismatch throws, naming all of them.
struct LoadResult {
  std::vector<std::string> missing_keys, unexpected_keys;
};

class Module : public std::enable_shared_from_this<Module> {
 public:
  explicit Module(std::string name = "Module");
  virtual ~Module();
  Module& operator=(const Module&) = delete;

  // The type name shown in printouts ("Linear").
  const std::string& name() const { return name_; }

  // The one-tensor forward that containers call; layers override it. Modules with other
  // signatures declare their own forward and are called through their handle.
  virtual Tensor forward(const Tensor& input);
  // forward with the hooks run around it.
  Tensor operator()(const Tensor& input);
  // A one-tensor forward that C++ callers (containers, layers calling their parts) run instead of
  // this class's: the Python binding sets it on an object of a Python subclass of a C++ layer
  // that defines its own forward, which PyTorch would call wherever the module is called. Not
  // copied by clone().
  void set_forward_override(std::function<Tensor(const Tensor&)> fn) { forward_override_ = std::move(fn); }
  const std::function<Tensor(const Tensor&)>& forward_override() const { return forward_override_; }

  // ---- registration ----
  Tensor& register_parameter(std::string name, Tensor tensor, bool requires_grad = true);
  // The same for a parameter the layer also keeps in `member` (its weight, its bias), which is
  // set to it: replace_parameter then rebinds the member, so that forward uses the new tensor.
  Tensor& register_parameter(std::string name, Tensor tensor, Tensor* member, bool requires_grad = true);
  // Replaces a registered parameter (same name and place), as assigning a new nn.Parameter to
  // the attribute does in PyTorch; a member bound to it follows (weight tying:
  // head->replace_parameter("weight", embedding->weight)).
  Tensor& replace_parameter(const std::string& name, Tensor tensor, bool requires_grad = true);
  // Whether the parameter is kept in a member bound by register_parameter.
  bool parameter_bound(const std::string& name) const;
  // Whether `name` is a registered parameter (buffer) of this module, also one that holds no
  // tensor (a layer built without bias registers an empty "bias").
  bool has_parameter(const std::string& name) const { return parameters_.contains(name); }
  bool has_buffer(const std::string& name) const { return buffers_.contains(name); }
  // persistent=false buffers are left out of state_dict (PyTorch's meaning).
  Tensor& register_buffer(std::string name, Tensor tensor, bool persistent = true);
  // The same for a buffer kept in `member` (a running mean, a loss's class weights).
  Tensor& register_buffer(std::string name, Tensor tensor, Tensor* member, bool persistent = true);
  // Replaces a registered buffer; a member bound to it follows.
  Tensor& replace_buffer(const std::string& name, Tensor tensor);
  template <class M>
  std::shared_ptr<M> register_module(std::string name, std::shared_ptr<M> module) {
    add_child(std::move(name), module);
    return module;
  }
  template <class Holder>
    requires requires(const Holder& h) { h.ptr(); }
  Holder register_module(std::string name, Holder holder) {
    add_child(std::move(name), holder.ptr());
    return holder;
  }
  // The same for a submodule the layer calls through `member` (a handle or a shared_ptr), which
  // is set to it: replacing the submodule then rebinds the member, and fails with a TypeError
  // when the new module is not of the member's type.
  template <class Holder>
  Holder register_module(std::string name, Holder holder, Holder* member) {
    TG_CHECK(member != nullptr, "{}: the member bound to submodule '{}' is null", name_, name);
    add_child(name, as_module_ptr(holder));
    bound_children_.push_back({std::move(name), member, &detail::assign_module<Holder>});
    return *member = std::move(holder);
  }
  // Removes a registered parameter, buffer or submodule (Python's `del module.name`). A member
  // bound to a removed tensor keeps it and stays bound: assign_member sets it, and registering
  // the name again rebinds it.
  void unregister_parameter(const std::string& name);
  void unregister_buffer(const std::string& name);
  void unregister_module(const std::string& name);
  // Puts `tensor` in the slot of the parameter or buffer `name` as it is (any tensor: no leaf
  // check, requires_grad untouched) and returns what was there; a bound member follows. For
  // running a module with other tensors (functional_call), which swaps the originals back.
  Tensor swap_tensor(const std::string& name, Tensor tensor);
  // Sets the member bound under `name`, which must not be registered, to `value`: how a
  // parametrization hands a layer the weight it computes from its own parameters.
  void assign_member(const std::string& name, const Tensor& value);
  // Replaces a registered submodule (same name), as PyTorch's setattr does.
  template <class M>
  std::shared_ptr<M> replace_module(const std::string& name, std::shared_ptr<M> module) {
    replace_child(name, module);
    return module;
  }
  template <class Holder>
    requires requires(const Holder& h) { h.ptr(); }
  Holder replace_module(const std::string& name, Holder holder) {
    replace_child(name, holder.ptr());
    return holder;
  }

  // ---- traversal (dotted names, registration order, each tensor/module once) ----
  tensor_list parameters(bool recurse = true) const;
  NamedTensors named_parameters(bool recurse = true) const;
  tensor_list buffers(bool recurse = true) const;
  NamedTensors named_buffers(bool recurse = true) const;
  std::vector<std::shared_ptr<Module>> children() const;
  OrderedDict<std::shared_ptr<Module>> named_children() const;
  // This module first, then every descendant.
  std::vector<std::shared_ptr<Module>> modules();
  OrderedDict<std::shared_ptr<Module>> named_modules(const std::string& prefix = "");

  // ---- state ----
  virtual void train(bool on = true);
  void eval() { train(false); }
  bool is_training() const { return training_; }
  void zero_grad(bool set_to_none = true);
  // Converts parameters and buffers in place. A dtype change takes a floating-point or complex
  // dtype and converts the floating-point and complex tensors only (PyTorch's rule).
  void to(DType dtype);
  void to(Device device);
  void to(Device device, DType dtype);
  // fn(module) on this module and every descendant, children first (PyTorch's order).
  void apply(const std::function<void(Module&)>& fn);

  NamedTensors state_dict() const;
  LoadResult load_state_dict(const NamedTensors& state, bool strict = true);

  // ---- hooks ----
  // prepend: the hook runs before those of its kind registered already (else after them).
  // always_call: the forward hook also runs when a pre-hook or forward throws, with no outputs;
  // what it throws then is dropped, and the call's own exception goes on.
  RemovableHandle register_forward_pre_hook(ForwardPreHook hook, bool prepend = false);
  RemovableHandle register_forward_hook(ForwardHook hook, bool prepend = false, bool always_call = false);
  RemovableHandle register_full_backward_hook(BackwardHook hook, bool prepend = false);
  RemovableHandle register_full_backward_pre_hook(BackwardPreHook hook, bool prepend = false);
  bool has_hooks() const { return hooks_ != nullptr && any_hooks(); }

  // ---- copying ----
  // A deep copy (libtorch's clone): parameters and buffers copied (with their requires_grad and
  // gradients, onto `device` when given), submodules cloned in turn; what is tied or shared in
  // this module stays tied or shared in the copy. Hooks come along. Every module in the tree
  // must declare TG_CLONEABLE; one that does not fails with a tg::Error naming it.
  std::shared_ptr<Module> clone(const std::optional<Device>& device = std::nullopt) const;
  // This module alone, member by member: the copy's own parameters, buffers and submodules are
  // still the original's until remap() replaces them. What TG_CLONEABLE defines.
  virtual std::shared_ptr<Module> shallow_copy() const;
  // shallow_copy's work for the Module part only, into a module constructed already (how
  // Python's deepcopy copies a Python subclass, whose object it makes itself).
  void assign_shallow(const Module& other);
  // Replaces each of this module's own parameters and buffers by tensor(name, t, is_parameter)
  // and each submodule by module(name, m), in registration order; bound members follow.
  void remap(const std::function<Tensor(const std::string&, const Tensor&, bool)>& tensor,
             const std::function<std::shared_ptr<Module>(const std::string&, const std::shared_ptr<Module>&)>& module);

  // ---- printing ----
  // The text inside the parentheses of this module's line: "in_features=3, ...".
  virtual std::string extra_repr() const { return {}; }
  std::string str() const;

  // For the handles' call path; not for users.
  // call_state carries what the backward hooks of this call share, from pre to post.
  tensor_list run_pre_hooks(tensor_list inputs, std::shared_ptr<void>& call_state);
  tensor_list run_post_hooks(const tensor_list& inputs, tensor_list outputs, const std::shared_ptr<void>& call_state);
  void run_always_call_hooks(const tensor_list& inputs) noexcept;
  [[noreturn]] void fail_hooks_unsupported() const;

 protected:
  // The registry itself, every name: one tensor may be registered under several (ParameterList).
  const NamedTensors& own_parameters() const { return parameters_; }
  // For modules that learn their type name after construction (Python subclasses).
  void set_name(std::string name) { name_ = std::move(name); }

  // Member by member, bound members still pointing into `other` (see rebase_members).
  Module(const Module& other);
  // Points the members bound inside the `size` bytes at `from` to the same places at `to`:
  // after a copy, at the copy's own members.
  void rebase_members(const void* from, size_t size, void* to);
  // Called after register_module appended `module`, after replace_module put `module` in the
  // slot of the `index`-th submodule, and after unregister_module removed that submodule.
  virtual void child_added(const std::shared_ptr<Module>& module);
  virtual void child_replaced(size_t index, const std::shared_ptr<Module>& module);
  virtual void child_removed(size_t index);

  template <class T>
  static std::shared_ptr<Module> copy_of(const T& self) {
    TG_CHECK(typeid(self) == typeid(T), "{}: clone: this module's class does not declare TG_CLONEABLE", self.name());
    auto copy = std::make_shared<T>(self);
    copy->rebase_members(&self, sizeof(T), copy.get());
    return copy;
  }

 private:
  struct Hooks;
  bool any_hooks() const;
  void add_child(std::string name, std::shared_ptr<Module> module);
  void replace_child(const std::string& name, std::shared_ptr<Module> module);
  void check_new_name(const std::string& name, const char* what) const;
  void update_bound(const std::string& name, const Tensor& value);
  size_t child_index(const std::string& name) const;
  void convert(const std::function<Tensor(const Tensor&)>& fn);
  void collect(const std::string& prefix, bool params, bool recurse, NamedTensors& out,
               std::vector<const TensorImpl*>& seen) const;
  void print(std::string& out, int indent) const;

  std::string name_;
  std::function<Tensor(const Tensor&)> forward_override_;
  bool training_ = true;
  OrderedDict<Tensor> parameters_;
  OrderedDict<Tensor> buffers_;
  std::vector<std::string> non_persistent_;
  std::vector<std::pair<std::string, Tensor*>> bound_members_;  // name -> the layer's member
  struct BoundChild {
    std::string name;
    void* member;
    bool (*assign)(void* member, const std::shared_ptr<Module>& module);  // false: wrong type
  };
  std::vector<BoundChild> bound_children_;
  OrderedDict<std::shared_ptr<Module>> children_;
  std::shared_ptr<Hooks> hooks_;
};

std::ostream& operator<<(std::ostream& os, const Module& m);

// Clears (set_to_none) or zeroes the gradients of `params`; what Module and Optimizer zero_grad do.
void zero_grad(const tensor_list& params, bool set_to_none = true);

namespace detail {

template <class T>
inline constexpr bool is_tensor_tuple_v = false;
template <class... T>
inline constexpr bool is_tensor_tuple_v<std::tuple<T...>> = (std::is_same_v<T, Tensor> && ...);

template <class Out>
tensor_list flatten_outputs(const Out& out) {
  if constexpr (std::is_same_v<Out, Tensor>) {
    return {out};
  } else {
    return std::apply([](const auto&... t) { return tensor_list{t...}; }, out);
  }
}
template <class Out>
Out unflatten_outputs(const tensor_list& outs) {
  if constexpr (std::is_same_v<Out, Tensor>) {
    return outs.at(0);
  } else {
    return [&]<size_t... I>(std::index_sequence<I...>) { return Out{outs.at(I)...}; }(
        std::make_index_sequence<std::tuple_size_v<Out>>{});
  }
}

// Calls m.forward(args...) with m's hooks around it. Hooks need a forward whose arguments are
// tensors and whose result is a Tensor or a tuple of Tensors.
template <class M, class... Args>
auto call_module(M& m, Args&&... args) {
  using Out = decltype(m.forward(std::forward<Args>(args)...));
  constexpr bool tensor_args = (std::is_convertible_v<Args, const Tensor&> && ...);
  // The module's forward, or the override a Python subclass set (one tensor in, one out).
  const auto forward = [&m](auto&&... in) -> Out {
    if constexpr (sizeof...(Args) == 1 && tensor_args && std::is_same_v<Out, Tensor>) {
      if (const auto& override_fn = static_cast<const Module&>(m).forward_override()) return override_fn(in...);
    }
    return m.forward(std::forward<decltype(in)>(in)...);
  };
  if (!m.has_hooks()) return forward(std::forward<Args>(args)...);
  if constexpr (tensor_args && (std::is_same_v<Out, Tensor> || is_tensor_tuple_v<Out>)) {
    std::shared_ptr<void> call_state;
    tensor_list in{Tensor(args)...};
    std::optional<Out> out;
    try {
      in = m.run_pre_hooks(in, call_state);
      out.emplace([&]<size_t... I>(std::index_sequence<I...>) {
        return forward(in[I]...);
      }(std::index_sequence_for<Args...>{}));
    } catch (...) {
      m.run_always_call_hooks(in);
      throw;
    }
    return unflatten_outputs<Out>(m.run_post_hooks(in, flatten_outputs(*out), call_state));
  } else {
    m.fail_hooks_unsupported();
  }
}

}  // namespace detail

// A shared handle to a module implementation, as libtorch's ModuleHolder: `Linear fc(3, 4)`
// makes a LinearImpl; fc->weight, fc(x), fc.ptr(); `Linear fc{nullptr}` is an empty handle.
template <class Impl>
class ModuleHolder {
 public:
  using ContainedType = Impl;

  ModuleHolder()
    requires std::is_default_constructible_v<Impl>
      : impl_(std::make_shared<Impl>()) {}
  ModuleHolder(std::nullptr_t) {}  // NOLINT
  ModuleHolder(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}  // NOLINT
  template <class First, class... Rest>
    requires(!std::is_base_of_v<ModuleHolder, std::decay_t<First>> &&
             !std::is_same_v<std::decay_t<First>, std::nullptr_t> &&
             !std::is_same_v<std::decay_t<First>, std::shared_ptr<Impl>> &&
             std::is_constructible_v<Impl, First, Rest...>)
  explicit ModuleHolder(First&& first, Rest&&... rest)
      : impl_(std::make_shared<Impl>(std::forward<First>(first), std::forward<Rest>(rest)...)) {}

  Impl* operator->() const { return get(); }
  Impl& operator*() const { return *get(); }
  Impl* get() const {
    TG_CHECK(impl_ != nullptr, "accessing an empty {} handle (constructed with nullptr)", typeid(Impl).name());
    return impl_.get();
  }
  const std::shared_ptr<Impl>& ptr() const { return impl_; }
  bool is_empty() const { return impl_ == nullptr; }
  explicit operator bool() const { return impl_ != nullptr; }

  template <class Arg>
  decltype(auto) operator[](Arg&& arg) const {
    return (*get())[std::forward<Arg>(arg)];
  }

  template <class... Args>
  auto operator()(Args&&... args) const {
    return detail::call_module(*get(), std::forward<Args>(args)...);
  }

 private:
  std::shared_ptr<Impl> impl_;
};

template <class Impl>
std::ostream& operator<<(std::ostream& os, const ModuleHolder<Impl>& m) {
  return os << *m;
}

}  // namespace tg::nn

// In a layer's class body: defines shallow_copy() as a member-by-member copy, which makes the
// layer (and trees of such layers) clone()able and deep-copyable from Python.
#define TG_CLONEABLE \
  std::shared_ptr<::tg::nn::Module> shallow_copy() const override { return copy_of(*this); }

// Declares the handle `Name` for the implementation `Name##Impl`.
#define TG_MODULE(Name)                                          \
  class Name : public ::tg::nn::ModuleHolder<Name##Impl> {       \
   public:                                                       \
    using ::tg::nn::ModuleHolder<Name##Impl>::ModuleHolder;      \
  }
