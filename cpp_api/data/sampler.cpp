// Sequential, random, subset and weighted samplers, and batching of a sampler's indices.
#include "tapegrad/data/sampler.h"

#include "tapegrad/tensor/factories.h"
#include "tapegrad/tensor/ops.h"

namespace tg::data {

namespace {

Generator& stream(Generator* own, Generator& asker) { return own ? *own : asker; }

}  // namespace

SequentialSampler::SequentialSampler(int64_t n) : n_(n) {
  TG_CHECK_VALUE(n >= 0, "SequentialSampler: the number of examples must be non-negative, got {}", n);
}

std::vector<int64_t> SequentialSampler::sample(Generator&) {
  std::vector<int64_t> order(static_cast<size_t>(n_));
  for (int64_t i = 0; i < n_; ++i) order[static_cast<size_t>(i)] = i;
  return order;
}

RandomSampler::RandomSampler(int64_t n, RandomSamplerOptions options) : n_(n), options_(options) {
  TG_CHECK_VALUE(n >= 0, "RandomSampler: the number of examples must be non-negative, got {}", n);
  if (options_.num_samples)
    TG_CHECK_VALUE(*options_.num_samples > 0, "RandomSampler: num_samples must be positive, got {}",
                   *options_.num_samples);
  TG_CHECK_VALUE(!(options_.replacement && n == 0 && size() > 0),
                 "RandomSampler: cannot draw {} samples with replacement from an empty dataset", size());
}

int64_t RandomSampler::size() const { return options_.num_samples.value_or(n_); }

std::vector<int64_t> RandomSampler::sample(Generator& generator) {
  Generator& g = stream(options_.generator, generator);
  const int64_t k = size();
  if (options_.replacement) return randint(0, n_, {k}, g).to_vector<int64_t>();
  // Without replacement, k > n draws are whole permutations followed by part of one more.
  std::vector<int64_t> out;
  out.reserve(static_cast<size_t>(k));
  while (static_cast<int64_t>(out.size()) < k && n_ > 0) {
    const std::vector<int64_t> perm = randperm(n_, g).to_vector<int64_t>();
    const int64_t take = std::min<int64_t>(n_, k - static_cast<int64_t>(out.size()));
    out.insert(out.end(), perm.begin(), perm.begin() + take);
  }
  return out;
}

SubsetRandomSampler::SubsetRandomSampler(std::vector<int64_t> indices, Generator* generator)
    : indices_(std::move(indices)), generator_(generator) {}

std::vector<int64_t> SubsetRandomSampler::sample(Generator& generator) {
  const auto n = static_cast<int64_t>(indices_.size());
  std::vector<int64_t> out(indices_.size());
  if (n == 0) return out;
  const std::vector<int64_t> perm = randperm(n, stream(generator_, generator)).to_vector<int64_t>();
  for (size_t i = 0; i < out.size(); ++i) out[i] = indices_[static_cast<size_t>(perm[i])];
  return out;
}

WeightedRandomSampler::WeightedRandomSampler(const Tensor& weights, int64_t num_samples, bool replacement,
                                             Generator* generator)
    : num_samples_(num_samples), replacement_(replacement), generator_(generator) {
  TG_CHECK_VALUE(weights.defined() && weights.dim() == 1 && weights.numel() > 0,
                 "WeightedRandomSampler: weights must be a non-empty 1-D tensor, got shape {}",
                 weights.defined() ? weights.sizes() : Shape{});
  TG_CHECK_VALUE(num_samples > 0, "WeightedRandomSampler: num_samples must be positive, got {}", num_samples);
  weights_ = weights.detach().to(kFloat64).cpu();
  TG_CHECK_VALUE(isfinite(weights_).all().item<bool>() && (weights_ >= 0).all().item<bool>(),
                 "WeightedRandomSampler: weights must be finite and non-negative");
  TG_CHECK_VALUE(weights_.sum().item<double>() > 0, "WeightedRandomSampler: weights sum to zero");
  const int64_t positive = (weights_ > 0).sum().item<int64_t>();
  TG_CHECK_VALUE(replacement || num_samples <= positive,
                 "WeightedRandomSampler: cannot draw {} samples without replacement from {} positive weights",
                 num_samples, positive);
}

std::vector<int64_t> WeightedRandomSampler::sample(Generator& generator) {
  return multinomial(weights_, num_samples_, replacement_, stream(generator_, generator)).to_vector<int64_t>();
}

BatchSampler::BatchSampler(std::shared_ptr<Sampler> sampler, int64_t batch_size, bool drop_last)
    : sampler_(std::move(sampler)), batch_size_(batch_size), drop_last_(drop_last) {
  TG_CHECK(sampler_ != nullptr, "BatchSampler: the sampler is null");
  TG_CHECK_VALUE(batch_size > 0, "BatchSampler: batch_size must be positive, got {}", batch_size);
}

int64_t BatchSampler::size() const {
  const int64_t n = sampler_->size();
  return drop_last_ ? n / batch_size_ : (n + batch_size_ - 1) / batch_size_;
}

std::vector<std::vector<int64_t>> BatchSampler::sample(Generator& generator) {
  const std::vector<int64_t> order = sampler_->sample(generator);
  const auto n = static_cast<int64_t>(order.size());
  std::vector<std::vector<int64_t>> batches;
  for (int64_t lo = 0; lo < n; lo += batch_size_) {
    const int64_t hi = std::min(n, lo + batch_size_);
    if (drop_last_ && hi - lo < batch_size_) break;
    batches.emplace_back(order.begin() + lo, order.begin() + hi);
  }
  return batches;
}

}  // namespace tg::data
