#pragma once
// Lookup tables and encodings (torch.nn.functional names).
#include <optional>

#include "tapegrad/tensor/tensor.h"

namespace tg::nn::functional {

// Rows of weight [num_embeddings, dim] picked by int64 indices of any shape -> [..., dim]. The
// row at padding_idx gets no gradient.
Tensor embedding(const Tensor& input, const Tensor& weight, std::optional<int64_t> padding_idx = std::nullopt,
                 TG_CALLER);

// int64 [..., num_classes] with a 1 at each index; num_classes = -1 means max(input) + 1.
Tensor one_hot(const Tensor& input, int64_t num_classes = -1, TG_CALLER);

}  // namespace tg::nn::functional
