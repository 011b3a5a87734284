#pragma once
// torch.nn.functional.interpolate: resizing the spatial dims (all dims after the first two) of
// a [N, C, ...] input; pixel_shuffle and pixel_unshuffle.
#include <optional>
#include <string>
#include <vector>

#include "tapegrad/tensor/tensor.h"

namespace tg::nn::functional {

// Exactly one of size and scale_factor, each given once for every spatial dim or once per dim.
// mode: "nearest" and "nearest-exact" (any spatial rank), "linear" (3-D input), "bilinear"
// and "bicubic" (4-D), "trilinear" (5-D), "area" (adaptive average pooling, 3-D to 5-D).
// align_corners (the linear and cubic modes only): corner pixels' centres map onto each other,
// instead of the corners of the pixel grids. recompute_scale_factor: compute the source
// coordinates from the output size rather than from scale_factor.
struct InterpolateOptions {
  std::vector<int64_t> size{};
  std::vector<double> scale_factor{};
  std::string mode = "nearest";
  std::optional<bool> align_corners{};
  std::optional<bool> recompute_scale_factor{};
  // Shrinking with "bilinear" or "bicubic" (4-D input), average every input position an output
  // covers, the filter stretched by the step (PIL's resampling, as PyTorch's antialias=True),
  // rather than sample at two or four of them.
  bool antialias = false;
};

Tensor interpolate(const Tensor& input, const InterpolateOptions& options, TG_CALLER);

// [*, C * r^2, H, W] -> [*, C, H * r, W * r], moving channel blocks into space; and back.
Tensor pixel_shuffle(const Tensor& input, int64_t upscale_factor, TG_CALLER);
Tensor pixel_unshuffle(const Tensor& input, int64_t downscale_factor, TG_CALLER);
// [N, C, *] with C = g * k: channel j * k + i moves to i * g + j (ShuffleNet's shuffle).
Tensor channel_shuffle(const Tensor& input, int64_t groups, TG_CALLER);

}  // namespace tg::nn::functional
