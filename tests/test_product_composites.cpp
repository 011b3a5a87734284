// mv, addmv, addr, baddbmm, addbmm, inner, tensordot and the ops' other names (ops/aliases.h):
// values against einsum and direct formulas, gradchecks, and the errors. PyTorch's values are
// compared in test_against_torch.py.
#include "test_util.h"

using namespace tg;
using tgtest::close;

TEST(ProductComposites, ValuesAgainstEinsum) {
  manual_seed(21);
  const Tensor a = randn({4, 3}, kFloat64), v = randn({3}, kFloat64), s = randn({4}, kFloat64);
  EXPECT_TRUE(close(mv(a, v), einsum("ij,j->i", {a, v}), 1e-12, 1e-12));
  EXPECT_TRUE(close(addmv(s, a, v, 0.5, 2.0), 0.5 * s + 2.0 * einsum("ij,j->i", {a, v}), 1e-12, 1e-12));
  const Tensor p = randn({4}, kFloat64), q = randn({5}, kFloat64), m = randn({4, 5}, kFloat64);
  EXPECT_TRUE(close(addr(m, p, q, 2.0, -1.0), 2.0 * m - outer(p, q), 1e-12, 1e-12));
  // beta = 0 drops self's values, not its dtype: a complex self gives a complex result (torch's).
  const Tensor complex_sum = addr(m.to(kComplex64), p, q, 0.0, 2.0);
  EXPECT_EQ(complex_sum.dtype(), kComplex128);
  EXPECT_TRUE(close(real(complex_sum), 2.0 * outer(p, q), 1e-12, 1e-12));
  const Tensor b1 = randn({3, 4, 2}, kFloat64), b2 = randn({3, 2, 5}, kFloat64), c = randn({3, 4, 5}, kFloat64);
  EXPECT_TRUE(close(baddbmm(c, b1, b2, 1.0, 3.0), c + 3.0 * bmm(b1, b2), 1e-12, 1e-12));
  EXPECT_TRUE(close(addbmm(m, b1, b2), m + einsum("bij,bjk->ik", {b1, b2}), 1e-12, 1e-12));
  // self broadcasts; beta = 0 ignores it, NaNs included.
  EXPECT_TRUE(close(addbmm(tensor({1.0}, kFloat64), b1, b2), 1.0 + bmm(b1, b2).sum(Shape{0}), 1e-12, 1e-12));
  const Tensor nan_self = full({4}, NAN, kFloat64);
  EXPECT_TRUE(close(addmv(nan_self, a, v, 0.0), mv(a, v), 0, 0));
  // inner: over the last dims; tensordot: over the given pairs.
  const Tensor x = randn({2, 3, 4}, kFloat64), y = randn({5, 4}, kFloat64);
  EXPECT_TRUE(close(inner(x, y), einsum("abk,ck->abc", {x, y}), 1e-12, 1e-12));
  EXPECT_TRUE(close(inner(v, v), dot(v, v), 1e-12, 1e-12));
  EXPECT_TRUE(close(inner(scalar_tensor(2.0, kFloat64), x), 2.0 * x, 0, 0));
  const Tensor z = randn({3, 4, 6}, kFloat64);
  EXPECT_TRUE(close(tensordot(x, z), einsum("ajk,jkc->ac", {x, z}), 1e-12, 1e-12));
  EXPECT_TRUE(close(tensordot(x, z, {1, -1}, {0, 1}), einsum("ajk,jkc->ac", {x, z}), 1e-12, 1e-12));
  const Tensor w = randn({4, 2, 3}, kFloat64);
  EXPECT_TRUE(close(tensordot(x, w, {2, 1}, {0, 2}), einsum("ajk,kbj->ab", {x, w}), 1e-12, 1e-12));
  EXPECT_EQ(tensordot(x, y, 0).sizes(), Shape({2, 3, 4, 5, 4}));
}

TEST(ProductComposites, Gradients) {
  manual_seed(22);
  auto leaf = [](Shape s) { return randn(s, kFloat64).requires_grad_(true); };
  const Tensor a = leaf({4, 3}), v = leaf({3}), s = leaf({4});
  EXPECT_TRUE(
      autograd::gradgradcheck([](const tensor_list& in) { return addmv(in[0], in[1], in[2], 0.5, 2.0); }, {s, a, v}));
  const Tensor p = leaf({4}), q = leaf({5}), m = leaf({4, 5});
  EXPECT_TRUE(
      autograd::gradcheck([](const tensor_list& in) { return addr(in[0], in[1], in[2], 2.0, -1.0); }, {m, p, q}));
  const Tensor b1 = leaf({3, 4, 2}), b2 = leaf({3, 2, 5}), c = leaf({1, 4, 5});
  EXPECT_TRUE(
      autograd::gradcheck([](const tensor_list& in) { return baddbmm(in[0], in[1], in[2], 1.0, 3.0); }, {c, b1, b2}));
  EXPECT_TRUE(autograd::gradgradcheck([](const tensor_list& in) { return addbmm(in[0], in[1], in[2]); }, {m, b1, b2}));
  const Tensor x = leaf({2, 3, 4}), z = leaf({3, 4, 2});
  EXPECT_TRUE(autograd::gradcheck(
      [](const tensor_list& in) {
        return tensordot(in[0], in[1], {1, 2}, {0, 1});
      },
      {x, z}));
  EXPECT_TRUE(autograd::gradcheck([](const tensor_list& in) { return inner(in[0], in[1]); }, {x, leaf({5, 4})}));
  EXPECT_TRUE(autograd::gradcheck([](const tensor_list& in) { return mv(in[0], in[1]); }, {a, v}));
}

TEST(ProductComposites, Errors) {
  const Tensor a = randn({4, 3}), v = randn({3});
  EXPECT_THROW_WITH(mv(a, randn({4})), Error, "mv: the matrix [4, 3] and the vector [4] do not match");
  EXPECT_THROW_WITH(mv(v, v), Error, "mv: expected the matrix to be 2-D, got shape [3]");
  EXPECT_THROW_WITH(addmv(randn({3}), a, v), Error, "addmv: shapes [3] and [4] are not broadcastable");
  EXPECT_THROW_WITH(addr(randn({4, 4}), randn({4, 1}), v), Error, "addr: expected vec1 to be 1-D");
  EXPECT_THROW_WITH(addbmm(randn({4, 5}), randn({3, 4, 2}), randn({2, 2, 5})), Error,
                    "addbmm: batch1 [3, 4, 2] and batch2 [2, 2, 5] do not match");
  EXPECT_THROW_WITH(baddbmm(randn({4, 5}), randn({3, 4, 2}), randn({3, 2, 5}, kFloat64)), TypeError, "bmm");
  EXPECT_THROW_WITH(tensordot(a, v, 3), ValueError, "tensordot: dims 3 must be between 0 and the smaller rank");
  EXPECT_THROW_WITH(tensordot(a, v, {0}, {0}), Error, "tensordot: dim 0 of a [4, 3] and dim 0 of b [3] differ in size");
  EXPECT_THROW_WITH(tensordot(a, v, {1, 1}, {0, 0}), ValueError, "tensordot: a dim repeats");
  EXPECT_THROW_WITH(tensordot(a, v, {5}, {0}), IndexError, "tensordot: dim 5 is out of range for a 2-D tensor");
  EXPECT_THROW_WITH(tensordot(a, v, std::vector<int64_t>{1}, std::vector<int64_t>{}), ValueError,
                    "tensordot: 1 dims of a paired with 0 dims of b");
  EXPECT_THROW_WITH(inner(Tensor(), v), Error, "inner: self is an undefined tensor");
}

TEST(ProductComposites, OtherNames) {
  const Tensor x = tensor({-0.5, 0.25, 0.75}, kFloat64), y = tensor({0.5, 0.25, -1.0}, kFloat64);
  EXPECT_TRUE(close(arccos(x), acos(x), 0, 0));
  EXPECT_TRUE(close(arcsin(x), asin(x), 0, 0));
  EXPECT_TRUE(close(arctan(x), atan(x), 0, 0));
  EXPECT_TRUE(close(arctan2(x, y), atan2(x, y), 0, 0));
  EXPECT_TRUE(close(absolute(x), abs(x), 0, 0));
  EXPECT_TRUE(close(negative(x), neg(x), 0, 0));
  EXPECT_TRUE(close(fix(tensor({-1.5, 2.5})), tensor({-1.0, 2.0}), 0, 0));
  EXPECT_TRUE(equal(greater(x, y), gt(x, y)) && equal(greater_equal(x, 0.25), ge(x, 0.25)));
  EXPECT_TRUE(equal(less(x, y), lt(x, y)) && equal(less_equal(x, y), le(x, y)) && equal(not_equal(x, y), ne(x, y)));
  EXPECT_TRUE(close(ger(x, y), outer(x, y), 0, 0));
  EXPECT_EQ(moveaxis(randn({2, 3, 4}), 0, -1).sizes(), Shape({3, 4, 2}));
}
