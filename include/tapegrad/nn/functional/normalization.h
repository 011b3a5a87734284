#pragma once
// Normalisation layers' functional forms (torch.nn.functional names and defaults).
#include <optional>

#include "tapegrad/tensor/tensor.h"

namespace tg::nn::functional {

struct BatchNormOptions {
  Tensor weight = {};  // [C] scale (gamma), optional
  Tensor bias = {};    // [C] shift (beta), optional
  bool training = false;
  double momentum = 0.1;  // running = (1 - momentum) * running + momentum * batch statistic
  double eps = 1e-5;
};
// input [N, C, ...]. Training: normalises with the batch's statistics (biased variance) and,
// when given, updates running_mean / running_var in place (unbiased variance). Eval: uses
// the running statistics, which must then be given.
Tensor batch_norm(const Tensor& input, const Tensor& running_mean, const Tensor& running_var,
                  const BatchNormOptions& options = {}, TG_CALLER);

// Normalises over the trailing dims `normalized_shape`; weight and bias have that shape.
Tensor layer_norm(const Tensor& input, const Shape& normalized_shape, const Tensor& weight = {},
                  const Tensor& bias = {}, double eps = 1e-5, TG_CALLER);

// Scales by the reciprocal root mean square over the trailing dims `normalized_shape` (no
// centring); eps defaults to the dtype's machine epsilon, as in PyTorch.
Tensor rms_norm(const Tensor& input, const Shape& normalized_shape, const Tensor& weight = {},
                std::optional<double> eps = std::nullopt, TG_CALLER);

// input [N, C, ...]: normalises each sample's channel over its spatial dims. With running
// statistics given and use_input_stats, they are updated in place (the batch's mean of the
// per-sample statistics, unbiased variance); without use_input_stats they normalise instead.
struct InstanceNormOptions {
  Tensor running_mean = {}, running_var = {}, weight = {}, bias = {};
  bool use_input_stats = true;
  double momentum = 0.1;
  double eps = 1e-5;
};
Tensor instance_norm(const Tensor& input, const InstanceNormOptions& options = {}, TG_CALLER);

// input [N, C, ...]: normalises each of `num_groups` channel groups; weight and bias are [C].
Tensor group_norm(const Tensor& input, int64_t num_groups, const Tensor& weight = {}, const Tensor& bias = {},
                  double eps = 1e-5, TG_CALLER);

// Local response normalization across channels of [N, C, ...]: x / (k + alpha * mean of x^2 over
// `size` neighbouring channels)^beta (PyTorch's form, the window zero-padded).
Tensor local_response_norm(const Tensor& input, int64_t size, double alpha = 1e-4, double beta = 0.75, double k = 1.0,
                           TG_CALLER);

}  // namespace tg::nn::functional
