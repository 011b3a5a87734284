#pragma once
// torch's inplace flag on the layers whose op has no in-place kernel (Threshold, RReLU, the dropouts).
#include "tapegrad/tensor/tensor.h"

namespace tg::nn::detail {

// The result, or the input overwritten with it when inplace is set.
inline Tensor written_back(bool inplace, const Tensor& input, const Tensor& result) {
  return inplace && !result.is_same(input) ? input.copy_(result) : result;
}

}  // namespace tg::nn::detail
