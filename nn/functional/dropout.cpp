// Dropout: a Bernoulli keep-mask, scaled so that the expectation is unchanged.
#include "tapegrad/nn/functional/dropout.h"

#include "tapegrad/tensor/ops.h"
#include "tensor/ops/common.h"

namespace tg::nn::functional {

Tensor dropout(const Tensor& input, double p, bool training, Generator* generator, SourceLoc loc) {
  detail::ApiScope scope("dropout", loc);
  ops::check_defined("dropout", input, "input");
  TG_CHECK_VALUE(p >= 0 && p <= 1, "dropout: probability has to be between 0 and 1, but got {}", p);
  if (!training || p == 0) return input;
  TG_CHECK_TYPE(input.is_floating_point(), "dropout: expected a floating-point input, got {}", input.dtype());
  if (p == 1) return input * 0.0;
  Generator& gen = generator ? *generator : default_generator();
  Tensor keep = rand(input.sizes(), gen, input.options()) >= p;
  return input * (keep.to(input.dtype()) * (1.0 / (1.0 - p)));
}

}  // namespace tg::nn::functional
