#pragma once
// The representation behind a Tensor handle. Library code reads and writes these fields directly;
// user code goes through Tensor. Included at the end of tensor.h.
#include <atomic>
#include <memory>
#include <string>

namespace tg {
namespace autograd {
class Node;
struct HookList;
}  // namespace autograd

class TensorImpl;
// Rarely used per-tensor state, kept out of line so that most tensors never allocate it.
struct TensorExtras {
  std::shared_ptr<autograd::HookList> hooks;  // hooks of a leaf (non-leaf hooks live on grad_fn)
  std::string name;
  std::shared_ptr<TensorImpl*> weak_self;     // cleared when the impl dies (retain_grad uses it)
  Tensor fw_grad;  // the tangent of forward-mode AD, while a dual level is active (forward_ad.h)
};

class TensorImpl {
 public:
  TensorImpl(IntrusivePtr<StorageImpl> storage, DType dtype, const Shape& sizes, const Shape& strides,
             int64_t offset)
      : storage_(std::move(storage)), dtype_(dtype) {
    set_geometry(sizes, strides, offset);
  }
  ~TensorImpl();
  static void destroy(TensorImpl* p) { delete p; }

  void set_geometry(const Shape& sizes, const Shape& strides, int64_t offset) {
    sizes_ = sizes;
    strides_ = strides;
    offset_ = offset;
    numel_ = sizes.numel();
    contiguous_ = compute_contiguous();
  }
  void* data() const { return static_cast<char*>(storage_->data()) + offset_ * static_cast<int64_t>(itemsize(dtype_)); }
  TensorExtras& extras() {
    if (!extras_) extras_ = std::make_unique<TensorExtras>();
    return *extras_;
  }
  TensorExtras* extras_if() const { return extras_.get(); }

  std::atomic<uint32_t> refs_{0};
  IntrusivePtr<StorageImpl> storage_;
  Shape sizes_;
  Shape strides_;
  int64_t offset_ = 0;  // in elements
  int64_t numel_ = 0;
  DType dtype_;
  bool contiguous_ = true;
  bool requires_grad_ = false;    // leaves: the user's flag; non-leaves: set with grad_fn_
  bool retains_grad_ = false;
  bool wrapped_number_ = false;   // a 0-dim tensor standing for a Python/C++ number in promotion
  uint32_t output_nr_ = 0;        // which output of grad_fn_ this is
  std::shared_ptr<autograd::Node> grad_fn_;
  std::weak_ptr<autograd::Node> grad_accumulator_;  // the AccumulateGrad node of a leaf
  Tensor grad_;
  IntrusivePtr<TensorImpl> view_base_;  // set on tensors made by view ops
  // The base's grad_fn when this view's grad_fn was made: when the base's history changes (an
  // in-place op on it or on another view), the view's grad_fn is remade from the base.
  const autograd::Node* view_base_fn_ = nullptr;

 private:
  bool compute_contiguous() const {
    int64_t expected = 1;
    for (int d = sizes_.size() - 1; d >= 0; --d) {
      if (sizes_[d] == 1) continue;
      if (strides_[d] != expected) return numel_ == 0;
      expected *= sizes_[d];
    }
    return true;
  }
  std::unique_ptr<TensorExtras> extras_;
};

inline int Tensor::dim() const { return impl_->sizes_.size(); }
inline const Shape& Tensor::sizes() const { return impl_->sizes_; }
inline const Shape& Tensor::strides() const { return impl_->strides_; }
inline int64_t Tensor::size(int64_t d) const { return impl_->sizes_[wrap_dim(d, dim(), "size")]; }
inline int64_t Tensor::stride(int64_t d) const { return impl_->strides_[wrap_dim(d, dim(), "stride")]; }
inline int64_t Tensor::numel() const { return impl_->numel_; }
inline DType Tensor::dtype() const { return impl_->dtype_; }
inline Device Tensor::device() const { return impl_->storage_->device(); }
inline bool Tensor::is_contiguous() const { return impl_->contiguous_; }
inline int64_t Tensor::storage_offset() const { return impl_->offset_; }
inline const IntrusivePtr<StorageImpl>& Tensor::storage() const { return impl_->storage_; }
inline uint32_t Tensor::version() const { return impl_->storage_->version(); }
inline bool Tensor::is_view() const { return static_cast<bool>(impl_->view_base_); }
// A view requires grad when its base does, even if the base got its history after the view was
// made (an in-place copy into the base, say); its grad_fn is then derived from the base's.
inline bool Tensor::requires_grad() const {
  return impl_->requires_grad_ || (impl_->view_base_ && impl_->view_base_->requires_grad_);
}
inline uint32_t Tensor::output_nr() const { return impl_->output_nr_; }
inline void* Tensor::raw_data_ptr() const { return impl_->data(); }

namespace detail {
// Copies the elements of `t` in row-major order into `dst`, converted to `dtype`.
void copy_out(const Tensor& t, void* dst, DType dtype);
}  // namespace detail

template <class T>
std::vector<T> Tensor::to_vector() const {
  std::vector<T> out(defined() ? static_cast<size_t>(numel()) : 0);  // copy_out reports an undefined tensor
  if constexpr (std::is_same_v<T, bool>) {
    std::unique_ptr<bool[]> tmp(new bool[out.size()]);
    detail::copy_out(*this, tmp.get(), kBool);
    for (size_t i = 0; i < out.size(); ++i) out[i] = tmp[i];
  } else {
    detail::copy_out(*this, out.data(), dtype_of<T>);
  }
  return out;
}

}  // namespace tg
