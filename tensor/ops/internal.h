#pragma once
// Differentiable building blocks used by backward formulas, not part of the public API.
#include "tapegrad/tensor/tensor.h"

namespace tg::ops {

// Sums `grad` over the dims it was broadcast along so that it gets `shape` (differentiable).
Tensor sum_to_shape(const Tensor& grad, const Shape& shape);
// A copy of `base` whose region (sizes, strides, offset relative to a contiguous base) is
// replaced by `src` (or has `src` added, with accumulate; overlapping regions add up).
// Differentiable in base and src.
Tensor strided_scatter(const Tensor& base, const Tensor& src, const Shape& sizes, const Shape& strides,
                       int64_t offset, bool accumulate);

}  // namespace tg::ops
