// linalg.matrix_sqrth and linalg.polar: the square root of a Hermitian positive-(semi)definite
// matrix, and the polar decomposition A = U H, whose H is the square root of A^H A. Both are
// composed of eigh / svd (LAPACK's, cuSOLVER's). Their gradients solve the Sylvester equation
// X dX + dX X = dC in the square root's eigenbasis, which stays finite where eigenvalues repeat
// (going through eigh's or svd's own gradients would divide by their differences there). Under
// create_graph the eigenbasis is recomputed from A with gradients, so that the gradients are
// themselves differentiable.
#include <utility>

#include "autograd/record.h"
#include "tapegrad/autograd/grad_mode.h"
#include "tapegrad/tensor/ops.h"
#include "tensor/ops/common.h"
#include "tensor/ops/matrix_helpers.h"

namespace tg::linalg {
namespace {

// V diag(d) V^H, for real d.
Tensor from_eigenbasis(const Tensor& V, const Tensor& d) {
  return tg::matmul(V * d.unsqueeze(-2).to(V.dtype()), V.mH());
}

// Y with X Y + Y X = C, for X = V diag(s) V^H: V ((V^H C V) / (s_i + s_j)) V^H.
Tensor sylvester_solve(const Tensor& V, const Tensor& s, const Tensor& C) {
  const Tensor sums = (s.unsqueeze(-1) + s.unsqueeze(-2)).to(V.dtype());
  return tg::matmul(tg::matmul(V, tg::matmul(tg::matmul(V.mH(), C), V) / sums), V.mH());
}

// The eigenvectors of A's lower triangle and the square roots of its eigenvalues (negative ones
// as 0, as PyTorch's matrix_sqrth takes them).
std::pair<Tensor, Tensor> root_eigenbasis(const Tensor& A) {
  auto [w, V] = eigh(A);
  return {V, tg::sqrt(clamp_min(w, 0.0))};
}

// U = W Vh and H's eigenbasis (V = Vh^H, the singular values s) from A's reduced SVD.
struct PolarParts {
  Tensor U, V, s;
};
PolarParts polar_parts(const Tensor& A) {
  auto [W, S, Vh] = svd(A, /*full_matrices=*/false);
  return {tg::matmul(W, Vh), Vh.mH(), S};
}

}  // namespace

Tensor matrix_sqrth(const Tensor& A, SourceLoc loc) {
  const char* op = "linalg.matrix_sqrth";
  detail::ApiScope scope(op, loc);
  ops::check_matrices(op, A, /*square=*/true);
  Tensor V, s, X;
  {
    NoGradGuard no_grad;
    std::tie(V, s) = root_eigenbasis(A);
    X = from_eigenbasis(V, s);
  }
  if (!autograd::needs_grad(A)) return X;
  auto node = autograd::make_node(
      "LinalgMatrixSqrthBackward", {&A}, [](const autograd::Node& n, const tensor_list& g) -> tensor_list {
        const auto [V, s] = GradMode::is_enabled() ? root_eigenbasis(n.saved(0)) : std::pair(n.saved(1), n.saved(2));
        // X is Hermitian: the Hermitian part of its gradient is the one that moves it (PyTorch's).
        return {sylvester_solve(V, s, (g[0] + g[0].mH()) / 2.0)};
      });
  node->save(A);
  node->save(V);
  node->save(s);
  autograd::set_history(X, node);
  return X;
}

std::tuple<Tensor, Tensor> polar(const Tensor& A, SourceLoc loc) {
  const char* op = "linalg.polar";
  detail::ApiScope scope(op, loc);
  ops::check_matrices(op, A, /*square=*/false);
  const int64_t m = A.sizes()[A.dim() - 2], n = A.sizes()[A.dim() - 1];
  TG_CHECK(m >= n, "{}: expected matrices with at least as many rows as columns, got shape {}", op, A.sizes());
  PolarParts p;
  Tensor H;
  {
    NoGradGuard no_grad;
    p = polar_parts(A);
    H = from_eigenbasis(p.V, p.s);
  }
  if (autograd::needs_grad(A)) {
    auto node = autograd::make_node(
        "LinalgPolarBackward", {&A}, [](const autograd::Node& nd, const tensor_list& g) -> tensor_list {
          const Tensor a = nd.saved(0);
          const PolarParts q =
              GradMode::is_enabled() ? polar_parts(a) : PolarParts{nd.saved(1), nd.saved(2), nd.saved(3)};
          // With H^2 = A^H A and U = A H^-1: dH solves H dH + dH H = dA^H A + A^H dA, and
          // dU = (dA - U dH) H^-1. So gA = gU H^-1 + A (M + M^H), M solving H M + M H = K for
          // K = gH - U^H gU H^-1 (the Sylvester operator is its own adjoint).
          Tensor gA, K = g[1];
          if (g[0].defined()) {
            const Tensor gU_Hinv = tg::matmul(g[0], from_eigenbasis(q.V, q.s.reciprocal()));
            gA = gU_Hinv;
            const Tensor from_U = tg::matmul(q.U.mH(), gU_Hinv);
            K = K.defined() ? K - from_U : -from_U;
          }
          if (K.defined()) {
            const Tensor M = sylvester_solve(q.V, q.s, K);
            const Tensor from_H = tg::matmul(a, M + M.mH());
            gA = gA.defined() ? gA + from_H : from_H;
          }
          return {gA};
        });
    autograd::set_history_before_saves({p.U, H}, node);
    node->save(A);
    node->save(p.U, /*is_output=*/true);
    node->save(p.V);
    node->save(p.s);
    autograd::finish_history({p.U, H}, node);
  }
  return {p.U, H};
}

}  // namespace tg::linalg
