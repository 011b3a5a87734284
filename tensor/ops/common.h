#pragma once
// Helpers shared by the op front ends: allocation, raw views, elementwise loops, type promotion,
// device checks. Nothing here records for autograd.
#include <initializer_list>

#include "kernels/kernels.h"
#include "tapegrad/tensor/tensor.h"
#include "tensor/thread_state.h"

namespace tg::ops {

// A fresh contiguous tensor (no checks beyond allocation).
Tensor empty(const Shape& sizes, DType dtype, Device device);
// The strides of a fresh elementwise result: the memory order of the first input that has the
// result's shape and is neither contiguous nor expanded, laid out densely, as PyTorch keeps a
// permuted input's layout (x.permute(...) + 1 is then one linear pass, not a transposing copy);
// contiguous when the first full-shape input is contiguous or none has the full shape.
Shape result_strides(const Shape& sizes, std::initializer_list<const Tensor*> inputs);
// A fresh tensor with result_strides(sizes, inputs).
Tensor empty_like_inputs(const Shape& sizes, DType dtype, Device device, std::initializer_list<const Tensor*> inputs);
// `format` as the layout of a new tensor of `sizes` that op makes: channels_last needs 4 dims,
// channels_last_3d 5, and preserve_format (which needs an input to copy) is refused.
void check_layout(const char* op, const Shape& sizes, MemoryFormat format);
// The dense strides of `sizes` in a format (contiguous_format or channels_last(_3d)).
Shape format_strides(const Shape& sizes, MemoryFormat format);
// A tensor over the same storage with other geometry; not a view for autograd purposes.
Tensor alias(const Tensor& t);
Tensor alias(const Tensor& t, const Shape& sizes, const Shape& strides, int64_t offset);
// A 0-dim tensor standing for a number in type promotion.
Tensor wrapped_scalar(const Scalar& s, DType dtype, Device device);

// The elementwise loop writing `out` from `inputs` broadcast to out's shape.
kernels::Loop make_loop(const Tensor& out, std::initializer_list<const Tensor*> inputs);

// Conversion without autograd (returns t itself when the dtype already matches). Complex to real
// is refused (naming the public op, which then has no complex support) unless the caller asks
// for the real part (Tensor::to and copy_ called by the user, not by another op).
Tensor cast(const Tensor& t, DType dtype, bool keep_real_part = false);
// Contiguous copy without autograd (t itself when already contiguous).
Tensor contiguous(const Tensor& t);
// A copy in fresh memory, without autograd.
Tensor clone_raw(const Tensor& t);
// Inside an autocast region for t's device type: t cast (recorded) to the region's 16-bit dtype
// (lower) or from a 16-bit dtype to float32 (float32); t itself otherwise.
Tensor autocast_lower(const Tensor& t);
Tensor autocast_float32(const Tensor& t);
// A contiguous copy of t on `device` (no autograd).
Tensor to_device(const Tensor& t, Device device);
// dst (any strides) <- src broadcast and converted; no autograd, no version bump.
void copy_into(const Tensor& dst, const Tensor& src, bool keep_real_part = false);
void fill_into(const Tensor& dst, const Scalar& value);

void check_same_device(const char* op, const Tensor& a, const Tensor& b);
void check_defined(const char* op, const Tensor& t, const char* what);
// t defined and of a floating-point dtype; `what` names it in the error ("input", "weight").
void check_floating(const char* op, const Tensor& t, const char* what = "tensor");

// PyTorch's result_type: dimensioned tensors outrank 0-dim tensors, which outrank numbers,
// unless a lower group holds a higher category (bool < integer < floating).
class ResultType {
 public:
  void add(const Tensor& t);
  void add(const Scalar& s);
  DType result() const;

 private:
  static constexpr int kNone = -1;
  static void merge(int& slot, DType t) {
    slot = slot == kNone ? static_cast<int>(t) : static_cast<int>(promote_types(static_cast<DType>(slot), t));
  }
  int dim_ = kNone, zero_ = kNone, wrapped_ = kNone;
};
DType result_type(const Tensor& a, const Tensor& b);
DType result_type(const Tensor& a, const Scalar& b);

// [outer, dim, inner] of contiguous tensors: `sizes` in, the same sizes with dim `d` of size
// `out_size` out.
kernels::DimGeometry dim_geometry(const Shape& sizes, int d, int64_t out_size);

// Bumps the version of a tensor modified in place.
inline void bump_version(const Tensor& t) { t.storage()->bump_version(); }

// A fused op of three operands (kernels::TernaryOp) in dtype `dt` over their broadcast shape,
// recorded for autograd: addcmul, addcdiv, lerp and nn's prelu.
Tensor ternary(kernels::TernaryOp op, const char* name, const Tensor& a, const Tensor& b, const Tensor& c,
               const Scalar& value, DType dt);

// A fused activation (kernels::ActivationOp) of a floating-point tensor, recorded for autograd:
// for the nn functions and losses on those kernels that have no tg:: function of their own.
Tensor fused_activation(kernels::ActivationOp op, const char* name, const Tensor& self,
                        const kernels::ActivationParams& p);

}  // namespace tg::ops
