// Upsample, PixelShuffle, PixelUnshuffle.
#include "tapegrad/nn/modules/upsampling.h"

#include <fmt/ranges.h>

namespace tg::nn {

UpsampleImpl::UpsampleImpl(functional::InterpolateOptions options) : Module("Upsample"), options(std::move(options)) {}

Tensor UpsampleImpl::forward(const Tensor& input) { return functional::interpolate(input, options); }

std::string UpsampleImpl::extra_repr() const {
  std::string s = options.size.empty() ? fmt::format("scale_factor={}", fmt::join(options.scale_factor, ", "))
                                       : fmt::format("size={}", fmt::join(options.size, ", "));
  return s + ", mode='" + options.mode + "'";
}

Tensor PixelShuffleImpl::forward(const Tensor& input) { return functional::pixel_shuffle(input, upscale_factor); }
std::string PixelShuffleImpl::extra_repr() const { return fmt::format("upscale_factor={}", upscale_factor); }
Tensor PixelUnshuffleImpl::forward(const Tensor& input) {
  return functional::pixel_unshuffle(input, downscale_factor);
}
std::string PixelUnshuffleImpl::extra_repr() const { return fmt::format("downscale_factor={}", downscale_factor); }

Tensor ChannelShuffleImpl::forward(const Tensor& input) { return functional::channel_shuffle(input, groups); }
std::string ChannelShuffleImpl::extra_repr() const { return fmt::format("groups={}", groups); }

}  // namespace tg::nn
