// scatter_reduce against a loop over the index, for every reduction with and without self, in
// float64 and int64, along both dims; gradients by gradcheck (ties and zeros apart); the in-place
// form; and the errors.
#include <cmath>
#include <limits>
#include <string>

#include "test_util.h"

using namespace tg;
using tgtest::close;
using tgtest::vals;

namespace {

// out[index[i][j]][j] (dim 0) or out[i][index[i][j]] (dim 1) combines src[i][j], in order.
std::vector<double> reference(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& src,
                              const std::string& reduce, bool include_self, bool integer) {
  const int64_t rows = self.sizes()[0], cols = self.sizes()[1];
  std::vector<double> out = vals(self), count(out.size(), include_self ? 1 : 0);
  std::vector<bool> touched(out.size(), false);
  const auto idx = index.to_vector<int64_t>();
  const auto s = vals(src.contiguous());
  const int64_t ir = index.sizes()[0], ic = index.sizes()[1], sc = src.sizes()[1];
  for (int64_t i = 0; i < ir; ++i) {
    for (int64_t j = 0; j < ic; ++j) {
      const int64_t k = idx[i * ic + j];
      const size_t at = dim == 0 ? k * cols + j : i * cols + k;
      const double v = s[i * sc + j];
      if (!include_self && !touched[at]) {
        out[at] = v;
      } else if (reduce == "sum" || reduce == "mean") {
        out[at] += v;
      } else if (reduce == "prod") {
        out[at] *= v;
      } else if (reduce == "amax") {
        out[at] = std::max(out[at], v);
      } else {
        out[at] = std::min(out[at], v);
      }
      touched[at] = true;
      count[at] += 1;
    }
  }
  if (reduce == "mean")
    for (size_t i = 0; i < out.size(); ++i) {
      const double c = count[i] == 0 ? 1 : count[i];
      out[i] = integer ? std::floor(out[i] / c) : out[i] / c;
    }
  (void)rows;
  return out;
}

const char* const kReductions[] = {"sum", "prod", "mean", "amax", "amin"};

}  // namespace

TEST(ScatterReduce, EveryReductionMatchesALoop) {
  Generator gen(11);
  for (const DType dt : {kFloat64, kInt64, kFloat32}) {
    const bool integer = dt == kInt64;
    for (const int64_t dim : {0, 1}) {
      for (const char* reduce : kReductions) {
        for (const bool include_self : {true, false}) {
          SCOPED_TRACE(std::string(name(dt)) + " dim " + std::to_string(dim) + " " + reduce +
                       (include_self ? " with self" : " without self"));
          const Tensor self = integer ? randint(-5, 6, {4, 5}, gen, dt) : randn({4, 5}, gen, dt);
          // A source wider than the index (its extra column is never read), repeated indices.
          const Tensor src = integer ? randint(-5, 6, {3, 6}, gen, dt) : randn({3, 6}, gen, dt);
          const Tensor index = randint(0, dim == 0 ? 4 : 5, {3, 5}, gen, kInt64);
          const Tensor out = scatter_reduce(self, dim, index, src, reduce, include_self);
          EXPECT_EQ(out.dtype(), dt);
          const double tol = dt == kFloat32 ? 1e-5 : 1e-12;
          EXPECT_TRUE(
              close(out.to(kFloat64),
                    tensor(reference(self, dim, index, src, reduce, include_self, integer), kFloat64).view({4, 5}), tol,
                    tol));
          // A transposed (non-contiguous) self and source give the same.
          const Tensor out_t =
              scatter_reduce(self.t().contiguous().t(), dim, index, src.t().contiguous().t(), reduce, include_self);
          EXPECT_TRUE(close(out_t, out, 0, 0));
        }
      }
    }
  }
}

TEST(ScatterReduce, LargeScattersKeepTheOrderAcrossThreads) {
  // Large enough to split across threads (rows when dim is the last dim, columns otherwise):
  // repeated targets still combine in order (floats from a loop in order, bit for bit) and the
  // last write of a plain scatter wins.
  Generator gen(13);
  for (const int64_t dim : {0, 1}) {
    SCOPED_TRACE("dim " + std::to_string(dim));
    const Tensor self = randn({300, 400}, gen, kFloat64), src = randn({300, 400}, gen, kFloat64);
    const Tensor index = randint(0, dim == 0 ? 7 : 9, {300, 400}, gen, kInt64);  // many repeats
    const std::vector<double> want = reference(self, dim, index, src, "sum", true, false);
    EXPECT_TRUE(close(scatter_reduce(self, dim, index, src, "sum"), tensor(want, kFloat64).view({300, 400}), 0, 0));
    EXPECT_TRUE(close(scatter_add(self, dim, index, src), tensor(want, kFloat64).view({300, 400}), 0, 0));
    std::vector<double> last = vals(self);
    const auto idx = index.to_vector<int64_t>();
    const auto sv = vals(src);
    for (int64_t r = 0; r < 300; ++r)
      for (int64_t c = 0; c < 400; ++c) {
        const int64_t k = idx[static_cast<size_t>(r * 400 + c)];
        last[static_cast<size_t>(dim == 0 ? k * 400 + c : r * 400 + k)] = sv[static_cast<size_t>(r * 400 + c)];
      }
    EXPECT_TRUE(close(scatter(self, dim, index, src), tensor(last, kFloat64).view({300, 400}), 0, 0));
  }
}

TEST(ScatterReduce, NanPropagatesThroughAmaxAndAmin) {
  const Tensor self = tensor({1.0, 2.0, 3.0}, kFloat64);
  const Tensor src = tensor({NAN, 5.0}, kFloat64), index = tensor({0, 2}, kInt64);
  const auto mx = vals(scatter_reduce(self, 0, index, src, "amax"));
  EXPECT_TRUE(std::isnan(mx[0]));
  EXPECT_EQ(mx[2], 5);
  EXPECT_TRUE(std::isnan(vals(scatter_reduce(self, 0, index, src, "amin"))[0]));
}

TEST(ScatterReduce, GradientsOfEveryReduction) {
  Generator gen(3);
  for (const char* reduce : kReductions) {
    for (const bool include_self : {true, false}) {
      SCOPED_TRACE(std::string(reduce) + (include_self ? " with self" : " without self"));
      const Tensor self = (randn({4, 3}, gen, kFloat64) + 3.0).requires_grad_(true);
      const Tensor src = (randn({5, 3}, gen, kFloat64) + 3.0).requires_grad_(true);
      const Tensor index = tensor({0, 1, 3, 0, 1, 3, 0, 0, 0, 2, 1, 3, 0, 1, 3}, kInt64).view({5, 3});
      const auto f = [&](const tensor_list& x) { return scatter_reduce(x[0], 0, index, x[1], reduce, include_self); };
      EXPECT_TRUE(autograd::gradcheck(f, {self, src}));
      EXPECT_TRUE(autograd::gradgradcheck(f, {self, src}));
    }
  }
}

TEST(ScatterReduce, ProductGradientsAtZerosAndExtremeTies) {
  // One zero in a place: the others' product flows to it; two zeros: nothing flows anywhere there.
  Tensor self = tensor({2.0, 3.0, 0.0}, kFloat64).requires_grad_(true);
  Tensor src = tensor({0.0, 5.0, 0.0, 0.0, 7.0}, kFloat64).requires_grad_(true);
  const Tensor index = tensor({0, 0, 1, 1, 2}, kInt64);
  scatter_reduce(self, 0, index, src, "prod").sum().backward();
  EXPECT_EQ(vals(self.grad()), (std::vector<double>{0, 0, 7}));
  EXPECT_EQ(vals(src.grad()), (std::vector<double>{10, 0, 0, 0, 0}));
  // amax ties share the gradient: self and two sources equal the result there.
  Tensor a = tensor({4.0, 1.0}, kFloat64).requires_grad_(true);
  Tensor b = tensor({4.0, 4.0, 0.5}, kFloat64).requires_grad_(true);
  scatter_reduce(a, 0, tensor({0, 0, 1}, kInt64), b, "amax").sum().backward();
  EXPECT_TRUE(close(a.grad(), tensor({1.0 / 3, 1.0}, kFloat64)));
  EXPECT_TRUE(close(b.grad(), tensor({1.0 / 3, 1.0 / 3, 0.0}, kFloat64)));
}

TEST(ScatterReduce, InPlaceFormAndMethods) {
  Tensor x = tensor({1.0, 2.0, 3.0}, kFloat64);
  const Tensor src = tensor({4.0, 6.0}, kFloat64), index = tensor({2, 2}, kInt64);
  const auto version = x.version();
  EXPECT_TRUE(x.scatter_reduce_(0, index, src, "mean").is_same(x));
  EXPECT_GT(x.version(), version);
  EXPECT_EQ(vals(x), (std::vector<double>{1, 2, 13.0 / 3}));
  EXPECT_EQ(vals(tensor({7, 8}, kInt64).scatter_reduce(0, tensor({1}, kInt64), tensor({3}, kInt64), "mean", false)),
            (std::vector<double>{7, 3}));
  // Through autograd: in place on a non-leaf, gradients reach the leaf and the source.
  Tensor leaf = tensor({1.0, 2.0, 3.0}, kFloat64).requires_grad_(true);
  Tensor s = tensor({5.0, 0.5}, kFloat64).requires_grad_(true);
  Tensor y = leaf * 1.0;
  y.scatter_reduce_(0, tensor({0, 1}, kInt64), s, "amax");
  (y * tensor({1.0, 10.0, 100.0}, kFloat64)).sum().backward();
  EXPECT_EQ(vals(leaf.grad()), (std::vector<double>{0, 10, 100}));
  EXPECT_EQ(vals(s.grad()), (std::vector<double>{1, 0}));
}

TEST(ScatterReduce, ErrorsNameTheOp) {
  const Tensor x = zeros({3}, kFloat64), i = tensor({0, 1}, kInt64), s = ones({2}, kFloat64);
  EXPECT_THROW_WITH(scatter_reduce(x, 0, i, s, "max"), ValueError,
                    "scatter_reduce: reduce must be one of sum, prod, mean, amax and amin, got 'max'");
  EXPECT_THROW_WITH(scatter_reduce(x, 0, i, ones({2}, kFloat32), "sum"), TypeError,
                    "scatter_reduce: self (float64) and src (float32) must have the same dtype");
  EXPECT_THROW_WITH(scatter_reduce(x, 0, tensor({0, 3}, kInt64), s, "sum"), IndexError,
                    "scatter_reduce: index 3 is out of bounds for dim 0 with size 3");
  EXPECT_THROW_WITH(scatter_reduce(x, 0, tensor({0, 1}, kInt16), s, "sum"), IndexError,
                    "scatter_reduce: the index must be an int64 or int32 tensor, got int16");
  EXPECT_THROW_WITH(scatter_reduce(x, 0, tensor({0, 1, 2}, kInt64), s, "sum"), Error,
                    "scatter_reduce: the index's size 3 at dim 0 exceeds the source's size 2");
  EXPECT_THROW_WITH(scatter_reduce(x, 1, i, s, "sum"), Error, "scatter_reduce");
  EXPECT_THROW_WITH(x.clone().scatter_reduce_(0, i, s, "median"), ValueError, "scatter_reduce_: reduce must be one of");
  EXPECT_THROW_WITH(scatter_reduce(Tensor(), 0, i, s, "sum"), Error, "scatter_reduce");
}
