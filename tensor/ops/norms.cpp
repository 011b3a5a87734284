// torch.linalg's norms: vector_norm, matrix_norm, norm, and cond, composed of reductions and
// the singular values; dist and renorm, composed of vector_norm.
#include <cmath>
#include <limits>
#include <string>

#include "tapegrad/tensor/ops.h"
#include "tensor/ops/common.h"
#include "tensor/ops/inplace.h"
#include "tensor/ops/matrix_helpers.h"

namespace tg::linalg {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

// The two matrix dims of A, wrapped and checked distinct.
std::pair<int64_t, int64_t> matrix_dims(const char* op, const Tensor& A, const Shape& dims) {
  TG_CHECK(A.dim() >= 2, "{}: expected a tensor of at least 2 dims, got shape {}", op, A.sizes());
  TG_CHECK(dims.size() == 2, "{}: expected two dims, got {}", op, dims);
  auto wrap = [&](int64_t d) {
    TG_CHECK_INDEX(d >= -A.dim() && d < A.dim(), "{}: dim {} out of range for a tensor of {} dims", op, d, A.dim());
    return d < 0 ? d + A.dim() : d;
  };
  const int64_t d0 = wrap(dims[0]), d1 = wrap(dims[1]);
  TG_CHECK(d0 != d1, "{}: the two dims must differ, got {}", op, dims);
  return {d0, d1};
}

// A reduction of A's matrices [.., d0, .., d1, ..] moved last, f(matrices) -> [...], with the
// two dims restored as size 1 when keepdim.
template <class F>
Tensor over_matrices(const Tensor& A, int64_t d0, int64_t d1, bool keepdim, F f) {
  Shape order;
  for (int64_t d = 0; d < A.dim(); ++d)
    if (d != d0 && d != d1) order.push_back(d);
  order.push_back(d0);
  order.push_back(d1);
  Tensor r = f(A.permute(order));
  if (keepdim) r = r.unsqueeze(std::min(d0, d1)).unsqueeze(std::max(d0, d1));
  return r;
}

}  // namespace

Tensor vector_norm(const Tensor& x, const Scalar& ord, const Shape& dims, bool keepdim, SourceLoc loc) {
  const char* op = "linalg.vector_norm";
  detail::ApiScope scope(op, loc);
  if (x.defined() && x.is_complex()) return vector_norm(abs(x), ord, dims, keepdim);
  ops::check_floating(op, x, "input");
  const double p = ord.to_double();
  if (p >= 0 || std::isinf(p)) return tg::norm(x, p, dims, keepdim);
  // Negative orders: sum(|x|^p)^(1/p), as PyTorch (0 entries give 0).
  return pow(pow(abs(x), p).sum(dims, keepdim), 1.0 / p);
}

Tensor matrix_norm(const Tensor& A, std::string_view ord, const Shape& dims, bool keepdim, SourceLoc loc) {
  const char* op = "linalg.matrix_norm";
  detail::ApiScope scope(op, loc);
  if (!A.is_complex()) ops::check_floating(op, A, "input");
  const auto [d0, d1] = matrix_dims(op, A, dims);
  if (ord == "fro") return tg::norm(A, 2, {d0, d1}, keepdim);
  TG_CHECK_VALUE(ord == "nuc", "{}: ord must be \"fro\", \"nuc\" or one of 2, -2, 1, -1, inf, -inf, got \"{}\"", op,
                 ord);
  return over_matrices(A, d0, d1, keepdim, [](const Tensor& m) { return svdvals(m).sum({-1}); });
}

Tensor matrix_norm(const Tensor& A, double ord, const Shape& dims, bool keepdim, SourceLoc loc) {
  const char* op = "linalg.matrix_norm";
  detail::ApiScope scope(op, loc);
  if (!A.is_complex()) ops::check_floating(op, A, "input");
  const auto [d0, d1] = matrix_dims(op, A, dims);
  const double a = std::abs(ord);
  TG_CHECK_VALUE(a == 2 || a == 1 || std::isinf(a),
                 "{}: ord must be \"fro\", \"nuc\" or one of 2, -2, 1, -1, inf, -inf, got {}", op, ord);
  if (a == 2)
    return over_matrices(A, d0, d1, keepdim, [ord](const Tensor& m) {
      const Tensor s = svdvals(m);
      return ord > 0 ? amax(s, {-1}) : amin(s, {-1});
    });
  // 1: the largest column sum of |A| (summed over the rows, d0); inf: the largest row sum.
  const int64_t summed = a == 1 ? d0 : d1, extreme = a == 1 ? d1 : d0;
  const Tensor sums = abs(A).sum({summed}, true);
  Tensor r = ord > 0 ? amax(sums, {extreme}, true) : amin(sums, {extreme}, true);
  return keepdim ? r : r.squeeze(std::max(d0, d1)).squeeze(std::min(d0, d1));
}

Tensor norm(const Tensor& A, std::optional<double> ord, const Shape& dims, bool keepdim, SourceLoc loc) {
  const char* op = "linalg.norm";
  detail::ApiScope scope(op, loc);
  if (!A.is_complex()) ops::check_floating(op, A, "input");
  if (!ord) return tg::norm(A, 2, dims, keepdim);
  TG_CHECK(dims.size() <= 2, "{}: expected at most two dims, got {}", op, dims);
  if (dims.size() == 1) return vector_norm(A, *ord, dims, keepdim);
  if (dims.size() == 2) return matrix_norm(A, *ord, dims, keepdim);
  TG_CHECK(A.dim() == 1 || A.dim() == 2, "{}: an ord with no dims needs a 1-D or 2-D input, got shape {}", op,
           A.sizes());
  return A.dim() == 1 ? vector_norm(A, *ord, {}, keepdim) : matrix_norm(A, *ord, {-2, -1}, keepdim);
}

Tensor norm(const Tensor& A, std::string_view ord, const Shape& dims, bool keepdim, SourceLoc loc) {
  const char* op = "linalg.norm";
  detail::ApiScope scope(op, loc);
  if (!A.is_complex()) ops::check_floating(op, A, "input");
  TG_CHECK(dims.size() == 2 || (dims.empty() && A.dim() == 2),
           "{}: ord \"{}\" is a matrix norm: it needs two dims, or a 2-D input, got shape {} and dims {}", op, ord,
           A.sizes(), dims);
  return matrix_norm(A, ord, dims.empty() ? Shape{-2, -1} : dims, keepdim);
}

namespace {
// ||A|| ||A^-1|| in a norm computed by `norm_of`; inf where A is singular, as PyTorch.
template <class F>
Tensor inverse_condition(const char* op, const Tensor& A, F norm_of) {
  ops::check_matrices(op, A, /*square=*/true);
  const int64_t n = A.sizes()[A.dim() - 1];
  const Tensor singular = eq(std::get<0>(linalg::slogdet(A.detach())), 0);
  const Tensor identity = eye(n, TensorOptions(A.dtype()).device(A.device()));
  const Tensor safe = where(singular.unsqueeze(-1).unsqueeze(-1), identity, A);
  return where(singular, kInf, norm_of(A) * norm_of(inv(safe)));
}
}  // namespace

Tensor cond(const Tensor& A, std::optional<double> ord, SourceLoc loc) {
  const char* op = "linalg.cond";
  detail::ApiScope scope(op, loc);
  if (!ord || std::abs(*ord) == 2) {
    ops::check_matrices(op, A, /*square=*/false);
    // The extreme singular values' ratio (inf when the smallest is 0, as PyTorch).
    const Tensor s = svdvals(A);
    const int64_t k = s.sizes()[s.dim() - 1];
    TG_CHECK(k > 0, "{}: expected non-empty matrices, got shape {}", op, A.sizes());
    const Tensor largest = s.narrow(-1, 0, 1).squeeze(-1), smallest = s.narrow(-1, k - 1, 1).squeeze(-1);
    return !ord || *ord > 0 ? largest / smallest : smallest / largest;
  }
  return inverse_condition(op, A, [&](const Tensor& m) { return matrix_norm(m, *ord); });
}

Tensor cond(const Tensor& A, std::string_view ord, SourceLoc loc) {
  const char* op = "linalg.cond";
  detail::ApiScope scope(op, loc);
  TG_CHECK_VALUE(ord == "fro" || ord == "nuc", "{}: ord must be \"fro\", \"nuc\" or a number, got \"{}\"", op, ord);
  return inverse_condition(op, A, [&](const Tensor& m) { return matrix_norm(m, ord); });
}

}  // namespace tg::linalg

namespace tg {

Tensor dist(const Tensor& self, const Tensor& other, const Scalar& p, SourceLoc loc) {
  detail::ApiScope scope("dist", loc);
  ops::check_defined("dist", self, "input");
  ops::check_defined("dist", other, "other");
  return linalg::vector_norm(self - other, p);
}

Tensor renorm(const Tensor& self, const Scalar& p, int64_t dim, const Scalar& maxnorm, SourceLoc loc) {
  detail::ApiScope scope("renorm", loc);
  ops::check_defined("renorm", self, "input");
  TG_CHECK_TYPE(self.is_floating_point(), "renorm: expected a floating-point tensor, got {}", self.dtype());
  TG_CHECK_VALUE(p.to_double() > 0, "renorm: p must be positive, got {}", p.to_double());
  TG_CHECK_VALUE(maxnorm.to_double() >= 0, "renorm: maxnorm must be non-negative, got {}", maxnorm.to_double());
  TG_CHECK(self.dim() > 0, "renorm: needs a tensor of 1 or more dims, got a 0-dim one");
  const int d = wrap_dim(dim, self.dim(), "renorm");
  Shape others;
  for (int i = 0; i < self.dim(); ++i)
    if (i != d) others.push_back(i);
  const Tensor norms = linalg::vector_norm(self, p, others, /*keepdim=*/true);
  const double cap = maxnorm.to_double();
  return self * where(gt(norms, cap), cap / (norms + 1e-7), 1.0);
}

const Tensor& renorm_(const Tensor& self, const Scalar& p, int64_t dim, const Scalar& maxnorm, SourceLoc loc) {
  detail::ApiScope scope("renorm_", loc);
  return ops::inplace_via_copy(self, "renorm_", [&](const Tensor& s) { return renorm(s, p, dim, maxnorm); });
}

}  // namespace tg
