// Tensor's in-place random fills: seeded reproducibility, every dtype they take, the moments of
// each distribution on 200k draws (loose bounds, many standard errors wide), the autograd rules
// of an in-place op, and the errors.
#include <cmath>
#include <limits>
#include <numbers>

#include "test_util.h"

using namespace tg;
using tgtest::vals;
using V = std::vector<double>;

namespace {
double mean_of(const Tensor& t) { return t.to(kFloat64).mean().item<double>(); }
double var_of(const Tensor& t) { return t.to(kFloat64).var().item<double>(); }
}  // namespace

TEST(RandomFill, SeededAndIntoEveryFloatDtype) {
  Generator a(42), b(42);
  const Tensor x = empty({1000}).uniform_(-2, 3, &a), y = empty({1000}).uniform_(-2, 3, &b);
  EXPECT_TRUE(equal(x, y));
  EXPECT_GE(amin(x).item<double>(), -2);
  EXPECT_LT(amax(x).item<double>(), 3);
  // One seed, the same values in float32 and the 16-bit dtypes (drawn in float32, then rounded).
  Generator c(7), d(7);
  const Tensor f32 = empty({64}, kFloat32).normal_(1, 2, &c), f16 = empty({64}, kFloat16).normal_(1, 2, &d);
  EXPECT_TRUE(tgtest::close(f16.to(kFloat32), f32, 1e-3, 1e-3));
  manual_seed(3);
  const Tensor p = empty({8}).normal_();
  manual_seed(3);
  EXPECT_TRUE(equal(p, empty({8}).normal_()));
}

TEST(RandomFill, MomentsOfEachDistribution) {
  Generator g(1);
  const Shape n{200000};
  const Tensor u = empty(n, kFloat64).uniform_(2, 4, &g);
  EXPECT_NEAR(mean_of(u), 3, 0.01);
  EXPECT_NEAR(var_of(u), 4.0 / 12, 0.01);
  const Tensor z = empty(n, kFloat64).normal_(-1, 3, &g);
  EXPECT_NEAR(mean_of(z), -1, 0.05);
  EXPECT_NEAR(var_of(z), 9, 0.15);
  const Tensor e = empty(n, kFloat64).exponential_(2, &g);
  EXPECT_NEAR(mean_of(e), 0.5, 0.01);
  EXPECT_GE(amin(e).item<double>(), 0);
  const Tensor geo = empty(n, kFloat64).geometric_(0.25, &g);
  EXPECT_NEAR(mean_of(geo), 4, 0.05);
  EXPECT_EQ(amin(geo).item<double>(), 1);
  EXPECT_TRUE(equal(geo, floor(geo)));
  const Tensor ln = empty(n, kFloat64).log_normal_(0.5, 0.25, &g);
  EXPECT_NEAR(mean_of(ln), std::exp(0.5 + 0.25 * 0.25 / 2), 0.01);
  // Cauchy has no mean: its median and quartiles are median -+ sigma.
  const Tensor c = empty(n, kFloat64).cauchy_(1, 2, &g);
  EXPECT_NEAR(quantile(c, 0.5).item<double>(), 1, 0.05);
  EXPECT_NEAR(quantile(c, 0.75).item<double>(), 3, 0.1);
  const Tensor bern = empty(n, kFloat32).bernoulli_(0.3, &g);
  EXPECT_NEAR(mean_of(bern), 0.3, 0.01);
  EXPECT_TRUE(equal(bern, bern * bern));  // 0 and 1 only
  const Tensor probs = tensor({0.0, 1.0, 0.5}, kFloat64);
  const Tensor per = zeros({3, 3}, kInt64).bernoulli_(probs, &g);
  EXPECT_EQ(vals(per.select(1, 0)), (std::vector<double>{0, 0, 0}));
  EXPECT_EQ(vals(per.select(1, 1)), (std::vector<double>{1, 1, 1}));
}

TEST(RandomFill, RandomIntegersInTheirRange) {
  Generator g(2);
  const Tensor r = empty({5000}, kInt64).random_(-3, 4, &g);
  EXPECT_EQ(amin(r).item<int64_t>(), -3);
  EXPECT_EQ(amax(r).item<int64_t>(), 3);
  const Tensor to = empty({5000}, kFloat32).random_(5, &g);
  EXPECT_EQ(amin(to).item<double>(), 0);
  EXPECT_EQ(amax(to).item<double>(), 4);
  const Tensor u8 = empty({5000}, kUInt8).random_(&g);
  EXPECT_GT(amax(u8).item<int64_t>(), 250);  // the whole byte range
  const Tensor b = empty({200}, kBool).random_(&g);
  EXPECT_GT(b.sum().item<int64_t>(), 50);
  const Tensor h = empty({5000}, kFloat16).random_(&g);
  EXPECT_LE(amax(h).item<double>(), 2048);
  EXPECT_TRUE(equal(h, floor(h)));
  // A range wider than int64's half: draws above 2^63 added to the lowest int64 (no signed
  // overflow on the way, which UBSan would report), both signs about equally often.
  const int64_t lowest = std::numeric_limits<int64_t>::min(), highest = std::numeric_limits<int64_t>::max();
  const Tensor wide = randint(lowest, highest, {4000}, g);
  const int64_t negatives = lt(wide, 0).sum().item<int64_t>();
  EXPECT_GT(negatives, 1700);
  EXPECT_LT(negatives, 2300);
}

TEST(RandomFill, InPlaceRulesAndErrors) {
  Tensor leaf = zeros({3}).requires_grad_(true);
  EXPECT_THROW_WITH(leaf.uniform_(), Error, "leaf");
  {
    NoGradGuard no_grad;  // as nn.init does
    leaf.normal_();
  }
  // On a recorded tensor the old values get no gradient.
  Tensor w = tensor({1.0, 2.0}, kFloat64).requires_grad_(true);
  Tensor y = w * 2;
  y.uniform_();
  (y * 3).sum().backward();
  EXPECT_EQ(vals(w.grad()), (std::vector<double>{0, 0}));
  const Tensor i = zeros({2}, kInt64);
  EXPECT_THROW_WITH(i.uniform_(), TypeError, "uniform_: expected a floating-point or complex tensor, got int64");
  EXPECT_THROW_WITH(i.normal_(), TypeError, "normal_: expected a floating-point or complex tensor");
  EXPECT_THROW_WITH(zeros({2}).uniform_(3, 1), ValueError, "uniform_: expects from <= to, got from=3 and to=1");
  EXPECT_THROW_WITH(zeros({2}).normal_(0, -1), ValueError, "normal_: expects std >= 0, got -1");
  EXPECT_THROW_WITH(zeros({2}).bernoulli_(1.5), ValueError, "bernoulli_: expects 0 <= p <= 1, got 1.5");
  EXPECT_THROW_WITH(zeros({2}).bernoulli_(tensor({0.5, 2.0}, kFloat64)), ValueError,
                    "bernoulli_: every p must be in [0, 1]");
  EXPECT_THROW_WITH(zeros({2}).bernoulli_(tensor({1, 0})), TypeError, "bernoulli_: p must be a floating-point tensor");
  EXPECT_THROW_WITH(zeros({2}).bernoulli_(zeros({3})), Error, "bernoulli_");
  EXPECT_THROW_WITH(zeros({2}).random_(5, 5), ValueError, "random_: expects from < to, got from=5 and to=5");
  EXPECT_THROW_WITH(zeros({2}).exponential_(0), ValueError, "exponential_: expects lambd > 0, got 0");
  EXPECT_THROW_WITH(zeros({2}).geometric_(1), ValueError, "geometric_: expects 0 < p < 1, got 1");
  EXPECT_THROW_WITH(zeros({2}).cauchy_(0, 0), ValueError, "cauchy_: expects sigma > 0, got 0");
  EXPECT_THROW_WITH(zeros({2}).log_normal_(0, 0), ValueError, "log_normal_: expects std > 0, got 0");
  EXPECT_THROW_WITH(Tensor().uniform_(), Error, "uniform_");
}

TEST(RandomFill, NormalWithTensorMeansAndStds) {
  Generator g(5);
  const Tensor mean = tensor(V{-100, 0, 100}, kFloat64), std = tensor(V{0, 1e-6, 0}, kFloat64);
  const Tensor x = normal(mean, std, &g);
  EXPECT_EQ(x.dtype(), kFloat64);
  EXPECT_EQ(vals(x)[0], -100);  // std 0: exactly the mean
  EXPECT_NEAR(vals(x)[1], 0, 1e-4);
  EXPECT_EQ(vals(x)[2], 100);
  // Broadcast shapes; moments over many draws.
  const Tensor wide = normal(full({20000, 1}, 3.0), tensor(V{0.5, 2}), &g);
  EXPECT_EQ(wide.sizes(), Shape({20000, 2}));
  const Tensor col0 = wide.select(1, 0), col1 = wide.select(1, 1);
  EXPECT_NEAR(mean_of(col0), 3, 0.05);
  EXPECT_NEAR(std::sqrt(var_of(col0)), 0.5, 0.05);
  EXPECT_NEAR(std::sqrt(var_of(col1)), 2, 0.1);
  EXPECT_EQ(normal(zeros({4, 2}), 2.0).sizes(), Shape({4, 2}));
  EXPECT_EQ(normal(1.0, ones({3}, kFloat64)).dtype(), kFloat64);
  const Tensor sized = normal(2.0, 0.0, {2, 3}, nullptr, TensorOptions(kFloat64).requires_grad(true));
  EXPECT_EQ(vals(sized), V(6, 2.0));
  EXPECT_TRUE(sized.requires_grad());
  // Seeded: the same generator state gives the same draws.
  Generator a(9), b(9);
  EXPECT_TRUE(equal(normal(zeros({16}), 1.0, &a), normal(zeros({16}), 1.0, &b)));
  // Not differentiable: the draws don't record history.
  EXPECT_FALSE(normal(zeros({2}).requires_grad_(), 1.0).requires_grad());

  EXPECT_THROW_WITH(normal(zeros({2}), tensor(V{1, -1})), Error, "normal: expects all elements of std >= 0.0");
  EXPECT_THROW_WITH(normal(zeros({2}), -1.0), Error, "normal: expects std >= 0.0, got -1");
  EXPECT_THROW_WITH(normal(zeros({2}, kInt64), 1.0), Error, "normal");
  EXPECT_THROW_WITH(normal(zeros({2}), ones({3})), Error, "normal");
  EXPECT_THROW_WITH(normal(0.0, 1.0, {2}, nullptr, kInt32), Error, "normal");
}

TEST(RandomFill, PoissonCounts) {
  Generator g(21);
  // Rates on both sides of 10, where the sampler switches from products of uniforms to
  // rejection; 20k draws each.
  const std::vector<double> rates{0.0, 0.5, 3.0, 9.5, 10.0, 40.0, 1000.0};
  const int64_t draws = 20000;
  const Tensor lam = tensor(rates, kFloat64).unsqueeze(1).expand({7, draws});
  const Tensor x = poisson(lam, &g);
  EXPECT_EQ(x.sizes(), lam.sizes());
  EXPECT_EQ(x.dtype(), kFloat64);
  EXPECT_TRUE(equal(x, floor(x)));
  EXPECT_GE(amin(x).item<double>(), 0);
  for (size_t i = 0; i < rates.size(); ++i) {
    SCOPED_TRACE(rates[i]);
    const Tensor row = x.select(0, static_cast<int64_t>(i));
    EXPECT_NEAR(mean_of(row), rates[i], 6 * std::sqrt(rates[i] / draws) + 1e-12);
    EXPECT_NEAR(var_of(row), rates[i], 0.05 * rates[i] + 1e-12);  // a Poisson's variance is its mean
  }
  EXPECT_NEAR(mean_of(eq(x.select(0, 1), 0)), std::exp(-0.5), 0.02);
  // Seeded, float32 kept, no gradient; bad rates refused.
  Generator a(3), b(3);
  const Tensor r32 = full({100}, 7.0f).requires_grad_();
  const Tensor p1 = poisson(r32, &a);
  EXPECT_TRUE(equal(p1, poisson(r32, &b)));
  EXPECT_EQ(p1.dtype(), kFloat32);
  EXPECT_FALSE(p1.requires_grad());
  EXPECT_EQ(poisson(zeros({0, 3})).sizes(), (Shape{0, 3}));
  EXPECT_THROW_WITH(poisson(tensor({1.0, -1.0})), ValueError,
                    "poisson: rates must be finite and non-negative; the rates of shape [2] hold a negative");
  EXPECT_THROW_WITH(poisson(tensor({INFINITY})), ValueError, "poisson: rates must be finite");
  EXPECT_THROW_WITH(poisson(tensor({1, 2})), TypeError, "poisson");
}

TEST(RandomFill, BinomialCounts) {
  Generator g(22);
  // Small means (sums of geometric waits), large ones (rejection), p > 1/2 (mirrored), and the
  // edges p = 0, p = 1 and count = 0.
  const std::vector<std::pair<double, double>> cases{{5, 0.3},   {20, 0.9}, {100, 0.3}, {1000, 0.9},
                                                     {1e6, 0.5}, {10, 0.0}, {10, 1.0},  {0, 0.5}};
  const int64_t draws = 20000;
  std::vector<double> n, p;
  for (auto [ni, pi] : cases) n.push_back(ni), p.push_back(pi);
  const Tensor count = tensor(n, kFloat64).unsqueeze(1), prob = tensor(p, kFloat64).unsqueeze(1);
  const Tensor x = binomial(count.expand({8, draws}), prob.expand({8, draws}), &g);
  EXPECT_TRUE(equal(x, floor(x)));
  EXPECT_TRUE(logical_and(ge(x, 0), le(x, count)).all().item<bool>());
  for (size_t i = 0; i < cases.size(); ++i) {
    const auto [ni, pi] = cases[i];
    SCOPED_TRACE(fmt::format("n={} p={}", ni, pi));
    const Tensor row = x.select(0, static_cast<int64_t>(i));
    const double var = ni * pi * (1 - pi);
    EXPECT_NEAR(mean_of(row), ni * pi, 6 * std::sqrt(var / draws) + 1e-12);
    EXPECT_NEAR(var_of(row), var, 0.05 * var + 1e-12);
  }
  // Count and prob broadcast; the result takes their promoted dtype.
  const Tensor y = binomial(full({3, 1}, 4.0f), tensor({0.25, 0.5}, kFloat64), &g);
  EXPECT_EQ(y.sizes(), (Shape{3, 2}));
  EXPECT_EQ(y.dtype(), kFloat64);
  EXPECT_THROW_WITH(binomial(tensor({2.5}), tensor({0.5})), ValueError,
                    "binomial: counts must be non-negative whole numbers; the count of shape [1]");
  EXPECT_THROW_WITH(binomial(tensor({-1.0}), tensor({0.5})), ValueError, "binomial: counts must be non-negative");
  EXPECT_THROW_WITH(binomial(tensor({3.0}), tensor({1.5})), ValueError,
                    "binomial: probabilities must lie in [0, 1]; the prob of shape [1]");
  EXPECT_THROW_WITH(binomial(tensor({3.0}), tensor({NAN})), ValueError, "binomial: probabilities must lie in [0, 1]");
  EXPECT_THROW_WITH(binomial(ones({2}), ones({3})), Error, "binomial");
  EXPECT_THROW_WITH(binomial(tensor({3}), tensor({0.5})), TypeError, "binomial");
}

TEST(RandomFill, SeedsAndRngState) {
  manual_seed(123);
  EXPECT_EQ(initial_seed(), 123u);
  const Tensor state = get_rng_state();
  EXPECT_EQ(state.dtype(), kUInt8);
  EXPECT_EQ(state.numel(), 16);
  const Tensor first = randn({8});
  set_rng_state(state);
  EXPECT_TRUE(equal(randn({8}), first));
  const Tensor later = get_rng_state();
  EXPECT_FALSE(equal(later, state));  // the offset moved on
  set_rng_state(later);
  EXPECT_FALSE(equal(randn({8}), first));

  const uint64_t s = seed();
  EXPECT_EQ(initial_seed(), s);
  const Tensor after_seed = rand({4});
  manual_seed(s);
  EXPECT_TRUE(equal(rand({4}), after_seed));

  EXPECT_THROW_WITH(set_rng_state(zeros({16})), Error, "set_rng_state: expected a uint8 state");
  EXPECT_THROW_WITH(set_rng_state(zeros({8}, kUInt8)), Error, "set_rng_state: expected 16 bytes of state");
  EXPECT_THROW_WITH(set_rng_state(Tensor()), Error, "set_rng_state");
}
