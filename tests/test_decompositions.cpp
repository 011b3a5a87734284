// QR, SVD, LU, triangular solves, least squares, pseudo-inverse, rank, norms, condition numbers,
// the products built of matmul (matrix_power, multi_dot, cross) and matrix_exp.
#include <cmath>
#include <functional>
#include <limits>
#include <string>
#include <tuple>
#include <vector>

#include "test_util.h"

using namespace tg;
using tgtest::close;

namespace {
using L = const tensor_list&;
using GradCase = std::tuple<std::string, std::function<Tensor(L)>, tensor_list>;

void expect_gradients(const std::vector<GradCase>& cases) {
  for (const auto& [name, f, in] : cases) {
    SCOPED_TRACE(name);
    EXPECT_TRUE(autograd::gradcheck(f, in));
    EXPECT_TRUE(autograd::gradgradcheck(f, in));
  }
}

Tensor identity_like(const Tensor& q) { return eye(q.size(-1), kFloat64).expand({q.size(-1), q.size(-1)}); }
}  // namespace

TEST(LinalgQr, ShapesModesAndReconstruction) {
  TG_REQUIRE_LAPACK();
  Generator gen(11);
  for (const Shape& shape : {Shape{5, 3}, Shape{3, 5}, Shape{2, 4, 4}, Shape{3, 6, 2}}) {
    SCOPED_TRACE(fmt::format("{}", shape));
    const Tensor A = randn(shape, gen, kFloat64);
    const int64_t m = A.size(-2), n = A.size(-1), k = std::min(m, n);
    auto [Q, R] = linalg::qr(A);
    EXPECT_EQ(Q.size(-1), k);
    EXPECT_EQ(R.size(-2), k);
    EXPECT_TRUE(close(matmul(Q, R), A, 1e-10, 1e-10));
    EXPECT_TRUE(close(matmul(Q.mT(), Q), identity_like(Q).expand(Q.mT().matmul(Q).sizes()), 1e-10, 1e-10));
    EXPECT_TRUE(close(R, triu(R), 0, 0));
    auto [Qc, Rc] = linalg::qr(A, "complete");
    EXPECT_EQ(Qc.size(-1), m);
    EXPECT_EQ(Rc.size(-2), m);
    EXPECT_TRUE(close(matmul(Qc, Rc), A, 1e-10, 1e-10));
    EXPECT_TRUE(close(matmul(Qc.mT(), Qc), identity_like(Qc).expand(Qc.mT().matmul(Qc).sizes()), 1e-10, 1e-10));
    auto [Qr, Rr] = linalg::qr(A, "r");
    EXPECT_EQ(Qr.numel(), 0);
    EXPECT_TRUE(close(Rr, R, 0, 0));
  }
  // float32, non-contiguous, and an empty matrix (complete Q the identity).
  const Tensor A = randn({4, 6}, gen, kFloat64).mT();
  auto [Q, R] = linalg::qr(A.to(kFloat32));
  EXPECT_TRUE(close(matmul(Q, R), A.to(kFloat32), 1e-4, 1e-5));
  auto [Qe, Re] = linalg::qr(zeros({3, 0}, kFloat64), "complete");
  EXPECT_TRUE(close(Qe, eye(3, kFloat64), 0, 0));
  EXPECT_EQ(Re.sizes(), (Shape{3, 0}));
  EXPECT_THROW_WITH(linalg::qr(A, "full"), ValueError, "linalg.qr: mode must be \"reduced\", \"complete\" or \"r\"");
  EXPECT_THROW_WITH(linalg::qr(ones({3}, kFloat64)), Error, "linalg.qr: expected matrices [..., m, n]");
  EXPECT_THROW_WITH(linalg::qr(ones({3, 3}, kInt64)), TypeError, "linalg.qr: expected a floating-point input");
}

TEST(LinalgQr, Gradients) {
  TG_REQUIRE_LAPACK();
  Generator gen(12);
  const Tensor tall = randn({5, 3}, gen, kFloat64).requires_grad_(true);
  const Tensor wide = randn({2, 3, 5}, gen, kFloat64).requires_grad_(true);
  const Tensor square_ = randn({4, 4}, gen, kFloat64).requires_grad_(true);
  auto both = [](L x) {
    auto [Q, R] = linalg::qr(x[0]);
    return cat({Q.reshape({-1}), R.reshape({-1})});
  };
  expect_gradients({
      {"tall", both, {tall}},
      {"wide", both, {wide}},
      {"square_complete", [](L x) { return std::get<0>(linalg::qr(x[0], "complete")); }, {square_}},
      {"only_R", [](L x) { return std::get<1>(linalg::qr(x[0])); }, {tall}},
  });
  auto [Qc, Rc] = linalg::qr(tall, "complete");
  EXPECT_THROW_WITH(Rc.sum().backward(), Error, "not differentiable in mode \"complete\" with more rows than columns");
  auto [Qr, Rr] = linalg::qr(tall, "r");
  EXPECT_THROW_WITH(Rr.sum().backward(), Error, "mode \"r\" does not compute");
}

TEST(LinalgHouseholder, GeqrfHouseholderProductAndOrmqr) {
  TG_REQUIRE_LAPACK();
  Generator gen(13);
  for (const Shape& shape : {Shape{5, 3}, Shape{2, 4, 4}, Shape{3, 6}}) {
    SCOPED_TRACE(fmt::format("{}", shape));
    const Tensor A = randn(shape, gen, kFloat64);
    const int64_t m = A.size(-2), n = A.size(-1), k = std::min(m, n);
    auto [a, tau] = geqrf(A);
    EXPECT_EQ(a.sizes(), A.sizes());
    EXPECT_EQ(tau.size(-1), k);
    auto [Q, R] = linalg::qr(A);
    // geqrf's R is qr's, and its reflectors multiply to qr's Q.
    EXPECT_TRUE(close(triu(a).narrow(-2, 0, k), R, 1e-12, 1e-12));
    if (m >= n) {
      EXPECT_TRUE(close(linalg::householder_product(a, tau), Q, 1e-12, 1e-12));
      // The composed path (taken when a gradient is needed) gives the kernel's values.
      const Tensor needs = a.detach().requires_grad_();
      EXPECT_TRUE(close(linalg::householder_product(needs, tau).detach(), Q, 1e-12, 1e-12));
    }
    // ormqr from either side, with and without the transpose, against the explicit Q.
    auto [Qc, Rc] = linalg::qr(A, "complete");
    Shape cs = A.sizes();
    cs[cs.size() - 1] = 2;
    const Tensor C = randn(cs, gen, kFloat64), D = C.mT().contiguous();
    EXPECT_TRUE(close(ormqr(a, tau, C), matmul(Qc, C), 1e-12, 1e-12));
    EXPECT_TRUE(close(ormqr(a, tau, C, true, true), matmul(Qc.mT(), C), 1e-12, 1e-12));
    EXPECT_TRUE(close(ormqr(a, tau, D, false), matmul(D, Qc), 1e-12, 1e-12));
    EXPECT_TRUE(close(ormqr(a, tau, D, false, true), matmul(D, Qc.mT()), 1e-12, 1e-12));
  }
  {
    // More reflectors than ormqr's block of 32: three blocks, the last one partial.
    const Tensor big = randn({2, 80, 70}, gen, kFloat64);
    auto [f, t] = geqrf(big);
    const Tensor Q = std::get<0>(linalg::qr(big, "complete")), C = randn({2, 80, 3}, gen, kFloat64);
    EXPECT_TRUE(close(ormqr(f, t, C), matmul(Q, C), 1e-11, 1e-11));
    EXPECT_TRUE(close(ormqr(f, t, C, true, true), matmul(Q.mT(), C), 1e-11, 1e-11));
    EXPECT_TRUE(close(ormqr(f, t, C.mT(), false), matmul(C.mT(), Q), 1e-11, 1e-11));
    EXPECT_TRUE(close(ormqr(f, t, C.mT(), false, true), matmul(C.mT(), Q.mT()), 1e-11, 1e-11));
    EXPECT_TRUE(
        close(linalg::householder_product(f.detach().requires_grad_(), t).detach(), Q.narrow(-1, 0, 70), 1e-11, 1e-11));
  }
  // Fewer reflectors than columns: the rest of Q is the identity's; no reflectors at all is I.
  const Tensor A = randn({5, 3}, gen, kFloat64);
  auto [a, tau] = geqrf(A);
  const Tensor two = linalg::householder_product(a, tau.narrow(0, 0, 2));
  const Tensor v = a.narrow(1, 0, 2).tril(-1) + eye(5, 2, kFloat64);
  Tensor expected = eye(5, 3, kFloat64);
  for (int64_t i = 1; i >= 0; --i) {
    const Tensor vi = v.narrow(1, i, 1);
    expected = expected - tau[i] * matmul(vi, matmul(vi.mT(), expected));
  }
  EXPECT_TRUE(close(two, expected, 1e-12, 1e-12));
  EXPECT_TRUE(close(linalg::householder_product(a, zeros({0}, kFloat64)), eye(5, 3, kFloat64), 0, 0));
  // A zero scale makes its reflector the identity (LAPACK writes one for a zero column): the
  // compact WY form (ormqr, and householder_product with a gradient) drops it, as the kernel does.
  const Tensor tau_gap = tau * tensor({1.0, 0.0, 1.0}, kFloat64);
  const Tensor q0 = linalg::householder_product(a, tau_gap);
  EXPECT_TRUE(close(linalg::householder_product(a.detach().requires_grad_(), tau_gap).detach(), q0, 1e-12, 1e-12));
  Tensor square = zeros({5, 5}, kFloat64);
  square.narrow(1, 0, 3).copy_(a);
  EXPECT_TRUE(close(ormqr(a, tau_gap, eye(5, kFloat64)), linalg::householder_product(square, tau_gap), 1e-12, 1e-12));
  EXPECT_TRUE(close(ormqr(a, zeros({0}, kFloat64), eye(5, kFloat64)), eye(5, kFloat64), 0, 0));
  // float32 matches float64 to its precision; geqrf is not differentiable.
  auto [a32, tau32] = geqrf(A.to(kFloat32).requires_grad_());
  EXPECT_FALSE(a32.requires_grad());
  EXPECT_TRUE(close(linalg::householder_product(a32, tau32), std::get<0>(linalg::qr(A)).to(kFloat32), 1e-5, 1e-5));

  const Tensor a0 = a.detach().requires_grad_(), tau0 = tau.detach().requires_grad_();
  const Tensor C = randn({5, 2}, gen, kFloat64).requires_grad_();
  expect_gradients({
      {"householder_product", [](L x) { return linalg::householder_product(x[0], x[1]); }, {a0, tau0}},
      {"ormqr_left", [](L x) { return ormqr(x[0], x[1], x[2]); }, {a0, tau0, C}},
      {"ormqr_right_transposed", [](L x) { return ormqr(x[0], x[1], x[2].mT(), false, true); }, {a0, tau0, C}},
  });

  EXPECT_THROW_WITH(geqrf(ones({3}, kFloat64)), Error, "geqrf: expected matrices [..., m, n]");
  EXPECT_THROW_WITH(geqrf(ones({3, 3}, kInt64)), TypeError, "geqrf: expected a floating-point input");
  EXPECT_THROW_WITH(linalg::householder_product(a.mT(), tau), Error,
                    "linalg.householder_product: the factor must have at least as many rows as columns, got shape "
                    "[3, 5]");
  EXPECT_THROW_WITH(linalg::householder_product(a, ones({4}, kFloat64)), Error,
                    "linalg.householder_product: tau holds 4 scales, more than the factor of shape [5, 3]");
  EXPECT_THROW_WITH(linalg::householder_product(a, ones({2, 3}, kFloat64)), Error,
                    "linalg.householder_product: tau of shape [2, 3] must have the factor's batch dims");
  EXPECT_THROW_WITH(linalg::householder_product(a, tau.to(kFloat32)), TypeError,
                    "linalg.householder_product: the factor (float64) and tau (float32) must have the same dtype");
  EXPECT_THROW_WITH(ormqr(a, tau, ones({4, 2}, kFloat64)), Error,
                    "ormqr: other of shape [4, 2] must have the factor's batch dims and 5 rows");
  EXPECT_THROW_WITH(ormqr(a, tau, ones({2, 5}, kFloat32), false), TypeError,
                    "ormqr: the factor (float64) and other (float32)");
}

TEST(LinalgSvd, ValuesVectorsAndShapes) {
  TG_REQUIRE_LAPACK();
  Generator gen(13);
  for (const Shape& shape : {Shape{5, 3}, Shape{3, 5}, Shape{2, 4, 4}}) {
    SCOPED_TRACE(fmt::format("{}", shape));
    const Tensor A = randn(shape, gen, kFloat64);
    const int64_t m = A.size(-2), n = A.size(-1), k = std::min(m, n);
    auto [U, S, Vh] = linalg::svd(A, false);
    EXPECT_EQ(U.size(-1), k);
    EXPECT_EQ(Vh.size(-2), k);
    EXPECT_TRUE(close(matmul(U * S.unsqueeze(-2), Vh), A, 1e-10, 1e-10));
    EXPECT_TRUE(ge(S.narrow(-1, 0, k - 1), S.narrow(-1, 1, k - 1)).all().item<bool>());
    auto [Uf, Sf, Vhf] = linalg::svd(A);
    EXPECT_EQ(Uf.size(-1), m);
    EXPECT_EQ(Vhf.size(-2), n);
    EXPECT_TRUE(close(matmul(Uf.mT(), Uf), eye(m, kFloat64).expand(matmul(Uf.mT(), Uf).sizes()), 1e-10, 1e-10));
    EXPECT_TRUE(close(matmul(Vhf, Vhf.mT()), eye(n, kFloat64).expand(matmul(Vhf, Vhf.mT()).sizes()), 1e-10, 1e-10));
    EXPECT_TRUE(close(Sf, S, 1e-12, 1e-12));
    EXPECT_TRUE(close(linalg::svdvals(A), S, 1e-12, 1e-12));
    // The squared singular values are the eigenvalues of A^T A (and A A^T), ascending there.
    const Tensor gram = k == n ? matmul(A.mT(), A) : matmul(A, A.mT());
    EXPECT_TRUE(close(linalg::eigvalsh(gram).flip({-1}), square(S), 1e-9, 1e-9));
  }
  EXPECT_TRUE(close(linalg::svdvals(tensor({{3.0, 0.0}, {0.0, -4.0}}, kFloat64)), tensor({4.0, 3.0}, kFloat64), 1e-12,
                    1e-12));
  const Tensor f = randn({6, 4}, gen, kFloat64);
  EXPECT_TRUE(close(linalg::svdvals(f.to(kFloat32)), linalg::svdvals(f).to(kFloat32), 1e-4, 1e-5));
  EXPECT_TRUE(close(linalg::svdvals(f.mT()), linalg::svdvals(f), 1e-12, 1e-12));
  auto [Ue, Se, Vhe] = linalg::svd(zeros({2, 0}, kFloat64));
  EXPECT_TRUE(close(Ue, eye(2, kFloat64), 0, 0));
  EXPECT_EQ(Se.numel(), 0);
  EXPECT_THROW_WITH(linalg::svd(ones({4}, kFloat64)), Error, "linalg.svd: expected matrices");
}

TEST(LinalgSvd, Gradients) {
  TG_REQUIRE_LAPACK();
  Generator gen(14);
  const Tensor tall = randn({5, 3}, gen, kFloat64).requires_grad_(true);
  const Tensor wide = randn({2, 3, 4}, gen, kFloat64).requires_grad_(true);
  // Functions independent of each singular pair's sign: U diag(s) Vh products, squares.
  auto invariant = [](L x) {
    auto [U, S, Vh] = linalg::svd(x[0], false);
    return cat({(U * U).reshape({-1}), (Vh * Vh).reshape({-1}), matmul(U * S.sqrt().unsqueeze(-2), Vh).reshape({-1})});
  };
  expect_gradients({
      {"values", [](L x) { return linalg::svdvals(x[0]); }, {tall}},
      {"tall_vectors", invariant, {tall}},
      {"wide_vectors", invariant, {wide}},
      {"full_first_columns",
       [](L x) {
         auto [U, S, Vh] = linalg::svd(x[0]);
         return (U.narrow(-1, 0, 3) * U.narrow(-1, 0, 3)).sum({-1});
       },
       {tall}},
  });
}

TEST(LinalgSolveTriangular, LeftRightUnitAndBroadcast) {
  TG_REQUIRE_LAPACK();
  Generator gen(15);
  const Tensor M = randn({2, 4, 4}, gen, kFloat64) + 4.0 * eye(4, kFloat64);
  const Tensor U = triu(M), Lw = tril(M);
  const Tensor B = randn({2, 4, 3}, gen, kFloat64);
  EXPECT_TRUE(close(matmul(U, linalg::solve_triangular(U, B, true)), B, 1e-10, 1e-10));
  EXPECT_TRUE(close(matmul(Lw, linalg::solve_triangular(Lw, B, false)), B, 1e-10, 1e-10));
  // Only the named triangle is read; unitriangular takes ones on the diagonal.
  EXPECT_TRUE(close(linalg::solve_triangular(M, B, true), linalg::solve_triangular(U, B, true), 1e-12, 1e-12));
  const Tensor unit = triu(U, 1) + eye(4, kFloat64);
  EXPECT_TRUE(close(linalg::solve_triangular(U, B, true, true, true), linalg::solve_triangular(unit, B, true), 1e-12,
                    1e-12));
  // X A = B, and a batch of B against one A.
  const Tensor Bt = randn({3, 4}, gen, kFloat64);
  EXPECT_TRUE(close(matmul(linalg::solve_triangular(U[0], Bt, true, false), U[0]), Bt, 1e-10, 1e-10));
  EXPECT_EQ(linalg::solve_triangular(U[0], B, true).sizes(), (Shape{2, 4, 3}));
  EXPECT_TRUE(close(linalg::solve_triangular(U.to(kFloat32), B.to(kFloat32), true),
                    linalg::solve_triangular(U, B, true).to(kFloat32), 1e-4, 1e-5));
  EXPECT_THROW_WITH(linalg::solve_triangular(triu(ones({3, 3}, kFloat64), 1), ones({3, 1}, kFloat64), true), Error,
                    "linalg.solve_triangular: the triangular matrix is singular: it has a zero on its diagonal");
  EXPECT_THROW_WITH(linalg::solve_triangular(U, randn({2, 5, 3}, gen, kFloat64), true), Error, "needs B with 4 rows");
  EXPECT_THROW_WITH(linalg::solve_triangular(U, ones({4}, kFloat64), true), Error, "expected B of at least 2 dims");
  EXPECT_THROW_WITH(linalg::solve_triangular(U, B.to(kFloat32), true), TypeError, "same dtype");
  const Tensor Ag = U[0].clone().requires_grad_(true), Bg = B[0].clone().requires_grad_(true);
  expect_gradients({
      {"upper_left", [](L x) { return linalg::solve_triangular(triu(x[0]), x[1], true); }, {Ag, Bg}},
      {"lower_right", [](L x) { return linalg::solve_triangular(x[0].mT(), x[1].mT(), false, false); }, {Ag, Bg}},
      {"unit", [](L x) { return linalg::solve_triangular(x[0], x[1], true, true, true); }, {Ag, Bg}},
  });
}

TEST(LinalgSolveTriangular, EveryLayoutOfAAtEverySize) {
  TG_REQUIRE_LAPACK();
  Generator gen(16);
  // Row-major A is read in place (solved with its transpose), column-major too, others copied;
  // n <= 64 takes the small-matrix loops (by columns below 4 right-hand sides, else substitution
  // 4 or 8 at a time); larger n LAPACK's path with 1 right-hand side, substitution on the whole
  // triangle with 2 to 16 (6 or 12 rows at a time, 151 leaving some over), the blocked solve (halves
  // of the triangle and gemms) with 20.
  const std::pair<int64_t, int64_t> sizes[] = {{6, 3},  {6, 5},    {40, 12}, {40, 33}, {80, 1},
                                               {80, 3}, {151, 11}, {80, 20}, {150, 20}};
  for (const auto& [n, k] : sizes) {
    // Small off-diagonal entries: well conditioned with its diagonal and with a unit one.
    const Tensor M = randn({2, n, n}, gen, kFloat64) / static_cast<double>(n) + eye(n, kFloat64);
    const Tensor B = randn({2, n, k}, gen, kFloat64);
    Tensor every_other = zeros({2, n, 2 * n}, kFloat64), block = zeros({2, n, n + 3}, kFloat64);
    every_other.slice(-1, 0, 2 * n, 2).copy_(M);
    block.slice(-1, 0, n).copy_(M);
    for (bool upper : {true, false}) {
      auto tri = [upper](const Tensor& a) { return upper ? triu(a) : tril(a); };
      const std::pair<const char*, Tensor> layouts[] = {
          {"row-major", M},
          {"column-major", M.mT().contiguous().mT()},
          {"every other column", every_other.slice(-1, 0, 2 * n, 2)},
          {"a block of a wider matrix", block.slice(-1, 0, n)},
          {"broadcast", M[0].expand({2, n, n})},
      };
      for (const auto& [name, A] : layouts) {
        const Tensor X = linalg::solve_triangular(A, B, upper);
        EXPECT_TRUE(close(matmul(tri(A), X), B, 1e-10, 1e-10)) << name << " n=" << n << " upper=" << upper;
        const Tensor U = linalg::solve_triangular(A, B, upper, true, true);
        const Tensor unit = (upper ? triu(A, 1) : tril(A, -1)) + eye(n, kFloat64);
        EXPECT_TRUE(close(matmul(unit, U), B, 1e-10, 1e-10)) << name << " unitriangular n=" << n;
      }
    }
  }
}

// The blocked solve (n > 64 with more than 16 right-hand sides) and the substitution (fewer)
// against LAPACK's one column at a time, in each dtype: triangular solves both ways up and both
// layouts, and LU solves.
TEST(LinalgSolveTriangular, BlockedSolveMatchesLapackInEveryDtype) {
  TG_REQUIRE_LAPACK();
  Generator gen(17);
  // 150 rows with 40 right-hand sides: the blocked solve; 40 rows: the small one. 40 right-hand
  // sides: two blocks of 16 float32 or 8 float64 ones and part of one; 12: a block of 8 and part
  // of one. 131 rows: 20 right-hand sides the blocked solve; 7 the substitution on the whole
  // triangle (a block of 8, 12 float32 rows or 6 float64 ones at a time, and 11 or 5 over).
  for (const auto& [n, k] : {std::pair<int64_t, int64_t>{150, 40}, {40, 40}, {40, 12}, {131, 20}, {131, 7}})
    for (DType dtype : {kFloat32, kFloat64, kComplex64, kComplex128}) {
      const double tol = dtype == kFloat32 || dtype == kComplex64 ? 1e-4 : 1e-11;
      const Tensor M = randn({n, n}, gen, dtype) / static_cast<double>(n) + eye(n, dtype);
      const Tensor B = randn({n, k}, gen, dtype);
      auto by_columns = [&](const std::function<Tensor(const Tensor&)>& solve) {
        tensor_list cols;
        for (int64_t c = 0; c < k; ++c) cols.push_back(solve(B.narrow(1, c, 1)));
        return cat(cols, 1);
      };
      for (bool upper : {true, false}) {
        for (const Tensor& A : {M, M.mT().contiguous().mT()}) {
          for (bool unit : {false, true}) {
            EXPECT_TRUE(close(linalg::solve_triangular(A, B, upper, true, unit), by_columns([&](const Tensor& b) {
                                return linalg::solve_triangular(A, b, upper, true, unit);
                              }),
                              tol, tol))
                << fmt::format("{} n={} k={}", dtype, n, k) << " upper=" << upper << " unit=" << unit
                << " row-major=" << A.is_contiguous();
          }
        }
      }
      EXPECT_TRUE(
          close(linalg::solve(M, B), by_columns([&](const Tensor& b) { return linalg::solve(M, b); }), tol, tol))
          << fmt::format("{} n={} k={}", dtype, n, k);
      EXPECT_TRUE(close(matmul(linalg::inv(M), M), eye(n, dtype), tol, tol))
          << fmt::format("{} n={} k={}", dtype, n, k);
    }
}

TEST(LinalgLstsq, DriversAgreeAndFields) {
  TG_REQUIRE_LAPACK();
  Generator gen(16);
  const Tensor A = randn({2, 6, 3}, gen, kFloat64), B = randn({2, 6, 2}, gen, kFloat64);
  // The normal equations' solution, for full-rank tall A.
  const Tensor expected = linalg::solve(matmul(A.mT(), A), matmul(A.mT(), B));
  for (const char* driver : {"gels", "gelsy", "gelsd", "gelss"}) {
    SCOPED_TRACE(driver);
    auto [x, residuals, rank, values] = linalg::lstsq(A, B, std::nullopt, driver);
    EXPECT_TRUE(close(x, expected, 1e-9, 1e-9));
    const std::string d = driver;
    if (d == "gelsy") EXPECT_EQ(residuals.numel(), 0);
    else EXPECT_TRUE(close(residuals, square(matmul(A, x) - B).sum({-2}), 1e-9, 1e-9));
    if (d == "gels") EXPECT_EQ(rank.numel(), 0);
    else EXPECT_TRUE(close(rank, full({2}, 3, kInt64), 0, 0));
    EXPECT_EQ(values.numel(), d == "gelsd" || d == "gelss" ? 6 : 0);
  }
  // Wide A: the minimum-norm solution, A^T (A A^T)^-1 B.
  const Tensor W = randn({3, 5}, gen, kFloat64), b = randn({3}, gen, kFloat64);
  const Tensor min_norm = matmul(W.mT(), linalg::solve(matmul(W, W.mT()), b));
  EXPECT_TRUE(close(std::get<0>(linalg::lstsq(W, b, std::nullopt, "gels")), min_norm, 1e-9, 1e-9));
  EXPECT_TRUE(close(std::get<0>(linalg::lstsq(W, b)), min_norm, 1e-9, 1e-9));
  // Rank-deficient: the SVD drivers give the minimum-norm solution and the rank; gels refuses.
  const Tensor D = ones({4, 3}, kFloat64), y = tensor({1.0, 2.0, 3.0, 4.0}, kFloat64);
  auto [xd, rd, rank_d, sd] = linalg::lstsq(D, y, std::nullopt, "gelsd");
  EXPECT_TRUE(close(xd, full({3}, 2.5 / 3.0, kFloat64), 1e-9, 1e-9));
  EXPECT_EQ(rank_d.item<int64_t>(), 1);
  EXPECT_EQ(rd.numel(), 0);
  // gels sees an exact zero on R's diagonal (LAPACK's test; near-zeros pass, as there).
  const Tensor zero_column = tensor({{1.0, 0.0}, {2.0, 0.0}, {3.0, 0.0}, {4.0, 0.0}}, kFloat64);
  EXPECT_THROW_WITH(linalg::lstsq(zero_column, y, std::nullopt, "gels"), Error,
                    "linalg.lstsq: A is rank-deficient, which driver \"gels\" cannot solve");
  EXPECT_THROW_WITH(linalg::lstsq(A, B, std::nullopt, "lu"), ValueError, "driver must be one of");
  EXPECT_THROW_WITH(linalg::lstsq(A, randn({2, 5, 2}, gen, kFloat64)), Error, "needs B with 6 rows");
  const Tensor Ag = A[0].clone().requires_grad_(true), Bg = B[0].clone().requires_grad_(true);
  expect_gradients({
      {"gels", [](L x) { return std::get<0>(linalg::lstsq(x[0], x[1], std::nullopt, "gels")); }, {Ag, Bg}},
      {"gelsd", [](L x) { return std::get<0>(linalg::lstsq(x[0], x[1], std::nullopt, "gelsd")); }, {Ag, Bg}},
      {"wide_gels",
       [](L x) { return std::get<0>(linalg::lstsq(x[0].mT(), x[1].narrow(0, 0, 3), std::nullopt, "gels")); },
       {Ag, Bg}},
  });
}

TEST(LinalgPinvRank, AgainstDefinitions) {
  TG_REQUIRE_LAPACK();
  Generator gen(17);
  const Tensor A = randn({2, 5, 3}, gen, kFloat64);
  const Tensor P = linalg::pinv(A);
  EXPECT_EQ(P.sizes(), (Shape{2, 3, 5}));
  // The four Penrose conditions.
  EXPECT_TRUE(close(matmul(matmul(A, P), A), A, 1e-10, 1e-10));
  EXPECT_TRUE(close(matmul(matmul(P, A), P), P, 1e-10, 1e-10));
  EXPECT_TRUE(close(matmul(A, P).mT(), matmul(A, P), 1e-10, 1e-10));
  EXPECT_TRUE(close(matmul(P, A).mT(), matmul(P, A), 1e-10, 1e-10));
  EXPECT_TRUE(close(pinverse(A), P, 1e-10, 1e-10));
  const Tensor sym = matmul(A[0].mT(), A[0]);
  EXPECT_TRUE(close(linalg::pinv(sym, std::nullopt, std::nullopt, true), linalg::inv(sym), 1e-9, 1e-9));
  // Rank: a rank-1 outer product, a tolerance that drops the small values, the hermitian path.
  const Tensor r1 = outer(tensor({1.0, 2.0, 3.0}, kFloat64), tensor({1.0, -1.0}, kFloat64));
  EXPECT_EQ(linalg::matrix_rank(r1).item<int64_t>(), 1);
  EXPECT_TRUE(close(linalg::matrix_rank(A), full({2}, 3, kInt64), 0, 0));
  const Tensor diag_ = diag(tensor({10.0, 1.0, 1e-3}, kFloat64));
  EXPECT_EQ(linalg::matrix_rank(diag_, 0.01).item<int64_t>(), 2);
  EXPECT_EQ(linalg::matrix_rank(diag_, std::nullopt, 0.5).item<int64_t>(), 1);
  EXPECT_EQ(linalg::matrix_rank(diag_, std::nullopt, std::nullopt, true).item<int64_t>(), 3);
  EXPECT_EQ(linalg::matrix_rank(zeros({3, 3}, kFloat64)).item<int64_t>(), 0);
  // pinv of a singular matrix drops the zero singular value (no inf, no NaN gradient).
  const Tensor rg = r1.clone().requires_grad_(true);
  linalg::pinv(rg).sum().backward();
  EXPECT_TRUE(isfinite(rg.grad()).all().item<bool>());
  EXPECT_THROW_WITH(linalg::pinv(ones({2, 3}, kFloat64), std::nullopt, std::nullopt, true), Error,
                    "expected square matrices");
  const Tensor Ag = A[0].clone().requires_grad_(true);
  expect_gradients({{"pinv", [](L x) { return linalg::pinv(x[0]); }, {Ag}},
                    {"pinv_hermitian", [](L x) { return linalg::pinv(matmul(x[0].mT(), x[0]), std::nullopt,
                                                                         std::nullopt, true); },
                     {Ag}}});
}

TEST(LinalgNorms, VectorMatrixNormAndCond) {
  TG_REQUIRE_LAPACK();
  const Tensor A = tensor({{1.0, -2.0}, {3.0, 4.0}}, kFloat64);
  EXPECT_NEAR(linalg::matrix_norm(A).item<double>(), std::sqrt(30.0), 1e-12);
  EXPECT_NEAR(linalg::matrix_norm(A, 1).item<double>(), 6.0, 1e-12);   // largest column sum
  EXPECT_NEAR(linalg::matrix_norm(A, -1).item<double>(), 4.0, 1e-12);
  EXPECT_NEAR(linalg::matrix_norm(A, INFINITY).item<double>(), 7.0, 1e-12);  // largest row sum
  EXPECT_NEAR(linalg::matrix_norm(A, -INFINITY).item<double>(), 3.0, 1e-12);
  const Tensor s = linalg::svdvals(A);
  EXPECT_NEAR(linalg::matrix_norm(A, 2).item<double>(), s[0].item<double>(), 1e-12);
  EXPECT_NEAR(linalg::matrix_norm(A, -2).item<double>(), s[1].item<double>(), 1e-12);
  EXPECT_NEAR(linalg::matrix_norm(A, "nuc").item<double>(), s.sum().item<double>(), 1e-12);
  // Other dims, keepdim, batches.
  Generator gen(18);
  const Tensor X = randn({3, 4, 5}, gen, kFloat64);
  EXPECT_TRUE(close(linalg::matrix_norm(X, 1, {0, 2}), linalg::matrix_norm(X.permute({1, 0, 2}), 1), 1e-12, 1e-12));
  EXPECT_EQ(linalg::matrix_norm(X, "nuc", {2, 0}, true).sizes(), (Shape{1, 4, 1}));
  EXPECT_EQ(linalg::matrix_norm(X, INFINITY, {-2, -1}, true).sizes(), (Shape{3, 1, 1}));
  EXPECT_TRUE(close(linalg::matrix_norm(X, 2, {-1, -2}), linalg::matrix_norm(X.mT(), 2), 1e-12, 1e-12));
  // Vector norms, including negative orders; linalg.norm's dispatch.
  const Tensor v = tensor({3.0, -4.0, 0.0}, kFloat64);
  EXPECT_NEAR(linalg::vector_norm(v).item<double>(), 5.0, 1e-12);
  EXPECT_NEAR(linalg::vector_norm(v, 0).item<double>(), 2.0, 1e-12);
  EXPECT_NEAR(linalg::vector_norm(v, INFINITY).item<double>(), 4.0, 1e-12);
  EXPECT_NEAR(linalg::vector_norm(v, -INFINITY).item<double>(), 0.0, 1e-12);
  EXPECT_NEAR(linalg::vector_norm(tensor({2.0, 2.0}, kFloat64), -1).item<double>(), 1.0, 1e-12);
  EXPECT_NEAR(linalg::norm(A).item<double>(), std::sqrt(30.0), 1e-12);
  EXPECT_NEAR(linalg::norm(A, 1).item<double>(), 6.0, 1e-12);  // 2-D with an ord: the matrix norm
  EXPECT_NEAR(linalg::norm(v, 1).item<double>(), 7.0, 1e-12);
  EXPECT_NEAR(linalg::norm(A, "nuc").item<double>(), s.sum().item<double>(), 1e-12);
  EXPECT_TRUE(close(linalg::norm(X, 1, {1}), X.abs().sum({1}), 1e-12, 1e-12));
  EXPECT_TRUE(close(linalg::norm(X, 2, {1, 2}), linalg::matrix_norm(X, 2), 1e-12, 1e-12));
  EXPECT_THROW_WITH(linalg::norm(X, 2), Error, "an ord with no dims needs a 1-D or 2-D input");
  EXPECT_THROW_WITH(linalg::norm(v, "fro"), Error, "ord \"fro\" is a matrix norm");
  EXPECT_THROW_WITH(linalg::matrix_norm(A, 3), ValueError, "ord must be \"fro\", \"nuc\" or one of");
  EXPECT_THROW_WITH(linalg::matrix_norm(A, "max"), ValueError, "ord must be");
  EXPECT_THROW_WITH(linalg::matrix_norm(v), Error, "expected a tensor of at least 2 dims");
  EXPECT_THROW_WITH(linalg::matrix_norm(X, "fro", {1, 1}), Error, "the two dims must differ");
  // Condition numbers: the singular values' ratio, and ||A|| ||A^-1||; singular gives inf.
  EXPECT_NEAR(linalg::cond(A).item<double>(), (s[0] / s[1]).item<double>(), 1e-10);
  EXPECT_NEAR(linalg::cond(A, 1).item<double>(),
              (linalg::matrix_norm(A, 1) * linalg::matrix_norm(linalg::inv(A), 1)).item<double>(), 1e-10);
  EXPECT_NEAR(linalg::cond(A, "fro").item<double>(),
              (linalg::matrix_norm(A) * linalg::matrix_norm(linalg::inv(A))).item<double>(), 1e-10);
  EXPECT_EQ(linalg::cond(ones({2, 2}, kFloat64), 1).item<double>(), INFINITY);
  const Tensor Xg = randn({3, 3}, gen, kFloat64).requires_grad_(true);
  expect_gradients({
      {"fro", [](L x) { return linalg::matrix_norm(x[0]); }, {Xg}},
      {"nuc", [](L x) { return linalg::matrix_norm(x[0], "nuc"); }, {Xg}},
      {"spectral", [](L x) { return linalg::matrix_norm(x[0], 2); }, {Xg}},
      {"one", [](L x) { return linalg::matrix_norm(x[0], 1); }, {Xg}},
      {"vector_negative", [](L x) { return linalg::vector_norm(x[0], -2, {1}); }, {Xg}},
      {"cond", [](L x) { return linalg::cond(x[0]); }, {Xg}},
      {"cond_inf", [](L x) { return linalg::cond(x[0], INFINITY); }, {Xg}},
  });
}

TEST(LinalgProducts, MatrixPowerMultiDotCross) {
  TG_REQUIRE_LAPACK();
  Generator gen(19);
  const Tensor A = randn({2, 3, 3}, gen, kFloat64) + 3.0 * eye(3, kFloat64);
  EXPECT_TRUE(close(linalg::matrix_power(A, 0), eye(3, kFloat64).expand({2, 3, 3}), 0, 0));
  EXPECT_TRUE(close(linalg::matrix_power(A, 1), A, 0, 0));
  EXPECT_TRUE(close(linalg::matrix_power(A, 5), matmul(matmul(matmul(matmul(A, A), A), A), A), 1e-10, 1e-10));
  EXPECT_TRUE(close(matrix_power(A, -2), linalg::inv(matmul(A, A)), 1e-10, 1e-10));
  EXPECT_THROW_WITH(linalg::matrix_power(ones({2, 3}, kFloat64), 2), Error, "expected square matrices");
  const Tensor a = randn({4}, gen, kFloat64), B = randn({4, 6}, gen, kFloat64), C = randn({6, 2}, gen, kFloat64),
               d = randn({2}, gen, kFloat64);
  EXPECT_TRUE(close(linalg::multi_dot({B, C}), matmul(B, C), 1e-12, 1e-12));
  EXPECT_TRUE(close(linalg::multi_dot({a, B, C, d}), matmul(matmul(matmul(a, B), C), d), 1e-12, 1e-12));
  EXPECT_EQ(linalg::multi_dot({a, B, C}).sizes(), (Shape{2}));
  EXPECT_THROW_WITH(linalg::multi_dot({B}), Error, "expected at least 2 tensors");
  EXPECT_THROW_WITH(linalg::multi_dot({B, B}), Error, "tensors 0 and 1 cannot be multiplied");
  EXPECT_THROW_WITH(linalg::multi_dot({B, a, C}), Error, "tensor 1 must be 2-D");
  const Tensor x = tensor({1.0, 0.0, 0.0}, kFloat64), y = tensor({0.0, 1.0, 0.0}, kFloat64);
  EXPECT_TRUE(close(linalg::cross(x, y), tensor({0.0, 0.0, 1.0}, kFloat64), 0, 0));
  const Tensor P = randn({5, 3}, gen, kFloat64), Q = randn({3}, gen, kFloat64);
  const Tensor c = linalg::cross(P, Q);
  EXPECT_TRUE(close((c * P).sum({-1}), zeros({5}, kFloat64), 0, 1e-12));  // orthogonal to both
  EXPECT_TRUE(close(linalg::cross(P.mT(), Q.unsqueeze(1), 0), c.mT(), 1e-12, 1e-12));
  EXPECT_THROW_WITH(linalg::cross(randn({4}, gen, kFloat64), randn({4}, gen, kFloat64)), Error, "must have size 3");
  const Tensor Ag = A[0].clone().requires_grad_(true), Pg = P.clone().requires_grad_(true),
               Bg = B.clone().requires_grad_(true);
  expect_gradients({
      {"power", [](L in) { return linalg::matrix_power(in[0], 3); }, {Ag}},
      {"power_negative", [](L in) { return linalg::matrix_power(in[0], -1); }, {Ag}},
      {"multi_dot", [](L in) { return linalg::multi_dot({in[1].narrow(1, 0, 3), in[0], in[0]}); }, {Ag, Bg.mT()}},
      {"cross", [](L in) { return linalg::cross(in[0], in[0].roll({1}, {0})); }, {Pg}},
  });
}

TEST(LinalgLu, FactorsReconstructAndSolve) {
  TG_REQUIRE_LAPACK();
  Generator gen(41);
  const Tensor A = randn({3, 5, 5}, gen, kFloat64);
  auto [LU, pivots] = linalg::lu_factor(A);
  EXPECT_EQ(pivots.dtype(), kInt32);
  EXPECT_EQ(pivots.sizes(), (Shape{3, 5}));
  auto [P, L, U] = linalg::lu(A);
  EXPECT_TRUE(close(matmul(P, matmul(L, U)), A, 1e-12, 1e-12));
  EXPECT_TRUE(close(L, tril(L), 0, 0));
  EXPECT_TRUE(close(L.diagonal(0, -2, -1), ones({3, 5}, kFloat64), 0, 0));
  EXPECT_TRUE(close(U, triu(U), 0, 0));
  EXPECT_TRUE(close(tril(LU, -1) + U, LU, 0, 0));  // the packed form holds the same factors
  EXPECT_TRUE(close(matmul(P.mT(), P), eye(5, kFloat64).expand({3, 5, 5}), 0, 0));
  // Partial pivoting: the first pivot is the column's largest entry; a known 3 x 3 case.
  const Tensor K = tensor({{1.0, 2.0, 3.0}, {4.0, 5.0, 6.0}, {7.0, 8.0, 10.0}}, kFloat64);
  EXPECT_EQ(std::get<1>(linalg::lu_factor(K)).to_vector<int32_t>(), (std::vector<int32_t>{3, 3, 3}));
  // Solves, every form, against solve; B batched over one factorization.
  const Tensor B = randn({3, 5, 2}, gen, kFloat64), Bt = randn({3, 2, 5}, gen, kFloat64);
  EXPECT_TRUE(close(linalg::lu_solve(LU, pivots, B), linalg::solve(A, B), 1e-10, 1e-10));
  EXPECT_TRUE(close(linalg::lu_solve(LU, pivots, B, true, true), linalg::solve(A.mT(), B), 1e-10, 1e-10));
  EXPECT_TRUE(close(matmul(linalg::lu_solve(LU, pivots, Bt, false), A), Bt, 1e-10, 1e-10));
  EXPECT_TRUE(close(matmul(linalg::lu_solve(LU, pivots, Bt, false, true), A.mT()), Bt, 1e-10, 1e-10));
  EXPECT_TRUE(close(linalg::lu_solve(LU[1], pivots[1], B), linalg::solve(A[1], B), 1e-10, 1e-10));
  // float32, and a singular matrix factors (with a zero on U's diagonal).
  EXPECT_TRUE(close(std::get<0>(linalg::lu_factor(A.to(kFloat32))), LU.to(kFloat32), 1e-4, 1e-5));
  const Tensor S = tensor({{1.0, 2.0}, {2.0, 4.0}}, kFloat64);
  EXPECT_EQ(std::get<2>(linalg::lu(S))[1][1].item<double>(), 0.0);
  // Errors.
  EXPECT_THROW_WITH(linalg::lu_factor(tensor({1.0, 2.0}, kFloat64)), Error,
                    "linalg.lu_factor: expected matrices [..., m, n] (at least 2 dims), got shape [2]");
  EXPECT_THROW_WITH(linalg::lu(zeros({2, 2}, kInt64)), TypeError,
                    "linalg.lu: expected a floating-point input, got int64");
  EXPECT_THROW_WITH(linalg::lu_solve(LU, pivots.to(kInt64), B), TypeError, "linalg.lu_solve: expected int32 pivots");
  EXPECT_THROW_WITH(linalg::lu_solve(LU, pivots[0], B), Error,
                    "linalg.lu_solve: LU of shape [3, 5, 5] needs pivots of shape [3, 5], got [5]");
  EXPECT_THROW_WITH(linalg::lu_solve(LU, zeros({3, 5}, kInt32), B), ValueError, "pivots must lie in [1, 5]");
  EXPECT_THROW_WITH(linalg::lu_solve(LU, pivots, Bt), Error, "linalg.lu_solve: LU of shape [3, 5, 5] needs B with 5 rows");
  EXPECT_THROW_WITH(linalg::lu_solve(LU, pivots, B.to(kFloat32)), TypeError, "same dtype");
}

// Up to 16 x 16 the CPU factors by hand (LAPACK's getf2 steps), above through getrf: both give
// P L U = A with the largest pivot of each column (|L| <= 1) and report a zero pivot's column.
TEST(LinalgLu, SmallAndLargeFactorsAlike) {
  TG_REQUIRE_LAPACK();
  Generator gen(46);
  const std::pair<int64_t, int64_t> shapes[] = {{1, 1}, {2, 2}, {4, 4}, {3, 5}, {5, 3}, {16, 16}, {16, 17}, {17, 17}};
  for (const auto& [m, n] : shapes) {
    for (DType dt : {kFloat64, kFloat32}) {
      SCOPED_TRACE(fmt::format("{}x{} {}", m, n, name(dt)));
      const double tol = dt == kFloat64 ? 1e-10 : 1e-4;
      const Tensor A = randn({3, m, n}, gen, kFloat64).to(dt);
      auto [P, L, U] = linalg::lu(A);
      EXPECT_TRUE(close(matmul(matmul(P, L), U), A, tol, tol));
      EXPECT_LE(abs(L).max().item<double>(), 1.0);
      // A zero column: the factorization goes on and reports its (1-based) position.
      const Tensor singular = A.clone();
      singular.select(0, 1).narrow(1, std::min(m, n) - 1, 1).zero_();
      singular.select(0, 1).narrow(1, 0, 1).zero_();
      auto [LU, piv, info] = linalg::lu_factor_ex(singular);
      EXPECT_EQ(tgtest::vals(info), (std::vector<double>{0, 1, 0}));
    }
  }
}

TEST(LinalgLu, SmallAndLargeSystemsSolveAlike) {
  TG_REQUIRE_LAPACK();
  Generator gen(45);
  // Below 65 rows the CPU substitutes by hand (by columns for fewer than 4 right-hand sides, by
  // rows otherwise); above, LAPACK's getrs and trtrs. Every path against the residual.
  for (int64_t n : {1, 7, 64, 70}) {
    for (int64_t k : {1, 3, 4, 17}) {
      for (DType dt : {kFloat64, kFloat32}) {
        const double tol = dt == kFloat64 ? 1e-9 : 1e-3;
        // Off-diagonal entries of order 1/n: well conditioned with the diagonal or with ones on it.
        const Tensor A = (randn({2, n, n}, gen, kFloat64) / double(n) + 2.0 * eye(n, kFloat64)).to(dt);
        const Tensor B = randn({2, n, k}, gen, kFloat64).to(dt);
        auto [LU, piv] = linalg::lu_factor(A);
        EXPECT_TRUE(close(matmul(A, linalg::lu_solve(LU, piv, B)), B, tol, tol)) << n << " " << k;
        for (bool upper : {false, true})
          for (bool unit : {false, true}) {
            const Tensor T = upper ? triu(A) : tril(A);
            const Tensor Tu = unit ? T * (1.0 - eye(n, dt)) + eye(n, dt) : T;  // the diagonal taken as ones
            const Tensor X = linalg::solve_triangular(T, B, upper, true, unit);
            EXPECT_TRUE(close(matmul(Tu, X), B, tol, tol)) << n << " " << k << " " << upper << unit;
          }
      }
    }
  }
}

TEST(LinalgLu, RectangularFactors) {
  TG_REQUIRE_LAPACK();
  Generator gen(44);
  // Wide and tall, batched: P [m, m], L [m, k] (unit lower trapezoidal), U [k, n], k = min(m, n).
  for (const Shape& shape : {Shape{2, 3, 5}, Shape{2, 5, 3}, Shape{1, 4}, Shape{4, 1}}) {
    const Tensor A = randn(shape, gen, kFloat64);
    const int64_t m = shape[shape.size() - 2], n = shape.back(), k = std::min(m, n);
    auto [LU, pivots] = linalg::lu_factor(A);
    auto [P, L, U] = linalg::lu(A);
    EXPECT_EQ(LU.sizes(), A.sizes());
    EXPECT_EQ(pivots.sizes().back(), k);
    EXPECT_EQ(P.sizes().back(), m);
    EXPECT_EQ(L.sizes()[L.dim() - 2], m);
    EXPECT_EQ(L.sizes().back(), k);
    EXPECT_EQ(U.sizes()[U.dim() - 2], k);
    EXPECT_EQ(U.sizes().back(), n);
    EXPECT_TRUE(close(matmul(P, matmul(L, U)), A, 1e-12, 1e-12)) << fmt::format("{}", shape);
    EXPECT_TRUE(close(L, tril(L), 0, 0));
    EXPECT_TRUE(close(U, triu(U), 0, 0));
    EXPECT_TRUE(close(L.diagonal(0, -2, -1), ones({k}, kFloat64).expand(L.diagonal(0, -2, -1).sizes()), 0, 0));
    // Partial pivoting: every entry of L is at most 1 in magnitude.
    EXPECT_LE(L.abs().max().item<double>(), 1.0);
  }
  // A known wide case: the pivots pick the largest entry of each column in turn.
  const Tensor W = tensor({{1.0, 2.0, 3.0}, {4.0, 5.0, 6.0}}, kFloat64);
  EXPECT_EQ(std::get<1>(linalg::lu_factor(W)).to_vector<int32_t>(), (std::vector<int32_t>{2, 2}));
  auto [P, L, U] = linalg::lu(W);
  EXPECT_TRUE(close(U, tensor({{4.0, 5.0, 6.0}, {0.0, 0.75, 1.5}}, kFloat64), 1e-15, 1e-15));
  // lu_solve needs square factors.
  auto [LU, piv] = linalg::lu_factor(W);
  EXPECT_THROW_WITH(linalg::lu_solve(LU, piv, ones({2, 1}, kFloat64)), Error,
                    "linalg.lu_solve: expected square matrices [..., n, n], got shape [2, 3]");
  // Empty matrices.
  EXPECT_EQ(std::get<0>(linalg::lu_factor(zeros({3, 0, 4}, kFloat64))).sizes(), (Shape{3, 0, 4}));
  EXPECT_EQ(std::get<0>(linalg::lu(zeros({2, 0}, kFloat64))).sizes(), (Shape{2, 2}));
}

TEST(LinalgLu, Gradients) {
  TG_REQUIRE_LAPACK();
  Generator gen(42);
  const Tensor A = (randn({2, 4, 4}, gen, kFloat64) + 2.0 * eye(4, kFloat64)).requires_grad_(true);
  const Tensor B = randn({2, 4, 3}, gen, kFloat64).requires_grad_(true);
  const Tensor Bt = randn({2, 3, 4}, gen, kFloat64).requires_grad_(true);
  const Tensor LU = std::get<0>(linalg::lu_factor(A.detach())).requires_grad_(true);
  const Tensor piv = std::get<1>(linalg::lu_factor(A.detach()));
  const Tensor Wide = randn({2, 3, 5}, gen, kFloat64).requires_grad_(true);
  const Tensor Tall = randn({2, 5, 3}, gen, kFloat64).requires_grad_(true);
  expect_gradients({
      {"lu_factor", [](L x) { return std::get<0>(linalg::lu_factor(x[0])); }, {A}},
      {"lu",
       [](L x) {
         auto [P, Lf, U] = linalg::lu(x[0]);
         return cat({Lf, U * 0.5}, -1);
       },
       {A}},
      {"lu_U_only", [](L x) { return std::get<2>(linalg::lu(x[0])); }, {A}},
      {"lu_factor_wide", [](L x) { return std::get<0>(linalg::lu_factor(x[0])); }, {Wide}},
      {"lu_factor_tall", [](L x) { return std::get<0>(linalg::lu_factor(x[0])); }, {Tall}},
      {"lu_wide",
       [](L x) {
         auto [P, Lf, U] = linalg::lu(x[0]);
         return cat({Lf.flatten(-2), U.flatten(-2) * 0.5}, -1);
       },
       {Wide}},
      {"lu_tall",
       [](L x) {
         auto [P, Lf, U] = linalg::lu(x[0]);
         return cat({Lf.flatten(-2), U.flatten(-2) * 0.5}, -1);
       },
       {Tall}},
      {"lu_tall_L_only", [](L x) { return std::get<1>(linalg::lu(x[0])); }, {Tall}},
      {"lu_wide_U_only", [](L x) { return std::get<2>(linalg::lu(x[0])); }, {Wide}},
      {"lu_solve", [piv](L x) { return linalg::lu_solve(x[0], piv, x[1]); }, {LU, B}},
      {"lu_solve_adjoint", [piv](L x) { return linalg::lu_solve(x[0], piv, x[1], true, true); }, {LU, B}},
      {"lu_solve_right", [piv](L x) { return linalg::lu_solve(x[0], piv, x[1], false); }, {LU, Bt}},
      {"lu_solve_right_adjoint", [piv](L x) { return linalg::lu_solve(x[0], piv, x[1], false, true); }, {LU, Bt}},
      {"factor_then_solve",
       [](L x) {
         auto [F, p] = linalg::lu_factor(x[0]);
         return linalg::lu_solve(F, p, x[1]);
       },
       {A, B}},
  });
}

TEST(LinalgMatrixExp, AgainstSeriesAndClosedForms) {
  TG_REQUIRE_LAPACK();
  Generator gen(43);
  // A small matrix: the Taylor series converges fast.
  const Tensor A = randn({4, 4}, gen, kFloat64) * 0.3;
  Tensor series = eye(4, kFloat64), term = eye(4, kFloat64);
  for (int k = 1; k < 30; ++k) {
    term = matmul(term, A) / static_cast<double>(k);
    series = series + term;
  }
  EXPECT_TRUE(close(linalg::matrix_exp(A), series, 1e-13, 1e-13));
  // Every Pade degree (3, 5, 7, 9 by the 1-norm, then 13) against the series, and each one's
  // gradient.
  const Tensor B = randn({5, 5}, gen, kFloat64);
  const double bnorm = B.abs().sum({-2}).amax().item<double>();
  for (double target : {1e-3, 0.1, 0.5, 1.5, 4.0}) {
    SCOPED_TRACE(target);
    const Tensor S = B * (target / bnorm);
    Tensor sum = eye(5, kFloat64), power = eye(5, kFloat64);
    for (int k = 1; k < 40; ++k) {
      power = matmul(power, S) / static_cast<double>(k);
      sum = sum + power;
    }
    EXPECT_TRUE(close(linalg::matrix_exp(S), sum, 1e-14, 1e-14));
    EXPECT_TRUE(autograd::gradcheck([](const tensor_list& x) { return linalg::matrix_exp(x[0]); },
                                    {S.detach().requires_grad_(true)}));
  }
  // Rotations: exp([[0, -t], [t, 0]]) = [[cos t, -sin t], [sin t, cos t]], t large (squarings).
  const double t = 7.5;
  const Tensor R = linalg::matrix_exp(tensor({{0.0, -t}, {t, 0.0}}, kFloat64));
  EXPECT_TRUE(close(R, tensor({{std::cos(t), -std::sin(t)}, {std::sin(t), std::cos(t)}}, kFloat64), 1e-12, 1e-12));
  // Diagonal and nilpotent matrices, a batch with very different norms, float32, the tg:: name.
  EXPECT_TRUE(close(linalg::matrix_exp(diag(tensor({1.0, -2.0, 30.0}, kFloat64))),
                    diag(tensor({std::exp(1.0), std::exp(-2.0), std::exp(30.0)}, kFloat64)), 1e-13, 0));
  EXPECT_TRUE(close(linalg::matrix_exp(tensor({{0.0, 1.0}, {0.0, 0.0}}, kFloat64)),
                    tensor({{1.0, 1.0}, {0.0, 1.0}}, kFloat64), 0, 1e-15));
  const Tensor batch = stack({A, A * 40.0});
  const Tensor e = linalg::matrix_exp(batch);
  EXPECT_TRUE(close(e[0], series, 1e-12, 1e-12));
  EXPECT_TRUE(close(e[1], linalg::matrix_exp(A * 40.0), 1e-12, 1e-12));
  EXPECT_TRUE(close(matrix_exp(A.to(kFloat32)), series.to(kFloat32), 1e-5, 1e-6));
  // float32's own degrees (3, 5 by the 1-norm, then 7 with squarings) against the float64 result.
  for (double target : {0.2, 1.0, 3.0, 12.0, 60.0}) {
    SCOPED_TRACE(target);
    const Tensor S = B * (target / bnorm);
    const Tensor want = linalg::matrix_exp(S);
    EXPECT_TRUE(close(linalg::matrix_exp(S.to(kFloat32)), want, 2e-5 * std::max(1.0, target), 1e-6 * std::exp(target)));
  }
  const Tensor R32 = linalg::matrix_exp(tensor({{0.0, -t}, {t, 0.0}}, kFloat32));
  EXPECT_TRUE(close(R32, R, 1e-5, 1e-5));
  // Infinite entries: no squaring count from an infinite norm, and a non-finite result.
  for (DType dt : {kFloat32, kFloat64}) {
    const Tensor inf_exp = linalg::matrix_exp(tensor({{INFINITY, 0.0}, {0.0, 1.0}}, dt));
    EXPECT_TRUE(logical_not(isfinite(inf_exp)).any().item<bool>());
  }
  EXPECT_EQ(linalg::matrix_exp(zeros({0, 3, 3}, kFloat64)).sizes(), (Shape{0, 3, 3}));
  EXPECT_THROW_WITH(linalg::matrix_exp(zeros({2, 3})), Error, "linalg.matrix_exp: expected square matrices");
  EXPECT_THROW_WITH(linalg::matrix_exp(zeros({2, 2}, kInt64)), TypeError, "linalg.matrix_exp");
  const Tensor Ag = (randn({3, 3}, gen, kFloat64) * 2.0).requires_grad_(true);
  expect_gradients({{"matrix_exp", [](L x) { return linalg::matrix_exp(x[0]); }, {Ag}},
                    {"matrix_exp_small", [](L x) { return linalg::matrix_exp(x[0] * 0.1); }, {Ag}}});
}
