// affine_grid (tensor ops) and grid_sample: a kernel on each device for the forward and the
// backward, and the same sampling composed of tensor ops (coordinates mapped to pixel space, the
// taps gathered from each image's flattened planes and blended by their weights) for a
// backward that is itself differentiated (create_graph).
#include "tapegrad/nn/functional/grid_sample.h"

#include "autograd/record.h"
#include "tapegrad/autograd/engine.h"
#include "tapegrad/autograd/grad_mode.h"
#include "tapegrad/tensor/factories.h"
#include "tapegrad/tensor/ops.h"
#include "tensor/ops/common.h"

namespace tg::nn::functional {
namespace {

// The pixel coordinate of normalised coordinate c along a dim of `size` pixels.
Tensor unnormalize(const Tensor& c, int64_t size, bool align_corners) {
  const auto s = static_cast<double>(size);
  return align_corners ? (c + 1.0) * ((s - 1) / 2) : ((c + 1.0) * s - 1.0) / 2;
}

// c reflected about the interval [low / 2, high / 2] until it lies inside (PyTorch's
// reflect_coordinates).
Tensor reflect(const Tensor& c, double twice_low, double twice_high) {
  if (twice_low == twice_high) return zeros_like(c);
  const double low = twice_low / 2, span = (twice_high - twice_low) / 2;
  const Tensor from_low = abs(c - low);
  const Tensor extra = fmod(from_low, span);
  const Tensor flips = floor(from_low / span);
  return where(eq(remainder(flips, 2.0), 0.0), extra + low, span - extra + low);
}

// Pixel coordinates after the padding mode: border and reflection move them inside the image.
Tensor pad_coordinates(const Tensor& c, int64_t size, const std::string& mode, bool align_corners) {
  const auto s = static_cast<double>(size);
  if (mode == "zeros") return c;
  Tensor r = c;
  if (mode == "reflection") r = align_corners ? reflect(c, 0, 2 * (s - 1)) : reflect(c, -1, 2 * s - 1);
  return clamp(r, Scalar(0.0), Scalar(s - 1));
}

}  // namespace

Tensor affine_grid(const Tensor& theta, const Shape& size, bool align_corners, SourceLoc loc) {
  const char* op = "affine_grid";
  detail::ApiScope scope(op, loc);
  ops::check_floating(op, theta, "theta");
  TG_CHECK(size.size() == 4, "{}: expected a 4-D output size [N, C, H, W], got {}", op, size);
  TG_CHECK(theta.dim() == 3 && theta.sizes()[1] == 2 && theta.sizes()[2] == 3 && theta.sizes()[0] == size[0],
           "{}: expected theta of shape [{}, 2, 3] for size {}, got {}", op, size[0], size, theta.sizes());
  const int64_t h = size[2], w = size[3];
  const TensorOptions on = TensorOptions(theta.dtype()).device(theta.device());
  // The normalised centres of the output's pixels along one dim.
  auto centres = [&](int64_t n) {
    const Tensor steps = arange(n, on);
    if (align_corners) return n == 1 ? zeros({1}, on) : steps * (2.0 / static_cast<double>(n - 1)) - 1.0;
    return (steps * 2.0 + 1.0) / static_cast<double>(n) - 1.0;
  };
  const Tensor base = stack({centres(w).view({1, w}).expand({h, w}), centres(h).view({h, 1}).expand({h, w}),
                             ones({h, w}, on)},
                            -1);  // [H, W, 3]: (x, y, 1)
  return matmul(base.view({1, h * w, 3}), theta.mT()).view({size[0], h, w, 2});
}

namespace {

// grid_sample in tensor ops (autograd records every step).
Tensor grid_sample_composed(const Tensor& input, const Tensor& grid, const GridSampleOptions& o) {
  const int64_t n = input.sizes()[0], c = input.sizes()[1], h = input.sizes()[2], w = input.sizes()[3];
  const int64_t ho = grid.sizes()[1], wo = grid.sizes()[2];
  const Tensor x = pad_coordinates(unnormalize(grid.select(3, 0), w, o.align_corners), w, o.padding_mode,
                                   o.align_corners);  // [N, Ho, Wo]
  const Tensor y = pad_coordinates(unnormalize(grid.select(3, 1), h, o.align_corners), h, o.padding_mode,
                                   o.align_corners);
  const Tensor planes = input.reshape({n, c, h * w});
  // The input at integer pixel (px, py) of each output point, times `weight`; taps outside the
  // image read pixel 0 with weight 0.
  auto tap = [&](const Tensor& px, const Tensor& py, const Tensor& weight) {
    const Tensor inside =
        logical_and(logical_and(ge(px, 0.0), le(px, w - 1.0)), logical_and(ge(py, 0.0), le(py, h - 1.0)));
    const Tensor at = where(inside, py * static_cast<double>(w) + px, 0.0).to(kInt64).reshape({n, 1, ho * wo});
    const Tensor values = planes.gather(2, at.expand({n, c, ho * wo}));
    return values * (weight * inside.to(weight.dtype())).reshape({n, 1, ho * wo});
  };
  Tensor out;
  if (o.mode == "nearest") {
    const Tensor px = round(x).detach(), py = round(y).detach();
    out = tap(px, py, ones_like(px));
  } else {
    const Tensor x0 = floor(x).detach(), y0 = floor(y).detach();
    const Tensor fx = x - x0, fy = y - y0;  // the grid's gradient flows through these
    out = tap(x0, y0, (1.0 - fx) * (1.0 - fy)) + tap(x0 + 1.0, y0, fx * (1.0 - fy)) +
          tap(x0, y0 + 1.0, (1.0 - fx) * fy) + tap(x0 + 1.0, y0 + 1.0, fx * fy);
  }
  return out.view({n, c, ho, wo});
}

kernels::GridSampleGeometry geometry_of(const Tensor& input, const Tensor& grid, const GridSampleOptions& o) {
  kernels::GridSampleGeometry g;
  g.n = input.sizes()[0];
  g.c = input.sizes()[1];
  g.in_h = input.sizes()[2];
  g.in_w = input.sizes()[3];
  g.out_h = grid.sizes()[1];
  g.out_w = grid.sizes()[2];
  g.nearest = o.mode == "nearest";
  g.padding = o.padding_mode == "zeros" ? 0 : o.padding_mode == "border" ? 1 : 2;
  g.align_corners = o.align_corners;
  return g;
}

}  // namespace

Tensor grid_sample(const Tensor& input, const Tensor& grid, const GridSampleOptions& o, SourceLoc loc) {
  const char* op = "grid_sample";
  detail::ApiScope scope(op, loc);
  ops::check_floating(op, input, "input");
  ops::check_floating(op, grid, "grid");
  ops::check_same_device(op, input, grid);
  TG_CHECK(input.dim() == 4, "{}: expected a 4-D input [N, C, H, W], got shape {}", op, input.sizes());
  TG_CHECK(grid.dim() == 4 && grid.sizes()[3] == 2 && grid.sizes()[0] == input.sizes()[0],
           "{}: expected a grid [{}, H_out, W_out, 2] for input of shape {}, got shape {}", op, input.sizes()[0],
           input.sizes(), grid.sizes());
  TG_CHECK_TYPE(input.dtype() == grid.dtype(), "{}: input ({}) and grid ({}) must have the same dtype", op,
                input.dtype(), grid.dtype());
  TG_CHECK_VALUE(o.mode == "bilinear" || o.mode == "nearest",
                 "{}: mode must be \"bilinear\" or \"nearest\", got \"{}\"", op, o.mode);
  TG_CHECK_VALUE(o.padding_mode == "zeros" || o.padding_mode == "border" || o.padding_mode == "reflection",
                 "{}: padding_mode must be \"zeros\", \"border\" or \"reflection\", got \"{}\"", op, o.padding_mode);
  const kernels::GridSampleGeometry g = geometry_of(input, grid, o);
  Tensor out = ops::empty({g.n, g.c, g.out_h, g.out_w}, input.dtype(), input.device());
  {
    const Tensor in = ops::contiguous(input), at = ops::contiguous(grid);
    kernels::backend(input.device(), op).grid_sample(input.dtype(), g, out.data_ptr(), in.data_ptr(), at.data_ptr());
  }
  if (!autograd::needs_grad(input) && !autograd::needs_grad(grid)) return out;
  auto node = autograd::make_node(
      "GridSampler2DBackward", {&input, &grid}, [g, o](const autograd::Node& nd, const tensor_list& gr) -> tensor_list {
        const Tensor in = nd.saved(0), at = nd.saved(1);
        if (GradMode::is_enabled()) {
          // create_graph: the composed sampling's gradient, itself recorded.
          tensor_list wanted, result(2);
          for (int i = 0; i < 2; ++i)
            if (nd.needs_input_grad(i)) wanted.push_back(i == 0 ? in : at);
          const tensor_list grads = autograd::grad({grid_sample_composed(in, at, o)}, wanted, {gr[0]}, true, true,
                                                   /*allow_unused=*/true);
          for (int i = 0, j = 0; i < 2; ++i)
            if (nd.needs_input_grad(i)) result[static_cast<size_t>(i)] = grads[static_cast<size_t>(j++)];
          return result;
        }
        Tensor grad_input = nd.needs_input_grad(0) ? ops::empty(in.sizes(), in.dtype(), in.device()) : Tensor();
        Tensor grad_grid = nd.needs_input_grad(1) ? ops::empty(at.sizes(), at.dtype(), at.device()) : Tensor();
        const Tensor go = ops::contiguous(gr[0]), ic = ops::contiguous(in), ac = ops::contiguous(at);
        kernels::backend(in.device(), "grid_sample_backward")
            .grid_sample_backward(in.dtype(), g, grad_input.defined() ? grad_input.data_ptr() : nullptr,
                                  grad_grid.defined() ? grad_grid.data_ptr() : nullptr, go.data_ptr(), ic.data_ptr(),
                                  ac.data_ptr());
        return {grad_input, grad_grid};
      });
  node->save(input);
  node->save(grid);
  autograd::set_history(out, node);
  return out;
}

}  // namespace tg::nn::functional
