// Activation modules.
#include "tapegrad/nn/modules/activation.h"

#include "repr.h"
#include "tapegrad/nn/functional/activation.h"
#include "tapegrad/nn/functional/dropout.h"
#include "tapegrad/tensor/ops.h"
#include "written_back.h"

namespace tg::nn {

using detail::py_float;
using detail::written_back;

// torch's inplace flag: the in-place op, which overwrites and returns the input.
Tensor ReLUImpl::forward(const Tensor& input) { return inplace ? relu_(input) : relu(input); }
std::string ReLUImpl::extra_repr() const { return inplace ? "inplace=True" : ""; }
Tensor LeakyReLUImpl::forward(const Tensor& input) {
  return inplace ? leaky_relu_(input, negative_slope) : leaky_relu(input, negative_slope);
}
std::string LeakyReLUImpl::extra_repr() const {
  return fmt::format("negative_slope={}{}", py_float(negative_slope), inplace ? ", inplace=True" : "");
}
Tensor ELUImpl::forward(const Tensor& input) { return inplace ? elu_(input, alpha) : elu(input, alpha); }
std::string ELUImpl::extra_repr() const {
  return fmt::format("alpha={}{}", py_float(alpha), inplace ? ", inplace=True" : "");
}
Tensor SoftplusImpl::forward(const Tensor& input) { return softplus(input, beta, threshold); }
std::string SoftplusImpl::extra_repr() const {
  return fmt::format("beta={}, threshold={}", py_float(beta), py_float(threshold));
}
Tensor GELUImpl::forward(const Tensor& input) { return gelu(input, approximate); }
std::string GELUImpl::extra_repr() const { return "approximate='" + approximate + "'"; }
Tensor SiLUImpl::forward(const Tensor& input) { return inplace ? silu_(input) : silu(input); }
std::string SiLUImpl::extra_repr() const { return inplace ? "inplace=True" : ""; }
Tensor TanhImpl::forward(const Tensor& input) { return tanh(input); }
Tensor SigmoidImpl::forward(const Tensor& input) { return sigmoid(input); }
namespace {
// torch's implicit dim for the softmax family (deprecated there, kept for old models).
int64_t softmax_dim(const std::optional<int64_t>& dim, const Tensor& input) {
  if (dim) return *dim;
  return input.dim() == 0 || input.dim() == 1 || input.dim() == 3 ? 0 : 1;
}
std::string dim_repr(const std::optional<int64_t>& dim) { return dim ? fmt::format("dim={}", *dim) : "dim=None"; }
}  // namespace

Tensor SoftmaxImpl::forward(const Tensor& input) { return softmax(input, softmax_dim(dim, input)); }
std::string SoftmaxImpl::extra_repr() const { return dim_repr(dim); }
Tensor LogSoftmaxImpl::forward(const Tensor& input) { return log_softmax(input, softmax_dim(dim, input)); }
std::string LogSoftmaxImpl::extra_repr() const { return dim_repr(dim); }
Tensor Softmax2dImpl::forward(const Tensor& input) {
  TG_CHECK(input.dim() == 3 || input.dim() == 4, "Softmax2d: expected a 3-D or 4-D input, got shape {}", input.sizes());
  return softmax(input, -3);
}

Tensor ReLU6Impl::forward(const Tensor& input) { return inplace ? relu6_(input) : relu6(input); }
Tensor SELUImpl::forward(const Tensor& input) { return inplace ? selu_(input) : selu(input); }
Tensor HardsigmoidImpl::forward(const Tensor& input) { return inplace ? hardsigmoid_(input) : hardsigmoid(input); }
Tensor HardswishImpl::forward(const Tensor& input) { return inplace ? hardswish_(input) : hardswish(input); }
Tensor MishImpl::forward(const Tensor& input) { return inplace ? mish_(input) : mish(input); }
std::string ReLU6Impl::extra_repr() const { return inplace ? "inplace=True" : ""; }
std::string SELUImpl::extra_repr() const { return inplace ? "inplace=True" : ""; }
std::string MishImpl::extra_repr() const { return inplace ? "inplace=True" : ""; }
// torch prints Hardsigmoid and Hardswish without their inplace flag.
std::string HardsigmoidImpl::extra_repr() const { return ""; }
std::string HardswishImpl::extra_repr() const { return ""; }
Tensor LogSigmoidImpl::forward(const Tensor& input) { return functional::logsigmoid(input); }
Tensor SoftsignImpl::forward(const Tensor& input) { return functional::softsign(input); }
Tensor TanhshrinkImpl::forward(const Tensor& input) { return functional::tanhshrink(input); }
Tensor CELUImpl::forward(const Tensor& input) { return inplace ? celu_(input, alpha) : celu(input, alpha); }
std::string CELUImpl::extra_repr() const {
  return fmt::format("alpha={}{}", py_float(alpha), inplace ? ", inplace=True" : "");
}
Tensor HardtanhImpl::forward(const Tensor& input) {
  return inplace ? hardtanh_(input, min_val, max_val) : hardtanh(input, min_val, max_val);
}
std::string HardtanhImpl::extra_repr() const {
  return fmt::format("min_val={}, max_val={}{}", py_float(min_val), py_float(max_val), inplace ? ", inplace=True" : "");
}
Tensor HardshrinkImpl::forward(const Tensor& input) { return functional::hardshrink(input, lambd); }
std::string HardshrinkImpl::extra_repr() const { return py_float(lambd); }
Tensor SoftshrinkImpl::forward(const Tensor& input) { return functional::softshrink(input, lambd); }
std::string SoftshrinkImpl::extra_repr() const { return py_float(lambd); }
Tensor ThresholdImpl::forward(const Tensor& input) {
  return written_back(inplace, input, functional::threshold(input, threshold, value));
}
std::string ThresholdImpl::extra_repr() const {
  return fmt::format("threshold={}, value={}{}", py_float(threshold), py_float(value), inplace ? ", inplace=True" : "");
}
Tensor GLUImpl::forward(const Tensor& input) { return functional::glu(input, dim); }
std::string GLUImpl::extra_repr() const { return fmt::format("dim={}", dim); }
Tensor SoftminImpl::forward(const Tensor& input) { return functional::softmin(input, softmax_dim(dim, input)); }
std::string SoftminImpl::extra_repr() const { return dim_repr(dim); }

PReLUImpl::PReLUImpl(int64_t num_parameters, double init)
    : Module("PReLU"), num_parameters(num_parameters), init(init) {
  TG_CHECK_VALUE(num_parameters > 0, "PReLU: num_parameters must be positive, got {}", num_parameters);
  register_parameter("weight", full({num_parameters}, init), &weight);
}
Tensor PReLUImpl::forward(const Tensor& input) { return functional::prelu(input, weight); }
std::string PReLUImpl::extra_repr() const { return fmt::format("num_parameters={}", num_parameters); }

Tensor RReLUImpl::forward(const Tensor& input) {
  return written_back(inplace, input, functional::rrelu(input, lower, upper, is_training(), generator));
}
std::string RReLUImpl::extra_repr() const {
  return fmt::format("lower={}, upper={}{}", py_float(lower), py_float(upper), inplace ? ", inplace=True" : "");
}

}  // namespace tg::nn
