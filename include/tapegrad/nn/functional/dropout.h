#pragma once
// Dropout and other random regularisers (torch.nn.functional names and defaults).
#include "tapegrad/tensor/generator.h"
#include "tapegrad/tensor/tensor.h"

namespace tg::nn::functional {

// Training: zeroes each element with probability p and scales the rest by 1 / (1 - p), drawing
// from `generator` (the default generator when null). Eval: returns the input.
Tensor dropout(const Tensor& input, double p = 0.5, bool training = true, Generator* generator = nullptr, TG_CALLER);
// Channel dropout: whole channels of [N, C, L] or [C, L] (dropout1d), [N, C, H, W] or [C, H, W]
// (dropout2d), [N, C, D, H, W] or [C, D, H, W] (dropout3d) are zeroed together, the others
// scaled by 1 / (1 - p).
Tensor dropout1d(const Tensor& input, double p = 0.5, bool training = true, Generator* generator = nullptr,
                 TG_CALLER);
Tensor dropout2d(const Tensor& input, double p = 0.5, bool training = true, Generator* generator = nullptr,
                 TG_CALLER);
Tensor dropout3d(const Tensor& input, double p = 0.5, bool training = true, Generator* generator = nullptr, TG_CALLER);

}  // namespace tg::nn::functional
