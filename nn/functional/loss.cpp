// nll_loss and cross_entropy, composed from log_softmax, gather and reductions.
#include "tapegrad/nn/functional/loss.h"

#include "tapegrad/tensor/ops.h"
#include "tensor/thread_state.h"

namespace tg::nn::functional {
namespace {

Tensor reduce(const Tensor& loss, Reduction reduction, const Tensor& denominator) {
  switch (reduction) {
    case Reduction::None: return loss;
    case Reduction::Sum: return loss.sum();
    case Reduction::Mean: return denominator.defined() ? loss.sum() / denominator : loss.mean();
  }
  return loss;
}

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

}  // namespace

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
  Tensor loss = -(picked * w);
  return reduce(loss, options.reduction, options.reduction == Reduction::Mean ? w.sum() : Tensor());
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
    return reduce(loss, options.reduction,
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
  return nll * (1 - eps) + reduce(smooth, options.reduction, denominator) * (eps / static_cast<double>(classes));
}

}  // namespace tg::nn::functional
