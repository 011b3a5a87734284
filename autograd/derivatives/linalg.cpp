// Backward formulas of matrix products, square solvers and factorizations, and softmax. Complex
// matrices take PyTorch's formulas: conjugate transposes (mH, mT for real matrices) where the real
// ones transpose, and the phase conventions of eigh's and svd's vectors.
#include <string>

#include "autograd/derivatives/derivatives.h"
#include "tapegrad/tensor/ops.h"
#include "tensor/ops/internal.h"
#include "tensor/ops/matrix_helpers.h"

namespace tg::autograd::derivatives {

namespace {
// Complex eigenvectors and singular vectors are defined only up to a phase e^(i phi): a loss that
// sees it (a non-zero imaginary part on the diagonal of V^H gV) has no gradient, as PyTorch says.
void check_phase_free(const char* op, const Tensor& imag_diagonal, const char* what) {
  TG_CHECK_VALUE(abs(imag_diagonal).max().item<double>() <= 1e-2,
                 "{}: the loss depends on the phases of {}, which are defined only up to a factor e^(i phi), so its "
                 "gradient is not defined",
                 op, what);
}

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
      // Conjugate transposes: complex products reach this node on the GPU (mH is mT for real ones).
      r[0] = ops::sum_to_shape(at ? tg::matmul(b_, grad.mH()).mH() : tg::matmul(grad, b_.mH()), as);
    }
    if (n.needs_input_grad(1)) {
      Tensor a_ = n.saved(0);
      r[1] = ops::sum_to_shape(bt ? tg::matmul(grad.mH(), a_).mH() : tg::matmul(a_.mH(), grad), bs);
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
    // X = A^-1 B: dB = A^-H dX, dA = -dB X^H.
    Tensor gB = linalg::solve(n.saved(0).mH(), g[0]);
    return {n.needs_input_grad(0) ? -tg::matmul(gB, n.saved(1).mH()) : Tensor(), gB};
  });
  node->save(A);
  node->save(result, /*is_output=*/true);
  return node;
}

namespace {
// d det(A) / dA, the cofactor matrix (conjugated for complex A, as gradients are): conj(det(A))
// A^-H where A is invertible. Where it is not (det(A) == 0 exactly, where the inverse does not
// exist but the cofactors do), from the SVD A = U diag(s) Vh: conj(det(U) det(Vh)) U diag(prod
// over j != i of s_j) Vh, as PyTorch does.
Tensor det_cofactors(const Tensor& A, const Tensor& det) {
  if (!tg::any(eq(det, 0.0)).item<bool>()) return conj(det).unsqueeze(-1).unsqueeze(-1) * linalg::inv(A).mH();
  auto [U, S, Vh] = linalg::svd(A);
  const int64_t n = S.sizes()[S.dim() - 1];
  // The product of the other singular values: exclusive prefix times exclusive suffix products
  // (no division, so exact at the zeros).
  const Tensor one = ones_like(S.narrow(-1, 0, 1));
  const Tensor before = cat({one, cumprod(S, -1).narrow(-1, 0, n - 1)}, -1);
  const Tensor after = cat({flip(cumprod(flip(S, {-1}), -1), {-1}).narrow(-1, 1, n - 1), one}, -1);
  const Tensor sign = conj(linalg::det(U) * linalg::det(Vh));
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

std::shared_ptr<Node> slogdet_node(const Tensor& A) {
  const bool complex_input = A.is_complex();
  auto node = make_node("LinalgSlogdetBackward", {&A}, [complex_input](const Node& n, const tensor_list& g) {
    // d log|det A| = Re tr(A^-1 dA), and a complex sign (det / |det|) turns by i Im tr(A^-1 dA):
    // gA = (g_logabsdet - i Im(conj(g_sign) sign)) A^-H (PyTorch's). Real: logabsdet alone.
    const Tensor& g_logabs = complex_input ? g[1] : g[0];
    Tensor c = g_logabs;
    if (complex_input && g[0].defined()) {
      const Tensor turn = imag(conj(g[0]) * n.saved(1));
      const Tensor term = complex(zeros_like(turn), -turn);
      c = c.defined() ? c + term : term;
    }
    if (!c.defined()) return tensor_list{Tensor()};
    return tensor_list{c.unsqueeze(-1).unsqueeze(-1) * linalg::inv(n.saved(0)).mH()};
  });
  node->save(A);
  return node;
}

std::shared_ptr<Node> cholesky_node(const Tensor& A, const Tensor& L) {
  auto node = make_node("LinalgCholeskyBackward", {&A}, [](const Node& n, const tensor_list& g) -> tensor_list {
    // dA = L^-H phi(L^H dL) L^-1, made Hermitian; phi keeps the lower triangle and halves the
    // diagonal (PyTorch's formula; the solves are general ones on triangular matrices).
    const Tensor L = n.saved(0);
    const int64_t size = L.sizes()[L.dim() - 1];
    const Tensor half_diagonal = 1.0 - eye(size, L.options().requires_grad(false)) * 0.5;
    const Tensor phi = tril(tg::matmul(L.mH(), g[0])) * half_diagonal;
    const Tensor left = linalg::solve(L.mH(), phi);           // L^-H phi
    const Tensor gA = linalg::solve(L.mH(), left.mH()).mH();  // (L^-H phi) L^-1
    return {(gA + gA.mH()) * 0.5};
  });
  node->save(L, /*is_output=*/true);
  return node;
}

std::shared_ptr<Node> eigh_node(const Tensor& A) {
  auto node = make_node("LinalgEighBackward", {&A}, [](const Node& n, const tensor_list& g) -> tensor_list {
    // dA = V (diag(dw) + skew(V^H dV) / E) V^H with E[i][j] = w[j] - w[i] off the diagonal
    // (PyTorch's formula); the skew part makes the result Hermitian.
    const Tensor w = n.saved(0), V = n.saved(1);
    const int64_t size = w.sizes()[w.dim() - 1];
    const Tensor identity = eye(size, w.options().requires_grad(false));
    Tensor inner = g[0].defined() ? g[0].unsqueeze(-1) * identity : zeros_like(V);
    if (g.size() > 1 && g[1].defined()) {
      const Tensor VhgV = tg::matmul(V.mH(), g[1]);
      Tensor skew = (VhgV - VhgV.mH()) * 0.5 / (w.unsqueeze(-2) - w.unsqueeze(-1) + identity);
      if (V.is_complex()) {
        // A complex eigenvector is defined up to a phase e^(i phi): a loss that depends on it has
        // no gradient, as PyTorch says; the diagonal (that phase's direction) is dropped.
        check_phase_free("linalg.eigh", imag(VhgV.diagonal(0, -2, -1)), "complex eigenvectors");
        skew = skew * (1.0 - identity);
      }
      inner = inner + skew;
    }
    // (inner is real when only the eigenvalues have a gradient.)
    return {tg::matmul(V, tg::matmul(inner.to(V.dtype()), V.mH()))};
  });
  return node;
}

std::shared_ptr<Node> eig_node(const Tensor& A) {
  const bool real_input = !A.is_complex();
  return make_node("LinalgEigBackward", {&A}, [real_input](const Node& n, const tensor_list& g) -> tensor_list {
    // PyTorch's linalg_eig_backward: gA = V^-H (diag(gL) + (V^H gV - V^H V Re(diag(V^H gV))) / conj(E))
    // V^H with E[i][j] = L[j] - L[i] off the diagonal, the projection keeping the columns' unit norm.
    const Tensor L = n.saved(0), V = n.saved(1);
    const Tensor& gL = g[0];
    const Tensor gV = g.size() > 1 ? g[1] : Tensor();
    if (!gL.defined() && !gV.defined()) return {Tensor()};
    const Tensor Vh = V.mH();
    Tensor inner;
    if (!gV.defined()) {
      inner = diag_embed(gL);
    } else {
      Tensor VhgV = tg::matmul(Vh, gV);
      const Tensor diagonal = VhgV.diagonal(0, -2, -1);
      check_phase_free("linalg.eig", imag(diagonal), "the eigenvectors");
      VhgV = VhgV - tg::matmul(Vh, V * real(diagonal).unsqueeze(-2));
      const int64_t size = L.sizes()[L.dim() - 1];
      const Tensor identity = eye(size, TensorOptions(L.dtype()).device(L.device()));
      const Tensor Lc = conj(L);
      inner = VhgV / (Lc.unsqueeze(-2) - Lc.unsqueeze(-1) + identity);
      if (gL.defined()) inner = inner * (1.0 - identity) + diag_embed(gL);
    }
    const Tensor gA = linalg::solve(Vh, tg::matmul(inner, Vh));
    return {real_input ? real(gA) : gA};
  });
}

std::shared_ptr<Node> triangular_solve_node(const Tensor& A, const Tensor& B, const Tensor& X, bool upper, bool unit) {
  auto node = make_node("LinalgSolveTriangularBackward", {&A, &B},
                        [upper, unit](const Node& n, const tensor_list& g) -> tensor_list {
                          // X = A^-1 B: dB = A^-H dX, dA = -dB X^H within A's triangle.
                          const Tensor A = n.saved(0);
                          const Tensor gB = linalg::solve_triangular(A.mH(), g[0], !upper, true, unit);
                          Tensor gA;
                          if (n.needs_input_grad(0)) {
                            const Tensor full = -tg::matmul(gB, n.saved(1).mH());
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
// The gradient of A = QR for square or tall A (Q [m, n], R [n, n] upper), as PyTorch's:
// gA = (gQ + Q sym(X)) R^-H with X = gR R^H - Q^H gQ and sym(X) = striu(X) + striu(X)^H + the
// real part of X's diagonal (for real matrices, TensorFlow's QrGrad rearranged). The imaginary
// part of a complex diagonal is the phase R's real diagonal fixes.
Tensor qr_backward_tall(const Tensor& Q, const Tensor& R, const Tensor& gQ, const Tensor& gR) {
  const Tensor X = tg::matmul(gR, R.mH()) - tg::matmul(Q.mH(), gQ);
  const Tensor upper = triu(X, 1), diagonal = X.diagonal(0, -2, -1);
  const Tensor sym = upper + upper.mH() + diag_embed(X.is_complex() ? real(diagonal) : diagonal);
  return linalg::solve_triangular(R.mH(), gQ + tg::matmul(Q, sym), /*upper=*/false, /*left=*/false);
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
    const Tensor gX = qr_backward_tall(Q, U, gQ + tg::matmul(Y, gV.mH()), gU);
    return {cat({gX, tg::matmul(Q, gV)}, -1)};
  };
  return make_node("LinalgQrBackward", {&A}, backward);
}

namespace {
// PyTorch's linalg_lu_backward for A = P L U [m, n], k = min(m, n), L [m, k] (unit diagonal) and
// U [k, n]. Square: gA = P L^-H (tril(L^H gL, -1) + triu(gU U^H)) U^-H. Wide, U = [U1 | U2]:
// gA = P L^-H [(tril(L^H gL - gU2 U2^H, -1) + triu(gU1 U1^H)) U1^-H | gU2]. Tall, L = [L1; L2]:
// gA = P [L1^-H (tril(L1^H gL1, -1) + triu(gU U^H - L2^H gL2)) U^-H; gL2 U^-H].
Tensor lu_backward(const Tensor& P, const Tensor& L, const Tensor& U, const Tensor& gL, const Tensor& gU) {
  if (!gL.defined() && !gU.defined()) return {};
  const int64_t m = L.sizes()[L.dim() - 2], n = U.sizes()[U.dim() - 1], k = std::min(m, n);
  auto add = [](Tensor& sum, const Tensor& term) { sum = sum.defined() ? sum + term : term; };
  // The square k x k parts, and what the rest of the wide U or tall L adds to the inner matrix.
  const Tensor L1 = L.narrow(-2, 0, k), U1 = U.narrow(-1, 0, k);
  const Tensor gL1 = gL.defined() ? gL.narrow(-2, 0, k) : Tensor(), gU1 = gU.defined() ? gU.narrow(-1, 0, k) : Tensor();
  Tensor lower, upper;
  if (gL1.defined()) lower = tg::matmul(L1.mH(), gL1);
  if (gU1.defined()) upper = tg::matmul(gU1, U1.mH());
  if (n > k && gU.defined()) add(lower, -tg::matmul(gU.narrow(-1, k, n - k), U.narrow(-1, k, n - k).mH()));
  if (m > k && gL.defined()) add(upper, -tg::matmul(L.narrow(-2, k, m - k).mH(), gL.narrow(-2, k, m - k)));
  Tensor inner;
  if (lower.defined()) inner = tril(lower, -1);
  if (upper.defined()) add(inner, triu(upper));
  if (!inner.defined()) inner = zeros_like(U1);
  inner = linalg::solve_triangular(U1.mH(), inner, /*upper=*/false, /*left=*/false);
  if (n > k) {
    const Tensor gU2 = gU.defined() ? gU.narrow(-1, k, n - k) : zeros_like(U.narrow(-1, k, n - k));
    inner = cat({inner, gU2}, -1);
  }
  inner = linalg::solve_triangular(L1.mH(), inner, /*upper=*/true, /*left=*/true, /*unitriangular=*/true);
  if (m > k) {
    const Tensor gL2 = gL.defined() ? gL.narrow(-2, k, m - k) : zeros_like(L.narrow(-2, k, m - k));
    inner = cat({inner, linalg::solve_triangular(U1.mH(), gL2, /*upper=*/false, /*left=*/false)}, -2);
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
    // U's and V's spans, with J = F o (U^H gU - gU^H U), K = F o (V^H gV - gV^H V) and
    // F[i][j] = 1 / (s_j^2 - s_i^2) off the diagonal.
    const Tensor V = Vh.mH();
    const bool complex_vectors = U.is_complex();
    const Tensor identity = eye(k, S.options().requires_grad(false));
    Tensor inner = gS.defined() ? gS.unsqueeze(-1) * identity : Tensor();
    auto add = [](Tensor& sum, const Tensor& term) { sum = sum.defined() ? sum + term : term; };
    if (gU.defined() || gVh.defined()) {
      const Tensor s2 = square(S);
      const Tensor E = s2.unsqueeze(-2) - s2.unsqueeze(-1) + identity;
      // Complex: the skew parts' diagonals (the vectors' common phases) are left to the term below.
      const Tensor off_diagonal = complex_vectors ? 1.0 - identity : Tensor();
      auto skew = [&](const Tensor& X) { return complex_vectors ? (X - X.mH()) * off_diagonal : X - X.mH(); };
      Tensor UhgU, VhgV;
      if (gU.defined()) {
        UhgU = tg::matmul(U.mH(), gU);
        add(inner, skew(UhgU) / E * S.unsqueeze(-2));
      }
      if (gVh.defined()) {
        VhgV = tg::matmul(Vh, gVh.mH());
        add(inner, S.unsqueeze(-1) * (skew(VhgV) / E));
      }
      if (complex_vectors) {
        // u_i and v_i share a phase e^(i phi) that the loss must not see: Im diag(U^H gU + V^H gV)
        // = 0 (PyTorch's check). Then gA's diagonal in U, V coordinates gains i Im diag(U^H gU) / s.
        Tensor phase;
        if (UhgU.defined()) phase = imag(UhgU.diagonal(0, -2, -1));
        if (VhgV.defined()) add(phase, imag(VhgV.diagonal(0, -2, -1)));
        check_phase_free("linalg.svd", phase, "complex singular vectors (u_i and v_i share one)");
        if (UhgU.defined()) add(inner, diag_embed(complex(zeros_like(S), imag(UhgU.diagonal(0, -2, -1)) / S)));
      }
    }
    Tensor gA = inner.defined() ? tg::matmul(U, tg::matmul(inner.to(U.dtype()), Vh)) : Tensor();
    if (gU.defined() && m > k) add(gA, tg::matmul(gU - tg::matmul(U, tg::matmul(U.mH(), gU)), Vh / S.unsqueeze(-1)));
    if (gVh.defined() && cols > k)
      add(gA, tg::matmul(U / S.unsqueeze(-2), gVh - tg::matmul(tg::matmul(gVh, V), Vh)));
    return {gA};
  });
  return node;
}

std::shared_ptr<Node> lstsq_node(const Tensor& A, const Tensor& B, double rtol) {
  auto node = make_node("LinalgLstsqBackward", {&A, &B}, [rtol](const Node& n, const tensor_list& g) -> tensor_list {
    // X = P B with P = pinv(A): dB = P^H dX; with dP = dX B^H, the pseudo-inverse's derivative
    // (constant rank) gives dA = -P^H dP P^H + (I - A P) dP^H P P^H + P^H P dP^H (I - P A).
    const Tensor A = n.saved(0), B = n.saved(1), P = linalg::pinv(A, std::nullopt, rtol);
    Tensor gA;
    if (n.needs_input_grad(0)) {
      const Tensor gP = tg::matmul(g[0], B.mH()), gPt = gP.mH(), Pt = P.mH();
      const Tensor AP = tg::matmul(A, P), PA = tg::matmul(P, A);
      gA = -tg::matmul(Pt, tg::matmul(gP, Pt)) + tg::matmul(gPt - tg::matmul(AP, gPt), tg::matmul(P, Pt)) +
           tg::matmul(tg::matmul(Pt, P), gPt - tg::matmul(gPt, PA));
    }
    return {gA, n.needs_input_grad(1) ? tg::matmul(P.mH(), g[0]) : Tensor()};
  });
  node->save(A);
  node->save(B);
  return node;
}

}  // namespace tg::autograd::derivatives
