// softmax / log_softmax, nll_loss and cross_entropy against hand-computed values.
#include <cmath>

#include "test_util.h"

using namespace tg;
using tgtest::close;
using tgtest::vals;

TEST(Softmax, ValuesAndStability) {
  Tensor x = tensor({{1.0, 2.0, 3.0}, {1000.0, 1000.0, -INFINITY}}, kFloat64);
  Tensor s = softmax(x, 1);
  const double e = std::exp(1.0), z = 1 + e + e * e;
  EXPECT_TRUE(close(s.select(0, 0), tensor({1 / z, e / z, e * e / z}, kFloat64)));
  EXPECT_TRUE(close(s.select(0, 1), tensor({0.5, 0.5, 0.0}, kFloat64)));
  EXPECT_TRUE(close(log_softmax(x, 1).select(0, 0), log(s.select(0, 0))));
  EXPECT_EQ(vals(log_softmax(x, -1).select(0, 1))[2], -INFINITY);
  EXPECT_TRUE(close(softmax(x.t(), 0).t(), s));
  EXPECT_TRUE(close(softmax(x.select(0, 0), 0), s.select(0, 0)));
  EXPECT_EQ(softmax(tensor({1, 2}), 0, kFloat64).dtype(), kFloat64);
  EXPECT_THROW_WITH(softmax(tensor({1, 2}), 0), TypeError, "floating-point");
  EXPECT_THROW_WITH(softmax(x, 2), IndexError, "dim 2 is out of range");
  Tensor h = softmax(x.select(0, 0).to(kBFloat16), 0);
  EXPECT_TRUE(close(h, s.select(0, 0), 1e-2, 1e-2));
}

TEST(Softmax, LongRowsMatchFloat64AndPropagateNaN) {
  // Rows long enough for the vector exp (8 lanes) with a tail, in float32 against float64.
  Generator gen(3);
  const Tensor x = randn({5, 1003}, gen) * 4.0;
  const Tensor ref = softmax(x.to(kFloat64), 1), lref = log_softmax(x.to(kFloat64), 1);
  EXPECT_TRUE(close(softmax(x, 1), ref.to(kFloat32), 1e-5, 1e-7));
  EXPECT_TRUE(close(log_softmax(x, 1), lref.to(kFloat32), 1e-5, 1e-5));
  // A NaN in a vector lane or in the tail makes its row NaN and leaves the others alone.
  Tensor y = x.clone();
  y.index_put_({1, 4}, NAN);
  y.index_put_({3, 1002}, NAN);
  for (bool log : {false, true}) {
    const Tensor s = log ? log_softmax(y, 1) : softmax(y, 1);
    EXPECT_TRUE(isnan(s.select(0, 1)).all().item<bool>());
    EXPECT_TRUE(isnan(s.select(0, 3)).all().item<bool>());
    EXPECT_FALSE(isnan(s.select(0, 0)).any().item<bool>());
    EXPECT_TRUE(close(s.select(0, 4), (log ? lref : ref).select(0, 4).to(kFloat32), 1e-5, 1e-5));
  }
  // A -inf entry is an exact 0 (log: -inf), and F::cross_entropy of the long rows agrees too.
  y.index_put_({0, 9}, -INFINITY);
  EXPECT_EQ(vals(softmax(y, 1).select(0, 0))[9], 0.0);
  EXPECT_EQ(vals(log_softmax(y, 1).select(0, 0))[9], -INFINITY);
  const Tensor t = randint(0, 1003, {5}, gen);
  EXPECT_NEAR(F::cross_entropy(x, t).item<double>(), F::cross_entropy(x.to(kFloat64), t).item<double>(), 1e-5);
}

// Causally masked scores (-inf above the diagonal) and scores far below their row's maximum:
// exp below e^-87 (float) counts as 0, which keeps libmvec's vector exp off its scalar path; the
// weights stay within 1e-38 of float64's, and the masked ones exactly 0.
// 16-bit float rows take the float32 kernel on a widened copy: the float32 result, rounded.
TEST(Softmax, ReducedPrecisionRowsAreFloat32Rounded) {
  Generator gen(5);
  const Tensor x = randn({4, 1000}, gen) * 4;
  for (DType dt : {kFloat16, kBFloat16}) {
    const double eps = dt == kFloat16 ? 1.0 / 1024 : 1.0 / 128;
    const Tensor xr = x.to(dt);
    for (int64_t dim : {1, 0}) {
      EXPECT_EQ(softmax(xr, dim).dtype(), dt);
      EXPECT_TRUE(close(softmax(xr, dim), softmax(xr.to(kFloat32), dim).to(dt), eps, 1e-7));
      EXPECT_TRUE(close(log_softmax(xr, dim), log_softmax(xr.to(kFloat32), dim).to(dt), eps, 1e-7));
    }
  }
}

TEST(Softmax, MaskedScoresAndValuesFarBelowTheMaximum) {
  Generator gen(5);
  Tensor x = randn({48, 40}, gen);
  x.index_put_({indexing::Slice(), 3}, 95.0);  // the rest of each row is ~95 below: e^-95 ~ 5e-42
  const Tensor masked = x.masked_fill(ones({48, 40}, TensorOptions(kBool)).tril().logical_not(), -INFINITY);
  for (const Tensor& t : {x, masked}) {
    for (bool log : {false, true}) {
      const Tensor got = log ? log_softmax(t, 1) : softmax(t, 1);
      const Tensor want = (log ? log_softmax(t.to(kFloat64), 1) : softmax(t.to(kFloat64), 1)).to(kFloat32);
      EXPECT_TRUE(close(got, want, 1e-6, log ? 1e-5 : 1e-37));
    }
  }
  const std::vector<double> row = vals(softmax(masked, 1).select(0, 5));  // sees columns 0..5
  for (size_t j = 0; j < row.size(); ++j) EXPECT_EQ(row[j], j == 3 ? 1.0 : 0.0) << j;
}

TEST(Softmax, OuterDimsRunColumnsSideBySide) {
  // Softmax along a dim that is not innermost walks inner positions as vector lanes: against the
  // same softmax along the last dim of a moved copy, with a NaN column, a column of -inf and an
  // inner size that leaves a partial chunk of 256.
  Generator gen(4);
  for (DType dt : {kFloat32, kFloat64}) {
    Tensor x = (randn({3, 7, 300}, gen) * 3.0).to(dt);
    x.index_put_({1, 2, 5}, NAN);
    x.index_put_({0, indexing::Slice(), 9}, -INFINITY);
    for (bool log : {false, true}) {
      const Tensor got = log ? log_softmax(x, 1) : softmax(x, 1);
      const Tensor moved = movedim(x, 1, 2).contiguous();
      const Tensor want = movedim(log ? log_softmax(moved, 2) : softmax(moved, 2), 2, 1);
      EXPECT_TRUE(close(got, want, dt == kFloat32 ? 1e-5 : 1e-13, dt == kFloat32 ? 1e-6 : 1e-13));
      EXPECT_TRUE(isnan(got.select(0, 1).select(1, 5)).all().item<bool>());
      EXPECT_FALSE(isnan(got.select(0, 1).select(1, 6)).any().item<bool>());
    }
    EXPECT_TRUE(close(softmax(x.select(0, 2), 0), softmax(x.select(0, 2).t().contiguous(), 1).t(), 1e-6, 1e-7));
  }
}

TEST(Loss, NllLoss) {
  Tensor logp = tensor({{-1.0, -2.0, -3.0}, {-0.5, -1.5, -2.5}}, kFloat64);
  Tensor target = tensor({2, 0});
  EXPECT_NEAR(F::nll_loss(logp, target).item<double>(), (3.0 + 0.5) / 2, 1e-12);
  EXPECT_NEAR(F::nll_loss(logp, target, {.reduction = F::Reduction::Sum}).item<double>(), 3.5, 1e-12);
  EXPECT_TRUE(close(F::nll_loss(logp, target, {.reduction = F::Reduction::None}), tensor({3.0, 0.5}, kFloat64)));
  Tensor w = tensor({1.0, 1.0, 4.0}, kFloat64);
  EXPECT_NEAR(F::nll_loss(logp, target, {.weight = w}).item<double>(), (4 * 3.0 + 0.5) / 5, 1e-12);
  EXPECT_NEAR(F::nll_loss(logp, tensor({2, -100})).item<double>(), 3.0, 1e-12);
  EXPECT_NEAR(F::nll_loss(logp, tensor({1, 1}), {.ignore_index = 1, .reduction = F::Reduction::Sum}).item<double>(), 0, 1e-12);
  EXPECT_NEAR(F::nll_loss(logp.select(0, 0), tensor(1)).item<double>(), 2.0, 1e-12);
  // Every entry ignored: the mean is 0 / 0, NaN, and the input's gradient zeros, as PyTorch's.
  const Tensor leaf = logp.detach().requires_grad_(true);
  const Tensor none_left = F::nll_loss(leaf, tensor({1, 1}), {.weight = w, .ignore_index = 1});
  EXPECT_TRUE(std::isnan(none_left.item<double>()));
  none_left.backward();
  EXPECT_EQ(vals(leaf.grad()), (std::vector<double>(6, 0.0)));
  Tensor spatial = logp.view({2, 3, 1});
  EXPECT_NEAR(F::nll_loss(spatial, target.view({2, 1})).item<double>(), 1.75, 1e-12);
  EXPECT_THROW_WITH(F::nll_loss(logp, tensor({3, 0})), IndexError, "target 3 is out of bounds for 3 classes");
  EXPECT_THROW_WITH(F::nll_loss(logp, tensor({0})), Error, "needs a target of shape [2]");
  EXPECT_THROW_WITH(F::nll_loss(logp, tensor({0, 1}, kInt32)), TypeError, "int64");
  EXPECT_THROW_WITH(F::nll_loss(logp, target, {.weight = ones({2}, kFloat64)}), Error, "weight of shape [3]");
}

TEST(Loss, CrossEntropy) {
  Tensor logits = tensor({{2.0, 1.0, 0.1}, {0.5, 2.5, 0.3}}, kFloat64);
  Tensor target = tensor({0, 1});
  auto lse = [](std::vector<double> r) {
    double s = 0;
    for (double v : r) s += std::exp(v);
    return std::log(s);
  };
  const double l0 = lse({2.0, 1.0, 0.1}) - 2.0, l1 = lse({0.5, 2.5, 0.3}) - 2.5;
  EXPECT_NEAR(F::cross_entropy(logits, target).item<double>(), (l0 + l1) / 2, 1e-12);
  // Huge logits stay finite.
  EXPECT_NEAR(F::cross_entropy(logits * 1000.0, target).item<double>(), (0 + 0) / 2.0, 1e-9);
  // Label smoothing: (1 - eps) * nll + eps * mean over classes of -log p.
  const double eps = 0.1;
  auto smooth_row = [&](std::vector<double> r) {
    const double z = lse(r);
    double s = 0;
    for (double v : r) s += z - v;
    return s / 3.0;
  };
  const double smooth = (smooth_row({2.0, 1.0, 0.1}) + smooth_row({0.5, 2.5, 0.3})) / 2;
  EXPECT_NEAR(F::cross_entropy(logits, target, {.label_smoothing = eps}).item<double>(),
              (1 - eps) * (l0 + l1) / 2 + eps * smooth, 1e-12);
  // Class probabilities as targets.
  Tensor probs = tensor({{1.0, 0.0, 0.0}, {0.0, 1.0, 0.0}}, kFloat64);
  EXPECT_NEAR(F::cross_entropy(logits, probs).item<double>(), (l0 + l1) / 2, 1e-12);
  Tensor soft = tensor({{0.5, 0.5, 0.0}, {0.0, 0.0, 1.0}}, kFloat64);
  const double s0 = 0.5 * (lse({2.0, 1.0, 0.1}) - 2.0) + 0.5 * (lse({2.0, 1.0, 0.1}) - 1.0);
  const double s1 = lse({0.5, 2.5, 0.3}) - 0.3;
  EXPECT_NEAR(F::cross_entropy(logits, soft).item<double>(), (s0 + s1) / 2, 1e-12);
  // Weights and ignore_index.
  Tensor w = tensor({2.0, 1.0, 1.0}, kFloat64);
  EXPECT_NEAR(F::cross_entropy(logits, target, {.weight = w}).item<double>(), (2 * l0 + l1) / 3, 1e-12);
  EXPECT_NEAR(F::cross_entropy(logits, tensor({0, 5}), {.ignore_index = 5}).item<double>(), l0, 1e-12);
  EXPECT_NEAR(F::cross_entropy(logits.select(0, 1), tensor(1)).item<double>(), l1, 1e-12);
  EXPECT_THROW_WITH(F::cross_entropy(logits, soft.narrow(1, 0, 2)), Error, "class-probability targets");
  EXPECT_THROW_WITH(F::cross_entropy(logits, target, {.label_smoothing = 2}), ValueError, "label_smoothing");
}

// The fused cross-entropy kernel (float32/float64 [N, C] logits, class indices) against the
// composed formula written out here, for every option, forward and backward.
TEST(Loss, FusedCrossEntropyMatchesTheComposedFormula) {
  Generator gen(5);
  for (DType dt : {kFloat64, kFloat32}) {
    const int64_t n = 37, c = 11;
    const Tensor x0 = randn({n, c}, gen, dt) * 3.0;
    Tensor target = randint(0, c, {n}, gen, kInt64);
    target.index_put_({tensor({3, 17})}, tensor({-100, -100}));
    const Tensor w = rand({c}, gen, dt) + 0.5;
    for (double eps : {0.0, 0.15}) {
      for (bool weighted : {false, true}) {
        for (auto red : {F::Reduction::Mean, F::Reduction::Sum, F::Reduction::None}) {
          SCOPED_TRACE(fmt::format("{} eps={} weighted={} reduction={}", dt, eps, weighted, static_cast<int>(red)));
          const F::CrossEntropyOptions o{.weight = weighted ? w : Tensor(), .reduction = red, .label_smoothing = eps};
          Tensor xa = x0.detach().requires_grad_(true), xb = x0.detach().requires_grad_(true);
          const Tensor fused = F::cross_entropy(xa, target, o);
          // Composed: -(1 - eps) w_t logp_t - eps / C sum_c w_c logp_c, ignored rows dropped.
          const Tensor logp = log_softmax(xb, 1);
          const Tensor valid = ne(target, -100), safe = where(valid, target, 0);
          const Tensor wv = weighted ? w : ones({c}, dt);
          const Tensor wt = where(valid, wv.index_select(0, safe), 0.0);
          const Tensor picked = logp.gather(1, safe.unsqueeze(1)).squeeze(1);
          const Tensor rows = -(picked * wt) * (1 - eps) - where(valid, (logp * wv).sum({1}), 0.0) * (eps / c);
          const Tensor ref = red == F::Reduction::None ? rows : red == F::Reduction::Sum ? rows.sum() : rows.sum() / wt.sum();
          const double tol = dt == kFloat64 ? 1e-12 : 1e-5;
          EXPECT_TRUE(close(fused, ref, tol, tol));
          const Tensor g = red == F::Reduction::None ? randn({n}, gen, dt) : ones({}, dt);
          fused.backward(g);
          ref.backward(g);
          EXPECT_TRUE(close(xa.grad(), xb.grad(), tol, tol));
        }
      }
    }
  }
  // A [C] input with a 0-dim target, and a target out of range (not the ignore index).
  const Tensor v = tensor({0.5, -1.0, 2.0}, kFloat64);
  EXPECT_NEAR(F::cross_entropy(v, tensor(2)).item<double>(), -log_softmax(v, 0)[2].item<double>(), 1e-12);
  EXPECT_EQ(F::cross_entropy(v, tensor(2), {.reduction = F::Reduction::None}).dim(), 0);
  EXPECT_THROW_WITH(F::cross_entropy(v.view({1, 3}), tensor({3})), IndexError,
                    "cross_entropy: target 3 is out of bounds for 3 classes");
  EXPECT_THROW_WITH(F::cross_entropy(v.view({1, 3}), tensor({-2})), IndexError, "target -2 is out of bounds");
  // Rows that are all ignored give NaN for the mean, as in PyTorch.
  EXPECT_TRUE(std::isnan(F::cross_entropy(v.view({1, 3}), tensor({-100})).item<double>()));
}

// [N, C, H, W] and [N, C, L] logits (a segmentation loss) take the fused kernels over the
// positions: chunks of 256 down the classes (here one partial chunk, and two with a tail).
TEST(Loss, FusedCrossEntropyOverSpatialDims) {
  Generator gen(6);
  const int64_t c = 5;
  for (DType dt : {kFloat64, kFloat32}) {
    for (const Shape& shape : {Shape{3, c, 4, 6}, Shape{2, c, 300}}) {
      const Tensor x0 = randn(shape, gen, dt) * 2.0;
      Shape tshape = shape;
      tshape.erase(1);
      Tensor target = randint(0, c, tshape, gen, kInt64);
      target.view({-1}).index_put_({tensor({1, 7, 40})}, tensor({-100, -100, -100}));
      const Tensor w = rand({c}, gen, dt) + 0.5;
      Shape cs = Shape::filled(static_cast<int64_t>(shape.size()), 1);
      cs[1] = c;
      Shape dims;
      for (int d = 0; d < static_cast<int>(shape.size()); ++d)
        if (d != 1) dims.push_back(d);
      for (double eps : {0.0, 0.1}) {
        for (auto red : {F::Reduction::Mean, F::Reduction::Sum, F::Reduction::None}) {
          SCOPED_TRACE(fmt::format("{} {} eps={} reduction={}", dt, shape, eps, static_cast<int>(red)));
          const F::CrossEntropyOptions o{.weight = w, .reduction = red, .label_smoothing = eps};
          Tensor xa = x0.detach().requires_grad_(true), xb = x0.detach().requires_grad_(true);
          const Tensor fused = F::cross_entropy(xa, target, o);
          const Tensor logp = log_softmax(xb, 1);
          const Tensor valid = ne(target, -100), safe = where(valid, target, 0);
          const Tensor wt = where(valid, w.index_select(0, safe.reshape({-1})).view(safe.sizes()), 0.0);
          const Tensor picked = logp.gather(1, safe.unsqueeze(1)).squeeze(1);
          const Tensor terms = -(picked * wt) * (1 - eps) - where(valid, (logp * w.view(cs)).sum({1}), 0.0) * (eps / c);
          const Tensor ref =
              red == F::Reduction::None ? terms : red == F::Reduction::Sum ? terms.sum() : terms.sum() / wt.sum();
          const double tol = dt == kFloat64 ? 1e-12 : 2e-5;
          EXPECT_EQ(fused.sizes(), ref.sizes());
          EXPECT_TRUE(close(fused, ref, tol, tol));
          const Tensor g = red == F::Reduction::None ? randn(tshape, gen, dt) : ones({}, dt);
          fused.backward(g);
          ref.backward(g);
          EXPECT_TRUE(close(xa.grad(), xb.grad(), tol, tol));
          // Under create_graph: the gradient in tensor ops, differentiable again.
          Tensor xc = x0.detach().requires_grad_(true);
          const Tensor gc = autograd::grad({F::cross_entropy(xc, target, o)}, {xc}, {g}, std::nullopt, true)[0];
          EXPECT_TRUE(close(gc.detach(), xb.grad(), tol, tol));
          EXPECT_TRUE(gc.requires_grad());
        }
      }
    }
  }
  const Tensor x0 = randn({3, c, 4, 6}, gen, kFloat64);
  Tensor target = randint(0, c, {3, 4, 6}, gen, kInt64);
  const Tensor small = randn({2, c, 3, 2}, gen, kFloat64).requires_grad_(true);
  const Tensor small_target = randint(0, c, {2, 3, 2}, gen, kInt64);
  auto loss = [&](const tensor_list& in) { return F::cross_entropy(in[0], small_target, {.label_smoothing = 0.2}); };
  EXPECT_TRUE(autograd::gradcheck(loss, {small}));
  EXPECT_TRUE(autograd::gradgradcheck(loss, {small}));
  EXPECT_THROW_WITH(F::cross_entropy(x0, target.narrow(2, 0, 5)), Error, "needs a target of shape [3, 4, 6]");
  target.view({-1}).index_put_({tensor({50})}, tensor({7}));
  EXPECT_THROW_WITH(F::cross_entropy(x0, target), IndexError, "target 7 is out of bounds for 5 classes");
}

TEST(LossModules, CallTheirFunctionalFormWithTheirOptions) {
  Tensor logits = tensor({{2.0f, 0.5f, -1.0f}, {0.1f, 0.2f, 3.0f}});
  Tensor target = tensor({0, 2});
  Tensor weight = tensor({1.0f, 2.0f, 3.0f});
  nn::CrossEntropyLoss ce(nn::functional::CrossEntropyOptions{.weight = weight, .label_smoothing = 0.1});
  EXPECT_TRUE(allclose(ce(logits, target),
                       nn::functional::cross_entropy(logits, target, {.weight = weight, .label_smoothing = 0.1})));
  // The class weights are a buffer: state_dict carries them and to() converts them.
  EXPECT_EQ(ce->state_dict().keys(), std::vector<std::string>{"weight"});
  ce->to(kFloat64);
  EXPECT_EQ(ce->options.weight.dtype(), kFloat64);
  EXPECT_EQ(ce->str(), "CrossEntropyLoss()");

  nn::NLLLoss nll;
  EXPECT_TRUE(allclose(nll(log_softmax(logits, 1), target), nn::functional::cross_entropy(logits, target)));
  nn::MSELoss mse(nn::RegressionLossOptions{.reduction = nn::functional::Reduction::Sum});
  EXPECT_EQ(mse(ones({3}), zeros({3})).item<float>(), 3.0f);
  nn::L1Loss l1;
  EXPECT_EQ(l1(full({2}, -2.0f), zeros({2})).item<float>(), 2.0f);
  nn::SmoothL1Loss smooth(nn::RegressionLossOptions{.beta = 0.5});
  EXPECT_EQ(smooth->str(), "SmoothL1Loss()");
  EXPECT_NEAR(smooth(tensor({0.25f}), zeros({1})).item<float>(), 0.0625f, 1e-7);
  nn::BCELoss bce;
  EXPECT_NEAR(bce(full({1}, 0.5f), ones({1})).item<float>(), std::log(2.0f), 1e-6);
  nn::BCEWithLogitsLoss bcel(nn::functional::BCEWithLogitsLossOptions{.pos_weight = full({1}, 2.0f)});
  EXPECT_NEAR(bcel(zeros({1}), ones({1})).item<float>(), 2 * std::log(2.0f), 1e-6);
  nn::KLDivLoss kl(nn::functional::KLDivLossOptions{.reduction = nn::functional::Reduction::BatchMean});
  Tensor p = softmax(logits, 1);
  EXPECT_NEAR(kl(log(p), p).item<float>(), 0.0f, 1e-6);
  // Module hooks see both arguments.
  int calls = 0;
  mse->register_forward_pre_hook([&](nn::Module&, const tensor_list& in) -> std::optional<tensor_list> {
    calls += static_cast<int>(in.size());
    return std::nullopt;
  });
  mse(ones({2}), ones({2}));
  EXPECT_EQ(calls, 2);
}
