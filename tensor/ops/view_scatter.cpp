// The scatter forms of the views select, slice, diagonal and as_strided: a copy of self with that
// view's elements replaced by src (src has the view's shape). Each is one strided_scatter over the
// view's region in a contiguous copy, so they differentiate in self and src and run on any device.
// src converts to self's dtype as copy_ would (PyTorch's do the same).
#include <algorithm>
#include <numeric>
#include <vector>

#include "tapegrad/tensor/ops.h"
#include "tensor/dense_layout.h"
#include "tensor/ops/common.h"
#include "tensor/ops/internal.h"

namespace tg {
namespace {

// A view's sizes, strides and offset within a contiguous tensor of self's shape.
struct Region {
  Shape sizes, strides;
  int64_t offset = 0;
};

Tensor scatter_into(const char* name, const Tensor& self, const Tensor& src, const Region& r) {
  TG_CHECK(src.sizes() == r.sizes, "{}: src must have the shape of the region it fills, {}, got {} (self {})", name,
           r.sizes, src.sizes(), self.sizes());
  return ops::strided_scatter(self, src, r.sizes, r.strides, r.offset, /*accumulate=*/false);
}

void check_operands(const char* name, const Tensor& self, const Tensor& src) {
  ops::check_defined(name, self, "input");
  ops::check_defined(name, src, "src");
  ops::check_same_device(name, self, src);
}

}  // namespace

Tensor select_scatter(const Tensor& self, const Tensor& src, int64_t dim, int64_t index, SourceLoc loc) {
  detail::ApiScope scope("select_scatter", loc);
  check_operands("select_scatter", self, src);
  TG_CHECK_INDEX(self.dim() > 0, "select_scatter: can't select from a 0-dim tensor");
  const int d = wrap_dim(dim, self.dim(), "select_scatter");
  const int64_t size = self.sizes()[d];
  TG_CHECK_INDEX(index >= -size && index < size, "select_scatter: index {} is out of range for dim {} of size {}",
                 index, d, size);
  Region r{self.sizes(), contiguous_strides(self.sizes())};
  r.offset = (index < 0 ? index + size : index) * r.strides[d];
  r.sizes.erase(d);
  r.strides.erase(d);
  return scatter_into("select_scatter", self, src, r);
}

Tensor slice_scatter(const Tensor& self, const Tensor& src, int64_t dim, std::optional<int64_t> start,
                     std::optional<int64_t> end, int64_t step, SourceLoc loc) {
  detail::ApiScope scope("slice_scatter", loc);
  check_operands("slice_scatter", self, src);
  TG_CHECK_VALUE(step > 0, "slice_scatter: the step must be positive, got {}", step);
  TG_CHECK_INDEX(self.dim() > 0, "slice_scatter: can't slice a 0-dim tensor");
  const int d = wrap_dim(dim, self.dim(), "slice_scatter");
  const int64_t size = self.sizes()[d];
  // Python's slice bounds: negative ones count from the end, both clamp into [0, size].
  const auto bound = [size](std::optional<int64_t> b, int64_t none) {
    const int64_t v = b ? (*b < 0 ? *b + size : *b) : none;
    return std::clamp<int64_t>(v, 0, size);
  };
  const int64_t lo = bound(start, 0), hi = std::max(lo, bound(end, size));
  Region r{self.sizes(), contiguous_strides(self.sizes())};
  r.offset = lo * r.strides[d];
  r.sizes[d] = (hi - lo + step - 1) / step;
  r.strides[d] *= step;
  return scatter_into("slice_scatter", self, src, r);
}

Tensor diagonal_scatter(const Tensor& self, const Tensor& src, int64_t offset, int64_t dim1, int64_t dim2,
                        SourceLoc loc) {
  detail::ApiScope scope("diagonal_scatter", loc);
  check_operands("diagonal_scatter", self, src);
  TG_CHECK(self.dim() >= 2, "diagonal_scatter: needs a tensor of 2 or more dims, got shape {}", self.sizes());
  const int d1 = wrap_dim(dim1, self.dim(), "diagonal_scatter"), d2 = wrap_dim(dim2, self.dim(), "diagonal_scatter");
  TG_CHECK(d1 != d2, "diagonal_scatter: dim1 and dim2 must differ, both are {}", d1);
  const int64_t rows = self.sizes()[d1], cols = self.sizes()[d2];
  const int64_t length =
      std::max<int64_t>(0, offset >= 0 ? std::min(rows, cols - offset) : std::min(rows + offset, cols));
  Region r{self.sizes(), contiguous_strides(self.sizes())};
  const int64_t s1 = r.strides[d1], s2 = r.strides[d2];
  r.offset = length == 0 ? 0 : (offset >= 0 ? offset * s2 : -offset * s1);
  // The diagonal becomes the last dim, as diagonal's does.
  r.sizes.erase(std::max(d1, d2));
  r.sizes.erase(std::min(d1, d2));
  r.strides.erase(std::max(d1, d2));
  r.strides.erase(std::min(d1, d2));
  r.sizes.push_back(length);
  r.strides.push_back(s1 + s2);
  return scatter_into("diagonal_scatter", self, src, r);
}

Tensor as_strided_scatter(const Tensor& self, const Tensor& src, const Shape& sizes, const Shape& strides,
                          std::optional<int64_t> storage_offset, SourceLoc loc) {
  detail::ApiScope scope("as_strided_scatter", loc);
  check_operands("as_strided_scatter", self, src);
  TG_CHECK(sizes.size() == strides.size(), "as_strided_scatter: sizes {} and strides {} differ in length", sizes,
           strides);
  Region r{sizes, strides, storage_offset.value_or(self.storage_offset()) - self.storage_offset()};
  int64_t last = r.offset, count = 1;
  for (int d = 0; d < sizes.size(); ++d) {
    TG_CHECK(sizes[d] >= 0 && strides[d] >= 0, "as_strided_scatter: negative size or stride in {} / {}", sizes,
             strides);
    // PyTorch's rule: a region where elements share memory has no one value to write there.
    TG_CHECK(strides[d] > 0 || sizes[d] <= 1,
             "as_strided_scatter: strides {} make several elements of sizes {} share memory", strides, sizes);
    last += (sizes[d] - 1) * strides[d];
    count *= sizes[d];
  }
  TG_CHECK(count == 0 || (r.offset >= 0 && last < self.numel()),
           "as_strided_scatter: sizes {}, strides {} from offset {} reach outside the {} elements of self (shape {})",
           sizes, strides, r.offset, self.numel(), self.sizes());
  // self's dims from the largest stride down lay a dense tensor out contiguously: positions are
  // counted in that tensor, and the result permuted back.
  std::vector<int64_t> order(static_cast<size_t>(self.dim()));
  std::iota(order.begin(), order.end(), 0);
  if (ops::non_overlapping_and_dense(self))
    std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) { return self.stride(a) > self.stride(b); });
  std::vector<int64_t> back(order.size());
  for (size_t i = 0; i < order.size(); ++i) back[static_cast<size_t>(order[i])] = static_cast<int64_t>(i);
  return scatter_into("as_strided_scatter", self.permute(Shape(order)), src, r).permute(Shape(back));
}

}  // namespace tg
