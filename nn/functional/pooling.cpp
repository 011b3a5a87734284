// 2-D pooling. Max pooling records the argmax indices and scatters gradients back through
// them; average pooling (plain, padded and adaptive) is one linear "window average" whose
// adjoint is the same windows run backward.
#include "tapegrad/nn/functional/pooling.h"

#include <array>
#include <functional>
#include <memory>
#include <vector>

#include "autograd/record.h"
#include "kernels/kernels.h"
#include "nn/functional/max_pool_windows.h"
#include "tapegrad/tensor/ops.h"
#include "tensor/ops/common.h"

namespace tg::nn::functional {
namespace {

// Batched [N, C, H, W] view of a 3-D or 4-D input.
Tensor batched(const char* op, const Tensor& input) {
  ops::check_floating(op, input, "input");
  TG_CHECK(input.dim() == 3 || input.dim() == 4, "{}: expected a 3-D (unbatched) or 4-D (batched) input, got shape {}",
           op, input.sizes());
  return input.dim() == 4 ? input : input.unsqueeze(0);
}

Tensor unbatched_like(const Tensor& input, const Tensor& out) { return input.dim() == 4 ? out : out.squeeze(0); }

// PyTorch's pooling_output_shape.
int64_t pooled_size(const char* op, int64_t in, int64_t k, int64_t stride, int64_t pad, int64_t dilation, bool ceil_mode,
                    const Shape& shape) {
  const int64_t span = in + 2 * pad - dilation * (k - 1) - 1 + (ceil_mode ? stride - 1 : 0);
  int64_t out = (span >= 0 ? span / stride : -((-span + stride - 1) / stride)) + 1;
  if (ceil_mode && (out - 1) * stride >= in + pad) --out;
  TG_CHECK(out > 0, "{}: input of shape {} is too small for kernel {} (padding {}, dilation {}): output size {}", op,
           shape, k, pad, dilation, out);
  return out;
}

struct PoolParams {
  Size2 kernel, stride, pad, dilation;
};

PoolParams check_params(const char* op, Size2 kernel, const std::optional<Size2>& stride, Size2 pad, Size2 dilation) {
  PoolParams p{kernel, stride.value_or(kernel), pad, dilation};
  TG_CHECK_VALUE(kernel.h > 0 && kernel.w > 0, "{}: kernel_size must be positive, got ({}, {})", op, kernel.h, kernel.w);
  TG_CHECK_VALUE(p.stride.h > 0 && p.stride.w > 0, "{}: stride must be positive, got ({}, {})", op, p.stride.h,
                 p.stride.w);
  TG_CHECK_VALUE(dilation.h > 0 && dilation.w > 0, "{}: dilation must be positive, got ({}, {})", op, dilation.h,
                 dilation.w);
  TG_CHECK_VALUE(pad.h >= 0 && pad.w >= 0 && pad.h <= kernel.h / 2 && pad.w <= kernel.w / 2,
                 "{}: padding ({}, {}) must be non-negative and at most half the kernel size ({}, {})", op, pad.h,
                 pad.w, kernel.h, kernel.w);
  return p;
}

// Averaging windows along both dims, shared by the forward and backward nodes.
struct Windows {
  kernels::PoolGeometry g;
  std::vector<int64_t> h_lo, h_hi, h_div, w_lo, w_hi, w_div;
  void point() {
    g.h_lo = h_lo.data();
    g.h_hi = h_hi.data();
    g.h_div = h_div.data();
    g.w_lo = w_lo.data();
    g.w_hi = w_hi.data();
    g.w_div = w_div.data();
  }
};

Tensor window_average(const Tensor& x, const std::shared_ptr<const Windows>& win, bool backward);

// What a Windows is computed from: the kind (0 windows of a kernel, 1 adaptive), the input and
// output sizes, then kernel, stride and padding (h, w), the divisor and count_include_pad.
using WindowsKey = std::array<int64_t, 13>;

// The windows of the last few geometries on this thread, computed by make (g's sizes and
// divisor, and the vectors) on a miss: a training loop pools the same shapes at every step, and
// a long signal's windows (three int64 a column) cost more than the pooling itself. Windows of
// more than kMostKept outputs along the two dims are not kept (at most 12 MB an entry).
std::shared_ptr<const Windows> cached_windows(const WindowsKey& key, const std::function<void(Windows&)>& make) {
  constexpr size_t kKept = 8;
  constexpr int64_t kMostKept = int64_t{1} << 19;
  thread_local std::vector<std::pair<WindowsKey, std::shared_ptr<const Windows>>> recent;
  for (const auto& [k, w] : recent)
    if (k == key) return w;
  auto win = std::make_shared<Windows>();
  make(*win);
  win->point();
  if (win->g.out_h + win->g.out_w > kMostKept) return win;
  if (recent.size() == kKept) recent.erase(recent.begin());
  recent.emplace_back(key, win);
  return win;
}

// The input gradient of max pooling: `grad` [N, C, OH, OW] added at the argmax positions of
// zero planes [N, C, H, W]. Linear in grad; its own gradient gathers at the same positions.
Tensor max_pool_backward(const Tensor& grad, const Tensor& indices, const kernels::PoolGeometry& g) {
  const int64_t n = grad.sizes()[0], c = grad.sizes()[1];
  Tensor gc = ops::contiguous(grad);
  Tensor out = ops::empty({n, c, g.in_h, g.in_w}, grad.dtype(), grad.device());
  kernels::backend(grad.device(), "max_pool2d").max_pool2d_backward(grad.dtype(), g, out.data_ptr(),
                                                                     indices.data_ptr<int64_t>(), gc.data_ptr());
  if (autograd::needs_grad(grad)) {
    auto node = autograd::make_node("MaxPool2DWithIndicesBackwardBackward", {&grad},
                                    [n, c](const autograd::Node& nd, const tensor_list& gr) -> tensor_list {
                                      Tensor idx = nd.saved(0);
                                      return {gr[0].reshape({n * c, -1}).gather(1, idx.view({n * c, -1})).view(idx.sizes())};
                                    });
    node->save(indices);
    autograd::set_history(out, node);
  }
  return out;
}

// x: [N, C, H, W] (forward) or the output gradient [N, C, OH, OW] (backward).
Tensor window_average(const Tensor& x, const std::shared_ptr<const Windows>& win, bool backward) {
  const auto& g = win->g;
  const int64_t n = x.sizes()[0], c = x.sizes()[1];
  Shape out_shape = backward ? Shape{n, c, g.in_h, g.in_w} : Shape{n, c, g.out_h, g.out_w};
  Tensor xc = ops::contiguous(x);
  Tensor out = ops::empty(out_shape, x.dtype(), x.device());
  kernels::PoolGeometry geo = g;
  geo.planes = n * c;
  kernels::backend(x.device(), "avg_pool2d").avg_pool2d(x.dtype(), geo, backward, out.data_ptr(), xc.data_ptr());
  if (autograd::needs_grad(x)) {
    auto node = autograd::make_node(backward ? "AvgPool2dBackwardBackward" : "AvgPool2dBackward", {&x},
                                    [win, backward](const autograd::Node&, const tensor_list& gr) -> tensor_list {
                                      return {window_average(gr[0], win, !backward)};
                                    });
    autograd::set_history(out, node);
  }
  return out;
}

}  // namespace

std::tuple<Tensor, Tensor> max_pool_windows(const char* op, const Tensor& input, const Tensor& x,
                                            kernels::PoolGeometry g, bool want_indices) {
  const int64_t n = x.sizes()[0], c = x.sizes()[1];
  g.planes = n * c;
  Tensor xc = ops::contiguous(x);
  Tensor out = ops::empty({n, c, g.out_h, g.out_w}, x.dtype(), x.device());
  if (!want_indices && !autograd::needs_grad(x)) {
    kernels::backend(x.device(), op).max_pool2d(x.dtype(), g, out.data_ptr(), nullptr, xc.data_ptr());
    return {unbatched_like(input, out), Tensor()};
  }
  Tensor indices = ops::empty({n, c, g.out_h, g.out_w}, kInt64, x.device());
  kernels::backend(x.device(), op).max_pool2d(x.dtype(), g, out.data_ptr(), indices.data_ptr<int64_t>(), xc.data_ptr());
  // The backward scatters through the indices alone; the caller's window starts need not outlive it.
  g.h_start = g.w_start = nullptr;
  if (autograd::needs_grad(x)) {
    auto node = autograd::make_node("MaxPool2DWithIndicesBackward", {&x},
                                    [g](const autograd::Node& nd, const tensor_list& gr) -> tensor_list {
                                      return {max_pool_backward(gr[0], nd.saved(0), g)};
                                    });
    node->save(indices);
    autograd::set_history(out, node);
  }
  return {unbatched_like(input, out), unbatched_like(input, indices)};
}

namespace {
std::tuple<Tensor, Tensor> max_pool2d_impl(const Tensor& input, const MaxPool2dOptions& options, bool want_indices) {
  const char* op = "max_pool2d";
  Tensor x = batched(op, input);
  const PoolParams p = check_params(op, options.kernel_size, options.stride, options.padding, options.dilation);
  kernels::PoolGeometry g;
  g.in_h = x.sizes()[2];
  g.in_w = x.sizes()[3];
  g.out_h = pooled_size(op, g.in_h, p.kernel.h, p.stride.h, p.pad.h, p.dilation.h, options.ceil_mode, input.sizes());
  g.out_w = pooled_size(op, g.in_w, p.kernel.w, p.stride.w, p.pad.w, p.dilation.w, options.ceil_mode, input.sizes());
  for (int d = 0; d < 2; ++d) {
    g.kernel[d] = p.kernel[d];
    g.stride[d] = p.stride[d];
    g.pad[d] = p.pad[d];
    g.dilation[d] = p.dilation[d];
  }
  return max_pool_windows(op, input, x, g, want_indices);
}
}  // namespace

std::tuple<Tensor, Tensor> max_pool2d_with_indices(const Tensor& input, const MaxPool2dOptions& options,
                                                   SourceLoc loc) {
  detail::ApiScope scope("max_pool2d", loc);
  return max_pool2d_impl(input, options, true);
}

Tensor max_pool2d(const Tensor& input, const MaxPool2dOptions& options, SourceLoc loc) {
  detail::ApiScope scope("max_pool2d", loc);
  return std::get<0>(max_pool2d_impl(input, options, false));
}

Tensor avg_pool2d(const Tensor& input, const AvgPool2dOptions& options, SourceLoc loc) {
  const char* op = "avg_pool2d";
  detail::ApiScope scope(op, loc);
  Tensor x = batched(op, input);
  const PoolParams p = check_params(op, options.kernel_size, options.stride, options.padding, 1);
  if (options.divisor_override)
    TG_CHECK_VALUE(*options.divisor_override > 0, "{}: divisor_override must be positive, got {}", op,
                   *options.divisor_override);
  const int64_t in_h = x.sizes()[2], in_w = x.sizes()[3];
  const int64_t out_h = pooled_size(op, in_h, p.kernel.h, p.stride.h, p.pad.h, 1, options.ceil_mode, input.sizes());
  const int64_t out_w = pooled_size(op, in_w, p.kernel.w, p.stride.w, p.pad.w, 1, options.ceil_mode, input.sizes());
  const int64_t divisor = options.divisor_override.value_or(0);
  const WindowsKey key{0,
                       in_h,
                       in_w,
                       out_h,
                       out_w,
                       p.kernel.h,
                       p.kernel.w,
                       p.stride.h,
                       p.stride.w,
                       p.pad.h,
                       p.pad.w,
                       divisor,
                       options.count_include_pad};
  const auto win = cached_windows(key, [&](Windows& w) {
    auto& g = w.g;
    g.in_h = in_h;
    g.in_w = in_w;
    g.out_h = out_h;
    g.out_w = out_w;
    g.divisor = divisor;
    auto fill = [&](int d, int64_t out, int64_t in, std::vector<int64_t>& lo, std::vector<int64_t>& hi,
                    std::vector<int64_t>& div) {
      for (auto* v : {&lo, &hi, &div}) v->reserve(static_cast<size_t>(out));
      for (int64_t o = 0; o < out; ++o) {
        int64_t start = o * p.stride[d] - p.pad[d];
        int64_t end = std::min(start + p.kernel[d], in + p.pad[d]);
        const int64_t padded = end - start;
        start = std::max<int64_t>(start, 0);
        end = std::min(end, in);
        lo.push_back(start);
        hi.push_back(end);
        div.push_back(options.count_include_pad ? padded : end - start);
      }
    };
    fill(0, out_h, in_h, w.h_lo, w.h_hi, w.h_div);
    fill(1, out_w, in_w, w.w_lo, w.w_hi, w.w_div);
  });
  return unbatched_like(input, window_average(x, win, false));
}

namespace {
// An adaptive pool's output size, the input's where none was given (PyTorch's None).
Size2 adaptive_size(const char* op, const AdaptiveSize2& requested, int64_t in_h, int64_t in_w) {
  const Size2 size(requested[0].value_or(in_h), requested[1].value_or(in_w));
  TG_CHECK_VALUE(size.h > 0 && size.w > 0, "{}: output_size must be positive, got ({}, {})", op, size.h, size.w);
  return size;
}
}  // namespace

Tensor adaptive_avg_pool2d(const Tensor& input, AdaptiveSize2 requested_size, SourceLoc loc) {
  const char* op = "adaptive_avg_pool2d";
  detail::ApiScope scope(op, loc);
  Tensor x = batched(op, input);
  const int64_t in_h = x.sizes()[2], in_w = x.sizes()[3];
  const Size2 output_size = adaptive_size(op, requested_size, in_h, in_w);
  TG_CHECK(in_h > 0 && in_w > 0, "{}: input of shape {} has an empty plane", op, input.sizes());
  // Global average pooling (a classifier's head) is a mean over each plane's contiguous run.
  if (output_size.h == 1 && output_size.w == 1) return unbatched_like(input, x.mean({2, 3}, true));
  const WindowsKey key{1, in_h, in_w, output_size.h, output_size.w};
  const auto win = cached_windows(key, [&](Windows& w) {
    auto& g = w.g;
    g.in_h = in_h;
    g.in_w = in_w;
    g.out_h = output_size.h;
    g.out_w = output_size.w;
    auto fill = [](int64_t out, int64_t in, std::vector<int64_t>& lo, std::vector<int64_t>& hi,
                   std::vector<int64_t>& div) {
      for (auto* v : {&lo, &hi, &div}) v->reserve(static_cast<size_t>(out));
      for (int64_t o = 0; o < out; ++o) {
        lo.push_back(o * in / out);
        hi.push_back(((o + 1) * in + out - 1) / out);
        div.push_back(hi.back() - lo.back());
      }
    };
    fill(g.out_h, in_h, w.h_lo, w.h_hi, w.h_div);
    fill(g.out_w, in_w, w.w_lo, w.w_hi, w.w_div);
  });
  return unbatched_like(input, window_average(x, win, false));
}

std::tuple<Tensor, Tensor> adaptive_max_pool2d_with_indices(const Tensor& input, AdaptiveSize2 requested_size,
                                                            SourceLoc loc) {
  const char* op = "adaptive_max_pool2d";
  detail::ApiScope scope(op, loc);
  Tensor x = batched(op, input);
  const int64_t in_h = x.sizes()[2], in_w = x.sizes()[3];
  const Size2 output_size = adaptive_size(op, requested_size, in_h, in_w);
  TG_CHECK(in_h > 0 && in_w > 0, "{}: input of shape {} has an empty plane", op, input.sizes());
  kernels::PoolGeometry g;
  g.in_h = in_h;
  g.in_w = in_w;
  g.out_h = output_size.h;
  g.out_w = output_size.w;
  if (in_h % output_size.h == 0 && in_w % output_size.w == 0) {
    // Whole windows that tile the plane: a fixed kernel and stride, whose taps need no divisions.
    g.kernel[0] = g.stride[0] = in_h / output_size.h;
    g.kernel[1] = g.stride[1] = in_w / output_size.w;
  } else {
    g.adaptive = true;
  }
  return max_pool_windows(op, input, x, g);
}

Tensor adaptive_max_pool2d(const Tensor& input, AdaptiveSize2 output_size, SourceLoc loc) {
  return std::get<0>(adaptive_max_pool2d_with_indices(input, output_size, loc));
}

// ---- 1-D pooling: the 2-D ops over [.., 1, L] ------------------------------------------------

namespace {
Tensor as_plane(const char* op, const Tensor& input) {
  ops::check_defined(op, input, "input");
  TG_CHECK(input.dim() == 2 || input.dim() == 3, "{}: expected a 2-D [C, L] or 3-D [N, C, L] input, got shape {}", op,
           input.sizes());
  return input.unsqueeze(-2);
}
MaxPool2dOptions plane_options(const MaxPool1dOptions& o) {
  return {.kernel_size = Size2(1, o.kernel_size),
          .stride = Size2(1, o.stride.value_or(o.kernel_size)),
          .padding = Size2(0, o.padding),
          .dilation = Size2(1, o.dilation),
          .ceil_mode = o.ceil_mode};
}
}  // namespace

Tensor max_pool1d(const Tensor& input, const MaxPool1dOptions& options, SourceLoc loc) {
  detail::ApiScope scope("max_pool1d", loc);
  return max_pool2d(as_plane("max_pool1d", input), plane_options(options)).squeeze(-2);
}

std::tuple<Tensor, Tensor> max_pool1d_with_indices(const Tensor& input, const MaxPool1dOptions& options,
                                                   SourceLoc loc) {
  detail::ApiScope scope("max_pool1d_with_indices", loc);
  auto [out, index] = max_pool2d_with_indices(as_plane("max_pool1d_with_indices", input), plane_options(options));
  return {out.squeeze(-2), index.squeeze(-2)};  // h * W + w is w on a plane of height one
}

Tensor avg_pool1d(const Tensor& input, const AvgPool1dOptions& o, SourceLoc loc) {
  detail::ApiScope scope("avg_pool1d", loc);
  const AvgPool2dOptions plane{.kernel_size = Size2(1, o.kernel_size),
                               .stride = Size2(1, o.stride.value_or(o.kernel_size)),
                               .padding = Size2(0, o.padding),
                               .ceil_mode = o.ceil_mode,
                               .count_include_pad = o.count_include_pad};
  return avg_pool2d(as_plane("avg_pool1d", input), plane).squeeze(-2);
}

std::tuple<Tensor, Tensor> adaptive_max_pool1d_with_indices(const Tensor& input, int64_t output_size, SourceLoc loc) {
  detail::ApiScope scope("adaptive_max_pool1d", loc);
  auto [out, index] =
      adaptive_max_pool2d_with_indices(as_plane("adaptive_max_pool1d", input), Size2(1, output_size));
  return {out.squeeze(-2), index.squeeze(-2)};
}

Tensor adaptive_max_pool1d(const Tensor& input, int64_t output_size, SourceLoc loc) {
  return std::get<0>(adaptive_max_pool1d_with_indices(input, output_size, loc));
}

Tensor adaptive_avg_pool1d(const Tensor& input, int64_t output_size, SourceLoc loc) {
  detail::ApiScope scope("adaptive_avg_pool1d", loc);
  return adaptive_avg_pool2d(as_plane("adaptive_avg_pool1d", input), Size2(1, output_size)).squeeze(-2);
}

// ---- 3-D pooling: the 2-D ops over the (H, W) planes, then over [D, OH * OW] planes ----------
// Max and average pooling are separable: a box's max is the max over D of the (H, W) maxima,
// and its average (count_include_pad or not) divides by a product of per-dim counts. The
// first maximum in (d, h, w) order wins, as in PyTorch: the plane pass keeps the first in
// (h, w) order and the depth pass the smallest d.

namespace {

struct Volume {
  Tensor x;  // batched [N, C, D, H, W]
  int64_t n, c, d, h, w;
};

Volume batched_volume(const char* op, const Tensor& input) {
  ops::check_floating(op, input, "input");
  TG_CHECK(input.dim() == 4 || input.dim() == 5, "{}: expected a 4-D (unbatched) or 5-D (batched) input, got shape {}",
           op, input.sizes());
  Volume v;
  v.x = input.dim() == 5 ? input : input.unsqueeze(0);
  const Shape& s = v.x.sizes();
  v.n = s[0], v.c = s[1], v.d = s[2], v.h = s[3], v.w = s[4];
  return v;
}

Tensor unbatched_volume(const Tensor& input, const Tensor& out) { return input.dim() == 5 ? out : out.squeeze(0); }

// The (H, W) planes of the volume, [N, C * D, H, W].
Tensor planes(const Volume& v) { return v.x.reshape({v.n, v.c * v.d, v.h, v.w}); }

// The plane pass's result [N, C * D, OH, OW] as the depth pass's planes [N, C, D, OH * OW].
Tensor depth_planes(const Volume& v, const Tensor& pooled) {
  return pooled.view({v.n, v.c, v.d, pooled.sizes()[2] * pooled.sizes()[3]});
}

std::string triple(Size3 s) { return fmt::format("({}, {}, {})", s.d, s.h, s.w); }

struct Pool3dParams {
  Size3 kernel, stride, pad, dilation;
};

Pool3dParams check_params3(const char* op, Size3 kernel, const std::optional<Size3>& stride, Size3 pad,
                           Size3 dilation) {
  Pool3dParams p{kernel, stride.value_or(kernel), pad, dilation};
  auto positive = [](Size3 s) { return s.d > 0 && s.h > 0 && s.w > 0; };
  TG_CHECK_VALUE(positive(kernel), "{}: kernel_size must be positive, got {}", op, triple(kernel));
  TG_CHECK_VALUE(positive(p.stride), "{}: stride must be positive, got {}", op, triple(p.stride));
  TG_CHECK_VALUE(positive(dilation), "{}: dilation must be positive, got {}", op, triple(dilation));
  for (int i = 0; i < 3; ++i)
    TG_CHECK_VALUE(pad[i] >= 0 && pad[i] <= kernel[i] / 2,
                   "{}: padding {} must be non-negative and at most half the kernel size {}", op, triple(pad),
                   triple(kernel));
  return p;
}

// Checks that every output size is positive (with this op's name) before the passes run.
void check_pooled_sizes(const char* op, const Volume& v, const Pool3dParams& p, bool ceil_mode, const Shape& shape) {
  const int64_t sizes[3] = {v.d, v.h, v.w};
  for (int i = 0; i < 3; ++i)
    pooled_size(op, sizes[i], p.kernel[i], p.stride[i], p.pad[i], p.dilation[i], ceil_mode, shape);
}

// Flat d * H * W + h * W + w indices from the plane pass's (h * W + w) indices [N, C * D, OH, OW]
// and the depth pass's (d * OH * OW + j) indices [N, C, OD, OH * OW].
Tensor volume_indices(const Volume& v, const Tensor& plane_idx, const Tensor& depth_idx) {
  const int64_t oh = plane_idx.sizes()[2], ow = plane_idx.sizes()[3], od = depth_idx.sizes()[2];
  const Tensor at = depth_idx.reshape({v.n, v.c, od * oh * ow});
  const Tensor hw = plane_idx.reshape({v.n, v.c, v.d * oh * ow}).gather(2, at.clamp_min(0));
  const Tensor flat = at.div(oh * ow, "floor") * (v.h * v.w) + hw;
  // A window that misses the input (dilated, in the padding) has index -1 in either pass.
  return where(logical_or(lt(at, 0), lt(hw, 0)), -1, flat).view({v.n, v.c, od, oh, ow});
}

// The depth pass's result [N, C, OD, OH * OW] as [N, C, OD, OH, OW].
Tensor as_volume(const Tensor& out, const Tensor& plane_pooled) {
  return out.view({out.sizes()[0], out.sizes()[1], out.sizes()[2], plane_pooled.sizes()[2], plane_pooled.sizes()[3]});
}

}  // namespace

std::tuple<Tensor, Tensor> max_pool3d_with_indices(const Tensor& input, const MaxPool3dOptions& o, SourceLoc loc) {
  const char* op = "max_pool3d";
  detail::ApiScope scope(op, loc);
  const Volume v = batched_volume(op, input);
  const Pool3dParams p = check_params3(op, o.kernel_size, o.stride, o.padding, o.dilation);
  check_pooled_sizes(op, v, p, o.ceil_mode, input.sizes());
  auto [plane, plane_idx] = max_pool2d_with_indices(planes(v), {.kernel_size = Size2(p.kernel.h, p.kernel.w),
                                                                .stride = Size2(p.stride.h, p.stride.w),
                                                                .padding = Size2(p.pad.h, p.pad.w),
                                                                .dilation = Size2(p.dilation.h, p.dilation.w),
                                                                .ceil_mode = o.ceil_mode});
  auto [out, depth_idx] = max_pool2d_with_indices(depth_planes(v, plane), {.kernel_size = Size2(p.kernel.d, 1),
                                                                           .stride = Size2(p.stride.d, 1),
                                                                           .padding = Size2(p.pad.d, 0),
                                                                           .dilation = Size2(p.dilation.d, 1),
                                                                           .ceil_mode = o.ceil_mode});
  return {unbatched_volume(input, as_volume(out, plane)),
          unbatched_volume(input, volume_indices(v, plane_idx, depth_idx))};
}

Tensor max_pool3d(const Tensor& input, const MaxPool3dOptions& options, SourceLoc loc) {
  return std::get<0>(max_pool3d_with_indices(input, options, loc));
}

Tensor avg_pool3d(const Tensor& input, const AvgPool3dOptions& o, SourceLoc loc) {
  const char* op = "avg_pool3d";
  detail::ApiScope scope(op, loc);
  const Volume v = batched_volume(op, input);
  const Pool3dParams p = check_params3(op, o.kernel_size, o.stride, o.padding, 1);
  check_pooled_sizes(op, v, p, o.ceil_mode, input.sizes());
  if (o.divisor_override)
    TG_CHECK_VALUE(*o.divisor_override > 0, "{}: divisor_override must be positive, got {}", op, *o.divisor_override);
  // With a divisor override the plane pass sums (divides by 1) and the depth pass divides once.
  const std::optional<int64_t> plane_divisor = o.divisor_override ? std::optional<int64_t>(1) : std::nullopt;
  const Tensor plane = avg_pool2d(planes(v), {.kernel_size = Size2(p.kernel.h, p.kernel.w),
                                              .stride = Size2(p.stride.h, p.stride.w),
                                              .padding = Size2(p.pad.h, p.pad.w),
                                              .ceil_mode = o.ceil_mode,
                                              .count_include_pad = o.count_include_pad,
                                              .divisor_override = plane_divisor});
  const Tensor out = avg_pool2d(depth_planes(v, plane), {.kernel_size = Size2(p.kernel.d, 1),
                                                         .stride = Size2(p.stride.d, 1),
                                                         .padding = Size2(p.pad.d, 0),
                                                         .ceil_mode = o.ceil_mode,
                                                         .count_include_pad = o.count_include_pad,
                                                         .divisor_override = o.divisor_override});
  return unbatched_volume(input, as_volume(out, plane));
}

namespace {
// The output size, the input's where none was given (PyTorch's None), checked.
Size3 output_size3(const char* op, const Volume& v, const AdaptiveSize3& requested, const Shape& shape) {
  const Size3 size(requested[0].value_or(v.d), requested[1].value_or(v.h), requested[2].value_or(v.w));
  TG_CHECK_VALUE(size.d > 0 && size.h > 0 && size.w > 0, "{}: output_size must be positive, got {}", op, triple(size));
  TG_CHECK(v.d > 0 && v.h > 0 && v.w > 0, "{}: input of shape {} has an empty volume", op, shape);
  return size;
}
}  // namespace

Tensor adaptive_avg_pool3d(const Tensor& input, AdaptiveSize3 requested_size, SourceLoc loc) {
  const char* op = "adaptive_avg_pool3d";
  detail::ApiScope scope(op, loc);
  const Volume v = batched_volume(op, input);
  const Size3 output_size = output_size3(op, v, requested_size, input.sizes());
  if (output_size == Size3(1)) return unbatched_volume(input, v.x.mean({2, 3, 4}, true));
  const Tensor plane = adaptive_avg_pool2d(planes(v), Size2(output_size.h, output_size.w));
  const Tensor out = adaptive_avg_pool2d(depth_planes(v, plane), Size2(output_size.d, output_size.h * output_size.w));
  return unbatched_volume(input, as_volume(out, plane));
}

std::tuple<Tensor, Tensor> adaptive_max_pool3d_with_indices(const Tensor& input, AdaptiveSize3 requested_size,
                                                            SourceLoc loc) {
  const char* op = "adaptive_max_pool3d";
  detail::ApiScope scope(op, loc);
  const Volume v = batched_volume(op, input);
  const Size3 output_size = output_size3(op, v, requested_size, input.sizes());
  auto [plane, plane_idx] = adaptive_max_pool2d_with_indices(planes(v), Size2(output_size.h, output_size.w));
  auto [out, depth_idx] =
      adaptive_max_pool2d_with_indices(depth_planes(v, plane), Size2(output_size.d, output_size.h * output_size.w));
  return {unbatched_volume(input, as_volume(out, plane)),
          unbatched_volume(input, volume_indices(v, plane_idx, depth_idx))};
}

Tensor adaptive_max_pool3d(const Tensor& input, AdaptiveSize3 output_size, SourceLoc loc) {
  return std::get<0>(adaptive_max_pool3d_with_indices(input, output_size, loc));
}

}  // namespace tg::nn::functional
