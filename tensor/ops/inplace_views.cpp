// The in-place view ops (t_, transpose_, squeeze_, unsqueeze_, as_strided_): self's handle takes
// the geometry and the history of the view the out-of-place op makes, so every handle to it sees
// the new shape, as in PyTorch. The storage's version is bumped, so a tensor saved for backward
// before the change fails its version check instead of being read with the wrong shape.
// resize_ and set_ change the geometry (and the storage) of a tensor without history.
#include "autograd/record.h"
#include "tapegrad/tensor/factories.h"
#include "tapegrad/tensor/ops/views.h"
#include "tensor/ops/common.h"

namespace tg {

namespace {

template <class F>
const Tensor& restride_inplace(const Tensor& self, const char* name, F&& view_op) {
  ops::check_defined(name, self, "input");
  autograd::check_inplace_history(self, name);
  TensorImpl* impl = self.impl();
  const Tensor view = view_op(self);
  const TensorImpl* v = view.impl();
  if (v == impl) return self;  // a no-op view (transpose of a 0-D tensor)
  impl->set_geometry(v->sizes_, v->strides_, v->offset_);
  if (v->requires_grad_ && v->grad_fn_) {
    // A view of a base tracks the base; a tensor that is its own base only gets the new node
    // (adopting view_base_ would make it its own base).
    impl->grad_fn_ = v->grad_fn_;
    impl->output_nr_ = v->output_nr_;
    impl->requires_grad_ = true;
    if (impl->view_base_) impl->view_base_fn_ = v->view_base_fn_;
  }
  if (autograd::any_tangent(view)) impl->extras().fw_grad = view.impl()->extras_if()->fw_grad;  // the view's
  impl->storage_->bump_version();
  return self;
}

}  // namespace

const Tensor& t_(const Tensor& self, SourceLoc loc) {
  detail::ApiScope scope("t_", loc);
  return restride_inplace(self, "t_", [](const Tensor& s) { return tg::t(s); });
}

const Tensor& transpose_(const Tensor& self, int64_t dim0, int64_t dim1, SourceLoc loc) {
  detail::ApiScope scope("transpose_", loc);
  return restride_inplace(self, "transpose_", [&](const Tensor& s) { return tg::transpose(s, dim0, dim1); });
}

const Tensor& squeeze_(const Tensor& self, SourceLoc loc) {
  detail::ApiScope scope("squeeze_", loc);
  return restride_inplace(self, "squeeze_", [](const Tensor& s) { return tg::squeeze(s); });
}

const Tensor& squeeze_(const Tensor& self, int64_t dim, SourceLoc loc) {
  detail::ApiScope scope("squeeze_", loc);
  return restride_inplace(self, "squeeze_", [&](const Tensor& s) { return tg::squeeze(s, dim); });
}

const Tensor& squeeze_(const Tensor& self, const Shape& dims, SourceLoc loc) {
  detail::ApiScope scope("squeeze_", loc);
  return restride_inplace(self, "squeeze_", [&](const Tensor& s) { return tg::squeeze(s, dims); });
}

const Tensor& unsqueeze_(const Tensor& self, int64_t dim, SourceLoc loc) {
  detail::ApiScope scope("unsqueeze_", loc);
  return restride_inplace(self, "unsqueeze_", [&](const Tensor& s) { return tg::unsqueeze(s, dim); });
}

const Tensor& as_strided_(const Tensor& self, const Shape& sizes, const Shape& strides,
                          std::optional<int64_t> storage_offset, SourceLoc loc) {
  detail::ApiScope scope("as_strided_", loc);
  return restride_inplace(self, "as_strided_",
                          [&](const Tensor& s) { return tg::as_strided(s, sizes, strides, storage_offset); });
}

const Tensor& resize_(const Tensor& self, const Shape& sizes, SourceLoc loc) {
  detail::ApiScope scope("resize_", loc);
  ops::check_defined("resize_", self, "input");
  TensorImpl* impl = self.impl();
  TG_CHECK(!impl->requires_grad_, "resize_: cannot resize a tensor that requires grad (shape {} to {})", impl->sizes_,
           sizes);
  TG_CHECK(!autograd::any_tangent(self),
           "resize_: cannot resize a tensor that has a forward-mode tangent (shape {} to {})", impl->sizes_, sizes);
  for (int d = 0; d < sizes.size(); ++d)
    TG_CHECK_VALUE(sizes[d] >= 0, "resize_: negative size {} in the requested shape {}", sizes[d], sizes);
  const size_t item = itemsize(impl->dtype_);
  const size_t need = static_cast<size_t>(impl->offset_ + sizes.numel()) * item;
  if (need > impl->storage_->nbytes()) {
    // Growing replaces the storage; views of the old one would silently stop sharing with self,
    // so a shared storage is refused where PyTorch would grow it under them.
    TG_CHECK(impl->storage_.use_count() == 1,
             "resize_: growing a tensor whose storage other tensors (views) share is not supported (shape {} to {}, "
             "storage of {} bytes, {} needed); resize a tensor that owns its storage (clone() it first)",
             impl->sizes_, sizes, impl->storage_->nbytes(), need);
    const int64_t old_elems = static_cast<int64_t>(impl->storage_->nbytes() / item);
    Tensor grown = empty({static_cast<int64_t>(need / item)}, self.options());
    if (old_elems > 0) grown.narrow(0, 0, old_elems).copy_(tg::as_strided(self, {old_elems}, {1}, int64_t{0}));
    impl->storage_ = grown.impl()->storage_;
  }
  impl->set_geometry(sizes, contiguous_strides(sizes), impl->offset_);
  impl->storage_->bump_version();
  return self;
}

const Tensor& resize_as_(const Tensor& self, const Tensor& other, SourceLoc loc) {
  detail::ApiScope scope("resize_as_", loc);
  ops::check_defined("resize_as_", other, "the_template");
  return resize_(self, other.sizes(), loc);
}

const Tensor& set_(const Tensor& self, const Tensor& source, SourceLoc loc) {
  detail::ApiScope scope("set_", loc);
  ops::check_defined("set_", self, "input");
  ops::check_defined("set_", source, "source");
  autograd::check_inplace_history(self, "set_");
  TG_CHECK(!autograd::any_tangent(self, source),
           "set_: forward-mode tangents do not follow set_ (the tensor has shape {}, the source {}); exit the dual "
           "level first",
           self.sizes(), source.sizes());
  TG_CHECK_TYPE(self.dtype() == source.dtype(), "set_: the tensor is {} but the source is {}; they must match",
                self.dtype(), source.dtype());
  TensorImpl* impl = self.impl();
  const TensorImpl* src = source.impl();
  if (impl == src) return self;
  impl->storage_ = src->storage_;
  impl->set_geometry(src->sizes_, src->strides_, src->offset_);
  impl->storage_->bump_version();
  return self;
}

const Tensor& set_(const Tensor& self, SourceLoc loc) {
  detail::ApiScope scope("set_", loc);
  ops::check_defined("set_", self, "input");
  autograd::check_inplace_history(self, "set_");
  TG_CHECK(!autograd::any_tangent(self), "set_: cannot empty a tensor that has a forward-mode tangent (shape {})",
           self.sizes());
  TensorImpl* impl = self.impl();
  impl->storage_ = empty({0}, self.options()).impl()->storage_;
  impl->set_geometry({0}, {1}, 0);
  return self;
}

}  // namespace tg
