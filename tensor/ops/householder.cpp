// Householder reflectors in LAPACK's compact form: geqrf (the QR factorisation as LAPACK stores
// it), householder_product (LAPACK's orgqr: the first columns of Q = H_1 ... H_k) and ormqr (Q
// or Q^T times a matrix). Reflector i is H_i = I - tau_i v_i v_i^T, with v_i column i of the
// factor below the diagonal, 1 on it and 0 above.
//
// geqrf is not differentiable, as in PyTorch. The other two apply the reflectors in compact WY
// form with tensor ops, which gives their gradients; without one to record, householder_product
// runs the backend's orgqr kernel instead.
#include "autograd/record.h"
#include "tapegrad/autograd/grad_mode.h"
#include "tapegrad/tensor/factories.h"
#include "tapegrad/tensor/ops.h"
#include "tensor/ops/common.h"
#include "tensor/ops/matrix_helpers.h"

namespace tg {
namespace {

// Checks a factor [..., m, n] (m >= n when `tall`) and its scales tau [..., k] (k <= n).
void check_reflectors(const char* op, const Tensor& A, const Tensor& tau, bool tall) {
  ops::check_matrices(op, A, /*square=*/false);
  ops::check_defined(op, tau, "tau");
  ops::check_same_device(op, A, tau);
  TG_CHECK_TYPE(A.dtype() == tau.dtype(), "{}: the factor ({}) and tau ({}) must have the same dtype", op, A.dtype(),
                tau.dtype());
  const int64_t m = A.sizes()[A.dim() - 2], n = A.sizes()[A.dim() - 1];
  TG_CHECK(!tall || m >= n, "{}: the factor must have at least as many rows as columns, got shape {}", op, A.sizes());
  TG_CHECK(tau.dim() == A.dim() - 1 &&
               Shape(std::vector<int64_t>(tau.sizes().begin(), tau.sizes().end() - 1)) == ops::batch_shape(A),
           "{}: tau of shape {} must have the factor's batch dims ({}) and one more", op, tau.sizes(), A.sizes());
  const int64_t k = tau.sizes()[tau.dim() - 1];
  TG_CHECK(k <= n && k <= m, "{}: tau holds {} scales, more than the factor of shape {} has reflectors", op, k,
           A.sizes());
}

// The reflectors' vectors as the columns of [..., m, k].
Tensor reflector_vectors(const Tensor& A, int64_t k) {
  const int64_t m = A.sizes()[A.dim() - 2];
  return A.narrow(-1, 0, k).tril(-1) + eye(m, k, TensorOptions(A.dtype()).device(A.device()));
}

// (V, T) with Q = H_1 ... H_k = I - V T V^H, T upper-triangular: the compact WY form, with
// T^-1 = diag(1 / tau) + striu(V^H V) (Joffrain et al., 2006; V^H is V^T for real factors). Three matmuls then apply Q,
// in place of k rank-1 updates. A reflector with tau = 0 is the identity: its vector is zeroed so that it drops out of
// T^-1.
std::pair<Tensor, Tensor> compact_wy(const Tensor& A, const Tensor& tau) {
  const int64_t k = tau.sizes()[tau.dim() - 1];
  const Tensor identity = eq(tau, 0);
  const Tensor V = reflector_vectors(A, k) * logical_not(identity).unsqueeze(-2).to(A.dtype());
  const Tensor inverse = diag_embed(where(identity, 1.0, tau).reciprocal()) + triu(matmul(V.mH(), V), 1);
  const Tensor identities = eye(k, TensorOptions(A.dtype()).device(A.device())).expand(inverse.sizes());
  return {V, linalg::solve_triangular(inverse, identities, /*upper=*/true)};
}

}  // namespace

std::tuple<Tensor, Tensor> geqrf(const Tensor& A, SourceLoc loc) {
  const char* op = "geqrf";
  detail::ApiScope scope(op, loc);
  ops::check_matrices(op, A, /*square=*/false);
  const int64_t m = A.sizes()[A.dim() - 2], n = A.sizes()[A.dim() - 1], k = std::min(m, n);
  const Shape batch = ops::batch_shape(A);
  NoGradGuard no_grad;
  Tensor a = ops::column_major(A);
  Shape taus = batch;
  taus.push_back(k);
  Tensor tau = ops::empty(taus, A.dtype(), A.device());
  if (batch.numel() > 0 && k > 0)
    kernels::backend(A.device(), op).geqrf(A.dtype(), batch.numel(), m, n, a.data_ptr(), tau.data_ptr());
  return {a.mT(), tau};
}

namespace linalg {

Tensor householder_product(const Tensor& A, const Tensor& tau, SourceLoc loc) {
  const char* op = "linalg.householder_product";
  detail::ApiScope scope(op, loc);
  check_reflectors(op, A, tau, /*tall=*/true);
  const int64_t m = A.sizes()[A.dim() - 2], n = A.sizes()[A.dim() - 1], k = tau.sizes()[tau.dim() - 1];
  const Shape batch = ops::batch_shape(A);
  if (autograd::needs_grad(A, tau)) {
    // Q E_n, Q applied by blocks in compact WY form.
    const Tensor first_columns = eye(m, n, TensorOptions(A.dtype()).device(A.device())).expand(A.sizes());
    return ormqr(A, tau, first_columns);
  }
  NoGradGuard no_grad;
  Tensor q = ops::column_major(A);
  const Tensor scales = tau.contiguous();
  if (batch.numel() > 0 && m > 0 && n > 0)
    kernels::backend(A.device(), op).orgqr(A.dtype(), batch.numel(), m, n, k, q.data_ptr(), scales.data_ptr());
  return q.mT();
}

}  // namespace linalg

Tensor ormqr(const Tensor& A, const Tensor& tau, const Tensor& other, bool left, bool transpose, SourceLoc loc) {
  const char* op = "ormqr";
  detail::ApiScope scope(op, loc);
  check_reflectors(op, A, tau, /*tall=*/false);
  ops::check_defined(op, other, "other");
  ops::check_same_device(op, A, other);
  TG_CHECK_TYPE(A.dtype() == other.dtype(), "{}: the factor ({}) and other ({}) must have the same dtype", op,
                A.dtype(), other.dtype());
  const int64_t m = A.sizes()[A.dim() - 2];
  TG_CHECK(other.dim() == A.dim() && ops::batch_shape(other) == ops::batch_shape(A) &&
               other.sizes()[other.dim() - (left ? 2 : 1)] == m,
           "{}: other of shape {} must have the factor's batch dims and {} {} (the factor has shape {}, left={})", op,
           other.sizes(), m, left ? "rows" : "columns", A.sizes(), left);
  // Blocks of kBlock reflectors, each Q_b = I - V_b T_b V_b^H: T costs m k kBlock rather than
  // m k^2 in all (LAPACK's ormqr blocks the same way). Q = Q_1 ... Q_B: Q C and C Q^H apply the
  // last block first, Q^H C and C Q the first (transpose is the conjugate one, as PyTorch's).
  constexpr int64_t kBlock = 32;
  const int64_t k = tau.sizes()[tau.dim() - 1], blocks = (k + kBlock - 1) / kBlock;
  Tensor out = other;
  for (int64_t j = 0; j < blocks; ++j) {
    const int64_t b = (left == transpose) ? j : blocks - 1 - j;
    const int64_t first = b * kBlock, count = std::min(kBlock, k - first);
    // The block's vectors are zero above row `first`: they and their rows of C are left out.
    const auto [V, T] =
        compact_wy(A.narrow(-2, first, m - first).narrow(-1, first, count), tau.narrow(-1, first, count));
    const Tensor t = transpose ? T.mH() : T;
    if (left) {
      const Tensor rows = out.narrow(-2, first, m - first);
      out = cat({out.narrow(-2, 0, first), rows - matmul(V, matmul(t, matmul(V.mH(), rows)))}, -2);
    } else {
      const Tensor cols = out.narrow(-1, first, m - first);
      out = cat({out.narrow(-1, 0, first), cols - matmul(matmul(matmul(cols, V), t), V.mH())}, -1);
    }
  }
  return k == 0 ? other.clone() : out;
}

}  // namespace tg
