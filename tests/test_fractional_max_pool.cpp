// fractional_max_pool2d / 3d and their modules: values and indices against a direct loop over
// PyTorch's window rule, gradchecks, the random draw, the modules and every error path. PyTorch's
// own values (float32 and float64) are compared in test_against_torch.py.
#include <array>
#include <cmath>

#include "test_util.h"

using namespace tg;
using tgtest::close;
using tgtest::vals;
namespace F = tg::nn::functional;
using tg::nn::Fractions;
using tg::nn::Size2;
using tg::nn::Size3;

namespace {

// PyTorch's generate_intervals in double (the float64 inputs' arithmetic).
std::vector<int64_t> starts(double u, int64_t in, int64_t out, int64_t k) {
  std::vector<int64_t> s(static_cast<size_t>(out));
  const double alpha = out > 1 ? static_cast<double>(in - k) / static_cast<double>(out - 1) : 0;
  for (int64_t i = 0; i + 1 < out; ++i)
    s[static_cast<size_t>(i)] =
        static_cast<int64_t>((static_cast<double>(i) + u) * alpha) - static_cast<int64_t>(u * alpha);
  s.back() = in - k;
  return s;
}

// The direct loop over every box of a batched [N, C, D, H, W] volume (D = 1 for 2-D), with
// samples [N, C, 3] in (D, H, W) order; the first maximum in (d, h, w) order wins.
std::pair<std::vector<double>, std::vector<int64_t>> reference(const Tensor& x, const Tensor& samples,
                                                               std::array<int64_t, 3> out, std::array<int64_t, 3> k) {
  const auto xs = vals(x), us = vals(samples);
  const int64_t n = x.sizes()[0], c = x.sizes()[1], d = x.sizes()[2], h = x.sizes()[3], w = x.sizes()[4];
  std::vector<double> values;
  std::vector<int64_t> indices;
  for (int64_t p = 0; p < n * c; ++p) {
    const auto sd = starts(us[static_cast<size_t>(3 * p)], d, out[0], k[0]);
    const auto sh = starts(us[static_cast<size_t>(3 * p + 1)], h, out[1], k[1]);
    const auto sw = starts(us[static_cast<size_t>(3 * p + 2)], w, out[2], k[2]);
    for (int64_t od : sd)
      for (int64_t oh : sh)
        for (int64_t ow : sw) {
          double best = -INFINITY;
          int64_t at = (od * h + oh) * w + ow;
          for (int64_t i = od; i < od + k[0]; ++i)
            for (int64_t j = oh; j < oh + k[1]; ++j)
              for (int64_t l = ow; l < ow + k[2]; ++l) {
                const double v = xs[static_cast<size_t>(p * d * h * w + (i * h + j) * w + l)];
                if (v > best) best = v, at = (i * h + j) * w + l;
              }
          values.push_back(best);
          indices.push_back(at);
        }
  }
  return {values, indices};
}

std::vector<int64_t> ints(const Tensor& t) { return t.to_vector<int64_t>(); }

}  // namespace

TEST(FractionalMaxPool, TwoDMatchesTheWindowRule) {
  manual_seed(7);
  const struct {
    int64_t h, w, oh, ow, kh, kw;
  } cases[] = {{9, 11, 4, 6, 2, 3}, {7, 7, 1, 3, 3, 2}, {6, 5, 5, 4, 2, 2}, {10, 10, 5, 5, 2, 2}};
  for (const auto& s : cases) {
    Tensor x = randn({2, 3, s.h, s.w}, kFloat64);
    Tensor u = rand({2, 3, 2}, kFloat64);
    auto [y, idx] = F::fractional_max_pool2d_with_indices(
        x, {.kernel_size = Size2(s.kh, s.kw), .output_size = Size2(s.oh, s.ow), .random_samples = u});
    ASSERT_EQ(y.sizes(), Shape({2, 3, s.oh, s.ow}));
    // The reference takes samples in (D, H, W) order; 2-D samples are (W, H).
    Tensor u3 = stack({zeros({2, 3}, kFloat64), u.select(2, 1), u.select(2, 0)}, 2);
    auto [want, want_idx] = reference(x.unsqueeze(2), u3, {1, s.oh, s.ow}, {1, s.kh, s.kw});
    EXPECT_EQ(vals(y), want);
    EXPECT_EQ(ints(idx), want_idx);
    EXPECT_EQ(idx.dtype(), kInt64);
    // Each value is the input at its index.
    EXPECT_TRUE(close(x.flatten(2).gather(2, idx.flatten(2)), y.flatten(2), 0, 0));
  }
  // Unbatched input: [C, H, W] with samples [1, C, 2]; output_ratio gives int(in * ratio).
  Tensor x = randn({3, 10, 8}, kFloat64);
  Tensor u = rand({1, 3, 2}, kFloat64);
  auto [y, idx] = F::fractional_max_pool2d_with_indices(
      x, {.kernel_size = 2, .output_ratio = Fractions<2>(0.5, 0.75), .random_samples = u});
  EXPECT_EQ(y.sizes(), Shape({3, 5, 6}));
  auto [yb, idxb] = F::fractional_max_pool2d_with_indices(
      x.unsqueeze(0), {.kernel_size = 2, .output_size = Size2(5, 6), .random_samples = u});
  EXPECT_TRUE(close(y, yb.squeeze(0), 0, 0));
  EXPECT_TRUE(close(idx, idxb.squeeze(0), 0, 0));
  EXPECT_EQ(F::fractional_max_pool2d(x, {.kernel_size = 3, .output_ratio = 0.5}).sizes(), Shape({3, 5, 4}));
}

TEST(FractionalMaxPool, ThreeDMatchesTheWindowRule) {
  manual_seed(8);
  Tensor x = randn({2, 2, 7, 9, 6}, kFloat64);
  Tensor u = rand({2, 2, 3}, kFloat64);
  auto [y, idx] = F::fractional_max_pool3d_with_indices(
      x, {.kernel_size = Size3(2, 3, 2), .output_size = Size3(4, 5, 3), .random_samples = u});
  ASSERT_EQ(y.sizes(), Shape({2, 2, 4, 5, 3}));
  auto [want, want_idx] = reference(x, u, {4, 5, 3}, {2, 3, 2});
  EXPECT_EQ(vals(y), want);
  EXPECT_EQ(ints(idx), want_idx);
  // Unbatched, output_ratio, and a drawn sample.
  Tensor v = randn({3, 8, 8, 8}, kFloat32);
  auto [yv, iv] = F::fractional_max_pool3d_with_indices(v, {.kernel_size = 2, .output_ratio = 0.5});
  EXPECT_EQ(yv.sizes(), Shape({3, 4, 4, 4}));
  EXPECT_EQ(yv.dtype(), kFloat32);
  EXPECT_TRUE(close(v.flatten(1).gather(1, iv.flatten(1)), yv.flatten(1), 0, 0));
}

TEST(FractionalMaxPool, TiesPickTheFirstAndTheSeedFixesTheDraw) {
  // A constant plane: every window's first cell (its top-left) wins.
  Tensor x = ones({1, 1, 6, 6}, kFloat64);
  Tensor u = full({1, 1, 2}, 0.5, kFloat64);
  auto [y, idx] =
      F::fractional_max_pool2d_with_indices(x, {.kernel_size = 2, .output_size = Size2(3, 3), .random_samples = u});
  // alpha = (6 - 2) / 2 = 2: starts floor((i + 0.5) * 2) - 1 = 0, 2 and the last at 4.
  EXPECT_EQ(ints(idx), (std::vector<int64_t>{0, 2, 4, 12, 14, 16, 24, 26, 28}));
  // NaN wins its windows, with the first NaN's index (row-major).
  Tensor z = zeros({1, 1, 4, 4}, kFloat64);
  z.data_ptr<double>()[6] = NAN;  // (1, 2)
  z.data_ptr<double>()[7] = NAN;  // (1, 3)
  auto [zy, zi] = F::fractional_max_pool2d_with_indices(
      z, {.kernel_size = 2, .output_size = Size2(3, 3), .random_samples = full({1, 1, 2}, 0.5, kFloat64)});
  // alpha = 1: windows start at rows and columns 0, 1, 2; those holding (1, 2) are outputs (0..1, 1..2).
  EXPECT_EQ(isnan(zy).to(kInt64).view({9}).to_vector<int64_t>(), (std::vector<int64_t>{0, 1, 1, 0, 1, 1, 0, 0, 0}));
  EXPECT_EQ(ints(zi), (std::vector<int64_t>{0, 6, 6, 4, 6, 6, 8, 9, 10}));
  // Without samples each call draws new windows from the default generator.
  Tensor img = randn({4, 8, 16, 16});
  const F::FractionalMaxPool2dOptions o{.kernel_size = 2, .output_ratio = 0.7};
  manual_seed(3);
  Tensor a = std::get<1>(F::fractional_max_pool2d_with_indices(img, o));
  manual_seed(3);
  Tensor b = std::get<1>(F::fractional_max_pool2d_with_indices(img, o));
  Tensor c = std::get<1>(F::fractional_max_pool2d_with_indices(img, o));
  EXPECT_TRUE(close(a, b, 0, 0));
  EXPECT_FALSE(close(a, c, 0, 0));
}

TEST(FractionalMaxPool, Gradients) {
  manual_seed(9);
  Tensor x = randn({2, 2, 7, 6}, kFloat64).requires_grad_(true);
  Tensor u = rand({2, 2, 2}, kFloat64);
  auto pool2 = [&](const tensor_list& in) {
    return F::fractional_max_pool2d(in[0],
                                    {.kernel_size = Size2(3, 2), .output_size = Size2(3, 4), .random_samples = u});
  };
  EXPECT_TRUE(autograd::gradcheck(pool2, {x}));
  EXPECT_TRUE(autograd::gradgradcheck(pool2, {x}));
  // The gradient lands on the maxima: overlapping windows that share one add up.
  auto [y, idx] = F::fractional_max_pool2d_with_indices(
      x, {.kernel_size = Size2(3, 2), .output_size = Size2(3, 4), .random_samples = u});
  y.sum().backward();
  Tensor want = zeros({2, 2, 42}, kFloat64).scatter_add(2, idx.flatten(2), ones({2, 2, 12}, kFloat64));
  EXPECT_TRUE(close(x.grad(), want.view({2, 2, 7, 6}), 0, 0));

  Tensor v = randn({1, 2, 5, 6, 5}, kFloat64).requires_grad_(true);
  Tensor uv = rand({1, 2, 3}, kFloat64);
  auto pool3 = [&](const tensor_list& in) {
    return F::fractional_max_pool3d(in[0], {.kernel_size = 2, .output_size = Size3(3, 4, 2), .random_samples = uv});
  };
  EXPECT_TRUE(autograd::gradcheck(pool3, {v}));
  EXPECT_TRUE(autograd::gradgradcheck(pool3, {v}));
}

TEST(FractionalMaxPool, Modules) {
  manual_seed(10);
  nn::FractionalMaxPool2d pool(F::FractionalMaxPool2dOptions{.kernel_size = 3, .output_ratio = Fractions<2>(0.5, 0.7)});
  EXPECT_EQ(pool->str(), "FractionalMaxPool2d(kernel_size=3, output_ratio=(0.5, 0.7))");
  Tensor x = randn({2, 4, 12, 10});
  EXPECT_EQ(pool(x).sizes(), Shape({2, 4, 6, 7}));
  auto [y, idx] = pool->forward_with_indices(x);
  EXPECT_TRUE(close(x.flatten(2).gather(2, idx.flatten(2)), y.flatten(2), 0, 0));
  nn::FractionalMaxPool3d pool3(
      F::FractionalMaxPool3dOptions{.kernel_size = Size3(1, 2, 2), .output_size = Size3(3, 4, 4)});
  EXPECT_EQ(pool3->str(), "FractionalMaxPool3d(kernel_size=(1, 2, 2), output_size=(3, 4, 4))");
  EXPECT_EQ(pool3(randn({4, 3, 9, 9})).sizes(), Shape({4, 3, 4, 4}));
  EXPECT_THROW_WITH(nn::FractionalMaxPool2d(F::FractionalMaxPool2dOptions{.kernel_size = 2}), ValueError,
                    "FractionalMaxPool2d: requires either an output_size or an output_ratio");
  EXPECT_THROW_WITH(
      nn::FractionalMaxPool2d(F::FractionalMaxPool2dOptions{.kernel_size = 2, .output_size = 3, .output_ratio = 0.5}),
      ValueError, "only one of output_size and output_ratio");
  EXPECT_THROW_WITH(nn::FractionalMaxPool3d(F::FractionalMaxPool3dOptions{.kernel_size = 2, .output_ratio = 1.0}),
                    ValueError, "FractionalMaxPool3d: output_ratio must be between 0 and 1, got (1, 1, 1)");
}

TEST(FractionalMaxPool, Errors) {
  Tensor x = randn({2, 3, 8, 8});
  const F::FractionalMaxPool2dOptions half{.kernel_size = 2, .output_ratio = 0.5};
  EXPECT_THROW_WITH(F::fractional_max_pool2d(x, {.kernel_size = 2}), ValueError,
                    "fractional_max_pool2d: give exactly one of output_size and output_ratio");
  EXPECT_THROW_WITH(F::fractional_max_pool2d(x, {.kernel_size = 2, .output_ratio = Fractions<2>(0.5, 1.5)}), ValueError,
                    "fractional_max_pool2d: output_ratio must be in (0, 1), got 1.5");
  EXPECT_THROW_WITH(F::fractional_max_pool2d(x, {.kernel_size = 2, .output_ratio = 0.1}), ValueError,
                    "output_ratio 0.1 of input size 8 leaves an empty output");
  EXPECT_THROW_WITH(F::fractional_max_pool2d(x, {.kernel_size = 3, .output_size = Size2(4, 7)}), ValueError,
                    "output size 7 with kernel size 3 needs an input size of at least 9 in spatial dim 1");
  EXPECT_THROW_WITH(F::fractional_max_pool2d(x, {.kernel_size = Size2(0, 2), .output_size = 2}), ValueError,
                    "kernel_size must be positive, got (0, 2)");
  EXPECT_THROW_WITH(F::fractional_max_pool2d(x, {.kernel_size = 2, .output_size = Size2(0, 2)}), ValueError,
                    "output_size must be positive, got (0, 2)");
  EXPECT_THROW_WITH(F::fractional_max_pool2d(randn({8, 8}), half), Error,
                    "fractional_max_pool2d: expected a 3-D (unbatched) or 4-D (batched) input, got shape [8, 8]");
  EXPECT_THROW_WITH(F::fractional_max_pool2d(randn({2, 0, 8, 8}), half), Error, "without empty dims");
  EXPECT_THROW_WITH(F::fractional_max_pool2d(ones({1, 8, 8}, kInt64), half), TypeError, "fractional_max_pool2d");
  auto with = [&](const Tensor& u) {
    return F::fractional_max_pool2d(x, {.kernel_size = 2, .output_size = 4, .random_samples = u});
  };
  EXPECT_THROW_WITH(with(rand({2, 3, 3})), Error, "random_samples must have shape [2, 3, 2]");
  EXPECT_THROW_WITH(with(rand({2, 3, 2}, kFloat64)), TypeError, "random_samples must have the input's dtype float32");
  EXPECT_THROW_WITH(with(full({2, 3, 2}, 1.0)), ValueError, "random_samples must lie in [0, 1)");
  EXPECT_THROW_WITH(with(full({2, 3, 2}, -0.5)), ValueError, "random_samples must lie in [0, 1)");
  EXPECT_THROW_WITH(F::fractional_max_pool3d(randn({8, 8, 8}), {.kernel_size = 2, .output_ratio = 0.5}), Error,
                    "fractional_max_pool3d: expected a 4-D (unbatched) or 5-D (batched) input");
}
