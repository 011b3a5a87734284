// affine_grid (tensor ops) and grid_sample, 2-D (bilinear, nearest, bicubic) and 3-D: a kernel on each device for the
// forward and the backward, and the same sampling composed of tensor ops (coordinates mapped to pixel space, the taps
// gathered from each image's flattened planes or volumes and blended by their weights) for a backward that is itself
// differentiated (create_graph).
#include "tapegrad/nn/functional/grid_sample.h"

#include "autograd/record.h"
#include "kernels/scalar_math.h"
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
  TG_CHECK(size.size() == 4 || size.size() == 5, "{}: expected an output size [N, C, H, W] or [N, C, D, H, W], got {}",
           op, size);
  const int64_t spatial = static_cast<int64_t>(size.size()) - 2;
  TG_CHECK(
      theta.dim() == 3 && theta.sizes()[1] == spatial && theta.sizes()[2] == spatial + 1 && theta.sizes()[0] == size[0],
      "{}: expected theta of shape [{}, {}, {}] for size {}, got {}", op, size[0], spatial, spatial + 1, size,
      theta.sizes());
  const TensorOptions on = TensorOptions(theta.dtype()).device(theta.device());
  // The normalised centres of the output's pixels along one dim.
  auto centres = [&](int64_t n) {
    const Tensor steps = arange(n, on);
    if (align_corners) return n == 1 ? zeros({1}, on) : steps * (2.0 / static_cast<double>(n - 1)) - 1.0;
    return (steps * 2.0 + 1.0) / static_cast<double>(n) - 1.0;
  };
  // [(D,) H, W, spatial + 1]: (x, y(, z), 1), x running along the last dim.
  const Shape dims(std::vector<int64_t>(size.begin() + 2, size.end()));
  int64_t points = 1;
  for (int64_t d : dims) points *= d;
  tensor_list coords;
  for (int64_t s = 0; s < spatial; ++s) {
    const int64_t dim = spatial - 1 - s;  // x along the last dim, y the one before, z the first
    Shape along(std::vector<int64_t>(static_cast<size_t>(spatial), 1));
    along[dim] = dims[dim];
    coords.push_back(centres(dims[dim]).view(along).expand(dims));
  }
  coords.push_back(ones(dims, on));
  const Tensor base = stack(coords, -1);
  Shape out = size;
  out.erase(1);
  out.push_back(spatial);
  return matmul(base.view({1, points, spatial + 1}), theta.mT()).view(out);
}

namespace {

// grid_sample in tensor ops (autograd records every step), 2-D or 3-D.
Tensor grid_sample_composed(const Tensor& input, const Tensor& grid, const GridSampleOptions& o) {
  const int64_t S = input.dim() - 2, n = input.sizes()[0], c = input.sizes()[1];
  std::vector<int64_t> size(static_cast<size_t>(S));  // along x, y(, z): W, H(, D)
  int64_t volume = 1;
  for (int64_t s = 0; s < S; ++s) {
    size[static_cast<size_t>(s)] = input.sizes()[input.dim() - 1 - s];
    volume *= size[static_cast<size_t>(s)];
  }
  const int64_t points = grid.numel() / std::max<int64_t>(1, n * S);
  const bool bicubic = o.mode == "bicubic";
  tensor_list pos;  // pixel coordinates [N, 1, points], padded but for bicubic (whose taps are)
  for (int64_t s = 0; s < S; ++s) {
    const int64_t len = size[static_cast<size_t>(s)];
    const Tensor p = unnormalize(grid.select(-1, s), len, o.align_corners);
    pos.push_back((bicubic ? p : pad_coordinates(p, len, o.padding_mode, o.align_corners)).reshape({n, 1, points}));
  }
  const Tensor volumes = input.reshape({n, c, volume});
  // The input at integer pixel idx of each output point, times `weight`; taps outside the image
  // read pixel 0 with weight 0.
  auto tap = [&](const tensor_list& idx, const Tensor& weight) {
    Tensor inside, flat;
    for (int64_t s = S - 1; s >= 0; --s) {
      const Tensor& i = idx[static_cast<size_t>(s)];
      const double len = static_cast<double>(size[static_cast<size_t>(s)]);
      const Tensor in_s = logical_and(ge(i, 0.0), le(i, len - 1.0));
      inside = inside.defined() ? logical_and(inside, in_s) : in_s;
      flat = flat.defined() ? flat * len + i : i;
    }
    const Tensor at = where(inside, flat, 0.0).to(kInt64);
    return volumes.gather(2, at.expand({n, c, points})) * (weight * inside.to(weight.dtype()));
  };
  Tensor out;
  if (bicubic) {
    // Keys' cubic weights (a = -0.75) of the taps floor(p) - 1 .. floor(p) + 2 along x and y, each
    // tap moved inside by the padding mode on its own.
    constexpr double a = kernels::kCubicA;
    auto near = [](const Tensor& x) { return ((a + 2) * x - (a + 3)) * x * x + 1.0; };
    auto far = [](const Tensor& x) { return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a; };
    std::vector<tensor_list> at(2), weight(2);
    for (size_t s = 0; s < 2; ++s) {
      const Tensor low = floor(pos[s]).detach(), t = pos[s] - low;
      weight[s] = {far(t + 1.0), near(t), near(1.0 - t), far(2.0 - t)};
      for (int j = 0; j < 4; ++j)
        at[s].push_back(pad_coordinates(low + static_cast<double>(j - 1), size[s], o.padding_mode, o.align_corners));
    }
    for (size_t j = 0; j < 4; ++j)
      for (size_t i = 0; i < 4; ++i) {
        const Tensor term = tap({at[0][i], at[1][j]}, weight[0][i] * weight[1][j]);
        out = out.defined() ? out + term : term;
      }
  } else if (o.mode == "nearest") {
    tensor_list idx;
    for (const Tensor& p : pos) idx.push_back(round(p).detach());
    out = tap(idx, ones_like(idx[0]));
  } else {
    tensor_list low, frac;
    for (const Tensor& p : pos) {
      low.push_back(floor(p).detach());
      frac.push_back(p - low.back());  // the grid's gradient flows through these
    }
    for (int64_t k = 0; k < (int64_t{1} << S); ++k) {
      tensor_list idx;
      Tensor weight;
      for (int64_t s = 0; s < S; ++s) {
        const bool up = (k >> s) & 1;
        const auto u = static_cast<size_t>(s);
        idx.push_back(up ? low[u] + 1.0 : low[u]);
        const Tensor part = up ? frac[u] : 1.0 - frac[u];
        weight = weight.defined() ? weight * part : part;
      }
      const Tensor term = tap(idx, weight);
      out = out.defined() ? out + term : term;
    }
  }
  Shape shape = grid.sizes();
  shape.pop_back();
  shape.insert(1, c);
  return out.view(shape);
}

kernels::GridSampleGeometry geometry_of(const Tensor& input, const Tensor& grid, const GridSampleOptions& o) {
  kernels::GridSampleGeometry g;
  const int64_t r = input.dim();
  g.spatial = static_cast<int>(r - 2);
  g.n = input.sizes()[0];
  g.c = input.sizes()[1];
  g.in_d = r == 5 ? input.sizes()[2] : 1;
  g.in_h = input.sizes()[r - 2];
  g.in_w = input.sizes()[r - 1];
  g.out_d = r == 5 ? grid.sizes()[1] : 1;
  g.out_h = grid.sizes()[r - 3];
  g.out_w = grid.sizes()[r - 2];
  g.nearest = o.mode == "nearest";
  g.bicubic = o.mode == "bicubic";
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
  TG_CHECK(input.dim() == 4 || input.dim() == 5,
           "{}: expected a 4-D input [N, C, H, W] or a 5-D one [N, C, D, H, W], got shape {}", op, input.sizes());
  const bool volumetric = input.dim() == 5;
  TG_CHECK(grid.dim() == input.dim() && grid.sizes()[grid.dim() - 1] == input.dim() - 2 &&
               grid.sizes()[0] == input.sizes()[0],
           "{}: expected a grid [{}, {}H_out, W_out, {}] for input of shape {}, got shape {}", op, input.sizes()[0],
           volumetric ? "D_out, " : "", input.dim() - 2, input.sizes(), grid.sizes());
  TG_CHECK_TYPE(input.dtype() == grid.dtype(), "{}: input ({}) and grid ({}) must have the same dtype", op,
                input.dtype(), grid.dtype());
  TG_CHECK_VALUE(o.mode == "bilinear" || o.mode == "nearest" || o.mode == "bicubic",
                 "{}: mode must be \"bilinear\", \"nearest\" or \"bicubic\", got \"{}\"", op, o.mode);
  TG_CHECK_VALUE(o.mode != "bicubic" || !volumetric,
                 "{}: mode \"bicubic\" needs a 4-D input [N, C, H, W], got shape {}", op, input.sizes());
  TG_CHECK_VALUE(o.padding_mode == "zeros" || o.padding_mode == "border" || o.padding_mode == "reflection",
                 "{}: padding_mode must be \"zeros\", \"border\" or \"reflection\", got \"{}\"", op, o.padding_mode);
  const kernels::GridSampleGeometry g = geometry_of(input, grid, o);
  Shape out_shape = grid.sizes();
  out_shape.pop_back();
  out_shape.insert(1, g.c);
  Tensor out = ops::empty(out_shape, input.dtype(), input.device());
  {
    const Tensor in = ops::contiguous(input), at = ops::contiguous(grid);
    kernels::backend(input.device(), op).grid_sample(input.dtype(), g, out.data_ptr(), in.data_ptr(), at.data_ptr());
  }
  if (!autograd::needs_grad(input) && !autograd::needs_grad(grid)) return out;
  auto node = autograd::make_node(
      volumetric ? "GridSampler3DBackward" : "GridSampler2DBackward", {&input, &grid},
      [g, o](const autograd::Node& nd, const tensor_list& gr) -> tensor_list {
        if (GradMode::is_enabled()) {
          // create_graph: the composed sampling's gradient, itself recorded. An operand that needs
          // no gradient of its own (its tangent wants this one) is differentiated as a leaf.
          auto variable = [](const Tensor& t) { return t.requires_grad() ? t : t.detach().requires_grad_(); };
          const Tensor in = variable(nd.saved(0)), at = variable(nd.saved(1));
          tensor_list wanted, result(2);
          for (int i = 0; i < 2; ++i)
            if (nd.needs_input_grad(i)) wanted.push_back(i == 0 ? in : at);
          const tensor_list grads = autograd::grad({grid_sample_composed(in, at, o)}, wanted, {gr[0]}, true, true,
                                                   /*allow_unused=*/true);
          for (int i = 0, j = 0; i < 2; ++i)
            if (nd.needs_input_grad(i)) result[static_cast<size_t>(i)] = grads[static_cast<size_t>(j++)];
          return result;
        }
        const Tensor in = nd.saved(0), at = nd.saved(1);
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
