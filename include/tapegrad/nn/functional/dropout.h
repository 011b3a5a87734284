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
// SELU's dropout: dropped elements become SELU's negative saturation value and the result is
// scaled and shifted so that zero mean and unit variance are kept; feature_alpha_dropout drops
// whole channels of [N, C, ...].
Tensor alpha_dropout(const Tensor& input, double p = 0.5, bool training = false, Generator* generator = nullptr,
                     TG_CALLER);
Tensor feature_alpha_dropout(const Tensor& input, double p = 0.5, bool training = false, Generator* generator = nullptr,
                             TG_CALLER);
// Randomized leaky ReLU: negative inputs times a slope drawn from U(lower, upper) per element in
// training, times (lower + upper) / 2 otherwise.
Tensor rrelu(const Tensor& input, double lower = 1.0 / 8, double upper = 1.0 / 3, bool training = false,
             Generator* generator = nullptr, TG_CALLER);
// softmax((logits + Gumbel noise) / tau) along dim; with hard, the one-hot of its argmax in the
// forward pass and the soft sample's gradient (the straight-through estimator).
Tensor gumbel_softmax(const Tensor& logits, double tau = 1.0, bool hard = false, int64_t dim = -1,
                      Generator* generator = nullptr, TG_CALLER);

}  // namespace tg::nn::functional
