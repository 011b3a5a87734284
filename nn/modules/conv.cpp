// Conv1d, Conv2d, Conv3d, ConvTranspose1d, ConvTranspose2d, ConvTranspose3d.
#include "tapegrad/nn/modules/conv.h"

#include <cmath>

#include "tapegrad/nn/functional/conv.h"
#include "tapegrad/nn/init.h"
#include "tapegrad/tensor/factories.h"

namespace tg::nn {
namespace {

void check_channels(const char* name, int64_t in, int64_t out, int64_t groups) {
  TG_CHECK_VALUE(in > 0 && out > 0, "{}: channels must be positive, got in={} out={}", name, in, out);
  TG_CHECK_VALUE(groups > 0 && in % groups == 0 && out % groups == 0,
                 "{}: in_channels ({}) and out_channels ({}) must be divisible by groups ({})", name, in, out, groups);
}

// PyTorch's _ConvNd.reset_parameters.
void reset_conv(const Tensor& weight, const Tensor& bias) {
  init::kaiming_uniform_(weight, std::sqrt(5.0));
  if (bias.defined()) {
    auto [fan_in, fan_out] = init::calculate_fan_in_and_fan_out(weight);
    const double bound = fan_in > 0 ? 1.0 / std::sqrt(static_cast<double>(fan_in)) : 0.0;
    init::uniform_(bias, -bound, bound);
  }
}

std::string pair(Size2 s) { return fmt::format("({}, {})", s.h, s.w); }
std::string pair(Size3 s) { return fmt::format("({}, {}, {})", s.d, s.h, s.w); }

template <class S>
std::string padding_repr(const BasicConvPadding<S>& p) {
  switch (p.mode) {
    case ConvPaddingMode::Same:
      return ", padding=same";
    case ConvPaddingMode::Valid:
      return ", padding=valid";
    default:
      return p.size == S(0) ? "" : ", padding=" + pair(p.size);
  }
}

}  // namespace

Conv1dImpl::Conv1dImpl(int64_t in, int64_t out, int64_t k, const Conv1dOptions& o)
    : Module("Conv1d"), in_channels(in), out_channels(out), kernel_size(k), options(o) {
  check_channels("Conv1d", in, out, o.groups);
  weight = register_parameter("weight", empty({out, in / o.groups, k}));
  if (o.bias) bias = register_parameter("bias", empty({out}));
  reset_parameters();
}
void Conv1dImpl::reset_parameters() { reset_conv(weight, bias); }
Tensor Conv1dImpl::forward(const Tensor& input) {
  return functional::conv1d(input, weight,
                            {.bias = bias, .stride = options.stride, .padding = options.padding,
                             .dilation = options.dilation, .groups = options.groups});
}
std::string Conv1dImpl::extra_repr() const {
  std::string s = fmt::format("{}, {}, kernel_size=({},), stride=({},)", in_channels, out_channels, kernel_size,
                              options.stride);
  if (options.padding.mode != ConvPaddingMode::Explicit || options.padding.size.w != 0)
    s += options.padding.mode == ConvPaddingMode::Explicit ? fmt::format(", padding=({},)", options.padding.size.w)
                                                           : padding_repr(options.padding);
  if (options.dilation != 1) s += fmt::format(", dilation=({},)", options.dilation);
  if (options.groups != 1) s += fmt::format(", groups={}", options.groups);
  if (!options.bias) s += ", bias=False";
  return s;
}

Conv2dImpl::Conv2dImpl(int64_t in, int64_t out, Size2 k, const Conv2dOptions& o)
    : Module("Conv2d"), in_channels(in), out_channels(out), kernel_size(k), options(o) {
  check_channels("Conv2d", in, out, o.groups);
  weight = register_parameter("weight", empty({out, in / o.groups, k.h, k.w}));
  if (o.bias) bias = register_parameter("bias", empty({out}));
  reset_parameters();
}
void Conv2dImpl::reset_parameters() { reset_conv(weight, bias); }
Tensor Conv2dImpl::forward(const Tensor& input) {
  return functional::conv2d(input, weight,
                            {.bias = bias, .stride = options.stride, .padding = options.padding,
                             .dilation = options.dilation, .groups = options.groups});
}
std::string Conv2dImpl::extra_repr() const {
  std::string s = fmt::format("{}, {}, kernel_size={}, stride={}", in_channels, out_channels, pair(kernel_size),
                              pair(options.stride));
  s += padding_repr(options.padding);
  if (options.dilation != Size2(1)) s += ", dilation=" + pair(options.dilation);
  if (options.groups != 1) s += fmt::format(", groups={}", options.groups);
  if (!options.bias) s += ", bias=False";
  return s;
}

ConvTranspose2dImpl::ConvTranspose2dImpl(int64_t in, int64_t out, Size2 k, const ConvTranspose2dOptions& o)
    : Module("ConvTranspose2d"), in_channels(in), out_channels(out), kernel_size(k), options(o) {
  check_channels("ConvTranspose2d", in, out, o.groups);
  weight = register_parameter("weight", empty({in, out / o.groups, k.h, k.w}));
  if (o.bias) bias = register_parameter("bias", empty({out}));
  reset_parameters();
}
void ConvTranspose2dImpl::reset_parameters() { reset_conv(weight, bias); }
Tensor ConvTranspose2dImpl::forward(const Tensor& input) {
  return functional::conv_transpose2d(input, weight,
                                      {.bias = bias, .stride = options.stride, .padding = options.padding,
                                       .output_padding = options.output_padding, .groups = options.groups,
                                       .dilation = options.dilation});
}
std::string ConvTranspose2dImpl::extra_repr() const {
  std::string s = fmt::format("{}, {}, kernel_size={}, stride={}", in_channels, out_channels, pair(kernel_size),
                              pair(options.stride));
  // PyTorch's order: dilation before output_padding.
  if (options.padding != Size2(0)) s += ", padding=" + pair(options.padding);
  if (options.dilation != Size2(1)) s += ", dilation=" + pair(options.dilation);
  if (options.output_padding != Size2(0)) s += ", output_padding=" + pair(options.output_padding);
  if (options.groups != 1) s += fmt::format(", groups={}", options.groups);
  if (!options.bias) s += ", bias=False";
  return s;
}

Conv3dImpl::Conv3dImpl(int64_t in, int64_t out, Size3 k, const Conv3dOptions& o)
    : Module("Conv3d"), in_channels(in), out_channels(out), kernel_size(k), options(o) {
  check_channels("Conv3d", in, out, o.groups);
  weight = register_parameter("weight", empty({out, in / o.groups, k.d, k.h, k.w}));
  if (o.bias) bias = register_parameter("bias", empty({out}));
  reset_parameters();
}
void Conv3dImpl::reset_parameters() { reset_conv(weight, bias); }
Tensor Conv3dImpl::forward(const Tensor& input) {
  return functional::conv3d(input, weight,
                            {.bias = bias,
                             .stride = options.stride,
                             .padding = options.padding,
                             .dilation = options.dilation,
                             .groups = options.groups});
}
std::string Conv3dImpl::extra_repr() const {
  std::string s = fmt::format("{}, {}, kernel_size={}, stride={}", in_channels, out_channels, pair(kernel_size),
                              pair(options.stride));
  s += padding_repr(options.padding);
  if (options.dilation != Size3(1)) s += ", dilation=" + pair(options.dilation);
  if (options.groups != 1) s += fmt::format(", groups={}", options.groups);
  if (!options.bias) s += ", bias=False";
  return s;
}

ConvTranspose3dImpl::ConvTranspose3dImpl(int64_t in, int64_t out, Size3 k, const ConvTranspose3dOptions& o)
    : Module("ConvTranspose3d"), in_channels(in), out_channels(out), kernel_size(k), options(o) {
  check_channels("ConvTranspose3d", in, out, o.groups);
  weight = register_parameter("weight", empty({in, out / o.groups, k.d, k.h, k.w}));
  if (o.bias) bias = register_parameter("bias", empty({out}));
  reset_parameters();
}
void ConvTranspose3dImpl::reset_parameters() { reset_conv(weight, bias); }
Tensor ConvTranspose3dImpl::forward(const Tensor& input) {
  return functional::conv_transpose3d(input, weight,
                                      {.bias = bias,
                                       .stride = options.stride,
                                       .padding = options.padding,
                                       .output_padding = options.output_padding,
                                       .groups = options.groups,
                                       .dilation = options.dilation});
}
std::string ConvTranspose3dImpl::extra_repr() const {
  std::string s = fmt::format("{}, {}, kernel_size={}, stride={}", in_channels, out_channels, pair(kernel_size),
                              pair(options.stride));
  if (options.padding != Size3(0)) s += ", padding=" + pair(options.padding);
  if (options.dilation != Size3(1)) s += ", dilation=" + pair(options.dilation);
  if (options.output_padding != Size3(0)) s += ", output_padding=" + pair(options.output_padding);
  if (options.groups != 1) s += fmt::format(", groups={}", options.groups);
  if (!options.bias) s += ", bias=False";
  return s;
}

ConvTranspose1dImpl::ConvTranspose1dImpl(int64_t in, int64_t out, int64_t k, const ConvTranspose1dOptions& o)
    : Module("ConvTranspose1d"), in_channels(in), out_channels(out), kernel_size(k), options(o) {
  check_channels("ConvTranspose1d", in, out, o.groups);
  weight = register_parameter("weight", empty({in, out / o.groups, k}));
  if (o.bias) bias = register_parameter("bias", empty({out}));
  reset_parameters();
}
void ConvTranspose1dImpl::reset_parameters() { reset_conv(weight, bias); }
Tensor ConvTranspose1dImpl::forward(const Tensor& input) {
  return functional::conv_transpose1d(input, weight,
                                      {.bias = bias, .stride = options.stride, .padding = options.padding,
                                       .output_padding = options.output_padding, .groups = options.groups,
                                       .dilation = options.dilation});
}
std::string ConvTranspose1dImpl::extra_repr() const {
  std::string s = fmt::format("{}, {}, kernel_size=({},), stride=({},)", in_channels, out_channels, kernel_size,
                              options.stride);
  if (options.padding != 0) s += fmt::format(", padding=({},)", options.padding);
  if (options.dilation != 1) s += fmt::format(", dilation=({},)", options.dilation);
  if (options.output_padding != 0) s += fmt::format(", output_padding=({},)", options.output_padding);
  if (options.groups != 1) s += fmt::format(", groups={}", options.groups);
  if (!options.bias) s += ", bias=False";
  return s;
}

}  // namespace tg::nn
