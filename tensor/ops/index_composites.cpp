// Index ops composed of scatter, gather, boolean indexing and sort: index_add, index_copy,
// index_fill, index_reduce, take, put, masked_scatter, argwhere, msort, masked_select, unique,
// unique_dim, unravel_index. Their gradients are those ops', and they run on every device.
#include <vector>

#include "autograd/record.h"
#include "tapegrad/autograd/grad_mode.h"
#include "tapegrad/tensor/factories.h"
#include "tapegrad/tensor/ops.h"
#include "tensor/ops/common.h"
#include "tensor/ops/inplace.h"

namespace tg {
namespace {

// index [k] as a scatter index of `like`'s shape with k at dim: slice i of it holds index[i].
void check_slice_index(const char* op, const Tensor& index) {
  ops::check_defined(op, index, "index");
  TG_CHECK_TYPE(index.dtype() == kInt64 || index.dtype() == kInt32, "{}: index must be an integer tensor, got {}", op,
                index.dtype());
  TG_CHECK_VALUE(index.dim() <= 1, "{}: index must be 0-D or 1-D, got shape {}", op, index.sizes());
}

Tensor slice_index(const char* op, const Tensor& self, int dim, const Tensor& index, const Shape& like) {
  check_slice_index(op, index);
  Shape shape = Shape::filled(self.dim(), 1);
  shape[dim] = index.numel();
  return index.to(kInt64).reshape(shape).expand(like);
}

Tensor checked_source(const char* op, const Tensor& self, int dim, const Tensor& index, const Tensor& source) {
  ops::check_defined(op, source, "source");
  Shape expected = self.sizes();
  expected[dim] = index.numel();
  TG_CHECK_VALUE(source.sizes() == expected,
                 "{}: source of shape {} must have self's shape {} with dim {} of size {} (the index's length)", op,
                 source.sizes(), self.sizes(), dim, index.numel());
  return source;
}

// alpha as index_add applies it: an integer tensor takes a float alpha truncated and a bool one
// any alpha as a bool, as PyTorch's (source * 2.5 would be a float tensor self can't take).
Scalar index_add_alpha(const Tensor& self, const Scalar& alpha) {
  if (self.dtype() == kBool) return Scalar(alpha.to_bool());
  return !is_inexact(self.dtype()) && alpha.is_floating_point() ? Scalar(alpha.to_int()) : alpha;
}

// self's slices along dim d at `index` set to (or, accumulating, increased by) values' slices, in
// place, through index_put_'s kernel. Bounds as scatter checks them.
void put_slices(const char* op, const Tensor& self, int d, const Tensor& index, const Tensor& values, bool accumulate) {
  if (index.numel() > 0) {
    const int64_t lo = amin(index).item<int64_t>(), hi = amax(index).item<int64_t>();
    TG_CHECK_INDEX(lo >= 0 && hi < self.sizes()[d], "{}: index {} is out of bounds for dim {} of size {}", op,
                   lo < 0 ? lo : hi, d, self.sizes()[d]);
  }
  std::vector<TensorIndex> at(static_cast<size_t>(d), indexing::Slice());
  at.emplace_back(index.reshape({-1}).to(kInt64));
  self.index_put_(at, values, accumulate);
}

}  // namespace

Tensor index_add(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& source, const Scalar& alpha,
                 SourceLoc loc) {
  detail::ApiScope scope("index_add", loc);
  ops::check_defined("index_add", self, "input");
  const int d = wrap_dim(dim, std::max(self.dim(), 1), "index_add");
  checked_source("index_add", self, d, index, source);
  const Scalar a = index_add_alpha(self, alpha);
  const Tensor scaled = a.to_double() == 1.0 ? source : source * a;
  const Tensor slices = slice_index("index_add", self, d, index, source.sizes());
  if (self.dim() == 0) return scatter_add(self, d, slices, scaled);
  // Whole slices added at once (index_put's accumulating kernel) rather than element by element
  // through scatter_add's expanded index: ~3x faster.
  Tensor out = self.clone();
  put_slices("index_add", out, d, index, scaled, /*accumulate=*/true);
  return out;
}

namespace {

// Whether index_copy(_) and index_add_ may write whole slices through put_slices (one pass; the
// scatter form, which records gradients, cloned and copied back: 2-4x PyTorch's time).
bool copies_slices(const Tensor& self, const Tensor& source) {
  return self.dim() > 0 && !autograd::needs_grad(self, source) && source.dtype() == self.dtype() &&
         source.device() == self.device();
}

// Whether index_fill(_) may write whole slices through put_slices: one pass over the filled
// slices, where scatter read an index as large as them (3x PyTorch's time).
bool fills_slices(const Tensor& self) { return self.dim() > 0 && !autograd::needs_grad(self); }

// index_fill's checked index, negative entries counted from the end (as PyTorch's index_fill,
// unlike index_copy / index_add); below -size they stay out of range.
Tensor fill_index(const char* op, const Tensor& self, int d, const Tensor& index) {
  if (self.dim() == 0) {  // every entry names the one element (0 or -1): one fill
    check_slice_index(op, index);
    if (index.numel() == 0) return index;
    const int64_t lo = amin(index).item<int64_t>(), hi = amax(index).item<int64_t>();
    TG_CHECK_INDEX(lo >= -1 && hi <= 0, "{}: index {} is out of bounds for a 0-dim tensor", op, lo < -1 ? lo : hi);
    return zeros({}, TensorOptions(kInt64).device(index.device()));
  }
  Shape like = self.sizes();
  like[d] = index.numel();
  slice_index(op, self, d, index, like);
  if (index.numel() == 0) return index;
  const int64_t n = self.sizes()[d];
  return where(logical_and(lt(index, 0), ge(index, -n)), index + n, index);
}

}  // namespace

Tensor index_copy(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& source, SourceLoc loc) {
  detail::ApiScope scope("index_copy", loc);
  ops::check_defined("index_copy", self, "input");
  const int d = wrap_dim(dim, std::max(self.dim(), 1), "index_copy");
  checked_source("index_copy", self, d, index, source);
  const Tensor slices = slice_index("index_copy", self, d, index, source.sizes());
  if (copies_slices(self, source)) {
    Tensor out = self.clone();
    put_slices("index_copy", out, d, index, source, /*accumulate=*/false);
    return out;
  }
  return scatter(self, d, slices, source);
}

Tensor index_fill(const Tensor& self, int64_t dim, const Tensor& index, const Scalar& value, SourceLoc loc) {
  detail::ApiScope scope("index_fill", loc);
  ops::check_defined("index_fill", self, "input");
  const int d = wrap_dim(dim, std::max(self.dim(), 1), "index_fill");
  const Tensor idx = fill_index("index_fill", self, d, index);
  if (self.dim() == 0) return idx.numel() > 0 ? scatter(self, 0, idx, value) : self.clone();
  if (!fills_slices(self)) {
    Shape like = self.sizes();
    like[d] = idx.numel();
    return scatter(self, d, slice_index("index_fill", self, d, idx, like), value);
  }
  Tensor out = self.clone();
  put_slices("index_fill", out, d, idx, full({}, value, TensorOptions(self.dtype()).device(self.device())), false);
  return out;
}

const Tensor& index_add_(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& source,
                         const Scalar& alpha, SourceLoc loc) {
  detail::ApiScope scope("index_add_", loc);
  ops::check_defined("index_add_", self, "input");
  const int d = wrap_dim(dim, std::max(self.dim(), 1), "index_add_");
  checked_source("index_add_", self, d, index, source);
  slice_index("index_add_", self, d, index, source.sizes());
  if (copies_slices(self, source)) {  // straight into self: a third of the passes of the copy below
    const Scalar a = index_add_alpha(self, alpha);
    put_slices("index_add_", self, d, index, a.to_double() == 1.0 ? source : source * a, /*accumulate=*/true);
    return self;
  }
  return ops::inplace_via_copy(self, "index_add_",
                               [&](const Tensor& s) { return index_add(s, dim, index, source, alpha); });
}
const Tensor& index_copy_(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& source, SourceLoc loc) {
  detail::ApiScope scope("index_copy_", loc);
  ops::check_defined("index_copy_", self, "input");
  const int d = wrap_dim(dim, std::max(self.dim(), 1), "index_copy_");
  checked_source("index_copy_", self, d, index, source);
  slice_index("index_copy_", self, d, index, source.sizes());
  if (copies_slices(self, source)) {
    put_slices("index_copy_", self, d, index, source, /*accumulate=*/false);
    return self;
  }
  return ops::inplace_via_copy(self, "index_copy_", [&](const Tensor& s) { return index_copy(s, dim, index, source); });
}
const Tensor& index_fill_(const Tensor& self, int64_t dim, const Tensor& index, const Scalar& value, SourceLoc loc) {
  detail::ApiScope scope("index_fill_", loc);
  if (fills_slices(self)) {
    const int d = wrap_dim(dim, self.dim(), "index_fill_");
    const Tensor idx = fill_index("index_fill_", self, d, index);
    put_slices("index_fill_", self, d, idx, full({}, value, TensorOptions(self.dtype()).device(self.device())), false);
    return self;
  }
  return ops::inplace_via_copy(self, "index_fill_", [&](const Tensor& s) { return index_fill(s, dim, index, value); });
}

namespace {
// index_reduce's dim (wrapped) and scatter index, after its checks.
std::pair<int, Tensor> index_reduce_args(const char* op, const Tensor& self, int64_t dim, const Tensor& index,
                                         const Tensor& source, std::string_view reduce) {
  ops::check_defined(op, self, "input");
  TG_CHECK_VALUE(reduce == "prod" || reduce == "mean" || reduce == "amax" || reduce == "amin",
                 "{}: reduce must be one of prod, mean, amax and amin, got '{}'", op, reduce);
  const int d = wrap_dim(dim, std::max(self.dim(), 1), op);
  checked_source(op, self, d, index, source);
  return {d, slice_index(op, self, d, index, source.sizes())};
}
}  // namespace

Tensor index_reduce(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& source, std::string_view reduce,
                    bool include_self, SourceLoc loc) {
  detail::ApiScope scope("index_reduce", loc);
  const auto [d, slices] = index_reduce_args("index_reduce", self, dim, index, source, reduce);
  return scatter_reduce(self, d, slices, source, reduce, include_self);
}
const Tensor& index_reduce_(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& source,
                            std::string_view reduce, bool include_self, SourceLoc loc) {
  detail::ApiScope scope("index_reduce_", loc);
  const auto [d, slices] = index_reduce_args("index_reduce_", self, dim, index, source, reduce);
  return scatter_reduce_(self, d, slices, source, reduce, include_self);
}

Tensor take(const Tensor& self, const Tensor& index, SourceLoc loc) {
  detail::ApiScope scope("take", loc);
  ops::check_defined("take", self, "input");
  ops::check_defined("take", index, "index");
  TG_CHECK_INDEX(index.dtype() == kInt64, "take: the index must be an int64 tensor, got {}", index.dtype());
  return self.reshape({-1}).index({index.reshape({-1})}).view(index.sizes());
}

Tensor put(const Tensor& self, const Tensor& index, const Tensor& source, bool accumulate, SourceLoc loc) {
  detail::ApiScope scope("put", loc);
  ops::check_defined("put", self, "input");
  ops::check_defined("put", index, "index");
  ops::check_defined("put", source, "source");
  TG_CHECK_INDEX(index.dtype() == kInt64, "put: the index must be an int64 tensor, got {}", index.dtype());
  TG_CHECK(index.numel() == source.numel(), "put: index ({} elements) and source ({} elements) must be as long",
           index.numel(), source.numel());
  std::vector<std::optional<Tensor>> at{index.reshape({-1})};
  return index_put(self.reshape({-1}), at, source.reshape({-1}), accumulate).view(self.sizes());
}
const Tensor& put_(const Tensor& self, const Tensor& index, const Tensor& source, bool accumulate, SourceLoc loc) {
  detail::ApiScope scope("put_", loc);
  return ops::inplace_via_copy(self, "put_", [&](const Tensor& s) { return put(s, index, source, accumulate); });
}

Tensor masked_scatter(const Tensor& self, const Tensor& mask, const Tensor& source, SourceLoc loc) {
  detail::ApiScope scope("masked_scatter", loc);
  ops::check_defined("masked_scatter", self, "input");
  ops::check_defined("masked_scatter", mask, "mask");
  ops::check_defined("masked_scatter", source, "source");
  TG_CHECK_TYPE(mask.dtype() == kBool, "masked_scatter: the mask must be a bool tensor, got {}", mask.dtype());
  TG_CHECK_TYPE(source.dtype() == self.dtype(), "masked_scatter: source ({}) must have the input's dtype ({})",
                source.dtype(), self.dtype());
  // Out of place, self and the mask broadcast together (as in PyTorch).
  const Shape shape = broadcast_shapes(self.sizes(), mask.sizes(), "masked_scatter");
  const Tensor m = mask.expand(shape);
  // The k-th selected position takes source's k-th element, k a running count of the mask: a scan,
  // a take and a select, where index_put's nonzero and scatter took twice the time.
  const Tensor k = cumsum(m.reshape({-1}), 0, kInt64);
  const int64_t count = k.numel() == 0 ? 0 : k[-1].item<int64_t>();
  TG_CHECK(source.numel() >= count, "masked_scatter: the mask selects {} elements but source has only {}", count,
           source.numel());
  const Tensor base = shape == self.sizes() ? self : self.expand(shape);
  if (count == 0) return base.clone();
  // Unselected positions read source's first element, and where() drops it (a zero gradient).
  const Tensor picked = take(source, clamp_min(k - 1, 0)).view(shape);
  return where(m, picked, base);
}
const Tensor& masked_scatter_(const Tensor& self, const Tensor& mask, const Tensor& source, SourceLoc loc) {
  detail::ApiScope scope("masked_scatter_", loc);
  ops::check_defined("masked_scatter_", self, "input");
  ops::check_defined("masked_scatter_", mask, "mask");
  TG_CHECK(broadcast_shapes(self.sizes(), mask.sizes(), "masked_scatter_") == self.sizes(),
           "masked_scatter_: the mask of shape {} does not broadcast to self's shape {}", mask.sizes(), self.sizes());
  return ops::inplace_via_copy(self, "masked_scatter_",
                               [&](const Tensor& s) { return masked_scatter(s, mask, source); });
}

Tensor argwhere(const Tensor& self, SourceLoc loc) {
  detail::ApiScope scope("argwhere", loc);
  return nonzero(self);
}

Tensor msort(const Tensor& self, SourceLoc loc) {
  detail::ApiScope scope("msort", loc);
  ops::check_defined("msort", self, "input");
  return std::get<0>(sort(self, 0));  // a 0-dim tensor too, as PyTorch's
}

Tensor masked_select(const Tensor& self, const Tensor& mask, SourceLoc loc) {
  detail::ApiScope scope("masked_select", loc);
  ops::check_defined("masked_select", self, "input");
  ops::check_defined("masked_select", mask, "mask");
  TG_CHECK_TYPE(mask.dtype() == kBool, "masked_select: mask must be a bool tensor, got {}", mask.dtype());
  const Shape shape = broadcast_shapes(self.sizes(), mask.sizes(), "masked_select");
  if (shape.empty())  // 0-dim operands select from a 1-element tensor, as PyTorch's
    return index(self.reshape({1}), std::vector<std::optional<Tensor>>{mask.reshape({1})});
  return index(self.expand(shape), std::vector<std::optional<Tensor>>{mask.expand(shape)});
}

// Sorting brings equal values together: a value starts a group where it differs from the one
// before, the groups' starts give the counts, and the running count of starts each element's
// group, scattered back through the sort's permutation.
namespace {
// From `sorted` (self's entries along dim 0 in order `perm`) and `starts` (true where a run of
// equal entries begins): the first of each run, each input entry's run, each run's length.
std::tuple<Tensor, Tensor, Tensor> runs_of(const Tensor& sorted, const Tensor& perm, const Tensor& starts,
                                           bool return_inverse, bool return_counts) {
  const int64_t n = perm.numel();
  const TensorOptions longs = TensorOptions().dtype(kInt64).device(perm.device());
  Tensor values = index(sorted, std::vector<std::optional<Tensor>>{starts});
  Tensor inverse, counts;
  if (return_inverse) {  // in place: no zeros to fill, no copy of them to scatter into
    inverse = empty({n}, longs);
    inverse.scatter_(0, perm, cumsum(starts, 0, kInt64).sub_(1));
  }
  if (return_counts) counts = diff(nonzero(starts).reshape({-1}), 1, 0, {}, full({1}, n, longs));
  return {values, inverse, counts};
}

Tensor true_then(const Tensor& rest) {
  return cat({ones({1}, TensorOptions().dtype(kBool).device(rest.device())), rest});
}
}  // namespace

std::tuple<Tensor, Tensor, Tensor> unique(const Tensor& self, bool return_inverse, bool return_counts,
                                          SourceLoc loc) {
  detail::ApiScope scope("unique", loc);
  ops::check_defined("unique", self, "input");
  NoGradGuard no_grad;
  const Tensor flat = self.reshape({-1});
  const int64_t n = flat.numel();
  const TensorOptions longs = TensorOptions().dtype(kInt64).device(self.device());
  if (n == 0)
    return {flat.clone(), return_inverse ? zeros(self.sizes(), longs) : Tensor(),
            return_counts ? zeros({0}, longs) : Tensor()};
  auto [sorted, perm] = sort(flat, 0, false, true);
  const Tensor starts = true_then(ne(sorted.narrow(0, 1, n - 1), sorted.narrow(0, 0, n - 1)));
  auto [values, inverse, counts] = runs_of(sorted, perm, starts, return_inverse, return_counts);
  return {values, return_inverse ? inverse.reshape(self.sizes()) : inverse, counts};
}

std::tuple<Tensor, Tensor, Tensor> unique_dim(const Tensor& self, int64_t dim, bool return_inverse, bool return_counts,
                                              SourceLoc loc) {
  detail::ApiScope scope("unique_dim", loc);
  ops::check_defined("unique_dim", self, "input");
  TG_CHECK(self.dim() > 0, "unique_dim: a 0-dim tensor has no dim {}", dim);
  const int d = wrap_dim(dim, self.dim(), "unique_dim");
  NoGradGuard no_grad;
  const Tensor slices = movedim(self, d, 0);
  const int64_t n = slices.sizes()[0];
  const TensorOptions longs = TensorOptions().dtype(kInt64).device(self.device());
  if (n == 0)
    return {self.clone(), return_inverse ? zeros({0}, longs) : Tensor(), return_counts ? zeros({0}, longs) : Tensor()};
  // Slices as rows, ordered lexicographically: stable sorts by each column, the last first.
  const Tensor rows = slices.reshape({n, -1});
  Tensor perm = arange(n, longs);
  for (int64_t c = rows.sizes()[1] - 1; c >= 0; --c)
    perm = perm.index_select(0, argsort(rows.select(1, c).index_select(0, perm), 0, false, /*stable=*/true));
  const Tensor sorted = rows.index_select(0, perm);
  const Tensor starts = true_then(ne(sorted.narrow(0, 1, n - 1), sorted.narrow(0, 0, n - 1)).any(1));
  auto [values, inverse, counts] = runs_of(sorted, perm, starts, return_inverse, return_counts);
  Shape shape = slices.sizes();
  shape[0] = values.sizes()[0];
  return {movedim(values.reshape(shape), 0, d), inverse, counts};
}

tensor_list unravel_index(const Tensor& indices, const Shape& shape, SourceLoc loc) {
  detail::ApiScope scope("unravel_index", loc);
  ops::check_defined("unravel_index", indices, "indices");
  TG_CHECK_TYPE(!is_floating_point(indices.dtype()) && indices.dtype() != kBool,
                "unravel_index: expected 'indices' to be an integer tensor, but got {}", indices.dtype());
  std::vector<int64_t> sizes(shape.begin(), shape.end()), strides(shape.size(), 1);
  for (int64_t s : sizes)
    TG_CHECK_VALUE(s >= 0, "unravel_index: 'shape' cannot have negative values, but got {}", shape);
  for (int d = static_cast<int>(sizes.size()) - 2; d >= 0; --d) strides[d] = strides[d + 1] * sizes[d + 1];
  // As PyTorch: floor division by each dim's stride, then the remainder by its size (so an index
  // past the end wraps around instead of failing).
  const TensorOptions opts = TensorOptions(kInt64).device(indices.device());
  const Tensor flat = indices.to(kInt64).unsqueeze(-1);
  const Tensor coords = remainder(floor_divide(flat, tensor(strides, opts)), tensor(sizes, opts));
  return unbind(coords, -1);
}

}  // namespace tg
