// DataLoader: batches planned per epoch on the calling thread (so the order depends only on the
// seed), made by workers that claim batch numbers in order and hand them back through a
// reorder buffer, at most num_workers * prefetch_factor ahead of the consumer.
#include "tapegrad/data/dataloader.h"

#include <omp.h>

#include <exception>

#include "tapegrad/autograd/grad_mode.h"
#include "tapegrad/cuda.h"
#include "tapegrad/tensor/factories.h"

namespace tg::data {

struct DataLoader::Epoch {
  std::mutex mu;
  std::condition_variable produced, consumed_cv;
  std::map<int64_t, Example> ready;
  std::map<int64_t, std::exception_ptr> errors;
  int64_t next_to_take = 0, consumed = 0, total = 0, window = 1;
  bool stop = false;
  std::vector<std::thread> workers;
};

std::shared_ptr<BatchSampler> make_batch_sampler(int64_t dataset_size, const DataLoaderOptions& options) {
  TG_CHECK_VALUE(options.batch_size > 0, "DataLoader: batch_size must be positive, got {}", options.batch_size);
  TG_CHECK_VALUE(options.num_workers >= 0, "DataLoader: num_workers must be non-negative, got {}", options.num_workers);
  TG_CHECK_VALUE(options.prefetch_factor > 0, "DataLoader: prefetch_factor must be positive, got {}",
                 options.prefetch_factor);
  if (options.batch_sampler) {
    TG_CHECK_VALUE(options.batch_size == 1 && !options.shuffle && !options.sampler && !options.drop_last,
                   "DataLoader: batch_sampler is mutually exclusive with batch_size, shuffle, sampler and drop_last");
    return options.batch_sampler;
  }
  TG_CHECK_VALUE(!(options.sampler && options.shuffle), "DataLoader: sampler is mutually exclusive with shuffle");
  std::shared_ptr<Sampler> sampler = options.sampler;
  if (!sampler) {
    if (options.shuffle) {
      sampler = std::make_shared<RandomSampler>(dataset_size);
    } else {
      sampler = std::make_shared<SequentialSampler>(dataset_size);
    }
  }
  return std::make_shared<BatchSampler>(std::move(sampler), options.batch_size, options.drop_last);
}

DataLoader::DataLoader(std::shared_ptr<const Dataset> dataset, DataLoaderOptions options)
    : dataset_(std::move(dataset)), options_(std::move(options)), generator_(options_.seed) {
  TG_CHECK(dataset_ != nullptr, "DataLoader: the dataset is null");
  batch_sampler_ = make_batch_sampler(dataset_->size(), options_);
  // As in PyTorch, pin_memory without a GPU is a no-op (pinned memory needs the CUDA driver).
  pin_ = options_.pin_memory && cuda::is_available();
}

DataLoader::~DataLoader() { stop_workers(); }

int64_t DataLoader::size() const { return batch_sampler_->size(); }

// A sampler written in Python may yield another number of batches than its length says.
int64_t DataLoader::planned() const { return epoch_ >= 0 ? static_cast<int64_t>(batches_.size()) : size(); }

Example DataLoader::make_batch(const std::vector<int64_t>& indices) const {
  Example batch;
  if (!options_.collate) {
    batch = dataset_->get_batch(indices);
  } else {
    std::vector<Example> examples;
    examples.reserve(indices.size());
    for (int64_t i : indices) examples.push_back(dataset_->get(i));
    batch = options_.collate(examples);
  }
  if (options_.pin_memory && pin_) {
    if (batch.data.defined()) batch.data = batch.data.pin_memory();
    if (batch.target.defined()) batch.target = batch.target.pin_memory();
    for (Tensor& t : batch.rest) t = t.pin_memory();
  }
  return batch;
}

void DataLoader::stop_workers() {
  if (!running_) return;
  {
    std::lock_guard<std::mutex> lock(running_->mu);
    running_->stop = true;
  }
  running_->consumed_cv.notify_all();
  for (auto& t : running_->workers) t.join();
  running_.reset();
}

DataLoader::Iterator DataLoader::begin() {
  stop_workers();
  ++epoch_;
  // Epoch e shuffles with the e-th permutation drawn from the seeded stream.
  batches_ = batch_sampler_->sample(generator_);
  if (options_.num_workers > 0 && !batches_.empty()) {
    running_ = std::make_unique<Epoch>();
    Epoch& ep = *running_;
    ep.total = static_cast<int64_t>(batches_.size());
    ep.window = static_cast<int64_t>(options_.num_workers) * options_.prefetch_factor;
    for (int w = 0; w < options_.num_workers; ++w)
      ep.workers.emplace_back([this, &ep] {
        // Workers assemble batches; the math threads belong to the training loop.
        omp_set_num_threads(1);
        NoGradGuard no_grad;
        for (;;) {
          int64_t k;
          {
            std::unique_lock<std::mutex> lock(ep.mu);
            ep.consumed_cv.wait(lock, [&] { return ep.stop || ep.next_to_take >= ep.total || ep.next_to_take < ep.consumed + ep.window; });
            if (ep.stop || ep.next_to_take >= ep.total) return;
            k = ep.next_to_take++;
          }
          Example batch;
          std::exception_ptr error;
          try {
            batch = make_batch(batches_[static_cast<size_t>(k)]);
          } catch (...) {
            error = std::current_exception();
          }
          {
            std::lock_guard<std::mutex> lock(ep.mu);
            if (error) {
              ep.errors[k] = error;
            } else {
              ep.ready[k] = std::move(batch);
            }
          }
          ep.produced.notify_all();
        }
      });
  }
  return Iterator(this, 0);
}

Example DataLoader::next_batch(int64_t position) {
  if (!running_) return make_batch(batches_[static_cast<size_t>(position)]);
  Epoch& ep = *running_;
  Example batch;
  std::exception_ptr error;
  {
    std::unique_lock<std::mutex> lock(ep.mu);
    ep.produced.wait(lock, [&] { return ep.ready.count(position) > 0 || ep.errors.count(position) > 0; });
    if (auto it = ep.errors.find(position); it != ep.errors.end()) {
      error = it->second;
    } else {
      auto node = ep.ready.extract(position);
      batch = std::move(node.mapped());
    }
    ep.consumed = position + 1;
  }
  ep.consumed_cv.notify_all();
  if (error) std::rethrow_exception(error);
  return batch;
}

DataLoader::Iterator::Iterator(DataLoader* loader, int64_t position) : loader_(loader), position_(position) {
  if (loader_ && position_ < loader_->planned()) current_ = loader_->next_batch(position_);
}

DataLoader::Iterator& DataLoader::Iterator::operator++() {
  ++position_;
  current_ = {};
  if (loader_ && position_ < loader_->planned()) current_ = loader_->next_batch(position_);
  return *this;
}

}  // namespace tg::data
