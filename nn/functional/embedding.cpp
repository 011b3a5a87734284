// embedding (a row gather with autograd through index_select), embedding_bag (sums by a kernel
// that adds each bag's rows up in place; max over the bags padded to the longest) and one_hot.
#include "tapegrad/nn/functional/embedding.h"

#include <vector>

#include "autograd/record.h"
#include "tapegrad/tensor/ops.h"
#include "tensor/ops/common.h"

namespace tg::nn::functional {
namespace {
// The indices as contiguous int64, each checked to address one of the table's `rows` rows.
Tensor checked_indices(const char* op, const Tensor& indices, int64_t rows) {
  const Tensor flat = ops::contiguous(indices.to(kInt64));
  if (flat.numel() > 0) {
    const int64_t lo = amin(flat).item<int64_t>(), hi = amax(flat).item<int64_t>();
    TG_CHECK_INDEX(lo >= 0 && hi < rows, "{}: index {} is out of range for a table of {} rows", op, lo < 0 ? lo : hi,
                   rows);
  }
  return flat;
}
}  // namespace

Tensor embedding(const Tensor& input, const Tensor& weight, std::optional<int64_t> padding_idx, SourceLoc loc) {
  const char* op = "embedding";
  detail::ApiScope scope(op, loc);
  ops::check_defined(op, input, "input");
  ops::check_defined(op, weight, "weight");
  TG_CHECK_TYPE(input.dtype() == kInt64 || input.dtype() == kInt32, "{}: expected int64 or int32 indices, got {}", op,
                input.dtype());
  TG_CHECK(weight.dim() == 2, "{}: expected a weight [num_embeddings, embedding_dim], got shape {}", op,
           weight.sizes());
  const int64_t rows = weight.sizes()[0];
  const Tensor flat = checked_indices(op, input.reshape({-1}), rows);
  Shape out_shape = input.sizes();
  out_shape.push_back(weight.sizes()[1]);
  Tensor out = weight.index_select(0, flat).view(out_shape);
  if (padding_idx) {
    int64_t pad = *padding_idx;
    TG_CHECK_INDEX(pad >= -rows && pad < rows, "{}: padding_idx {} is out of range for a table of {} rows", op, pad,
                   rows);
    if (pad < 0) pad += rows;
    // Same values; the detached branch keeps gradient away from the padding row.
    if (out.requires_grad()) out = where(eq(input, pad).unsqueeze(-1), out.detach(), out);
  }
  return out;
}

namespace {

// Where each bag starts in the flattened indices and how many it holds.
struct Bags {
  std::vector<int64_t> start, length;
};

Bags bags_of(const char* op, const Tensor& input, const EmbeddingBagOptions& o) {
  Bags b;
  const int64_t n = input.numel();
  if (input.dim() == 2) {
    TG_CHECK(!o.offsets.defined(), "{}: offsets must be undefined for a 2-D input (each row is a bag), got shape {}",
             op, o.offsets.sizes());
    for (int64_t i = 0; i < input.sizes()[0]; ++i) {
      b.start.push_back(i * input.sizes()[1]);
      b.length.push_back(input.sizes()[1]);
    }
    return b;
  }
  TG_CHECK(input.dim() == 1, "{}: expected a 1-D input with offsets or a 2-D input [bags, size], got shape {}", op,
           input.sizes());
  TG_CHECK(o.offsets.defined() && o.offsets.dim() == 1, "{}: a 1-D input needs 1-D offsets, got {}", op,
           o.offsets.defined() ? o.offsets.sizes().str() : std::string("none"));
  TG_CHECK_TYPE(o.offsets.dtype() == kInt64 || o.offsets.dtype() == kInt32,
                "{}: expected int64 or int32 offsets, got {}", op, o.offsets.dtype());
  const std::vector<int64_t> offs = o.offsets.to(Device::cpu(), kInt64).contiguous().to_vector<int64_t>();
  const size_t bags = o.include_last_offset ? (offs.empty() ? 0 : offs.size() - 1) : offs.size();
  TG_CHECK_VALUE(offs.empty() || offs[0] == 0, "{}: offsets[0] must be 0, got {}", op, offs.empty() ? 0 : offs[0]);
  TG_CHECK_VALUE(!o.include_last_offset || (!offs.empty() && offs.back() == n),
                 "{}: with include_last_offset the last offset must be the input's length {}, got {}", op, n,
                 offs.empty() ? std::string("none") : std::to_string(offs.back()));
  for (size_t i = 0; i < bags; ++i) {
    const int64_t end = i + 1 < offs.size() ? offs[i + 1] : n;
    TG_CHECK_VALUE(offs[i] <= end && end <= n,
                   "{}: offsets must be non-decreasing and at most the input's length {}, got {} then {}", op, n,
                   offs[i], end);
    b.start.push_back(offs[i]);
    b.length.push_back(end - offs[i]);
  }
  return b;
}

}  // namespace

Tensor embedding_bag(const Tensor& input, const Tensor& weight, const EmbeddingBagOptions& o, SourceLoc loc) {
  const char* op = "embedding_bag";
  detail::ApiScope scope(op, loc);
  ops::check_defined(op, input, "input");
  ops::check_floating(op, weight, "weight");
  TG_CHECK_VALUE(o.mode == "sum" || o.mode == "mean" || o.mode == "max",
                 "{}: mode must be \"sum\", \"mean\" or \"max\", got \"{}\"", op, o.mode);
  if (o.per_sample_weights.defined()) {
    TG_CHECK_VALUE(o.mode == "sum", "{}: per_sample_weights are only supported in \"sum\" mode, got \"{}\"", op,
                   o.mode);
    TG_CHECK(o.per_sample_weights.sizes() == input.sizes(),
             "{}: per_sample_weights of shape {} must have the input's shape {}", op, o.per_sample_weights.sizes(),
             input.sizes());
    TG_CHECK_TYPE(o.per_sample_weights.dtype() == weight.dtype(),
                  "{}: per_sample_weights ({}) must have the weight's dtype ({})", op, o.per_sample_weights.dtype(),
                  weight.dtype());
  }
  const Bags bags = bags_of(op, input, o);
  const auto count = static_cast<int64_t>(bags.start.size());
  const Tensor flat = input.reshape({-1});
  const int64_t n = flat.numel(), dim = weight.sizes()[1];
  const TensorOptions on_weight = weight.options().requires_grad(false);
  const TensorOptions on_device = TensorOptions(kInt64).device(weight.device());
  // Each entry's weight: 0 for padding_idx's, else 1 or its per-sample weight.
  Tensor scale = ones({n}, on_weight);
  if (o.padding_idx) {
    const int64_t rows = weight.sizes()[0];
    TG_CHECK_INDEX(*o.padding_idx >= -rows && *o.padding_idx < rows,
                   "{}: padding_idx {} is out of range for a table of {} rows", op, *o.padding_idx, rows);
    const int64_t pad = *o.padding_idx < 0 ? *o.padding_idx + rows : *o.padding_idx;
    scale = ne(flat, pad).to(weight.dtype());
  }
  const Tensor counted = scale;
  if (o.per_sample_weights.defined()) scale = scale * o.per_sample_weights.reshape({-1});
  int64_t longest = 0;
  for (int64_t len : bags.length) longest = std::max(longest, len);
  if (longest == 0) return zeros({count, dim}, on_weight);
  if (o.mode == "max") {
    // The bags as slots (b, j < longest): the entry each holds, and 1 where it holds one. One
    // gather of the padded bags [count, longest, dim], then a max over the slots. Padding slots
    // and padding_idx entries never win; a bag without entries gives zeros.
    std::vector<int64_t> at(static_cast<size_t>(count * longest), 0), used(at.size(), 0);
    for (int64_t b = 0; b < count; ++b)
      for (int64_t j = 0; j < bags.length[static_cast<size_t>(b)]; ++j) {
        at[static_cast<size_t>(b * longest + j)] = bags.start[static_cast<size_t>(b)] + j;
        used[static_cast<size_t>(b * longest + j)] = 1;
      }
    const Tensor slot_entry = tensor(at, on_device), slot_used = tensor(used, on_device);
    const Tensor rows = embedding(flat.index_select(0, slot_entry).view({count, longest}), weight, o.padding_idx);
    const Tensor in_slot = slot_used.to(weight.dtype()).view({count, longest});
    const Tensor counted_slot = counted.index_select(0, slot_entry).view({count, longest});
    const Tensor valid = logical_and(ne(in_slot, 0), ne(counted_slot, 0)).unsqueeze(-1);
    return where(valid.any(1), std::get<0>(where(valid, rows, -INFINITY).max(1)), 0.0);
  }
  // Sums: each bag's entries added up in place by one kernel, no gathered copy. The gradient is
  // composed (each entry's bag gradient index_add'ed back into the table), so it differentiates
  // again.
  const Tensor index = checked_indices(op, flat, weight.sizes()[0]);
  std::vector<int64_t> bounds(bags.start);
  bounds.push_back(bags.start.back() + bags.length.back());
  const Tensor offsets = tensor(bounds, on_device);
  // Each entry's bag, for the gradient and for counting entries past padding_idx's.
  auto entry_bags = [&] {
    std::vector<int64_t> owner(static_cast<size_t>(n), 0);
    for (int64_t b = 0; b < count; ++b)
      for (int64_t j = 0; j < bags.length[static_cast<size_t>(b)]; ++j)
        owner[static_cast<size_t>(bags.start[static_cast<size_t>(b)] + j)] = b;
    return tensor(owner, on_device);
  };
  const bool scaled = o.padding_idx.has_value() || o.per_sample_weights.defined();
  Tensor out = ops::empty({count, dim}, weight.dtype(), weight.device());
  {
    const Tensor table = ops::contiguous(weight), factor = scaled ? ops::contiguous(scale.detach()) : Tensor();
    kernels::backend(weight.device(), op).bag_sum(weight.dtype(), count, dim, out.data_ptr(), table.data_ptr(),
                                                  index.data_ptr<int64_t>(), offsets.data_ptr<int64_t>(),
                                                  scaled ? factor.data_ptr() : nullptr);
  }
  const Tensor& psw = o.per_sample_weights;
  if (autograd::needs_grad(weight) || (psw.defined() && autograd::needs_grad(psw))) {
    const Shape input_shape = input.sizes();
    const Tensor bag = entry_bags();
    auto node = autograd::make_node(
        "EmbeddingBagBackward", {&weight, &psw},
        [index, bag, counted, scaled, input_shape](const autograd::Node& nd, const tensor_list& g) -> tensor_list {
          const Tensor table = nd.saved(0), weights = nd.saved(1);
          const Tensor per_entry = g[0].index_select(0, bag);  // [n, dim]: each entry's bag's gradient
          tensor_list r(2);
          if (nd.needs_input_grad(0)) {
            const Tensor factor = weights.defined() ? counted * weights.reshape({-1}) : counted;
            r[0] = index_add(zeros_like(table), 0, index, scaled ? per_entry * factor.unsqueeze(1) : per_entry);
          }
          if (nd.needs_input_grad(1))
            r[1] = ((per_entry * table.index_select(0, index)).sum({1}) * counted).reshape(input_shape);
          return r;
        });
    node->save(weight);
    node->save(psw);
    autograd::set_history(out, node);
  }
  if (o.mode == "sum") return out;
  if (o.padding_idx) {
    const Tensor entries = index_add(zeros({count}, on_weight), 0, entry_bags(), counted);
    return out / entries.clamp_min(1).unsqueeze(1);
  }
  std::vector<double> sizes(bags.length.begin(), bags.length.end());
  for (double& v : sizes) v = std::max(v, 1.0);
  return out / tensor(sizes, on_weight).unsqueeze(1);
}

Tensor one_hot(const Tensor& input, int64_t num_classes, SourceLoc loc) {
  const char* op = "one_hot";
  detail::ApiScope scope(op, loc);
  ops::check_defined(op, input, "input");
  TG_CHECK_TYPE(input.dtype() == kInt64, "{}: expected int64 class indices, got {}", op, input.dtype());
  if (input.numel() > 0) {
    const int64_t lo = amin(input).item<int64_t>(), hi = amax(input).item<int64_t>();
    TG_CHECK_VALUE(lo >= 0, "{}: class values must be non-negative, got {}", op, lo);
    if (num_classes == -1) num_classes = hi + 1;
    TG_CHECK_VALUE(hi < num_classes, "{}: class value {} is out of range for {} classes", op, hi, num_classes);
  }
  TG_CHECK_VALUE(num_classes > 0, "{}: num_classes must be positive (or -1 to infer it), got {}", op, num_classes);
  Shape out_shape = input.sizes();
  out_shape.push_back(num_classes);
  return zeros(out_shape, input.options()).scatter_(-1, input.unsqueeze(-1), 1);
}

}  // namespace tg::nn::functional
