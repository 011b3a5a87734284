// Dataset, TensorDataset and default collation.
#include "tapegrad/data/dataset.h"

#include "tapegrad/tensor/factories.h"
#include "tapegrad/tensor/ops.h"

namespace tg::data {

tensor_list Example::tensors() const {
  tensor_list out{data};
  if (target.defined()) out.push_back(target);
  out.insert(out.end(), rest.begin(), rest.end());
  return out;
}

Example default_collate(const std::vector<Example>& examples) {
  TG_CHECK(!examples.empty(), "default_collate: got no examples");
  const size_t n_rest = examples[0].rest.size();
  tensor_list data, target;
  std::vector<tensor_list> rest(n_rest);
  for (const Example& e : examples) {
    data.push_back(e.data);
    if (e.target.defined()) target.push_back(e.target);
    TG_CHECK(e.rest.size() == n_rest, "default_collate: examples of {} and of {} tensors in one batch",
             e.tensors().size(), examples[0].tensors().size());
    for (size_t k = 0; k < n_rest; ++k) rest[k].push_back(e.rest[k]);
  }
  TG_CHECK(target.empty() || target.size() == examples.size(),
           "default_collate: some examples have a target and some do not");
  Example batch{stack(data), target.empty() ? Tensor() : stack(target)};
  for (const tensor_list& r : rest) batch.rest.push_back(stack(r));
  return batch;
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

TensorDataset::TensorDataset(Tensor data, Tensor target)
    : TensorDataset(tensor_list{std::move(data), std::move(target)}) {}

TensorDataset::TensorDataset(tensor_list tensors) : tensors_(std::move(tensors)) {
  TG_CHECK_VALUE(!tensors_.empty(), "TensorDataset: needs at least one tensor");
  if (tensors_.size() == 1) tensors_.emplace_back();
  const Tensor& first = tensors_[0];
  TG_CHECK(first.defined() && first.dim() >= 1, "TensorDataset: data needs at least one dim");
  for (size_t k = 1; k < tensors_.size(); ++k) {
    const Tensor& t = tensors_[k];
    if (k == 1 && !t.defined()) continue;  // (data, no target)
    TG_CHECK(t.defined() && t.dim() >= 1 && t.sizes()[0] == first.sizes()[0],
             "TensorDataset: tensor {} of shape {} differs from the first, of shape {}, in its first dim", k,
             t.defined() ? t.sizes() : Shape{}, first.sizes());
  }
}

Example TensorDataset::example(const std::function<Tensor(const Tensor&)>& rows) const {
  Example e{rows(tensors_[0]), tensors_[1].defined() ? rows(tensors_[1]) : Tensor()};
  for (size_t k = 2; k < tensors_.size(); ++k) e.rest.push_back(rows(tensors_[k]));
  return e;
}

Example TensorDataset::get(int64_t index) const {
  check_index(index);
  return example([index](const Tensor& t) { return t[index]; });
}

Example TensorDataset::get_batch(const std::vector<int64_t>& indices) const {
  for (int64_t i : indices) check_index(i);
  Tensor idx = tensor(indices);
  return example([&idx](const Tensor& t) { return t.index_select(0, idx); });
}

}  // namespace tg::data
