#pragma once
// Lookup tables and encodings (torch.nn.functional names).
#include <optional>
#include <string>

#include "tapegrad/tensor/tensor.h"

namespace tg::nn::functional {

// Rows of weight [num_embeddings, dim] picked by int64 indices of any shape -> [..., dim]. The
// row at padding_idx gets no gradient.
Tensor embedding(const Tensor& input, const Tensor& weight, std::optional<int64_t> padding_idx = std::nullopt,
                 TG_CALLER);

// Sums, means or maxima of bags of embeddings, without the [bags, bag size, dim] tensor in
// between for sum and mean. A 2-D input [B, L] is B bags of L indices; a 1-D input is cut into
// bags where `offsets` (1-D int) says, each bag running to the next offset (with
// include_last_offset, offsets has B + 1 entries, the last the input's length). An empty bag
// gives zeros. per_sample_weights (input's shape) scale each row in "sum" mode; padding_idx rows
// are left out (and not counted in a mean). Returns [B, dim].
struct EmbeddingBagOptions {
  Tensor offsets = {};
  std::string mode = "mean";  // "sum", "mean" or "max"
  Tensor per_sample_weights = {};
  bool include_last_offset = false;
  std::optional<int64_t> padding_idx = {};
};
Tensor embedding_bag(const Tensor& input, const Tensor& weight, const EmbeddingBagOptions& options = {}, TG_CALLER);

// int64 [..., num_classes] with a 1 at each index; num_classes = -1 means max(input) + 1.
Tensor one_hot(const Tensor& input, int64_t num_classes = -1, TG_CALLER);

}  // namespace tg::nn::functional
