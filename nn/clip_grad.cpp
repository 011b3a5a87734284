// clip_grad_norm_ and clip_grad_value_, as torch.nn.utils computes them.
#include "tapegrad/nn/clip_grad.h"

#include <cmath>

#include "tapegrad/autograd/grad_mode.h"
#include "tapegrad/tensor/factories.h"
#include "tapegrad/tensor/ops.h"

namespace tg::nn::utils {

namespace {

tensor_list grads_of(const tensor_list& parameters) {
  tensor_list grads;
  for (const Tensor& p : parameters)
    if (p.defined() && p.grad().defined()) grads.push_back(p.grad());
  return grads;
}

Tensor total_norm(const tensor_list& tensors, double norm_type, bool error_if_nonfinite, const char* op) {
  NoGradGuard no_grad;
  tensor_list defined;
  for (const Tensor& t : tensors)
    if (t.defined()) defined.push_back(t);
  if (defined.empty()) return scalar_tensor(0.0);
  const Device device = defined[0].device();
  for (const Tensor& t : defined)
    TG_CHECK(t.device() == device, "{}: tensors are on {} and {}; they must share a device", op, device, t.device());
  Tensor total;
  if (std::isinf(norm_type)) {
    tensor_list maxes;
    for (const Tensor& g : defined) maxes.push_back(g.abs().amax().to(kFloat64));
    total = stack(maxes).amax();
  } else {
    tensor_list norms;
    for (const Tensor& g : defined) norms.push_back(g.norm(norm_type).to(kFloat64));
    total = stack(norms).norm(norm_type);
  }
  if (error_if_nonfinite) {
    const double norm = total.item<double>();
    TG_CHECK(std::isfinite(norm),
             "{}: the total norm of order {} of the gradients is non-finite ({}), so it cannot be clipped", op,
             norm_type, norm);
  }
  return total.to(defined[0].dtype());
}

}  // namespace

Tensor get_total_norm(const tensor_list& tensors, double norm_type, bool error_if_nonfinite) {
  return total_norm(tensors, norm_type, error_if_nonfinite, "get_total_norm");
}

void clip_grads_with_norm_(const tensor_list& parameters, double max_norm, const Tensor& total_norm) {
  NoGradGuard no_grad;
  TG_CHECK_VALUE(total_norm.defined() && total_norm.numel() == 1,
                 "clip_grads_with_norm_: total_norm must be a one-element tensor, got shape {}",
                 total_norm.defined() ? total_norm.sizes() : Shape{});
  const tensor_list grads = grads_of(parameters);
  if (grads.empty()) return;
  // PyTorch multiplies by min(coef, 1) unconditionally; skipping the no-op keeps the values bit-equal.
  const double coef = max_norm / (total_norm.item<double>() + 1e-6);
  if (coef < 1)
    for (const Tensor& g : grads) g.mul_(coef);
}

Tensor clip_grad_norm_(const tensor_list& parameters, double max_norm, double norm_type, bool error_if_nonfinite) {
  const tensor_list grads = grads_of(parameters);
  Tensor total = total_norm(grads, norm_type, error_if_nonfinite, "clip_grad_norm_");
  if (!grads.empty()) clip_grads_with_norm_(parameters, max_norm, total);
  return total;
}

void clip_grad_value_(const tensor_list& parameters, double clip_value) {
  NoGradGuard no_grad;
  for (const Tensor& p : parameters)
    if (p.defined() && p.grad().defined()) p.grad().clamp_(-clip_value, clip_value);
}

}  // namespace tg::nn::utils
