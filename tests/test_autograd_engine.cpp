// The backward engine: graph shapes, accumulation, retain_graph, grad(), higher order, modes.
#include "test_util.h"

using namespace tg;
using tgtest::close;
using tgtest::vals;

using tgtest::leaf;

TEST(Engine, DiamondAndSharedSubgraph) {
  Tensor x = leaf({2.0});
  Tensor a = x * 3;       // shared by both branches
  Tensor b = a.exp();
  Tensor c = a * a;
  Tensor y = (b + c).sum();
  y.backward();
  // dy/dx = 3 e^{3x} + 2 * 3x * 3
  EXPECT_NEAR(x.grad().item<double>(), 3 * std::exp(6.0) + 36, 1e-9);
  Tensor z = leaf({1.0, 2.0});
  Tensor w = z * z;
  (w.sum() + w.sum() * 2).backward();  // w used twice
  EXPECT_EQ(vals(z.grad()), (std::vector<double>{6, 12}));
}

TEST(Engine, GradientsSummedInPlaceOnlyWhereNothingElseHoldsThem) {
  // A node's incoming gradients are summed in place when the buffer alone holds the sum: a weight
  // used at every step of a recurrence, against the sum of its steps' products.
  Generator gen(3);
  Tensor w = randn({4, 3}, gen, kFloat64).requires_grad_(true);
  const Tensor x = randn({6, 2, 4}, gen, kFloat64), g = randn({2, 3}, gen, kFloat64);
  Tensor loss = zeros({}, kFloat64);
  for (int64_t t = 0; t < 6; ++t) loss = loss + (x[t].matmul(w) * g).sum();
  loss.backward();
  Tensor expected = zeros({4, 3}, kFloat64);
  for (int64_t t = 0; t < 6; ++t) expected = expected + x[t].t().matmul(g);
  EXPECT_TRUE(close(w.grad(), expected, 1e-12, 1e-12));
  // One tensor handed to two edges (an add's backward) and then summed with a third gradient.
  Tensor v = leaf({1.0, 2.0});
  Tensor a = v * 2, b = v * 3;
  ((a + b) + a).sum().backward();
  EXPECT_EQ(vals(v.grad()), (std::vector<double>{7, 7}));
  // A gradient a hook kept, passed on as it is by an add and reaching m's node first, is not
  // summed into.
  Tensor u = leaf({1.0, 2.0});
  Tensor m = u * 1;
  Tensor m5 = m * 5, p = m + 1;
  Tensor kept;
  p.register_hook([&kept](const Tensor& grad) {
    kept = grad * 1;
    return kept;
  });
  (p.sum() * 2 + m5.sum()).backward();
  EXPECT_EQ(vals(kept), (std::vector<double>{2, 2}));
  EXPECT_EQ(vals(u.grad()), (std::vector<double>{7, 7}));
  // Under create_graph the sums stay out of place and differentiable.
  Tensor r = leaf({3.0});
  Tensor s = r * r;
  const Tensor dr = autograd::grad({(s + s * 2).sum()}, {r}, {}, true, true)[0];
  EXPECT_EQ(dr.item<double>(), 18);
  EXPECT_EQ(autograd::grad({dr}, {r})[0].item<double>(), 6);
}

TEST(Engine, AccumulatesAcrossCallsAndRetainGraph) {
  Tensor x = leaf({1.0, -1.0});
  Tensor y = (x * x).sum();
  y.backward({}, /*retain_graph=*/true);
  y.backward();
  EXPECT_EQ(vals(x.grad()), (std::vector<double>{4, -4}));
  EXPECT_THROW_WITH(y.backward(), Error, "backward through the graph a second time");
  x.mutable_grad() = Tensor();
  (x * 2).sum().backward();
  EXPECT_EQ(vals(x.grad()), (std::vector<double>{2, 2}));
  x.set_grad(zeros_like(x));
  EXPECT_EQ(vals(x.grad()), (std::vector<double>{0, 0}));
  EXPECT_THROW_WITH(x.set_grad(zeros({3}, kFloat64)), Error, "set_grad: gradient has shape [3]");
}

TEST(Engine, NonScalarNeedsAGradient) {
  Tensor x = leaf({1.0, 2.0});
  Tensor y = x * 2;
  EXPECT_THROW_WITH(y.backward(), Error, "only for one-element outputs; tensor 0 has shape [2]");
  y.backward(tensor({1.0, 10.0}, kFloat64));
  EXPECT_EQ(vals(x.grad()), (std::vector<double>{2, 20}));
  EXPECT_THROW_WITH((x * 2).backward(ones({3}, kFloat64)), Error, "gradient 0 has shape [3] but the tensor has shape [2]");
  EXPECT_THROW_WITH(ones({2}).sum().backward(), Error, "does not require grad");
}

TEST(Engine, GradFunction) {
  Tensor x = leaf({1.0, 2.0}), y = leaf({3.0});
  Tensor out = (x * y).sum();
  tensor_list g = autograd::grad({out}, {x, y}, {}, true);
  EXPECT_EQ(vals(g[0]), (std::vector<double>{3, 3}));
  EXPECT_EQ(vals(g[1]), (std::vector<double>{3}));
  EXPECT_FALSE(x.grad().defined());  // grad() does not accumulate into leaves
  Tensor unused = leaf({5.0});
  EXPECT_THROW_WITH(autograd::grad({out}, {unused}, {}, true), Error, "was not used to compute the outputs");
  EXPECT_FALSE(autograd::grad({out}, {unused}, {}, true, false, true)[0].defined());
  EXPECT_THROW_WITH(autograd::grad({out}, {ones({2})}), Error, "input 0 (shape [2]) does not require grad");
  // Gradient with respect to an intermediate.
  Tensor h = x * 2;
  Tensor o = (h * h).sum();
  EXPECT_EQ(vals(autograd::grad({o}, {h})[0]), (std::vector<double>{4, 8}));
}

TEST(Engine, GradOnGradientEdges) {
  using autograd::get_gradient_edge;
  Tensor x = leaf({1.0, 2.0});
  Tensor y = x * 2;
  const autograd::Edge before = get_gradient_edge(y);
  EXPECT_EQ(before.function.get(), y.grad_fn().get());
  y.mul_(3);  // y gets a new grad_fn; the edge still points at the first product
  Tensor loss = (y * y).sum();
  const tensor_list g = autograd::grad({get_gradient_edge(loss)}, {ones_like(loss)},
                                       {before, get_gradient_edge(y), get_gradient_edge(x)}, true);
  // loss = sum (6x)^2: d/dy_after = 2 y = 12x, d/dy_before = 3 * 12x, d/dx = 72x.
  EXPECT_EQ(vals(g[0]), (std::vector<double>{36, 72}));
  EXPECT_EQ(vals(g[1]), (std::vector<double>{12, 24}));
  EXPECT_EQ(vals(g[2]), (std::vector<double>{72, 144}));
  EXPECT_EQ(get_gradient_edge(x).function->name(), "AccumulateGrad");
  EXPECT_FALSE(g[2].requires_grad());

  // An output edge in the middle of the graph, and higher order through edges.
  Tensor c = x.pow(3);
  Tensor d1 = autograd::grad({get_gradient_edge(c)}, {ones_like(c)}, {get_gradient_edge(x)}, std::nullopt,
                             /*create_graph=*/true)[0];  // 3x^2
  EXPECT_EQ(vals(d1), (std::vector<double>{3, 12}));
  EXPECT_EQ(vals(autograd::grad({d1.sum()}, {x})[0]), (std::vector<double>{6, 12}));

  // Errors name the edge and its node.
  Tensor unused = leaf({5.0});
  Tensor out = (x * x).sum();
  EXPECT_THROW_WITH(autograd::get_gradient_edge(ones({2})), Error,
                    "get_gradient_edge: the tensor (shape [2], float32) does not require grad");
  EXPECT_THROW_WITH(autograd::grad({get_gradient_edge(out)}, {}, {get_gradient_edge(x)}), Error,
                    "got 1 output edges but 0 gradients");
  EXPECT_THROW_WITH(
      autograd::grad({get_gradient_edge(out)}, {ones({2}, kFloat64)}, {get_gradient_edge(x)}), Error,
      "the gradient of output edge 0 (SumBackward, output 0) is [2] on cpu, but that output is [] on cpu");
  EXPECT_THROW_WITH(autograd::grad({get_gradient_edge(out)}, {Tensor()}, {get_gradient_edge(x)}), Error,
                    "the gradient of output edge 0 (SumBackward) is undefined");
  EXPECT_THROW_WITH(autograd::grad({autograd::Edge{}}, {ones({})}, {get_gradient_edge(x)}), Error,
                    "output edge 0 has no node");
  EXPECT_THROW_WITH(autograd::grad({get_gradient_edge(out)}, {ones({}, kFloat64)}, {autograd::Edge{}}), Error,
                    "input edge 0 has no node");
  EXPECT_THROW_WITH(autograd::grad({get_gradient_edge(out)}, {ones({}, kFloat64)}, {get_gradient_edge(unused)}, true),
                    Error, "input edge 0 (AccumulateGrad, output 0) was not used to compute the outputs");
  EXPECT_FALSE(
      autograd::grad({get_gradient_edge(out)}, {ones({}, kFloat64)}, {get_gradient_edge(unused)}, true, false, true)[0]
          .defined());
  EXPECT_THROW_WITH(autograd::grad({get_gradient_edge(out)}, {ones({}, kFloat64)}, {}), Error, "no inputs given");
}

TEST(Engine, HigherOrderAndHessianVectorProduct) {
  Tensor x = leaf({1.0, 2.0});
  Tensor y = (x * x * x).sum();
  Tensor g = autograd::grad({y}, {x}, {}, std::nullopt, /*create_graph=*/true)[0];  // 3x^2
  EXPECT_TRUE(g.requires_grad());
  Tensor v = tensor({1.0, 0.5}, kFloat64);
  Tensor hvp = autograd::grad({(g * v).sum()}, {x})[0];  // H v = diag(6x) v
  EXPECT_EQ(vals(hvp), (std::vector<double>{6, 6}));
  // Third derivative through backward(create_graph).
  Tensor z = leaf({2.0});
  Tensor w = z.pow(4);
  w.backward({}, std::nullopt, /*create_graph=*/true);
  Tensor dz = z.grad();  // 4 z^3
  EXPECT_EQ(dz.item<double>(), 32);
  Tensor d2 = autograd::grad({dz}, {z}, {}, true, true)[0];  // 12 z^2
  EXPECT_EQ(d2.item<double>(), 48);
  EXPECT_EQ(autograd::grad({d2}, {z})[0].item<double>(), 48);  // 24 z
  // backward(create_graph) on a leaf makes a cycle (leaf -> grad -> its graph -> the leaf's
  // accumulator), as in PyTorch: clearing the gradient breaks it.
  z.set_grad(Tensor());
}

TEST(Engine, BackwardWithInputs) {
  Tensor a = leaf({1.0}), b = leaf({2.0});
  Tensor y = a * b;
  y.backward({}, std::nullopt, false, {a});
  EXPECT_EQ(a.grad().item<double>(), 2);
  EXPECT_FALSE(b.grad().defined());
}

TEST(Engine, GradModeGuards) {
  Tensor x = leaf({1.0});
  {
    NoGradGuard no_grad;
    EXPECT_FALSE(GradMode::is_enabled());
    Tensor y = x * 2;
    EXPECT_FALSE(y.requires_grad());
    {
      EnableGradGuard enable;
      EXPECT_TRUE((x * 2).requires_grad());
    }
    EXPECT_FALSE((x * 2).requires_grad());
  }
  EXPECT_TRUE(GradMode::is_enabled());
  EXPECT_TRUE((x * 2).requires_grad());
}

// c10::InferenceMode's rules: what is made inside is an inference tensor, which outside cannot be
// written in place, saved for backward or made to require grad; a clone is a normal tensor.
TEST(Engine, InferenceModeTensors) {
  Tensor normal = ones({2, 3}, kFloat64);
  Tensor w = leaf({1.0, 2.0, 3.0});
  Tensor made, view_of_normal;
  {
    InferenceMode guard;
    EXPECT_TRUE(InferenceMode::is_enabled());
    EXPECT_FALSE(GradMode::is_enabled());
    made = normal * 2;
    EXPECT_FALSE((w * 2).requires_grad());
    view_of_normal = normal.view({3, 2});
    normal.add_(1);  // in place on a normal tensor is allowed inside
    made.mul_(2);
    {
      InferenceMode off(false);
      EXPECT_FALSE(InferenceMode::is_enabled());
      EXPECT_FALSE(GradMode::is_enabled());  // left as it was
      EXPECT_FALSE(ones({1}).is_inference());
    }
    EXPECT_TRUE(InferenceMode::is_enabled());
  }
  EXPECT_FALSE(InferenceMode::is_enabled());
  EXPECT_TRUE(GradMode::is_enabled());
  EXPECT_TRUE(made.is_inference());
  EXPECT_TRUE(made.view({6}).is_inference());  // a view of one, even made outside
  EXPECT_TRUE(made.detach().is_inference());
  EXPECT_FALSE(normal.is_inference());
  EXPECT_FALSE(view_of_normal.is_inference());
  EXPECT_FALSE(made.clone().is_inference());
  EXPECT_FALSE(Tensor().is_inference());
  EXPECT_TRUE(close(made, full({2, 3}, 4.0, kFloat64)));

  EXPECT_THROW_WITH(made.add_(1), Error, "add_: an in-place update to an inference tensor");
  EXPECT_THROW_WITH(made.view({6}).zero_(), Error, "an in-place update to an inference tensor");
  EXPECT_THROW_WITH(made.requires_grad_(), Error, "requires_grad_: an inference tensor");
  // w * row saves row for w's gradient; w + row saves nothing, as in PyTorch.
  Tensor row = made.select(0, 0);
  EXPECT_THROW_WITH(w * row, Error, "inference tensors (made inside InferenceMode) cannot be saved for backward");
  Tensor sum = w + row;
  sum.sum().backward();
  EXPECT_TRUE(close(w.grad(), ones({3}, kFloat64)));
  Tensor copy = made.clone();
  copy.add_(1);
  (w * copy.select(0, 0)).sum().backward();  // a clone takes part in autograd
  {
    NoGradGuard no_grad;
    EXPECT_THROW_WITH(made.mul_(2), Error, "outside InferenceMode is not allowed");
  }
  {
    InferenceMode again;
    made.mul_(0.5);  // inside, in place is allowed again
    EXPECT_TRUE(made.requires_grad_().requires_grad());
  }
}

TEST(Engine, LeavesDetachAndRequiresGrad) {
  Tensor x = leaf({1.0});
  Tensor y = x * 2;
  EXPECT_TRUE(x.is_leaf());
  EXPECT_FALSE(y.is_leaf());
  EXPECT_TRUE(y.grad_fn() != nullptr);
  EXPECT_EQ(y.grad_fn()->name(), "MulBackward");
  Tensor d = y.detach();
  EXPECT_FALSE(d.requires_grad());
  EXPECT_EQ(d.storage(), y.storage());
  EXPECT_THROW_WITH(tensor({1, 2}).requires_grad_(), TypeError,
                    "only floating-point and complex tensors can require gradients");
  EXPECT_THROW_WITH(y.requires_grad_(false), Error, "only leaf tensors");
  Tensor z = y.clone();
  z.detach_();
  EXPECT_TRUE(z.is_leaf());
  EXPECT_FALSE(z.requires_grad());
  EXPECT_FALSE((ones({2}) * 2).requires_grad());
  EXPECT_FALSE(tensor({1.0}).requires_grad());
  EXPECT_TRUE(ones({2}, TensorOptions(kFloat64).requires_grad(true)).requires_grad());
}

// PyTorch's x.data = y: the leaf takes y's storage, shape and dtype and keeps its autograd state.
TEST(Engine, SetDataSwapsALeafsStorage) {
  Tensor w = leaf({1.0, 2.0});
  Tensor other = arange(6, TensorOptions(kFloat64)).reshape({2, 3});
  w.set_data(other);
  EXPECT_TRUE(w.requires_grad() && w.is_leaf());
  EXPECT_EQ(w.sizes(), Shape({2, 3}));
  EXPECT_EQ(w.dtype(), kFloat64);
  EXPECT_EQ(w.storage(), other.storage());
  (w * w).sum().backward();
  EXPECT_TRUE(close(w.grad(), other * 2));
  EXPECT_EQ(&w.set_data(w), &w);  // itself: nothing changes
  EXPECT_EQ(w.storage(), other.storage());
  // A leaf view (of a base that needs no grad) takes new data too and stops being a view.
  Tensor base = zeros({4});
  Tensor v = base.slice(0, 1, 3);
  ASSERT_TRUE(v.is_view());
  v.set_data(ones({3}));
  EXPECT_FALSE(v.is_view());
  v.add_(1);
  EXPECT_EQ(vals(base), std::vector<double>({0, 0, 0, 0}));
  EXPECT_EQ(vals(v), std::vector<double>({2, 2, 2}));
  EXPECT_THROW_WITH((w * 2).set_data(other), Error, "set_data: only leaf tensors can take new data");
  EXPECT_THROW_WITH(w.set_data(Tensor()), Error, "set_data: the new data is undefined");
}

TEST(Engine, RetainGrad) {
  Tensor x = leaf({1.0, 2.0});
  Tensor h = x * 3;
  h.retain_grad();
  EXPECT_TRUE(h.retains_grad());
  Tensor y = (h * h).sum();
  y.backward({}, true);
  EXPECT_EQ(vals(h.grad()), (std::vector<double>{6, 12}));
  y.backward();
  EXPECT_EQ(vals(h.grad()), (std::vector<double>{12, 24}));
  EXPECT_THROW_WITH(ones({1}).retain_grad(), Error, "does not require grad");
}

TEST(Engine, IntegerOutputsHaveNoGradient) {
  Tensor x = leaf({1.5, -0.5});
  EXPECT_FALSE(x.argmax().requires_grad());
  EXPECT_FALSE((x > 0).requires_grad());
  auto [v, i] = x.max(0);
  EXPECT_TRUE(v.requires_grad());
  EXPECT_FALSE(i.requires_grad());
  EXPECT_FALSE(x.to(kInt64).requires_grad());
  EXPECT_TRUE(x.to(kFloat32).requires_grad());
  x.to(kFloat32).sum().backward();
  EXPECT_EQ(x.grad().dtype(), kFloat64);
}

TEST(Engine, MixedDtypeGradientsComeBackInTheLeafDtype) {
  Tensor a = ones({2}, kFloat32).requires_grad_(true), b = ones({2}, kFloat64).requires_grad_(true);
  (a * b).sum().backward();
  EXPECT_EQ(a.grad().dtype(), kFloat32);
  EXPECT_EQ(b.grad().dtype(), kFloat64);
}

TEST(Engine, UnusedOutputsOfMultiOutputOps) {
  Tensor x = leaf({1.0, 2.0, 3.0, 4.0});
  auto parts = x.split(2);
  (parts[1] * 2).sum().backward();
  EXPECT_EQ(vals(x.grad()), (std::vector<double>{0, 0, 2, 2}));
}

TEST(Engine, LongChainDoesNotOverflowTheStack) {
  Tensor x = leaf({1.0});
  Tensor y = x;
  for (int i = 0; i < 20000; ++i) y = y * 1.0001;
  y.backward();
  EXPECT_NEAR(x.grad().item<double>(), std::pow(1.0001, 20000), 1e-6);
  // Building and dropping a much longer tape (destruction is iterative).
  Tensor z = x;
  for (int i = 0; i < 300000; ++i) z = z + 1.0;
  z = Tensor();
}
