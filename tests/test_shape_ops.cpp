// cat, stack, split, chunk, unbind, repeat, flip, roll, pad, tril, triu.
#include "test_util.h"

using namespace tg;
using tgtest::vals;

TEST(ShapeOps, CatStack) {
  Tensor a = arange(6, kFloat32).view({2, 3}), b = full({1, 3}, 9.0f);
  Tensor c = cat({a, b});
  EXPECT_EQ(c.sizes(), (Shape{3, 3}));
  EXPECT_EQ(vals(c), (std::vector<double>{0, 1, 2, 3, 4, 5, 9, 9, 9}));
  EXPECT_EQ(vals(cat({a, a.t().t()}, 1)).size(), 12u);
  EXPECT_EQ(cat({a, ones({2, 1}, kFloat64)}, -1).dtype(), kFloat64);
  EXPECT_EQ(cat({a.t(), a.t()}, 0).sizes(), (Shape{6, 2}));
  EXPECT_THROW_WITH(cat({}), Error, "non-empty");
  EXPECT_THROW_WITH(cat({a, ones({2, 2})}), Error, "sizes must match except in dim 0");
  EXPECT_THROW_WITH(cat({a, ones({3})}), Error, "tensor 1 has 1 dims");
  Tensor s = stack({a, a + 1}, 1);
  EXPECT_EQ(s.sizes(), (Shape{2, 2, 3}));
  EXPECT_EQ(vals(s.select(1, 1)), vals(a + 1));
  EXPECT_THROW_WITH(stack({a, b}), Error, "equal shape");
}

// cat along an inner dim copies rows that are contiguous on both sides, a memcpy each: every
// element size, rows of a few bytes and long ones, and enough rows to split among threads.
TEST(ShapeOps, CatAlongAnInnerDimOfEveryElementSize) {
  for (DType dt : {kUInt8, kFloat16, kInt32, kFloat64}) {
    for (const auto& [rows, cols] :
         std::vector<std::pair<int64_t, int64_t>>{{3, 1}, {4096, 16}, {20000, 5}, {7, 300}}) {
      const Tensor a = arange(rows * cols, kInt64).view({rows, cols}).remainder(97).to(dt);
      const Tensor b = (a + 1).narrow(1, 0, std::max<int64_t>(1, cols - 1));  // strided: the generic walk
      const Tensor c = cat({a, b, a}, 1);
      ASSERT_EQ(c.sizes(), (Shape{rows, 2 * cols + b.size(1)}));
      EXPECT_EQ(vals(c.narrow(1, 0, cols)), vals(a)) << name(dt) << " " << rows << "x" << cols;
      EXPECT_EQ(vals(c.narrow(1, cols, b.size(1))), vals(b)) << name(dt) << " " << rows << "x" << cols;
      EXPECT_EQ(vals(c.narrow(1, cols + b.size(1), cols)), vals(a)) << name(dt) << " " << rows << "x" << cols;
    }
  }
}

TEST(ShapeOps, RollAndClonesOfLongRunsAtUnequalAlignments) {
  // Runs of a kilobyte and more whose source and destination sit at different offsets within 64
  // bytes take copy_bytes' vector moves (glibc's memcpy is slow there on AMD's Zen).
  for (DType dt : {kUInt8, kFloat16, kFloat32, kFloat64}) {
    const int64_t rows = 5, cols = 1500;
    const Tensor x = arange(rows * cols, kInt64).view({rows, cols}).remainder(251).to(dt);
    const std::vector<double> xv = vals(x);
    for (int64_t shift : {1, 3, 17, 1499}) {
      const std::vector<double> r = vals(roll(x, {shift}, {1}));
      for (int64_t i = 0; i < rows; ++i)
        for (int64_t j = 0; j < cols; ++j)
          ASSERT_EQ(r[static_cast<size_t>(i * cols + (j + shift) % cols)], xv[static_cast<size_t>(i * cols + j)])
              << name(dt) << " shift " << shift << " at " << i << ", " << j;
    }
    for (int64_t offset : {1, 5, 13}) {  // one long run from an odd element on
      const Tensor part = x.flatten().narrow(0, offset, rows * cols - offset).clone();
      EXPECT_EQ(vals(part), std::vector<double>(xv.begin() + offset, xv.end())) << name(dt) << " offset " << offset;
    }
  }
}

TEST(ShapeOps, SplitChunkUnbind) {
  Tensor x = arange(10, kFloat32);
  // An empty dim gives as many (empty) chunks as asked for, as PyTorch's chunk does.
  const auto empty_chunks = zeros({0, 3}).chunk(4);
  ASSERT_EQ(empty_chunks.size(), 4u);
  EXPECT_EQ(empty_chunks[3].sizes(), (Shape{0, 3}));
  EXPECT_EQ(arange(4, kFloat32).chunk(3).size(), 2u);  // pieces of ceil(4 / 3) = 2
  auto parts = x.split(4);
  ASSERT_EQ(parts.size(), 3u);
  EXPECT_EQ(vals(parts[2]), (std::vector<double>{8, 9}));
  EXPECT_EQ(parts[0].storage(), x.storage());
  auto sized = x.split_with_sizes({1, 2, 7});
  EXPECT_EQ(vals(sized[1]), (std::vector<double>{1, 2}));
  EXPECT_EQ(x.split(std::vector<int64_t>{5, 5}).size(), 2u);
  EXPECT_THROW_WITH(x.split_with_sizes({1, 2}), ValueError, "add up to 3 but dim 0 has size 10");
  auto ch = x.chunk(3);
  ASSERT_EQ(ch.size(), 3u);
  EXPECT_EQ(ch[0].numel(), 4);
  EXPECT_EQ(ch[2].numel(), 2);
  auto rows = unbind(arange(6).view({2, 3}), 1);
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(vals(rows[1]), (std::vector<double>{1, 4}));
  EXPECT_THROW_WITH(x.chunk(0), ValueError, "positive");
}

TEST(ShapeOps, SplitAndUnbindShareOneBackwardNode) {
  Tensor x = randn({4, 6}, kFloat64).requires_grad_(true);
  auto parts = x.split({1, 3, 2}, 1);
  EXPECT_EQ(parts[0].grad_fn(), parts[2].grad_fn());
  EXPECT_EQ(parts[1].grad_fn()->name(), "SplitBackward");
  // Gradients of the pieces that were used; zeros for the others.
  (parts[0] * 2.0 + parts[2].sum({1}, true)).sum().backward();
  EXPECT_EQ(vals(x.grad()[0]), (std::vector<double>{2, 0, 0, 0, 1, 1}));
  auto rows = unbind(x * 1.0, 0);
  EXPECT_EQ(rows[3].grad_fn()->name(), "UnbindBackward");
  EXPECT_TRUE(
      autograd::gradcheck([](const tensor_list& in) { return unbind(in[0], 1)[2] * unbind(in[0], 1)[0]; }, {x}));
  EXPECT_TRUE(autograd::gradgradcheck([](const tensor_list& in) { return in[0].chunk(2, 0)[1].pow(3); }, {x}));
  // An in-place change of one piece reaches the base's gradient.
  Tensor y = x * 1.0;
  auto pieces = y.chunk(2, 0);
  pieces[1].mul_(3.0);
  x.grad().zero_();
  y.sum().backward();
  EXPECT_EQ(vals(x.grad().select(1, 0)), (std::vector<double>{1, 1, 3, 3}));
  // Without grad mode the pieces are plain views.
  NoGradGuard guard;
  EXPECT_EQ(x.split(2, 1)[0].grad_fn(), nullptr);
}

TEST(ShapeOps, RepeatFlipRoll) {
  Tensor x = tensor({1, 2});
  EXPECT_EQ(vals(x.repeat({3})), (std::vector<double>{1, 2, 1, 2, 1, 2}));
  Tensor r = x.repeat({2, 2});
  EXPECT_EQ(r.sizes(), (Shape{2, 4}));
  EXPECT_EQ(vals(r), (std::vector<double>{1, 2, 1, 2, 1, 2, 1, 2}));
  EXPECT_EQ(vals(tensor({{1, 2}, {3, 4}}).repeat({1, 2})), (std::vector<double>{1, 2, 1, 2, 3, 4, 3, 4}));
  EXPECT_THROW_WITH(tensor({{1}}).repeat({2}), Error, "fewer than the tensor's 2 dims");
  Tensor m = arange(6).view({2, 3});
  EXPECT_EQ(vals(m.flip({1})), (std::vector<double>{2, 1, 0, 5, 4, 3}));
  EXPECT_EQ(vals(m.flip({0, 1})), (std::vector<double>{5, 4, 3, 2, 1, 0}));
  EXPECT_EQ(vals(m.t().flip({0})), (std::vector<double>{2, 5, 1, 4, 0, 3}));
  EXPECT_EQ(vals(m.roll({1}, {1})), (std::vector<double>{2, 0, 1, 5, 3, 4}));
  EXPECT_EQ(vals(m.roll({-1}, {0})), (std::vector<double>{3, 4, 5, 0, 1, 2}));
  EXPECT_EQ(vals(m.roll({2})), (std::vector<double>{4, 5, 0, 1, 2, 3}));
  EXPECT_EQ(vals(m.roll({4, 1}, {1, 0})), vals(m.roll({1}, {1}).roll({1}, {0})));
}

TEST(ShapeOps, Pad) {
  Tensor x = tensor({{1.0f, 2.0f}, {3.0f, 4.0f}});
  Tensor p = pad(x, {1, 2});
  EXPECT_EQ(p.sizes(), (Shape{2, 5}));
  EXPECT_EQ(vals(p), (std::vector<double>{0, 1, 2, 0, 0, 0, 3, 4, 0, 0}));
  Tensor q = pad(x, {0, 0, 1, 0}, 9);
  EXPECT_EQ(vals(q), (std::vector<double>{9, 9, 1, 2, 3, 4}));
  EXPECT_EQ(vals(pad(x, {-1, 0})), (std::vector<double>{2, 4}));
  EXPECT_THROW_WITH(pad(x, {1}), ValueError, "even length");
  EXPECT_THROW_WITH(pad(x, {1, 1, 1, 1, 1, 1}), ValueError, "only 2");
  EXPECT_THROW_WITH(pad(x, {-3, 0}), ValueError, "negative size");
}

TEST(ShapeOps, TrilTriu) {
  Tensor m = ones({3, 3});
  EXPECT_EQ(vals(m.tril()), (std::vector<double>{1, 0, 0, 1, 1, 0, 1, 1, 1}));
  EXPECT_EQ(vals(m.triu(1)), (std::vector<double>{0, 1, 1, 0, 0, 1, 0, 0, 0}));
  EXPECT_EQ(vals(m.tril(-1)), (std::vector<double>{0, 0, 0, 1, 0, 0, 1, 1, 0}));
  EXPECT_EQ(ones({2, 2}, kBool).tril().dtype(), kBool);
  EXPECT_EQ(ones({2, 3, 4}).triu().sizes(), (Shape{2, 3, 4}));
  EXPECT_THROW_WITH(ones({3}).tril(), Error, "at least 2 dims");
}

TEST(ShapeOps, TrilTriuAgainstALoopForEveryElementSize) {
  // Batched, transposed (not contiguous) input, every diagonal that cuts the matrix and the ones
  // past it, in dtypes of 1, 2, 4 and 8 bytes.
  const Tensor base = (arange(2 * 5 * 7, kFloat64) + 1).view({2, 7, 5}).transpose(1, 2);
  for (DType dt : {kUInt8, kFloat16, kFloat32, kInt64}) {
    const Tensor x = base.to(dt);
    const std::vector<double> xv = vals(x);
    for (int64_t diagonal : {-8L, -5L, -2L, 0L, 1L, 6L, 7L, INT64_MAX, INT64_MIN}) {
      for (bool lower : {true, false}) {
        const Tensor y = lower ? x.tril(diagonal) : x.triu(diagonal);
        ASSERT_EQ(y.dtype(), dt);
        ASSERT_EQ(y.sizes(), x.sizes());
        const std::vector<double> yv = vals(y);
        for (int64_t k = 0; k < 2 * 5 * 7; ++k) {
          const int64_t j = k % 7, i = (k / 7) % 5;
          const bool keep = lower ? j - i <= diagonal : j - i >= diagonal;
          ASSERT_EQ(yv[static_cast<size_t>(k)], keep ? xv[static_cast<size_t>(k)] : 0.0) << k << " " << diagonal;
        }
      }
    }
  }
  const Tensor b = tensor({true, false, true, true}, kBool).view({2, 2});
  EXPECT_EQ(vals(b.triu()), (std::vector<double>{1, 0, 0, 1}));
  EXPECT_EQ(ones({0, 3}).tril().sizes(), (Shape{0, 3}));
  EXPECT_EQ(ones({3, 0, 2}).triu().sizes(), (Shape{3, 0, 2}));
  // The gradient is the same triangle of the incoming one, and is itself differentiable.
  const Tensor w = ones({3, 3}, kFloat64).requires_grad_();
  const Tensor g = autograd::grad({(w.tril(-1) * 2).sum()}, {w}, {}, true, true)[0];
  EXPECT_EQ(vals(g), (std::vector<double>{0, 0, 0, 2, 0, 0, 2, 2, 0}));
  EXPECT_EQ(w.triu().grad_fn()->name(), "TriuBackward");
}

TEST(ShapeOps, TileRepeatInterleaveMeshgridDiff) {
  Tensor a = arange(6, kFloat32).view({2, 3});
  EXPECT_EQ(a.tile({2}).sizes(), (Shape{2, 6}));  // fewer counts than dims: the leading ones are 1
  EXPECT_TRUE(tgtest::close(a.tile({2}), cat({a, a}, 1)));
  EXPECT_EQ(tile(a, {2, 1, 1}).sizes(), (Shape{2, 2, 3}));
  Tensor r = tensor({1, 2, 3});
  EXPECT_EQ(vals(r.repeat_interleave(2)), (std::vector<double>{1, 1, 2, 2, 3, 3}));
  EXPECT_EQ(vals(a.repeat_interleave(2, 0)), (std::vector<double>{0, 1, 2, 0, 1, 2, 3, 4, 5, 3, 4, 5}));
  EXPECT_EQ(vals(r.repeat_interleave(tensor({0, 1, 2}))), (std::vector<double>{2, 3, 3}));
  EXPECT_EQ(a.repeat_interleave(tensor({3, 1}), 0).sizes(), (Shape{4, 3}));
  EXPECT_EQ(a.repeat_interleave(tensor({2})).sizes(), (Shape{12}));  // no dim: flattened
  EXPECT_THROW_WITH(a.repeat_interleave(tensor({1, 2, 3}), 0), ValueError,
                    "repeat_interleave: repeats has 3 counts but dim 0 of the input (shape [2, 3]) has 2 elements");
  EXPECT_THROW_WITH(r.repeat_interleave(tensor({1, -1, 0})), ValueError, "non-negative, got -1 at position 1");
  EXPECT_THROW_WITH(r.repeat_interleave(tensor({1.0, 2.0})), TypeError, "repeats must be an integer tensor");

  auto g = meshgrid({tensor({1, 2, 3}), tensor({4, 5})});
  EXPECT_EQ(g[0].sizes(), (Shape{3, 2}));
  EXPECT_EQ(vals(g[0]), (std::vector<double>{1, 1, 2, 2, 3, 3}));
  EXPECT_EQ(vals(g[1]), (std::vector<double>{4, 5, 4, 5, 4, 5}));
  auto xy = meshgrid({tensor({1, 2, 3}), tensor({4, 5})}, "xy");
  EXPECT_EQ(xy[0].sizes(), (Shape{2, 3}));
  EXPECT_EQ(vals(xy[0]), (std::vector<double>{1, 2, 3, 1, 2, 3}));
  EXPECT_THROW_WITH(meshgrid({r}, "ji"), ValueError, "meshgrid: indexing must be \"ij\" or \"xy\"");
  EXPECT_THROW_WITH(meshgrid({a}), ValueError, "meshgrid: expected 0-D or 1-D tensors, got shape [2, 3] at position 0");

  Tensor s = tensor({1.0, 4.0, 9.0, 16.0});
  EXPECT_EQ(vals(s.diff()), (std::vector<double>{3, 5, 7}));
  EXPECT_EQ(vals(s.diff(2)), (std::vector<double>{2, 2}));
  EXPECT_EQ(vals(s.diff(1, 0, tensor({0.0}), tensor({20.0}))), (std::vector<double>{1, 3, 5, 7, 4}));
  EXPECT_EQ(vals(a.diff(1, 0)), (std::vector<double>{3, 3, 3}));
  EXPECT_EQ(vals(tensor({true, true, false}).diff()), (std::vector<double>{0, 1}));
  EXPECT_THROW_WITH(s.diff(-1), ValueError, "diff: n must be non-negative");
}

TEST(ShapeOps, DiagAndTrace) {
  Tensor v = tensor({1.0, 2.0});
  EXPECT_EQ(vals(diag(v)), (std::vector<double>{1, 0, 0, 2}));
  EXPECT_EQ(vals(diag(v, 1)), (std::vector<double>{0, 1, 0, 0, 0, 2, 0, 0, 0}));
  EXPECT_EQ(vals(diag(v, -1)), (std::vector<double>{0, 0, 0, 1, 0, 0, 0, 2, 0}));
  Tensor m = arange(9, kFloat64).view({3, 3});
  EXPECT_EQ(vals(m.diag()), (std::vector<double>{0, 4, 8}));
  EXPECT_EQ(vals(m.diag(1)), (std::vector<double>{1, 5}));
  EXPECT_EQ(m.trace().item<double>(), 12.0);
  EXPECT_EQ(arange(6).view({2, 3}).trace().dtype(), kInt64);
  EXPECT_EQ(diag(tensor({true, false})).dtype(), kBool);
  EXPECT_THROW_WITH(diag(ones({2, 2, 2})), ValueError, "diag: expected a 1-D or 2-D tensor, got shape [2, 2, 2]");
  EXPECT_THROW_WITH(trace(v), ValueError, "trace: expected a matrix, got shape [2]");
}
