// softmax / log_softmax along a dim.
#include "autograd/derivatives/derivatives.h"
#include "tapegrad/tensor/ops.h"
#include "tensor/ops/common.h"

namespace tg {
namespace {
Tensor softmax_impl(const char* name, const Tensor& self, int64_t dim, std::optional<DType> dtype, bool log) {
  ops::check_defined(name, self, "input");
  Tensor in = dtype ? self.to(*dtype) : ops::autocast_float32(self);
  TG_CHECK_TYPE(in.is_floating_point(), "{}: expected a floating-point tensor (or a floating dtype), got {}", name,
                in.dtype());
  const int d = wrap_dim(dim, in.dim(), name);
  const auto& be = kernels::backend(in.device(), name);
  Tensor x = ops::contiguous(in);
  Tensor out = ops::empty(in.sizes(), in.dtype(), in.device());
  const int64_t size = in.dim() == 0 ? 1 : in.sizes()[d];
  be.softmax(in.dtype(), log ? kernels::SoftmaxOp::LogSoftmax : kernels::SoftmaxOp::Softmax,
             ops::dim_geometry(in.sizes(), d, size), out.data_ptr(), x.data_ptr());
  if (autograd::needs_grad(in)) autograd::set_history(out, autograd::derivatives::softmax_node(in, out, d, log));
  return out;
}
}  // namespace

Tensor softmax(const Tensor& self, int64_t dim, std::optional<DType> dtype, SourceLoc loc) {
  detail::ApiScope scope("softmax", loc);
  return softmax_impl("softmax", self, dim, dtype, false);
}

Tensor log_softmax(const Tensor& self, int64_t dim, std::optional<DType> dtype, SourceLoc loc) {
  detail::ApiScope scope("log_softmax", loc);
  return softmax_impl("log_softmax", self, dim, dtype, true);
}

}  // namespace tg
