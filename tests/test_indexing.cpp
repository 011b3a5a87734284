// PyTorch-style indexing and index_put_, gather/scatter, masks, nonzero, sort, topk.
#include <algorithm>
#include <cmath>
#include <numeric>
#include <set>

#include "test_util.h"

using namespace tg;
using namespace tg::indexing;
using tgtest::vals;

namespace {
Tensor grid() { return arange(24, kFloat32).view({2, 3, 4}); }
}

TEST(Index, BasicIndicesAreViews) {
  Tensor x = grid();
  Tensor a = x.index({1, Slice(0, 3, 2), None, Ellipsis});
  EXPECT_EQ(a.sizes(), (Shape{2, 1, 4}));
  EXPECT_EQ(vals(a.flatten()), (std::vector<double>{12, 13, 14, 15, 20, 21, 22, 23}));
  EXPECT_EQ(a.storage(), x.storage());
  EXPECT_EQ(x.index({Ellipsis, -1}).sizes(), (Shape{2, 3}));
  EXPECT_EQ(x.index({"...", 0}).sizes(), (Shape{2, 3}));
  EXPECT_EQ(x.index({Slice(), Slice(None, 2)}).sizes(), (Shape{2, 2, 4}));
  EXPECT_EQ(x.index({true}).sizes(), (Shape{1, 2, 3, 4}));
  EXPECT_EQ(x.index({false}).sizes(), (Shape{0, 2, 3, 4}));
  EXPECT_EQ(x.index({0, 1, 2}).item<float>(), 6.0f);
  EXPECT_THROW_WITH(x.index({0, 0, 0, 0}), IndexError, "too many indices");
  EXPECT_THROW_WITH(x.index({Ellipsis, Ellipsis}), IndexError, "single ellipsis");
  EXPECT_THROW_WITH(x.index({2}), IndexError, "index 2 is out of range for dim 0 of size 2");
  // New dims before integers: the result has at most 8 dims, however many the index names first.
  const Tensor one = zeros({1, 1, 1, 1});
  const std::vector<TensorIndex> many{None, None, None, None, None, 0, 0, 0, Slice(0, 0)};
  EXPECT_EQ(one.index(many).sizes(), (Shape{1, 1, 1, 1, 1, 0}));
  EXPECT_EQ(x.index({None, None, None, None, None, None, 1, 2, false, Slice(1, 3)}).sizes(),
            (Shape{1, 1, 1, 1, 1, 1, 0, 2}));
  Tensor y = x.clone();
  y.index_put_({None, None, None, None, None, None, 1, 2, Slice(1, 3)}, -1.0);
  EXPECT_EQ(vals(y.index({1, 2})), (std::vector<double>{20, -1, -1, 23}));
  EXPECT_EQ(x.index({None, 1, None, Slice(0, 3, 2), None, 3}).sizes(), (Shape{1, 1, 2, 1}));
  EXPECT_EQ(vals(x.index({None, 1, None, Slice(0, 3, 2), None, 3}).flatten()), (std::vector<double>{15, 23}));
}

TEST(Index, AdvancedIndices) {
  Tensor x = grid();
  Tensor idx = tensor({2, 0});
  Tensor a = x.index({Slice(), idx});
  EXPECT_EQ(a.sizes(), (Shape{2, 2, 4}));
  EXPECT_EQ(vals(a.select(0, 0).select(0, 0)), (std::vector<double>{8, 9, 10, 11}));
  // Adjacent advanced indices replace their dims in place; separated ones go first.
  Tensor i0 = tensor({0, 1}), i2 = tensor({3, 0});
  EXPECT_EQ(x.index({i0, Slice(), i2}).sizes(), (Shape{2, 3}));
  EXPECT_EQ(vals(x.index({i0, Slice(), i2}).select(1, 1)), (std::vector<double>{7, 16}));
  EXPECT_EQ(x.index({Slice(), tensor({{0, 1}, {2, 2}}), tensor({1})}).sizes(), (Shape{2, 2, 2}));
  EXPECT_EQ(x.index({Slice(), Slice(), tensor({-1})}).sizes(), (Shape{2, 3, 1}));
  EXPECT_EQ(vals(x.index({0, 0, tensor({-1, 0})})), (std::vector<double>{3, 0}));
  Tensor mask = x.select(2, 0) > 10;
  Tensor m = x.index({mask});
  EXPECT_EQ(m.sizes(), (Shape{3, 4}));
  EXPECT_EQ(vals(m.select(1, 0)), (std::vector<double>{12, 16, 20}));
  EXPECT_EQ(x.index({x > 20}).sizes(), (Shape{3}));
  EXPECT_EQ(x.index({tensor({1}), Slice(), tensor({0, 1})}).sizes(), (Shape{2, 3}));
  EXPECT_THROW_WITH(x.index({tensor({2})}), IndexError, "index 2 is out of bounds for dim 0 with size 2");
  EXPECT_THROW_WITH(x.index({ones({2}, kFloat32)}), IndexError, "integer or bool");
  EXPECT_THROW_WITH(x.index({ones({3}, kBool)}), IndexError, "does not match");
  EXPECT_THROW_WITH(x.index({tensor({0, 1}), tensor({0, 1, 2})}), Error, "not broadcastable");
}

TEST(Index, IndexPut) {
  Tensor x = zeros({3, 4});
  x.index_put_({1}, 5.0);
  x.index_put_({Slice(), 3}, tensor({7.0f, 8.0f, 9.0f}));
  EXPECT_EQ(vals(x), (std::vector<double>{0, 0, 0, 7, 5, 5, 5, 8, 0, 0, 0, 9}));
  x.index_put_({x > 6}, -1.0);
  EXPECT_EQ(vals(x.select(1, 3)), (std::vector<double>{-1, -1, -1}));
  Tensor y = zeros({5});
  y.index_put_({tensor({0, 2, 0})}, tensor({1.0f, 2.0f, 3.0f}), /*accumulate=*/true);
  EXPECT_EQ(vals(y), (std::vector<double>{4, 0, 2, 0, 0}));
  Tensor z = zeros({2, 3});
  z.index_put_({tensor({0, 1}), tensor({2, 0})}, tensor({1.0f, 2.0f}));
  EXPECT_EQ(vals(z), (std::vector<double>{0, 0, 1, 2, 0, 0}));
  Tensor w = index_put(zeros({3}), {tensor({1})}, tensor({4.0f}));
  EXPECT_EQ(vals(w), (std::vector<double>{0, 4, 0}));
  EXPECT_THROW_WITH(z.index_put_({tensor({0})}, ones({2})), Error, "not broadcastable");
  EXPECT_THROW_WITH(tensor({1, 2}).index_put_({tensor({0})}, ones({1})), TypeError, "can't be written");
  Tensor ints = tensor({1, 2});
  ints.index_put_({0}, full({1}, 7.0));  // a basic index copies (and converts), as x[0] = ... does
  EXPECT_EQ(vals(ints), (std::vector<double>{7, 2}));
}

TEST(Index, IndexSelectGatherScatter) {
  Tensor x = arange(12, kFloat32).view({3, 4});
  EXPECT_EQ(vals(x.index_select(1, tensor({3, 0}))), (std::vector<double>{3, 0, 7, 4, 11, 8}));
  EXPECT_EQ(x.index_select(0, tensor({2})).sizes(), (Shape{1, 4}));
  EXPECT_THROW_WITH(x.index_select(0, tensor({{0}})), IndexError, "1-D");
  Tensor g = x.gather(1, tensor({{0, 0}, {1, 0}, {3, 2}}));
  EXPECT_EQ(vals(g), (std::vector<double>{0, 0, 5, 4, 11, 10}));
  EXPECT_EQ(vals(x.t().gather(0, tensor({{2, 1, 0}}))), (std::vector<double>{2, 5, 8}));
  EXPECT_THROW_WITH(x.gather(1, tensor({{4}})), IndexError, "index 4 is out of bounds for dim 1 with size 4");
  // The kernel checks as it reads: the first bad index in the index's order is named, for
  // negative ones, transposed indices, gathers along an outer dim and an empty dim.
  EXPECT_THROW_WITH(x.gather(1, tensor({{0, 1}, {-1, 9}, {2, 0}})), IndexError, "index -1 is out of bounds for dim 1");
  EXPECT_THROW_WITH(x.gather(0, tensor({{0, 7}, {3, 2}}).t()), IndexError, "index 3 is out of bounds for dim 0 with size 3");
  EXPECT_THROW_WITH(x.t().gather(1, tensor({{0, 1, 2}, {0, 3, 0}})), IndexError, "index 3 is out of bounds for dim 1");
  EXPECT_THROW_WITH(zeros({2, 0}).gather(1, tensor({{0}, {0}})), IndexError, "index 0 is out of bounds for dim 1 with size 0");
  EXPECT_EQ(zeros({2, 0}).gather(1, zeros({2, 0}, kInt64)).sizes(), (Shape{2, 0}));
  EXPECT_THROW_WITH(x.gather(1, tensor({0})), Error, "the index has 1 dims");
  // int32 indices are taken as PyTorch takes them (widened); other dtypes are refused.
  EXPECT_EQ(vals(x.gather(1, tensor({{0, 0}, {1, 0}, {3, 2}}, kInt32))), (std::vector<double>{0, 0, 5, 4, 11, 10}));
  EXPECT_THROW_WITH(x.gather(1, tensor({{4}}, kInt32)), IndexError, "index 4 is out of bounds for dim 1 with size 4");
  EXPECT_EQ(vals(zeros({3}).scatter_add(0, tensor({0, 0, 2}, kInt32), tensor({1.0f, 2.0f, 4.0f}))),
            (std::vector<double>{3, 0, 4}));
  EXPECT_THROW_WITH(x.gather(1, tensor({{0}}, kInt16)), IndexError,
                    "gather: the index must be an int64 or int32 tensor, got int16");
  Tensor s = zeros({2, 3}).scatter(1, tensor({{2, 0}, {1, 1}}), tensor({{1.0f, 2.0f}, {3.0f, 4.0f}}));
  EXPECT_EQ(vals(s)[0], 2.0);
  EXPECT_EQ(vals(s)[2], 1.0);
  Tensor sa = zeros({2, 3}).scatter_add(1, tensor({{2, 2}, {1, 1}}), tensor({{1.0f, 2.0f}, {3.0f, 4.0f}}));
  EXPECT_EQ(vals(sa), (std::vector<double>{0, 0, 3, 0, 7, 0}));
  Tensor sv = zeros({3}).scatter(0, tensor({1}), 5);
  EXPECT_EQ(vals(sv), (std::vector<double>{0, 5, 0}));
  Tensor inplace = zeros({3});
  inplace.scatter_add_(0, tensor({0, 0}), tensor({1.0f, 1.0f}));
  inplace.scatter_(0, tensor({2}), tensor({9.0f}));
  EXPECT_EQ(vals(inplace), (std::vector<double>{2, 0, 9}));
  EXPECT_THROW_WITH(zeros({3}).scatter(0, tensor({3}), tensor({1.0f})), IndexError, "out of bounds");
  // A 0-dim tensor takes an index (and src) of one dim and one element, as PyTorch's.
  const Tensor one = tensor(2.0, kFloat64).requires_grad_(true);
  const Tensor picked = gather(one, 0, tensor({0}));
  EXPECT_EQ(picked.sizes(), (Shape{1}));
  EXPECT_EQ(vals(picked), (std::vector<double>{2}));
  const Tensor src = tensor({5.0, 6.0}, kFloat64).requires_grad_(true);
  const Tensor put = scatter(one, -1, tensor({0}), src);
  EXPECT_EQ(put.dim(), 0);
  EXPECT_EQ(put.item<double>(), 5.0);
  EXPECT_EQ(scatter_add(one, 0, tensor({0}), src).item<double>(), 7.0);
  EXPECT_EQ(scatter(tensor(1.0), 0, tensor({0}), 3.0).item<float>(), 3.0f);
  EXPECT_EQ(scatter_reduce(one, 0, tensor({0}), src, "amax").item<double>(), 5.0);
  (picked.sum() + scatter_add(one, 0, tensor({0}), src)).backward();
  EXPECT_EQ(vals(one.grad()), (std::vector<double>{2}));
  EXPECT_EQ(vals(src.grad()), (std::vector<double>{1, 0}));
  EXPECT_THROW_WITH(gather(one, 0, tensor({0, 0})), Error, "gather: the index has 1 dims but the tensor has 0");
}

// gather and scatter_add along each dim of a 3-D tensor, against plain loops: contiguous rows
// (one loop over evenly spaced rows), an index narrower than the tensor in the other dims and a
// transposed tensor (rows not evenly spaced: the general walk), on one thread and two.
TEST(Index, GatherAndScatterAddMatchPlainLoops) {
  Generator gen(5);
  const int threads = get_num_threads();
  const Tensor base = randn({6, 5, 7}, gen, kFloat64);
  for (const Tensor& x : {base, base.transpose(0, 2)}) {
    for (int64_t dim = 0; dim < 3; ++dim) {
      for (const Shape& shape : {Shape{x.size(0), x.size(1), x.size(2)}, Shape{x.size(0) - 1, x.size(1), 3}}) {
        Shape ishape = shape;
        ishape[static_cast<size_t>(dim)] = 4;
        const Tensor index = randint(0, x.size(dim), ishape, gen);
        const Tensor src = randn(ishape, gen, kFloat64);
        const std::vector<double> xv = vals(x.contiguous()), iv = vals(index), sv = vals(src);
        std::vector<double> want_gather(iv.size()), want_scatter = xv;
        const int64_t n1 = ishape[1], n2 = ishape[2], x1 = x.size(1), x2 = x.size(2);
        for (int64_t a = 0; a < ishape[0]; ++a)
          for (int64_t b = 0; b < n1; ++b)
            for (int64_t c = 0; c < n2; ++c) {
              const size_t at = static_cast<size_t>((a * n1 + b) * n2 + c);
              int64_t pos[3] = {a, b, c};
              pos[dim] = static_cast<int64_t>(iv[at]);
              const auto to = static_cast<size_t>((pos[0] * x1 + pos[1]) * x2 + pos[2]);
              want_gather[at] = xv[to];
              want_scatter[to] += sv[at];
            }
        for (int t : {1, 2}) {
          set_num_threads(t);
          SCOPED_TRACE(
              fmt::format("x {} strides {} dim {} index {} threads {}", x.sizes(), x.strides(), dim, ishape, t));
          EXPECT_EQ(vals(x.gather(dim, index)), want_gather);
          EXPECT_EQ(vals(x.scatter_add(dim, index, src)), want_scatter);
        }
      }
    }
  }
  set_num_threads(threads);
}

// Indices are checked and wrapped in blocks: negative ones count from the end, and the first bad
// one in the index's order is named even when a later block has another. Short rows (a 1-D table,
// rows of 2 and 5) move element by element.
TEST(Index, LongIndicesAreCheckedAndWrapped) {
  Generator gen(9);
  const Tensor table = arange(10, kFloat32);
  Tensor idx = randint(-10, 10, {5000}, gen);
  std::vector<double> want;
  for (double v : vals(idx)) want.push_back(v < 0 ? v + 10 : v);
  EXPECT_EQ(vals(table.index_select(0, idx)), want);
  EXPECT_EQ(vals(table.index({idx})), want);
  for (int64_t width : {2, 5}) {
    const Tensor rows = arange(10 * width, kFloat64).view({10, width});
    const Tensor picked = rows.index_select(0, idx);
    for (int64_t k : {0, 1, 2047, 4999})
      EXPECT_EQ(vals(picked[k]), vals(rows[static_cast<int64_t>(want[static_cast<size_t>(k)])])) << width << " " << k;
  }
  Tensor bad = idx.clone();
  bad.index_put_({tensor({3000, 4000})}, tensor({10, -11}));
  EXPECT_THROW_WITH(table.index_select(0, bad), IndexError, "index 10 is out of bounds for dim 0 with size 10");
  bad.index_put_({tensor({2500})}, tensor({-11}));
  EXPECT_THROW_WITH(table.index({bad}), IndexError, "index -11 is out of bounds for dim 0 with size 10");
}

TEST(Index, RowBlocksCopyAndAccumulateAsRuns) {
  // index_select over rows (contiguous runs) and columns of a transposed tensor (strided runs),
  // and index_add-style accumulation with repeated rows (the embedding backward).
  Generator gen(2);
  const Tensor table = randn({50, 33}, gen, kFloat64);
  const Tensor idx = tensor({4, 0, 49, 4, 17});
  const Tensor rows = table.index_select(0, idx);
  for (int64_t k = 0; k < 5; ++k) EXPECT_TRUE(equal(rows[k], table[idx[k].item<int64_t>()]));
  const Tensor cols = table.t().index_select(1, idx);
  for (int64_t k = 0; k < 5; ++k) EXPECT_TRUE(equal(cols.select(1, k), table[idx[k].item<int64_t>()]));
  Tensor w = table.detach().requires_grad_(true);
  w.index_select(0, idx).sum().backward();
  std::vector<double> expect(50, 0.0);
  for (int64_t k : {4, 0, 49, 4, 17}) expect[static_cast<size_t>(k)] += 1.0;
  EXPECT_EQ(w.grad().select(1, 32).to_vector<double>(), expect);
  Tensor acc = zeros({6, 4}, kFloat64);
  acc.index_put_({tensor({1, 1, 5})}, ones({3, 4}, kFloat64), true);
  EXPECT_EQ(vals(acc.sum({1})), (std::vector<double>{0, 8, 0, 0, 0, 4}));
}

TEST(Index, MasksAndNonzero) {
  Tensor x = tensor({{1.0f, -2.0f}, {-3.0f, 4.0f}});
  EXPECT_EQ(vals(x.masked_fill(x < 0, 0)), (std::vector<double>{1, 0, 0, 4}));
  EXPECT_EQ(vals(x.masked_fill(tensor({true, false}), 9)), (std::vector<double>{9, -2, 9, 4}));
  EXPECT_EQ(x.masked_fill(x < 0, 0).dtype(), kFloat32);
  EXPECT_EQ(tensor({1, 2}).masked_fill(tensor({true, false}), 2.7).dtype(), kInt64);
  Tensor y = x.clone();
  y.masked_fill_(y > 0, scalar_tensor(7.0f));
  EXPECT_EQ(vals(y), (std::vector<double>{7, -2, -3, 7}));
  EXPECT_THROW_WITH(x.masked_fill(ones({2}), 0), TypeError, "mask must be a bool tensor");
  EXPECT_THROW_WITH(x.masked_fill(ones({3}, kBool), 0), Error, "not broadcastable");
  EXPECT_THROW_WITH(x.masked_fill(x > 0, ones({2})), Error, "0-dim");
  Tensor nz = nonzero(tensor({{0, 1}, {2, 0}}));
  EXPECT_EQ(nz.sizes(), (Shape{2, 2}));
  EXPECT_EQ(vals(nz), (std::vector<double>{0, 1, 1, 0}));
  EXPECT_EQ(nonzero(zeros({3})).sizes(), (Shape{0, 1}));
}

TEST(Index, NonzeroOfLargeMasksInEveryRank) {
  // Chunks counted in parallel and written from their offsets, positions staged 512 at a time,
  // row by row: against a plain scan, for ranks 1 to 4, rows of one element and of more than a
  // stage, and sizes that split across threads (mid-row) and stages.
  Generator gen(31);
  for (const Shape& shape :
       {Shape{70001}, Shape{301, 257}, Shape{7, 130, 61}, Shape{40001, 1}, Shape{3, 40, 1100}, Shape{3, 5, 7, 401}}) {
    const Tensor mask = gt(rand(shape, gen), 0.6);
    const std::vector<double> m = vals(mask);
    std::vector<double> want;
    for (size_t i = 0; i < m.size(); ++i) {
      if (m[i] == 0) continue;
      int64_t rem = static_cast<int64_t>(i);
      std::vector<double> c(static_cast<size_t>(shape.size()));
      for (int d = shape.size() - 1; d >= 0; --d) {
        c[static_cast<size_t>(d)] = static_cast<double>(rem % shape[d]);
        rem /= shape[d];
      }
      want.insert(want.end(), c.begin(), c.end());
    }
    const Tensor nz = mask.nonzero();
    EXPECT_EQ(nz.sizes(), (Shape{static_cast<int64_t>(want.size()) / shape.size(), shape.size()}));
    EXPECT_EQ(vals(nz), want);
    EXPECT_EQ(vals(mask.to(kFloat32).nonzero()), want);
    EXPECT_EQ(vals(mask.to(kInt64).nonzero()), want);
  }
  // Empty inputs have no non-zeros (and once divided by their zero sizes).
  EXPECT_EQ(zeros({0}, kBool).nonzero().sizes(), (Shape{0, 1}));
  EXPECT_EQ(ones({3, 0, 2}).nonzero().sizes(), (Shape{0, 3}));
}

TEST(Index, SortArgsortTopk) {
  Tensor x = tensor({{3.0f, 1.0f, 2.0f}, {NAN, 0.0f, -1.0f}});
  auto [v, i] = x.sort();
  EXPECT_EQ(vals(v.select(0, 0)), (std::vector<double>{1, 2, 3}));
  EXPECT_EQ(vals(i), (std::vector<double>{1, 2, 0, 2, 1, 0}));  // NaN sorts last
  auto [dv, di] = x.sort(1, /*descending=*/true);
  EXPECT_EQ(vals(di.select(0, 1)), (std::vector<double>{0, 1, 2}));
  EXPECT_EQ(vals(x.argsort(0).select(0, 1)), (std::vector<double>{1, 0, 0}));
  Tensor dup = tensor({2, 1, 2, 1});
  EXPECT_EQ(vals(dup.argsort(0, false, /*stable=*/true)), (std::vector<double>{1, 3, 0, 2}));
  auto [tv, ti] = tensor({5.0f, 1.0f, 9.0f, 3.0f}).topk(2);
  EXPECT_EQ(vals(tv), (std::vector<double>{9, 5}));
  EXPECT_EQ(vals(ti), (std::vector<double>{2, 0}));
  auto [sv, si] = tensor({5.0f, 1.0f, 9.0f, 3.0f}).topk(3, 0, /*largest=*/false);
  EXPECT_EQ(vals(sv), (std::vector<double>{1, 3, 5}));
  EXPECT_EQ(std::get<0>(arange(12).view({3, 4}).topk(2, 0)).sizes(), (Shape{2, 4}));
  EXPECT_THROW_WITH(tensor({1.0f}).topk(2), IndexError, "k (2) is out of range");
  // A 0-dim tensor gives its element for k = 0 as for k = 1 (PyTorch's), never unwritten memory.
  for (int64_t k : {0, 1}) {
    auto [v0, i0] = tensor(-3).topk(k, 0);
    EXPECT_EQ(v0.item<int64_t>(), -3);
    EXPECT_EQ(i0.item<int64_t>(), 0);
  }
}

// float32, the 16-bit floats and int32 sort as packed (key, position) integers; float64 and
// int64 through the positions. Both must give one order: NaN last, -0 == +0, ties by position
// when stable, along a contiguous and a strided dim, ascending and descending, and for topk.
TEST(Index, PackedSortMatchesTheGenericOne) {
  Generator gen(31);
  Tensor f = randint(-4, 4, {6, 257}, gen, kFloat64) * 0.5;  // many ties
  f.view({-1}).index_put_({tensor({0, 1, 2, 3, 4})}, tensor({NAN, -0.0, 0.0, INFINITY, -INFINITY}));
  f.index_put_({tensor({5}), tensor({9})}, tensor({NAN}));
  for (DType dt : {kFloat32, kFloat16, kBFloat16, kInt32}) {
    const Tensor x = dt == kInt32 ? (where(isnan(f), 7.0, f).clamp(-9.0, 9.0) * 2).to(kInt32) : f.to(dt);
    const Tensor ref = dt == kInt32 ? x.to(kInt64) : x.to(kFloat64);
    for (int64_t dim : {1, 0}) {
      for (bool descending : {false, true}) {
        SCOPED_TRACE(fmt::format("{} dim={} descending={}", dt, dim, descending));
        auto [v, i] = x.sort(dim, descending, /*stable=*/true);
        auto [rv, ri] = ref.sort(dim, descending, /*stable=*/true);
        EXPECT_TRUE(equal(v.to(rv.dtype()), rv) || allclose(v.to(rv.dtype()), rv, 0, 0, /*equal_nan=*/true));
        EXPECT_TRUE(equal(i, ri));
        auto [tv, ti] = x.topk(5, dim, /*largest=*/descending);
        auto [rtv, rti] = ref.topk(5, dim, descending);
        EXPECT_TRUE(allclose(tv.to(rtv.dtype()), rtv, 0, 0, /*equal_nan=*/true));
        EXPECT_TRUE(allclose(x.gather(dim, ti).to(rtv.dtype()), rtv, 0, 0, true));  // the indices point at them
      }
    }
  }
}

// Long rows sort by radix (32-bit keys from 256 values, 8-bit digits, 11-bit from 65536; 64-bit
// keys from 1024): still stable, NaN last, -0 tied with +0, as std::stable_sort says.
TEST(Index, RadixSortOfLongRowsIsStable) {
  Generator gen(32);
  for (int64_t n : {int64_t{300}, int64_t{1500}, int64_t{70000}}) {
    Tensor f = randint(-50, 50, {n}, gen, kFloat64) * 0.25;  // ties
    f.index_put_({tensor({0, 7, 9, 11})}, tensor({NAN, -0.0, INFINITY, 0.0}));
    for (DType dt : {kFloat32, kInt32, kFloat64, kInt64}) {
      const Tensor x = is_floating_point(dt) ? f.to(dt) : where(isnan(f), 3.0, f).mul(4.0).to(dt);
      const std::vector<double> v = vals(x);
      for (bool descending : {false, true}) {
        SCOPED_TRACE(fmt::format("{} n={} descending={}", dt, n, descending));
        std::vector<int64_t> expected(static_cast<size_t>(n));
        std::iota(expected.begin(), expected.end(), int64_t{0});
        std::stable_sort(expected.begin(), expected.end(), [&](int64_t p, int64_t q) {
          const double a = v[static_cast<size_t>(descending ? q : p)], b = v[static_cast<size_t>(descending ? p : q)];
          return std::isnan(b) ? !std::isnan(a) : a < b;
        });
        auto [sorted, order] = x.sort(0, descending, /*stable=*/true);
        EXPECT_EQ(order.to_vector<int64_t>(), expected);
        // int64 values come back from their keys, not through the positions.
        EXPECT_TRUE(allclose(sorted.to(kFloat64), x.index_select(0, tensor(expected)).to(kFloat64), 0, 0, true));
        // A k past an eighth of the row sorts all of it, then keeps k (the values; ties may swap).
        const int64_t k = n / 2;
        const Tensor picked = x.index_select(0, std::get<1>(x.topk(k, 0, descending)));
        const Tensor want = x.index_select(0, tensor(std::vector<int64_t>(expected.begin(), expected.begin() + k)));
        EXPECT_TRUE(allclose(picked.to(kFloat64), want.to(kFloat64), 0, 0, /*equal_nan=*/true));
      }
    }
  }
}

// The sorts keep their scratch vectors per thread from call to call: long and short rows one
// after another, of both key widths, each against std::stable_sort (nothing left over from the
// call before shows through).
TEST(Index, SortsOfChangingSizesReuseTheirScratch) {
  Generator gen(35);
  for (int64_t n : {300000, 1000, 70000, 300, 300000, 5}) {
    for (DType dt : {kInt64, kFloat64, kFloat32, kInt32}) {
      const Tensor x = randint(-50, 50, {n}, gen, kInt64).to(dt);
      const std::vector<double> v = vals(x);
      std::vector<int64_t> order(v.size());
      std::iota(order.begin(), order.end(), int64_t{0});
      std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) { return v[a] < v[b]; });
      const auto [sorted, at] = x.sort(0, false, /*stable=*/true);
      ASSERT_EQ(at.to_vector<int64_t>(), order) << name(dt) << " n " << n;
      std::vector<double> want;
      for (int64_t o : order) want.push_back(v[static_cast<size_t>(o)]);
      ASSERT_EQ(vals(sorted), want) << name(dt) << " n " << n;
      EXPECT_EQ(vals(std::get<0>(unique(x))).size(), std::set<double>(v.begin(), v.end()).size());
    }
  }
}

// int64 keys that differ in every digit (and in sign), on one thread and on several.
TEST(Index, RadixSortOfWideInt64Keys) {
  Generator gen(33);
  const Tensor x = randint(-(int64_t{1} << 62), int64_t{1} << 62, {100000}, gen, kInt64);
  const std::vector<int64_t> v = x.to_vector<int64_t>();
  std::vector<int64_t> want = v;
  std::sort(want.begin(), want.end());
  const int threads_before = get_num_threads();
  for (int threads : {1, 2}) {
    set_num_threads(threads);
    auto [sorted, order] = x.sort(0, false, true);
    EXPECT_EQ(sorted.to_vector<int64_t>(), want);
    EXPECT_TRUE(equal(x.index_select(0, order), sorted));
    std::reverse(want.begin(), want.end());
    EXPECT_EQ(std::get<0>(x.sort(0, true, true)).to_vector<int64_t>(), want);
    std::reverse(want.begin(), want.end());
  }
  set_num_threads(threads_before);
}

TEST(Index, IndexAddCopyFillMaskedSelectUnique) {
  Tensor x = zeros({3, 2});
  Tensor src = tensor({{1.0f, 2.0f}, {3.0f, 4.0f}, {5.0f, 6.0f}});
  EXPECT_EQ(vals(index_add(x, 0, tensor({2, 0, 2}), src, 2)), (std::vector<double>{6, 8, 0, 0, 12, 16}));
  // Integer tensors take a float alpha truncated, bool ones any alpha as a bool (PyTorch's).
  EXPECT_EQ(vals(index_add(zeros({3}, kInt32), 0, tensor({0, 1}), tensor({1, 2}, kInt32), -2.5)),
            (std::vector<double>{-2, -4, 0}));
  EXPECT_EQ(vals(index_add(tensor({false, false, true}), 0, tensor({0, 1}), tensor({true, false}), 3.0)),
            (std::vector<double>{1, 0, 1}));
  Tensor ints = zeros({3}, kInt64);
  index_add_(ints, 0, tensor({2}), tensor({3}), 1.9);
  EXPECT_EQ(vals(ints), (std::vector<double>{0, 0, 3}));
  EXPECT_EQ(vals(index_copy(x, 0, tensor({2, 0, 1}), src)), (std::vector<double>{3, 4, 5, 6, 1, 2}));
  EXPECT_EQ(vals(index_fill(x, 1, tensor({1}), 7)), (std::vector<double>{0, 7, 0, 7, 0, 7}));
  Tensor y = x.clone();
  index_add_(y, 1, tensor({0}), ones({3, 1}));
  EXPECT_EQ(vals(y), (std::vector<double>{1, 0, 1, 0, 1, 0}));
  index_fill_(y, 0, tensor({1}), -1);
  index_copy_(y, 0, tensor({0}), full({1, 2}, 9.0f));
  EXPECT_EQ(vals(y), (std::vector<double>{9, 9, -1, -1, 1, 0}));
  EXPECT_THROW_WITH(index_add(x, 0, tensor({0, 1}), src), ValueError,
                    "index_add: source of shape [3, 2] must have self's shape [3, 2] with dim 0 of size 2");
  EXPECT_THROW_WITH(index_add(x, 0, tensor({3}), src.narrow(0, 0, 1)), IndexError,
                    "index_add: index 3 is out of bounds for dim 0 of size 3");
  EXPECT_THROW_WITH(index_add(x, 1, tensor({-1}), src.narrow(1, 0, 1)), IndexError, "index -1 is out of bounds");
  EXPECT_THROW_WITH(index_copy(x, 0, tensor({0.0}), src.narrow(0, 0, 1)), TypeError,
                    "index_copy: index must be an integer tensor");
  // Without gradients index_copy writes whole slices through index_put_: the same values as the
  // scatter form that records them (along dim 1 too, a repeated index's last slice winning),
  // in place into self, with its own bounds errors.
  const Tensor wide = arange(12, kFloat32).view({3, 4}),
               slices = tensor({{10.0f, 20.0f, 30.0f}, {40.0f, 50.0f, 60.0f}, {70.0f, 80.0f, 90.0f}});
  const Tensor at = tensor({3, 1, 3});
  const Tensor plain = index_copy(wide, 1, at, slices);
  const Tensor graded = index_copy(wide.detach().requires_grad_(true), 1, at, slices);
  EXPECT_EQ(vals(plain), vals(graded.detach()));
  EXPECT_EQ(vals(plain), (std::vector<double>{0, 20, 2, 30, 4, 50, 6, 60, 8, 80, 10, 90}));
  Tensor z = zeros({3, 2});
  const Tensor z_view = z.narrow(0, 1, 2);
  index_copy_(z_view, 0, tensor({1}), full({1, 2}, 5.0f));
  EXPECT_EQ(vals(z), (std::vector<double>{0, 0, 0, 0, 5, 5}));
  EXPECT_THROW_WITH(index_copy(x, 0, tensor({3}), src.narrow(0, 0, 1)), IndexError,
                    "index_copy: index 3 is out of bounds for dim 0 of size 3");
  EXPECT_THROW_WITH(index_copy_(z, 1, tensor({-1}), ones({3, 1})), IndexError,
                    "index_copy_: index -1 is out of bounds for dim 1 of size 2");
  // index_add_ without gradients also adds straight into self (a view here), repeated indices
  // summing, alpha scaling; with gradients, through the recorded form, to the same values.
  Tensor acc = zeros({2, 4});
  index_add_(acc.narrow(0, 1, 1), 1, tensor({3, 0, 3}), tensor({{1.0f, 2.0f, 4.0f}}), 0.5);
  EXPECT_EQ(vals(acc), (std::vector<double>{0, 0, 0, 0, 1, 0, 0, 2.5}));
  Tensor leaf = zeros({2, 4}).requires_grad_(true);
  Tensor recorded = leaf * 1.0;
  index_add_(recorded, 1, tensor({3, 0, 3}), ones({2, 3}));
  EXPECT_EQ(vals(recorded.detach()), (std::vector<double>{1, 0, 0, 2, 1, 0, 0, 2}));
  recorded.sum().backward();
  EXPECT_EQ(vals(leaf.grad()), std::vector<double>(8, 1.0));
  EXPECT_THROW_WITH(index_add_(acc, 1, tensor({4}), ones({2, 1})), IndexError,
                    "index_add_: index 4 is out of bounds for dim 1 of size 4");
  // unique_dim: distinct rows (or columns) in lexicographic order.
  const Tensor m = tensor({{1, 2}, {0, 5}, {1, 2}, {1, 0}});
  auto [rows, row_of, row_counts] = unique_dim(m, 0, true, true);
  EXPECT_EQ(vals(rows), (std::vector<double>{0, 5, 1, 0, 1, 2}));
  EXPECT_EQ(vals(row_of), (std::vector<double>{2, 0, 2, 1}));
  EXPECT_EQ(vals(row_counts), (std::vector<double>{1, 1, 2}));
  auto [cols, col_of, col_counts] = unique_dim(tensor({{3, 1, 3}, {4, 1, 4}}), -1, true, true);
  EXPECT_EQ(cols.sizes(), (Shape{2, 2}));
  EXPECT_EQ(vals(cols), (std::vector<double>{1, 3, 1, 4}));
  EXPECT_EQ(vals(col_of), (std::vector<double>{1, 0, 1}));
  EXPECT_EQ(vals(col_counts), (std::vector<double>{1, 2}));
  EXPECT_EQ(std::get<0>(unique_dim(zeros({0, 3}), 0)).sizes(), (Shape{0, 3}));
  EXPECT_THROW_WITH(unique_dim(tensor(1), 0), Error, "unique_dim: a 0-dim tensor has no dim 0");
  EXPECT_THROW_WITH(unique_dim(m, 2), IndexError, "unique_dim");
  // masked_select broadcasts the mask.
  EXPECT_EQ(vals(masked_select(src, tensor({true, false}))), (std::vector<double>{1, 3, 5}));
  EXPECT_THROW_WITH(masked_select(src, tensor({1, 0})), TypeError, "masked_select: mask must be a bool tensor");
  // 0-dim operands select from one element; a 0-dim mask index adds a dim, as a bool does.
  EXPECT_EQ(masked_select(tensor(4.0), tensor(true)).sizes(), (Shape{1}));
  EXPECT_EQ(masked_select(tensor(4.0), tensor(false)).sizes(), (Shape{0}));
  EXPECT_EQ(masked_select(tensor({4.0, 2.0}), tensor(true)).sizes(), (Shape{2}));
  EXPECT_EQ(tensor(4.0).index({tensor(true)}).sizes(), (Shape{1}));
  EXPECT_EQ(tensor(4.0).index({tensor(false)}).sizes(), (Shape{0}));
  // unique: sorted values, each element's group, the group sizes.
  auto [values, inverse, counts] = unique(tensor({{3, 1}, {3, 2}}), true, true);
  EXPECT_EQ(vals(values), (std::vector<double>{1, 2, 3}));
  EXPECT_EQ(inverse.sizes(), (Shape{2, 2}));
  EXPECT_EQ(vals(inverse), (std::vector<double>{2, 0, 2, 1}));
  EXPECT_EQ(vals(counts), (std::vector<double>{1, 1, 2}));
  EXPECT_FALSE(std::get<1>(unique(tensor({1.0}))).defined());
  EXPECT_EQ(std::get<0>(unique(tensor({NAN, 1.0f, NAN}))).numel(), 3);  // NaNs are all distinct
  EXPECT_EQ(std::get<0>(unique(zeros({0}))).numel(), 0);
}

TEST(Index, PyTorchsEdgeRulesForEmptyIndicesNegativeFillsAndBroadcastMasks) {
  // An empty index selects nothing whatever its shape: gather gives its shape, scatter a copy.
  const Tensor x = tgtest::leaf({1.0, 2.0, 3.0, 4.0, 5.0, 6.0});
  const Tensor m = x.reshape({2, 3});
  const Tensor picked = gather(m, 1, zeros({4, 0}, kInt64));
  EXPECT_EQ(picked.sizes(), (Shape{4, 0}));
  EXPECT_EQ(gather(m, 1, zeros({0}, kInt64)).sizes(), (Shape{0}));
  (picked.sum() + m.sum()).backward();
  EXPECT_EQ(vals(x.grad()), std::vector<double>(6, 1.0));
  EXPECT_EQ(vals(scatter(m, 1, zeros({4, 0}, kInt64), ones({1, 1}, kFloat64))), vals(m));
  EXPECT_EQ(vals(scatter_add(m, 0, zeros({0, 7}, kInt64), ones({1, 1}, kFloat64))), vals(m));
  EXPECT_THROW_WITH(gather(m, 1, zeros({4, 1}, kInt64)), Error, "gather: the index's size 4 at dim 0 exceeds");

  // index_fill counts negative indices from the end; below -size is still out of range.
  EXPECT_EQ(vals(index_fill(zeros({3}), 0, tensor({-1, 0}), 2)), (std::vector<double>{2, 0, 2}));
  EXPECT_THROW_WITH(index_fill(zeros({3}), 0, tensor({-4}), 2), IndexError, "index -4 is out of bounds");
  {  // in place without a copy (negative indices too), the gradient's path, a 0-dim input
    Tensor f = zeros({3, 4}, kInt32);
    const void* data = f.data_ptr();
    index_fill_(f, 1, tensor({-1, 1, 1}), 5);
    EXPECT_EQ(f.data_ptr(), data);
    EXPECT_EQ(vals(f), (std::vector<double>{0, 5, 0, 5, 0, 5, 0, 5, 0, 5, 0, 5}));
    EXPECT_THROW_WITH(index_fill_(f, 0, tensor({3}), 1), IndexError, "index_fill_: index 3 is out of bounds");
    EXPECT_THROW_WITH(index_fill_(f, 0, tensor({0.5}), 1), TypeError, "index_fill_: index must be an integer tensor");
    Tensor g = ones({2, 3}, kFloat64).requires_grad_(true);
    index_fill(g, 0, tensor({1}), 4.0).sum().backward();
    EXPECT_EQ(vals(g.grad()), (std::vector<double>{1, 1, 1, 0, 0, 0}));
    EXPECT_EQ(index_fill(tensor(2.0), 0, tensor({-1, 0}), 3).item<double>(), 3.0);
    EXPECT_EQ(index_fill(tensor(2.0), 0, zeros({0}, kInt64), 3).item<double>(), 2.0);
    EXPECT_THROW_WITH(index_fill(tensor(2.0), 0, tensor({1}), 3), IndexError, "index 1 is out of bounds for a 0-dim");
  }

  // Out of place, self and the mask broadcast together; in place, the mask must fit self.
  const Tensor col = zeros({2, 1});
  const Tensor row_mask = tensor({1, 0}, kInt64).to(kBool).reshape({1, 2});
  EXPECT_EQ(vals(masked_fill(col, row_mask, 2)), (std::vector<double>{2, 0, 2, 0}));
  EXPECT_EQ(masked_fill(col, row_mask, tensor(3.0f)).sizes(), (Shape{2, 2}));
  EXPECT_EQ(vals(masked_scatter(col, row_mask, ones({4}))), (std::vector<double>{1, 0, 1, 0}));
  EXPECT_THROW_WITH(col.clone().masked_fill_(row_mask, 2), Error, "masked_fill_: the mask of shape [1, 2]");
  EXPECT_THROW_WITH(col.clone().masked_scatter_(row_mask, ones({4})), Error,
                    "masked_scatter_: the mask of shape [1, 2]");
}
