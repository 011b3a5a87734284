#pragma once
// Reductions for other layers' fused forms, without autograd.
#include "tapegrad/tensor/tensor.h"

namespace tg::ops {

// The sum of the squares of all elements of a floating-point tensor, in one pass (no tensor of
// squares), as a 0-dim tensor of its dtype; 16-bit dtypes accumulate in float32.
Tensor sum_squares(const Tensor& self);

}  // namespace tg::ops
