// Custom autograd Functions: the node they record and its context.
#include <cxxabi.h>

#include <algorithm>
#include <cstdlib>
#include <memory>

#include "autograd/record.h"
#include "tapegrad/autograd/function.h"
#include "tapegrad/tensor/factories.h"
#include "tensor/ops/common.h"

namespace tg::autograd {

namespace detail {
std::string demangle(const char* mangled) {
  int status = 0;
  std::unique_ptr<char, void (*)(void*)> p(abi::__cxa_demangle(mangled, nullptr, nullptr, &status), std::free);
  return status == 0 && p ? std::string(p.get()) : std::string(mangled);
}

bool any_dual(const tensor_list& inputs) {
  return forward_ad_on() &&
         std::any_of(inputs.begin(), inputs.end(), [](const Tensor& t) { return t.defined() && has_tangent(t); });
}
PauseTangents::PauseTangents() : prev_(tg::detail::tls.forward_ad) { tg::detail::tls.forward_ad = false; }
PauseTangents::~PauseTangents() { tg::detail::tls.forward_ad = prev_; }
}  // namespace detail

tensor_list AutogradContext::get_saved_variables() const {
  if (in_jvp_) return for_forward_.empty() ? to_save_ : for_forward_;
  tensor_list out;
  for (size_t i = 0; i < node_->saved_tensors().size(); ++i) out.push_back(node_->saved(i));
  return out;
}

void AutogradContext::mark_non_differentiable(const tensor_list& outputs) {
  for (const Tensor& t : outputs)
    if (t.defined()) non_differentiable_.push_back(t.impl());
}

void CustomNode::set_inputs(const tensor_list& inputs, std::vector<bool> arg_is_tensor) {
  arg_is_tensor_ = std::move(arg_is_tensor);
  if (detail::any_dual(inputs)) {
    TG_CHECK(jvp_ != nullptr,
             "{}: forward-mode AD through a custom Function needs its jvp (a static jvp(ctx, tangents) returning the "
             "outputs' tangents); an input has a tangent",
             name_);
    jvp_inputs_ = inputs;
    for (const Tensor& t : inputs)
      input_tangents_.push_back(t.defined() && has_tangent(t) ? t.impl()->extras_if()->fw_grad : Tensor());
  }
  for (const Tensor& t : inputs) {
    const bool needs = t.defined() && t.requires_grad() && grad_mode_on();
    ctx_.needs_input_grad_.push_back(needs);
    add_next_edge(needs ? gradient_edge(t) : Edge{});
    any_input_requires_grad_ |= needs;
  }
}

tensor_list CustomNode::wrap_outputs(const tensor_list& inputs, tensor_list outputs) {
  auto self = std::static_pointer_cast<CustomNode>(shared_from_this());
  for (size_t i = 0; i < outputs.size(); ++i) {
    Tensor& out = outputs[i];
    if (!out.defined()) continue;
    // An input handed back as an output gets its own handle, so its history stays its own.
    const bool is_input = std::any_of(inputs.begin(), inputs.end(), [&](const Tensor& t) { return t.is_same(out); });
    if (is_input) out = ops::alias(out);
    const bool differentiable =
        is_inexact(out.dtype()) && std::find(ctx_.non_differentiable_.begin(), ctx_.non_differentiable_.end(),
                                             out.impl()) == ctx_.non_differentiable_.end();
    if (any_input_requires_grad_ && differentiable) {
      set_history(out, self, static_cast<uint32_t>(i));
    } else {
      add_output(TensorMeta::of(out));
    }
  }
  if (any_input_requires_grad_) {
    for (const Tensor& t : ctx_.to_save_) {
      auto it = std::find_if(outputs.begin(), outputs.end(), [&](const Tensor& o) { return o.is_same(t); });
      save(it != outputs.end() ? *it : t, it != outputs.end() && it->grad_fn().get() == this);
    }
  }
  if (!input_tangents_.empty()) apply_jvp(outputs);
  ctx_.to_save_.clear();
  ctx_.for_forward_.clear();
  return outputs;
}

void CustomNode::apply_jvp(tensor_list& outputs) {
  // One tangent per argument of forward: undefined for non-tensors, zeros for tensors without one
  // (unless materialize_grads is off).
  tensor_list tangents;
  for (size_t a = 0, k = 0; a < arg_is_tensor_.size(); ++a) {
    if (!arg_is_tensor_[a]) {
      tangents.emplace_back();
      continue;
    }
    const Tensor& in = jvp_inputs_[k];
    Tensor t = input_tangents_[k++];
    if (!t.defined() && in.defined() && is_inexact(in.dtype()) && ctx_.materialize_grads_) t = zeros_like(in);
    tangents.push_back(std::move(t));
  }
  jvp_inputs_.clear();
  input_tangents_.clear();
  tensor_list result;
  {
    detail::PauseTangents pause;
    ctx_.in_jvp_ = true;
    try {
      result = jvp_(&ctx_, std::move(tangents));
    } catch (...) {
      ctx_.in_jvp_ = false;
      throw;
    }
    ctx_.in_jvp_ = false;
  }
  TG_CHECK(result.size() == outputs.size(), "{}: jvp returned {} tangents, expected {} (one per output of forward)",
           name_, result.size(), outputs.size());
  for (size_t i = 0; i < outputs.size(); ++i) {
    const Tensor& out = outputs[i];
    const Tensor& t = result[i];
    if (!t.defined() || !out.defined() || !is_inexact(out.dtype())) continue;
    if (std::find(ctx_.non_differentiable_.begin(), ctx_.non_differentiable_.end(), out.impl()) !=
        ctx_.non_differentiable_.end())
      continue;
    TG_CHECK(t.sizes() == out.sizes(), "{}: jvp returned a tangent of shape {} for output {} of shape {}", name_,
             t.sizes(), i, out.sizes());
    set_tangent_of(out, t.dtype() == out.dtype() ? t : t.to(out.dtype()));
  }
}

tensor_list CustomNode::apply(tensor_list&& grads) {
  tensor_list result = backward_(&ctx_, std::move(grads));
  const size_t n = num_inputs();
  if (result.size() != n) {
    const bool per_argument = result.size() == arg_is_tensor_.size();
    TG_CHECK(per_argument, "{}: backward returned {} gradients, expected {} (one per tensor argument of forward)",
             name_, result.size(), n);
    tensor_list picked;
    for (size_t i = 0; i < result.size(); ++i) {
      if (arg_is_tensor_[i]) {
        picked.push_back(result[i]);
      } else {
        TG_CHECK(!result[i].defined(), "{}: backward returned a gradient for argument {}, which is not a tensor", name_, i);
      }
    }
    result = std::move(picked);
  }
  for (size_t i = 0; i < n; ++i)
    if (!needs_input_grad(i)) result[i] = Tensor();
  return result;
}

void CustomNode::release_saved() {
  Node::release_saved();
  ctx_.saved_data.clear();
}

}  // namespace tg::autograd
