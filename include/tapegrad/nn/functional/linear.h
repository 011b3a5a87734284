#pragma once
// Affine maps (torch.nn.functional names): linear y = x W^T + b, bilinear y = x1^T A x2 + b.
#include "tapegrad/tensor/tensor.h"

namespace tg::nn::functional {

// input [..., in], weight [out, in], bias [out] (optional) -> [..., out].
Tensor linear(const Tensor& input, const Tensor& weight, const Tensor& bias = {}, TG_CALLER);
// input1 [..., in1], input2 [..., in2], weight [out, in1, in2], bias [out] -> [..., out].
Tensor bilinear(const Tensor& input1, const Tensor& input2, const Tensor& weight, const Tensor& bias = {}, TG_CALLER);

}  // namespace tg::nn::functional
