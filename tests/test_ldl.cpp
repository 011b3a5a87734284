// linalg.ldl_factor(_ex) and linalg.ldl_solve: LAPACK's compact factors on hand-worked matrices
// (PyTorch's values), the factors rebuilding A where no pivoting happens, solves of real symmetric,
// complex symmetric and Hermitian systems (batched, broadcast, blocked sizes), info for singular
// matrices, the gradient in B, and the errors.
#include "test_cuda_util.h"

using namespace tg;
using tgtest::close;
using tgtest::crandn;
using tgtest::vals;
using V = std::vector<double>;

namespace {

// A random symmetric (or, complex with hermitian, Hermitian) matrix batch, indefinite.
Tensor symmetric(const Shape& shape, Generator& gen, DType dtype, bool hermitian = false) {
  const Tensor g = is_complex(dtype) ? crandn(shape, gen, dtype) : randn(shape, gen, dtype);
  return hermitian ? g + g.mH() : g + g.mT();
}

}  // namespace

TEST(LinalgLdl, FactorsAsLapackOnHandWorkedMatrices) {
  TG_REQUIRE_LAPACK();
  // No diagonal to pivot on: one 2 x 2 block (PyTorch: LD [[0, 0], [1, 0]], pivots [-2, -2]).
  auto [LD, pivots] = linalg::ldl_factor(tensor({{0.0, 1.0}, {1.0, 0.0}}, kFloat64));
  EXPECT_EQ(vals(LD), (V{0, 0, 1, 0}));
  EXPECT_EQ(pivots.dtype(), kInt32);
  EXPECT_EQ(vals(pivots), (V{-2, -2}));
  // A 2 x 2 block with rows 2 and 3 swapped, then a 1 x 1 one (PyTorch's values).
  const Tensor A = tensor({{1.0, 2.0, 3.0}, {2.0, 1.0, 0.0}, {3.0, 0.0, 1.0}}, kFloat64);
  auto [LD3, piv3] = linalg::ldl_factor(A);
  EXPECT_TRUE(close(LD3, tensor({{1.0, 0.0, 0.0}, {3.0, 1.0, 0.0}, {-0.25, 0.75, 1.5}}, kFloat64), 1e-15, 1e-15));
  EXPECT_EQ(vals(piv3), (V{-3, -3, 3}));
  EXPECT_TRUE(close(linalg::ldl_solve(LD3, piv3, tensor({{1.0}, {2.0}, {3.0}}, kFloat64)),
                    tensor({{1.0}, {0.0}, {0.0}}, kFloat64), 1e-14, 1e-14));
  // Diagonally dominant: no pivoting, and A = L D L^T from the compact form.
  const Tensor S = tensor({{4.0, 2.0, 0.0}, {2.0, 5.0, 1.0}, {0.0, 1.0, 3.0}}, kFloat64);
  auto [LDs, pivs] = linalg::ldl_factor(S);
  EXPECT_EQ(vals(pivs), (V{1, 2, 3}));
  EXPECT_TRUE(close(LDs, tensor({{4.0, 0.0, 0.0}, {0.5, 4.0, 0.0}, {0.0, 0.25, 2.75}}, kFloat64), 1e-15, 1e-15));
  const Tensor L = tril(LDs, -1) + eye(3, kFloat64), D = diag_embed(diagonal(LDs));
  EXPECT_TRUE(close(matmul(matmul(L, D), L.mT()), S, 1e-14, 1e-14));
  // Only the lower triangle is read.
  EXPECT_TRUE(close(std::get<0>(linalg::ldl_factor(tril(S))), LDs, 0, 0));
}

TEST(LinalgLdl, SolvesSymmetricAndHermitianSystems) {
  TG_REQUIRE_LAPACK();
  Generator gen(21);
  // n = 70 takes LAPACK's blocked sytrf; the batch runs a matrix per task.
  for (const int64_t n : {1, 5, 70}) {
    for (DType dt : {kFloat32, kFloat64, kComplex64, kComplex128}) {
      const bool single = dt == kFloat32 || dt == kComplex64;
      const double tol = single ? 2e-3 : 1e-9;
      for (bool hermitian : {false, true}) {
        const Tensor A = symmetric({3, n, n}, gen, dt, hermitian);
        const Tensor B = is_complex(dt) ? crandn({3, n, 2}, gen, dt) : randn({3, n, 2}, gen, dt);
        auto [LD, pivots, info] = linalg::ldl_factor_ex(A, hermitian);
        EXPECT_EQ(LD.dtype(), dt);
        EXPECT_EQ(vals(info), (V{0, 0, 0}));
        EXPECT_TRUE(close(triu(LD, 1), zeros_like(LD), 0, 0));
        const Tensor X = linalg::ldl_solve(LD, pivots, B, hermitian);
        EXPECT_TRUE(close(matmul(A, X), B, tol, tol)) << "n " << n << " " << name(dt) << " hermitian " << hermitian;
        EXPECT_TRUE(close(X, linalg::solve(A, B), tol * 10, tol * 10));
      }
    }
  }
  // Batch dims broadcast: factors [2, n, n] against B [3, 1, n, k]; int64 pivots as well.
  const Tensor A = symmetric({2, 4, 4}, gen, kFloat64), B = randn({3, 1, 4, 2}, gen, kFloat64);
  auto [LD, pivots] = linalg::ldl_factor(A);
  const Tensor X = linalg::ldl_solve(LD, pivots.to(kInt64), B);
  EXPECT_EQ(X.sizes(), Shape({3, 2, 4, 2}));
  EXPECT_TRUE(close(matmul(A, X), B.expand({3, 2, 4, 2}), 1e-10, 1e-10));
  // A non-contiguous B and a copied (row-major) LD solve alike.
  const Tensor Bt = randn({2, 3, 4}, gen, kFloat64).mT();
  EXPECT_TRUE(close(linalg::ldl_solve(LD.contiguous(), pivots, Bt), linalg::solve(A, Bt), 1e-10, 1e-10));
  // Empty matrices and empty right-hand sides.
  auto [LD0, piv0] = linalg::ldl_factor(zeros({2, 0, 0}, kFloat64));
  EXPECT_EQ(LD0.sizes(), Shape({2, 0, 0}));
  EXPECT_EQ(piv0.sizes(), Shape({2, 0}));
  EXPECT_EQ(linalg::ldl_solve(LD, pivots, zeros({2, 4, 0}, kFloat64)).sizes(), Shape({2, 4, 0}));
}

TEST(LinalgLdl, SingularMatricesInInfoOrAnError) {
  TG_REQUIRE_LAPACK();
  Generator gen(22);
  Tensor A = symmetric({3, 3, 3}, gen, kFloat64);
  A.select(0, 1).zero_();
  auto [LD, pivots, info] = linalg::ldl_factor_ex(A);
  EXPECT_EQ(vals(info), (V{0, 1, 0}));
  EXPECT_EQ(info.dtype(), kInt32);
  EXPECT_THROW_WITH(linalg::ldl_factor(A), LinAlgError,
                    "linalg.ldl_factor: D[0][0] is zero (batch element 1): the input matrix is singular");
  EXPECT_THROW_WITH(linalg::ldl_factor_ex(A, false, true), LinAlgError, "linalg.ldl_factor_ex: D[0][0] is zero");
  auto [LD1, piv1, info1] = linalg::ldl_factor_ex(zeros({2, 2}, kFloat64));
  EXPECT_EQ(info1.dim(), 0);
  EXPECT_EQ(info1.item<int64_t>(), 1);
}

TEST(LinalgLdl, GradientInBOnly) {
  TG_REQUIRE_LAPACK();
  Generator gen(23);
  for (DType dt : {kFloat64, kComplex128}) {
    for (bool hermitian : {false, true}) {
      const Tensor A = symmetric({2, 4, 4}, gen, dt, hermitian);
      auto [LD, pivots] = linalg::ldl_factor(A, hermitian);
      const Tensor B =
          (is_complex(dt) ? crandn({3, 1, 4, 2}, gen, dt) : randn({3, 1, 4, 2}, gen, dt)).requires_grad_(true);
      EXPECT_TRUE(autograd::gradcheck(
          [&](const tensor_list& in) { return linalg::ldl_solve(LD, pivots, in[0], hermitian); }, {B}))
          << name(dt) << " hermitian " << hermitian;
      // It agrees with solve's (A X = B by LU).
      const Tensor B1 = B.detach().requires_grad_(true), B2 = B.detach().requires_grad_(true);
      const Tensor G = is_complex(dt) ? crandn({3, 2, 4, 2}, gen, dt) : randn({3, 2, 4, 2}, gen, dt);
      linalg::ldl_solve(LD, pivots, B1, hermitian).backward(G);
      linalg::solve(A, B2).backward(G);
      EXPECT_TRUE(close(B1.grad(), B2.grad(), 1e-9, 1e-9));
    }
  }
  // Second order: the backward is itself a solve.
  const Tensor A = symmetric({3, 3}, gen, kFloat64);
  auto [LD, pivots] = linalg::ldl_factor(A);
  const Tensor B = randn({3, 2}, gen, kFloat64).requires_grad_(true);
  EXPECT_TRUE(autograd::gradgradcheck(
      [&](const tensor_list& in) { return linalg::ldl_solve(LD, pivots, in[0] * in[0]); }, {B}));
}

TEST(LinalgLdl, FactorAndFactorsHaveNoGradient) {
  TG_REQUIRE_LAPACK();
  Generator gen(24);
  const Tensor A = symmetric({3, 3}, gen, kFloat64).requires_grad_(true);
  auto [LD, pivots] = linalg::ldl_factor(A);
  EXPECT_TRUE(LD.requires_grad());
  EXPECT_FALSE(pivots.requires_grad());
  EXPECT_THROW_WITH(LD.sum().backward(), Error,
                    "linalg.ldl_factor: the derivative of the LDL factorization is not implemented");
  const Tensor LDleaf = LD.detach().requires_grad_(true);
  const Tensor B = randn({3, 2}, gen, kFloat64).requires_grad_(true);
  EXPECT_THROW_WITH(linalg::ldl_solve(LDleaf, pivots, B).sum().backward(), Error,
                    "linalg.ldl_solve: the derivative with respect to LD is not implemented");
  // With LD not requiring grad the solve records for B alone.
  linalg::ldl_solve(LD.detach(), pivots, B).sum().backward();
  EXPECT_TRUE(B.grad().defined());
}

TEST(LinalgLdl, Errors) {
  TG_REQUIRE_LAPACK();
  Generator gen(25);
  const Tensor A = symmetric({3, 3}, gen, kFloat64);
  auto [LD, pivots] = linalg::ldl_factor(A);
  const Tensor B = randn({3, 2}, gen, kFloat64);
  EXPECT_THROW_WITH(linalg::ldl_factor(randn({3, 4}, gen, kFloat64)), Error,
                    "linalg.ldl_factor: expected square matrices [..., n, n], got shape [3, 4]");
  EXPECT_THROW_WITH(linalg::ldl_factor(ones({3, 3}, kInt64)), TypeError, "linalg.ldl_factor");
  EXPECT_THROW_WITH(linalg::ldl_factor_ex(randn({3}, gen)), Error, "linalg.ldl_factor_ex: expected square matrices");
  EXPECT_THROW_WITH(linalg::ldl_solve(LD, pivots.to(kFloat32), B), TypeError,
                    "linalg.ldl_solve: expected int32 or int64 pivots");
  EXPECT_THROW_WITH(linalg::ldl_solve(LD, pivots.narrow(0, 0, 2), B), Error,
                    "linalg.ldl_solve: LD of shape [3, 3] needs pivots of shape [3], got [2]");
  EXPECT_THROW_WITH(linalg::ldl_solve(LD, tensor(std::vector<int32_t>{1, 0, 3}), B), ValueError,
                    "linalg.ldl_solve: pivots must lie in [1, 3] or [-3, -1]");
  EXPECT_THROW_WITH(linalg::ldl_solve(LD, tensor(std::vector<int32_t>{1, 4, 3}), B), ValueError, "got 4");
  EXPECT_THROW_WITH(linalg::ldl_solve(LD, tensor(std::vector<int32_t>{1, 2, -3}), B), ValueError,
                    "a negative pivot (-3 at 2) marks a 2 x 2 block and must be repeated in the next entry");
  EXPECT_THROW_WITH(linalg::ldl_solve(LD, tensor(std::vector<int32_t>{-2, 1, 3}), B), ValueError,
                    "a negative pivot (-2 at 0)");
  EXPECT_THROW_WITH(linalg::ldl_solve(LD, pivots, B.to(kFloat32)), TypeError,
                    "linalg.ldl_solve: LD (float64) and B (float32) must have the same dtype");
  EXPECT_THROW_WITH(linalg::ldl_solve(LD, pivots, randn({4, 2}, gen, kFloat64)), Error,
                    "linalg.ldl_solve: LD of shape [3, 3] needs B with 3 rows ([..., 3, k]), got shape [4, 2]");
  EXPECT_THROW_WITH(linalg::ldl_solve(LD, pivots, randn({3}, gen, kFloat64)), Error, "needs B with 3 rows");
  // Batch dims that do not broadcast.
  auto [LD2, piv2] = linalg::ldl_factor(symmetric({2, 3, 3}, gen, kFloat64));
  EXPECT_THROW_WITH(linalg::ldl_solve(LD2, piv2, randn({4, 3, 2}, gen, kFloat64)), Error, "linalg.ldl_solve");
}

TEST(Cuda, LdlFactorAndSolveMatchTheCpu) {
  TG_REQUIRE_CUDA();
  TG_REQUIRE_LAPACK();
  Generator gen(26);
  // The hand-worked factors (a 2 x 2 block and a swap) come out the same, pivots exactly.
  const Tensor A3 = tensor({{1.0, 2.0, 3.0}, {2.0, 1.0, 0.0}, {3.0, 0.0, 1.0}});
  for (DType dt : {kFloat32, kFloat64, kComplex64, kComplex128}) {
    const double tol = tgtest::rtol_for(dt) * 10;
    tgtest::expect_same([](const auto& in) { return std::get<0>(linalg::ldl_factor(in[0])); }, {A3.to(dt)}, tol, tol);
    tgtest::expect_same([](const auto& in) { return std::get<1>(linalg::ldl_factor(in[0])); }, {A3.to(dt)}, 0, 0);
    // Random batches (sizes past cuSOLVER's block): the solutions agree; int64 pivots too.
    for (const int64_t n : {6, 80}) {
      for (bool hermitian : {false, true}) {
        const Tensor A = symmetric({3, n, n}, gen, dt, hermitian);
        const Tensor B = is_complex(dt) ? crandn({2, 1, n, 3}, gen, dt) : randn({2, 1, n, 3}, gen, dt);
        const double solve_tol = dt == kFloat32 || dt == kComplex64 ? 5e-2 : 1e-7;
        tgtest::expect_same(
            [hermitian](const auto& in) {
              auto [LD, pivots] = linalg::ldl_factor(in[0], hermitian);
              return linalg::ldl_solve(LD, pivots.to(kInt64), in[1], hermitian);
            },
            {A, B}, solve_tol, solve_tol);
        auto [LD, pivots, info] = linalg::ldl_factor_ex(A.cuda(), hermitian);
        EXPECT_TRUE(LD.is_cuda() && pivots.is_cuda() && info.is_cuda());
        EXPECT_TRUE(close(matmul(A.cuda(), linalg::ldl_solve(LD, pivots, B.cuda(), hermitian)).cpu(),
                          B.expand({2, 3, n, 3}), solve_tol, solve_tol));
      }
    }
  }
  // Singular matrices report in info on the GPU too; the gradient in B agrees with the CPU's.
  Tensor S = symmetric({2, 3, 3}, gen, kFloat64);
  S.select(0, 0).zero_();
  EXPECT_EQ(vals(std::get<2>(linalg::ldl_factor_ex(S.cuda()))), (V{1, 0}));
  EXPECT_THROW_WITH(linalg::ldl_factor(S.cuda()), ValueError, "D[0][0] is zero (batch element 0)");
  const Tensor A = symmetric({4, 4}, gen, kFloat64), G = randn({4, 2}, gen, kFloat64);
  auto grad_of = [&](const Device& d) {
    auto [LD, pivots] = linalg::ldl_factor(A.to(d));
    Tensor B = zeros({4, 2}, kFloat64).to(d).requires_grad_(true);
    linalg::ldl_solve(LD, pivots, B).backward(G.to(d));
    return B.grad().cpu();
  };
  EXPECT_TRUE(close(grad_of(Device::cuda()), grad_of(Device::cpu()), 1e-9, 1e-9));
  auto [LD, pivots] = linalg::ldl_factor(A);
  EXPECT_THROW_WITH(linalg::ldl_solve(LD.cuda(), pivots.cuda(), G), Error, "linalg.ldl_solve");
}
