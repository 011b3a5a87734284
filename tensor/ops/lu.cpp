// torch.linalg's LU family: lu_factor (the packed factors and LAPACK's pivots) and lu (P, L, U) of
// m x n matrices, and lu_solve (square factors), over the backend's getrf and getrs kernels. Where
// a gradient is recorded (or for the adjoint and right-hand forms) lu_solve is composed of
// triangular solves, whose gradients give those to B and to the factors.
#include <vector>

#include "autograd/derivatives/derivatives.h"
#include "kernels/kernels.h"
#include "tapegrad/autograd/grad_mode.h"
#include "tapegrad/tensor/ops.h"
#include "tensor/ops/common.h"
#include "tensor/ops/matrix_helpers.h"

namespace tg::linalg {
namespace {

// The permutation matrices P [..., m, m] with A = P L U, from 1-based pivots [..., k] (row i was
// swapped with row pivots[i] - 1, in order), of dtype and device `like`'s.
Tensor permutation_matrices(const Tensor& pivots, int64_t m, const Tensor& like) {
  const int64_t k = pivots.sizes()[pivots.dim() - 1];
  int64_t count = 1;
  for (int64_t d = 0; d + 1 < pivots.dim(); ++d) count *= pivots.sizes()[d];
  const std::vector<int32_t> piv = pivots.contiguous().cpu().to_vector<int32_t>();
  std::vector<double> p(static_cast<size_t>(count * m * m), 0.0);
  std::vector<int64_t> perm(static_cast<size_t>(m));
  for (int64_t b = 0; b < count; ++b) {
    for (int64_t i = 0; i < m; ++i) perm[static_cast<size_t>(i)] = i;
    for (int64_t i = 0; i < k; ++i)
      std::swap(perm[static_cast<size_t>(i)], perm[static_cast<size_t>(piv[static_cast<size_t>(b * k + i)] - 1)]);
    // Row i of P^T A is row perm[i] of A, so P[perm[i]][i] = 1.
    for (int64_t i = 0; i < m; ++i) p[static_cast<size_t>((b * m + perm[static_cast<size_t>(i)]) * m + i)] = 1.0;
  }
  Shape shape = pivots.sizes();
  shape.pop_back();
  shape.push_back(m);
  shape.push_back(m);
  return tensor(p, kFloat64).view(shape).to(like.dtype()).to(like.device());
}

void check_lu(const char* op, const Tensor& LU, const Tensor& pivots) {
  ops::check_matrices(op, LU, /*square=*/true);
  ops::check_defined(op, pivots, "pivots");
  ops::check_same_device(op, LU, pivots);
  TG_CHECK_TYPE(pivots.dtype() == kInt32, "{}: expected int32 pivots (as lu_factor returns), got {}", op,
                pivots.dtype());
  Shape expected = LU.sizes();
  expected.pop_back();
  TG_CHECK(pivots.sizes() == expected, "{}: LU of shape {} needs pivots of shape {}, got {}", op, LU.sizes(), expected,
           pivots.sizes());
  const int64_t n = LU.sizes()[LU.dim() - 1];
  if (pivots.numel() > 0) {
    const Tensor p = pivots.cpu();
    TG_CHECK_VALUE(p.min().item<int64_t>() >= 1 && p.max().item<int64_t>() <= n,
                   "{}: pivots must lie in [1, {}] (LAPACK's 1-based rows)", op, n);
  }
}

}  // namespace

namespace {
// lu_factor and lu_factor_ex: (LU, pivots), and the kernel's codes when asked (k > 0 where
// U[k - 1][k - 1] is zero).
std::tuple<Tensor, Tensor> lu_factor_impl(const char* op, const Tensor& A, std::vector<int32_t>* codes = nullptr) {
  ops::check_matrices(op, A, /*square=*/false);
  const ops::LU f = ops::lu_factor(A);
  const Tensor LU = f.factors.mT();
  if (autograd::needs_grad(A)) {
    auto node = autograd::derivatives::lu_factor_node(A);
    autograd::set_history_before_saves({LU}, node);
    node->save(LU, /*is_output=*/true);
    node->save(permutation_matrices(f.pivots, A.sizes()[A.dim() - 2], A));
    autograd::finish_history({LU}, node);
  }
  if (codes) *codes = f.info;
  return {LU, f.pivots};
}
}  // namespace

namespace {
void check_factored(const char* op, const Tensor& A, const std::vector<int32_t>& codes) {
  for (size_t b = 0; b < codes.size(); ++b)
    TG_CHECK_LINALG(codes[b] <= 0,
                    "{}: U[{}][{}] is zero{}: the input matrix is singular, and lu_solve would divide by zero "
                    "(linalg.lu_factor_ex and linalg.lu factor it anyway)",
                    op, codes[b] - 1, codes[b] - 1, ops::where_in_batch(A, static_cast<int64_t>(b)));
}
}  // namespace

// Raises on a singular matrix, as PyTorch's does: its factors would only serve lu_solve.
std::tuple<Tensor, Tensor> lu_factor(const Tensor& A, SourceLoc loc) {
  const char* op = "linalg.lu_factor";
  detail::ApiScope scope(op, loc);
  std::vector<int32_t> codes;
  auto factors = lu_factor_impl(op, A, &codes);
  check_factored(op, A, codes);
  return factors;
}

std::tuple<Tensor, Tensor, Tensor> lu_factor_ex(const Tensor& A, bool pivot, bool check_errors, SourceLoc loc) {
  const char* op = "linalg.lu_factor_ex";
  detail::ApiScope scope(op, loc);
  TG_CHECK_VALUE(pivot, "{}: LU without pivoting is not implemented (as on PyTorch's CPU)", op);
  std::vector<int32_t> codes;
  auto [LU, pivots] = lu_factor_impl(op, A, &codes);
  if (check_errors) check_factored(op, A, codes);
  return {LU, pivots, ops::info_tensor(A, std::move(codes), ops::batch_shape(A))};
}

std::tuple<Tensor, Tensor, Tensor> lu(const Tensor& A, SourceLoc loc) {
  const char* op = "linalg.lu";
  detail::ApiScope scope(op, loc);
  ops::check_matrices(op, A, /*square=*/false);
  const int64_t m = A.sizes()[A.dim() - 2], k = std::min(m, A.sizes()[A.dim() - 1]);
  const ops::LU f = ops::lu_factor(A);
  Tensor P = permutation_matrices(f.pivots, m, A), L, U;
  {
    NoGradGuard no_grad;
    auto [lower, upper] = ops::lu_parts(f.factors.mT());
    L = lower + eye(m, k, A.options().requires_grad(false));
    U = upper;
  }
  if (autograd::needs_grad(A)) {
    auto node = autograd::derivatives::lu_node(A);
    autograd::set_history_before_saves({L, U}, node);  // P has no gradient
    node->save(P);
    node->save(L, /*is_output=*/true);
    node->save(U, /*is_output=*/true);
    autograd::finish_history({L, U}, node);
  }
  return {P, L, U};
}

Tensor lu_solve(const Tensor& LU, const Tensor& pivots, const Tensor& B, bool left, bool adjoint, SourceLoc loc) {
  const char* op = "linalg.lu_solve";
  detail::ApiScope scope(op, loc);
  check_lu(op, LU, pivots);
  ops::check_defined(op, B, "B");
  ops::check_same_device(op, LU, B);
  TG_CHECK_TYPE(LU.dtype() == B.dtype(), "{}: LU ({}) and B ({}) must have the same dtype", op, LU.dtype(), B.dtype());
  const int64_t n = LU.sizes()[LU.dim() - 1];
  TG_CHECK(B.dim() >= 2 && B.sizes()[B.dim() - (left ? 2 : 1)] == n,
           "{}: LU of shape {} needs B with {} {} ([..., {}]), got shape {}", op, LU.sizes(), n,
           left ? "rows" : "columns", left ? fmt::format("{}, k", n) : fmt::format("k, {}", n), B.sizes());
  if (left && !adjoint && !autograd::needs_grad(LU) && !autograd::needs_grad(B)) {
    // No gradient to record: LAPACK's getrs (cuSOLVER's) on column-major copies.
    const Shape batch = broadcast_shapes(ops::batch_shape(LU), ops::batch_shape(B), op);
    const int64_t k = B.sizes()[B.dim() - 1];
    // lu_factor's LU is the transpose of a contiguous buffer: the kernel reads that in place.
    const Tensor full = LU.expand(ops::with_matrix_dims(batch, n, n));
    const Tensor factors = full.mT().is_contiguous() ? full.mT() : ops::column_major(full);
    Shape pivot_shape = batch;
    pivot_shape.push_back(n);
    const Tensor piv = pivots.expand(pivot_shape).contiguous();
    Tensor x = ops::column_major(B.expand(ops::with_matrix_dims(batch, n, k)));  // [..., k, n]: X^T once solved
    if (ops::matrix_count(factors) > 0 && k > 0)
      kernels::backend(LU.device(), op)
          .lu_solve(LU.dtype(), ops::matrix_count(factors), n, k, factors.data_ptr(), piv.data_ptr<int32_t>(),
                    x.data_ptr());
    return x.mT();
  }
  // A = P L U, with L (unit diagonal) below LU's diagonal and U on and above it.
  const Tensor P = permutation_matrices(pivots, n, LU);
  if (left && !adjoint) {  // X = U^-1 L^-1 P^T B
    const Tensor Y = solve_triangular(LU, tg::matmul(P.mH(), B), /*upper=*/false, true, /*unitriangular=*/true);
    return solve_triangular(LU, Y, /*upper=*/true);
  }
  if (left) {  // A^H X = B: X = P L^-H U^-H B
    const Tensor Y = solve_triangular(LU.mH(), B, /*upper=*/false);
    return tg::matmul(P, solve_triangular(LU.mH(), Y, /*upper=*/true, true, /*unitriangular=*/true));
  }
  if (!adjoint) {  // X A = B: X = B U^-1 L^-1 P^T
    const Tensor Y = solve_triangular(LU, B, /*upper=*/true, /*left=*/false);
    return tg::matmul(solve_triangular(LU, Y, /*upper=*/false, /*left=*/false, /*unitriangular=*/true), P.mH());
  }
  // X A^H = B: X = B P L^-H U^-H
  const Tensor Y = solve_triangular(LU.mH(), tg::matmul(B, P), /*upper=*/true, /*left=*/false, /*unitriangular=*/true);
  return solve_triangular(LU.mH(), Y, /*upper=*/false, /*left=*/false);
}

}  // namespace tg::linalg

namespace tg {

std::tuple<Tensor, Tensor, Tensor> lu_unpack(const Tensor& LU, const Tensor& pivots, bool unpack_data,
                                             bool unpack_pivots, SourceLoc loc) {
  const char* op = "lu_unpack";
  detail::ApiScope scope(op, loc);
  ops::check_matrices(op, LU, /*square=*/false);
  ops::check_defined(op, pivots, "pivots");
  ops::check_same_device(op, LU, pivots);
  TG_CHECK_TYPE(pivots.dtype() == kInt32, "{}: expected int32 pivots (as lu_factor returns), got {}", op,
                pivots.dtype());
  const int64_t m = LU.sizes()[LU.dim() - 2], k = std::min(m, LU.sizes()[LU.dim() - 1]);
  Shape expected = ops::batch_shape(LU);
  expected.push_back(k);
  TG_CHECK(pivots.sizes() == expected, "{}: LU of shape {} needs pivots of shape {}, got {}", op, LU.sizes(), expected,
           pivots.sizes());
  Tensor P, L, U;
  if (unpack_pivots) {
    if (pivots.numel() > 0) {
      const Tensor p = pivots.cpu();
      TG_CHECK_VALUE(p.min().item<int64_t>() >= 1 && p.max().item<int64_t>() <= m,
                     "{}: pivots must lie in [1, {}] (LAPACK's 1-based rows)", op, m);
    }
    P = linalg::permutation_matrices(pivots, m, LU);
  } else {
    P = empty({0}, LU.options());
  }
  if (unpack_data) {
    auto [lower, upper] = ops::lu_parts(LU);
    L = lower + eye(m, k, LU.options());
    U = upper;
  } else {
    L = empty({0}, LU.options());
    U = empty({0}, LU.options());
  }
  return {P, L, U};
}

}  // namespace tg
