// Normalize and Compose.
#include "tapegrad/data/transforms.h"

#include "tapegrad/tensor/factories.h"
#include "tapegrad/tensor/ops.h"

namespace tg::data::transforms {

Transform Normalize(std::vector<double> mean, std::vector<double> std) {
  TG_CHECK_VALUE(!mean.empty() && mean.size() == std.size(),
                 "Normalize: mean and std need the same number of values (one per channel), got {} and {}", mean.size(),
                 std.size());
  for (double s : std) TG_CHECK_VALUE(s != 0, "Normalize: std evaluated to zero, leading to division by zero");
  return [mean = std::move(mean), std = std::move(std)](const Tensor& x) {
    TG_CHECK(x.is_floating_point(), "Normalize: expected a floating-point tensor, got {}", x.dtype());
    const int64_t c = static_cast<int64_t>(mean.size());
    if (c == 1) return (x - mean[0]) / std[0];
    TG_CHECK(x.dim() >= 3 && x.sizes()[x.dim() - 3] == c,
             "Normalize: {} channel values for an input of shape {} (channels at dim -3)", c, x.sizes());
    Tensor m = tensor(mean, x.dtype()).view({c, 1, 1}), s = tensor(std, x.dtype()).view({c, 1, 1});
    return (x - m) / s;
  };
}

Transform Compose(std::vector<Transform> transforms) {
  return [ts = std::move(transforms)](const Tensor& x) {
    Tensor y = x;
    for (const auto& t : ts) y = t(y);
    return y;
  };
}

}  // namespace tg::data::transforms
