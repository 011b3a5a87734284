// Dropout: a Bernoulli keep-mask, scaled so that the expectation is unchanged; alpha dropout,
// rrelu and gumbel_softmax, the other random layers.
#include "tapegrad/nn/functional/dropout.h"

#include <cmath>
#include <limits>

#include "tapegrad/tensor/factories.h"
#include "tapegrad/tensor/ops.h"
#include "tensor/ops/common.h"

namespace tg::nn::functional {

namespace {
// One keep decision per element of mask_shape, broadcast over the rest of the input.
Tensor masked_dropout(const char* op, const Tensor& input, const Shape& mask_shape, double p, bool training,
                      Generator* generator) {
  TG_CHECK_VALUE(p >= 0 && p <= 1, "{}: probability has to be between 0 and 1, but got {}", op, p);
  if (!training || p == 0) return input;
  if (!input.is_complex()) ops::check_floating(op, input, "input");
  if (p == 1) return input * 0.0;
  Generator& gen = generator ? *generator : default_generator();
  // A complex element is kept or dropped whole: the mask is real, of the parts' dtype.
  const DType mask_dtype = to_real_dtype(input.dtype());
  Tensor keep = rand(mask_shape, gen, input.options().dtype(mask_dtype)) >= p;
  return input * (keep.to(mask_dtype) * (1.0 / (1.0 - p)));
}

Tensor channel_dropout(const char* op, int spatial, const Tensor& input, double p, bool training,
                       Generator* generator) {
  ops::check_defined(op, input, "input");
  TG_CHECK_VALUE(input.dim() == spatial + 1 || input.dim() == spatial + 2,
                 "{}: expected a {}-D or {}-D (unbatched) input, got shape {}", op, spatial + 2, spatial + 1,
                 input.sizes());
  Shape mask = input.sizes();
  for (int d = input.dim() - spatial; d < input.dim(); ++d) mask[d] = 1;
  return masked_dropout(op, input, mask, p, training, generator);
}

// PyTorch's alpha dropout: keep-mask m, a = ((alpha^2 p + 1)(1 - p))^-1/2 with alpha SELU's
// saturation; x m a + alpha a (m - 1 + p).
Tensor alpha_dropout_impl(const char* op, const Tensor& input, const Shape& mask_shape, double p, bool training,
                          Generator* generator) {
  ops::check_defined(op, input, "input");
  TG_CHECK_VALUE(p >= 0 && p <= 1, "{}: probability has to be between 0 and 1, but got {}", op, p);
  if (!training || p == 0) return input;
  ops::check_floating(op, input, "input");
  if (p == 1) return input * 0.0;
  constexpr double kAlpha = 1.7580993408473766;
  const double a = 1.0 / std::sqrt((kAlpha * kAlpha * p + 1) * (1 - p));
  Generator& gen = generator ? *generator : default_generator();
  const Tensor keep = (rand(mask_shape, gen, input.options()) >= p).to(input.dtype());
  return input * (keep * a) + (keep - 1.0 + p) * (kAlpha * a);
}
}  // namespace

Tensor dropout(const Tensor& input, double p, bool training, Generator* generator, SourceLoc loc) {
  detail::ApiScope scope("dropout", loc);
  ops::check_defined("dropout", input, "input");
  return masked_dropout("dropout", input, input.sizes(), p, training, generator);
}

Tensor dropout1d(const Tensor& input, double p, bool training, Generator* generator, SourceLoc loc) {
  detail::ApiScope scope("dropout1d", loc);
  return channel_dropout("dropout1d", 1, input, p, training, generator);
}

Tensor dropout2d(const Tensor& input, double p, bool training, Generator* generator, SourceLoc loc) {
  detail::ApiScope scope("dropout2d", loc);
  return channel_dropout("dropout2d", 2, input, p, training, generator);
}

Tensor dropout3d(const Tensor& input, double p, bool training, Generator* generator, SourceLoc loc) {
  detail::ApiScope scope("dropout3d", loc);
  return channel_dropout("dropout3d", 3, input, p, training, generator);
}

Tensor alpha_dropout(const Tensor& input, double p, bool training, Generator* generator, SourceLoc loc) {
  detail::ApiScope scope("alpha_dropout", loc);
  return alpha_dropout_impl("alpha_dropout", input, input.defined() ? input.sizes() : Shape{}, p, training, generator);
}

Tensor feature_alpha_dropout(const Tensor& input, double p, bool training, Generator* generator, SourceLoc loc) {
  detail::ApiScope scope("feature_alpha_dropout", loc);
  ops::check_defined("feature_alpha_dropout", input, "input");
  TG_CHECK(input.dim() >= 2, "feature_alpha_dropout: expected an input of at least 2 dims [N, C, ...], got {}",
           input.sizes());
  Shape mask = input.sizes();
  for (int d = 2; d < input.dim(); ++d) mask[d] = 1;
  return alpha_dropout_impl("feature_alpha_dropout", input, mask, p, training, generator);
}

Tensor rrelu(const Tensor& input, double lower, double upper, bool training, Generator* generator, SourceLoc loc) {
  detail::ApiScope scope("rrelu", loc);
  ops::check_defined("rrelu", input, "input");
  ops::check_floating("rrelu", input, "input");
  TG_CHECK_VALUE(lower <= upper, "rrelu: lower bound {} must not exceed the upper bound {}", lower, upper);
  if (!training) return leaky_relu(input, (lower + upper) / 2);
  Generator& gen = generator ? *generator : default_generator();
  const Tensor slope = rand(input.sizes(), gen, input.options()) * (upper - lower) + lower;
  return where(ge(input, 0), input, input * slope);
}

Tensor gumbel_softmax(const Tensor& logits, double tau, bool hard, int64_t dim, Generator* generator, SourceLoc loc) {
  detail::ApiScope scope("gumbel_softmax", loc);
  ops::check_defined("gumbel_softmax", logits, "logits");
  ops::check_floating("gumbel_softmax", logits, "logits");
  TG_CHECK_VALUE(tau > 0, "gumbel_softmax: tau must be positive, got {}", tau);
  Generator& gen = generator ? *generator : default_generator();
  // -log(E) with E ~ Exp(1) = -log(-log(U)); U kept away from 0 and 1 so that the noise is finite.
  const double tiny = std::numeric_limits<float>::min();
  const Tensor u = clamp(rand(logits.sizes(), gen, logits.options()), tiny, 1.0 - 1e-7);
  const Tensor soft = softmax((logits - log(-log(u))) / tau, dim);
  if (!hard) return soft;
  const Tensor index = soft.argmax(dim, true);
  const Tensor one_hot = zeros_like(soft).scatter(wrap_dim(dim, soft.dim(), "gumbel_softmax"), index, 1.0);
  return one_hot - soft.detach() + soft;
}

}  // namespace tg::nn::functional
