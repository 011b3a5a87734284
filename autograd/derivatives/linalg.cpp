// Backward formulas of matrix products, square solvers and factorizations, and softmax.
#include <string>

#include "autograd/derivatives/derivatives.h"
#include "tapegrad/tensor/ops.h"
#include "tensor/ops/internal.h"
#include "tensor/ops/matrix_helpers.h"

namespace tg::autograd::derivatives {

namespace {
// An operand stored transposed (a weight used as w.t(), say) gets its gradient computed
// transposed too, so that after the transpose's own backward it lands contiguous in the
// weight's layout and needs no copy.
bool stored_transposed(const Tensor& t) { return !t.is_contiguous() && t.mT().is_contiguous(); }
}  // namespace

std::shared_ptr<Node> matmul_node(const Tensor& a, const Tensor& b, const Tensor& bias) {
  const Shape as = a.sizes(), bs = b.sizes(), biass = bias.defined() ? bias.sizes() : Shape();
  const bool at = stored_transposed(a), bt = stored_transposed(b), has_bias = bias.defined();
  auto backward = [=](const Node& n, const tensor_list& g) -> tensor_list {
    tensor_list r(has_bias ? 3 : 2);
    const Tensor& grad = g[0];
    if (n.needs_input_grad(0)) {
      Tensor b_ = n.saved(1);
      r[0] = ops::sum_to_shape(at ? tg::matmul(b_, grad.mT()).mT() : tg::matmul(grad, b_.mT()), as);
    }
    if (n.needs_input_grad(1)) {
      Tensor a_ = n.saved(0);
      r[1] = ops::sum_to_shape(bt ? tg::matmul(grad.mT(), a_).mT() : tg::matmul(a_.mT(), grad), bs);
    }
    if (has_bias && n.needs_input_grad(2)) r[2] = ops::sum_to_shape(grad, biass);
    return r;
  };
  auto node = has_bias ? make_node("AddmmBackward", {&a, &b, &bias}, backward) : make_node("MmBackward", {&a, &b}, backward);
  node->save(a);
  node->save(b);
  return node;
}

std::shared_ptr<Node> softmax_node(const Tensor& self, const Tensor& result, int64_t dim, bool log) {
  auto node = make_node(log ? "LogSoftmaxBackward" : "SoftmaxBackward", {&self},
                        [dim, log](const Node& n, const tensor_list& g) -> tensor_list {
                          Tensor y = n.saved(0);
                          const Tensor& grad = g[0];
                          if (y.dim() == 0) return {zeros_like(grad)};
                          if (log) return {grad - exp(y) * grad.sum({dim}, true)};
                          return {y * (grad - (grad * y).sum({dim}, true))};
                        });
  node->save(result, /*is_output=*/true);
  return node;
}

std::shared_ptr<Node> solve_node(const Tensor& A, const Tensor& B, const Tensor& result) {
  auto node = make_node("LinalgSolveBackward", {&A, &B}, [](const Node& n, const tensor_list& g) -> tensor_list {
    // X = A^-1 B: dB = A^-T dX, dA = -dB X^T.
    Tensor gB = linalg::solve(n.saved(0).mT(), g[0]);
    return {n.needs_input_grad(0) ? -tg::matmul(gB, n.saved(1).mT()) : Tensor(), gB};
  });
  node->save(A);
  node->save(result, /*is_output=*/true);
  return node;
}

namespace {
// d det(A) / dA, the cofactor matrix: det(A) A^-T where A is invertible. Where it is not
// (det(A) == 0 exactly, where the inverse does not exist but the cofactors do), from the SVD
// A = U diag(s) Vh: det(U) det(Vh) U diag(prod over j != i of s_j) Vh, as PyTorch does.
Tensor det_cofactors(const Tensor& A, const Tensor& det) {
  if (!tg::any(eq(det, 0.0)).item<bool>()) return det.unsqueeze(-1).unsqueeze(-1) * linalg::inv(A).mT();
  auto [U, S, Vh] = linalg::svd(A);
  const int64_t n = S.sizes()[S.dim() - 1];
  // The product of the other singular values: exclusive prefix times exclusive suffix products
  // (no division, so exact at the zeros).
  const Tensor one = ones_like(S.narrow(-1, 0, 1));
  const Tensor before = cat({one, cumprod(S, -1).narrow(-1, 0, n - 1)}, -1);
  const Tensor after = cat({flip(cumprod(flip(S, {-1}), -1), {-1}).narrow(-1, 1, n - 1), one}, -1);
  const Tensor sign = linalg::det(U) * linalg::det(Vh);
  return sign.unsqueeze(-1).unsqueeze(-1) * tg::matmul(U * (before * after).unsqueeze(-2), Vh);
}
}  // namespace

std::shared_ptr<Node> det_node(const Tensor& A, const Tensor& result) {
  auto node = make_node("LinalgDetBackward", {&A}, [](const Node& n, const tensor_list& g) -> tensor_list {
    return {g[0].unsqueeze(-1).unsqueeze(-1) * det_cofactors(n.saved(0), n.saved(1))};
  });
  node->save(A);
  node->save(result, /*is_output=*/true);
  return node;
}

std::shared_ptr<Node> logabsdet_node(const Tensor& A) {
  auto node = make_node("LinalgSlogdetBackward", {&A}, [](const Node& n, const tensor_list& g) -> tensor_list {
    return {g[0].unsqueeze(-1).unsqueeze(-1) * linalg::inv(n.saved(0)).mT()};
  });
  node->save(A);
  return node;
}

std::shared_ptr<Node> cholesky_node(const Tensor& A, const Tensor& L) {
  auto node = make_node("LinalgCholeskyBackward", {&A}, [](const Node& n, const tensor_list& g) -> tensor_list {
    // dA = L^-T phi(L^T dL) L^-1, symmetrized; phi keeps the lower triangle and halves the
    // diagonal (PyTorch's formula; the solves are general ones on triangular matrices).
    const Tensor L = n.saved(0);
    const int64_t size = L.sizes()[L.dim() - 1];
    const Tensor half_diagonal = 1.0 - eye(size, L.options().requires_grad(false)) * 0.5;
    const Tensor phi = tril(tg::matmul(L.mT(), g[0])) * half_diagonal;
    const Tensor left = linalg::solve(L.mT(), phi);                    // L^-T phi
    const Tensor gA = linalg::solve(L.mT(), left.mT()).mT();           // (L^-T phi) L^-1
    return {(gA + gA.mT()) * 0.5};
  });
  node->save(L, /*is_output=*/true);
  return node;
}

std::shared_ptr<Node> eigh_node(const Tensor& A) {
  auto node = make_node("LinalgEighBackward", {&A}, [](const Node& n, const tensor_list& g) -> tensor_list {
    // dA = V (diag(dw) + skew(V^T dV) / E) V^T with E[i][j] = w[j] - w[i] off the diagonal
    // (PyTorch's formula); the skew part makes the result symmetric.
    const Tensor w = n.saved(0), V = n.saved(1);
    const int64_t size = w.sizes()[w.dim() - 1];
    const Tensor identity = eye(size, w.options().requires_grad(false));
    Tensor inner = g[0].defined() ? g[0].unsqueeze(-1) * identity : zeros_like(V);
    if (g.size() > 1 && g[1].defined()) {
      const Tensor VtgV = tg::matmul(V.mT(), g[1]);
      inner = inner + (VtgV - VtgV.mT()) * 0.5 / (w.unsqueeze(-2) - w.unsqueeze(-1) + identity);
    }
    return {tg::matmul(V, tg::matmul(inner, V.mT()))};
  });
  return node;
}

std::shared_ptr<Node> triangular_solve_node(const Tensor& A, const Tensor& B, const Tensor& X, bool upper, bool unit) {
  auto node = make_node("LinalgSolveTriangularBackward", {&A, &B},
                        [upper, unit](const Node& n, const tensor_list& g) -> tensor_list {
                          // X = A^-1 B: dB = A^-T dX, dA = -dB X^T within A's triangle.
                          const Tensor A = n.saved(0);
                          const Tensor gB = linalg::solve_triangular(A.mT(), g[0], !upper, true, unit);
                          Tensor gA;
                          if (n.needs_input_grad(0)) {
                            const Tensor full = -tg::matmul(gB, n.saved(1).mT());
                            const int64_t off = unit ? 1 : 0;
                            gA = upper ? triu(full, off) : tril(full, -off);
                          }
                          return {gA, gB};
                        });
  node->save(A);
  node->save(X, /*is_output=*/true);
  return node;
}

namespace {
// The gradient of A = QR for square or tall A (Q [m, n], R [n, n] upper), as TensorFlow's
// QrGrad: gA = Q (gR + tril(Q^T gQ - gQ^T Q + R gR^T - gR R^T) R^-T) + (gQ - Q Q^T gQ) R^-T.
Tensor qr_backward_tall(const Tensor& Q, const Tensor& R, const Tensor& gQ, const Tensor& gR) {
  const Tensor QtgQ = tg::matmul(Q.mT(), gQ), RgRt = tg::matmul(R, gR.mT());
  const Tensor lower = tril(QtgQ - QtgQ.mT() + RgRt - RgRt.mT());
  // X R^-T, as (R^-1 X^T)^T.
  auto right_solve = [&](const Tensor& X) { return linalg::solve_triangular(R, X.mT(), true).mT(); };
  return tg::matmul(Q, gR + right_solve(lower)) + right_solve(gQ - tg::matmul(Q, QtgQ));
}
}  // namespace

std::shared_ptr<Node> qr_node(const Tensor& A, std::string_view mode) {
  const std::string how(mode);
  const int64_t rows = A.sizes()[A.dim() - 2], cols = A.sizes()[A.dim() - 1];
  auto backward = [how, rows, cols](const Node& n, const tensor_list& g) -> tensor_list {
    TG_CHECK(how != "r",
             "linalg.qr: the derivative depends on Q, which mode \"r\" does not compute; use mode \"reduced\"");
    TG_CHECK(how != "complete" || rows <= cols,
             "linalg.qr: the QR decomposition is not differentiable in mode \"complete\" with more rows than columns "
             "({} > {})",
             rows, cols);
    const Tensor Q = n.saved(0), R = n.saved(1);
    const Tensor gQ = g[0].defined() ? g[0] : zeros_like(Q), gR = g[1].defined() ? g[1] : zeros_like(R);
    if (rows >= cols) return {qr_backward_tall(Q, R, gQ, gR)};
    // Wide A = [X | Y] with R = [U | V]: X = QU is square, Y = QV adds Y gV^T to Q's gradient.
    const Tensor U = R.narrow(-1, 0, rows), V = R.narrow(-1, rows, cols - rows);
    const Tensor gU = gR.narrow(-1, 0, rows), gV = gR.narrow(-1, rows, cols - rows);
    const Tensor Y = tg::matmul(Q, V);
    const Tensor gX = qr_backward_tall(Q, U, gQ + tg::matmul(Y, gV.mT()), gU);
    return {cat({gX, tg::matmul(Q, gV)}, -1)};
  };
  return make_node("LinalgQrBackward", {&A}, backward);
}

namespace {
// PyTorch's linalg_lu_backward for A = P L U [m, n], k = min(m, n), L [m, k] (unit diagonal) and
// U [k, n]. Square: gA = P L^-T (tril(L^T gL, -1) + triu(gU U^T)) U^-T. Wide, U = [U1 | U2]:
// gA = P L^-T [(tril(L^T gL - gU2 U2^T, -1) + triu(gU1 U1^T)) U1^-T | gU2]. Tall, L = [L1; L2]:
// gA = P [L1^-T (tril(L1^T gL1, -1) + triu(gU U^T - L2^T gL2)) U^-T; gL2 U^-T].
Tensor lu_backward(const Tensor& P, const Tensor& L, const Tensor& U, const Tensor& gL, const Tensor& gU) {
  if (!gL.defined() && !gU.defined()) return {};
  const int64_t m = L.sizes()[L.dim() - 2], n = U.sizes()[U.dim() - 1], k = std::min(m, n);
  auto add = [](Tensor& sum, const Tensor& term) { sum = sum.defined() ? sum + term : term; };
  // The square k x k parts, and what the rest of the wide U or tall L adds to the inner matrix.
  const Tensor L1 = L.narrow(-2, 0, k), U1 = U.narrow(-1, 0, k);
  const Tensor gL1 = gL.defined() ? gL.narrow(-2, 0, k) : Tensor(), gU1 = gU.defined() ? gU.narrow(-1, 0, k) : Tensor();
  Tensor lower, upper;
  if (gL1.defined()) lower = tg::matmul(L1.mT(), gL1);
  if (gU1.defined()) upper = tg::matmul(gU1, U1.mT());
  if (n > k && gU.defined()) add(lower, -tg::matmul(gU.narrow(-1, k, n - k), U.narrow(-1, k, n - k).mT()));
  if (m > k && gL.defined()) add(upper, -tg::matmul(L.narrow(-2, k, m - k).mT(), gL.narrow(-2, k, m - k)));
  Tensor inner;
  if (lower.defined()) inner = tril(lower, -1);
  if (upper.defined()) add(inner, triu(upper));
  if (!inner.defined()) inner = zeros_like(U1);
  inner = linalg::solve_triangular(U1.mT(), inner, /*upper=*/false, /*left=*/false);
  if (n > k) {
    const Tensor gU2 = gU.defined() ? gU.narrow(-1, k, n - k) : zeros_like(U.narrow(-1, k, n - k));
    inner = cat({inner, gU2}, -1);
  }
  inner = linalg::solve_triangular(L1.mT(), inner, /*upper=*/true, /*left=*/true, /*unitriangular=*/true);
  if (m > k) {
    const Tensor gL2 = gL.defined() ? gL.narrow(-2, k, m - k) : zeros_like(L.narrow(-2, k, m - k));
    inner = cat({inner, linalg::solve_triangular(U1.mT(), gL2, /*upper=*/false, /*left=*/false)}, -2);
  }
  return tg::matmul(P, inner);
}

}  // namespace

std::shared_ptr<Node> lu_factor_node(const Tensor& A) {
  return make_node("LinalgLuFactorExBackward", {&A}, [](const Node& n, const tensor_list& g) -> tensor_list {
    const Tensor LU = n.saved(0), P = n.saved(1);
    auto [lower, U] = ops::lu_parts(LU);
    auto [g_lower, gU] = ops::lu_parts(g[0]);
    const Tensor L =
        lower + eye(lower.sizes()[lower.dim() - 2], lower.sizes()[lower.dim() - 1], LU.options().requires_grad(false));
    return {lu_backward(P, L, U, g_lower, gU)};
  });
}

std::shared_ptr<Node> lu_node(const Tensor& A) {
  return make_node("LinalgLuBackward", {&A}, [](const Node& n, const tensor_list& g) -> tensor_list {
    return {lu_backward(n.saved(0), n.saved(1), n.saved(2), g[0], g[1])};
  });
}

std::shared_ptr<Node> svd_node(const Tensor& A, bool full_matrices) {
  auto node = make_node("LinalgSvdBackward", {&A}, [full_matrices](const Node& n, const tensor_list& g) -> tensor_list {
    Tensor U = n.saved(0), S = n.saved(1), Vh = n.saved(2);
    Tensor gU = g[0], gS = g[1], gVh = g[2];
    const int64_t m = U.sizes()[U.dim() - 2], cols = Vh.sizes()[Vh.dim() - 1], k = S.sizes()[S.dim() - 1];
    if (full_matrices) {
      // Vectors past the k-th are any orthonormal completion; their gradient is dropped.
      U = U.narrow(-1, 0, k);
      Vh = Vh.narrow(-2, 0, k);
      if (gU.defined()) gU = gU.narrow(-1, 0, k);
      if (gVh.defined()) gVh = gVh.narrow(-2, 0, k);
    }
    // Townsend's formula: gA = U [J S + diag(gS) + S K] Vh plus the parts of gU and gV outside
    // U's and V's spans, with J = F o (U^T gU - gU^T U), K = F o (V^T gV - gV^T V) and
    // F[i][j] = 1 / (s_j^2 - s_i^2) off the diagonal.
    const Tensor V = Vh.mT();
    Tensor inner = gS.defined() ? gS.unsqueeze(-1) * eye(k, S.options().requires_grad(false)) : Tensor();
    auto add = [](Tensor& sum, const Tensor& term) { sum = sum.defined() ? sum + term : term; };
    if (gU.defined() || gVh.defined()) {
      const Tensor s2 = square(S);
      const Tensor E = s2.unsqueeze(-2) - s2.unsqueeze(-1) + eye(k, S.options().requires_grad(false));
      if (gU.defined()) {
        const Tensor UtgU = tg::matmul(U.mT(), gU);
        add(inner, (UtgU - UtgU.mT()) / E * S.unsqueeze(-2));
      }
      if (gVh.defined()) {
        const Tensor VtgV = tg::matmul(Vh, gVh.mT());
        add(inner, S.unsqueeze(-1) * ((VtgV - VtgV.mT()) / E));
      }
    }
    Tensor gA = inner.defined() ? tg::matmul(U, tg::matmul(inner, Vh)) : Tensor();
    if (gU.defined() && m > k)
      add(gA, tg::matmul(gU - tg::matmul(U, tg::matmul(U.mT(), gU)), Vh / S.unsqueeze(-1)));
    if (gVh.defined() && cols > k)
      add(gA, tg::matmul(U / S.unsqueeze(-2), gVh - tg::matmul(tg::matmul(gVh, V), Vh)));
    return {gA};
  });
  return node;
}

std::shared_ptr<Node> lstsq_node(const Tensor& A, const Tensor& B, double rtol) {
  auto node = make_node("LinalgLstsqBackward", {&A, &B}, [rtol](const Node& n, const tensor_list& g) -> tensor_list {
    // X = P B with P = pinv(A): dB = P^T dX; with dP = dX B^T, the pseudo-inverse's derivative
    // (constant rank) gives dA = -P^T dP P^T + (I - A P) dP^T P P^T + P^T P dP^T (I - P A).
    const Tensor A = n.saved(0), B = n.saved(1), P = linalg::pinv(A, std::nullopt, rtol);
    Tensor gA;
    if (n.needs_input_grad(0)) {
      const Tensor gP = tg::matmul(g[0], B.mT()), gPt = gP.mT(), Pt = P.mT();
      const Tensor AP = tg::matmul(A, P), PA = tg::matmul(P, A);
      gA = -tg::matmul(Pt, tg::matmul(gP, Pt)) + tg::matmul(gPt - tg::matmul(AP, gPt), tg::matmul(P, Pt)) +
           tg::matmul(tg::matmul(Pt, P), gPt - tg::matmul(gPt, PA));
    }
    return {gA, n.needs_input_grad(1) ? tg::matmul(P.mT(), g[0]) : Tensor()};
  });
  node->save(A);
  node->save(B);
  return node;
}

}  // namespace tg::autograd::derivatives
