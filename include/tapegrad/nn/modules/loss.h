#pragma once
// Loss modules (torch.nn's names): each holds its functional form's options and calls it, so
// criterion(output, target) reads as in PyTorch. Class weights are registered buffers, so that
// module.to(device) moves them.
#include "tapegrad/nn/functional/loss.h"
#include "tapegrad/nn/module.h"

namespace tg::nn {

// One loss module: the options of its functional form and the call that uses them.
template <class Options>
class LossImpl : public Module {
 public:
  TG_CLONEABLE
  LossImpl(const char* name, Options options) : Module(name), options(std::move(options)) {}
  using Module::forward;
  Options options;
};

class CrossEntropyLossImpl : public LossImpl<functional::CrossEntropyOptions> {
 public:
  TG_CLONEABLE
  explicit CrossEntropyLossImpl(functional::CrossEntropyOptions options = {});
  Tensor forward(const Tensor& input, const Tensor& target);
};
TG_MODULE(CrossEntropyLoss);

class NLLLossImpl : public LossImpl<functional::NLLLossOptions> {
 public:
  TG_CLONEABLE
  explicit NLLLossImpl(functional::NLLLossOptions options = {});
  Tensor forward(const Tensor& input, const Tensor& target);
};
TG_MODULE(NLLLoss);

class BCELossImpl : public LossImpl<functional::BCELossOptions> {
 public:
  TG_CLONEABLE
  explicit BCELossImpl(functional::BCELossOptions options = {});
  Tensor forward(const Tensor& input, const Tensor& target);
};
TG_MODULE(BCELoss);

class BCEWithLogitsLossImpl : public LossImpl<functional::BCEWithLogitsLossOptions> {
 public:
  TG_CLONEABLE
  explicit BCEWithLogitsLossImpl(functional::BCEWithLogitsLossOptions options = {});
  Tensor forward(const Tensor& input, const Tensor& target);
};
TG_MODULE(BCEWithLogitsLoss);

class KLDivLossImpl : public LossImpl<functional::KLDivLossOptions> {
 public:
  TG_CLONEABLE
  explicit KLDivLossImpl(functional::KLDivLossOptions options = {}) : LossImpl("KLDivLoss", options) {}
  Tensor forward(const Tensor& input, const Tensor& target);
};
TG_MODULE(KLDivLoss);

struct RegressionLossOptions {
  functional::Reduction reduction = functional::Reduction::Mean;
  double beta = 1.0;   // SmoothL1Loss only
  double delta = 1.0;  // HuberLoss only
};

class MSELossImpl : public LossImpl<RegressionLossOptions> {
 public:
  TG_CLONEABLE
  explicit MSELossImpl(RegressionLossOptions options = {}) : LossImpl("MSELoss", options) {}
  Tensor forward(const Tensor& input, const Tensor& target);
};
TG_MODULE(MSELoss);

class L1LossImpl : public LossImpl<RegressionLossOptions> {
 public:
  TG_CLONEABLE
  explicit L1LossImpl(RegressionLossOptions options = {}) : LossImpl("L1Loss", options) {}
  Tensor forward(const Tensor& input, const Tensor& target);
};
TG_MODULE(L1Loss);

class SmoothL1LossImpl : public LossImpl<RegressionLossOptions> {
 public:
  TG_CLONEABLE
  explicit SmoothL1LossImpl(RegressionLossOptions options = {}) : LossImpl("SmoothL1Loss", options) {}
  Tensor forward(const Tensor& input, const Tensor& target);
};
TG_MODULE(SmoothL1Loss);

class HuberLossImpl : public LossImpl<RegressionLossOptions> {
 public:
  TG_CLONEABLE
  explicit HuberLossImpl(RegressionLossOptions options = {}) : LossImpl("HuberLoss", options) {}
  Tensor forward(const Tensor& input, const Tensor& target);
};
TG_MODULE(HuberLoss);

}  // namespace tg::nn
