// Hooks on the tape: saved-tensor hooks (pack/unpack, SaveOnCpu, disabling), a node's own pre- and
// post-hooks, and what a hook can ask about the backward run it is in.
#include <any>

#include "test_util.h"

using namespace tg;
using tgtest::leaf;
using tgtest::vals;

namespace {
// Packs a tensor as its values in a std::vector (nothing of the tensor kept), unpacks a new one.
struct AsVector {
  std::vector<double> values;
  Shape shape;
};
autograd::PackHook pack_as_vector(int* packs) {
  return [packs](const Tensor& t) -> std::any {
    ++*packs;
    return AsVector{vals(t), t.sizes()};
  };
}
autograd::UnpackHook unpack_from_vector(int* unpacks) {
  return [unpacks](const std::any& a) {
    ++*unpacks;
    const auto& v = std::any_cast<const AsVector&>(a);
    return tensor(v.values, kFloat64).reshape(v.shape);
  };
}
}  // namespace

TEST(SavedTensorHooks, EverySavedTensorGoesThroughPackAndUnpack) {
  Tensor x = leaf({1.0, -2.0, 3.0});
  int packs = 0, unpacks = 0;
  Tensor y;
  {
    autograd::SavedTensorHooksGuard hooks(pack_as_vector(&packs), unpack_from_vector(&unpacks));
    EXPECT_TRUE(autograd::saved_tensor_hooks_active());
    y = (x * x).sum();  // MulBackward saves both operands
  }
  EXPECT_FALSE(autograd::saved_tensor_hooks_active());
  EXPECT_EQ(packs, 2);
  EXPECT_EQ(unpacks, 0);
  for (const auto& s : y.grad_fn()->next_edge(0).function->saved_tensors()) {
    EXPECT_TRUE(s.is_packed());
    EXPECT_FALSE(s.data().defined());  // the node keeps only what pack returned
  }
  EXPECT_NE(autograd::format_graph(y).find("packed by a saved-tensor hook"), std::string::npos);
  y.backward();
  EXPECT_EQ(unpacks, 2);
  EXPECT_EQ(vals(x.grad()), (std::vector<double>{2, -4, 6}));
  // Freed after backward as without hooks.
  EXPECT_THROW_WITH(y.backward(), Error, "second time");
}

TEST(SavedTensorHooks, OutputsAndDoubleBackwardKeepTheirHistory) {
  int packs = 0, unpacks = 0;
  autograd::SavedTensorHooksGuard hooks(pack_as_vector(&packs), unpack_from_vector(&unpacks));
  // exp saves its own output: the hook gets it without grad_fn, backward gives it back.
  Tensor x = leaf({0.5, 1.0});
  Tensor g = autograd::grad({exp(x).sum()}, {x}, {}, std::nullopt, /*create_graph=*/true)[0];
  EXPECT_NEAR(vals(g)[1], std::exp(1.0), 1e-12);
  Tensor gg = autograd::grad({g.sum()}, {x})[0];
  EXPECT_NEAR(vals(gg)[0], std::exp(0.5), 1e-12);
  EXPECT_NEAR(vals(gg)[1], std::exp(1.0), 1e-12);
  // An input the node saves (x in x*x*x): d2/dx2 x^3 = 6x through the unpacked copies.
  Tensor z = leaf({2.0, -1.0});
  Tensor dz = autograd::grad({(z * z * z).sum()}, {z}, {}, std::nullopt, true)[0];
  EXPECT_EQ(vals(dz), (std::vector<double>{12, 3}));
  dz.sum().backward();
  EXPECT_EQ(vals(z.grad()), (std::vector<double>{12, -6}));
  EXPECT_GT(packs, 0);
  EXPECT_GT(unpacks, 0);
}

TEST(SavedTensorHooks, NestTheInnermostApplies) {
  Tensor x = leaf({1.0, 2.0});
  int outer_packs = 0, inner_packs = 0, unpacks = 0;
  autograd::SavedTensorHooksGuard outer(pack_as_vector(&outer_packs), unpack_from_vector(&unpacks));
  Tensor a;
  {
    autograd::SavedTensorHooksGuard inner(pack_as_vector(&inner_packs), unpack_from_vector(&unpacks));
    a = x.sin();
  }
  Tensor b = x.cos();
  EXPECT_EQ(inner_packs, 1);
  EXPECT_EQ(outer_packs, 1);
  (a + b).sum().backward();
  EXPECT_NEAR(vals(x.grad())[0], std::cos(1.0) - std::sin(1.0), 1e-12);
}

TEST(SavedTensorHooks, SaveOnCpuGivesTheSameGradients) {
  Tensor w = tgtest::leaf({0.5, -1.5, 2.0, 0.25});
  Tensor expected;
  for (int with_hooks = 0; with_hooks < 2; ++with_hooks) {
    w.mutable_grad() = Tensor();
    {
      std::optional<autograd::SaveOnCpuGuard> on_cpu;
      if (with_hooks) on_cpu.emplace();
      Tensor h = tanh(w.reshape({2, 2}).matmul(w.reshape({2, 2}))) * w.reshape({2, 2}).exp();
      h.sum().backward();
    }
    if (with_hooks)
      EXPECT_EQ(vals(w.grad()), vals(expected));
    else
      expected = w.grad().clone();
  }
}

TEST(SavedTensorHooks, DisablingRefusesNewHooksAndSuspendsOld) {
  int packs = 0, unpacks = 0;
  autograd::SavedTensorHooksGuard hooks(pack_as_vector(&packs), unpack_from_vector(&unpacks));
  {
    autograd::DisableSavedTensorHooksGuard off("this region keeps its saved tensors");
    EXPECT_FALSE(autograd::saved_tensor_hooks_active());
    EXPECT_THROW_WITH(autograd::SavedTensorHooksGuard(pack_as_vector(&packs), unpack_from_vector(&unpacks)), Error,
                      "this region keeps its saved tensors");
    Tensor x = leaf({1.0});
    (x * x).sum().backward();
    EXPECT_EQ(packs, 0);
  }
  EXPECT_TRUE(autograd::saved_tensor_hooks_active());
  EXPECT_THROW_WITH(autograd::SavedTensorHooksGuard(nullptr, unpack_from_vector(&unpacks)), Error,
                    "both a pack and an unpack hook");
}

TEST(SavedTensorHooks, AWrongUnpackedTensorIsAnErrorNamingTheNode) {
  Tensor x = leaf({1.0, 2.0});
  Tensor y, u;
  {
    autograd::SavedTensorHooksGuard hooks([](const Tensor& t) -> std::any { return t; },
                                          [](const std::any&) { return zeros({3}, kFloat64); });
    y = x.sin().sum();
  }
  EXPECT_THROW_WITH(y.backward(), Error, "SinBackward: the saved-tensor unpack hook returned a float64 [3] tensor");
  {
    autograd::SavedTensorHooksGuard hooks([](const Tensor& t) -> std::any { return t; },
                                          [](const std::any&) { return Tensor(); });
    u = x.cos().sum();
  }
  EXPECT_THROW_WITH(u.backward(), Error, "CosBackward: the saved-tensor unpack hook returned an undefined tensor");
}

TEST(NodeHooks, PreHookAndHookSeeAndReplaceGradients) {
  Tensor x = leaf({1.0, 2.0});
  Tensor y = x * 3;
  tensor_list pre_seen, post_inputs, post_outputs;
  auto pre = y.grad_fn()->register_prehook([&](const tensor_list& g) {
    pre_seen = g;
    return tensor_list{g[0] * 2};
  });
  auto post = y.grad_fn()->register_hook([&](const tensor_list& gi, const tensor_list& go) {
    post_inputs = gi;
    post_outputs = go;
    return tensor_list{};
  });
  y.sum().backward();
  ASSERT_EQ(pre_seen.size(), 1u);
  EXPECT_EQ(vals(pre_seen[0]), (std::vector<double>{1, 1}));
  EXPECT_EQ(vals(post_outputs[0]), (std::vector<double>{2, 2}));  // after the pre-hook
  EXPECT_EQ(vals(post_inputs[0]), (std::vector<double>{6, 6}));
  EXPECT_EQ(vals(x.grad()), (std::vector<double>{6, 6}));

  pre.remove();
  post.remove();
  x.mutable_grad() = Tensor();
  pre_seen.clear();
  Tensor z = x * 3;
  // x * 3 has two inputs (the number is the second, needing no gradient).
  z.grad_fn()->register_hook([](const tensor_list& gi, const tensor_list&) { return tensor_list{gi[0] + 1, gi[1]}; });
  z.sum().backward();
  EXPECT_EQ(vals(x.grad()), (std::vector<double>{4, 4}));
  EXPECT_TRUE(pre_seen.empty());

  Tensor w = x * 3;
  w.grad_fn()->register_prehook([](const tensor_list& g) { return tensor_list{g[0], g[0]}; });
  EXPECT_THROW_WITH(w.sum().backward(), Error, "MulBackward: a pre-hook returned 2 gradients, expected 1");
  EXPECT_THROW_WITH(w.grad_fn()->register_hook(nullptr), Error, "register_hook: the hook is empty");
}

TEST(NodeHooks, AHookCanAskWhichTensorsTheRunReaches) {
  Tensor x = leaf({1.0}), y = leaf({2.0});
  Tensor z = x * 2, w = y * 3;
  EXPECT_EQ(autograd::current_backward_id(), 0u);
  EXPECT_FALSE(autograd::will_backward_reach(x));
  uint64_t first = 0, second = 0;
  bool reach_x = false, reach_y = true, reach_w = true;
  z.register_hook([&](const Tensor&) {
    (first ? second : first) = autograd::current_backward_id();
    reach_x = autograd::will_backward_reach(x);
    reach_y = autograd::will_backward_reach(y);
    reach_w = autograd::will_backward_reach(w);
  });
  z.sum().backward(Tensor(), /*retain_graph=*/true);
  EXPECT_NE(first, 0u);
  EXPECT_TRUE(reach_x);
  EXPECT_FALSE(reach_y);
  EXPECT_FALSE(reach_w);
  (z + w).sum().backward();
  EXPECT_NE(second, first);
  EXPECT_TRUE(reach_y);
  EXPECT_TRUE(reach_w);
  EXPECT_EQ(autograd::current_backward_id(), 0u);
}
