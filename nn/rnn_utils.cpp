// pad_sequence pads each sequence along its first dim (tg::pad, so gradients flow) and stacks.
// Packing and unpacking are one gather (index_select) and one scatter (index_copy) of rows
// through a flat index, so that each records a single backward node.
#include "tapegrad/nn/rnn_utils.h"

#include <algorithm>
#include <numeric>
#include <vector>

#include "tapegrad/tensor/factories.h"
#include "tapegrad/tensor/ops.h"

namespace tg::nn::utils::rnn {

namespace {

// For each packed row (step t, sorted position j < batch_sizes[t]): the row it comes from in the
// padded batch seen as [T * B, *] (or [B * T, *] with batch_first), where sequence j of the sorted
// order is batch entry order[j].
std::vector<int64_t> padded_rows(const std::vector<int64_t>& batch_sizes, const std::vector<int64_t>& order,
                                 int64_t steps, int64_t batch, bool batch_first) {
  std::vector<int64_t> rows;
  for (size_t t = 0; t < batch_sizes.size(); ++t)
    for (int64_t j = 0; j < batch_sizes[t]; ++j) {
      const int64_t b = order[static_cast<size_t>(j)], ti = static_cast<int64_t>(t);
      rows.push_back(batch_first ? b * steps + ti : ti * batch + b);
    }
  return rows;
}

std::vector<int64_t> values_of(const Tensor& t) { return t.to(Device::cpu()).to(kInt64).to_vector<int64_t>(); }

// The batch entry at each sorted position (the identity when the batch came sorted).
std::vector<int64_t> sorted_order(const PackedSequence& p, int64_t batch) {
  if (!p.sorted_indices.defined()) {
    std::vector<int64_t> order(static_cast<size_t>(batch));
    std::iota(order.begin(), order.end(), 0);
    return order;
  }
  return values_of(p.sorted_indices);
}

// The lengths of a packed batch, in the original batch order.
std::vector<int64_t> lengths_of(const std::vector<int64_t>& batch_sizes, const std::vector<int64_t>& order) {
  std::vector<int64_t> lengths(order.size(), 0);
  for (int64_t bs : batch_sizes)
    for (int64_t j = 0; j < bs; ++j) ++lengths[static_cast<size_t>(order[static_cast<size_t>(j)])];
  return lengths;
}

void check_lengths(const char* op, const Tensor& lengths, const char* what = "lengths") {
  TG_CHECK(lengths.defined() && lengths.dim() == 1, "{}: {} must be a 1-D tensor, got shape {}", op, what,
           lengths.defined() ? lengths.sizes() : Shape{});
  TG_CHECK_TYPE(is_integral(lengths.dtype(), false), "{}: {} must be integers, got {}", op, what, lengths.dtype());
}

}  // namespace

Tensor pad_sequence(const tensor_list& sequences, bool batch_first, double padding_value, std::string_view side) {
  TG_CHECK(!sequences.empty(), "pad_sequence: received an empty list of sequences");
  TG_CHECK_VALUE(side == "right" || side == "left", "pad_sequence: padding_side must be 'left' or 'right', got '{}'",
                 side);
  int64_t longest = 0;
  for (size_t i = 0; i < sequences.size(); ++i) {
    const Tensor& s = sequences[i];
    TG_CHECK(s.defined() && s.dim() >= 1, "pad_sequence: sequence {} must have at least one dim, got {}", i,
             s.defined() ? s.sizes() : Shape{});
    TG_CHECK(s.dim() == sequences[0].dim() &&
                 std::equal(s.sizes().begin() + 1, s.sizes().end(), sequences[0].sizes().begin() + 1),
             "pad_sequence: sequence {} has shape {}, but sequence 0 has {}: all but the first dim must match", i,
             s.sizes(), sequences[0].sizes());
    longest = std::max(longest, s.sizes()[0]);
  }
  tensor_list padded;
  for (const Tensor& s : sequences) {
    // pad's order is the last dim's (left, right) first; the first dim's pair is last.
    std::vector<int64_t> pads(static_cast<size_t>(2 * s.dim()), 0);
    pads[pads.size() - (side == "left" ? 2 : 1)] = longest - s.sizes()[0];
    padded.push_back(pad(s, pads, padding_value));
  }
  return stack(padded, batch_first ? 0 : 1);
}

PackedSequence PackedSequence::to(Device device) const {
  auto moved = [&](const Tensor& t) { return t.defined() ? t.to(device) : t; };
  return {moved(data), batch_sizes, moved(sorted_indices), moved(unsorted_indices)};
}

PackedSequence pack_padded_sequence(const Tensor& input, const Tensor& lengths, bool batch_first, bool enforce_sorted) {
  const char* op = "pack_padded_sequence";
  TG_CHECK(input.defined() && input.dim() >= 2, "{}: input must be at least 2-D ([T, B, *] or [B, T, *]), got {}", op,
           input.defined() ? input.sizes() : Shape{});
  check_lengths(op, lengths);
  const int64_t steps = input.sizes()[batch_first ? 1 : 0], batch = input.sizes()[batch_first ? 0 : 1];
  const std::vector<int64_t> len = values_of(lengths);
  TG_CHECK(static_cast<int64_t>(len.size()) == batch, "{}: got {} lengths for a batch of {} (input shape {})", op,
           len.size(), batch, input.sizes());
  for (size_t b = 0; b < len.size(); ++b)
    TG_CHECK_VALUE(len[b] >= 1 && len[b] <= steps,
                   "{}: length {} of sequence {} is outside [1, {}] (the input has {} steps)", op, len[b], b, steps,
                   steps);
  std::vector<int64_t> order(len.size());
  std::iota(order.begin(), order.end(), 0);
  PackedSequence packed;
  if (enforce_sorted) {
    TG_CHECK_VALUE(std::is_sorted(len.rbegin(), len.rend()),
                   "{}: the lengths must be in decreasing order with enforce_sorted=true (pass false to have them "
                   "sorted), got {}",
                   op, lengths.to(Device::cpu()).str());
  } else {
    std::stable_sort(order.begin(), order.end(),
                     [&](int64_t a, int64_t b) { return len[static_cast<size_t>(a)] > len[static_cast<size_t>(b)]; });
    std::vector<int64_t> inverse(order.size());
    for (size_t j = 0; j < order.size(); ++j) inverse[static_cast<size_t>(order[j])] = static_cast<int64_t>(j);
    packed.sorted_indices = tensor(order).to(input.device());
    packed.unsorted_indices = tensor(inverse).to(input.device());
  }
  const int64_t longest = len[static_cast<size_t>(order[0])];
  std::vector<int64_t> batch_sizes(static_cast<size_t>(longest), 0);
  for (int64_t l : len)
    for (int64_t t = 0; t < l; ++t) ++batch_sizes[static_cast<size_t>(t)];
  packed.batch_sizes = tensor(batch_sizes);
  Shape flat = input.sizes();
  flat.erase(0);
  flat[0] = steps * batch;
  const Tensor rows = tensor(padded_rows(batch_sizes, order, steps, batch, batch_first)).to(input.device());
  packed.data = index_select(input.reshape(flat), 0, rows);
  return packed;
}

std::tuple<Tensor, Tensor> pad_packed_sequence(const PackedSequence& sequence, bool batch_first, double padding_value,
                                               std::optional<int64_t> total_length) {
  const char* op = "pad_packed_sequence";
  const Tensor& data = sequence.data;
  const std::vector<int64_t> batch_sizes = sequence.checked_batch_sizes(op);
  const int64_t batch = batch_sizes[0];
  const auto longest = static_cast<int64_t>(batch_sizes.size());
  const int64_t steps = total_length.value_or(longest);
  TG_CHECK_VALUE(steps >= longest, "{}: total_length {} is less than the longest sequence, {}", op, steps, longest);
  const std::vector<int64_t> order = sorted_order(sequence, batch);
  TG_CHECK(static_cast<int64_t>(order.size()) == batch, "{}: sorted_indices has {} entries for a batch of {}", op,
           order.size(), batch);
  Shape flat = data.sizes();
  flat[0] = steps * batch;
  const Tensor rows = tensor(padded_rows(batch_sizes, order, steps, batch, batch_first)).to(data.device());
  Tensor padded = index_copy(full(flat, padding_value, data.options()), 0, rows, data);
  Shape shape = data.sizes();
  shape[0] = batch_first ? steps : batch;
  shape.insert(0, batch_first ? batch : steps);
  return {padded.view(shape), tensor(lengths_of(batch_sizes, order))};
}

std::vector<int64_t> PackedSequence::checked_batch_sizes(const char* op) const {
  TG_CHECK(data.defined() && data.dim() >= 1, "{}: the packed data must be at least 1-D", op);
  check_lengths(op, batch_sizes, "batch_sizes");
  const std::vector<int64_t> sizes = values_of(batch_sizes);
  TG_CHECK(!sizes.empty(), "{}: the packed sequence has no steps", op);
  int64_t rows = 0;
  for (size_t t = 0; t < sizes.size(); ++t) {
    TG_CHECK(sizes[t] > 0 && (t == 0 || sizes[t] <= sizes[t - 1]),
             "{}: batch_sizes must be positive and non-increasing, got {}", op, batch_sizes.str());
    rows += sizes[t];
  }
  TG_CHECK(rows == data.sizes()[0], "{}: batch_sizes sum to {} but the packed data has {} rows", op, rows,
           data.sizes()[0]);
  return sizes;
}

PackedSequence pack_sequence(const tensor_list& sequences, bool enforce_sorted) {
  std::vector<int64_t> lengths;
  for (const Tensor& s : sequences) lengths.push_back(s.defined() && s.dim() >= 1 ? s.sizes()[0] : 0);
  return pack_padded_sequence(pad_sequence(sequences), tensor(lengths), false, enforce_sorted);
}

tensor_list unpad_sequence(const Tensor& padded, const Tensor& lengths, bool batch_first) {
  const char* op = "unpad_sequence";
  TG_CHECK(padded.defined() && padded.dim() >= 2, "{}: padded must be at least 2-D, got {}", op,
           padded.defined() ? padded.sizes() : Shape{});
  check_lengths(op, lengths);
  const int64_t steps = padded.sizes()[batch_first ? 1 : 0], batch = padded.sizes()[batch_first ? 0 : 1];
  const std::vector<int64_t> len = values_of(lengths);
  TG_CHECK(static_cast<int64_t>(len.size()) == batch, "{}: got {} lengths for a batch of {}", op, len.size(), batch);
  tensor_list out;
  for (int64_t b = 0; b < batch; ++b) {
    const int64_t l = len[static_cast<size_t>(b)];
    TG_CHECK_VALUE(l >= 0 && l <= steps, "{}: length {} of sequence {} is outside [0, {}]", op, l, b, steps);
    out.push_back(padded.select(batch_first ? 0 : 1, b).slice(0, 0, l));
  }
  return out;
}

tensor_list unpack_sequence(const PackedSequence& packed) {
  auto [padded, lengths] = pad_packed_sequence(packed, true);
  return unpad_sequence(padded, lengths, true);
}

}  // namespace tg::nn::utils::rnn
