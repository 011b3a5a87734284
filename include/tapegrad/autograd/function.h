#pragma once
// Custom differentiable functions, written like libtorch's:
//
//   struct Cube : tg::autograd::Function<Cube> {
//     static tg::Tensor forward(tg::autograd::AutogradContext* ctx, const tg::Tensor& x) {
//       ctx->save_for_backward({x});
//       return x * x * x;
//     }
//     static tg::tensor_list backward(tg::autograd::AutogradContext* ctx, tg::tensor_list g) {
//       auto x = ctx->get_saved_variables()[0];
//       return {g[0] * 3 * x * x};
//     }
//   };
//   tg::Tensor y = Cube::apply(x);
//
// forward runs without recording and returns a Tensor or a tensor_list; backward returns one
// gradient per tensor argument of forward (or one per argument, undefined for non-tensors).
// For forward-mode AD (forward_ad.h) a Function also defines
//
//     static tg::tensor_list jvp(tg::autograd::AutogradContext* ctx, tg::tensor_list tangents);
//
// which gets one tangent per argument of forward (zeros for tensors without one, undefined for
// non-tensors) and returns one per output; inside it get_saved_variables() returns what forward
// gave save_for_forward (else save_for_backward). Without jvp, dual inputs are an error.
#include <algorithm>
#include <any>
#include <memory>
#include <string>
#include <type_traits>
#include <unordered_map>
#include <vector>

#include "tapegrad/autograd/grad_mode.h"
#include "tapegrad/autograd/node.h"

namespace tg::autograd {

class AutogradContext {
 public:
  void save_for_backward(const tensor_list& tensors) { to_save_ = tensors; }
  // What jvp reads through get_saved_variables().
  void save_for_forward(const tensor_list& tensors) { for_forward_ = tensors; }
  // The saved tensors, checked against in-place changes since they were saved.
  tensor_list get_saved_variables() const;
  // Outputs that have no gradient (e.g. indices); their grads arrive as zeros/undefined.
  void mark_non_differentiable(const tensor_list& outputs);
  // With true (the default), undefined output gradients reach backward as zeros.
  void set_materialize_grads(bool value) { materialize_grads_ = value; }
  // Whether the gradient of tensor argument i of forward is needed.
  bool needs_input_grad(size_t i) const { return i < needs_input_grad_.size() && needs_input_grad_[i]; }
  // Anything else backward needs.
  std::unordered_map<std::string, std::any> saved_data;

 private:
  friend class CustomNode;
  tensor_list to_save_;
  tensor_list for_forward_;
  bool in_jvp_ = false;
  std::vector<const TensorImpl*> non_differentiable_;
  std::vector<bool> needs_input_grad_;
  bool materialize_grads_ = true;
  Node* node_ = nullptr;
};

using CustomBackwardFn = tensor_list (*)(AutogradContext*, tensor_list);
using CustomJvpFn = tensor_list (*)(AutogradContext*, tensor_list);

// The node a custom Function records; not used directly.
class CustomNode final : public Node {
 public:
  CustomNode(std::string name, CustomBackwardFn backward, CustomJvpFn jvp = nullptr)
      : name_(std::move(name)), backward_(backward), jvp_(jvp) {
    ctx_.node_ = this;
  }
  std::string name() const override { return name_; }
  tensor_list apply(tensor_list&& grads) override;
  void release_saved() override;
  bool materialize_grads() const override { return ctx_.materialize_grads_; }
  AutogradContext* ctx() { return &ctx_; }

  // Before forward: edges from the tensor arguments; arg_is_tensor marks which args were tensors.
  void set_inputs(const tensor_list& inputs, std::vector<bool> arg_is_tensor);
  // After forward: connects the outputs to this node and saves what ctx asked for; inside a
  // dual level, gives them the tangents jvp computes.
  tensor_list wrap_outputs(const tensor_list& inputs, tensor_list outputs);

 private:
  void apply_jvp(tensor_list& outputs);

  std::string name_;
  CustomBackwardFn backward_;
  CustomJvpFn jvp_;
  // Inside a dual level, from set_inputs to wrap_outputs: the tensor arguments and their tangents.
  tensor_list jvp_inputs_, input_tangents_;
  AutogradContext ctx_;
  std::vector<bool> arg_is_tensor_;
  bool any_input_requires_grad_ = false;
};

namespace detail {
std::string demangle(const char* mangled);
// Whether an input carries a forward-mode tangent (forward_ad.h).
bool any_dual(const tensor_list& inputs);
// Stops forward-mode tangent propagation for a scope: while a Function's forward runs (its jvp
// gives the outputs theirs), and inside the library while tangents are being computed.
class PauseTangents {
 public:
  PauseTangents();
  ~PauseTangents();
  PauseTangents(const PauseTangents&) = delete;
  PauseTangents& operator=(const PauseTangents&) = delete;

 private:
  bool prev_;
};
template <class T>
CustomJvpFn jvp_of() {
  if constexpr (requires { &T::jvp; }) {
    return &T::jvp;
  } else {
    return nullptr;
  }
}

inline void collect_tensors(tensor_list& out, std::vector<bool>& is_tensor, const Tensor& t) {
  out.push_back(t);
  is_tensor.push_back(true);
}
inline void collect_tensors(tensor_list& out, std::vector<bool>& is_tensor, const tensor_list& ts) {
  for (const Tensor& t : ts) out.push_back(t);
  is_tensor.push_back(false);
}
template <class T>
void collect_tensors(tensor_list&, std::vector<bool>& is_tensor, const T&) {
  is_tensor.push_back(false);
}
}  // namespace detail

template <class T>
struct Function {
  template <class... Args>
  static auto apply(Args&&... args) {
    using Ret = decltype(T::forward(std::declval<AutogradContext*>(), std::forward<Args>(args)...));
    static_assert(std::is_same_v<Ret, Tensor> || std::is_same_v<Ret, tensor_list>,
                  "Function::forward must return tg::Tensor or tg::tensor_list");
    tensor_list inputs;
    std::vector<bool> is_tensor;
    (detail::collect_tensors(inputs, is_tensor, args), ...);
    const bool records = GradMode::is_enabled() && std::any_of(inputs.begin(), inputs.end(), [](const Tensor& t) {
                           return t.defined() && t.requires_grad();
                         });
    // Nothing to record: forward runs with a context of its own and no node is made. (Dual inputs
    // take the other path, whose node hands their tangents to jvp.)
    if (!records && !detail::any_dual(inputs)) {
      AutogradContext ctx;
      NoGradGuard no_grad;
      return T::forward(&ctx, std::forward<Args>(args)...);
    }
    auto node = std::make_shared<CustomNode>(node_name(), &T::backward, detail::jvp_of<T>());
    node->set_inputs(inputs, std::move(is_tensor));
    tensor_list outputs;
    {
      NoGradGuard no_grad;
      detail::PauseTangents pause;
      if constexpr (std::is_same_v<Ret, Tensor>) {
        outputs.push_back(T::forward(node->ctx(), std::forward<Args>(args)...));
      } else {
        outputs = T::forward(node->ctx(), std::forward<Args>(args)...);
      }
    }
    outputs = node->wrap_outputs(inputs, std::move(outputs));
    if constexpr (std::is_same_v<Ret, Tensor>) {
      return outputs[0];
    } else {
      return outputs;
    }
  }

 private:
  // "CubeBackward" for struct Cube, demangled once.
  static const std::string& node_name() {
    static const std::string name = [] {
      std::string n = detail::demangle(typeid(T).name());
      if (auto pos = n.rfind("::"); pos != std::string::npos) n = n.substr(pos + 2);
      return n + "Backward";
    }();
    return name;
  }
};

}  // namespace tg::autograd
