// Scans (cumsum, cumprod, cummax, cummin, logcumsumexp), searchsorted/bucketize, and sampling
// from given probabilities (bernoulli, multinomial).
#include <cmath>

#include "test_util.h"

using namespace tg;
using tgtest::close;
using tgtest::vals;

TEST(Scan, Cumprod) {
  Tensor x = tensor({{1, 2, 3}, {4, 5, 6}});
  EXPECT_EQ(vals(x.cumprod(1)), (std::vector<double>{1, 2, 6, 4, 20, 120}));
  EXPECT_EQ(vals(x.cumprod(0)), (std::vector<double>{1, 2, 3, 4, 10, 18}));
  EXPECT_EQ(x.cumprod(0).dtype(), kInt64);
  EXPECT_EQ(x.cumprod(1, kFloat64).dtype(), kFloat64);
  EXPECT_EQ(vals(x.t().cumprod(0)), (std::vector<double>{1, 4, 2, 20, 6, 120}));
  EXPECT_EQ(vals(tensor({true, true, false, true}).cumprod(0)), (std::vector<double>{1, 1, 0, 0}));
  EXPECT_EQ(tensor(3.0).cumprod(0).item<double>(), 3.0);
  EXPECT_EQ(zeros({0, 3}).cumprod(1).sizes(), (Shape{0, 3}));
  // Along an outer dim with many inner positions (the blocked path) against the row path.
  Generator gen(3);
  const Tensor big = rand({3, 20, 700}, gen, kFloat64) + 0.5;
  EXPECT_TRUE(close(big.cumprod(1), big.transpose(1, 2).contiguous().cumprod(2).transpose(1, 2), 1e-12, 1e-12));
  // Integer scans wrap on overflow, as PyTorch's do.
  const int64_t two62 = int64_t{1} << 62;
  EXPECT_EQ(vals(tensor(std::vector<int64_t>{two62, 4}).cumprod(0)), (std::vector<double>{double(two62), 0.0}));
  EXPECT_EQ(tensor(std::vector<int64_t>{INT64_MAX, 1}).cumsum(0)[1].item<int64_t>(), INT64_MIN);
  EXPECT_THROW_WITH(x.cumprod(2), IndexError, "cumprod");
  EXPECT_THROW_WITH(cumprod(Tensor(), 0), Error, "cumprod: input is an undefined tensor");
}

TEST(Scan, CumprodGradientAtZeros) {
  // d/dx of sum(cumprod(x)) by hand: for x = [2, 0, 3, 0, 5] only x[0] and x[1] get gradient.
  Tensor x = tensor({2.0, 0.0, 3.0, 0.0, 5.0}, kFloat64).requires_grad_();
  x.cumprod(0).sum().backward();
  // out = [2, 0, 0, 0, 0]: d/dx0 = 1 (+ terms through x1 = 0); d/dx1 = x0 + x0 x2 = 2 + 6 = 8.
  EXPECT_EQ(vals(x.grad()), (std::vector<double>{1, 8, 0, 0, 0}));
}

TEST(Scan, CummaxCummin) {
  Tensor x = tensor({{1.0f, 3.0f, 2.0f, 3.0f, 5.0f}, {4.0f, 1.0f, 1.0f, 0.0f, 9.0f}});
  auto [mx, imx] = x.cummax(1);
  EXPECT_EQ(vals(mx), (std::vector<double>{1, 3, 3, 3, 5, 4, 4, 4, 4, 9}));
  EXPECT_EQ(vals(imx), (std::vector<double>{0, 1, 1, 3, 4, 0, 0, 0, 0, 4}));  // ties: the later index
  EXPECT_EQ(imx.dtype(), kInt64);
  auto [mn, imn] = cummin(x, -1);
  EXPECT_EQ(vals(mn), (std::vector<double>{1, 1, 1, 1, 1, 4, 1, 1, 0, 0}));
  EXPECT_EQ(vals(imn), (std::vector<double>{0, 0, 0, 0, 0, 0, 1, 2, 3, 3}));
  // A NaN, once reached, is the running value, and each later NaN takes its index (PyTorch's rule).
  auto [nv, ni] = tensor({1.0, NAN, 5.0, NAN, 2.0}).cummax(0);
  EXPECT_EQ(nv[0].item<double>(), 1.0);
  EXPECT_TRUE(std::isnan(nv[2].item<double>()));
  EXPECT_EQ(vals(ni), (std::vector<double>{0, 1, 1, 3, 3}));
  // The same along an outer dim (the kernel's blocked path) and for cummin.
  const Tensor column = tensor({1.0, NAN, 5.0, NAN, 2.0}).view({5, 1}).expand({5, 9}).contiguous();
  EXPECT_EQ(vals(std::get<1>(column.cummin(0)).select(1, 8)), (std::vector<double>{0, 1, 1, 3, 3}));
  EXPECT_EQ(vals(std::get<0>(tensor({3, 1, 4, 1, 5}).cummin(0))), (std::vector<double>{3, 1, 1, 1, 1}));
  EXPECT_EQ(std::get<0>(tensor({3, 1}, kInt32).cummax(0)).dtype(), kInt32);
  // The gradient goes to the element each position copied.
  Tensor y = tensor({1.0, 3.0, 2.0, 4.0}, kFloat64).requires_grad_();
  std::get<0>(y.cummax(0)).sum().backward();
  EXPECT_EQ(vals(y.grad()), (std::vector<double>{1, 2, 0, 1}));
  EXPECT_THROW_WITH(x.cummax(5), IndexError, "cummax");
}

TEST(Scan, Logcumsumexp) {
  Generator gen(5);
  const Tensor x = randn({4, 6}, gen, kFloat64);
  EXPECT_TRUE(close(x.logcumsumexp(1), log(exp(x).cumsum(1)), 1e-12, 1e-12));
  EXPECT_TRUE(close(x.logcumsumexp(0), log(exp(x).cumsum(0)), 1e-12, 1e-12));
  // No overflow where exp would.
  EXPECT_TRUE(close(tensor({1000.0, 1000.0}, kFloat64).logcumsumexp(0),
                    tensor({1000.0, 1000.0 + std::log(2.0)}, kFloat64)));
  EXPECT_EQ(vals(tensor({-INFINITY, -INFINITY}).logcumsumexp(0)), (std::vector<double>{-INFINITY, -INFINITY}));
  EXPECT_EQ(vals(tensor({INFINITY, 1.0f}).logcumsumexp(0)), (std::vector<double>{INFINITY, INFINITY}));
  EXPECT_TRUE(std::isnan(tensor({1.0f, NAN, 2.0f}).logcumsumexp(0)[2].item<float>()));
  EXPECT_EQ(x.to(kFloat16).logcumsumexp(1).dtype(), kFloat16);
  EXPECT_THROW_WITH(tensor({1, 2}).logcumsumexp(0), TypeError,
                    "logcumsumexp: expected a floating-point or complex tensor");
}

TEST(Scan, PositionsScannedSideBySideMatchEachScannedAlone) {
  // The kernel scans four positions at a time; each must equal its own scan, bit for bit, with
  // leftover positions, strided positions (inner < 8) and indices.
  Generator gen(11);
  const Tensor rows = randn({7, 33}, gen), strided = randn({5, 6, 3}, gen);
  const Tensor ints = randint(-50, 50, {6, 17}, gen);
  auto each_alone = [](const Tensor& x, int dim, auto scan) {
    std::vector<Tensor> parts;
    for (int64_t i = 0; i < x.size(0); ++i) parts.push_back(scan(x.select(0, i).contiguous().unsqueeze(0), dim));
    return cat(parts, 0);
  };
  auto cumprod_of = [](const Tensor& t, int d) { return t.cumprod(d); };
  auto cumsum_of = [](const Tensor& t, int d) { return t.cumsum(d); };
  auto cummax_values = [](const Tensor& t, int d) { return std::get<0>(t.cummax(d)); };
  auto cummin_indices = [](const Tensor& t, int d) { return std::get<1>(t.cummin(d)); };
  auto lcse = [](const Tensor& t, int d) { return t.logcumsumexp(d); };
  for (const Tensor& x : {rows, ints}) {
    EXPECT_EQ(vals(x.cumsum(1)), vals(each_alone(x, 1, cumsum_of)));
    EXPECT_EQ(vals(x.cumprod(1)), vals(each_alone(x, 1, cumprod_of)));
    EXPECT_EQ(vals(std::get<0>(x.cummax(1))), vals(each_alone(x, 1, cummax_values)));
    EXPECT_EQ(vals(std::get<1>(x.cummin(1))), vals(each_alone(x, 1, cummin_indices)));
  }
  EXPECT_EQ(vals(rows.logcumsumexp(1)), vals(each_alone(rows, 1, lcse)));
  EXPECT_EQ(vals(strided.cumsum(1)), vals(each_alone(strided, 1, cumsum_of)));
  EXPECT_EQ(vals(strided.cumprod(1)), vals(each_alone(strided, 1, cumprod_of)));
  EXPECT_EQ(vals(std::get<1>(strided.cummin(1))), vals(each_alone(strided, 1, cummin_indices)));
}

TEST(Search, Searchsorted) {
  const Tensor seq = tensor({1, 3, 5, 7, 9});
  const Tensor v = tensor({{3, 6, 9}, {3, 0, 10}});
  EXPECT_EQ(vals(searchsorted(seq, v)), (std::vector<double>{1, 3, 4, 1, 0, 5}));
  EXPECT_EQ(vals(searchsorted(seq, v, false, /*right=*/true)), (std::vector<double>{2, 3, 5, 2, 0, 5}));
  EXPECT_EQ(searchsorted(seq, v).sizes(), (Shape{2, 3}));
  EXPECT_EQ(searchsorted(seq, v).dtype(), kInt64);
  EXPECT_EQ(searchsorted(seq, v, /*out_int32=*/true).dtype(), kInt32);
  // Boundaries per row.
  const Tensor rows = tensor({{1, 3, 5, 7, 9}, {2, 4, 6, 8, 10}});
  EXPECT_EQ(vals(searchsorted(rows, v)), (std::vector<double>{1, 3, 4, 1, 0, 4}));
  // A number, mixed dtypes (promoted), and NaN (past every boundary).
  EXPECT_EQ(searchsorted(seq, Scalar(4.5)).item<int64_t>(), 2);
  EXPECT_EQ(searchsorted(seq, Scalar(4.5)).dim(), 0);
  EXPECT_EQ(vals(searchsorted(seq, tensor({2.5, 7.0}))), (std::vector<double>{1, 3}));
  EXPECT_EQ(vals(searchsorted(tensor({1.0, 2.0, NAN}), tensor({NAN, 1.5}))), (std::vector<double>{3, 1}));
  // An unsorted sequence with the permutation that sorts it.
  const Tensor unsorted = tensor({7, 1, 9, 3, 5});
  EXPECT_EQ(vals(searchsorted(unsorted, v, false, false, argsort(unsorted))), (std::vector<double>{1, 3, 4, 1, 0, 5}));
  EXPECT_EQ(searchsorted(seq, zeros({0})).sizes(), (Shape{0}));
  EXPECT_EQ(vals(searchsorted(zeros({0}), tensor({1.0}))), (std::vector<double>{0}));
  EXPECT_THROW_WITH(searchsorted(tensor(1), v), Error, "searchsorted: the boundaries must have at least 1 dim");
  EXPECT_THROW_WITH(searchsorted(rows, tensor({1, 2})), Error, "same leading dims");
  EXPECT_THROW_WITH(searchsorted(rows, Scalar(1)), Error, "a single value needs 1-D boundaries");
  EXPECT_THROW_WITH(searchsorted(tensor({true, false}), tensor({true})), TypeError, "bool");
  EXPECT_THROW_WITH(searchsorted(seq, v, false, false, tensor({0, 1})), Error, "sorter of shape [2]");
  EXPECT_THROW_WITH(searchsorted(seq, v, false, false, tensor({0, 1, 2, 3, 4}, kInt32)), TypeError,
                    "sorter must be int64");
}

TEST(Search, Bucketize) {
  const Tensor b = tensor({1.0, 3.0, 5.0});
  const Tensor x = tensor({{0.5, 1.0, 4.0}, {5.0, 6.0, 3.0}});
  EXPECT_EQ(vals(bucketize(x, b)), (std::vector<double>{0, 0, 2, 2, 3, 1}));
  EXPECT_EQ(vals(bucketize(x, b, false, /*right=*/true)), (std::vector<double>{0, 1, 2, 3, 3, 2}));
  EXPECT_EQ(bucketize(x, b).sizes(), (Shape{2, 3}));
  EXPECT_THROW_WITH(bucketize(x, b.view({1, 3})), Error, "bucketize: boundaries must be 1-D, got shape [1, 3]");
}

TEST(Sampling, Bernoulli) {
  Generator gen(7);
  const Tensor p = full({4000}, 0.3, kFloat64);
  const Tensor s = bernoulli(p, gen);
  EXPECT_EQ(s.dtype(), kFloat64);
  EXPECT_TRUE(logical_or(eq(s, 0), eq(s, 1)).all().item<bool>());
  EXPECT_NEAR(s.mean().item<double>(), 0.3, 0.03);
  EXPECT_EQ(vals(bernoulli(tensor({0.0f, 1.0f, 1.0f}))), (std::vector<double>{0, 1, 1}));
  Generator again(7);
  EXPECT_EQ(vals(bernoulli(p, again)), vals(s));  // same seed, same draws
  EXPECT_THROW_WITH(bernoulli(tensor({0.5, 1.5})), ValueError, "bernoulli: probabilities must lie in [0, 1]");
  EXPECT_THROW_WITH(bernoulli(tensor({1, 0})), TypeError, "bernoulli: expected a floating-point probability");
}

TEST(Sampling, Multinomial) {
  Generator gen(11);
  const Tensor w = tensor({{1.0, 0.0, 3.0, 0.0}, {0.0, 2.0, 2.0, 4.0}});
  const Tensor s = multinomial(w, 8000, /*replacement=*/true, gen);
  EXPECT_EQ(s.sizes(), (Shape{2, 8000}));
  EXPECT_EQ(s.dtype(), kInt64);
  // Frequencies follow the weights; zero-weight categories never come up.
  const Tensor f0 = stack({eq(s[0], 0), eq(s[0], 1), eq(s[0], 2), eq(s[0], 3)}).to(kFloat64).mean({1});
  const Tensor f1 = stack({eq(s[1], 0), eq(s[1], 1), eq(s[1], 2), eq(s[1], 3)}).to(kFloat64).mean({1});
  EXPECT_TRUE(close(f0, tensor({0.25, 0.0, 0.75, 0.0}, kFloat64), 0, 0.025));
  EXPECT_TRUE(close(f1, tensor({0.0, 0.25, 0.25, 0.5}, kFloat64), 0, 0.025));
  // Without replacement: distinct indices, zero weights last.
  const Tensor d = multinomial(tensor({1.0f, 0.0f, 2.0f, 5.0f}), 4, false, gen);
  EXPECT_EQ(d.sizes(), (Shape{4}));
  EXPECT_EQ(vals(std::get<0>(sort(d))), (std::vector<double>{0, 1, 2, 3}));
  EXPECT_EQ(d[3].item<int64_t>(), 1);
  // Without replacement, the first draw follows the weights too.
  std::vector<double> firsts(3);
  for (int i = 0; i < 1500; ++i) firsts[multinomial(tensor({1.0, 1.0, 2.0}), 2, false, gen)[0].item<int64_t>()] += 1;
  EXPECT_NEAR(firsts[0] / 1500, 0.25, 0.05);
  EXPECT_NEAR(firsts[2] / 1500, 0.5, 0.05);
  Generator a(3), b(3);
  EXPECT_EQ(vals(multinomial(w, 5, true, a)), vals(multinomial(w, 5, true, b)));
  EXPECT_THROW_WITH(multinomial(tensor({1.0, 2.0}), 3), ValueError, "cannot draw 3 samples from 2 categories");
  EXPECT_THROW_WITH(multinomial(tensor({1.0, -2.0}), 1), ValueError, "inf, NaN or a negative number");
  EXPECT_THROW_WITH(multinomial(tensor({{1.0, 2.0}, {0.0, 0.0}}), 1), ValueError, "sums to 0");
  EXPECT_THROW_WITH(multinomial(ones({2, 2, 2}), 1), Error, "expected a 1-D or 2-D probability tensor");
  EXPECT_THROW_WITH(multinomial(tensor({1, 2}), 1), TypeError, "multinomial: expected a floating-point");
  EXPECT_THROW_WITH(multinomial(tensor({1.0, 2.0}), 0), ValueError, "num_samples must be positive");
}
