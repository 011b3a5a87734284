// MaxPool2d, AvgPool2d, AdaptiveAvgPool2d, AdaptiveMaxPool2d and their 1-D and 3-D forms.
#include "tapegrad/nn/modules/pooling.h"

namespace tg::nn {
namespace {
std::string size_repr(int64_t s) { return fmt::format("{}", s); }
std::string size_repr(Size2 s) { return s.h == s.w ? fmt::format("{}", s.h) : fmt::format("({}, {})", s.h, s.w); }
std::string size_repr(Size3 s) {
  return s.d == s.h && s.h == s.w ? fmt::format("{}", s.d) : fmt::format("({}, {}, {})", s.d, s.h, s.w);
}
// One number when every dim has the same, else a tuple with None where the input's size is kept.
template <int N>
std::string size_repr(const AdaptiveSize<N>& s) {
  const auto item = [](std::optional<int64_t> v) { return v ? fmt::format("{}", *v) : std::string("None"); };
  bool same = s[0].has_value();
  for (int i = 1; i < N; ++i) same = same && s[i] == s[0];
  if (same) return item(s[0]);
  std::string r = "(" + item(s[0]);
  for (int i = 1; i < N; ++i) r += ", " + item(s[i]);
  return r + ")";
}
// Always a tuple, as torch's MaxUnpool prints its _single / _pair / _triple sizes.
std::string tuple_repr(int64_t s) { return fmt::format("({},)", s); }
std::string tuple_repr(Size2 s) { return fmt::format("({}, {})", s.h, s.w); }
std::string tuple_repr(Size3 s) { return fmt::format("({}, {}, {})", s.d, s.h, s.w); }
}  // namespace

Tensor MaxPool2dImpl::forward(const Tensor& input) { return functional::max_pool2d(input, options); }
std::tuple<Tensor, Tensor> MaxPool2dImpl::forward_with_indices(const Tensor& input) {
  return functional::max_pool2d_with_indices(input, options);
}
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
std::tuple<Tensor, Tensor> AdaptiveMaxPool2dImpl::forward_with_indices(const Tensor& input) {
  return functional::adaptive_max_pool2d_with_indices(input, output_size);
}
std::string AdaptiveMaxPool2dImpl::extra_repr() const { return "output_size=" + size_repr(output_size); }

Tensor MaxPool1dImpl::forward(const Tensor& input) { return functional::max_pool1d(input, options); }
std::tuple<Tensor, Tensor> MaxPool1dImpl::forward_with_indices(const Tensor& input) {
  return functional::max_pool1d_with_indices(input, options);
}
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
std::tuple<Tensor, Tensor> AdaptiveMaxPool1dImpl::forward_with_indices(const Tensor& input) {
  return functional::adaptive_max_pool1d_with_indices(input, output_size);
}
std::string AdaptiveMaxPool1dImpl::extra_repr() const { return fmt::format("output_size={}", output_size); }

Tensor MaxPool3dImpl::forward(const Tensor& input) { return functional::max_pool3d(input, options); }
std::tuple<Tensor, Tensor> MaxPool3dImpl::forward_with_indices(const Tensor& input) {
  return functional::max_pool3d_with_indices(input, options);
}
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
std::tuple<Tensor, Tensor> AdaptiveMaxPool3dImpl::forward_with_indices(const Tensor& input) {
  return functional::adaptive_max_pool3d_with_indices(input, output_size);
}
std::string AdaptiveMaxPool3dImpl::extra_repr() const { return "output_size=" + size_repr(output_size); }

namespace {
// 1, 2 or 3 spatial dims by the size type.
template <class Size>
constexpr int kDims = std::is_same_v<Size, int64_t> ? 1
                      : std::is_same_v<Size, Size2> ? 2
                                                    : 3;
}  // namespace

template <class Size>
LPPoolImpl<Size>::LPPoolImpl(LPPoolOptions<Size> o) : Module(fmt::format("LPPool{}d", kDims<Size>)), options(o) {}

template <class Size>
Tensor LPPoolImpl<Size>::forward(const Tensor& input) {
  const auto& o = options;
  if constexpr (kDims<Size> == 1)
    return functional::lp_pool1d(input, o.norm_type, o.kernel_size, o.stride, o.ceil_mode);
  if constexpr (kDims<Size> == 2)
    return functional::lp_pool2d(input, o.norm_type, o.kernel_size, o.stride, o.ceil_mode);
  if constexpr (kDims<Size> == 3)
    return functional::lp_pool3d(input, o.norm_type, o.kernel_size, o.stride, o.ceil_mode);
}

template <class Size>
std::string LPPoolImpl<Size>::extra_repr() const {
  return fmt::format("norm_type={}, kernel_size={}, stride={}, ceil_mode={}", options.norm_type,
                     size_repr(options.kernel_size), options.stride ? size_repr(*options.stride) : "None",
                     options.ceil_mode ? "True" : "False");
}

template <class Size>
MaxUnpoolImpl<Size>::MaxUnpoolImpl(MaxUnpoolOptions<Size> o)
    : Module(fmt::format("MaxUnpool{}d", kDims<Size>)), options(o) {}

template <class Size>
Tensor MaxUnpoolImpl<Size>::forward(const Tensor& input, const Tensor& indices, std::optional<Size> output_size) {
  const auto& o = options;
  if constexpr (kDims<Size> == 1)
    return functional::max_unpool1d(input, indices, o.kernel_size, o.stride, o.padding, output_size);
  if constexpr (kDims<Size> == 2)
    return functional::max_unpool2d(input, indices, o.kernel_size, o.stride, o.padding, output_size);
  if constexpr (kDims<Size> == 3)
    return functional::max_unpool3d(input, indices, o.kernel_size, o.stride, o.padding, output_size);
}

template <class Size>
std::string MaxUnpoolImpl<Size>::extra_repr() const {
  return fmt::format("kernel_size={}, stride={}, padding={}", tuple_repr(options.kernel_size),
                     tuple_repr(options.stride.value_or(options.kernel_size)), tuple_repr(options.padding));
}

namespace {
template <int N>
std::string ratio_repr(const Fractions<N>& r) {
  return fmt::format("({})", fmt::join(r.v, ", "));
}
template <class Options>
constexpr int kFractionalDims = std::is_same_v<Options, functional::FractionalMaxPool2dOptions> ? 2 : 3;
}  // namespace

template <class Options>
FractionalMaxPoolImpl<Options>::FractionalMaxPoolImpl(Options o)
    : Module(fmt::format("FractionalMaxPool{}d", kFractionalDims<Options>)), options(std::move(o)) {
  TG_CHECK_VALUE(options.output_size || options.output_ratio, "{}: requires either an output_size or an output_ratio",
                 name());
  TG_CHECK_VALUE(!(options.output_size && options.output_ratio),
                 "{}: only one of output_size and output_ratio may be given", name());
  if (options.output_ratio)
    for (double r : options.output_ratio->v)
      TG_CHECK_VALUE(r > 0 && r < 1, "{}: output_ratio must be between 0 and 1, got {}", name(),
                     ratio_repr(*options.output_ratio));
}

template <class Options>
std::tuple<Tensor, Tensor> FractionalMaxPoolImpl<Options>::forward_with_indices(const Tensor& input) {
  if constexpr (kFractionalDims<Options> == 2)
    return functional::fractional_max_pool2d_with_indices(input, options);
  else
    return functional::fractional_max_pool3d_with_indices(input, options);
}

template <class Options>
Tensor FractionalMaxPoolImpl<Options>::forward(const Tensor& input) {
  return std::get<0>(forward_with_indices(input));
}

template <class Options>
std::string FractionalMaxPoolImpl<Options>::extra_repr() const {
  return fmt::format("kernel_size={}, {}", size_repr(options.kernel_size),
                     options.output_size ? "output_size=" + size_repr(*options.output_size)
                                         : "output_ratio=" + ratio_repr(*options.output_ratio));
}

template class FractionalMaxPoolImpl<functional::FractionalMaxPool2dOptions>;
template class FractionalMaxPoolImpl<functional::FractionalMaxPool3dOptions>;
template class LPPoolImpl<int64_t>;
template class LPPoolImpl<Size2>;
template class LPPoolImpl<Size3>;
template class MaxUnpoolImpl<int64_t>;
template class MaxUnpoolImpl<Size2>;
template class MaxUnpoolImpl<Size3>;

}  // namespace tg::nn
