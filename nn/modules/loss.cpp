// Loss modules: their options, registered weights, and the functional call.
#include "tapegrad/nn/modules/loss.h"

#include <fmt/format.h>

namespace tg::nn {

namespace F = functional;

namespace {
// A weight given in the options becomes the buffer "weight" (or "pos_weight"), bound to the option.
void register_weight(Module& m, const char* name, Tensor& weight) {
  if (weight.defined()) m.register_buffer(name, weight, &weight);
}
}  // namespace

CrossEntropyLossImpl::CrossEntropyLossImpl(F::CrossEntropyOptions options) : LossImpl("CrossEntropyLoss", options) {
  register_weight(*this, "weight", this->options.weight);
}
Tensor CrossEntropyLossImpl::forward(const Tensor& input, const Tensor& target) {
  return F::cross_entropy(input, target, options);
}

NLLLossImpl::NLLLossImpl(F::NLLLossOptions options) : LossImpl("NLLLoss", options) {
  register_weight(*this, "weight", this->options.weight);
}
Tensor NLLLossImpl::forward(const Tensor& input, const Tensor& target) { return F::nll_loss(input, target, options); }

BCELossImpl::BCELossImpl(F::BCELossOptions options) : LossImpl("BCELoss", options) {
  register_weight(*this, "weight", this->options.weight);
}
Tensor BCELossImpl::forward(const Tensor& input, const Tensor& target) {
  return F::binary_cross_entropy(input, target, options);
}

BCEWithLogitsLossImpl::BCEWithLogitsLossImpl(F::BCEWithLogitsLossOptions options)
    : LossImpl("BCEWithLogitsLoss", options) {
  register_weight(*this, "weight", this->options.weight);
  register_weight(*this, "pos_weight", this->options.pos_weight);
}
Tensor BCEWithLogitsLossImpl::forward(const Tensor& input, const Tensor& target) {
  return F::binary_cross_entropy_with_logits(input, target, options);
}

Tensor KLDivLossImpl::forward(const Tensor& input, const Tensor& target) { return F::kl_div(input, target, options); }
Tensor MSELossImpl::forward(const Tensor& input, const Tensor& target) {
  return F::mse_loss(input, target, options.reduction);
}
Tensor L1LossImpl::forward(const Tensor& input, const Tensor& target) {
  return F::l1_loss(input, target, options.reduction);
}
Tensor SmoothL1LossImpl::forward(const Tensor& input, const Tensor& target) {
  return F::smooth_l1_loss(input, target, options.reduction, options.beta);
}
Tensor HuberLossImpl::forward(const Tensor& input, const Tensor& target) {
  return F::huber_loss(input, target, options.reduction, options.delta);
}

}  // namespace tg::nn
