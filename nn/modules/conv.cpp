// Conv1d, Conv2d, Conv3d, ConvTranspose1d, ConvTranspose2d, ConvTranspose3d.
#include "tapegrad/nn/modules/conv.h"

#include <cmath>

#include "tapegrad/nn/functional/conv.h"
#include "tapegrad/nn/functional/padding.h"
#include "tapegrad/nn/init.h"
#include "tapegrad/tensor/factories.h"

namespace tg::nn {
namespace {

void check_padding_mode(const char* name, const std::string& mode) {
  TG_CHECK_VALUE(mode == "zeros" || mode == "reflect" || mode == "replicate" || mode == "circular",
                 "{}: padding_mode must be \"zeros\", \"reflect\", \"replicate\" or \"circular\", got \"{}\"", name,
                 mode);
}

// F::pad's list (last dim first) for a padding_mode other than "zeros": what the convolution
// would pad on each side ("same" puts the odd element on the far side, as PyTorch).
std::vector<int64_t> mode_pads(ConvPaddingMode mode, const std::vector<int64_t>& sizes, const std::vector<int64_t>& k,
                               const std::vector<int64_t>& dilation) {
  std::vector<int64_t> pads;
  for (size_t d = sizes.size(); d-- > 0;) {
    int64_t lo = 0, hi = 0;
    if (mode == ConvPaddingMode::Explicit) {
      lo = hi = sizes[d];
    } else if (mode == ConvPaddingMode::Same) {
      const int64_t total = dilation[d] * (k[d] - 1);
      lo = total / 2;
      hi = total - lo;
    }
    pads.push_back(lo);
    pads.push_back(hi);
  }
  return pads;
}

std::string padding_mode_repr(const std::string& mode) { return mode == "zeros" ? "" : ", padding_mode=" + mode; }

std::vector<int64_t> dims(int64_t s) { return {s}; }
std::vector<int64_t> dims(Size2 s) { return {s.h, s.w}; }
std::vector<int64_t> dims(Size3 s) { return {s.d, s.h, s.w}; }

// A transposed-convolution module's functional options with the given output padding.
template <class Options, class Impl, class Pad>
Options transposed(const Impl& m, Pad output_padding) {
  return {.bias = m.bias,
          .stride = m.options.stride,
          .padding = m.options.padding,
          .output_padding = output_padding,
          .groups = m.options.groups,
          .dilation = m.options.dilation};
}

// The output padding that makes a transposed convolution's output `output_size` (its spatial
// sizes, or the whole shape, as torch.nn takes it): each size lies between the smallest output
// and stride - 1 more.
template <class Impl>
std::vector<int64_t> output_padding_for(const char* name, const Impl& m, const Tensor& input,
                                        const Shape& output_size) {
  const std::vector<int64_t> stride = dims(m.options.stride), padding = dims(m.options.padding),
                             dilation = dims(m.options.dilation), kernel = dims(m.kernel_size);
  const auto n = static_cast<int64_t>(kernel.size());
  const int64_t lead = input.dim() - n;  // batch and channels, or channels alone
  TG_CHECK_VALUE(lead == 1 || lead == 2, "{}: expected a {}-D or {}-D input, got {}-D", name, n + 1, n + 2,
                 input.dim());
  const int64_t given = output_size.size();
  TG_CHECK_VALUE(given == n || given == n + lead,
                 "{}: for {}-D input, output_size must have {} or {} elements (got {})", name, input.dim(), n, n + lead,
                 given);
  std::vector<int64_t> out(static_cast<size_t>(n));
  for (int64_t d = 0; d < n; ++d) {
    const auto i = static_cast<size_t>(d);
    const int64_t want = output_size[static_cast<int>(given - n + d)];
    const int64_t smallest =
        (input.size(lead + d) - 1) * stride[i] - 2 * padding[i] + dilation[i] * (kernel[i] - 1) + 1;
    TG_CHECK_VALUE(want >= smallest && want < smallest + stride[i],
                   "{}: requested an output size of {} in spatial dim {}, but valid sizes range from {} to {} (for "
                   "an input of {})",
                   name, want, d, smallest, smallest + stride[i] - 1, input.sizes());
    out[i] = want - smallest;
  }
  return out;
}

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
  check_padding_mode("Conv1d", o.padding_mode);
  register_parameter("weight", empty({out, in / o.groups, k}), &weight);
  register_parameter("bias", o.bias ? empty({out}) : Tensor(), &bias);
  reset_parameters();
}
void Conv1dImpl::reset_parameters() { reset_conv(weight, bias); }
Tensor Conv1dImpl::forward(const Tensor& input) {
  if (options.padding_mode != "zeros")
    return functional::conv1d(
        functional::pad(input,
                        mode_pads(options.padding.mode, {options.padding.size.w}, {kernel_size}, {options.dilation}),
                        options.padding_mode),
        weight, {.bias = bias, .stride = options.stride, .dilation = options.dilation, .groups = options.groups});
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
  s += padding_mode_repr(options.padding_mode);
  return s;
}

Conv2dImpl::Conv2dImpl(int64_t in, int64_t out, Size2 k, const Conv2dOptions& o)
    : Module("Conv2d"), in_channels(in), out_channels(out), kernel_size(k), options(o) {
  check_channels("Conv2d", in, out, o.groups);
  check_padding_mode("Conv2d", o.padding_mode);
  register_parameter("weight", empty({out, in / o.groups, k.h, k.w}), &weight);
  register_parameter("bias", o.bias ? empty({out}) : Tensor(), &bias);
  reset_parameters();
}
void Conv2dImpl::reset_parameters() { reset_conv(weight, bias); }
Tensor Conv2dImpl::forward(const Tensor& input) {
  if (options.padding_mode != "zeros") {
    const Size2 p = options.padding.size, d = options.dilation;
    return functional::conv2d(
        functional::pad(input, mode_pads(options.padding.mode, {p.h, p.w}, {kernel_size.h, kernel_size.w}, {d.h, d.w}),
                        options.padding_mode),
        weight, {.bias = bias, .stride = options.stride, .dilation = d, .groups = options.groups});
  }
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
  s += padding_mode_repr(options.padding_mode);
  return s;
}

ConvTranspose2dImpl::ConvTranspose2dImpl(int64_t in, int64_t out, Size2 k, const ConvTranspose2dOptions& o)
    : Module("ConvTranspose2d"), in_channels(in), out_channels(out), kernel_size(k), options(o) {
  check_channels("ConvTranspose2d", in, out, o.groups);
  register_parameter("weight", empty({in, out / o.groups, k.h, k.w}), &weight);
  register_parameter("bias", o.bias ? empty({out}) : Tensor(), &bias);
  reset_parameters();
}
void ConvTranspose2dImpl::reset_parameters() { reset_conv(weight, bias); }
Tensor ConvTranspose2dImpl::forward(const Tensor& input) {
  return functional::conv_transpose2d(input, weight,
                                      transposed<functional::ConvTranspose2dOptions>(*this, options.output_padding));
}
Tensor ConvTranspose2dImpl::forward(const Tensor& input, const Shape& output_size) {
  const std::vector<int64_t> p = output_padding_for("ConvTranspose2d", *this, input, output_size);
  return functional::conv_transpose2d(input, weight,
                                      transposed<functional::ConvTranspose2dOptions>(*this, Size2(p[0], p[1])));
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
  check_padding_mode("Conv3d", o.padding_mode);
  register_parameter("weight", empty({out, in / o.groups, k.d, k.h, k.w}), &weight);
  register_parameter("bias", o.bias ? empty({out}) : Tensor(), &bias);
  reset_parameters();
}
void Conv3dImpl::reset_parameters() { reset_conv(weight, bias); }
Tensor Conv3dImpl::forward(const Tensor& input) {
  if (options.padding_mode != "zeros") {
    const Size3 p = options.padding.size, d = options.dilation, k = kernel_size;
    return functional::conv3d(
        functional::pad(input, mode_pads(options.padding.mode, {p.d, p.h, p.w}, {k.d, k.h, k.w}, {d.d, d.h, d.w}),
                        options.padding_mode),
        weight, {.bias = bias, .stride = options.stride, .dilation = d, .groups = options.groups});
  }
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
  s += padding_mode_repr(options.padding_mode);
  return s;
}

ConvTranspose3dImpl::ConvTranspose3dImpl(int64_t in, int64_t out, Size3 k, const ConvTranspose3dOptions& o)
    : Module("ConvTranspose3d"), in_channels(in), out_channels(out), kernel_size(k), options(o) {
  check_channels("ConvTranspose3d", in, out, o.groups);
  register_parameter("weight", empty({in, out / o.groups, k.d, k.h, k.w}), &weight);
  register_parameter("bias", o.bias ? empty({out}) : Tensor(), &bias);
  reset_parameters();
}
void ConvTranspose3dImpl::reset_parameters() { reset_conv(weight, bias); }
Tensor ConvTranspose3dImpl::forward(const Tensor& input) {
  return functional::conv_transpose3d(input, weight,
                                      transposed<functional::ConvTranspose3dOptions>(*this, options.output_padding));
}
Tensor ConvTranspose3dImpl::forward(const Tensor& input, const Shape& output_size) {
  const std::vector<int64_t> p = output_padding_for("ConvTranspose3d", *this, input, output_size);
  return functional::conv_transpose3d(input, weight,
                                      transposed<functional::ConvTranspose3dOptions>(*this, Size3(p[0], p[1], p[2])));
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
  register_parameter("weight", empty({in, out / o.groups, k}), &weight);
  register_parameter("bias", o.bias ? empty({out}) : Tensor(), &bias);
  reset_parameters();
}
void ConvTranspose1dImpl::reset_parameters() { reset_conv(weight, bias); }
Tensor ConvTranspose1dImpl::forward(const Tensor& input) {
  return functional::conv_transpose1d(input, weight,
                                      transposed<functional::ConvTranspose1dOptions>(*this, options.output_padding));
}
Tensor ConvTranspose1dImpl::forward(const Tensor& input, const Shape& output_size) {
  const std::vector<int64_t> p = output_padding_for("ConvTranspose1d", *this, input, output_size);
  return functional::conv_transpose1d(input, weight, transposed<functional::ConvTranspose1dOptions>(*this, p[0]));
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
