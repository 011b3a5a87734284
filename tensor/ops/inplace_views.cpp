// The in-place view ops (t_, transpose_, squeeze_, unsqueeze_, as_strided_): self's handle takes
// the geometry and the history of the view the out-of-place op makes, so every handle to it sees
// the new shape, as in PyTorch. The storage's version is bumped, so a tensor saved for backward
// before the change fails its version check instead of being read with the wrong shape.
#include "autograd/record.h"
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

}  // namespace tg
