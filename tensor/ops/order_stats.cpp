// Order statistics along a dim: kthvalue, median, nanmedian and mode return (values, indices),
// and quantile / nanquantile interpolate between sorted values. kthvalue and the medians run a
// selection kernel (no full sort on the CPU); mode and quantile are composed of sort and index
// ops, so their gradients are those ops'.
#include <cmath>
#include <optional>
#include <string_view>

#include "autograd/derivatives/derivatives.h"
#include "autograd/record.h"
#include "tapegrad/tensor/factories.h"
#include "tapegrad/tensor/ops.h"
#include "tensor/ops/common.h"

namespace tg {
namespace {

// The selection kernel along dim d: values and int64 indices with the dim dropped (or kept).
std::tuple<Tensor, Tensor> select_dim(const char* name, const char* node, const Tensor& self, int d, bool keepdim,
                                      kernels::SelectOp op, int64_t rank) {
  Shape shape = self.sizes();
  if (self.dim() > 0) shape[d] = 1;
  Tensor values = ops::empty(shape, self.dtype(), self.device());
  Tensor indices = ops::empty(shape, kInt64, self.device());
  if (values.numel() > 0) {
    const Tensor in = ops::contiguous(self);
    kernels::backend(self.device(), name)
        .select(self.dtype(), ops::dim_geometry(self.sizes(), d, 1), values.data_ptr(), indices.data_ptr<int64_t>(),
                in.data_ptr(), op, rank);
  }
  if (!keepdim && self.dim() > 0) {
    values = values.squeeze(d);
    indices = indices.squeeze(d);
  }
  if (is_inexact(self.dtype()) && autograd::needs_grad(self))
    autograd::set_history(values, autograd::derivatives::indexed_extreme_node(node, self, indices, d, keepdim));
  return {values, indices};
}

int checked_dim(const char* name, const Tensor& self, int64_t dim) {
  ops::check_defined(name, self, "input");
  TG_CHECK_TYPE(self.dtype() != kBool, "{}: not supported for bool tensors", name);
  const int d = wrap_dim(dim, self.dim(), name);
  TG_CHECK_INDEX(self.dim() == 0 || self.sizes()[d] > 0, "{}: expected dim {} of shape {} to have a non-zero size",
                 name, d, self.sizes());
  return d;
}

// median() and nanmedian() of every element: the value only; ties (NaNs for a NaN result)
// share the gradient evenly, as in PyTorch.
Tensor median_all(const char* name, const char* node, const Tensor& self, kernels::SelectOp op) {
  ops::check_defined(name, self, "input");
  TG_CHECK_TYPE(self.dtype() != kBool, "{}: not supported for bool tensors", name);
  if (self.numel() == 0) {
    TG_CHECK_TYPE(self.is_floating_point(), "{}: the median of an empty {} tensor is undefined", name, self.dtype());
    return full({}, NAN, self.options());
  }
  // The value alone: without positions the kernel selects among plain keys.
  const Tensor flat = ops::contiguous(self.detach().reshape({-1}));
  Tensor value = ops::empty({}, self.dtype(), self.device());
  kernels::backend(self.device(), name)
      .select(self.dtype(), ops::dim_geometry(flat.sizes(), 0, 1), value.data_ptr(), nullptr, flat.data_ptr(), op, 0);
  if (is_inexact(self.dtype()) && autograd::needs_grad(self))
    autograd::set_history(value, autograd::derivatives::evenly_distributed_node(node, self, value));
  return value;
}

enum class Interpolation { Linear, Lower, Higher, Midpoint, Nearest };

Interpolation interpolation_of(const char* name, std::string_view s) {
  if (s == "linear") return Interpolation::Linear;
  if (s == "lower") return Interpolation::Lower;
  if (s == "higher") return Interpolation::Higher;
  if (s == "midpoint") return Interpolation::Midpoint;
  TG_CHECK_VALUE(s == "nearest",
                 "{}: interpolation must be one of \"linear\", \"lower\", \"higher\", \"midpoint\" or \"nearest\", got "
                 "\"{}\"",
                 name, s);
  return Interpolation::Nearest;
}

// PyTorch's quantile: the slices sorted (NaN last) along the last dim, each q's rank among them
// (q (n - 1), or q (non-NaN count - 1) ignoring NaNs; a slice with a NaN reads its last, NaN,
// value unless ignored), and the two values around the rank blended.
Tensor quantile_impl(const char* name, const Tensor& self, const Tensor& q, bool q_scalar, std::optional<int64_t> dim,
                     bool keepdim, std::string_view interpolation, bool ignore_nan) {
  ops::check_defined(name, self, "input");
  ops::check_defined(name, q, "q");
  const Interpolation how = interpolation_of(name, interpolation);
  TG_CHECK_TYPE(self.is_floating_point(), "{}: expected a floating-point input, got {}", name, self.dtype());
  TG_CHECK_TYPE(q.dtype() == self.dtype(), "{}: q ({}) must have the input's dtype ({})", name, q.dtype(),
                self.dtype());
  ops::check_same_device(name, self, q);
  TG_CHECK_VALUE(q.dim() <= 1, "{}: q must be a scalar or 1-D, got shape {}", name, q.sizes());
  TG_CHECK_VALUE(self.numel() > 0, "{}: the input of shape {} is empty", name, self.sizes());
  TG_CHECK_VALUE(q.numel() == 0 || logical_and(ge(q, 0.0), le(q, 1.0)).all().item<bool>(),
                 "{}: q values must be in the range [0, 1]", name);
  // The reduced dim moved last: [..., n].
  Tensor x;
  Shape kept;  // the output's shape without q's dim
  if (dim) {
    const int d = wrap_dim(*dim, self.dim(), name);
    TG_CHECK_VALUE(self.dim() == 0 || self.sizes()[d] > 0, "{}: expected dim {} of shape {} to have a non-zero size",
                   name, d, self.sizes());
    x = self.dim() == 0 ? self.reshape({1}) : movedim(self, d, -1);
    kept = self.sizes();
    if (self.dim() > 0) {
      if (keepdim) kept[d] = 1;
      else kept.erase(d);
    }
  } else {
    x = self.reshape({-1});
    if (keepdim) kept = Shape::filled(self.dim(), 1);
  }
  const Tensor sorted = std::get<0>(sort(x, -1));
  const int64_t n = sorted.sizes()[sorted.dim() - 1];
  // ranks [m, ..., 1]: q's dim first, against every slice.
  const int64_t m = q.numel();
  Shape q_shape = Shape::filled(static_cast<int>(sorted.dim()) + 1, 1);
  q_shape[0] = m;
  const Tensor qs = q.reshape(q_shape);
  Tensor ranks;
  if (ignore_nan) {
    const Tensor count = sum(logical_not(isnan(sorted)), {-1}, true).to(self.dtype()).unsqueeze(0);
    ranks = clamp_min(qs * (count - 1.0), 0.0);  // no non-NaN value: rank 0, a NaN
  } else {
    const Tensor has_nan = isnan(sorted.narrow(-1, n - 1, 1)).unsqueeze(0);
    ranks = where(has_nan, static_cast<double>(n - 1), qs * static_cast<double>(n - 1));
  }
  ranks = ranks.detach();
  Shape wide = ranks.sizes();
  wide[wide.size() - 1] = n;
  const Tensor table = sorted.unsqueeze(0).expand(wide);
  auto at = [&](const Tensor& r) { return table.gather(-1, r.to(kInt64)); };
  Tensor out;
  switch (how) {
    case Interpolation::Lower: out = at(floor(ranks)); break;
    case Interpolation::Higher: out = at(ceil(ranks)); break;
    case Interpolation::Nearest: out = at(round(ranks)); break;
    case Interpolation::Linear:
    case Interpolation::Midpoint: {
      const Tensor below = floor(ranks);
      const Tensor weight = how == Interpolation::Midpoint ? full_like(ranks, 0.5) : ranks - below;
      out = lerp(at(below), at(ceil(ranks)), weight);
      break;
    }
  }
  out = out.squeeze(-1);  // [m, ...]
  Shape shape = kept;
  if (!q_scalar) shape.insert(0, m);
  return out.reshape(shape);
}

}  // namespace

std::tuple<Tensor, Tensor> kthvalue(const Tensor& self, int64_t k, int64_t dim, bool keepdim, SourceLoc loc) {
  const char* name = "kthvalue";
  detail::ApiScope scope(name, loc);
  const int d = checked_dim(name, self, dim);
  const int64_t size = self.dim() == 0 ? 1 : self.sizes()[d];
  TG_CHECK_INDEX(k >= 1 && k <= size, "{}: k ({}) is out of range for dim {} of size {}", name, k, d, size);
  return select_dim(name, "KthvalueBackward", self, d, keepdim, kernels::SelectOp::Kth, k - 1);
}

Tensor median(const Tensor& self, SourceLoc loc) {
  detail::ApiScope scope("median", loc);
  return median_all("median", "MedianBackward", self, kernels::SelectOp::Median);
}
std::tuple<Tensor, Tensor> median(const Tensor& self, int64_t dim, bool keepdim, SourceLoc loc) {
  detail::ApiScope scope("median", loc);
  const int d = checked_dim("median", self, dim);
  return select_dim("median", "MedianBackward", self, d, keepdim, kernels::SelectOp::Median, 0);
}
Tensor nanmedian(const Tensor& self, SourceLoc loc) {
  detail::ApiScope scope("nanmedian", loc);
  return median_all("nanmedian", "NanmedianBackward", self, kernels::SelectOp::NanMedian);
}
std::tuple<Tensor, Tensor> nanmedian(const Tensor& self, int64_t dim, bool keepdim, SourceLoc loc) {
  detail::ApiScope scope("nanmedian", loc);
  const int d = checked_dim("nanmedian", self, dim);
  return select_dim("nanmedian", "NanmedianBackward", self, d, keepdim, kernels::SelectOp::NanMedian, 0);
}

std::tuple<Tensor, Tensor> mode(const Tensor& self, int64_t dim, bool keepdim, SourceLoc loc) {
  const char* name = "mode";
  detail::ApiScope scope(name, loc);
  ops::check_defined(name, self, "input");
  const int d = wrap_dim(dim, self.dim(), name);
  TG_CHECK_INDEX(self.dim() == 0 || self.sizes()[d] > 0, "{}: expected dim {} of shape {} to have a non-zero size",
                 name, d, self.sizes());
  // Runs of equal values in each sorted slice (a NaN is a run of its own, NaN != NaN): the first
  // longest run holds the smallest of the most frequent values, and its last element (the sort
  // being stable) the value's last position, PyTorch's index.
  const Tensor x = self.dim() == 0 ? self.detach().reshape({1}) : movedim(self.detach(), d, -1);
  const auto [sorted, perm] = sort(x, -1, false, /*stable=*/true);
  const int64_t n = sorted.sizes()[sorted.dim() - 1];
  const Tensor starts = cat({ones_like(sorted.narrow(-1, 0, 1), kBool),
                             ne(sorted.narrow(-1, 1, n - 1), sorted.narrow(-1, 0, n - 1))},
                            -1);
  const Tensor run = cumsum(starts.to(kInt64), -1) - 1;  // each element's run
  const Tensor length = zeros_like(run).scatter_add(-1, run, ones_like(run)).gather(-1, run);
  const Tensor first = argmax(length, -1, true);  // the first element of the first longest run
  const Tensor last = first + length.gather(-1, first) - 1;
  Tensor indices = perm.gather(-1, last);
  if (self.dim() == 0) indices = indices.reshape({});
  else indices = keepdim ? movedim(indices, -1, d) : indices.squeeze(-1);
  const Tensor at = self.dim() == 0 ? indices : (keepdim ? indices : indices.unsqueeze(d));
  Tensor values = self.dim() == 0 ? self.detach().clone() : self.detach().gather(d, at);
  if (!keepdim && self.dim() > 0) values = values.squeeze(d);
  if (is_inexact(self.dtype()) && autograd::needs_grad(self))
    autograd::set_history(values, autograd::derivatives::indexed_extreme_node("ModeBackward", self, indices, d, keepdim));
  return {values, indices};
}

Tensor quantile(const Tensor& self, double q, std::optional<int64_t> dim, bool keepdim,
                std::string_view interpolation, SourceLoc loc) {
  detail::ApiScope scope("quantile", loc);
  TG_CHECK_VALUE(q >= 0 && q <= 1, "quantile: q must be in the range [0, 1], got {}", q);
  return quantile_impl("quantile", self, scalar_tensor(q, self.options()), true, dim, keepdim, interpolation, false);
}
Tensor quantile(const Tensor& self, const Tensor& q, std::optional<int64_t> dim, bool keepdim,
                std::string_view interpolation, SourceLoc loc) {
  detail::ApiScope scope("quantile", loc);
  return quantile_impl("quantile", self, q, q.defined() && q.dim() == 0, dim, keepdim, interpolation, false);
}
Tensor nanquantile(const Tensor& self, double q, std::optional<int64_t> dim, bool keepdim,
                   std::string_view interpolation, SourceLoc loc) {
  detail::ApiScope scope("nanquantile", loc);
  TG_CHECK_VALUE(q >= 0 && q <= 1, "nanquantile: q must be in the range [0, 1], got {}", q);
  return quantile_impl("nanquantile", self, scalar_tensor(q, self.options()), true, dim, keepdim, interpolation,
                       true);
}
Tensor nanquantile(const Tensor& self, const Tensor& q, std::optional<int64_t> dim, bool keepdim,
                   std::string_view interpolation, SourceLoc loc) {
  detail::ApiScope scope("nanquantile", loc);
  return quantile_impl("nanquantile", self, q, q.defined() && q.dim() == 0, dim, keepdim, interpolation, true);
}

}  // namespace tg
