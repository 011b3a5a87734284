#pragma once
// Batching variable-length sequences (torch.nn.utils.rnn): padding, and packing for the recurrent
// layers, which then run each sequence for its own length only.
#include <optional>
#include <string_view>
#include <tuple>
#include <vector>

#include "tapegrad/tensor/tensor.h"

namespace tg::nn::utils::rnn {

// Sequences [L_i, *] (the same trailing shape) padded with padding_value to the longest length
// (at the end, or with padding_side "left" at the start) and stacked: [L, N, *], or [N, L, *]
// with batch_first. Differentiable in the sequences.
Tensor pad_sequence(const tensor_list& sequences, bool batch_first = false, double padding_value = 0.0,
                    std::string_view padding_side = "right");

// A batch of sequences of different lengths, time-major and without padding (PyTorch's layout):
// data [sum of lengths, *] holds step 0 of every sequence, then step 1 of those at least two long,
// and so on, the sequences in order of decreasing length; batch_sizes (int64, on the CPU) counts
// the rows of each step. sorted_indices gives, for each position in that order, the sequence's
// index in the batch, and unsorted_indices is its inverse; both are undefined when the batch was
// already sorted.
struct PackedSequence {
  Tensor data, batch_sizes, sorted_indices, unsorted_indices;

  // data (and the indices) on `device`; batch_sizes stays on the CPU.
  PackedSequence to(Device device) const;
  // batch_sizes as numbers, checked to describe data: 1-D integers, positive, non-increasing,
  // summing to data's rows (errors name `op`).
  std::vector<int64_t> checked_batch_sizes(const char* op) const;
};

// Packs a padded batch [T, B, *] (or [B, T, *] with batch_first) whose sequence b is lengths[b]
// steps long (1-D, integers, each in [1, T]). enforce_sorted: the lengths must already be in
// decreasing order; otherwise they are sorted here and the order recorded. Differentiable in input.
PackedSequence pack_padded_sequence(const Tensor& input, const Tensor& lengths, bool batch_first = false,
                                    bool enforce_sorted = true);
// The inverse: the padded batch [T, B, *] (or [B, T, *]) in the original batch order, filled with
// padding_value past each sequence's end, and the lengths (int64, on the CPU). total_length pads
// to that many steps (at least the longest). Differentiable in the packed data.
std::tuple<Tensor, Tensor> pad_packed_sequence(const PackedSequence& sequence, bool batch_first = false,
                                               double padding_value = 0.0,
                                               std::optional<int64_t> total_length = std::nullopt);
// Packs sequences [L_i, *] (enforce_sorted: in decreasing length).
PackedSequence pack_sequence(const tensor_list& sequences, bool enforce_sorted = true);
// The sequences of a padded batch, each cut to its length.
tensor_list unpad_sequence(const Tensor& padded, const Tensor& lengths, bool batch_first = false);
// The sequences of a packed batch, in the original order.
tensor_list unpack_sequence(const PackedSequence& packed);

}  // namespace tg::nn::utils::rnn
