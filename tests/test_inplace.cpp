// In-place ops and autograd: version counters, refused cases, and gradients through in-place
// writes into views (CopySlices).
#include "test_util.h"

using namespace tg;
using namespace tg::indexing;
using tgtest::close;
using tgtest::vals;

using tgtest::leaf;

TEST(InPlace, ModifiedSavedTensorIsAnErrorNamingTheOp) {
  Tensor x = leaf({1.0, 2.0});
  Tensor a = x * 1;
  Tensor y = a.exp();  // saves its result...
  y.add_(1);           // ...which is then changed
  EXPECT_THROW_WITH(y.sum().backward(), Error, "ExpBackward: one of the tensors needed for gradient computation has been modified by an in-place operation");
  Tensor b = x * 1;
  Tensor z = b * b;  // saves b
  b.mul_(2);
  EXPECT_THROW_WITH(z.sum().backward(), Error, "is at version 1; expected version 0");
}

TEST(InPlace, LeavesThatRequireGradAreRefused) {
  Tensor x = leaf({1.0, 2.0});
  EXPECT_THROW_WITH(x.add_(1), Error, "add_: a leaf tensor that requires grad is being used in an in-place operation");
  EXPECT_THROW_WITH(x.select(0, 0).mul_(2), Error, "mul_: a view of a leaf tensor that requires grad is being modified in place");
  EXPECT_THROW_WITH(x.index_put_({0}, 5.0), Error, "a view of a leaf tensor");
  EXPECT_THROW_WITH(x.copy_(ones({2}, kFloat64)), Error, "a leaf tensor that requires grad");
  {
    NoGradGuard no_grad;  // how optimizers update parameters
    x.sub_(ones({2}, kFloat64), 0.5);
    x.select(0, 0).fill_(3);
  }
  EXPECT_EQ(vals(x), (std::vector<double>{3, 1.5}));
  EXPECT_TRUE(x.requires_grad());
}

TEST(InPlace, GradientsThroughInPlaceOps) {
  Tensor x = leaf({1.0, 2.0});
  Tensor y = x * 1;
  y.mul_(x);  // y = x^2
  y.exp_();   // y = exp(x^2)
  y.sum().backward();
  EXPECT_TRUE(close(x.grad(), tensor({2 * std::exp(1.0), 4 * std::exp(4.0)}, kFloat64)));
  EXPECT_EQ(y.grad_fn()->name(), "ExpBackward");
}

TEST(InPlace, WritesIntoViewsRewriteTheBaseHistory) {
  Tensor x = leaf({1.0, 2.0, 3.0});
  Tensor y = x * 2;             // [2, 4, 6]
  y.narrow(0, 1, 2).mul_(x.narrow(0, 0, 2));  // y = [2, 4*1, 6*2]
  EXPECT_EQ(vals(y), (std::vector<double>{2, 4, 12}));
  EXPECT_EQ(y.grad_fn()->name(), "CopySlices<MulBackward>");
  y.sum().backward();
  // d/dx0: 2 + (from y1 = 2 x1 * x0) 2 x1 = 2 + 4; d/dx1: 2 x0 + (from y2 = 2 x2 x1) 2 x2 = 2 + 6; d/dx2: 2 x1 = 4
  EXPECT_EQ(vals(x.grad()), (std::vector<double>{6, 8, 4}));
}

TEST(InPlace, ViewsSeeTheirBaseHistoryChange) {
  Tensor x = leaf({1.0, 2.0});
  Tensor y = x * 1;
  Tensor v = y.view({2, 1});  // made before the in-place change
  y.mul_(3);
  (v * v).sum().backward();   // v reads 3x
  EXPECT_EQ(vals(x.grad()), (std::vector<double>{18, 36}));
}

TEST(InPlace, FillingABufferFromValuesThatRequireGrad) {
  Tensor a = leaf({1.0, 2.0});
  Tensor buf = zeros({2, 2}, kFloat64);
  buf.index_put_({0}, a * 2);
  buf.index_put_({1, Slice()}, a * a);
  EXPECT_TRUE(buf.requires_grad());
  buf.sum().backward();
  EXPECT_EQ(vals(a.grad()), (std::vector<double>{4, 6}));
  Tensor b = leaf({1.0, 2.0, 3.0});
  Tensor out = zeros({3}, kFloat64);
  out.index_put_({tensor({2, 0})}, b.narrow(0, 0, 2) * 10);  // advanced indices
  out.sum().backward();
  EXPECT_EQ(vals(b.grad()), (std::vector<double>{10, 10, 0}));
  Tensor c = leaf({5.0});
  Tensor d = zeros({3}, kFloat64);
  d.select(0, 1).copy_(c.squeeze());
  d.select(0, 1).zero_();  // overwriting cuts the gradient again
  d.sum().backward();
  EXPECT_EQ(vals(c.grad()), (std::vector<double>{0}));
}

TEST(InPlace, ViewsMadeBeforeTheBaseGotAHistory) {
  Tensor y = leaf({1.0, 2.0, 3.0});
  Tensor buf = zeros({3}, kFloat64);
  Tensor v = buf.narrow(0, 1, 2);  // made while buf needs no gradient
  EXPECT_FALSE(v.requires_grad());
  buf.copy_(y * 2);
  EXPECT_TRUE(v.requires_grad());
  EXPECT_FALSE(v.is_leaf());
  (v * v).sum().backward();  // v = 2 y[1:], so d/dy = 8 y there
  EXPECT_EQ(vals(y.grad()), (std::vector<double>{0, 16, 24}));
  Tensor t = randn({3, 2}, kFloat64).t().requires_grad_(true);  // a leaf that is also a view
  EXPECT_THROW_WITH(t.add_(1), Error, "a leaf tensor that requires grad");
}

TEST(InPlace, OverlappingAndNonContiguousBases) {
  Tensor x = leaf({1.0});
  Tensor e = (x * 1).expand({3});
  EXPECT_THROW_WITH(e.add_(1), Error, "share memory");
  Tensor t = (leaf({1.0, 2.0, 3.0, 4.0}) * 1).view({2, 2}).t();
  t.select(0, 0).mul_(2);  // the base is contiguous even though the view is not
  EXPECT_TRUE(t.requires_grad());
}

TEST(InPlace, DetachSharesVersion) {
  Tensor x = leaf({1.0});
  Tensor y = x.exp();
  Tensor d = y.detach();
  d.zero_();
  EXPECT_THROW_WITH(y.sum().backward(), Error, "modified by an in-place operation");
}
