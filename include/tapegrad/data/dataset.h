#pragma once
// Map-style datasets (torch.utils.data): an indexable collection of (data, target) examples.
#include <functional>
#include <memory>
#include <vector>

#include "tapegrad/tensor/tensor.h"

namespace tg::data {

// One example, or a batch of them (data and target stacked along a new dim 0).
struct Example {
  Tensor data;
  Tensor target;
};

// A function from a batch of examples to one batched Example.
using Collate = std::function<Example(const std::vector<Example>&)>;
// Stacks data and targets along a new dim 0 (PyTorch's default_collate for tensors).
Example default_collate(const std::vector<Example>& examples);

class Dataset {
 public:
  virtual ~Dataset() = default;
  virtual int64_t size() const = 0;
  // Example `index` (0 <= index < size()). May be called from several threads at once.
  virtual Example get(int64_t index) const = 0;
  // The examples at `indices`, collated. The default calls get() per index; in-memory datasets
  // override it with one gather.
  virtual Example get_batch(const std::vector<int64_t>& indices) const;

 protected:
  void check_index(int64_t index) const;
};

// Examples are the rows (dim 0) of a data tensor and a target tensor of equal length.
class TensorDataset : public Dataset {
 public:
  TensorDataset(Tensor data, Tensor target);
  int64_t size() const override { return data_.sizes()[0]; }
  Example get(int64_t index) const override;
  Example get_batch(const std::vector<int64_t>& indices) const override;
  const Tensor& data() const { return data_; }
  const Tensor& targets() const { return target_; }

 private:
  Tensor data_, target_;
};

}  // namespace tg::data
