#pragma once
// Gradient clipping (torch.nn.utils.clip_grad_norm_ / clip_grad_value_, and the two halves of
// clip_grad_norm_: get_total_norm and clip_grads_with_norm_).
#include "tapegrad/tensor/tensor.h"

namespace tg::nn::utils {

// Scales the gradients so that their joint p-norm (p = inf: the largest magnitude) is at most
// max_norm; returns the norm before clipping (a 0-dim tensor). Non-finite norms are an error
// when error_if_nonfinite.
Tensor clip_grad_norm_(const tensor_list& parameters, double max_norm, double norm_type = 2.0,
                       bool error_if_nonfinite = false);
// The joint p-norm of `tensors` (p = inf: the largest magnitude) as a 0-dim tensor in the first
// one's dtype (0 for none); non-finite norms are an error when error_if_nonfinite.
Tensor get_total_norm(const tensor_list& tensors, double norm_type = 2.0, bool error_if_nonfinite = false);
// Scales the parameters' gradients by min(1, max_norm / (total_norm + 1e-6)).
void clip_grads_with_norm_(const tensor_list& parameters, double max_norm, const Tensor& total_norm);
// Clamps every gradient element to [-clip_value, clip_value].
void clip_grad_value_(const tensor_list& parameters, double clip_value);

}  // namespace tg::nn::utils
