// pad: constant padding is the tensor op tg::pad; the other modes gather each padded dim with
// index_select, whose backward adds the gradient of every copy of an edge element back into it.
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
    std::vector<int64_t> index;
    index.reserve(static_cast<size_t>(n + left + right));
    for (int64_t j = -left; j < n + right; ++j) {
      if (mode == "reflect") index.push_back(j < 0 ? -j : j >= n ? 2 * (n - 1) - j : j);
      else if (mode == "replicate") index.push_back(std::clamp<int64_t>(j, 0, n - 1));
      else index.push_back(((j % n) + n) % n);
    }
    out = out.index_select(d, tensor(index).to(input.device()));
  }
  return out.is_same(input) ? input.clone() : out;
}

}  // namespace tg::nn::functional
