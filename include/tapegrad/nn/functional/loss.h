#pragma once
// Classification losses (torch.nn.functional names, arguments and defaults).
#include "tapegrad/tensor/tensor.h"

namespace tg::nn::functional {

enum class Reduction { None, Mean, Sum };

struct NLLLossOptions {
  Tensor weight = {};          // a weight per class (1-D, size C), or undefined for all ones
  int64_t ignore_index = -100;  // targets equal to this contribute nothing
  Reduction reduction = Reduction::Mean;
};
// input: log-probabilities [N, C] or [N, C, d1, ...] (or [C]); target: int64 class indices
// [N] or [N, d1, ...] (or []). The mean divides by the summed weights of counted targets.
Tensor nll_loss(const Tensor& input, const Tensor& target, const NLLLossOptions& options = {}, TG_CALLER);

struct CrossEntropyOptions {
  Tensor weight = {};
  int64_t ignore_index = -100;
  Reduction reduction = Reduction::Mean;
  double label_smoothing = 0.0;
};
// input: unnormalised logits, class dim 1 (or 0 for unbatched input). target: class indices
// (int64) or class probabilities (floating, same shape as input). Computed through log_softmax,
// so large logits do not overflow.
Tensor cross_entropy(const Tensor& input, const Tensor& target, const CrossEntropyOptions& options = {},
                     TG_CALLER);

}  // namespace tg::nn::functional

namespace tg {
namespace F = nn::functional;
}
