// Tensor hooks and custom autograd Functions.
#include "test_util.h"

using namespace tg;
using tgtest::vals;

using tgtest::leaf;

TEST(Hooks, SeeReplaceAndRemove) {
  Tensor x = leaf({1.0, 2.0});
  Tensor h = x * 2;
  std::vector<double> seen;
  auto handle = h.register_hook([&](const Tensor& g) { seen = vals(g); });
  h.register_hook([](const Tensor& g) { return g * 10; });  // replaces the gradient
  (h * h).sum().backward();
  EXPECT_EQ(seen, (std::vector<double>{4, 8}));
  EXPECT_EQ(vals(x.grad()), (std::vector<double>{80, 160}));
  handle.remove();
  seen.clear();
  x.mutable_grad() = Tensor();
  Tensor h2 = x * 2;
  auto leaf_handle = x.register_hook([&](const Tensor& g) { seen = vals(g); });
  h2.sum().backward();
  EXPECT_EQ(seen, (std::vector<double>{2, 2}));
  leaf_handle.remove();
  seen.clear();
  (x * 2).sum().backward();
  EXPECT_TRUE(seen.empty());
  EXPECT_THROW_WITH(ones({2}).register_hook([](const Tensor&) {}), Error, "does not require grad");
  EXPECT_THROW_WITH(
      {
        Tensor z = x * 1;
        z.register_hook([](const Tensor&) { return ones({5}, kFloat64); });
        z.sum().backward();
      },
      Error, "hook returned a gradient of shape [5]");
}

TEST(Hooks, PostAccumulateGrad) {
  // An optimizer step per parameter as soon as its gradient is complete (PyTorch's pattern).
  Tensor w = leaf({1.0, 2.0});
  std::vector<std::vector<double>> seen;
  auto handle = w.register_post_accumulate_grad_hook([&](const Tensor& p) {
    EXPECT_TRUE(p.is_same(w));
    seen.push_back(vals(p.grad()));
    NoGradGuard no_grad;
    p.sub_(p.grad() * 0.5);
    p.mutable_grad() = Tensor();
  });
  // Two uses of w: the hook runs once, on the summed gradient.
  (w * 3 + w * w).sum().backward();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0], (std::vector<double>{5, 7}));
  EXPECT_EQ(vals(w), (std::vector<double>{-1.5, -1.5}));
  EXPECT_FALSE(w.grad().defined());
  // Gradients accumulate into an existing .grad before the hook sees them.
  w.register_post_accumulate_grad_hook([&](const Tensor& p) { seen.push_back(vals(p.grad())); });
  handle.remove();
  w.mutable_grad() = ones({2}, kFloat64);
  (w * 2).sum().backward();
  EXPECT_EQ(seen.back(), (std::vector<double>{3, 3}));
  EXPECT_EQ(vals(w), (std::vector<double>{-1.5, -1.5}));  // the removed hook's step did not run
  EXPECT_THROW_WITH(ones({2}).register_post_accumulate_grad_hook([](const Tensor&) {}), Error,
                    "does not require grad");
  EXPECT_THROW_WITH((w * 2).register_post_accumulate_grad_hook([](const Tensor&) {}), Error,
                    "only leaves accumulate gradients; this tensor was made by MulBackward");
}

namespace {
struct ScaledCube : autograd::Function<ScaledCube> {
  static Tensor forward(autograd::AutogradContext* ctx, const Tensor& x, double k) {
    ctx->save_for_backward({x});
    ctx->saved_data["k"] = k;
    return x * x * x * k;
  }
  static tensor_list backward(autograd::AutogradContext* ctx, tensor_list g) {
    Tensor x = ctx->get_saved_variables()[0];
    const double k = std::any_cast<double>(ctx->saved_data["k"]);
    return {g[0] * 3 * x * x * k, Tensor()};  // one per argument, undefined for the number
  }
};

struct SplitSign : autograd::Function<SplitSign> {
  static tensor_list forward(autograd::AutogradContext* ctx, const Tensor& x) {
    Tensor idx = (x > 0).to(kInt64);
    ctx->mark_non_differentiable({idx});
    return {x.abs(), idx};
  }
  static tensor_list backward(autograd::AutogradContext* ctx, tensor_list g) {
    EXPECT_TRUE(ctx->needs_input_grad(0));
    return {g[0] * 2};
  }
};

struct WrongCount : autograd::Function<WrongCount> {
  static Tensor forward(autograd::AutogradContext*, const Tensor& x, const Tensor& y) { return x * y; }
  static tensor_list backward(autograd::AutogradContext*, tensor_list g) { return {g[0]}; }
};
}  // namespace

TEST(CustomFunction, ForwardBackwardAndSavedData) {
  Tensor x = leaf({1.0, 2.0});
  Tensor y = ScaledCube::apply(x, 2.0);
  EXPECT_EQ(vals(y), (std::vector<double>{2, 16}));
  EXPECT_EQ(y.grad_fn()->name(), "ScaledCubeBackward");
  y.sum().backward();
  EXPECT_EQ(vals(x.grad()), (std::vector<double>{6, 24}));
  EXPECT_TRUE(autograd::gradcheck([](const tensor_list& in) { return ScaledCube::apply(in[0], 0.5); },
                                  {leaf({0.3, -1.2})}));
  EXPECT_TRUE(autograd::gradgradcheck([](const tensor_list& in) { return ScaledCube::apply(in[0], 0.5); },
                                      {leaf({0.3, -1.2})}));
  NoGradGuard no_grad;
  EXPECT_FALSE(ScaledCube::apply(x, 1.0).requires_grad());
}

TEST(CustomFunction, MultipleOutputsAndNonDifferentiable) {
  Tensor x = leaf({-1.0, 2.0});
  tensor_list out = SplitSign::apply(x);
  EXPECT_TRUE(out[0].requires_grad());
  EXPECT_FALSE(out[1].requires_grad());
  out[0].sum().backward();
  EXPECT_EQ(vals(x.grad()), (std::vector<double>{2, 2}));
}

TEST(CustomFunction, WrongNumberOfGradients) {
  Tensor x = leaf({1.0}), y = leaf({2.0});
  Tensor z = WrongCount::apply(x, y);
  EXPECT_THROW_WITH(z.sum().backward(), Error, "WrongCountBackward: backward returned 1 gradients, expected 2");
}

TEST(CustomFunction, SavedTensorsAreVersionChecked) {
  Tensor x = leaf({1.0});
  Tensor a = x * 1;
  Tensor y = ScaledCube::apply(a, 1.0);
  a.add_(1);
  EXPECT_THROW_WITH(y.sum().backward(), Error, "modified by an in-place operation");
}
