// Complex matrices in torch.linalg's solvers and factorizations (LAPACK's c and z routines), and
// the general eigendecomposition (eig, eigvals) of real and complex matrices: each result checked
// by the identity that defines it, determinants against the cofactor expansion, the complex
// conventions (conjugate transposes, real eigenvalues and singular values, the sign as a phase),
// and every gradient by gradcheck, with the phase errors of eigh, eig and svd.
#include <complex>
#include <functional>

#include "test_util.h"

using namespace tg;
using tgtest::close;
using tgtest::crandn;
using C = std::complex<double>;

namespace {

// Random plus n on the diagonal: well conditioned.
Tensor well_conditioned(const Shape& shape, Generator& gen) {
  const int64_t n = shape[shape.size() - 1];
  return crandn(shape, gen) + eye(n, kComplex128) * static_cast<double>(n);
}
Tensor hermitian_positive(const Shape& shape, Generator& gen) {
  const Tensor m = crandn(shape, gen);
  return matmul(m, m.mH()) + eye(shape[shape.size() - 1], kComplex128);
}
::testing::AssertionResult cclose(const Tensor& a, const Tensor& e, double tol = 1e-10) {
  if (a.dtype() != e.dtype()) return ::testing::AssertionFailure() << name(a.dtype()) << " != " << name(e.dtype());
  return close(view_as_real(a.contiguous()), view_as_real(e.contiguous()), tol, tol);
}
Tensor identity(int64_t n) { return eye(n, kComplex128); }

}  // namespace

TEST(LinalgComplex, SolveInverseAndDeterminants) {
  TG_REQUIRE_LAPACK();
  Generator gen(31);
  const Tensor A = well_conditioned({2, 4, 4}, gen), B = crandn({2, 4, 3}, gen);
  EXPECT_TRUE(cclose(matmul(A, linalg::solve(A, B)), B));
  EXPECT_TRUE(cclose(matmul(linalg::inv(A), A), identity(4).expand({2, 4, 4})));
  EXPECT_TRUE(cclose(linalg::solve(A.select(0, 0), B.select(0, 0).select(1, 0)),
                     matmul(linalg::inv(A.select(0, 0)), B.select(0, 0).select(1, 0))));
  // det of a 3 x 3 by its cofactor expansion, in std::complex.
  const Tensor M = crandn({3, 3}, gen);
  const auto m = M.contiguous().to_vector<C>();
  auto at = [&](int i, int j) { return m[static_cast<size_t>(3 * i + j)]; };
  const C expected = at(0, 0) * (at(1, 1) * at(2, 2) - at(1, 2) * at(2, 1)) -
                     at(0, 1) * (at(1, 0) * at(2, 2) - at(1, 2) * at(2, 0)) +
                     at(0, 2) * (at(1, 0) * at(2, 1) - at(1, 1) * at(2, 0));
  const C d = linalg::det(M).item().to_complex();
  EXPECT_NEAR(std::abs(d - expected), 0.0, 1e-12);
  // slogdet: the sign is the phase det / |det|, the log of |det| real; logdet is log(det).
  auto [sign, logabs] = linalg::slogdet(M);
  EXPECT_EQ(sign.dtype(), kComplex128);
  EXPECT_EQ(logabs.dtype(), kFloat64);
  EXPECT_NEAR(std::abs(sign.item().to_complex() - expected / std::abs(expected)), 0.0, 1e-12);
  EXPECT_NEAR(logabs.item<double>(), std::log(std::abs(expected)), 1e-12);
  EXPECT_NEAR(std::abs(logdet(M).item().to_complex() - std::log(expected)), 0.0, 1e-12);
  // The LU family: P L U = A; lu_solve with A, A^H and from the right.
  auto [P, L, U] = linalg::lu(A);
  EXPECT_TRUE(cclose(matmul(P, matmul(L, U)), A));
  auto [LU, pivots] = linalg::lu_factor(A);
  EXPECT_TRUE(cclose(matmul(A, linalg::lu_solve(LU, pivots, B)), B));
  EXPECT_TRUE(cclose(matmul(A.mH(), linalg::lu_solve(LU, pivots, B, true, true)), B));
  const Tensor Bt = B.mT();
  EXPECT_TRUE(cclose(matmul(linalg::lu_solve(LU, pivots, Bt, false), A), Bt));
  EXPECT_TRUE(cclose(matmul(linalg::lu_solve(LU, pivots, Bt, false, true), A.mH()), Bt));
  // A larger matrix goes through LAPACK's getrf and getrs.
  const Tensor big = well_conditioned({40, 40}, gen), rhs = crandn({40, 2}, gen);
  EXPECT_TRUE(cclose(matmul(big, linalg::solve(big, rhs)), rhs, 1e-9));
  // complex64 in single precision.
  const Tensor a32 = A.to(kComplex64);
  EXPECT_TRUE(cclose(matmul(a32, linalg::inv(a32)), identity(4).to(kComplex64).expand({2, 4, 4}), 1e-5));
  EXPECT_EQ(std::get<1>(linalg::slogdet(a32)).dtype(), kFloat32);
}

TEST(LinalgComplex, CholeskyAndTriangularSolves) {
  TG_REQUIRE_LAPACK();
  Generator gen(32);
  const Tensor A = hermitian_positive({2, 4, 4}, gen), B = crandn({2, 4, 2}, gen);
  const Tensor L = linalg::cholesky(A);
  EXPECT_TRUE(cclose(matmul(L, L.mH()), A));
  EXPECT_TRUE(cclose(L, tril(L)));
  EXPECT_TRUE(close(imag(L.diagonal(0, -2, -1)), zeros({2, 4}, kFloat64), 0, 1e-12));  // real diagonal
  const Tensor Up = linalg::cholesky(A, /*upper=*/true);
  EXPECT_TRUE(cclose(matmul(Up.mH(), Up), A));
  EXPECT_TRUE(cclose(matmul(A, cholesky_solve(B, L)), B));
  EXPECT_TRUE(cclose(matmul(A, cholesky_solve(B, Up, true)), B));
  EXPECT_TRUE(cclose(matmul(cholesky_inverse(L), A), identity(4).expand({2, 4, 4})));
  // Triangular solves, lower and upper, from either side, in place or transposed layouts.
  const Tensor T = triu(well_conditioned({4, 4}, gen));
  const Tensor b = crandn({4, 3}, gen);
  EXPECT_TRUE(cclose(matmul(T, linalg::solve_triangular(T, b, true)), b));
  EXPECT_TRUE(cclose(matmul(T.mH(), linalg::solve_triangular(T.mH(), b, false)), b));
  EXPECT_TRUE(cclose(matmul(linalg::solve_triangular(T, b.mT(), true, false), T), b.mT()));
  const Tensor big = triu(well_conditioned({70, 70}, gen)), rhs = crandn({70, 2}, gen);
  EXPECT_TRUE(cclose(matmul(big, linalg::solve_triangular(big, rhs, true)), rhs, 1e-9));
  EXPECT_TRUE(cclose(matmul(big.mT(), linalg::solve_triangular(big.mT(), rhs, false)), rhs, 1e-9));
}

TEST(LinalgComplex, HermitianEigenQrAndSvd) {
  TG_REQUIRE_LAPACK();
  Generator gen(33);
  const Tensor M = crandn({2, 4, 4}, gen), H = M + M.mH();
  auto [w, V] = linalg::eigh(H);
  EXPECT_EQ(w.dtype(), kFloat64);
  EXPECT_TRUE(cclose(matmul(H, V), V * w.to(kComplex128).unsqueeze(-2)));
  EXPECT_TRUE(cclose(matmul(V.mH(), V), identity(4).expand({2, 4, 4})));
  // The upper triangle of a Hermitian matrix holds the same matrix.
  EXPECT_TRUE(close(linalg::eigvalsh(triu(H) + triu(H, 1).mH(), "U"), w, 1e-10, 1e-10));
  EXPECT_TRUE(close(linalg::eigvalsh(H, "U"), w, 1e-10, 1e-10));
  // QR: Q R = A with orthonormal columns and an upper R; complete Q square.
  const Tensor A = crandn({2, 5, 3}, gen);
  auto [Q, R] = linalg::qr(A);
  EXPECT_TRUE(cclose(matmul(Q, R), A));
  EXPECT_TRUE(cclose(matmul(Q.mH(), Q), identity(3).expand({2, 3, 3})));
  EXPECT_TRUE(cclose(R, triu(R)));
  auto [Qc, Rc] = linalg::qr(A, "complete");
  EXPECT_TRUE(cclose(matmul(Qc.mH(), Qc), identity(5).expand({2, 5, 5})));
  EXPECT_TRUE(cclose(matmul(Qc, Rc), A));
  // geqrf's reflectors give the same Q through householder_product, and ormqr applies it.
  auto [factors, tau] = geqrf(A);
  const Tensor Qh = linalg::householder_product(factors, tau);
  EXPECT_TRUE(cclose(matmul(Qh, R), A));
  const Tensor other = crandn({2, 5, 2}, gen);
  EXPECT_TRUE(cclose(ormqr(factors, tau, other), matmul(Qc, other)));
  EXPECT_TRUE(cclose(ormqr(factors, tau, other, true, true), matmul(Qc.mH(), other)));
  EXPECT_TRUE(cclose(ormqr(factors, tau, other.mT(), false, true), matmul(other.mT(), Qc.mH())));
  // SVD: real singular values in descending order, U S Vh = A.
  auto [Us, S, Vh] = linalg::svd(A, false);
  EXPECT_EQ(S.dtype(), kFloat64);
  EXPECT_TRUE(cclose(matmul(Us * S.to(kComplex128).unsqueeze(-2), Vh), A));
  EXPECT_TRUE(close(linalg::svdvals(A), S, 1e-10, 1e-10));
  auto [Uf, Sf, Vhf] = linalg::svd(A.mH(), true);
  EXPECT_TRUE(cclose(matmul(Uf.mH(), Uf), identity(3).expand({2, 3, 3})));
  EXPECT_TRUE(cclose(matmul(Vhf, Vhf.mH()), identity(5).expand({2, 5, 5})));
  EXPECT_TRUE(close(Sf, S, 1e-10, 1e-10));
  // The pseudo-inverse, rank, norms and condition numbers from the singular values.
  const Tensor pinv = linalg::pinv(A);
  EXPECT_TRUE(cclose(matmul(A, matmul(pinv, A)), A));
  EXPECT_TRUE(cclose(linalg::pinv(H, std::nullopt, std::nullopt, true), linalg::pinv(H)));
  EXPECT_EQ(linalg::matrix_rank(matmul(A, A.mH())).to_vector<int64_t>(), (std::vector<int64_t>{3, 3}));
  EXPECT_TRUE(close(linalg::matrix_norm(A), sqrt(square(abs(A)).sum({-2, -1})), 1e-10, 1e-10));
  EXPECT_TRUE(close(linalg::matrix_norm(A, "nuc"), S.sum({-1}), 1e-10, 1e-10));
  EXPECT_TRUE(close(linalg::matrix_norm(A, 2.0), S.select(-1, 0), 1e-10, 1e-10));
  EXPECT_TRUE(close(linalg::norm(A.select(0, 0), 1.0), abs(A.select(0, 0)).sum({0}).max(), 1e-10, 1e-10));
  EXPECT_TRUE(close(linalg::cond(A), S.select(-1, 0) / S.select(-1, 2), 1e-10, 1e-10));
}

TEST(LinalgComplex, LeastSquaresExponentialAndPowers) {
  TG_REQUIRE_LAPACK();
  Generator gen(34);
  const Tensor A = crandn({6, 3}, gen), B = crandn({6, 2}, gen);
  const Tensor expected = matmul(linalg::pinv(A), B);
  for (const char* driver : {"gels", "gelsy", "gelsd", "gelss"}) {
    auto [x, residuals, rank, values] = linalg::lstsq(A, B, std::nullopt, driver);
    EXPECT_TRUE(cclose(x, expected)) << driver;
    if (std::string(driver) == "gelsd" || std::string(driver) == "gelss") {
      EXPECT_EQ(values.dtype(), kFloat64);
      EXPECT_TRUE(close(values, linalg::svdvals(A), 1e-10, 1e-10));
    }
    if (std::string(driver) != "gelsy") {
      EXPECT_EQ(residuals.dtype(), kFloat64);
      EXPECT_TRUE(close(residuals, square(abs(matmul(A, x) - B)).sum({0}), 1e-10, 1e-10)) << driver;
    }
  }
  // exp(i t X) for the Pauli matrix X (X^2 = I) is cos(t) I + i sin(t) X.
  const double t = 0.7;
  const Tensor X = tensor({{0.0, 1.0}, {1.0, 0.0}}, kFloat64).to(kComplex128);
  EXPECT_TRUE(
      cclose(linalg::matrix_exp(X * Scalar(C(0, t))), identity(2) * std::cos(t) + X * Scalar(C(0, std::sin(t)))));
  const Tensor big = crandn({3, 3}, gen) * 3.0;  // past the low Pade degrees
  EXPECT_TRUE(cclose(matmul(linalg::matrix_exp(big), linalg::matrix_exp(-big)), identity(3), 1e-9));
  const Tensor W = well_conditioned({3, 3}, gen);
  EXPECT_TRUE(cclose(linalg::matrix_power(W, -2), matmul(linalg::inv(W), linalg::inv(W))));
}

TEST(LinalgComplex, Gradients) {
  TG_REQUIRE_LAPACK();
  Generator gen(35);
  const Tensor A = well_conditioned({3, 3}, gen).requires_grad_(true);
  const Tensor B = crandn({3, 2}, gen).requires_grad_(true);
  const Tensor M = crandn({3, 3}, gen).requires_grad_(true);
  const Tensor tall = crandn({4, 3}, gen).requires_grad_(true), wide = crandn({3, 4}, gen).requires_grad_(true);
  const Tensor B4 = crandn({4, 2}, gen).requires_grad_(true);
  using F = std::function<tensor_list(const tensor_list&)>;
  auto one = [](std::function<Tensor(const tensor_list&)> f) {
    return F([f](const tensor_list& in) { return tensor_list{f(in)}; });
  };
  const std::vector<std::tuple<const char*, F, tensor_list>> cases = {
      {"solve", one([](const tensor_list& in) { return linalg::solve(in[0], in[1]); }), {A, B}},
      {"inv", one([](const tensor_list& in) { return linalg::inv(in[0]); }), {A}},
      {"det", one([](const tensor_list& in) { return linalg::det(in[0]); }), {A}},
      {"slogdet",
       F([](const tensor_list& in) {
         auto [s, l] = linalg::slogdet(in[0]);
         return tensor_list{s, l};
       }),
       {A}},
      {"logdet", one([](const tensor_list& in) { return logdet(in[0]); }), {A}},
      {"lu_factor", one([](const tensor_list& in) { return std::get<0>(linalg::lu_factor(in[0])); }), {A}},
      {"lu",
       F([](const tensor_list& in) {
         auto [P, L, U] = linalg::lu(in[0]);
         return tensor_list{L, U};
       }),
       {tall}},
      {"lu_solve",
       one([](const tensor_list& in) {
         auto [LU, piv] = linalg::lu_factor(in[0]);
         return linalg::lu_solve(LU, piv, in[1], true, true);
       }),
       {A, B}},
      {"solve_triangular",
       one([](const tensor_list& in) { return linalg::solve_triangular(triu(in[0]), in[1], true); }),
       {A, B}},
      {"cholesky",
       one([](const tensor_list& in) { return linalg::cholesky(matmul(in[0], in[0].mH()) + eye(3, kComplex128)); }),
       {M}},
      {"cholesky_solve",
       one([](const tensor_list& in) {
         return cholesky_solve(in[1], linalg::cholesky(matmul(in[0], in[0].mH()) + eye(3, kComplex128)));
       }),
       {M, B}},
      // Functions of eigh's and svd's vectors that do not see their phases.
      {"eigh",
       F([](const tensor_list& in) {
         auto [w, V] = linalg::eigh(in[0] + in[0].mH());
         return tensor_list{w, abs(V), matmul(V * w.to(kComplex128).unsqueeze(-2), V.mH())};
       }),
       {M}},
      {"qr",
       F([](const tensor_list& in) {
         auto [Q, R] = linalg::qr(in[0]);
         return tensor_list{Q, R};
       }),
       {tall}},
      {"qr_wide",
       F([](const tensor_list& in) {
         auto [Q, R] = linalg::qr(in[0]);
         return tensor_list{Q, R};
       }),
       {wide}},
      {"svd",
       F([](const tensor_list& in) {
         auto [U, S, Vh] = linalg::svd(in[0], false);
         return tensor_list{S, abs(U), matmul(U, Vh)};
       }),
       {tall}},
      {"svd_wide",
       F([](const tensor_list& in) {
         auto [U, S, Vh] = linalg::svd(in[0], false);
         return tensor_list{S, matmul(U, Vh), abs(Vh)};
       }),
       {wide}},
      {"pinv", one([](const tensor_list& in) { return linalg::pinv(in[0]); }), {tall}},
      {"lstsq", one([](const tensor_list& in) { return std::get<0>(linalg::lstsq(in[0], in[1])); }), {tall, B4}},
      {"matrix_exp", one([](const tensor_list& in) { return linalg::matrix_exp(in[0] * 0.5); }), {M}},
      {"householder_product",
       one([](const tensor_list& in) { return linalg::householder_product(in[0], in[1].select(1, 0) * 0.5 + 1.0); }),
       {tall, B}},
  };
  for (const auto& [name, f, inputs] : cases)
    EXPECT_NO_THROW(EXPECT_TRUE(autograd::gradcheck(f, inputs)) << name) << name;
  EXPECT_TRUE(autograd::gradgradcheck([](const tensor_list& in) { return linalg::det(in[0]); }, {A}));
  // A singular matrix's det still has a gradient (the cofactors, from the SVD).
  const Tensor singular = tensor(std::vector<C>{{1, 1}, {2, 2}, {0.5, -1}, {1, -2}}).view({2, 2}).requires_grad_(true);
  EXPECT_TRUE(autograd::gradcheck([](const tensor_list& in) { return linalg::det(in[0]); }, {singular}));
}

TEST(LinalgComplex, PhaseDependentLossesHaveNoGradient) {
  TG_REQUIRE_LAPACK();
  Generator gen(36);
  const Tensor M = crandn({3, 3}, gen).requires_grad_(true);
  auto [w, V] = linalg::eigh(M + M.mH());
  EXPECT_THROW_WITH(real(V).sum().backward(), ValueError, "linalg.eigh: the loss depends on the phases");
  auto [U, S, Vh] = linalg::svd(M);
  EXPECT_THROW_WITH(real(U).sum().backward(), ValueError, "linalg.svd: the loss depends on the phases");
  // Integer and half-precision matrices are still refused by name.
  EXPECT_THROW_WITH(linalg::inv(ones({2, 2}, kInt64)), TypeError, "linalg.inv: expected a floating-point input");
  EXPECT_THROW_WITH(linalg::inv(ones({2, 2}, kFloat16)), TypeError,
                    "linalg.inv: expected float32, float64, complex64 or complex128 matrices, got float16");
}

TEST(LinalgComplex, GeneralEigendecomposition) {
  TG_REQUIRE_LAPACK();
  Generator gen(37);
  // A real matrix: complex eigenvalues in conjugate pairs, A V = V diag(L), unit columns.
  const Tensor R = randn({3, 5, 5}, gen, kFloat64);
  auto [L, V] = linalg::eig(R);
  EXPECT_EQ(L.dtype(), kComplex128);
  EXPECT_EQ(V.sizes(), Shape({3, 5, 5}));
  EXPECT_TRUE(cclose(matmul(R.to(kComplex128), V), V * L.unsqueeze(-2)));
  EXPECT_TRUE(close(linalg::vector_norm(V, 2, {-2}), ones({3, 5}, kFloat64), 1e-10, 1e-10));
  EXPECT_TRUE(cclose(linalg::eigvals(R), L));
  EXPECT_TRUE(cclose(L.prod({-1}), linalg::det(R).to(kComplex128)));
  // The rotation by 90 degrees turns no real vector into a multiple of itself: eigenvalues +-i.
  const Tensor rotation = tensor({{0.0f, -1.0f}, {1.0f, 0.0f}});
  const Tensor values = linalg::eigvals(rotation);
  EXPECT_EQ(values.dtype(), kComplex64);
  EXPECT_TRUE(cclose(values, tensor(std::vector<std::complex<float>>{{0, 1}, {0, -1}}), 1e-6));
  // A complex matrix.
  const Tensor Z = crandn({4, 4}, gen);
  auto [Lz, Vz] = linalg::eig(Z);
  EXPECT_TRUE(cclose(matmul(Z, Vz), Vz * Lz.unsqueeze(-2)));
  EXPECT_TRUE(cclose(Lz.sum(), Z.diagonal().sum()));
  // Gradients of losses that do not see the eigenvectors' phases; a real input's is real.
  const Tensor a = randn({4, 4}, gen, kFloat64).requires_grad_(true);
  const Tensor z = crandn({3, 3}, gen).requires_grad_(true);
  for (const Tensor& input : {a, z}) {
    EXPECT_TRUE(autograd::gradcheck(
        [](const tensor_list& in) {
          auto [l, v] = linalg::eig(in[0]);
          return tensor_list{l, abs(v)};
        },
        {input}));
    EXPECT_TRUE(autograd::gradcheck([](const tensor_list& in) { return linalg::eigvals(in[0]); }, {input}));
  }
  auto [la, va] = linalg::eig(a);
  (abs(la).sum() + abs(va).sum()).backward();
  EXPECT_EQ(a.grad().dtype(), kFloat64);
  auto [lz, vz] = linalg::eig(z);
  EXPECT_THROW_WITH(real(vz).sum().backward(), ValueError, "linalg.eig: the loss depends on the phases");
  EXPECT_THROW_WITH(linalg::eig(ones({2, 3})), Error, "linalg.eig: expected square matrices");
  EXPECT_THROW_WITH(linalg::eigvals(ones({2, 2}, kInt32)), TypeError, "linalg.eigvals: expected a floating-point");
}
