// torch.linalg's functions composed of other ops: vecdot, vander, tensorinv and tensorsolve
// (linalg.matmul and linalg.diagonal are tg::matmul and tg::diagonal, named in Python), and
// torch's cholesky_solve and cholesky_inverse. Their gradients and devices
// come from the ops they are made of.
#include <algorithm>
#include <numeric>
#include <vector>

#include "tapegrad/tensor/factories.h"
#include "tapegrad/tensor/ops.h"
#include "tensor/ops/common.h"
#include "tensor/ops/matrix_helpers.h"

namespace tg::linalg {

namespace {

int64_t product(std::vector<int64_t>::const_iterator begin, std::vector<int64_t>::const_iterator end) {
  return std::accumulate(begin, end, int64_t{1}, std::multiplies<>());
}

}  // namespace

Tensor vecdot(const Tensor& x, const Tensor& y, int64_t dim, SourceLoc loc) {
  const char* op = "linalg.vecdot";
  detail::ApiScope scope(op, loc);
  ops::check_defined(op, x, "x");
  ops::check_defined(op, y, "y");
  TG_CHECK_TYPE(x.dtype() == y.dtype(), "{}: x ({}) and y ({}) must have the same dtype", op, x.dtype(), y.dtype());
  const Tensor products = conj(x) * y;  // broadcast first: dim counts in the broadcast shape
  TG_CHECK_INDEX(products.dim() > 0 && dim >= -products.dim() && dim < products.dim(),
                 "{}: dim {} is out of range for the broadcast shape {}", op, dim, products.sizes());
  return products.sum({dim});
}

Tensor vander(const Tensor& x, std::optional<int64_t> N, SourceLoc loc) {
  const char* op = "linalg.vander";
  detail::ApiScope scope(op, loc);
  ops::check_defined(op, x, "x");
  TG_CHECK(x.dim() >= 1, "{}: x must have at least one dimension, got a 0-D tensor", op);
  const int64_t n = N.value_or(x.sizes()[x.dim() - 1]);
  TG_CHECK_VALUE(n > 1, "{}: N must be greater than 1, got {}", op, n);
  // Integers (and bools) count in int64, as PyTorch. The powers are a running product, whose
  // gradient stays finite at x = 0 (pow's x^(k-1) would not).
  const Tensor base = is_inexact(x.dtype()) ? x : x.to(kInt64);
  std::vector<int64_t> shape(base.sizes().begin(), base.sizes().end());
  shape.push_back(n - 1);
  const Tensor powers = base.unsqueeze(-1).expand(Shape(shape)).cumprod(-1);
  shape.back() = 1;
  return cat({ones(Shape(shape), TensorOptions(base.dtype()).device(base.device())), powers}, -1);
}

Tensor tensorinv(const Tensor& A, int64_t ind, SourceLoc loc) {
  const char* op = "linalg.tensorinv";
  detail::ApiScope scope(op, loc);
  ops::check_defined(op, A, "A");
  TG_CHECK_VALUE(ind > 0, "{}: expected a strictly positive integer for 'ind', but got {}", op, ind);
  TG_CHECK(ind <= A.dim(), "{}: ind {} is past A's {} dims", op, ind, A.dim());
  const std::vector<int64_t> shape(A.sizes().begin(), A.sizes().end());
  const int64_t rows = product(shape.begin(), shape.begin() + ind), cols = product(shape.begin() + ind, shape.end());
  TG_CHECK(rows == cols,
           "{}: the product of A's first ind dims ({}) must equal that of the rest ({}), A has shape {}, ind {}", op,
           rows, cols, A.sizes(), ind);
  std::vector<int64_t> result(shape.begin() + ind, shape.end());
  result.insert(result.end(), shape.begin(), shape.begin() + ind);
  return inv(A.reshape({rows, cols})).reshape(Shape(result));
}

Tensor tensorsolve(const Tensor& A, const Tensor& B, const std::optional<Shape>& dims, SourceLoc loc) {
  const char* op = "linalg.tensorsolve";
  detail::ApiScope scope(op, loc);
  ops::check_defined(op, A, "A");
  ops::check_defined(op, B, "B");
  Tensor a = A;
  if (dims && !dims->empty()) {
    // dims of A move to the end, in the order given.
    std::vector<int64_t> moved, order;
    for (int64_t d : *dims) {
      TG_CHECK_INDEX(d >= -A.dim() && d < A.dim(), "{}: dim {} is out of range for A of shape {}", op, d, A.sizes());
      const int64_t w = d < 0 ? d + A.dim() : d;
      TG_CHECK_VALUE(std::find(moved.begin(), moved.end(), w) == moved.end(), "{}: dim {} appears twice in dims", op,
                     w);
      moved.push_back(w);
    }
    for (int64_t d = 0; d < A.dim(); ++d)
      if (std::find(moved.begin(), moved.end(), d) == moved.end()) order.push_back(d);
    order.insert(order.end(), moved.begin(), moved.end());
    a = A.permute(Shape(order));
  }
  TG_CHECK(B.dim() <= a.dim(), "{}: B of shape {} has more dims than A of shape {}", op, B.sizes(), a.sizes());
  const std::vector<int64_t> shape(a.sizes().begin(), a.sizes().end());
  const std::vector<int64_t> result(shape.begin() + B.dim(), shape.end());
  const int64_t rows = product(shape.begin(), shape.begin() + B.dim()), cols = product(result.begin(), result.end());
  TG_CHECK(std::equal(B.sizes().begin(), B.sizes().end(), shape.begin()) && rows == cols,
           "{}: A of shape {} (after moving dims) must start with B's shape {} and have as many elements past it, "
           "a square system",
           op, a.sizes(), B.sizes());
  return solve(a.reshape({rows, cols}), B.reshape({rows})).reshape(Shape(result));
}

}  // namespace tg::linalg

namespace tg {
namespace {
// A zero on the factor's diagonal: A = L L^H is singular. Checked here so that the error names
// the op the user called rather than the triangular solves inside it.
void check_nonsingular_factor(const char* op, const Tensor& L) {
  const Tensor zero = eq(L.detach().diagonal(0, -2, -1), 0);
  TG_CHECK_LINALG(!zero.any().item<bool>(),
                  "{}: the factor has a zero on its diagonal, so the matrix L L^H it stands for is singular", op);
}
}  // namespace

Tensor cholesky_solve(const Tensor& B, const Tensor& L, bool upper, SourceLoc loc) {
  const char* op = "cholesky_solve";
  detail::ApiScope scope(op, loc);
  ops::check_matrices(op, L, /*square=*/true);
  ops::check_defined(op, B, "B");
  ops::check_same_device(op, L, B);
  TG_CHECK_TYPE(B.dtype() == L.dtype(), "{}: B ({}) and the factor ({}) must have the same dtype", op, B.dtype(),
                L.dtype());
  const int64_t n = L.sizes()[L.dim() - 1];
  TG_CHECK(B.dim() >= 2 && B.sizes()[B.dim() - 2] == n,
           "{}: the factor of shape {} needs B of shape [..., {}, k], got {}", op, L.sizes(), n, B.sizes());
  check_nonsingular_factor(op, L);
  // A = L L^H: X = L^-H (L^-1 B); A = U^H U: X = U^-1 (U^-H B). (^H is ^T for real factors.)
  const Tensor lower = upper ? L.mH() : L;
  return linalg::solve_triangular(lower.mH(), linalg::solve_triangular(lower, B, /*upper=*/false), /*upper=*/true);
}

Tensor cholesky_inverse(const Tensor& L, bool upper, SourceLoc loc) {
  const char* op = "cholesky_inverse";
  detail::ApiScope scope(op, loc);
  ops::check_matrices(op, L, /*square=*/true);
  check_nonsingular_factor(op, L);
  const int64_t n = L.sizes()[L.dim() - 1];
  return cholesky_solve(eye(n, L.options().requires_grad(false)).expand(L.sizes()), L, upper);
}

}  // namespace tg
