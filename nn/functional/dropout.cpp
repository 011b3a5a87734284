// Dropout: a Bernoulli keep-mask, scaled so that the expectation is unchanged.
#include "tapegrad/nn/functional/dropout.h"

#include "tapegrad/tensor/ops.h"
#include "tensor/ops/common.h"

namespace tg::nn::functional {

namespace {
// One keep decision per element of mask_shape, broadcast over the rest of the input.
Tensor masked_dropout(const char* op, const Tensor& input, const Shape& mask_shape, double p, bool training,
                      Generator* generator) {
  TG_CHECK_VALUE(p >= 0 && p <= 1, "{}: probability has to be between 0 and 1, but got {}", op, p);
  if (!training || p == 0) return input;
  ops::check_floating(op, input, "input");
  if (p == 1) return input * 0.0;
  Generator& gen = generator ? *generator : default_generator();
  Tensor keep = rand(mask_shape, gen, input.options()) >= p;
  return input * (keep.to(input.dtype()) * (1.0 / (1.0 - p)));
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

}  // namespace tg::nn::functional
