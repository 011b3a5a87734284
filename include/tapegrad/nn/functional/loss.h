#pragma once
// Losses (torch.nn.functional names, arguments and defaults).
#include "tapegrad/tensor/tensor.h"

namespace tg::nn::functional {

// BatchMean (sum / batch size) is kl_div's alone.
enum class Reduction { None, Mean, Sum, BatchMean };

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

// Regression losses: input and target broadcast against each other (same shape expected).
Tensor mse_loss(const Tensor& input, const Tensor& target, Reduction reduction = Reduction::Mean, TG_CALLER);
Tensor l1_loss(const Tensor& input, const Tensor& target, Reduction reduction = Reduction::Mean, TG_CALLER);
// Quadratic below beta (0.5 d^2 / beta), linear above (|d| - 0.5 beta); beta = 0 is l1_loss.
// 0.5 d^2 where |d| < delta, else delta (|d| - 0.5 delta), d = input - target; delta > 0.
Tensor huber_loss(const Tensor& input, const Tensor& target, Reduction reduction = Reduction::Mean, double delta = 1.0,
                  TG_CALLER);
Tensor smooth_l1_loss(const Tensor& input, const Tensor& target, Reduction reduction = Reduction::Mean,
                      double beta = 1.0, TG_CALLER);

struct BCELossOptions {
  Tensor weight = {};  // broadcast to the input's shape
  Reduction reduction = Reduction::Mean;
};
// input: probabilities in [0, 1]; log terms are clamped at -100 as in PyTorch.
Tensor binary_cross_entropy(const Tensor& input, const Tensor& target, const BCELossOptions& options = {}, TG_CALLER);

struct BCEWithLogitsLossOptions {
  Tensor weight = {};
  Tensor pos_weight = {};  // weight of positive examples, broadcast along the last (class) dim
  Reduction reduction = Reduction::Mean;
};
// input: logits; computed in the log-sum-exp form, so large logits do not overflow.
Tensor binary_cross_entropy_with_logits(const Tensor& input, const Tensor& target,
                                        const BCEWithLogitsLossOptions& options = {}, TG_CALLER);

struct KLDivLossOptions {
  Reduction reduction = Reduction::Mean;  // BatchMean gives the true KL divergence per sample
  bool log_target = false;
};
// input: log-probabilities; target: probabilities (log-probabilities when log_target).
Tensor kl_div(const Tensor& input, const Tensor& target, const KLDivLossOptions& options = {}, TG_CALLER);

}  // namespace tg::nn::functional

namespace tg {
namespace F = nn::functional;
}
