// The in-place forms computed out of place and copied in (tensor/ops/inplace_forms.cpp): each
// against its out-of-place op, the comparisons' 1/0 in self's dtype, gradients through them by
// gradcheck, and the refusals (a result self's dtype can't hold, a result that would broadcast
// self up, a leaf that requires grad).
#include <cmath>
#include <limits>

#include "test_util.h"

using namespace tg;
using tgtest::close;
using tgtest::vals;
using V = std::vector<double>;

namespace {

// x.op_(...) on a clone of x returns that clone, holding op(x, ...).
template <class InPlace, class OutOfPlace>
void expect_like_out_of_place(const Tensor& x, InPlace inplace, OutOfPlace out_of_place) {
  Tensor y = x.clone();
  const Tensor& r = inplace(y);
  EXPECT_TRUE(r.is_same(y));
  EXPECT_TRUE(close(y, out_of_place(x), 1e-12, 1e-12));
}

}  // namespace

TEST(InPlaceForms, ComparisonsWriteOneOrZeroInSelfsDtype) {
  const Tensor a = tensor(V{1, 2, 3, 4}), b = tensor(V{4, 2, 1, 4});
  Tensor x = a.clone();
  x.lt_(b);
  EXPECT_EQ(x.dtype(), kFloat64);
  EXPECT_EQ(vals(x), (V{1, 0, 0, 0}));
  x = a.clone();
  x.ge_(2.5);
  EXPECT_EQ(vals(x), (V{0, 0, 1, 1}));
  Tensor i = tensor(std::vector<int64_t>{0, 5, -2, 7});
  i.ne_(5);
  EXPECT_EQ(i.dtype(), kInt64);
  EXPECT_EQ(vals(i), (V{1, 0, 1, 1}));
  // other broadcasts to self.
  Tensor m = zeros({2, 3});
  m.eq_(tensor(V{0, 1, 0}));
  EXPECT_EQ(vals(m), (V{1, 0, 1, 1, 0, 1}));
  Tensor l = tensor(V{0, 1, 2, 0});
  l.logical_and_(tensor(V{1, 1, 0, 0}));
  EXPECT_EQ(vals(l), (V{0, 1, 0, 0}));
  l = tensor(V{0, 1, 2, 0});
  l.logical_or_(tensor(V{1, 0, 0, 0}));
  EXPECT_EQ(vals(l), (V{1, 1, 1, 0}));
  l = tensor(V{0, 1, 2, 0});
  l.logical_xor_(tensor(V{1, 1, 0, 0}));
  EXPECT_EQ(vals(l), (V{1, 0, 1, 0}));
  l = tensor(V{0, 1, 2, 0});
  EXPECT_TRUE(l.logical_not_().is_same(l));
  EXPECT_EQ(vals(l), (V{1, 0, 0, 1}));
  Tensor bits = tensor(std::vector<bool>{true, false});
  bits.gt_(0.5);
  EXPECT_EQ(bits.dtype(), kBool);
  // A comparison's gradient is zero, as in PyTorch.
  Tensor w = tensor(V{1, 2}).requires_grad_(true);
  Tensor y = w * 3.0;
  y.gt_(4.0);
  (y * w).sum().backward();
  EXPECT_EQ(vals(w.grad()), (V{0, 1}));
}

TEST(InPlaceForms, PointwiseMatchTheirOutOfPlaceOps) {
  const Tensor x = tensor(V{-2.5, -0.5, 0.0, 0.25, 1.5, 3.0});
  const Tensor p = tensor(V{0.1, 0.3, 0.5, 0.6, 0.9, 0.99});
  const Tensor o = tensor(V{2.0, -1.0, 3.0, 0.5, -4.0, 1.0});
  using T = const Tensor&;
  expect_like_out_of_place(
      x, [](T t) -> const Tensor& { return t.square_(); }, [](T t) { return t * t; });
  expect_like_out_of_place(
      x, [](T t) -> const Tensor& { return sgn_(t); }, [](T t) { return sign(t); });
  expect_like_out_of_place(
      x, [](T t) -> const Tensor& { return sinc_(t); }, [](T t) { return sinc(t); });
  expect_like_out_of_place(
      x, [](T t) -> const Tensor& { return deg2rad_(t); }, [](T t) { return deg2rad(t); });
  expect_like_out_of_place(
      x, [](T t) -> const Tensor& { return rad2deg_(t); }, [](T t) { return rad2deg(t); });
  expect_like_out_of_place(
      x, [](T t) -> const Tensor& { return frac_(t); }, [](T t) { return frac(t); });
  expect_like_out_of_place(
      x, [&](T t) -> const Tensor& { return t.hypot_(o); }, [&](T t) { return hypot(t, o); });
  expect_like_out_of_place(
      x, [&](T t) -> const Tensor& { return xlogy_(t, p); }, [&](T t) { return xlogy(t, p); });
  expect_like_out_of_place(
      x, [](T t) -> const Tensor& { return xlogy_(t, 2.0); }, [](T t) { return xlogy(t, 2.0); });
  expect_like_out_of_place(
      p, [](T t) -> const Tensor& { return logit_(t); }, [](T t) { return logit(t); });
  expect_like_out_of_place(
      x, [](T t) -> const Tensor& { return logit_(t, 0.2); }, [](T t) { return logit(t, 0.2); });
  expect_like_out_of_place(
      x, [&](T t) -> const Tensor& { return copysign_(t, o); }, [&](T t) { return copysign(t, o); });
  expect_like_out_of_place(
      x, [](T t) -> const Tensor& { return copysign_(t, -1.0); }, [](T t) { return copysign(t, -1.0); });
  expect_like_out_of_place(
      x, [&](T t) -> const Tensor& { return heaviside_(t, o); }, [&](T t) { return heaviside(t, o); });
  expect_like_out_of_place(
      x, [&](T t) -> const Tensor& { return ldexp_(t, o); }, [&](T t) { return ldexp(t, o); });
  expect_like_out_of_place(
      p, [](T t) -> const Tensor& { return float_power_(t, 2.5); }, [](T t) { return float_power(t, 2.5); });
  expect_like_out_of_place(
      p, [&](T t) -> const Tensor& { return float_power_(t, o); }, [&](T t) { return float_power(t, o); });
  expect_like_out_of_place(
      p, [](T t) -> const Tensor& { return t.polygamma_(1); }, [](T t) { return polygamma(1, t); });
  expect_like_out_of_place(
      p,
      [](T t) -> const Tensor& {
        return igamma_(t, tensor(V{1, 2, 3, 4, 5, 6}));
      },
      [](T t) {
        return igamma(t, tensor(V{1, 2, 3, 4, 5, 6}));
      });
  expect_like_out_of_place(
      p,
      [](T t) -> const Tensor& {
        return igammac_(t, tensor(V{1, 2, 3, 4, 5, 6}));
      },
      [](T t) {
        return igammac(t, tensor(V{1, 2, 3, 4, 5, 6}));
      });
  expect_like_out_of_place(
      x + 4.0, [](T t) -> const Tensor& { return mvlgamma_(t, 2); }, [](T t) { return mvlgamma(t, 2); });
  const double inf = std::numeric_limits<double>::infinity(), nan = std::nan("");
  Tensor n = tensor(V{nan, inf, -inf, 1.0});
  EXPECT_TRUE(n.nan_to_num_(0.5, 10.0, -10.0).is_same(n));
  EXPECT_EQ(vals(n), (V{0.5, 10.0, -10.0, 1.0}));
  // float32 self: the result is rounded to it.
  Tensor f = tensor(V{0.5, 2.0}).to(kFloat32);
  sinc_(f);
  EXPECT_EQ(f.dtype(), kFloat32);
  EXPECT_TRUE(close(f, sinc(tensor(V{0.5, 2.0})).to(kFloat32), 1e-7, 1e-7));
}

TEST(InPlaceForms, ProductsMatchTheirOutOfPlaceOps) {
  Generator gen(5);
  const Tensor m = randn({3, 4}, gen, kFloat64), a = randn({3, 2}, gen, kFloat64), b = randn({2, 4}, gen, kFloat64);
  const Tensor v = randn({4}, gen, kFloat64), u = randn({3}, gen, kFloat64);
  const Tensor s = randn({2, 3, 4}, gen, kFloat64), b1 = randn({2, 3, 5}, gen, kFloat64),
               b2 = randn({2, 5, 4}, gen, kFloat64);
  using T = const Tensor&;
  expect_like_out_of_place(
      m, [&](T t) -> const Tensor& { return addmm_(t, a, b, 0.5, 2.0); },
      [&](T t) { return addmm(t, a, b, 0.5, 2.0); });
  expect_like_out_of_place(
      u, [&](T t) -> const Tensor& { return addmv_(t, m, v, 2.0, -1.0); },
      [&](T t) { return addmv(t, m, v, 2.0, -1.0); });
  expect_like_out_of_place(
      m, [&](T t) -> const Tensor& { return addr_(t, u, v); }, [&](T t) { return addr(t, u, v); });
  expect_like_out_of_place(
      s, [&](T t) -> const Tensor& { return baddbmm_(t, b1, b2, 1.0, 0.5); },
      [&](T t) { return baddbmm(t, b1, b2, 1.0, 0.5); });
  expect_like_out_of_place(
      m, [&](T t) -> const Tensor& { return addbmm_(t, b1, b2); }, [&](T t) { return addbmm(t, b1, b2); });
  // self is not broadcast up to the product's shape.
  EXPECT_THROW_WITH(addmm_(zeros({4}, kFloat64), a, b), Error,
                    "addmm_: the result's shape [3, 4] is not self's shape [4]");
  EXPECT_THROW_WITH(addr_(zeros({1, 4}, kFloat64), u, v), Error,
                    "addr_: the result's shape [3, 4] is not self's shape [1, 4]");
}

TEST(InPlaceForms, GradientsFlowThroughTheInPlaceForms) {
  Generator gen(11);
  const Tensor x = rand({2, 3}, gen, kFloat64).add_(0.1).requires_grad_(true);
  const Tensor o = randn({2, 3}, gen, kFloat64).requires_grad_(true);
  // Each writes into a non-leaf copy of the first input.
  auto in_place = [](auto op) {
    return [op](const tensor_list& in) {
      Tensor y = in[0] * 1.0;
      op(y, in);
      return y;
    };
  };
  using L = const tensor_list&;
  using T = const Tensor&;
  EXPECT_TRUE(autograd::gradcheck(in_place([](T y, L) { y.square_(); }), {x}));
  EXPECT_TRUE(autograd::gradcheck(in_place([](T y, L) { sinc_(y); }), {x}));
  EXPECT_TRUE(autograd::gradcheck(in_place([](T y, L) { deg2rad_(y); }), {x}));
  EXPECT_TRUE(autograd::gradcheck(in_place([](T y, L) { logit_(y); }), {x}));
  EXPECT_TRUE(autograd::gradcheck(in_place([](T y, L) { y.polygamma_(2); }), {x}));
  EXPECT_TRUE(autograd::gradcheck(in_place([](T y, L) { mvlgamma_(y.add_(2.0), 2); }), {x}));
  EXPECT_TRUE(autograd::gradcheck(in_place([](T y, L in) { y.hypot_(in[1]); }), {x, o}));
  EXPECT_TRUE(autograd::gradcheck(in_place([](T y, L in) { xlogy_(y, in[1].abs()); }), {x, o}));
  EXPECT_TRUE(autograd::gradcheck(in_place([](T y, L in) { copysign_(y, in[1]); }), {x, o}));
  EXPECT_TRUE(autograd::gradcheck(in_place([](T y, L in) { float_power_(y, in[1]); }), {x, o}));
  EXPECT_TRUE(autograd::gradcheck(in_place([](T y, L in) { ldexp_(y, in[1].round()); }), {x, o}));
  // igammac's derivative in self is not implemented (as in PyTorch): other's only.
  EXPECT_TRUE(autograd::gradcheck(
      [](L in) {
        Tensor y = full({2, 3}, 1.5, kFloat64);
        igammac_(y, in[0].abs() + 0.1);
        return y;
      },
      {o}));
  const Tensor a = randn({2, 4}, gen, kFloat64).requires_grad_(true), b = randn({4, 3}, gen, kFloat64);
  EXPECT_TRUE(autograd::gradcheck(in_place([&](T y, L in) { addmm_(y, in[1], b, 0.5, 2.0); }), {x, a}));
  EXPECT_TRUE(autograd::gradgradcheck(in_place([](T y, L in) { y.hypot_(in[1]); }), {x, o}));
}

TEST(InPlaceForms, RefusalsNameTheOp) {
  Tensor ints = tensor(std::vector<int64_t>{1, 2});
  EXPECT_THROW_WITH(sinc_(ints), Error, "sinc_: the result type float32 can't be cast to the tensor's dtype int64");
  EXPECT_THROW_WITH(ints.hypot_(tensor(V{1, 2})), Error,
                    "hypot_: the result type float64 can't be cast to the tensor's dtype int64");
  EXPECT_THROW_WITH(float_power_(tensor(V{1, 2}).to(kFloat32), 2.0), Error,
                    "float_power_: the result is float64, and self is float32");
  Tensor small = zeros({3}, kFloat64);
  EXPECT_THROW_WITH(small.lt_(zeros({2, 3}, kFloat64)), Error,
                    "lt_: the result's shape [2, 3] is not self's shape [3] (an in-place op can't broadcast self)");
  Tensor leaf = zeros({2}, kFloat64).requires_grad_(true);
  EXPECT_THROW_WITH(leaf.eq_(0.0), Error,
                    "eq_: a leaf tensor that requires grad is being used in an in-place operation");
  EXPECT_THROW_WITH(xlogy_(leaf, 2.0), Error, "xlogy_: a leaf tensor that requires grad");
  EXPECT_THROW_WITH(Tensor().logical_not_(), Error, "logical_not_");
}
