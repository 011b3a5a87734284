// Reductions: sum, mean, prod, max/min (with indices), amax/amin, argmax/argmin, var/std, norm,
// logsumexp, all/any.
#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <vector>

#include "autograd/derivatives/derivatives.h"
#include "autograd/record.h"
#include "kernels/kernels.h"
#include "tapegrad/autograd/grad_mode.h"
#include "tapegrad/tensor/ops.h"
#include "tensor/ops/common.h"
#include "tensor/ops/internal.h"
#include "tensor/ops/raw_reductions.h"

namespace tg {
namespace {

using kernels::ReduceOp;

// Which dims are reduced: a bit per dim. An empty list means every dim.
uint32_t reduce_mask(const char* name, const Tensor& self, const Shape& dims) {
  if (dims.empty()) return self.dim() == 0 ? 0 : (1u << self.dim()) - 1;
  uint32_t mask = 0;
  for (int64_t d : dims) {
    const int w = wrap_dim(d, self.dim(), name);
    TG_CHECK(!(mask & (1u << w)), "{}: dim {} appears more than once in {}", name, w, dims);
    mask |= 1u << w;
  }
  return self.dim() == 0 ? 0 : mask;
}

Shape mask_to_dims(uint32_t mask, int ndim) {
  Shape dims;
  for (int d = 0; d < ndim; ++d)
    if (mask & (1u << d)) dims.push_back(d);
  return dims;
}

Shape reduced_shape(const Shape& sizes, uint32_t mask, bool keepdim) {
  Shape out;
  for (int d = 0; d < sizes.size(); ++d) {
    if (!(mask & (1u << d))) out.push_back(sizes[d]);
    else if (keepdim) out.push_back(1);
  }
  return out;
}

// Appends a dim to one group of the geometry, merged into the group's last dim where the two are
// one run in memory.
void add_dim(int& n, int64_t* sizes, int64_t* strides, int64_t size, int64_t stride, bool may_merge) {
  if (may_merge && n > 0 && strides[n - 1] == stride * size) {
    sizes[n - 1] *= size;
    strides[n - 1] = stride;
  } else {
    sizes[n] = size;
    strides[n] = stride;
    ++n;
  }
}

// any_order: no indices are wanted, so the reduced dims may be visited in any order. They are then
// taken in memory order (broadcast dims outermost, the smallest stride innermost), and merge
// wherever they are one run: a sum of a transposed view ([50, 32, 256].transpose(0, 1).sum())
// otherwise stepped element by element, at 100x PyTorch's time.
kernels::ReduceGeometry make_geometry(const Tensor& in, uint32_t mask, bool any_order) {
  kernels::ReduceGeometry g;
  std::vector<int> reduced;
  int prev = -2;
  for (int d = 0; d < in.dim(); ++d) {
    const int64_t size = in.sizes()[d], stride = in.strides()[d];
    const bool is_reduced = mask & (1u << d);
    if (is_reduced)
      g.reduced_numel *= size;
    else g.kept_numel *= size;
    if (size == 1) continue;
    if (is_reduced) {
      reduced.push_back(d);
      continue;
    }
    add_dim(g.n_kept, g.kept_sizes, g.kept_strides, size, stride, prev == d - 1);
    prev = d;
  }
  const auto key = [&](int d) {
    const int64_t stride = in.strides()[d];
    return stride == 0 ? std::numeric_limits<int64_t>::max() : std::abs(stride);
  };
  if (any_order) std::stable_sort(reduced.begin(), reduced.end(), [&](int a, int b) { return key(a) > key(b); });
  prev = -2;
  for (const int d : reduced) {
    add_dim(g.n_reduced, g.reduced_sizes, g.reduced_strides, in.sizes()[d], in.strides()[d],
            any_order || prev == d - 1);
    prev = d;
  }
  return g;
}

Tensor reduce_raw(ReduceOp op, const char* name, const Tensor& in, uint32_t mask, bool keepdim, DType out_dtype,
                  Tensor* indices = nullptr);

// The results along a kept dim of stride 0 (an expanded input: the gradient that sum()'s backward
// hands on) are all the same: reduced once and broadcast. Summing a [256, 1024] gradient down to
// a [1024] bias took 1024 serial sums of one value, 0.24-0.35 ms against PyTorch's 0.05-0.06.
// Null when no kept dim is expanded.
Tensor reduce_expanded(ReduceOp op, const char* name, const Tensor& in, uint32_t mask, bool keepdim, DType out_dtype,
                       Tensor* indices) {
  Shape part = in.sizes();
  bool expanded = false;
  for (int d = 0; d < in.dim(); ++d) {
    if ((mask & (1u << d)) || in.sizes()[d] <= 1 || in.strides()[d] != 0) continue;
    part[d] = 1;
    expanded = true;
  }
  if (!expanded) return Tensor();
  Tensor part_indices;
  const Tensor once = reduce_raw(op, name, ops::alias(in, part, in.strides(), in.storage_offset()), mask, keepdim,
                                 out_dtype, indices ? &part_indices : nullptr);
  // The result's dims in order, each stepping as `once` does or, where the input was expanded,
  // standing still.
  const Shape shape = reduced_shape(in.sizes(), mask, keepdim);
  Shape strides;
  for (int d = 0, o = 0; d < in.dim(); ++d) {
    if ((mask & (1u << d)) && !keepdim) continue;
    strides.push_back(part[d] == in.sizes()[d] ? once.strides()[o] : 0);
    ++o;
  }
  if (indices) *indices = ops::contiguous(ops::alias(part_indices, shape, strides, part_indices.storage_offset()));
  return ops::contiguous(ops::alias(once, shape, strides, once.storage_offset()));
}

Tensor reduce_raw(ReduceOp op, const char* name, const Tensor& in, uint32_t mask, bool keepdim, DType out_dtype,
                  Tensor* indices) {
  if (Tensor out = reduce_expanded(op, name, in, mask, keepdim, out_dtype, indices); out.defined()) return out;
  const auto& be = kernels::backend(in.device(), name);
  const Shape shape = reduced_shape(in.sizes(), mask, keepdim);
  Tensor out = ops::empty(shape, out_dtype, in.device());
  int64_t* idx = nullptr;
  if (indices) {
    *indices = ops::empty(shape, kInt64, in.device());
    idx = indices->data_ptr<int64_t>();
  }
  be.reduce(op, in.dtype(), out_dtype, make_geometry(in, mask, indices == nullptr), out.data_ptr(), idx, in.data_ptr());
  return out;
}

DType sum_dtype(const Tensor& self, std::optional<DType> dtype) {
  if (dtype) return *dtype;
  return is_inexact(self.dtype()) ? self.dtype() : kInt64;
}

Tensor sum_impl(const Tensor& self, const Shape& dims, bool keepdim, std::optional<DType> dtype) {
  ops::check_defined("sum", self, "input");
  const uint32_t mask = reduce_mask("sum", self, dims);
  const DType out_dtype = sum_dtype(self, dtype);
  // A dtype given converts the elements first, as PyTorch's (floats summed as int64 are truncated each).
  Tensor in = dtype ? ops::to_requested(self, out_dtype) : is_inexact(out_dtype) ? self.to(out_dtype) : self;
  Tensor out = reduce_raw(ReduceOp::Sum, "sum", in, mask, keepdim, out_dtype);
  if (is_inexact(out_dtype) && autograd::needs_grad(in))
    autograd::set_history(out, autograd::derivatives::sum_node(in, mask_to_dims(mask, self.dim()), keepdim));
  return out;
}

// How many elements each result of a reduction over the dims in mask sums.
int64_t reduced_count(const Tensor& self, uint32_t mask) {
  int64_t n = 1;
  for (int d = 0; d < self.dim(); ++d)
    if (mask & (1u << d)) n *= self.sizes()[d];
  return n;
}

Tensor mean_impl(const Tensor& self, const Shape& dims, bool keepdim, std::optional<DType> dtype) {
  ops::check_defined("mean", self, "input");
  const DType out_dtype = dtype.value_or(self.dtype());
  TG_CHECK_TYPE(is_inexact(out_dtype),
                "mean: could not infer the output dtype: the input is {}, pass a floating-point dtype", self.dtype());
  const uint32_t mask = reduce_mask("mean", self, dims);
  Tensor in = dtype ? ops::to_requested(self, out_dtype) : self.to(out_dtype);
  Tensor out = reduce_raw(ReduceOp::Sum, "mean", in, mask, keepdim, out_dtype);
  const int64_t n = reduced_count(self, mask);
  // Divided by n, as PyTorch does (sum * (1/n) can be an ulp off: 3.5 / 3 in float32); an empty
  // reduction gives 0 / 0, PyTorch's NaN.
  const auto& be = kernels::backend(out.device(), "mean");
  Tensor count = ops::wrapped_scalar(static_cast<double>(n), out_dtype, out.device());
  be.binary(kernels::BinaryOp::Div, out_dtype, ops::make_loop(out, {&out, &count}), out.data_ptr(), out.data_ptr(),
            count.data_ptr(), 1);
  if (autograd::needs_grad(in))
    autograd::set_history(out, autograd::derivatives::mean_node(in, mask_to_dims(mask, self.dim()), keepdim));
  return out;
}

Tensor prod_impl(const Tensor& self, const Shape& dims, bool keepdim, std::optional<DType> dtype) {
  ops::check_defined("prod", self, "input");
  const uint32_t mask = reduce_mask("prod", self, dims);
  const DType out_dtype = sum_dtype(self, dtype);
  // A dtype given converts the elements first, as PyTorch's (floats summed as int64 are truncated each).
  Tensor in = dtype ? ops::to_requested(self, out_dtype) : is_inexact(out_dtype) ? self.to(out_dtype) : self;
  Tensor out = reduce_raw(ReduceOp::Prod, "prod", in, mask, keepdim, out_dtype);
  if (is_inexact(out_dtype) && autograd::needs_grad(in))
    autograd::set_history(out, autograd::derivatives::prod_node(in, out, mask_to_dims(mask, self.dim()), keepdim));
  return out;
}

void check_nonempty_reduction(const char* name, const Tensor& self, uint32_t mask) {
  for (int d = 0; d < self.dim(); ++d)
    TG_CHECK(!((mask & (1u << d)) && self.sizes()[d] == 0),
             "{}: cannot reduce over dim {} of size 0 (shape {}): the result has no identity", name, d, self.sizes());
  TG_CHECK(self.numel() > 0 || self.dim() > 0, "{}: the input is empty", name);
}

Tensor extreme_all(ReduceOp op, const char* name, const Tensor& self, const Shape& dims, bool keepdim) {
  ops::check_defined(name, self, "input");
  const uint32_t mask = reduce_mask(name, self, dims);
  check_nonempty_reduction(name, self, mask);
  TG_CHECK(self.numel() > 0 || mask != 0 || self.dim() == 0, "{}: the input is empty", name);
  Tensor out = reduce_raw(op, name, self, mask, keepdim, self.dtype());
  if (is_inexact(self.dtype()) && autograd::needs_grad(self))
    autograd::set_history(
        out, autograd::derivatives::amax_amin_node(op == ReduceOp::Max ? "AmaxBackward" : "AminBackward", self, out,
                                              mask_to_dims(mask, self.dim()), keepdim));
  return out;
}

std::tuple<Tensor, Tensor> extreme_dim(ReduceOp op, const char* name, const Tensor& self, int64_t dim, bool keepdim) {
  ops::check_defined(name, self, "input");
  const int d = wrap_dim(dim, self.dim(), name);
  const uint32_t mask = self.dim() == 0 ? 0 : 1u << d;
  check_nonempty_reduction(name, self, mask);
  Tensor indices;
  Tensor values = reduce_raw(op, name, self, mask, keepdim, self.dtype(), &indices);
  if (is_inexact(self.dtype()) && autograd::needs_grad(self))
    autograd::set_history(values, autograd::derivatives::indexed_extreme_node(op == ReduceOp::Max ? "MaxBackward" : "MinBackward",
                                                                         self, indices, d, keepdim));
  return {values, indices};
}

Tensor arg_extreme(ReduceOp op, const char* name, const Tensor& self, std::optional<int64_t> dim, bool keepdim) {
  ops::check_defined(name, self, "input");
  if (!dim) {
    Tensor flat = ops::contiguous(ops::alias(self)).reshape({-1});
    TG_CHECK(flat.numel() > 0, "{}: the input is empty", name);
    Tensor indices;
    reduce_raw(op, name, flat, 1u, false, self.dtype(), &indices);
    return keepdim ? indices.reshape(Shape::filled(self.dim(), 1)) : indices;
  }
  const int d = wrap_dim(*dim, self.dim(), name);
  const uint32_t mask = self.dim() == 0 ? 0 : 1u << d;
  check_nonempty_reduction(name, self, mask);
  Tensor indices;
  reduce_raw(op, name, self, mask, keepdim, self.dtype(), &indices);
  return indices;
}

Tensor logic_reduce(ReduceOp op, const char* name, const Tensor& self, std::optional<int64_t> dim, bool keepdim,
                    const Shape* dims = nullptr) {
  ops::check_defined(name, self, "input");
  uint32_t mask = dim ? (self.dim() == 0 ? 0 : 1u << wrap_dim(*dim, self.dim(), name)) : reduce_mask(name, self, {});
  if (dims) mask = dims->empty() ? 0 : reduce_mask(name, self, *dims);
  // uint8 gives uint8, as in PyTorch (a NumPy-era rule); every other dtype gives bool.
  return reduce_raw(op, name, self, mask, keepdim, self.dtype() == kUInt8 ? kUInt8 : kBool);
}

}  // namespace

Tensor sum(const Tensor& self, std::optional<DType> dtype, SourceLoc loc) {
  detail::ApiScope scope("sum", loc);
  return sum_impl(self, {}, false, dtype);
}
Tensor sum(const Tensor& self, const Shape& dims, bool keepdim, std::optional<DType> dtype, SourceLoc loc) {
  detail::ApiScope scope("sum", loc);
  return sum_impl(self, dims, keepdim, dtype);
}
Tensor mean(const Tensor& self, std::optional<DType> dtype, SourceLoc loc) {
  detail::ApiScope scope("mean", loc);
  return mean_impl(self, {}, false, dtype);
}
Tensor mean(const Tensor& self, const Shape& dims, bool keepdim, std::optional<DType> dtype, SourceLoc loc) {
  detail::ApiScope scope("mean", loc);
  return mean_impl(self, dims, keepdim, dtype);
}
Tensor prod(const Tensor& self, std::optional<DType> dtype, SourceLoc loc) {
  detail::ApiScope scope("prod", loc);
  return prod_impl(self, {}, false, dtype);
}
Tensor prod(const Tensor& self, const Shape& dims, bool keepdim, std::optional<DType> dtype, SourceLoc loc) {
  detail::ApiScope scope("prod", loc);
  return prod_impl(self, dims, keepdim, dtype);
}

Tensor max(const Tensor& self, SourceLoc loc) {
  detail::ApiScope scope("max", loc);
  return extreme_all(ReduceOp::Max, "max", self, {}, false);
}
std::tuple<Tensor, Tensor> max(const Tensor& self, int64_t dim, bool keepdim, SourceLoc loc) {
  detail::ApiScope scope("max", loc);
  return extreme_dim(ReduceOp::Max, "max", self, dim, keepdim);
}
Tensor max(const Tensor& self, const Tensor& other, SourceLoc loc) {
  detail::ApiScope scope("max", loc);
  return maximum(self, other);
}
Tensor min(const Tensor& self, SourceLoc loc) {
  detail::ApiScope scope("min", loc);
  return extreme_all(ReduceOp::Min, "min", self, {}, false);
}
std::tuple<Tensor, Tensor> min(const Tensor& self, int64_t dim, bool keepdim, SourceLoc loc) {
  detail::ApiScope scope("min", loc);
  return extreme_dim(ReduceOp::Min, "min", self, dim, keepdim);
}
Tensor min(const Tensor& self, const Tensor& other, SourceLoc loc) {
  detail::ApiScope scope("min", loc);
  return minimum(self, other);
}
Tensor amax(const Tensor& self, const Shape& dims, bool keepdim, SourceLoc loc) {
  detail::ApiScope scope("amax", loc);
  return extreme_all(ReduceOp::Max, "amax", self, dims, keepdim);
}
Tensor amin(const Tensor& self, const Shape& dims, bool keepdim, SourceLoc loc) {
  detail::ApiScope scope("amin", loc);
  return extreme_all(ReduceOp::Min, "amin", self, dims, keepdim);
}
Tensor argmax(const Tensor& self, std::optional<int64_t> dim, bool keepdim, SourceLoc loc) {
  detail::ApiScope scope("argmax", loc);
  return arg_extreme(ReduceOp::Max, "argmax", self, dim, keepdim);
}
Tensor argmin(const Tensor& self, std::optional<int64_t> dim, bool keepdim, SourceLoc loc) {
  detail::ApiScope scope("argmin", loc);
  return arg_extreme(ReduceOp::Min, "argmin", self, dim, keepdim);
}

Tensor var(const Tensor& self, const Shape& dims, double correction, bool keepdim, SourceLoc loc) {
  detail::ApiScope scope("var", loc);
  ops::check_defined("var", self, "input");
  if (!self.is_complex()) ops::check_floating("var", self);
  const uint32_t mask = reduce_mask("var", self, dims);
  const Shape d = mask_to_dims(mask, self.dim());
  int64_t n = 1;
  for (int64_t i : d) n *= self.sizes()[static_cast<int>(i)];
  Tensor centered = self - mean(self, d, true);
  // A complex tensor's variance is of the distances |x - mean|, a real number (PyTorch's).
  const Tensor squares = self.is_complex() ? square(real(centered)) + square(imag(centered)) : centered * centered;
  return sum(squares, d, keepdim) / std::max(0.0, static_cast<double>(n) - correction);
}

Tensor std(const Tensor& self, const Shape& dims, double correction, bool keepdim, SourceLoc loc) {
  detail::ApiScope scope("std", loc);
  const Tensor v = var(self, dims, correction, keepdim);
  Tensor out;
  {
    AutoGradMode no_grad(false);
    out = sqrt(v);
  }
  if (autograd::needs_grad(v)) autograd::set_history(out, autograd::derivatives::std_node(v, out));
  return out;
}

Tensor norm(const Tensor& self, const Scalar& p, const Shape& dims, bool keepdim, SourceLoc loc) {
  detail::ApiScope scope("norm", loc);
  // A complex tensor's norm is its magnitudes' (real, as PyTorch's).
  if (self.defined() && self.is_complex()) return norm(abs(self), p, dims, keepdim);
  ops::check_floating("norm", self);
  const double pv = p.to_double();
  // Negative p too, as PyTorch's: (sum |x|^p)^(1/p), 0 where an element is 0.
  TG_CHECK_VALUE(!std::isnan(pv), "norm: p must be a number, got NaN");
  const uint32_t mask = reduce_mask("norm", self, dims);
  const Shape d = mask_to_dims(mask, self.dim());
  Tensor out;
  {
    AutoGradMode no_grad(false);
    // |x| only where the formula reads it (it is a whole pass over the input).
    if (std::isinf(pv)) out = pv > 0 ? amax(abs(self), d, keepdim) : amin(abs(self), d, keepdim);
    else if (pv == 0) out = sum(ne(self, 0).to(self.dtype()), d, keepdim);
    else if (pv == 1 || pv == 2) {
      // One pass over the input; float16 and bfloat16 sum into float32, whose range holds squares
      // that theirs does not.
      const bool reduced_float = self.dtype() == kFloat16 || self.dtype() == kBFloat16;
      out = reduce_raw(pv == 2 ? ReduceOp::SumSquares : ReduceOp::SumAbs, "norm", self, mask, keepdim,
                       reduced_float ? kFloat32 : self.dtype());
      if (pv == 2) out = sqrt(out);
      if (reduced_float) out = out.to(self.dtype());
    } else
      out = pow(sum(pow(abs(self), pv), d, keepdim), 1.0 / pv);
  }
  if (autograd::needs_grad(self)) autograd::set_history(out, autograd::derivatives::norm_node(self, out, pv, d, keepdim));
  return out;
}

Tensor ops::sum_squares(const Tensor& self) {
  const Tensor x = self.dim() == 0 ? ops::alias(self, Shape{1}, Shape{1}, self.storage_offset()) : self;
  const bool reduced_float = self.dtype() == kFloat16 || self.dtype() == kBFloat16;
  const Tensor out = reduce_raw(ReduceOp::SumSquares, "sum_squares", x, (1u << x.dim()) - 1, false,
                                reduced_float ? kFloat32 : self.dtype());
  return reduced_float ? ops::cast(out, self.dtype()) : out;
}

Tensor logsumexp(const Tensor& self, const Shape& dims, bool keepdim, SourceLoc loc) {
  detail::ApiScope scope("logsumexp", loc);
  ops::check_defined("logsumexp", self, "input");
  const Tensor x = ops::as_floating(self);
  const uint32_t mask = reduce_mask("logsumexp", x, dims);
  int64_t reduced = 1;
  for (int d = 0; d < x.dim(); ++d)
    if (mask & (1u << d)) reduced *= x.sizes()[d];
  // Over nothing: log(0) = -inf, as PyTorch gives (there is no max to shift by).
  if (reduced == 0) return log(sum(exp(x), mask_to_dims(mask, x.dim()), keepdim));
  if (x.is_complex()) {
    // log(sum(exp(z - m))) + m, m the largest real part (a finite one), detached: its gradient
    // cancels. Subtracting a real number leaves the phase of the sum alone, so this is the
    // principal logarithm of sum(exp(z)), as PyTorch's.
    const Shape rd = mask_to_dims(mask, x.dim());
    Tensor shift;
    {
      NoGradGuard no_grad;
      const Tensor m = amax(real(x), rd, true);
      shift = where(isfinite(m), m, zeros_like(m));
    }
    return log(sum(exp(x - shift), rd, keepdim)) + shift.sum(rd, keepdim);
  }
  // One pass of the softmax kernel's log-sum-exp along one dim (the max, then the sum of the
  // shifted exps, neither written out); composed of amax, exp, sum and log it took four. Reduced
  // dims next to each other are that dim where they lie, [outer, reduced, inner] (the kernel
  // walks inner positions side by side); others are moved last first (a copy).
  const int first = mask ? std::countr_zero(mask) : 0, last = mask ? 31 - std::countl_zero(mask) : -1;
  const bool block = (mask >> first) == (1u << (last - first + 1)) - 1;
  Tensor rows;
  int64_t outer = 1, inner = 1;
  if (block) {
    for (int d = 0; d < first; ++d) outer *= x.sizes()[d];
    for (int d = last + 1; d < x.dim(); ++d) inner *= x.sizes()[d];
    rows = ops::contiguous(x.detach());
  } else {
    Shape order;
    for (int pass = 0; pass < 2; ++pass)  // the kept dims, then the reduced ones
      for (int d = 0; d < x.dim(); ++d)
        if (((mask >> d) & 1u) == static_cast<uint32_t>(pass)) order.push_back(d);
    rows = ops::contiguous(x.detach().permute(order));
    outer = x.numel() / reduced;
  }
  Tensor out = ops::empty(reduced_shape(x.sizes(), mask, keepdim), x.dtype(), x.device());
  kernels::backend(x.device(), "logsumexp")
      .softmax(x.dtype(), kernels::SoftmaxOp::LogSumExp, ops::dim_geometry(Shape{outer, reduced, inner}, 1, 1),
               out.data_ptr(), rows.data_ptr());
  if (autograd::needs_grad(x)) {
    // d lse / dx = softmax(x) = exp(x - lse), the gradient and the result seen with the kept dims.
    const Shape kept = reduced_shape(x.sizes(), mask, true);
    auto node = autograd::make_node("LogsumexpBackward", {&x}, [kept](const autograd::Node& nd, const tensor_list& g) {
      const Tensor in = nd.saved(0), result = nd.saved(1);
      return tensor_list{g[0].reshape(kept) * exp(in - result.reshape(kept))};
    });
    node->save(x);
    node->save(out, /*is_output=*/true);
    autograd::set_history(out, node);
  }
  return out;
}

Tensor all(const Tensor& self, SourceLoc loc) {
  detail::ApiScope scope("all", loc);
  return logic_reduce(ReduceOp::All, "all", self, std::nullopt, false);
}
Tensor all(const Tensor& self, int64_t dim, bool keepdim, SourceLoc loc) {
  detail::ApiScope scope("all", loc);
  return logic_reduce(ReduceOp::All, "all", self, dim, keepdim);
}
Tensor any(const Tensor& self, SourceLoc loc) {
  detail::ApiScope scope("any", loc);
  return logic_reduce(ReduceOp::Any, "any", self, std::nullopt, false);
}
Tensor any(const Tensor& self, int64_t dim, bool keepdim, SourceLoc loc) {
  detail::ApiScope scope("any", loc);
  return logic_reduce(ReduceOp::Any, "any", self, dim, keepdim);
}
Tensor all(const Tensor& self, const Shape& dims, bool keepdim, SourceLoc loc) {
  detail::ApiScope scope("all", loc);
  return logic_reduce(ReduceOp::All, "all", self, std::nullopt, keepdim, &dims);
}
Tensor any(const Tensor& self, const Shape& dims, bool keepdim, SourceLoc loc) {
  detail::ApiScope scope("any", loc);
  return logic_reduce(ReduceOp::Any, "any", self, std::nullopt, keepdim, &dims);
}

// ---- composed reductions -----------------------------------------------------------------------

std::tuple<Tensor, Tensor> var_mean(const Tensor& self, const Shape& dims, double correction, bool keepdim,
                                    SourceLoc loc) {
  detail::ApiScope scope("var_mean", loc);
  return {var(self, dims, correction, keepdim), mean(self, dims, keepdim)};
}

std::tuple<Tensor, Tensor> std_mean(const Tensor& self, const Shape& dims, double correction, bool keepdim,
                                    SourceLoc loc) {
  detail::ApiScope scope("std_mean", loc);
  return {std(self, dims, correction, keepdim), mean(self, dims, keepdim)};
}

namespace {
// The plain sum when the input holds no NaN (undefined otherwise), told by the sums themselves:
// a NaN in the input makes its sum NaN (as does inf - inf, which takes the long way too). On the
// CPU only, where reading the check back costs no synchronisation. nansum and nanmean of clean
// data, the usual case, then cost one pass rather than three.
Tensor sum_if_no_nan(const Tensor& self, const Shape& dims, bool keepdim) {
  if (!self.is_cpu()) return {};
  Tensor s = sum(self, dims, keepdim);
  bool clean = false;
  {
    AutoGradMode no_grad(false);
    clean = !isnan(s).any().item<bool>();
  }
  return clean ? s : Tensor();
}
}  // namespace

Tensor nansum(const Tensor& self, const Shape& dims, bool keepdim, std::optional<DType> dtype, SourceLoc loc) {
  detail::ApiScope scope("nansum", loc);
  ops::check_defined("nansum", self, "input");
  const Tensor x = dtype ? ops::to_requested(self, *dtype) : self;
  if (!x.is_floating_point()) return sum(x, dims, keepdim, dtype);  // an integer dtype asked for stays
  if (const Tensor s = sum_if_no_nan(x, dims, keepdim); s.defined()) return s;
  return sum(where(isnan(x), 0.0, x), dims, keepdim);
}

Tensor nanmean(const Tensor& self, const Shape& dims, bool keepdim, std::optional<DType> dtype, SourceLoc loc) {
  detail::ApiScope scope("nanmean", loc);
  ops::check_defined("nanmean", self, "input");
  const Tensor x = dtype ? ops::to_requested(self, *dtype) : self;
  ops::check_floating("nanmean", x);
  if (const Tensor s = sum_if_no_nan(x, dims, keepdim); s.defined())
    return s / static_cast<double>(reduced_count(x, reduce_mask("nanmean", x, dims)));
  const Tensor present = logical_not(isnan(x));
  return sum(where(present, x, 0.0), dims, keepdim) / sum(present, dims, keepdim).to(x.dtype());
}

std::tuple<Tensor, Tensor> aminmax(const Tensor& self, const Shape& dims, bool keepdim, SourceLoc loc) {
  detail::ApiScope scope("aminmax", loc);
  return {amin(self, dims, keepdim), amax(self, dims, keepdim)};
}

Tensor count_nonzero(const Tensor& self, const Shape& dims, SourceLoc loc) {
  detail::ApiScope scope("count_nonzero", loc);
  ops::check_defined("count_nonzero", self, "input");
  // A sum of bools is int64 already; a mask is summed as it is (ne(mask, 0) compared in int64).
  return sum(self.dtype() == kBool ? self : ne(self, 0), dims);
}

}  // namespace tg
