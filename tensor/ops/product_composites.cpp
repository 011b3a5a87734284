// The products PyTorch composes from mm, bmm and matmul: mv, the add*-with-a-product family
// (addmv, addr, baddbmm, addbmm), inner, tensordot and vdot. Each reduces to one matrix product, so the
// tape and the devices come from it.
#include <numeric>
#include <vector>

#include "tapegrad/tensor/ops.h"
#include "tensor/ops/common.h"

namespace tg {
namespace {

void check_dims(const char* op, const Tensor& t, const char* what, int64_t dims) {
  ops::check_defined(op, t, what);
  TG_CHECK(t.dim() == dims, "{}: expected {} to be {}-D, got shape {}", op, what, dims, t.sizes());
}

// beta * self + alpha * product, self broadcast to the product's shape; beta = 0 ignores self's
// values (its NaNs included) but not its dtype, as PyTorch does.
Tensor scaled_sum(const char* op, const Tensor& self, Tensor product, const Scalar& beta, const Scalar& alpha) {
  ops::check_defined(op, self, "self");
  TG_CHECK(broadcast_shapes(self.sizes(), product.sizes(), op) == product.sizes(),
           "{}: self of shape {} does not broadcast to the product's shape {}", op, self.sizes(), product.sizes());
  if (alpha.to_double() != 1.0) product = product * alpha;
  if (beta.to_double() == 0.0) {
    const DType dtype = ops::result_type(self, product);
    return dtype == product.dtype() ? product : product.to(dtype);
  }
  return beta.to_double() == 1.0 ? product + self : product + self * beta;
}

int64_t wrap(const char* op, int64_t d, int64_t rank) {
  TG_CHECK_INDEX(d >= -rank && d < rank, "{}: dim {} is out of range for a {}-D tensor", op, d, rank);
  return d < 0 ? d + rank : d;
}

}  // namespace

Tensor mv(const Tensor& self, const Tensor& vec, SourceLoc loc) {
  detail::ApiScope scope("mv", loc);
  check_dims("mv", self, "the matrix", 2);
  check_dims("mv", vec, "the vector", 1);
  TG_CHECK(self.sizes()[1] == vec.sizes()[0], "mv: the matrix {} and the vector {} do not match", self.sizes(),
           vec.sizes());
  return matmul(self, vec);
}

Tensor addmv(const Tensor& self, const Tensor& mat, const Tensor& vec, const Scalar& beta, const Scalar& alpha,
             SourceLoc loc) {
  detail::ApiScope scope("addmv", loc);
  return scaled_sum("addmv", self, mv(mat, vec), beta, alpha);
}

Tensor addr(const Tensor& self, const Tensor& vec1, const Tensor& vec2, const Scalar& beta, const Scalar& alpha,
            SourceLoc loc) {
  detail::ApiScope scope("addr", loc);
  check_dims("addr", vec1, "vec1", 1);
  check_dims("addr", vec2, "vec2", 1);
  return scaled_sum("addr", self, outer(vec1, vec2), beta, alpha);
}

Tensor baddbmm(const Tensor& self, const Tensor& batch1, const Tensor& batch2, const Scalar& beta, const Scalar& alpha,
               SourceLoc loc) {
  detail::ApiScope scope("baddbmm", loc);
  return scaled_sum("baddbmm", self, bmm(batch1, batch2), beta, alpha);
}

Tensor addbmm(const Tensor& self, const Tensor& batch1, const Tensor& batch2, const Scalar& beta, const Scalar& alpha,
              SourceLoc loc) {
  const char* op = "addbmm";
  detail::ApiScope scope(op, loc);
  check_dims(op, batch1, "batch1", 3);
  check_dims(op, batch2, "batch2", 3);
  const int64_t b = batch1.sizes()[0], n = batch1.sizes()[1], m = batch1.sizes()[2];
  TG_CHECK(batch2.sizes()[0] == b && batch2.sizes()[1] == m, "{}: batch1 {} and batch2 {} do not match", op,
           batch1.sizes(), batch2.sizes());
  // The sum over the batch of batch1[i] @ batch2[i] is one product over the batch and inner dims.
  const Tensor lhs = batch1.permute({1, 0, 2}).reshape({n, b * m});
  return scaled_sum(op, self, mm(lhs, batch2.reshape({b * m, batch2.sizes()[2]})), beta, alpha);
}

Tensor inner(const Tensor& self, const Tensor& other, SourceLoc loc) {
  detail::ApiScope scope("inner", loc);
  ops::check_defined("inner", self, "self");
  ops::check_defined("inner", other, "other");
  if (self.dim() == 0 || other.dim() == 0) return self * other;
  return tensordot(self, other, {self.dim() - 1}, {other.dim() - 1});
}

Tensor tensordot(const Tensor& a, const Tensor& b, int64_t dims, SourceLoc loc) {
  detail::ApiScope scope("tensordot", loc);
  ops::check_defined("tensordot", a, "a");
  ops::check_defined("tensordot", b, "b");
  TG_CHECK_VALUE(dims >= 0 && dims <= a.dim() && dims <= b.dim(),
                 "tensordot: dims {} must be between 0 and the smaller rank of {} and {}", dims, a.sizes(), b.sizes());
  std::vector<int64_t> da(static_cast<size_t>(dims)), db(static_cast<size_t>(dims));
  std::iota(da.begin(), da.end(), a.dim() - dims);
  std::iota(db.begin(), db.end(), 0);
  return tensordot(a, b, da, db);
}

Tensor tensordot(const Tensor& a, const Tensor& b, const std::vector<int64_t>& dims_a,
                 const std::vector<int64_t>& dims_b, SourceLoc loc) {
  const char* op = "tensordot";
  detail::ApiScope scope(op, loc);
  ops::check_defined(op, a, "a");
  ops::check_defined(op, b, "b");
  TG_CHECK_VALUE(dims_a.size() == dims_b.size(), "{}: {} dims of a paired with {} dims of b", op, dims_a.size(),
                 dims_b.size());
  std::vector<bool> used_a(static_cast<size_t>(a.dim())), used_b(static_cast<size_t>(b.dim()));
  std::vector<int64_t> contract_a, contract_b;
  int64_t k = 1;
  for (size_t i = 0; i < dims_a.size(); ++i) {
    const int64_t x = wrap(op, dims_a[i], a.dim()), y = wrap(op, dims_b[i], b.dim());
    TG_CHECK_VALUE(!used_a[static_cast<size_t>(x)] && !used_b[static_cast<size_t>(y)], "{}: a dim repeats", op);
    TG_CHECK(a.sizes()[static_cast<int>(x)] == b.sizes()[static_cast<int>(y)],
             "{}: dim {} of a {} and dim {} of b {} differ in size", op, x, a.sizes(), y, b.sizes());
    used_a[static_cast<size_t>(x)] = used_b[static_cast<size_t>(y)] = true;
    contract_a.push_back(x);
    contract_b.push_back(y);
    k *= a.sizes()[static_cast<int>(x)];
  }
  // a as [free_a, contracted], b as [contracted, free_b]: one matrix product.
  std::vector<int64_t> perm_a, perm_b = contract_b;
  Shape out;
  int64_t m = 1, n = 1;
  for (int64_t d = 0; d < a.dim(); ++d)
    if (!used_a[static_cast<size_t>(d)])
      perm_a.push_back(d), out.push_back(a.sizes()[static_cast<int>(d)]), m *= a.sizes()[static_cast<int>(d)];
  perm_a.insert(perm_a.end(), contract_a.begin(), contract_a.end());
  for (int64_t d = 0; d < b.dim(); ++d)
    if (!used_b[static_cast<size_t>(d)])
      perm_b.push_back(d), out.push_back(b.sizes()[static_cast<int>(d)]), n *= b.sizes()[static_cast<int>(d)];
  const Tensor lhs = a.permute(Shape(perm_a)).reshape({m, k}), rhs = b.permute(Shape(perm_b)).reshape({k, n});
  return mm(lhs, rhs).reshape(out);
}

Tensor vdot(const Tensor& self, const Tensor& other, SourceLoc loc) {
  detail::ApiScope scope("vdot", loc);
  ops::check_defined("vdot", self, "input");
  ops::check_defined("vdot", other, "other");
  TG_CHECK(self.dim() == 1 && other.dim() == 1 && self.numel() == other.numel(),
           "vdot: expected two 1-D tensors of one length, got shapes {} and {}", self.sizes(), other.sizes());
  TG_CHECK_TYPE(self.dtype() == other.dtype(), "vdot: expected both tensors to have the same dtype, got {} and {}",
                self.dtype(), other.dtype());
  return matmul(conj(self), other);  // the first vector conjugated (complex ones)
}

}  // namespace tg
