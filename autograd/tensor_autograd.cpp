// Tensor's autograd methods: requires_grad, grad, hooks, retain_grad, detach, backward.
#include "autograd/record.h"
#include "tapegrad/autograd/engine.h"
#include "tapegrad/autograd/hooks.h"
#include "tapegrad/tensor/ops.h"
#include "tapegrad/autograd/grad_mode.h"
#include "tensor/ops/common.h"
#include "tensor/ops/internal.h"

namespace tg {

const Tensor& Tensor::requires_grad_(bool requires_grad) const {
  TG_CHECK_TYPE(!requires_grad || is_inexact(dtype()),
                "requires_grad_: only floating-point and complex tensors can require gradients, got dtype {}", dtype());
  TG_CHECK(!requires_grad || !is_inference() || detail::tls.inference_mode,
           "requires_grad_: an inference tensor (made inside InferenceMode) cannot be made to require grad outside "
           "InferenceMode; clone() it first to get a normal tensor");
  if (!is_leaf()) {
    TG_CHECK(requires_grad,
             "requires_grad_: only leaf tensors can stop requiring grad; use detach() for a tensor without history");
    return *this;
  }
  impl_->requires_grad_ = requires_grad;
  return *this;
}

const Tensor& Tensor::grad() const { return impl_->grad_; }
Tensor& Tensor::mutable_grad() const { return impl_->grad_; }

void Tensor::set_grad(const Tensor& grad) const {
  if (grad.defined()) {
    TG_CHECK(grad.sizes() == sizes(), "set_grad: gradient has shape {} but the tensor has shape {}", grad.sizes(),
             sizes());
    TG_CHECK_TYPE(grad.dtype() == dtype(), "set_grad: gradient has dtype {} but the tensor has dtype {}",
                  grad.dtype(), dtype());
    ops::check_same_device("set_grad", *this, grad);
  }
  impl_->grad_ = grad;
}

void Tensor::retain_grad() const {
  TG_CHECK(requires_grad(), "retain_grad: the tensor does not require grad");
  if (is_leaf() || impl_->retains_grad_) return;
  impl_->retains_grad_ = true;
  auto& slot = impl_->extras().weak_self;
  if (!slot) slot = std::make_shared<TensorImpl*>(impl_.get());
  std::weak_ptr<TensorImpl*> weak = slot;
  grad_fn()->output_hook_list(output_nr())->retain = [weak](const Tensor& g) {
    auto alive = weak.lock();
    if (!alive || !*alive) return;
    Tensor& grad = (*alive)->grad_;
    grad = grad.defined() ? grad + g : (GradMode::is_enabled() ? g : ops::clone_raw(g));
  };
}

bool Tensor::retains_grad() const { return impl_->retains_grad_; }

Tensor Tensor::detach() const { return tg::detach(*this); }

const Tensor& Tensor::detach_() const {
  TG_CHECK(!(impl_->view_base_ && impl_->view_base_->requires_grad_),
           "detach_: a view of a tensor that requires grad cannot be detached in place; use detach()");
  impl_->grad_fn_.reset();
  impl_->requires_grad_ = false;
  impl_->output_nr_ = 0;
  if (TensorExtras* extras = impl_->extras_if()) extras->fw_grad = Tensor();  // as detach(): no tangent either
  return *this;
}

const Tensor& Tensor::set_data(const Tensor& data) const {
  TG_CHECK(data.defined(), "set_data: the new data is undefined");
  TG_CHECK(is_leaf(), "set_data: only leaf tensors can take new data (this one has grad_fn {})",
           impl_->grad_fn_ ? impl_->grad_fn_->name() : "");
  if (data.is_same(*this)) return *this;
  const TensorExtras* extras = impl_->extras_if();
  TG_CHECK(!(extras && extras->fw_grad.defined()) || (data.sizes() == sizes() && data.dtype() == dtype()),
           "set_data: the tensor has a forward-mode tangent of shape {} and {}, which new data of shape {} and {} "
           "would not fit",
           sizes(), dtype(), data.sizes(), data.dtype());
  impl_->storage_ = data.impl()->storage_;
  impl_->dtype_ = data.dtype();
  impl_->set_geometry(data.sizes(), data.strides(), data.storage_offset());
  // A leaf view's base does not require grad; with the base's storage gone, so is the relation.
  impl_->view_base_.reset();
  impl_->view_base_fn_ = nullptr;
  // Gradients accumulate into the new layout; a stale accumulator would carry the old metadata.
  impl_->grad_accumulator_.reset();
  return *this;
}

void Tensor::backward(const Tensor& gradient, std::optional<bool> retain_graph, bool create_graph,
                      const tensor_list& inputs) const {
  autograd::backward({*this}, gradient.defined() ? tensor_list{gradient} : tensor_list{}, retain_graph, create_graph,
                     inputs);
}

HookHandle Tensor::add_hook(std::function<Tensor(const Tensor&)> hook) const {
  TG_CHECK(requires_grad(), "register_hook: the tensor does not require grad, so it has no gradient to hook");
  std::shared_ptr<autograd::HookList> list;
  if (is_leaf()) {
    auto& extras = impl_->extras();
    if (!extras.hooks) extras.hooks = std::make_shared<autograd::HookList>();
    list = extras.hooks;
  } else {
    list = grad_fn()->output_hook_list(output_nr());
  }
  const uint64_t id = list->next_id++;
  list->hooks.emplace_back(id, std::move(hook));
  return HookHandle(list, id);
}

HookHandle Tensor::register_post_accumulate_grad_hook(std::function<void(const Tensor&)> hook) const {
  TG_CHECK(defined(), "register_post_accumulate_grad_hook: the tensor is undefined");
  TG_CHECK(requires_grad(),
           "register_post_accumulate_grad_hook: the tensor does not require grad, so no gradient accumulates into it");
  TG_CHECK(is_leaf(),
           "register_post_accumulate_grad_hook: only leaves accumulate gradients; this tensor was made by {}",
           grad_fn()->name());
  auto& extras = impl_->extras();
  if (!extras.hooks) extras.hooks = std::make_shared<autograd::HookList>();
  const uint64_t id = extras.hooks->next_id++;
  extras.hooks->post_accumulate.emplace_back(id, std::move(hook));
  return HookHandle(extras.hooks, id);
}

const std::string& Tensor::name() const {
  static const std::string empty;
  const TensorExtras* extras = impl_->extras_if();
  return extras ? extras->name : empty;
}

const Tensor& Tensor::set_name(std::string name) const {
  impl_->extras().name = std::move(name);
  return *this;
}

void HookHandle::remove() {
  auto list = list_.lock();
  if (!list) return;
  auto drop = [this](auto& hooks) {
    hooks.erase(std::remove_if(hooks.begin(), hooks.end(), [&](const auto& h) { return h.first == id_; }), hooks.end());
  };
  drop(list->hooks);
  drop(list->post_accumulate);
  drop(list->node_pre);
  drop(list->node_post);
}

Tensor autograd::HookList::run(Tensor grad) const {
  for (const auto& [id, fn] : hooks) {
    Tensor replaced = fn(grad);
    if (replaced.defined()) {
      TG_CHECK(replaced.sizes() == grad.sizes(), "tensor hook returned a gradient of shape {}, expected shape {}",
               replaced.sizes(), grad.sizes());
      grad = std::move(replaced);
    }
  }
  if (retain) retain(grad);
  return grad;
}

}  // namespace tg
