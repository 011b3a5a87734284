// Matrix products against a naive float64 reference, in every rank combination, and einsum.
#include <cmath>
#include <functional>
#include <string>
#include <tuple>
#include <vector>

#include "test_util.h"

using namespace tg;
using tgtest::close;
using tgtest::vals;

namespace {
// Naive batched product of 2-D+ operands with equal batch shapes (float64).
Tensor reference_mm(const Tensor& a, const Tensor& b) {
  const int64_t m = a.size(-2), k = a.size(-1), n = b.size(-1);
  Tensor a3 = a.reshape({-1, m, k}).to(kFloat64), b3 = b.reshape({-1, k, n}).to(kFloat64);
  const int64_t batch = a3.size(0);
  std::vector<double> A = vals(a3), B = vals(b3), C(static_cast<size_t>(batch * m * n), 0.0);
  for (int64_t z = 0; z < batch; ++z)
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j) {
        double s = 0;
        for (int64_t p = 0; p < k; ++p) s += A[(z * m + i) * k + p] * B[(z * k + p) * n + j];
        C[(z * m + i) * n + j] = s;
      }
  Shape out = a.sizes();
  out[out.size() - 1] = n;
  return tensor(C, kFloat64).view(out);
}
}  // namespace

TEST(Linalg, MatmulRanks) {
  Generator gen(3);
  for (DType dt : {kFloat32, kFloat64}) {
    const double tol = dt == kFloat32 ? 1e-4 : 1e-12;
    Tensor a = randn({3, 4}, gen, dt), b = randn({4, 5}, gen, dt);
    EXPECT_TRUE(close(a.matmul(b), reference_mm(a, b), tol, tol));
    EXPECT_TRUE(close(mm(a, b), reference_mm(a, b), tol, tol));
    Tensor v = randn({4}, gen, dt), w = randn({4}, gen, dt);
    EXPECT_TRUE(close(v.matmul(w), (v * w).sum(), tol, tol));
    EXPECT_EQ(v.matmul(w).dim(), 0);
    EXPECT_TRUE(close(a.matmul(v), reference_mm(a, v.unsqueeze(1)).squeeze(1), tol, tol));
    EXPECT_TRUE(close(v.matmul(b), reference_mm(v.unsqueeze(0), b).squeeze(0), tol, tol));
    // Batched, with broadcasting of batch dims and a 1-D operand.
    Tensor ba = randn({2, 1, 3, 4}, gen, dt), bb = randn({5, 4, 2}, gen, dt);
    Tensor r = ba.matmul(bb);
    EXPECT_EQ(r.sizes(), (Shape{2, 5, 3, 2}));
    EXPECT_TRUE(close(r, reference_mm(ba.expand({2, 5, 3, 4}).contiguous(), bb.expand({2, 5, 4, 2}).contiguous()), tol, tol));
    EXPECT_EQ(ba.matmul(v).sizes(), (Shape{2, 1, 3}));
    EXPECT_EQ(v.matmul(bb).sizes(), (Shape{5, 2}));
    // Transposed and sliced operands.
    Tensor at = randn({4, 3}, gen, dt).t(), bs = randn({4, 10}, gen, dt).slice(1, 0, 10, 2);
    EXPECT_TRUE(close(at.matmul(bs), reference_mm(at.contiguous(), bs.contiguous()), tol, tol));
    Tensor x = randn({3, 5, 4}, gen, dt), y = randn({3, 4, 6}, gen, dt);
    EXPECT_TRUE(close(bmm(x, y), reference_mm(x, y), tol, tol));
    EXPECT_TRUE(close(bmm(x, y.transpose(1, 2).contiguous().transpose(1, 2)), reference_mm(x, y), tol, tol));
  }
}

TEST(Linalg, LowPrecisionAndIntegers) {
  Generator gen(4);
  Tensor a = randn({8, 16}, gen), b = randn({16, 4}, gen);
  Tensor ref = a.matmul(b);
  EXPECT_TRUE(close(a.to(kBFloat16).matmul(b.to(kBFloat16)), ref, 5e-2, 1e-1));
  EXPECT_TRUE(close(a.to(kFloat16).matmul(b.to(kFloat16)), ref, 1e-2, 2e-2));
  // Where oneDNN has only its reference kernel for a 16-bit type, the product is float32's on
  // widened operands, rounded once: batched, broadcast, transposed, with a bias.
  for (DType dt : {kFloat16, kBFloat16}) {
    const double eps = dt == kFloat16 ? 1.0 / 1024 : 1.0 / 128;
    const Tensor x = randn({3, 5, 40}, gen).to(dt), w = randn({7, 40}, gen).to(dt), bias = randn({7}, gen).to(dt);
    const Tensor xf = x.to(kFloat32), wf = w.to(kFloat32), bf = bias.to(kFloat32);
    EXPECT_EQ(x.matmul(w.t()).dtype(), dt);
    EXPECT_TRUE(close(x.matmul(w.t()), xf.matmul(wf.t()).to(dt), 2 * eps, 1e-3));
    EXPECT_TRUE(close(nn::functional::linear(x, w, bias), nn::functional::linear(xf, wf, bf).to(dt), 2 * eps, 1e-3));
    EXPECT_TRUE(close(x.transpose(1, 2).matmul(x), xf.transpose(1, 2).matmul(xf).to(dt), 2 * eps, 1e-2));
    EXPECT_TRUE(close(w.matmul(x[0].t()), wf.matmul(xf[0].t()).to(dt), 2 * eps, 1e-3));
  }
  Tensor i = tensor({{1, 2}, {3, 4}});
  EXPECT_EQ(vals(i.matmul(i)), (std::vector<double>{7, 10, 15, 22}));
  EXPECT_EQ(zeros({2, 0}).matmul(zeros({0, 3})).sizes(), (Shape{2, 3}));
  EXPECT_EQ(vals(ones({2, 0}).matmul(ones({0, 3}))), std::vector<double>(6, 0.0));
}

TEST(Linalg, LargeMatmulMatchesReference) {
  Generator gen(5);
  Tensor a = randn({67, 129}, gen), b = randn({129, 45}, gen);
  EXPECT_TRUE(close(a.matmul(b), reference_mm(a, b), 1e-4, 1e-4));
}

TEST(Linalg, RowMajorRightOperandsWithAliasingStrides) {
  // A right operand whose rows lie a multiple of 2 KiB apart goes to CBLAS's sgemm (oneDNN's gemm
  // is slow there): plain, sliced, transposed left operand, batched, broadcast, with a bias.
  Generator gen(10);
  const Tensor a = randn({20, 30}, gen), b = randn({30, 512}, gen), wide = randn({30, 1024}, gen);
  const double tol = 1e-4;
  EXPECT_TRUE(close(a.matmul(b), reference_mm(a, b), tol, tol));
  const Tensor part = wide.slice(1, 5, 305);
  EXPECT_TRUE(close(a.matmul(part), reference_mm(a, part.contiguous()), tol, tol));
  const Tensor at = randn({30, 20}, gen).t();
  EXPECT_TRUE(close(at.matmul(wide), reference_mm(at.contiguous(), wide), tol, tol));
  const Tensor batch = randn({3, 20, 30}, gen), bs = randn({3, 30, 512}, gen);
  const Tensor got = batch.matmul(bs), shared = batch.matmul(b);
  for (int64_t z = 0; z < 3; ++z) {
    EXPECT_TRUE(close(got[z], reference_mm(batch[z], bs[z]), tol, tol));
    EXPECT_TRUE(close(shared[z], reference_mm(batch[z], b), tol, tol));
  }
  const Tensor bias = randn({512}, gen);
  EXPECT_TRUE(close(addmm(bias, a, b), reference_mm(a, b) + bias.to(kFloat64), tol, tol));
  // A linear layer's input gradient, dy @ W with W [512, 1024].
  Tensor x = randn({4, 1024}, gen).requires_grad_(true), w = randn({512, 1024}, gen);
  const Tensor dy = randn({4, 512}, gen);
  nn::functional::linear(x, w).backward(dy);
  EXPECT_TRUE(close(x.grad(), reference_mm(dy, w), 1e-3, 1e-3));
}

TEST(Linalg, ColumnMajorLeftOperandsCopiedRowMajor) {
  // A column-major left operand with m >= 1024 and 64 to 320 columns in the result is copied
  // row-major before the product (oneDNN's gemm is slow on it): plain, a sliced column-major
  // view, batched, with a bias, and a linear layer's weight gradient dy.t() @ x.
  Generator gen(11);
  const double tol = 1e-4;
  const Tensor at = randn({32, 1024}, gen).t(), b = randn({32, 256}, gen);
  EXPECT_TRUE(close(at.matmul(b), reference_mm(at.contiguous(), b), tol, tol));
  const Tensor part = randn({40, 1100}, gen).slice(0, 3, 35).t();
  EXPECT_TRUE(close(part.matmul(b), reference_mm(part.contiguous(), b), tol, tol));
  const Tensor batch = randn({2, 16, 1030}, gen).transpose(1, 2), bs = randn({2, 16, 64}, gen);
  const Tensor got = batch.matmul(bs);
  for (int64_t z = 0; z < 2; ++z) EXPECT_TRUE(close(got[z], reference_mm(batch[z].contiguous(), bs[z]), tol, tol));
  const Tensor bias = randn({256}, gen);
  EXPECT_TRUE(close(addmm(bias, at, b), reference_mm(at.contiguous(), b) + bias.to(kFloat64), tol, tol));
  Tensor x = randn({48, 300}, gen), w = randn({1024, 300}, gen).requires_grad_(true);
  const Tensor dy = randn({48, 1024}, gen);
  nn::functional::linear(x, w).backward(dy);
  EXPECT_TRUE(close(w.grad(), reference_mm(dy.t().contiguous(), x), 1e-3, 1e-3));
}

TEST(Linalg, TinyProductsTakeThePlainLoop) {
  // Up to 2048 multiply-adds the product skips oneDNN: square, rectangular, transposed and
  // broadcast operands, a batch, a bias, and a gradient, against float64; just past the limit too.
  Generator gen(12);
  const double tol = 1e-5;
  for (const auto& [m, k, n] :
       std::vector<std::array<int64_t, 3>>{{1, 3, 2}, {4, 4, 4}, {8, 16, 16}, {12, 12, 12}, {9, 15, 16}}) {
    const Tensor a = randn({m, k}, gen), b = randn({k, n}, gen), bt = randn({n, k}, gen), bias = randn({n}, gen);
    EXPECT_TRUE(close(a.matmul(b), reference_mm(a, b), tol, tol)) << m << "x" << k << "x" << n;
    EXPECT_TRUE(close(a.matmul(bt.t()), reference_mm(a, bt.t().contiguous()), tol, tol));
    const Tensor at = randn({k, m}, gen).t();
    EXPECT_TRUE(close(at.matmul(b), reference_mm(at.contiguous(), b), tol, tol));
    EXPECT_TRUE(close(addmm(bias, a, b), reference_mm(a, b) + bias.to(kFloat64), tol, tol));
    EXPECT_TRUE(
        close(nn::functional::linear(a, bt, bias), reference_mm(a, bt.t().contiguous()) + bias.to(kFloat64), tol, tol));
  }
  const Tensor batch = randn({2, 3, 5}, gen), shared = randn({5, 4}, gen);
  const Tensor got = batch.matmul(shared);
  for (int64_t z = 0; z < 2; ++z) EXPECT_TRUE(close(got[z], reference_mm(batch[z], shared), tol, tol));
  Tensor x = randn({3, 4}, gen).requires_grad_(true), w = randn({4, 2}, gen).requires_grad_(true);
  const Tensor dy = randn({3, 2}, gen);
  x.matmul(w).backward(dy);
  EXPECT_TRUE(close(x.grad(), reference_mm(dy, w.detach().t().contiguous()), tol, tol));
  EXPECT_TRUE(close(w.grad(), reference_mm(x.detach().t().contiguous(), dy), tol, tol));
}

TEST(Linalg, MatrixVectorProducts) {
  // A @ v, v @ B (B's columns contiguous: v @ W.t(); or its rows: v @ W) and their batched and
  // broadcast forms take dot products and row updates of their own, against float64.
  Generator gen(9);
  for (int64_t k : {1, 7, 33, 1000}) {
    const Tensor A = randn({37, k}, gen), v = randn({k}, gen), W = randn({29, k}, gen), B = randn({k, 300}, gen);
    const double tol = 1e-5 * std::sqrt(static_cast<double>(k));
    EXPECT_TRUE(close(mv(A, v), reference_mm(A, v.unsqueeze(1)).squeeze(1), tol, tol)) << k;
    EXPECT_TRUE(close(matmul(v, W.t()), reference_mm(v.unsqueeze(0), W.t().contiguous()).squeeze(0), tol, tol)) << k;
    EXPECT_TRUE(close(matmul(v, B), reference_mm(v.unsqueeze(0), B).squeeze(0), tol, tol)) << k;
    EXPECT_TRUE(
        close(matmul(A.flip({0}), v), reference_mm(A.flip({0}).contiguous(), v.unsqueeze(1)).squeeze(1), tol, tol));
    const Tensor bias = randn({29}, gen);
    EXPECT_TRUE(close(nn::functional::linear(v.unsqueeze(0), W, bias),
                      reference_mm(v.unsqueeze(0), W.t().contiguous()) + bias.to(kFloat64), tol, tol));
    const Tensor batch = randn({3, 37, k}, gen), vs = randn({3, k, 1}, gen);
    const Tensor got = matmul(batch, vs), shared = matmul(batch, v.unsqueeze(1));
    for (int64_t z = 0; z < 3; ++z) {
      EXPECT_TRUE(close(got[z], reference_mm(batch[z], vs[z]), tol, tol));
      EXPECT_TRUE(close(shared[z], reference_mm(batch[z], v.unsqueeze(1)), tol, tol));
    }
    const Tensor rows = randn({4, 1, k}, gen);
    EXPECT_TRUE(close(matmul(rows, B)[2], reference_mm(rows[2], B), tol, tol));
  }
  Tensor a = randn({5, 8}, gen).requires_grad_(true), x = randn({8}, gen).requires_grad_(true);
  mv(a, x).sum().backward();
  EXPECT_TRUE(close(a.grad(), x.detach().unsqueeze(0).expand({5, 8}), 1e-6, 1e-6));
  EXPECT_TRUE(close(x.grad(), a.detach().sum({0}), 1e-5, 1e-5));
}

TEST(Linalg, ExpandedAndBatchBroadcastOperands) {
  // An expanded operand (sum's gradient reaching a linear layer) is copied for the library; a
  // broadcast batch dim is not.
  Generator gen(6);
  Tensor b = randn({129, 45}, gen), row = randn({1, 129}, gen);
  const Tensor expanded = row.expand({67, 129});
  EXPECT_TRUE(close(expanded.matmul(b), reference_mm(expanded.contiguous(), b), 1e-4, 1e-4));
  EXPECT_TRUE(close(b.t().matmul(full({129, 1}, 2.0).expand({129, 7})), reference_mm(b.t().contiguous(), full({129, 7}, 2.0)),
                    1e-4, 1e-4));
  Tensor w = randn({45, 129}, gen).requires_grad_(true), x = randn({67, 129}, gen).requires_grad_(true);
  nn::functional::linear(x, w).sum().backward();
  EXPECT_TRUE(close(w.grad(), ones({45, 67}).matmul(x.detach()), 1e-5, 1e-5));
  EXPECT_TRUE(close(x.grad(), ones({67, 45}).matmul(w.detach()), 1e-5, 1e-5));
  const Tensor batch = randn({3, 67, 129}, gen);
  EXPECT_TRUE(close(batch.matmul(b.unsqueeze(0).expand({3, 129, 45}))[1], reference_mm(batch[1], b), 1e-4, 1e-4));
}

TEST(Linalg, AddmmDotOuter) {
  Tensor m1 = tensor({{1.0, 2.0}, {3.0, 4.0}}, kFloat64), m2 = eye(2, kFloat64), bias = tensor({10.0, 20.0}, kFloat64);
  EXPECT_EQ(vals(addmm(bias, m1, m2)), (std::vector<double>{11, 22, 13, 24}));
  EXPECT_EQ(vals(addmm(bias, m1, m2, 0.5, 2)), (std::vector<double>{7, 14, 11, 18}));
  EXPECT_EQ(vals(addmm(full({2}, NAN, kFloat64), m1, m2, 0)), (std::vector<double>{1, 2, 3, 4}));
  // The bias fused into the product's kernel (oneDNN for float32, the plain kernel plus a row add
  // for float64 and integers), against the product and a separate add, gradients included.
  Generator gen(4);
  for (DType dt : {kFloat32, kFloat64, kBFloat16}) {
    const double tol = dt == kBFloat16 ? 2e-2 : 1e-5;
    const Tensor x = randn({33, 70}, gen).to(dt), w = randn({40, 70}, gen).to(dt), b = randn({40}, gen).to(dt);
    Tensor xa = x.detach().requires_grad_(true), wa = w.detach().requires_grad_(true), ba = b.detach().requires_grad_(true);
    Tensor xb = x.detach().requires_grad_(true), wb = w.detach().requires_grad_(true), bb = b.detach().requires_grad_(true);
    const Tensor fused = addmm(ba, xa, wa.t()), ref = matmul(xb, wb.t()) + bb;
    EXPECT_EQ(fused.grad_fn()->name(), "AddmmBackward");
    EXPECT_TRUE(close(fused, ref, tol, tol)) << fmt::format("{}", dt);
    const Tensor g = randn({33, 40}, gen).to(dt);
    fused.backward(g);
    ref.backward(g);
    for (auto [p, q] : {std::pair{xa, xb}, {wa, wb}, {ba, bb}}) EXPECT_TRUE(close(p.grad(), q.grad(), tol, tol)) << fmt::format("{}", dt);
    EXPECT_TRUE(close(addmm(b.view({1, 40}), x, w.t()), matmul(x, w.t()) + b, tol, tol)) << fmt::format("{}", dt);
  }
  EXPECT_EQ(vals(addmm(tensor({1, 2}), tensor({{1, 2}}), tensor({{3, 4}, {5, 6}}))), (std::vector<double>{14, 18}));
  EXPECT_EQ(dot(tensor({1.0f, 2.0f}), tensor({3.0f, 4.0f})).item<float>(), 11.0f);
  EXPECT_EQ(vals(outer(tensor({1, 2}), tensor({3, 4, 5}))), (std::vector<double>{3, 4, 5, 6, 8, 10}));
}

TEST(Linalg, Errors) {
  EXPECT_THROW_WITH(ones({2, 3}).matmul(ones({4, 2})), Error, "matmul: shapes [2, 3] and [4, 2] cannot be multiplied");
  EXPECT_THROW_WITH(ones({3}).matmul(ones({4})), Error, "differ in length");
  EXPECT_THROW_WITH(ones({2, 2}).matmul(ones({2, 2}, kFloat64)), TypeError, "same dtype");
  EXPECT_THROW_WITH(mm(ones({2}), ones({2, 2})), Error, "mm: expects 2-D operands");
  EXPECT_THROW_WITH(bmm(ones({2, 2, 2}), ones({3, 2, 2})), Error, "batch sizes differ");
  EXPECT_THROW_WITH(dot(ones({2, 1}), ones({2})), Error, "dot: expects 1-D tensors");
  EXPECT_THROW_WITH(ones({2, 3, 2}).matmul(ones({4, 2, 2})), Error, "not broadcastable");
  EXPECT_THROW_WITH(ones({2, 2}, kBool).matmul(ones({2, 2}, kBool)), TypeError, "bool");
}

TEST(Einsum, CommonForms) {
  Generator gen(6);
  Tensor a = randn({3, 4}, gen, kFloat64), b = randn({4, 5}, gen, kFloat64), v = randn({4}, gen, kFloat64);
  Tensor x = randn({2, 3, 4}, gen, kFloat64), y = randn({2, 4, 5}, gen, kFloat64);
  EXPECT_TRUE(close(einsum("ij,jk->ik", {a, b}), a.matmul(b)));
  EXPECT_TRUE(close(einsum("ij,jk", {a, b}), a.matmul(b)));
  EXPECT_TRUE(close(einsum("bij,bjk->bik", {x, y}), bmm(x, y)));
  EXPECT_TRUE(close(einsum("ij->ji", {a}), a.t()));
  EXPECT_TRUE(close(einsum("ij->", {a}), a.sum()));
  EXPECT_TRUE(close(einsum("ij->j", {a}), a.sum({0})));
  EXPECT_TRUE(close(einsum("ij,j->i", {a, v}), a.matmul(v)));
  EXPECT_TRUE(close(einsum("i,i->", {v, v}), v.dot(v)));
  EXPECT_TRUE(close(einsum("i,j->ij", {v, v}), outer(v, v)));
  EXPECT_TRUE(close(einsum("ij,ij->ij", {a, a}), a * a));
  EXPECT_TRUE(close(einsum("...ij,...jk->...ik", {x, y}), bmm(x, y)));
  EXPECT_TRUE(close(einsum("bij->bji", {x}), x.transpose(1, 2)));
  Tensor sq = randn({4, 4}, gen, kFloat64);
  EXPECT_TRUE(close(einsum("ii->i", {sq}), sq.diagonal()));
  EXPECT_TRUE(close(einsum("ii", {sq}), sq.diagonal().sum()));
  Tensor c = randn({2, 4}, gen, kFloat64);
  EXPECT_TRUE(close(einsum("ij,kj->ik", {a, c}), a.matmul(c.t())));
  EXPECT_THROW_WITH(einsum("ij,jk->ik", {a}), ValueError, "2 terms but 1 operands");
  EXPECT_THROW_WITH(einsum("ijk->i", {a}), ValueError, "has 3 subscripts but the operand has 2 dims");
  EXPECT_THROW_WITH(einsum("ij->iz", {a}), ValueError, "'z' does not appear");
  EXPECT_THROW_WITH(einsum("ij,jk->ik", {a, a}), ValueError, "size 4 in one operand and 3 in another");
  // three and more operands, contracted left to right (each label kept while a later operand needs it)
  EXPECT_TRUE(close(einsum("i,i,i", {v, v, v}), (v * v * v).sum()));
  EXPECT_TRUE(close(einsum("ij,jk,kl->il", {a, b, b.t()}), a.matmul(b).matmul(b.t())));
  Tensor l = randn({2, 3}, gen, kFloat64), r = randn({2, 5}, gen, kFloat64), w = randn({4, 3, 5}, gen, kFloat64);
  EXPECT_TRUE(close(einsum("bn,anm,bm->ba", {l, w, r}),
                    (l.unsqueeze(1).unsqueeze(-1) * w.unsqueeze(0) * r.unsqueeze(1).unsqueeze(2)).sum({2, 3})));
  EXPECT_TRUE(close(einsum("i,j,k->ijk", {v, v, v}), outer(v, v).unsqueeze(-1) * v));
  EXPECT_TRUE(close(einsum("...ij,...jk,k->...i", {x, y, ones({5}, kFloat64)}), bmm(x, y).sum({-1})));
  EXPECT_THROW_WITH(einsum("i,i,i", {v, v, ones({3}, kFloat64)}), ValueError, "size 4 in one operand and 3 in another");
  EXPECT_THROW_WITH(einsum("", {}), ValueError, "einsum: expected at least one operand");
}

namespace {
// Well-conditioned [..., n, n] matrices: random plus n on the diagonal.
Tensor well_conditioned(Generator& gen, Shape shape) {
  const int64_t n = shape[shape.size() - 1];
  return randn(shape, gen, kFloat64) + eye(n, kFloat64) * static_cast<double>(n);
}
}  // namespace

TEST(LinalgSolvers, InvDetSlogdetOnKnownMatrices) {
  TG_REQUIRE_LAPACK();
  const Tensor a = tensor({{4.0, 7.0}, {2.0, 6.0}}, kFloat64);
  EXPECT_TRUE(close(linalg::inv(a), tensor({{0.6, -0.7}, {-0.2, 0.4}}, kFloat64), 1e-12, 1e-12));
  EXPECT_NEAR(linalg::det(a).item<double>(), 10.0, 1e-12);
  // A row swap flips the sign; the permutation's parity comes from the pivots.
  const Tensor swapped = tensor({{2.0, 6.0}, {4.0, 7.0}}, kFloat64);
  EXPECT_NEAR(det(swapped).item<double>(), -10.0, 1e-12);
  auto [s, l] = linalg::slogdet(swapped);
  EXPECT_EQ(s.item<double>(), -1.0);
  EXPECT_NEAR(l.item<double>(), std::log(10.0), 1e-12);
  EXPECT_TRUE(std::isnan(logdet(swapped).item<double>()));
  EXPECT_NEAR(logdet(a).item<double>(), std::log(10.0), 1e-12);
  // Singular: det 0, slogdet (0, -inf), inv an error naming the batch element.
  const Tensor singular = tensor({{1.0, 2.0}, {2.0, 4.0}}, kFloat64);
  EXPECT_EQ(det(singular).item<double>(), 0.0);
  auto [s0, l0] = slogdet(singular);
  EXPECT_EQ(s0.item<double>(), 0.0);
  EXPECT_EQ(l0.item<double>(), -INFINITY);
  EXPECT_THROW_WITH(inverse(stack({a, singular})), Error, "linalg.inv: the input matrix is singular (batch element 1)");
  // det's gradient, the cofactor matrix, exists at singular matrices too: [[d, -c], [-b, a]] in
  // 2 x 2; zero for rank n - 2 and below. A batch mixing singular and invertible matrices.
  const Tensor rank1 = tensor({{1.0, 2.0, 3.0}, {2.0, 4.0, 6.0}, {-1.0, -2.0, -3.0}}, kFloat64);
  const Tensor rank2 = tensor({{1.0, 2.0, 3.0}, {4.0, 5.0, 6.0}, {7.0, 8.0, 9.0}}, kFloat64);
  const Tensor batch = stack({rank1, rank2, rank2 + eye(3, kFloat64)}).requires_grad_(true);
  linalg::det(batch).sum().backward();
  EXPECT_TRUE(close(batch.grad()[0], zeros({3, 3}, kFloat64), 0, 1e-12));
  // The cofactors of rank2 (its adjugate, transposed): row i, column j is (-1)^(i+j) times the minor.
  EXPECT_TRUE(close(batch.grad()[1], tensor({{-3.0, 6.0, -3.0}, {6.0, -12.0, 6.0}, {-3.0, 6.0, -3.0}}, kFloat64), 1e-10,
                    1e-10));
  const Tensor inv2 = linalg::inv(rank2.detach() + eye(3, kFloat64));
  EXPECT_TRUE(close(batch.grad()[2], linalg::det(rank2 + eye(3, kFloat64)) * inv2.mT(), 1e-10, 1e-10));
  const Tensor s2 = singular.clone().requires_grad_(true);
  linalg::det(s2).backward();
  EXPECT_TRUE(close(s2.grad(), tensor({{4.0, -2.0}, {-2.0, 1.0}}, kFloat64), 1e-12, 1e-12));
  EXPECT_TRUE(autograd::gradcheck([](const tensor_list& in) { return linalg::det(in[0]); },
                                  {rank2.clone().requires_grad_(true)}));
  // Batched, float32, non-contiguous, and 0 x 0 (det 1).
  Generator gen(3);
  const Tensor m = well_conditioned(gen, {3, 2, 4, 4});
  EXPECT_TRUE(close(matmul(m, linalg::inv(m)), eye(4, kFloat64).expand({3, 2, 4, 4}), 1e-10, 1e-10));
  EXPECT_TRUE(close(linalg::inv(m.mT()), linalg::inv(m).mT(), 1e-10, 1e-10));
  EXPECT_TRUE(close(linalg::inv(m.to(kFloat32)), linalg::inv(m).to(kFloat32), 1e-4, 1e-5));
  const Tensor e = linalg::det(m);
  EXPECT_EQ(e.sizes(), (Shape{3, 2}));
  EXPECT_TRUE(close(e, std::get<0>(linalg::slogdet(m)) * exp(std::get<1>(linalg::slogdet(m))), 1e-10, 1e-10));
  EXPECT_EQ(det(zeros({0, 0}, kFloat64)).item<double>(), 1.0);
  EXPECT_THROW_WITH(linalg::inv(ones({2, 3}, kFloat64)), Error, "linalg.inv: expected square matrices [..., n, n]");
  EXPECT_THROW_WITH(linalg::det(ones({2, 2}, kFloat16)), TypeError,
                    "expected float32, float64, complex64 or complex128");
  EXPECT_THROW_WITH(linalg::det(ones({2, 2}, kInt64)), TypeError, "linalg.det: expected a floating-point input");
}

TEST(LinalgSolvers, Solve) {
  TG_REQUIRE_LAPACK();
  Generator gen(4);
  const Tensor A = well_conditioned(gen, {2, 5, 5});
  const Tensor B = randn({2, 5, 3}, gen, kFloat64);
  const Tensor X = linalg::solve(A, B);
  EXPECT_EQ(X.sizes(), (Shape{2, 5, 3}));
  EXPECT_TRUE(close(matmul(A, X), B, 1e-10, 1e-10));
  // Vectors: 1-D, or A's shape without the last dim; batch dims broadcast.
  const Tensor v = randn({5}, gen, kFloat64);
  EXPECT_TRUE(close(matmul(A, linalg::solve(A, v).unsqueeze(-1)).squeeze(-1), v.expand({2, 5}), 1e-10, 1e-10));
  EXPECT_EQ(linalg::solve(A, randn({2, 5}, gen, kFloat64)).sizes(), (Shape{2, 5}));
  const Tensor per_item = stack({linalg::solve(A[0], B[0]), linalg::solve(A[0], B[1])});
  EXPECT_TRUE(close(linalg::solve(A[0], B), per_item, 1e-12, 1e-12));
  EXPECT_EQ(linalg::solve(A, randn({4, 1, 5, 2}, gen, kFloat64)).sizes(), (Shape{4, 2, 5, 2}));
  EXPECT_THROW_WITH(linalg::solve(A, randn({2, 4, 3}, gen, kFloat64)), Error, "needs B with 5 rows");
  EXPECT_THROW_WITH(linalg::solve(A, B.to(kFloat32)), TypeError, "same dtype");
  EXPECT_THROW_WITH(linalg::solve(zeros({3, 3}, kFloat64), ones({3}, kFloat64)), Error,
                    "linalg.solve: the input matrix is singular: U[0][0] is zero");
}

TEST(LinalgSolvers, Cholesky) {
  TG_REQUIRE_LAPACK();
  Generator gen(5);
  const Tensor m = randn({3, 4, 4}, gen, kFloat64);
  const Tensor A = matmul(m, m.mT()) + eye(4, kFloat64);
  const Tensor L = linalg::cholesky(A);
  EXPECT_TRUE(close(matmul(L, L.mT()), A, 1e-10, 1e-10));
  EXPECT_TRUE(close(L, tril(L), 0, 0));
  EXPECT_TRUE(gt(L.diagonal(0, -2, -1), 0).all().item<bool>());
  EXPECT_TRUE(close(linalg::cholesky(A, /*upper=*/true), L.mT(), 0, 0));
  // Only the lower triangle is read.
  EXPECT_TRUE(close(linalg::cholesky(tril(A)), L, 1e-12, 1e-12));
  EXPECT_TRUE(close(linalg::cholesky(A.to(kFloat32)), L.to(kFloat32), 1e-4, 1e-5));
  EXPECT_THROW_WITH(linalg::cholesky(tensor({{1.0, 2.0}, {2.0, 1.0}}, kFloat64)), LinAlgError,
                    "linalg.cholesky: the input is not positive-definite: its leading minor of order 2");
  EXPECT_THROW_WITH(linalg::cholesky(stack({A[0], -A[1]})), LinAlgError, "(batch element 1)");
}

// Failed factorizations raise LinAlgError (torch.linalg.LinAlgError), and NaN or inf input does
// not pass for a result where LAPACK's routines would return garbage or print to stderr.
TEST(LinalgSolvers, FailuresRaiseLinAlgError) {
  TG_REQUIRE_LAPACK();
  const Tensor singular = tensor({{1.0, 2.0}, {2.0, 4.0}}, kFloat64);
  EXPECT_THROW_WITH(linalg::inv(singular), LinAlgError, "linalg.inv: the input matrix is singular");
  EXPECT_THROW_WITH(linalg::solve(singular, ones({2}, kFloat64)), LinAlgError, "linalg.solve: the input matrix");
  EXPECT_THROW_WITH(linalg::lu_factor(stack({eye(2, kFloat64), singular})), LinAlgError,
                    "linalg.lu_factor: U[1][1] is zero (batch element 1): the input matrix is singular");
  auto [LU, pivots, info] = linalg::lu_factor_ex(singular);  // the _ex form reports it instead
  EXPECT_EQ(info.item<int32_t>(), 2);
  EXPECT_EQ(std::get<2>(linalg::lu(singular))[1][1].item<double>(), 0.0);
  EXPECT_THROW_WITH(linalg::lu_factor_ex(singular, true, /*check_errors=*/true), LinAlgError, "U[1][1] is zero");
  EXPECT_THROW_WITH(linalg::solve_triangular(tensor({{1.0, 2.0}, {0.0, 0.0}}, kFloat64), ones({2, 1}, kFloat64), true),
                    LinAlgError, "the triangular matrix is singular");
  // A NaN pivot is no positive one (OpenBLAS's potrf took it for one).
  const Tensor nan_pivot = tensor({{4.0, NAN}, {NAN, 4.0}}, kFloat64);
  EXPECT_THROW_WITH(linalg::cholesky(nan_pivot), LinAlgError,
                    "linalg.cholesky: the input is not positive-definite: its leading minor of order 2");
  EXPECT_EQ(std::get<1>(linalg::cholesky_ex(stack({eye(2, kFloat64), nan_pivot}))).to_vector<int32_t>(),
            (std::vector<int32_t>{0, 2}));
  EXPECT_THROW_WITH(linalg::cholesky(tensor({{NAN}}, kFloat32)), LinAlgError, "leading minor of order 1");
  // The SVD and everything built on it, and eig, refuse non-finite input.
  const Tensor A = tensor({{1.0, NAN, 0.0}, {2.0, 1.0, 0.0}, {0.0, 0.0, 3.0}}, kFloat64);
  const Tensor batch = stack({eye(3, kFloat64), A});
  const std::string nonfinite = "the input matrix contains non-finite values (NaN or inf)";
  EXPECT_THROW_WITH(linalg::svd(A), LinAlgError, "linalg.svd: " + nonfinite + ": the SVD does not converge on them");
  EXPECT_THROW_WITH(linalg::svdvals(batch), LinAlgError, nonfinite + " (batch element 1)");
  EXPECT_THROW_WITH(linalg::pinv(A), LinAlgError, nonfinite);
  EXPECT_THROW_WITH(linalg::matrix_rank(A), LinAlgError, nonfinite);
  EXPECT_THROW_WITH(linalg::cond(A), LinAlgError, nonfinite);
  EXPECT_THROW_WITH(linalg::svd(A.to(kComplex64)), LinAlgError, nonfinite);
  EXPECT_THROW_WITH(linalg::eig(A), LinAlgError, "linalg.eig: " + nonfinite);
  EXPECT_THROW_WITH(linalg::eigvals(nan_to_num(batch, INFINITY)), LinAlgError,  // inf in place of the NaN
                    nonfinite + " (batch element 1)");
  // Every kind is a tg::Error (Python: a RuntimeError).
  EXPECT_THROW(linalg::inv(singular), Error);
}

TEST(LinalgSolvers, Gradients) {
  TG_REQUIRE_LAPACK();
  Generator gen(6);
  const Tensor A = well_conditioned(gen, {2, 3, 3}).requires_grad_(true);
  const Tensor B = randn({2, 3, 2}, gen, kFloat64).requires_grad_(true);
  const Tensor v = randn({3}, gen, kFloat64).requires_grad_(true);
  using L = const tensor_list&;
  for (const auto& [name, f, in] : std::vector<std::tuple<std::string, std::function<Tensor(L)>, tensor_list>>{
           {"inv", [](L x) { return linalg::inv(x[0]); }, {A}},
           {"det", [](L x) { return linalg::det(x[0]); }, {A}},
           {"slogdet", [](L x) { return std::get<1>(linalg::slogdet(x[0])); }, {A}},
           {"logdet", [](L x) { return logdet(x[0] + 5.0 * eye(3, kFloat64)); }, {A}},
           {"solve", [](L x) { return linalg::solve(x[0], x[1]); }, {A, B}},
           {"solve_vector_broadcast", [](L x) { return linalg::solve(x[0], x[1]); }, {A, v}},
           {"cholesky", [](L x) { return linalg::cholesky(matmul(x[0], x[0].mT())); }, {A}},
           {"cholesky_upper", [](L x) { return linalg::cholesky(matmul(x[0], x[0].mT()), true); }, {A}},
       }) {
    SCOPED_TRACE(name);
    EXPECT_TRUE(autograd::gradcheck(f, in));
    EXPECT_TRUE(autograd::gradgradcheck(f, in));
  }
}

TEST(LinalgSolvers, Eigh) {
  TG_REQUIRE_LAPACK();
  Generator gen(7);
  const Tensor m = randn({2, 5, 5}, gen, kFloat64);
  const Tensor A = m + m.mT();
  auto [w, V] = linalg::eigh(A);
  EXPECT_EQ(w.sizes(), (Shape{2, 5}));
  EXPECT_TRUE(le(w.narrow(1, 0, 4), w.narrow(1, 1, 4)).all().item<bool>());  // ascending
  EXPECT_TRUE(close(matmul(V.mT(), V), eye(5, kFloat64).expand({2, 5, 5}), 1e-10, 1e-10));
  EXPECT_TRUE(close(matmul(V * w.unsqueeze(-2), V.mT()), A, 1e-10, 1e-10));
  EXPECT_TRUE(close(linalg::eigvalsh(A), w, 1e-12, 1e-12));
  // Only one triangle is read.
  EXPECT_TRUE(close(linalg::eigvalsh(tril(A)), w, 1e-12, 1e-12));
  EXPECT_TRUE(close(linalg::eigvalsh(triu(A), "U"), w, 1e-12, 1e-12));
  EXPECT_TRUE(close(linalg::eigvalsh(tensor({{2.0, 1.0}, {1.0, 2.0}}, kFloat64)), tensor({1.0, 3.0}, kFloat64), 1e-12,
                    1e-12));
  EXPECT_TRUE(close(linalg::eigvalsh(A.to(kFloat32)), w.to(kFloat32), 1e-4, 1e-4));
  EXPECT_THROW_WITH(linalg::eigh(A, "X"), ValueError, "linalg.eigh: uplo must be \"L\" or \"U\"");
  EXPECT_THROW_WITH(linalg::eigvalsh(ones({2, 3}, kFloat64)), Error, "linalg.eigvalsh: expected square matrices");
  // Gradients of sign-independent functions of the eigenvectors, and of the eigenvalues.
  const Tensor x = randn({4, 4}, gen, kFloat64).requires_grad_(true);
  using L = const tensor_list&;
  auto values = [](L in) { return linalg::eigvalsh(in[0] + in[0].mT()); };
  auto vectors = [](L in) {
    auto [ev, vec] = linalg::eigh(in[0] + in[0].mT());
    return ev.unsqueeze(-2) * vec * vec;
  };
  for (const auto& f : std::vector<std::function<Tensor(L)>>{values, vectors}) {
    EXPECT_TRUE(autograd::gradcheck(f, {x}));
    EXPECT_TRUE(autograd::gradgradcheck(f, {x}));
  }
}
