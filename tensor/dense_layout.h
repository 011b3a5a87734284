#pragma once
// Whether a tensor's elements fill its storage span without gaps or overlaps in some order of its
// dims: then a copy (clone, the _like factories under preserve_format) can keep its strides.
#include "tapegrad/tensor/tensor.h"

namespace tg::ops {
bool non_overlapping_and_dense(const Tensor& t);
}  // namespace tg::ops
