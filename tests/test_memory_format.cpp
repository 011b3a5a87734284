// Memory formats: channels_last layouts from contiguous, clone and the factories, the layout
// queries, preserve_format, and ops computing the same values on either layout.
#include "test_util.h"

using namespace tg;
using tgtest::close;

namespace {
const Shape kNCHW{2, 3, 4, 5};
}

TEST(MemoryFormat, ChannelsLastLayoutsAndQueries) {
  EXPECT_EQ(name(MemoryFormat::ChannelsLast), "channels_last");
  EXPECT_EQ(name(MemoryFormat::Preserve), "preserve_format");
  const Tensor x = arange(120, kFloat32).reshape(kNCHW);
  EXPECT_TRUE(x.is_contiguous(MemoryFormat::Contiguous));
  EXPECT_FALSE(x.is_contiguous(MemoryFormat::ChannelsLast));
  EXPECT_TRUE(x.suggest_memory_format() == MemoryFormat::Contiguous);
  const Tensor cl = x.contiguous(MemoryFormat::ChannelsLast);
  EXPECT_EQ(cl.strides(), (Shape{60, 1, 15, 3}));  // [H W C, 1, W C, C]
  EXPECT_TRUE(cl.is_contiguous(MemoryFormat::ChannelsLast) && !cl.is_contiguous());
  EXPECT_TRUE(cl.suggest_memory_format() == MemoryFormat::ChannelsLast);
  EXPECT_TRUE(equal(cl, x));
  EXPECT_TRUE(cl.contiguous(MemoryFormat::ChannelsLast).is_same(cl));  // already so: itself
  EXPECT_TRUE(equal(cl.contiguous(), x) && cl.contiguous().is_contiguous());
  // Dims of size 1 take any stride, as PyTorch's rule: [N, C, 1, 1] is both.
  const Tensor pooled = ones({2, 3, 1, 1});
  EXPECT_TRUE(pooled.is_contiguous(MemoryFormat::ChannelsLast) && pooled.is_contiguous());
  EXPECT_TRUE(pooled.suggest_memory_format() == MemoryFormat::Contiguous);
  EXPECT_FALSE(ones({3, 4}).is_contiguous(MemoryFormat::ChannelsLast));
  // channels_last_3d: [D H W C, 1, H W C, W C, C].
  const Tensor v = arange(240, kFloat64).reshape({2, 3, 2, 4, 5}).contiguous(MemoryFormat::ChannelsLast3d);
  EXPECT_EQ(v.strides(), (Shape{120, 1, 60, 15, 3}));
  EXPECT_TRUE(v.suggest_memory_format() == MemoryFormat::ChannelsLast3d);
  EXPECT_THROW_WITH(ones({2, 3, 4}).contiguous(MemoryFormat::ChannelsLast), ValueError,
                    "contiguous: channels_last needs a 4-d tensor, got shape [2, 3, 4]");
  EXPECT_THROW_WITH(x.contiguous(MemoryFormat::ChannelsLast3d), ValueError, "channels_last_3d needs a 5-d tensor");
  EXPECT_THROW_WITH(x.contiguous(MemoryFormat::Preserve), ValueError, "contiguous: preserve_format is not");
  EXPECT_THROW_WITH(x.is_contiguous(MemoryFormat::Preserve), ValueError, "is_contiguous: preserve_format");
}

TEST(MemoryFormat, CloneKeepsOrChangesTheLayout) {
  const Tensor x = randn(kNCHW, kFloat64);
  const Tensor permuted = x.permute({0, 2, 3, 1});  // dense, not row-major
  const Tensor kept = permuted.clone(MemoryFormat::Preserve);
  EXPECT_EQ(kept.strides(), permuted.strides());
  EXPECT_FALSE(kept.is_same(permuted));
  EXPECT_NE(kept.data_ptr(), permuted.data_ptr());
  EXPECT_TRUE(equal(kept, permuted));
  EXPECT_TRUE(permuted.clone().is_contiguous());  // the plain clone stays row-major
  // Not dense (a slice): preserve_format falls back to the suggested format.
  const Tensor sliced = x.contiguous(MemoryFormat::ChannelsLast).narrow(3, 0, 3);
  const Tensor copy = sliced.clone(MemoryFormat::Preserve);
  EXPECT_TRUE(copy.is_contiguous(MemoryFormat::ChannelsLast) && equal(copy, sliced));
  EXPECT_TRUE(x.narrow(1, 0, 2).clone(MemoryFormat::Preserve).is_contiguous());
  EXPECT_TRUE(x.clone(MemoryFormat::ChannelsLast).is_contiguous(MemoryFormat::ChannelsLast));
  EXPECT_THROW_WITH(ones({3}).clone(MemoryFormat::ChannelsLast), ValueError, "clone: channels_last needs a 4-d");
  // Gradients pass through both.
  const Tensor w = randn({2, 3, 2, 2}, kFloat64).requires_grad_(true);
  EXPECT_TRUE(
      autograd::gradcheck([](const tensor_list& in) { return in[0].contiguous(MemoryFormat::ChannelsLast); }, {w}));
  EXPECT_TRUE(autograd::gradcheck(
      [](const tensor_list& in) {
        return in[0].permute({0, 2, 3, 1}).clone(MemoryFormat::Preserve) * 2;
      },
      {w}));
}

TEST(MemoryFormat, FactoriesLayOutNewTensors) {
  const TensorOptions cl = memory_format(MemoryFormat::ChannelsLast);
  const Shape strides{60, 1, 15, 3};
  EXPECT_EQ(empty(kNCHW, cl).strides(), strides);
  EXPECT_EQ(zeros(kNCHW, cl).strides(), strides);
  EXPECT_TRUE(equal(zeros(kNCHW, cl), zeros(kNCHW)));
  EXPECT_TRUE(equal(ones(kNCHW, cl.dtype(kFloat64)), ones(kNCHW, kFloat64)));
  EXPECT_TRUE(equal(full(kNCHW, 7, cl), full(kNCHW, 7)));
  EXPECT_EQ(rand(kNCHW, cl).strides(), strides);
  EXPECT_EQ(randn(kNCHW, cl).strides(), strides);
  EXPECT_EQ(randint(0, 5, kNCHW, cl).strides(), strides);
  EXPECT_EQ(zeros({2, 3, 2, 4, 5}, memory_format(MemoryFormat::ChannelsLast3d)).strides(), (Shape{120, 1, 60, 15, 3}));
  // The _like factories: preserve_format keeps a dense input's strides, in any order of its dims;
  // one with gaps gets its suggested format.
  const Tensor x = ones(kNCHW).contiguous(MemoryFormat::ChannelsLast);
  const TensorOptions preserve = memory_format(MemoryFormat::Preserve);
  EXPECT_EQ(empty_like(x, preserve).strides(), strides);
  EXPECT_EQ(zeros_like(x, preserve).strides(), strides);
  EXPECT_EQ(randn_like(x, preserve).strides(), strides);
  const Tensor permuted = ones({2, 3, 4}).permute({2, 0, 1});
  for (const Tensor& made :
       {empty_like(permuted, preserve), zeros_like(permuted, preserve), full_like(permuted, 2.5, preserve),
        rand_like(permuted, preserve), randint_like(permuted, 0, 3, preserve)})
    EXPECT_EQ(made.strides(), (Shape{1, 12, 4}));
  EXPECT_TRUE(equal(full_like(permuted, 2.5, preserve), full({4, 2, 3}, 2.5)));
  const Tensor leaf = zeros_like(permuted, preserve.requires_grad(true));
  EXPECT_TRUE(leaf.requires_grad() && leaf.is_leaf());
  EXPECT_TRUE(empty_like(ones({4, 6}).slice(1, 0, 6, 2), preserve).is_contiguous());  // gaps: row-major
  EXPECT_TRUE(empty_like(x).is_contiguous());  // unless asked, row-major
  EXPECT_TRUE(zeros_like(x, memory_format(MemoryFormat::Contiguous)).is_contiguous());
  EXPECT_THROW_WITH(empty({2, 3}, cl), ValueError, "empty: channels_last needs a 4-d tensor, got shape [2, 3]");
  EXPECT_THROW_WITH(zeros(kNCHW, preserve), ValueError, "zeros: preserve_format keeps an input's layout");
}

TEST(MemoryFormat, OpsGiveTheSameValuesOnEitherLayout) {
  Generator gen(3);
  const Tensor x = randn({2, 4, 6, 6}, gen, kFloat64), w = randn({5, 4, 3, 3}, gen, kFloat64);
  const Tensor xl = x.contiguous(MemoryFormat::ChannelsLast), wl = w.contiguous(MemoryFormat::ChannelsLast);
  EXPECT_TRUE(close(nn::functional::conv2d(xl, wl), nn::functional::conv2d(x, w), 1e-12, 1e-12));
  EXPECT_TRUE(close(nn::functional::max_pool2d(xl, {.kernel_size = 2}),
                    nn::functional::max_pool2d(x, {.kernel_size = 2}), 0, 0));
  EXPECT_TRUE(close(relu(xl) + 1, relu(x) + 1, 0, 0));
  EXPECT_TRUE((relu(xl) + 1).is_contiguous(MemoryFormat::ChannelsLast));  // elementwise keeps the layout
  EXPECT_TRUE(close(xl.sum({2, 3}), x.sum({2, 3}), 1e-12, 1e-12));
}
