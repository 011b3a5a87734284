#pragma once
// Datasets made of other datasets (torch.utils.data): a Subset picks examples by index, a
// ConcatDataset chains datasets end to end, random_split deals one into disjoint Subsets.
#include <cstdint>
#include <memory>
#include <vector>

#include "tapegrad/data/dataset.h"
#include "tapegrad/tensor/generator.h"

namespace tg::data {

// Examples `indices` of `dataset`, in that order (each in range; repeats allowed).
class Subset : public Dataset {
 public:
  Subset(std::shared_ptr<const Dataset> dataset, std::vector<int64_t> indices);
  int64_t size() const override { return static_cast<int64_t>(indices_.size()); }
  Example get(int64_t index) const override;
  // One get_batch of the underlying dataset, so that in-memory datasets keep their gather.
  Example get_batch(const std::vector<int64_t>& indices) const override;
  const std::shared_ptr<const Dataset>& dataset() const { return dataset_; }
  const std::vector<int64_t>& indices() const { return indices_; }

 private:
  std::shared_ptr<const Dataset> dataset_;
  std::vector<int64_t> indices_;
};

class ConcatDataset : public Dataset {
 public:
  explicit ConcatDataset(std::vector<std::shared_ptr<const Dataset>> datasets);
  int64_t size() const override { return cumulative_sizes_.back(); }
  Example get(int64_t index) const override;
  // Batches that fall in one dataset use its get_batch; others are collated example by example.
  Example get_batch(const std::vector<int64_t>& indices) const override;
  const std::vector<std::shared_ptr<const Dataset>>& datasets() const { return datasets_; }
  // The running totals of the datasets' sizes (PyTorch's cumulative_sizes).
  const std::vector<int64_t>& cumulative_sizes() const { return cumulative_sizes_; }

 private:
  // The dataset holding example `index`, and the index within it.
  std::pair<size_t, int64_t> locate(int64_t index) const;
  std::vector<std::shared_ptr<const Dataset>> datasets_;
  std::vector<int64_t> cumulative_sizes_;
};

// Disjoint Subsets of the given lengths (summing to the dataset's size) over a random
// permutation drawn from `generator` (default: the default generator).
std::vector<Subset> random_split(std::shared_ptr<const Dataset> dataset, const std::vector<int64_t>& lengths,
                                 Generator* generator = nullptr);
// Lengths for fractions of n examples (summing to 1), as PyTorch's random_split makes them:
// floor(n * f) each, then the remainder dealt one at a time from the first split on.
std::vector<int64_t> split_lengths(int64_t n, const std::vector<double>& fractions);

}  // namespace tg::data
