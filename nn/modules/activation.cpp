// Activation modules.
#include "tapegrad/nn/modules/activation.h"

#include "tapegrad/nn/functional/activation.h"
#include "tapegrad/nn/functional/dropout.h"
#include "tapegrad/tensor/ops.h"

namespace tg::nn {

Tensor ReLUImpl::forward(const Tensor& input) { return relu(input); }
Tensor LeakyReLUImpl::forward(const Tensor& input) { return leaky_relu(input, negative_slope); }
std::string LeakyReLUImpl::extra_repr() const { return fmt::format("negative_slope={}", negative_slope); }
Tensor ELUImpl::forward(const Tensor& input) { return elu(input, alpha); }
std::string ELUImpl::extra_repr() const { return fmt::format("alpha={}", alpha); }
Tensor SoftplusImpl::forward(const Tensor& input) { return softplus(input, beta, threshold); }
std::string SoftplusImpl::extra_repr() const { return fmt::format("beta={}, threshold={}", beta, threshold); }
Tensor GELUImpl::forward(const Tensor& input) { return gelu(input, approximate); }
std::string GELUImpl::extra_repr() const { return "approximate='" + approximate + "'"; }
Tensor SiLUImpl::forward(const Tensor& input) { return silu(input); }
Tensor TanhImpl::forward(const Tensor& input) { return tanh(input); }
Tensor SigmoidImpl::forward(const Tensor& input) { return sigmoid(input); }
Tensor SoftmaxImpl::forward(const Tensor& input) { return softmax(input, dim); }
std::string SoftmaxImpl::extra_repr() const { return fmt::format("dim={}", dim); }
Tensor LogSoftmaxImpl::forward(const Tensor& input) { return log_softmax(input, dim); }
std::string LogSoftmaxImpl::extra_repr() const { return fmt::format("dim={}", dim); }
Tensor Softmax2dImpl::forward(const Tensor& input) {
  TG_CHECK(input.dim() == 3 || input.dim() == 4, "Softmax2d: expected a 3-D or 4-D input, got shape {}", input.sizes());
  return softmax(input, -3);
}

Tensor ReLU6Impl::forward(const Tensor& input) { return relu6(input); }
Tensor SELUImpl::forward(const Tensor& input) { return selu(input); }
Tensor HardsigmoidImpl::forward(const Tensor& input) { return hardsigmoid(input); }
Tensor HardswishImpl::forward(const Tensor& input) { return hardswish(input); }
Tensor MishImpl::forward(const Tensor& input) { return mish(input); }
Tensor LogSigmoidImpl::forward(const Tensor& input) { return functional::logsigmoid(input); }
Tensor SoftsignImpl::forward(const Tensor& input) { return functional::softsign(input); }
Tensor TanhshrinkImpl::forward(const Tensor& input) { return functional::tanhshrink(input); }
Tensor CELUImpl::forward(const Tensor& input) { return celu(input, alpha); }
std::string CELUImpl::extra_repr() const { return fmt::format("alpha={}", alpha); }
Tensor HardtanhImpl::forward(const Tensor& input) { return hardtanh(input, min_val, max_val); }
std::string HardtanhImpl::extra_repr() const { return fmt::format("min_val={}, max_val={}", min_val, max_val); }
Tensor HardshrinkImpl::forward(const Tensor& input) { return functional::hardshrink(input, lambd); }
std::string HardshrinkImpl::extra_repr() const { return fmt::format("{}", lambd); }
Tensor SoftshrinkImpl::forward(const Tensor& input) { return functional::softshrink(input, lambd); }
std::string SoftshrinkImpl::extra_repr() const { return fmt::format("{}", lambd); }
Tensor ThresholdImpl::forward(const Tensor& input) { return functional::threshold(input, threshold, value); }
std::string ThresholdImpl::extra_repr() const { return fmt::format("threshold={}, value={}", threshold, value); }
Tensor GLUImpl::forward(const Tensor& input) { return functional::glu(input, dim); }
std::string GLUImpl::extra_repr() const { return fmt::format("dim={}", dim); }
Tensor SoftminImpl::forward(const Tensor& input) { return functional::softmin(input, dim); }
std::string SoftminImpl::extra_repr() const { return fmt::format("dim={}", dim); }

PReLUImpl::PReLUImpl(int64_t num_parameters, double init) : Module("PReLU"), num_parameters(num_parameters) {
  TG_CHECK_VALUE(num_parameters > 0, "PReLU: num_parameters must be positive, got {}", num_parameters);
  register_parameter("weight", full({num_parameters}, init), &weight);
}
Tensor PReLUImpl::forward(const Tensor& input) { return functional::prelu(input, weight); }
std::string PReLUImpl::extra_repr() const { return fmt::format("num_parameters={}", num_parameters); }

Tensor RReLUImpl::forward(const Tensor& input) {
  return functional::rrelu(input, lower, upper, is_training(), generator);
}
std::string RReLUImpl::extra_repr() const { return fmt::format("lower={}, upper={}", lower, upper); }

}  // namespace tg::nn
