// poisson and binomial: PyTorch's samplers (products of uniforms or sums of geometric draws for
// small means, Hoermann's transformed rejection above), run as tensor ops over every element that
// has not yet accepted a draw, so both devices share them. Each round draws fresh uniforms for
// the pending elements only, writes those that accept, and drops them; the number of rounds
// grows with the largest small mean (about 30 for a million draws) or like log(n) for rejection.
#include "tapegrad/autograd/grad_mode.h"
#include "tapegrad/tensor/factories.h"
#include "tapegrad/tensor/ops.h"
#include "tensor/ops/common.h"

namespace tg {
namespace {

// The flat positions of the elements still drawing, and one column per parameter of theirs.
struct Pending {
  Tensor index;
  std::vector<Tensor> params;

  Pending(const Tensor& mask, std::initializer_list<Tensor> all) : index(mask.nonzero().reshape({-1})) {
    for (const Tensor& p : all) params.push_back(p.index_select(0, index));
  }
  int64_t size() const { return index.numel(); }
  Tensor uniform(Generator& generator) const { return rand({size()}, generator, params[0].options()); }
  // Writes value where `done`, and keeps the others.
  void settle(const Tensor& out, const Tensor& done, const Tensor& value) {
    const Tensor finished = done.nonzero().reshape({-1});
    index_copy_(out, 0, index.index_select(0, finished), value.index_select(0, finished));
    const Tensor rest = logical_not(done).nonzero().reshape({-1});
    index = index.index_select(0, rest);
    for (Tensor& p : params) p = p.index_select(0, rest);
  }
};

// The parameters as flat float64 tensors (the samplers' arithmetic is PyTorch's, in double).
Tensor flat64(const Tensor& t, const Shape& shape) { return t.detach().expand(shape).reshape({-1}).to(kFloat64); }

Generator& generator_or_default(Generator* generator) { return generator ? *generator : default_generator(); }

// Poisson draws for rates in (0, 10): the count of uniforms whose running product stays above
// exp(-rate).
void poisson_by_products(const Tensor& out, const Tensor& rate, Generator& generator) {
  Pending p(logical_and(gt(rate, 0), lt(rate, 10)), {exp(-rate), ones_like(rate), zeros_like(rate)});
  while (p.size() > 0) {
    const Tensor& limit = p.params[0];
    Tensor& product = p.params[1];
    Tensor& count = p.params[2];
    product = product * p.uniform(generator);
    const Tensor done = le(product, limit);
    p.settle(out, done, count);
    count = count + 1;
  }
}

// Poisson draws for rates >= 10 by transformed rejection (PTRS, Hoermann 1993).
void poisson_by_rejection(const Tensor& out, const Tensor& rate, Generator& generator) {
  Pending p(ge(rate, 10), {rate});
  while (p.size() > 0) {
    const Tensor& lam = p.params[0];
    const Tensor b = 0.931 + 2.53 * sqrt(lam);
    const Tensor a = -0.059 + 0.02483 * b;
    const Tensor u = p.uniform(generator) - 0.5, v = p.uniform(generator);
    const Tensor us = 0.5 - abs(u);
    const Tensor k = floor((2 * a / us + b) * u + lam + 0.43);
    const Tensor quick = logical_and(ge(us, 0.07), le(v, 0.9277 - 3.6224 / (b - 2)));
    const Tensor refused = logical_or(lt(k, 0), logical_and(lt(us, 0.013), gt(v, us)));
    const Tensor log_alpha = -log(1.1239 + 1.1328 / (b - 3.4));
    const Tensor fits = le(log(v) - log_alpha - log(a / (us * us) + b), -lam + k * log(lam) - lgamma(k + 1));
    p.settle(out, logical_or(quick, logical_and(logical_not(refused), fits)), k);
  }
}

// Binomial draws with count * prob < 10 (prob <= 1/2): the number of geometric(prob) waiting
// times that fit in count trials.
Tensor binomial_by_inversion(const Tensor& n, const Tensor& q, const Tensor& mask, Generator& generator) {
  Tensor out = zeros_like(n);
  Pending p(mask, {n, log1p(-q), zeros_like(n), zeros_like(n)});
  while (p.size() > 0) {
    const Tensor& trials = p.params[0];
    const Tensor& log_q = p.params[1];
    Tensor& used = p.params[2];
    Tensor& successes = p.params[3];
    used = used + ceil(log(p.uniform(generator)) / log_q);
    p.settle(out, gt(used, trials), successes);
    successes = successes + 1;
  }
  return out;
}

// Binomial draws with count * prob >= 10 (prob <= 1/2) by transformed rejection (BTRS,
// Hormann 1993). The acceptance bound is log(pmf(k) / pmf(mode)), which PyTorch writes with
// Stirling's series and its tail table; lgamma gives the same values.
Tensor binomial_by_rejection(const Tensor& n, const Tensor& q, const Tensor& mask, Generator& generator) {
  Tensor out = zeros_like(n);
  Pending p(mask, {n, q});
  while (p.size() > 0) {
    const Tensor& trials = p.params[0];
    const Tensor& prob = p.params[1];
    const Tensor stddev = sqrt(trials * prob * (1 - prob));
    const Tensor b = 1.15 + 2.53 * stddev;
    const Tensor a = -0.0873 + 0.0248 * b + 0.01 * prob;
    const Tensor alpha = (2.83 + 5.1 / b) * stddev;
    const Tensor log_r = log(prob / (1 - prob));
    const Tensor mode = floor((trials + 1) * prob);
    const Tensor u = p.uniform(generator) - 0.5, v = p.uniform(generator);
    const Tensor us = 0.5 - abs(u);
    const Tensor k = floor((2 * a / us + b) * u + trials * prob + 0.5);
    const Tensor inside = logical_and(ge(k, 0), le(k, trials));
    const Tensor quick = logical_and(ge(us, 0.07), le(v, 0.92 - 4.2 / b));
    const Tensor ks = minimum(k.clamp_min(0), trials);  // keeps lgamma finite where k is refused anyway
    const Tensor bound =
        lgamma(mode + 1) + lgamma(trials - mode + 1) - lgamma(ks + 1) - lgamma(trials - ks + 1) + (ks - mode) * log_r;
    const Tensor fits = le(log(v * alpha / (a / (us * us) + b)), bound);
    p.settle(out, logical_and(inside, logical_or(quick, fits)), k);
  }
  return out;
}

}  // namespace

Tensor poisson(const Tensor& rates, Generator* generator, SourceLoc loc) {
  detail::ApiScope scope("poisson", loc);
  ops::check_floating("poisson", rates, "rates");
  NoGradGuard no_grad;
  const Tensor rate = flat64(rates, rates.sizes());
  TG_CHECK_VALUE(logical_and(isfinite(rate), ge(rate, 0)).all().item<bool>(),
                 "poisson: rates must be finite and non-negative; the rates of shape {} hold a negative, inf or NaN",
                 rates.sizes());
  Generator& gen = generator_or_default(generator);
  const Tensor out = zeros_like(rate);
  poisson_by_products(out, rate, gen);
  poisson_by_rejection(out, rate, gen);
  return out.reshape(rates.sizes()).to(rates.dtype());
}

Tensor binomial(const Tensor& count, const Tensor& prob, Generator* generator, SourceLoc loc) {
  detail::ApiScope scope("binomial", loc);
  ops::check_floating("binomial", count, "count");
  ops::check_floating("binomial", prob, "prob");
  ops::check_same_device("binomial", count, prob);
  NoGradGuard no_grad;
  const Shape shape = broadcast_shapes(count.sizes(), prob.sizes(), "binomial");
  const Tensor n = flat64(count, shape), p = flat64(prob, shape);
  TG_CHECK_VALUE(logical_and(isfinite(n), logical_and(ge(n, 0), eq(n, floor(n)))).all().item<bool>(),
                 "binomial: counts must be non-negative whole numbers; the count of shape {} holds another value",
                 count.sizes());
  TG_CHECK_VALUE(logical_and(ge(p, 0), le(p, 1)).all().item<bool>(),
                 "binomial: probabilities must lie in [0, 1]; the prob of shape {} holds a value outside or NaN",
                 prob.sizes());
  Generator& gen = generator_or_default(generator);
  // Draws for min(p, 1 - p), mirrored back where p > 1/2, as PyTorch samples.
  const Tensor flip = gt(p, 0.5);
  const Tensor q = where(flip, 1 - p, p);
  const Tensor live = logical_and(gt(n, 0), gt(q, 0));
  const Tensor large = ge(n * q, 10);
  const Tensor draws = binomial_by_inversion(n, q, logical_and(live, logical_not(large)), gen) +
                       binomial_by_rejection(n, q, logical_and(live, large), gen);
  const Tensor out = where(flip, n - draws, draws);
  return out.reshape(shape).to(promote_types(count.dtype(), prob.dtype()));
}

}  // namespace tg
