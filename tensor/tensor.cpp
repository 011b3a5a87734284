// Tensor and TensorImpl basics: destruction, element access, data pointers.
#include <cstring>

#include "tapegrad/tensor/ops.h"
#include "tensor/ops/common.h"

namespace tg {

TensorImpl::~TensorImpl() {
  if (extras_ && extras_->weak_self) *extras_->weak_self = nullptr;
}

void Tensor::check_data_ptr(DType requested, const char* what) const {
  TG_CHECK(defined(), "{}: the tensor is undefined", what);
  TG_CHECK_TYPE(requested == dtype(), "{}: requested element type {} but the tensor has dtype {}", what, requested,
                dtype());
}

Tensor Tensor::base() const { return impl_->view_base_ ? Tensor(impl_->view_base_) : Tensor(); }

bool Tensor::is_inference() const { return defined() && impl_->storage_ && impl_->storage_->inference(); }

Scalar Tensor::item(SourceLoc) const {
  TG_CHECK(defined(), "item: the tensor is undefined");
  TG_CHECK_VALUE(numel() == 1, "item: only one-element tensors can be converted to a number; the tensor has shape {}",
                 sizes());
  Tensor cpu_t = is_cpu() ? *this : ops::to_device(*this, Device::cpu());  // no autograd node for a number
  switch (dtype()) {
    case kBool: return Scalar(*static_cast<const bool*>(cpu_t.data_ptr()));
    case kFloat16:
    case kBFloat16:
    case kFloat32:
    case kFloat64: return Scalar(ops::cast(ops::alias(cpu_t), kFloat64).data_ptr<double>()[0]);
    case kComplex64:
    case kComplex128:
      return Scalar(ops::cast(ops::alias(cpu_t), kComplex128).data_ptr<std::complex<double>>()[0]);
    default: return Scalar(ops::cast(ops::alias(cpu_t), kInt64).data_ptr<int64_t>()[0]);
  }
}

Tensor Tensor::operator[](int64_t index) const { return select(0, index); }

namespace detail {
void copy_out(const Tensor& t, void* dst, DType dtype) {
  TG_CHECK(t.defined(), "to_vector: the tensor is undefined");
  Tensor c = ops::contiguous(ops::cast(ops::alias(t.is_cpu() ? t : ops::to_device(t, Device::cpu())), dtype));
  if (c.numel() == 0) return;  // dst (an empty vector's data) may be null, which memcpy forbids
  std::memcpy(dst, c.data_ptr(), static_cast<size_t>(c.numel()) * itemsize(dtype));
}
}  // namespace detail

}  // namespace tg
