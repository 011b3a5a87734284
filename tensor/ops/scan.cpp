// Scans along a dim: cumsum, cumprod, cummax, cummin, logcumsumexp (complex: composed).
#include "autograd/derivatives/derivatives.h"
#include "tapegrad/autograd/grad_mode.h"
#include "tapegrad/tensor/ops.h"
#include "tensor/ops/common.h"
#include "tensor/ops/inplace.h"

namespace tg {
namespace {

using kernels::ScanOp;

// The scan of `in` along dim d, in its dtype; Max and Min also fill `indices`.
Tensor scan_raw(ScanOp op, const char* name, const Tensor& self, int d, Tensor* indices = nullptr) {
  const Tensor in = ops::contiguous(self);
  Tensor out = ops::empty(self.sizes(), self.dtype(), self.device());
  int64_t* idx = nullptr;
  if (indices) {
    *indices = ops::empty(self.sizes(), kInt64, self.device());
    idx = indices->data_ptr<int64_t>();
  }
  const kernels::DimGeometry g = ops::dim_geometry(self.sizes(), d, self.dim() == 0 ? 1 : self.sizes()[d]);
  kernels::backend(self.device(), name).scan(op, self.dtype(), g, out.data_ptr(), idx, in.data_ptr());
  return out;
}

// cumsum and cumprod: the input is converted to the result's dtype first, as in PyTorch.
Tensor accumulate(ScanOp op, const char* name, const Tensor& self, int64_t dim, std::optional<DType> dtype) {
  ops::check_defined(name, self, "input");
  const int d = wrap_dim(dim, self.dim(), name);
  const Tensor src = self.to(dtype ? *dtype : is_inexact(self.dtype()) ? self.dtype() : kInt64);
  Tensor out = scan_raw(op, name, src, d);
  if (is_inexact(src.dtype()) && autograd::needs_grad(src))
    autograd::set_history(out, op == ScanOp::Sum ? autograd::derivatives::cumsum_node(src, d)
                                                 : autograd::derivatives::cumprod_node(src, out, d));
  return out;
}

std::tuple<Tensor, Tensor> running_extreme(ScanOp op, const char* name, const Tensor& self, int64_t dim) {
  ops::check_defined(name, self, "input");
  const int d = wrap_dim(dim, self.dim(), name);
  Tensor indices;
  Tensor values = scan_raw(op, name, self, d, &indices);
  if (is_inexact(self.dtype()) && autograd::needs_grad(self))
    autograd::set_history(values, autograd::derivatives::cummax_cummin_node(
                                      op == ScanOp::Max ? "CummaxBackward" : "CumminBackward", self, indices, d));
  return {values, indices};
}

}  // namespace

Tensor cumsum(const Tensor& self, int64_t dim, std::optional<DType> dtype, SourceLoc loc) {
  detail::ApiScope scope("cumsum", loc);
  return accumulate(ScanOp::Sum, "cumsum", self, dim, dtype);
}

const Tensor& cumsum_(const Tensor& self, int64_t dim, SourceLoc loc) {
  detail::ApiScope scope("cumsum_", loc);
  return ops::inplace_via_copy(self, "cumsum_", [&](const Tensor& s) { return cumsum(s, dim, s.dtype()); });
}
const Tensor& cumprod_(const Tensor& self, int64_t dim, SourceLoc loc) {
  detail::ApiScope scope("cumprod_", loc);
  return ops::inplace_via_copy(self, "cumprod_", [&](const Tensor& s) { return cumprod(s, dim, s.dtype()); });
}

Tensor cumprod(const Tensor& self, int64_t dim, std::optional<DType> dtype, SourceLoc loc) {
  detail::ApiScope scope("cumprod", loc);
  return accumulate(ScanOp::Prod, "cumprod", self, dim, dtype);
}

std::tuple<Tensor, Tensor> cummax(const Tensor& self, int64_t dim, SourceLoc loc) {
  detail::ApiScope scope("cummax", loc);
  return running_extreme(ScanOp::Max, "cummax", self, dim);
}

std::tuple<Tensor, Tensor> cummin(const Tensor& self, int64_t dim, SourceLoc loc) {
  detail::ApiScope scope("cummin", loc);
  return running_extreme(ScanOp::Min, "cummin", self, dim);
}

namespace {
// Complex logcumsumexp, which has no kernel: a doubling scan of logaddexp (after the pass of step
// s each entry holds the log-sum-exp of the 2s entries ending at it), log2(n) passes of tensor
// ops, each as stable as logaddexp and differentiable through it.
Tensor complex_logcumsumexp(const Tensor& self, int d) {
  const int64_t n = self.dim() == 0 ? 1 : self.sizes()[d];
  Tensor out = tg::clone(self);
  for (int64_t s = 1; s < n; s *= 2)
    out = cat({out.narrow(d, 0, s), logaddexp(out.narrow(d, s, n - s), out.narrow(d, 0, n - s))}, d);
  return out;
}
}  // namespace

Tensor logcumsumexp(const Tensor& self, int64_t dim, SourceLoc loc) {
  detail::ApiScope scope("logcumsumexp", loc);
  ops::check_defined("logcumsumexp", self, "input");
  TG_CHECK_TYPE(is_inexact(self.dtype()), "logcumsumexp: expected a floating-point or complex tensor, got {}",
                self.dtype());
  const int d = wrap_dim(dim, self.dim(), "logcumsumexp");
  if (self.is_complex()) return complex_logcumsumexp(self, d);
  Tensor out = scan_raw(ScanOp::LogSumExp, "logcumsumexp", self, d);
  if (autograd::needs_grad(self))
    autograd::set_history(out, autograd::derivatives::logcumsumexp_node(self, out, d));
  return out;
}

}  // namespace tg
