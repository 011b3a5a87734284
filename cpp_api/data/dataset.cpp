// Dataset, TensorDataset and default collation.
#include "tapegrad/data/dataset.h"

#include "tapegrad/tensor/factories.h"
#include "tapegrad/tensor/ops.h"

namespace tg::data {

Example default_collate(const std::vector<Example>& examples) {
  TG_CHECK(!examples.empty(), "default_collate: got no examples");
  tensor_list data, target;
  for (const Example& e : examples) {
    data.push_back(e.data);
    if (e.target.defined()) target.push_back(e.target);
  }
  TG_CHECK(target.empty() || target.size() == examples.size(),
           "default_collate: some examples have a target and some do not");
  return {stack(data), target.empty() ? Tensor() : stack(target)};
}

void Dataset::check_index(int64_t index) const {
  TG_CHECK_INDEX(index >= 0 && index < size(), "dataset: index {} is out of range for {} examples", index, size());
}

Example Dataset::get_batch(const std::vector<int64_t>& indices) const {
  std::vector<Example> examples;
  examples.reserve(indices.size());
  for (int64_t i : indices) examples.push_back(get(i));
  return default_collate(examples);
}

TensorDataset::TensorDataset(Tensor data, Tensor target) : data_(std::move(data)), target_(std::move(target)) {
  TG_CHECK(data_.defined() && data_.dim() >= 1, "TensorDataset: data needs at least one dim");
  if (target_.defined())
    TG_CHECK(target_.dim() >= 1 && target_.sizes()[0] == data_.sizes()[0],
             "TensorDataset: data of shape {} and target of shape {} differ in their first dim", data_.sizes(),
             target_.sizes());
}

Example TensorDataset::get(int64_t index) const {
  check_index(index);
  return {data_[index], target_.defined() ? target_[index] : Tensor()};
}

Example TensorDataset::get_batch(const std::vector<int64_t>& indices) const {
  for (int64_t i : indices) check_index(i);
  Tensor idx = tensor(indices);
  return {data_.index_select(0, idx), target_.defined() ? target_.index_select(0, idx) : Tensor()};
}

}  // namespace tg::data
