#pragma once
// Samplers (torch.utils.data): the order in which a DataLoader visits a dataset's examples.
// A sampler yields one epoch of indices at a time; a BatchSampler groups them into batches.
//
//   auto sampler = std::make_shared<tg::data::WeightedRandomSampler>(weights, 1000);
//   tg::data::DataLoader loader(dataset, {.batch_size = 64, .sampler = sampler});
//
// Random samplers draw from the generator they were given (which the caller keeps alive), or
// else from the stream of whoever asks: the DataLoader's seeded shuffling stream, so that the
// order depends only on the loader's seed and epoch.
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "tapegrad/tensor/generator.h"
#include "tapegrad/tensor/tensor.h"

namespace tg::data {

class Sampler {
 public:
  virtual ~Sampler() = default;
  // Indices per epoch.
  virtual int64_t size() const = 0;
  // One epoch of indices; `generator` is the asker's stream (see above).
  virtual std::vector<int64_t> sample(Generator& generator) = 0;
};

// 0, 1, ..., n-1.
class SequentialSampler : public Sampler {
 public:
  explicit SequentialSampler(int64_t n);
  int64_t size() const override { return n_; }
  std::vector<int64_t> sample(Generator& generator) override;

 private:
  int64_t n_;
};

struct RandomSamplerOptions {
  bool replacement = false;
  // Draws per epoch (default n). Without replacement, more than n draws chain permutations.
  std::optional<int64_t> num_samples = std::nullopt;
  Generator* generator = nullptr;
};

// A permutation of 0..n-1 per epoch, or num_samples uniform draws with replacement.
class RandomSampler : public Sampler {
 public:
  explicit RandomSampler(int64_t n, RandomSamplerOptions options = {});
  int64_t size() const override;
  std::vector<int64_t> sample(Generator& generator) override;
  bool replacement() const { return options_.replacement; }

 private:
  int64_t n_;
  RandomSamplerOptions options_;
};

// The given indices, in a new random order each epoch.
class SubsetRandomSampler : public Sampler {
 public:
  explicit SubsetRandomSampler(std::vector<int64_t> indices, Generator* generator = nullptr);
  int64_t size() const override { return static_cast<int64_t>(indices_.size()); }
  std::vector<int64_t> sample(Generator& generator) override;
  const std::vector<int64_t>& indices() const { return indices_; }

 private:
  std::vector<int64_t> indices_;
  Generator* generator_;
};

// num_samples indices drawn with probability proportional to `weights` (1-D, non-negative,
// need not sum to 1); without replacement no index repeats within an epoch.
class WeightedRandomSampler : public Sampler {
 public:
  WeightedRandomSampler(const Tensor& weights, int64_t num_samples, bool replacement = true,
                        Generator* generator = nullptr);
  int64_t size() const override { return num_samples_; }
  std::vector<int64_t> sample(Generator& generator) override;
  const Tensor& weights() const { return weights_; }
  bool replacement() const { return replacement_; }

 private:
  Tensor weights_;
  int64_t num_samples_;
  bool replacement_;
  Generator* generator_;
};

// Consecutive runs of batch_size indices from `sampler`; the last may be shorter unless
// drop_last. Subclasses may make batches any other way.
class BatchSampler {
 public:
  BatchSampler(std::shared_ptr<Sampler> sampler, int64_t batch_size, bool drop_last = false);
  virtual ~BatchSampler() = default;
  // Batches per epoch.
  virtual int64_t size() const;
  virtual std::vector<std::vector<int64_t>> sample(Generator& generator);
  const std::shared_ptr<Sampler>& sampler() const { return sampler_; }
  int64_t batch_size() const { return batch_size_; }
  bool drop_last() const { return drop_last_; }

 protected:
  BatchSampler() = default;

 private:
  std::shared_ptr<Sampler> sampler_;
  int64_t batch_size_ = 1;
  bool drop_last_ = false;
};

}  // namespace tg::data
