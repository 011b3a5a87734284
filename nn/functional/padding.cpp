// pad: constant padding is the tensor op tg::pad; the other modes build each padded dim from
// views of the input with one cat (index_select along the last dim cost 20x as much).
#include "tapegrad/nn/functional/padding.h"

#include <algorithm>

#include "tapegrad/tensor/ops.h"
#include "tensor/ops/common.h"

namespace tg::nn::functional {

Tensor pad(const Tensor& input, const std::vector<int64_t>& pad, std::string_view mode, const Scalar& value,
           SourceLoc loc) {
  detail::ApiScope scope("pad", loc);
  if (mode == "constant") return tg::pad(input, pad, value);
  TG_CHECK_VALUE(mode == "reflect" || mode == "replicate" || mode == "circular",
                 "pad: mode must be \"constant\", \"reflect\", \"replicate\" or \"circular\", got \"{}\"", mode);
  ops::check_defined("pad", input, "input");
  TG_CHECK_VALUE(pad.size() % 2 == 0, "pad: the padding list must have an even length, got {}", pad.size());
  TG_CHECK_VALUE(static_cast<int>(pad.size()) / 2 <= input.dim(),
                 "pad: {} padding values pad {} dims but the input has only {} (shape {})", pad.size(), pad.size() / 2,
                 input.dim(), input.sizes());
  Tensor out = input;
  for (size_t i = 0; i < pad.size() / 2; ++i) {
    const int d = input.dim() - 1 - static_cast<int>(i);
    const int64_t n = input.sizes()[d], left = pad[2 * i], right = pad[2 * i + 1];
    TG_CHECK_VALUE(left >= 0 && right >= 0, "pad: {} padding takes non-negative pads, got ({}, {}) for dim {}", mode,
                   left, right, d);
    if (left == 0 && right == 0) continue;
    if (mode == "reflect") {
      TG_CHECK_VALUE(left < n && right < n,
                     "pad: reflect padding ({}, {}) of dim {} must be less than its size {} (input shape {})", left,
                     right, d, n, input.sizes());
    } else if (mode == "circular") {
      TG_CHECK_VALUE(left <= n && right <= n,
                     "pad: circular padding ({}, {}) of dim {} must be at most its size {} (input shape {})", left,
                     right, d, n, input.sizes());
    } else {
      TG_CHECK_VALUE(n > 0, "pad: replicate padding of dim {} needs a non-empty dim (input shape {})", d,
                     input.sizes());
    }
    // The padded dim as the pieces of one cat, views of the input: its first rows flipped
    // (reflect), its edge expanded (replicate) or its other end (circular). One copy of the data
    // per dim, and cat's and the views' gradients add each copy's share back into its element.
    const Tensor x = out;
    const auto widened = [&](const Tensor& row, int64_t length) {
      Shape sizes = row.sizes();
      sizes[d] = length;
      return row.expand(sizes);
    };
    const auto side = [&](bool before, int64_t length) {
      if (mode == "reflect") return x.narrow(d, before ? 1 : n - 1 - length, length).flip({d});
      if (mode == "replicate") return widened(x.narrow(d, before ? 0 : n - 1, 1), length);
      return x.narrow(d, before ? n - length : 0, length);
    };
    std::vector<Tensor> parts;
    if (left > 0) parts.push_back(side(true, left));
    parts.push_back(x);
    if (right > 0) parts.push_back(side(false, right));
    out = cat(parts, d);
  }
  return out.is_same(input) ? input.clone() : out;
}

}  // namespace tg::nn::functional
