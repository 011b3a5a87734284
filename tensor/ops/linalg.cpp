// Matrix products: matmul (PyTorch's rank rules and batch broadcasting), mm, bmm, addmm, dot,
// outer. One primitive, the batched product of operands with at least 2 dims.
#include "autograd/derivatives/derivatives.h"
#include "tapegrad/tensor/ops.h"
#include "tensor/ops/common.h"

namespace tg {
namespace {

void check_operands(const char* name, const Tensor& a, const Tensor& b) {
  ops::check_defined(name, a, "self");
  ops::check_defined(name, b, "other");
  ops::check_same_device(name, a, b);
  TG_CHECK_TYPE(a.dtype() == b.dtype(), "{}: expected both operands to have the same dtype, got {} and {}", name,
                a.dtype(), b.dtype());
  TG_CHECK_TYPE(a.dtype() != kBool, "{}: not supported for bool tensors", name);
}

kernels::MatrixOperand operand(const Tensor& t, const Shape& batch) {
  kernels::MatrixOperand m{};
  m.data = t.data_ptr();
  m.nbatch = batch.size();
  const int lead = batch.size() + 2 - t.dim();
  for (int d = 0; d < batch.size() + 2; ++d) {
    const int s = d - lead;
    m.sizes[d] = s >= 0 ? t.sizes()[s] : 1;
    m.strides[d] = s >= 0 ? t.strides()[s] : 0;
  }
  return m;
}

// t itself, or a contiguous copy when a matrix dim steps by 0 (an expanded gradient, as sum's
// backward gives) or backwards: BLAS libraries take neither, and the plain loop that would run
// instead is 5x slower than a copy plus the library's product.
Tensor blas_ready(const Tensor& t) {
  for (int d = std::max(0, t.dim() - 2); d < t.dim(); ++d)
    if (t.sizes()[d] > 1 && t.strides()[d] <= 0) return ops::contiguous(t);
  return t;
}

// a: [..., m, k], b: [..., k, n], both with at least 2 dims; batch dims broadcast. A bias
// (contiguous, n values) is added to every row by the kernel itself.
Tensor batched_product(const char* name, const Tensor& a, const Tensor& b, const Tensor& bias = {}) {
  const int64_t m = a.sizes()[a.dim() - 2], k = a.sizes()[a.dim() - 1];
  const int64_t k2 = b.sizes()[b.dim() - 2], n = b.sizes()[b.dim() - 1];
  TG_CHECK(k == k2, "{}: shapes {} and {} cannot be multiplied ({}x{} and {}x{})", name, a.sizes(), b.sizes(), m, k, k2, n);
  Shape ba(std::span<const int64_t>(a.sizes().data(), static_cast<size_t>(a.dim() - 2)));
  Shape bb(std::span<const int64_t>(b.sizes().data(), static_cast<size_t>(b.dim() - 2)));
  Shape batch = broadcast_shapes(ba, bb, name);
  TG_CHECK(batch.size() + 2 <= kMaxDims, "{}: too many batch dims", name);
  const auto& be = kernels::backend(a.device(), name);
  Shape out_shape = batch;
  out_shape.push_back(m);
  out_shape.push_back(n);
  Tensor out = ops::empty(out_shape, a.dtype(), a.device());
  const Tensor ar = blas_ready(a), br = blas_ready(b);
  be.matmul(a.dtype(), operand(ar, batch), operand(br, batch), out.data_ptr(), bias.defined() ? bias.data_ptr() : nullptr);
  if (a.is_floating_point() && autograd::needs_grad(a, b, bias))
    autograd::set_history(out, autograd::derivatives::matmul_node(a, b, bias));
  return out;
}

}  // namespace

Tensor matmul(const Tensor& self_in, const Tensor& other_in, SourceLoc loc) {
  detail::ApiScope scope("matmul", loc);
  const Tensor self = ops::autocast_lower(self_in), other = ops::autocast_lower(other_in);
  check_operands("matmul", self, other);
  TG_CHECK(self.dim() >= 1 && other.dim() >= 1, "matmul: both operands need at least 1 dim, got shapes {} and {}",
           self.sizes(), other.sizes());
  if (self.dim() == 1 && other.dim() == 1) {
    TG_CHECK(self.sizes()[0] == other.sizes()[0], "matmul: 1-D operands of sizes {} and {} differ in length",
             self.sizes()[0], other.sizes()[0]);
    return batched_product("matmul", self.unsqueeze(0), other.unsqueeze(1)).reshape({});
  }
  if (self.dim() == 1) return batched_product("matmul", self.unsqueeze(0), other).squeeze(-2);
  if (other.dim() == 1) return batched_product("matmul", self, other.unsqueeze(1)).squeeze(-1);
  return batched_product("matmul", self, other);
}

Tensor mm(const Tensor& self_in, const Tensor& other_in, SourceLoc loc) {
  detail::ApiScope scope("mm", loc);
  const Tensor self = ops::autocast_lower(self_in), other = ops::autocast_lower(other_in);
  check_operands("mm", self, other);
  TG_CHECK(self.dim() == 2 && other.dim() == 2, "mm: expects 2-D operands, got shapes {} and {}", self.sizes(),
           other.sizes());
  return batched_product("mm", self, other);
}

Tensor bmm(const Tensor& self_in, const Tensor& other_in, SourceLoc loc) {
  detail::ApiScope scope("bmm", loc);
  const Tensor self = ops::autocast_lower(self_in), other = ops::autocast_lower(other_in);
  check_operands("bmm", self, other);
  TG_CHECK(self.dim() == 3 && other.dim() == 3, "bmm: expects 3-D operands, got shapes {} and {}", self.sizes(),
           other.sizes());
  TG_CHECK(self.sizes()[0] == other.sizes()[0], "bmm: batch sizes differ: shapes {} and {}", self.sizes(),
           other.sizes());
  return batched_product("bmm", self, other);
}

Tensor addmm(const Tensor& self_in, const Tensor& mat1_in, const Tensor& mat2_in, const Scalar& beta,
             const Scalar& alpha, SourceLoc loc) {
  detail::ApiScope scope("addmm", loc);
  const Tensor self = ops::autocast_lower(self_in), mat1 = ops::autocast_lower(mat1_in),
               mat2 = ops::autocast_lower(mat2_in);
  ops::check_defined("addmm", self, "self");
  check_operands("addmm", mat1, mat2);
  TG_CHECK(mat1.dim() == 2 && mat2.dim() == 2, "addmm: expects 2-D matrices, got shapes {} and {}", mat1.sizes(),
           mat2.sizes());
  const int64_t n = mat2.sizes()[1];
  // The bias of a linear layer: one row added to every row of the product, fused into the
  // product's kernel (oneDNN's bias, cuBLASLt's epilogue).
  if (alpha.to_double() == 1.0 && beta.to_double() == 1.0 && self.is_contiguous() && self.dtype() == mat1.dtype() &&
      self.device() == mat1.device() && self.numel() == n && n > 1 &&
      (self.dim() == 1 || (self.dim() == 2 && self.sizes()[0] == 1)) && mat1.dtype() != kBool)
    return batched_product("addmm", mat1, mat2, self);
  Tensor prod = batched_product("addmm", mat1, mat2);
  TG_CHECK(broadcast_shapes(self.sizes(), prod.sizes(), "addmm") == prod.sizes(),
           "addmm: self of shape {} does not broadcast to the product's shape {}", self.sizes(), prod.sizes());
  if (alpha.to_double() != 1.0) prod = prod * alpha;
  if (beta.to_double() == 0.0) return prod;  // self is ignored, NaNs included, as in PyTorch
  return beta.to_double() == 1.0 ? prod + self : prod + self * beta;
}

Tensor dot(const Tensor& self, const Tensor& other, SourceLoc loc) {
  detail::ApiScope scope("dot", loc);
  check_operands("dot", self, other);
  TG_CHECK(self.dim() == 1 && other.dim() == 1, "dot: expects 1-D tensors, got shapes {} and {}", self.sizes(),
           other.sizes());
  return matmul(self, other);
}

Tensor outer(const Tensor& self, const Tensor& other, SourceLoc loc) {
  detail::ApiScope scope("outer", loc);
  ops::check_defined("outer", self, "self");
  ops::check_defined("outer", other, "other");
  TG_CHECK(self.dim() == 1 && other.dim() == 1, "outer: expects 1-D tensors, got shapes {} and {}", self.sizes(),
           other.sizes());
  return self.unsqueeze(1) * other.unsqueeze(0);
}

}  // namespace tg
