// pad_sequence: each sequence padded along its first dim (tg::pad, so gradients flow), then stacked.
#include "tapegrad/nn/rnn_utils.h"

#include <algorithm>
#include <vector>

#include "tapegrad/tensor/ops.h"

namespace tg::nn::utils::rnn {

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

}  // namespace tg::nn::utils::rnn
