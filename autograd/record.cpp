// Recording ops on the tape: edges, histories, leaf accumulators, in-place rewrites and views.
#include "autograd/record.h"

#include "autograd/internal_nodes.h"
#include "tapegrad/autograd/grad_mode.h"
#include "tapegrad/tensor/ops.h"
#include "tensor/ops/common.h"
#include "tensor/ops/internal.h"

namespace tg::autograd {

bool needs_grad(const tensor_list& inputs) {
  for (const Tensor& t : inputs)
    if (t.defined() && ((t.requires_grad() && grad_mode_on()) || any_tangent(t))) return true;
  return false;
}

namespace {

ViewGeometry view_geometry(const TensorImpl* view, const TensorImpl* base, const char* op) {
  TG_CHECK(base->contiguous_,
           "{}: modifying a view in place needs its base to be contiguous to track gradients; the base has shape {} "
           "and strides {} (clone() the base first)",
           op, base->sizes_, base->strides_);
  int64_t base_offset = base->offset_;
  if (is_complex(base->dtype_) && !is_complex(view->dtype_)) base_offset *= 2;
  if (!is_complex(base->dtype_) && is_complex(view->dtype_)) base_offset /= 2;  // even: view_as_complex checks
  return {base->sizes_, view->sizes_, view->strides_, view->offset_ - base_offset, base->dtype_, view->dtype_};
}

// A contiguous gradient of the base, seen in the view's element type (differentiably, for
// double backward); from_view_units takes it back to the base's.
Tensor to_view_units(const Tensor& g, const ViewGeometry& v) {
  if (v.base_dtype == v.view_dtype) return g;
  return is_complex(v.base_dtype) ? view_as_real(g) : view_as_complex(g.reshape({-1, 2}));
}
Tensor from_view_units(const Tensor& g, const ViewGeometry& v) {
  if (v.base_dtype == v.view_dtype) return g;
  return is_complex(v.base_dtype) ? view_as_complex(g) : view_as_real(g).reshape(v.base_sizes);
}

std::shared_ptr<Node> grad_accumulator(const Tensor& t) {
  TensorImpl* impl = t.impl();
  if (auto existing = impl->grad_accumulator_.lock()) return existing;
  auto acc = std::make_shared<AccumulateGrad>(t);
  impl->grad_accumulator_ = acc;
  return acc;
}

// Gives a view whose base's history changed a fresh grad_fn that reads from the base.
void refresh_view_history(TensorImpl* impl, const char* op) {
  TensorImpl* base = impl->view_base_.get();
  Tensor base_t(IntrusivePtr<TensorImpl>::share(base));
  auto node = std::make_shared<ViewOfBase>(view_geometry(impl, base, op));
  node->add_next_edge(gradient_edge(base_t));
  node->add_output({impl->sizes_, impl->dtype_, impl->storage_->device()});
  impl->grad_fn_ = std::move(node);
  impl->output_nr_ = 0;
  impl->requires_grad_ = true;
  impl->view_base_fn_ = base->grad_fn_.get();
}

inline bool view_is_stale(const TensorImpl* impl) {
  const TensorImpl* base = impl->view_base_.get();
  return base && base->requires_grad_ && (impl->view_base_fn_ != base->grad_fn_.get() || !impl->grad_fn_);
}

}  // namespace

Edge gradient_edge(const Tensor& t) {
  TensorImpl* impl = t.impl();
  if (view_is_stale(impl)) [[unlikely]]
    refresh_view_history(impl, "autograd");
  if (!impl->requires_grad_) return {};
  if (impl->grad_fn_) return {impl->grad_fn_, impl->output_nr_};
  return {grad_accumulator(t), 0};
}

void set_history(const Tensor& out, const std::shared_ptr<Node>& node, uint32_t output_nr) {
  if (!node->has_input_tangents()) [[likely]] {
    attach_history(out, node, output_nr);
    return;
  }
  attach_dual_outputs(node, {out}, output_nr);
  set_output_tangents(node, {out}, output_nr);
}

void set_history(const tensor_list& outs, const std::shared_ptr<Node>& node) {
  set_history_before_saves(outs, node);
  finish_history(outs, node);
}

void set_history_before_saves(const tensor_list& outs, const std::shared_ptr<Node>& node) {
  if (!node->has_input_tangents()) [[likely]] {
    for (size_t i = 0; i < outs.size(); ++i) attach_history(outs[i], node, static_cast<uint32_t>(i));
    return;
  }
  attach_dual_outputs(node, outs, 0);
}

void finish_history(const tensor_list& outs, const std::shared_ptr<Node>& node) {
  if (node->has_input_tangents()) [[unlikely]]
    set_output_tangents(node, outs, 0);
}

void attach_history(const Tensor& out, const std::shared_ptr<Node>& node, uint32_t output_nr) {
  TensorImpl* impl = out.impl();
  impl->grad_fn_ = node;
  impl->output_nr_ = output_nr;
  impl->requires_grad_ = true;
  if (impl->view_base_) impl->view_base_fn_ = impl->view_base_->grad_fn_.get();
  if (node->num_outputs() <= output_nr) node->add_output(TensorMeta::of(out));
  if (detail::tls.anomaly_enabled) [[unlikely]]
    anomaly_check_forward(*node, out);
}

void check_inplace_history(const Tensor& self, const char* op) {
  const TensorImpl* impl = self.impl();
  TG_CHECK(!impl->storage_->inference() || detail::tls.inference_mode,
           "{}: an in-place update to an inference tensor (made inside InferenceMode) outside InferenceMode is not "
           "allowed; clone() it first to get a normal tensor",
           op);
  if (grad_mode_on()) {
    TG_CHECK(!(impl->requires_grad_ && !impl->grad_fn_),
             "{}: a leaf tensor that requires grad is being used in an in-place operation; do the update inside "
             "tg::NoGradGuard (as optimizers do) or work on a clone()",
             op);
    const TensorImpl* base = impl->view_base_.get();
    TG_CHECK(!(base && base->requires_grad_ && !base->grad_fn_),
             "{}: a view of a leaf tensor that requires grad is being modified in place (view shape {}, base shape "
             "{}); do the update inside tg::NoGradGuard or clone() the leaf first",
             op, impl->sizes_, base ? base->sizes_ : Shape{});
  }
}

void check_inplace(const Tensor& self, const char* op) {
  check_inplace_history(self, op);
  const TensorImpl* impl = self.impl();
  for (int d = 0; d < impl->sizes_.size(); ++d)
    TG_CHECK(!(impl->strides_[d] == 0 && impl->sizes_[d] > 1),
             "{}: the tensor (shape {}, strides {}) has elements that share memory (e.g. made by expand); clone() it "
             "before writing in place",
             op, impl->sizes_, impl->strides_);
}

void rebase_history(const Tensor& self, std::shared_ptr<Node> node) {
  if (node->has_input_tangents()) [[unlikely]] {
    propagate_inplace_tangent(self, *node);
    drop_tangent_edges(*node);
    if (!records_history(*node)) return;
  }
  TensorImpl* impl = self.impl();
  if (!impl->view_base_) {
    set_history(self, node);
    return;
  }
  TensorImpl* base = impl->view_base_.get();
  Tensor base_t(IntrusivePtr<TensorImpl>::share(base));
  ViewGeometry geom = view_geometry(impl, base, "in-place op");
  auto copy_slices = std::make_shared<CopySlices>(geom, node);
  copy_slices->add_next_edge(gradient_edge(base_t));
  for (size_t i = 1; i < node->num_inputs(); ++i) copy_slices->add_next_edge(node->next_edge(i));
  if (detail::tls.anomaly_enabled && node->creation_site()) [[unlikely]]
    copy_slices->set_creation_site(std::make_unique<CreationSite>(*node->creation_site()));
  set_history(base_t, copy_slices);
  refresh_view_history(impl, "in-place op");
}

void set_view_base(const Tensor& view, const Tensor& base) {
  if (any_tangent(base)) [[unlikely]]
    propagate_view_tangent(view, base);
  if (!grad_mode_on()) return;  // views made without grad mode are not tracked (like detach())
  TensorImpl* root = base.impl()->view_base_ ? base.impl()->view_base_.get() : base.impl();
  view.impl()->view_base_ = IntrusivePtr<TensorImpl>::share(root);
  view.impl()->view_base_fn_ = root->grad_fn_.get();
}

// ---- AccumulateGrad ----------------------------------------------------------------------------

AccumulateGrad::AccumulateGrad(Tensor variable) : variable_(std::move(variable)) {
  add_output(TensorMeta::of(variable_));
}

const HookList* AccumulateGrad::output_hooks(uint32_t) const {
  const TensorExtras* extras = variable_.impl()->extras_if();
  return extras ? extras->hooks.get() : nullptr;
}

tensor_list AccumulateGrad::apply(tensor_list&& grads) {
  Tensor g = std::move(grads[0]);
  if (!g.defined()) return {};
  Tensor& grad = variable_.impl()->grad_;
  if (!grad.defined()) {
    if (GradMode::is_enabled()) {
      grad = g;  // create_graph: keep the graph for higher derivatives
    } else {
      // Keep the incoming tensor when nothing else can see it, else copy it.
      const bool exclusive = g.use_count() == 1 && g.storage().use_count() == 1 && g.is_contiguous() &&
                             !g.impl()->view_base_ && !g.requires_grad();
      grad = exclusive ? g : ops::clone_raw(g);
    }
  } else if (GradMode::is_enabled()) {
    grad = grad + g;
  } else {
    NoGradGuard no_grad;
    grad.add_(g);
  }
  if (const TensorExtras* extras = variable_.impl()->extras_if(); extras && extras->hooks) {
    const auto hooks = extras->hooks->post_accumulate;  // a hook may remove itself
    for (const auto& [id, hook] : hooks) hook(variable_);
  }
  return {};
}

// ---- CopySlices and views of bases -----------------------------------------------------------

tensor_list CopySlices::apply(tensor_list&& grads) {
  tensor_list result(num_inputs());
  Tensor g = grads[0];
  Tensor gc = to_view_units(g.contiguous(), view_);
  Tensor region = gc.as_strided(view_.sizes, view_.strides, gc.storage_offset() + view_.offset);
  tensor_list fn_grads = fn_->apply({region});
  if (needs_input_grad(0)) {
    Tensor inner = fn_grads.empty() || !fn_grads[0].defined() ? zeros(view_.sizes, gc.options()) : fn_grads[0];
    result[0] = from_view_units(
        ops::strided_scatter(gc, inner, view_.sizes, view_.strides, view_.offset, /*accumulate=*/false), view_);
  }
  for (size_t i = 1; i < result.size() && i < fn_grads.size(); ++i) result[i] = fn_grads[i];
  return result;
}

tensor_list ViewOfBase::apply(tensor_list&& grads) {
  const Tensor& g = grads[0];
  const Tensor base = to_view_units(zeros(view_.base_sizes, g.options().dtype(view_.base_dtype)), view_);
  return {from_view_units(ops::strided_scatter(base, g, view_.sizes, view_.strides, view_.offset, /*accumulate=*/true),
                          view_)};
}

}  // namespace tg::autograd

namespace tg {
const std::shared_ptr<autograd::Node>& Tensor::grad_fn() const {
  TensorImpl* impl = impl_.get();
  if (autograd::view_is_stale(impl)) autograd::gradient_edge(*this);
  return impl->grad_fn_;
}

bool Tensor::is_leaf() const { return grad_fn() == nullptr; }
}  // namespace tg
