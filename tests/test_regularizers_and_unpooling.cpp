// lp_pool, max_unpool, local_response_norm, channel_shuffle and the random layers (alpha dropout,
// rrelu, gumbel_softmax) and their modules: values from their definitions, gradchecks, statistics
// of the random ones, and every error path. PyTorch's values are compared in test_against_torch.py.
#include <cmath>

#include "test_util.h"

using namespace tg;
using tgtest::close;
using tgtest::vals;
namespace F = tg::nn::functional;
using tg::nn::Size2;
using tg::nn::Size3;

TEST(LpPoolAndUnpool, ValuesGradientsAndModules) {
  manual_seed(41);
  Tensor x = tensor({{{1.0, 2.0, 3.0, 4.0}}}, kFloat64);
  // (1^2 + 2^2)^(1/2), (3^2 + 4^2)^(1/2).
  EXPECT_TRUE(close(F::lp_pool1d(x, 2, 2), tensor({{{std::sqrt(5.0), 5.0}}}, kFloat64)));
  EXPECT_TRUE(close(F::lp_pool1d(x, 1, 3, 1), tensor({{{6.0, 9.0}}}, kFloat64)));
  Tensor img = rand({1, 2, 4, 4}, kFloat64) + 0.1;
  EXPECT_TRUE(close(F::lp_pool2d(img, 3, 2), (F::avg_pool2d(img.pow(3), {.kernel_size = 2}) * 4).pow(1.0 / 3)));
  Tensor vol = (rand({1, 1, 2, 4, 4}, kFloat64) + 0.1).requires_grad_(true);
  EXPECT_EQ(F::lp_pool3d(vol, 2, {2, 2, 2}).sizes(), Shape({1, 1, 1, 2, 2}));
  EXPECT_TRUE(autograd::gradcheck([](const tensor_list& in) { return F::lp_pool3d(in[0], 2.5, {1, 2, 2}); }, {vol}));
  Tensor pin = (rand({1, 2, 5, 4}, kFloat64) + 0.1).requires_grad_(true);
  EXPECT_TRUE(autograd::gradgradcheck([](const tensor_list& in) { return F::lp_pool2d(in[0], 3, {2, 1}, Size2(1, 1)); }, {pin}));
  nn::LPPool2d pool(nn::LPPoolOptions<Size2>{.norm_type = 2, .kernel_size = Size2(2, 1), .ceil_mode = true});
  EXPECT_EQ(pool->str(), "LPPool2d(norm_type=2, kernel_size=(2, 1), stride=None, ceil_mode=True)");
  EXPECT_EQ(pool(pin).sizes(), Shape({1, 2, 3, 4}));
  EXPECT_THROW_WITH(F::lp_pool1d(x, 0, 2), ValueError, "lp_pool1d: norm_type must be non-zero");

  // max_unpool puts each pooled maximum back where it came from.
  Tensor data = randn({2, 3, 6, 4}, kFloat64);
  auto [pooled, idx] = F::max_pool2d_with_indices(data, {.kernel_size = 2});
  Tensor up = F::max_unpool2d(pooled, idx, 2);
  EXPECT_EQ(up.sizes(), data.sizes());
  EXPECT_TRUE(close(up.flatten(2).gather(2, idx.flatten(2)), pooled.flatten(2), 0, 0));
  EXPECT_EQ((up != 0).sum().item<int64_t>(), pooled.numel());
  EXPECT_EQ(F::max_unpool2d(pooled, idx, 2, std::nullopt, 0, Size2(7, 5)).sizes(), Shape({2, 3, 7, 5}));
  Tensor src = pooled.clone().requires_grad_(true);
  EXPECT_TRUE(autograd::gradgradcheck([&](const tensor_list& in) { return F::max_unpool2d(in[0], idx, 2); }, {src}));
  auto [p1, i1] = F::max_pool1d_with_indices(data.select(0, 0), {.kernel_size = 3, .stride = 2});
  nn::MaxUnpool1d unpool1(nn::MaxUnpoolOptions<int64_t>{.kernel_size = 3, .stride = 2});
  EXPECT_EQ(unpool1->str(), "MaxUnpool1d(kernel_size=(3,), stride=(2,), padding=(0,))");
  EXPECT_EQ(unpool1(p1, i1).sizes(), Shape({3, 6, 3}));
  auto [p3, i3] = F::max_pool3d_with_indices(data.unsqueeze(0), {.kernel_size = 2});
  EXPECT_TRUE(close(nn::MaxUnpool3d(Size3(2))(p3, i3).flatten(2).gather(2, i3.flatten(2)), p3.flatten(2), 0, 0));
  EXPECT_THROW_WITH(F::max_unpool2d(pooled, idx.to(kInt32), 2), TypeError, "max_unpool2d: indices must be int64");
  EXPECT_THROW_WITH(F::max_unpool2d(pooled, idx.narrow(3, 0, 1), 2), Error, "max_unpool2d: indices [2, 3, 3, 1] must have the input's shape");
  EXPECT_THROW_WITH(F::max_unpool2d(pooled, idx, 2, std::nullopt, 0, Size2(9, 4)), ValueError,
                    "max_unpool2d: output_size 9 must be within one stride of the default size 6 in dim 0");
  EXPECT_THROW_WITH(F::max_unpool2d(pooled, idx * 100, 2), IndexError, "outside the output plane of 24 elements");
  EXPECT_THROW_WITH(F::max_unpool1d(pooled, idx, 2), Error, "max_unpool1d: expected a 3-D or 2-D (unbatched) input");
}

TEST(LocalResponseNormAndChannelShuffle, ValuesGradientsAndModules) {
  manual_seed(42);
  Tensor x = randn({2, 5, 3}, kFloat64).requires_grad_(true);
  // Channel c divides by (k + alpha / size * sum of x^2 over channels c - size/2 .. c + (size-1)/2)^beta.
  Tensor y = F::local_response_norm(x, 3, 0.5, 0.75, 2.0);
  Tensor sq = (x * x).detach();
  for (int64_t c = 0; c < 5; ++c) {
    Tensor s = sq.narrow(1, std::max<int64_t>(c - 1, 0), std::min<int64_t>(c + 2, 5) - std::max<int64_t>(c - 1, 0)).sum({1});
    EXPECT_TRUE(close(y.select(1, c), x.detach().select(1, c) / (s * (0.5 / 3) + 2.0).pow(0.75), 1e-12, 1e-14)) << c;
  }
  EXPECT_TRUE(autograd::gradgradcheck([](const tensor_list& in) { return F::local_response_norm(in[0], 2); }, {x}));
  nn::LocalResponseNorm lrn(4);
  EXPECT_EQ(lrn->str(), "LocalResponseNorm(4, alpha=0.0001, beta=0.75, k=1.0)");
  EXPECT_EQ(lrn(randn({1, 3, 2, 2, 2})).sizes(), Shape({1, 3, 2, 2, 2}));
  EXPECT_THROW_WITH(F::local_response_norm(randn({3, 4}), 2), Error, "local_response_norm: expected an input [N, C, *]");
  EXPECT_THROW_WITH(F::local_response_norm(x, 0), ValueError, "local_response_norm: size must be positive");

  Tensor ch = arange(6, kFloat64).view({1, 6, 1});
  EXPECT_EQ(vals(F::channel_shuffle(ch, 2)), (std::vector<double>{0, 3, 1, 4, 2, 5}));
  EXPECT_EQ(vals(nn::ChannelShuffle(3)(ch)), (std::vector<double>{0, 2, 4, 1, 3, 5}));
  EXPECT_THROW_WITH(F::channel_shuffle(ch, 4), ValueError, "channel_shuffle: the number of channels (6) must be divisible by groups (4)");
  EXPECT_THROW_WITH(F::channel_shuffle(ch.view({6, 1}), 2), Error, "channel_shuffle: expected an input [N, C, *]");
}

TEST(RandomRegularizers, AlphaDropoutRReLUAndGumbelSoftmax) {
  manual_seed(43);
  Tensor x = randn({400, 500}, kFloat64);
  for (bool feature : {false, true}) {
    Tensor y = feature ? F::feature_alpha_dropout(x, 0.25, true) : F::alpha_dropout(x, 0.25, true);
    EXPECT_NEAR(y.mean().item<double>(), 0.0, 0.02);
    EXPECT_NEAR(y.std().item<double>(), 1.0, 0.02);
  }
  EXPECT_TRUE(equal(F::alpha_dropout(x, 0.5), x));  // training defaults to false
  EXPECT_EQ(F::alpha_dropout(x, 1.0, true).abs().sum().item<double>(), 0.0);
  // Feature dropout drops whole rows of [N, C, L] channels.
  Tensor z = F::feature_alpha_dropout(ones({50, 8, 6}, kFloat64), 0.5, true);
  EXPECT_TRUE(close(z.amax({2}), z.amin({2}), 0, 0));
  nn::AlphaDropout ad(0.2);
  ad->eval();
  EXPECT_TRUE(equal(ad(x), x));
  Tensor leaf = randn({6}, kFloat64).requires_grad_(true);
  F::alpha_dropout(leaf, 0.5, true).sum().backward();
  EXPECT_TRUE(leaf.grad().defined());
  EXPECT_THROW_WITH(F::alpha_dropout(x, 1.5, true), ValueError, "alpha_dropout: probability has to be between 0 and 1");
  EXPECT_THROW_WITH(F::feature_alpha_dropout(x[0], 0.5, true), Error, "feature_alpha_dropout: expected an input of at least 2 dims");

  Tensor neg = -rand({20000}, kFloat64) - 0.1;
  Tensor slopes = F::rrelu(neg, 0.1, 0.3, true) / neg;
  EXPECT_GE(slopes.min().item<double>(), 0.1);
  EXPECT_LE(slopes.max().item<double>(), 0.3);
  EXPECT_NEAR(slopes.mean().item<double>(), 0.2, 0.01);
  EXPECT_TRUE(close(F::rrelu(neg, 0.1, 0.3), neg * 0.2));
  EXPECT_TRUE(close(F::rrelu(-neg, 0.1, 0.3, true), -neg, 0, 0));
  nn::RReLU rr;
  EXPECT_EQ(rr->str(), "RReLU(lower=0.125, upper=0.3333333333333333)");
  Tensor r = randn({5}, kFloat64).requires_grad_(true);
  rr->eval();
  EXPECT_TRUE(autograd::gradcheck([&](const tensor_list& in) { return rr(in[0]); }, {r}));
  EXPECT_THROW_WITH(F::rrelu(neg, 0.5, 0.1), ValueError, "rrelu: lower bound 0.5 must not exceed the upper bound 0.1");

  Tensor logits = tensor({{1.0, 2.0, 0.5}}, kFloat64).expand({30000, 3});
  Tensor soft = F::gumbel_softmax(logits, 0.5);
  EXPECT_TRUE(close(soft.sum({1}), ones({30000}, kFloat64), 1e-12, 1e-12));
  Tensor hard = F::gumbel_softmax(logits, 1.0, true);
  EXPECT_TRUE(close(hard.sum({1}), ones({30000}, kFloat64), 0, 0));
  EXPECT_TRUE(close(hard.mean({0}), softmax(tensor({1.0, 2.0, 0.5}, kFloat64), 0), 0, 0.015));  // Gumbel-max
  EXPECT_THROW_WITH(F::gumbel_softmax(logits, 0.0), ValueError, "gumbel_softmax: tau must be positive");
}
