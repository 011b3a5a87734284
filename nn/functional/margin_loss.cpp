// Margin, embedding and likelihood losses, composed of tensor ops (autograd differentiates them
// to any order), with PyTorch's formulas and checks.
#include "tapegrad/nn/functional/margin_loss.h"

#include <cmath>
#include <numbers>

#include "nn/functional/loss_reduction.h"
#include "tapegrad/nn/functional/distance.h"
#include "tapegrad/tensor/factories.h"
#include "tapegrad/tensor/ops.h"
#include "tensor/ops/common.h"

namespace tg::nn::functional {
namespace {

// log(1 + exp(z)) without overflow.
Tensor log1p_exp(const Tensor& z) { return clamp_min(z, 0.0) + log1p(exp(-abs(z))); }

// Class scores [N, C] (or [C]) and int64 class indices [N] (or []).
void check_class_target(const char* name, const Tensor& input, const Tensor& target) {
  ops::check_floating(name, input, "input");
  ops::check_defined(name, target, "target");
  TG_CHECK(input.dim() == 1 || input.dim() == 2, "{}: expected an input [N, C] or [C], got shape {}", name,
           input.sizes());
  TG_CHECK_TYPE(target.dtype() == kInt64, "{}: expected a target of dtype int64, got {}", name, target.dtype());
}

// Two inputs and a target of 1 / -1.
void check_pair(const char* name, const Tensor& input1, const Tensor& input2, const Tensor& target) {
  ops::check_floating(name, input1, "input1");
  ops::check_floating(name, input2, "input2");
  ops::check_defined(name, target, "target");
}

}  // namespace

Tensor margin_ranking_loss(const Tensor& input1, const Tensor& input2, const Tensor& target, double margin,
                           Reduction reduction, SourceLoc loc) {
  const char* name = "margin_ranking_loss";
  detail::ApiScope scope(name, loc);
  check_pair(name, input1, input2, target);
  TG_CHECK(input1.dim() == input2.dim() && input1.dim() == target.dim(),
           "{}: input1 {}, input2 {} and target {} must have the same number of dims", name, input1.sizes(),
           input2.sizes(), target.sizes());
  return reduce_loss(clamp_min(-target * (input1 - input2) + margin, 0.0), reduction);
}

Tensor hinge_embedding_loss(const Tensor& input, const Tensor& target, double margin, Reduction reduction,
                            SourceLoc loc) {
  const char* name = "hinge_embedding_loss";
  detail::ApiScope scope(name, loc);
  ops::check_floating(name, input, "input");
  ops::check_defined(name, target, "target");
  const Tensor beyond = where(ne(target, 1.0), clamp_min(margin - input, 0.0), 0.0);
  return reduce_loss(beyond + where(ne(target, -1.0), input, 0.0), reduction);
}

Tensor cosine_embedding_loss(const Tensor& input1, const Tensor& input2, const Tensor& target, double margin,
                             Reduction reduction, SourceLoc loc) {
  const char* name = "cosine_embedding_loss";
  detail::ApiScope scope(name, loc);
  check_pair(name, input1, input2, target);
  TG_CHECK((input1.dim() == 1 || input1.dim() == 2) && input2.dim() == input1.dim() &&
               target.dim() == input1.dim() - 1,
           "{}: expected inputs [N, D] and a target [N] (or [D] and []), got {}, {} and {}", name, input1.sizes(),
           input2.sizes(), target.sizes());
  // PyTorch's cosine: squared norms padded by 1e-12, not cosine_similarity's clamp.
  constexpr double kEps = 1e-12;
  const int64_t d = input1.dim() - 1;
  const Tensor dot = sum(input1 * input2, {d});
  const Tensor cos = dot / sqrt((sum(square(input1), {d}) + kEps) * (sum(square(input2), {d}) + kEps));
  const Tensor loss = where(eq(target, 1.0), 1.0 - cos, 0.0) + where(eq(target, -1.0), clamp_min(cos - margin, 0.0), 0.0);
  return reduce_loss(loss, reduction);
}

Tensor soft_margin_loss(const Tensor& input, const Tensor& target, Reduction reduction, SourceLoc loc) {
  const char* name = "soft_margin_loss";
  detail::ApiScope scope(name, loc);
  ops::check_floating(name, input, "input");
  ops::check_defined(name, target, "target");
  return reduce_loss(log1p_exp(-target * input), reduction);
}

Tensor multilabel_soft_margin_loss(const Tensor& input, const Tensor& target,
                                   const MultiLabelSoftMarginLossOptions& o, SourceLoc loc) {
  const char* name = "multilabel_soft_margin_loss";
  detail::ApiScope scope(name, loc);
  ops::check_floating(name, input, "input");
  ops::check_defined(name, target, "target");
  TG_CHECK(input.dim() >= 1, "{}: expected an input with a class dim, got shape {}", name, input.sizes());
  // -(y log sigmoid(x) + (1 - y) log sigmoid(-x)) = log(1 + exp(-x)) + (1 - y) x.
  Tensor loss = log1p_exp(-input) + (1.0 - target) * input;
  if (o.weight.defined()) loss = loss * o.weight;
  const int64_t classes = input.sizes()[input.dim() - 1];
  return reduce_loss(sum(loss, {-1}) / static_cast<double>(classes), o.reduction);
}

Tensor multi_margin_loss(const Tensor& input, const Tensor& target, const MultiMarginLossOptions& o, SourceLoc loc) {
  const char* name = "multi_margin_loss";
  detail::ApiScope scope(name, loc);
  check_class_target(name, input, target);
  TG_CHECK_VALUE(o.p == 1 || o.p == 2, "{}: p must be 1 or 2, got {}", name, o.p);
  const bool single = input.dim() == 1;
  const Tensor x = single ? input.unsqueeze(0) : input;
  const int64_t classes = x.sizes()[1];
  const Shape want = single ? Shape{} : Shape{x.sizes()[0]};
  TG_CHECK(target.sizes() == want, "{}: input of shape {} needs a target of shape {}, got {}", name, input.sizes(),
           want, target.sizes());
  TG_CHECK_INDEX(logical_and(ge(target, int64_t{0}), lt(target, classes)).all().item<bool>(),
                 "{}: target values must be class indices in [0, {})", name, classes);
  if (o.weight.defined())
    TG_CHECK(o.weight.dim() == 1 && o.weight.sizes()[0] == classes,
             "{}: expected a weight of shape [{}] (one per class), got {}", name, classes, o.weight.sizes());
  const Tensor y = (single ? target.unsqueeze(0) : target).unsqueeze(1);  // [N, 1]
  const Tensor picked = x.gather(1, y);
  Tensor z = clamp_min(o.margin - picked + x, 0.0);
  if (o.p == 2) z = square(z);
  if (o.weight.defined()) z = z * o.weight.gather(0, y.squeeze(1)).unsqueeze(1);
  // The target's own class is left out.
  z = z.scatter(1, y, 0.0);
  const Tensor loss = sum(z, {1}) / static_cast<double>(classes);
  return reduce_loss(single ? loss.squeeze(0) : loss, o.reduction);
}

Tensor multilabel_margin_loss(const Tensor& input, const Tensor& target, Reduction reduction, SourceLoc loc) {
  const char* name = "multilabel_margin_loss";
  detail::ApiScope scope(name, loc);
  check_class_target(name, input, target);
  TG_CHECK(target.sizes() == input.sizes(), "{}: target of shape {} must have the input's shape {}", name,
           target.sizes(), input.sizes());
  const bool single = input.dim() == 1;
  const Tensor x = single ? input.unsqueeze(0) : input;
  const Tensor t = single ? target.unsqueeze(0) : target;
  const int64_t classes = x.sizes()[1];
  // A row's targets run up to its first -1; the classes they name are left out of the others.
  const Tensor valid = eq(cumprod(ne(t, int64_t{-1}).to(kInt64), 1), int64_t{1});
  TG_CHECK_INDEX(logical_or(logical_not(valid), logical_and(ge(t, int64_t{0}), lt(t, classes))).all().item<bool>(),
                 "{}: target values must be class indices in [0, {}) or -1", name, classes);
  const Tensor index = where(valid, t, int64_t{0});
  const Tensor counts = zeros_like(x).scatter_add(1, index, valid.to(x.dtype()));
  const Tensor is_target = gt(counts, 0.0);
  const Tensor at_targets = x.gather(1, index);  // [N, C]: entry j's score
  const Tensor hinge = clamp_min(1.0 - at_targets.unsqueeze(2) + x.unsqueeze(1), 0.0);  // [N, entry, class]
  const Tensor pairs = logical_and(valid.unsqueeze(2), logical_not(is_target).unsqueeze(1));
  const Tensor loss = sum(where(pairs, hinge, 0.0), {1, 2}) / static_cast<double>(classes);
  return reduce_loss(single ? loss.squeeze(0) : loss, reduction);
}

namespace {

Tensor triplet_loss(const char* name, const Tensor& anchor, const Tensor& positive, const Tensor& negative,
                    const std::function<Tensor(const Tensor&, const Tensor&)>& distance, double margin, bool swap,
                    Reduction reduction) {
  // The distance decides which dtypes it takes (pairwise_distance: integer ones too, as PyTorch's).
  ops::check_defined(name, anchor, "anchor");
  ops::check_defined(name, positive, "positive");
  ops::check_defined(name, negative, "negative");
  TG_CHECK(anchor.dim() == positive.dim() && anchor.dim() == negative.dim(),
           "{}: anchor {}, positive {} and negative {} must have the same number of dims", name, anchor.sizes(),
           positive.sizes(), negative.sizes());
  const Tensor to_positive = distance(anchor, positive);
  Tensor to_negative = distance(anchor, negative);
  if (swap) to_negative = minimum(to_negative, distance(positive, negative));
  return reduce_loss(clamp_min(margin + to_positive - to_negative, 0.0), reduction);
}

}  // namespace

Tensor triplet_margin_loss(const Tensor& anchor, const Tensor& positive, const Tensor& negative,
                           const TripletMarginLossOptions& o, SourceLoc loc) {
  const char* name = "triplet_margin_loss";
  detail::ApiScope scope(name, loc);
  // Embeddings along the last dim, any leading dims ([N, D], [D], [N, T, D]), as PyTorch takes them.
  TG_CHECK(anchor.defined(), "{}: the anchor is undefined", name);
  auto distance = [&o](const Tensor& a, const Tensor& b) { return pairwise_distance(a, b, o.p, o.eps); };
  return triplet_loss(name, anchor, positive, negative, distance, o.margin, o.swap, o.reduction);
}

Tensor triplet_margin_with_distance_loss(const Tensor& anchor, const Tensor& positive, const Tensor& negative,
                                         const TripletMarginWithDistanceLossOptions& o, SourceLoc loc) {
  const char* name = "triplet_margin_with_distance_loss";
  detail::ApiScope scope(name, loc);
  TG_CHECK_VALUE(o.margin > 0, "{}: margin must be greater than 0, got {}", name, o.margin);
  auto pairwise = [](const Tensor& a, const Tensor& b) { return pairwise_distance(a, b); };
  return triplet_loss(name, anchor, positive, negative, o.distance_function ? o.distance_function : pairwise,
                      o.margin, o.swap, o.reduction);
}

Tensor poisson_nll_loss(const Tensor& input, const Tensor& target, const PoissonNLLLossOptions& o, SourceLoc loc) {
  const char* name = "poisson_nll_loss";
  detail::ApiScope scope(name, loc);
  ops::check_floating(name, input, "input");
  ops::check_defined(name, target, "target");
  Tensor loss = o.log_input ? exp(input) - target * input : input - target * log(input + o.eps);
  if (o.full) {
    // Stirling's log(target!) ~ t log t - t + log(2 pi t) / 2, counted where target > 1.
    const Tensor stirling = target * log(target) - target + 0.5 * log(2 * std::numbers::pi * target);
    // Added in the loss's dtype (a bfloat16 input with integer targets stays bfloat16), as torch's.
    loss = loss + where(gt(target, 1.0), stirling, 0.0).to(loss.dtype());
  }
  return reduce_loss(loss, o.reduction);
}

Tensor gaussian_nll_loss(const Tensor& input, const Tensor& target, const Tensor& var,
                         const GaussianNLLLossOptions& o, SourceLoc loc) {
  const char* name = "gaussian_nll_loss";
  detail::ApiScope scope(name, loc);
  ops::check_floating(name, input, "input");
  ops::check_defined(name, target, "target");
  ops::check_floating(name, var, "var");
  Tensor v = var;
  if (var.sizes() != input.sizes()) {
    Shape leading = input.sizes();
    if (!leading.empty()) leading.pop_back();
    Shape var_leading = var.sizes();
    if (!var_leading.empty()) var_leading.pop_back();
    if (input.dim() > 0 && var.sizes() == leading) {
      v = var.unsqueeze(-1);  // one variance for the last dim's values
    } else {
      TG_CHECK_VALUE(input.dim() > 0 && var.dim() == input.dim() && var_leading == leading &&
                         var.sizes()[var.dim() - 1] == 1,
                     "{}: var of shape {} must have the input's shape {}, or that shape without its last dim or "
                     "with a last dim of 1",
                     name, var.sizes(), input.sizes());
    }
  }
  TG_CHECK_VALUE(!lt(v, 0.0).any().item<bool>(), "{}: var has negative entries", name);
  // Clamped at eps in value only: the gradient passes through unchanged, as PyTorch's no_grad clamp.
  const Tensor clamped = v + (clamp_min(v, o.eps) - v).detach();
  Tensor loss = 0.5 * (log(clamped) + square(input - target) / clamped);
  if (o.full) loss = loss + 0.5 * std::log(2 * std::numbers::pi);
  return reduce_loss(loss, o.reduction);
}

}  // namespace tg::nn::functional
