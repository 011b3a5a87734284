#pragma once
// 2-D pooling over [N, C, H, W] or unbatched [C, H, W] inputs, 1-D pooling over [N, C, L] or
// [C, L] and 3-D pooling over [N, C, D, H, W] or [C, D, H, W] (torch.nn.functional names).
#include <optional>
#include <tuple>

#include "tapegrad/nn/functional/options.h"
#include "tapegrad/tensor/tensor.h"

namespace tg::nn::functional {

struct MaxPool2dOptions {
  Size2 kernel_size;
  std::optional<Size2> stride = {};  // default: kernel_size
  Size2 padding = 0;                 // at most half the kernel; padded cells never win
  Size2 dilation = 1;
  bool ceil_mode = false;
};
Tensor max_pool2d(const Tensor& input, const MaxPool2dOptions& options, TG_CALLER);
// Also returns, per output, the flat index (h * W + w) of the maximum within its input plane.
std::tuple<Tensor, Tensor> max_pool2d_with_indices(const Tensor& input, const MaxPool2dOptions& options, TG_CALLER);

struct AvgPool2dOptions {
  Size2 kernel_size;
  std::optional<Size2> stride = {};
  Size2 padding = 0;
  bool ceil_mode = false;
  bool count_include_pad = true;
  std::optional<int64_t> divisor_override = {};
};
Tensor avg_pool2d(const Tensor& input, const AvgPool2dOptions& options, TG_CALLER);

// Output cell i averages input rows [floor(i * H / OH), ceil((i + 1) * H / OH)).
Tensor adaptive_avg_pool2d(const Tensor& input, AdaptiveSize2 output_size, TG_CALLER);
// Output cell i takes the max over the same windows; with indices, the flat h * W + w of each.
Tensor adaptive_max_pool2d(const Tensor& input, AdaptiveSize2 output_size, TG_CALLER);
std::tuple<Tensor, Tensor> adaptive_max_pool2d_with_indices(const Tensor& input, AdaptiveSize2 output_size, TG_CALLER);

// 1-D pooling over [N, C, L] or unbatched [C, L]: the 2-D kernels over a height of one.
struct MaxPool1dOptions {
  int64_t kernel_size;
  std::optional<int64_t> stride = {};  // default: kernel_size
  int64_t padding = 0;
  int64_t dilation = 1;
  bool ceil_mode = false;
};
Tensor max_pool1d(const Tensor& input, const MaxPool1dOptions& options, TG_CALLER);
std::tuple<Tensor, Tensor> max_pool1d_with_indices(const Tensor& input, const MaxPool1dOptions& options, TG_CALLER);

struct AvgPool1dOptions {
  int64_t kernel_size;
  std::optional<int64_t> stride = {};
  int64_t padding = 0;
  bool ceil_mode = false;
  bool count_include_pad = true;
};
Tensor avg_pool1d(const Tensor& input, const AvgPool1dOptions& options, TG_CALLER);
Tensor adaptive_avg_pool1d(const Tensor& input, int64_t output_size, TG_CALLER);
Tensor adaptive_max_pool1d(const Tensor& input, int64_t output_size, TG_CALLER);
std::tuple<Tensor, Tensor> adaptive_max_pool1d_with_indices(const Tensor& input, int64_t output_size, TG_CALLER);

// 3-D pooling over [N, C, D, H, W] or unbatched [C, D, H, W]. Every 3-D pool is separable: it
// runs as the 2-D kernels over the (H, W) planes, then along D.
struct MaxPool3dOptions {
  Size3 kernel_size;
  std::optional<Size3> stride = {};  // default: kernel_size
  Size3 padding = 0;                 // at most half the kernel
  Size3 dilation = 1;
  bool ceil_mode = false;
};
Tensor max_pool3d(const Tensor& input, const MaxPool3dOptions& options, TG_CALLER);
// Also returns, per output, the flat index (d * H * W + h * W + w) of the maximum in its volume.
std::tuple<Tensor, Tensor> max_pool3d_with_indices(const Tensor& input, const MaxPool3dOptions& options, TG_CALLER);

struct AvgPool3dOptions {
  Size3 kernel_size;
  std::optional<Size3> stride = {};
  Size3 padding = 0;
  bool ceil_mode = false;
  bool count_include_pad = true;
  std::optional<int64_t> divisor_override = {};
};
Tensor avg_pool3d(const Tensor& input, const AvgPool3dOptions& options, TG_CALLER);

Tensor adaptive_avg_pool3d(const Tensor& input, AdaptiveSize3 output_size, TG_CALLER);
Tensor adaptive_max_pool3d(const Tensor& input, AdaptiveSize3 output_size, TG_CALLER);
std::tuple<Tensor, Tensor> adaptive_max_pool3d_with_indices(const Tensor& input, AdaptiveSize3 output_size, TG_CALLER);

// Power-average pooling: (sum over the window of x^p)^(1/p), PyTorch's form (avg_pool of x^p
// times the window size; a negative window sum is taken as 0). No padding.
Tensor lp_pool1d(const Tensor& input, double norm_type, int64_t kernel_size, std::optional<int64_t> stride = {},
                 bool ceil_mode = false, TG_CALLER);
Tensor lp_pool2d(const Tensor& input, double norm_type, Size2 kernel_size, std::optional<Size2> stride = {},
                 bool ceil_mode = false, TG_CALLER);
Tensor lp_pool3d(const Tensor& input, double norm_type, Size3 kernel_size, std::optional<Size3> stride = {},
                 bool ceil_mode = false, TG_CALLER);

// Fractional max pooling (PyTorch's fractional_max_pool2d/3d): kernel_size windows whose starts
// advance by floor or ceil of (in - k) / (out - 1), placed by one sample in [0, 1) per plane and
// spatial dim. Give exactly one of output_size and output_ratio (output = int(in * ratio)).
// random_samples [N, C, 2] ([N, C, 3] in 3-D; N = 1 for unbatched input), of the input's dtype,
// fixes the windows; left undefined, it is drawn with tg::rand. Samples [..., 0] place the W
// windows and [..., 1] the H windows in 2-D; D, H, W in that order in 3-D (PyTorch's order).
// Indices are flat within each plane (h * W + w) or volume (d * H * W + h * W + w).
struct FractionalMaxPool2dOptions {
  Size2 kernel_size;
  std::optional<Size2> output_size = {};
  std::optional<Fractions<2>> output_ratio = {};
  Tensor random_samples = {};
};
Tensor fractional_max_pool2d(const Tensor& input, const FractionalMaxPool2dOptions& options, TG_CALLER);
std::tuple<Tensor, Tensor> fractional_max_pool2d_with_indices(const Tensor& input,
                                                              const FractionalMaxPool2dOptions& options, TG_CALLER);

struct FractionalMaxPool3dOptions {
  Size3 kernel_size;
  std::optional<Size3> output_size = {};
  std::optional<Fractions<3>> output_ratio = {};
  Tensor random_samples = {};
};
Tensor fractional_max_pool3d(const Tensor& input, const FractionalMaxPool3dOptions& options, TG_CALLER);
std::tuple<Tensor, Tensor> fractional_max_pool3d_with_indices(const Tensor& input,
                                                              const FractionalMaxPool3dOptions& options, TG_CALLER);

// The inverse of max pooling: each input value placed at its max_pool*_with_indices index in a
// zero output of output_size (default (in - 1) * stride - 2 * padding + kernel per spatial dim).
Tensor max_unpool1d(const Tensor& input, const Tensor& indices, int64_t kernel_size, std::optional<int64_t> stride = {},
                    int64_t padding = 0, std::optional<int64_t> output_size = {}, TG_CALLER);
Tensor max_unpool2d(const Tensor& input, const Tensor& indices, Size2 kernel_size, std::optional<Size2> stride = {},
                    Size2 padding = 0, std::optional<Size2> output_size = {}, TG_CALLER);
Tensor max_unpool3d(const Tensor& input, const Tensor& indices, Size3 kernel_size, std::optional<Size3> stride = {},
                    Size3 padding = 0, std::optional<Size3> output_size = {}, TG_CALLER);

}  // namespace tg::nn::functional
