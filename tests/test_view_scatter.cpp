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
