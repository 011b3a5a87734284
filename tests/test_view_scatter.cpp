// select_scatter, slice_scatter and diagonal_scatter: each equals a clone with the view written
// through, for non-contiguous self too; gradients by gradcheck; the errors.
#include "test_util.h"

using namespace tg;
using tgtest::close;
using tgtest::vals;

namespace {
// The same by hand: a clone with the view written in place.
template <class View>
Tensor by_hand(const Tensor& self, const Tensor& src, View view) {
  Tensor out = self.detach().clone();
  view(out).copy_(src);
  return out;
}
}  // namespace

TEST(ViewScatter, EachMatchesWritingThroughTheView) {
  Generator gen(5);
  const Tensor base = randn({4, 5, 6}, gen, kFloat64);
  for (const Tensor& self : {base, base.transpose(0, 2).contiguous().transpose(0, 2)}) {
    for (const auto& [dim, index] : std::vector<std::pair<int64_t, int64_t>>{{0, 2}, {1, -1}, {-1, 0}}) {
      const Tensor src = randn(base.select(dim, index).sizes(), gen, kFloat64);
      EXPECT_TRUE(close(select_scatter(self, src, dim, index),
                        by_hand(self, src, [&](const Tensor& t) { return t.select(dim, index); }), 0, 0));
    }
    struct SliceCase {
      int64_t dim;
      std::optional<int64_t> start, end;
      int64_t step;
    };
    for (const SliceCase& c : {SliceCase{0, 1, 3, 1}, SliceCase{1, std::nullopt, std::nullopt, 2},
                               SliceCase{2, -4, std::nullopt, 3}, SliceCase{2, 2, 100, 1}, SliceCase{1, 4, 2, 1}}) {
      const Tensor src = randn(base.slice(c.dim, c.start, c.end, c.step).sizes(), gen, kFloat64);
      EXPECT_TRUE(close(slice_scatter(self, src, c.dim, c.start, c.end, c.step),
                        by_hand(self, src, [&](const Tensor& t) { return t.slice(c.dim, c.start, c.end, c.step); }), 0,
                        0));
    }
    for (const auto& [offset, d1, d2] :
         std::vector<std::tuple<int64_t, int64_t, int64_t>>{{0, 0, 1}, {2, 1, 2}, {-1, 2, 0}, {-3, 0, 2}, {7, 0, 1}}) {
      const Tensor src = randn(base.diagonal(offset, d1, d2).sizes(), gen, kFloat64);
      EXPECT_TRUE(close(diagonal_scatter(self, src, offset, d1, d2),
                        by_hand(self, src, [&](const Tensor& t) { return t.diagonal(offset, d1, d2); }), 0, 0));
    }
  }
  // The source's dtype is cast to self's, as copy_ casts: floats into integers truncate.
  EXPECT_EQ(select_scatter(zeros({2, 2}, kFloat64), ones({2}, kFloat32), 0, 1).dtype(), kFloat64);
  const Tensor ints = slice_scatter(zeros({3}, kInt64), tensor({1.5, -2.5}), 0, 1);
  EXPECT_EQ(ints.dtype(), kInt64);
  EXPECT_EQ(vals(ints), (std::vector<double>{0, 1, -2}));
}

// Positions count in self's storage order from its own offset, as PyTorch's: a transposed
// tensor's in the transposed order, a slice's from the slice's start.
TEST(ViewScatter, AsStridedScatter) {
  Generator gen(7);
  const Tensor base = randn({4, 6}, gen, kFloat64);
  const auto strided = [](const Shape& sizes, const Shape& strides, std::optional<int64_t> offset) {
    return [=](const Tensor& t) { return t.as_strided(sizes, strides, offset); };
  };
  const Tensor src = randn({2, 3}, gen, kFloat64);
  EXPECT_TRUE(
      close(as_strided_scatter(base, src, {2, 3}, {6, 2}, 1), by_hand(base, src, strided({2, 3}, {6, 2}, 1)), 0, 0));
  const Tensor flipped = base.t();                      // dense: its own storage order
  Tensor kept = flipped.clone(MemoryFormat::Preserve);  // its strides, as PyTorch's clone
  kept.as_strided({2, 3}, {1, 4}).copy_(src);
  EXPECT_TRUE(close(as_strided_scatter(flipped, src, {2, 3}, {1, 4}), kept, 0, 0));
  const Tensor written = as_strided_scatter(flipped, src, {2, 3}, {1, 4});
  EXPECT_EQ(written.sizes(), (Shape{6, 4}));
  EXPECT_EQ(written[1][0].item<double>(), src[1][0].item<double>());  // storage position 1 is flipped[1][0]
  const Tensor tail = base.view({-1}).slice(0, 5, std::nullopt);
  const Tensor pair = randn({2}, gen, kFloat64);
  const Tensor moved = as_strided_scatter(tail, pair, {2}, {3}, 7);
  EXPECT_EQ(moved[2].item<double>(), pair[0].item<double>());
  EXPECT_EQ(moved[5].item<double>(), pair[1].item<double>());
  EXPECT_EQ(moved[0].item<double>(), tail[0].item<double>());
  EXPECT_EQ(as_strided_scatter(zeros({3}), tensor(5.0), {}, {}).to_vector<float>(), (std::vector<float>{5, 0, 0}));
  const Tensor leaf = base.clone().requires_grad_(true);
  EXPECT_TRUE(autograd::gradcheck(
      [](const tensor_list& x) {
        return as_strided_scatter(x[0], x[1], {2, 3}, {6, 2}, 1);
      },
      {leaf, src.clone().requires_grad_(true)}));
  EXPECT_TRUE(autograd::gradcheck([](const tensor_list& x) { return as_strided_scatter(x[0].t(), x[1], {2}, {5}); },
                                  {leaf, randn({2}, gen, kFloat64).requires_grad_(true)}));
  EXPECT_THROW_WITH(as_strided_scatter(zeros({3}), zeros({2}), {2}, {0}), Error, "share memory");
  EXPECT_THROW_WITH(as_strided_scatter(zeros({3}), zeros({2}), {2}, {3}), Error, "reach outside the 3 elements");
  EXPECT_THROW_WITH(as_strided_scatter(zeros({3}), zeros({2}), {2}, {1}, -1), Error, "reach outside");
  EXPECT_THROW_WITH(as_strided_scatter(zeros({3}), zeros({2}), {2}, {1, 1}), Error, "differ in length");
  EXPECT_THROW_WITH(as_strided_scatter(zeros({3}), zeros({3}), {2}, {1}), Error, "src must have the shape");
}

TEST(ViewScatter, Gradients) {
  Generator gen(6);
  const Tensor self = randn({3, 4}, gen, kFloat64).requires_grad_(true);
  const Tensor row = randn({4}, gen, kFloat64).requires_grad_(true);
  const Tensor cols = randn({3, 2}, gen, kFloat64).requires_grad_(true);
  const Tensor diag = randn({2}, gen, kFloat64).requires_grad_(true);
  EXPECT_TRUE(autograd::gradcheck([](const tensor_list& x) { return select_scatter(x[0], x[1], 0, 1); }, {self, row}));
  EXPECT_TRUE(
      autograd::gradcheck([](const tensor_list& x) { return slice_scatter(x[0], x[1], 1, 0, 4, 2); }, {self, cols}));
  EXPECT_TRUE(autograd::gradcheck([](const tensor_list& x) { return diagonal_scatter(x[0], x[1], 2); }, {self, diag}));
  // A source of another floating dtype gets its gradient in its own dtype.
  const Tensor narrow = randn({4}, gen, kFloat32).requires_grad_(true);
  select_scatter(self, narrow, 0, 2).sum().backward();
  EXPECT_EQ(narrow.grad().dtype(), kFloat32);
  EXPECT_EQ(vals(narrow.grad()), (std::vector<double>{1, 1, 1, 1}));
  EXPECT_TRUE(autograd::gradgradcheck([](const tensor_list& x) { return diagonal_scatter(x[0] * x[0], x[1]); },
                                      {self, randn({3}, gen, kFloat64).requires_grad_(true)}));
}

TEST(ViewScatter, Errors) {
  const Tensor x = zeros({3, 4});
  EXPECT_THROW_WITH(select_scatter(x, zeros({3}), 0, 1), Error,
                    "select_scatter: src must have the shape of the region it fills, [4], got [3] (self [3, 4])");
  EXPECT_THROW_WITH(select_scatter(x, zeros({4}), 0, 3), IndexError,
                    "select_scatter: index 3 is out of range for dim 0 of size 3");
  EXPECT_THROW_WITH(select_scatter(zeros({}), zeros({}), 0, 0), IndexError,
                    "select_scatter: can't select from a 0-dim tensor");
  EXPECT_THROW_WITH(slice_scatter(x, zeros({3, 2}), 1, 0, 4, 0), ValueError,
                    "slice_scatter: the step must be positive, got 0");
  EXPECT_THROW_WITH(slice_scatter(x, zeros({3, 3}), 1, 0, 4, 2), Error,
                    "slice_scatter: src must have the shape of the region it fills, [3, 2], got [3, 3]");
  EXPECT_THROW_WITH(diagonal_scatter(zeros({3}), zeros({3})), Error,
                    "diagonal_scatter: needs a tensor of 2 or more dims, got shape [3]");
  EXPECT_THROW_WITH(diagonal_scatter(x, zeros({3}), 0, 1, -1), Error,
                    "diagonal_scatter: dim1 and dim2 must differ, both are 1");
  EXPECT_THROW_WITH(slice_scatter(x, Tensor()), Error, "slice_scatter");
}
