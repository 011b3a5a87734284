// Custom autograd Functions: the node they record and its context.
#include <cxxabi.h>

#include <algorithm>
#include <cstdlib>
#include <memory>

#include "autograd/record.h"
#include "tapegrad/autograd/function.h"
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
}  // namespace detail

tensor_list AutogradContext::get_saved_variables() const {
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
  for (const Tensor& t : inputs) {
    TG_CHECK(!(t.defined() && any_tangent(t)),
             "{}: forward-mode AD through a custom Function is not supported (it has no jvp); input {} of shape {} "
             "has a tangent",
             name_, ctx_.needs_input_grad_.size(), t.sizes());
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
        out.is_floating_point() &&
        std::find(ctx_.non_differentiable_.begin(), ctx_.non_differentiable_.end(), out.impl()) ==
            ctx_.non_differentiable_.end();
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
  ctx_.to_save_.clear();
  return outputs;
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
