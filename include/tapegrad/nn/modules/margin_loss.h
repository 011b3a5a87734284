#pragma once
// Modules of the margin, embedding and likelihood losses (torch.nn's names), each calling its
// functional form with its options: criterion(input, target), or (input1, input2, target) for
// the pairwise losses, (anchor, positive, negative) for the triplet losses and (input, target,
// var) for GaussianNLLLoss, (log_probs, targets, input_lengths, target_lengths) for CTCLoss.
#include "tapegrad/nn/functional/ctc_loss.h"
#include "tapegrad/nn/functional/margin_loss.h"
#include "tapegrad/nn/modules/loss.h"

namespace tg::nn {

struct MarginLossOptions {
  double margin = 0;  // HingeEmbeddingLoss's default is 1
  functional::Reduction reduction = functional::Reduction::Mean;
};

class MarginRankingLossImpl : public LossImpl<MarginLossOptions> {
 public:
  TG_CLONEABLE
  explicit MarginRankingLossImpl(MarginLossOptions options = {}) : LossImpl("MarginRankingLoss", options) {}
  Tensor forward(const Tensor& input1, const Tensor& input2, const Tensor& target);
};
TG_MODULE(MarginRankingLoss);

class HingeEmbeddingLossImpl : public LossImpl<MarginLossOptions> {
 public:
  TG_CLONEABLE
  explicit HingeEmbeddingLossImpl(MarginLossOptions options = {.margin = 1.0})
      : LossImpl("HingeEmbeddingLoss", options) {}
  Tensor forward(const Tensor& input, const Tensor& target);
};
TG_MODULE(HingeEmbeddingLoss);

class CosineEmbeddingLossImpl : public LossImpl<MarginLossOptions> {
 public:
  TG_CLONEABLE
  explicit CosineEmbeddingLossImpl(MarginLossOptions options = {}) : LossImpl("CosineEmbeddingLoss", options) {}
  Tensor forward(const Tensor& input1, const Tensor& input2, const Tensor& target);
};
TG_MODULE(CosineEmbeddingLoss);

class SoftMarginLossImpl : public LossImpl<functional::Reduction> {
 public:
  TG_CLONEABLE
  explicit SoftMarginLossImpl(functional::Reduction reduction = functional::Reduction::Mean)
      : LossImpl("SoftMarginLoss", reduction) {}
  Tensor forward(const Tensor& input, const Tensor& target);
};
TG_MODULE(SoftMarginLoss);

class MultiLabelMarginLossImpl : public LossImpl<functional::Reduction> {
 public:
  TG_CLONEABLE
  explicit MultiLabelMarginLossImpl(functional::Reduction reduction = functional::Reduction::Mean)
      : LossImpl("MultiLabelMarginLoss", reduction) {}
  Tensor forward(const Tensor& input, const Tensor& target);
};
TG_MODULE(MultiLabelMarginLoss);

class MultiLabelSoftMarginLossImpl : public LossImpl<functional::MultiLabelSoftMarginLossOptions> {
 public:
  TG_CLONEABLE
  explicit MultiLabelSoftMarginLossImpl(functional::MultiLabelSoftMarginLossOptions options = {});
  Tensor forward(const Tensor& input, const Tensor& target);
};
TG_MODULE(MultiLabelSoftMarginLoss);

class MultiMarginLossImpl : public LossImpl<functional::MultiMarginLossOptions> {
 public:
  TG_CLONEABLE
  explicit MultiMarginLossImpl(functional::MultiMarginLossOptions options = {});
  Tensor forward(const Tensor& input, const Tensor& target);
};
TG_MODULE(MultiMarginLoss);

class TripletMarginLossImpl : public LossImpl<functional::TripletMarginLossOptions> {
 public:
  TG_CLONEABLE
  explicit TripletMarginLossImpl(functional::TripletMarginLossOptions options = {})
      : LossImpl("TripletMarginLoss", options) {}
  Tensor forward(const Tensor& anchor, const Tensor& positive, const Tensor& negative);
};
TG_MODULE(TripletMarginLoss);

class TripletMarginWithDistanceLossImpl : public LossImpl<functional::TripletMarginWithDistanceLossOptions> {
 public:
  TG_CLONEABLE
  explicit TripletMarginWithDistanceLossImpl(functional::TripletMarginWithDistanceLossOptions options = {})
      : LossImpl("TripletMarginWithDistanceLoss", std::move(options)) {}
  Tensor forward(const Tensor& anchor, const Tensor& positive, const Tensor& negative);
};
TG_MODULE(TripletMarginWithDistanceLoss);

class PoissonNLLLossImpl : public LossImpl<functional::PoissonNLLLossOptions> {
 public:
  TG_CLONEABLE
  explicit PoissonNLLLossImpl(functional::PoissonNLLLossOptions options = {}) : LossImpl("PoissonNLLLoss", options) {}
  Tensor forward(const Tensor& input, const Tensor& target);
};
TG_MODULE(PoissonNLLLoss);

class GaussianNLLLossImpl : public LossImpl<functional::GaussianNLLLossOptions> {
 public:
  TG_CLONEABLE
  explicit GaussianNLLLossImpl(functional::GaussianNLLLossOptions options = {})
      : LossImpl("GaussianNLLLoss", options) {}
  Tensor forward(const Tensor& input, const Tensor& target, const Tensor& var);
};
TG_MODULE(GaussianNLLLoss);

class CTCLossImpl : public LossImpl<functional::CTCLossOptions> {
 public:
  TG_CLONEABLE
  explicit CTCLossImpl(functional::CTCLossOptions options = {}) : LossImpl("CTCLoss", options) {}
  Tensor forward(const Tensor& log_probs, const Tensor& targets, const Tensor& input_lengths,
                 const Tensor& target_lengths);
};
TG_MODULE(CTCLoss);

}  // namespace tg::nn
