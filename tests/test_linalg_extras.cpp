// torch.linalg's _ex forms (inv_ex, solve_ex, cholesky_ex, lu_factor_ex: info instead of an
// error) and the composed vecdot, vander, tensorinv and tensorsolve: values against the plain
// forms and hand-worked results, gradients by gradcheck, and the errors.
#include "test_util.h"

using namespace tg;
using tgtest::close;
using tgtest::vals;
using V = std::vector<double>;

namespace {

// Well-conditioned matrices: random plus n on the diagonal.
Tensor spread(const Shape& shape, Generator& gen) {
  const int64_t n = shape[shape.size() - 1];
  return randn(shape, gen, kFloat64) + eye(n, kFloat64) * static_cast<double>(n);
}

}  // namespace

TEST(LinalgEx, InvAndSolveReportSingularMatricesInInfo) {
  Generator gen(3);
  Tensor A = spread({3, 4, 4}, gen);
  // The second matrix is singular: its third row is zero.
  A.select(0, 1).select(0, 2).zero_();
  auto [inverse, info] = linalg::inv_ex(A);
  EXPECT_EQ(info.dtype(), kInt32);
  EXPECT_EQ(info.sizes(), Shape({3}));
  const auto codes = vals(info);
  EXPECT_EQ(codes[0], 0);
  EXPECT_GT(codes[1], 0);
  EXPECT_EQ(codes[2], 0);
  EXPECT_TRUE(close(inverse.select(0, 0), linalg::inv(A.select(0, 0)), 1e-12, 1e-12));
  EXPECT_TRUE(close(inverse.select(0, 2), linalg::inv(A.select(0, 2)), 1e-12, 1e-12));
  EXPECT_THROW_WITH(linalg::inv_ex(A, /*check_errors=*/true), Error,
                    "linalg.inv_ex: the input matrix is singular (batch element 1)");

  const Tensor B = randn({3, 4, 2}, gen, kFloat64), b = randn({4}, gen, kFloat64);
  auto [X, solve_info] = linalg::solve_ex(A, B);
  EXPECT_EQ(vals(solve_info), vals(info));
  EXPECT_TRUE(close(X.select(0, 0), linalg::solve(A.select(0, 0), B.select(0, 0)), 1e-12, 1e-12));
  // left = false: X A = B.
  const Tensor M = spread({4, 4}, gen), R = randn({2, 4}, gen, kFloat64);
  auto [Y, left_info] = linalg::solve_ex(M, R, /*left=*/false);
  EXPECT_TRUE(close(matmul(Y, M), R, 1e-12, 1e-12));
  EXPECT_EQ(left_info.dim(), 0);
  auto [y, vector_info] = linalg::solve_ex(M, b, /*left=*/false);
  EXPECT_TRUE(close(matmul(y, M), b, 1e-12, 1e-12));
  auto [z, broadcast_info] = linalg::solve_ex(A.select(0, 0), randn({5, 4, 1}, gen, kFloat64));
  EXPECT_EQ(broadcast_info.sizes(), Shape({5}));
  EXPECT_THROW_WITH(linalg::solve_ex(A, B, true, true), Error, "linalg.solve_ex: the input matrix is singular");
}

TEST(LinalgEx, CholeskyAndLuFactorReportFailuresInInfo) {
  Generator gen(4);
  const Tensor G = randn({2, 3, 3}, gen, kFloat64);
  Tensor S = matmul(G, G.mT()) + eye(3, kFloat64);
  // The second is not positive-definite from its leading minor of order 2 on.
  S.select(0, 1).select(0, 1).select(0, 1).fill_(-5.0);
  auto [L, info] = linalg::cholesky_ex(S);
  EXPECT_EQ(vals(info), (V{0, 2}));
  EXPECT_TRUE(close(L.select(0, 0), linalg::cholesky(S.select(0, 0)), 1e-12, 1e-12));
  auto [U, upper_info] = linalg::cholesky_ex(S.select(0, 0), /*upper=*/true);
  EXPECT_TRUE(close(U, linalg::cholesky(S.select(0, 0), true), 1e-12, 1e-12));
  EXPECT_THROW_WITH(linalg::cholesky_ex(S, false, true), LinAlgError,
                    "linalg.cholesky_ex: the input is not positive-definite (batch element 1): its leading minor of "
                    "order 2 is not positive-definite");

  Tensor A = spread({2, 3, 3}, gen);
  A.select(0, 0).select(1, 0).zero_();  // a zero first column: U[0][0] is zero
  auto [LU, pivots, lu_info] = linalg::lu_factor_ex(A);
  auto [LU2, pivots2] = linalg::lu_factor(A[1]);  // lu_factor itself raises on the singular one
  EXPECT_TRUE(close(LU[1], LU2, 0, 0));
  EXPECT_TRUE(close(pivots[1], pivots2, 0, 0));
  EXPECT_THROW_WITH(linalg::lu_factor(A), LinAlgError, "linalg.lu_factor: U[0][0] is zero (batch element 0)");
  EXPECT_EQ(vals(lu_info), (V{1, 0}));
  EXPECT_THROW_WITH(linalg::lu_factor_ex(A, true, true), LinAlgError, "linalg.lu_factor_ex: U[0][0] is zero");
  EXPECT_THROW_WITH(linalg::lu_factor_ex(A, false), ValueError,
                    "linalg.lu_factor_ex: LU without pivoting is not implemented");
}

TEST(LinalgEx, GradientsOfTheExForms) {
  Generator gen(5);
  const Tensor A = spread({3, 3}, gen).requires_grad_(true), B = randn({3, 2}, gen, kFloat64).requires_grad_(true);
  EXPECT_TRUE(autograd::gradcheck([](const tensor_list& in) { return std::get<0>(linalg::inv_ex(in[0])); }, {A}));
  EXPECT_TRUE(
      autograd::gradcheck([](const tensor_list& in) { return std::get<0>(linalg::solve_ex(in[0], in[1], false)); },
                          {A, B.mT().detach().requires_grad_(true)}));
  const Tensor G = randn({3, 3}, gen, kFloat64);
  const Tensor S = (matmul(G, G.mT()) + eye(3, kFloat64)).requires_grad_(true);
  EXPECT_TRUE(autograd::gradcheck(
      [](const tensor_list& in) { return std::get<0>(linalg::cholesky_ex((in[0] + in[0].mT()) / 2.0)); }, {S}));
  EXPECT_TRUE(autograd::gradcheck([](const tensor_list& in) { return std::get<0>(linalg::lu_factor_ex(in[0])); }, {A}));
}

TEST(LinalgExtras, VecdotAndVander) {
  const Tensor x = tensor(V{1, 2, 3, 4, 5, 6}).view({2, 3}), y = tensor(V{1, 0, -1});
  EXPECT_EQ(vals(linalg::vecdot(x, y)), (V{-2, -2}));
  EXPECT_EQ(vals(linalg::vecdot(x, x.select(0, 0).unsqueeze(0), 0)), (V{5, 14, 27}));
  EXPECT_THROW_WITH(linalg::vecdot(x, y.to(kFloat32)), TypeError,
                    "linalg.vecdot: x (float64) and y (float32) must have the same dtype");
  EXPECT_THROW_WITH(linalg::vecdot(x, y, 2), IndexError, "linalg.vecdot: dim 2 is out of range");

  const Tensor v = linalg::vander(tensor(V{2, 3, 0}));
  EXPECT_EQ(v.sizes(), Shape({3, 3}));
  EXPECT_EQ(vals(v), (V{1, 2, 4, 1, 3, 9, 1, 0, 0}));
  const Tensor vi = linalg::vander(tensor(std::vector<int64_t>{2, -1}), 4);
  EXPECT_EQ(vi.dtype(), kInt64);
  EXPECT_EQ(vals(vi), (V{1, 2, 4, 8, 1, -1, 1, -1}));
  EXPECT_THROW_WITH(linalg::vander(tensor(V{1, 2}), 1), ValueError, "linalg.vander: N must be greater than 1, got 1");
  EXPECT_THROW_WITH(linalg::vander(scalar_tensor(2.0)), Error, "linalg.vander: x must have at least one dimension");
  // Finite gradients at x = 0 (a running product, not pow).
  const Tensor p = tensor(V{0.0, 1.5, -0.5}).requires_grad_(true);
  EXPECT_TRUE(autograd::gradcheck([](const tensor_list& in) { return linalg::vander(in[0], 4); }, {p}));
  EXPECT_TRUE(autograd::gradcheck([](const tensor_list& in) { return linalg::vecdot(in[0], in[0] * 2.0); }, {p}));
}

TEST(LinalgExtras, TensorinvAndTensorsolve) {
  Generator gen(6);
  const Tensor A = spread({6, 6}, gen).reshape({6, 2, 3});
  const Tensor Ainv = linalg::tensorinv(A, 1);
  EXPECT_EQ(Ainv.sizes(), Shape({2, 3, 6}));
  EXPECT_TRUE(close(tensordot(Ainv, A, 1), eye(6, kFloat64).reshape({2, 3, 2, 3}), 1e-12, 1e-12));
  const Tensor A4 = spread({6, 6}, gen).reshape({2, 3, 6});
  EXPECT_EQ(linalg::tensorinv(A4, 2).sizes(), Shape({6, 2, 3}));
  EXPECT_THROW_WITH(linalg::tensorinv(A, 0), ValueError, "linalg.tensorinv: expected a strictly positive integer");
  EXPECT_THROW_WITH(linalg::tensorinv(zeros({2, 3}), 1), Error,
                    "linalg.tensorinv: the product of A's first ind dims (2) must equal that of the rest (3)");

  const Tensor B = randn({2, 3}, gen, kFloat64);
  const Tensor X = linalg::tensorsolve(A4, B);
  EXPECT_EQ(X.sizes(), Shape({6}));
  EXPECT_TRUE(close(tensordot(A4, X, 1), B, 1e-12, 1e-12));
  // dims: A's dim 0 moves to the end first.
  const Tensor A5 = spread({6, 6}, gen).reshape({6, 2, 3}), B5 = randn({2, 3}, gen, kFloat64);
  const Tensor X5 = linalg::tensorsolve(A5, B5, Shape({0}));
  EXPECT_TRUE(close(tensordot(A5.permute({1, 2, 0}), X5, 1), B5, 1e-12, 1e-12));
  EXPECT_THROW_WITH(linalg::tensorsolve(A4, randn({3, 2}, gen, kFloat64)), Error,
                    "linalg.tensorsolve: A of shape [2, 3, 6] (after moving dims) must start with B's shape [3, 2]");
  const Tensor Ag = A4.detach().requires_grad_(true), Bg = B.detach().requires_grad_(true);
  EXPECT_TRUE(autograd::gradcheck([](const tensor_list& in) { return linalg::tensorsolve(in[0], in[1]); }, {Ag, Bg}));
  EXPECT_TRUE(autograd::gradcheck([](const tensor_list& in) { return linalg::tensorinv(in[0], 1); },
                                  {A.detach().requires_grad_(true)}));
}

TEST(LinalgEx, CholeskySolveAndInverse) {
  TG_REQUIRE_LAPACK();
  Generator gen(11);
  const Tensor M = randn({2, 4, 4}, gen, kFloat64);
  const Tensor A = matmul(M, M.mT()) + eye(4, kFloat64);
  const Tensor B = randn({2, 4, 3}, gen, kFloat64);
  const Tensor L = linalg::cholesky(A), U = linalg::cholesky(A, /*upper=*/true);
  const Tensor X = linalg::solve(A, B);
  EXPECT_TRUE(close(cholesky_solve(B, L), X, 1e-10, 1e-10));
  EXPECT_TRUE(close(cholesky_solve(B, U, /*upper=*/true), X, 1e-10, 1e-10));
  EXPECT_TRUE(close(cholesky_inverse(L), linalg::inv(A), 1e-10, 1e-10));
  EXPECT_TRUE(close(cholesky_inverse(U, true), linalg::inv(A), 1e-10, 1e-10));
  // Batch dims broadcast: one factor for both right-hand sides.
  EXPECT_TRUE(close(cholesky_solve(B, L.select(0, 0)).select(0, 1), linalg::solve(A.select(0, 0), B.select(0, 1)),
                    1e-10, 1e-10));
  const Tensor L0 = L.select(0, 0).detach().requires_grad_(), B0 = B.select(0, 0).detach().requires_grad_();
  EXPECT_TRUE(autograd::gradcheck([](const tensor_list& in) { return cholesky_solve(in[1], in[0]); }, {L0, B0}));
  EXPECT_TRUE(autograd::gradcheck([](const tensor_list& in) { return cholesky_inverse(in[0]); }, {L0}));

  EXPECT_THROW_WITH(cholesky_solve(B, randn({4, 3}, kFloat64)), Error,
                    "cholesky_solve: expected square matrices [..., n, n], got shape [4, 3]");
  EXPECT_THROW_WITH(cholesky_solve(randn({3, 2}, kFloat64), L), Error,
                    "cholesky_solve: the factor of shape [2, 4, 4] needs B of shape [..., 4, k], got [3, 2]");
  EXPECT_THROW_WITH(cholesky_solve(B.to(kFloat32), L), TypeError,
                    "cholesky_solve: B (float32) and the factor (float64)");
  EXPECT_THROW_WITH(cholesky_inverse(randn({3}, kFloat64)), Error, "cholesky_inverse: expected square matrices");
  const Tensor zero_pivot = tensor({{1.0, 0.0}, {2.0, 0.0}}, kFloat64);
  EXPECT_THROW_WITH(cholesky_inverse(zero_pivot), LinAlgError,
                    "cholesky_inverse: the factor has a zero on its diagonal");
  EXPECT_THROW_WITH(cholesky_solve(ones({2, 1}, kFloat64), zero_pivot), LinAlgError,
                    "cholesky_solve: the factor has a zero on its diagonal");
}

TEST(LinalgEx, LuUnpackRebuildsTheMatrix) {
  TG_REQUIRE_LAPACK();
  Generator gen(12);
  for (const Shape& shape : {Shape{3, 4, 4}, Shape{5, 3}, Shape{3, 5}}) {
    const Tensor A = randn(shape, gen, kFloat64);
    auto [LU, pivots] = linalg::lu_factor(A);
    auto [P, L, U] = lu_unpack(LU, pivots);
    EXPECT_TRUE(close(matmul(P, matmul(L, U)), A, 1e-10, 1e-10));
    auto [P2, L2, U2] = linalg::lu(A);
    EXPECT_TRUE(close(P, P2, 0, 0));
    EXPECT_TRUE(close(L, L2, 1e-12, 1e-12));
    EXPECT_TRUE(close(U, U2, 1e-12, 1e-12));
  }
  const Tensor A = randn({4, 4}, gen, kFloat64);
  auto [LU, pivots] = linalg::lu_factor(A);
  auto [P, L, U] = lu_unpack(LU, pivots, /*unpack_data=*/false);
  EXPECT_EQ(L.numel(), 0);
  EXPECT_EQ(U.numel(), 0);
  EXPECT_EQ(P.sizes(), Shape({4, 4}));
  auto [no_p, L3, U3] = lu_unpack(LU, pivots, true, /*unpack_pivots=*/false);
  EXPECT_EQ(no_p.numel(), 0);
  EXPECT_TRUE(autograd::gradcheck(
      [&](const tensor_list& in) {
        auto [p, l, u] = lu_unpack(in[0], pivots);
        return l.sum() + (u * u).sum();
      },
      {LU.detach().requires_grad_()}));

  EXPECT_THROW_WITH(lu_unpack(LU, pivots.to(kInt64)), TypeError, "lu_unpack: expected int32 pivots");
  EXPECT_THROW_WITH(lu_unpack(LU, pivots.narrow(0, 0, 2)), Error,
                    "lu_unpack: LU of shape [4, 4] needs pivots of shape [4], got [2]");
  EXPECT_THROW_WITH(lu_unpack(LU, full({4}, 9, kInt32)), ValueError, "lu_unpack: pivots must lie in [1, 4]");
  EXPECT_THROW_WITH(lu_unpack(randn({4}, kFloat64), pivots), Error, "lu_unpack: expected matrices");
}
