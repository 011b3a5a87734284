// Convolutions. Three differentiable primitives over one 2-D geometry: the forward
// convolution y = conv(x, w), its input gradient dx = conv_input_grad(dy, w) (which is also
// the transposed convolution) and its weight gradient dw = conv_weight_grad(x, dy). Each is
// the others' backward, so gradients of any order come from the same three kernels. conv1d
// runs as conv2d with height 1.
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
  kernels::backend(a.device(), "conv2d").conv2d(pass, a.dtype(), g, out.data_ptr(), ac.data_ptr(), bc.data_ptr());
  return out;
}

Shape input_shape(const ConvGeometry& g) { return {g.n, g.c_in, g.in_h, g.in_w}; }
Shape output_shape(const ConvGeometry& g) { return {g.n, g.c_out, g.out_h, g.out_w}; }
Shape weight_shape(const ConvGeometry& g) { return {g.c_out, g.c_in / g.groups, g.k_h, g.k_w}; }

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

void check_operands(const char* op, const Tensor& input, const Tensor& weight, const Tensor& bias, int spatial) {
  ops::check_defined(op, input, "input");
  ops::check_defined(op, weight, "weight");
  ops::check_same_device(op, input, weight);
  TG_CHECK(input.dim() == spatial + 1 || input.dim() == spatial + 2,
           "{}: expected a {}-D (unbatched) or {}-D (batched) input, got shape {}", op, spatial + 1, spatial + 2,
           input.sizes());
  TG_CHECK(weight.dim() == spatial + 2, "{}: expected a {}-D weight, got shape {}", op, spatial + 2, weight.sizes());
  TG_CHECK_TYPE(input.is_floating_point(), "{}: expected a floating-point input, got {}", op, input.dtype());
  TG_CHECK_TYPE(input.dtype() == weight.dtype(), "{}: input ({}) and weight ({}) must have the same dtype", op,
                input.dtype(), weight.dtype());
  if (bias.defined()) {
    ops::check_same_device(op, input, bias);
    TG_CHECK_TYPE(bias.dtype() == input.dtype(), "{}: input ({}) and bias ({}) must have the same dtype", op,
                  input.dtype(), bias.dtype());
  }
}

void check_positive(const char* op, const char* what, Size2 s) {
  TG_CHECK_VALUE(s.h > 0 && s.w > 0, "{}: {} must be positive, got ({}, {})", op, what, s.h, s.w);
}

// x: [N, C, H, W] (batched by now).
ConvGeometry forward_geometry(const char* op, const Tensor& x, const Tensor& w, Size2 stride, ConvPadding padding,
                              Size2 dilation, int64_t groups) {
  check_positive(op, "stride", stride);
  check_positive(op, "dilation", dilation);
  TG_CHECK_VALUE(groups > 0, "{}: groups must be positive, got {}", op, groups);
  ConvGeometry g;
  g.n = x.sizes()[0];
  g.c_in = x.sizes()[1];
  g.in_h = x.sizes()[2];
  g.in_w = x.sizes()[3];
  g.c_out = w.sizes()[0];
  g.k_h = w.sizes()[2];
  g.k_w = w.sizes()[3];
  g.groups = groups;
  TG_CHECK(g.c_in % groups == 0 && g.c_out % groups == 0,
           "{}: in_channels ({}) and out_channels ({}) must both be divisible by groups ({})", op, g.c_in, g.c_out,
           groups);
  TG_CHECK(w.sizes()[1] * groups == g.c_in,
           "{}: weight of shape {} with groups={} expects {} input channels, got input of shape {}", op, w.sizes(),
           groups, w.sizes()[1] * groups, x.sizes());
  for (int d = 0; d < 2; ++d) {
    g.stride[d] = stride[d];
    g.dilation[d] = dilation[d];
    const int64_t extent = dilation[d] * ((d == 0 ? g.k_h : g.k_w) - 1);
    switch (padding.mode) {
      case ConvPadding::Mode::Explicit:
        TG_CHECK_VALUE(padding.size[d] >= 0, "{}: padding must be non-negative, got ({}, {})", op, padding.size.h,
                       padding.size.w);
        g.pad_lo[d] = g.pad_hi[d] = padding.size[d];
        break;
      case ConvPadding::Mode::Same:
        TG_CHECK_VALUE(stride[d] == 1, "{}: padding=\"same\" needs stride 1, got ({}, {})", op, stride.h, stride.w);
        g.pad_lo[d] = extent / 2;
        g.pad_hi[d] = extent - extent / 2;  // PyTorch puts the odd element on the far side
        break;
      case ConvPadding::Mode::Valid: break;
    }
  }
  const int64_t span_h = g.in_h + g.pad_lo[0] + g.pad_hi[0] - dilation.h * (g.k_h - 1) - 1;
  const int64_t span_w = g.in_w + g.pad_lo[1] + g.pad_hi[1] - dilation.w * (g.k_w - 1) - 1;
  TG_CHECK(span_h >= 0 && span_w >= 0,
           "{}: input of shape {} (padded by ({}, {})) is smaller than the dilated kernel of shape {}", op, x.sizes(),
           g.pad_lo[0] + g.pad_hi[0], g.pad_lo[1] + g.pad_hi[1], w.sizes());
  g.out_h = span_h / stride.h + 1;
  g.out_w = span_w / stride.w + 1;
  return g;
}

Tensor add_bias(const Tensor& y, const Tensor& bias, int64_t channels, const char* op) {
  if (!bias.defined()) return y;
  TG_CHECK(bias.dim() == 1 && bias.sizes()[0] == channels, "{}: expected a bias of shape [{}], got {}", op, channels,
           bias.sizes());
  return y + bias.view({1, channels, 1, 1});
}

}  // namespace

Tensor conv2d(const Tensor& input_in, const Tensor& weight_in, const Conv2dOptions& options_in, SourceLoc loc) {
  detail::ApiScope scope("conv2d", loc);
  const Tensor input = ops::autocast_lower(input_in), weight = ops::autocast_lower(weight_in);
  Conv2dOptions options = options_in;
  options.bias = ops::autocast_lower(options.bias);
  check_operands("conv2d", input, weight, options.bias, 2);
  const bool batched = input.dim() == 4;
  Tensor x = batched ? input : input.unsqueeze(0);
  ConvGeometry g = forward_geometry("conv2d", x, weight, options.stride, options.padding, options.dilation,
                                    options.groups);
  Tensor y = add_bias(conv_forward(x, weight, g), options.bias, g.c_out, "conv2d");
  return batched ? y : y.squeeze(0);
}

Tensor conv1d(const Tensor& input_in, const Tensor& weight_in, const Conv1dOptions& options_in, SourceLoc loc) {
  detail::ApiScope scope("conv1d", loc);
  const Tensor input = ops::autocast_lower(input_in), weight = ops::autocast_lower(weight_in);
  Conv1dOptions options = options_in;
  options.bias = ops::autocast_lower(options.bias);
  check_operands("conv1d", input, weight, options.bias, 1);
  const bool batched = input.dim() == 3;
  Tensor x = (batched ? input : input.unsqueeze(0)).unsqueeze(2);
  ConvPadding padding = options.padding;
  if (padding.mode == ConvPadding::Mode::Explicit) padding.size = Size2(0, padding.size.w);
  ConvGeometry g = forward_geometry("conv1d", x, weight.unsqueeze(2), Size2(1, options.stride), padding,
                                    Size2(1, options.dilation), options.groups);
  Tensor y = add_bias(conv_forward(x, weight.unsqueeze(2), g), options.bias, g.c_out, "conv1d").squeeze(2);
  return batched ? y : y.squeeze(0);
}

namespace {

// The transposed convolution of batched x [N, C, H, W] (conv_transpose1d: H = 1): the input
// gradient of the convolution whose input is our output and whose output is our input.
Tensor transposed_conv(const char* op, const Tensor& x, const Tensor& weight, const ConvTranspose2dOptions& options) {
  check_positive(op, "stride", options.stride);
  check_positive(op, "dilation", options.dilation);
  TG_CHECK_VALUE(options.groups > 0, "{}: groups must be positive, got {}", op, options.groups);
  ConvGeometry g;
  g.n = x.sizes()[0];
  g.c_out = x.sizes()[1];
  TG_CHECK(weight.sizes()[0] == g.c_out, "{}: weight of shape {} expects {} input channels, got input of shape {}", op,
           weight.sizes(), weight.sizes()[0], x.sizes());
  g.groups = options.groups;
  TG_CHECK(g.c_out % g.groups == 0, "{}: in_channels ({}) must be divisible by groups ({})", op, g.c_out, g.groups);
  g.c_in = weight.sizes()[1] * g.groups;
  g.out_h = x.sizes()[2];
  g.out_w = x.sizes()[3];
  g.k_h = weight.sizes()[2];
  g.k_w = weight.sizes()[3];
  const int64_t in_sizes[2] = {g.out_h, g.out_w}, ks[2] = {g.k_h, g.k_w};
  int64_t out_sizes[2];
  for (int d = 0; d < 2; ++d) {
    const int64_t s = options.stride[d], p = options.padding[d], op_ = options.output_padding[d],
                  dil = options.dilation[d];
    TG_CHECK_VALUE(p >= 0 && op_ >= 0, "{}: padding and output_padding must be non-negative", op);
    TG_CHECK_VALUE(op_ < s || op_ < dil,
                   "{}: output_padding ({}) must be smaller than either stride ({}) or dilation ({})", op, op_, s, dil);
    out_sizes[d] = (in_sizes[d] - 1) * s - 2 * p + dil * (ks[d] - 1) + op_ + 1;
    TG_CHECK(out_sizes[d] > 0, "{}: input of shape {} with weight {} gives an empty output", op, x.sizes(),
             weight.sizes());
    g.stride[d] = s;
    g.dilation[d] = dil;
    g.pad_lo[d] = p;
    // Exact far-side padding, so that the forward convolution over our output lands on our input.
    g.pad_hi[d] = (in_sizes[d] - 1) * s + dil * (ks[d] - 1) + 1 - out_sizes[d] - p;
  }
  g.in_h = out_sizes[0];
  g.in_w = out_sizes[1];
  return add_bias(conv_input_grad(x, weight, g), options.bias, g.c_in, op);
}

}  // namespace

Tensor conv_transpose2d(const Tensor& input_in, const Tensor& weight_in, const ConvTranspose2dOptions& options_in,
                        SourceLoc loc) {
  const char* op = "conv_transpose2d";
  detail::ApiScope scope(op, loc);
  const Tensor input = ops::autocast_lower(input_in), weight = ops::autocast_lower(weight_in);
  ConvTranspose2dOptions options = options_in;
  options.bias = ops::autocast_lower(options.bias);
  check_operands(op, input, weight, options.bias, 2);
  const bool batched = input.dim() == 4;
  Tensor y = transposed_conv(op, batched ? input : input.unsqueeze(0), weight, options);
  return batched ? y : y.squeeze(0);
}

Tensor conv_transpose1d(const Tensor& input_in, const Tensor& weight_in, const ConvTranspose1dOptions& o,
                        SourceLoc loc) {
  const char* op = "conv_transpose1d";
  detail::ApiScope scope(op, loc);
  const Tensor input = ops::autocast_lower(input_in), weight = ops::autocast_lower(weight_in);
  const Tensor bias = ops::autocast_lower(o.bias);
  check_operands(op, input, weight, bias, 1);
  const bool batched = input.dim() == 3;
  TG_CHECK(weight.sizes()[0] == input.sizes()[batched ? 1 : 0],
           "{}: weight of shape {} expects {} input channels, got input of shape {}", op, weight.sizes(),
           weight.sizes()[0], input.sizes());
  const ConvTranspose2dOptions plane{.bias = bias,
                                     .stride = Size2(1, o.stride),
                                     .padding = Size2(0, o.padding),
                                     .output_padding = Size2(0, o.output_padding),
                                     .groups = o.groups,
                                     .dilation = Size2(1, o.dilation)};
  Tensor y = transposed_conv(op, (batched ? input : input.unsqueeze(0)).unsqueeze(2), weight.unsqueeze(2), plane);
  return batched ? y.squeeze(2) : y.squeeze(2).squeeze(0);
}

}  // namespace tg::nn::functional
