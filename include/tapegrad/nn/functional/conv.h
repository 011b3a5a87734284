#pragma once
// Convolutions (torch.nn.functional names and defaults). Inputs are [N, C, ...] or unbatched
// [C, ...]; weights are [out_channels, in_channels / groups, kernel...] (for the transposed
// convolution [in_channels, out_channels / groups, kernel...]).
#include "tapegrad/nn/functional/options.h"
#include "tapegrad/tensor/tensor.h"

namespace tg::nn::functional {

struct Conv1dOptions {
  Tensor bias = {};
  int64_t stride = 1;
  ConvPadding padding = 0;  // a size, "same" (stride 1 only) or "valid"
  int64_t dilation = 1;
  int64_t groups = 1;
};
Tensor conv1d(const Tensor& input, const Tensor& weight, const Conv1dOptions& options = {}, TG_CALLER);

struct Conv2dOptions {
  Tensor bias = {};
  Size2 stride = 1;
  ConvPadding padding = 0;
  Size2 dilation = 1;
  int64_t groups = 1;
};
Tensor conv2d(const Tensor& input, const Tensor& weight, const Conv2dOptions& options = {}, TG_CALLER);

struct Conv3dOptions {
  Tensor bias = {};
  Size3 stride = 1;
  ConvPadding3 padding = 0;
  Size3 dilation = 1;
  int64_t groups = 1;
};
Tensor conv3d(const Tensor& input, const Tensor& weight, const Conv3dOptions& options = {}, TG_CALLER);

struct ConvTranspose2dOptions {
  Tensor bias = {};
  Size2 stride = 1;
  Size2 padding = 0;
  Size2 output_padding = 0;  // added to one side of the output; smaller than stride or dilation
  int64_t groups = 1;
  Size2 dilation = 1;
};
Tensor conv_transpose2d(const Tensor& input, const Tensor& weight, const ConvTranspose2dOptions& options = {},
                        TG_CALLER);

struct ConvTranspose3dOptions {
  Tensor bias = {};
  Size3 stride = 1;
  Size3 padding = 0;
  Size3 output_padding = 0;
  int64_t groups = 1;
  Size3 dilation = 1;
};
Tensor conv_transpose3d(const Tensor& input, const Tensor& weight, const ConvTranspose3dOptions& options = {},
                        TG_CALLER);

struct ConvTranspose1dOptions {
  Tensor bias = {};
  int64_t stride = 1;
  int64_t padding = 0;
  int64_t output_padding = 0;
  int64_t groups = 1;
  int64_t dilation = 1;
};
Tensor conv_transpose1d(const Tensor& input, const Tensor& weight, const ConvTranspose1dOptions& options = {},
                        TG_CALLER);

}  // namespace tg::nn::functional
