// The composed ops of arrange.h, statistics.h and the composed pointwise functions: values
// worked out by hand (PyTorch's conventions), shapes, views, and every error path. Gradients are
// in test_gradcheck_ops.cpp, comparisons with PyTorch in python/tests/test_against_torch.py.
#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "test_util.h"

using namespace tg;
using tgtest::close;
using tgtest::vals;

using V = std::vector<double>;

TEST(Arrange, SplitsAndStacks) {
  Tensor x = arange(7);
  auto parts = tensor_split(x, 3);
  ASSERT_EQ(parts.size(), 3u);
  EXPECT_EQ(vals(parts[0]), (V{0, 1, 2}));
  EXPECT_EQ(vals(parts[2]), (V{5, 6}));
  EXPECT_EQ(parts[1].storage(), x.storage());
  auto at = tensor_split(x, {2, -2, 9});
  ASSERT_EQ(at.size(), 4u);
  EXPECT_EQ(vals(at[1]), (V{2, 3, 4}));
  EXPECT_EQ(at[2].numel(), 2);
  EXPECT_EQ(at[3].numel(), 0);
  Tensor m = arange(12).view({2, 6});
  EXPECT_EQ(hsplit(m, 3)[1].sizes(), Shape({2, 2}));
  EXPECT_EQ(vals(hsplit(arange(4), std::vector<int64_t>{1})[1]), (V{1, 2, 3}));
  EXPECT_EQ(vsplit(m, 2)[1].sizes(), Shape({1, 6}));
  EXPECT_EQ(dsplit(m.view({1, 2, 6}), std::vector<int64_t>{4})[0].sizes(), Shape({1, 2, 4}));
  EXPECT_EQ(vals(hstack({arange(2), arange(3)})), (V{0, 1, 0, 1, 2}));
  EXPECT_EQ(vstack({arange(3), arange(3)}).sizes(), Shape({2, 3}));
  EXPECT_EQ(dstack({arange(3), arange(3)}).sizes(), Shape({1, 3, 2}));
  EXPECT_EQ(vals(column_stack({arange(2), tensor({{5, 6}, {7, 8}})})), (V{0, 5, 6, 1, 7, 8}));
  EXPECT_EQ(atleast_1d(tensor(3.0)).sizes(), Shape({1}));
  EXPECT_EQ(atleast_2d(arange(3)).sizes(), Shape({1, 3}));
  EXPECT_EQ(atleast_3d(arange(3)).sizes(), Shape({1, 3, 1}));
  EXPECT_EQ(atleast_3d(m).sizes(), Shape({2, 6, 1}));
  EXPECT_THROW_WITH(tensor_split(x, 0), ValueError, "tensor_split: number of sections must be greater than 0");
  EXPECT_THROW_WITH(tensor_split(tensor(1.0), 2), Error, "tensor_split: expected at least a 1-dimensional tensor");
  EXPECT_THROW_WITH(hsplit(m, 4), ValueError, "hsplit: the size 6 of dimension 1 is not divisible by the number of sections 4");
  EXPECT_THROW_WITH(vsplit(x, 1), Error, "vsplit: requires a tensor with at least 2 dimensions, but got a tensor with 1");
  EXPECT_THROW_WITH(dsplit(m, 1), Error, "dsplit: requires a tensor with at least 3 dimensions");
  EXPECT_THROW_WITH(vstack({}), Error, "vstack: expected a non-empty list");
  EXPECT_THROW_WITH(hstack({arange(2), m}), Error, "cat: tensor 1 has 2 dims but tensor 0 has 1");
}

TEST(Arrange, FlipsTurnsAndDiagonals) {
  Tensor m = arange(6).view({2, 3});
  EXPECT_EQ(vals(fliplr(m)), (V{2, 1, 0, 5, 4, 3}));
  EXPECT_EQ(vals(flipud(m)), (V{3, 4, 5, 0, 1, 2}));
  // One quarter turn counter-clockwise (NumPy's rot90): the last column becomes the first row.
  EXPECT_EQ(vals(rot90(m)), (V{2, 5, 1, 4, 0, 3}));
  EXPECT_EQ(vals(rot90(m, -1)), (V{3, 0, 4, 1, 5, 2}));
  EXPECT_EQ(vals(rot90(m, 2)), vals(m.flip({0, 1})));
  EXPECT_EQ(vals(rot90(m, 4)), vals(m));
  Tensor d = diag_embed(tensor({1.0, 2.0}), 1);
  EXPECT_EQ(d.sizes(), Shape({3, 3}));
  EXPECT_EQ(vals(d), (V{0, 1, 0, 0, 0, 2, 0, 0, 0}));
  Tensor b = diag_embed(tensor({{1.0, 2.0}, {3.0, INFINITY}}), 0, 0, 2);
  EXPECT_EQ(b.sizes(), Shape({2, 2, 2}));
  EXPECT_EQ(vals(b.select(1, 1)), (V{3, 0, 0, INFINITY}));  // infinities stay on the diagonal
  // Without gradients the diagonal is copied into zeros; with them, a where: the same tensors for
  // every offset and pair of dims, NaN and infinities included.
  Tensor src = arange(24, kFloat64).view({2, 3, 4}) - 5;
  src.index_put_({0, 1, 2}, NAN);
  src.index_put_({1, 2, 0}, -INFINITY);
  for (int64_t offset : {-2, -1, 0, 1, 3})
    for (const auto& [dim1, dim2] : std::vector<std::pair<int64_t, int64_t>>{{-2, -1}, {0, 2}, {3, 1}, {-1, 0}}) {
      const Tensor plain = diag_embed(src, offset, dim1, dim2);
      const Tensor graded = diag_embed(src.detach().requires_grad_(true), offset, dim1, dim2);
      ASSERT_EQ(plain.sizes(), graded.sizes()) << offset << " " << dim1 << " " << dim2;
      EXPECT_TRUE(tgtest::close(plain, graded.detach(), 0, 0)) << offset << " " << dim1 << " " << dim2;
    }
  EXPECT_EQ(vals(diagflat(tensor({{1.0, 2.0}}), -1)), (V{0, 0, 0, 1, 0, 0, 0, 2, 0}));
  EXPECT_EQ(vals(block_diag({tensor({{1, 2}}), tensor(3), tensor({4, 5})})), (V{1, 2, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0, 0, 4, 5}));
  EXPECT_EQ(block_diag({tensor({1}), tensor({0.5})}).dtype(), kFloat32);
  EXPECT_THROW_WITH(fliplr(arange(3)), Error, "fliplr: input must be at least 2-D");
  EXPECT_THROW_WITH(rot90(m, 1, {0, 0}), Error, "rot90: the rotation dims must differ");
  EXPECT_THROW_WITH(rot90(arange(3)), Error, "rot90: expected a tensor of at least 2 dims");
  EXPECT_THROW_WITH(diag_embed(m, 0, 1, -2), Error, "diag_embed: diagonal dimensions cannot be identical");
  EXPECT_THROW_WITH(block_diag({zeros({1, 1, 1})}), Error, "block_diag: input tensors must have 2 or fewer dimensions");
}

TEST(Arrange, ProductsCombinationsAndIndices) {
  EXPECT_EQ(vals(kron(tensor({{1, 2}}), tensor({{1, 10}, {100, 1000}}))),
            (V{1, 10, 2, 20, 100, 1000, 200, 2000}));
  EXPECT_EQ(kron(ones({2, 3}), ones({4})).sizes(), Shape({2, 12}));
  Tensor cp = cartesian_prod({tensor({1, 2}), tensor({7, 8, 9})});
  EXPECT_EQ(cp.sizes(), Shape({6, 2}));
  EXPECT_EQ(vals(cp.select(1, 1)), (V{7, 8, 9, 7, 8, 9}));
  EXPECT_EQ(vals(combinations(tensor({5, 6, 7}))), (V{5, 6, 5, 7, 6, 7}));
  EXPECT_EQ(combinations(tensor({5, 6, 7}), 2, true).sizes(), Shape({6, 2}));
  EXPECT_EQ(combinations(tensor({5, 6}), 3).sizes(), Shape({0, 3}));
  Tensor m = tensor({{10.0, 30.0, 20.0}, {60.0, 40.0, 50.0}});
  EXPECT_EQ(vals(take_along_dim(m, std::get<1>(m.sort(1)), 1)), (V{10, 20, 30, 40, 50, 60}));
  EXPECT_EQ(vals(take_along_dim(m, tensor({{0}, {2}}), 1)), (V{10, 50}));
  EXPECT_EQ(vals(take_along_dim(m, tensor({5, 0}))), (V{50, 10}));
  EXPECT_EQ(vals(tril_indices(3, 3)), (V{0, 1, 1, 2, 2, 2, 0, 0, 1, 0, 1, 2}));
  EXPECT_EQ(vals(triu_indices(2, 3, 1)), (V{0, 0, 1, 1, 2, 2}));
  EXPECT_EQ(tril_indices(2, 2, 0, kInt32).dtype(), kInt32);
  EXPECT_EQ(vals(vander(tensor({2.0, 3.0}), 3)), (V{4, 2, 1, 9, 3, 1}));
  EXPECT_EQ(vals(vander(tensor({2, 3}), std::nullopt, true)), (V{1, 2, 1, 3}));
  EXPECT_EQ(vander(tensor({2, 3}, kUInt8), 0).dtype(), kInt64);  // integers give int64, N = 0 too
  EXPECT_EQ(vander(tensor({2, 3}, kUInt8), 0).sizes(), (Shape{2, 0}));
  EXPECT_THROW_WITH(kron(zeros({1, 1, 1, 1, 1}), ones({1})), Error, "kron: at most");
  EXPECT_THROW_WITH(cartesian_prod({ones({2, 2})}), Error, "cartesian_prod: expected 1-D tensors, tensor 0 has shape [2, 2]");
  EXPECT_THROW_WITH(combinations(ones({2, 2})), Error, "combinations: expected a 1-D tensor");
  EXPECT_THROW_WITH(take_along_dim(m, tensor({{0.5}}), 1), TypeError, "take_along_dim: indices must be an integer tensor");
  EXPECT_THROW_WITH(take_along_dim(m, tensor({0}), 1), Error, "must have the same number of dims");
  EXPECT_THROW_WITH(tril_indices(-1, 2), ValueError, "tril_indices: row and col must be non-negative");
  EXPECT_THROW_WITH(vander(m), Error, "vander: x must be a one-dimensional tensor");
}

TEST(Arrange, TriangleIndicesAgainstLoops) {
  // Offsets below, inside and past the matrix, on tall and wide shapes.
  for (const auto& [rows, cols] : std::vector<std::pair<int64_t, int64_t>>{{0, 3}, {4, 4}, {3, 7}, {9, 2}})
    for (int64_t offset : {-10, -2, -1, 0, 1, 3, 10}) {
      std::vector<double> lower[2], up[2];  // (row, col) pairs with j - i <= offset, >= offset
      for (int64_t i = 0; i < rows; ++i)
        for (int64_t j = 0; j < cols; ++j) {
          if (j - i <= offset) {
            lower[0].push_back(static_cast<double>(i));
            lower[1].push_back(static_cast<double>(j));
          }
          if (j - i >= offset) {
            up[0].push_back(static_cast<double>(i));
            up[1].push_back(static_cast<double>(j));
          }
        }
      lower[0].insert(lower[0].end(), lower[1].begin(), lower[1].end());
      up[0].insert(up[0].end(), up[1].begin(), up[1].end());
      const Tensor tl = tril_indices(rows, cols, offset), tu = triu_indices(rows, cols, offset);
      EXPECT_EQ(tl.size(0), 2);
      EXPECT_EQ(vals(tl), lower[0]) << rows << "x" << cols << " offset " << offset;
      EXPECT_EQ(vals(tu), up[0]) << rows << "x" << cols << " offset " << offset;
    }
}

TEST(Statistics, CovarianceAndCorrelation) {
  Tensor x = tensor({{0.0, 1.0, 2.0}, {2.0, 1.0, 0.0}});
  EXPECT_TRUE(close(cov(x), tensor({{1.0, -1.0}, {-1.0, 1.0}})));
  EXPECT_TRUE(close(cov(x, 0), tensor({{2.0 / 3, -2.0 / 3}, {-2.0 / 3, 2.0 / 3}})));
  // Frequency weights count observations: weights (1, 1, 2) equal the data (0, 1, 2, 2).
  EXPECT_TRUE(close(cov(x[0], 1, tensor({1, 1, 2})), cov(tensor({0.0, 1.0, 2.0, 2.0}))));
  EXPECT_EQ(cov(x[0]).dim(), 0);
  EXPECT_TRUE(close(corrcoef(x), tensor({{1.0, -1.0}, {-1.0, 1.0}})));
  EXPECT_TRUE(std::isnan(corrcoef(tensor({{1.0, 1.0}, {0.0, 1.0}}))[0][1].item<double>()));
  EXPECT_THROW_WITH(cov(zeros({2, 2, 2})), Error, "cov: expected input to have two or fewer dimensions");
  EXPECT_THROW_WITH(cov(x, 1, tensor({1, 2})), Error, "cov: expected fweights to have the same numel as there are observations (3)");
  EXPECT_THROW_WITH(cov(x, 1, tensor({1.0, 2.0, 1.0})), TypeError, "cov: fweights must be an integer tensor");
  EXPECT_THROW_WITH(cov(x, 1, {}, tensor({1.0, -2.0, 1.0})), ValueError, "cov: aweights cannot be negative");
}

TEST(Statistics, HistogramsCountsAndMembership) {
  EXPECT_EQ(vals(histc(tensor({1.0, 2.0, 1.0}), 4, 0, 3)), (V{0, 2, 1, 0}));
  EXPECT_EQ(vals(histc(tensor({0.0, 0.25, 0.5, 1.0, 1.5}), 4, 0, 1)), (V{1, 1, 1, 1}));  // max in the last bin
  EXPECT_EQ(vals(histc(tensor({2.0, 2.0}), 2)), (V{0, 2}));  // a one-value range widens to [1, 3]
  // min == max takes the data's range ([-1.9, 0.5] here), as PyTorch's implementation.
  EXPECT_EQ(vals(histc(tensor({-0.5, -1.0, -1.9, 0.0, 0.5}), 2, -1, -1)), (V{2, 3}));
  // NaN, infinities and values outside the range count nowhere; 0.5 is on an edge.
  EXPECT_EQ(vals(histc(tensor({NAN, -1.0, 0.5, 2.0, INFINITY, -INFINITY, 1.0, 0.25}), 2, 0, 1)), (V{1, 2}));
  EXPECT_EQ(vals(bincount(tensor({0, 3, 3, 1}))), (V{1, 1, 0, 2}));
  EXPECT_EQ(vals(bincount(tensor({1, 1}), tensor({0.5, 2.0}), 4)), (V{0, 2.5, 0, 0}));
  EXPECT_EQ(bincount(tensor({1}), tensor({0.5}, kFloat64)).dtype(), kFloat64);
  EXPECT_EQ(bincount(tensor(std::vector<int64_t>{})).numel(), 0);
  {  // a long input (the scatter's contiguous loop, its ones one expanded value) against a count
    Generator gen(4);
    const Tensor many = randint(0, 37, {5000}, gen, kInt32);
    std::vector<double> want(40, 0.0);
    for (int64_t v : many.to_vector<int64_t>()) want[static_cast<size_t>(v)] += 1;
    const Tensor counts = bincount(many, Tensor(), 40);
    EXPECT_EQ(counts.dtype(), kInt64);
    EXPECT_EQ(vals(counts), want);
  }
  EXPECT_EQ(vals(isin(tensor({{1, 2}, {3, 4}}), tensor({4, 1}))), (V{1, 0, 0, 1}));
  EXPECT_EQ(vals(isin(tensor({1.0, NAN, 2.0}), tensor({NAN, 2.0}), false, true)), (V{1, 1, 0}));
  EXPECT_EQ(vals(isin(tensor({1, 2}), tensor(std::vector<int64_t>{}))), (V{0, 0}));
  auto [values, inverse, counts] = unique_consecutive(tensor({1, 1, 2, 2, 3, 1}), true, true);
  EXPECT_EQ(vals(values), (V{1, 2, 3, 1}));
  EXPECT_EQ(vals(inverse), (V{0, 0, 1, 1, 2, 3}));
  EXPECT_EQ(vals(counts), (V{2, 2, 1, 1}));
  auto [cols, cinv, ccount] = unique_consecutive(tensor({{1, 1, 2}, {0, 0, 0}}), true, true, 1);
  EXPECT_EQ(cols.sizes(), Shape({2, 2}));
  EXPECT_EQ(vals(ccount), (V{2, 1}));
  EXPECT_THROW_WITH(histc(tensor({1, 2}), 3), TypeError, "histc: expected a floating-point input");
  EXPECT_THROW_WITH(histc(tensor({1.0}), 0), ValueError, "histc: bins must be > 0");
  EXPECT_THROW_WITH(histc(tensor({1.0}), 3, 2, 1), ValueError, "histc: max must be larger than min");
  EXPECT_THROW_WITH(bincount(tensor({1, -1})), ValueError, "bincount: input should contain only non-negative values");
  EXPECT_THROW_WITH(bincount(tensor({1.0})), TypeError, "bincount: input must be an integer tensor");
  EXPECT_THROW_WITH(bincount(tensor({1, 2}), tensor({1.0})), Error, "bincount: weights [1] should have the same shape");
  // No slices along dim: nothing unique (PyTorch's result), not a reshape error.
  auto [none, ninv, ncount] = unique_consecutive(zeros({3, 0}), true, true, 1);
  EXPECT_EQ(none.sizes(), (Shape{3, 0}));
  EXPECT_EQ(ninv.numel(), 0);
  EXPECT_EQ(ncount.numel(), 0);
}

TEST(Statistics, HistogramWithEdges) {
  auto [hist, edges] = histogram(tensor({1.0, 2.0, 3.0, 4.0, 5.0}), 2, std::make_pair(2.0, 4.0));
  EXPECT_EQ(vals(hist), (V{1, 2}));  // 4 is the last edge: in the last bin; 1 and 5 are outside
  EXPECT_EQ(vals(edges), (V{2, 3, 4}));
  auto [same, same_edges] = histogram(tensor({2.0, 2.0, 2.0}), 4);
  EXPECT_EQ(vals(same), (V{0, 0, 3, 0}));  // a one-value range widens by 0.5 each way
  EXPECT_EQ(vals(same_edges), (V{1.5, 1.75, 2, 2.25, 2.5}));
  auto [none, none_edges] = histogram(tensor(std::vector<float>{}), 2);
  EXPECT_EQ(vals(none), (V{0, 0}));
  EXPECT_EQ(vals(none_edges), (V{0, 0.5, 1}));
  auto [dense, dense_edges] = histogram(tensor({1.0, 2.0, 3.0, 4.0, 5.0}), tensor({1.0, 2.0, 5.0}), Tensor(), true);
  EXPECT_TRUE(close(dense, tensor({0.2, 0.8 / 3})));
  EXPECT_EQ(vals(dense_edges), (V{1, 2, 5}));
  auto [weighted, w_edges] =
      histogram(tensor({0.5, 1.5, 1.5, NAN, INFINITY}), 2, std::make_pair(0.0, 2.0), tensor({1.0, 2.0, 3.0, 4.0, 5.0}));
  EXPECT_EQ(vals(weighted), (V{1, 5}));  // NaN and inf count nowhere
  EXPECT_EQ(std::get<0>(histogram(tensor({1.0}, kFloat64), 3)).dtype(), kFloat64);
  EXPECT_THROW_WITH(histogram(tensor({1, 2}), 2), TypeError, "histogram: expected a floating-point input");
  EXPECT_THROW_WITH(histogram(tensor({1.0}), 0), ValueError, "histogram: bins must be > 0");
  EXPECT_THROW_WITH(histogram(tensor({1.0}), 2, std::make_pair(3.0, 1.0)), ValueError,
                    "histogram: min should not exceed max, but got min 3 max 1");
  EXPECT_THROW_WITH(histogram(tensor({1.0, NAN}), 2), ValueError, "histogram: the range [nan, nan] is not finite");
  EXPECT_THROW_WITH(histogram(tensor({1.0}), tensor({3.0, 1.0})), ValueError,
                    "histogram: the bin edges must be non-decreasing");
  EXPECT_THROW_WITH(histogram(tensor({1.0}), tensor({1.0})), Error,
                    "histogram: bins must be a 1-D tensor of at least 2");
  EXPECT_THROW_WITH(histogram(tensor({1.0}), tensor({1.0, 2.0}, kFloat64)), TypeError,
                    "histogram: bins (float64) must have the input's dtype (float32)");
  EXPECT_THROW_WITH(histogram(tensor({1.0, 2.0}), 2, std::nullopt, tensor({1.0})), Error,
                    "histogram: weight of shape [1] must have the input's shape [2]");
}

// Each value's bin by the definition: the last edge at or below it (the last bin also takes the
// top edge); outside and NaN nowhere.
std::vector<double> count_in_bins(const std::vector<double>& x, const std::vector<double>& edges,
                                  const std::vector<double>& weights = {}) {
  const int64_t bins = static_cast<int64_t>(edges.size()) - 1;
  std::vector<double> h(static_cast<size_t>(bins), 0.0);
  for (size_t i = 0; i < x.size(); ++i) {
    if (!(x[i] >= edges.front() && x[i] <= edges.back())) continue;
    const int64_t b = std::upper_bound(edges.begin(), edges.end(), x[i]) - edges.begin() - 1;
    h[static_cast<size_t>(std::min(b, bins - 1))] += weights.empty() ? 1.0 : weights[i];
  }
  return h;
}

// PyTorch's histc: the bin from the position (x - lo) * bins / (hi - lo), in the input's dtype,
// the top edge in the last bin; lo and hi are the end edges (linspace's, in that dtype).
std::vector<double> histc_reference(const Tensor& x, int64_t bins, double min, double max) {
  const Tensor edges = linspace(min, max, bins + 1, TensorOptions(x.dtype()));
  const Tensor lo = edges[0], hi = edges[bins];
  const std::vector<double> pos = vals((x - lo) * bins / (hi - lo)), xs = vals(x);
  std::vector<double> h(static_cast<size_t>(bins), 0.0);
  for (size_t i = 0; i < xs.size(); ++i)
    if (xs[i] >= lo.item<double>() && xs[i] <= hi.item<double>())
      h[static_cast<size_t>(std::min(static_cast<int64_t>(pos[i]), bins - 1))] += 1;
  return h;
}

TEST(Statistics, HistogramsOfLongInputsCountEachValueInItsBin) {
  // Several threads' stretches; values on the edges, outside the range, NaN and infinities among
  // normals; every floating dtype (the edges in the input's dtype); a transposed input.
  Generator gen(9);
  const int threads = get_num_threads();
  for (DType dt : {kFloat32, kFloat64, kFloat16, kBFloat16}) {
    SCOPED_TRACE(name(dt));
    Tensor x = randn({333, 301}, gen, TensorOptions(kFloat64));
    x.view({-1}).narrow(0, 0, 41).copy_(linspace(-2, 2, 41, TensorOptions(kFloat64)));  // edges of histc(x, 40, -2, 2)
    x.view({-1}).narrow(0, 41, 4).copy_(tensor({NAN, INFINITY, -INFINITY, 7.0}, kFloat64));
    x = x.to(dt).t();
    const std::vector<double> xs = vals(x);
    for (int t : {1, 2}) {
      SCOPED_TRACE(t);
      set_num_threads(t);
      const Tensor h = histc(x, 40, -2, 2);
      EXPECT_EQ(h.dtype(), dt);
      EXPECT_EQ(vals(h), vals(tensor(histc_reference(x, 40, -2, 2), kFloat64).to(dt)));
      // histc's own range: the data's min and max.
      const Tensor finite = where(isfinite(x), x, zeros_like(x));
      const double lo = finite.min().item<double>(), hi = finite.max().item<double>();
      EXPECT_EQ(vals(histc(finite, 7)), vals(tensor(histc_reference(finite, 7, lo, hi), kFloat64).to(dt)));
      // Uneven edges (a binary search) with weights.
      const Tensor edges = tensor({-3.0, -0.5, 0.0, 0.25, 1.0, 1.0, 2.5}, kFloat64).to(dt);
      const Tensor w = rand({333, 301}, gen, TensorOptions(kFloat64)).to(dt).t();
      const auto [wh, we] = histogram(x, edges, w);
      EXPECT_TRUE(close(wh, tensor(count_in_bins(xs, vals(edges), vals(w)), kFloat64).to(dt), 1e-6, 0));
      const auto [uh, ue] = histogram(x, 5, std::make_pair(-1.0, 1.5), w);
      EXPECT_TRUE(close(uh, tensor(count_in_bins(xs, vals(ue), vals(w)), kFloat64).to(dt), 1e-6, 0));
    }
    set_num_threads(threads);
  }
}

// The bin of each coordinate as count_in_bins finds it (-1: outside), combined row-major.
std::vector<double> count_in_grid(const Tensor& points, const tensor_list& edges, const std::vector<double>& w) {
  const int64_t dims = points.sizes()[1];
  const std::vector<double> p = vals(points);
  std::vector<std::vector<double>> e;
  int64_t cells = 1;
  for (const Tensor& t : edges) {
    e.push_back(vals(t));
    cells *= t.numel() - 1;
  }
  std::vector<double> h(static_cast<size_t>(cells), 0.0);
  for (int64_t i = 0; i < points.sizes()[0]; ++i) {
    int64_t cell = 0;
    bool inside = true;
    for (int64_t d = 0; d < dims; ++d) {
      const double x = p[static_cast<size_t>(i * dims + d)];
      const auto& ed = e[static_cast<size_t>(d)];
      const int64_t bins = static_cast<int64_t>(ed.size()) - 1;
      inside &= x >= ed.front() && x <= ed.back();
      const int64_t b = std::upper_bound(ed.begin(), ed.end(), x) - ed.begin() - 1;
      cell = cell * bins + std::clamp<int64_t>(b, 0, bins - 1);
    }
    if (inside) h[static_cast<size_t>(cell)] += w.empty() ? 1.0 : w[static_cast<size_t>(i)];
  }
  return h;
}

TEST(Statistics, HistogramddCountsPointsInAGridOfBins) {
  // Three coordinates, on edges, outside and NaN among them; equal bins over the points' own
  // extent, over a range, and uneven edges with weights; a batch of points [2, 50, 3].
  Generator gen(4);
  Tensor points = randn({100, 3}, gen, TensorOptions(kFloat64));
  points.narrow(0, 0, 4).copy_(
      tensor({0.0, 0.5, 1.0, 2.0, 2.0, 2.0, NAN, 0.0, 0.0, -9.0, 0.25, 0.5}, kFloat64).view({4, 3}));
  const Tensor finite = points.narrow(0, 4, 96);
  auto [h, edges] = histogramdd(finite.view({2, 48, 3}), Shape{4, 3, 2});
  ASSERT_EQ(edges.size(), 3u);
  EXPECT_EQ(h.sizes(), Shape({4, 3, 2}));
  EXPECT_EQ(vals(h.sum()), (V{96}));  // the extent holds every point, its top edge in the last bin
  EXPECT_EQ(vals(edges[1][0]), vals(finite.select(1, 1).min()));
  EXPECT_EQ(vals(h.view({-1})), count_in_grid(finite, edges, {}));

  const std::vector<double> range{-1, 1, 0, 2, -0.5, 0.5};
  auto [r, redges] = histogramdd(points, 5, range);
  EXPECT_TRUE(close(redges[2], tensor({-0.5, -0.3, -0.1, 0.1, 0.3, 0.5}, kFloat64)));
  EXPECT_EQ(vals(r.view({-1})), count_in_grid(points, redges, {}));

  const tensor_list uneven{tensor({-1.0, 0.0, 0.5, 2.0}, kFloat64), tensor({-3.0, 3.0}, kFloat64),
                           tensor({-2.0, 0.0, 0.0, 0.5, 9.0}, kFloat64)};
  const Tensor w = rand({100}, gen, TensorOptions(kFloat64));
  auto [wh, wedges] = histogramdd(points, uneven, w);
  EXPECT_TRUE(close(wh.view({-1}), tensor(count_in_grid(points, uneven, vals(w)), kFloat64), 1e-12, 0));
  EXPECT_FALSE(wedges[0].is_same(uneven[0]));  // copies, as histogram's

  // density: the counts over the total and each cell's volume integrate to 1.
  auto [dh, dedges] = histogramdd(finite.to(kFloat32), Shape{3, 2, 2}, std::nullopt, Tensor(), true);
  EXPECT_EQ(dh.dtype(), kFloat32);
  const Tensor volume = diff(dedges[0]).view({3, 1, 1}) * diff(dedges[1]).view({1, 2, 1}) * diff(dedges[2]);
  EXPECT_NEAR((dh * volume).sum().item<double>(), 1.0, 1e-6);

  // One coordinate: histogram's counts.
  const Tensor line = finite.select(1, 0).contiguous();
  EXPECT_EQ(vals(std::get<0>(histogramdd(line.unsqueeze(1), 7))), vals(std::get<0>(histogram(line, 7))));
  // No points: empty bins over [0, 1].
  auto [eh, eedges] = histogramdd(zeros({0, 2}), Shape{2, 3});
  EXPECT_EQ(vals(eh), V(6, 0.0));
  EXPECT_EQ(vals(eedges[1]), vals(linspace(0, 1, 4)));

  EXPECT_THROW_WITH(histogramdd(tensor({1, 2}), 2), TypeError, "histogramdd: expected a floating-point input");
  EXPECT_THROW_WITH(histogramdd(finite, Shape{2, 2}), Error,
                    "histogramdd: expected 3 bin counts (one per coordinate), got [2, 2]");
  EXPECT_THROW_WITH(histogramdd(finite, Shape{2, 0, 2}), ValueError, "histogramdd: bins must be > 0");
  EXPECT_THROW_WITH(histogramdd(finite, 2, std::vector<double>{0, 1}), Error,
                    "histogramdd: expected a range of 6 numbers");
  EXPECT_THROW_WITH(histogramdd(finite, 2, std::vector<double>{0, 1, 1, 0, 0, 1}), ValueError,
                    "histogramdd: min should not exceed max, but got min 1 max 0");
  EXPECT_THROW_WITH(histogramdd(points, 2), ValueError, "histogramdd: the range [nan, nan] is not finite");
  EXPECT_THROW_WITH(histogramdd(finite, 2, std::nullopt, ones({3})), Error,
                    "histogramdd: weight of shape [3] must have the input's shape without its last dim, [96]");
  EXPECT_THROW_WITH(histogramdd(finite, 2, std::nullopt, ones({96})), TypeError,
                    "histogramdd: weight (float32) must have the input's dtype (float64)");
  EXPECT_THROW_WITH(histogramdd(finite, tensor_list{uneven[0], uneven[1]}), Error,
                    "histogramdd: expected 3 tensors of bin edges (one per coordinate), got 2");
  EXPECT_THROW_WITH(histogramdd(finite, tensor_list{uneven[0], uneven[1], tensor({2.0, 1.0}, kFloat64)}), ValueError,
                    "histogramdd: the bin edges must be non-decreasing");
  EXPECT_THROW_WITH(histogramdd(finite, tensor_list{uneven[0], uneven[1], tensor({1.0, 2.0})}), TypeError,
                    "histogramdd: bins (float32) must have the input's dtype (float64)");
  EXPECT_THROW_WITH(histogramdd(finite, tensor_list{uneven[0], uneven[1], tensor({1.0}, kFloat64)}), Error,
                    "histogramdd: bins must be 1-D tensors of at least 2 edges, got shape [1]");
  EXPECT_THROW_WITH(histogramdd(zeros({2, 9}), 2), Error,
                    "histogramdd: expected an input whose last dim holds 1 to 8 coordinates, got shape [2, 9]");
  EXPECT_THROW_WITH(histogramdd(Tensor(), 2), Error, "histogramdd");
}

TEST(Statistics, NumericGradient) {
  // f = x^2 sampled at 0..4: central differences are exact inside; one-sided at the ends.
  const Tensor f = tensor({0.0, 1.0, 4.0, 9.0, 16.0}, kFloat64);
  EXPECT_EQ(vals(gradient(f)[0]), (V{1, 2, 4, 6, 7}));
  EXPECT_EQ(vals(gradient(f, 1.0, {}, 2)[0]), (V{0, 2, 4, 6, 8}));  // second order: exact for a parabola
  EXPECT_EQ(vals(gradient(f, 2.0)[0]), (V{0.5, 1, 2, 3, 3.5}));
  // Unequal coordinates: exact for a parabola at second order, everywhere.
  const Tensor x = tensor({0.0, 1.0, 3.0, 4.0, 7.0}, kFloat64);
  const Tensor g = gradient(x * x, tensor_list{x}, {}, 2)[0];
  EXPECT_TRUE(close(g, 2.0 * x, 1e-12, 1e-12));
  EXPECT_TRUE(close(gradient(x * x, tensor_list{x})[0].narrow(0, 1, 3), 2.0 * x.narrow(0, 1, 3), 1e-12, 1e-12));
  // One tensor per dim, with per-dim spacing.
  const Tensor m = arange(12, kFloat64).reshape({3, 4});
  const tensor_list both = gradient(m, std::vector<double>{1.0, 0.5});
  ASSERT_EQ(both.size(), 2u);
  EXPECT_EQ(vals(both[0]), V(12, 4.0));
  EXPECT_EQ(vals(both[1]), V(12, 2.0));
  const tensor_list last = gradient(m, 1.0, {-1});
  ASSERT_EQ(last.size(), 1u);
  EXPECT_EQ(vals(last[0]), V(12, 1.0));
  EXPECT_EQ(gradient(tensor({1, 4, 9}))[0].dtype(), default_dtype());
  EXPECT_TRUE(autograd::gradcheck([&](const tensor_list& in) { return gradient(in[0], tensor_list{x}, {}, 2)[0]; },
                                  {randn({5}, kFloat64).requires_grad_()}));
  EXPECT_TRUE(autograd::gradcheck([](const tensor_list& in) { return gradient(in[0], 0.5, {0})[0]; },
                                  {randn({4, 3}, kFloat64).requires_grad_()}));

  EXPECT_THROW_WITH(gradient(f, 1.0, {}, 3), ValueError, "gradient: only edge_order 1 and 2 are supported, got 3");
  EXPECT_THROW_WITH(gradient(tensor({1.0, 2.0}), 1.0, {}, 2), ValueError,
                    "gradient: expected each dimension size to be at least edge_order+1 (3)");
  EXPECT_THROW_WITH(gradient(m, std::vector<double>{1.0, 2.0, 3.0}), Error,
                    "gradient: expected spacing to be unspecified, a scalar, or a list of length 2");
  EXPECT_THROW_WITH(gradient(m, 1.0, {0, 0}), ValueError, "gradient: dim 0 appears multiple times");
  EXPECT_THROW_WITH(gradient(m, tensor_list{arange(2, kFloat64)}, {0}), Error,
                    "gradient: the coordinates for dim 0 must be 1-D of its size 3");
  EXPECT_THROW_WITH(gradient(scalar_tensor(1.0)), Error, "gradient: expected a tensor with at least one dim");
  EXPECT_THROW_WITH(gradient(m, 1.0, {2}), Error, "gradient");
}

TEST(Statistics, UnravelIndex) {
  const tensor_list c = unravel_index(tensor(std::vector<int64_t>{5, 13, -1}), {3, 4});
  ASSERT_EQ(c.size(), 2u);
  EXPECT_EQ(vals(c[0]), (V{1, 0, 2}));  // as PyTorch: past the end and negative wrap around
  EXPECT_EQ(vals(c[1]), (V{1, 1, 3}));
  EXPECT_EQ(c[0].dtype(), kInt64);
  const tensor_list d = unravel_index(tensor(std::vector<int32_t>{7}).reshape({1, 1}), {2, 2, 2});
  EXPECT_EQ(d.size(), 3u);
  EXPECT_EQ(d[2].sizes(), Shape({1, 1}));
  EXPECT_EQ(vals(d[0])[0] * 4 + vals(d[1])[0] * 2 + vals(d[2])[0], 7);
  EXPECT_THROW_WITH(unravel_index(tensor({1.0}), {2}), TypeError, "unravel_index: expected 'indices' to be an integer");
  EXPECT_THROW_WITH(unravel_index(tensor({1}), {2, -1}), ValueError, "unravel_index: 'shape' cannot have negative");
}

TEST(Statistics, TrapezoidAndDistances) {
  Tensor y = tensor({{1.0, 2.0, 3.0}, {0.0, 0.0, 4.0}});
  EXPECT_EQ(vals(trapezoid(y)), (V{4, 2}));
  EXPECT_EQ(vals(trapezoid(y, 0.5)), (V{2, 1}));
  EXPECT_EQ(vals(trapezoid(y, tensor({0.0, 1.0, 3.0}))), (V{6.5, 4}));
  EXPECT_EQ(vals(cumulative_trapezoid(y, 1.0)), (V{1.5, 4, 0, 2}));
  EXPECT_EQ(vals(trapezoid(tensor({1, 2, 3}))), (V{4}));
  EXPECT_EQ(trapezoid(zeros({2, 0})).sizes(), Shape({2}));
  Tensor a = tensor({{0.0, 0.0}, {3.0, 4.0}}), b = tensor({{0.0, 0.0}, {1.0, 1.0}, {3.0, 0.0}});
  EXPECT_TRUE(close(cdist(a, b), tensor({{0.0, std::sqrt(2.0), 3.0}, {5.0, std::sqrt(13.0), 4.0}})));
  EXPECT_TRUE(close(cdist(a, b, 1), tensor({{0.0, 2.0, 3.0}, {7.0, 5.0, 4.0}})));
  EXPECT_TRUE(close(cdist(a, b, INFINITY), tensor({{0.0, 1.0, 3.0}, {4.0, 3.0, 4.0}})));
  EXPECT_TRUE(close(cdist(a, b, 0), tensor({{0.0, 2.0, 1.0}, {2.0, 2.0, 1.0}})));
  EXPECT_EQ(cdist(randn({3, 1, 4, 2}), randn({2, 5, 2})).sizes(), Shape({3, 2, 4, 5}));
  EXPECT_TRUE(close(pdist(b), tensor({std::sqrt(2.0), 3.0, std::sqrt(5.0)})));
  // Many rows take the product form; its gradient stays finite at zero distance.
  Tensor many = randn({30, 3}, kFloat64).requires_grad_(true);
  cdist(many, many).sum().backward();
  EXPECT_TRUE(isfinite(many.grad()).all().item<bool>());
  EXPECT_THROW_WITH(trapezoid(y, tensor({0.0, 1.0})), Error, "trapezoid: there must be one `x` value for each sample point");
  EXPECT_THROW_WITH(cdist(a, ones({2, 3})), Error, "cdist: x1 [2, 2] and x2 [2, 3] must have the same number of columns");
  EXPECT_THROW_WITH(cdist(a, b, -1), ValueError, "cdist: p value must be non-negative");
  EXPECT_THROW_WITH(cdist(a, b.to(kFloat64)), TypeError, "cdist: x1 and x2 must have the same floating-point dtype");
  EXPECT_THROW_WITH(pdist(ones({2, 2, 2})), Error, "pdist: only supports 2-D tensors");
  EXPECT_THROW_WITH(
      cdist(ones({2, 3, 2}), ones({3, 4, 2}), 1), Error,
      "cdist (the batch dims of x1 [2, 3, 2] and x2 [3, 4, 2]): shapes [2] and [3] are not broadcastable");
  EXPECT_THROW_WITH(pdist(tensor({{1, 2}})), TypeError, "pdist: only supports floating-point dtypes, got int64");
}

namespace {

// The distances as tensor ops: the norm of every row difference (what cdist / pdist computed
// before they had kernels of their own).
Tensor cdist_reference(const Tensor& x1, const Tensor& x2, double p) {
  return linalg::vector_norm(x1.unsqueeze(-2) - x2.unsqueeze(-3), p, {-1});
}
Tensor pdist_reference(const Tensor& x, double p) {
  const Tensor pairs = triu_indices(x.sizes()[0], x.sizes()[0], 1);
  return linalg::vector_norm(x.index_select(0, pairs[0]) - x.index_select(0, pairs[1]), p, {-1});
}

}  // namespace

// The kernels against the composition, values and gradients, across the vector blocks (rows past
// 32 float32 / 16 float64 lanes), column counts from 0 to past a block, every kind of p.
TEST(Statistics, DistanceKernelsMatchTheComposition) {
  Generator gen(31);
  for (DType dt : {kFloat32, kFloat64}) {
    const double rtol = dt == kFloat32 ? 1e-5 : 1e-12;
    for (double p : {2.0, 1.0, 0.0, 0.5, 3.0, double(INFINITY)}) {
      for (int64_t cols : {0, 1, 3, 37}) {
        SCOPED_TRACE(fmt::format("{} p={} cols={}", name(dt), p, cols));
        const Tensor a = randn({2, 5, cols}, gen, dt), b = randn({21, cols}, gen, dt), x = randn({40, cols}, gen, dt);
        if (cols == 0) {  // no coordinates: every distance 0 (the composition's max has no identity)
          EXPECT_EQ(vals(cdist(a, b, p)), V(2 * 5 * 21, 0.0));
          EXPECT_EQ(vals(pdist(x, p)), V(40 * 39 / 2, 0.0));
          continue;
        }
        EXPECT_TRUE(close(cdist(a, b, p), cdist_reference(a, b, p), rtol, 1e-6));
        EXPECT_TRUE(close(pdist(x, p), pdist_reference(x, p), rtol, 1e-6));
        if (p == 0) continue;  // no gradient to compare
        const Tensor la = a.detach().requires_grad_(true), lb = b.detach().requires_grad_(true);
        const Tensor lx = x.detach().requires_grad_(true);
        const Tensor ga = randn({2, 5, 21}, gen, dt), gx = randn({40 * 39 / 2}, gen, dt);
        const tensor_list got = autograd::grad({cdist(la, lb, p)}, {la, lb}, {ga});
        const tensor_list want = autograd::grad({cdist_reference(la, lb, p)}, {la, lb}, {ga});
        // Sums of terms in the hundreds (p < 1: |d|^(p - 1)) whose float32 rounding shows absolutely.
        const double atol = dt == kFloat32 ? 1e-3 : 1e-9;
        EXPECT_TRUE(close(got[0], want[0], rtol * 10, atol));
        EXPECT_TRUE(close(got[1], want[1], rtol * 10, atol));
        EXPECT_TRUE(close(autograd::grad({pdist(lx, p)}, {lx}, {gx})[0],
                          autograd::grad({pdist_reference(lx, p)}, {lx}, {gx})[0], rtol * 10, atol));
      }
    }
  }
  // Non-contiguous and 16-bit inputs; batch dims broadcast.
  const Tensor t = randn({6, 4}, gen).mT();
  EXPECT_TRUE(close(pdist(t, 1.5), pdist_reference(t.contiguous(), 1.5), 1e-5, 1e-6));
  const Tensor h = randn({7, 3}, gen).to(kBFloat16);
  EXPECT_EQ(pdist(h).dtype(), kBFloat16);
  EXPECT_TRUE(close(pdist(h).to(kFloat32), pdist_reference(h.to(kFloat32), 2), 1e-2, 1e-2));
  const Tensor c1 = randn({3, 1, 4, 2}, gen), c2 = randn({2, 5, 2}, gen);
  EXPECT_TRUE(close(cdist(c1, c2, 1), cdist_reference(c1, c2, 1), 1e-5, 1e-6));
  // Equal rows: distance 0 and a zero (finite) gradient; a NaN row gives NaN distances only.
  const Tensor dup = tensor({{1.0, 2.0}, {1.0, 2.0}, {4.0, 6.0}}).requires_grad_(true);
  const Tensor d = pdist(dup);
  EXPECT_EQ(vals(d), (V{0, 5, 5}));
  d.sum().backward();
  EXPECT_TRUE(close(dup.grad(), tensor({{-0.6, -0.8}, {-0.6, -0.8}, {1.2, 1.6}})));
  const Tensor with_nan = tensor({{0.0, 0.0}, {NAN, 1.0}, {3.0, 4.0}});
  const V dn = vals(pdist(with_nan));
  EXPECT_TRUE(std::isnan(dn[0]) && std::isnan(dn[2]));
  EXPECT_EQ(dn[1], 5);
  EXPECT_TRUE(std::isnan(vals(cdist(with_nan, with_nan, INFINITY))[1]));
  // A NaN coordinate's gradient is NaN for every p, as in PyTorch (whose sign(NaN) is NaN).
  for (double p : {1.0, 2.0, 0.5, double(INFINITY)}) {
    const Tensor leaf = with_nan.detach().requires_grad_(true);
    cdist(leaf, with_nan.index({indexing::Slice(0, 1)}), p).sum().backward();
    EXPECT_TRUE(std::isnan(vals(leaf.grad())[2])) << p;
  }
  // Degenerate sizes.
  EXPECT_EQ(pdist(randn({1, 3})).sizes(), Shape({0}));
  EXPECT_EQ(pdist(randn({0, 3})).sizes(), Shape({0}));
  EXPECT_EQ(cdist(randn({2, 0, 3}), randn({4, 3})).sizes(), Shape({2, 0, 4}));
  const Tensor no_rows = randn({3, 2}).requires_grad_(true);
  cdist(no_rows, randn({0, 2}), 1).sum().backward();
  EXPECT_EQ(vals(no_rows.grad()), V(6, 0.0));
}

TEST(PointwiseComposites, ValuesAndErrors) {
  EXPECT_EQ(vals(xlogy(tensor({0.0, 0.0, 2.0}), tensor({0.0, INFINITY, 1.0}))), (V{0, 0, 0}));
  EXPECT_TRUE(std::isnan(xlogy(tensor({0.0}), tensor({NAN}))[0].item<double>()));
  EXPECT_EQ(xlogy(tensor({1, 2}), 3).dtype(), kFloat32);
  // The binary ops' promotion: numbers and 0-D tensors do not widen a tensor of their kind.
  EXPECT_EQ(xlogy(ones({2}, kFloat16), 2.0).dtype(), kFloat16);
  EXPECT_EQ(xlogy(2.0, ones({2}, kFloat16)).dtype(), kFloat16);
  EXPECT_EQ(copysign(ones({2}), tensor(-1.0, kFloat64)).dtype(), kFloat32);
  EXPECT_EQ(vals(xlog1py(tensor({0.0}), tensor({-1.0}))), (V{0}));
  EXPECT_TRUE(close(logit(tensor({0.5, 0.0}), 0.25), tensor({0.0, std::log(1.0 / 3)})));
  EXPECT_EQ(vals(copysign(tensor({1.0, -2.0, 3.0}), tensor({-0.0, 1.0, NAN}))), (V{-1, 2, 3}));
  EXPECT_EQ(vals(heaviside(tensor({-1.0, 0.0, 2.0}), tensor({0.5}))), (V{0, 0.5, 1}));
  EXPECT_FALSE(heaviside(tensor({1.0}).requires_grad_(true), tensor({0.5})).requires_grad());
  EXPECT_TRUE(close(sinc(tensor({0.0, 0.5})), tensor({1.0, 2.0 / M_PI})));
  EXPECT_TRUE(close(rad2deg(deg2rad(tensor({90, 180}))), tensor({90.0, 180.0})));
  EXPECT_EQ(vals(frac(tensor({1.5, -2.25}))), (V{0.5, -0.25}));
  EXPECT_EQ(float_power(tensor({2}), 3).dtype(), kFloat64);
  EXPECT_EQ(vals(signbit(tensor({-0.0, 0.0, -NAN, 1.0}))), (V{1, 0, 1, 0}));
  EXPECT_EQ(vals(signbit(tensor({-3, 0}))), (V{1, 0}));
  EXPECT_EQ(vals(ldexp(tensor({1.0, 3.0}), tensor({3, -1}))), (V{8, 1.5}));
  {
    // frexp: normal, subnormal, the largest finite, zero, inf and NaN; ldexp puts them back.
    const double tiny = std::numeric_limits<double>::denorm_min(), big = std::numeric_limits<double>::max();
    const Tensor x = tensor({8.0, -0.75, 3.0, tiny, big, -0.0, INFINITY, NAN, 1e-310}, kFloat64);
    auto [m, e] = frexp(x);
    EXPECT_EQ(e.dtype(), kInt32);
    EXPECT_EQ(m.dtype(), kFloat64);
    EXPECT_EQ(e.to_vector<int32_t>(), (std::vector<int32_t>{4, 0, 2, -1073, 1024, 0, 0, 0, -1029}));
    const auto mv = vals(m);
    for (size_t i = 0; i < mv.size(); ++i) {
      int ce = 0;
      const double cm = std::frexp(vals(x)[i], &ce);
      if (std::isnan(cm)) {
        EXPECT_TRUE(std::isnan(mv[i]));
      } else {
        EXPECT_EQ(mv[i], cm) << i;
        EXPECT_EQ(std::signbit(mv[i]), std::signbit(cm)) << i;
      }
    }
    for (DType dt : {kFloat32, kFloat16, kBFloat16}) {
      auto [mf, ef] = frexp(tensor({6.0, -0.1, 1e-40, 0.0}, kFloat64).to(dt));
      EXPECT_EQ(mf.dtype(), dt);
      EXPECT_EQ(vals(ldexp(mf.to(kFloat64), ef)), vals(tensor({6.0, -0.1, 1e-40, 0.0}, kFloat64).to(dt))) << name(dt);
    }
    // Long float32 rows (the vectorised loop and its tail) and a transposed input, every kind of
    // value: subnormals, the smallest and largest normals, powers of two, zeros, inf and NaN.
    std::vector<float> fs{
        0.0f, -0.0f, INFINITY, -INFINITY, NAN, std::numeric_limits<float>::min(), std::numeric_limits<float>::max(),
        0.5f, 1.0f,  2.0f};
    for (double v = 1e-45; v < 3.4e38; v *= 1.37) {
      fs.push_back(static_cast<float>(v));
      fs.push_back(-static_cast<float>(v));
    }
    fs.resize(fs.size() / 3 * 3);                                     // rows of 3
    const Tensor xf = tensor(fs).view({-1, 3}).t().contiguous().t();  // transposed
    for (const Tensor& in : {xf.contiguous(), xf}) {
      auto [mf, ef] = frexp(in);
      const std::vector<float> xs = in.contiguous().to_vector<float>(), ms = mf.contiguous().to_vector<float>();
      const std::vector<int32_t> es = ef.contiguous().to_vector<int32_t>();
      for (size_t i = 0; i < xs.size(); ++i) {
        int ce = 0;
        const float cm = std::frexp(xs[i], &ce);
        if (std::isnan(cm)) {
          EXPECT_TRUE(std::isnan(ms[i])) << i;
          EXPECT_EQ(es[i], 0) << i;
        } else {
          EXPECT_EQ(ms[i], cm) << xs[i];
          EXPECT_EQ(std::signbit(ms[i]), std::signbit(cm)) << xs[i];
          EXPECT_EQ(es[i], std::isinf(xs[i]) ? 0 : ce) << xs[i];
        }
      }
    }
    EXPECT_THROW_WITH(frexp(tensor({1, 2})), TypeError, "frexp: expected a floating-point tensor, got int64");
  }
  EXPECT_THROW_WITH(heaviside(tensor({1.0}), tensor({1.0}, kFloat64)), TypeError,
                    "heaviside: input (float32) and values (float64) must have the same dtype");
  EXPECT_THROW_WITH(frac(tensor({1})), TypeError, "frac: expected a floating-point tensor, got int64");
  EXPECT_THROW_WITH(xlogy(tensor({1.0}), Tensor()), Error, "xlogy");
}

TEST(Windows, ValuesDtypesAndErrors) {
  // Symmetric Hann of 5: 0.5 - 0.5 cos(2 pi n / 4); periodic of 4 is its first 4 samples.
  EXPECT_TRUE(close(hann_window(5, false, kFloat64), tensor({0.0, 0.5, 1.0, 0.5, 0.0}, kFloat64), 1e-15, 1e-15));
  EXPECT_TRUE(close(hann_window(4, true, kFloat64), tensor({0.0, 0.5, 1.0, 0.5}, kFloat64), 1e-15, 1e-15));
  EXPECT_TRUE(close(hamming_window(3, false, 0.54, 0.46, kFloat64), tensor({0.08, 1.0, 0.08}, kFloat64), 1e-15, 1e-15));
  EXPECT_TRUE(close(blackman_window(3, false, kFloat64), tensor({0.0, 1.0, 0.0}, kFloat64), 1e-15, 1e-15));
  EXPECT_TRUE(close(bartlett_window(5, false, kFloat64), tensor({0.0, 0.5, 1.0, 0.5, 0.0}, kFloat64), 1e-15, 1e-15));
  EXPECT_EQ(vals(bartlett_window(1)), (V{1}));
  EXPECT_EQ(hann_window(0).numel(), 0);
  EXPECT_EQ(hann_window(8).dtype(), kFloat32);
  EXPECT_THROW_WITH(hann_window(-1), ValueError, "hann_window: window_length must be non-negative");
  EXPECT_THROW_WITH(blackman_window(4, true, kInt64), TypeError, "blackman_window: expected a floating-point dtype");
  // Kaiser: I0(beta sqrt(1 - (2 n / (N - 1) - 1)^2)) / I0(beta), symmetric of 5 and periodic of 4.
  const double b = 5.0, edge = 1 / std::cyl_bessel_i(0.0, b), mid = std::cyl_bessel_i(0.0, b * std::sqrt(0.75)) * edge;
  EXPECT_TRUE(close(kaiser_window(5, false, b, kFloat64), tensor({edge, mid, 1.0, mid, edge}, kFloat64), 1e-14, 0));
  EXPECT_TRUE(close(kaiser_window(4, true, b, kFloat64), tensor({edge, mid, 1.0, mid}, kFloat64), 1e-14, 0));
  EXPECT_EQ(kaiser_window(6).dtype(), kFloat32);
  EXPECT_EQ(vals(kaiser_window(1)), (V{1}));
  EXPECT_THROW_WITH(kaiser_window(-2), ValueError, "kaiser_window: window_length must be non-negative");
}

TEST(PadSequence, LayoutsGradientsAndErrors) {
  namespace R = tg::nn::utils::rnn;
  Tensor a = tensor({{1.0, 2.0}, {3.0, 4.0}, {5.0, 6.0}}, kFloat64).requires_grad_(true);
  Tensor b = tensor({{7.0, 8.0}}, kFloat64).requires_grad_(true);
  Tensor p = R::pad_sequence({a, b});
  EXPECT_EQ(p.sizes(), Shape({3, 2, 2}));
  EXPECT_EQ(vals(p.select(1, 1)), (V{7, 8, 0, 0, 0, 0}));
  Tensor q = R::pad_sequence({a, b}, true, -1.0, "left");
  EXPECT_EQ(q.sizes(), Shape({2, 3, 2}));
  EXPECT_EQ(vals(q[1]), (V{-1, -1, -1, -1, 7, 8}));
  (q * q).sum().backward();
  EXPECT_EQ(vals(b.grad()), (V{14, 16}));
  EXPECT_TRUE(autograd::gradcheck([](const tensor_list& in) { return R::pad_sequence({in[0], in[1]}, true); }, {a, b}));
  EXPECT_THROW_WITH(R::pad_sequence({}), Error, "pad_sequence: received an empty list of sequences");
  EXPECT_THROW_WITH(R::pad_sequence({a, ones({2, 3}, kFloat64)}), Error,
                    "pad_sequence: sequence 1 has shape [2, 3], but sequence 0 has [3, 2]");
  EXPECT_THROW_WITH(R::pad_sequence({a}, false, 0, "middle"), ValueError, "padding_side must be 'left' or 'right'");
}
