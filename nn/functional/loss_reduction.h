#pragma once
// The losses' reduction, shared by their files.
#include "tapegrad/nn/functional/loss.h"

namespace tg::nn::functional {

// loss itself, its sum, or its mean (the sum over `denominator` when given).
Tensor reduce_loss(const Tensor& loss, Reduction reduction, const Tensor& denominator = {});

}  // namespace tg::nn::functional
