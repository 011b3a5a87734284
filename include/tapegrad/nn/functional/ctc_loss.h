#pragma once
// Connectionist temporal classification loss (torch.nn.functional.ctc_loss's arguments and
// defaults): the negative log-likelihood of each target over all its alignments to the input.
#include "tapegrad/nn/functional/loss.h"

namespace tg::nn::functional {

struct CTCLossOptions {
  int64_t blank = 0;              // the blank class
  Reduction reduction = Reduction::Mean;  // Mean divides each loss by its target length, then averages
  bool zero_infinity = false;     // impossible alignments give 0 (and no gradient) instead of inf
};

// log_probs [T, N, C] (or unbatched [T, C]): log-probabilities, usually log_softmax's output.
// targets: [N, S] padded class indices, or 1-D with the targets concatenated; input_lengths and
// target_lengths: [N] integers (or 0-D unbatched). The gradient is the true one with respect to
// log_probs (PyTorch's kernel returns it plus exp(log_probs), which log_softmax's backward cancels:
// through log_softmax both give the same logits' gradient).
Tensor ctc_loss(const Tensor& log_probs, const Tensor& targets, const Tensor& input_lengths,
                const Tensor& target_lengths, const CTCLossOptions& options = {}, TG_CALLER);

}  // namespace tg::nn::functional
