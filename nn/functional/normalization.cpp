// batch_norm, layer_norm and group_norm. Training-mode batch norm, layer norm and group norm of
// float32 / float64 run on fused kernels with a hand-written backward; the other cases are composed from
// reductions and elementwise ops (statistics folded into a per-channel scale and shift), and
// autograd differentiates through the statistics.
#include "tapegrad/nn/functional/normalization.h"

#include "autograd/record.h"
#include "kernels/kernels.h"
#include "tapegrad/autograd/grad_mode.h"
#include "tapegrad/nn/functional/pooling.h"
#include "tapegrad/tensor/ops.h"
#include "tensor/ops/common.h"

namespace tg::nn::functional {
namespace {

// [1, C, 1, ...] for broadcasting a per-channel vector against an [N, C, ...] input.
Shape channel_shape(const Tensor& input) {
  Shape s = Shape::filled(input.dim(), 1);
  s[1] = input.sizes()[1];
  return s;
}

// The gradients a fused norm's backward kernel writes: the input's, and the weight's and bias's
// (of `param` shape) where those exist; each allocated only when wanted, else undefined.
tensor_list norm_grads(const autograd::Node& nd, const Tensor& x, const Shape& param, bool has_weight, bool has_bias) {
  tensor_list r(3);
  if (nd.needs_input_grad(0)) r[0] = ops::empty(x.sizes(), x.dtype(), x.device());
  if (has_weight && nd.needs_input_grad(1)) r[1] = ops::empty(param, x.dtype(), x.device());
  if (has_bias && nd.needs_input_grad(2)) r[2] = ops::empty(param, x.dtype(), x.device());
  return r;
}

void* data_or_null(const Tensor& t) { return t.defined() ? t.data_ptr() : nullptr; }
Tensor contiguous_or_undefined(const Tensor& t) { return t.defined() ? ops::contiguous(t) : Tensor(); }

// Whether an optional affine parameter can go to a fused kernel with `input`.
bool fits_fused(const Tensor& param, const Tensor& input) {
  return !param.defined() || (param.dtype() == input.dtype() && param.device() == input.device());
}

// What a fused norm's backward reads: the input, the weight (or nothing) and each row's statistics.
void save_norm_inputs(autograd::Node& node, const Tensor& x, const Tensor& weight, const Tensor& mean,
                      const Tensor& rstd) {
  node.save(x);
  node.save(weight);
  node.save(mean);
  node.save(rstd);
}

// torch.finfo(dtype).eps
double machine_epsilon(DType dtype) {
  switch (dtype) {
    case kFloat16: return 0.0009765625;
    case kBFloat16: return 0.0078125;
    case kFloat32: return 1.1920928955078125e-07;
    default: return 2.220446049250313e-16;
  }
}

// A floating-point input whose trailing dims are normalized_shape (layer_norm, rms_norm).
void check_normalized_shape(const char* op, const Tensor& input, const Shape& normalized_shape) {
  ops::check_floating(op, input, "input");
  const int k = normalized_shape.size();
  bool matches = k >= 1 && k <= input.dim();
  for (int i = 0; matches && i < k; ++i) matches = input.sizes()[input.dim() - k + i] == normalized_shape[i];
  TG_CHECK(matches, "{}: normalized_shape {} does not match the trailing dims of the input of shape {}", op,
           normalized_shape, input.sizes());
}

// float16 / bfloat16 norms run on the float32 kernels: the input and parameters widened, the
// result rounded once on the way out, as PyTorch's kernels also compute them in float32 (the
// composed form rounded after every step, in 2-4x the passes). Parameters of float64 keep the
// composed form, which promotes to them.
bool widens_to_float32(const Tensor& input, const Tensor& weight, const Tensor& bias) {
  const auto narrow = [](DType d) { return d == kFloat16 || d == kBFloat16; };
  const auto fits = [&](const Tensor& p) {
    return !p.defined() || ((narrow(p.dtype()) || p.dtype() == kFloat32) && p.device() == input.device());
  };
  return narrow(input.dtype()) && fits(weight) && fits(bias);
}
Tensor widened(const Tensor& t) { return t.defined() ? t.to(kFloat32) : t; }
// The dtype the composed form gives: the input's promoted with the parameters'.
DType norm_result_dtype(const Tensor& input, const Tensor& weight, const Tensor& bias) {
  DType d = input.dtype();
  if (weight.defined()) d = promote_types(d, weight.dtype());
  if (bias.defined()) d = promote_types(d, bias.dtype());
  return d;
}

void check_affine(const char* op, const Tensor& t, const char* what, const Shape& expected) {
  if (!t.defined()) return;
  TG_CHECK(t.sizes() == expected, "{}: expected {} of shape {}, got {}", op, what, expected, t.sizes());
}

// The running statistics as the backend's one-call batch norm updates them: both or neither,
// contiguous [c] vectors of the input's dtype on its device.
bool running_stats_fit(const Tensor& running_mean, const Tensor& running_var, const Tensor& input) {
  if (running_mean.defined() != running_var.defined()) return false;
  const auto fits = [&](const Tensor& t) {
    return !t.defined() || (t.dtype() == input.dtype() && t.device() == input.device() && t.is_contiguous());
  };
  return fits(running_mean) && fits(running_var);
}

// The channel-affine kernel's [c] vectors from the statistics: scale = invstd * weight, shift =
// bias - mean * scale (weight and bias optional), contiguous in `dtype`, off the tape.
std::pair<Tensor, Tensor> affine_of(const Tensor& mean, const Tensor& invstd, const Tensor& weight, const Tensor& bias,
                                    DType dtype) {
  NoGradGuard no_grad;
  Tensor scale = weight.defined() ? invstd * weight.to(dtype) : invstd;
  Tensor shift = -mean.to(dtype) * scale;
  if (bias.defined()) shift = shift + bias;
  return {ops::contiguous(scale), ops::contiguous(shift)};
}

// Training-mode batch norm on the fused kernels: statistics in one pass, output in one, and a
// backward of two passes; or, where the backend has it (cuDNN), all of the forward in one
// library call and the backward in another. Under create_graph the backward is written in tensor
// ops (statistics recomputed from x), so higher derivatives stay exact.
Tensor batch_norm_fused(const Tensor& input, const Tensor& running_mean, const Tensor& running_var,
                        const BatchNormOptions& o) {
  const int64_t n = input.sizes()[0], c = input.sizes()[1], inner = input.numel() / std::max<int64_t>(1, n * c);
  const auto& be = kernels::backend(input.device(), "batch_norm");
  Tensor out = ops::empty(input.sizes(), input.dtype(), input.device());
  Tensor mean = ops::empty({c}, input.dtype(), input.device()), invstd;
  bool done = false;
  if (be.batch_norm_training && running_stats_fit(running_mean, running_var, input)) {
    NoGradGuard no_grad;
    const TensorOptions like = TensorOptions(input.dtype()).device(input.device());
    const Tensor w = o.weight.defined() ? ops::contiguous(o.weight) : ones({c}, like);
    const Tensor b = o.bias.defined() ? ops::contiguous(o.bias) : zeros({c}, like);
    invstd = ops::empty({c}, input.dtype(), input.device());
    done = be.batch_norm_training(input.dtype(), n, c, inner, o.eps, o.momentum, input.data_ptr(), w.data_ptr(),
                                  b.data_ptr(), out.data_ptr(), mean.data_ptr(), invstd.data_ptr(),
                                  data_or_null(running_mean), data_or_null(running_var));
    if (done && running_mean.defined()) {
      ops::bump_version(running_mean);
      ops::bump_version(running_var);
    }
  }
  if (!done) {
    Tensor var = ops::empty({c}, input.dtype(), input.device());
    be.batch_norm_stats(input.dtype(), n, c, inner, input.data_ptr(), mean.data_ptr(), var.data_ptr());
    const int64_t count = n * inner;
    if (running_mean.defined() || running_var.defined()) {
      NoGradGuard no_grad;
      if (running_mean.defined()) running_mean.mul_(1 - o.momentum).add_(mean.to(running_mean.dtype()), o.momentum);
      if (running_var.defined())
        running_var.mul_(1 - o.momentum).add_(var.to(running_var.dtype()), o.momentum * count / (count - 1.0));
    }
    {
      NoGradGuard no_grad;
      invstd = rsqrt(var + o.eps);
    }
    const auto [scale, shift] = affine_of(mean, invstd, o.weight, o.bias, input.dtype());
    be.channel_affine(input.dtype(), n, c, inner, input.data_ptr(), scale.data_ptr(), shift.data_ptr(), out.data_ptr());
  }
  if (!autograd::needs_grad(input, o.weight, o.bias)) return out;
  const Shape shape = input.sizes();
  const double eps = o.eps;
  const bool has_weight = o.weight.defined();
  auto node = autograd::make_node(
      "NativeBatchNormBackward", {&input, &o.weight, &o.bias},
      [=](const autograd::Node& nd, const tensor_list& gr) -> tensor_list {
        Tensor x = nd.saved(0), w = has_weight ? nd.saved(1) : Tensor();
        const Tensor& g = gr[0];
        tensor_list r(3);
        if (GradMode::is_enabled()) {
          Shape cs = Shape::filled(x.dim(), 1), dims;
          cs[1] = c;
          for (int d = 0; d < x.dim(); ++d)
            if (d != 1) dims.push_back(d);
          Tensor m = x.mean(dims, true), is = rsqrt(x.var(dims, 0, true) + eps);
          Tensor xhat = (x - m) * is;
          Tensor gx = has_weight ? g * w.view(cs) : g;
          r[0] = is * (gx - gx.mean(dims, true) - xhat * (gx * xhat).mean(dims, true));
          if (has_weight) r[1] = (g * xhat).sum(dims);
          r[2] = g.sum(dims);
          return r;
        }
        Tensor gc = ops::contiguous(g);
        Tensor dx = nd.needs_input_grad(0) ? ops::empty(shape, x.dtype(), x.device()) : Tensor();
        Tensor sum_dy = ops::empty({c}, x.dtype(), x.device()), sum_dy_xhat = ops::empty({c}, x.dtype(), x.device());
        Tensor wc = has_weight ? ops::contiguous(ops::cast(w, x.dtype())) : Tensor();
        kernels::backend(x.device(), "batch_norm")
            .batch_norm_backward(x.dtype(), n, c, inner, eps, x.data_ptr(), gc.data_ptr(), nd.saved(2).data_ptr(),
                                 nd.saved(3).data_ptr(), has_weight ? wc.data_ptr() : nullptr,
                                 dx.defined() ? dx.data_ptr() : nullptr, sum_dy.data_ptr(), sum_dy_xhat.data_ptr());
        r[0] = dx;
        if (has_weight) r[1] = sum_dy_xhat.to(w.dtype());
        r[2] = sum_dy;
        return r;
      });
  node->save(input);
  node->save(has_weight ? o.weight : Tensor());
  node->save(mean);
  node->save(invstd);
  autograd::set_history(out, node);
  return out;
}

// Layer norm on the fused kernels: one visit of each row forward, one backward plus a column
// sum for the weight and bias. Under create_graph the backward is written in tensor ops (the
// statistics recomputed from x), so higher derivatives stay exact.
Tensor layer_norm_fused(const Tensor& input, int64_t cols, const Tensor& weight, const Tensor& bias, double eps) {
  const int64_t rows = cols == 0 ? 0 : input.numel() / cols;
  const auto& be = kernels::backend(input.device(), "layer_norm");
  Tensor x = ops::contiguous(input);
  Tensor w = contiguous_or_undefined(weight), b = contiguous_or_undefined(bias);
  Tensor out = ops::empty(input.sizes(), input.dtype(), input.device());
  Tensor mean = ops::empty({rows}, input.dtype(), input.device());
  Tensor rstd = ops::empty({rows}, input.dtype(), input.device());
  be.layer_norm(input.dtype(), rows, cols, eps, x.data_ptr(), w.defined() ? w.data_ptr() : nullptr,
                b.defined() ? b.data_ptr() : nullptr, out.data_ptr(), mean.data_ptr(), rstd.data_ptr());
  if (!autograd::needs_grad(input, weight, bias)) return out;
  const Shape wshape = weight.defined() ? weight.sizes() : bias.defined() ? bias.sizes() : Shape();
  const bool has_weight = weight.defined(), has_bias = bias.defined();
  auto node = autograd::make_node(
      "NativeLayerNormBackward", {&input, &weight, &bias},
      [=](const autograd::Node& nd, const tensor_list& gr) -> tensor_list {
        Tensor xs = nd.saved(0), ws = has_weight ? nd.saved(1) : Tensor();
        tensor_list r(3);
        if (GradMode::is_enabled()) {
          Tensor x2 = xs.reshape({rows, cols}), g2 = gr[0].reshape({rows, cols});
          Tensor m = x2.mean({1}, true), is = rsqrt(x2.var({1}, 0, true) + eps);
          Tensor xhat = (x2 - m) * is;
          Tensor gx = has_weight ? g2 * ws.reshape({cols}) : g2;
          r[0] = (is * (gx - gx.mean({1}, true) - xhat * (gx * xhat).mean({1}, true))).reshape(xs.sizes());
          if (has_weight) r[1] = (g2 * xhat).sum({0}).reshape(wshape);
          if (has_bias) r[2] = g2.sum({0}).reshape(wshape);
          return r;
        }
        Tensor g = ops::contiguous(gr[0]);
        r = norm_grads(nd, xs, wshape, has_weight, has_bias);
        kernels::backend(xs.device(), "layer_norm")
            .layer_norm_backward(xs.dtype(), rows, cols, xs.data_ptr(), g.data_ptr(), nd.saved(2).data_ptr(),
                                 nd.saved(3).data_ptr(), data_or_null(ws), data_or_null(r[0]), data_or_null(r[1]),
                                 data_or_null(r[2]));
        return r;
      });
  save_norm_inputs(*node, x, w, mean, rstd);
  autograd::set_history(out, node);
  return out;
}

// Group norm on the fused kernels: each (sample, group) row's statistics and the output with the
// per-channel weight and bias in one visit; backward in two (per-channel sums, then dx). Under
// create_graph the backward is written in tensor ops (statistics recomputed from x).
Tensor group_norm_fused(const Tensor& input, int64_t groups, const Tensor& weight, const Tensor& bias, double eps) {
  const int64_t n = input.sizes()[0], c = input.sizes()[1];
  const kernels::GroupNormGeometry g{n, c, input.numel() / (n * c), groups};
  const auto& be = kernels::backend(input.device(), "group_norm");
  Tensor x = ops::contiguous(input);
  Tensor w = contiguous_or_undefined(weight), b = contiguous_or_undefined(bias);
  Tensor out = ops::empty(input.sizes(), input.dtype(), input.device());
  Tensor mean = ops::empty({n * groups}, input.dtype(), input.device());
  Tensor rstd = ops::empty({n * groups}, input.dtype(), input.device());
  be.group_norm(input.dtype(), g, eps, x.data_ptr(), w.defined() ? w.data_ptr() : nullptr,
                b.defined() ? b.data_ptr() : nullptr, out.data_ptr(), mean.data_ptr(), rstd.data_ptr());
  if (!autograd::needs_grad(input, weight, bias)) return out;
  const bool has_weight = weight.defined(), has_bias = bias.defined();
  auto node = autograd::make_node(
      "NativeGroupNormBackward", {&input, &weight, &bias},
      [=](const autograd::Node& nd, const tensor_list& gr) -> tensor_list {
        Tensor xs = nd.saved(0), ws = has_weight ? nd.saved(1) : Tensor();
        tensor_list r(3);
        if (GradMode::is_enabled()) {
          Shape cs = Shape::filled(xs.dim(), 1), dims;
          cs[1] = c;
          for (int d = 0; d < xs.dim(); ++d)
            if (d != 1) dims.push_back(d);
          const Shape rows{n, groups, xs.numel() / (n * groups)};
          Tensor x3 = xs.reshape(rows);
          Tensor is = rsqrt(x3.var({2}, 0, true) + eps);
          Tensor xhat = (x3 - x3.mean({2}, true)) * is;
          Tensor gx = (has_weight ? gr[0] * ws.view(cs) : gr[0]).reshape(rows);
          r[0] = (is * (gx - gx.mean({2}, true) - xhat * (gx * xhat).mean({2}, true))).reshape(xs.sizes());
          if (has_weight) r[1] = (gr[0] * xhat.reshape(xs.sizes())).sum(dims);
          if (has_bias) r[2] = gr[0].sum(dims);
          return r;
        }
        Tensor dy = ops::contiguous(gr[0]);
        r = norm_grads(nd, xs, {c}, has_weight, has_bias);
        kernels::backend(xs.device(), "group_norm")
            .group_norm_backward(xs.dtype(), g, xs.data_ptr(), dy.data_ptr(), nd.saved(2).data_ptr(),
                                 nd.saved(3).data_ptr(), data_or_null(ws), data_or_null(r[0]), data_or_null(r[1]),
                                 data_or_null(r[2]));
        return r;
      });
  save_norm_inputs(*node, x, w, mean, rstd);
  autograd::set_history(out, node);
  return out;
}

}  // namespace

// Evaluation-mode batch norm of a contiguous float32 / float64 input: y = x * scale[c] +
// shift[c] in one pass of the channel-affine kernel (x * scale + shift took two, at 0.54x
// PyTorch's speed for a [32, 64, 28, 28] activation), scale = w / sqrt(running_var + eps). The
// backward is tensor ops (dx = g scale, dw = sum g (x - mean) / sqrt(var + eps), db = sum g), so
// higher derivatives stay exact.
Tensor batch_norm_inference(const Tensor& input, const Tensor& running_mean, const Tensor& running_var,
                            const BatchNormOptions& o) {
  const int64_t n = input.sizes()[0], c = input.sizes()[1], inner = input.numel() / std::max<int64_t>(1, n * c);
  const Shape cs = channel_shape(input);
  const DType dt = input.dtype();
  Tensor invstd;
  {
    NoGradGuard no_grad;
    invstd = rsqrt(running_var.to(dt) + o.eps);
  }
  const auto [scale, shift] = affine_of(running_mean, invstd, o.weight, o.bias, dt);
  Tensor out = ops::empty(input.sizes(), dt, input.device());
  kernels::backend(input.device(), "batch_norm")
      .channel_affine(dt, n, c, inner, input.data_ptr(), scale.data_ptr(), shift.data_ptr(), out.data_ptr());
  if (!autograd::needs_grad(input, o.weight, o.bias)) return out;
  const double eps = o.eps;
  const bool has_weight = o.weight.defined();
  auto node = autograd::make_node("NativeBatchNormBackward", {&input, &o.weight, &o.bias},
                                  [=](const autograd::Node& nd, const tensor_list& gr) -> tensor_list {
                                    const Tensor& g = gr[0];
                                    const Tensor invstd = rsqrt(nd.saved(2).to(g.dtype()) + eps).view(cs);
                                    Shape dims;
                                    for (int d = 0; d < g.dim(); ++d)
                                      if (d != 1) dims.push_back(d);
                                    tensor_list r(3);
                                    if (nd.needs_input_grad(0))
                                      r[0] = g * (has_weight ? invstd * nd.saved(3).view(cs) : invstd);
                                    if (nd.needs_input_grad(1))
                                      r[1] =
                                          (g * ((nd.saved(0) - nd.saved(1).to(g.dtype()).view(cs)) * invstd)).sum(dims);
                                    if (nd.needs_input_grad(2)) r[2] = g.sum(dims);
                                    return r;
                                  });
  node->save(node->needs_input_grad(1) ? input : Tensor());
  node->save(running_mean);
  node->save(running_var);
  node->save(o.weight);
  autograd::set_history(out, node);
  return out;
}

Tensor batch_norm(const Tensor& input, const Tensor& running_mean, const Tensor& running_var,
                  const BatchNormOptions& options, SourceLoc loc) {
  const char* op = "batch_norm";
  detail::ApiScope scope(op, loc);
  ops::check_floating(op, input, "input");
  TG_CHECK(input.dim() >= 2, "{}: expected an input [N, C, ...] with at least 2 dims, got shape {}", op, input.sizes());
  const int64_t c = input.sizes()[1];
  check_affine(op, options.weight, "weight", {c});
  check_affine(op, options.bias, "bias", {c});
  check_affine(op, running_mean, "running_mean", {c});
  check_affine(op, running_var, "running_var", {c});
  const Shape cs = channel_shape(input);
  Shape dims;
  for (int d = 0; d < input.dim(); ++d)
    if (d != 1) dims.push_back(d);
  const bool wide = widens_to_float32(input, options.weight, options.bias);
  if (options.training && input.is_contiguous() &&
      (wide || ((input.dtype() == kFloat32 || input.dtype() == kFloat64) && fits_fused(options.weight, input) &&
                fits_fused(options.bias, input)))) {
    const int64_t count = input.numel() / std::max<int64_t>(c, 1);
    TG_CHECK_VALUE(count > 1, "{}: expected more than 1 value per channel when training, got input of shape {}", op,
                   input.sizes());
    if (!wide) return batch_norm_fused(input, running_mean, running_var, options);
    BatchNormOptions o = options;
    o.weight = widened(o.weight);
    o.bias = widened(o.bias);
    return batch_norm_fused(input.to(kFloat32), running_mean, running_var, o)
        .to(norm_result_dtype(input, options.weight, options.bias));
  }
  Tensor mean, var;
  if (options.training) {
    const int64_t count = input.numel() / std::max<int64_t>(c, 1);
    TG_CHECK_VALUE(count > 1, "{}: expected more than 1 value per channel when training, got input of shape {}", op,
                   input.sizes());
    mean = input.mean(dims, true);
    var = input.var(dims, 0, true);
    if (running_mean.defined() || running_var.defined()) {
      NoGradGuard no_grad;
      const double m = options.momentum;
      if (running_mean.defined()) running_mean.mul_(1 - m).add_(mean.view({c}).to(running_mean.dtype()), m);
      if (running_var.defined())
        running_var.mul_(1 - m).add_(var.view({c}).to(running_var.dtype()), m * count / (count - 1.0));
    }
  } else {
    TG_CHECK(running_mean.defined() && running_var.defined(),
             "{}: evaluation mode needs running_mean and running_var", op);
    if (input.is_contiguous() && (input.dtype() == kFloat32 || input.dtype() == kFloat64) &&
        fits_fused(options.weight, input) && fits_fused(options.bias, input) &&
        running_mean.device() == input.device() && running_var.device() == input.device() &&
        !autograd::needs_grad(running_mean, running_var))
      return batch_norm_inference(input, running_mean, running_var, options);
    mean = running_mean.to(input.dtype()).view(cs);
    var = running_var.to(input.dtype()).view(cs);
  }
  Tensor scale = rsqrt(var + options.eps);
  if (options.weight.defined()) scale = scale * options.weight.view(cs);
  Tensor shift = -mean * scale;
  if (options.bias.defined()) shift = shift + options.bias.view(cs);
  return input * scale + shift;
}

Tensor layer_norm(const Tensor& input_in, const Shape& normalized_shape, const Tensor& weight, const Tensor& bias,
                  double eps, SourceLoc loc) {
  const char* op = "layer_norm";
  detail::ApiScope scope(op, loc);
  const Tensor input = ops::autocast_float32(input_in);  // statistics need float32's range
  check_normalized_shape(op, input, normalized_shape);
  const int k = normalized_shape.size();
  check_affine(op, weight, "weight", normalized_shape);
  check_affine(op, bias, "bias", normalized_shape);
  int64_t cols = 1;
  for (int i = 0; i < k; ++i) cols *= normalized_shape[i];
  if ((input.dtype() == kFloat32 || input.dtype() == kFloat64) && fits_fused(weight, input) && fits_fused(bias, input))
    return layer_norm_fused(input, cols, weight, bias, eps);
  if (input.is_cpu() && (input.dtype() == kFloat16 || input.dtype() == kBFloat16) && fits_fused(weight, input) &&
      fits_fused(bias, input) && !autograd::needs_grad(input, weight, bias)) {
    // Without autograd the CPU kernel takes the 16-bit rows itself, widening one at a time (its
    // statistics in float32); with it, the float32 kernels below run on widened copies.
    const int64_t rows = cols == 0 ? 0 : input.numel() / cols;
    Tensor x = ops::contiguous(input), w = contiguous_or_undefined(weight), b = contiguous_or_undefined(bias);
    Tensor out = ops::empty(input.sizes(), input.dtype(), input.device());
    Tensor mean = ops::empty({rows}, kFloat32, input.device()), rstd = ops::empty({rows}, kFloat32, input.device());
    kernels::backend(input.device(), op)
        .layer_norm(input.dtype(), rows, cols, eps, x.data_ptr(), data_or_null(w), data_or_null(b), out.data_ptr(),
                    mean.data_ptr(), rstd.data_ptr());
    return out;
  }
  if (widens_to_float32(input, weight, bias))
    return layer_norm_fused(input.to(kFloat32), cols, widened(weight), widened(bias), eps)
        .to(norm_result_dtype(input, weight, bias));
  Shape dims;
  for (int d = input.dim() - k; d < input.dim(); ++d) dims.push_back(d);
  Tensor mean = input.mean(dims, true);
  Tensor y = (input - mean) * rsqrt(input.var(dims, 0, true) + eps);
  if (weight.defined()) y = y * weight;
  if (bias.defined()) y = y + bias;
  return y;
}

Tensor rms_norm(const Tensor& input_in, const Shape& normalized_shape, const Tensor& weight, std::optional<double> eps,
                SourceLoc loc) {
  const char* op = "rms_norm";
  detail::ApiScope scope(op, loc);
  const Tensor input = ops::autocast_float32(input_in);
  check_normalized_shape(op, input, normalized_shape);
  const int k = normalized_shape.size();
  check_affine(op, weight, "weight", normalized_shape);
  Shape dims;
  for (int d = input.dim() - k; d < input.dim(); ++d) dims.push_back(d);
  const double e = eps.value_or(machine_epsilon(input.dtype()));
  Tensor y = input * rsqrt(square(input).mean(dims, true) + e);
  return weight.defined() ? y * weight : y;
}

// Instance norm is group norm with a group per channel; the running statistics, when kept, are
// the batch's average of the per-sample ones, and eval mode is batch norm on them.
Tensor instance_norm(const Tensor& input, const InstanceNormOptions& o, SourceLoc loc) {
  const char* op = "instance_norm";
  detail::ApiScope scope(op, loc);
  ops::check_defined(op, input, "input");
  TG_CHECK(input.dim() >= 3, "{}: expected an input [N, C, ...] with spatial dims, got shape {}", op, input.sizes());
  TG_CHECK(o.running_mean.defined() == o.running_var.defined(),
           "{}: give both running_mean and running_var, or neither", op);
  if (!o.use_input_stats) {
    TG_CHECK(o.running_mean.defined(), "{}: use_input_stats=false needs running_mean and running_var", op);
    return batch_norm(input, o.running_mean, o.running_var,
                      BatchNormOptions{.weight = o.weight, .bias = o.bias, .training = false, .eps = o.eps});
  }
  if (o.running_mean.defined()) {
    NoGradGuard no_grad;
    Shape spatial;
    for (int d = 2; d < input.dim(); ++d) spatial.push_back(d);
    Tensor x = input.detach();
    o.running_mean.mul_(1 - o.momentum).add_(x.mean(spatial).mean({0}).to(o.running_mean.dtype()) * o.momentum);
    o.running_var.mul_(1 - o.momentum).add_(x.var(spatial, 1).mean({0}).to(o.running_var.dtype()) * o.momentum);
  }
  return group_norm(input, input.sizes()[1], o.weight, o.bias, o.eps);
}

Tensor group_norm(const Tensor& input_in, int64_t num_groups, const Tensor& weight, const Tensor& bias, double eps,
                  SourceLoc loc) {
  const char* op = "group_norm";
  detail::ApiScope scope(op, loc);
  const Tensor input = ops::autocast_float32(input_in);
  ops::check_floating(op, input, "input");
  TG_CHECK(input.dim() >= 2, "{}: expected an input [N, C, ...] with at least 2 dims, got shape {}", op, input.sizes());
  const int64_t n = input.sizes()[0], c = input.sizes()[1];
  TG_CHECK_VALUE(num_groups > 0 && c % num_groups == 0, "{}: {} channels cannot be split into {} groups", op, c,
                 num_groups);
  check_affine(op, weight, "weight", {c});
  check_affine(op, bias, "bias", {c});
  if ((input.dtype() == kFloat32 || input.dtype() == kFloat64) && input.numel() > 0 && fits_fused(weight, input) &&
      fits_fused(bias, input))
    return group_norm_fused(input, num_groups, weight, bias, eps);
  if (input.numel() > 0 && widens_to_float32(input, weight, bias))
    return group_norm_fused(input.to(kFloat32), num_groups, widened(weight), widened(bias), eps)
        .to(norm_result_dtype(input, weight, bias));
  int64_t group_size = c / num_groups;  // explicit, not -1: an empty batch has no size to infer
  for (int d = 2; d < input.dim(); ++d) group_size *= input.sizes()[d];
  Tensor x = input.reshape({n, num_groups, group_size});
  Tensor y = ((x - x.mean({2}, true)) * rsqrt(x.var({2}, 0, true) + eps)).reshape(input.sizes());
  const Shape cs = channel_shape(input);
  if (weight.defined()) y = y * weight.view(cs);
  if (bias.defined()) y = y + bias.view(cs);
  return y;
}

Tensor local_response_norm(const Tensor& input, int64_t size, double alpha, double beta, double k, SourceLoc loc) {
  detail::ApiScope scope("local_response_norm", loc);
  ops::check_defined("local_response_norm", input, "input");
  TG_CHECK(input.dim() >= 3, "local_response_norm: expected an input [N, C, *] with at least 3 dims, got shape {}",
           input.sizes());
  TG_CHECK_VALUE(size > 0, "local_response_norm: size must be positive, got {}", size);
  if (input.numel() == 0) return input.clone();
  // The mean of x^2 over the channel window: [N, C, rest] padded along C, then a moving average.
  const int64_t n = input.sizes()[0], c = input.sizes()[1];
  Tensor sq = (input * input).reshape({n, 1, c, -1});
  sq = tg::pad(sq, {0, 0, size / 2, (size - 1) / 2});
  const Tensor window = avg_pool2d(sq, {.kernel_size = Size2(size, 1), .stride = Size2(1, 1)}).reshape(input.sizes());
  return input / (window * alpha + k).pow(beta);
}

}  // namespace tg::nn::functional
