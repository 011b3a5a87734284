// The in-place view ops (t_, transpose_, squeeze_, unsqueeze_, as_strided_): every handle sees
// the new geometry, gradients flow through the recorded view, versions catch saved tensors, and
// the errors; plus the small Tensor conveniences of PyTorch: squeeze(dims), mH, H, adjoint,
// narrow_copy, sum_to_size, type_as, get_device and the out-of-place index_put.
#include "test_util.h"

using namespace tg;
using tgtest::vals;
using V = std::vector<double>;

TEST(InplaceViews, EveryHandleSeesTheNewGeometry) {
  const Tensor x = arange(6, kFloat64).reshape({2, 3});
  const Tensor alias = x;  // another handle to the same tensor
  EXPECT_TRUE(x.t_().is_same(x));
  EXPECT_EQ(alias.sizes(), Shape({3, 2}));
  EXPECT_EQ(alias.strides(), Shape({1, 3}));
  EXPECT_EQ(vals(alias.contiguous()), (V{0, 3, 1, 4, 2, 5}));
  x.transpose_(0, 1);
  EXPECT_EQ(x.sizes(), Shape({2, 3}));
  EXPECT_TRUE(x.is_contiguous());

  const Tensor y = zeros({1, 3, 1, 2});
  y.squeeze_(0);
  EXPECT_EQ(y.sizes(), Shape({3, 1, 2}));
  y.squeeze_(0);  // size 3: unchanged, as in PyTorch
  EXPECT_EQ(y.sizes(), Shape({3, 1, 2}));
  y.unsqueeze_(-1);
  EXPECT_EQ(y.sizes(), Shape({3, 1, 2, 1}));
  y.squeeze_({1, 3});
  EXPECT_EQ(y.sizes(), Shape({3, 2}));
  y.unsqueeze_(0).squeeze_();
  EXPECT_EQ(y.sizes(), Shape({3, 2}));

  const Tensor z = arange(6, kFloat64);
  z.as_strided_({2, 2}, {1, 2}, 1);
  EXPECT_EQ(vals(z.contiguous()), (V{1, 3, 2, 4}));
  const Tensor s = scalar_tensor(2.0);
  s.t_();
  EXPECT_EQ(s.dim(), 0);
}

TEST(InplaceViews, BumpVersionsSoSavedTensorsAreCaught) {
  const Tensor x = zeros({2, 3});
  const uint32_t v = x.version();
  x.t_();
  EXPECT_GT(x.version(), v);

  const Tensor a = randn({2, 3}, kFloat64).requires_grad_();
  const Tensor b = a * 1.0;
  const Tensor c = b * b;  // saves b
  b.t_();
  EXPECT_THROW_WITH(c.sum().backward(), Error, "modified by an in-place operation");
}

TEST(InplaceViews, GradientsFlowThroughTheRecordedView) {
  const Tensor a = tensor(V{1, 2, 3, 4, 5, 6}, kFloat64).reshape({2, 3}).requires_grad_();
  const Tensor b = a * 2.0;
  b.t_();
  EXPECT_EQ(b.sizes(), Shape({3, 2}));
  const Tensor w = tensor(V{1, 10, 100, 1000, 1e4, 1e5}, kFloat64).reshape({3, 2});
  (b * w).sum().backward();
  // b[i][j] = 2 a[j][i]: da[j][i] = 2 w[i][j].
  EXPECT_EQ(vals(a.grad()), (V{2, 200, 2e4, 20, 2000, 2e5}));

  const Tensor p = randn({2, 3}, kFloat64).requires_grad_();
  const Tensor q = p * 3.0;
  q.unsqueeze_(0).squeeze_(0).unsqueeze_(2);
  EXPECT_EQ(q.sizes(), Shape({2, 3, 1}));
  q.sum().backward();
  EXPECT_EQ(vals(p.grad()), V(6, 3.0));

  // A view changed in place keeps tracking its base.
  const Tensor r = randn({4, 3}, kFloat64).requires_grad_();
  const Tensor base = r * 1.0;
  const Tensor row = base.narrow(0, 1, 2);
  row.t_();
  EXPECT_TRUE(row.is_view());
  (row * tensor(V{1, 2, 3}, kFloat64).reshape({3, 1})).sum().backward();
  EXPECT_EQ(vals(r.grad()), (V{0, 0, 0, 1, 2, 3, 1, 2, 3, 0, 0, 0}));

  // Under no_grad the geometry changes and no history is recorded.
  const Tensor leaf = randn({2, 3}).requires_grad_();
  {
    NoGradGuard no_grad;
    leaf.t_();
  }
  EXPECT_EQ(leaf.sizes(), Shape({3, 2}));
  EXPECT_TRUE(leaf.is_leaf());
}

TEST(InplaceViews, Errors) {
  const Tensor leaf = randn({2, 3}).requires_grad_();
  EXPECT_THROW_WITH(leaf.t_(), Error, "t_: a leaf tensor that requires grad is being used in an in-place operation");
  EXPECT_THROW_WITH(
      leaf.narrow(0, 0, 1).squeeze_(), Error,
      "squeeze_: a view of a leaf tensor that requires grad is being modified in place (view shape [1, 3]");
  EXPECT_THROW_WITH(zeros({2, 3, 4}).t_(), Error, "t: expects a tensor with at most 2 dims");
  EXPECT_THROW_WITH(zeros({2, 3}).transpose_(0, 2), Error, "transpose");
  EXPECT_THROW_WITH(zeros({2, 3}).unsqueeze_(4), Error, "unsqueeze");
  EXPECT_THROW_WITH(zeros({1, 3}).squeeze_({0, 0}), Error, "squeeze: dim 0 appears multiple times");
  EXPECT_THROW_WITH(zeros({2, 3}).as_strided_({4, 4}, {4, 1}), Error, "as_strided");
  EXPECT_THROW_WITH(Tensor().t_(), Error, "t_");
}

TEST(TensorConveniences, SqueezeDimsAndAdjoints) {
  const Tensor x = zeros({1, 2, 1, 3});
  EXPECT_EQ(x.squeeze({0, 2}).sizes(), Shape({2, 3}));
  EXPECT_EQ(x.squeeze({0, 1}).sizes(), Shape({2, 1, 3}));
  EXPECT_EQ(x.squeeze(Shape{}).sizes(), x.sizes());
  EXPECT_THROW_WITH(x.squeeze({4}), Error, "squeeze");

  const Tensor m = arange(6, kFloat64).reshape({2, 3});
  EXPECT_TRUE(equal(m.H(), m.t()));
  EXPECT_TRUE(equal(m.mH(), m.mT()));
  EXPECT_TRUE(equal(m.adjoint(), m.mT()));
  const Tensor batch = randn({4, 2, 3});
  EXPECT_EQ(batch.mH().sizes(), Shape({4, 3, 2}));
  EXPECT_EQ(batch.adjoint().sizes(), Shape({4, 3, 2}));
  EXPECT_EQ(scalar_tensor(1.0).H().dim(), 0);
  EXPECT_THROW_WITH(batch.H(), Error, "H: is only supported on matrices (2-D tensors), got shape [4, 2, 3]");
  EXPECT_THROW_WITH(zeros({3}).mH(), Error, "mH: expects a tensor with at least 2 dims, got shape [3]");
  EXPECT_THROW_WITH(zeros({3}).adjoint(), Error, "adjoint: expects a tensor with at least 2 dims");
}

TEST(TensorConveniences, NarrowCopySumToSizeTypeAs) {
  const Tensor x = arange(12, kFloat64).reshape({3, 4});
  const Tensor n = x.narrow_copy(1, 1, 2);
  EXPECT_TRUE(n.is_contiguous());
  EXPECT_FALSE(n.is_view());
  EXPECT_EQ(vals(n), (V{1, 2, 5, 6, 9, 10}));
  EXPECT_THROW_WITH(x.narrow_copy(1, 3, 2), Error, "narrow");

  EXPECT_EQ(vals(x.sum_to_size({1, 4})), (V{12, 15, 18, 21}));
  EXPECT_EQ(vals(x.sum_to_size({3, 1})), (V{6, 22, 38}));
  EXPECT_EQ(vals(x.sum_to_size({4})), (V{12, 15, 18, 21}));
  EXPECT_EQ(x.sum_to_size({3, 4}).sizes(), Shape({3, 4}));
  EXPECT_THROW_WITH(x.sum_to_size({2, 4}), Error,
                    "sum_to_size: size [2, 4] is not expandable to the tensor's shape [3, 4]");
  EXPECT_THROW_WITH(x.sum_to_size({1, 3, 4}), Error, "sum_to_size");
  EXPECT_TRUE(autograd::gradcheck(
      [](const tensor_list& in) {
        return in[0].sum_to_size({1, 3});
      },
      {randn({2, 3}, kFloat64).requires_grad_()}));

  EXPECT_EQ(x.type_as(zeros({1}, kInt32)).dtype(), kInt32);
  EXPECT_EQ(x.type_as(zeros({1}, kFloat32)).dtype(), kFloat32);
  EXPECT_THROW_WITH(x.type_as(Tensor()), Error, "type_as: the other tensor is undefined");
  EXPECT_EQ(x.get_device(), -1);
}

TEST(TensorConveniences, IndexPutOutOfPlace) {
  const Tensor x = zeros({3, 2}, kFloat64);
  const Tensor idx = tensor(std::vector<int64_t>{0, 2, 0});
  const Tensor r = x.index_put({idx}, tensor(V{1, 2}, kFloat64), /*accumulate=*/true);
  EXPECT_EQ(vals(r), (V{2, 4, 0, 0, 1, 2}));
  EXPECT_EQ(vals(x), V(6, 0.0));  // self unchanged
  const Tensor s = x.index_put({std::nullopt, tensor(std::vector<int64_t>{1})}, scalar_tensor(5.0, kFloat64));
  EXPECT_EQ(vals(s), (V{0, 5, 0, 5, 0, 5}));
  EXPECT_TRUE(autograd::gradcheck([&](const tensor_list& in) { return in[0].index_put({idx}, in[1], true); },
                                  {randn({3, 2}, kFloat64).requires_grad_(), randn({2}, kFloat64).requires_grad_()}));
  EXPECT_THROW_WITH(x.index_put({tensor(std::vector<int64_t>{5})}, scalar_tensor(1.0, kFloat64)), Error, "index");
}

TEST(InplaceViews, ResizeKeepsTheDataAndGrowsTheStorage) {
  const Tensor x = arange(6, kFloat64);
  const Tensor alias = x;  // another handle to the same tensor sees the new shape
  x.resize_({2, 2});
  EXPECT_EQ(alias.sizes(), Shape({2, 2}));
  EXPECT_TRUE(x.is_contiguous());
  EXPECT_EQ(vals(x), (V{0, 1, 2, 3}));
  x.resize_({3, 3});  // grows: the first six values stay
  EXPECT_EQ(x.sizes(), Shape({3, 3}));
  EXPECT_EQ(vals(x.flatten().narrow(0, 0, 6)), (V{0, 1, 2, 3, 4, 5}));
  x.resize_as_(zeros({2}, kInt32));
  EXPECT_EQ(vals(x), (V{0, 1}));
  x.resize_({0});
  EXPECT_EQ(x.numel(), 0);
  EXPECT_EQ(x.resize_({2}).sizes(), Shape({2}));

  const Tensor base = arange(4, kFloat64);
  const Tensor view = base.narrow(0, 1, 2);
  view.resize_({3});  // fits in the shared storage: still a view of it
  EXPECT_EQ(vals(view), (V{1, 2, 3}));
  EXPECT_THROW_WITH(view.resize_({8}), Error, "resize_: growing a tensor whose storage other tensors (views) share");
  EXPECT_THROW_WITH(randn({2}).requires_grad_().resize_({4}), Error,
                    "resize_: cannot resize a tensor that requires grad");
  EXPECT_THROW_WITH(x.resize_({-1, 2}), ValueError, "resize_: negative size -1 in the requested shape [-1, 2]");
  EXPECT_THROW_WITH(Tensor().resize_({1}), Error, "resize_");
}

TEST(InplaceViews, SetSharesTheSourceStorage) {
  const Tensor x = zeros({3}, kFloat64);
  const Tensor src = arange(6, kFloat64).reshape({2, 3}).t();
  x.set_(src);
  EXPECT_EQ(x.sizes(), Shape({3, 2}));
  EXPECT_EQ(x.strides(), src.strides());
  src.fill_(7.0);
  EXPECT_EQ(vals(x), V(6, 7.0));
  x.set_();
  EXPECT_EQ(x.sizes(), Shape({0}));
  EXPECT_EQ(x.dtype(), kFloat64);
  EXPECT_THROW_WITH(x.set_(zeros({2}, kInt32)), TypeError, "set_: the tensor is float64 but the source is int32");
  const Tensor leaf = randn({2}, kFloat64).requires_grad_();
  EXPECT_THROW_WITH(leaf.set_(zeros({2}, kFloat64)), Error, "set_: a leaf tensor that requires grad");
  {
    NoGradGuard no_grad;  // as parameter swaps do
    leaf.set_(ones({5}, kFloat64));
  }
  EXPECT_EQ(leaf.sizes(), Shape({5}));
  EXPECT_TRUE(leaf.requires_grad());
}
