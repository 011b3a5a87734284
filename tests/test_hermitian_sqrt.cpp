// linalg.matrix_sqrth and linalg.polar: their defining identities on random real and complex
// batches, hand-worked values (PyTorch's), gradients by gradcheck and gradgradcheck and where
// eigenvalues repeat, and the errors.
#include "test_cuda_util.h"

using namespace tg;
using tgtest::close;
using tgtest::crandn;
using tgtest::vals;
using V = std::vector<double>;

namespace {

Tensor random(const Shape& shape, Generator& gen, DType dtype) {
  return is_complex(dtype) ? crandn(shape, gen, dtype) : randn(shape, gen, dtype);
}

// Hermitian positive-definite: G G^H + n I.
Tensor positive_definite(const Shape& shape, Generator& gen, DType dtype) {
  const Tensor g = random(shape, gen, dtype);
  const int64_t n = shape[shape.size() - 1];
  return matmul(g, g.mH()) + eye(n, dtype) * static_cast<double>(n);
}

}  // namespace

TEST(MatrixSqrth, SquaresBackToTheInput) {
  TG_REQUIRE_LAPACK();
  Generator gen(31);
  for (DType dt : {kFloat32, kFloat64, kComplex64, kComplex128}) {
    const double tol = dt == kFloat32 || dt == kComplex64 ? 1e-4 : 1e-11;
    const Tensor A = positive_definite({3, 5, 5}, gen, dt);
    const Tensor X = linalg::matrix_sqrth(A);
    EXPECT_EQ(X.dtype(), dt);
    EXPECT_TRUE(close(matmul(X, X), A, tol, tol)) << name(dt);
    EXPECT_TRUE(close(X, X.mH(), tol, tol));
    EXPECT_GT(linalg::eigvalsh(X).min().item<double>(), 0.0);
    // Only the lower triangle is read.
    EXPECT_TRUE(close(linalg::matrix_sqrth(tril(A)), X, tol, tol));
  }
  EXPECT_TRUE(close(linalg::matrix_sqrth(tensor({{4.0, 0.0}, {0.0, 9.0}}, kFloat64)),
                    tensor({{2.0, 0.0}, {0.0, 3.0}}, kFloat64), 1e-15, 1e-15));
  // A negative eigenvalue counts as 0 (PyTorch's value).
  EXPECT_TRUE(close(linalg::matrix_sqrth(tensor({{1.0, 0.0}, {0.0, -4.0}}, kFloat64)),
                    tensor({{1.0, 0.0}, {0.0, 0.0}}, kFloat64), 1e-15, 1e-15));
  EXPECT_EQ(linalg::matrix_sqrth(zeros({2, 0, 0}, kFloat64)).sizes(), Shape({2, 0, 0}));
}

TEST(MatrixSqrth, Gradients) {
  TG_REQUIRE_LAPACK();
  Generator gen(32);
  for (DType dt : {kFloat64, kComplex128}) {
    const Tensor A = positive_definite({2, 4, 4}, gen, dt).requires_grad_(true);
    // Through the Hermitian part, as the op reads only one triangle.
    const auto f = [](const tensor_list& in) { return linalg::matrix_sqrth((in[0] + in[0].mH()) / 2.0); };
    EXPECT_TRUE(autograd::gradcheck(f, {A})) << name(dt);
    EXPECT_TRUE(autograd::gradgradcheck(f, {A})) << name(dt);
  }
  // At the identity (all eigenvalues the same) the gradient is finite: (G + G^T) / 4, as PyTorch's.
  const Tensor I = eye(3, kFloat64).requires_grad_(true);
  const Tensor G = arange(9, kFloat64).view({3, 3});
  linalg::matrix_sqrth(I).backward(G);
  EXPECT_TRUE(close(I.grad(), (G + G.mT()) / 4.0, 1e-14, 1e-14));
}

TEST(Polar, FactorsTheInput) {
  TG_REQUIRE_LAPACK();
  Generator gen(33);
  for (DType dt : {kFloat32, kFloat64, kComplex64, kComplex128}) {
    const double tol = dt == kFloat32 || dt == kComplex64 ? 1e-4 : 1e-11;
    for (const Shape& shape : {Shape({3, 6, 4}), Shape({4, 4}), Shape({5, 1})}) {
      const Tensor A = random(shape, gen, dt);
      auto [U, H] = linalg::polar(A);
      const int64_t n = shape[shape.size() - 1];
      EXPECT_EQ(U.sizes(), A.sizes());
      EXPECT_EQ(H.sizes()[H.dim() - 1], n);
      EXPECT_TRUE(close(matmul(U, H), A, tol, tol)) << name(dt) << " " << shape.str();
      EXPECT_TRUE(close(matmul(U.mH(), U), eye(n, dt).expand(H.sizes()), tol, tol));
      EXPECT_TRUE(close(H, H.mH(), tol, tol));
      EXPECT_GT(linalg::eigvalsh(H).min().item<double>(), -tol);
    }
  }
  // A with orthonormal columns is its own U, with H = I.
  auto [U, H] = linalg::polar(eye(3, 2, kFloat64));
  EXPECT_TRUE(close(U, eye(3, 2, kFloat64), 1e-15, 1e-15));
  EXPECT_TRUE(close(H, eye(2, kFloat64), 1e-15, 1e-15));
}

TEST(Polar, Gradients) {
  TG_REQUIRE_LAPACK();
  Generator gen(34);
  for (DType dt : {kFloat64, kComplex128}) {
    const Tensor A = random({2, 4, 3}, gen, dt).requires_grad_(true);
    EXPECT_TRUE(autograd::gradcheck([](const tensor_list& in) { return std::get<0>(linalg::polar(in[0])); }, {A}))
        << name(dt);
    EXPECT_TRUE(autograd::gradcheck([](const tensor_list& in) { return std::get<1>(linalg::polar(in[0])); }, {A}));
    EXPECT_TRUE(autograd::gradgradcheck(
        [](const tensor_list& in) {
          auto [U, H] = linalg::polar(in[0]);
          return U.sum() + H.narrow(-1, 0, 1).sum();
        },
        {A}));
  }
  // Where the singular values repeat (orthonormal columns) the gradient is PyTorch's:
  // with gU = 1 and gH = e_01, [[0, 0.5], [0.5, 0], [1, 1]].
  const Tensor A = eye(3, 2, kFloat64).requires_grad_(true);
  auto [U, H] = linalg::polar(A);
  (U.sum() + H.select(0, 0).select(0, 1)).backward();
  EXPECT_TRUE(close(A.grad(), tensor({{0.0, 0.5}, {0.5, 0.0}, {1.0, 1.0}}, kFloat64), 1e-14, 1e-14));
}

TEST(Polar, Errors) {
  TG_REQUIRE_LAPACK();
  EXPECT_THROW_WITH(linalg::polar(ones({2, 3}, kFloat64)), Error,
                    "linalg.polar: expected matrices with at least as many rows as columns, got shape [2, 3]");
  EXPECT_THROW_WITH(linalg::polar(ones({3}, kFloat64)), Error, "linalg.polar: expected matrices [..., m, n]");
  EXPECT_THROW_WITH(linalg::polar(ones({3, 2}, kInt64)), TypeError, "linalg.polar");
  EXPECT_THROW_WITH(linalg::matrix_sqrth(ones({2, 3}, kFloat64)), Error,
                    "linalg.matrix_sqrth: expected square matrices [..., n, n], got shape [2, 3]");
  EXPECT_THROW_WITH(linalg::matrix_sqrth(ones({2, 2}, kInt32)), TypeError, "linalg.matrix_sqrth");
}

TEST(Cuda, MatrixSqrthAndPolarMatchTheCpu) {
  TG_REQUIRE_CUDA();
  TG_REQUIRE_LAPACK();
  Generator gen(35);
  for (DType dt : {kFloat32, kFloat64, kComplex64, kComplex128}) {
    const double tol = tgtest::rtol_for(dt) * 100;
    tgtest::expect_same([](const auto& in) { return linalg::matrix_sqrth(in[0]); },
                        {positive_definite({3, 5, 5}, gen, dt)}, tol, tol);
    const Tensor A = random({2, 6, 4}, gen, dt);
    tgtest::expect_same([](const auto& in) { return std::get<0>(linalg::polar(in[0])); }, {A}, tol, tol);
    tgtest::expect_same([](const auto& in) { return std::get<1>(linalg::polar(in[0])); }, {A}, tol, tol);
    tgtest::expect_same(
        [](const auto& in) {
          const Tensor a = in[0].detach().requires_grad_(true);
          auto [U, H] = linalg::polar(a);
          (U.abs().sum() + H.abs().sum()).backward();
          return a.grad();
        },
        {A}, tol, tol);
  }
}
