// Composed ops PyTorch users reach for: index_reduce, take, put, masked_scatter, argwhere, msort,
// ravel, the in-place tril_/triu_/fill_diagonal_/cumsum_/cumprod_/clamp_min_/clamp_max_,
// positive, sgn, vdot, dist and renorm. Values against hand-worked results, gradients by
// gradcheck, and the errors.
#include <cmath>

#include "test_util.h"

using namespace tg;
using tgtest::close;
using tgtest::vals;
using V = std::vector<double>;

TEST(ComposedExtras, IndexReduce) {
  const Tensor x = tensor({{1.0, 2.0}, {3.0, 4.0}, {5.0, 6.0}}, kFloat64);
  const Tensor src = tensor({{10.0, 20.0}, {30.0, 40.0}, {50.0, 60.0}}, kFloat64);
  const Tensor index = tensor({0, 2, 0}, kInt64);
  EXPECT_EQ(vals(x.index_reduce(0, index, src, "prod")), (V{500, 2400, 3, 4, 150, 240}));
  EXPECT_EQ(vals(x.index_reduce(0, index, src, "amax", false)), (V{50, 60, 3, 4, 30, 40}));
  EXPECT_EQ(vals(x.index_reduce(0, index, src, "mean")), (V{61.0 / 3, 82.0 / 3, 3, 4, 17.5, 23}));
  EXPECT_EQ(vals(x.index_reduce(1, tensor({1, 1}, kInt64), src.slice(0, 0, 3), "amin")), (V{1, 2, 3, 4, 5, 6}));
  Tensor y = x.clone();
  y.index_reduce_(0, index, src, "amin", false);
  EXPECT_EQ(vals(y), (V{10, 20, 3, 4, 30, 40}));
  const Tensor a = x.clone().requires_grad_(true), b = src.clone().requires_grad_(true);
  EXPECT_TRUE(
      autograd::gradcheck([&](const tensor_list& in) { return index_reduce(in[0], 0, index, in[1], "prod"); }, {a, b}));
  EXPECT_THROW_WITH(x.index_reduce(0, index, src, "sum"), ValueError,
                    "index_reduce: reduce must be one of prod, mean, amax and amin, got 'sum'");
  EXPECT_THROW_WITH(x.index_reduce(0, tensor({0, 1}, kInt64), src, "prod"), ValueError,
                    "index_reduce: source of shape [3, 2] must have self's shape [3, 2] with dim 0 of size 2");
}

TEST(ComposedExtras, TakeAndPut) {
  const Tensor x = tensor({{1.0, 2.0, 3.0}, {4.0, 5.0, 6.0}}, kFloat64);
  EXPECT_EQ(vals(x.take(tensor({{0, 5}, {-1, 2}}, kInt64))), (V{1, 6, 6, 3}));
  EXPECT_EQ(x.take(tensor({{0, 5}, {-1, 2}}, kInt64)).sizes(), (Shape{2, 2}));
  EXPECT_EQ(vals(x.t().take(tensor({1}, kInt64))), (V{4}));  // row-major order of the transposed view
  EXPECT_EQ(vals(x.put(tensor({1, 4}, kInt64), tensor({-1.0, -2.0}, kFloat64))), (V{1, -1, 3, 4, -2, 6}));
  EXPECT_EQ(vals(x.put(tensor({1, 1}, kInt64), tensor({10.0, 20.0}, kFloat64), true)), (V{1, 32, 3, 4, 5, 6}));
  Tensor z = zeros({2, 2}, kInt64);
  z.put_(tensor({3, 0}, kInt64), tensor({7, 8}, kInt64));
  EXPECT_EQ(vals(z), (V{8, 0, 0, 7}));
  const Tensor leaf = x.clone().requires_grad_(true), values = tensor({1.0, 2.0}, kFloat64).requires_grad_(true);
  EXPECT_TRUE(autograd::gradcheck(
      [](const tensor_list& in) {
        return take(in[0], tensor({5, 0, 5}, kInt64));
      },
      {leaf}));
  EXPECT_TRUE(autograd::gradcheck(
      [](const tensor_list& in) {
        return put(in[0], tensor({2, 3}, kInt64), in[1], true);
      },
      {leaf, values}));
  EXPECT_THROW_WITH(x.take(tensor({6}, kInt64)), IndexError, "6");
  EXPECT_THROW_WITH(x.take(tensor({0}, kInt32)), IndexError, "take: the index must be an int64 tensor, got int32");
  EXPECT_THROW_WITH(x.put(tensor({0, 1}, kInt64), tensor({1.0}, kFloat64)), Error,
                    "put: index (2 elements) and source (1 elements) must be as long");
}

TEST(ComposedExtras, MaskedScatter) {
  const Tensor x = zeros({2, 3}, kFloat64);
  const Tensor mask = tensor({true, false, true});
  const Tensor src = tensor({1.0, 2.0, 3.0, 4.0, 5.0}, kFloat64);
  EXPECT_EQ(vals(x.masked_scatter(mask, src)), (V{1, 0, 2, 3, 0, 4}));
  Tensor y = x.clone();
  y.masked_scatter_(tensor({{false, true, false}, {true, false, false}}), src.view({5, 1}));
  EXPECT_EQ(vals(y), (V{0, 1, 0, 2, 0, 0}));
  const Tensor a = x.clone().requires_grad_(true), s = src.clone().requires_grad_(true);
  EXPECT_TRUE(autograd::gradcheck([&](const tensor_list& in) { return masked_scatter(in[0], mask, in[1]); }, {a, s}));
  EXPECT_THROW_WITH(x.masked_scatter(mask, tensor({1.0}, kFloat64)), Error,
                    "masked_scatter: the mask selects 4 elements but source has only 1");
  EXPECT_THROW_WITH(x.masked_scatter(tensor({1, 0, 1}), src), TypeError,
                    "masked_scatter: the mask must be a bool tensor");
  EXPECT_THROW_WITH(x.masked_scatter(zeros({4}, kBool), src), Error, "masked_scatter");
  EXPECT_THROW_WITH(x.masked_scatter(mask, src.to(kFloat32)), TypeError,
                    "masked_scatter: source (float32) must have the input's dtype (float64)");
  // The input broadcasts against the mask; a mask selecting nothing copies the input.
  EXPECT_EQ(vals(tensor({7.0, 8.0, 9.0}, kFloat64).view({1, 3}).masked_scatter(tensor({{true}, {false}}), src)),
            (V{1, 2, 3, 7, 8, 9}));
  EXPECT_EQ(vals(x.masked_scatter(zeros({3}, kBool), src)), (V{0, 0, 0, 0, 0, 0}));
  EXPECT_EQ(vals(x.masked_scatter(zeros({3}, kBool), zeros({0}, kFloat64))), (V{0, 0, 0, 0, 0, 0}));
}

TEST(ComposedExtras, ArgwhereMsortRavelPositiveSgn) {
  const Tensor x = tensor({{0.0, 2.0}, {-1.0, 0.0}}, kFloat64);
  EXPECT_EQ(vals(argwhere(x)), (V{0, 1, 1, 0}));
  EXPECT_EQ(vals(msort(tensor({{3.0, 1.0}, {2.0, 5.0}}))), (V{2, 1, 3, 5}));
  EXPECT_EQ(x.ravel().sizes(), (Shape{4}));
  EXPECT_TRUE(x.ravel().is_view());
  EXPECT_EQ(x.ravel().data_ptr(), x.data_ptr());
  EXPECT_NE(x.t().ravel().data_ptr(), x.data_ptr());  // not viewable: a copy, as reshape
  EXPECT_TRUE(positive(x).is_same(x));
  EXPECT_EQ(vals(sgn(x)), (V{0, 1, -1, 0}));
  EXPECT_THROW_WITH(positive(tensor({true})), TypeError, "positive: not supported for bool tensors");
  EXPECT_EQ(vals(msort(tensor(1.0))), (V{1}));  // 0-dim, as PyTorch's
}

TEST(ComposedExtras, InPlaceForms) {
  const Tensor m = arange(1, 10, 1, kFloat64).view({3, 3});
  Tensor a = m.clone();
  EXPECT_TRUE(a.tril_().is_same(a));
  EXPECT_EQ(vals(a), (V{1, 0, 0, 4, 5, 0, 7, 8, 9}));
  Tensor b = m.clone();
  b.triu_(1);
  EXPECT_EQ(vals(b), (V{0, 2, 3, 0, 0, 6, 0, 0, 0}));
  // Batches, far diagonals, integers, views (contiguous ones zeroed where they lie, others through
  // a copy): each as the out-of-place form, and the version moves.
  const Tensor batch = arange(0, 2 * 3 * 4, 1, kInt64).view({2, 3, 4});
  for (int64_t diagonal : {-5, -1, 0, 2, 9}) {
    Tensor lo = batch.clone(), hi = batch.clone();
    const uint32_t version = lo.version();
    EXPECT_EQ(vals(lo.tril_(diagonal)), vals(batch.tril(diagonal)));
    EXPECT_EQ(vals(hi.triu_(diagonal)), vals(batch.triu(diagonal)));
    EXPECT_GT(lo.version(), version);
    Tensor big = batch.to(kFloat32).repeat({2, 1, 1});
    big.narrow(0, 1, 2).tril_(diagonal);  // a contiguous view: the kernel writes big
    EXPECT_EQ(vals(big.narrow(0, 1, 2)), vals(cat({batch.narrow(0, 1, 1), batch.narrow(0, 0, 1)}).tril(diagonal)));
    EXPECT_EQ(vals(big.narrow(0, 0, 1)), vals(batch.narrow(0, 0, 1)));
    Tensor square = arange(0, 16, 1, kFloat64).view({4, 4});
    square.t().triu_(diagonal);  // a transposed view: through a copy, into square
    EXPECT_EQ(vals(square), vals(arange(0, 16, 1, kFloat64).view({4, 4}).t().triu(diagonal).t()));
  }
  Tensor c = m.clone();
  c.cumsum_(1);
  EXPECT_EQ(vals(c), (V{1, 3, 6, 4, 9, 15, 7, 15, 24}));
  Tensor d = m.clone();
  d.cumprod_(0);
  EXPECT_EQ(vals(d.select(0, 2)), (V{28, 80, 162}));
  Tensor e = m.clone();
  e.clamp_min_(4).clamp_max_(6);
  EXPECT_EQ(vals(e), (V{4, 4, 4, 4, 5, 6, 6, 6, 6}));
  Tensor f = zeros({3, 3});
  f.fill_diagonal_(2);
  EXPECT_EQ(vals(f), (V{2, 0, 0, 0, 2, 0, 0, 0, 2}));
  Tensor tall = zeros({5, 2}, kInt64);
  tall.fill_diagonal_(1, /*wrap=*/true);
  EXPECT_EQ(vals(tall), (V{1, 0, 0, 1, 0, 0, 1, 0, 0, 1}));
  Tensor tall2 = zeros({5, 2}, kInt64);
  tall2.fill_diagonal_(1);
  EXPECT_EQ(vals(tall2), (V{1, 0, 0, 1, 0, 0, 0, 0, 0, 0}));
  Tensor cube = zeros({2, 2, 2});
  cube.fill_diagonal_(5);
  EXPECT_EQ(vals(cube), (V{5, 0, 0, 0, 0, 0, 0, 5}));
  EXPECT_THROW_WITH(zeros({2, 3, 2}).fill_diagonal_(1), Error,
                    "fill_diagonal_: past 2 dims, every dim must have the same size, got shape [2, 3, 2]");
  EXPECT_THROW_WITH(zeros({3}).fill_diagonal_(1), Error, "fill_diagonal_: needs a tensor of 2 or more dims");
  // In place on a recorded tensor: the gradient flows through the op.
  Tensor w = m.clone().requires_grad_(true);
  Tensor y = w * 1.0;
  y.tril_().cumsum_(1);
  y.sum().backward();
  EXPECT_EQ(vals(w.grad()), (V{3, 0, 0, 3, 2, 0, 3, 2, 1}));
  Tensor leaf = zeros({2, 2}).requires_grad_(true);
  EXPECT_THROW_WITH(leaf.triu_(), Error, "leaf");
}

TEST(ComposedExtras, VdotDistRenorm) {
  EXPECT_EQ(vdot(tensor({1.0, 2.0}), tensor({3.0, 4.0})).item<double>(), 11);
  EXPECT_THROW_WITH(vdot(tensor({1.0, 2.0}), tensor({3.0})), Error,
                    "vdot: expected two 1-D tensors of one length, got shapes [2] and [1]");
  EXPECT_THROW_WITH(vdot(tensor({1.0}), tensor({1.0}, kFloat64)), TypeError,
                    "vdot: expected both tensors to have the same dtype");
  EXPECT_NEAR(dist(tensor({0.0, 0.0}), tensor({3.0, 4.0})).item<double>(), 5, 1e-6);
  EXPECT_NEAR(dist(tensor({0.0, 0.0}), tensor({3.0, -4.0}), 1).item<double>(), 7, 1e-6);
  EXPECT_NEAR(dist(tensor({1.0, 5.0}), tensor({3.0, 4.0}), INFINITY).item<double>(), 2, 1e-6);
  // Rows (dim 0 slices) of norm 5 and 1: the first scaled to norm 2, the second unchanged.
  const Tensor x = tensor({{3.0, 4.0}, {0.6, 0.8}}, kFloat64);
  EXPECT_TRUE(close(x.renorm(2, 0, 2), tensor({{1.2, 1.6}, {0.6, 0.8}}, kFloat64), 1e-6, 1e-6));
  Tensor y = x.clone();
  y.renorm_(1, 1, 1);  // columns of 1-norm 3.6 and 4.8, both scaled to 1
  EXPECT_TRUE(close(y.sum(Shape{0}), tensor({1.0, 1.0}, kFloat64), 1e-6, 1e-6));
  const Tensor leaf = x.clone().requires_grad_(true);
  EXPECT_TRUE(autograd::gradcheck([](const tensor_list& in) { return renorm(in[0], 2, 0, 2); }, {leaf}));
  EXPECT_TRUE(autograd::gradcheck([](const tensor_list& in) { return dist(in[0], in[1]); },
                                  {leaf, tensor({1.0, 2.0}, kFloat64).requires_grad_(true)}));
  EXPECT_TRUE(autograd::gradcheck(
      [](const tensor_list& in) { return vdot(in[0], in[1]); },
      {tensor({1.0, 2.0}, kFloat64).requires_grad_(true), tensor({3.0, -1.0}, kFloat64).requires_grad_(true)}));
  EXPECT_THROW_WITH(x.renorm(0, 0, 1), ValueError, "renorm: p must be positive, got 0");
  EXPECT_THROW_WITH(x.renorm(2, 0, -1), ValueError, "renorm: maxnorm must be non-negative, got -1");
  EXPECT_THROW_WITH(tensor({1, 2}).renorm(2, 0, 1), TypeError, "renorm: expected a floating-point tensor, got int64");
}
