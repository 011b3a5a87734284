// bernoulli and multinomial: uniform draws turned into samples of given probabilities by tensor
// ops (a comparison; an inverse CDF by binary search; keys for top-k), so both devices share them.
#include "tapegrad/autograd/grad_mode.h"
#include "tapegrad/tensor/factories.h"
#include "tapegrad/tensor/ops.h"
#include "tensor/ops/common.h"

namespace tg {

Tensor bernoulli(const Tensor& p, SourceLoc loc) {
  detail::ApiScope scope("bernoulli", loc);
  return bernoulli(p, default_generator());
}

Tensor bernoulli(const Tensor& p, Generator& generator, SourceLoc loc) {
  detail::ApiScope scope("bernoulli", loc);
  ops::check_floating("bernoulli", p, "probability tensor");
  NoGradGuard no_grad;
  TG_CHECK_VALUE(logical_and(ge(p, 0), le(p, 1)).all().item<bool>(),
                 "bernoulli: probabilities must lie in [0, 1], got a tensor of shape {} with some outside", p.sizes());
  return lt(rand(p.sizes(), generator, TensorOptions(p.dtype()).device(p.device())), p).to(p.dtype());
}

Tensor multinomial(const Tensor& input, int64_t num_samples, bool replacement, SourceLoc loc) {
  detail::ApiScope scope("multinomial", loc);
  return multinomial(input, num_samples, replacement, default_generator());
}

Tensor multinomial(const Tensor& input, int64_t num_samples, bool replacement, Generator& generator, SourceLoc loc) {
  detail::ApiScope scope("multinomial", loc);
  ops::check_floating("multinomial", input, "probability tensor");
  TG_CHECK(input.dim() == 1 || input.dim() == 2, "multinomial: expected a 1-D or 2-D probability tensor, got shape {}",
           input.sizes());
  const int64_t categories = input.sizes()[input.dim() - 1];
  TG_CHECK_VALUE(num_samples > 0, "multinomial: num_samples must be positive, got {}", num_samples);
  TG_CHECK_VALUE(categories > 0, "multinomial: the probability tensor of shape {} has no categories", input.sizes());
  TG_CHECK_VALUE(replacement || num_samples <= categories,
                 "multinomial: cannot draw {} samples from {} categories without replacement", num_samples,
                 categories);
  NoGradGuard no_grad;
  const Tensor w = input.detach().to(input.dtype() == kFloat64 ? kFloat64 : kFloat32);
  const Tensor rows = w.dim() == 1 ? w.unsqueeze(0) : w;
  TG_CHECK_VALUE(logical_and(isfinite(rows), ge(rows, 0)).all().item<bool>(),
                 "multinomial: the probabilities of shape {} hold inf, NaN or a negative number", input.sizes());
  TG_CHECK_VALUE(gt(rows.sum({1}), 0).all().item<bool>(),
                 "multinomial: a row of the probabilities of shape {} sums to 0", input.sizes());
  const TensorOptions options = TensorOptions(rows.dtype()).device(rows.device());
  Tensor samples;
  if (replacement) {
    // The inverse CDF: the first category whose cumulative weight exceeds u * total. A
    // zero-weight category never does, as its cumulative weight equals the one before.
    const Tensor cdf = rows.cumsum(1);
    const Tensor u = rand({rows.sizes()[0], num_samples}, generator, options) * cdf.narrow(1, categories - 1, 1);
    samples = searchsorted(cdf, u, false, /*right=*/true).clamp_max(categories - 1);
  } else {
    // The k largest w / E with E ~ Exp(1) are a draw of k without replacement (the
    // exponential-race form of Gumbel top-k, as PyTorch samples).
    const Tensor e = -log1p(-rand(rows.sizes(), generator, options));
    samples = std::get<1>(topk(rows / e, num_samples, 1));
  }
  return input.dim() == 1 ? samples.squeeze(0) : samples;
}

namespace {

// mean + std * N(0, 1) over `like`'s shape, dtype and device; std checked non-negative.
Tensor normal_draws(const Tensor& mean, const Tensor& std, const Tensor& like, Generator* generator) {
  NoGradGuard no_grad;
  TG_CHECK_VALUE(!lt(std, 0).any().item<bool>(), "normal: expects all elements of std >= 0.0");
  Tensor out = empty(like.sizes(), like.options());
  out.normal_(0.0, 1.0, generator);
  return out.mul_(std).add_(mean);
}

}  // namespace

Tensor normal(const Tensor& mean, const Tensor& std, Generator* generator, SourceLoc loc) {
  detail::ApiScope scope("normal", loc);
  ops::check_floating("normal", mean, "mean");
  ops::check_floating("normal", std, "std");
  ops::check_same_device("normal", mean, std);
  const Shape shape = broadcast_shapes(mean.sizes(), std.sizes(), "normal");
  return normal_draws(mean, std, empty(shape, mean.options()), generator);
}

Tensor normal(const Tensor& mean, double std, Generator* generator, SourceLoc loc) {
  detail::ApiScope scope("normal", loc);
  ops::check_floating("normal", mean, "mean");
  TG_CHECK_VALUE(std >= 0, "normal: expects std >= 0.0, got {}", std);
  return normal_draws(mean, scalar_tensor(std, mean.options()), mean, generator);
}

Tensor normal(double mean, const Tensor& std, Generator* generator, SourceLoc loc) {
  detail::ApiScope scope("normal", loc);
  ops::check_floating("normal", std, "std");
  return normal_draws(scalar_tensor(mean, std.options()), std, std, generator);
}

Tensor normal(double mean, double std, const Shape& size, Generator* generator, const TensorOptions& options,
              SourceLoc loc) {
  detail::ApiScope scope("normal", loc);
  TG_CHECK_VALUE(std >= 0, "normal: expects std >= 0.0, got {}", std);
  Tensor out = empty(size, options.requires_grad(false));
  ops::check_floating("normal", out, "output");
  {
    NoGradGuard no_grad;
    out.normal_(mean, std, generator);
  }
  return options.requires_grad() ? out.requires_grad_() : out;
}

Tensor get_rng_state(SourceLoc loc) {
  detail::ApiScope scope("get_rng_state", loc);
  const auto [seed, offset] = default_generator().state();
  std::vector<uint8_t> bytes(16);
  for (int i = 0; i < 8; ++i) {
    bytes[i] = static_cast<uint8_t>(seed >> (8 * i));
    bytes[8 + i] = static_cast<uint8_t>(offset >> (8 * i));
  }
  return tensor(bytes, kUInt8);
}

void set_rng_state(const Tensor& state, SourceLoc loc) {
  detail::ApiScope scope("set_rng_state", loc);
  ops::check_defined("set_rng_state", state, "state");
  TG_CHECK_TYPE(state.dtype() == kUInt8, "set_rng_state: expected a uint8 state (as get_rng_state returns), got {}",
                state.dtype());
  TG_CHECK_VALUE(state.numel() == 16, "set_rng_state: expected 16 bytes of state, got a tensor of shape {}",
                 state.sizes());
  const std::vector<uint8_t> bytes = state.contiguous().cpu().to_vector<uint8_t>();
  uint64_t seed = 0, offset = 0;
  for (int i = 0; i < 8; ++i) {
    seed |= static_cast<uint64_t>(bytes[i]) << (8 * i);
    offset |= static_cast<uint64_t>(bytes[8 + i]) << (8 * i);
  }
  default_generator().set_state({seed, offset});
}

}  // namespace tg
