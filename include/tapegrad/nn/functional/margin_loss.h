#pragma once
// Margin, embedding and likelihood losses (torch.nn.functional names, arguments and defaults).
#include <functional>

#include "tapegrad/nn/functional/loss.h"

namespace tg::nn::functional {

// max(0, -target (input1 - input2) + margin); target of 1 or -1 (which input should rank higher).
Tensor margin_ranking_loss(const Tensor& input1, const Tensor& input2, const Tensor& target, double margin = 0,
                           Reduction reduction = Reduction::Mean, TG_CALLER);
// input where target is 1, max(0, margin - input) where it is -1.
Tensor hinge_embedding_loss(const Tensor& input, const Tensor& target, double margin = 1.0,
                            Reduction reduction = Reduction::Mean, TG_CALLER);
// input1, input2 [N, D] (or [D]), target [N] (or []) of 1 or -1: 1 - cos for similar pairs,
// max(0, cos - margin) for dissimilar ones.
Tensor cosine_embedding_loss(const Tensor& input1, const Tensor& input2, const Tensor& target, double margin = 0,
                             Reduction reduction = Reduction::Mean, TG_CALLER);
// log(1 + exp(-target input)), target of 1 or -1.
Tensor soft_margin_loss(const Tensor& input, const Tensor& target, Reduction reduction = Reduction::Mean, TG_CALLER);

struct MultiLabelSoftMarginLossOptions {
  Tensor weight = {};  // a weight per class, broadcast against the input
  Reduction reduction = Reduction::Mean;
};
// input [N, C] (or [C]) logits, target of 0 / 1 per class: the binary cross-entropy of each
// class, averaged over classes.
Tensor multilabel_soft_margin_loss(const Tensor& input, const Tensor& target,
                                   const MultiLabelSoftMarginLossOptions& options = {}, TG_CALLER);

struct MultiMarginLossOptions {
  int64_t p = 1;  // 1 or 2
  double margin = 1;
  Tensor weight = {};  // a weight per class (1-D, size C)
  Reduction reduction = Reduction::Mean;
};
// input [N, C] (or [C]), target int64 class indices [N] (or []): the sum over the other classes
// i of max(0, margin - input[y] + input[i])^p (times weight[y]), divided by C.
Tensor multi_margin_loss(const Tensor& input, const Tensor& target, const MultiMarginLossOptions& options = {},
                         TG_CALLER);
// input [N, C] (or [C]), target int64 [N, C] (or [C]) of class indices, ended by the first -1:
// the sum over those target classes j and the other classes i of max(0, 1 - (input[j] -
// input[i])), divided by C.
Tensor multilabel_margin_loss(const Tensor& input, const Tensor& target, Reduction reduction = Reduction::Mean,
                              TG_CALLER);

struct TripletMarginLossOptions {
  double margin = 1.0;
  double p = 2;       // the norm of pairwise_distance
  double eps = 1e-6;  // added to the differences, as pairwise_distance
  bool swap = false;  // the negative's distance: the smaller of anchor's and positive's
  Reduction reduction = Reduction::Mean;
};
// max(0, margin + d(anchor, positive) - d(anchor, negative)) for [N, D] (or [D]) embeddings.
Tensor triplet_margin_loss(const Tensor& anchor, const Tensor& positive, const Tensor& negative,
                           const TripletMarginLossOptions& options = {}, TG_CALLER);

struct TripletMarginWithDistanceLossOptions {
  // d(x1, x2) of two batches of embeddings, one value per pair; pairwise_distance when empty.
  std::function<Tensor(const Tensor&, const Tensor&)> distance_function = {};
  double margin = 1.0;
  bool swap = false;
  Reduction reduction = Reduction::Mean;
};
Tensor triplet_margin_with_distance_loss(const Tensor& anchor, const Tensor& positive, const Tensor& negative,
                                         const TripletMarginWithDistanceLossOptions& options = {}, TG_CALLER);

struct PoissonNLLLossOptions {
  bool log_input = true;  // input is log(rate): exp(input) - target input; else input - target log(input + eps)
  bool full = false;      // adds Stirling's approximation of log(target!) where target > 1
  double eps = 1e-8;
  Reduction reduction = Reduction::Mean;
};
Tensor poisson_nll_loss(const Tensor& input, const Tensor& target, const PoissonNLLLossOptions& options = {},
                        TG_CALLER);

struct GaussianNLLLossOptions {
  bool full = false;  // adds log(2 pi) / 2
  double eps = 1e-6;  // var is clamped at eps (its gradient passing unchanged, as in PyTorch)
  Reduction reduction = Reduction::Mean;
};
// 0.5 (log(var) + (input - target)^2 / var); var of the input's shape, or without its last dim,
// or with a last dim of 1 (one variance for all of a sample's values).
Tensor gaussian_nll_loss(const Tensor& input, const Tensor& target, const Tensor& var,
                         const GaussianNLLLossOptions& options = {}, TG_CALLER);

}  // namespace tg::nn::functional
