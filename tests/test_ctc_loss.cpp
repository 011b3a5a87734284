// ctc_loss against a brute-force sum over every alignment (all C^T paths collapsed by CTC's rule),
// its reductions, target layouts and error paths, and gradcheck. PyTorch's values are compared
// in python/tests/test_against_torch.py.
#include <cmath>

#include "test_util.h"

using namespace tg;
using tgtest::close;
namespace F = tg::nn::functional;

namespace {

// -log of the summed probability of the paths that collapse (merge repeats, drop blanks) to target.
double brute_force_nll(const Tensor& log_probs, const std::vector<int64_t>& target, int64_t steps, int64_t blank) {
  const int64_t classes = log_probs.sizes()[1];
  const auto lp = log_probs.to_vector<double>();
  double total = 0;
  std::vector<int64_t> path(static_cast<size_t>(steps), 0);
  for (;;) {
    std::vector<int64_t> collapsed;
    for (int64_t t = 0; t < steps; ++t) {
      const int64_t c = path[static_cast<size_t>(t)];
      if (c != blank && (t == 0 || c != path[static_cast<size_t>(t - 1)])) collapsed.push_back(c);
    }
    if (collapsed == target) {
      double logp = 0;
      for (int64_t t = 0; t < steps; ++t) logp += lp[static_cast<size_t>(t * classes + path[static_cast<size_t>(t)])];
      total += std::exp(logp);
    }
    int64_t i = steps - 1;
    while (i >= 0 && ++path[static_cast<size_t>(i)] == classes) path[static_cast<size_t>(i--)] = 0;
    if (i < 0) break;
  }
  return -std::log(total);
}

}  // namespace

TEST(CTCLoss, MatchesTheSumOverAlignments) {
  manual_seed(21);
  const int64_t steps = 5, classes = 3;
  Tensor lp = log_softmax(randn({steps, 2, classes}, kFloat64), 2);
  // Sequence 0: target (1, 1) needs a blank between its repeats; sequence 1: (2), 4 steps, blank 0.
  Tensor targets = tensor({{1, 1}, {2, 0}});
  Tensor loss = F::ctc_loss(lp, targets, tensor({5, 4}), tensor({2, 1}), {.reduction = F::Reduction::None});
  EXPECT_NEAR(loss[0].item<double>(), brute_force_nll(lp.select(1, 0), {1, 1}, 5, 0), 1e-12);
  EXPECT_NEAR(loss[1].item<double>(), brute_force_nll(lp.select(1, 1), {2}, 4, 0), 1e-12);
  // Another blank; the concatenated layout; the unbatched form; the reductions.
  Tensor other = F::ctc_loss(lp, tensor({{0, 0}, {1, 1}}), tensor({5, 5}), tensor({2, 0}), {.blank = 2, .reduction = F::Reduction::None});
  EXPECT_NEAR(other[0].item<double>(), brute_force_nll(lp.select(1, 0), {0, 0}, 5, 2), 1e-12);
  EXPECT_NEAR(other[1].item<double>(), brute_force_nll(lp.select(1, 1), {}, 5, 2), 1e-12);
  Tensor flat = F::ctc_loss(lp, tensor({1, 1, 2}), tensor({5, 4}), tensor({2, 1}), {.reduction = F::Reduction::None});
  EXPECT_TRUE(close(flat, loss, 1e-14, 1e-14));
  Tensor single = F::ctc_loss(lp.select(1, 0), tensor({1, 1}), tensor(5), tensor(2), {.reduction = F::Reduction::None});
  EXPECT_EQ(single.dim(), 0);
  EXPECT_NEAR(single.item<double>(), loss[0].item<double>(), 1e-14);
  EXPECT_NEAR(F::ctc_loss(lp, targets, tensor({5, 4}), tensor({2, 1})).item<double>(),
              (loss[0].item<double>() / 2 + loss[1].item<double>()) / 2, 1e-14);
  EXPECT_NEAR(F::ctc_loss(lp, targets, tensor({5, 4}), tensor({2, 1}), {.reduction = F::Reduction::Sum}).item<double>(),
              loss.sum().item<double>(), 1e-14);
  // Impossible alignments: (1, 1) needs 3 steps. inf, or 0 without a gradient under zero_infinity.
  Tensor x = randn({2, 1, classes}, kFloat64).requires_grad_(true);
  EXPECT_TRUE(std::isinf(F::ctc_loss(log_softmax(x, 2), tensor({{1, 1}}), tensor({2}), tensor({2})).item<double>()));
  Tensor zeroed = F::ctc_loss(log_softmax(x, 2), tensor({{1, 1}}), tensor({2}), tensor({2}), {.zero_infinity = true});
  EXPECT_EQ(zeroed.item<double>(), 0.0);
  zeroed.backward();
  EXPECT_EQ(x.grad().abs().sum().item<double>(), 0.0);
  // No input steps: only the empty target has likelihood 1.
  Tensor none = F::ctc_loss(lp, targets, tensor({0, 0}), tensor({0, 1}), {.reduction = F::Reduction::None});
  EXPECT_EQ(none[0].item<double>(), 0.0);
  EXPECT_TRUE(std::isinf(none[1].item<double>()));
  // The module calls the functional form.
  nn::CTCLoss criterion(F::CTCLossOptions{.reduction = F::Reduction::Sum});
  EXPECT_NEAR(criterion(lp, targets, tensor({5, 4}), tensor({2, 1})).item<double>(), loss.sum().item<double>(), 1e-14);
}

// Random lengths (empty inputs and targets among them), repeated labels and another blank: the
// fused kernels' losses against the brute force, their gradient against the composed
// recursion's (the one create_graph records), and float32 against float64.
TEST(CTCLoss, FusedKernelsMatchTheBruteForceAndTheComposedGradient) {
  manual_seed(23);
  const int64_t steps = 6, classes = 4, blank = 1;
  const std::vector<std::vector<int64_t>> targets = {{0, 0, 2}, {3}, {}, {2, 3, 2}, {0, 2}, {3, 3}, {2, 2}};
  const std::vector<int64_t> in_len = {6, 5, 4, 6, 0, 3, 2};
  const auto n = static_cast<int64_t>(targets.size());
  std::vector<int64_t> padded(static_cast<size_t>(n * 3), 0), tl;
  for (size_t i = 0; i < targets.size(); ++i) {
    std::copy(targets[i].begin(), targets[i].end(), padded.begin() + static_cast<std::ptrdiff_t>(3 * i));
    tl.push_back(static_cast<int64_t>(targets[i].size()));
  }
  const Tensor target_t = tensor(padded).view({n, 3}), in_t = tensor(in_len), tl_t = tensor(tl);
  const Tensor x = randn({steps, n, classes}, kFloat64).requires_grad_(true);
  const Tensor loss = F::ctc_loss(log_softmax(x, 2), target_t, in_t, tl_t, {.blank = blank, .reduction = F::Reduction::None});
  for (int64_t i = 0; i < n; ++i) {
    const double expected = brute_force_nll(log_softmax(x.detach(), 2).select(1, i), targets[static_cast<size_t>(i)],
                                            in_len[static_cast<size_t>(i)], blank);
    // Sequence 4 has no input for its labels, sequence 6 too few steps for (2, 2): no alignment.
    if (i == 4 || i == 6) {
      EXPECT_TRUE(std::isinf(expected) && std::isinf(loss[i].item<double>())) << "sequence " << i;
    } else {
      EXPECT_NEAR(loss[i].item<double>(), expected, 1e-12) << "sequence " << i;
    }
  }
  const Tensor w = randn({n}, kFloat64);
  const Tensor fused = autograd::grad({loss}, {x}, {w}, true, false)[0];
  const Tensor composed = autograd::grad({loss}, {x}, {w}, true, true)[0];
  EXPECT_TRUE(close(fused, composed, 1e-12, 1e-12));
  // float32 runs the same kernels in single precision.
  const Tensor x32 = x.detach().to(kFloat32).requires_grad_(true);
  const Tensor loss32 = F::ctc_loss(log_softmax(x32, 2), target_t, in_t, tl_t, {.blank = blank, .reduction = F::Reduction::None});
  EXPECT_EQ(loss32.dtype(), kFloat32);
  EXPECT_TRUE(close(loss32.to(kFloat64), loss.detach(), 1e-5, 1e-5));
  loss32.backward(w.to(kFloat32));
  EXPECT_TRUE(close(x32.grad().to(kFloat64), fused, 1e-5, 1e-5));
  // The gradient of what a model trains on: the mean with impossible sequences zeroed, batched
  // and unbatched with concatenated targets.
  auto mean_loss = [&](const tensor_list& in) {
    return F::ctc_loss(log_softmax(in[0], 2), target_t, in_t, tl_t, {.blank = blank, .zero_infinity = true});
  };
  EXPECT_TRUE(autograd::gradcheck(mean_loss, {x}, {.check_forward_ad = true}));
  auto single = [&](const tensor_list& in) {
    return F::ctc_loss(log_softmax(in[0].select(1, 3), 1), tensor({2, 3, 2}), tensor(6), tensor(3), {.blank = blank});
  };
  EXPECT_TRUE(autograd::gradcheck(single, {x}));
  // float16 takes the composed recursion: it agrees with the kernels to its precision.
  const Tensor loss16 = F::ctc_loss(log_softmax(x.detach(), 2).to(kFloat16), target_t, in_t, tl_t,
                                    {.blank = blank, .reduction = F::Reduction::None, .zero_infinity = true});
  const Tensor finite = where(isinf(loss.detach()), 0.0, loss.detach());
  EXPECT_TRUE(close(loss16.to(kFloat64), finite, 2e-2, 2e-2));
}

TEST(CTCLoss, GradientsAndErrors) {
  manual_seed(22);
  Tensor logits = randn({4, 2, 3}, kFloat64).requires_grad_(true);
  auto f = [](const tensor_list& in) {
    return F::ctc_loss(log_softmax(in[0], 2), tensor({{1, 2}, {2, 2}}), tensor({4, 3}), tensor({2, 1}));
  };
  EXPECT_TRUE(autograd::gradcheck(f, {logits}));
  EXPECT_TRUE(autograd::gradgradcheck(f, {logits}));
  Tensor lp = log_softmax(logits.detach(), 2);
  Tensor t = tensor({{1, 2}, {2, 2}}), il = tensor({4, 3}), tl = tensor({2, 1});
  EXPECT_THROW_WITH(F::ctc_loss(lp[0][0], t, il, tl), Error, "ctc_loss: expected log_probs [T, N, C] (or unbatched [T, C]), got [3]");
  EXPECT_THROW_WITH(F::ctc_loss(lp.to(kInt64), t, il, tl), TypeError, "ctc_loss: log_probs must be floating point");
  EXPECT_THROW_WITH(F::ctc_loss(lp, t, tensor({4}), tl), Error, "ctc_loss: expected input_lengths with 2 entries");
  EXPECT_THROW_WITH(F::ctc_loss(lp, t, il, tensor({2.0, 1.0})), TypeError, "ctc_loss: target_lengths must be integers");
  EXPECT_THROW_WITH(F::ctc_loss(lp, t, tensor({5, 3}), tl), ValueError, "ctc_loss: input length 5 of sequence 0 is outside [0, 4]");
  EXPECT_THROW_WITH(F::ctc_loss(lp, t, il, tensor({3, 1})), ValueError, "ctc_loss: target length 3 of sequence 0 is outside [0, 2]");
  EXPECT_THROW_WITH(F::ctc_loss(lp, tensor({{1, 5}, {2, 2}}), il, tl), ValueError, "ctc_loss: target 5 of sequence 0 is not a class in [0, 3)");
  EXPECT_THROW_WITH(F::ctc_loss(lp, tensor({1, 2}), il, tl), Error, "the concatenated targets hold 2 labels but the target lengths add up to 3");
  EXPECT_THROW_WITH(F::ctc_loss(lp, t, il, tl, {.blank = 3}), ValueError, "ctc_loss: blank 3 must be a class index in [0, 3)");
  EXPECT_THROW_WITH(F::ctc_loss(lp, tensor({{1.0, 2.0}, {2.0, 2.0}}), il, tl), TypeError, "ctc_loss: targets must be integers");
}
