// Forward-mode AD (forward_ad.h): tangents through ops, modules, views and in-place ops, under
// no_grad, through multi-output ops, reverse over forward, the level's lifetime, and the errors.
// Every op of the gradcheck table is also checked in forward mode (test_gradcheck_ops.cpp).
#include "test_util.h"

using namespace tg;
using namespace tg::autograd;
using tgtest::close;
using tgtest::vals;
using V = std::vector<double>;

namespace {

// (f(x + h t) - f(x - h t)) / 2h, in float64.
Tensor central_difference(const std::function<Tensor(const Tensor&)>& f, const Tensor& x, const Tensor& t) {
  const double h = 1e-6;
  NoGradGuard no_grad;
  return (f(x + t * h) - f(x - t * h)) / (2 * h);
}

Tensor tangent(const Tensor& t) { return forward_ad::unpack_dual(t).tangent; }

}  // namespace

TEST(ForwardAD, TangentOfAChainOfOps) {
  Generator gen(1);
  const Tensor x = randn({4, 3}, gen, kFloat64), t = randn({4, 3}, gen, kFloat64);
  auto f = [](const Tensor& a) { return (sin(a) * exp(a) + a.pow(2)).softmax(1).sum({0}) / a.norm(); };
  forward_ad::DualLevel level;
  const Tensor y = f(forward_ad::make_dual(x, t));
  ASSERT_TRUE(tangent(y).defined());
  EXPECT_TRUE(close(tangent(y), central_difference(f, x, t), 1e-6, 1e-8));
  EXPECT_TRUE(close(forward_ad::unpack_dual(y).primal, f(x)));
  EXPECT_FALSE(y.requires_grad());  // nothing asked for reverse mode
}

// Elementwise ops apply their backward formula to the tangents (their Jacobians are diagonal),
// recorded where the tangents must be differentiable (a tangent that requires grad); the
// double-backward trick still runs where a dual input is broadcast. Against central differences
// and across the two modes: unary, binary (one tangent for both inputs of x * x, two for x * y),
// ternary, where, clamp and the fused activations, in float64 and float32.
TEST(ForwardAD, ElementwiseOpsTakeTheBackwardOfTheTangent) {
  Generator gen(3);
  const Tensor x = randn({4, 5}, gen, kFloat64), y = randn({4, 5}, gen, kFloat64), row = randn({5}, gen, kFloat64);
  const Tensor tx = randn({4, 5}, gen, kFloat64), ty = randn({4, 5}, gen, kFloat64), trow = randn({5}, gen, kFloat64);
  using F2 = std::function<Tensor(const Tensor&, const Tensor&)>;
  const std::vector<std::pair<const char*, F2>> cases = {
      {"sin(x * x).exp()", [](const Tensor& a, const Tensor&) { return sin(a * a).exp(); }},
      {"x * y + x / y", [](const Tensor& a, const Tensor& b) { return a * b + a / b; }},
      {"pow(abs(x), y) - y", [](const Tensor& a, const Tensor& b) { return pow(abs(a) + 0.5, b) - b; }},
      {"addcmul, lerp",
       [](const Tensor& a, const Tensor& b) { return addcmul(a, b, a, 0.5) + lerp(a, b, sigmoid(b)); }},
      {"where, clamp", [](const Tensor& a, const Tensor& b) { return where(gt(a, 0), a * b, clamp(b, -0.5, 0.5)); }},
      {"gelu, softplus, elu", [](const Tensor& a, const Tensor& b) {
         namespace F = tg::nn::functional;
         return F::gelu(a) * F::softplus(b) + F::elu(a - b);
       }}};
  for (const auto& [what, f] : cases) {
    for (DType dt : {kFloat64, kFloat32}) {
      const Tensor a = x.to(dt), b = y.to(dt), ta = tx.to(dt), tb = ty.to(dt);
      forward_ad::DualLevel level;
      const Tensor fast = tangent(f(forward_ad::make_dual(a, ta), forward_ad::make_dual(b, tb)));
      ASSERT_TRUE(fast.defined()) << what;
      EXPECT_FALSE(fast.requires_grad()) << what;
      // A tangent that requires grad: the same values, differentiable (d sum(J t) / dt = J^T 1).
      const Tensor ta_leaf = ta.clone().requires_grad_(true);
      const Tensor traced = tangent(f(forward_ad::make_dual(a, ta_leaf), forward_ad::make_dual(b, tb)));
      const double tol = dt == kFloat64 ? 1e-12 : 1e-5;
      EXPECT_TRUE(close(traced.detach(), fast, tol, tol)) << what << " " << name(dt);
      const Tensor along_a = tangent(f(forward_ad::make_dual(a, ones_like(a)), b));
      EXPECT_TRUE(close(autograd::grad({traced.sum()}, {ta_leaf})[0], along_a, tol, tol)) << what << " " << name(dt);
      if (dt == kFloat64) {
        const Tensor expected = central_difference([&](const Tensor& v) { return f(v, b); }, a, ta) +
                                central_difference([&](const Tensor& v) { return f(a, v); }, b, tb);
        EXPECT_TRUE(close(fast, expected, 1e-6, 1e-7)) << what;
      }
    }
  }
  // A broadcast dual input (its Jacobian is not diagonal) beside a dual of the output's shape.
  forward_ad::DualLevel level;
  const Tensor dual_row = forward_ad::make_dual(row, trow), dual_x = forward_ad::make_dual(x, tx);
  EXPECT_TRUE(close(tangent(dual_row * dual_x), trow * x + row * tx, 1e-12, 1e-12));
}

TEST(ForwardAD, WorksUnderNoGradAndThroughModules) {
  Generator gen(2);
  manual_seed(2);
  nn::Sequential net(nn::Linear(5, 8), nn::Tanh(), nn::Linear(8, 2));
  net->to(kFloat64);
  const Tensor x = randn({3, 5}, gen, kFloat64), t = randn({3, 5}, gen, kFloat64);
  auto f = [&](const Tensor& a) { return nn::functional::log_softmax(net->forward(a), 1); };
  const Tensor expected = central_difference(f, x, t);
  forward_ad::DualLevel level;
  NoGradGuard no_grad;
  const Tensor y = f(forward_ad::make_dual(x, t));
  EXPECT_TRUE(close(tangent(y), expected, 1e-6, 1e-8));
  EXPECT_FALSE(y.requires_grad());
}

TEST(ForwardAD, OnlyTheDualInputContributes) {
  const Tensor x = tensor({1.0, 2.0, 3.0}, kFloat64), w = tensor({4.0, 5.0, 6.0}, kFloat64);
  forward_ad::DualLevel level;
  const Tensor y = forward_ad::make_dual(x, ones({3}, kFloat64)) * w + w;
  EXPECT_EQ(vals(tangent(y)), (V{4, 5, 6}));
  EXPECT_FALSE(tangent(w * 2).defined());    // no dual input, no tangent
  EXPECT_FALSE(tangent(y.gt(2)).defined());  // nor for a bool result
}

TEST(ForwardAD, MultiOutputOps) {
  Generator gen(3);
  const Tensor a = randn({4, 3}, gen, kFloat64), t = randn({4, 3}, gen, kFloat64);
  forward_ad::DualLevel level;
  auto [q, r] = linalg::qr(forward_ad::make_dual(a, t));
  auto q_of = [](const Tensor& m) { return std::get<0>(linalg::qr(m)); };
  auto r_of = [](const Tensor& m) { return std::get<1>(linalg::qr(m)); };
  EXPECT_TRUE(close(tangent(q), central_difference(q_of, a, t), 1e-5, 1e-7));
  EXPECT_TRUE(close(tangent(r), central_difference(r_of, a, t), 1e-5, 1e-7));
  auto [values, indices] = forward_ad::make_dual(a, t).max(1);
  EXPECT_TRUE(close(tangent(values), t.gather(1, indices.unsqueeze(1)).squeeze(1)));
  EXPECT_FALSE(tangent(indices).defined());
}

TEST(ForwardAD, ViewsShareTheTangentAndInPlaceOpsUpdateIt) {
  const Tensor x = arange(6, kFloat64).reshape({2, 3}), t = ones({2, 3}, kFloat64);
  forward_ad::DualLevel level;
  const Tensor d = forward_ad::make_dual(x, t);
  const Tensor row = d.select(0, 1);
  const Tensor col = d.t();
  EXPECT_EQ(vals(tangent(row)), (V{1, 1, 1}));
  EXPECT_EQ(tangent(row).storage(), tangent(d).storage());
  d.mul_(3);  // the tangent becomes 3 t, and the views see it
  EXPECT_EQ(vals(tangent(d)), (V{3, 3, 3, 3, 3, 3}));
  EXPECT_EQ(vals(tangent(row)), (V{3, 3, 3}));
  EXPECT_EQ(tangent(col).sizes(), Shape({3, 2}));
  row.add_(forward_ad::make_dual(zeros({3}, kFloat64), tensor({1.0, 2.0, 3.0}, kFloat64)));  // through the view
  EXPECT_EQ(vals(tangent(d)), (V{3, 3, 3, 4, 5, 6}));
  d.t_();  // an in-place view op restrides the tangent with the tensor
  EXPECT_EQ(tangent(d).sizes(), Shape({3, 2}));
  EXPECT_EQ(vals(tangent(d).contiguous()), (V{3, 4, 3, 5, 3, 6}));
}

TEST(ForwardAD, InPlaceOpsGiveAPlainTensorTheTangent) {
  const Tensor a = zeros({3}, kFloat64), b = zeros({2, 3}, kFloat64);
  forward_ad::DualLevel level;
  const Tensor d = forward_ad::make_dual(tensor({1.0, 2.0, 3.0}, kFloat64), tensor({1.0, 1.0, 2.0}, kFloat64));
  a.copy_(d);
  EXPECT_EQ(vals(tangent(a)), (V{1, 1, 2}));
  a.mul_(d);  // d(a d) = ta d + a td
  EXPECT_EQ(vals(tangent(a)), (V{2, 4, 12}));
  b.select(0, 0).copy_(d);  // the base gets a tangent, zero outside the view
  EXPECT_EQ(vals(tangent(b)), (V{1, 1, 2, 0, 0, 0}));
  a.fill_(1.0);
  EXPECT_EQ(vals(tangent(a)), (V{0, 0, 0}));
}

TEST(ForwardAD, ReverseOverForward) {
  // d/dx of the jvp of sin at x along t: -sin(x) t.
  const Tensor x = tensor({0.3, -1.2, 2.0}, kFloat64).requires_grad_(true);
  const Tensor t = tensor({1.0, 2.0, -1.0}, kFloat64);
  forward_ad::DualLevel level;
  const Tensor d = forward_ad::make_dual(x, t);
  EXPECT_TRUE(d.requires_grad());
  const Tensor y = sin(d) * d;
  const Tensor jvp = tangent(y);  // (cos(x) x + sin(x)) t
  ASSERT_TRUE(jvp.requires_grad());
  jvp.sum().backward();
  const Tensor xd = x.detach();
  EXPECT_TRUE(close(x.grad(), (cos(xd) * 2 - sin(xd) * xd) * t));
  EXPECT_TRUE(close(jvp.detach(), (cos(xd) * xd + sin(xd)) * t));
}

TEST(ForwardAD, ADualTensorPrintsItsTangent) {
  forward_ad::DualLevel level;
  const Tensor d = forward_ad::make_dual(tensor({1.0f, 2.0f}), tensor({0.5f, 1.0f}));
  EXPECT_EQ(d.str(), "tensor([1., 2.], tangent=tensor([0.5000, 1.0000]))");
  forward_ad::exit_dual_level();
  EXPECT_EQ(d.str(), "tensor([1., 2.])");
}

TEST(ForwardAD, TheLevelEndsTheTangents) {
  Tensor d, y;
  {
    forward_ad::DualLevel level;
    EXPECT_TRUE(forward_ad::dual_level_active());
    d = forward_ad::make_dual(ones({2}, kFloat64), ones({2}, kFloat64));
    y = d * 2;
    EXPECT_TRUE(tangent(y).defined());
  }
  EXPECT_FALSE(forward_ad::dual_level_active());
  EXPECT_FALSE(tangent(d).defined());
  EXPECT_FALSE(tangent(y).defined());
  EXPECT_FALSE(tangent(d * 3).defined());
  forward_ad::DualLevel again;  // a new level starts clean
  EXPECT_FALSE(tangent(d * 3).defined());
}

TEST(ForwardAD, GradcheckComparesForwardModeWithFiniteDifferences) {
  const Tensor a = tensor({0.5, 1.5, -0.7}, kFloat64).requires_grad_(true);
  const Tensor b = tensor({2.0, -1.0, 0.25}, kFloat64).requires_grad_(true);
  EXPECT_TRUE(gradcheck(
      [](const tensor_list& in) {
        return tensor_list{atan2(in[0], in[1]), in[0] * in[1]};
      },
      {a, b}, {.check_forward_ad = true}));
}

TEST(ForwardAD, Errors) {
  const Tensor x = ones({3}, kFloat64);
  EXPECT_THROW_WITH(forward_ad::make_dual(x, x), Error, "no dual level is active");
  EXPECT_THROW_WITH(forward_ad::exit_dual_level(), Error, "no dual level is active");
  forward_ad::DualLevel level;
  EXPECT_THROW_WITH(forward_ad::enter_dual_level(), Error, "nested forward-mode AD levels are not supported");
  EXPECT_THROW_WITH(forward_ad::make_dual(x, ones({4}, kFloat64)), Error,
                    "tangent has shape [4] but the primal has shape [3]");
  EXPECT_THROW_WITH(forward_ad::make_dual(x, ones({3})), TypeError, "the tangent has dtype float32");
  EXPECT_THROW_WITH(forward_ad::make_dual(arange(3), arange(3)), TypeError, "floating-point primal");
  EXPECT_THROW_WITH(forward_ad::make_dual(Tensor(), x), Error, "make_dual");

  struct Double : Function<Double> {
    static Tensor forward(AutogradContext*, const Tensor& v) { return v * 2; }
    static tensor_list backward(AutogradContext*, tensor_list g) { return {g[0] * 2}; }
  };
  const Tensor d = forward_ad::make_dual(x, x);
  EXPECT_THROW_WITH(Double::apply(d), Error, "forward-mode AD through a custom Function needs its jvp");
  EXPECT_NO_THROW(Double::apply(x));  // inputs without tangents are fine
  const Tensor grown = forward_ad::make_dual(zeros({2}, kFloat64), ones({2}, kFloat64));
  EXPECT_THROW_WITH(grown.resize_({5}), Error, "forward-mode tangent");
}

TEST(ForwardAD, MakeDualKeepsTheLayoutOfNonContiguousPrimals) {
  const Tensor x = arange(6, kFloat64).reshape({2, 3}).t();
  const Tensor t = arange(6, kFloat64).reshape({3, 2});  // contiguous, unlike x
  forward_ad::DualLevel level;
  const Tensor d = forward_ad::make_dual(x, t);
  EXPECT_EQ(tangent(d).strides(), x.strides());
  EXPECT_EQ(vals(tangent(d).contiguous()), vals(t));
  EXPECT_EQ(vals(tangent(d.select(1, 1))), (V{1, 3, 5}));
}

namespace {
// exp(scale * v) with its jvp; scale is a non-tensor argument.
struct ScaledExp : Function<ScaledExp> {
  static Tensor forward(AutogradContext* ctx, const Tensor& v, double scale) {
    Tensor y = exp(v * scale);
    ctx->save_for_backward({y});
    ctx->saved_data["scale"] = scale;
    return y;
  }
  static tensor_list backward(AutogradContext* ctx, tensor_list g) {
    return {g[0] * ctx->get_saved_variables()[0] * std::any_cast<double>(ctx->saved_data["scale"])};
  }
  static tensor_list jvp(AutogradContext* ctx, tensor_list t) {
    EXPECT_FALSE(t[1].defined());  // the double argument
    return {t[0] * ctx->get_saved_variables()[0] * std::any_cast<double>(ctx->saved_data["scale"])};
  }
};
}  // namespace

TEST(ForwardAD, CustomFunctionsWithAJvp) {
  const Tensor x = tensor({0.5, -1.0, 2.0}, kFloat64), t = tensor({1.0, 2.0, 3.0}, kFloat64);
  forward_ad::DualLevel level;
  const Tensor y = ScaledExp::apply(forward_ad::make_dual(x, t), 0.5);
  EXPECT_TRUE(close(tangent(y), t * 0.5 * exp(x * 0.5)));
  EXPECT_FALSE(y.requires_grad());
  // Recording too: the node is on the tape and the output still gets its tangent.
  const Tensor xr = x.clone().requires_grad_(true);
  const Tensor yr = ScaledExp::apply(forward_ad::make_dual(xr, t), 0.5);
  EXPECT_TRUE(yr.requires_grad());
  EXPECT_TRUE(close(tangent(yr), t * 0.5 * exp(x * 0.5)));
  yr.sum().backward();
  EXPECT_TRUE(close(xr.grad(), 0.5 * exp(x * 0.5)));
  forward_ad::exit_dual_level();
  EXPECT_TRUE(gradcheck([](const tensor_list& in) { return ScaledExp::apply(in[0], 0.5); },
                        {x.clone().requires_grad_(true)}, {.check_forward_ad = true}));
}

TEST(ForwardAD, ACustomJvpOfTheWrongShapeIsAnError) {
  struct Bad : Function<Bad> {
    static Tensor forward(AutogradContext*, const Tensor& v) { return v * 2; }
    static tensor_list backward(AutogradContext*, tensor_list g) { return {g[0] * 2}; }
    static tensor_list jvp(AutogradContext*, tensor_list t) { return {t[0].sum()}; }
  };
  forward_ad::DualLevel level;
  const Tensor d = forward_ad::make_dual(ones({3}, kFloat64), ones({3}, kFloat64));
  EXPECT_THROW_WITH(Bad::apply(d), Error, "jvp returned a tangent of shape [] for output 0 of shape [3]");
}
