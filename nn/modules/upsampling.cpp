// Upsample, UpsamplingNearest2d, UpsamplingBilinear2d, PixelShuffle, PixelUnshuffle.
#include "tapegrad/nn/modules/upsampling.h"

#include <fmt/ranges.h>

#include "repr.h"

namespace tg::nn {

UpsampleImpl::UpsampleImpl(functional::InterpolateOptions options) : Module("Upsample"), options(std::move(options)) {}

Tensor UpsampleImpl::forward(const Tensor& input) { return functional::interpolate(input, options); }

namespace {
// torch's repr of the size or scale factor kept: one value alone, several as a tuple.
template <class T, class Format>
std::string one_or_tuple(const std::vector<T>& values, Format format) {
  if (values.size() == 1) return format(values[0]);
  std::string s = "(";
  for (size_t i = 0; i < values.size(); ++i) s += (i ? ", " : "") + format(values[i]);
  return s + ")";
}

std::string interpolate_repr(const functional::InterpolateOptions& options) {
  std::string s = options.size.empty()
                      ? "scale_factor=" + one_or_tuple(options.scale_factor, detail::py_float)
                      : "size=" + one_or_tuple(options.size, [](int64_t v) { return std::to_string(v); });
  return s + ", mode='" + options.mode + "'";
}

functional::InterpolateOptions upsampling_2d(const char* name, std::vector<int64_t> size,
                                             std::vector<double> scale_factor, const char* mode) {
  TG_CHECK_VALUE(size.empty() != scale_factor.empty(), "{}: give exactly one of size and scale_factor", name);
  TG_CHECK_VALUE(size.size() <= 2 && scale_factor.size() <= 2,
                 "{}: size and scale_factor take one value or one per spatial dim (2), got {} and {}", name,
                 size.size(), scale_factor.size());
  functional::InterpolateOptions o;
  o.size = std::move(size);
  o.scale_factor = std::move(scale_factor);
  o.mode = mode;
  if (std::string_view(mode) == "bilinear") o.align_corners = true;
  return o;
}

Tensor upsample_2d(const char* name, const Tensor& input, const functional::InterpolateOptions& options) {
  TG_CHECK(input.dim() == 4, "{}: expected a 4-D input [N, C, H, W], got shape {}", name, input.sizes());
  return functional::interpolate(input, options);
}
}  // namespace

std::string UpsampleImpl::extra_repr() const { return interpolate_repr(options); }

UpsamplingNearest2dImpl::UpsamplingNearest2dImpl(std::vector<int64_t> size, std::vector<double> scale_factor)
    : Module("UpsamplingNearest2d"),
      options(upsampling_2d("UpsamplingNearest2d", std::move(size), std::move(scale_factor), "nearest")) {}
Tensor UpsamplingNearest2dImpl::forward(const Tensor& input) {
  return upsample_2d("UpsamplingNearest2d", input, options);
}
std::string UpsamplingNearest2dImpl::extra_repr() const { return interpolate_repr(options); }

UpsamplingBilinear2dImpl::UpsamplingBilinear2dImpl(std::vector<int64_t> size, std::vector<double> scale_factor)
    : Module("UpsamplingBilinear2d"),
      options(upsampling_2d("UpsamplingBilinear2d", std::move(size), std::move(scale_factor), "bilinear")) {}
Tensor UpsamplingBilinear2dImpl::forward(const Tensor& input) {
  return upsample_2d("UpsamplingBilinear2d", input, options);
}
std::string UpsamplingBilinear2dImpl::extra_repr() const { return interpolate_repr(options); }

Tensor PixelShuffleImpl::forward(const Tensor& input) { return functional::pixel_shuffle(input, upscale_factor); }
std::string PixelShuffleImpl::extra_repr() const { return fmt::format("upscale_factor={}", upscale_factor); }
Tensor PixelUnshuffleImpl::forward(const Tensor& input) {
  return functional::pixel_unshuffle(input, downscale_factor);
}
std::string PixelUnshuffleImpl::extra_repr() const { return fmt::format("downscale_factor={}", downscale_factor); }

Tensor ChannelShuffleImpl::forward(const Tensor& input) { return functional::channel_shuffle(input, groups); }
std::string ChannelShuffleImpl::extra_repr() const { return fmt::format("groups={}", groups); }

}  // namespace tg::nn
