// sum_to_shape and strided_scatter: the differentiable building blocks of backward formulas.
#include "tensor/ops/internal.h"

#include "autograd/derivatives/derivatives.h"
#include "tapegrad/tensor/ops.h"
#include "tensor/ops/common.h"

namespace tg::ops {

Tensor sum_to_shape(const Tensor& grad, const Shape& shape) {
  if (grad.sizes() == shape) return grad;
  const int lead = grad.dim() - shape.size();
  TG_CHECK(lead >= 0, "sum_to_shape: cannot reduce shape {} to {}", grad.sizes(), shape);
  Shape dims;
  for (int i = 0; i < grad.dim(); ++i) {
    if (i < lead) {
      dims.push_back(i);
    } else if (shape[i - lead] == 1 && grad.sizes()[i] != 1) {
      dims.push_back(i);
    } else {
      TG_CHECK(shape[i - lead] == grad.sizes()[i], "sum_to_shape: cannot reduce shape {} to {}", grad.sizes(), shape);
    }
  }
  Tensor r = dims.empty() ? grad : grad.sum(dims, /*keepdim=*/true);
  return r.reshape(shape);
}

Tensor strided_scatter(const Tensor& base, const Tensor& src, const Shape& sizes, const Shape& strides, int64_t offset,
                       bool accumulate) {
  check_defined("strided_scatter", base, "base");
  check_defined("strided_scatter", src, "src");
  const auto& be = kernels::backend(base.device(), "strided_scatter");
  Tensor out = clone_raw(base);
  Tensor region = alias(out, sizes, strides, out.storage_offset() + offset);
  Tensor s = ops::contiguous(ops::cast(src.expand(sizes), out.dtype()));
  bool overlapping = false;
  for (int d = 0; d < sizes.size(); ++d) overlapping |= strides[d] == 0 && sizes[d] > 1;
  if (!overlapping) {
    if (accumulate) {
      be.binary(kernels::BinaryOp::Add, out.dtype(), make_loop(region, {&region, &s}), region.data_ptr(),
                region.data_ptr(), s.data_ptr(), 1);
    } else {
      copy_into(region, s);
    }
  } else {
    // Elements that share memory must add up one after another: the serial put kernel does that.
    kernels::IndexGeometry g;
    g.count = 1;
    g.block_ndim = sizes.size();
    const Shape ss = contiguous_strides(sizes);
    for (int d = 0; d < sizes.size(); ++d) {
      g.block_sizes[d] = sizes[d];
      g.block_dst_strides[d] = strides[d];
      g.block_src_strides[d] = ss[d];
    }
    be.index_put(out.dtype(), g, region.data_ptr(), s.data_ptr(), accumulate);
  }
  if (is_inexact(out.dtype()) && autograd::needs_grad(base, src))
    autograd::set_history(out, autograd::derivatives::strided_scatter_node(base, src, sizes, strides, offset, accumulate));
  return out;
}

Tensor as_floating(const Tensor& t) { return is_inexact(t.dtype()) ? t : t.to(default_dtype()); }

Tensor to_requested(const Tensor& t, DType dtype) {
  return t.is_complex() && !is_complex(dtype) ? real(t).to(dtype) : t.to(dtype);
}

}  // namespace tg::ops
