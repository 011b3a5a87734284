#pragma once
// Batching variable-length sequences (torch.nn.utils.rnn.pad_sequence).
#include <string_view>

#include "tapegrad/tensor/tensor.h"

namespace tg::nn::utils::rnn {

// Sequences [L_i, *] (the same trailing shape) padded with padding_value to the longest length
// (at the end, or with padding_side "left" at the start) and stacked: [L, N, *], or [N, L, *]
// with batch_first. Differentiable in the sequences.
Tensor pad_sequence(const tensor_list& sequences, bool batch_first = false, double padding_value = 0.0,
                    std::string_view padding_side = "right");

}  // namespace tg::nn::utils::rnn
