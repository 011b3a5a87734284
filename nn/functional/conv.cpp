// Convolutions. Three differentiable primitives over one 2-D geometry: the forward
// convolution y = conv(x, w), its input gradient dx = conv_input_grad(dy, w) (which is also
// the transposed convolution) and its weight gradient dw = conv_weight_grad(x, dy). Each is
// the others' backward, so gradients of any order come from the same three kernels. conv1d
// runs as conv2d with height 1; conv3d and conv_transpose3d use the same geometry with a depth.
#include "tapegrad/nn/functional/conv.h"

#include "autograd/record.h"
#include "kernels/kernels.h"
#include "tapegrad/tensor/ops.h"
#include "tensor/ops/common.h"

namespace tg::nn::functional {
namespace {

using kernels::ConvGeometry;
using kernels::ConvPass;

Tensor run(ConvPass pass, const ConvGeometry& g, const Tensor& a, const Tensor& b, const Shape& out_shape) {
  Tensor ac = ops::contiguous(a), bc = ops::contiguous(b);
  Tensor out = ops::empty(out_shape, a.dtype(), a.device());
  kernels::backend(a.device(), "convolution").conv(pass, a.dtype(), g, out.data_ptr(), ac.data_ptr(), bc.data_ptr());
  return out;
}

// [head..., spatial sizes...]: the depth only for 3-D geometries.
Shape with_spatial(const ConvGeometry& g, Shape head, const int64_t* v) {
  for (int d = g.spatial == 3 ? 0 : 1; d < 3; ++d) head.push_back(v[d]);
  return head;
}
Shape input_shape(const ConvGeometry& g) { return with_spatial(g, {g.n, g.c_in}, g.in); }
Shape output_shape(const ConvGeometry& g) { return with_spatial(g, {g.n, g.c_out}, g.out); }
Shape weight_shape(const ConvGeometry& g) { return with_spatial(g, {g.c_out, g.c_in / g.groups}, g.k); }

Tensor conv_forward(const Tensor& x, const Tensor& w, const ConvGeometry& g);
Tensor conv_input_grad(const Tensor& dy, const Tensor& w, const ConvGeometry& g);
Tensor conv_weight_grad(const Tensor& x, const Tensor& dy, const ConvGeometry& g);

Tensor conv_forward(const Tensor& x, const Tensor& w, const ConvGeometry& g) {
  Tensor y = run(ConvPass::Forward, g, x, w, output_shape(g));
  if (autograd::needs_grad(x, w)) {
    auto node = autograd::make_node("ConvolutionBackward", {&x, &w}, [g](const autograd::Node& n, const tensor_list& gr) {
      tensor_list r(2);
      if (n.needs_input_grad(0)) r[0] = conv_input_grad(gr[0], n.saved(1), g);
      if (n.needs_input_grad(1)) r[1] = conv_weight_grad(n.saved(0), gr[0], g);
      return r;
    });
    node->save(x);
    node->save(w);
    autograd::set_history(y, node);
  }
  return y;
}

Tensor conv_input_grad(const Tensor& dy, const Tensor& w, const ConvGeometry& g) {
  Tensor dx = run(ConvPass::BackwardData, g, dy, w, input_shape(g));
  if (autograd::needs_grad(dy, w)) {
    auto node = autograd::make_node("ConvolutionInputGradBackward", {&dy, &w},
                                    [g](const autograd::Node& n, const tensor_list& gr) {
                                      tensor_list r(2);
                                      if (n.needs_input_grad(0)) r[0] = conv_forward(gr[0], n.saved(1), g);
                                      if (n.needs_input_grad(1)) r[1] = conv_weight_grad(gr[0], n.saved(0), g);
                                      return r;
                                    });
    node->save(dy);
    node->save(w);
    autograd::set_history(dx, node);
  }
  return dx;
}

Tensor conv_weight_grad(const Tensor& x, const Tensor& dy, const ConvGeometry& g) {
  Tensor dw = run(ConvPass::BackwardWeights, g, x, dy, weight_shape(g));
  if (autograd::needs_grad(x, dy)) {
    auto node = autograd::make_node("ConvolutionWeightGradBackward", {&x, &dy},
                                    [g](const autograd::Node& n, const tensor_list& gr) {
                                      tensor_list r(2);
                                      if (n.needs_input_grad(0)) r[0] = conv_input_grad(n.saved(1), gr[0], g);
                                      if (n.needs_input_grad(1)) r[1] = conv_forward(n.saved(0), gr[0], g);
                                      return r;
                                    });
    node->save(x);
    node->save(dy);
    autograd::set_history(dw, node);
  }
  return dw;
}

// The ranks an op with `spatial` dims takes (conv1d checks its own before running as 2-D).
void check_ranks(const char* op, const Tensor& input, const Tensor& weight, int spatial) {
  ops::check_defined(op, input, "input");
  ops::check_defined(op, weight, "weight");
  TG_CHECK(input.dim() == spatial + 1 || input.dim() == spatial + 2,
           "{}: expected a {}-D (unbatched) or {}-D (batched) input, got shape {}", op, spatial + 1, spatial + 2,
           input.sizes());
  TG_CHECK(weight.dim() == spatial + 2, "{}: expected a {}-D weight, got shape {}", op, spatial + 2, weight.sizes());
}

void check_operands(const char* op, const Tensor& input, const Tensor& weight, const Tensor& bias, int spatial) {
  check_ranks(op, input, weight, spatial);
  ops::check_same_device(op, input, weight);
  TG_CHECK_TYPE(input.is_floating_point() || input.is_complex(),
                "{}: expected a floating-point or complex input, got {}", op, input.dtype());
  TG_CHECK_TYPE(input.dtype() == weight.dtype(), "{}: input ({}) and weight ({}) must have the same dtype", op,
                input.dtype(), weight.dtype());
  if (bias.defined()) {
    ops::check_same_device(op, input, bias);
    TG_CHECK_TYPE(bias.dtype() == input.dtype(), "{}: input ({}) and bias ({}) must have the same dtype", op,
                  input.dtype(), bias.dtype());
  }
}

// Per-dim arguments in (depth, height, width) order; 2-D ones have a trivial depth.
struct Dims {
  int64_t v[3] = {1, 1, 1};
  Dims(Size2 s, int64_t depth = 1) : v{depth, s.h, s.w} {}  // NOLINT
  Dims(Size3 s) : v{s.d, s.h, s.w} {}                       // NOLINT
  int64_t operator[](int d) const { return v[d]; }
};
struct Padding {
  ConvPaddingMode mode;
  Dims size;
  Padding(const ConvPadding& p) : mode(p.mode), size(p.size, 0) {}  // NOLINT
  Padding(const ConvPadding3& p) : mode(p.mode), size(p.size) {}    // NOLINT
};

// "(2, 3)" or "(1, 2, 3)": the dims the user gave.
std::string dims_repr(const Dims& v, int spatial) {
  return spatial == 3 ? fmt::format("({}, {}, {})", v[0], v[1], v[2]) : fmt::format("({}, {})", v[1], v[2]);
}

void check_positive(const char* op, const char* what, const Dims& s, int spatial) {
  TG_CHECK_VALUE(s[0] > 0 && s[1] > 0 && s[2] > 0, "{}: {} must be positive, got {}", op, what, dims_repr(s, spatial));
}

// x: [N, C, (D,) H, W] (batched by now).
ConvGeometry forward_geometry(const char* op, const Tensor& x, const Tensor& w, int spatial, const Dims& stride,
                              const Padding& padding, const Dims& dilation, int64_t groups) {
  check_positive(op, "stride", stride, spatial);
  check_positive(op, "dilation", dilation, spatial);
  TG_CHECK_VALUE(groups > 0, "{}: groups must be positive, got {}", op, groups);
  ConvGeometry g;
  g.spatial = spatial;
  g.n = x.sizes()[0];
  g.c_in = x.sizes()[1];
  g.c_out = w.sizes()[0];
  const int first = 3 - spatial;
  for (int d = first; d < 3; ++d) {
    g.in[d] = x.sizes()[2 + d - first];
    g.k[d] = w.sizes()[2 + d - first];
  }
  g.groups = groups;
  TG_CHECK(g.c_in % groups == 0 && g.c_out % groups == 0,
           "{}: in_channels ({}) and out_channels ({}) must both be divisible by groups ({})", op, g.c_in, g.c_out,
           groups);
  TG_CHECK(w.sizes()[1] * groups == g.c_in,
           "{}: weight of shape {} with groups={} expects {} input channels, got input of shape {}", op, w.sizes(),
           groups, w.sizes()[1] * groups, x.sizes());
  bool fits = true;
  for (int d = 0; d < 3; ++d) {
    g.stride[d] = stride[d];
    g.dilation[d] = dilation[d];
    const int64_t extent = dilation[d] * (g.k[d] - 1);
    switch (padding.mode) {
      case ConvPaddingMode::Explicit:
        TG_CHECK_VALUE(padding.size[d] >= 0, "{}: padding must be non-negative, got {}", op,
                       dims_repr(padding.size, spatial));
        g.pad_lo[d] = g.pad_hi[d] = padding.size[d];
        break;
      case ConvPaddingMode::Same:
        TG_CHECK_VALUE(stride[d] == 1, "{}: padding=\"same\" needs stride 1, got {}", op, dims_repr(stride, spatial));
        g.pad_lo[d] = extent / 2;
        g.pad_hi[d] = extent - extent / 2;  // PyTorch puts the odd element on the far side
        break;
      case ConvPaddingMode::Valid:
        break;
    }
    const int64_t span = g.in[d] + g.pad_lo[d] + g.pad_hi[d] - extent - 1;
    fits = fits && span >= 0;
    g.out[d] = fits ? span / stride[d] + 1 : 0;
  }
  TG_CHECK(
      fits, "{}: input of shape {} (padded by {}) is smaller than the dilated kernel of shape {}", op, x.sizes(),
      dims_repr(Dims(Size3(g.pad_lo[0] + g.pad_hi[0], g.pad_lo[1] + g.pad_hi[1], g.pad_lo[2] + g.pad_hi[2])), spatial),
      w.sizes());
  return g;
}

Tensor add_bias(const Tensor& y, const Tensor& bias, int64_t channels, const char* op) {
  if (!bias.defined()) return y;
  TG_CHECK(bias.dim() == 1 && bias.sizes()[0] == channels, "{}: expected a bias of shape [{}], got {}", op, channels,
           bias.sizes());
  std::vector<int64_t> shape(static_cast<size_t>(y.dim()), 1);
  shape[1] = channels;
  return y + bias.view(shape);
}

// A convolution of complex operands as three of their real parts (PyTorch's way), by Gauss's
// product: with a = conv(xr, wr), b = conv(xi, wi) and c = conv(xr + xi, wr + wi), the real part
// is a - b and the imaginary part c - a - b. The parts and sums are differentiable real tensors,
// so the gradients (and their complex form) come from the real convolution's.
template <class Conv>
Tensor complex_convolution(const Tensor& x, const Tensor& w, Conv conv) {
  const Tensor xr = tg::real(x), xi = tg::imag(x), wr = tg::real(w), wi = tg::imag(w);
  const Tensor a = conv(xr, wr), b = conv(xi, wi), c = conv(xr + xi, wr + wi);
  return tg::complex(a - b, c - a - b);
}

// The convolution every public entry runs: batches an unbatched input, checks and adds the bias.
Tensor convolution(const char* op, const Tensor& input_in, const Tensor& weight_in, const Tensor& bias_in, int spatial,
                   const Dims& stride, const Padding& padding, const Dims& dilation, int64_t groups) {
  const Tensor input = ops::autocast_lower(input_in), weight = ops::autocast_lower(weight_in);
  const Tensor bias = ops::autocast_lower(bias_in);
  check_operands(op, input, weight, bias, spatial);
  const bool batched = input.dim() == spatial + 2;
  Tensor x = batched ? input : input.unsqueeze(0);
  ConvGeometry g = forward_geometry(op, x, weight, spatial, stride, padding, dilation, groups);
  const auto forward = [&g](const Tensor& a, const Tensor& b) { return conv_forward(a, b, g); };
  Tensor y = add_bias(x.is_complex() ? complex_convolution(x, weight, forward) : forward(x, weight), bias, g.c_out, op);
  return batched ? y : y.squeeze(0);
}

// The transposed convolution: the input gradient of the convolution whose input is our output
// and whose output is our input.
Tensor transposed_convolution(const char* op, const Tensor& input_in, const Tensor& weight_in, const Tensor& bias_in,
                              int spatial, const Dims& stride, const Dims& padding, const Dims& output_padding,
                              const Dims& dilation, int64_t groups) {
  const Tensor input = ops::autocast_lower(input_in), weight = ops::autocast_lower(weight_in);
  const Tensor bias = ops::autocast_lower(bias_in);
  check_operands(op, input, weight, bias, spatial);
  const bool batched = input.dim() == spatial + 2;
  const Tensor x = batched ? input : input.unsqueeze(0);
  check_positive(op, "stride", stride, spatial);
  check_positive(op, "dilation", dilation, spatial);
  TG_CHECK_VALUE(groups > 0, "{}: groups must be positive, got {}", op, groups);
  ConvGeometry g;
  g.spatial = spatial;
  g.n = x.sizes()[0];
  g.c_out = x.sizes()[1];
  TG_CHECK(weight.sizes()[0] == g.c_out, "{}: weight of shape {} expects {} input channels, got input of shape {}", op,
           weight.sizes(), weight.sizes()[0], x.sizes());
  g.groups = groups;
  TG_CHECK(g.c_out % g.groups == 0, "{}: in_channels ({}) must be divisible by groups ({})", op, g.c_out, g.groups);
  g.c_in = weight.sizes()[1] * g.groups;
  const int first = 3 - spatial;
  for (int d = first; d < 3; ++d) {
    g.out[d] = x.sizes()[2 + d - first];
    g.k[d] = weight.sizes()[2 + d - first];
  }
  for (int d = 0; d < 3; ++d) {
    const int64_t s = stride[d], p = d < first ? 0 : padding[d], op_ = d < first ? 0 : output_padding[d],
                  dil = dilation[d];
    TG_CHECK_VALUE(p >= 0 && op_ >= 0, "{}: padding and output_padding must be non-negative", op);
    TG_CHECK_VALUE(op_ < s || op_ < dil,
                   "{}: output_padding ({}) must be smaller than either stride ({}) or dilation ({})", op, op_, s, dil);
    g.in[d] = (g.out[d] - 1) * s - 2 * p + dil * (g.k[d] - 1) + op_ + 1;
    TG_CHECK(g.in[d] > 0, "{}: input of shape {} with weight {} gives an empty output", op, x.sizes(), weight.sizes());
    g.stride[d] = s;
    g.dilation[d] = dil;
    g.pad_lo[d] = p;
    // Exact far-side padding, so that the forward convolution over our output lands on our input.
    g.pad_hi[d] = (g.out[d] - 1) * s + dil * (g.k[d] - 1) + 1 - g.in[d] - p;
  }
  const auto transposed = [&g](const Tensor& a, const Tensor& b) { return conv_input_grad(a, b, g); };
  const Tensor y =
      add_bias(x.is_complex() ? complex_convolution(x, weight, transposed) : transposed(x, weight), bias, g.c_in, op);
  return batched ? y : y.squeeze(0);
}

}  // namespace

Tensor conv2d(const Tensor& input, const Tensor& weight, const Conv2dOptions& o, SourceLoc loc) {
  detail::ApiScope scope("conv2d", loc);
  return convolution("conv2d", input, weight, o.bias, 2, o.stride, o.padding, o.dilation, o.groups);
}

Tensor conv3d(const Tensor& input, const Tensor& weight, const Conv3dOptions& o, SourceLoc loc) {
  detail::ApiScope scope("conv3d", loc);
  return convolution("conv3d", input, weight, o.bias, 3, o.stride, o.padding, o.dilation, o.groups);
}

Tensor conv1d(const Tensor& input, const Tensor& weight, const Conv1dOptions& o, SourceLoc loc) {
  detail::ApiScope scope("conv1d", loc);
  check_ranks("conv1d", input, weight, 1);
  // A row of height 1: [N, C, L] -> [N, C, 1, L].
  ConvPadding padding = o.padding;
  if (padding.mode == ConvPaddingMode::Explicit) padding.size = Size2(0, padding.size.w);
  const int64_t h_dim = input.dim() - 1;
  return convolution("conv1d", input.unsqueeze(h_dim), weight.unsqueeze(2), o.bias, 2, Size2(1, o.stride), padding,
                     Size2(1, o.dilation), o.groups)
      .squeeze(h_dim);
}

Tensor conv_transpose2d(const Tensor& input, const Tensor& weight, const ConvTranspose2dOptions& o, SourceLoc loc) {
  detail::ApiScope scope("conv_transpose2d", loc);
  return transposed_convolution("conv_transpose2d", input, weight, o.bias, 2, o.stride, o.padding, o.output_padding,
                                o.dilation, o.groups);
}

Tensor conv_transpose3d(const Tensor& input, const Tensor& weight, const ConvTranspose3dOptions& o, SourceLoc loc) {
  detail::ApiScope scope("conv_transpose3d", loc);
  return transposed_convolution("conv_transpose3d", input, weight, o.bias, 3, o.stride, o.padding, o.output_padding,
                                o.dilation, o.groups);
}

Tensor conv_transpose1d(const Tensor& input, const Tensor& weight, const ConvTranspose1dOptions& o, SourceLoc loc) {
  detail::ApiScope scope("conv_transpose1d", loc);
  check_ranks("conv_transpose1d", input, weight, 1);
  const int64_t channels = input.sizes()[input.dim() - 2];
  TG_CHECK(weight.sizes()[0] == channels,
           "conv_transpose1d: weight of shape {} expects {} input channels, got input of shape {}", weight.sizes(),
           weight.sizes()[0], input.sizes());
  const int64_t h_dim = input.dim() - 1;
  return transposed_convolution("conv_transpose1d", input.unsqueeze(h_dim), weight.unsqueeze(2), o.bias, 2,
                                Size2(1, o.stride), Size2(0, o.padding), Size2(0, o.output_padding),
                                Size2(1, o.dilation), o.groups)
      .squeeze(h_dim);
}

}  // namespace tg::nn::functional
