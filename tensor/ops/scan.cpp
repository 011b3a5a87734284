// Scans along a dim: cumsum, cumprod, cummax, cummin, logcumsumexp (complex on the GPU: composed).
#include "autograd/derivatives/derivatives.h"
#include "tapegrad/autograd/grad_mode.h"
#include "tapegrad/tensor/ops.h"
#include "tensor/ops/common.h"
#include "tensor/ops/inplace.h"
#include "tensor/ops/internal.h"

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
  const Tensor src =
      dtype ? ops::to_requested(self, *dtype) : self.to(is_inexact(self.dtype()) ? self.dtype() : kInt64);
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
// Complex logcumsumexp on the GPU, whose scan kernel has no complex log-add-exp (the CPU's has):
// a pairwise (Blelloch-style) scan of logaddexp. The
// pairs' sums are scanned recursively, which gives the odd entries; each even entry adds itself
// to the scan before it. About 2n logaddexps in log2(n) levels, each as stable as logaddexp and
// differentiable through it (a doubling scan took n log2(n): 7x PyTorch's time at n = 1024).
Tensor complex_logcumsumexp(const Tensor& x, int d) {
  const int64_t n = x.dim() == 0 ? 1 : x.sizes()[d];
  if (n <= 1) return tg::clone(x);
  const int64_t pairs = n / 2, evens = (n + 1) / 2;
  const Tensor odd_out = complex_logcumsumexp(logaddexp(x.slice(d, 0, 2 * pairs, 2), x.slice(d, 1, 2 * pairs, 2)), d);
  const Tensor even_out = cat({x.narrow(d, 0, 1), logaddexp(odd_out.narrow(d, 0, evens - 1), x.slice(d, 2, n, 2))}, d);
  const Tensor woven = stack({even_out.narrow(d, 0, pairs), odd_out}, d + 1).flatten(d, d + 1);
  return n % 2 == 0 ? woven : cat({woven, even_out.narrow(d, pairs, 1)}, d);
}
}  // namespace

Tensor logcumsumexp(const Tensor& self, int64_t dim, SourceLoc loc) {
  detail::ApiScope scope("logcumsumexp", loc);
  ops::check_defined("logcumsumexp", self, "input");
  TG_CHECK_TYPE(is_inexact(self.dtype()), "logcumsumexp: expected a floating-point or complex tensor, got {}",
                self.dtype());
  const int d = wrap_dim(dim, self.dim(), "logcumsumexp");
  if (self.is_complex() && !self.is_cpu()) return complex_logcumsumexp(self, d);
  Tensor out = scan_raw(ScanOp::LogSumExp, "logcumsumexp", self, d);
  if (autograd::needs_grad(self))
    autograd::set_history(out, autograd::derivatives::logcumsumexp_node(self, out, d));
  return out;
}

}  // namespace tg
