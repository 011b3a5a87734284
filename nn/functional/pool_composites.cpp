// lp_pool (avg_pool of x^p, PyTorch's formula) and max_unpool (a scatter into each output plane
// at max pooling's indices), composed of the pooling kernels and scatter for every device.
#include <cmath>

#include "tapegrad/nn/functional/pooling.h"
#include "tapegrad/tensor/factories.h"
#include "tapegrad/tensor/ops.h"
#include "tensor/ops/common.h"

namespace tg::nn::functional {

namespace {

// (window sum of x^p)^(1/p) from the window mean of x^p; a negative mean (odd p) counts as 0.
Tensor from_power_mean(const Tensor& mean, double p, int64_t window) {
  return (sign(mean) * relu(abs(mean)) * static_cast<double>(window)).pow(1.0 / p);
}

void check_lp(const char* op, const Tensor& input, double p) {
  ops::check_defined(op, input, "input");
  TG_CHECK_VALUE(p != 0, "{}: norm_type must be non-zero", op);
}

// Scatters input [N, C, *in] into zeros [N, C, *out] at the flat spatial indices.
Tensor unpool(const char* op, const Tensor& input, const Tensor& indices, int spatial, const std::vector<int64_t>& out) {
  ops::check_defined(op, indices, "indices");
  TG_CHECK(indices.sizes() == input.sizes(), "{}: indices {} must have the input's shape {}", op, indices.sizes(),
           input.sizes());
  TG_CHECK_TYPE(indices.dtype() == kInt64, "{}: indices must be int64, got {}", op, indices.dtype());
  const bool batched = input.dim() == spatial + 2;
  const Tensor x = batched ? input : input.unsqueeze(0), idx = batched ? indices : indices.unsqueeze(0);
  int64_t plane = 1;
  Shape out_shape{x.sizes()[0], x.sizes()[1]};
  for (int64_t s : out) {
    TG_CHECK_VALUE(s > 0, "{}: the output size [{}] must be positive", op, fmt::join(out, ", "));
    plane *= s;
    out_shape.push_back(s);
  }
  const Tensor flat_idx = idx.flatten(2);
  if (flat_idx.numel() > 0) {
    const int64_t lo = flat_idx.min().item<int64_t>(), hi = flat_idx.max().item<int64_t>();
    TG_CHECK_INDEX(lo >= 0 && hi < plane, "{}: found an index {} outside the output plane of {} elements", op,
                   lo < 0 ? lo : hi, plane);
  }
  const Tensor flat = zeros({x.sizes()[0], x.sizes()[1], plane}, x.options()).scatter(2, flat_idx, x.flatten(2));
  const Tensor y = flat.view(out_shape);
  return batched ? y : y.squeeze(0);
}

// Each spatial dim's default unpooled size, or the given one (checked against the range PyTorch accepts).
std::vector<int64_t> unpool_size(const char* op, const Tensor& input, int spatial, const std::vector<int64_t>& kernel,
                                 const std::vector<int64_t>& stride, const std::vector<int64_t>& padding,
                                 const std::optional<std::vector<int64_t>>& given) {
  TG_CHECK(input.dim() == spatial + 1 || input.dim() == spatial + 2,
           "{}: expected a {}-D or {}-D (unbatched) input, got shape {}", op, spatial + 2, spatial + 1, input.sizes());
  std::vector<int64_t> out;
  for (int i = 0; i < spatial; ++i) {
    const int64_t in = input.sizes()[input.dim() - spatial + i];
    const int64_t def = (in - 1) * stride[static_cast<size_t>(i)] - 2 * padding[static_cast<size_t>(i)] +
                        kernel[static_cast<size_t>(i)];
    if (!given) {
      out.push_back(def);
      continue;
    }
    const int64_t want = (*given)[static_cast<size_t>(i)];
    TG_CHECK_VALUE(want >= def - stride[static_cast<size_t>(i)] && want <= def + stride[static_cast<size_t>(i)],
                   "{}: output_size {} must be within one stride of the default size {} in dim {}", op, want, def, i);
    out.push_back(want);
  }
  return out;
}

}  // namespace

Tensor lp_pool1d(const Tensor& input, double p, int64_t k, std::optional<int64_t> stride, bool ceil_mode,
                 SourceLoc loc) {
  detail::ApiScope scope("lp_pool1d", loc);
  check_lp("lp_pool1d", input, p);
  const Tensor mean = avg_pool1d(input.pow(p), {.kernel_size = k, .stride = stride, .ceil_mode = ceil_mode});
  return from_power_mean(mean, p, k);
}

Tensor lp_pool2d(const Tensor& input, double p, Size2 k, std::optional<Size2> stride, bool ceil_mode, SourceLoc loc) {
  detail::ApiScope scope("lp_pool2d", loc);
  check_lp("lp_pool2d", input, p);
  const Tensor mean = avg_pool2d(input.pow(p), {.kernel_size = k, .stride = stride, .ceil_mode = ceil_mode});
  return from_power_mean(mean, p, k.h * k.w);
}

Tensor lp_pool3d(const Tensor& input, double p, Size3 k, std::optional<Size3> stride, bool ceil_mode, SourceLoc loc) {
  detail::ApiScope scope("lp_pool3d", loc);
  check_lp("lp_pool3d", input, p);
  const Tensor mean = avg_pool3d(input.pow(p), {.kernel_size = k, .stride = stride, .ceil_mode = ceil_mode});
  return from_power_mean(mean, p, k.d * k.h * k.w);
}

Tensor max_unpool1d(const Tensor& input, const Tensor& indices, int64_t k, std::optional<int64_t> stride,
                    int64_t padding, std::optional<int64_t> output_size, SourceLoc loc) {
  detail::ApiScope scope("max_unpool1d", loc);
  ops::check_defined("max_unpool1d", input, "input");
  std::optional<std::vector<int64_t>> given;
  if (output_size) given = std::vector<int64_t>{*output_size};
  const auto out = unpool_size("max_unpool1d", input, 1, {k}, {stride.value_or(k)}, {padding}, given);
  return unpool("max_unpool1d", input, indices, 1, out);
}

Tensor max_unpool2d(const Tensor& input, const Tensor& indices, Size2 k, std::optional<Size2> stride, Size2 padding,
                    std::optional<Size2> output_size, SourceLoc loc) {
  detail::ApiScope scope("max_unpool2d", loc);
  ops::check_defined("max_unpool2d", input, "input");
  const Size2 s = stride.value_or(k);
  std::optional<std::vector<int64_t>> given;
  if (output_size) given = std::vector<int64_t>{output_size->h, output_size->w};
  const auto out = unpool_size("max_unpool2d", input, 2, {k.h, k.w}, {s.h, s.w}, {padding.h, padding.w}, given);
  return unpool("max_unpool2d", input, indices, 2, out);
}

Tensor max_unpool3d(const Tensor& input, const Tensor& indices, Size3 k, std::optional<Size3> stride, Size3 padding,
                    std::optional<Size3> output_size, SourceLoc loc) {
  detail::ApiScope scope("max_unpool3d", loc);
  ops::check_defined("max_unpool3d", input, "input");
  const Size3 s = stride.value_or(k);
  std::optional<std::vector<int64_t>> given;
  if (output_size) given = std::vector<int64_t>{output_size->d, output_size->h, output_size->w};
  const auto out = unpool_size("max_unpool3d", input, 3, {k.d, k.h, k.w}, {s.d, s.h, s.w},
                               {padding.d, padding.h, padding.w}, given);
  return unpool("max_unpool3d", input, indices, 3, out);
}

}  // namespace tg::nn::functional
