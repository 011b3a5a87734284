// QR and SVD of [..., m, n] matrices over the backend's Householder and SVD kernels, and what is
// built on the SVD: svdvals, pinv, matrix_rank.
#include <string>
#include <vector>

#include "autograd/derivatives/derivatives.h"
#include "tapegrad/autograd/grad_mode.h"
#include "tapegrad/tensor/ops.h"
#include "tensor/ops/common.h"
#include "tensor/ops/matrix_helpers.h"

namespace tg::linalg {
namespace {

// Identity matrices [..., n, n] of a's dtype and device.
Tensor identities(const Tensor& a, const Shape& batch, int64_t n) {
  return eye(n, TensorOptions(a.dtype()).device(a.device())).expand(ops::with_matrix_dims(batch, n, n)).contiguous();
}

// U, S, Vh (U and Vh undefined unless `vectors`), without autograd.
std::tuple<Tensor, Tensor, Tensor> svd_raw(const char* op, const Tensor& A, bool full, bool vectors) {
  const int64_t m = A.sizes()[A.dim() - 2], n = A.sizes()[A.dim() - 1], k = std::min(m, n);
  const Shape batch = ops::batch_shape(A);
  const int64_t count = batch.numel();
  Tensor a = ops::empty(A.sizes(), A.dtype(), A.device());
  ops::copy_into(a, A.detach());
  Shape values = batch;
  values.push_back(k);
  Tensor S = ops::empty(values, A.is_complex() ? to_real_dtype(A.dtype()) : A.dtype(), A.device()), U, Vh;  // real
  if (vectors) {
    U = ops::empty(ops::with_matrix_dims(batch, m, full ? m : k), A.dtype(), A.device());
    Vh = ops::empty(ops::with_matrix_dims(batch, full ? n : k, n), A.dtype(), A.device());
  }
  if (count > 0 && k > 0) {
    // LAPACK's SVD returns garbage for them (PyTorch raises too).
    ops::check_finite_matrices(op, A, "the SVD does not converge on them");
    std::vector<int32_t> info(static_cast<size_t>(count), 0);
    kernels::backend(A.device(), op).svd(A.dtype(), count, m, n, a.data_ptr(), S.data_ptr(),
                                         vectors ? U.data_ptr() : nullptr, vectors ? Vh.data_ptr() : nullptr, full,
                                         info.data());
    for (size_t b = 0; b < info.size(); ++b)
      TG_CHECK_LINALG(info[b] <= 0, "{}: the SVD did not converge{} (LAPACK/cuSOLVER info {})", op,
                      ops::where_in_batch(A, static_cast<int64_t>(b)), info[b]);
  } else if (vectors && full) {
    // No singular values: the full bases are any orthonormal ones, the identities.
    U = identities(A, batch, m);
    Vh = identities(A, batch, n);
  }
  return {U, S, Vh};
}

// SVD with autograd: all three outputs go on the tape (the values' gradient needs the vectors).
std::tuple<Tensor, Tensor, Tensor> svd_with_grad(const char* op, const Tensor& A, bool full, bool vectors) {
  ops::check_matrices(op, A, /*square=*/false);
  const bool grad = autograd::needs_grad(A);
  Tensor U, S, Vh;
  {
    NoGradGuard no_grad;
    std::tie(U, S, Vh) = svd_raw(op, A, full, vectors || grad);
  }
  if (grad) {
    auto node = autograd::derivatives::svd_node(A, full);
    autograd::set_history_before_saves({U, S, Vh}, node);
    node->save(U, /*is_output=*/true);
    node->save(S, /*is_output=*/true);
    node->save(Vh, /*is_output=*/true);
    autograd::finish_history({U, S, Vh}, node);
  }
  return {U, S, Vh};
}

// max(atol, rtol * the largest |value|) per matrix [..., 1] (PyTorch's defaults when neither is
// given: atol 0, rtol eps * max(m, n); with only a positive atol given, rtol 0).
Tensor tolerance(const Tensor& A, const Tensor& values, std::optional<double> atol, std::optional<double> rtol) {
  const int64_t m = A.sizes()[A.dim() - 2], n = A.sizes()[A.dim() - 1];
  const double eps_rtol = ops::machine_eps(A.dtype()) * static_cast<double>(std::max(m, n));
  const double r = rtol ? *rtol : atol && *atol > 0 ? 0.0 : eps_rtol;
  const Tensor magnitude = abs(values.detach());
  // No values (an empty matrix): a largest of 0, shaped [..., 1] all the same.
  const Tensor largest = magnitude.sizes()[magnitude.dim() - 1] > 0 ? amax(magnitude, {-1}, true)
                                                                     : magnitude.sum({-1}, true);
  return clamp_min(largest * r, atol.value_or(0.0));
}

// The absolute values of A's singular values, descending; eigvalsh for symmetric A (hermitian).
Tensor singular_values(const char* op, const Tensor& A, bool hermitian) {
  if (!hermitian) return std::get<1>(svd_with_grad(op, A, false, false));
  return std::get<0>(sort(abs(eigvalsh(A)), -1, /*descending=*/true));
}

}  // namespace

std::tuple<Tensor, Tensor> qr(const Tensor& A, std::string_view mode, SourceLoc loc) {
  const char* op = "linalg.qr";
  detail::ApiScope scope(op, loc);
  ops::check_matrices(op, A, /*square=*/false);
  TG_CHECK_VALUE(mode == "reduced" || mode == "complete" || mode == "r",
                 "{}: mode must be \"reduced\", \"complete\" or \"r\", got \"{}\"", op, mode);
  const int64_t m = A.sizes()[A.dim() - 2], n = A.sizes()[A.dim() - 1], k = std::min(m, n);
  const Shape batch = ops::batch_shape(A);
  const int64_t count = batch.numel();
  Tensor Q, R;
  {
    NoGradGuard no_grad;
    Tensor a = ops::column_major(A);  // [..., n, m]: A column-major
    Shape taus = batch;
    taus.push_back(k);
    Tensor tau = ops::empty(taus, A.dtype(), A.device());
    if (count > 0 && k > 0)
      kernels::backend(A.device(), op).geqrf(A.dtype(), count, m, n, a.data_ptr(), tau.data_ptr());
    // R is the upper triangle (rows below n of a complete R are all zero); the kernel leaves
    // the reflectors below the diagonal.
    R = triu(a.mT().narrow(-2, 0, mode == "complete" ? m : k));
    if (mode == "r") {
      Q = zeros({0}, TensorOptions(A.dtype()).device(A.device()));
    } else {
      // Q's first q_cols columns from the k reflectors, formed in a column-major m x q_cols buffer.
      const int64_t q_cols = mode == "complete" ? m : k;
      Tensor q = a;
      if (q_cols != n) {
        q = zeros(ops::with_matrix_dims(batch, q_cols, m), TensorOptions(A.dtype()).device(A.device()));
        q.narrow(-2, 0, k).copy_(a.narrow(-2, 0, k));
      }
      if (count > 0 && m > 0 && q_cols > 0)
        kernels::backend(A.device(), op).orgqr(A.dtype(), count, m, q_cols, k, q.data_ptr(), tau.data_ptr());
      Q = q.mT();
    }
  }
  if (autograd::needs_grad(A)) {
    auto node = autograd::derivatives::qr_node(A, mode);
    autograd::set_history_before_saves({Q, R}, node);
    node->save(Q, /*is_output=*/true);
    node->save(R, /*is_output=*/true);
    autograd::finish_history({Q, R}, node);
  }
  return {Q, R};
}

std::tuple<Tensor, Tensor, Tensor> svd(const Tensor& A, bool full_matrices, SourceLoc loc) {
  detail::ApiScope scope("linalg.svd", loc);
  return svd_with_grad("linalg.svd", A, full_matrices, true);
}

Tensor svdvals(const Tensor& A, SourceLoc loc) {
  detail::ApiScope scope("linalg.svdvals", loc);
  return std::get<1>(svd_with_grad("linalg.svdvals", A, false, false));
}

Tensor pinv(const Tensor& A, std::optional<double> atol, std::optional<double> rtol, bool hermitian, SourceLoc loc) {
  const char* op = "linalg.pinv";
  detail::ApiScope scope(op, loc);
  ops::check_matrices(op, A, /*square=*/hermitian);
  // V diag(1/s) U^H over the singular values above the tolerance (1/s of the others never
  // computed, so that no 0 * inf reaches the gradient).
  Tensor left, values, right;
  if (hermitian) {
    auto [w, V] = eigh(A);
    left = V;
    values = w;
    right = V.mH();
  } else {
    std::tie(left, values, right) = svd_with_grad(op, A, false, true);
  }
  const Tensor magnitude = abs(values), tol = tolerance(A, values, atol, rtol);
  const Tensor keep = gt(magnitude, tol);
  const Tensor inverse_values = keep.to(values.dtype()) / where(keep, values, 1.0);
  return matmul(right.mH() * inverse_values.unsqueeze(-2), left.mH());
}

Tensor matrix_rank(const Tensor& A, std::optional<double> atol, std::optional<double> rtol, bool hermitian,
                   SourceLoc loc) {
  const char* op = "linalg.matrix_rank";
  detail::ApiScope scope(op, loc);
  ops::check_matrices(op, A, /*square=*/hermitian);
  NoGradGuard no_grad;
  const Tensor s = singular_values(op, A, hermitian);
  return gt(s, tolerance(A, s, atol, rtol)).sum({-1}).to(kInt64);
}

}  // namespace tg::linalg

namespace tg {
Tensor pinverse(const Tensor& A, double rcond, SourceLoc loc) {
  detail::ApiScope scope("pinverse", loc);
  return linalg::pinv(A, 0.0, rcond);
}
}  // namespace tg
