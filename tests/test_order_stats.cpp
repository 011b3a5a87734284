// Order statistics: kthvalue, median, nanmedian, mode, quantile and nanquantile, their NaN
// rules (PyTorch's), gradients and errors.
#include <cmath>

#include "test_util.h"

using namespace tg;
using tgtest::close;
using tgtest::vals;

namespace {
// Every index points at its value along the dim.
void expect_indices_read_values(const Tensor& x, int64_t dim, const Tensor& values, const Tensor& indices) {
  const Tensor read = x.gather(dim, indices.unsqueeze(dim)).squeeze(dim);
  EXPECT_TRUE(close(read, values, 0, 0));  // NaN matches NaN
}
}  // namespace

TEST(OrderStats, KthvalueAndMedianAlongADim) {
  Generator gen(31);
  for (DType dt : {kFloat32, kFloat64, kInt32, kInt64, kFloat16}) {
    SCOPED_TRACE(std::string(name(dt)));
    const Tensor x = randint(-20, 20, {4, 9, 5}, gen).to(dt);  // ties likely
    for (int64_t dim : {0, 1, 2}) {
      const Tensor sorted = std::get<0>(x.sort(dim));
      for (int64_t k : {int64_t{1}, x.sizes()[dim] / 2 + 1, x.sizes()[dim]}) {
        const auto [v, i] = kthvalue(x, k, dim);
        EXPECT_TRUE(close(v, sorted.select(dim, k - 1), 0, 0));
        expect_indices_read_values(x, dim, v, i);
        // Among equal values, the one a stable sort puts at the rank.
        EXPECT_EQ(vals(i), vals(std::get<1>(sort(x, dim, false, true)).select(dim, k - 1)));
      }
      const auto [m, mi] = median(x, dim, /*keepdim=*/true);
      EXPECT_EQ(m.sizes()[dim], 1);
      EXPECT_TRUE(close(m.squeeze(dim), sorted.select(dim, (x.sizes()[dim] - 1) / 2), 0, 0));
      expect_indices_read_values(x, dim, m.squeeze(dim), mi.squeeze(dim));
    }
  }
  // Long rows of many ties, NaN among them (last, as in sort).
  Tensor many = randint(0, 50, {3, 5000}, gen).to(kFloat32);
  many.index_put_({0, 7}, NAN);
  for (int64_t k : {int64_t{1}, int64_t{2500}, int64_t{5000}}) {
    const auto [v, i] = kthvalue(many, k, 1);
    EXPECT_EQ(vals(i), vals(std::get<1>(sort(many, 1, false, true)).select(1, k - 1))) << k;
  }
  // Strided input; the lower median of an even count; a 0-D tensor.
  const Tensor t = tensor({{4.0, 1.0}, {3.0, 2.0}}).t();
  EXPECT_EQ(vals(std::get<0>(median(t, 1))), (std::vector<double>{3, 1}));
  EXPECT_EQ(vals(std::get<1>(median(t, 1))), (std::vector<double>{1, 0}));
  EXPECT_EQ(median(tensor({3, 1, 2, 4})).item<int64_t>(), 2);
  EXPECT_EQ(std::get<0>(kthvalue(scalar_tensor(5.0), 1)).item<double>(), 5.0);
  EXPECT_EQ(std::get<1>(median(scalar_tensor(5.0), 0)).item<int64_t>(), 0);
  EXPECT_TRUE(std::isnan(median(zeros({0})).item<double>()));
}

TEST(OrderStats, WholeTensorMedianOfEveryDtype) {
  // median() selects among bare keys (no positions): its value must be the one the sort gives.
  Generator gen(21);
  for (DType dt : {kFloat32, kFloat64, kFloat16, kBFloat16, kInt64, kInt32, kInt16, kInt8, kUInt8}) {
    for (int64_t n : {1, 2, 7, 1000}) {
      const Tensor x = (randint(0, 50, {n}, gen, kInt64) - (dt == kUInt8 ? 0 : 20)).to(dt);  // many ties
      const Tensor sorted = std::get<0>(sort(x));
      EXPECT_EQ(median(x).item<double>(), sorted[(n - 1) / 2].item<double>()) << name(dt) << " n=" << n;
      EXPECT_EQ(median(x.view({-1, 1}).expand({n, 3}).t()).item<double>(), sorted[(n - 1) / 2].item<double>());
      if (is_floating_point(dt)) {
        EXPECT_EQ(nanmedian(x).item<double>(), median(x).item<double>());
      }
    }
  }
  const Tensor with_nan = tensor({3.0, NAN, -1.0, 2.0, NAN, 0.5});
  EXPECT_TRUE(std::isnan(median(with_nan).item<double>()));
  EXPECT_EQ(nanmedian(with_nan).item<double>(), 0.5);  // the lower median of the four numbers
  EXPECT_TRUE(std::isnan(nanmedian(tensor({NAN, NAN})).item<double>()));
  EXPECT_EQ(median(tensor({-0.0f, 1.0f, -2.0f})).item<float>(), 0.0f);
}

TEST(OrderStats, NaNRules) {
  const Tensor x = tensor({{3.0, 1.0, NAN, 2.0, NAN}, {4.0, 4.0, 1.0, 4.0, 2.0}, {NAN, NAN, NAN, NAN, NAN}});
  // median: NaN at the slice's first NaN; nanmedian: the lower median of the rest.
  const auto [m, mi] = median(x, 1);
  EXPECT_TRUE(std::isnan(m[0].item<double>()));
  EXPECT_EQ(m[1].item<double>(), 4.0);
  EXPECT_EQ(mi[0].item<int64_t>(), 2);
  EXPECT_EQ(mi[2].item<int64_t>(), 0);
  const auto [n, ni] = nanmedian(x, 1);
  EXPECT_EQ(n[0].item<double>(), 2.0);
  EXPECT_EQ(ni[0].item<int64_t>(), 3);
  EXPECT_TRUE(std::isnan(n[2].item<double>()));
  // kthvalue sorts NaN above every number.
  EXPECT_EQ(std::get<0>(kthvalue(x, 3, 1))[0].item<double>(), 3.0);
  EXPECT_TRUE(std::isnan(std::get<0>(kthvalue(x, 4, 1))[0].item<double>()));
  EXPECT_TRUE(std::isnan(median(x).item<double>()));
  EXPECT_EQ(nanmedian(x).item<double>(), 2.0);
}

TEST(OrderStats, Mode) {
  // The smallest of the most frequent values, at its last position; each NaN counts alone.
  const Tensor x = tensor({{3.0, 1.0, NAN, 2.0, NAN}, {4.0, 4.0, 1.0, 4.0, 2.0}, {5.0, 2.0, 2.0, 1.0, 1.0}});
  const auto [v, i] = mode(x, 1);
  EXPECT_EQ(vals(v), (std::vector<double>{1, 4, 1}));
  EXPECT_EQ(vals(i), (std::vector<double>{1, 3, 4}));
  const auto [vk, ik] = mode(x.t(), 0, /*keepdim=*/true);
  EXPECT_EQ(vk.sizes(), (Shape{1, 3}));
  EXPECT_EQ(vals(ik), (std::vector<double>{1, 3, 4}));
  const auto [vb, ib] = mode(tensor({true, false, false}));
  EXPECT_FALSE(vb.item<bool>());
  EXPECT_EQ(ib.item<int64_t>(), 2);
  EXPECT_EQ(std::get<0>(mode(scalar_tensor(7.0))).item<double>(), 7.0);
  Generator gen(32);
  const Tensor r = randint(0, 4, {6, 30}, gen);
  const auto [rv, ri] = mode(r, 1);
  expect_indices_read_values(r, 1, rv, ri);
  for (int64_t row = 0; row < 6; ++row) {
    const Tensor counts = eq(r[row].unsqueeze(0), arange(4).unsqueeze(1)).sum({1});
    EXPECT_EQ(rv[row].item<int64_t>(), argmax(counts).item<int64_t>());
  }
}

TEST(OrderStats, Quantile) {
  const Tensor x = tensor({{1.0, 2.0, 3.0, 4.0}, {1.0, NAN, 3.0, 4.0}}, kFloat64);
  const Tensor q = tensor({0.25, 0.5}, kFloat64);
  const Tensor out = quantile(x, q, 1);
  EXPECT_EQ(out.sizes(), (Shape{2, 2}));
  EXPECT_NEAR(out[0][0].item<double>(), 1.75, 1e-12);
  EXPECT_NEAR(out[1][0].item<double>(), 2.5, 1e-12);
  EXPECT_TRUE(std::isnan(out[0][1].item<double>()));
  EXPECT_TRUE(close(nanquantile(x, q, 1), tensor({{1.75, 2.0}, {2.5, 3.0}}, kFloat64), 1e-12, 1e-12));
  EXPECT_TRUE(std::isnan(nanquantile(full({3}, NAN), 0.5).item<double>()));
  // The interpolations, between ranks 1 and 2 of [0, 10, 20, 30] at q = 0.4 (rank 1.2).
  const Tensor r = tensor({30.0, 0.0, 20.0, 10.0}, kFloat64);
  const std::pair<const char*, double> expected[] = {
      {"linear", 12.0}, {"lower", 10.0}, {"higher", 20.0}, {"midpoint", 15.0}, {"nearest", 10.0}};
  for (const auto& [how, value] : expected) EXPECT_NEAR(quantile(r, 0.4, std::nullopt, false, how).item<double>(), value, 1e-12) << how;
  // Nearest rounds half to even, as PyTorch.
  EXPECT_EQ(vals(quantile(tensor({0.0, 1.0}), tensor({0.5f, 0.25f, 0.75f}), std::nullopt, false, "nearest")),
            (std::vector<double>{0, 0, 1}));
  // Shapes: keepdim, no dim, a 1-D q first.
  const Tensor y = arange(24, kFloat32).view({2, 3, 4});
  EXPECT_EQ(quantile(y, 0.5, 1, true).sizes(), (Shape{2, 1, 4}));
  EXPECT_EQ(quantile(y, tensor({0.1f, 0.9f}), 1, true).sizes(), (Shape{2, 2, 1, 4}));
  EXPECT_EQ(quantile(y, 0.5, std::nullopt, true).sizes(), (Shape{1, 1, 1}));
  EXPECT_EQ(quantile(y, 0.5).sizes(), (Shape{}));
  EXPECT_NEAR(quantile(y, 0.5).item<double>(), 11.5, 1e-6);
  EXPECT_TRUE(close(quantile(y, 0.5, 2), std::get<0>(median(y, 2)) + 0.5, 1e-6, 1e-6));
}

TEST(OrderStats, Gradients) {
  Generator gen(33);
  const Tensor x = randn({3, 6}, gen, kFloat64).requires_grad_(true);
  auto first = [](auto t) { return std::get<0>(t); };
  EXPECT_TRUE(autograd::gradcheck([&](const tensor_list& in) { return first(kthvalue(in[0], 2, 1)); }, {x}));
  EXPECT_TRUE(autograd::gradcheck([&](const tensor_list& in) { return first(median(in[0], 0, true)); }, {x}));
  EXPECT_TRUE(autograd::gradcheck([&](const tensor_list& in) { return first(nanmedian(in[0], 1)); }, {x}));
  EXPECT_TRUE(autograd::gradcheck([&](const tensor_list& in) { return median(in[0]); }, {x}));
  EXPECT_TRUE(autograd::gradcheck([&](const tensor_list& in) { return nanmedian(in[0]); }, {x}));
  EXPECT_TRUE(autograd::gradcheck([&](const tensor_list& in) { return first(mode(in[0], 1)); }, {x}));
  for (const char* how : {"linear", "lower", "higher", "midpoint", "nearest"}) {
    EXPECT_TRUE(autograd::gradcheck(
        [&](const tensor_list& in) { return quantile(in[0], tensor({0.2, 0.7}, kFloat64), 1, false, how); }, {x}))
        << how;
    EXPECT_TRUE(autograd::gradcheck([&](const tensor_list& in) { return nanquantile(in[0], 0.3, 0, true, how); }, {x}))
        << how;
  }
  // median() shares its gradient among ties, evenly.
  const Tensor ties = tensor({1.0, 2.0, 2.0, 2.0, 5.0}).requires_grad_(true);
  median(ties).backward();
  EXPECT_TRUE(close(ties.grad(), tensor({0.0, 1 / 3.0, 1 / 3.0, 1 / 3.0, 0.0}), 1e-6, 1e-6));
  const Tensor along = tensor({1.0, 2.0, 2.0, 2.0, 5.0}).requires_grad_(true);
  std::get<0>(median(along, 0)).backward();
  EXPECT_EQ(along.grad().sum().item<double>(), 1.0);
  EXPECT_EQ(std::get<0>(kthvalue(x, 1, 1)).grad_fn()->name(), "KthvalueBackward");
  EXPECT_EQ(median(x).grad_fn()->name(), "MedianBackward");
}

TEST(OrderStats, Errors) {
  const Tensor x = zeros({2, 3});
  EXPECT_THROW_WITH(kthvalue(x, 4, 1), IndexError, "kthvalue: k (4) is out of range for dim 1 of size 3");
  EXPECT_THROW_WITH(kthvalue(x, 0, 1), IndexError, "kthvalue: k (0) is out of range");
  EXPECT_THROW_WITH(median(zeros({2, 0}), 1), IndexError,
                    "median: expected dim 1 of shape [2, 0] to have a non-zero size");
  EXPECT_THROW_WITH(mode(zeros({2, 0}), 1), IndexError, "mode: expected dim 1 of shape [2, 0]");
  EXPECT_THROW_WITH(median(x, 2), IndexError, "median");
  EXPECT_THROW_WITH(median(tensor({true, false})), TypeError, "median: not supported for bool tensors");
  EXPECT_THROW_WITH(median(zeros({0}, kInt64)), TypeError, "median: the median of an empty int64 tensor is undefined");
  EXPECT_THROW_WITH(quantile(tensor({1, 2}), 0.5), TypeError, "quantile: expected a floating-point input, got int64");
  EXPECT_THROW_WITH(quantile(x, 1.5), ValueError, "quantile: q must be in the range [0, 1], got 1.5");
  EXPECT_THROW_WITH(quantile(x, tensor({0.5f, 2.0f})), ValueError, "quantile: q values must be in the range [0, 1]");
  EXPECT_THROW_WITH(quantile(x, zeros({2, 2})), ValueError, "quantile: q must be a scalar or 1-D, got shape [2, 2]");
  EXPECT_THROW_WITH(quantile(x, tensor({0.5}, kFloat64)), TypeError,
                    "quantile: q (float64) must have the input's dtype (float32)");
  EXPECT_THROW_WITH(quantile(zeros({0}), 0.5), ValueError, "quantile: the input of shape [0] is empty");
  EXPECT_THROW_WITH(nanquantile(x, 0.5, 0, false, "cubic"), ValueError,
                    "nanquantile: interpolation must be one of \"linear\", \"lower\", \"higher\", \"midpoint\" or "
                    "\"nearest\", got \"cubic\"");
}
