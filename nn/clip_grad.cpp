// clip_grad_norm_ and clip_grad_value_, as torch.nn.utils computes them.
#include "tapegrad/nn/clip_grad.h"

#include <cmath>

#include "tapegrad/autograd/grad_mode.h"
#include "tapegrad/tensor/factories.h"
#include "tapegrad/tensor/ops.h"

namespace tg::nn::utils {

Tensor clip_grad_norm_(const tensor_list& parameters, double max_norm, double norm_type, bool error_if_nonfinite) {
  NoGradGuard no_grad;
  tensor_list grads;
  for (const Tensor& p : parameters)
    if (p.defined() && p.grad().defined()) grads.push_back(p.grad());
  if (grads.empty()) return scalar_tensor(0.0);
  Tensor total;
  if (std::isinf(norm_type)) {
    tensor_list maxes;
    for (const Tensor& g : grads) maxes.push_back(g.abs().amax().to(kFloat64));
    total = stack(maxes).amax();
  } else {
    tensor_list norms;
    for (const Tensor& g : grads) norms.push_back(g.norm(norm_type).to(kFloat64));
    total = stack(norms).norm(norm_type);
  }
  const double norm = total.item<double>();
  TG_CHECK(!error_if_nonfinite || std::isfinite(norm),
           "clip_grad_norm_: the total norm of order {} of the gradients is non-finite ({}), so it cannot be clipped",
           norm_type, norm);
  // PyTorch multiplies by min(coef, 1) unconditionally; skipping the no-op keeps the values bit-equal.
  const double coef = max_norm / (norm + 1e-6);
  if (coef < 1)
    for (const Tensor& g : grads) g.mul_(coef);
  return total.to(grads[0].dtype());
}

void clip_grad_value_(const tensor_list& parameters, double clip_value) {
  NoGradGuard no_grad;
  for (const Tensor& p : parameters)
    if (p.defined() && p.grad().defined()) p.grad().clamp_(-clip_value, clip_value);
}

}  // namespace tg::nn::utils
