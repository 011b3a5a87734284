// Activation modules.
#include "tapegrad/nn/modules/activation.h"

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

}  // namespace tg::nn
