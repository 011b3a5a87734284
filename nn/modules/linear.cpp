// Identity, Linear, Bilinear, Flatten, Unflatten.
#include "tapegrad/nn/modules/linear.h"

#include <cmath>

#include "tapegrad/nn/functional/linear.h"
#include "tapegrad/nn/init.h"
#include "tapegrad/tensor/factories.h"

namespace tg::nn {

LinearImpl::LinearImpl(int64_t in, int64_t out, bool with_bias)
    : Module("Linear"), in_features(in), out_features(out) {
  TG_CHECK_VALUE(in >= 0 && out >= 0, "Linear: in_features and out_features must be non-negative, got {} and {}", in,
                 out);
  register_parameter("weight", empty({out, in}), &weight);
  register_parameter("bias", with_bias ? empty({out}) : Tensor(), &bias);
  reset_parameters();
}

void LinearImpl::reset_parameters() {
  // PyTorch: kaiming_uniform_(a=sqrt(5)) = U(-1/sqrt(in), 1/sqrt(in)); the bias the same bound.
  init::kaiming_uniform_(weight, std::sqrt(5.0));
  if (bias.defined()) {
    const double bound = in_features > 0 ? 1.0 / std::sqrt(static_cast<double>(in_features)) : 0.0;
    init::uniform_(bias, -bound, bound);
  }
}

Tensor LinearImpl::forward(const Tensor& input) { return functional::linear(input, weight, bias); }

std::string LinearImpl::extra_repr() const {
  return fmt::format("in_features={}, out_features={}, bias={}", in_features, out_features,
                     bias.defined() ? "True" : "False");
}

BilinearImpl::BilinearImpl(int64_t in1, int64_t in2, int64_t out, bool with_bias)
    : Module("Bilinear"), in1_features(in1), in2_features(in2), out_features(out) {
  register_parameter("weight", empty({out, in1, in2}), &weight);
  register_parameter("bias", with_bias ? empty({out}) : Tensor(), &bias);
  reset_parameters();
}

void BilinearImpl::reset_parameters() {
  const double bound = 1.0 / std::sqrt(static_cast<double>(std::max<int64_t>(in1_features, 1)));
  init::uniform_(weight, -bound, bound);
  if (bias.defined()) init::uniform_(bias, -bound, bound);
}

Tensor BilinearImpl::forward(const Tensor& input1, const Tensor& input2) {
  return functional::bilinear(input1, input2, weight, bias);
}

std::string BilinearImpl::extra_repr() const {
  return fmt::format("in1_features={}, in2_features={}, out_features={}, bias={}", in1_features, in2_features,
                     out_features, bias.defined() ? "True" : "False");
}

std::string FlattenImpl::extra_repr() const { return fmt::format("start_dim={}, end_dim={}", start_dim, end_dim); }

std::string UnflattenImpl::extra_repr() const {
  return fmt::format("dim={}, unflattened_size=({})", dim, fmt::join(sizes.begin(), sizes.end(), ", "));
}

}  // namespace tg::nn
