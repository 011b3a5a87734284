// Fractional max pooling (Graham, "Fractional Max-Pooling", 2014; PyTorch's
// fractional_max_pool2d/3d): fixed-size windows whose starts advance by floor or ceil of
// (in - k) / (out - 1), placed by one uniform sample per plane and spatial dim.
//
// The max-pooling kernels run over per-plane window starts (PoolGeometry's h_start / w_start);
// 3-D pooling is separable, an (H, W) pass then a D pass. The first maximum in (d, h, w) order
// wins, as in PyTorch (a window holding NaNs gives its first NaN's index; PyTorch's the last).
#include <array>
#include <vector>

#include "kernels/kernels.h"
#include "nn/functional/max_pool_windows.h"
#include "tapegrad/nn/functional/pooling.h"
#include "tapegrad/tensor/factories.h"
#include "tapegrad/tensor/ops.h"
#include "tensor/ops/common.h"

namespace tg::nn::functional {

namespace {

// The spatial sizes and options of one call, dims in (D,) H, W order.
template <int N>
struct FractionalPlan {
  Tensor x;  // batched [N, C, *in]
  int64_t n = 0, c = 0;
  std::array<int64_t, N> in{}, out{}, kernel{};
  Tensor samples;  // [N, C, N dims], x's dtype
};

std::string join(const int64_t* v, int n) { return fmt::format("({})", fmt::join(v, v + n, ", ")); }

template <int N>
FractionalPlan<N> plan(const char* op, const Tensor& input, const std::array<int64_t, N>& kernel,
                       const std::optional<std::array<int64_t, N>>& output_size,
                       const std::optional<Fractions<N>>& output_ratio, const Tensor& random_samples) {
  ops::check_floating(op, input, "input");
  TG_CHECK(input.dim() == N + 1 || input.dim() == N + 2,
           "{}: expected a {}-D (unbatched) or {}-D (batched) input, got shape {}", op, N + 1, N + 2, input.sizes());
  FractionalPlan<N> p;
  p.x = input.dim() == N + 2 ? input : input.unsqueeze(0);
  p.n = p.x.sizes()[0];
  p.c = p.x.sizes()[1];
  for (int i = 0; i < N; ++i) p.in[i] = p.x.sizes()[2 + i];
  for (int64_t s : input.sizes())
    TG_CHECK(s > 0, "{}: expected an input without empty dims, got shape {}", op, input.sizes());
  p.kernel = kernel;
  for (int64_t k : kernel)
    TG_CHECK_VALUE(k > 0, "{}: kernel_size must be positive, got {}", op, join(kernel.data(), N));
  TG_CHECK_VALUE(output_size.has_value() != output_ratio.has_value(),
                 "{}: give exactly one of output_size and output_ratio", op);
  for (int i = 0; i < N; ++i) {
    if (output_size) {
      p.out[i] = (*output_size)[i];
      TG_CHECK_VALUE(p.out[i] > 0, "{}: output_size must be positive, got {}", op, join(output_size->data(), N));
    } else {
      const double r = (*output_ratio)[i];
      TG_CHECK_VALUE(r > 0 && r < 1, "{}: output_ratio must be in (0, 1), got {}", op, r);
      p.out[i] = static_cast<int64_t>(static_cast<double>(p.in[i]) * r);  // Python's int(), as PyTorch
      TG_CHECK_VALUE(p.out[i] > 0, "{}: output_ratio {} of input size {} leaves an empty output", op, r, p.in[i]);
    }
    TG_CHECK_VALUE(p.out[i] + p.kernel[i] - 1 <= p.in[i],
                   "{}: output size {} with kernel size {} needs an input size of at least {} in spatial dim {}, "
                   "got input shape {}",
                   op, p.out[i], p.kernel[i], p.out[i] + p.kernel[i] - 1, i, input.sizes());
  }
  if (!random_samples.defined()) {
    p.samples = rand({p.n, p.c, N}, input.options().requires_grad(false));
    return p;
  }
  ops::check_same_device(op, input, random_samples);
  TG_CHECK(random_samples.sizes() == Shape({p.n, p.c, N}),
           "{}: random_samples must have shape [{}, {}, {}] (batch, channels, spatial dims), got {}", op, p.n, p.c, N,
           random_samples.sizes());
  TG_CHECK_TYPE(random_samples.dtype() == input.dtype(), "{}: random_samples must have the input's dtype {}, got {}",
                op, input.dtype(), random_samples.dtype());
  const Tensor s = random_samples.detach();
  TG_CHECK_VALUE(s.ge(0).logical_and(s.lt(1)).all().item<bool>(), "{}: random_samples must lie in [0, 1)", op);
  p.samples = s;
  return p;
}

// Window starts [N, C, out] along one dim from samples u [N, C]: PyTorch's generate_intervals,
// floor((i + u) * alpha) - floor(u * alpha) with alpha = (in - k) / (out - 1) in the samples'
// dtype (so float32 inputs pool exactly as PyTorch's), and the last window ending at the input's end.
Tensor window_starts(const Tensor& u, int64_t in, int64_t out, int64_t k) {
  const Tensor last = full({u.sizes()[0], u.sizes()[1], 1}, in - k, u.options().dtype(kInt64));
  if (out == 1) return last;
  const Tensor alpha = full({}, in - k, u.options()) / full({}, out - 1, u.options());
  const Tensor i = arange(out - 1, u.options());
  const Tensor uc = u.unsqueeze(-1);
  const Tensor starts = ((i + uc) * alpha).to(kInt64) - (uc * alpha).to(kInt64);
  // In range by construction, but a float16 index past 2048 is rounded; the kernels read no
  // further than the windows, so they must stay inside.
  return cat({starts.clamp(Scalar(0), Scalar(in - k)), last}, -1);
}

}  // namespace

std::tuple<Tensor, Tensor> fractional_max_pool2d_with_indices(const Tensor& input, const FractionalMaxPool2dOptions& o,
                                                              SourceLoc loc) {
  const char* op = "fractional_max_pool2d";
  detail::ApiScope scope(op, loc);
  ops::check_defined(op, input, "input");
  std::optional<std::array<int64_t, 2>> size;
  if (o.output_size) size = std::array<int64_t, 2>{o.output_size->h, o.output_size->w};
  const auto p = plan<2>(op, input, {o.kernel_size.h, o.kernel_size.w}, size, o.output_ratio, o.random_samples);
  // PyTorch's sample order: [..., 0] places the W windows, [..., 1] the H windows.
  const Tensor sh = window_starts(p.samples.select(2, 1), p.in[0], p.out[0], p.kernel[0]);
  const Tensor sw = window_starts(p.samples.select(2, 0), p.in[1], p.out[1], p.kernel[1]);
  kernels::PoolGeometry g;
  g.in_h = p.in[0];
  g.in_w = p.in[1];
  g.out_h = p.out[0];
  g.out_w = p.out[1];
  g.kernel[0] = p.kernel[0];
  g.kernel[1] = p.kernel[1];
  g.h_start = sh.data_ptr<int64_t>();
  g.w_start = sw.data_ptr<int64_t>();
  return max_pool_windows(op, input, p.x, g);
}

Tensor fractional_max_pool2d(const Tensor& input, const FractionalMaxPool2dOptions& options, SourceLoc loc) {
  return std::get<0>(fractional_max_pool2d_with_indices(input, options, loc));
}

std::tuple<Tensor, Tensor> fractional_max_pool3d_with_indices(const Tensor& input, const FractionalMaxPool3dOptions& o,
                                                              SourceLoc loc) {
  const char* op = "fractional_max_pool3d";
  detail::ApiScope scope(op, loc);
  ops::check_defined(op, input, "input");
  std::optional<std::array<int64_t, 3>> size;
  if (o.output_size) size = std::array<int64_t, 3>{o.output_size->d, o.output_size->h, o.output_size->w};
  const auto p =
      plan<3>(op, input, {o.kernel_size.d, o.kernel_size.h, o.kernel_size.w}, size, o.output_ratio, o.random_samples);
  const auto [d, h, w] = p.in;
  const auto [od, oh, ow] = p.out;
  // PyTorch's sample order: [..., 0] places the D windows, [..., 1] H and [..., 2] W.
  const Tensor sd = window_starts(p.samples.select(2, 0), d, od, p.kernel[0]);
  const Tensor sh = window_starts(p.samples.select(2, 1), h, oh, p.kernel[1]);
  const Tensor sw = window_starts(p.samples.select(2, 2), w, ow, p.kernel[2]);
  // The (H, W) pass over [N, C * D, H, W]: each volume's windows in every one of its D planes.
  const Tensor sh_planes = sh.unsqueeze(2).expand({p.n, p.c, d, oh}).contiguous();
  const Tensor sw_planes = sw.unsqueeze(2).expand({p.n, p.c, d, ow}).contiguous();
  kernels::PoolGeometry g;
  g.in_h = h;
  g.in_w = w;
  g.out_h = oh;
  g.out_w = ow;
  g.kernel[0] = p.kernel[1];
  g.kernel[1] = p.kernel[2];
  g.h_start = sh_planes.data_ptr<int64_t>();
  g.w_start = sw_planes.data_ptr<int64_t>();
  const Tensor planes = p.x.reshape({p.n, p.c * d, h, w});
  auto [plane, plane_idx] = max_pool_windows(op, planes, planes, g);
  // The D pass over [N, C, D, OH * OW]: fractional along D, a window per column.
  kernels::PoolGeometry gd;
  gd.in_h = d;
  gd.out_h = od;
  gd.in_w = gd.out_w = oh * ow;
  gd.kernel[0] = p.kernel[0];
  gd.h_start = sd.data_ptr<int64_t>();
  const Tensor depth = plane.view({p.n, p.c, d, oh * ow});
  auto [out, depth_idx] = max_pool_windows(op, depth, depth, gd);
  // Flat d * H * W + h * W + w from the D pass's d * OH * OW + j and the (H, W) pass's h * W + w.
  const Tensor at = depth_idx.reshape({p.n, p.c, od * oh * ow});
  const Tensor hw = plane_idx.reshape({p.n, p.c, d * oh * ow}).gather(2, at);
  const Shape shape{p.n, p.c, od, oh, ow};
  const Tensor y = out.view(shape), indices = (at.div(oh * ow, "floor") * (h * w) + hw).view(shape);
  if (input.dim() == 5) return {y, indices};
  return {y.squeeze(0), indices.squeeze(0)};
}

Tensor fractional_max_pool3d(const Tensor& input, const FractionalMaxPool3dOptions& options, SourceLoc loc) {
  return std::get<0>(fractional_max_pool3d_with_indices(input, options, loc));
}

}  // namespace tg::nn::functional
