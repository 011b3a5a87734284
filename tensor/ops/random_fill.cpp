// Tensor's in-place random fills (uniform_, normal_, bernoulli_, random_, exponential_,
// geometric_, cauchy_, log_normal_; uniform_ and normal_ take complex tensors too): each draws
// uniform or normal numbers (float64, or float32 for uniform_ and normal_ on a float32 tensor)
// on the tensor's device, maps them to the distribution, and copies them in (copy_ does the
// casting, the in-place checks and the version bump; the old values get no gradient, as in
// PyTorch).
#include <cmath>
#include <limits>
#include <numbers>

#include "tapegrad/tensor/factories.h"
#include "tapegrad/tensor/generator.h"
#include "tapegrad/tensor/ops.h"
#include "tensor/ops/common.h"
#include "tensor/ops/random_draws.h"

namespace tg {
namespace {

using ops::as_values;
using ops::draw_shape;
using ops::gen_or_default;

void check_float(const Tensor& t, const char* name) {
  ops::check_defined(name, t, "input");
  TG_CHECK_TYPE(t.is_floating_point(), "{}: expected a floating-point tensor, got {}", name, t.dtype());
}

// uniform_ and normal_ fill a complex tensor's real and imaginary parts alike (PyTorch's): draws
// of shape [..., 2] in the parts' dtype, viewed as complex.
void check_float_or_complex(const Tensor& t, const char* name) {
  ops::check_defined(name, t, "input");
  TG_CHECK_TYPE(t.is_floating_point() || t.is_complex(), "{}: expected a floating-point or complex tensor, got {}",
                name, t.dtype());
}

TensorOptions f64_on(const Tensor& t) { return TensorOptions(kFloat64).device(t.device()); }

// U(0, 1) draws of t's shape: [0, 1).
Tensor uniform_draws(const Tensor& t, Generator* g) { return rand(t.sizes(), gen_or_default(g), f64_on(t)); }

// uniform_'s and normal_'s draws: float64 for a float64 tensor, else float32 (the draws are the
// costly part, and PyTorch draws in float for float32 and 16-bit tensors too).
TensorOptions draw_options(const Tensor& t) {
  const DType parts = t.is_complex() ? to_real_dtype(t.dtype()) : t.dtype();
  return TensorOptions(parts == kFloat64 ? kFloat64 : kFloat32).device(t.device());
}

// scale * draws + shift in place, skipping the passes that would change nothing.
Tensor affine_(Tensor draws, double scale, double shift) {
  if (scale != 1) draws.mul_(scale);
  if (shift != 0) draws.add_(shift);
  return draws;
}

// copy_ refuses a leaf that requires grad (outside no_grad, as PyTorch), and on a recorded
// tensor records that the old values get no gradient.
const Tensor& assign(const Tensor& t, const Tensor& values) { return t.copy_(values); }

// One past the largest integer random_ draws without `to`: 2^digits + 1 for floats (every
// integer up to 2^digits is exact), the dtype's largest for integers (int64's own largest is left
// out: the bound is exclusive).
int64_t random_bound(DType dt) {
  switch (dt) {
    case kBool:
      return 2;
    case kUInt8:
      return 256;
    case kInt8:
      return 128;
    case kInt16:
      return 32768;
    case kInt32:
      return int64_t{std::numeric_limits<int32_t>::max()} + 1;
    case kInt64:
      return std::numeric_limits<int64_t>::max();
    case kFloat16:
      return (int64_t{1} << 11) + 1;
    case kBFloat16:
      return (int64_t{1} << 8) + 1;
    case kFloat32:
      return (int64_t{1} << 24) + 1;
    default:
      return (int64_t{1} << 53) + 1;
  }
}

}  // namespace

const Tensor& Tensor::uniform_(double from, double to, Generator* generator, SourceLoc loc) const {
  detail::ApiScope scope("uniform_", loc);
  check_float_or_complex(*this, "uniform_");
  TG_CHECK_VALUE(from <= to, "uniform_: expects from <= to, got from={} and to={}", from, to);
  Tensor draws = rand(draw_shape(*this), gen_or_default(generator), draw_options(*this));
  return assign(*this, as_values(*this, affine_(draws, to - from, from)));
}

const Tensor& Tensor::normal_(double mean, double std, Generator* generator, SourceLoc loc) const {
  detail::ApiScope scope("normal_", loc);
  check_float_or_complex(*this, "normal_");
  TG_CHECK_VALUE(std >= 0, "normal_: expects std >= 0, got {}", std);
  Tensor draws = tg::randn(draw_shape(*this), gen_or_default(generator), draw_options(*this));
  // A complex tensor's parts each get the mean and std / sqrt(2), so that |z - E z| has variance
  // std^2 (PyTorch's).
  const double part_std = is_complex() ? std / std::numbers::sqrt2 : std;
  return assign(*this, as_values(*this, affine_(draws, part_std, mean)));
}

const Tensor& Tensor::bernoulli_(double p, Generator* generator, SourceLoc loc) const {
  detail::ApiScope scope("bernoulli_", loc);
  ops::check_defined("bernoulli_", *this, "input");
  TG_CHECK_VALUE(p >= 0 && p <= 1, "bernoulli_: expects 0 <= p <= 1, got {}", p);
  return assign(*this, tg::lt(uniform_draws(*this, generator), p));
}

const Tensor& Tensor::bernoulli_(const Tensor& p, Generator* generator, SourceLoc loc) const {
  detail::ApiScope scope("bernoulli_", loc);
  ops::check_defined("bernoulli_", *this, "input");
  ops::check_defined("bernoulli_", p, "p");
  ops::check_same_device("bernoulli_", *this, p);
  TG_CHECK_TYPE(p.is_floating_point(), "bernoulli_: p must be a floating-point tensor, got {}", p.dtype());
  TG_CHECK(tg::broadcast_shapes(sizes(), p.sizes(), "bernoulli_") == sizes(),
           "bernoulli_: p of shape {} does not broadcast to the tensor's shape {}", p.sizes(), sizes());
  const Tensor probs = p.detach().to(kFloat64);
  if (probs.numel() > 0) {
    const double lo = tg::amin(probs).item<double>(), hi = tg::amax(probs).item<double>();
    TG_CHECK_VALUE(lo >= 0 && hi <= 1, "bernoulli_: every p must be in [0, 1], got values in [{}, {}]", lo, hi);
  }
  return assign(*this, tg::lt(uniform_draws(*this, generator), probs));
}

const Tensor& Tensor::random_(int64_t from, std::optional<int64_t> to, Generator* generator, SourceLoc loc) const {
  detail::ApiScope scope("random_", loc);
  ops::check_defined("random_", *this, "input");
  const int64_t hi = to ? *to : random_bound(dtype());
  TG_CHECK_VALUE(from < hi, "random_: expects from < to, got from={} and to={}", from, hi);
  const Tensor draws =
      tg::randint(from, hi, sizes(), gen_or_default(generator), TensorOptions(kInt64).device(device()));
  return assign(*this, draws);
}

const Tensor& Tensor::random_(int64_t to, Generator* generator, SourceLoc loc) const {
  detail::ApiScope scope("random_", loc);
  return random_(0, to, generator);
}

const Tensor& Tensor::random_(Generator* generator, SourceLoc loc) const {
  detail::ApiScope scope("random_", loc);
  return random_(0, std::nullopt, generator);
}

const Tensor& Tensor::exponential_(double lambd, Generator* generator, SourceLoc loc) const {
  detail::ApiScope scope("exponential_", loc);
  check_float(*this, "exponential_");
  TG_CHECK_VALUE(lambd > 0, "exponential_: expects lambd > 0, got {}", lambd);
  // -log(1 - u) / lambd: 1 - u is in (0, 1], so every draw is finite.
  return assign(*this, -tg::log1p(-uniform_draws(*this, generator)) / lambd);
}

const Tensor& Tensor::geometric_(double p, Generator* generator, SourceLoc loc) const {
  detail::ApiScope scope("geometric_", loc);
  ops::check_defined("geometric_", *this, "input");
  TG_CHECK_VALUE(p > 0 && p < 1, "geometric_: expects 0 < p < 1, got {}", p);
  // The number of trials to the first success: 1, 2, ...
  return assign(*this, tg::floor(tg::log1p(-uniform_draws(*this, generator)) / std::log1p(-p)) + 1);
}

const Tensor& Tensor::cauchy_(double median, double sigma, Generator* generator, SourceLoc loc) const {
  detail::ApiScope scope("cauchy_", loc);
  check_float(*this, "cauchy_");
  TG_CHECK_VALUE(sigma > 0, "cauchy_: expects sigma > 0, got {}", sigma);
  return assign(*this, tg::tan((uniform_draws(*this, generator) - 0.5) * std::numbers::pi) * sigma + median);
}

const Tensor& Tensor::log_normal_(double mean, double std, Generator* generator, SourceLoc loc) const {
  detail::ApiScope scope("log_normal_", loc);
  check_float(*this, "log_normal_");
  TG_CHECK_VALUE(std > 0, "log_normal_: expects std > 0, got {}", std);
  return assign(*this, tg::exp(tg::randn(sizes(), gen_or_default(generator), f64_on(*this)) * std + mean));
}

}  // namespace tg
