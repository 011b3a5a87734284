// torch.gradient: finite differences of sampled values along dims, composed of slices and
// pointwise ops (PyTorch's formulas), so it runs on every device and is differentiable.
#include <vector>

#include "tapegrad/tensor/factories.h"
#include "tapegrad/tensor/ops.h"
#include "tensor/ops/common.h"

namespace tg {

namespace {

// The samples along one dim: a constant step, or coordinates (a 1-D tensor of the dim's size).
struct Spacing {
  double step = 1.0;
  Tensor coordinates;
};

// [1, ..., n, ..., 1] with n at d: a 1-D tensor along dim d of a tensor of `ndim` dims.
Tensor along(const Tensor& v, int d, int ndim) {
  Shape shape = Shape::filled(ndim, 1);
  shape[d] = v.numel();
  return v.reshape(shape);
}

Tensor one_dim(const Tensor& f, int d, const Spacing& s, int64_t edge_order) {
  const int64_t n = f.sizes()[d];
  auto at = [&](int64_t start, int64_t end) { return f.slice(d, start, end); };
  Tensor center, first, last;
  if (!s.coordinates.defined()) {
    const double h = s.step;
    center = (at(2, n) - at(0, n - 2)) / (2.0 * h);
    if (edge_order == 1) {
      first = (at(1, 2) - at(0, 1)) / h;
      last = (at(n - 1, n) - at(n - 2, n - 1)) / h;
    } else {
      first = (at(0, 1) * -1.5 + at(1, 2) * 2.0 - at(2, 3) * 0.5) / h;
      last = (at(n - 3, n - 2) * 0.5 - at(n - 2, n - 1) * 2.0 + at(n - 1, n) * 1.5) / h;
    }
  } else {
    // Unequal steps: the second-order accurate weights of the three neighbours.
    const Tensor dx = diff(s.coordinates.to(f.dtype()));
    const Tensor dx1 = along(dx.slice(0, 0, n - 2), d, f.dim()), dx2 = along(dx.slice(0, 1, n - 1), d, f.dim());
    center = -dx2 / (dx1 * (dx1 + dx2)) * at(0, n - 2) + (dx2 - dx1) / (dx1 * dx2) * at(1, n - 1) +
             dx1 / (dx2 * (dx1 + dx2)) * at(2, n);
    const Tensor h0 = dx[0], hl = dx[n - 2];
    if (edge_order == 1) {
      first = (at(1, 2) - at(0, 1)) / h0;
      last = (at(n - 1, n) - at(n - 2, n - 1)) / hl;
    } else {
      const Tensor h1 = dx[1], hm = dx[n - 3];
      first = -(2.0 * h0 + h1) / (h0 * (h0 + h1)) * at(0, 1) + (h0 + h1) / (h0 * h1) * at(1, 2) -
              h0 / (h1 * (h0 + h1)) * at(2, 3);
      last = hl / (hm * (hl + hm)) * at(n - 3, n - 2) - (hl + hm) / (hl * hm) * at(n - 2, n - 1) +
             (2.0 * hl + hm) / (hl * (hl + hm)) * at(n - 1, n);
    }
  }
  return cat({first, center, last}, d);
}

tensor_list gradient_impl(const Tensor& self, const std::vector<Spacing>& spacing, const Shape& dims_in,
                          int64_t edge_order) {
  const char* op = "gradient";
  ops::check_defined(op, self, "input");
  TG_CHECK_VALUE(edge_order == 1 || edge_order == 2, "gradient: only edge_order 1 and 2 are supported, got {}",
                 edge_order);
  TG_CHECK(self.dim() > 0, "gradient: expected a tensor with at least one dim, got a 0-D tensor");
  std::vector<int> dims;
  std::vector<bool> seen(self.dim(), false);
  if (dims_in.empty()) {
    for (int d = 0; d < self.dim(); ++d) dims.push_back(d);
  } else {
    for (int64_t dim : dims_in) {
      const int d = wrap_dim(dim, self.dim(), op);
      TG_CHECK_VALUE(!seen[d], "gradient: dim {} appears multiple times in the list of dims", d);
      seen[d] = true;
      dims.push_back(d);
    }
  }
  TG_CHECK(spacing.size() == 1 || spacing.size() == dims.size(),
           "gradient: expected spacing to be unspecified, a scalar, or a list of length {} (one per dim), but got a "
           "list of length {}",
           dims.size(), spacing.size());
  const Tensor f = is_floating_point(self.dtype()) ? self : self.to(default_dtype());
  tensor_list result;
  for (size_t i = 0; i < dims.size(); ++i) {
    const int d = dims[i];
    const Spacing& s = spacing[spacing.size() == 1 ? 0 : i];
    TG_CHECK_VALUE(f.sizes()[d] >= edge_order + 1,
                   "gradient: expected each dimension size to be at least edge_order+1 ({}), but dim {} of shape {} "
                   "has size {}",
                   edge_order + 1, d, f.sizes(), f.sizes()[d]);
    if (s.coordinates.defined()) {
      ops::check_same_device(op, f, s.coordinates);
      TG_CHECK(s.coordinates.dim() == 1 && s.coordinates.numel() == f.sizes()[d],
               "gradient: the coordinates for dim {} must be 1-D of its size {}, got shape {}", d, f.sizes()[d],
               s.coordinates.sizes());
    }
    result.push_back(one_dim(f, d, s, edge_order));
  }
  return result;
}

}  // namespace

tensor_list gradient(const Tensor& self, double spacing, const Shape& dims, int64_t edge_order, SourceLoc loc) {
  detail::ApiScope scope("gradient", loc);
  return gradient_impl(self, {Spacing{spacing, {}}}, dims, edge_order);
}

tensor_list gradient(const Tensor& self, const std::vector<double>& spacing, const Shape& dims, int64_t edge_order,
                     SourceLoc loc) {
  detail::ApiScope scope("gradient", loc);
  std::vector<Spacing> s;
  for (double h : spacing) s.push_back({h, {}});
  if (s.empty()) s.push_back({});
  return gradient_impl(self, s, dims, edge_order);
}

tensor_list gradient(const Tensor& self, const tensor_list& coordinates, const Shape& dims, int64_t edge_order,
                     SourceLoc loc) {
  detail::ApiScope scope("gradient", loc);
  std::vector<Spacing> s;
  for (const Tensor& c : coordinates) {
    ops::check_defined("gradient", c, "coordinates");
    s.push_back({1.0, c});
  }
  TG_CHECK(!s.empty(), "gradient: expected at least one coordinate tensor");
  return gradient_impl(self, s, dims, edge_order);
}

}  // namespace tg
