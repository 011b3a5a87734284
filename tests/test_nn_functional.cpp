// The functional nn ops other than convolution and pooling: values against hand-written
// formulas, gradients (to second order where they compose), and error messages.
#include <cmath>

#include "test_util.h"

using namespace tg;
using tgtest::close;
using tgtest::sample;
using tgtest::vals;

namespace {
Tensor rnd(Generator& gen, Shape s, bool grad = true) {
  Tensor t = sample(gen, s, tgtest::kAnyValue);
  return grad ? t.requires_grad_(true) : t;
}
}  // namespace

TEST(Functional, LinearAndBilinear) {
  Generator gen(10);
  Tensor x = rnd(gen, {3, 2, 4}), w = rnd(gen, {5, 4}), b = rnd(gen, {5});
  EXPECT_TRUE(close(F::linear(x, w, b), matmul(x, w.t()) + b));
  EXPECT_TRUE(close(F::linear(x, w), matmul(x, w.t())));
  // float32 takes oneDNN's fused bias; 1-D and 2-D inputs keep their shapes.
  const Tensor xf = x.detach().to(kFloat32), wf = w.detach().to(kFloat32), bf = b.detach().to(kFloat32);
  EXPECT_TRUE(close(F::linear(xf, wf, bf), matmul(xf, wf.t()) + bf, 1e-5, 1e-6));
  EXPECT_EQ(F::linear(xf.select(0, 0).select(0, 0), wf, bf).sizes(), Shape({5}));
  EXPECT_TRUE(close(F::linear(xf.select(0, 0), wf, bf), matmul(xf.select(0, 0), wf.t()) + bf, 1e-5, 1e-6));
  EXPECT_TRUE(autograd::gradgradcheck([](const tensor_list& in) { return F::linear(in[0], in[1], in[2]); }, {x, w, b}));
  Tensor x1 = rnd(gen, {3, 4}), x2 = rnd(gen, {3, 2}), a = rnd(gen, {5, 4, 2}), ab = rnd(gen, {5});
  Tensor y = F::bilinear(x1, x2, a, ab);
  for (int64_t n = 0; n < 3; ++n)
    for (int64_t o = 0; o < 5; ++o) {
      double s = ab[o].item<double>();
      for (int64_t i = 0; i < 4; ++i)
        for (int64_t j = 0; j < 2; ++j)
          s += x1[n][i].item<double>() * a[o][i][j].item<double>() * x2[n][j].item<double>();
      EXPECT_NEAR(y[n][o].item<double>(), s, 1e-12);
    }
  EXPECT_TRUE(autograd::gradcheck([](const tensor_list& in) { return F::bilinear(in[0], in[1], in[2], in[3]); }, {x1, x2, a, ab}));
  EXPECT_THROW_WITH(F::linear(x, rnd(gen, {5, 3})), Error, "linear: input of shape [3, 2, 4] does not match weight of shape [5, 3]");
  EXPECT_THROW_WITH(F::linear(x, w, zeros({4})), Error, "bias of shape [5]");
  EXPECT_THROW_WITH(F::bilinear(x1, x1, a), Error, "do not match weight of shape [5, 4, 2]");
}

TEST(Functional, BatchNorm) {
  Generator gen(11);
  Tensor x = rnd(gen, {4, 3, 2, 2}), w = rnd(gen, {3}), b = rnd(gen, {3});
  Tensor rm = zeros({3}, kFloat64), rv = ones({3}, kFloat64);
  Tensor y = F::batch_norm(x, rm, rv, {.weight = w, .bias = b, .training = true, .momentum = 0.2});
  Tensor mean = x.mean({0, 2, 3}, true), var = x.var({0, 2, 3}, 0, true);
  Tensor expected = (x - mean) / sqrt(var + 1e-5) * w.view({1, 3, 1, 1}) + b.view({1, 3, 1, 1});
  EXPECT_TRUE(close(y, expected));
  EXPECT_TRUE(close(rm, mean.view({3}) * 0.2));
  EXPECT_TRUE(close(rv, x.var({0, 2, 3}, 1).detach() * 0.2 + 0.8));
  EXPECT_FALSE(rm.requires_grad());
  Tensor ye = F::batch_norm(x, rm, rv, {.weight = w, .bias = b});
  EXPECT_TRUE(close(ye, (x - rm.view({1, 3, 1, 1})) / sqrt(rv.view({1, 3, 1, 1}) + 1e-5) * w.view({1, 3, 1, 1}) + b.view({1, 3, 1, 1})));
  auto train = [](const tensor_list& in) { return F::batch_norm(in[0], {}, {}, {.weight = in[1], .bias = in[2], .training = true}); };
  EXPECT_TRUE(autograd::gradcheck(train, {x, w, b}));
  EXPECT_TRUE(autograd::gradgradcheck(train, {x, w, b}));
  // Eval mode through the running statistics, and non-contiguous input (the composite path).
  Tensor rm2 = rnd(gen, {3}, false), rv2 = (rnd(gen, {3}, false).abs() + 0.5);
  EXPECT_TRUE(autograd::gradgradcheck([&](const tensor_list& in) { return F::batch_norm(in[0], rm2, rv2, {.weight = in[1], .bias = in[2]}); }, {x, w, b}));
  // Eval mode's one-pass kernel (contiguous float32 / float64) against the composite path, which
  // a non-contiguous input takes: with and without the affine part, [N, C], [N, C, L] and images.
  for (const Shape& shape : {Shape{4, 3, 2, 2}, Shape{5, 3}, Shape{2, 3, 7}}) {
    for (DType dt : {kFloat64, kFloat32}) {
      const Tensor xi = rnd(gen, shape, false).to(dt);
      const int last = xi.dim() - 1;
      const Tensor strided = xi.transpose(0, last).contiguous().transpose(0, last);
      ASSERT_FALSE(strided.is_contiguous());
      for (bool affine : {false, true}) {
        F::BatchNormOptions o;
        if (affine) o.weight = w.detach().to(dt), o.bias = b.detach().to(dt);
        const double tol = dt == kFloat64 ? 1e-12 : 1e-5;
        EXPECT_TRUE(close(F::batch_norm(xi, rm2, rv2, o), F::batch_norm(strided, rm2, rv2, o), tol, tol))
            << fmt::format("{} {} affine {}", shape, name(dt), affine);
      }
    }
  }
  EXPECT_TRUE(autograd::gradcheck([&](const tensor_list& in) { return F::batch_norm(in[0], rm2, rv2, {.bias = in[1]}); }, {x, b}));
  Tensor xt = rnd(gen, {2, 2, 3, 4}).transpose(0, 2);
  EXPECT_TRUE(close(F::batch_norm(xt, {}, {}, {.training = true}), F::batch_norm(xt.contiguous(), {}, {}, {.training = true})));
  EXPECT_TRUE(autograd::gradcheck([](const tensor_list& in) { return F::batch_norm(in[0].transpose(0, 2), {}, {}, {.training = true}); }, {rnd(gen, {2, 2, 3, 4})}));
  // [N, C] input (BatchNorm1d).
  EXPECT_EQ(F::batch_norm(rnd(gen, {5, 3}), rm, rv, {.training = true}).sizes(), Shape({5, 3}));
  EXPECT_THROW_WITH(F::batch_norm(rnd(gen, {1, 3}), rm, rv, {.training = true}), ValueError, "more than 1 value per channel");
  EXPECT_THROW_WITH(F::batch_norm(x, {}, {}), Error, "needs running_mean and running_var");
  EXPECT_THROW_WITH(F::batch_norm(x, zeros({2}), rv), Error, "running_mean of shape [3], got [2]");
}

TEST(Functional, LayerAndGroupNorm) {
  Generator gen(12);
  Tensor x = rnd(gen, {2, 3, 4}), w = rnd(gen, {3, 4}), b = rnd(gen, {3, 4});
  Tensor m = x.mean({1, 2}, true), v = x.var({1, 2}, 0, true);
  EXPECT_TRUE(close(F::layer_norm(x, {3, 4}, w, b), (x - m) / sqrt(v + 1e-5) * w + b));
  auto ln = [](const tensor_list& in) { return F::layer_norm(in[0], {4}, in[1], in[2], 1e-3); };
  Tensor w4 = rnd(gen, {4}), b4 = rnd(gen, {4});
  EXPECT_TRUE(autograd::gradcheck(ln, {x, w4, b4}));
  EXPECT_TRUE(autograd::gradgradcheck(ln, {x, w4, b4}));
  Tensor g = rnd(gen, {2, 6, 3}), gw = rnd(gen, {6}), gb = rnd(gen, {6});
  Tensor gx = g.view({2, 2, 9});
  Tensor gexp = ((gx - gx.mean({2}, true)) / sqrt(gx.var({2}, 0, true) + 1e-5)).view({2, 6, 3}) * gw.view({1, 6, 1}) + gb.view({1, 6, 1});
  EXPECT_TRUE(close(F::group_norm(g, 2, gw, gb), gexp));
  EXPECT_TRUE(autograd::gradcheck([](const tensor_list& in) { return F::group_norm(in[0], 3, in[1], in[2]); }, {g, gw, gb}));
  EXPECT_TRUE(autograd::gradgradcheck([](const tensor_list& in) { return F::group_norm(in[0], 3, in[1], in[2]); }, {g, gw, gb}));
  // float32 (the fused rows) against float64, and the composed path of a 16-bit input.
  EXPECT_TRUE(close(F::group_norm(g.to(kFloat32), 2, gw.to(kFloat32), gb.to(kFloat32)).to(kFloat64), gexp, 1e-5, 1e-5));
  EXPECT_TRUE(close(F::group_norm(g.to(kBFloat16), 2).to(kFloat64), F::group_norm(g, 2), 2e-2, 2e-2));
  EXPECT_EQ(F::group_norm(zeros({0, 6, 3}), 2).sizes(), Shape({0, 6, 3}));
  EXPECT_THROW_WITH(F::layer_norm(x, {3}), Error, "layer_norm: normalized_shape [3] does not match the trailing dims of the input of shape [2, 3, 4]");
  EXPECT_THROW_WITH(F::group_norm(g, 4), ValueError, "6 channels cannot be split into 4 groups");
}

// The fused group-norm kernels against the formula in tensor ops, forward and every gradient, in
// both float dtypes, with each affine combination, over [N, C, H, W], [N, C, L] and [N, C].
TEST(Functional, FusedGroupNormMatchesTheComposedFormula) {
  Generator gen(22);
  const std::vector<Shape> shapes = {{3, 6, 5, 4}, {2, 6, 7}, {5, 6}};
  for (DType dt : {kFloat64, kFloat32}) {
    for (const Shape& shape : shapes) {
      for (int affine = 0; affine < 4; ++affine) {
        SCOPED_TRACE(fmt::format("{} {} affine={}", dt, shape, affine));
        const Tensor x0 = randn(shape, gen, dt) * 2.0 + 3.0;
        const Tensor w0 = randn({6}, gen, dt), b0 = randn({6}, gen, dt);
        auto leaf = [](const Tensor& t) { return t.detach().requires_grad_(true); };
        Tensor xa = leaf(x0), wa = leaf(w0), ba = leaf(b0), xb = leaf(x0), wb = leaf(w0), bb = leaf(b0);
        const bool has_w = affine & 1, has_b = affine & 2;
        const Tensor y = F::group_norm(xa, 3, has_w ? wa : Tensor(), has_b ? ba : Tensor(), 1e-4);
        const Tensor x3 = xb.reshape({shape[0], 3, -1});
        Tensor ref = ((x3 - x3.mean({2}, true)) * rsqrt(x3.var({2}, 0, true) + 1e-4)).view(shape);
        Shape cs = Shape::filled(static_cast<int64_t>(shape.size()), 1);
        cs[1] = 6;
        if (has_w) ref = ref * wb.view(cs);
        if (has_b) ref = ref + bb.view(cs);
        const double tol = dt == kFloat64 ? 1e-10 : 2e-4;
        EXPECT_TRUE(close(y, ref, tol, tol));
        const Tensor g = randn(shape, gen, dt);
        y.backward(g);
        ref.backward(g);
        EXPECT_TRUE(close(xa.grad(), xb.grad(), tol, tol));
        if (has_w) {
          EXPECT_TRUE(close(wa.grad(), wb.grad(), tol, tol));
        }
        if (has_b) {
          EXPECT_TRUE(close(ba.grad(), bb.grad(), tol, tol));
        }
      }
    }
  }
  // An expanded gradient (sum's), and only the weight needing one.
  const Tensor x = randn({4, 6, 3, 3}, gen, kFloat64);
  Tensor w = ones({6}, kFloat64).requires_grad_(true);
  F::group_norm(x, 2, w, Tensor()).sum().backward();
  const Tensor x3 = x.reshape({4, 2, -1});
  const Tensor xhat = ((x3 - x3.mean({2}, true)) * rsqrt(x3.var({2}, 0, true) + 1e-5)).view(x.sizes());
  EXPECT_TRUE(close(w.grad(), xhat.sum({0, 2, 3}), 1e-10, 1e-10));
  EXPECT_TRUE(close(w.grad().view({2, 3}).sum({1}), zeros({2}, kFloat64), 0, 1e-10));  // xhat sums to 0 per group
}

// The fused layer-norm kernels against the composed formula, forward and every gradient, in
// both float dtypes, with and without the affine parameters and over several trailing dims.
// float16 / bfloat16 layer, group and batch norm run on the float32 kernels: the result is the
// float32 one rounded once, gradients reach the 16-bit input and parameters in their dtypes,
// float32 parameters promote the result, and training batch norm updates 16-bit running stats.
TEST(Functional, HalfNormsAreTheFloat32NormsRounded) {
  Generator gen(22);
  for (DType dt : {kBFloat16, kFloat16}) {
    SCOPED_TRACE(name(dt));
    const Tensor x0 = (randn({4, 6, 5, 3}, gen) * 2.0 + 1.0).to(dt);
    const Tensor w0 = randn({6}, gen).to(dt), b0 = randn({6}, gen).to(dt);
    const Tensor lw = randn({5, 3}, gen).to(dt), lb = randn({5, 3}, gen).to(dt);
    auto leaf = [](const Tensor& t) { return t.detach().requires_grad_(true); };
    auto f32 = [](const Tensor& t) { return t.to(kFloat32); };
    Tensor x = leaf(x0), w = leaf(lw), b = leaf(lb);
    Tensor y = F::layer_norm(x, {5, 3}, w, b);
    EXPECT_EQ(y.dtype(), dt);
    EXPECT_EQ(vals(y), vals(F::layer_norm(f32(x0), {5, 3}, f32(lw), f32(lb)).to(dt)));
    y.sum().backward();
    EXPECT_EQ(x.grad().dtype(), dt);
    EXPECT_EQ(w.grad().dtype(), dt);
    EXPECT_EQ(b.grad().dtype(), dt);
    EXPECT_EQ(F::layer_norm(x0, {5, 3}, f32(lw), Tensor()).dtype(), kFloat32);
    // Without autograd the kernel widens a row at a time: the same values.
    const Tensor long_rows = randn({3, 1001}, gen).to(dt), lw2 = randn({1001}, gen).to(dt);
    EXPECT_EQ(vals(F::layer_norm(x0, {5, 3}, lw, lb)), vals(F::layer_norm(f32(x0), {5, 3}, f32(lw), f32(lb)).to(dt)));
    EXPECT_EQ(vals(F::layer_norm(x0, {5, 3}, Tensor(), lb)),
              vals(F::layer_norm(f32(x0), {5, 3}, Tensor(), f32(lb)).to(dt)));
    EXPECT_EQ(vals(F::layer_norm(long_rows, {1001}, lw2, Tensor())),
              vals(F::layer_norm(f32(long_rows), {1001}, f32(lw2), Tensor()).to(dt)));
    EXPECT_EQ(vals(F::layer_norm(long_rows.t(), {3})), vals(F::layer_norm(f32(long_rows.t()), {3}).to(dt)));
    EXPECT_EQ(vals(F::group_norm(x0, 3, w0, b0)), vals(F::group_norm(f32(x0), 3, f32(w0), f32(b0)).to(dt)));
    Tensor rm = zeros({6}, dt), rv = ones({6}, dt), rm32 = zeros({6}), rv32 = ones({6});
    Tensor xb = leaf(x0), wb = leaf(w0);
    Tensor z = F::batch_norm(xb, rm, rv, {.weight = wb, .bias = b0, .training = true});
    EXPECT_EQ(z.dtype(), dt);
    EXPECT_EQ(vals(z),
              vals(F::batch_norm(f32(x0), rm32, rv32, {.weight = f32(w0), .bias = f32(b0), .training = true}).to(dt)));
    EXPECT_TRUE(close(f32(rm), rm32, 1e-2, 1e-2));  // updated in place in their dtype: rounded per step
    EXPECT_TRUE(close(f32(rv), rv32, 1e-2, 1e-2));
    z.sum().backward();
    EXPECT_EQ(xb.grad().dtype(), dt);
    EXPECT_EQ(wb.grad().dtype(), dt);
    // float64 parameters keep the composed form, which promotes to them.
    EXPECT_EQ(F::layer_norm(x0, {5, 3}, lw.to(kFloat64), Tensor()).dtype(), kFloat64);
  }
}

TEST(Functional, FusedLayerNormMatchesTheComposedFormula) {
  Generator gen(21);
  for (DType dt : {kFloat64, kFloat32}) {
    for (int affine = 0; affine < 4; ++affine) {
      SCOPED_TRACE(fmt::format("{} affine={}", dt, affine));
      const Tensor x0 = randn({6, 5, 7, 9}, gen, dt) * 2.0 + 3.0;
      const Tensor w0 = randn({7, 9}, gen, dt), b0 = randn({7, 9}, gen, dt);
      auto leaf = [](const Tensor& t) { return t.detach().requires_grad_(true); };
      Tensor xa = leaf(x0), wa = leaf(w0), ba = leaf(b0), xb = leaf(x0), wb = leaf(w0), bb = leaf(b0);
      const bool has_w = affine & 1, has_b = affine & 2;
      const Tensor y = F::layer_norm(xa, {7, 9}, has_w ? wa : Tensor(), has_b ? ba : Tensor(), 1e-4);
      Tensor ref = (xb - xb.mean({2, 3}, true)) * rsqrt(xb.var({2, 3}, 0, true) + 1e-4);
      if (has_w) ref = ref * wb;
      if (has_b) ref = ref + bb;
      const double tol = dt == kFloat64 ? 1e-10 : 2e-4;
      EXPECT_TRUE(close(y, ref, tol, tol));
      const Tensor g = randn(y.sizes(), gen, dt);
      y.backward(g);
      ref.backward(g);
      EXPECT_TRUE(close(xa.grad(), xb.grad(), tol, tol));
      if (has_w) {
        EXPECT_TRUE(close(wa.grad(), wb.grad(), tol, tol));
      }
      if (has_b) {
        EXPECT_TRUE(close(ba.grad(), bb.grad(), tol, tol));
      }
    }
  }
  // Enough rows for every thread and for several 64-row blocks of the weight-gradient sums.
  {
    auto leaf = [](const Tensor& t) { return t.detach().requires_grad_(true); };
    const Tensor x0 = randn({2000, 20}, gen) + 1.0, w0 = randn({20}, gen), g = randn({2000, 20}, gen);
    Tensor xa = leaf(x0), wa = leaf(w0), ba = leaf(zeros({20})), xb = leaf(x0.to(kFloat64)),
           wb = leaf(w0.to(kFloat64)), bb = leaf(zeros({20}, kFloat64));
    F::layer_norm(xa, {20}, wa, ba).backward(g);
    F::layer_norm(xb, {20}, wb, bb).backward(g.to(kFloat64));
    EXPECT_TRUE(close(xa.grad(), xb.grad().to(kFloat32), 1e-4, 1e-4));
    EXPECT_TRUE(close(wa.grad(), wb.grad().to(kFloat32), 1e-4, 1e-4));
    EXPECT_TRUE(close(ba.grad(), bb.grad().to(kFloat32), 1e-4, 1e-4));
  }
  // A non-contiguous input, and a weight of another dtype (the composed path).
  const Tensor xt = randn({4, 6}, gen, kFloat64).t();
  EXPECT_TRUE(close(F::layer_norm(xt, {4}), F::layer_norm(xt.contiguous(), {4})));
  EXPECT_TRUE(close(F::layer_norm(xt, {4}, ones({4}, kFloat32)), F::layer_norm(xt, {4}), 1e-6, 1e-6));
}

TEST(Functional, Dropout) {
  Tensor x = ones({100000});
  Generator g1(7), g2(7);
  Tensor a = F::dropout(x, 0.3, true, &g1), b = F::dropout(x, 0.3, true, &g2);
  EXPECT_TRUE(equal(a, b));
  const double kept = (a > 0).sum().item<double>() / 100000;
  EXPECT_NEAR(kept, 0.7, 0.01);
  EXPECT_NEAR(a.max().item<double>(), 1 / 0.7, 1e-6);
  EXPECT_TRUE(F::dropout(x, 0.3, false).is_same(x));
  EXPECT_EQ(F::dropout(x, 1.0).sum().item<double>(), 0.0);
  Generator gen(13);
  Tensor xs = rnd(gen, {20});
  EXPECT_TRUE(autograd::gradcheck([](const tensor_list& in) { Generator g(3); return F::dropout(in[0], 0.4, true, &g); }, {xs}));
  EXPECT_THROW_WITH(F::dropout(x, 1.5), ValueError, "between 0 and 1, but got 1.5");
}

TEST(Functional, EmbeddingAndOneHot) {
  Tensor w = arange(12, kFloat64).view({4, 3}).requires_grad_(true);
  Tensor idx = tensor({{0, 2}, {2, 3}});
  Tensor e = F::embedding(idx, w, 2);
  EXPECT_EQ(e.sizes(), Shape({2, 2, 3}));
  EXPECT_TRUE(close(e[1][1], tensor({9.0, 10.0, 11.0}, kFloat64)));
  e.sum().backward();
  EXPECT_TRUE(close(w.grad(), tensor({{1.0, 1.0, 1.0}, {0.0, 0.0, 0.0}, {0.0, 0.0, 0.0}, {1.0, 1.0, 1.0}}, kFloat64)));
  Generator gen(1);
  Tensor wl = rnd(gen, {4, 3});
  EXPECT_TRUE(autograd::gradgradcheck([idx](const tensor_list& in) { return F::embedding(idx, in[0]); }, {wl}));
  EXPECT_THROW_WITH(F::embedding(tensor({4}), w), IndexError, "index 4 is out of range for a table of 4 rows");
  EXPECT_THROW_WITH(F::embedding(tensor({1.0}), w), TypeError, "int64 or int32");
  EXPECT_EQ(F::one_hot(tensor({0, 2})).to_vector<int64_t>(), (std::vector<int64_t>{1, 0, 0, 0, 0, 1}));
  EXPECT_EQ(F::one_hot(tensor({1}), 4).sizes(), Shape({1, 4}));
  EXPECT_THROW_WITH(F::one_hot(tensor({3}), 3), ValueError, "class value 3 is out of range for 3 classes");
  EXPECT_THROW_WITH(F::one_hot(tensor({-1})), ValueError, "non-negative");
}

TEST(Functional, RegressionLosses) {
  Tensor x = tensor({1.0, -2.0, 3.0, 0.5}, kFloat64), y = tensor({0.0, 0.0, 3.5, 2.5}, kFloat64);
  EXPECT_NEAR(F::mse_loss(x, y).item<double>(), (1 + 4 + 0.25 + 4) / 4.0, 1e-12);
  EXPECT_NEAR(F::l1_loss(x, y, F::Reduction::Sum).item<double>(), 1 + 2 + 0.5 + 2, 1e-12);
  // |d| = 1, 2, 0.5, 2 with beta 1: 0.5, 1.5, 0.125, 1.5.
  EXPECT_NEAR(F::smooth_l1_loss(x, y).item<double>(), (0.5 + 1.5 + 0.125 + 1.5) / 4, 1e-12);
  EXPECT_TRUE(close(F::smooth_l1_loss(x, y, F::Reduction::None, 0.0), abs(x - y)));
  // An integer or bool side beside a floating-point one computes in the common dtype (torch's).
  const Tensor counts = tensor({1, -2, 3, 0});
  EXPECT_NEAR(F::mse_loss(counts, y).item<double>(), (1 + 4 + 0.25 + 6.25) / 4.0, 1e-12);
  EXPECT_EQ(F::l1_loss(x.to(kFloat32), counts).dtype(), kFloat32);
  EXPECT_NEAR(F::smooth_l1_loss(x, tensor({true, false, true, false})).item<double>(), (0 + 1.5 + 1.5 + 0.125) / 4,
              1e-12);
  EXPECT_NEAR(F::huber_loss(x, counts).item<double>(), (0 + 0 + 0 + 0.125) / 4, 1e-12);
  EXPECT_THROW_WITH(F::mse_loss(counts, counts), TypeError,
                    "mse_loss: expected a floating-point input or target, got int64 and int64");
  Generator gen(14);
  Tensor a = rnd(gen, {3, 4}), b = rnd(gen, {3, 4});
  for (auto fn : {+[](const tensor_list& in) { return F::mse_loss(in[0], in[1]); },
                  +[](const tensor_list& in) { return F::smooth_l1_loss(in[0], in[1], F::Reduction::Sum, 0.7); },
                  +[](const tensor_list& in) { return F::l1_loss(in[0], in[1], F::Reduction::None); }})
    EXPECT_TRUE(autograd::gradcheck(fn, {a, b}));
  // mse_loss's own backward (one scaled copy of the saved difference), to the second order, for
  // both reductions, and against the composed formula.
  for (auto red : {F::Reduction::Mean, F::Reduction::Sum}) {
    auto mse = [red](const tensor_list& in) { return F::mse_loss(in[0], in[1], red); };
    EXPECT_TRUE(autograd::gradcheck(mse, {a, b}));
    EXPECT_TRUE(autograd::gradgradcheck(mse, {a, b}));
    Tensor p = a.detach().requires_grad_(true), q = b.detach().requires_grad_(true);
    F::mse_loss(p, q, red).backward();
    const double n = red == F::Reduction::Mean ? 12.0 : 1.0;
    EXPECT_TRUE(close(p.grad(), (a - b) * (2.0 / n), 1e-12, 1e-12));
    EXPECT_TRUE(close(q.grad(), (b - a) * (2.0 / n), 1e-12, 1e-12));
  }
  EXPECT_TRUE(std::isnan(F::mse_loss(zeros({0}), zeros({0})).item<double>()));
  // The squares are summed in the reduction pass: a 0-dim pair, a strided view, and 16-bit inputs
  // (squares accumulated in float32, the result in the input's dtype) against the float64 sum.
  EXPECT_NEAR(F::mse_loss(tensor(3.0, kFloat64), tensor(1.0, kFloat64), F::Reduction::Sum).item<double>(), 4, 0);
  const Tensor big = rnd(gen, {64, 70});
  EXPECT_NEAR(F::mse_loss(big.t(), big.t().flip({0})).item<double>(), square(big - big.flip({1})).mean().item<double>(),
              1e-12);
  for (DType dt : {kFloat32, kFloat16, kBFloat16}) {
    const Tensor u = big.to(dt), v = big.flip({0}).to(dt);
    const Tensor loss = F::mse_loss(u, v, F::Reduction::Sum);
    EXPECT_EQ(loss.dtype(), dt);
    const double want = square(u.to(kFloat64) - v.to(kFloat64)).sum().item<double>();
    EXPECT_NEAR(loss.to(kFloat64).item<double>(), want,
                want * (dt == kFloat32   ? 1e-6
                        : dt == kFloat16 ? 2e-3
                                         : 1e-2))
        << name(dt);
  }
  EXPECT_THROW_WITH(F::mse_loss(x, y.view({2, 2})), Error, "mse_loss: input of shape [4] and target of shape [2, 2] differ");
  EXPECT_THROW_WITH(F::mse_loss(x, y, F::Reduction::BatchMean), ValueError, "only for kl_div");
}

// Huber and smooth L1 reduced to a mean or sum have a backward of their own (the clamped
// difference, saved): values and gradients against the elementwise form, in float32 too and
// with ties at the band's edges, to the second order, and the empty mean's NaN.
TEST(Functional, HuberAndSmoothL1ReducedMatchTheirElementwiseForm) {
  Generator gen(15);
  Tensor a = rnd(gen, {6, 5}, false) * 3.0, b = rnd(gen, {6, 5}, false);
  a.select(0, 0).copy_(b.select(0, 0) + 0.5);  // |d| exactly on the band's edge (delta 0.5)
  a.select(0, 1).copy_(b.select(0, 1) - 0.5);
  for (DType dt : {kFloat64, kFloat32})
    for (auto red : {F::Reduction::Mean, F::Reduction::Sum})
      for (double delta : {0.5, 1.0, 2.5}) {
        SCOPED_TRACE(fmt::format("{} delta {}", name(dt), delta));
        const double n = red == F::Reduction::Mean ? 30.0 : 1.0;
        const Tensor d = (a - b).to(kFloat64), ad = abs(d);
        const Tensor huber = where(ad < delta, d * d * 0.5, (ad - delta * 0.5) * delta);
        const Tensor slope = clamp(d, -delta, delta);
        const double tol = dt == kFloat64 ? 1e-12 : 1e-5;
        Tensor p = a.to(dt).detach().requires_grad_(true), q = b.to(dt).detach().requires_grad_(true);
        Tensor l = F::huber_loss(p, q, red, delta);
        EXPECT_NEAR(l.item<double>(), huber.sum().item<double>() / n, tol * huber.sum().item<double>());
        l.backward();
        EXPECT_TRUE(close(p.grad().to(kFloat64), slope / n, tol, tol));
        EXPECT_TRUE(close(q.grad().to(kFloat64), -slope / n, tol, tol));
        p = a.to(dt).detach().requires_grad_(true);
        l = F::smooth_l1_loss(p, b.to(dt), red, delta);
        EXPECT_NEAR(l.item<double>(), huber.sum().item<double>() / (n * delta), tol * huber.sum().item<double>());
        l.backward();
        EXPECT_TRUE(close(p.grad().to(kFloat64), slope / (n * delta), tol, tol));
        if (dt == kFloat64) {
          auto fn = [red, delta](const tensor_list& in) { return F::huber_loss(in[0], in[1], red, delta); };
          const tensor_list in{a.detach().requires_grad_(true), b.detach().requires_grad_(true)};
          EXPECT_TRUE(autograd::gradcheck(fn, in));
          if (delta != 0.5) {  // the second derivative steps at the edge
            EXPECT_TRUE(autograd::gradgradcheck(fn, in));
          }
        }
      }
  EXPECT_TRUE(std::isnan(F::huber_loss(zeros({0}), zeros({0})).item<double>()));
  EXPECT_EQ(F::smooth_l1_loss(zeros({0}), zeros({0}), F::Reduction::Sum).item<double>(), 0.0);
  // Elementwise (the fused Huber kernel of the difference): values and gradients, to the second
  // order, and in float16.
  for (DType dt : {kFloat64, kFloat32}) {
    SCOPED_TRACE(name(dt));
    for (double delta : {0.5, 2.5}) {
      const Tensor d = (a - b).to(dt).to(kFloat64), ad = abs(d);
      const Tensor huber = where(ad < delta, d * d * 0.5, (ad - delta * 0.5) * delta);
      const Tensor slope = clamp(d, -delta, delta);
      const double tol = dt == kFloat64 ? 1e-12 : 1e-5;
      const Tensor w = rnd(gen, {6, 5}, false).to(dt);
      Tensor p = a.to(dt).detach().requires_grad_(true), q = b.to(dt).detach().requires_grad_(true);
      Tensor l = F::huber_loss(p, q, F::Reduction::None, delta);
      EXPECT_TRUE(close(l.to(kFloat64), huber, tol, tol));
      (l * w).sum().backward();
      EXPECT_TRUE(close(p.grad().to(kFloat64), slope * w.to(kFloat64), tol, tol));
      EXPECT_TRUE(close(q.grad().to(kFloat64), -slope * w.to(kFloat64), tol, tol));
      p = a.to(dt).detach().requires_grad_(true);
      l = F::smooth_l1_loss(p, b.to(dt), F::Reduction::None, delta);
      EXPECT_TRUE(close(l.to(kFloat64), huber / delta, tol, tol));
      (l * w).sum().backward();
      EXPECT_TRUE(close(p.grad().to(kFloat64), slope * w.to(kFloat64) / delta, tol, tol));
      if (dt == kFloat64 && delta != 0.5) {  // the second derivative steps at the edge
        auto fn = [delta](const tensor_list& in) { return F::smooth_l1_loss(in[0], in[1], F::Reduction::None, delta); };
        const tensor_list in{a.detach().requires_grad_(true), b.detach().requires_grad_(true)};
        EXPECT_TRUE(autograd::gradcheck(fn, in));
        EXPECT_TRUE(autograd::gradgradcheck(fn, in));
      }
    }
  }
  const Tensor h = F::huber_loss(a.to(kFloat16), b.to(kFloat16), F::Reduction::None, 1.0);
  EXPECT_EQ(h.dtype(), kFloat16);
  EXPECT_TRUE(close(h.to(kFloat64),
                    F::huber_loss(a.to(kFloat16).to(kFloat64), b.to(kFloat16).to(kFloat64), F::Reduction::None, 1.0),
                    2e-3, 1e-3));
}

TEST(Functional, BinaryAndKLLosses) {
  Tensor p = tensor({0.9, 0.2, 0.0}, kFloat64), t = tensor({1.0, 0.0, 1.0}, kFloat64);
  EXPECT_NEAR(F::binary_cross_entropy(p, t).item<double>(), (-std::log(0.9) - std::log(0.8) + 100) / 3, 1e-12);
  Tensor w = tensor({1.0, 2.0, 0.0}, kFloat64);
  EXPECT_NEAR(F::binary_cross_entropy(p, t, {.weight = w, .reduction = F::Reduction::Sum}).item<double>(),
              -std::log(0.9) - 2 * std::log(0.8), 1e-12);
  Tensor z = tensor({2.0, -1.0, 500.0}, kFloat64), zt = tensor({1.0, 0.0, 0.0}, kFloat64);
  auto sp = [](double v) { return std::log1p(std::exp(-std::fabs(v))) + std::max(-v, 0.0); };  // -log sigmoid
  EXPECT_NEAR(F::binary_cross_entropy_with_logits(z, zt).item<double>(), (sp(2.0) + sp(1.0) + 500.0) / 3, 1e-9);
  Tensor pw = tensor({3.0}, kFloat64);
  EXPECT_NEAR(F::binary_cross_entropy_with_logits(z, zt, {.pos_weight = pw, .reduction = F::Reduction::Sum}).item<double>(),
              3 * sp(2.0) + sp(1.0) + 500.0, 1e-9);
  Tensor lq = log(tensor({{0.25, 0.75}, {0.5, 0.5}}, kFloat64)), pt = tensor({{0.5, 0.5}, {1.0, 0.0}}, kFloat64);
  const double kl0 = 0.5 * std::log(0.5 / 0.25) + 0.5 * std::log(0.5 / 0.75), kl1 = std::log(1.0 / 0.5);
  EXPECT_NEAR(F::kl_div(lq, pt, {.reduction = F::Reduction::BatchMean}).item<double>(), (kl0 + kl1) / 2, 1e-12);
  EXPECT_NEAR(F::kl_div(lq, pt, {.reduction = F::Reduction::Sum}).item<double>(), kl0 + kl1, 1e-12);
  EXPECT_NEAR(F::kl_div(lq, log(tensor({{0.5, 0.5}, {0.999999, 0.000001}}, kFloat64)), {.reduction = F::Reduction::Sum, .log_target = true}).item<double>(),
              kl0 + 0.999999 * std::log(0.999999 / 0.5) + 0.000001 * std::log(0.000001 / 0.5), 1e-9);
  Generator gen(15);
  Tensor x = (rand({3, 2}, gen, kFloat64) * 0.8 + 0.1).requires_grad_(true), y = rand({3, 2}, gen, kFloat64);
  Tensor logits = rnd(gen, {3, 2}), pos = (rand({2}, gen, kFloat64) + 0.5).requires_grad_(true);
  EXPECT_TRUE(autograd::gradgradcheck([y](const tensor_list& in) { return F::binary_cross_entropy(in[0], y); }, {x}));
  EXPECT_TRUE(autograd::gradgradcheck([y](const tensor_list& in) { return F::binary_cross_entropy_with_logits(in[0], y, {.pos_weight = in[1]}); }, {logits, pos}));
  // The fused mean / sum path (no weights): both inputs' gradients, to second order, and its
  // value against the elementwise (reduction None) form.
  Tensor soft_target = (rand({3, 2}, gen, kFloat64)).requires_grad_(true);
  for (auto reduction : {F::Reduction::Mean, F::Reduction::Sum}) {
    EXPECT_TRUE(autograd::gradgradcheck([reduction](const tensor_list& in) {
      return F::binary_cross_entropy_with_logits(in[0], in[1], {.reduction = reduction});
    }, {logits, soft_target}));
  }
  const Tensor elementwise = F::binary_cross_entropy_with_logits(logits, soft_target, {.reduction = F::Reduction::None});
  EXPECT_NEAR(F::binary_cross_entropy_with_logits(logits, soft_target).item<double>(), elementwise.mean().item<double>(), 1e-15);
  EXPECT_TRUE(autograd::gradcheck([](const tensor_list& in) { return F::kl_div(in[0], in[1], {.reduction = F::Reduction::BatchMean, .log_target = true}); }, {logits, rnd(gen, {3, 2})}));
  EXPECT_THROW_WITH(F::binary_cross_entropy(tensor({1.5}, kFloat64), tensor({1.0}, kFloat64)), ValueError, "probabilities in [0, 1]");
}

TEST(Functional, ScaledDotProductAttention) {
  Generator gen(16);
  Tensor q = rnd(gen, {2, 3, 4}), k = rnd(gen, {2, 5, 4}), v = rnd(gen, {2, 5, 2});
  Tensor ref = matmul(softmax(matmul(q, k.mT()) / 2.0, -1), v);
  EXPECT_TRUE(close(F::scaled_dot_product_attention(q, k, v), ref));
  // Causal: square, later keys masked.
  Tensor kc = k.narrow(1, 0, 3), vc = v.narrow(1, 0, 3);
  Tensor c = F::scaled_dot_product_attention(q, kc, vc, {.is_causal = true});
  EXPECT_TRUE(close(c.select(1, 0), vc.select(1, 0)));
  Tensor allowed = ones({3, 3}, kBool).tril();
  EXPECT_TRUE(close(F::scaled_dot_product_attention(q, kc, vc, {.attn_mask = allowed}), c));
  Tensor bias = where(allowed, 0.0, -INFINITY).to(kFloat64);
  EXPECT_TRUE(close(F::scaled_dot_product_attention(q, kc, vc, {.attn_mask = bias}), c));
  EXPECT_TRUE(autograd::gradgradcheck([](const tensor_list& in) { return F::scaled_dot_product_attention(in[0], in[1], in[2], {.is_causal = true, .scale = 0.3}); },
                                      {q, kc, vc}));
  EXPECT_THROW_WITH(F::scaled_dot_product_attention(q, v, v), Error, "differ in embedding size");
  EXPECT_THROW_WITH(F::scaled_dot_product_attention(q, kc, vc, {.attn_mask = allowed, .is_causal = true}), ValueError, "not both");
  // A row the mask leaves nothing to attend to gives zeros and zero gradients (PyTorch's safe
  // softmax), with a bool mask, a float one and a 0-d one.
  Tensor none_first = ones({3, 3}, kBool).tril();
  none_first.select(0, 0).fill_(false);
  const Tensor none_bias = where(none_first, 0.0, -INFINITY).to(kFloat64);
  for (const Tensor& mask : {none_first, none_bias}) {
    const Tensor ql = q.detach().requires_grad_(true), kl = kc.detach().requires_grad_(true);
    const Tensor out = F::scaled_dot_product_attention(ql, kl, vc, {.attn_mask = mask});
    EXPECT_TRUE(close(out.select(1, 0), zeros({2, 2}, kFloat64)));
    EXPECT_TRUE(close(out.narrow(1, 1, 2), c.narrow(1, 1, 2)));
    out.sum().backward();
    EXPECT_TRUE(close(ql.grad().select(1, 0), zeros({2, 4}, kFloat64)));
    EXPECT_TRUE(bool(isfinite(kl.grad()).all().item<bool>()));
  }
  EXPECT_TRUE(
      close(F::scaled_dot_product_attention(q, kc, vc, {.attn_mask = tensor(false)}), zeros({2, 3, 2}, kFloat64)));
  EXPECT_TRUE(autograd::gradcheck(
      [](const tensor_list& in) {
        Tensor m = ones({3, 3}, kBool).tril();
        m.select(0, 0).fill_(false);
        return F::scaled_dot_product_attention(in[0], in[1], in[2], {.attn_mask = m});
      },
      {q, kc, vc}));

  // Grouped-query attention: 4 query heads over 2 key/value heads, each serving 2 of them.
  const Tensor qh = rnd(gen, {1, 4, 3, 4}), kh = rnd(gen, {1, 2, 5, 4}), vh = rnd(gen, {1, 2, 5, 2});
  const Tensor gqa = F::scaled_dot_product_attention(qh, kh, vh, {.enable_gqa = true});
  EXPECT_TRUE(close(gqa, F::scaled_dot_product_attention(qh, kh.repeat_interleave(2, 1), vh.repeat_interleave(2, 1))));
  EXPECT_TRUE(autograd::gradcheck(
      [](const tensor_list& in) {
        return F::scaled_dot_product_attention(in[0], in[1], in[2], {.is_causal = true, .enable_gqa = true});
      },
      {qh, kh.narrow(2, 0, 3), vh.narrow(2, 0, 3)}));
  const Tensor k3 = rnd(gen, {1, 3, 5, 4}), v3 = rnd(gen, {1, 3, 5, 2});
  EXPECT_THROW_WITH(F::scaled_dot_product_attention(qh, k3, v3, {.enable_gqa = true}), ValueError,
                    "must divide the query's");
  EXPECT_THROW_WITH(F::scaled_dot_product_attention(qh, kh, vh.narrow(1, 0, 1), {.enable_gqa = true}), ValueError,
                    "differ in their number of heads");
}

TEST(Functional, PadModes) {
  const Tensor x = arange(1.0, 5.0, 1.0, kFloat64).view({1, 4});  // [1, 2, 3, 4]
  EXPECT_EQ(tgtest::vals(F::pad(x, {2, 1}, "reflect")), (std::vector<double>{3, 2, 1, 2, 3, 4, 3}));
  EXPECT_EQ(tgtest::vals(F::pad(x, {2, 1}, "replicate")), (std::vector<double>{1, 1, 1, 2, 3, 4, 4}));
  EXPECT_EQ(tgtest::vals(F::pad(x, {2, 1}, "circular")), (std::vector<double>{3, 4, 1, 2, 3, 4, 1}));
  EXPECT_EQ(tgtest::vals(F::pad(x, {1, 0}, "constant", 7)), (std::vector<double>{7, 1, 2, 3, 4}));
  // Pads as wide as allowed: replicate's beyond the size, circular's the whole size, reflect's one less.
  EXPECT_EQ(tgtest::vals(F::pad(x, {6, 0}, "replicate")), (std::vector<double>{1, 1, 1, 1, 1, 1, 1, 2, 3, 4}));
  EXPECT_EQ(tgtest::vals(F::pad(x, {4, 4}, "circular")), (std::vector<double>{1, 2, 3, 4, 1, 2, 3, 4, 1, 2, 3, 4}));
  EXPECT_EQ(tgtest::vals(F::pad(x, {3, 3}, "reflect")), (std::vector<double>{4, 3, 2, 1, 2, 3, 4, 3, 2, 1}));
  // Two dims, the last first; the 0-pad dim is left alone.
  const Tensor m = arange(0.0, 6.0, 1.0, kFloat64).view({2, 3});
  EXPECT_EQ(tgtest::vals(F::pad(m, {0, 0, 1, 1}, "reflect")), (std::vector<double>{3, 4, 5, 0, 1, 2, 3, 4, 5, 0, 1, 2}));
  EXPECT_EQ(F::pad(m, {1, 2, 1, 0}, "circular").sizes(), Shape({3, 6}));
  EXPECT_FALSE(F::pad(m, {0, 0}, "reflect").is_same(m));
  // The gradient of an edge element gathers every copy of it.
  Generator gen(4);
  for (const char* mode : {"reflect", "replicate", "circular"}) {
    SCOPED_TRACE(mode);
    const Tensor in = rnd(gen, {2, 3, 4, 5});
    EXPECT_TRUE(autograd::gradcheck([&](const tensor_list& t) { return F::pad(t[0], {2, 1, 3, 0}, mode); }, {in}));
    // Three dims at once (27 regions) are the three one-dim pads in turn.
    const std::vector<int64_t> pads = {1, 2, 2, 1, 1, 1};
    const Tensor one_by_one = F::pad(F::pad(F::pad(in, {1, 2}, mode), {0, 0, 2, 1}, mode), {0, 0, 0, 0, 1, 1}, mode);
    EXPECT_EQ(tgtest::vals(F::pad(in, pads, mode)), tgtest::vals(one_by_one));
    EXPECT_TRUE(autograd::gradcheck([&](const tensor_list& t) { return F::pad(t[0], pads, mode); }, {in}));
    EXPECT_TRUE(autograd::gradgradcheck([&](const tensor_list& t) { return F::pad(t[0], {1, 1, 1, 0}, mode); }, {in}));
  }
  EXPECT_THROW_WITH(F::pad(x, {4, 0}, "reflect"), ValueError, "must be less than its size 4");
  EXPECT_THROW_WITH(F::pad(x, {5, 0}, "circular"), ValueError, "at most its size 4");
  EXPECT_THROW_WITH(F::pad(x, {-1, 0}, "replicate"), ValueError, "non-negative pads");
  EXPECT_THROW_WITH(F::pad(x, {1, 0}, "wrap"), ValueError, "mode must be");
  EXPECT_THROW_WITH(F::pad(x, {1, 0, 1, 0, 1, 0}, "reflect"), ValueError, "input has only 2");
  EXPECT_THROW_WITH(F::pad(zeros({2, 0}), {1, 1}, "replicate"), ValueError, "non-empty dim");
}

TEST(Functional, ComposedActivations) {
  Tensor x = tensor({-3.0, -1.0, -0.25, 0.0, 0.75, 2.0, 40.0}, kFloat64);
  auto each = [&](const std::function<double(double)>& f) {
    std::vector<double> v = vals(x);
    for (double& e : v) e = f(e);
    return tensor(v, kFloat64);
  };
  EXPECT_TRUE(close(F::logsigmoid(x), each([](double v) { return -std::log1p(std::exp(-v)); })));
  EXPECT_TRUE(close(F::logsigmoid(tensor({-200.0f})), tensor({-200.0f})));  // no log(0)
  EXPECT_TRUE(close(F::softsign(x), each([](double v) { return v / (1 + std::abs(v)); })));
  EXPECT_TRUE(close(F::tanhshrink(x), each([](double v) { return v - std::tanh(v); })));
  EXPECT_TRUE(close(F::hardshrink(x), each([](double v) { return std::abs(v) > 0.5 ? v : 0.0; })));
  EXPECT_TRUE(close(F::softshrink(x, 1.0), each([](double v) { return v > 1 ? v - 1 : (v < -1 ? v + 1 : 0.0); })));
  EXPECT_TRUE(close(F::threshold(x, 0.5, -7.0), each([](double v) { return v > 0.5 ? v : -7.0; })));
  {  // softshrink at the band's edges, at infinities and NaN: PyTorch's values and gradients
    const double inf = INFINITY, nan = NAN;
    Tensor e = tensor({-0.5, 0.5, 0.2, 0.7, -0.7, inf, -inf, nan}, kFloat64).requires_grad_(true);
    Tensor s = F::softshrink(e, 0.5);
    const std::vector<double> got = vals(s);
    const std::vector<double> want{0.0, 0.0, 0.0, 0.7 - 0.5, -0.7 + 0.5, inf, -inf};
    for (size_t i = 0; i < want.size(); ++i) EXPECT_EQ(got[i], want[i]) << i;
    EXPECT_TRUE(std::isnan(got[7]));
    s.sum().backward();
    EXPECT_EQ(vals(e.grad()), std::vector<double>({0, 0, 0, 1, 1, 1, 1, 1}));
  }
  {  // hardshrink, softshrink and threshold on their fused kernels: edges, infinities and NaN (which
     // passes through, as in PyTorch) on runs of whole vectors and a tail, in each floating dtype
    const double inf = INFINITY, nan = NAN;
    std::vector<double> v;
    for (int i = 0; i < 4; ++i) v.insert(v.end(), {-0.5, 0.5, 0.25, 0.75, -0.75, inf, -inf, nan, -0.0, 1.0});
    for (DType dt : {kFloat64, kFloat32, kBFloat16, kFloat16}) {
      SCOPED_TRACE(name(dt));
      const auto check = [&](const char* what, const std::function<Tensor(const Tensor&)>& f,
                             const std::function<double(double)>& value, const std::function<double(double)>& slope) {
        SCOPED_TRACE(what);
        Tensor e = tensor(v, kFloat64).to(dt).requires_grad_(true);
        Tensor y = f(e);
        EXPECT_EQ(y.dtype(), dt);
        const std::vector<double> got = vals(y);
        for (size_t i = 0; i < v.size(); ++i) {
          const double want = value(v[i]);
          if (std::isnan(want)) {
            EXPECT_TRUE(std::isnan(got[i])) << i;
          } else {
            EXPECT_EQ(got[i], want) << i;
            EXPECT_EQ(std::signbit(got[i]), std::signbit(want)) << i;
          }
        }
        y.sum().backward();
        const std::vector<double> g = vals(e.grad());
        for (size_t i = 0; i < v.size(); ++i) EXPECT_EQ(g[i], slope(v[i])) << i;
      };
      const auto outside = [](double x) { return x >= -0.5 && x <= 0.5 ? 0.0 : 1.0; };
      check(
          "hardshrink", [](const Tensor& t) { return F::hardshrink(t); },
          [](double x) { return x >= -0.5 && x <= 0.5 ? 0.0 : x; }, outside);
      check(
          "softshrink", [](const Tensor& t) { return F::softshrink(t, 0.5); },
          [](double x) { return x > 0.5 ? x - 0.5 : (x < -0.5 ? x + 0.5 : x * 0.0); }, outside);
      check(
          "threshold", [](const Tensor& t) { return F::threshold(t, 0.25, -3.0); },
          [](double x) { return x <= 0.25 ? -3.0 : x; }, [](double x) { return x <= 0.25 ? 0.0 : 1.0; });
    }
    // Integer tensors take a select, keeping their dtype (value cast to it, as torch's); hardtanh
    // and relu6 clamp them to the bounds cast to integers; bool tensors are refused.
    EXPECT_EQ(vals(F::threshold(tensor({1, 5, -2}, kInt64), 1.0, 9.0)), std::vector<double>({9, 5, 9}));
    EXPECT_EQ(F::threshold(tensor({1, 5}, kUInt8), 1.0, 9.7).dtype(), kUInt8);
    EXPECT_EQ(vals(F::threshold(tensor({0, 5}, kUInt8), 0.5, 9.7)), std::vector<double>({9, 5}));
    EXPECT_EQ(F::threshold(tensor({(int64_t{1} << 40) + 1}, kInt64), 0.5, 3.0).item<int64_t>(), (int64_t{1} << 40) + 1);
    EXPECT_EQ(vals(hardtanh(tensor({-3, 0, 7}, kInt64), -1.5, 1.5)), std::vector<double>({-1, 0, 1}));
    EXPECT_EQ(hardtanh(tensor({-3, 7}, kInt32)).dtype(), kInt32);
    EXPECT_EQ(vals(relu6(tensor({-3, 2, 7}, kInt64))), std::vector<double>({0, 2, 6}));
    Tensor ints = tensor({-3, 2, 7}, kInt16);
    relu6_(ints);
    EXPECT_EQ(vals(ints), std::vector<double>({0, 2, 6}));
    hardtanh_(ints, 1.0, 3.0);
    EXPECT_EQ(vals(ints), std::vector<double>({1, 2, 3}));
    EXPECT_THROW_WITH(F::threshold(tensor({true}), 0.5, 2.0), TypeError, "threshold: bool inputs are not supported");
    EXPECT_THROW_WITH(hardtanh(tensor({true})), TypeError, "hardtanh: bool inputs are not supported");
    EXPECT_THROW_WITH(relu6_(tensor({true})), TypeError, "relu6_: bool inputs are not supported");
    EXPECT_THROW_WITH(hardtanh(tensor({1, 2}, kInt64), 2.0, 1.0), ValueError, "min_val (2) must not exceed max_val");
  }
  EXPECT_TRUE(close(F::softmin(x, 0), softmax(-x, 0)));
  Tensor g = tensor({{1.0, 2.0, 0.0, -1.0}}, kFloat64);
  EXPECT_TRUE(close(F::glu(g), tensor({{1.0 / (1 + std::exp(0.0)), 2.0 / (1 + std::exp(1.0))}}, kFloat64)));
  EXPECT_TRUE(close(F::glu(g.t(), 0), F::glu(g).t()));
  // prelu: one slope, or one per channel in dim 1.
  Tensor img = tensor({{{-1.0, 2.0}, {-3.0, 4.0}}}, kFloat64);  // [1, 2, 2]
  EXPECT_TRUE(close(F::prelu(img, tensor({0.5}, kFloat64)), tensor({{{-0.5, 2.0}, {-1.5, 4.0}}}, kFloat64)));
  EXPECT_TRUE(close(F::prelu(img, tensor({0.5, 0.1}, kFloat64)), tensor({{{-0.5, 2.0}, {-0.3, 4.0}}}, kFloat64)));
  {  // one slope on the CPU has its own backward: against the composed form, to the second order
    Generator gen(16);
    const Tensor xs = rnd(gen, {4, 3, 5}, false), ws = tensor({0.3}, kFloat64);
    for (DType dt : {kFloat32, kFloat64, kBFloat16}) {
      Tensor x = xs.to(dt).detach().requires_grad_(true), w = ws.to(dt).detach().requires_grad_(true);
      Tensor y = F::prelu(x, w);
      EXPECT_EQ(y.dtype(), dt);
      const Tensor ref = where(gt(xs.to(dt), 0), xs.to(dt), xs.to(dt) * ws.to(dt).reshape({}));
      EXPECT_EQ(vals(y), vals(ref)) << name(dt);
      const Tensor g = rnd(gen, {4, 3, 5}, false).to(dt);
      y.backward(g);
      const Tensor xd = xs.to(dt).to(kFloat64), gd = g.to(kFloat64);
      const double tol = dt == kBFloat16 ? 2e-2 : 1e-5;
      EXPECT_TRUE(close(x.grad().to(kFloat64), where(gt(xd, 0), gd, gd * 0.3), tol, tol)) << name(dt);
      EXPECT_TRUE(close(w.grad().to(kFloat64), (clamp_max(xd, 0) * gd).sum().reshape({1}), tol, tol)) << name(dt);
    }
    auto fn = [](const tensor_list& in) { return F::prelu(in[0], in[1]); };
    const tensor_list in{xs.detach().requires_grad_(true), ws.detach().requires_grad_(true)};
    EXPECT_TRUE(autograd::gradgradcheck(fn, in));
    // A slope of another dtype takes the composed form (a 0-dim slope, so the input's dtype).
    EXPECT_EQ(F::prelu(xs.detach().to(kFloat32), ws).dtype(), kFloat32);
  }
  {  // one slope per channel runs on the fused ternary kernel: bit for bit the composed select
    Generator gen(17);
    const Tensor xs = rnd(gen, {4, 3, 5, 6}, false), ws = rnd(gen, {3}, false);
    const Tensor special = tensor({0.0, -0.0, INFINITY, -INFINITY, NAN, 1.0}, kFloat64);
    for (DType dt : {kFloat32, kFloat64, kBFloat16, kFloat16}) {
      // Contiguous, channels innermost (a transposed view) and a strided 2-D batch of channel rows.
      for (const Tensor& base : {xs, xs.transpose(1, 3).contiguous().transpose(1, 3), xs.flatten(2).select(2, 7)}) {
        const Shape slopes = base.dim() == 4 ? Shape{3, 1, 1} : Shape{3};
        const Tensor xd = base.to(dt), wd = ws.to(dt);
        Tensor x = xd.detach().requires_grad_(true), w = wd.detach().requires_grad_(true);
        Tensor y = F::prelu(x, w);
        EXPECT_EQ(y.dtype(), dt);
        EXPECT_TRUE(close(y, where(gt(xd, 0), xd, xd * wd.reshape(slopes)), 0, 0)) << name(dt);
        const Tensor g = rnd(gen, base.sizes(), false).to(dt);
        y.backward(g);
        const Tensor x64 = xd.to(kFloat64), g64 = g.to(kFloat64), w64 = wd.to(kFloat64).reshape(slopes);
        const double tol = dt == kBFloat16 ? 2e-2 : dt == kFloat16 ? 2e-3 : 1e-5;
        EXPECT_TRUE(close(x.grad(), where(gt(x64, 0), g64, g64 * w64), tol, tol)) << name(dt);
        const Tensor part = clamp_max(x64, 0) * g64;
        EXPECT_TRUE(close(w.grad(), base.dim() == 4 ? part.sum({0, 2, 3}) : part.sum({0}), tol, 10 * tol)) << name(dt);
      }
      // NaN, infinities and signed zeros select as the composed form does.
      const Tensor sd = special.to(dt).reshape({2, 3}), wd = ws.to(dt);
      EXPECT_TRUE(close(F::prelu(sd, wd), where(gt(sd, 0), sd, sd * wd), 0, 0)) << name(dt);
    }
  }
  EXPECT_THROW_WITH(F::prelu(img, tensor({0.5, 0.1, 0.2}, kFloat64)), ValueError,
                    "prelu: weight has 3 slopes but the input (shape [1, 2, 2]) has 2 channels in dim 1");
  EXPECT_THROW_WITH(F::prelu(img, ones({2, 2}, kFloat64)), ValueError, "prelu: weight must be a scalar or 1-D");
  EXPECT_THROW_WITH(F::glu(ones({3, 5})), ValueError, "glu: dim 1 of the input (shape [3, 5]) must have an even size");
  EXPECT_THROW_WITH(F::softshrink(x, -1.0), ValueError, "softshrink: lambd must be non-negative");
  EXPECT_TRUE(close(F::softsign(tensor({1, -3})), tensor({0.5, -0.75})));  // integers give floats, as torch's
  EXPECT_THROW_WITH(F::softsign(tensor({true})), TypeError, "softsign: bool inputs are not supported");
}

// antialias=True: shrinking by 2 with bilinear averages 4 inputs per output, 1:3:3:1 (the
// triangle stretched by 2); by 4, 8 of them; constants stay constant; the bicubic filter's
// negative lobes; gradients; and where antialiasing does not apply.
TEST(Functional, InterpolateAntialias) {
  using Opts = F::InterpolateOptions;
  Generator gen(5);
  const Tensor x = rnd(gen, {2, 3, 12, 16});
  const Tensor half = F::interpolate(x, Opts{.size = {12, 8}, .mode = "bilinear", .antialias = true});
  const Tensor row = x.select(2, 5);  // the height is unchanged: rows pass through
  for (int64_t i : {1, 4, 6}) {
    const double want = (row.select(-1, 2 * i - 1) + row.select(-1, 2 * i) * 3.0 + row.select(-1, 2 * i + 1) * 3.0 +
                         row.select(-1, 2 * i + 2))
                            .mul(0.125)
                            .sum()
                            .item<double>();
    EXPECT_NEAR(half.select(2, 5).select(-1, i).sum().item<double>(), want, 1e-12);
  }
  // At the edge the window is cut and the weights renormalised: (3 x0 + 3 x1 + x2) / 7.
  EXPECT_NEAR(half.select(2, 5).select(-1, 0).sum().item<double>(),
              ((row.select(-1, 0) + row.select(-1, 1)) * 3.0 + row.select(-1, 2)).div(7.0).sum().item<double>(), 1e-12);
  const Tensor quarter = F::interpolate(x, Opts{.size = {3, 4}, .mode = "bicubic", .antialias = true});
  EXPECT_EQ(quarter.sizes(), Shape({2, 3, 3, 4}));
  const Tensor flat = full({1, 2, 20, 20}, 2.5, kFloat64);
  for (const char* mode : {"bilinear", "bicubic"})
    for (bool align : {false, true})
      EXPECT_TRUE(
          close(F::interpolate(flat, Opts{.size = {3, 7}, .mode = mode, .align_corners = align, .antialias = true}),
                full({1, 2, 3, 7}, 2.5, kFloat64)));
  // Growing, bilinear with antialias is plain bilinear.
  EXPECT_TRUE(close(F::interpolate(x, Opts{.size = {20, 30}, .mode = "bilinear", .antialias = true}),
                    F::interpolate(x, Opts{.size = {20, 30}, .mode = "bilinear"})));
  const Tensor small = rnd(gen, {1, 2, 9, 7});
  for (const char* mode : {"bilinear", "bicubic"})
    EXPECT_TRUE(autograd::gradgradcheck(
        [mode](const tensor_list& in) {
          return F::interpolate(in[0], Opts{.size = {2, 3}, .mode = mode, .antialias = true});
        },
        {small}));
  EXPECT_TRUE(close(F::interpolate(x.to(kFloat32), Opts{.size = {5, 3}, .mode = "bicubic", .antialias = true}),
                    F::interpolate(x, Opts{.size = {5, 3}, .mode = "bicubic", .antialias = true}).to(kFloat32), 1e-5,
                    1e-5));
  EXPECT_THROW_WITH(F::interpolate(x, Opts{.size = {3, 3}, .mode = "nearest", .antialias = true}), ValueError,
                    "antialias=True is restricted to the bilinear and bicubic modes and a 4-D input, got mode "
                    "\"nearest\"");
  EXPECT_THROW_WITH(F::interpolate(x.select(0, 0), Opts{.size = {3}, .mode = "linear", .antialias = true}), ValueError,
                    "and shape [3, 12, 16]");
}

TEST(Functional, Interpolate) {
  using Opts = F::InterpolateOptions;
  Tensor img = tensor({{{{1.0, 2.0}, {3.0, 4.0}}}}, kFloat64);
  EXPECT_TRUE(close(F::interpolate(img, Opts{.scale_factor = {2}}),
                    tensor({{{{1.0, 1.0, 2.0, 2.0}, {1.0, 1.0, 2.0, 2.0}, {3.0, 3.0, 4.0, 4.0}, {3.0, 3.0, 4.0, 4.0}}}},
                           kFloat64)));
  EXPECT_EQ(F::interpolate(img, Opts{.size = {3, 5}}).sizes(), Shape({1, 1, 3, 5}));
  // Linear: half-pixel centres clamped at the edges, or corners aligned.
  Tensor ramp = tensor({{{0.0, 1.0, 2.0, 3.0}}}, kFloat64);
  EXPECT_TRUE(close(F::interpolate(ramp, Opts{.size = {8}, .mode = "linear"}),
                    tensor({{{0.0, 0.25, 0.75, 1.25, 1.75, 2.25, 2.75, 3.0}}}, kFloat64)));
  EXPECT_TRUE(close(F::interpolate(ramp, Opts{.size = {7}, .mode = "linear", .align_corners = true}),
                    tensor({{{0.0, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0}}}, kFloat64)));
  // nearest-exact rounds to the nearest source centre; nearest floors.
  Tensor five = arange(5, kFloat64).reshape({1, 1, 5});
  EXPECT_TRUE(
      close(F::interpolate(five, Opts{.size = {3}, .mode = "nearest-exact"}), tensor({{{0.0, 2.0, 4.0}}}, kFloat64)));
  EXPECT_TRUE(close(F::interpolate(five, Opts{.size = {3}}), tensor({{{0.0, 1.0, 3.0}}}, kFloat64)));
  // Area is adaptive average pooling; bicubic weights sum to one.
  EXPECT_TRUE(close(F::interpolate(ramp, Opts{.size = {2}, .mode = "area"}), tensor({{{0.5, 2.5}}}, kFloat64)));
  Tensor vol = arange(2 * 4 * 6 * 2, kFloat64).reshape({1, 2, 4, 6, 2});
  EXPECT_TRUE(close(F::interpolate(vol, Opts{.size = {2, 3, 1}, .mode = "area"}),
                    vol.reshape({1, 2, 2, 2, 3, 2, 1, 2}).mean({3, 5, 7})));
  EXPECT_TRUE(close(F::interpolate(full({1, 2, 3, 4}, 2.5, kFloat64), Opts{.size = {7, 5}, .mode = "bicubic"}),
                    full({1, 2, 7, 5}, 2.5, kFloat64)));
  // Integer images resize with nearest; the same size gives a copy.
  Tensor bytes = tensor({{{{1, 2}, {3, 4}}}}, kUInt8);
  EXPECT_EQ(F::interpolate(bytes, Opts{.scale_factor = {1.5}}).dtype(), kUInt8);
  Tensor same = F::interpolate(img, Opts{.size = {2, 2}, .mode = "bilinear"});
  EXPECT_TRUE(close(same, img));
  EXPECT_FALSE(same.is_same(img));
  // The module.
  nn::Upsample up(Opts{.scale_factor = {2}, .mode = "bilinear", .align_corners = false});
  EXPECT_EQ(up(img).sizes(), Shape({1, 1, 4, 4}));
  EXPECT_EQ(up->extra_repr(), "scale_factor=2.0, mode='bilinear'");

  EXPECT_THROW_WITH(F::interpolate(img, Opts{}), ValueError,
                    "interpolate: give exactly one of size and scale_factor (got neither)");
  EXPECT_THROW_WITH(F::interpolate(img, Opts{.size = {2}, .scale_factor = {2}}), ValueError, "(got both)");
  EXPECT_THROW_WITH(F::interpolate(img, Opts{.size = {2}, .mode = "linear"}), ValueError,
                    "interpolate: mode \"linear\" takes 3-D input, got shape [1, 1, 2, 2]");
  EXPECT_THROW_WITH(F::interpolate(img, Opts{.size = {2}, .mode = "cubic"}), ValueError, "interpolate: mode must be");
  EXPECT_THROW_WITH(F::interpolate(img, Opts{.size = {2}, .align_corners = true}), ValueError,
                    "align_corners can only be set with the modes linear, bilinear, bicubic and trilinear");
  EXPECT_THROW_WITH(F::interpolate(img, Opts{.size = {2, 2, 2}}), ValueError,
                    "interpolate: size has 3 values but the input (shape [1, 1, 2, 2]) has 2 spatial dims");
  EXPECT_THROW_WITH(F::interpolate(img, Opts{.scale_factor = {0.1}}), ValueError,
                    "interpolate: the output size must be positive in every spatial dim, got 0 for dim 2");
  EXPECT_THROW_WITH(F::interpolate(img, Opts{.scale_factor = {-1}}), ValueError, "scale_factor must be positive");
  EXPECT_THROW_WITH(F::interpolate(img, Opts{.size = {3}, .recompute_scale_factor = true}), ValueError,
                    "recompute_scale_factor is not meaningful with an explicit size");
  EXPECT_THROW_WITH(F::interpolate(bytes, Opts{.size = {3}, .mode = "bilinear"}), TypeError,
                    "interpolate: mode \"bilinear\" needs a floating-point input, got uint8");
  EXPECT_THROW_WITH(F::interpolate(ones({2, 2}), Opts{.size = {3}}), ValueError,
                    "interpolate: expected a 3-D, 4-D or 5-D input [N, C, ...], got shape [2, 2]");
}

TEST(Functional, NormalizeDistancesHuberAndRmsNorm) {
  Tensor x = tensor({{3.0, 4.0}, {0.0, 0.0}}, kFloat64);
  EXPECT_TRUE(close(F::normalize(x), tensor({{0.6, 0.8}, {0.0, 0.0}}, kFloat64)));  // eps keeps the zero row finite
  EXPECT_TRUE(close(F::normalize(x, 1.0, 0), tensor({{1.0, 1.0}, {0.0, 0.0}}, kFloat64)));
  Tensor a = tensor({{1.0, 0.0}, {1.0, 1.0}}, kFloat64), b = tensor({1.0, 1.0}, kFloat64);
  EXPECT_TRUE(close(F::cosine_similarity(a, b), tensor({M_SQRT1_2, 1.0}, kFloat64)));
  EXPECT_TRUE(close(F::cosine_similarity(a, a.t(), 0), tensor({M_SQRT1_2, M_SQRT1_2}, kFloat64)));
  EXPECT_TRUE(close(F::pairwise_distance(a, b, 2.0, 0.0), tensor({1.0, 0.0}, kFloat64)));
  EXPECT_EQ(F::pairwise_distance(a, b, 1.0, 1e-6, true).sizes(), Shape({2, 1}));
  // 0-dim inputs: |x1 - x2 + eps|, 0-dim, keepdim or not (PyTorch's).
  EXPECT_NEAR(F::pairwise_distance(tensor(1.0, kFloat64), tensor(3.0, kFloat64), 2.0, 0.0).item<double>(), 2.0, 1e-12);
  EXPECT_EQ(F::pairwise_distance(tensor(1.0), tensor(3.0), 2.0, 1e-6, true).dim(), 0);
  EXPECT_EQ(F::triplet_margin_loss(tensor(1.0), tensor(1.5), tensor(4.0)).item<float>(), 0.0f);
  // Each input over its own norm first, as torch's: float16 vectors of norm 300 (a product of
  // norms past float16's range) are still parallel, and a bfloat16 x1 is made a unit vector in
  // bfloat16 before it meets a float64 x2. A floating-point common dtype is all it needs.
  const Tensor big = full({2, 2}, 300.0, kFloat16);
  EXPECT_TRUE(close(F::cosine_similarity(big, big), ones({2}, kFloat16), 1e-3, 1e-3));
  const Tensor a16 = a.to(kBFloat16), unit16 = a16 / norm(a16, 2, {1}, true);
  EXPECT_TRUE(close(F::cosine_similarity(a16, b), sum(unit16 * (b / norm(b)), {1}), 1e-15, 1e-15));
  EXPECT_EQ(F::cosine_similarity(a.to(kFloat16), tensor({true, true})).dtype(), kFloat16);
  EXPECT_THROW_WITH(F::cosine_similarity(tensor({1, 2}), tensor({3, 5})), TypeError,
                    "cosine_similarity: expected the common dtype of x1 (int64) and x2 (int64) to be floating-point");
  EXPECT_NEAR(F::pairwise_distance(tensor({{1, 2}}), tensor({{3, 5}})).item<float>(), std::sqrt(13.0f), 1e-5);
  EXPECT_NEAR(
      F::triplet_margin_loss(tensor({{1, 2}}).to(kUInt8), tensor({{3.0, 5.0}}), tensor({{1.0, 1.0}})).item<float>(),
      1.0f + std::sqrt(13.0f) - 1.0f, 1e-4);
  EXPECT_THROW_WITH(F::pairwise_distance(tensor({true}), tensor({false})), TypeError,
                    "pairwise_distance: the difference of bool and bool tensors is not defined");
  EXPECT_TRUE(close(nn::CosineSimilarity(1)(a, b), F::cosine_similarity(a, b)));
  EXPECT_TRUE(close(nn::PairwiseDistance()(a, b), F::pairwise_distance(a, b)));
  // Huber: quadratic inside delta, linear outside.
  Tensor in = tensor({0.5, 3.0}, kFloat64), target = zeros({2}, kFloat64);
  EXPECT_TRUE(close(F::huber_loss(in, target, F::Reduction::None, 2.0), tensor({0.125, 2.0 * (3.0 - 1.0)}, kFloat64)));
  EXPECT_TRUE(close(nn::HuberLoss(nn::RegressionLossOptions{.delta = 2.0})(in, target), tensor(2.0625, kFloat64)));
  EXPECT_THROW_WITH(F::huber_loss(in, target, F::Reduction::Mean, 0.0), ValueError,
                    "huber_loss: delta must be positive");
  // rms_norm: x / sqrt(mean(x^2) + eps) over the trailing dims, eps the dtype's by default.
  Tensor r = tensor({{3.0, 4.0}}, kFloat64);
  EXPECT_TRUE(close(F::rms_norm(r, {2}, {}, 0.0), r / std::sqrt(12.5)));
  const Tensor w = tensor({2.0, 1.0}, kFloat64);
  EXPECT_TRUE(close(F::rms_norm(r, {2}, w), r / std::sqrt(12.5) * w));
  nn::RMSNorm norm(Shape{2});
  EXPECT_EQ(norm->parameters().size(), 1u);
  EXPECT_TRUE(close(norm(r), F::rms_norm(r, {2})));
  EXPECT_EQ(norm->extra_repr(), "(2,), eps=None, elementwise_affine=True");
  EXPECT_THROW_WITH(F::rms_norm(r, {3}), Error, "rms_norm: normalized_shape [3] does not match the trailing dims");
  EXPECT_THROW_WITH(F::normalize(tensor({1, 2})), TypeError,
                    "normalize: expected a floating-point or complex input, got int64");
}

TEST(Functional, InstanceNormChannelDropoutPixelShuffleAndPadLayers) {
  Generator gen(31);
  Tensor x = randn({2, 3, 4, 5}, gen, kFloat64);
  // Instance norm: each (sample, channel) plane to mean 0, variance 1.
  Tensor y = F::instance_norm(x);
  EXPECT_LT(y.mean({2, 3}).abs().max().item<double>(), 1e-12);
  EXPECT_TRUE(close(y, F::group_norm(x, 3)));
  Tensor rm = zeros({3}, kFloat64), rv = ones({3}, kFloat64);
  F::instance_norm(x, {.running_mean = rm, .running_var = rv, .momentum = 1.0});
  EXPECT_TRUE(close(rm, x.mean({2, 3}).mean({0})));
  EXPECT_TRUE(close(rv, x.var({2, 3}).mean({0})));
  EXPECT_TRUE(close(F::instance_norm(x, {.running_mean = rm, .running_var = rv, .use_input_stats = false}),
                    (x - rm.view({3, 1, 1})) / sqrt(rv.view({3, 1, 1}) + 1e-5)));
  nn::InstanceNorm2d in2(3, nn::BatchNormOptions{.affine = true, .track_running_stats = true});
  EXPECT_EQ(in2->parameters().size(), 2u);
  EXPECT_EQ(in2->buffers().size(), 3u);  // PyTorch's state dict keys: num_batches_tracked too, never counted
  EXPECT_EQ(in2->num_batches_tracked.dtype(), kInt64);
  in2(x);
  EXPECT_EQ(in2->num_batches_tracked.item<int64_t>(), 0);
  in2->eval();
  EXPECT_TRUE(close(in2(x[0]), in2(x).narrow(0, 0, 1).squeeze(0)));  // unbatched [C, H, W]
  EXPECT_EQ(nn::InstanceNorm1d(3)(randn({2, 3, 7}, gen)).sizes(), Shape({2, 3, 7}));
  const Tensor vol = randn({2, 3, 2, 3, 4}, gen, kFloat64);
  EXPECT_TRUE(close(nn::InstanceNorm3d(3)(vol), F::group_norm(vol, 3)));
  EXPECT_TRUE(close(nn::InstanceNorm3d(3)(vol[1]), F::group_norm(vol, 3)[1]));  // unbatched [C, D, H, W]
  EXPECT_THROW_WITH(nn::InstanceNorm3d(3)(randn({3, 4}, gen)), Error, "InstanceNorm3d: expected a 5-D or 4-D (unbatched) input");
  EXPECT_THROW_WITH(nn::InstanceNorm1d(3)(randn({2, 4, 7}, gen)), Error, "InstanceNorm1d: expected 3 channels");
  EXPECT_THROW_WITH(F::instance_norm(x, {.use_input_stats = false}), Error, "use_input_stats=false needs running_mean");
  // Channel dropout zeroes whole planes.
  Tensor d = F::dropout2d(ones({4, 8, 3, 3}, kFloat64), 0.5, true, &gen);
  Tensor per_plane = d.amax({2, 3});
  EXPECT_TRUE(close(d.amin({2, 3}), per_plane));
  EXPECT_TRUE(all(logical_or(eq(per_plane, 0.0), eq(per_plane, 2.0))).item<bool>());
  EXPECT_EQ(F::dropout1d(ones({5, 3}), 0.3, true).amin({1}).sizes(), Shape({5}));
  const Tensor d3 = F::dropout3d(ones({4, 6, 2, 3, 2}, kFloat64), 0.5, true, &gen);
  EXPECT_TRUE(close(d3.amin({2, 3, 4}), d3.amax({2, 3, 4})));
  EXPECT_THROW_WITH(F::dropout3d(ones({2, 2, 2})), ValueError, "dropout3d: expected a 5-D or 4-D (unbatched) input");
  EXPECT_EQ(nn::Dropout3d(0.2)(ones({2, 3, 2, 2, 2})).sizes(), Shape({2, 3, 2, 2, 2}));
  nn::Dropout2d drop(0.5);
  drop->eval();
  EXPECT_TRUE(close(drop(x), x));
  EXPECT_THROW_WITH(F::dropout2d(ones({5}), 0.5), ValueError, "dropout2d: expected a 4-D or 3-D (unbatched) input");
  // Pixel shuffle moves channel blocks into space, and unshuffle undoes it.
  Tensor c = arange(8, kFloat64).view({1, 8, 1, 1});
  EXPECT_EQ(vals(F::pixel_shuffle(c, 2)), (std::vector<double>{0, 1, 2, 3, 4, 5, 6, 7}));
  EXPECT_EQ(F::pixel_shuffle(c, 2).sizes(), Shape({1, 2, 2, 2}));
  Tensor img = randn({2, 3, 4, 6}, gen, kFloat64);
  EXPECT_TRUE(close(F::pixel_shuffle(F::pixel_unshuffle(img, 2), 2), img));
  EXPECT_EQ(nn::PixelUnshuffle(2)(img).sizes(), Shape({2, 12, 2, 3}));
  EXPECT_THROW_WITH(F::pixel_shuffle(ones({1, 3, 2, 2}), 2), ValueError, "3 channels are not divisible");
  // Padding layers.
  Tensor row = tensor({{{1.0, 2.0, 3.0}}}, kFloat64);
  EXPECT_EQ(vals(nn::ReflectionPad1d(std::vector<int64_t>{2})(row)), (std::vector<double>{3, 2, 1, 2, 3, 2, 1}));
  EXPECT_EQ(vals(nn::ConstantPad1d(std::vector<int64_t>{1, 0}, 7.0)(row)), (std::vector<double>{7, 1, 2, 3}));
  EXPECT_EQ(nn::ZeroPad2d(std::vector<int64_t>{1, 0, 2, 0})(img).sizes(), Shape({2, 3, 6, 7}));
  EXPECT_EQ(nn::ReplicationPad2d(std::vector<int64_t>{1})->extra_repr(), "(1, 1, 1, 1)");
  EXPECT_THROW_WITH(nn::ZeroPad2d(std::vector<int64_t>{1, 2}), ValueError, "ZeroPad2d: expected 1 or 4 padding values");
  const Tensor box = arange(24, kFloat64).view({1, 2, 3, 4});  // unbatched [C, D, H, W]
  EXPECT_EQ(nn::ReflectionPad3d(std::vector<int64_t>{1})(box).sizes(), Shape({1, 4, 5, 6}));
  EXPECT_TRUE(close(nn::ReplicationPad3d(std::vector<int64_t>{0, 0, 0, 0, 2, 0})(box).narrow(1, 0, 3),
                    box.narrow(1, 0, 1).expand({1, 3, 3, 4})));
  EXPECT_EQ(nn::CircularPad3d(std::vector<int64_t>{1, 0, 0, 1, 1, 0})(box).sizes(), Shape({1, 3, 4, 5}));
  EXPECT_EQ(nn::ZeroPad3d(std::vector<int64_t>{1})(box).sum().item<double>(), box.sum().item<double>());
  EXPECT_EQ(nn::ConstantPad3d(std::vector<int64_t>{1, 1, 0, 0, 0, 0}, 2.5)->extra_repr(),
            "padding=(1, 1, 0, 0, 0, 0), value=2.5");
  EXPECT_THROW_WITH(nn::ZeroPad3d(std::vector<int64_t>{1, 2, 3, 4}), ValueError, "ZeroPad3d: expected 1 or 6 padding values");
}

TEST(Functional, EmbeddingBag) {
  const Tensor w = arange(12, kFloat64).view({6, 2});  // row r = [2r, 2r + 1]
  // 2-D input: each row a bag.
  const Tensor rows = tensor({{0, 2, 4}, {1, 1, 5}});
  EXPECT_EQ(vals(F::embedding_bag(rows, w, {.mode = "sum"})), (std::vector<double>{12, 15, 14, 17}));
  EXPECT_EQ(vals(F::embedding_bag(rows, w)), (std::vector<double>{4, 5, 14.0 / 3, 17.0 / 3}));
  EXPECT_EQ(vals(F::embedding_bag(rows, w, {.mode = "max"})), (std::vector<double>{8, 9, 10, 11}));
  // 1-D input cut at offsets, with an empty bag (zeros) and include_last_offset.
  const Tensor flat = tensor({3, 0, 5, 1}), offsets = tensor({0, 1, 1});
  EXPECT_EQ(vals(F::embedding_bag(flat, w, {.offsets = offsets, .mode = "sum"})),
            (std::vector<double>{6, 7, 0, 0, 12, 15}));
  EXPECT_EQ(vals(F::embedding_bag(flat, w, {.offsets = offsets, .mode = "max"})),
            (std::vector<double>{6, 7, 0, 0, 10, 11}));
  EXPECT_EQ(vals(F::embedding_bag(flat, w, {.offsets = tensor({0, 1, 4}), .include_last_offset = true})),
            (std::vector<double>{6, 7, 4, 5}));
  EXPECT_THROW_WITH(F::embedding_bag(flat, w, {.offsets = tensor({0, 1, 3}), .include_last_offset = true}),
                    ValueError, "with include_last_offset the last offset must be the input's length 4, got 3");
  // per_sample_weights scale the rows; padding_idx entries are left out of sums, means and maxima.
  const Tensor psw_rows = tensor({{1.0, 0.5, 0.0}, {2.0, 0.0, 1.0}}, kFloat64);
  EXPECT_EQ(vals(F::embedding_bag(rows, w, {.mode = "sum", .per_sample_weights = psw_rows})),
            (std::vector<double>{2, 3.5, 14, 17}));
  EXPECT_EQ(vals(F::embedding_bag(rows, w, {.padding_idx = 1})), (std::vector<double>{4, 5, 10, 11}));
  EXPECT_EQ(vals(F::embedding_bag(rows, w, {.mode = "max", .padding_idx = 4})), (std::vector<double>{4, 5, 10, 11}));
  // Rows wider than the kernel's column blocks (64 float32 / 32 float64 columns) and a narrower
  // remainder, scaled, against gathered rows summed.
  Generator gw(3);
  for (DType dt : {kFloat32, kFloat64}) {
    const Tensor table = randn({40, 150}, gw, dt), picks = randint(0, 40, {5, 9}, gw);
    const Tensor scales = rand({5, 9}, gw, dt);
    const Tensor want = (table.index_select(0, picks.flatten()).view({5, 9, 150}) * scales.unsqueeze(-1)).sum({1});
    EXPECT_TRUE(close(F::embedding_bag(picks, table, {.mode = "sum", .per_sample_weights = scales}), want,
                      dt == kFloat32 ? 1e-5 : 1e-12, dt == kFloat32 ? 1e-5 : 1e-12));
  }
  // Very uneven bags (99 empty, one of 100).
  Generator g0(1);
  const Tensor many = randint(0, 6, {100}, g0);
  const Tensor late = cat({zeros({1}, kInt64), full({99}, 100, kInt64)});  // the first bag holds everything
  for (const char* mode : {"sum", "mean"}) {
    const Tensor got = F::embedding_bag(many, w, {.offsets = late, .mode = mode, .padding_idx = 2});
    const Tensor keep = ne(many, 2).to(kFloat64).unsqueeze(1);
    const Tensor sum = (w.index_select(0, many) * keep).sum({0});
    EXPECT_TRUE(close(got[0], std::string(mode) == "sum" ? sum : sum / keep.sum(), 1e-12, 1e-12)) << mode;
    EXPECT_EQ(got.narrow(0, 1, 99).abs().sum().item<double>(), 0.0);
  }
  // Gradients: sums and means spread over the bag's rows; max goes to the winning row.
  auto grad_of = [&](const std::string& mode) {
    Tensor leaf = w.detach().requires_grad_();
    F::embedding_bag(rows, leaf, {.mode = mode}).sum().backward();
    return vals(leaf.grad().select(1, 0));
  };
  EXPECT_EQ(grad_of("sum"), (std::vector<double>{1, 2, 1, 0, 1, 1}));
  EXPECT_EQ(grad_of("max"), (std::vector<double>{0, 0, 0, 0, 1, 1}));
  Generator gen(2);
  const Tensor table = randn({7, 3}, gen, kFloat64).requires_grad_();
  const Tensor psw = rand({5}, gen, kFloat64).requires_grad_();
  for (const char* mode : {"sum", "mean", "max"})
    EXPECT_TRUE(autograd::gradcheck(
        [mode](const tensor_list& in) {
          return F::embedding_bag(tensor({4, 2, 6, 2, 0}), in[0], {.offsets = tensor({0, 2}), .mode = mode});
        },
        {table}))
        << mode;
  EXPECT_TRUE(autograd::gradgradcheck(
      [](const tensor_list& in) {
        return F::embedding_bag(tensor({4, 2, 6, 2, 0}), in[0],
                                {.offsets = tensor({0, 2}), .mode = "sum", .per_sample_weights = in[1]});
      },
      {table, psw}));
  EXPECT_TRUE(autograd::gradgradcheck(
      [](const tensor_list& in) {
        return F::embedding_bag(tensor({4, 2, 6, 2, 0}), in[0],
                                {.offsets = tensor({0, 2, 2}), .mode = "sum", .per_sample_weights = in[1],
                                 .padding_idx = 2});
      },
      {table, psw}));
  nn::EmbeddingBag bag(10, 3, "max", false, 0);
  EXPECT_EQ(bag(tensor({{1, 2}, {0, 3}})).sizes(), (Shape{2, 3}));
  EXPECT_EQ(bag->forward(tensor({1, 2, 3}), tensor({0, 2})).sizes(), (Shape{2, 3}));
  EXPECT_EQ(bag->str(), "EmbeddingBag(10, 3, mode='max', padding_idx=0)");
  EXPECT_THROW_WITH(F::embedding_bag(rows, w, {.mode = "min"}), ValueError, "embedding_bag: mode must be");
  EXPECT_THROW_WITH(F::embedding_bag(flat, w), Error, "a 1-D input needs 1-D offsets, got none");
  EXPECT_THROW_WITH(F::embedding_bag(rows, w, {.offsets = offsets}), Error,
                    "offsets must be undefined for a 2-D input");
  EXPECT_THROW_WITH(F::embedding_bag(flat, w, {.offsets = tensor({1, 2})}), ValueError, "offsets[0] must be 0, got 1");
  EXPECT_THROW_WITH(F::embedding_bag(flat, w, {.offsets = tensor({0, 3, 2})}), ValueError, "non-decreasing");
  EXPECT_THROW_WITH(F::embedding_bag(rows, w, {.per_sample_weights = ones({2, 3}, kFloat64)}), ValueError,
                    "only supported in \"sum\" mode");
  EXPECT_THROW_WITH(F::embedding_bag(rows, w, {.mode = "sum", .per_sample_weights = ones({3}, kFloat64)}), Error,
                    "per_sample_weights of shape [3] must have the input's shape [2, 3]");
  EXPECT_THROW_WITH(F::embedding_bag(tensor({{7}}), w), IndexError, "index 7 is out of range");
  EXPECT_THROW_WITH(F::embedding_bag(rows, w.to(kInt64)), TypeError, "embedding_bag: expected a floating-point weight");
  EXPECT_THROW_WITH(nn::EmbeddingBag(4, 2, "avg"), ValueError, "EmbeddingBag: mode must be");
}

TEST(Functional, AffineGridAndGridSample) {
  Generator gen(8);
  const Tensor img = randn({2, 3, 5, 7}, gen, kFloat64);
  const Tensor identity = tensor({{1.0, 0.0, 0.0}, {0.0, 1.0, 0.0}}, kFloat64).expand({2, 2, 3});
  for (bool corners : {false, true}) {
    const Tensor grid = F::affine_grid(identity, {2, 3, 5, 7}, corners);
    EXPECT_EQ(grid.sizes(), (Shape{2, 5, 7, 2}));
    // The identity transform samples every pixel at its own centre, in either mode.
    EXPECT_TRUE(close(F::grid_sample(img, grid, {.align_corners = corners}), img, 1e-12, 1e-12));
    EXPECT_TRUE(close(F::grid_sample(img, grid, {.mode = "nearest", .align_corners = corners}), img, 0, 0));
  }
  // Corners: x = -1 and 1 are the outer edges without align_corners (half a pixel of zeros).
  const Tensor one = ones({1, 1, 2, 2}, kFloat64);
  const Tensor corner = tensor({{{{-1.0, -1.0}}}}, kFloat64);
  EXPECT_NEAR(F::grid_sample(one, corner).item<double>(), 0.25, 1e-12);
  EXPECT_NEAR(F::grid_sample(one, corner, {.align_corners = true}).item<double>(), 1.0, 1e-12);
  EXPECT_NEAR(F::grid_sample(one, corner, {.padding_mode = "border"}).item<double>(), 1.0, 1e-12);
  // Reflection: a point beyond the right edge reads its mirror image inside.
  const Tensor row = tensor({{{{0.0, 1.0, 2.0, 3.0}}}}, kFloat64);
  const Tensor beyond = tensor({{{{1.5, 0.0}}}}, kFloat64);  // x pixel 4.5 -> reflected to 2.5 about 4
  EXPECT_NEAR(F::grid_sample(row, beyond, {.padding_mode = "reflection"}).item<double>(), 2.5, 1e-12);
  // Gradients reach the image and (bilinear) the grid.
  const Tensor x = randn({1, 2, 4, 5}, gen, kFloat64).requires_grad_(true);
  const Tensor g = (rand({1, 3, 2, 2}, gen, kFloat64) * 2.2 - 1.1).requires_grad_(true);
  for (const char* pad : {"zeros", "border", "reflection"}) {
    auto f = [pad](const tensor_list& in) { return F::grid_sample(in[0], in[1], {.padding_mode = pad}); };
    EXPECT_TRUE(autograd::gradcheck(f, {x, g})) << pad;
    // The second derivative goes through the composed form (the kernels' backward is first-order).
    EXPECT_TRUE(autograd::gradgradcheck(f, {x, g})) << pad;
    auto nearest = [pad](const tensor_list& in) {
      return F::grid_sample(in[0], in[1], {.mode = "nearest", .padding_mode = pad});
    };
    EXPECT_TRUE(autograd::gradcheck(nearest, {x, g.detach()})) << pad;
  }
  // A NaN coordinate reads nothing (zeros), as a point outside the image does.
  const Tensor nan_grid = tensor({{{{NAN, 0.0}, {5.0, 0.0}}}}, kFloat64);
  EXPECT_TRUE(close(F::grid_sample(row, nan_grid), zeros({1, 1, 1, 2}, kFloat64), 0, 0));
  const Tensor theta = randn({2, 2, 3}, gen, kFloat64).requires_grad_(true);
  EXPECT_TRUE(autograd::gradcheck([](const tensor_list& in) { return F::affine_grid(in[0], {2, 1, 3, 4}); }, {theta}));
  EXPECT_THROW_WITH(F::grid_sample(img, randn({2, 4, 4, 3}, gen, kFloat64)), Error,
                    "expected a grid [2, H_out, W_out, 2]");
  EXPECT_THROW_WITH(F::grid_sample(img, randn({2, 1, 4, 4, 3}, gen, kFloat64)), Error,
                    "expected a grid [2, H_out, W_out, 2] for input of shape [2, 3, 5, 7], got shape [2, 1, 4, 4, 3]");
  EXPECT_THROW_WITH(F::grid_sample(img[0], randn({3, 4, 4, 2}, gen, kFloat64)), Error,
                    "grid_sample: expected a 4-D input [N, C, H, W] or a 5-D one [N, C, D, H, W], got shape [3, 5, 7]");
  EXPECT_THROW_WITH(F::grid_sample(img, F::affine_grid(identity, {2, 3, 5, 7}), {.mode = "cubic"}), ValueError,
                    "grid_sample: mode must be \"bilinear\", \"nearest\" or \"bicubic\", got \"cubic\"");
  EXPECT_THROW_WITH(F::grid_sample(img, F::affine_grid(identity, {2, 3, 5, 7}), {.padding_mode = "wrap"}),
                    ValueError, "padding_mode must be");
  EXPECT_THROW_WITH(F::affine_grid(identity, {2, 3, 5}), Error,
                    "affine_grid: expected an output size [N, C, H, W] or [N, C, D, H, W], got [2, 3, 5]");
  EXPECT_THROW_WITH(F::affine_grid(identity, {3, 3, 5, 7}), Error, "expected theta of shape [3, 2, 3]");
  EXPECT_THROW_WITH(F::affine_grid(identity, {2, 3, 4, 5, 7}), Error,
                    "affine_grid: expected theta of shape [2, 3, 4] for size [2, 3, 4, 5, 7], got [2, 2, 3]");
}

TEST(Functional, BicubicGridSample) {
  Generator gen(10);
  const Tensor img = randn({2, 3, 5, 7}, gen, kFloat64);
  const Tensor identity = tensor({{1.0, 0.0, 0.0}, {0.0, 1.0, 0.0}}, kFloat64).expand({2, 2, 3});
  for (bool corners : {false, true})
    for (const char* pad : {"zeros", "border", "reflection"}) {
      // At a pixel's centre the cubic weights are 0, 1, 0, 0: the identity reads the image back.
      const F::GridSampleOptions o{.mode = "bicubic", .padding_mode = pad, .align_corners = corners};
      EXPECT_TRUE(close(F::grid_sample(img, F::affine_grid(identity, {2, 3, 5, 7}, corners), o), img, 1e-12, 1e-12));
    }
  // Keys' weights (a = -0.75) of taps floor(p) - 1 .. floor(p) + 2 on a ramp whose pixel i holds i:
  // inside, at pixel 3.3, taps 2..5; at pixel 0.25 the border repeats pixel 0 for tap -1.
  auto weights = [](double t) {
    const double a = -0.75;
    auto near = [a](double x) { return ((a + 2) * x - (a + 3)) * x * x + 1; };
    auto far = [a](double x) { return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a; };
    return std::vector<double>{far(t + 1), near(t), near(1 - t), far(2 - t)};
  };
  const std::vector<double> w_in = weights(0.3), w_edge = weights(0.25);
  const double inside = 2 * w_in[0] + 3 * w_in[1] + 4 * w_in[2] + 5 * w_in[3];
  const double edge = 0 * w_edge[0] + 0 * w_edge[1] + 1 * w_edge[2] + 2 * w_edge[3];
  const Tensor ramp = arange(8, kFloat64).view({1, 1, 1, 8});
  const Tensor at = tensor({{{{3.3 / 7 * 2 - 1, 0.0}, {0.25 / 7 * 2 - 1, 0.0}}}}, kFloat64);
  const Tensor read = F::grid_sample(ramp, at, {.mode = "bicubic", .padding_mode = "border", .align_corners = true});
  EXPECT_TRUE(close(read.flatten(), tensor({inside, edge}, kFloat64), 1e-12, 1e-12));
  // Zeros padding reads 0 for the taps outside: at pixel 0.25, tap -1 is outside.
  const Tensor zero_pad = F::grid_sample(ramp, at, {.mode = "bicubic", .align_corners = true});
  EXPECT_NEAR(zero_pad.flatten()[1].item<double>(), edge, 1e-12);
  const Tensor shifted = F::grid_sample(ramp + 1.0, at, {.mode = "bicubic", .align_corners = true});
  EXPECT_NEAR(shifted.flatten()[1].item<double>(), edge + w_edge[1] + w_edge[2] + w_edge[3], 1e-12);
  // Gradients reach the image and the grid, for each padding mode, with points outside the image;
  // the composed form (create_graph) agrees with the kernels' backward and has its own gradient.
  const Tensor x = randn({1, 2, 4, 5}, gen, kFloat64).requires_grad_(true);
  const Tensor g = (rand({1, 3, 2, 2}, gen, kFloat64) * 2.6 - 1.3).requires_grad_(true);
  const Tensor dy = randn({1, 2, 3, 2}, gen, kFloat64);
  for (const char* pad : {"zeros", "border", "reflection"}) {
    for (bool corners : {false, true}) {
      SCOPED_TRACE(std::string(pad) + (corners ? " align_corners" : ""));
      auto f = [pad, corners](const tensor_list& in) {
        return F::grid_sample(in[0], in[1], {.mode = "bicubic", .padding_mode = pad, .align_corners = corners});
      };
      EXPECT_TRUE(autograd::gradcheck(f, {x, g}));
      const tensor_list kernel = autograd::grad({f({x, g})}, {x, g}, {dy});
      const tensor_list composed = autograd::grad({f({x, g})}, {x, g}, {dy}, true, true);
      EXPECT_TRUE(close(kernel[0], composed[0], 1e-12, 1e-12));
      EXPECT_TRUE(close(kernel[1], composed[1], 1e-12, 1e-12));
    }
    auto f = [pad](const tensor_list& in) {
      return F::grid_sample(in[0], in[1], {.mode = "bicubic", .padding_mode = pad});
    };
    EXPECT_TRUE(autograd::gradgradcheck(f, {x, g}));
  }
  EXPECT_EQ(F::grid_sample(x, g, {.mode = "bicubic"}).grad_fn()->name(), "GridSampler2DBackward");
  EXPECT_THROW_WITH(F::grid_sample(randn({1, 1, 2, 3, 4}, gen), rand({1, 1, 2, 2, 3}, gen), {.mode = "bicubic"}),
                    ValueError,
                    "grid_sample: mode \"bicubic\" needs a 4-D input [N, C, H, W], got shape [1, 1, 2, 3, 4]");
}

TEST(Functional, VolumetricAffineGridAndGridSample) {
  Generator gen(9);
  const Tensor vol = randn({2, 3, 4, 5, 6}, gen, kFloat64);
  const Tensor identity =
      tensor({{1.0, 0.0, 0.0, 0.0}, {0.0, 1.0, 0.0, 0.0}, {0.0, 0.0, 1.0, 0.0}}, kFloat64).expand({2, 3, 4});
  for (bool corners : {false, true}) {
    const Tensor grid = F::affine_grid(identity, {2, 3, 4, 5, 6}, corners);
    EXPECT_EQ(grid.sizes(), (Shape{2, 4, 5, 6, 3}));
    EXPECT_TRUE(close(F::grid_sample(vol, grid, {.align_corners = corners}), vol, 1e-12, 1e-12));
    EXPECT_TRUE(close(F::grid_sample(vol, grid, {.mode = "nearest", .align_corners = corners}), vol, 0, 0));
  }
  // x runs along W, y along H, z along D: a grid whose only varying coordinate is z reads across
  // the depth; a shift by one voxel in z (2 / D in normalised units) reads the next slice.
  const Tensor ramp = arange(4, kFloat64).view({1, 1, 4, 1, 1}).expand({1, 1, 4, 2, 2}).contiguous();
  const Tensor shift = tensor({{{1.0, 0.0, 0.0, 0.0}, {0.0, 1.0, 0.0, 0.0}, {0.0, 0.0, 1.0, 0.5}}}, kFloat64);
  const Tensor moved = F::grid_sample(ramp, F::affine_grid(shift, {1, 1, 4, 2, 2}), {.padding_mode = "border"});
  EXPECT_TRUE(close(moved.select(3, 0).select(3, 0).flatten(), tensor({1.0, 2.0, 3.0, 3.0}, kFloat64), 1e-12, 1e-12));
  // Trilinear: the centre of a 2 x 2 x 2 volume is the mean of its corners.
  const Tensor cube = arange(8, kFloat64).view({1, 1, 2, 2, 2});
  EXPECT_NEAR(F::grid_sample(cube, zeros({1, 1, 1, 1, 3}, kFloat64)).item<double>(), 3.5, 1e-12);
  // Gradients reach the volume and (trilinear) the grid, for each padding mode; the second
  // derivative through the composed form.
  const Tensor x = randn({1, 2, 3, 3, 4}, gen, kFloat64).requires_grad_(true);
  const Tensor g = (rand({1, 2, 2, 2, 3}, gen, kFloat64) * 2.2 - 1.1).requires_grad_(true);
  for (const char* pad : {"zeros", "border", "reflection"}) {
    for (bool corners : {false, true}) {
      auto f = [pad, corners](const tensor_list& in) {
        return F::grid_sample(in[0], in[1], {.padding_mode = pad, .align_corners = corners});
      };
      EXPECT_TRUE(autograd::gradcheck(f, {x, g})) << pad;
      auto nearest = [pad, corners](const tensor_list& in) {
        return F::grid_sample(in[0], in[1], {.mode = "nearest", .padding_mode = pad, .align_corners = corners});
      };
      EXPECT_TRUE(autograd::gradcheck(nearest, {x, g.detach()})) << pad;
    }
    auto f = [pad](const tensor_list& in) { return F::grid_sample(in[0], in[1], {.padding_mode = pad}); };
    EXPECT_TRUE(autograd::gradgradcheck(f, {x, g})) << pad;
  }
  const Tensor theta = randn({2, 3, 4}, gen, kFloat64).requires_grad_(true);
  EXPECT_TRUE(autograd::gradcheck(
      [](const tensor_list& in) {
        return F::affine_grid(in[0], {2, 1, 2, 3, 4}, true);
      },
      {theta}));
  EXPECT_EQ(F::grid_sample(x, g).grad_fn()->name(), "GridSampler3DBackward");
}
