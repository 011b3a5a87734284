#pragma once
// Map-style datasets (torch.utils.data): an indexable collection of (data, target) examples.
#include <functional>
#include <memory>
#include <vector>

#include "tapegrad/tensor/tensor.h"

namespace tg::data {

// One example, or a batch of them (each tensor stacked along a new dim 0).
struct Example {
  Tensor data;
  Tensor target;
  // The tensors after the first two, for datasets of more (a TensorDataset(x, y, mask), say).
  tensor_list rest = {};
  // data, target (if defined) and rest, in order: what PyTorch's loader yields.
  tensor_list tensors() const;
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

// Examples are the rows (dim 0) of tensors of equal length: data and target, or any number
// (PyTorch's TensorDataset(*tensors)); the first is the example's data, the second its
// target, the others its `rest`.
class TensorDataset : public Dataset {
 public:
  TensorDataset(Tensor data, Tensor target);
  explicit TensorDataset(tensor_list tensors);
  int64_t size() const override { return tensors_[0].sizes()[0]; }
  Example get(int64_t index) const override;
  Example get_batch(const std::vector<int64_t>& indices) const override;
  const Tensor& data() const { return tensors_[0]; }
  // Undefined for a dataset of one tensor.
  const Tensor& targets() const { return tensors_[1]; }
  // All of them; the second is undefined for TensorDataset(data, Tensor()).
  const tensor_list& tensors() const { return tensors_; }

 private:
  Example example(const std::function<Tensor(const Tensor&)>& rows) const;
  tensor_list tensors_;  // at least two; the second may be undefined
};

}  // namespace tg::data
