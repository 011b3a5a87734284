#pragma once
// Gradient clipping (torch.nn.utils.clip_grad_norm_ / clip_grad_value_).
#include "tapegrad/tensor/tensor.h"

namespace tg::nn::utils {

// Scales the gradients so that their joint p-norm (p = inf: the largest magnitude) is at most
// max_norm; returns the norm before clipping (a 0-dim tensor). Non-finite norms are an error
// when error_if_nonfinite.
Tensor clip_grad_norm_(const tensor_list& parameters, double max_norm, double norm_type = 2.0,
                       bool error_if_nonfinite = false);
// Clamps every gradient element to [-clip_value, clip_value].
void clip_grad_value_(const tensor_list& parameters, double clip_value);

}  // namespace tg::nn::utils
