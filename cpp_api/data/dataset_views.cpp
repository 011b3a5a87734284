// Subset, ConcatDataset and random_split.
#include "tapegrad/data/dataset_views.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include <fmt/ranges.h>

#include "tapegrad/tensor/factories.h"

namespace tg::data {

Subset::Subset(std::shared_ptr<const Dataset> dataset, std::vector<int64_t> indices)
    : dataset_(std::move(dataset)), indices_(std::move(indices)) {
  TG_CHECK(dataset_ != nullptr, "Subset: the dataset is null");
  const int64_t n = dataset_->size();
  for (int64_t i : indices_)
    TG_CHECK_INDEX(i >= 0 && i < n, "Subset: index {} is out of range for a dataset of {} examples", i, n);
}

Example Subset::get(int64_t index) const {
  check_index(index);
  return dataset_->get(indices_[static_cast<size_t>(index)]);
}

Example Subset::get_batch(const std::vector<int64_t>& indices) const {
  std::vector<int64_t> mapped;
  mapped.reserve(indices.size());
  for (int64_t i : indices) {
    check_index(i);
    mapped.push_back(indices_[static_cast<size_t>(i)]);
  }
  return dataset_->get_batch(mapped);
}

ConcatDataset::ConcatDataset(std::vector<std::shared_ptr<const Dataset>> datasets) : datasets_(std::move(datasets)) {
  TG_CHECK_VALUE(!datasets_.empty(), "ConcatDataset: got no datasets");
  int64_t total = 0;
  for (const auto& d : datasets_) {
    TG_CHECK(d != nullptr, "ConcatDataset: dataset {} is null", cumulative_sizes_.size());
    total += d->size();
    cumulative_sizes_.push_back(total);
  }
}

std::pair<size_t, int64_t> ConcatDataset::locate(int64_t index) const {
  check_index(index);
  const auto it = std::upper_bound(cumulative_sizes_.begin(), cumulative_sizes_.end(), index);
  const auto d = static_cast<size_t>(it - cumulative_sizes_.begin());
  return {d, index - (d == 0 ? 0 : cumulative_sizes_[d - 1])};
}

Example ConcatDataset::get(int64_t index) const {
  const auto [d, i] = locate(index);
  return datasets_[d]->get(i);
}

Example ConcatDataset::get_batch(const std::vector<int64_t>& indices) const {
  if (indices.empty()) return Dataset::get_batch(indices);
  std::vector<int64_t> local;
  local.reserve(indices.size());
  const size_t first = locate(indices[0]).first;
  for (int64_t index : indices) {
    const auto [d, i] = locate(index);
    if (d != first) return Dataset::get_batch(indices);
    local.push_back(i);
  }
  return datasets_[first]->get_batch(local);
}

std::vector<Subset> random_split(std::shared_ptr<const Dataset> dataset, const std::vector<int64_t>& lengths,
                                 Generator* generator) {
  TG_CHECK(dataset != nullptr, "random_split: the dataset is null");
  const int64_t n = dataset->size();
  for (int64_t l : lengths) TG_CHECK_VALUE(l >= 0, "random_split: lengths must be non-negative, got {}", lengths);
  const int64_t total = std::accumulate(lengths.begin(), lengths.end(), int64_t{0});
  TG_CHECK_VALUE(total == n, "random_split: the lengths {} sum to {}, not to the dataset's {} examples", lengths, total,
                 n);
  const std::vector<int64_t> perm =
      (generator ? randperm(n, *generator) : randperm(n, default_generator())).to_vector<int64_t>();
  std::vector<Subset> out;
  auto at = perm.begin();
  for (int64_t l : lengths) {
    out.emplace_back(dataset, std::vector<int64_t>(at, at + l));
    at += l;
  }
  return out;
}

std::vector<int64_t> split_lengths(int64_t n, const std::vector<double>& fractions) {
  double sum = 0;
  for (double f : fractions) {
    TG_CHECK_VALUE(f >= 0 && f <= 1, "random_split: fractions must lie in [0, 1], got {}", fractions);
    sum += f;
  }
  TG_CHECK_VALUE(std::abs(sum - 1.0) <= 1e-9, "random_split: fractions {} sum to {}, not to 1", fractions, sum);
  std::vector<int64_t> lengths;
  int64_t dealt = 0;
  for (double f : fractions) {
    lengths.push_back(static_cast<int64_t>(std::floor(static_cast<double>(n) * f)));
    dealt += lengths.back();
  }
  for (int64_t r = 0; r < n - dealt; ++r) ++lengths[static_cast<size_t>(r) % lengths.size()];
  return lengths;
}

}  // namespace tg::data
