// Activations composed of tensor ops, whose gradients (and higher ones) come from the ops', and
// the shrinkage ones and threshold on the fused activation kernels (prelu with one slope on the
// CPU has its own backward; the others run on the fused ternary kernel).
#include "tapegrad/nn/functional/activation.h"

#include "autograd/derivatives/derivatives.h"
#include "autograd/record.h"
#include "kernels/kernels.h"
#include "tapegrad/autograd/grad_mode.h"
#include "tapegrad/tensor/ops.h"
#include "tensor/ops/common.h"

namespace tg::nn::functional {

Tensor logsigmoid(const Tensor& input, SourceLoc loc) {
  detail::ApiScope scope("logsigmoid", loc);
  ops::check_floating("logsigmoid", input);
  // softplus with beta = -1 is -log1p(exp(-x)) = log(sigmoid(x)), one fused pass (and its
  // derivative sigmoid(-x) is logsigmoid's); below x = -40 it returns x, exact to double
  // precision (the dropped log1p(exp(x)) is under 5e-18).
  return softplus(input, -1.0, 40.0);
}

// Integer input gives floats (true division, tanh), as PyTorch's compositions do.
Tensor softsign(const Tensor& input, SourceLoc loc) {
  detail::ApiScope scope("softsign", loc);
  ops::check_defined("softsign", input, "input");
  TG_CHECK_TYPE(input.dtype() != kBool, "softsign: bool inputs are not supported");
  return input / (abs(input) + 1);
}

Tensor tanhshrink(const Tensor& input, SourceLoc loc) {
  detail::ApiScope scope("tanhshrink", loc);
  ops::check_defined("tanhshrink", input, "input");
  TG_CHECK_TYPE(input.dtype() != kBool, "tanhshrink: bool inputs are not supported");
  return input - tanh(input);
}

Tensor hardshrink(const Tensor& input, double lambd, SourceLoc loc) {
  detail::ApiScope scope("hardshrink", loc);
  ops::check_floating("hardshrink", input);
  return ops::fused_activation(kernels::ActivationOp::Hardshrink, "hardshrink", input, {.alpha = lambd});
}

Tensor softshrink(const Tensor& input, double lambd, SourceLoc loc) {
  detail::ApiScope scope("softshrink", loc);
  ops::check_floating("softshrink", input);
  TG_CHECK_VALUE(lambd >= 0, "softshrink: lambd must be non-negative, got {}", lambd);
  return ops::fused_activation(kernels::ActivationOp::Softshrink, "softshrink", input, {.alpha = lambd});
}

// Integer tensors (PyTorch takes them too) have no kernel of their own: a select, of value cast to
// the input's type (torch's result keeps the integer dtype).
Tensor threshold(const Tensor& input, double threshold, double value, SourceLoc loc) {
  detail::ApiScope scope("threshold", loc);
  ops::check_defined("threshold", input, "input");
  TG_CHECK_TYPE(input.dtype() != kBool, "threshold: bool inputs are not supported");
  // Integers compare with the threshold truncated to an integer, as PyTorch casts it to their dtype.
  if (is_integral(input.dtype(), false))
    return where(gt(input, Scalar(static_cast<int64_t>(threshold))), input, Scalar(static_cast<int64_t>(value)));
  if (!input.is_floating_point()) return where(gt(input, threshold), input, value);
  return ops::fused_activation(kernels::ActivationOp::Threshold, "threshold", input,
                               {.alpha = value, .threshold = threshold});
}

Tensor glu(const Tensor& input, int64_t dim, SourceLoc loc) {
  detail::ApiScope scope("glu", loc);
  ops::check_floating("glu", input);
  TG_CHECK_INDEX(input.dim() > 0, "glu: expected a tensor with at least one dim, got a scalar");
  const int d = wrap_dim(dim, input.dim(), "glu");
  const int64_t n = input.sizes()[d];
  TG_CHECK_VALUE(n % 2 == 0, "glu: dim {} of the input (shape {}) must have an even size, got {}", d, input.sizes(), n);
  return input.narrow(d, 0, n / 2) * sigmoid(input.narrow(d, n / 2, n / 2));
}

Tensor softmin(const Tensor& input, int64_t dim, SourceLoc loc) {
  detail::ApiScope scope("softmin", loc);
  ops::check_floating("softmin", input);
  return softmax(-input, dim);
}

namespace {

// One slope (nn.PReLU's default) on the CPU, where reading it costs nothing: leaky_relu's one
// fused pass forward (the composed form made three), and its backward kernel for the input.
// Under create_graph the gradients are written in tensor ops of the slope tensor, so that they
// differentiate again with respect to it too.
Tensor prelu_one_slope(const Tensor& input, const Tensor& weight) {
  const kernels::ActivationParams p{.alpha = weight.item<double>()};
  Tensor out;
  {
    NoGradGuard no_grad;
    out = leaky_relu(input, p.alpha);
  }
  if (autograd::needs_grad(input, weight)) {
    auto node = autograd::make_node(
        "PreluBackward", {&input, &weight}, [p](const autograd::Node& nd, const tensor_list& gr) -> tensor_list {
          const Tensor &x = nd.saved(0), &w = nd.saved(1), &g = gr[0];
          const bool graph = GradMode::is_enabled();
          Tensor gx, gw;
          if (nd.needs_input_grad(0))
            gx = graph ? where(gt(x, 0), g, g * w.reshape({}))
                       : autograd::derivatives::activation_grad(kernels::ActivationOp::LeakyRelu, p, g, x);
          if (nd.needs_input_grad(1)) gw = (clamp_max(x, 0) * g).sum().reshape(w.sizes());
          return {gx, gw};
        });
    node->save(input);
    node->save(weight);
    autograd::set_history(out, node);
  }
  return out;
}

}  // namespace

Tensor prelu(const Tensor& input, const Tensor& weight, SourceLoc loc) {
  detail::ApiScope scope("prelu", loc);
  ops::check_floating("prelu", input);
  ops::check_defined("prelu", weight, "weight");
  TG_CHECK_VALUE(weight.dim() <= 1, "prelu: weight must be a scalar or 1-D, got shape {}", weight.sizes());
  const int64_t slopes = weight.numel();
  Tensor w = weight;
  if (slopes != 1) {
    const int64_t channels = input.dim() >= 2 ? input.sizes()[1] : 0;
    TG_CHECK_VALUE(slopes == channels,
                   "prelu: weight has {} slopes but the input (shape {}) has {} channels in dim 1; give 1 or one per "
                   "channel",
                   slopes, input.sizes(), channels);
    Shape shape = Shape::filled(input.dim() - 1, 1);
    shape[0] = slopes;
    w = weight.reshape(shape);
  } else {
    w = weight.reshape({});
    if (input.is_cpu() && weight.is_cpu() && weight.dtype() == input.dtype()) return prelu_one_slope(input, weight);
  }
  // One pass (the select, its compare and the product composed made three), the slopes broadcast.
  return ops::ternary(kernels::TernaryOp::Prelu, "prelu", input, input, w, 0, ops::result_type(input, w));
}

}  // namespace tg::nn::functional
