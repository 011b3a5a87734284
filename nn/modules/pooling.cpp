// MaxPool2d, AvgPool2d, AdaptiveAvgPool2d, AdaptiveMaxPool2d and their 1-D and 3-D forms.
#include "tapegrad/nn/modules/pooling.h"

namespace tg::nn {
namespace {
std::string size_repr(Size2 s) { return s.h == s.w ? fmt::format("{}", s.h) : fmt::format("({}, {})", s.h, s.w); }
std::string size_repr(Size3 s) {
  return s.d == s.h && s.h == s.w ? fmt::format("{}", s.d) : fmt::format("({}, {}, {})", s.d, s.h, s.w);
}
}  // namespace

Tensor MaxPool2dImpl::forward(const Tensor& input) { return functional::max_pool2d(input, options); }
std::string MaxPool2dImpl::extra_repr() const {
  return fmt::format("kernel_size={}, stride={}, padding={}, dilation={}, ceil_mode={}", size_repr(options.kernel_size),
                     size_repr(options.stride.value_or(options.kernel_size)), size_repr(options.padding),
                     size_repr(options.dilation), options.ceil_mode ? "True" : "False");
}

Tensor AvgPool2dImpl::forward(const Tensor& input) { return functional::avg_pool2d(input, options); }
std::string AvgPool2dImpl::extra_repr() const {
  return fmt::format("kernel_size={}, stride={}, padding={}", size_repr(options.kernel_size),
                     size_repr(options.stride.value_or(options.kernel_size)), size_repr(options.padding));
}

Tensor AdaptiveAvgPool2dImpl::forward(const Tensor& input) { return functional::adaptive_avg_pool2d(input, output_size); }
std::string AdaptiveAvgPool2dImpl::extra_repr() const { return "output_size=" + size_repr(output_size); }

Tensor AdaptiveMaxPool2dImpl::forward(const Tensor& input) {
  return functional::adaptive_max_pool2d(input, output_size);
}
std::string AdaptiveMaxPool2dImpl::extra_repr() const { return "output_size=" + size_repr(output_size); }

Tensor MaxPool1dImpl::forward(const Tensor& input) { return functional::max_pool1d(input, options); }
std::string MaxPool1dImpl::extra_repr() const {
  return fmt::format("kernel_size={}, stride={}, padding={}, dilation={}, ceil_mode={}", options.kernel_size,
                     options.stride.value_or(options.kernel_size), options.padding, options.dilation,
                     options.ceil_mode ? "True" : "False");
}

Tensor AvgPool1dImpl::forward(const Tensor& input) { return functional::avg_pool1d(input, options); }
std::string AvgPool1dImpl::extra_repr() const {
  return fmt::format("kernel_size=({},), stride=({},), padding=({},)", options.kernel_size,
                     options.stride.value_or(options.kernel_size), options.padding);
}

Tensor AdaptiveAvgPool1dImpl::forward(const Tensor& input) {
  return functional::adaptive_avg_pool1d(input, output_size);
}
std::string AdaptiveAvgPool1dImpl::extra_repr() const { return fmt::format("output_size={}", output_size); }

Tensor AdaptiveMaxPool1dImpl::forward(const Tensor& input) {
  return functional::adaptive_max_pool1d(input, output_size);
}
std::string AdaptiveMaxPool1dImpl::extra_repr() const { return fmt::format("output_size={}", output_size); }

Tensor MaxPool3dImpl::forward(const Tensor& input) { return functional::max_pool3d(input, options); }
std::string MaxPool3dImpl::extra_repr() const {
  return fmt::format("kernel_size={}, stride={}, padding={}, dilation={}, ceil_mode={}", size_repr(options.kernel_size),
                     size_repr(options.stride.value_or(options.kernel_size)), size_repr(options.padding),
                     size_repr(options.dilation), options.ceil_mode ? "True" : "False");
}

Tensor AvgPool3dImpl::forward(const Tensor& input) { return functional::avg_pool3d(input, options); }
std::string AvgPool3dImpl::extra_repr() const {
  return fmt::format("kernel_size={}, stride={}, padding={}", size_repr(options.kernel_size),
                     size_repr(options.stride.value_or(options.kernel_size)), size_repr(options.padding));
}

Tensor AdaptiveAvgPool3dImpl::forward(const Tensor& input) {
  return functional::adaptive_avg_pool3d(input, output_size);
}
std::string AdaptiveAvgPool3dImpl::extra_repr() const { return "output_size=" + size_repr(output_size); }

Tensor AdaptiveMaxPool3dImpl::forward(const Tensor& input) {
  return functional::adaptive_max_pool3d(input, output_size);
}
std::string AdaptiveMaxPool3dImpl::extra_repr() const { return "output_size=" + size_repr(output_size); }

}  // namespace tg::nn
