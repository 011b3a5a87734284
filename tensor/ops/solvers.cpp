// Solvers and square-matrix factorizations (torch.linalg's inv, det, slogdet, solve, cholesky,
// eigh, eigvalsh, eig, eigvals, solve_triangular, lstsq) over the backend's LU, Cholesky, symmetric eigen and
// triangular-solve kernels, and the QR and SVD of decompositions.cpp. The kernels work
// on column-major copies: a row-major [..., n, n] buffer holding A^T is A in column-major order.
#include <algorithm>
#include <string>
#include <vector>

#include "autograd/derivatives/derivatives.h"
#include "tapegrad/autograd/grad_mode.h"
#include "tapegrad/tensor/ops.h"
#include "tensor/ops/common.h"
#include "tensor/ops/matrix_helpers.h"

namespace tg {
namespace {

void check_square(const char* op, const Tensor& a) { ops::check_matrices(op, a, /*square=*/true); }

using ops::column_major;
using ops::matrix_count;
using ops::where_in_batch;

// B's dtype and device checked against A's.
void check_right_hand_side(const char* op, const Tensor& A, const Tensor& B) {
  ops::check_defined(op, B, "B");
  ops::check_same_device(op, A, B);
  TG_CHECK_TYPE(A.dtype() == B.dtype(), "{}: A ({}) and B ({}) must have the same dtype", op, A.dtype(), B.dtype());
}

using ops::LU;

void check_nonsingular(const char* op, const Tensor& a, const LU& f) {
  for (size_t b = 0; b < f.info.size(); ++b)
    TG_CHECK_LINALG(
        f.info[b] <= 0,
        "{}: the input matrix is singular{}: U[{}][{}] is zero after the LU factorization, so it has no inverse", op,
        where_in_batch(a, static_cast<int64_t>(b)), f.info[b] - 1, f.info[b] - 1);
}

// B is a (batch of) vector(s) when 1-D or shaped as A without its last dim (PyTorch's rule).
bool vector_right_hand_side(const Tensor& A, const Tensor& B) {
  return B.dim() == 1 || (B.dim() == A.dim() - 1 && std::equal(B.sizes().begin(), B.sizes().end(), A.sizes().begin()));
}

// X with A X = B: A [..., n, n] and B [..., n, k] of one batch shape; no autograd. A singular A
// is an error when check_errors, else its X is what LAPACK leaves (infinities or NaNs) and
// `info` (when given) says which.
Tensor solve_raw(const char* op, const Tensor& A, const Tensor& B, bool check_errors = true,
                 std::vector<int32_t>* info = nullptr) {
  LU f = ops::lu_factor(A);
  if (check_errors) check_nonsingular(op, A, f);
  Tensor x = column_major(B);  // [..., k, n]: X^T once solved
  const int64_t n = A.sizes()[A.dim() - 1], k = B.sizes()[B.dim() - 1];
  if (!f.info.empty() && k > 0)
    kernels::backend(A.device(), op)
        .lu_solve(A.dtype(), matrix_count(A), n, k, f.factors.data_ptr(), f.pivots.data_ptr<int32_t>(), x.data_ptr());
  if (info) *info = std::move(f.info);
  return x.mT();
}

// A X = B for matching batch shapes, with autograd.
Tensor solve_matrices(const char* op, const Tensor& A, const Tensor& B, bool check_errors = true,
                      std::vector<int32_t>* info = nullptr) {
  Tensor x;
  {
    NoGradGuard no_grad;
    x = solve_raw(op, A, B, check_errors, info);
  }
  if (autograd::needs_grad(A) || autograd::needs_grad(B))
    autograd::set_history(x, autograd::derivatives::solve_node(A, B, x));
  return x;
}

// +1 or -1 (in a's dtype): the sign of the row permutation the pivots make (each pivot i != i + 1
// a swap).
Tensor permutation_sign(const Tensor& a, const LU& f) {
  const int64_t n = a.sizes()[a.dim() - 1];
  const Tensor swaps = ne(f.pivots, arange(1, n + 1, 1, TensorOptions(kInt32).device(a.device()))).sum({-1});
  return (1 - 2 * remainder(swaps, 2)).to(a.dtype());
}

}  // namespace

namespace linalg {

namespace {
// linalg.solve and solve_ex: X with A X = B (B a matrix or a batch of vectors, see linalg.h).
Tensor solve_impl(const char* op, const Tensor& A, const Tensor& B, bool check_errors, std::vector<int32_t>* info) {
  check_square(op, A);
  check_right_hand_side(op, A, B);
  const int64_t n = A.sizes()[A.dim() - 1];
  const bool vector = vector_right_hand_side(A, B);
  const Tensor b = vector ? B.unsqueeze(-1) : B;
  TG_CHECK(b.dim() >= 2 && b.sizes()[b.dim() - 2] == n,
           "{}: A of shape {} needs B with {} rows ([..., {}, k] or [..., {}]), got shape {}", op, A.sizes(), n, n, n,
           B.sizes());
  const Shape batch = broadcast_shapes(ops::batch_shape(A), ops::batch_shape(b), op);
  const Tensor a = A.expand(ops::with_matrix_dims(batch, n, n));
  const Tensor x =
      solve_matrices(op, a, b.expand(ops::with_matrix_dims(batch, n, b.sizes()[b.dim() - 1])), check_errors, info);
  return vector ? x.squeeze(-1) : x;
}
}  // namespace

Tensor solve(const Tensor& A, const Tensor& B, SourceLoc loc) {
  const char* op = "linalg.solve";
  detail::ApiScope scope(op, loc);
  return solve_impl(op, A, B, true, nullptr);
}

std::tuple<Tensor, Tensor> solve_ex(const Tensor& A, const Tensor& B, bool left, bool check_errors, SourceLoc loc) {
  const char* op = "linalg.solve_ex";
  detail::ApiScope scope(op, loc);
  ops::check_defined(op, A, "A");
  ops::check_defined(op, B, "B");
  std::vector<int32_t> info;
  // X A = B is A^T X^T = B^T (for a vector B, A^T x = b).
  const bool vector = vector_right_hand_side(A, B);
  Tensor x;
  if (left)
    x = solve_impl(op, A, B, check_errors, &info);
  else if (vector)
    x = solve_impl(op, A.mT(), B, check_errors, &info);
  else
    x = solve_impl(op, A.mT(), B.mT(), check_errors, &info).mT();
  // The factored matrices have the broadcast batch shape.
  const Shape batch(std::vector<int64_t>(x.sizes().begin(), x.sizes().end() - (vector ? 1 : 2)));
  return {x, ops::info_tensor(A, std::move(info), batch)};
}

Tensor inv(const Tensor& A, SourceLoc loc) {
  const char* op = "linalg.inv";
  detail::ApiScope scope(op, loc);
  check_square(op, A);
  const int64_t n = A.sizes()[A.dim() - 1];
  return solve_matrices(op, A, eye(n, TensorOptions(A.dtype()).device(A.device())).expand(A.sizes()));
}

std::tuple<Tensor, Tensor> inv_ex(const Tensor& A, bool check_errors, SourceLoc loc) {
  const char* op = "linalg.inv_ex";
  detail::ApiScope scope(op, loc);
  check_square(op, A);
  const int64_t n = A.sizes()[A.dim() - 1];
  std::vector<int32_t> info;
  Tensor inverse =
      solve_matrices(op, A, eye(n, TensorOptions(A.dtype()).device(A.device())).expand(A.sizes()), check_errors, &info);
  return {inverse, ops::info_tensor(A, std::move(info), ops::batch_shape(A))};
}

Tensor det(const Tensor& A, SourceLoc loc) {
  const char* op = "linalg.det";
  detail::ApiScope scope(op, loc);
  check_square(op, A);
  Tensor d;
  {
    NoGradGuard no_grad;
    const LU f = ops::lu_factor(A);
    // The permutation's sign times the product of U's diagonal (a zero pivot gives 0).
    d = permutation_sign(A, f) * f.factors.diagonal(0, -2, -1).prod({-1});
  }
  if (autograd::needs_grad(A)) autograd::set_history(d, autograd::derivatives::det_node(A, d));
  return d;
}

std::tuple<Tensor, Tensor> slogdet(const Tensor& A, SourceLoc loc) {
  const char* op = "linalg.slogdet";
  detail::ApiScope scope(op, loc);
  check_square(op, A);
  Tensor sign_of, logabs;
  {
    NoGradGuard no_grad;
    const LU f = ops::lu_factor(A);
    const Tensor diagonal = f.factors.diagonal(0, -2, -1);
    // A complex determinant's sign is its phase, det / |det|.
    sign_of = permutation_sign(A, f) * (A.is_complex() ? sgn(diagonal) : sign(diagonal)).prod({-1});
    logabs = log(abs(diagonal)).sum({-1});
  }
  if (autograd::needs_grad(A)) {
    auto node = autograd::derivatives::slogdet_node(A);
    if (!A.is_complex()) {  // a real sign is piecewise constant
      autograd::set_history(logabs, node);
    } else {
      autograd::set_history_before_saves({sign_of, logabs}, node);
      node->save(sign_of, /*is_output=*/true);
      autograd::finish_history({sign_of, logabs}, node);
    }
  }
  return {sign_of, logabs};
}

namespace {
// OpenBLAS's potrf, unlike LAPACK's reference one, takes a NaN pivot for a positive one: NaN
// factors and info 0. Such a matrix is not positive-definite either (PyTorch raises): info[b]
// becomes the first NaN pivot's order.
void mark_nan_pivots(const Tensor& factors, std::vector<int32_t>& info) {
  const Tensor nan = isnan(factors.diagonal(0, -2, -1));
  if (info.empty() || !nan.any().item<bool>()) return;  // one pass and one sync in the usual case
  const int64_t n = factors.sizes()[factors.dim() - 1];
  const Tensor rows = nan.reshape({-1, n}).cpu().contiguous();
  const bool* p = rows.data_ptr<bool>();
  for (size_t b = 0; b < info.size(); ++b)
    for (int64_t j = 0; info[b] == 0 && j < n; ++j)
      if (p[static_cast<int64_t>(b) * n + j]) info[b] = static_cast<int32_t>(j + 1);
}

// linalg.cholesky and cholesky_ex: L or U, and the kernel's codes when asked. Where a leading
// minor is not positive-definite, L holds LAPACK's partial factorization.
Tensor cholesky_impl(const char* op, const Tensor& A, bool upper, bool check_errors,
                     std::vector<int32_t>* codes = nullptr) {
  check_square(op, A);
  Tensor L;
  std::vector<int32_t> info(static_cast<size_t>(matrix_count(A)), 0);
  {
    NoGradGuard no_grad;
    Tensor factors = column_major(A);
    if (!info.empty())
      kernels::backend(A.device(), op)
          .cholesky(A.dtype(), matrix_count(A), A.sizes()[A.dim() - 1], factors.data_ptr(), info.data());
    mark_nan_pivots(factors, info);
    for (size_t b = 0; check_errors && b < info.size(); ++b)
      TG_CHECK_LINALG(
          info[b] <= 0,
          "{}: the input is not positive-definite{}: its leading minor of order {} is not positive-definite", op,
          where_in_batch(A, static_cast<int64_t>(b)), info[b]);
    L = tril(factors.mT());  // the kernel leaves A's upper triangle in place
  }
  if (autograd::needs_grad(A)) autograd::set_history(L, autograd::derivatives::cholesky_node(A, L));
  if (codes) *codes = std::move(info);
  return upper ? L.mH() : L;  // A = U^H U
}
}  // namespace

Tensor cholesky(const Tensor& A, bool upper, SourceLoc loc) {
  const char* op = "linalg.cholesky";
  detail::ApiScope scope(op, loc);
  return cholesky_impl(op, A, upper, true);
}

std::tuple<Tensor, Tensor> cholesky_ex(const Tensor& A, bool upper, bool check_errors, SourceLoc loc) {
  const char* op = "linalg.cholesky_ex";
  detail::ApiScope scope(op, loc);
  std::vector<int32_t> codes;
  Tensor L = cholesky_impl(op, A, upper, check_errors, &codes);
  return {L, ops::info_tensor(A, std::move(codes), ops::batch_shape(A))};
}

namespace {
// Eigenvalues, and eigenvectors when asked or needed for the gradient (else undefined).
std::tuple<Tensor, Tensor> symmetric_eigen(const char* op, const Tensor& A, std::string_view uplo, bool vectors) {
  check_square(op, A);
  TG_CHECK_VALUE(uplo == "L" || uplo == "U", "{}: uplo must be \"L\" or \"U\", got \"{}\"", op, uplo);
  const bool grad = autograd::needs_grad(A);
  Tensor w, V;
  {
    NoGradGuard no_grad;
    // The kernel reads the lower triangle; A's upper one is its conjugate transpose's lower one.
    Tensor a = column_major(uplo == "L" ? A : A.mH());
    Shape values = A.sizes();
    values.pop_back();
    w = ops::empty(values, is_complex(A.dtype()) ? to_real_dtype(A.dtype()) : A.dtype(), A.device());  // real
    std::vector<int32_t> info(static_cast<size_t>(matrix_count(A)), 0);
    if (!info.empty())
      kernels::backend(A.device(), op)
          .eigh(A.dtype(), matrix_count(A), A.sizes()[A.dim() - 1], a.data_ptr(), w.data_ptr(), vectors || grad,
                info.data());
    for (size_t b = 0; b < info.size(); ++b)
      TG_CHECK_LINALG(info[b] <= 0, "{}: the eigenvalue iteration did not converge{} ({} off-diagonal elements left)",
                      op, where_in_batch(A, static_cast<int64_t>(b)), info[b]);
    if (vectors || grad) V = a.mT();  // the columns of the column-major buffer
  }
  // Both outputs go on the tape even for eigvalsh: the gradient's own gradient needs V's.
  if (grad) {
    auto node = autograd::derivatives::eigh_node(A);
    autograd::set_history_before_saves({w, V}, node);
    node->save(w, /*is_output=*/true);
    node->save(V, /*is_output=*/true);
    autograd::finish_history({w, V}, node);
  }
  return {w, V};
}
}  // namespace

std::tuple<Tensor, Tensor> eigh(const Tensor& A, std::string_view uplo, SourceLoc loc) {
  detail::ApiScope scope("linalg.eigh", loc);
  return symmetric_eigen("linalg.eigh", A, uplo, true);
}

Tensor eigvalsh(const Tensor& A, std::string_view uplo, SourceLoc loc) {
  detail::ApiScope scope("linalg.eigvalsh", loc);
  return std::get<0>(symmetric_eigen("linalg.eigvalsh", A, uplo, false));
}

namespace {
// Eigenvalues, and eigenvectors when asked or needed for the gradient (else undefined), of
// general matrices: complex, of A's precision.
std::tuple<Tensor, Tensor> general_eigen(const char* op, const Tensor& A, bool vectors) {
  check_square(op, A);
  const bool grad = autograd::needs_grad(A);
  const DType result = A.is_complex() ? A.dtype() : to_complex_dtype(A.dtype());
  const int64_t n = A.sizes()[A.dim() - 1];
  Tensor L, V;
  {
    NoGradGuard no_grad;
    Tensor a = column_major(A);
    Shape values = A.sizes();
    values.pop_back();
    L = ops::empty(values, result, A.device());
    if (vectors || grad) V = ops::empty(A.sizes(), result, A.device());  // column-major, transposed below
    std::vector<int32_t> info(static_cast<size_t>(matrix_count(A)), 0);
    // LAPACK's geev rejects them as an illegal argument, printing to stderr (PyTorch raises too).
    if (!info.empty()) ops::check_finite_matrices(op, A, "the eigenvalue iteration does not converge on them");
    if (!info.empty())
      kernels::backend(A.device(), op)
          .eig(A.dtype(), matrix_count(A), n, a.data_ptr(), L.data_ptr(), V.defined() ? V.data_ptr() : nullptr,
               info.data());
    for (size_t b = 0; b < info.size(); ++b)
      TG_CHECK_LINALG(info[b] <= 0, "{}: the QR iteration did not converge{} ({} eigenvalues left)", op,
                      where_in_batch(A, static_cast<int64_t>(b)), info[b]);
    if (V.defined()) V = V.mT();
  }
  if (grad) {
    auto node = autograd::derivatives::eig_node(A);
    autograd::set_history_before_saves({L, V}, node);
    node->save(L, /*is_output=*/true);
    node->save(V, /*is_output=*/true);
    autograd::finish_history({L, V}, node);
  }
  return {L, V};
}
}  // namespace

std::tuple<Tensor, Tensor> eig(const Tensor& A, SourceLoc loc) {
  detail::ApiScope scope("linalg.eig", loc);
  return general_eigen("linalg.eig", A, true);
}

Tensor eigvals(const Tensor& A, SourceLoc loc) {
  detail::ApiScope scope("linalg.eigvals", loc);
  return std::get<0>(general_eigen("linalg.eigvals", A, false));
}

namespace {
// The first matrix of a [..., n, n] with a zero on its diagonal, or -1.
int64_t first_zero_diagonal(const Tensor& a) {
  const Tensor zero = eq(a.detach().diagonal(0, -2, -1), 0);
  if (!zero.any().item<bool>()) return -1;  // one pass and one sync in the usual case
  return argmax(zero.reshape({-1, a.sizes()[a.dim() - 1]}).any(1).to(kInt32)).item<int64_t>();
}

// A X = B for triangular A [..., n, n] and B [..., n, k] of one batch shape, with autograd.
Tensor triangular_matrices(const char* op, const Tensor& A, const Tensor& B, bool upper, bool unit) {
  Tensor x;
  {
    NoGradGuard no_grad;
    if (!unit) {
      const int64_t b = first_zero_diagonal(A);
      TG_CHECK_LINALG(b < 0, "{}: the triangular matrix is singular{}: it has a zero on its diagonal", op,
                      where_in_batch(A, b));
    }
    // A row-major or column-major A (contiguous, or the transpose of a contiguous tensor) is
    // read in place; other layouts are copied column-major.
    const bool row_major = A.is_contiguous();
    const Tensor a = row_major || A.mT().is_contiguous() ? A.detach() : column_major(A);
    x = column_major(B);  // [..., k, n]: X^T once solved
    const int64_t n = A.sizes()[A.dim() - 1], k = B.sizes()[B.dim() - 1];
    if (matrix_count(A) > 0 && k > 0)
      kernels::backend(A.device(), op)
          .triangular_solve(A.dtype(), matrix_count(A), n, k, a.data_ptr(), x.data_ptr(), upper, unit, row_major);
    x = x.mT();
  }
  if (autograd::needs_grad(A) || autograd::needs_grad(B))
    autograd::set_history(x, autograd::derivatives::triangular_solve_node(A, B, x, upper, unit));
  return x;
}

// (solution, rank, singular values) from LAPACK's least-squares driver `name` for A [..., m, n]
// and B [..., m, k] of one batch shape (rank empty for gels, values empty but for gelsd and
// gelss); no autograd.
std::tuple<Tensor, Tensor, Tensor> lapack_lstsq(const char* op, const Tensor& a, const Tensor& b, std::string_view name,
                                                double tol) {
  NoGradGuard no_grad;
  const int64_t m = a.sizes()[a.dim() - 2], n = a.sizes()[a.dim() - 1], k = b.sizes()[b.dim() - 1];
  const Shape batch = ops::batch_shape(a);
  const TensorOptions real = TensorOptions(a.dtype()).device(a.device());
  const DType value_dtype = a.is_complex() ? to_real_dtype(a.dtype()) : a.dtype();  // singular values
  Tensor a_cm = column_major(a);
  Tensor b_cm = zeros(ops::with_matrix_dims(batch, k, std::max(m, n)), real);  // column-major max(m, n) x k
  b_cm.narrow(-1, 0, m).copy_(b.detach().mT());
  Tensor rank = ops::empty(batch, kInt64, a.device()),
         values = zeros({0}, TensorOptions(value_dtype).device(a.device()));
  if (name == "gelsd" || name == "gelss") {
    Shape s = batch;
    s.push_back(std::min(m, n));
    values = ops::empty(s, value_dtype, a.device());
  }
  const int64_t count = batch.numel();
  std::vector<int32_t> info(static_cast<size_t>(count), 0);
  const char driver = name == "gels" ? 'g' : name == "gelsy" ? 'y' : name == "gelsd" ? 'd' : 's';
  if (count > 0)
    kernels::backend(a.device(), op)
        .lstsq(a.dtype(), count, m, n, k, a_cm.data_ptr(), b_cm.data_ptr(), tol, driver, rank.data_ptr<int64_t>(),
               values.numel() > 0 ? values.data_ptr() : nullptr, info.data());
  for (size_t i = 0; i < info.size(); ++i) {
    TG_CHECK_LINALG(info[i] <= 0 || driver != 'g',
                    "{}: A is rank-deficient{}, which driver \"gels\" cannot solve (use \"gelsd\")", op,
                    where_in_batch(a, static_cast<int64_t>(i)));
    TG_CHECK_LINALG(info[i] <= 0, "{}: the SVD did not converge{} (LAPACK info {})", op,
                    where_in_batch(a, static_cast<int64_t>(i)), info[i]);
  }
  if (driver == 'g') rank = zeros({0}, TensorOptions(kInt64).device(a.device()));
  return {b_cm.narrow(-1, 0, n).mT(), rank, values};
}

}  // namespace

Tensor solve_triangular(const Tensor& A, const Tensor& B, bool upper, bool left, bool unitriangular, SourceLoc loc) {
  const char* op = "linalg.solve_triangular";
  detail::ApiScope scope(op, loc);
  check_square(op, A);
  check_right_hand_side(op, A, B);
  TG_CHECK(B.dim() >= 2, "{}: expected B of at least 2 dims ([..., n, k] or [..., k, n]), got shape {}", op, B.sizes());
  // X A = B is A^T X^T = B^T, with A^T triangular the other way.
  if (!left) return solve_triangular(A.mT(), B.mT(), !upper, true, unitriangular).mT();
  const int64_t n = A.sizes()[A.dim() - 1];
  TG_CHECK(B.sizes()[B.dim() - 2] == n, "{}: A of shape {} needs B with {} rows, got shape {}", op, A.sizes(), n,
           B.sizes());
  const Shape batch = broadcast_shapes(ops::batch_shape(A), ops::batch_shape(B), op);
  return triangular_matrices(op, A.expand(ops::with_matrix_dims(batch, n, n)),
                             B.expand(ops::with_matrix_dims(batch, n, B.sizes()[B.dim() - 1])), upper, unitriangular);
}

std::tuple<Tensor, Tensor, Tensor, Tensor> lstsq(const Tensor& A, const Tensor& B, std::optional<double> rcond,
                                                 std::optional<std::string_view> driver, SourceLoc loc) {
  const char* op = "linalg.lstsq";
  detail::ApiScope scope(op, loc);
  ops::check_matrices(op, A, /*square=*/false);
  check_right_hand_side(op, A, B);
  const int64_t m = A.sizes()[A.dim() - 2], n = A.sizes()[A.dim() - 1];
  // B is a (batch of) vector(s) with one dim fewer than A (PyTorch's rule).
  const bool vector = B.dim() == A.dim() - 1;
  const Tensor b0 = vector ? B.unsqueeze(-1) : B;
  TG_CHECK(b0.dim() >= 2 && b0.sizes()[b0.dim() - 2] == m,
           "{}: A of shape {} needs B with {} rows ([..., {}, k] or [..., {}]), got shape {}", op, A.sizes(), m, m, m,
           B.sizes());
  const std::string_view name = driver ? *driver : A.device().is_cuda() ? "gels" : "gelsy";
  TG_CHECK_VALUE(name == "gels" || name == "gelsy" || name == "gelsd" || name == "gelss",
                 "{}: driver must be one of gels, gelsy, gelsd, gelss, got \"{}\"", op, name);
  TG_CHECK_VALUE(!A.device().is_cuda() || name == "gels", "{}: only driver \"gels\" runs on {}, got \"{}\"", op,
                 A.device(), name);
  const Shape batch = broadcast_shapes(ops::batch_shape(A), ops::batch_shape(b0), op);
  const Tensor a = A.expand(ops::with_matrix_dims(batch, m, n));
  const Tensor b = b0.expand(ops::with_matrix_dims(batch, m, b0.sizes()[b0.dim() - 1]));
  const TensorOptions real =
      TensorOptions(A.is_complex() ? to_real_dtype(A.dtype()) : A.dtype()).device(A.device());  // residuals, values
  Tensor x, rank = zeros({0}, TensorOptions(kInt64).device(A.device())), values = zeros({0}, real);
  bool full_rank = true;
  if (name == "gels" && A.device().is_cuda()) {
    // Full rank assumed: X = R^-1 Q^T B for tall A = QR; the minimum-norm Q R^-T B for wide A^T = QR.
    const bool tall = m >= n;
    auto [Q, R] = qr(tall ? a : a.mT());
    const int64_t singular = first_zero_diagonal(R);
    TG_CHECK(singular < 0, "{}: A is rank-deficient{}, which driver \"gels\" cannot solve (use \"gelsd\")", op,
             where_in_batch(a, singular));
    x = tall ? solve_triangular(R, matmul(Q.mH(), b), true) : matmul(Q, solve_triangular(R.mH(), b, false));
  } else {
    const double tol =
        rcond && *rcond >= 0 ? *rcond : ops::machine_eps(A.dtype()) * static_cast<double>(std::max(m, n));
    std::tie(x, rank, values) = lapack_lstsq(op, a, b, name, tol);
    if (autograd::needs_grad(a) || autograd::needs_grad(b))
      autograd::set_history(x, autograd::derivatives::lstsq_node(a, b, tol));
    full_rank = eq(rank, std::min(m, n)).all().item<bool>();
  }
  Tensor residuals = zeros({0}, real);
  if (name != "gelsy" && m > n && full_rank && ops::matrix_count(a) > 0)
    residuals = square(abs(matmul(a, x) - b)).sum({-2});
  if (vector) {
    x = x.squeeze(-1);
    if (residuals.numel() > 0) residuals = residuals.squeeze(-1);
  }
  return {x, residuals, rank, values};
}

}  // namespace linalg

Tensor inverse(const Tensor& A, SourceLoc loc) {
  detail::ApiScope scope("inverse", loc);
  return linalg::inv(A);
}

Tensor det(const Tensor& A, SourceLoc loc) {
  detail::ApiScope scope("det", loc);
  return linalg::det(A);
}

std::tuple<Tensor, Tensor> slogdet(const Tensor& A, SourceLoc loc) {
  detail::ApiScope scope("slogdet", loc);
  return linalg::slogdet(A);
}

Tensor logdet(const Tensor& A, SourceLoc loc) {
  detail::ApiScope scope("logdet", loc);
  auto [sign_of, logabs] = linalg::slogdet(A);
  // A complex determinant's log is log|det| + i angle(det).
  if (A.is_complex()) return complex(logabs, angle(sign_of));
  return where(lt(sign_of, 0), NAN, logabs);
}

}  // namespace tg
