// interpolate: each spatial dim resized on its own (every mode here is separable) by the
// resampling kernel, each output position a weighted sum of up to four input positions (as many
// as the stretched filter covers with antialias). The
// taps and weights are computed on the host once per dim and call; the kernel's backward is the same
// resampling transposed, on every device.
#include "tapegrad/nn/functional/upsampling.h"

#include <cmath>
#include <memory>
#include <optional>
#include <tuple>
#include <vector>

#include "autograd/record.h"
#include "kernels/scalar_math.h"

#include "tapegrad/nn/functional/pooling.h"
#include "tapegrad/tensor/factories.h"
#include "tapegrad/tensor/ops.h"
#include "tensor/ops/common.h"

namespace tg::nn::functional {
namespace {

enum class Mode { Nearest, NearestExact, Linear, Cubic, Area };

struct ModeSpec {
  Mode mode;
  int input_dims;  // 0: any of 3, 4 and 5
};

ModeSpec parse_mode(const std::string& mode) {
  if (mode == "nearest") return {Mode::Nearest, 0};
  if (mode == "nearest-exact") return {Mode::NearestExact, 0};
  if (mode == "linear") return {Mode::Linear, 3};
  if (mode == "bilinear") return {Mode::Linear, 4};
  if (mode == "trilinear") return {Mode::Linear, 5};
  if (mode == "bicubic") return {Mode::Cubic, 4};
  if (mode == "area") return {Mode::Area, 0};
  TG_FAIL_VALUE(
      "interpolate: mode must be \"nearest\", \"nearest-exact\", \"linear\", \"bilinear\", \"bicubic\", "
      "\"trilinear\" or \"area\", got \"{}\"",
      mode);
}

// The step from one output position to the next in input coordinates (PyTorch's
// area_pixel_compute_scale).
double source_step(int64_t in, int64_t out, bool align_corners, std::optional<double> scale_factor) {
  if (align_corners) return out > 1 ? static_cast<double>(in - 1) / static_cast<double>(out - 1) : 0.0;
  if (scale_factor) return 1.0 / *scale_factor;
  return static_cast<double>(in) / static_cast<double>(out);
}

// Output position o reads input position index[k][o] with weight weight[k][o], k < taps: host
// tensors [taps, out] of int64 and of the accumulation type (none for nearest), filled in place
// (a long signal has millions of output positions; vectors of them, flattened and copied into
// tensors, cost 7x the resampling).
struct Taps {
  Tensor index, weight;
  int64_t out = 0;
  int64_t* at = nullptr;
  float* w32 = nullptr;
  double* w64 = nullptr;

  Taps(int taps, int64_t out, std::optional<DType> weight_dtype)
      : index(ops::empty({taps, out}, kInt64, Device::cpu())), out(out), at(index.data_ptr<int64_t>()) {
    if (!weight_dtype) return;
    weight = ops::empty({taps, out}, *weight_dtype, Device::cpu());
    if (*weight_dtype == kFloat64)
      w64 = weight.data_ptr<double>();
    else
      w32 = weight.data_ptr<float>();
  }
  void set(int k, int64_t o, int64_t i, double w) {
    const int64_t e = k * out + o;
    at[e] = i;
    if (w64)
      w64[e] = w;
    else
      w32[e] = static_cast<float>(w);
  }
};

Taps nearest_taps(int64_t in, int64_t out, double step, bool exact) {
  Taps t(1, out, std::nullopt);
  for (int64_t o = 0; o < out; ++o) {
    const double src = exact ? (static_cast<double>(o) + 0.5) * step : static_cast<double>(o) * step;
    t.at[o] = std::min(static_cast<int64_t>(std::floor(src)), in - 1);
  }
  return t;
}

double source_coordinate(int64_t o, double step, bool align_corners, bool clamp_at_zero) {
  if (align_corners) return static_cast<double>(o) * step;
  const double src = (static_cast<double>(o) + 0.5) * step - 0.5;
  return clamp_at_zero && src < 0 ? 0.0 : src;
}

Taps linear_taps(int64_t in, int64_t out, double step, bool align_corners, DType weight_dtype) {
  Taps t(2, out, weight_dtype);
  for (int64_t o = 0; o < out; ++o) {
    const double src = source_coordinate(o, step, align_corners, true);
    const auto i0 = std::min(static_cast<int64_t>(src), in - 1);
    const double frac = i0 < in - 1 ? src - static_cast<double>(i0) : 0.0;
    t.set(0, o, i0, 1 - frac);
    t.set(1, o, std::min(i0 + 1, in - 1), frac);
  }
  return t;
}

// Antialiased resampling (PIL's, which PyTorch's antialias=True follows): output o centred at
// (o + 1/2) * step averages the inputs within the filter's support around it, the filter (the
// triangle for bilinear, Keys' cubic with a = -0.5 for bicubic) stretched by the step when
// shrinking, the weights normalised to sum to 1. Windows narrower than the widest are padded
// with zero weights.
Taps antialias_taps(int64_t in, int64_t out, double step, bool cubic, DType weight_dtype) {
  const double half_width = cubic ? 2.0 : 1.0;
  const double support = step >= 1.0 ? half_width * step : half_width;
  const double stretch = step >= 1.0 ? 1.0 / step : 1.0;
  auto filter = [cubic](double x) {
    x = std::abs(x);
    if (!cubic) return x < 1.0 ? 1.0 - x : 0.0;
    constexpr double a = -0.5;
    if (x < 1.0) return ((a + 2) * x - (a + 3)) * x * x + 1;
    if (x < 2.0) return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a;
    return 0.0;
  };
  auto window = [&](int64_t o) {
    const double center = step * (static_cast<double>(o) + 0.5);
    const int64_t lo = std::max<int64_t>(static_cast<int64_t>(center - support + 0.5), 0);
    const int64_t hi = std::min<int64_t>(static_cast<int64_t>(center + support + 0.5), in);
    return std::tuple{center, lo, std::max<int64_t>(hi - lo, 0)};
  };
  int64_t taps = 1;
  for (int64_t o = 0; o < out; ++o) taps = std::max(taps, std::get<2>(window(o)));
  Taps t(static_cast<int>(taps), out, weight_dtype);
  std::vector<double> w(static_cast<size_t>(taps));
  for (int64_t o = 0; o < out; ++o) {
    const auto [center, lo, size] = window(o);
    double total = 0;
    for (int64_t j = 0; j < size; ++j)
      total += w[static_cast<size_t>(j)] = filter((static_cast<double>(j + lo) - center + 0.5) * stretch);
    const double norm = total != 0 ? 1.0 / total : 1.0;
    for (int64_t j = 0; j < taps; ++j)
      t.set(static_cast<int>(j), o, j < size ? lo + j : std::min(lo, in - 1),
            j < size ? w[static_cast<size_t>(j)] * norm : 0.0);
  }
  return t;
}

// Keys' cubic convolution with a = -0.75, PyTorch's choice; positions outside the input read
// the nearest edge.
Taps cubic_taps(int64_t in, int64_t out, double step, bool align_corners, DType weight_dtype) {
  Taps t(4, out, weight_dtype);
  for (int64_t o = 0; o < out; ++o) {
    const double src = source_coordinate(o, step, align_corners, false);
    const double base = std::floor(src), f = src - base;
    double w[4];
    kernels::cubic_weights<false>(f, w, static_cast<double*>(nullptr));
    for (int j = 0; j < 4; ++j)
      t.set(j, o, std::clamp(static_cast<int64_t>(base) - 1 + j, int64_t{0}, in - 1), w[j]);
  }
  return t;
}

// One dim's taps on x's device: index [taps, out] int64, weight [taps, out] of the accumulation
// type (undefined for nearest).
struct DeviceTaps {
  Tensor index, weight;
  int taps = 1;
  int64_t in_size = 0, out_size = 0;
};

// Resampling along `dim` with the kernel: x [.., in, ..] -> [.., out, ..], or (backward) the
// output's gradient back to [.., in, ..]. Each is linear, and the other is its gradient.
Tensor resample_along(const Tensor& x, int dim, const std::shared_ptr<const DeviceTaps>& t, bool backward) {
  kernels::ResampleGeometry g;
  g.outer = 1;
  g.inner = 1;
  for (int d = 0; d < dim; ++d) g.outer *= x.sizes()[d];
  for (int d = dim + 1; d < x.dim(); ++d) g.inner *= x.sizes()[d];
  g.in_size = t->in_size;
  g.out_size = t->out_size;
  g.taps = t->taps;
  Shape shape = x.sizes();
  shape[dim] = backward ? t->in_size : t->out_size;
  const Tensor xc = ops::contiguous(x);
  Tensor out = ops::empty(shape, x.dtype(), x.device());
  kernels::backend(x.device(), "interpolate")
      .resample(x.dtype(), g, backward, out.data_ptr(), xc.data_ptr(), t->index.data_ptr<int64_t>(),
                t->weight.defined() ? t->weight.data_ptr() : nullptr);
  if (autograd::needs_grad(x)) {
    auto node = autograd::make_node(backward ? "UpsampleBackwardBackward" : "UpsampleBackward", {&x},
                                    [dim, t, backward](const autograd::Node&, const tensor_list& gr) -> tensor_list {
                                      return {resample_along(gr[0], dim, t, !backward)};
                                    });
    autograd::set_history(out, node);
  }
  return out;
}

Tensor apply_taps(const Tensor& x, int dim, const Taps& taps) {
  auto t = std::make_shared<DeviceTaps>();
  t->taps = static_cast<int>(taps.index.sizes()[0]);
  t->in_size = x.sizes()[dim];
  t->out_size = taps.out;
  t->index = taps.index.to(x.device());
  if (taps.weight.defined()) t->weight = taps.weight.to(x.device());
  return resample_along(x, dim, t, false);
}

// "area" is adaptive average pooling of the input's rank.
Tensor area(const Tensor& x, const std::vector<int64_t>& out) {
  if (x.dim() == 3) return adaptive_avg_pool1d(x, out[0]);
  if (x.dim() == 4) return adaptive_avg_pool2d(x, {out[0], out[1]});
  return adaptive_avg_pool3d(x, {out[0], out[1], out[2]});
}

}  // namespace

Tensor interpolate(const Tensor& input, const InterpolateOptions& o, SourceLoc loc) {
  detail::ApiScope scope("interpolate", loc);
  ops::check_defined("interpolate", input, "input");
  const ModeSpec spec = parse_mode(o.mode);
  const int nd = input.dim();
  TG_CHECK_VALUE(nd >= 3 && nd <= 5, "interpolate: expected a 3-D, 4-D or 5-D input [N, C, ...], got shape {}",
                 input.sizes());
  TG_CHECK_VALUE(spec.input_dims == 0 || spec.input_dims == nd,
                 "interpolate: mode \"{}\" takes {}-D input, got shape {}", o.mode, spec.input_dims, input.sizes());
  const bool interpolating = spec.mode == Mode::Linear || spec.mode == Mode::Cubic;
  TG_CHECK_VALUE(interpolating || !o.align_corners.has_value(),
                 "interpolate: align_corners can only be set with the modes linear, bilinear, bicubic and trilinear, "
                 "not \"{}\"",
                 o.mode);
  TG_CHECK_VALUE(o.size.empty() != o.scale_factor.empty(),
                 "interpolate: give exactly one of size and scale_factor (got {})",
                 o.size.empty() ? "neither" : "both");
  TG_CHECK_VALUE(o.size.empty() || !o.recompute_scale_factor.value_or(false),
                 "interpolate: recompute_scale_factor is not meaningful with an explicit size");
  TG_CHECK_VALUE(!o.antialias || ((o.mode == "bilinear" || o.mode == "bicubic") && nd == 4),
                 "interpolate: antialias=True is restricted to the bilinear and bicubic modes and a 4-D input, got "
                 "mode \"{}\" and shape {}",
                 o.mode, input.sizes());
  TG_CHECK_TYPE(spec.mode == Mode::Nearest || spec.mode == Mode::NearestExact || input.is_floating_point(),
                "interpolate: mode \"{}\" needs a floating-point input, got {}", o.mode, input.dtype());
  const int spatial = nd - 2;
  const size_t given = o.size.empty() ? o.scale_factor.size() : o.size.size();
  TG_CHECK_VALUE(given == 1 || given == static_cast<size_t>(spatial),
                 "interpolate: {} has {} values but the input (shape {}) has {} spatial dims; give 1 or {}",
                 o.size.empty() ? "scale_factor" : "size", given, input.sizes(), spatial, spatial);
  auto pick = [given](const auto& v, int i) { return v[given == 1 ? 0 : static_cast<size_t>(i)]; };

  std::vector<int64_t> out(static_cast<size_t>(spatial));
  std::vector<std::optional<double>> scale(static_cast<size_t>(spatial));
  for (int i = 0; i < spatial; ++i) {
    const int64_t in = input.sizes()[i + 2];
    TG_CHECK_VALUE(in > 0, "interpolate: the input's spatial dims must be non-empty, got shape {}", input.sizes());
    if (o.size.empty()) {
      const double f = pick(o.scale_factor, i);
      TG_CHECK_VALUE(f > 0 && std::isfinite(f), "interpolate: scale_factor must be positive and finite, got {}", f);
      out[static_cast<size_t>(i)] = static_cast<int64_t>(std::floor(static_cast<double>(in) * f));
      if (!o.recompute_scale_factor.value_or(false)) scale[static_cast<size_t>(i)] = f;
    } else {
      out[static_cast<size_t>(i)] = pick(o.size, i);
    }
    TG_CHECK_VALUE(out[static_cast<size_t>(i)] > 0,
                   "interpolate: the output size must be positive in every spatial dim, got {} for dim {} (input "
                   "shape {})",
                   out[static_cast<size_t>(i)], i + 2, input.sizes());
  }
  if (spec.mode == Mode::Area) return area(input, out);

  const bool align = o.align_corners.value_or(false);
  // With step 1 every mode reads each position back. PyTorch's CPU kernels also leave a dim of
  // unchanged size alone in nearest and linear modes, and with antialias, whatever the scale
  // factor, and so does this.
  const bool kept = spec.mode == Mode::Nearest || spec.mode == Mode::Linear || o.antialias;
  // The last dim first: its pass reads single values, so it goes where the others are smallest.
  Tensor x = input;
  for (int i = spatial - 1; i >= 0; --i) {
    const int64_t in = input.sizes()[i + 2], n = out[static_cast<size_t>(i)];
    const double step = source_step(in, n, align, scale[static_cast<size_t>(i)]);
    if (in == n && (step == 1.0 || kept)) continue;
    const DType weight_dtype = x.dtype() == kFloat64 ? kFloat64 : kFloat32;
    const Taps taps = o.antialias                  ? antialias_taps(in, n, step, spec.mode == Mode::Cubic, weight_dtype)
                      : spec.mode == Mode::Nearest ? nearest_taps(in, n, step, false)
                      : spec.mode == Mode::NearestExact ? nearest_taps(in, n, step, true)
                      : spec.mode == Mode::Linear       ? linear_taps(in, n, step, align, weight_dtype)
                                                        : cubic_taps(in, n, step, align, weight_dtype);
    x = apply_taps(x, i + 2, taps);
  }
  return x.is_same(input) ? input.clone() : x;
}

// Both are one reshape, one permute and one copy: [*, C, r, r, H, W] <-> [*, C, H, r, W, r].
// The largest factor whose square is an int64.
constexpr int64_t kLargestSquareRoot = 3037000499;

Tensor pixel_shuffle(const Tensor& input, int64_t r, SourceLoc loc) {
  detail::ApiScope scope("pixel_shuffle", loc);
  ops::check_defined("pixel_shuffle", input, "input");
  TG_CHECK_VALUE(input.dim() >= 3, "pixel_shuffle: expected an input [*, C, H, W] with at least 3 dims, got shape {}",
                 input.sizes());
  TG_CHECK_VALUE(r > 0, "pixel_shuffle: upscale_factor must be positive, got {}", r);
  TG_CHECK_VALUE(r <= kLargestSquareRoot, "pixel_shuffle: upscale_factor {} is too large (its square passes int64)", r);
  const int n = input.dim();
  const int64_t c = input.sizes()[n - 3], h = input.sizes()[n - 2], w = input.sizes()[n - 1];
  TG_CHECK_VALUE(c % (r * r) == 0, "pixel_shuffle: {} channels are not divisible by upscale_factor^2 = {} (shape {})",
                 c, r * r, input.sizes());
  Shape lead(std::span<const int64_t>(input.sizes().data(), static_cast<size_t>(n - 3)));
  Shape split = lead, out = lead, order;
  for (int64_t v : {c / (r * r), r, r, h, w}) split.push_back(v);
  for (int64_t v : {c / (r * r), h * r, w * r}) out.push_back(v);
  for (int d = 0; d < n - 3; ++d) order.push_back(d);
  for (int d : {0, 3, 1, 4, 2}) order.push_back(n - 3 + d);
  return input.reshape(split).permute(order).reshape(out);
}

Tensor pixel_unshuffle(const Tensor& input, int64_t r, SourceLoc loc) {
  detail::ApiScope scope("pixel_unshuffle", loc);
  ops::check_defined("pixel_unshuffle", input, "input");
  TG_CHECK_VALUE(input.dim() >= 3,
                 "pixel_unshuffle: expected an input [*, C, H, W] with at least 3 dims, got shape {}", input.sizes());
  TG_CHECK_VALUE(r > 0, "pixel_unshuffle: downscale_factor must be positive, got {}", r);
  TG_CHECK_VALUE(r <= kLargestSquareRoot, "pixel_unshuffle: downscale_factor {} is too large (its square passes int64)",
                 r);
  const int n = input.dim();
  const int64_t c = input.sizes()[n - 3], h = input.sizes()[n - 2], w = input.sizes()[n - 1];
  TG_CHECK_VALUE(h % r == 0 && w % r == 0,
                 "pixel_unshuffle: height {} and width {} must be divisible by downscale_factor {} (shape {})", h, w,
                 r, input.sizes());
  Shape lead(std::span<const int64_t>(input.sizes().data(), static_cast<size_t>(n - 3)));
  Shape split = lead, out = lead, order;
  for (int64_t v : {c, h / r, r, w / r, r}) split.push_back(v);
  for (int64_t v : {c * r * r, h / r, w / r}) out.push_back(v);
  for (int d = 0; d < n - 3; ++d) order.push_back(d);
  for (int d : {0, 2, 4, 1, 3}) order.push_back(n - 3 + d);
  return input.reshape(split).permute(order).reshape(out);
}

Tensor channel_shuffle(const Tensor& input, int64_t groups, SourceLoc loc) {
  detail::ApiScope scope("channel_shuffle", loc);
  ops::check_defined("channel_shuffle", input, "input");
  TG_CHECK(input.dim() >= 3, "channel_shuffle: expected an input [N, C, *] with at least 3 dims, got shape {}",
           input.sizes());
  const int64_t c = input.sizes()[1];
  TG_CHECK_VALUE(groups > 0 && c % groups == 0,
                 "channel_shuffle: the number of channels ({}) must be divisible by groups ({})", c, groups);
  // [N, g, C / g, *] with the two group dims swapped.
  Shape split = input.sizes();
  split[1] = c / groups;
  split.insert(1, groups);
  return input.reshape(split).transpose(1, 2).reshape(input.sizes());
}

}  // namespace tg::nn::functional
