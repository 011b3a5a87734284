// Losses, composed from tensor ops so that autograd differentiates them (to any order):
// nll_loss and cross_entropy from log_softmax, gather and reductions; the regression and
// binary losses elementwise. cross_entropy of [N, C] (or [N, C, d...]) logits against class
// indices, the loss of every classifier, has a fused kernel with a hand-written backward.
#include "tapegrad/nn/functional/loss.h"

#include <functional>

#include "autograd/derivatives/derivatives.h"
#include "autograd/record.h"
#include "kernels/kernels.h"
#include "nn/functional/loss_reduction.h"
#include "tapegrad/autograd/grad_mode.h"
#include "tapegrad/nn/functional/activation.h"
#include "tapegrad/nn/functional/embedding.h"
#include "tensor/ops/common.h"
#include "tensor/ops/raw_reductions.h"

#include "tapegrad/tensor/ops.h"
#include "tensor/thread_state.h"

namespace tg::nn::functional {

Tensor reduce_loss(const Tensor& loss, Reduction reduction, const Tensor& denominator) {
  switch (reduction) {
    case Reduction::BatchMean: TG_FAIL_VALUE("reduction BatchMean is only for kl_div");
    case Reduction::None: return loss;
    case Reduction::Sum: return loss.sum();
    case Reduction::Mean: return denominator.defined() ? loss.sum() / denominator : loss.mean();
  }
  return loss;
}

namespace {

// Checks input [N, C, d...] (or [C]) against class-index targets [N, d...] (or []).
void check_index_target(const char* name, const Tensor& input, const Tensor& target, const Tensor& weight) {
  TG_CHECK(input.defined() && target.defined(), "{}: input and target must be defined", name);
  TG_CHECK(input.dim() >= 1, "{}: expected an input with at least 1 dim, got shape {}", name, input.sizes());
  TG_CHECK_TYPE(input.is_floating_point(), "{}: expected a floating-point input, got {}", name, input.dtype());
  TG_CHECK_TYPE(target.dtype() == kInt64, "{}: expected class indices of dtype int64, got {}", name, target.dtype());
  Shape expected = input.sizes();
  expected.erase(input.dim() == 1 ? 0 : 1);
  TG_CHECK(target.sizes() == expected, "{}: input of shape {} needs a target of shape {}, got {}", name, input.sizes(),
           expected, target.sizes());
  const int64_t classes = input.sizes()[input.dim() == 1 ? 0 : 1];
  if (weight.defined())
    TG_CHECK(weight.dim() == 1 && weight.sizes()[0] == classes,
             "{}: expected a weight of shape [{}] (one per class), got {}", name, classes, weight.sizes());
}

// Checks that a loss's input and target are floating-point tensors of one shape. The regression
// losses (mse, l1, smooth_l1, huber) take an integer or bool side beside a floating-point one, as
// PyTorch's: only their common dtype, which they compute in, must be floating-point.
void check_pointwise(const char* name, const Tensor& input, const Tensor& target, bool common_dtype = false) {
  TG_CHECK(input.defined() && target.defined(), "{}: input and target must be defined", name);
  if (common_dtype)
    TG_CHECK_TYPE(is_floating_point(ops::result_type(input, target)),
                  "{}: expected a floating-point input or target, got {} and {}", name, input.dtype(), target.dtype());
  else
    TG_CHECK_TYPE(input.is_floating_point() && target.is_floating_point(),
                  "{}: expected floating-point input and target, got {} and {}", name, input.dtype(), target.dtype());
  TG_CHECK(input.sizes() == target.sizes(), "{}: input of shape {} and target of shape {} differ", name, input.sizes(),
           target.sizes());
}

// Cross entropy of [N, C] (or [C], or [N, C, d...]) float32/float64 logits against class
// indices on the fused kernels: one visit of each row forward (log-sum-exp and the smoothing
// sums), one backward (softmax minus the smoothed one-hot target), no [N, C] intermediates.
// Under create_graph the backward is written in tensor ops, so higher derivatives stay exact.
Tensor cross_entropy_fused(const Tensor& input, const Tensor& target, const CrossEntropyOptions& o) {
  const bool single = input.dim() == 1;
  const Tensor x = ops::contiguous(single ? input.unsqueeze(0) : input);
  const Tensor t = ops::contiguous(single ? target.unsqueeze(0) : target);
  const Tensor w = o.weight.defined() ? ops::contiguous(o.weight) : Tensor();
  const int64_t rows = t.numel(), classes = x.sizes()[1];
  int64_t inner = 1;  // positions per sample of [N, C, d...] logits
  for (int d = 2; d < x.dim(); ++d) inner *= x.sizes()[d];
  const kernels::CrossEntropyParams params{rows, classes, o.ignore_index, o.label_smoothing, t.data_ptr<int64_t>(),
                                           w.defined() ? w.data_ptr() : nullptr, inner};
  const auto& be = kernels::backend(x.device(), "cross_entropy");
  Tensor loss = ops::empty({rows}, x.dtype(), x.device()), lse = ops::empty({rows}, x.dtype(), x.device()),
         row_weight = ops::empty({rows}, x.dtype(), x.device());
  const int64_t bad = be.cross_entropy(x.dtype(), params, x.data_ptr(), loss.data_ptr(), lse.data_ptr(),
                                       row_weight.data_ptr());
  if (bad >= 0)
    TG_FAIL_INDEX("cross_entropy: target {} is out of bounds for {} classes",
                  t.reshape({-1}).select(0, bad).item<int64_t>(), classes);
  if (autograd::needs_grad(input)) {
    const double keep = 1 - o.label_smoothing, spread = o.label_smoothing / static_cast<double>(classes);
    const int64_t ignore = o.ignore_index;
    auto node = autograd::make_node(
        "CrossEntropyBackward", {&input}, [=](const autograd::Node& nd, const tensor_list& gr) -> tensor_list {
          Tensor xs = nd.saved(0);
          const Tensor& g = gr[0];
          if (GradMode::is_enabled()) {
            const TensorOptions opts = TensorOptions(xs.dtype()).device(xs.device());
            Shape cs = Shape::filled(xs.dim(), 1);  // a per-class vector broadcast along dim 1
            cs[1] = classes;
            Tensor valid = ne(t, ignore), safe = where(valid, t, 0);
            Tensor wt = w.defined() ? w.index_select(0, safe.reshape({-1})).view(safe.sizes())
                                    : ones(safe.sizes(), opts);
            Tensor wsum = w.defined() ? w.sum() : full({}, static_cast<double>(classes), opts);
            Tensor gv = where(valid, g.reshape(safe.sizes()), 0.0).unsqueeze(1);
            Tensor onehot = movedim(one_hot(safe, classes), -1, 1).to(xs.dtype());
            Tensor d = (wt * keep + wsum * spread).unsqueeze(1) * softmax(xs, 1) - wt.unsqueeze(1) * onehot * keep;
            if (spread != 0) d = d - (w.defined() ? w : ones({classes}, opts)).view(cs) * spread;
            Tensor dx = gv * d;
            return {single ? dx.squeeze(0) : dx};
          }
          Tensor dx = ops::empty(xs.sizes(), xs.dtype(), xs.device());
          // A gradient broadcast from a reduction is one value for every row: read it with stride 0.
          const bool uniform = g.dim() == 1 && g.strides()[0] == 0;
          Tensor gc = uniform ? g : ops::contiguous(g);
          kernels::backend(xs.device(), "cross_entropy")
              .cross_entropy_backward(xs.dtype(), params, xs.data_ptr(), nd.saved(1).data_ptr(), gc.data_ptr(),
                                      uniform ? 0 : 1, dx.data_ptr());
          return {single ? dx.squeeze(0) : dx};
        });
    node->save(x);
    node->save(lse);
    autograd::set_history(loss, node);
  }
  switch (o.reduction) {
    case Reduction::None: return loss.view(target.sizes());
    case Reduction::Sum: return loss.sum();
    case Reduction::Mean: return loss.sum() / row_weight.sum();
    case Reduction::BatchMean: break;
  }
  TG_FAIL_VALUE("cross_entropy: reduction BatchMean is only for kl_div");
}

// The backward of a loss of d = x - y reduced to a (scaled) sum, whose gradient with respect to x
// is the scaled incoming gradient times slope(d) per element (mse: 2 d; Huber: clamp(d)):
// `grad_of(d, scaled gradient)`, one pass over the saved d, or under create_graph over x - y
// recomputed on the tape, so that higher derivatives stay exact. y's gradient is minus x's.
using DifferenceGrad = std::function<Tensor(const Tensor& diff, const Tensor& scaled_grad)>;
void set_difference_loss_history(const char* name, const Tensor& loss, const Tensor& x, const Tensor& y,
                                 const Tensor& diff, double scale, DifferenceGrad grad_of) {
  if (!autograd::needs_grad(x, y)) return;
  auto node = autograd::make_node(
      name, {&x, &y}, [scale, grad_of](const autograd::Node& nd, const tensor_list& gr) -> tensor_list {
        const Tensor gx = grad_of(GradMode::is_enabled() ? nd.saved(0) - nd.saved(1) : nd.saved(2), gr[0] * scale);
        return {gx, nd.needs_input_grad(1) ? -gx : Tensor()};
      });
  node->save(x);
  node->save(y);
  node->save(diff);
  autograd::set_history(loss, node);
}

// Huber loss (and smooth L1, Huber / beta) of same-dtype float32 / float64 operands reduced to a
// mean or a sum: d = x - y, the fused Huber kernel of d and its sum (3 passes, where clamping d
// and two norms made 5 and the composed form 9), and d saved, whose backward is one pass of the
// kernel's derivative. The terms summed are non-negative, accumulated as sums are: no
// cancellation.
bool clamped_loss_applies(const Tensor& x, const Tensor& y, Reduction reduction) {
  return (reduction == Reduction::Mean || reduction == Reduction::Sum) && x.dtype() == y.dtype() &&
         (x.dtype() == kFloat32 || x.dtype() == kFloat64);
}

Tensor clamped_loss(const char* name, const char* backward_name, const Tensor& x, const Tensor& y, Reduction reduction,
                    const kernels::ActivationParams& huber) {
  const double scale =
      reduction == Reduction::Mean ? 1.0 / static_cast<double>(x.numel()) : 1.0;  // no elements: 0 * inf, NaN
  Tensor d, loss;
  {
    NoGradGuard no_grad;
    d = x - y;
    loss = ops::fused_activation(kernels::ActivationOp::Huber, name, d, huber).sum() * scale;
  }
  // The incoming gradient read at stride 0 by the backward kernel (tensor ops under create_graph).
  set_difference_loss_history(backward_name, loss, x, y, d, scale, [huber](const Tensor& diff, const Tensor& gs) {
    return autograd::derivatives::activation_grad(kernels::ActivationOp::Huber, huber, gs.expand(diff.sizes()), diff);
  });
  return loss;
}

}  // namespace

Tensor mse_loss(const Tensor& input, const Tensor& target, Reduction reduction, SourceLoc loc) {
  detail::ApiScope scope("mse_loss", loc);
  check_pointwise("mse_loss", input, target, /*common_dtype=*/true);
  const Tensor &x = input, &y = target;
  if ((reduction != Reduction::Mean && reduction != Reduction::Sum) || x.dtype() != y.dtype())
    return reduce_loss(square(x - y), reduction);
  // Mean or sum: the difference is computed once and saved, its squares summed in the same
  // reduction pass (no tensor of squares), and the backward is one scaled copy of it (the composed
  // form made 7 passes over the data, this 3).
  Tensor d, loss;
  {
    NoGradGuard no_grad;
    d = x - y;
    loss = ops::sum_squares(d);
    if (reduction == Reduction::Mean) loss = loss / static_cast<double>(x.numel());  // 0 / 0: NaN for no elements
  }
  const double scale = reduction == Reduction::Mean ? 2.0 / static_cast<double>(x.numel()) : 2.0;
  set_difference_loss_history("MseLossBackward", loss, x, y, d, scale,
                              [](const Tensor& diff, const Tensor& gs) { return diff * gs; });
  return loss;
}

Tensor l1_loss(const Tensor& input, const Tensor& target, Reduction reduction, SourceLoc loc) {
  detail::ApiScope scope("l1_loss", loc);
  // Complex pairs too, as PyTorch's: the magnitudes of the differences, a real loss.
  if (input.defined() && target.defined() && input.is_complex() && target.is_complex()) {
    TG_CHECK(input.sizes() == target.sizes(), "l1_loss: input of shape {} and target of shape {} differ", input.sizes(),
             target.sizes());
  } else {
    check_pointwise("l1_loss", input, target, /*common_dtype=*/true);
  }
  return reduce_loss(abs(input - target), reduction);
}

Tensor smooth_l1_loss(const Tensor& input, const Tensor& target, Reduction reduction, double beta, SourceLoc loc) {
  detail::ApiScope scope("smooth_l1_loss", loc);
  check_pointwise("smooth_l1_loss", input, target, /*common_dtype=*/true);
  const Tensor &x = input, &y = target;
  TG_CHECK_VALUE(beta >= 0, "smooth_l1_loss: beta must be non-negative, got {}", beta);
  if (beta == 0) return reduce_loss(abs(x - y), reduction);
  const kernels::ActivationParams huber{.alpha = beta, .beta = 1, .scale = 1 / beta};
  if (clamped_loss_applies(x, y, reduction))
    return clamped_loss("smooth_l1_loss", "SmoothL1LossBackward", x, y, reduction, huber);
  return reduce_loss(ops::fused_activation(kernels::ActivationOp::Huber, "smooth_l1_loss", x - y, huber), reduction);
}

// Huber is smooth L1 with beta = delta, scaled by delta.
Tensor huber_loss(const Tensor& input, const Tensor& target, Reduction reduction, double delta, SourceLoc loc) {
  detail::ApiScope scope("huber_loss", loc);
  check_pointwise("huber_loss", input, target, /*common_dtype=*/true);
  TG_CHECK_VALUE(delta > 0, "huber_loss: delta must be positive, got {}", delta);
  const kernels::ActivationParams huber{.alpha = delta, .beta = delta, .scale = 1};
  if (clamped_loss_applies(input, target, reduction))
    return clamped_loss("huber_loss", "HuberLossBackward", input, target, reduction, huber);
  return reduce_loss(ops::fused_activation(kernels::ActivationOp::Huber, "huber_loss", input - target, huber),
                     reduction);
}

Tensor binary_cross_entropy(const Tensor& input, const Tensor& target, const BCELossOptions& options, SourceLoc loc) {
  detail::ApiScope scope("binary_cross_entropy", loc);
  check_pointwise("binary_cross_entropy", input, target);
  const Tensor &x = input, &y = target;
  {
    NoGradGuard no_grad;
    TG_CHECK_VALUE(x.numel() == 0 || (amin(x).item<double>() >= 0 && amax(x).item<double>() <= 1),
                   "binary_cross_entropy: input values must be probabilities in [0, 1]");
  }
  // PyTorch clamps the logs at -100 so that 0 * log(0) stays finite.
  Tensor loss = -(y * clamp_min(log(x), -100.0) + (1 - y) * clamp_min(log(1 - x), -100.0));
  if (options.weight.defined()) loss = loss * options.weight;
  return reduce_loss(loss, options.reduction);
}

Tensor binary_cross_entropy_with_logits(const Tensor& input, const Tensor& target,
                                        const BCEWithLogitsLossOptions& options, SourceLoc loc) {
  detail::ApiScope scope("binary_cross_entropy_with_logits", loc);
  check_pointwise("binary_cross_entropy_with_logits", input, target);
  const Tensor &x = input, &y = target;
  const bool plain = !options.weight.defined() && !options.pos_weight.defined() && x.dtype() == y.dtype() &&
                     x.sizes() == y.sizes() && x.is_floating_point() &&
                     (options.reduction == Reduction::Mean || options.reduction == Reduction::Sum);
  if (plain) {
    // Mean or sum without weights: (1 - y) x - logsigmoid(x) in three fused passes and a sum, and
    // a backward of (sigmoid(x) - y) g (the composed form made twice the passes each way). Under
    // create_graph the backward is written in tensor ops, so higher derivatives stay exact.
    Tensor loss;
    {
      NoGradGuard no_grad;
      loss = addcmul(x - logsigmoid(x), x, y, -1).sum();
      if (options.reduction == Reduction::Mean) loss = loss / static_cast<double>(x.numel());  // 0 / 0: NaN
    }
    if (autograd::needs_grad(x, y)) {
      const double scale = options.reduction == Reduction::Mean ? 1.0 / static_cast<double>(x.numel()) : 1.0;
      auto node = autograd::make_node("BinaryCrossEntropyWithLogitsBackward", {&x, &y},
                                      [scale](const autograd::Node& nd, const tensor_list& gr) -> tensor_list {
                                        const Tensor gs = gr[0] * scale, xs = nd.saved(0), ys = nd.saved(1);
                                        return {nd.needs_input_grad(0) ? (sigmoid(xs) - ys) * gs : Tensor(),
                                                nd.needs_input_grad(1) ? -xs * gs : Tensor()};
                                      });
      node->save(x);
      node->save(y);
      autograd::set_history(loss, node);
    }
    return loss;
  }
  // log(1 + exp(-x)) written so that neither large positive nor large negative x overflows.
  Tensor log_sig_neg = softplus(-x);  // -log(sigmoid(x))
  Tensor loss;
  if (options.pos_weight.defined()) {
    Tensor lw = (options.pos_weight - 1) * y + 1;
    loss = (1 - y) * x + lw * log_sig_neg;
  } else {
    loss = (1 - y) * x + log_sig_neg;
  }
  if (options.weight.defined()) loss = loss * options.weight;
  return reduce_loss(loss, options.reduction);
}

Tensor kl_div(const Tensor& input, const Tensor& target, const KLDivLossOptions& options, SourceLoc loc) {
  detail::ApiScope scope("kl_div", loc);
  check_pointwise("kl_div", input, target);
  const Tensor &x = input, &y = target;
  // target * (log(target) - input), with 0 * log(0) = 0 (its gradient too, hence log of 1 there) and a
  // negative target NaN, as PyTorch's xlogy gives.
  Tensor loss = options.log_target ? exp(y) * (y - x) : where(y == 0, 0.0, y * log(where(y == 0, 1.0, y))) - y * x;
  if (options.reduction == Reduction::BatchMean) {
    const int64_t batch = x.dim() > 0 ? x.sizes()[0] : 1;
    return loss.sum() / static_cast<double>(std::max<int64_t>(batch, 1));
  }
  return reduce_loss(loss, options.reduction);
}

Tensor nll_loss(const Tensor& input, const Tensor& target, const NLLLossOptions& options, SourceLoc loc) {
  detail::ApiScope scope("nll_loss", loc);
  check_index_target("nll_loss", input, target, options.weight);
  const int class_dim = input.dim() == 1 ? 0 : 1;
  const int64_t classes = input.sizes()[class_dim];
  Tensor valid = ne(target, options.ignore_index);
  Tensor safe = where(valid, target, 0);
  if (safe.numel() > 0) {
    const int64_t lo = amin(safe).item<int64_t>(), hi = amax(safe).item<int64_t>();
    TG_CHECK_INDEX(lo >= 0 && hi < classes, "nll_loss: target {} is out of bounds for {} classes", lo < 0 ? lo : hi,
                   classes);
  }
  Tensor picked = input.gather(class_dim, safe.unsqueeze(class_dim)).squeeze(class_dim);
  Tensor w = options.weight.defined() ? options.weight.to(input.dtype()).index_select(0, safe.reshape({-1})).view(safe.sizes())
                                      : ones_like(picked);
  w = where(valid, w, 0.0);
  // Ignored entries are selected out rather than multiplied by 0, so they get a zero gradient
  // even where every entry is ignored (a mean of 0 / 0), as PyTorch's.
  Tensor loss = where(valid, -(picked * w), 0.0);
  return reduce_loss(loss, options.reduction, options.reduction == Reduction::Mean ? w.sum() : Tensor());
}

Tensor cross_entropy(const Tensor& input, const Tensor& target, const CrossEntropyOptions& options, SourceLoc loc) {
  detail::ApiScope scope("cross_entropy", loc);
  TG_CHECK(input.defined() && target.defined(), "cross_entropy: input and target must be defined");
  TG_CHECK(input.dim() >= 1, "cross_entropy: expected an input with at least 1 dim, got shape {}", input.sizes());
  TG_CHECK_VALUE(options.label_smoothing >= 0 && options.label_smoothing <= 1,
                 "cross_entropy: label_smoothing must be in [0, 1], got {}", options.label_smoothing);
  const int class_dim = input.dim() == 1 ? 0 : 1;
  const int64_t classes = input.sizes()[class_dim];
  const double eps = options.label_smoothing;
  if (!target.is_floating_point() && (input.dtype() == kFloat32 || input.dtype() == kFloat64) &&
      (input.dim() <= 2 || input.numel() > 0)) {
    check_index_target("cross_entropy", input, target, options.weight);
    ops::check_same_device("cross_entropy", input, target);
    const Tensor& w = options.weight;
    if (!w.defined() || (w.dtype() == input.dtype() && w.device() == input.device() && !autograd::needs_grad(w))) {
      return cross_entropy_fused(input, target, options);
    }
  }
  Tensor logp = log_softmax(input, class_dim);
  // The weight, shaped to broadcast along the class dim.
  Tensor wshape;
  if (options.weight.defined()) {
    TG_CHECK(options.weight.dim() == 1 && options.weight.sizes()[0] == classes,
             "cross_entropy: expected a weight of shape [{}] (one per class), got {}", classes, options.weight.sizes());
    Shape s = Shape::filled(input.dim(), 1);
    s[class_dim] = classes;
    wshape = options.weight.to(input.dtype()).view(s);
  }

  if (target.is_floating_point()) {
    TG_CHECK(target.sizes() == input.sizes(),
             "cross_entropy: class-probability targets must have the input's shape {}, got {}", input.sizes(),
             target.sizes());
    Tensor t = eps > 0 ? target * (1 - eps) + eps / static_cast<double>(classes) : target;
    Tensor terms = logp * t;
    if (wshape.defined()) terms = terms * wshape;
    Tensor loss = -terms.sum({class_dim});
    return reduce_loss(
        loss, options.reduction,
        options.reduction == Reduction::Mean
            ? scalar_tensor(static_cast<double>(input.numel() / std::max<int64_t>(1, classes)), input.dtype())
            : Tensor());
  }

  Tensor nll = nll_loss(logp, target, {options.weight, options.ignore_index, options.reduction});
  if (eps == 0) return nll;
  check_index_target("cross_entropy", input, target, options.weight);
  Tensor valid = ne(target, options.ignore_index);
  Tensor smooth = -(wshape.defined() ? logp * wshape : logp).sum({class_dim});
  smooth = where(valid, smooth, 0.0);
  Tensor denominator;
  if (options.reduction == Reduction::Mean) {
    denominator = options.weight.defined()
                      ? where(valid, options.weight.to(input.dtype()).index_select(0, where(valid, target, 0).reshape({-1})).view(target.sizes()), 0.0).sum()
                      : valid.sum().to(input.dtype());
  }
  return nll * (1 - eps) + reduce_loss(smooth, options.reduction, denominator) * (eps / static_cast<double>(classes));
}

}  // namespace tg::nn::functional
