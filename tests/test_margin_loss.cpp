// Margin, embedding and likelihood losses: values from their definitions, gradchecks, the
// modules, and the errors.
#include <cmath>
#include <numbers>

#include "test_util.h"

using namespace tg;
using tgtest::close;
namespace F = tg::nn::functional;
using F::Reduction;

TEST(MarginLoss, ValuesFromTheirDefinitions) {
  const Tensor a = tensor({0.5, -1.0, 2.0}, kFloat64), b = tensor({1.0, -2.0, 2.5}, kFloat64);
  const Tensor y = tensor({1.0, -1.0, 1.0}, kFloat64);
  // max(0, -y (a - b) + margin)
  EXPECT_TRUE(close(F::margin_ranking_loss(a, b, y, 0.2, Reduction::None), tensor({0.7, 1.2, 0.7}, kFloat64)));
  EXPECT_NEAR(F::margin_ranking_loss(a, b, y).item<double>(), 2.0 / 3, 1e-12);
  // x where y = 1, max(0, margin - x) where y = -1.
  EXPECT_TRUE(close(F::hinge_embedding_loss(a, y, 1.0, Reduction::None), tensor({0.5, 2.0, 2.0}, kFloat64)));
  EXPECT_TRUE(close(F::soft_margin_loss(a, y, Reduction::None), log1p(exp(-y * a))));
  // Large margins do not overflow.
  EXPECT_NEAR(F::soft_margin_loss(tensor({-1000.0}), tensor({1.0})).item<double>(), 1000.0, 1e-3);
  // Cosine: 1 - cos for similar pairs, max(0, cos - margin) for dissimilar ones.
  const Tensor u = tensor({{1.0, 0.0}, {1.0, 1.0}}, kFloat64), v = tensor({{0.0, 1.0}, {1.0, 1.0}}, kFloat64);
  EXPECT_TRUE(close(F::cosine_embedding_loss(u, v, tensor({1.0, -1.0}, kFloat64), 0.5, Reduction::None),
                    tensor({1.0, 0.5}, kFloat64), 1e-9, 1e-9));
  // Multi-class hinge: sample 0 (target 2): classes 0 and 1 at margin 1 - 3 + x.
  const Tensor scores = tensor({{0.1, 2.5, 3.0}, {1.0, 0.0, -1.0}}, kFloat64);
  const Tensor classes = tensor({2, 0});
  EXPECT_TRUE(close(F::multi_margin_loss(scores, classes, {.reduction = Reduction::None}),
                    tensor({0.5 / 3, 0.0}, kFloat64), 1e-12, 1e-12));
  EXPECT_TRUE(close(F::multi_margin_loss(scores, classes, {.p = 2, .weight = tensor({1.0, 1.0, 4.0}, kFloat64),
                                                           .reduction = Reduction::None}),
                    tensor({4 * 0.25 / 3, 0.0}, kFloat64), 1e-12, 1e-12));
  // Multi-label hinge: targets {2, 0} (then -1); the one other class is 1.
  const Tensor labels = tensor({{2, 0, -1}, {1, -1, 0}});
  const double row0 = (std::max(0.0, 1 - (3.0 - 2.5)) + std::max(0.0, 1 - (0.1 - 2.5))) / 3;
  const double row1 = (std::max(0.0, 1 - (0.0 - 1.0)) + std::max(0.0, 1 - (0.0 + 1.0))) / 3;
  EXPECT_TRUE(close(F::multilabel_margin_loss(scores, labels, Reduction::None), tensor({row0, row1}, kFloat64),
                    1e-12, 1e-12));
  // Multi-label soft margin: the mean over classes of binary cross-entropy with logits.
  const Tensor multi_target = tensor({{1.0, 0.0, 1.0}, {0.0, 0.0, 1.0}}, kFloat64);
  EXPECT_TRUE(close(F::multilabel_soft_margin_loss(scores, multi_target, {.reduction = Reduction::None}),
                    F::binary_cross_entropy_with_logits(scores, multi_target, {.reduction = Reduction::None})
                        .mean({1}),
                    1e-12, 1e-12));
}

TEST(MarginLoss, TripletAndLikelihoodLosses) {
  const Tensor anchor = tensor({{0.0, 0.0}, {1.0, 1.0}}, kFloat64);
  const Tensor positive = tensor({{3.0, 4.0}, {1.0, 1.0}}, kFloat64);
  const Tensor negative = tensor({{0.0, 1.0}, {4.0, 5.0}}, kFloat64);
  const F::TripletMarginLossOptions exact{.eps = 0, .reduction = Reduction::None};
  EXPECT_TRUE(close(F::triplet_margin_loss(anchor, positive, negative, exact), tensor({5.0, 0.0}, kFloat64)));
  // swap: the positive is nearer the negative (distance 3 against 1 from the anchor).
  F::TripletMarginLossOptions swapped = exact;
  swapped.swap = true;
  EXPECT_TRUE(close(F::triplet_margin_loss(anchor, positive, negative, swapped), tensor({5.0, 0.0}, kFloat64)));
  // Leading dims of any number: each embedding's loss, as the rows' of the flattened batch.
  const auto stacked = [](const Tensor& t) { return stack({t, t.flip({0})}); };  // [2, 2, 2]
  EXPECT_TRUE(close(F::triplet_margin_loss(stacked(anchor), stacked(positive), stacked(negative), exact),
                    tensor({{5.0, 0.0}, {0.0, 5.0}}, kFloat64)));
  F::TripletMarginWithDistanceLossOptions cosine{
      .distance_function = [](const Tensor& x, const Tensor& y) { return 1.0 - F::cosine_similarity(x, y); },
      .reduction = Reduction::None};
  EXPECT_EQ(F::triplet_margin_with_distance_loss(anchor, positive, negative, cosine).sizes(), (Shape{2}));
  EXPECT_TRUE(close(F::triplet_margin_with_distance_loss(anchor, positive, negative, {.reduction = Reduction::None}),
                    F::triplet_margin_loss(anchor, positive, negative, {.reduction = Reduction::None})));
  // Poisson: exp(x) - t x, or x - t log(x + eps), plus Stirling's term where t > 1.
  const Tensor x = tensor({0.5, 2.0}, kFloat64), t = tensor({1.0, 3.0}, kFloat64);
  EXPECT_TRUE(close(F::poisson_nll_loss(x, t, {.reduction = Reduction::None}), exp(x) - t * x));
  EXPECT_TRUE(close(F::poisson_nll_loss(x, t, {.log_input = false, .reduction = Reduction::None}),
                    x - t * log(x + 1e-8)));
  const double stirling = 3 * std::log(3.0) - 3 + 0.5 * std::log(2 * std::numbers::pi * 3);
  EXPECT_TRUE(close(F::poisson_nll_loss(x, t, {.full = true, .reduction = Reduction::None}),
                    exp(x) - t * x + tensor({0.0, stirling}, kFloat64)));
  // The loss keeps the input's dtype with integer targets, Stirling's term included (torch's).
  EXPECT_EQ(F::poisson_nll_loss(x.to(kBFloat16), tensor({1, 3}), {.full = true}).dtype(), kBFloat16);
  // Gaussian: 0.5 (log var + d^2 / var); var per element, per sample, or clamped at eps.
  const Tensor mean = tensor({{1.0, 2.0}, {0.0, 0.0}}, kFloat64), obs = tensor({{2.0, 2.0}, {1.0, -1.0}}, kFloat64);
  const Tensor var = tensor({{1.0, 4.0}, {2.0, 0.5}}, kFloat64);
  const Tensor expected = 0.5 * (log(var) + square(mean - obs) / var);
  EXPECT_TRUE(close(F::gaussian_nll_loss(mean, obs, var, {.reduction = Reduction::None}), expected));
  const Tensor per_sample = tensor({2.0, 3.0}, kFloat64);
  EXPECT_TRUE(close(F::gaussian_nll_loss(mean, obs, per_sample, {.reduction = Reduction::None}),
                    F::gaussian_nll_loss(mean, obs, per_sample.unsqueeze(1).expand({2, 2}).contiguous(),
                                         {.reduction = Reduction::None})));
  EXPECT_NEAR(F::gaussian_nll_loss(mean, obs, zeros({2, 1}, kFloat64), {.eps = 0.25}).item<double>(),
              (0.5 * std::log(0.25) * 4 + 0.5 * (1 + 0 + 1 + 1) / 0.25) / 4, 1e-12);
  EXPECT_NEAR(F::gaussian_nll_loss(mean, obs, var, {.full = true}).item<double>() -
                  F::gaussian_nll_loss(mean, obs, var).item<double>(),
              0.5 * std::log(2 * std::numbers::pi), 1e-12);
}

TEST(MarginLoss, Gradients) {
  Generator gen(41);
  const Tensor a = randn({4, 3}, gen, kFloat64).requires_grad_(true), b = randn({4, 3}, gen, kFloat64).requires_grad_(true);
  const Tensor c = randn({4, 3}, gen, kFloat64).requires_grad_(true);
  const Tensor sign = where(gt(rand({4, 3}, gen, kFloat64), 0.5), 1.0, -1.0);
  const Tensor row_sign = where(gt(rand({4}, gen, kFloat64), 0.5), 1.0, -1.0);
  using L = const tensor_list&;
  EXPECT_TRUE(autograd::gradcheck([&](L in) { return F::margin_ranking_loss(in[0], in[1], sign, 0.1); }, {a, b}));
  EXPECT_TRUE(autograd::gradcheck([&](L in) { return F::hinge_embedding_loss(in[0], sign, 0.5); }, {a}));
  EXPECT_TRUE(autograd::gradcheck([&](L in) { return F::soft_margin_loss(in[0], sign); }, {a}));
  EXPECT_TRUE(
      autograd::gradcheck([&](L in) { return F::cosine_embedding_loss(in[0], in[1], row_sign, -0.5); }, {a, b}));
  const Tensor classes = tensor({2, 0, 1, 1});
  EXPECT_TRUE(autograd::gradcheck([&](L in) { return F::multi_margin_loss(in[0], classes, {.p = 2, .margin = 2}); },
                                  {a}));
  const Tensor labels = tensor({{2, 0, -1}, {1, -1, 0}, {0, 1, 2}, {-1, 1, 1}});
  EXPECT_TRUE(autograd::gradcheck([&](L in) { return F::multilabel_margin_loss(in[0], labels); }, {a}));
  EXPECT_TRUE(autograd::gradcheck(
      [&](L in) { return F::multilabel_soft_margin_loss(in[0], gt(sign, 0.0).to(kFloat64)); }, {a}));
  EXPECT_TRUE(autograd::gradcheck([&](L in) { return F::triplet_margin_loss(in[0], in[1], in[2], {.margin = 3}); },
                                  {a, b, c}));
  EXPECT_TRUE(autograd::gradcheck(
      [&](L in) { return F::triplet_margin_loss(in[0], in[1], in[2], {.margin = 3, .p = 1, .swap = true}); },
      {a, b, c}));
  EXPECT_TRUE(autograd::gradcheck([&](L in) { return F::poisson_nll_loss(in[0], abs(in[1]), {.full = true}); }, {a, b}));
  const Tensor var = (rand({4, 3}, gen, kFloat64) + 0.5).requires_grad_(true);
  EXPECT_TRUE(autograd::gradcheck([&](L in) { return F::gaussian_nll_loss(in[0], in[1], in[2]); }, {a, b, var}));
}

TEST(MarginLoss, Modules) {
  const Tensor a = tensor({{0.5f, -1.0f}, {2.0f, 0.0f}}), b = tensor({{1.0f, 1.0f}, {0.0f, 2.0f}});
  const Tensor y = tensor({{1.0f, -1.0f}, {-1.0f, 1.0f}});
  nn::MarginRankingLoss ranking(nn::MarginLossOptions{.margin = 0.5});
  EXPECT_TRUE(close(ranking(a, b, y), F::margin_ranking_loss(a, b, y, 0.5)));
  nn::HingeEmbeddingLoss hinge;
  EXPECT_TRUE(close(hinge(a, y), F::hinge_embedding_loss(a, y, 1.0)));
  nn::CosineEmbeddingLoss cosine;
  EXPECT_TRUE(close(cosine(a, b, tensor({1.0f, -1.0f})), F::cosine_embedding_loss(a, b, tensor({1.0f, -1.0f}))));
  nn::SoftMarginLoss soft(Reduction::Sum);
  EXPECT_TRUE(close(soft(a, y), F::soft_margin_loss(a, y, Reduction::Sum)));
  nn::MultiLabelMarginLoss multilabel;
  EXPECT_TRUE(close(multilabel(a, tensor({{1, -1}, {0, 1}})), F::multilabel_margin_loss(a, tensor({{1, -1}, {0, 1}}))));
  nn::MultiMarginLoss multi(F::MultiMarginLossOptions{.weight = tensor({1.0f, 3.0f})});
  EXPECT_EQ(multi->state_dict().keys(), std::vector<std::string>{"weight"});
  EXPECT_TRUE(close(multi(a, tensor({1, 0})), F::multi_margin_loss(a, tensor({1, 0}), {.weight = tensor({1.0f, 3.0f})})));
  nn::MultiLabelSoftMarginLoss multilabel_soft(F::MultiLabelSoftMarginLossOptions{.weight = tensor({1.0f, 2.0f})});
  multilabel_soft->to(kFloat64);
  EXPECT_EQ(multilabel_soft->options.weight.dtype(), kFloat64);
  nn::TripletMarginLoss triplet;
  EXPECT_TRUE(close(triplet(a, b, y), F::triplet_margin_loss(a, b, y)));
  nn::TripletMarginWithDistanceLoss triplet_distance;
  EXPECT_TRUE(close(triplet_distance(a, b, y), F::triplet_margin_loss(a, b, y)));
  nn::PoissonNLLLoss poisson;
  EXPECT_TRUE(close(poisson(a, abs(b)), F::poisson_nll_loss(a, abs(b))));
  nn::GaussianNLLLoss gaussian;
  EXPECT_TRUE(close(gaussian(a, b, ones({2, 1})), F::gaussian_nll_loss(a, b, ones({2, 1}))));
  EXPECT_EQ(gaussian->name(), "GaussianNLLLoss");
}

TEST(MarginLoss, Errors) {
  const Tensor x = zeros({2, 3});
  EXPECT_THROW_WITH(F::margin_ranking_loss(x, x, zeros({3})), Error,
                    "margin_ranking_loss: input1 [2, 3], input2 [2, 3] and target [3] must have the same number of dims");
  EXPECT_THROW_WITH(F::cosine_embedding_loss(x, x, zeros({2, 1})), Error,
                    "cosine_embedding_loss: expected inputs [N, D] and a target [N] (or [D] and []), got [2, 3], "
                    "[2, 3] and [2, 1]");
  EXPECT_THROW_WITH(F::multi_margin_loss(x, tensor({0, 3})), IndexError,
                    "multi_margin_loss: target values must be class indices in [0, 3)");
  EXPECT_THROW_WITH(F::multi_margin_loss(x, tensor({0, 1}), {.p = 3}), ValueError, "multi_margin_loss: p must be 1 or 2, got 3");
  EXPECT_THROW_WITH(F::multi_margin_loss(x, tensor({0.0f, 1.0f})), TypeError,
                    "multi_margin_loss: expected a target of dtype int64, got float32");
  EXPECT_THROW_WITH(F::multi_margin_loss(x, tensor({0})), Error,
                    "multi_margin_loss: input of shape [2, 3] needs a target of shape [2], got [1]");
  EXPECT_THROW_WITH(F::multi_margin_loss(x, tensor({0, 1}), {.weight = ones({2})}), Error,
                    "expected a weight of shape [3] (one per class), got [2]");
  EXPECT_THROW_WITH(F::multilabel_margin_loss(x, tensor({{0, 5, -1}, {1, -1, 0}})), IndexError,
                    "multilabel_margin_loss: target values must be class indices in [0, 3) or -1");
  EXPECT_THROW_WITH(F::multilabel_margin_loss(x, tensor({0, 1})), Error,
                    "multilabel_margin_loss: target of shape [2] must have the input's shape [2, 3]");
  EXPECT_THROW_WITH(F::triplet_margin_loss(x, x, zeros({3})), Error,
                    "triplet_margin_loss: anchor [2, 3], positive [2, 3] and negative [3] must have the same number");
  EXPECT_THROW_WITH(F::triplet_margin_with_distance_loss(x, x, x, {.margin = 0}), ValueError,
                    "triplet_margin_with_distance_loss: margin must be greater than 0, got 0");
  EXPECT_THROW_WITH(F::gaussian_nll_loss(x, x, ones({3})), ValueError,
                    "gaussian_nll_loss: var of shape [3] must have the input's shape [2, 3], or that shape without "
                    "its last dim or with a last dim of 1");
  EXPECT_THROW_WITH(F::gaussian_nll_loss(x, x, full({2, 3}, -1.0f)), ValueError,
                    "gaussian_nll_loss: var has negative entries");
  EXPECT_THROW_WITH(F::soft_margin_loss(tensor({1, 2}), x), TypeError, "soft_margin_loss: expected");
}
