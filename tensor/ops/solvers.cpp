// Square-matrix solvers and factorizations (torch.linalg's inv, det, slogdet, solve, cholesky,
// eigh, eigvalsh) over the backend's LU, Cholesky and symmetric eigen kernels. The kernels work
// on column-major copies: a row-major [..., n, n] buffer holding A^T is A in column-major order.
#include <string>
#include <vector>

#include "autograd/derivatives/derivatives.h"
#include "tapegrad/autograd/grad_mode.h"
#include "tapegrad/tensor/ops.h"
#include "tensor/ops/common.h"

namespace tg {
namespace {

void check_square(const char* op, const Tensor& a) {
  ops::check_floating(op, a, "input");
  TG_CHECK(a.dim() >= 2 && a.sizes()[a.dim() - 1] == a.sizes()[a.dim() - 2],
           "{}: expected square matrices [..., n, n], got shape {}", op, a.sizes());
  TG_CHECK_TYPE(a.dtype() == kFloat32 || a.dtype() == kFloat64, "{}: expected float32 or float64 matrices, got {}", op,
                a.dtype());
}

int64_t matrix_count(const Tensor& a) {
  const int64_t n = a.sizes()[a.dim() - 1];
  return n == 0 ? 0 : a.numel() / (n * n);
}

// " (batch element b)" for batched inputs, as PyTorch's messages say.
std::string where_in_batch(const Tensor& a, int64_t b) {
  return a.dim() > 2 ? " (batch element " + std::to_string(b) + ")" : std::string();
}

// A fresh contiguous copy of a's transpose: a's matrices in column-major order; no autograd.
Tensor column_major(const Tensor& a) {
  const Tensor t = a.detach().mT();
  Tensor out = ops::empty(t.sizes(), a.dtype(), a.device());
  ops::copy_into(out, t);
  return out;
}

struct LU {
  Tensor factors;  // column-major: U on and above the diagonal, L (unit diagonal) below it
  Tensor pivots;   // int32 [..., n], 1-based
  std::vector<int32_t> info;
};

LU lu_factor(const Tensor& a) {
  LU f{column_major(a), {}, std::vector<int32_t>(static_cast<size_t>(matrix_count(a)), 0)};
  const int64_t n = a.sizes()[a.dim() - 1];
  Shape piv = a.sizes();
  piv.pop_back();
  f.pivots = ops::empty(piv, kInt32, a.device());
  if (!f.info.empty())
    kernels::backend(a.device(), "lu_factor")
        .lu_factor(a.dtype(), matrix_count(a), n, f.factors.data_ptr(), f.pivots.data_ptr<int32_t>(), f.info.data());
  return f;
}

void check_nonsingular(const char* op, const Tensor& a, const LU& f) {
  for (size_t b = 0; b < f.info.size(); ++b)
    TG_CHECK(f.info[b] <= 0,
             "{}: the input matrix is singular{}: U[{}][{}] is zero after the LU factorization, so it has no inverse",
             op, where_in_batch(a, static_cast<int64_t>(b)), f.info[b] - 1, f.info[b] - 1);
}

// X with A X = B: A [..., n, n] and B [..., n, k] of one batch shape; no autograd.
Tensor solve_raw(const char* op, const Tensor& A, const Tensor& B) {
  const LU f = lu_factor(A);
  check_nonsingular(op, A, f);
  Tensor x = column_major(B);  // [..., k, n]: X^T once solved
  const int64_t n = A.sizes()[A.dim() - 1], k = B.sizes()[B.dim() - 1];
  if (!f.info.empty() && k > 0)
    kernels::backend(A.device(), op).lu_solve(A.dtype(), matrix_count(A), n, k, f.factors.data_ptr(),
                                              f.pivots.data_ptr<int32_t>(), x.data_ptr());
  return x.mT();
}

// A X = B for matching batch shapes, with autograd.
Tensor solve_matrices(const char* op, const Tensor& A, const Tensor& B) {
  Tensor x;
  {
    NoGradGuard no_grad;
    x = solve_raw(op, A, B);
  }
  if (autograd::needs_grad(A) || autograd::needs_grad(B))
    autograd::set_history(x, autograd::derivatives::solve_node(A, B, x));
  return x;
}

// +1 or -1: the sign of the row permutation the pivots make (each pivot i != i + 1 a swap).
Tensor permutation_sign(const Tensor& a, const LU& f) {
  const int64_t n = a.sizes()[a.dim() - 1];
  const Tensor swaps = ne(f.pivots, arange(1, n + 1, 1, TensorOptions(kInt32).device(a.device()))).sum({-1});
  return (1 - 2 * remainder(swaps, 2)).to(a.dtype());
}

}  // namespace

namespace linalg {

Tensor solve(const Tensor& A, const Tensor& B, SourceLoc loc) {
  const char* op = "linalg.solve";
  detail::ApiScope scope(op, loc);
  check_square(op, A);
  ops::check_defined(op, B, "B");
  ops::check_same_device(op, A, B);
  TG_CHECK_TYPE(A.dtype() == B.dtype(), "{}: A ({}) and B ({}) must have the same dtype", op, A.dtype(), B.dtype());
  const int64_t n = A.sizes()[A.dim() - 1];
  // B is a (batch of) vector(s) when 1-D or shaped as A without its last dim (PyTorch's rule).
  const Shape a_rows(std::vector<int64_t>(A.sizes().begin(), A.sizes().end() - 1));
  const bool vector = B.dim() == 1 || (B.dim() == A.dim() - 1 && B.sizes() == a_rows);
  const Tensor b = vector ? B.unsqueeze(-1) : B;
  TG_CHECK(b.dim() >= 2 && b.sizes()[b.dim() - 2] == n,
           "{}: A of shape {} needs B with {} rows ([..., {}, k] or [..., {}]), got shape {}", op, A.sizes(), n, n, n,
           B.sizes());
  const Shape a_batch(std::vector<int64_t>(A.sizes().begin(), A.sizes().end() - 2));
  const Shape b_batch(std::vector<int64_t>(b.sizes().begin(), b.sizes().end() - 2));
  Shape batch = broadcast_shapes(a_batch, b_batch, op);
  Shape a_shape = batch, b_shape = batch;
  a_shape.push_back(n);
  a_shape.push_back(n);
  b_shape.push_back(n);
  b_shape.push_back(b.sizes()[b.dim() - 1]);
  const Tensor x = solve_matrices(op, A.expand(a_shape), b.expand(b_shape));
  return vector ? x.squeeze(-1) : x;
}

Tensor inv(const Tensor& A, SourceLoc loc) {
  const char* op = "linalg.inv";
  detail::ApiScope scope(op, loc);
  check_square(op, A);
  const int64_t n = A.sizes()[A.dim() - 1];
  return solve_matrices(op, A, eye(n, TensorOptions(A.dtype()).device(A.device())).expand(A.sizes()));
}

Tensor det(const Tensor& A, SourceLoc loc) {
  const char* op = "linalg.det";
  detail::ApiScope scope(op, loc);
  check_square(op, A);
  Tensor d;
  {
    NoGradGuard no_grad;
    const LU f = lu_factor(A);
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
    const LU f = lu_factor(A);
    const Tensor diagonal = f.factors.diagonal(0, -2, -1);
    sign_of = permutation_sign(A, f) * sign(diagonal).prod({-1});
    logabs = log(abs(diagonal)).sum({-1});
  }
  if (autograd::needs_grad(A)) autograd::set_history(logabs, autograd::derivatives::logabsdet_node(A));
  return {sign_of, logabs};
}

Tensor cholesky(const Tensor& A, bool upper, SourceLoc loc) {
  const char* op = "linalg.cholesky";
  detail::ApiScope scope(op, loc);
  check_square(op, A);
  Tensor L;
  {
    NoGradGuard no_grad;
    Tensor factors = column_major(A);
    std::vector<int32_t> info(static_cast<size_t>(matrix_count(A)), 0);
    if (!info.empty())
      kernels::backend(A.device(), op).cholesky(A.dtype(), matrix_count(A), A.sizes()[A.dim() - 1],
                                                factors.data_ptr(), info.data());
    for (size_t b = 0; b < info.size(); ++b)
      TG_CHECK_VALUE(info[b] <= 0,
                     "{}: the input is not positive-definite{}: its leading minor of order {} is not positive-definite",
                     op, where_in_batch(A, static_cast<int64_t>(b)), info[b]);
    L = tril(factors.mT());  // the kernel leaves A's upper triangle in place
  }
  if (autograd::needs_grad(A)) autograd::set_history(L, autograd::derivatives::cholesky_node(A, L));
  return upper ? L.mT() : L;
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
    // The kernel reads the lower triangle; A's upper one is its transpose's lower one.
    Tensor a = column_major(uplo == "L" ? A : A.mT());
    Shape values = A.sizes();
    values.pop_back();
    w = ops::empty(values, A.dtype(), A.device());
    std::vector<int32_t> info(static_cast<size_t>(matrix_count(A)), 0);
    if (!info.empty())
      kernels::backend(A.device(), op).eigh(A.dtype(), matrix_count(A), A.sizes()[A.dim() - 1], a.data_ptr(),
                                            w.data_ptr(), vectors || grad, info.data());
    for (size_t b = 0; b < info.size(); ++b)
      TG_CHECK(info[b] <= 0, "{}: the eigenvalue iteration did not converge{} ({} off-diagonal elements left)", op,
               where_in_batch(A, static_cast<int64_t>(b)), info[b]);
    if (vectors || grad) V = a.mT();  // the columns of the column-major buffer
  }
  // Both outputs go on the tape even for eigvalsh: the gradient's own gradient needs V's.
  if (grad) {
    auto node = autograd::derivatives::eigh_node(A);
    autograd::set_history(tensor_list{w, V}, node);
    node->save(w, /*is_output=*/true);
    node->save(V, /*is_output=*/true);
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
  return where(lt(sign_of, 0), NAN, logabs);
}

}  // namespace tg
