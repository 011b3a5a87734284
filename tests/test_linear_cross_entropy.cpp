// linear_cross_entropy: the chunked path against the reference (linear then cross_entropy) for
// every option, its gradients by gradcheck, and what it refuses.
#include "test_util.h"

using namespace tg;
namespace F = tg::nn::functional;
using tgtest::close;

namespace {
struct Case {
  Tensor x, w, b, target, class_weight;
};
Case make_case(Generator& gen, int64_t n, int64_t in, int64_t c, bool bias) {
  Case k;
  k.x = randn({n, in}, gen, kFloat64).requires_grad_(true);
  k.w = randn({c, in}, gen, kFloat64).requires_grad_(true);
  k.b = bias ? randn({c}, gen, kFloat64).requires_grad_(true) : Tensor();
  k.target = randint(0, c, {n}, gen, kInt64);
  k.class_weight = rand({c}, gen, kFloat64) + 0.5;
  return k;
}
}  // namespace

TEST(LinearCrossEntropy, ChunksGiveTheReferenceValueAndGradients) {
  Generator gen(11);
  for (bool bias : {false, true}) {
    for (auto reduction : {F::Reduction::Mean, F::Reduction::Sum}) {
      for (int64_t chunk : {1, 3, 7, 64, -1}) {
        Case k = make_case(gen, 7, 5, 6, bias);
        k.target.index_put_({tensor({2})}, tensor({-100}));  // one ignored row
        F::LinearCrossEntropyOptions o{k.b, {k.class_weight, -100, reduction, 0.1}, 0};
        const Tensor ref = F::linear_cross_entropy(k.x, k.w, k.target, o);
        const tensor_list leaves = bias ? tensor_list{k.x, k.w, k.b} : tensor_list{k.x, k.w};
        const tensor_list ref_grads = autograd::grad({ref * 3}, leaves);
        o.chunk_size = chunk;
        const Tensor got = F::linear_cross_entropy(k.x, k.w, k.target, o);
        EXPECT_EQ(got.grad_fn()->name(), "LinearCrossEntropyBackward");
        EXPECT_TRUE(close(got, ref, 1e-12));
        const tensor_list grads = autograd::grad({got * 3}, leaves);
        for (size_t i = 0; i < leaves.size(); ++i) EXPECT_TRUE(close(grads[i], ref_grads[i], 1e-12)) << i;
      }
    }
  }
}

TEST(LinearCrossEntropy, GradcheckAndWhatTakesTheReferencePath) {
  Generator gen(12);
  Case k = make_case(gen, 5, 3, 4, true);
  auto chunked = [&](const tensor_list& in) {
    return F::linear_cross_entropy(in[0], in[1], k.target, {in[2], {.label_smoothing = 0.2}, 2});
  };
  EXPECT_TRUE(autograd::gradcheck(chunked, {k.x, k.w, k.b}));
  // Double backward needs the reference path.
  auto reference = [&](const tensor_list& in) {
    return F::linear_cross_entropy(in[0], in[1], k.target, {in[2], {.label_smoothing = 0.2}, 0});
  };
  EXPECT_TRUE(autograd::gradgradcheck(reference, {k.x, k.w, k.b}));

  // reduction none, K-dim weights and 1-D input take the reference path whatever the chunk size.
  const Tensor none = F::linear_cross_entropy(k.x, k.w, k.target, {k.b, {.reduction = F::Reduction::None}, 2});
  EXPECT_EQ(none.sizes(), (Shape{5}));
  EXPECT_TRUE(close(none, F::cross_entropy(F::linear(k.x, k.w, k.b), k.target, {.reduction = F::Reduction::None})));
  const Tensor wk = randn({4, 2, 3}, gen, kFloat64);  // C = 4, d1 = 2
  const Tensor tk = randint(0, 4, {5, 2}, gen, kInt64);
  EXPECT_TRUE(close(F::linear_cross_entropy(k.x, wk, tk, {.chunk_size = 2}),
                    F::cross_entropy(F::linear(k.x, wk.reshape({8, 3})).reshape({5, 4, 2}), tk)));
  EXPECT_TRUE(close(F::linear_cross_entropy(k.x.select(0, 0), k.w, k.target.select(0, 0), {.chunk_size = 2}),
                    F::cross_entropy(F::linear(k.x.select(0, 0), k.w), k.target.select(0, 0))));
}

TEST(LinearCrossEntropy, ChunkedDoubleBackwardAndBadInputsAreErrors) {
  Generator gen(13);
  Case k = make_case(gen, 4, 3, 5, false);
  const Tensor loss = F::linear_cross_entropy(k.x, k.w, k.target, {.chunk_size = 2});
  EXPECT_THROW_WITH(autograd::grad({loss}, {k.x}, {}, std::nullopt, /*create_graph=*/true), Error,
                    "linear_cross_entropy: the chunked path has no double backward");
  EXPECT_THROW_WITH(F::linear_cross_entropy(k.x, k.w.narrow(1, 0, 2), k.target), Error,
                    "input [4, 3] and linear_weight [5, 2] disagree on in_features");
  EXPECT_THROW_WITH(F::linear_cross_entropy(k.x, k.w.reshape({-1}), k.target), Error,
                    "linear_weight must be (C, in_features)");
  EXPECT_THROW_WITH(F::linear_cross_entropy(k.x, k.w, k.target, {.chunk_size = -2}), ValueError,
                    "chunk_size must be -1 (automatic), 0 (reference) or positive, got -2");
  EXPECT_THROW_WITH(F::linear_cross_entropy(k.x, k.w, k.target.narrow(0, 0, 3), {.chunk_size = 2}), Error,
                    "target [3] must have one class index per input row [4, 3]");
  // Without gradients the chunks only sum the loss.
  NoGradGuard no_grad;
  const Tensor value = F::linear_cross_entropy(k.x, k.w, k.target, {.chunk_size = 3});
  EXPECT_FALSE(value.requires_grad());
  EXPECT_TRUE(close(value, F::cross_entropy(F::linear(k.x, k.w), k.target), 1e-12));
}
