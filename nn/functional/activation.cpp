// Activations composed of tensor ops: their gradients (and higher ones) come from the ops'.
#include "tapegrad/nn/functional/activation.h"

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

Tensor softsign(const Tensor& input, SourceLoc loc) {
  detail::ApiScope scope("softsign", loc);
  ops::check_floating("softsign", input);
  return input / (abs(input) + 1);
}

Tensor tanhshrink(const Tensor& input, SourceLoc loc) {
  detail::ApiScope scope("tanhshrink", loc);
  ops::check_floating("tanhshrink", input);
  return input - tanh(input);
}

Tensor hardshrink(const Tensor& input, double lambd, SourceLoc loc) {
  detail::ApiScope scope("hardshrink", loc);
  ops::check_floating("hardshrink", input);
  return where(gt(abs(input), lambd), input, 0.0);
}

Tensor softshrink(const Tensor& input, double lambd, SourceLoc loc) {
  detail::ApiScope scope("softshrink", loc);
  ops::check_floating("softshrink", input);
  TG_CHECK_VALUE(lambd >= 0, "softshrink: lambd must be non-negative, got {}", lambd);
  return where(gt(input, lambd), input - lambd, where(lt(input, -lambd), input + lambd, 0.0));
}

Tensor threshold(const Tensor& input, double threshold, double value, SourceLoc loc) {
  detail::ApiScope scope("threshold", loc);
  ops::check_defined("threshold", input, "input");
  return where(gt(input, threshold), input, value);
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
  }
  return where(gt(input, 0), input, input * w);
}

}  // namespace tg::nn::functional
