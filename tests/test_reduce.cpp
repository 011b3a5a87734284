// Reductions over any dims with keepdim, on contiguous and non-contiguous inputs.
#include <algorithm>
#include <cmath>
#include <limits>

#include "test_util.h"

using namespace tg;
using tgtest::close;
using tgtest::vals;

namespace {
// [2, 3, 4] with values 0..23
Tensor cube() { return arange(24, kFloat64).view({2, 3, 4}); }
}  // namespace

TEST(Reduce, SumOverDims) {
  Tensor x = cube();
  EXPECT_EQ(x.sum().item<double>(), 276);
  EXPECT_EQ(vals(x.sum({0})), vals(x[0] + x[1]));
  EXPECT_EQ(x.sum({1}).sizes(), (Shape{2, 4}));
  EXPECT_EQ(vals(x.sum({1})), (std::vector<double>{12, 15, 18, 21, 48, 51, 54, 57}));
  EXPECT_EQ(x.sum({0, 2}).sizes(), (Shape{3}));
  EXPECT_EQ(vals(x.sum({0, 2})), (std::vector<double>{60, 92, 124}));
  EXPECT_EQ(x.sum({-1}, true).sizes(), (Shape{2, 3, 1}));
  EXPECT_EQ(vals(x.transpose(0, 2).sum({0})), vals(x.sum({2}).t()));
  EXPECT_EQ(vals(x.slice(2, 0, 4, 2).sum({2})), (std::vector<double>{2, 10, 18, 26, 34, 42}));
  EXPECT_EQ(vals(x.select(2, 1).unsqueeze(2).expand({2, 3, 5}).sum({2})), vals(x.select(2, 1) * 5));
  EXPECT_EQ(tensor({1, 2, 3}).sum().dtype(), kInt64);
  EXPECT_EQ(tensor({true, true, false}).sum().item<int64_t>(), 2);
  EXPECT_EQ(ones({3}, kInt32).sum(kFloat64).dtype(), kFloat64);
  EXPECT_EQ(zeros({0, 3}).sum({0}).sizes(), (Shape{3}));
  // Reducing only size-1 dims of a strided tensor (nothing left to reduce after coalescing).
  Tensor one = arange(12, kFloat64).view({3, 1, 4}).transpose(0, 2);
  EXPECT_EQ(vals(one.sum({1})), vals(one.squeeze(1)));
  EXPECT_EQ(vals(one.amax({1})), vals(one.squeeze(1)));
  // Strided reductions whose inner run is shorter than the vector blocks, and longer.
  for (int64_t inner : {5, 7, 1500}) {
    Tensor y = arange(2 * 3 * inner, kFloat64).view({2, 3, inner});
    Tensor expected = y.sum({0}).sum({1});
    EXPECT_EQ(vals(y.sum({0, 2})), vals(expected)) << inner;
    EXPECT_EQ(vals(y.to(kFloat32).sum({0, 2})), vals(expected.to(kFloat32))) << inner;
  }
  EXPECT_EQ(zeros({0}).sum().item<float>(), 0.0f);
  EXPECT_THROW_WITH(x.sum({0, 0}), Error, "appears more than once");
  EXPECT_THROW_WITH(x.sum({3}), IndexError, "dim 3 is out of range");
}

TEST(Reduce, LargeSumsAreAccurate) {
  const int64_t n = 1 << 22;
  Tensor x = full({n}, 0.1f);
  EXPECT_NEAR(x.sum().item<double>(), 0.1f * n, 0.1f * n * 1e-6);
  Tensor y = ones({3000, 1000});
  EXPECT_EQ(vals(y.sum({0})), std::vector<double>(1000, 3000));
  EXPECT_EQ(vals(y.sum({1})), std::vector<double>(3000, 1000));
}

TEST(Reduce, MeanProd) {
  Tensor x = cube();
  EXPECT_EQ(x.mean().item<double>(), 11.5);
  EXPECT_EQ(vals(x.mean({0, 1})), (std::vector<double>{10, 11, 12, 13}));
  EXPECT_EQ(tensor({1, 2}).mean(kFloat32).item<float>(), 1.5f);
  EXPECT_THROW_WITH(tensor({1, 2}).mean(), TypeError, "mean: could not infer the output dtype");
  EXPECT_TRUE(std::isnan(zeros({0}).mean().item<double>()));
  EXPECT_EQ(tensor({0.5f, 4.0f, -1.0f}).mean().item<float>(), 3.5f / 3);  // divided: 3.5f * (1.0f / 3) is an ulp off
  Tensor p = tensor({{1.0, 2.0}, {3.0, 4.0}}, kFloat64);
  EXPECT_EQ(p.prod().item<double>(), 24);
  EXPECT_EQ(vals(p.prod({1})), (std::vector<double>{2, 12}));
  EXPECT_EQ(tensor({2, 3}).prod().item<int64_t>(), 6);
}

TEST(Reduce, MaxMinWithIndices) {
  Tensor x = tensor({{3.0, 7.0, 7.0}, {9.0, -1.0, 2.0}}, kFloat64);
  EXPECT_EQ(x.max().item<double>(), 9);
  EXPECT_EQ(x.min().item<double>(), -1);
  auto [v, i] = x.max(1);
  EXPECT_EQ(vals(v), (std::vector<double>{7, 9}));
  EXPECT_EQ(vals(i), (std::vector<double>{1, 0}));  // first of tied maxima
  auto [v0, i0] = x.min(0, true);
  EXPECT_EQ(v0.sizes(), (Shape{1, 3}));
  EXPECT_EQ(vals(i0), (std::vector<double>{0, 1, 1}));
  EXPECT_EQ(vals(x.amax({0})), (std::vector<double>{9, 7, 7}));
  EXPECT_EQ(vals(x.amin({1}, true)), (std::vector<double>{3, -1}));
  EXPECT_EQ(x.argmax().item<int64_t>(), 3);
  EXPECT_EQ(vals(x.argmax(1)), (std::vector<double>{1, 0}));
  EXPECT_EQ(vals(x.argmin(0)), (std::vector<double>{0, 1, 1}));
  EXPECT_EQ(x.argmax(std::nullopt, true).sizes(), (Shape{1, 1}));
  EXPECT_EQ(vals(x.t().argmax(0)), (std::vector<double>{1, 0}));
  Tensor n = tensor({1.0f, NAN, 3.0f});
  EXPECT_TRUE(std::isnan(n.max().item<double>()));
  EXPECT_EQ(n.argmax().item<int64_t>(), 1);
  EXPECT_EQ(tensor({4, 8, 1}).max().item<int64_t>(), 8);
  EXPECT_THROW_WITH(zeros({0}).max(), Error, "size 0");
  EXPECT_THROW_WITH(zeros({2, 0}).amax({1}), Error, "cannot reduce over dim 1 of size 0");
  EXPECT_EQ(vals(max(tensor({1, 5}), tensor({4, 2}))), (std::vector<double>{4, 5}));
}

// amax / amin of float32 down columns keep 32 columns in registers over the rows: the same
// values as max / min with indices (another loop), NaN, first-wins signed zeros and all.
TEST(Reduce, AmaxAminDownColumnsMatchMaxMinWithIndices) {
  Generator gen(22);
  for (int64_t cols : {3, 8, 37, 64, 70}) {
    std::vector<double> v = vals(randint(-3, 4, {3, 9, cols}, gen, kFloat64));  // many ties
    v[1] = -0.0;  // a signed zero first in column 1 of batch 0, zeros below it
    for (int64_t r = 0; r < 9; ++r) v[static_cast<size_t>(r * cols + 1)] = r == 0 ? -0.0 : 0.0;
    v[static_cast<size_t>(4 * cols + cols - 1)] = NAN;  // the last column of batch 0
    v[static_cast<size_t>(9 * cols + 2 * cols + cols / 2)] = NAN;
    const Tensor x = tensor(v, kFloat64).view({3, 9, cols}).to(kFloat32);
    for (int variant = 0; variant < 4; ++variant) {
      SCOPED_TRACE(fmt::format("cols={} variant={}", cols, variant));
      const bool is_max = variant % 2 == 0;
      // Down the middle dim, and down dims 0 and 1 of a copy whose rows are not contiguous.
      const Tensor y = variant < 2 ? x : x.transpose(0, 1).contiguous().transpose(0, 1);
      const Tensor got =
          variant < 2 ? (is_max ? y.amax({1}) : y.amin({1})) : (is_max ? y.amax({0, 1}) : y.amin({0, 1}));
      const Tensor want = variant < 2
                              ? std::get<0>(is_max ? y.max(1) : y.min(1))
                              : std::get<0>(is_max ? y.reshape({27, cols}).max(0) : y.reshape({27, cols}).min(0));
      EXPECT_TRUE(close(got, want, 0, 0));
      const std::vector<double> g = vals(got), w = vals(want);
      for (size_t i = 0; i < g.size(); ++i) EXPECT_EQ(std::signbit(g[i]), std::signbit(w[i])) << i;
    }
  }
}

TEST(Reduce, MaxMinIndicesMatchAScalarScanOnEveryLength) {
  // Contiguous rows take vector loops (the extreme, then the first element equal to it): held to
  // a plain first-wins scan over ties, NaNs, signed zeros and lengths around the 32-lane blocks.
  Generator gen(21);
  for (int64_t n : {1, 2, 3, 4, 15, 16, 31, 32, 33, 64, 100, 257, 1100}) {  // (below 16: a plain scan)
    for (DType dt : {kFloat32, kFloat64, kInt32, kFloat16}) {
      Tensor x = randint(-3, 4, {5, n}, gen, kFloat64);  // many ties
      std::vector<double> v = vals(x);
      v[static_cast<size_t>(n / 2)] = -0.0;  // row 0: a signed zero among the zeros
      if (is_floating_point(dt)) {
        v[static_cast<size_t>(n + n - 1)] = NAN;  // row 1: NaN last
        v[static_cast<size_t>(2 * n + n / 3)] = NAN;  // row 2: NaN inside
      }
      x = tensor(v, kFloat64).view({5, n}).to(dt);
      const std::vector<double> xv = vals(x);
      // Along the rows, and down the columns of the transposed copy (whole rows updated at once).
      const Tensor columns = x.t().contiguous();
      EXPECT_TRUE(close(x.amax({1}), std::get<0>(x.max(1)), 0, 0));
      EXPECT_TRUE(close(columns.amax({0}), std::get<0>(x.max(1)), 0, 0));
      EXPECT_TRUE(close(columns.amin({0}), std::get<0>(x.min(1)), 0, 0));
      for (int variant = 0; variant < 4; ++variant) {
        const bool is_max = variant % 2 == 0;
        auto [values, indices] = variant < 2 ? (is_max ? x.max(1) : x.min(1)) : (is_max ? columns.max(0) : columns.min(0));
        const std::vector<double> got_v = vals(values), got_i = vals(indices);
        for (int64_t r = 0; r < 5; ++r) {
          int64_t best = 0;
          for (int64_t i = 1; i < n; ++i) {
            const double a = xv[static_cast<size_t>(r * n + i)], b = xv[static_cast<size_t>(r * n + best)];
            if (std::isnan(b)) break;
            if (std::isnan(a) || (is_max ? a > b : a < b)) best = i;
          }
          const double want = xv[static_cast<size_t>(r * n + best)];
          SCOPED_TRACE(fmt::format("n={} dtype={} variant={} row={}", n, dt, variant, r));
          EXPECT_EQ(got_i[static_cast<size_t>(r)], static_cast<double>(best));
          if (std::isnan(want)) {
            EXPECT_TRUE(std::isnan(got_v[static_cast<size_t>(r)]));
          } else {
            EXPECT_EQ(got_v[static_cast<size_t>(r)], want);
            EXPECT_EQ(std::signbit(got_v[static_cast<size_t>(r)]), std::signbit(want));
          }
        }
      }
    }
  }
}

TEST(Reduce, MiddleAndOuterDimsAccumulateWholeRows) {
  // Reductions whose innermost kept dim is contiguous and whose reduced dims are not (a middle
  // dim of [N, L, D], several outer dims) accumulate rows of columns: every op against a loop.
  Generator gen(22);
  const Tensor x = randn({4, 5, 6, 9}, gen, kFloat64);
  const std::vector<double> xv = vals(x);
  auto at = [&](int64_t a, int64_t b, int64_t c, int64_t d) { return xv[static_cast<size_t>(((a * 5 + b) * 6 + c) * 9 + d)]; };
  // Over dims 1 and 2: kept [4, 9].
  std::vector<double> sum(36, 0.0);
  for (int64_t a = 0; a < 4; ++a)
    for (int64_t b = 0; b < 5; ++b)
      for (int64_t c = 0; c < 6; ++c)
        for (int64_t d = 0; d < 9; ++d) sum[static_cast<size_t>(a * 9 + d)] += at(a, b, c, d);
  EXPECT_TRUE(close(x.sum({1, 2}), tensor(sum, kFloat64).view({4, 9}), 1e-12, 1e-12));
  EXPECT_TRUE(close(x.to(kFloat32).sum({1, 2}), tensor(sum, kFloat64).view({4, 9}), 1e-5, 1e-5));
  EXPECT_TRUE(close(x.to(kFloat32).mean({1}), x.mean({1}), 1e-6, 1e-6));
  // Over dim 1 only, with indices: kept [4, 6, 9].
  for (int64_t a = 0; a < 4; ++a)
    for (int64_t c = 0; c < 6; ++c)
      for (int64_t d = 0; d < 9; ++d) {
        double best = -INFINITY;
        int64_t where = 0;
        for (int64_t b = 0; b < 5; ++b)
          if (at(a, b, c, d) > best) best = at(a, b, c, d), where = b;
        EXPECT_EQ(std::get<0>(x.max(1))[a][c][d].item<double>(), best);
        EXPECT_EQ(std::get<1>(x.max(1))[a][c][d].item<int64_t>(), where);
      }
  // Integers, bool and products down the same layout.
  const Tensor i = randint(-3, 4, {4, 5, 9}, gen, kInt64);
  EXPECT_EQ(vals(i.sum({1})), vals(i.to(kFloat64).sum({1})));
  const Tensor pos = gt(x, 0);
  for (int64_t a = 0; a < 4; ++a)
    for (int64_t d = 0; d < 9; ++d) {
      bool any_pos = false, all_pos = true;
      double prod = 1;
      for (int64_t b = 0; b < 5; ++b) {
        any_pos |= at(a, b, 0, d) > 0;
        all_pos &= at(a, b, 0, d) > 0;
        prod *= at(a, b, 0, d);
      }
      EXPECT_NEAR(x.prod({1})[a][0][d].item<double>(), prod, 1e-12 * (1 + std::fabs(prod)));
      EXPECT_EQ(pos.any(1)[a][0][d].item<bool>(), any_pos);
      EXPECT_EQ(pos.all(1)[a][0][d].item<bool>(), all_pos);
    }
}

TEST(Reduce, WholeReductionsOfPermutedViews) {
  // A reduction of a view whose dims are out of memory order is taken in runs along the smallest
  // stride (in memory order unless indices are wanted): every op against the same
  // reduction of a contiguous copy. Integer values make ties, so argmax / argmin must keep
  // PyTorch's first index in the view's own order.
  Generator gen(23);
  const Tensor base = randint(-20, 21, {7, 5, 300}, gen, kFloat64);
  for (const DType dt : {kFloat64, kFloat32, kInt64}) {
    const Tensor b = base.to(dt);
    const std::vector<Tensor> views = {b.permute({1, 0, 2}), b.permute({2, 0, 1}),
                                       b.slice(2, 1, 299, 3).transpose(0, 2), b.select(1, 2).t(),
                                       b.select(1, 0).unsqueeze(1).expand({7, 4, 300}).transpose(0, 1)};
    for (size_t v = 0; v < views.size(); ++v) {
      const Tensor& x = views[v];
      const Tensor c = x.contiguous();
      ASSERT_FALSE(x.is_contiguous());
      EXPECT_TRUE(close(x.sum(), c.sum(), 1e-6, 1e-6)) << name(dt) << " view " << v;
      EXPECT_EQ(x.max().item<double>(), c.max().item<double>()) << name(dt) << " view " << v;
      EXPECT_EQ(x.amin().item<double>(), c.amin().item<double>()) << name(dt) << " view " << v;
      EXPECT_EQ(x.argmax().item<int64_t>(), c.argmax().item<int64_t>()) << name(dt) << " view " << v;
      EXPECT_EQ(x.argmin().item<int64_t>(), c.argmin().item<int64_t>()) << name(dt) << " view " << v;
      EXPECT_EQ(x.gt(-15).all().item<bool>(), c.gt(-15).all().item<bool>()) << name(dt) << " view " << v;
      EXPECT_EQ(x.gt(19).any().item<bool>(), c.gt(19).any().item<bool>()) << name(dt) << " view " << v;
      const Tensor near_one = x.to(kFloat64) / 200 + 1;
      EXPECT_TRUE(close(near_one.prod(), near_one.contiguous().prod(), 1e-12, 0)) << name(dt) << " view " << v;
      if (dt != kInt64) {
        EXPECT_TRUE(close(x.mean(), c.mean(), 1e-6, 1e-6)) << name(dt) << " view " << v;
        EXPECT_TRUE(close(x.norm(1), c.norm(1), 1e-6, 1e-6)) << name(dt) << " view " << v;
        EXPECT_TRUE(close(x.norm(2), c.norm(2), 1e-6, 1e-6)) << name(dt) << " view " << v;
      }
    }
  }
  // Reduced dims that leave only size-1 dims kept, out of order; and with a kept dim.
  const Tensor y = base.select(1, 3).unsqueeze(1).permute({2, 1, 0});
  EXPECT_TRUE(close(y.sum({0, 2}), y.contiguous().sum({0, 2}), 1e-9, 1e-9));
  const Tensor z = base.permute({2, 1, 0});
  EXPECT_TRUE(close(z.sum({0, 2}), z.contiguous().sum({0, 2}), 1e-9, 1e-9));
  EXPECT_TRUE(equal(z.amax({0, 2}), z.contiguous().amax({0, 2})));
  EXPECT_TRUE(close(base.expand({2, 7, 5, 300}).sum({0, 3}), base.sum({2}) * 2.0, 1e-9, 1e-9));
}

TEST(Reduce, ExpandedKeptDimsAreReducedOnceAndBroadcast) {
  // Along a kept dim of stride 0 every result is the same: each op, with and without keepdim,
  // against the same reduction of a contiguous copy (ties keep the first index).
  Generator gen(24);
  const Tensor base = randint(-5, 6, {3, 1, 5}, gen, kFloat64);
  for (const DType dt : {kFloat64, kFloat32, kInt64}) {
    const Tensor x = base.to(dt).expand({3, 4, 5}), c = x.contiguous();
    for (const bool keep : {false, true}) {
      for (const Shape& dims : {Shape{0}, Shape{2}, Shape{0, 2}, Shape{1}}) {
        SCOPED_TRACE(fmt::format("{} dims {} keepdim {}", name(dt), dims, keep));
        EXPECT_TRUE(close(x.sum(dims, keep), c.sum(dims, keep), 1e-12, 0));
        EXPECT_TRUE(close(x.amax(dims, keep), c.amax(dims, keep), 0, 0));
        if (dt != kInt64) {
          EXPECT_TRUE(close(x.mean(dims, keep), c.mean(dims, keep), 1e-12, 0));
        }
      }
      for (const int64_t d : {0, 1, 2}) {
        SCOPED_TRACE(fmt::format("{} dim {} keepdim {}", name(dt), d, keep));
        const auto [v, i] = x.max(d, keep);
        const auto [cv, ci] = c.max(d, keep);
        EXPECT_TRUE(close(v, cv, 0, 0));
        EXPECT_EQ(vals(i), vals(ci));
        EXPECT_EQ(i.sizes(), ci.sizes());
        EXPECT_EQ(vals(x.argmin(d, keep)), vals(c.argmin(d, keep)));
        EXPECT_TRUE(close(x.prod({d}, keep), c.prod({d}, keep), 1e-12, 0));
        EXPECT_EQ(vals(x.gt(0).any(d, keep)), vals(c.gt(0).any(d, keep)));
      }
    }
  }
  // A gradient expanded from a scalar, summed down to a bias: one value per column, each the
  // exact sum (256 * 0.1f is a float; the copy's float32 column blocks round on the way).
  const Tensor g = full({}, 0.1, kFloat32).expand({256, 1024});
  EXPECT_TRUE(close(g.sum({0}), full({1024}, 256 * static_cast<double>(0.1f), kFloat32), 0, 0));
  EXPECT_TRUE(close(g.sum({0}), g.contiguous().sum({0}), 1e-6, 0));
  EXPECT_EQ(g.sum({0}).sizes(), Shape{1024});
  EXPECT_TRUE(g.sum({0}).is_contiguous());
}

TEST(Reduce, Float32ColumnBlocksAndBatchedResults) {
  // float32 sums down rows take 32 columns and up to 32 rows at a time in registers: odd row
  // counts, a column tail, several reduced dims and a strided view, against float64.
  Generator gen(23);
  const Tensor a = randn({3, 75, 70}, gen, kFloat64), b = randn({5, 7, 3, 40}, gen, kFloat64);
  EXPECT_TRUE(close(a.to(kFloat32).sum({1}), a.sum({1}), 1e-5, 1e-5));
  EXPECT_TRUE(close(b.to(kFloat32).sum({0, 2}), b.sum({0, 2}), 1e-5, 1e-5));
  EXPECT_TRUE(close(a.to(kFloat32).slice(2, 1, 70, 2).sum({1}), a.slice(2, 1, 70, 2).sum({1}), 1e-5, 1e-5));
  EXPECT_TRUE(close(a.to(kFloat32).mean({0, 1}), a.mean({0, 1}), 1e-6, 1e-6));
  // Results along the innermost reduced dim are written 64 at a time: 130 rows of argmax / sum.
  const Tensor c = randn({130, 7}, gen, kFloat64);
  const std::vector<double> cv = vals(c);
  const Tensor where = std::get<1>(c.max(1)), total = c.sum({1});
  for (int64_t r = 0; r < 130; ++r) {
    int64_t best = 0;
    double sum = 0;
    for (int64_t k = 0; k < 7; ++k) {
      if (cv[static_cast<size_t>(r * 7 + k)] > cv[static_cast<size_t>(r * 7 + best)]) best = k;
      sum += cv[static_cast<size_t>(r * 7 + k)];
    }
    EXPECT_EQ(where[r].item<int64_t>(), best);
    EXPECT_NEAR(total[r].item<double>(), sum, 1e-12);
  }
}

TEST(Reduce, ProductsAndSixteenBitSumsOfContiguousRuns) {
  // Products of contiguous runs in sixteen lanes: run lengths around the lane count, against a
  // product in order (exact for integers, whose wrapping products do not depend on the order).
  Generator gen(11);
  for (int64_t n : {1, 15, 16, 17, 40, 1023}) {
    const Tensor f = (rand({3, n}, gen) * 0.4 + 0.8).to(kFloat64);
    const Tensor i = randint(-3, 4, {3, n}, gen, kInt64);
    for (int64_t r = 0; r < 3; ++r) {
      const std::vector<double> fv = vals(f[r]);
      const std::vector<int64_t> iv = i[r].to_vector<int64_t>();
      double fp = 1;
      uint64_t ip = 1;
      for (int64_t k = 0; k < n; ++k) {
        fp *= fv[static_cast<size_t>(k)];
        ip *= static_cast<uint64_t>(iv[static_cast<size_t>(k)]);
      }
      EXPECT_NEAR(f.prod({1})[r].item<double>(), fp, 1e-13 * std::fabs(fp)) << n;
      EXPECT_NEAR(f.to(kFloat32).prod({1})[r].item<double>(),
                  vals(f.to(kFloat32).to(kFloat64).prod({1}))[static_cast<size_t>(r)], 1e-6 * std::fabs(fp))
          << n;
      EXPECT_EQ(i.prod({1})[r].item<int64_t>(), static_cast<int64_t>(ip)) << n;
    }
    EXPECT_NEAR(f.prod().item<double>(), vals(f.prod({1}).prod())[0], 1e-12 * std::fabs(vals(f.prod({1}).prod())[0]));
  }
  // float32 rows: blocks of 32, then of 8 (a 7 x 7 plane's 17 after its 32), then single ones.
  for (int64_t n : {5, 8, 20, 49, 63, 1000}) {
    const Tensor x = randn({6, n}, gen);
    EXPECT_TRUE(tgtest::close(x.sum({1}).to(kFloat64), x.to(kFloat64).sum({1}), 1e-6, 1e-6)) << n;
    EXPECT_TRUE(tgtest::close(x.mean({1}).to(kFloat64), x.to(kFloat64).mean({1}), 1e-6, 1e-6)) << n;
    EXPECT_TRUE(tgtest::close(x.norm(2, {1}).to(kFloat64), x.to(kFloat64).norm(2, {1}), 1e-6, 1e-6)) << n;
  }
  // float16 and bfloat16 sums widen eight elements at a time: against the float64 sum of the
  // same (rounded) values, rows with and without a tail, a strided row as the generic loop.
  for (DType dt : {kFloat16, kBFloat16}) {
    for (int64_t n : {7, 20, 32, 33, 49, 1000, 5000}) {
      const Tensor x = randn({4, n}, gen).to(dt);
      const Tensor exact = x.to(kFloat64).sum({1});
      EXPECT_TRUE(tgtest::close(x.sum({1}).to(kFloat64), exact.to(dt).to(kFloat64), 0, 0)) << name(dt) << " " << n;
      // Widened sums round once: within an ulp of the dtype (2^-10 or 2^-7 relative).
      const double total = x.to(kFloat64).sum().item<double>();
      EXPECT_NEAR(x.sum().to(kFloat64).item<double>(), total, (dt == kFloat16 ? 1e-3 : 8e-3) * (std::fabs(total) + 1))
          << name(dt) << " " << n;
      EXPECT_TRUE(tgtest::close(x.t().contiguous().t().sum({1}).to(kFloat64), exact.to(dt).to(kFloat64), 0, 0));
      EXPECT_TRUE(tgtest::close(x.norm(2, {1}).to(kFloat64), x.to(kFloat64).norm(2, {1}).to(dt).to(kFloat64), 0, 0));
      // Down columns (eight at a time, then a tail), to within the dtype's rounding.
      const Tensor c = randn({n, 37}, gen).to(dt);
      const double eps = dt == kFloat16 ? 1.0 / 1024 : 1.0 / 128;
      EXPECT_TRUE(tgtest::close(c.sum({0}).to(kFloat64), c.to(kFloat64).sum({0}), eps, eps)) << name(dt) << " " << n;
      EXPECT_TRUE(tgtest::close(c.mean({0}).to(kFloat64), c.to(kFloat64).mean({0}), eps, eps)) << name(dt) << " " << n;
    }
  }
}

TEST(Reduce, VarStdNormLogsumexp) {
  Tensor x = tensor({{1.0, 2.0, 3.0, 4.0}, {2.0, 2.0, 2.0, 2.0}}, kFloat64);
  EXPECT_TRUE(close(x.var({1}), tensor({5.0 / 3.0, 0.0}, kFloat64)));
  EXPECT_TRUE(close(x.var({1}, 0), tensor({1.25, 0.0}, kFloat64)));
  EXPECT_TRUE(close(x.std({1}, 1, true), tensor({std::sqrt(5.0 / 3.0), 0.0}, kFloat64).view({2, 1})));
  EXPECT_NEAR(x.var().item<double>(), 5.5 / 7, 1e-12);
  EXPECT_TRUE(std::isinf(tensor({1.0}).var().item<double>()) || std::isnan(tensor({1.0}).var().item<double>()));
  Tensor v = tensor({3.0, -4.0}, kFloat64);
  EXPECT_EQ(v.norm().item<double>(), 5);
  EXPECT_EQ(v.norm(1).item<double>(), 7);
  EXPECT_EQ(v.norm(INFINITY).item<double>(), 4);
  EXPECT_EQ(v.norm(-INFINITY).item<double>(), 3);
  EXPECT_EQ(v.norm(0).item<double>(), 2);
  EXPECT_NEAR(v.norm(3).item<double>(), std::cbrt(27.0 + 64.0), 1e-12);
  EXPECT_TRUE(close(x.norm(2, {1}), tensor({std::sqrt(30.0), 4.0}, kFloat64)));
  EXPECT_NEAR(v.norm(-1).item<double>(), 1.0 / (1.0 / 3 + 1.0 / 4), 1e-12);  // PyTorch's negative p
  EXPECT_TRUE(close(x.logsumexp({1}), log(exp(x).sum({1}))));
  EXPECT_TRUE(close(tensor({1000.0, 1000.0}, kFloat64).logsumexp({0}), tensor(1000.0 + std::log(2.0), kFloat64)));
  EXPECT_EQ(tensor({-INFINITY, -INFINITY}).logsumexp({0}).item<float>(), -INFINITY);
  EXPECT_EQ(x.logsumexp({0, 1}, true).sizes(), (Shape{1, 1}));
  // A zero deviation (equal values, or one) has a zero gradient, as in PyTorch, not NaN.
  const Tensor c = tensor({{2.0, 2.0, 2.0}, {1.0, 2.0, 4.0}}, kFloat64).requires_grad_();
  c.std({1}, 0).sum().backward();
  const std::vector<double> cg = vals(c.grad());
  EXPECT_EQ(cg[0], 0.0);
  EXPECT_EQ(cg[2], 0.0);
  EXPECT_NEAR(cg[3], (1.0 - 7.0 / 3) / (3 * std::sqrt(14.0 / 9)), 1e-12);
  const Tensor one = tensor({3.0}, kFloat64).requires_grad_();
  one.std({0}, 0).backward();
  EXPECT_EQ(vals(one.grad()), (std::vector<double>{0}));
  // Over an empty dim: log(0), -inf per result, as PyTorch gives.
  const Tensor empty_rows = zeros({3, 0}).logsumexp({1});
  EXPECT_EQ(empty_rows.sizes(), (Shape{3}));
  EXPECT_EQ(vals(empty_rows), (std::vector<double>{-INFINITY, -INFINITY, -INFINITY}));
  EXPECT_EQ(zeros({3, 0}).logsumexp({0}, true).sizes(), (Shape{1, 0}));
}

TEST(Reduce, LogSumExpInOnePassMatchesTheComposition) {
  // Rows long enough for the vector path and short ones, along the last dim, a middle dim (the
  // columns path), several dims and all of them, keepdim; transposed input; every floating dtype.
  Generator gen(12);
  const Tensor x = randn({6, 37, 130}, gen, TensorOptions(kFloat64)) * 5.0;
  const auto reference = [](const Tensor& t, const Shape& dims, bool keepdim) {
    const Tensor m = t.amax(dims, true);
    const Tensor r = log(exp(t - m).sum(dims, true)) + m;
    return keepdim ? r : (dims.empty() ? r.squeeze() : r.squeeze(dims));
  };
  for (const Shape& dims : {Shape{2}, Shape{1}, Shape{0}, Shape{0, 2}, Shape{}, Shape{-1, 0}}) {
    for (bool keepdim : {false, true}) {
      SCOPED_TRACE(fmt::format("{} {}", dims, keepdim));
      EXPECT_TRUE(close(x.logsumexp(dims, keepdim), reference(x, dims, keepdim), 1e-12, 1e-12));
      EXPECT_TRUE(
          close(x.transpose(0, 2).logsumexp(dims, keepdim), reference(x.transpose(0, 2), dims, keepdim), 1e-12, 1e-12));
      for (DType dt : {kFloat32, kFloat16, kBFloat16}) {
        const Tensor y = x.to(dt);
        const double tol = dt == kFloat32 ? 1e-5 : 1e-2;
        EXPECT_TRUE(close(y.logsumexp(dims, keepdim).to(kFloat64), reference(y.to(kFloat64), dims, keepdim), tol, tol))
            << name(dt);
        EXPECT_EQ(y.logsumexp(dims, keepdim).dtype(), dt);
      }
    }
  }
  // Rows with infinities and NaN, long and short, along either dim (float32 vector tails too).
  for (int64_t n : {3, 40}) {
    Tensor odd = zeros({4, n});
    odd.select(0, 0).fill_(-INFINITY);
    odd.select(0, 1).narrow(0, 1, 1).fill_(INFINITY);
    odd.select(0, 2).narrow(0, 2, 1).fill_(NAN);
    for (const Tensor& t : {odd, odd.t().contiguous().t()}) {
      const std::vector<double> r = vals(t.logsumexp({1}));
      EXPECT_EQ(r[0], -INFINITY);
      EXPECT_EQ(r[1], INFINITY);
      EXPECT_TRUE(std::isnan(r[2]));
      EXPECT_NEAR(r[3], std::log(static_cast<double>(n)), 1e-6);
      const std::vector<double> c = vals(t.t().logsumexp({0}));
      EXPECT_EQ(c[0], -INFINITY);
      EXPECT_EQ(c[1], INFINITY);
      EXPECT_TRUE(std::isnan(c[2]));
    }
  }
  // Integers compute in the default dtype; a 0-dim tensor is its own log-sum-exp.
  EXPECT_EQ(arange(4).logsumexp({0}).dtype(), kFloat32);
  EXPECT_NEAR(arange(4).logsumexp({0}).item<double>(), std::log(1 + std::exp(1.0) + std::exp(2.0) + std::exp(3.0)),
              1e-5);
  EXPECT_EQ(tensor(2.5, kFloat64).logsumexp({}).item<double>(), 2.5);
  // The gradient is the softmax over the reduced dims.
  const Tensor w = x.narrow(0, 0, 2).detach().requires_grad_();
  w.logsumexp({0, 2}).sum().backward();
  const Tensor flat = w.detach().permute({1, 0, 2}).reshape({37, -1});
  EXPECT_TRUE(close(w.grad().permute({1, 0, 2}).reshape({37, -1}), softmax(flat, 1), 1e-12, 1e-12));
}

TEST(Reduce, NormsOfOneAndTwoMatchTheirFormulas) {
  // p = 1 and 2 reduce in one pass (sums of |x| and x^2): every layout against the composed sums
  // in float64.
  Generator gen(31);
  const Tensor x = randn({37, 129}, gen);
  const Tensor xd = x.to(kFloat64);
  for (const Shape& dims : {Shape{}, Shape{0}, Shape{1}, Shape{0, 1}}) {
    for (bool keepdim : {false, true}) {
      const Tensor two = sqrt((xd * xd).sum(dims, keepdim)), one = xd.abs().sum(dims, keepdim);
      EXPECT_TRUE(close(x.norm(2, dims, keepdim).to(kFloat64), two, 1e-5, 1e-6));
      EXPECT_TRUE(close(x.norm(1, dims, keepdim).to(kFloat64), one, 1e-5, 1e-5));
      EXPECT_TRUE(close(x.t().norm(2, dims, keepdim).to(kFloat64), xd.t().norm(2, dims, keepdim), 1e-5, 1e-6));
      EXPECT_TRUE(close(xd.norm(2, dims, keepdim), two, 1e-12, 1e-12));
    }
  }
  // A long contiguous run (vector blocks and a tail) and a strided one.
  const Tensor long_run = randn({100003}, gen);
  EXPECT_NEAR(long_run.norm().item<double>(), std::sqrt(square(long_run.to(kFloat64)).sum().item<double>()), 1e-3);
  EXPECT_NEAR(long_run.slice(0, 0, 100003, 3).norm(1).item<double>(),
              long_run.slice(0, 0, 100003, 3).to(kFloat64).abs().sum().item<double>(), 1e-2);
  // float16 and bfloat16 sum in float32: 1000 squares of 300 pass float16's range, the norm does not.
  const Tensor h = full({1000}, 300.0, kFloat16);
  EXPECT_EQ(h.norm().dtype(), kFloat16);
  EXPECT_NEAR(h.norm().item<double>(), 300.0 * std::sqrt(1000.0), 8.0);
  EXPECT_NEAR(full({1000}, 300.0, kBFloat16).norm(1).item<double>(), 300000.0, 2000.0);
  EXPECT_THROW_WITH(tensor({1, 2}).norm(), TypeError, "norm");
}

// Masks are read as the bytes 0 and 1 by the reductions, the classifications and the casts (their
// loops vectorise): long ones against counts taken element by element.
TEST(Reduce, MasksReadAsBytes) {
  Generator gen(4);
  const Tensor x = randn({3, 1000}, gen);
  const Tensor m = x > 0;
  const std::vector<double> xv = vals(x);
  std::vector<double> inverted, counts(3, 0), as_long;
  for (size_t i = 0; i < xv.size(); ++i) {
    inverted.push_back(xv[i] > 0 ? 0 : 1);
    as_long.push_back(xv[i] > 0 ? 1 : 0);
    counts[i / 1000] += xv[i] > 0;
  }
  EXPECT_EQ(vals(logical_not(m)), inverted);
  EXPECT_EQ(vals(bitwise_not(m)), inverted);
  EXPECT_EQ(vals(m.to(kInt64)), as_long);
  EXPECT_EQ(vals(m.to(kFloat32)), as_long);
  EXPECT_EQ(vals(m.sum({1})), counts);
  EXPECT_EQ(m.sum().item<int64_t>(), counts[0] + counts[1] + counts[2]);
  EXPECT_EQ(m.sum().dtype(), kInt64);
  EXPECT_EQ(vals(count_nonzero(m, {1})), counts);
  EXPECT_EQ(count_nonzero(m).item<int64_t>(), counts[0] + counts[1] + counts[2]);
  EXPECT_TRUE(m.amax().item<bool>());
  EXPECT_FALSE(m.amin().item<bool>());
  EXPECT_EQ(m.amax().dtype(), kBool);
  EXPECT_EQ(m.prod().item<int64_t>(), 0);
  EXPECT_TRUE(m.any().item<bool>());
  EXPECT_FALSE(m.all().item<bool>());
  EXPECT_EQ(vals(isfinite(m)), std::vector<double>(xv.size(), 1));
  EXPECT_EQ(vals(isnan(m)), std::vector<double>(xv.size(), 0));
}

TEST(Reduce, AnIntegerDtypeConvertsTheElementsFirst) {
  // As PyTorch: each float truncates to the integer dtype, then the sum or product runs.
  const Tensor x = tensor({0.7, -1.6, 2.5}, kFloat64);
  EXPECT_EQ(vals(x.sum(kInt64)), (std::vector<double>{1}));
  EXPECT_EQ(vals(x.prod(kInt64)), (std::vector<double>{0}));
  EXPECT_EQ(vals(x.view({1, 3}).sum({1}, false, kInt32)), (std::vector<double>{1}));
  EXPECT_EQ(x.sum(kInt64).dtype(), kInt64);
  // Negative p norms, (sum |x|^p)^(1/p), with their gradient.
  const Tensor n = tensor({1.0, 2.0, 4.0}, kFloat64);
  EXPECT_NEAR(n.norm(-1).item<double>(), 1.0 / (1.0 + 0.5 + 0.25), 1e-15);
  EXPECT_TRUE(autograd::gradcheck([](const tensor_list& in) { return in[0].norm(-1.5, {0}); },
                                  {tensor({0.5, -2.0, 1.5}, kFloat64).requires_grad_(true)}));
  EXPECT_THROW_WITH(n.norm(NAN), ValueError, "norm: p must be a number, got NaN");
}

TEST(Reduce, CumsumAllAny) {
  Tensor x = tensor({{1, 2, 3}, {4, 5, 6}});
  EXPECT_EQ(vals(x.cumsum(1)), (std::vector<double>{1, 3, 6, 4, 9, 15}));
  EXPECT_EQ(vals(x.cumsum(0)), (std::vector<double>{1, 2, 3, 5, 7, 9}));
  EXPECT_EQ(x.cumsum(0).dtype(), kInt64);
  EXPECT_EQ(vals(x.t().cumsum(0)), (std::vector<double>{1, 4, 3, 9, 6, 15}));
  EXPECT_EQ(x.cumsum(1, kFloat64).dtype(), kFloat64);
  // Along an outer dim with many inner positions (running sums of whole rows, in blocks of 512
  // positions): against the last-dim scan of a transposed copy, float and int, 3 dims.
  Generator gen(23);
  const Tensor big = randn({3, 40, 1100}, gen);
  EXPECT_TRUE(close(big.cumsum(1), big.transpose(1, 2).contiguous().cumsum(2).transpose(1, 2), 1e-6, 1e-5));
  const Tensor ints = randint(-50, 50, {40, 600}, gen, kInt32);
  EXPECT_EQ(vals(ints.cumsum(0)), vals(ints.t().contiguous().cumsum(1).t()));
  EXPECT_EQ(ints.cumsum(0).dtype(), kInt64);
  Tensor b = tensor({{true, false}, {true, true}});
  EXPECT_FALSE(b.all().item<bool>());
  EXPECT_TRUE(b.any().item<bool>());
  EXPECT_EQ(vals(b.all(1)), (std::vector<double>{0, 1}));
  EXPECT_EQ(vals(b.any(0, true)), (std::vector<double>{1, 1}));
  EXPECT_TRUE(zeros({0}).all().item<bool>());
  EXPECT_EQ(vals(tensor({0.0f, 2.0f}).any(0)), (std::vector<double>{1}));
  // uint8 in, uint8 out (PyTorch keeps NumPy's old rule there); any other dtype gives bool.
  const Tensor u = tensor({{0, 7}, {3, 1}}, kUInt8);
  EXPECT_EQ(u.all().dtype(), kUInt8);
  EXPECT_EQ(vals(u.all(0)), (std::vector<double>{0, 1}));
  EXPECT_EQ(vals(u.any(1)), (std::vector<double>{1, 1}));
  EXPECT_EQ(tensor({1, 2}).all().dtype(), kBool);
  // Over several dims, keepdim, and none (each element tested, as PyTorch's dim=()).
  const Tensor c = tensor({{{1, 0}, {1, 1}}, {{1, 1}, {1, 1}}});
  EXPECT_EQ(vals(c.all(Shape{1, 2})), (std::vector<double>{0, 1}));
  EXPECT_EQ(vals(any(c.eq(0), Shape{0, 2}, true)), (std::vector<double>{1, 0}));
  EXPECT_EQ(any(c.eq(0), Shape{0, 2}, true).sizes(), (Shape{1, 2, 1}));
  EXPECT_EQ(vals(c.all(Shape{})), (std::vector<double>{1, 0, 1, 1, 1, 1, 1, 1}));
  EXPECT_EQ(c.any(Shape{}).dtype(), kBool);
  EXPECT_EQ(vals(u.all(Shape{0, 1})), (std::vector<double>{0}));
  EXPECT_THROW_WITH(c.all(Shape{0, 3}), IndexError, "all");
}

TEST(Reduce, ParallelMatchesSerial) {
  Tensor x = randn({257, 1031}, kFloat64);
  const int threads = get_num_threads();
  set_num_threads(1);
  Tensor s1 = x.sum({0}), m1 = std::get<0>(x.max(1)), a1 = x.sum();
  set_num_threads(std::max(2, threads));
  EXPECT_TRUE(close(x.sum({0}), s1, 1e-12, 1e-12));
  EXPECT_TRUE(close(std::get<0>(x.max(1)), m1, 0, 0));
  EXPECT_TRUE(close(x.sum(), a1, 1e-12, 1e-10));
  set_num_threads(threads);
}

// float32 column sums: few columns down many rows (each thread a band of rows), columns in
// 32s, 8s and ones, and a long middle dim, against float64 sums, on one thread and two.
TEST(Reduce, ColumnSumsOfFloat32AndSixteenBitFloats) {
  const int threads = get_num_threads();
  for (const auto& [shape, dim] : std::vector<std::pair<Shape, int64_t>>{
           {{131072, 32}, 0},
           {{20000, 7}, 0},
           {{9000, 45}, 0},
           {{4096, 8}, 0},
           {{8, 4096, 40}, 1},
           // Fewer than 8 columns of back-to-back rows: one run in lcm(columns, 8) lanes.
           {{20001, 3}, 0},
           {{40999, 4}, 0},
           {{333, 6}, 0},
           {{70001, 2}, 0},
           {{5, 1001, 2}, 1},
           {{3, 5, 7}, 1}}) {
    const Tensor x = randn(shape);
    const Tensor want = x.to(kFloat64).sum({dim});
    for (int t : {1, 2}) {
      set_num_threads(t);
      SCOPED_TRACE(fmt::format("{} dim {} threads {}", shape, dim, t));
      EXPECT_TRUE(close(x.sum({dim}).to(kFloat64), want, 1e-5, 1e-4));
      // float16 / bfloat16 take the same registers, widened as they load: the exact sum of their
      // values, rounded once to the dtype.
      for (const DType dt : {kFloat16, kBFloat16}) {
        const Tensor h = x.to(dt);
        const Tensor exact = h.to(kFloat64).sum({dim});
        const double ulp = dt == kFloat16 ? 1.0 / 1024 : 1.0 / 128;
        EXPECT_TRUE(close(h.sum({dim}).to(kFloat64), exact.to(dt).to(kFloat64), ulp, 1e-4)) << name(dt);
      }
    }
  }
  set_num_threads(threads);
}

// Short reduced rows (fewer than 16) are stepped through 64 results at a time: kept dims that do not
// coalesce, a strided reduced dim, NaN, ties and signed zeros (rounded normals), on one thread and
// two, against a plain loop over each row.
TEST(Reduce, ShortRows) {
  const int threads = get_num_threads();
  const Tensor base = randn({7, 150, 9}).round();
  const Tensor with_nan = where(rand({7, 150, 9}) < 0.03, NAN, base);
  const auto same = [](double a, double b) {
    return std::isnan(a) ? std::isnan(b) : (a == b && std::signbit(a) == std::signbit(b));
  };
  for (const Tensor& x : {with_nan.slice(1, 0, 150, 2), with_nan.transpose(0, 2), with_nan.slice(2, 0, 3)}) {
    const int64_t n = x.size(2), rows = x.numel() / n;
    const std::vector<double> v = vals(x.contiguous());
    std::vector<double> sum(rows, 0), prod(rows, 1), hi(rows), lo(rows), all(rows), any(rows);
    std::vector<double> hi_at(rows, 0), lo_at(rows, 0);
    for (int64_t r = 0; r < rows; ++r) {
      const double* row = v.data() + r * n;
      hi[r] = lo[r] = row[0];
      all[r] = row[0] > 0, any[r] = row[0] > 0;
      for (int64_t i = 0; i < n; ++i) {
        sum[r] += row[i], prod[r] *= row[i];
        all[r] = all[r] && row[i] > 0, any[r] = any[r] || row[i] > 0;
        const auto takes = [&](double cur, bool greater) {
          return !std::isnan(cur) && (std::isnan(row[i]) || (greater ? row[i] > cur : row[i] < cur));
        };
        if (takes(hi[r], true)) hi[r] = row[i], hi_at[r] = i;
        if (takes(lo[r], false)) lo[r] = row[i], lo_at[r] = i;
      }
    }
    for (int t : {1, 2}) {
      set_num_threads(t);
      SCOPED_TRACE(fmt::format("{} strides {} threads {}", x.sizes(), x.strides(), t));
      const auto expect = [&](const Tensor& got, const std::vector<double>& want, const char* what) {
        const std::vector<double> g = vals(got.reshape({-1}));
        for (int64_t r = 0; r < rows; ++r)
          ASSERT_TRUE(same(g[r], want[r])) << what << " row " << r << ": " << g[r] << " vs " << want[r];
      };
      expect(x.sum({2}), sum, "sum");
      expect(x.prod({2}), prod, "prod");
      expect(x.amax({2}), hi, "amax");
      expect(x.amin({2}), lo, "amin");
      const auto [max_v, max_i] = x.max(2);
      expect(max_v, hi, "max");
      expect(max_i, hi_at, "argmax");
      const auto [min_v, min_i] = x.min(2);
      expect(min_v, lo, "min");
      expect(min_i, lo_at, "argmin");
      expect((x > 0).all(2), all, "all");
      expect((x > 0).any(2), any, "any");
    }
  }
  set_num_threads(threads);
}

TEST(Reduce, ComposedReductions) {
  Tensor x = tensor({{1.0, NAN, 3.0}, {4.0, 5.0, NAN}}, kFloat64);
  EXPECT_EQ(vals(nansum(x)), (std::vector<double>{13}));
  EXPECT_EQ(vals(nansum(x, {1})), (std::vector<double>{4, 9}));
  EXPECT_EQ(vals(nanmean(x, {0})), (std::vector<double>{2.5, 5, 3}));
  EXPECT_TRUE(std::isnan(nanmean(full({2}, NAN, kFloat64)).item<double>()));
  EXPECT_EQ(nansum(tensor({1, 2})).item<int64_t>(), 3);
  // A dtype converts the elements first: floats summed as int32 truncate each, NaN skipped first.
  const Tensor n32 = nansum(tensor({{0.7, -1.6}, {2.9, NAN}}, kFloat64), {0}, false, kInt32);
  EXPECT_EQ(n32.dtype(), kInt32);
  EXPECT_EQ(vals(n32), (std::vector<double>{2, -1}));
  EXPECT_EQ(nansum(x, {}, false, kFloat32).dtype(), kFloat32);
  EXPECT_EQ(vals(nanmean(tensor({1, 2, 4}), {}, false, kFloat64)), (std::vector<double>{7.0 / 3}));
  EXPECT_THROW_WITH(nanmean(tensor({1, 2}), {}, false, kInt64), TypeError, "nanmean");
  // Without NaN (the plain sum's path): infinities as the sum has them, inf - inf still NaN,
  // the mean's count over the reduced dims only, and no elements a NaN mean.
  const double inf = INFINITY;
  Tensor c = tensor({{1.0, inf, 3.0}, {4.0, 5.0, -inf}}, kFloat64);
  EXPECT_EQ(vals(nansum(c, {1})), (std::vector<double>{inf, -inf}));
  EXPECT_TRUE(std::isnan(nansum(c).item<double>()));
  EXPECT_EQ(vals(nanmean(tensor({{1.0, 2.0}, {4.0, 8.0}}, kFloat64), {1}, true)), (std::vector<double>{1.5, 6}));
  EXPECT_TRUE(std::isnan(nanmean(zeros({0, 3}, kFloat64), {0}).select(0, 1).item<double>()));
  Tensor cg = tensor({{1.0, 2.0}, {4.0, 8.0}}, kFloat64).requires_grad_(true);
  (nansum(cg) + nanmean(cg, {0}).sum()).backward();
  EXPECT_EQ(vals(cg.grad()), (std::vector<double>{1.5, 1.5, 1.5, 1.5}));
  Tensor y = tensor({{1.0, 2.0, 6.0}, {0.0, 5.0, 1.0}}, kFloat64);
  auto [v, m] = var_mean(y, {1}, 0);
  EXPECT_TRUE(close(v, y.var({1}, 0)));
  EXPECT_TRUE(close(m, y.mean({1})));
  auto [s, m2] = std_mean(y);
  EXPECT_TRUE(close(s, y.std()));
  EXPECT_TRUE(close(m2, y.mean()));
  auto [lo, hi] = aminmax(y, {0}, true);
  EXPECT_EQ(vals(lo), (std::vector<double>{0, 2, 1}));
  EXPECT_EQ(vals(hi), (std::vector<double>{1, 5, 6}));
  EXPECT_EQ(count_nonzero(y).item<int64_t>(), 5);
  EXPECT_EQ(vals(count_nonzero(y, {0})), (std::vector<double>{1, 2, 2}));
  EXPECT_THROW_WITH(nanmean(tensor({1, 2})), TypeError, "nanmean: expected a floating-point tensor, got int64");
}

TEST(Reduce, IntegerExtremesOfLongRowsAgainstAScan) {
  // The sixteen-lane integer scans: extremes in the lanes, in the tail and at the ends; values
  // at the dtype's limits; every integer dtype; whole tensors and rows, with indices.
  Generator gen(21);
  for (DType dt : {kInt64, kInt32, kInt16, kInt8, kUInt8}) {
    SCOPED_TRACE(name(dt));
    for (int64_t n : {31, 32, 100, 1007}) {
      Tensor x = randint(-100, 100, {3, n}, gen, kInt64);
      if (dt == kUInt8) x = x.abs();
      x.select(0, 0).narrow(0, n - 1, 1).fill_(dt == kInt64 ? std::numeric_limits<int64_t>::max() : 120);
      x.select(0, 1).narrow(0, n / 2, 1).fill_(dt == kInt64 ? std::numeric_limits<int64_t>::min() : 0);
      x.select(0, 2).narrow(0, 0, 1).fill_(125);
      x = x.to(dt);
      const std::vector<int64_t> v = x.to(kInt64).to_vector<int64_t>();
      const auto [lo, hi] = std::minmax_element(v.begin(), v.end());
      EXPECT_EQ(x.amax().to(kInt64).item<int64_t>(), *hi);
      EXPECT_EQ(x.amin().to(kInt64).item<int64_t>(), *lo);
      const auto [values, indices] = x.max(1);
      const auto [min_values, min_indices] = x.min(1);
      for (int64_t r = 0; r < 3; ++r) {
        const auto row = v.begin() + r * n;
        const auto best = std::max_element(row, row + n), least = std::min_element(row, row + n);
        EXPECT_EQ(values.to(kInt64)[r].item<int64_t>(), *best);
        EXPECT_EQ(indices[r].item<int64_t>(), best - row);  // the first of equal maxima
        EXPECT_EQ(min_values.to(kInt64)[r].item<int64_t>(), *least);
        EXPECT_EQ(min_indices[r].item<int64_t>(), least - row);
      }
    }
  }
}
