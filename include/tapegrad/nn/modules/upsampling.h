#pragma once
// torch.nn.Upsample (F::interpolate with fixed options), UpsamplingNearest2d,
// UpsamplingBilinear2d, PixelShuffle and PixelUnshuffle.
#include <string>
#include <vector>

#include "tapegrad/nn/functional/upsampling.h"
#include "tapegrad/nn/module.h"

namespace tg::nn {

class UpsampleImpl : public Module {
 public:
  TG_CLONEABLE
  explicit UpsampleImpl(functional::InterpolateOptions options);
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  functional::InterpolateOptions options;
};
TG_MODULE(Upsample);

// PyTorch's older 2-D forms: Upsample with mode "nearest", and "bilinear" with align_corners.
// Exactly one of size and scale_factor (one value for both dims, or one each).
class UpsamplingNearest2dImpl : public Module {
 public:
  TG_CLONEABLE
  explicit UpsamplingNearest2dImpl(std::vector<int64_t> size, std::vector<double> scale_factor = {});
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  functional::InterpolateOptions options;
};
TG_MODULE(UpsamplingNearest2d);

class UpsamplingBilinear2dImpl : public Module {
 public:
  TG_CLONEABLE
  explicit UpsamplingBilinear2dImpl(std::vector<int64_t> size, std::vector<double> scale_factor = {});
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  functional::InterpolateOptions options;
};
TG_MODULE(UpsamplingBilinear2d);

class PixelShuffleImpl : public Module {
 public:
  TG_CLONEABLE
  explicit PixelShuffleImpl(int64_t upscale_factor) : Module("PixelShuffle"), upscale_factor(upscale_factor) {}
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  int64_t upscale_factor;
};
TG_MODULE(PixelShuffle);

class PixelUnshuffleImpl : public Module {
 public:
  TG_CLONEABLE
  explicit PixelUnshuffleImpl(int64_t downscale_factor)
      : Module("PixelUnshuffle"), downscale_factor(downscale_factor) {}
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  int64_t downscale_factor;
};
TG_MODULE(PixelUnshuffle);

class ChannelShuffleImpl : public Module {
 public:
  TG_CLONEABLE
  explicit ChannelShuffleImpl(int64_t groups) : Module("ChannelShuffle"), groups(groups) {}
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  int64_t groups;
};
TG_MODULE(ChannelShuffle);

}  // namespace tg::nn
