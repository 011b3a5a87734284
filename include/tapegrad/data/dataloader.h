#pragma once
// DataLoader (torch.utils.data.DataLoader): batches of a dataset, optionally shuffled with a
// seeded generator, assembled by background worker threads that prefetch ahead of the loop.
// The order depends only on the seed and the epoch, never on the number of workers. A sampler
// or a batch sampler (sampler.h) may choose the order instead of shuffle.
//
//   tg::data::DataLoader loader(dataset, {.batch_size = 128, .shuffle = true, .num_workers = 2});
//   for (int epoch = 0; epoch < 10; ++epoch)
//     for (const tg::data::Example& batch : loader) { ... batch.data, batch.target ... }
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "tapegrad/data/dataset.h"
#include "tapegrad/data/sampler.h"
#include "tapegrad/tensor/generator.h"

namespace tg::data {

struct DataLoaderOptions {
  int64_t batch_size = 1;
  bool shuffle = false;
  bool drop_last = false;
  int num_workers = 0;      // 0: batches are made on the calling thread when asked for
  int prefetch_factor = 2;  // batches each worker may run ahead
  uint64_t seed = Generator::kDefaultSeed;  // the shuffling stream; epoch e uses its e-th draw
  Collate collate = nullptr;  // default: the dataset's get_batch (stacking)
  // Batches in page-locked memory (made by the workers), so that copying them to a GPU is
  // faster (ignored without a CUDA device, as in PyTorch).
  bool pin_memory = false;
  // The indices of an epoch, in place of shuffle (which it excludes); random samplers without a
  // generator of their own draw from the loader's seeded stream.
  std::shared_ptr<Sampler> sampler = nullptr;
  // Whole batches of indices, in place of batch_size, shuffle, sampler and drop_last.
  std::shared_ptr<BatchSampler> batch_sampler = nullptr;
};

// What plans a DataLoader's batches: options.batch_sampler, or a BatchSampler over
// options.sampler (by default a Random or SequentialSampler over dataset_size examples, as
// shuffle says). Checks the options as PyTorch does, ValueError naming the one at fault.
std::shared_ptr<BatchSampler> make_batch_sampler(int64_t dataset_size, const DataLoaderOptions& options);

class DataLoader {
 public:
  DataLoader(std::shared_ptr<const Dataset> dataset, DataLoaderOptions options = {});
  template <class D>
    requires std::is_base_of_v<Dataset, D>
  DataLoader(D dataset, DataLoaderOptions options = {})
      : DataLoader(std::make_shared<const D>(std::move(dataset)), std::move(options)) {}
  ~DataLoader();
  DataLoader(const DataLoader&) = delete;
  DataLoader& operator=(const DataLoader&) = delete;

  // Batches per epoch.
  int64_t size() const;
  const Dataset& dataset() const { return *dataset_; }
  // What plans the batches: options.batch_sampler, or one made of the sampler and batch_size.
  const BatchSampler& batch_sampler() const { return *batch_sampler_; }
  int64_t epoch() const { return epoch_; }

  class Iterator {
   public:
    using value_type = Example;
    using difference_type = std::ptrdiff_t;
    Iterator() = default;
    const Example& operator*() const { return current_; }
    const Example* operator->() const { return &current_; }
    Iterator& operator++();
    bool operator==(const Iterator& o) const { return position_ == o.position_; }

   private:
    friend class DataLoader;
    Iterator(DataLoader* loader, int64_t position);
    DataLoader* loader_ = nullptr;
    int64_t position_ = -1;
    Example current_;
  };
  // Starts a new epoch (a new shuffle); a running epoch is abandoned.
  Iterator begin();
  Iterator end() { return Iterator(nullptr, planned()); }

 private:
  struct Epoch;
  int64_t planned() const;
  Example make_batch(const std::vector<int64_t>& indices) const;
  Example next_batch(int64_t position);
  void stop_workers();

  std::shared_ptr<const Dataset> dataset_;
  DataLoaderOptions options_;
  bool pin_ = false;  // pin_memory asked for and possible
  std::shared_ptr<BatchSampler> batch_sampler_;
  Generator generator_;  // the shuffling stream, one permutation per epoch
  int64_t epoch_ = -1;
  std::vector<std::vector<int64_t>> batches_;
  std::unique_ptr<Epoch> running_;
};

}  // namespace tg::data
