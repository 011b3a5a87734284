#pragma once
// cross_entropy of a linear layer's logits, as torch.nn.functional.linear_cross_entropy: with a
// chunk size, the rows go through in chunks, so that the [N, C] logits (an LLM's vocabulary head:
// C in the hundreds of thousands) never exist at once.
#include "tapegrad/nn/functional/loss.h"

namespace tg::nn::functional {

struct LinearCrossEntropyOptions {
  Tensor linear_bias = {};        // (C,) or (C, d1, ..., dK), as linear_weight
  CrossEntropyOptions loss = {};  // class weights, ignore_index, reduction, label smoothing
  // 0: the reference path, linear then cross_entropy (all of autograd, double backward included).
  // Else rows per chunk (-1: chosen so that a chunk's logits take about 32 MiB). The chunked
  // path computes the gradients of input, weight and bias during the forward pass (memory: theirs,
  // not the logits') and scales them in backward; it does not support double backward. It applies
  // to 2-D input, (C, in) weight, (C,) bias, class-index targets and 'mean' or 'sum'; other
  // calls take the reference path.
  int64_t chunk_size = 0;
};

// input (N, in) or (in); linear_weight (C, in) or (C, d1, ..., dK, in); target as cross_entropy's
// for logits (N, C, d1, ..., dK).
Tensor linear_cross_entropy(const Tensor& input, const Tensor& linear_weight, const Tensor& target,
                            const LinearCrossEntropyOptions& options = {}, TG_CALLER);

}  // namespace tg::nn::functional
