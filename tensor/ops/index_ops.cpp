// Indexing: PyTorch's index / index_put_ (basic views plus advanced gathers), index_select,
// gather/scatter, masked_fill, nonzero, sort/argsort/topk.
#include <algorithm>
#include <cmath>
#include <limits>

#include "autograd/derivatives/derivatives.h"
#include "tapegrad/autograd/grad_mode.h"
#include "tapegrad/tensor/ops.h"
#include "tensor/ops/common.h"
#include "tensor/ops/inplace.h"
#include "tensor/ops/internal.h"

namespace tg {

TensorIndex::TensorIndex(const char* s) : kind_(Kind::Ellipsis) {
  TG_CHECK_VALUE(std::string_view(s) == "...", "TensorIndex: the only string index is \"...\", got \"{}\"", s);
}

namespace {

using OptionalIndices = std::vector<std::optional<Tensor>>;

// An advanced index resolved against a tensor: int64 index arrays broadcast to one shape,
// range-checked, and the layout of the result.
struct AdvancedIndex {
  OptionalIndices indices;            // per dim: the checked int64 index (broadcast, contiguous)
  Shape result_shape;
  Shape broadcast;                    // the indices' common shape
  std::vector<int> indexed, rest;     // indexed dims; the others, in order
  int insert_at = 0;                  // where the broadcast dims go in the result
};

OptionalIndices expand_masks(const char* name, const Tensor& self, const OptionalIndices& given) {
  TG_CHECK_INDEX(given.size() <= static_cast<size_t>(self.dim()), "{}: too many indices ({}) for a tensor with {} dims",
                 name, given.size(), self.dim());
  OptionalIndices out;
  int dim = 0;
  for (const auto& idx : given) {
    if (!idx || !idx->defined()) {
      out.emplace_back(std::nullopt);
      ++dim;
      continue;
    }
    const Tensor& t = *idx;
    if (t.dtype() == kBool || t.dtype() == kUInt8) {
      TG_CHECK_INDEX(dim + t.dim() <= self.dim(), "{}: a mask of shape {} at dim {} reaches past the tensor's {} dims",
                     name, t.sizes(), dim, self.dim());
      for (int k = 0; k < t.dim(); ++k)
        TG_CHECK_INDEX(t.sizes()[k] == self.sizes()[dim + k],
                       "{}: the shape of the mask {} at dim {} does not match the shape of the indexed tensor {}", name,
                       t.sizes(), dim, self.sizes());
      Tensor nz = nonzero(t.dtype() == kBool ? t : ne(t, 0));
      for (int k = 0; k < t.dim(); ++k) out.emplace_back(nz.select(1, k));
      dim += t.dim();
    } else {
      TG_CHECK_INDEX(is_integral(t.dtype(), false),
                     "{}: tensors used as indices must be integer or bool tensors, got {}", name, t.dtype());
      out.emplace_back(t);
      ++dim;
    }
  }
  TG_CHECK_INDEX(out.size() <= static_cast<size_t>(self.dim()), "{}: too many indices ({}) for a tensor with {} dims",
                 name, out.size(), self.dim());
  while (out.size() < static_cast<size_t>(self.dim())) out.emplace_back(std::nullopt);
  return out;
}

AdvancedIndex resolve(const char* name, const Tensor& self, const OptionalIndices& given) {
  AdvancedIndex a;
  a.indices = expand_masks(name, self, given);
  for (int d = 0; d < self.dim(); ++d) {
    if (a.indices[d]) {
      ops::check_same_device(name, self, *a.indices[d]);
      a.broadcast = a.indexed.empty() ? a.indices[d]->sizes() : broadcast_shapes(a.broadcast, a.indices[d]->sizes(), name);
      a.indexed.push_back(d);
    } else {
      a.rest.push_back(d);
    }
  }
  if (a.indexed.empty()) return a;
  const auto& be = kernels::backend(self.device(), name);
  for (int d : a.indexed) {
    Tensor idx = ops::contiguous(ops::cast(*a.indices[d], kInt64).expand(a.broadcast));
    Tensor checked = ops::empty(a.broadcast, kInt64, self.device());
    const int64_t size = self.sizes()[d];
    const int64_t bad = be.check_indices(idx.data_ptr<int64_t>(), checked.data_ptr<int64_t>(), idx.numel(), size);
    if (bad >= 0) {
      // The offending value, read from wherever the indices live.
      const Tensor value = ops::alias(idx, Shape{}, Shape{}, idx.storage_offset() + bad);
      TG_FAIL_INDEX("{}: index {} is out of bounds for dim {} with size {}", name, value.item<int64_t>(), d, size);
    }
    a.indices[d] = checked;
  }
  bool adjacent = true;
  for (size_t i = 1; i < a.indexed.size(); ++i) adjacent &= a.indexed[i] == a.indexed[i - 1] + 1;
  a.insert_at = adjacent ? a.indexed[0] : 0;
  for (int d : a.rest)
    if (d < a.insert_at) a.result_shape.push_back(self.sizes()[d]);
  for (int64_t s : a.broadcast) a.result_shape.push_back(s);
  for (int d : a.rest)
    if (d >= a.insert_at) a.result_shape.push_back(self.sizes()[d]);
  return a;
}

// Geometry for moving elements between `self` (indexed) and a contiguous tensor of the result
// shape. self_is_source: gather (index); otherwise put (index_put).
kernels::IndexGeometry geometry(const AdvancedIndex& a, const Tensor& self, bool self_is_source) {
  kernels::IndexGeometry g;
  g.nindex = static_cast<int>(a.indexed.size());
  for (int k = 0; k < g.nindex; ++k) {
    g.indices[k] = a.indices[a.indexed[k]]->data_ptr<int64_t>();
    g.index_strides[k] = self.strides()[a.indexed[k]];
  }
  g.count = a.broadcast.numel();
  const Shape rstrides = contiguous_strides(a.result_shape);
  const int nb = a.broadcast.size();
  int64_t position_stride = 1;
  for (int d : a.rest)
    if (d >= a.insert_at) position_stride *= self.sizes()[d];
  g.block_ndim = static_cast<int>(a.rest.size());
  for (size_t i = 0; i < a.rest.size(); ++i) {
    const int d = a.rest[i];
    const int rpos = d < a.insert_at ? static_cast<int>(i) : static_cast<int>(i) + nb;
    g.block_sizes[i] = self.sizes()[d];
    (self_is_source ? g.block_src_strides : g.block_dst_strides)[i] = self.strides()[d];
    (self_is_source ? g.block_dst_strides : g.block_src_strides)[i] = rstrides[rpos];
  }
  (self_is_source ? g.dst_position_stride : g.src_position_stride) = position_stride;
  return g;
}

void put_raw(const char* name, const Tensor& self, const AdvancedIndex& a, const Tensor& values, bool accumulate) {
  const auto& be = kernels::backend(self.device(), name);
  TG_CHECK(broadcast_shapes(a.result_shape, values.sizes(), name) == a.result_shape,
           "{}: values of shape {} cannot be broadcast to the indexed shape {}", name, values.sizes(), a.result_shape);
  Tensor v = ops::contiguous(ops::cast(values, self.dtype()).expand(a.result_shape));
  be.index_put(self.dtype(), geometry(a, self, false), self.data_ptr(), v.data_ptr(), accumulate);
}

// Basic indexing (ints, slices, None, Ellipsis, bool scalars) as views; the tensor indices left
// for advanced indexing, one optional per dim of the view.
std::pair<Tensor, OptionalIndices> apply_basic(const char* name, const Tensor& self, const std::vector<TensorIndex>& indices) {
  int specified = 0, ellipses = 0;
  for (const TensorIndex& i : indices) {
    switch (i.kind()) {
      case TensorIndex::Kind::Integer:
      case TensorIndex::Kind::Slice: ++specified; break;
      case TensorIndex::Kind::Tensor:
        // A mask covers its own dims; a 0-dim one adds a dim, as a bool scalar does.
        specified += (i.tensor().dtype() == kBool || i.tensor().dtype() == kUInt8) ? i.tensor().dim() : 1;
        break;
      case TensorIndex::Kind::Ellipsis: ++ellipses; break;
      default: break;
    }
  }
  TG_CHECK_INDEX(ellipses <= 1, "{}: an index can only have a single ellipsis (\"...\")", name);
  TG_CHECK_INDEX(specified <= self.dim(), "{}: too many indices for a tensor with {} dims: {} were indexed", name,
                 self.dim(), specified);
  Tensor result = self;
  OptionalIndices adv;  // only ever has entries for dims before `dim`
  // `dim` counts the result's dims; those that None and bool scalars add are inserted at the end,
  // at the positions in `added`: inserted as met, [None] * 5 + [0, 0, 0] on a 4-d tensor (a 6-d
  // result) passed through 9 dims, more than a tensor may have.
  int dim = 0;
  std::vector<int> added;
  const auto built = [&] { return dim - static_cast<int>(added.size()); };  // `dim` in `result` so far
  auto set_adv = [&](int d, Tensor t) {
    adv.resize(static_cast<size_t>(d) + 1);
    adv[static_cast<size_t>(d)] = std::move(t);
  };
  // A bool scalar adds a dim of size 1, which a false one then empties, as in NumPy.
  auto bool_index = [&](bool value) {
    added.push_back(dim);
    if (!value) set_adv(dim, zeros({0}, TensorOptions(kInt64).device(self.device())));
    ++dim;
  };
  for (const TensorIndex& i : indices) {
    switch (i.kind()) {
      case TensorIndex::Kind::Integer:
        result = result.select(built(), i.integer());
        break;
      case TensorIndex::Kind::Slice:
        result = result.slice(built(), i.slice().start, i.slice().stop, i.slice().step);
        ++dim;
        break;
      case TensorIndex::Kind::None:
        added.push_back(dim);
        ++dim;
        break;
      case TensorIndex::Kind::Ellipsis: dim += self.dim() - specified; break;
      case TensorIndex::Kind::Boolean: bool_index(i.boolean()); break;
      case TensorIndex::Kind::Tensor: {
        const Tensor& t = i.tensor();
        TG_CHECK_INDEX(t.defined(), "{}: an index tensor is undefined", name);
        const bool mask = t.dtype() == kBool || t.dtype() == kUInt8;
        if (mask && t.dim() == 0) {
          bool_index(t.item<bool>());
        } else {
          set_adv(dim, t);
          dim += mask ? t.dim() : 1;
        }
        break;
      }
    }
  }
  for (int d : added) result = result.unsqueeze(d);  // in increasing order: each lands where counted
  return {result, adv};
}

bool any_defined(const OptionalIndices& idx) {
  return std::any_of(idx.begin(), idx.end(), [](const auto& t) { return t.has_value() && t->defined(); });
}

Tensor index_impl(const Tensor& self, const OptionalIndices& indices) {
  ops::check_defined("index", self, "input");
  AdvancedIndex a = resolve("index", self, indices);
  if (a.indexed.empty()) return self;
  const auto& be = kernels::backend(self.device(), "index");
  Tensor out = ops::empty(a.result_shape, self.dtype(), self.device());
  be.index_gather(self.dtype(), geometry(a, self, true), out.data_ptr(), self.data_ptr());
  if (is_inexact(self.dtype()) && autograd::needs_grad(self))
    autograd::set_history(out, autograd::derivatives::index_node(self, a.indices));
  return out;
}

const Tensor& index_put_impl(const Tensor& self, const OptionalIndices& indices, const Tensor& values, bool accumulate) {
  ops::check_defined("index_put_", self, "input");
  ops::check_defined("index_put_", values, "values");
  ops::check_same_device("index_put_", self, values);
  TG_CHECK_TYPE(can_cast(values.dtype(), self.dtype()), "index_put_: values of dtype {} can't be written into a {} tensor",
                values.dtype(), self.dtype());
  autograd::check_inplace(self, "index_put_");
  AdvancedIndex a = resolve("index_put_", self, indices);
  const bool record = is_inexact(self.dtype()) && autograd::needs_grad(self, values);
  if (a.indexed.empty()) {
    return accumulate ? self.add_(values) : self.copy_(values);
  }
  put_raw("index_put_", self, a, values, accumulate);
  ops::bump_version(self);
  if (record)
    autograd::rebase_history(self, autograd::derivatives::index_put_node(self, a.indices, values, accumulate));
  return self;
}

}  // namespace

Tensor index(const Tensor& self, const std::vector<std::optional<Tensor>>& indices, SourceLoc loc) {
  detail::ApiScope scope("index", loc);
  return index_impl(self, indices);
}

Tensor index(const Tensor& self, const std::vector<TensorIndex>& indices, SourceLoc loc) {
  detail::ApiScope scope("index", loc);
  ops::check_defined("index", self, "input");
  auto [view, adv] = apply_basic("index", self, indices);
  return any_defined(adv) ? index_impl(view, adv) : view;
}

Tensor index_put(const Tensor& self, const std::vector<std::optional<Tensor>>& indices, const Tensor& values,
                 bool accumulate, SourceLoc loc) {
  detail::ApiScope scope("index_put", loc);
  ops::check_defined("index_put", self, "input");
  ops::check_defined("index_put", values, "values");
  AdvancedIndex a = resolve("index_put", self, indices);
  Tensor out = ops::clone_raw(self);
  if (a.indexed.empty()) {
    AutoGradMode no_grad(false);
    accumulate ? out.add_(values) : out.copy_(values);
  } else {
    put_raw("index_put", out, a, values, accumulate);
  }
  if (is_inexact(self.dtype()) && autograd::needs_grad(self, values))
    autograd::set_history(out, autograd::derivatives::index_put_node(self, a.indices, values, accumulate));
  return out;
}

Tensor ops::index_put_into_zeros(const Shape& shape, const std::vector<std::optional<Tensor>>& indices,
                                 const Tensor& values) {
  Tensor out = zeros(shape, values.options());
  AdvancedIndex a = resolve("index_put", out, indices);
  if (a.indexed.empty()) return tg::index_put(out, indices, values, /*accumulate=*/true);
  put_raw("index_put", out, a, values, /*accumulate=*/true);
  if (is_inexact(values.dtype()) && autograd::needs_grad(values))
    autograd::set_history(out, autograd::derivatives::index_put_node(out, a.indices, values, /*accumulate=*/true));
  return out;
}

const Tensor& index_put_(const Tensor& self, const std::vector<TensorIndex>& indices, const Tensor& values,
                         bool accumulate, SourceLoc loc) {
  detail::ApiScope scope("index_put_", loc);
  ops::check_defined("index_put_", self, "input");
  auto [view, adv] = apply_basic("index_put_", self, indices);
  if (!any_defined(adv)) {
    ops::check_defined("index_put_", values, "values");
    // Leading size-1 dims of the values are dropped, as in x[0] = y with y of shape [1, n].
    Tensor v = values;
    while (v.dim() > view.dim() && v.sizes()[0] == 1) v = v.squeeze(0);
    return accumulate ? (view.add_(v), self) : (view.copy_(v), self);
  }
  index_put_impl(view, adv, values, accumulate);
  return self;
}

Tensor index_select(const Tensor& self, int64_t dim, const Tensor& index, SourceLoc loc) {
  detail::ApiScope scope("index_select", loc);
  ops::check_defined("index_select", self, "input");
  ops::check_defined("index_select", index, "index");
  TG_CHECK_INDEX(index.dim() <= 1, "index_select: the index must be 1-D, got shape {}", index.sizes());
  TG_CHECK_INDEX(is_integral(index.dtype(), false), "index_select: the index must be an integer tensor, got {}",
                 index.dtype());
  const int d = wrap_dim(dim, self.dim(), "index_select");
  if (self.dim() == 0) return index_impl(self.unsqueeze(0), {index.reshape({-1})}).squeeze(0);
  OptionalIndices idx(static_cast<size_t>(d) + 1);
  idx[static_cast<size_t>(d)] = index.reshape({-1});
  return index_impl(self, idx);
}

// ---- gather / scatter -------------------------------------------------------------------------

namespace {

// The index of gather and the scatters as a contiguous int64 tensor: int32 ones widened, as PyTorch
// takes them too.
Tensor dim_index_int64(const char* name, const Tensor& index) {
  TG_CHECK_INDEX(index.dtype() == kInt64 || index.dtype() == kInt32,
                 "{}: the index must be an int64 or int32 tensor, got {}", name, index.dtype());
  return index.dtype() == kInt64 ? ops::contiguous(index) : index.to(kInt64);
}

// Checks index values lie in [0, size) and returns the index as a contiguous int64 tensor.
Tensor checked_dim_index(const char* name, const Tensor& index, int64_t size, int dim) {
  Tensor idx = dim_index_int64(name, index);
  if (idx.numel() == 0) return idx;
  const int64_t lo = amin(idx).item<int64_t>(), hi = amax(idx).item<int64_t>();
  TG_CHECK_INDEX(lo >= 0 && hi < size, "{}: index {} is out of bounds for dim {} with size {}", name, lo < 0 ? lo : hi,
                 dim, size);
  return idx;
}

kernels::DimIndexGeometry dim_index_geometry(const Tensor& index, const Tensor& self, const Shape& other_strides, int d) {
  kernels::DimIndexGeometry g;
  g.ndim = index.dim();
  g.dim = d;
  g.dim_size = self.dim() == 0 ? 1 : self.sizes()[d];
  const Shape is = contiguous_strides(index.sizes());
  for (int i = 0; i < index.dim(); ++i) {
    g.sizes[i] = index.sizes()[i];
    g.index_strides[i] = is[i];
    g.self_strides[i] = self.strides()[i];
    g.other_strides[i] = other_strides[i];
  }
  return g;
}

void check_scatter_shapes(const char* name, const Tensor& self, const Tensor& index, const Tensor* src, int d) {
  if (index.numel() == 0) return;  // PyTorch's rule: an empty index selects nothing, whatever its shape
  TG_CHECK(index.dim() == self.dim(), "{}: the index has {} dims but the tensor has {} (shapes {} and {})", name,
           index.dim(), self.dim(), index.sizes(), self.sizes());
  for (int i = 0; i < index.dim(); ++i) {
    TG_CHECK(i == d || index.sizes()[i] <= self.sizes()[i],
             "{}: the index's size {} at dim {} exceeds the tensor's size {} (shapes {} and {})", name, index.sizes()[i],
             i, self.sizes()[i], index.sizes(), self.sizes());
    if (src)
      TG_CHECK(index.sizes()[i] <= src->sizes()[i],
               "{}: the index's size {} at dim {} exceeds the source's size {} (shapes {} and {})", name,
               index.sizes()[i], i, src->sizes()[i], index.sizes(), src->sizes());
  }
}

void scatter_raw(const char* name, const Tensor& self, int d, const Tensor& idx, const Tensor& src,
                 kernels::ScatterReduce reduce) {
  const auto& be = kernels::backend(self.device(), name);
  Tensor s = ops::cast(src, self.dtype());
  be.scatter(self.dtype(), dim_index_geometry(idx, self, s.strides(), d), self.data_ptr(), s.data_ptr(),
             idx.data_ptr<int64_t>(), reduce);
}
void scatter_raw(const char* name, const Tensor& self, int d, const Tensor& idx, const Tensor& src, bool add) {
  scatter_raw(name, self, d, idx, src, add ? kernels::ScatterReduce::Add : kernels::ScatterReduce::Assign);
}

void check_scatter_operands(const char* name, const Tensor& self, const Tensor& index, const Tensor& src) {
  ops::check_defined(name, self, "input");
  ops::check_defined(name, index, "index");
  ops::check_defined(name, src, "src");
  ops::check_same_device(name, self, index);
  ops::check_same_device(name, self, src);
}

// scatter_reduce's reductions: the kernel's combine, and the value that leaves any element as
// it is (where include_self is false, the places written to start from it).
struct ScatterReduction {
  kernels::ScatterReduce combine;
  bool mean;
  Scalar identity;
};

ScatterReduction scatter_reduction(const char* name, std::string_view reduce, DType dt) {
  using kernels::ScatterReduce;
  const bool f = is_floating_point(dt);
  const auto extreme = [&](bool lowest) -> Scalar {
    if (f) return lowest ? -INFINITY : INFINITY;
    switch (dt) {
      case kBool:
        return Scalar(!lowest);
      case kUInt8:
        return lowest ? 0 : 255;
      case kInt8:
        return lowest ? -128 : 127;
      case kInt16:
        return lowest ? -32768 : 32767;
      case kInt32:
        return lowest ? int64_t{std::numeric_limits<int32_t>::min()} : int64_t{std::numeric_limits<int32_t>::max()};
      default:
        return lowest ? std::numeric_limits<int64_t>::min() : std::numeric_limits<int64_t>::max();
    }
  };
  if (reduce == "sum") return {ScatterReduce::Add, false, 0};
  if (reduce == "mean") return {ScatterReduce::Add, true, 0};
  if (reduce == "prod") return {ScatterReduce::Mul, false, 1};
  if (reduce == "amax") return {ScatterReduce::Max, false, extreme(true)};
  if (reduce == "amin") return {ScatterReduce::Min, false, extreme(false)};
  TG_FAIL_VALUE("{}: reduce must be one of sum, prod, mean, amax and amin, got '{}'", name, reduce);
}

// PyTorch reads a 0-dim self as a tensor of one element here: an index of one dim and one element
// (a src of one dim and any) works on it as a 0-dim one, its first element.
Tensor scalar_operand(const Tensor& self, const Tensor& t, bool is_index) {
  if (self.dim() != 0 || t.dim() != 1 || t.numel() == 0 || (is_index && t.numel() != 1)) return t;
  return t.narrow(0, 0, 1).reshape({});
}

Tensor scatter_impl(const char* name, const Tensor& self, int64_t dim, const Tensor& index_in, const Tensor& src_in,
                    bool add, bool inplace) {
  check_scatter_operands(name, self, index_in, src_in);
  const Tensor index = scalar_operand(self, index_in, true), src = scalar_operand(self, src_in, false);
  const int d = wrap_dim(dim, self.dim(), name);
  check_scatter_shapes(name, self, index, &src, d);
  TG_CHECK_TYPE(can_cast(src.dtype(), self.dtype()), "{}: a {} source can't be written into a {} tensor", name,
                src.dtype(), self.dtype());
  if (index.numel() == 0) return inplace ? self : clone(self);
  Tensor idx = checked_dim_index(name, index, self.dim() == 0 ? 1 : self.sizes()[d], d);
  const bool record = is_inexact(self.dtype()) && autograd::needs_grad(self, src);
  if (inplace) {
    autograd::check_inplace(self, name);
    scatter_raw(name, self, d, idx, src, add);
    ops::bump_version(self);
    if (record) autograd::rebase_history(self, autograd::derivatives::scatter_node(self, d, idx, src, add));
    return self;
  }
  Tensor out = ops::clone_raw(self);
  scatter_raw(name, out, d, idx, src, add);
  if (record) autograd::set_history(out, autograd::derivatives::scatter_node(self, d, idx, src, add));
  return out;
}

Tensor scatter_reduce_impl(const char* name, const Tensor& self, int64_t dim, const Tensor& index_in,
                           const Tensor& src_in, std::string_view reduce, bool include_self) {
  check_scatter_operands(name, self, index_in, src_in);
  const Tensor index = scalar_operand(self, index_in, true), src = scalar_operand(self, src_in, false);
  TG_CHECK_TYPE(self.dtype() == src.dtype(), "{}: self ({}) and src ({}) must have the same dtype", name, self.dtype(),
                src.dtype());
  const ScatterReduction r = scatter_reduction(name, reduce, self.dtype());
  const int d = wrap_dim(dim, self.dim(), name);
  check_scatter_shapes(name, self, index, &src, d);
  if (index.numel() == 0) return clone(self);
  const Tensor idx = checked_dim_index(name, index, self.dim() == 0 ? 1 : self.sizes()[d], d);
  Tensor out = ops::clone_raw(self);
  if (!include_self) scatter_raw(name, out, d, idx, full(idx.sizes(), r.identity, out.options()), false);
  scatter_raw(name, out, d, idx, src, r.combine);
  if (r.mean) {
    // Each place's count: itself (unless left out) and every element that landed on it.
    AutoGradMode no_grad(false);
    Tensor count = ones(self.sizes(), self.options());
    if (!include_self) scatter_raw(name, count, d, idx, zeros(idx.sizes(), count.options()), false);
    scatter_raw(name, count, d, idx, ones(idx.sizes(), count.options()), true);
    out = self.is_floating_point() ? div(out, count) : floor_divide(out, count);
  }
  if (is_inexact(self.dtype()) && autograd::needs_grad(self, src))
    autograd::set_history(out,
                          autograd::derivatives::scatter_reduce_node(self, d, idx, src, reduce, include_self, out));
  return out;
}

}  // namespace

Tensor gather(const Tensor& self, int64_t dim, const Tensor& index_in, SourceLoc loc) {
  detail::ApiScope scope("gather", loc);
  ops::check_defined("gather", self, "input");
  ops::check_defined("gather", index_in, "index");
  ops::check_same_device("gather", self, index_in);
  const Tensor index = scalar_operand(self, index_in, true);
  if (!index.is_same(index_in)) return gather(self, dim, index).reshape(index_in.sizes());  // the index's shape
  const int d = wrap_dim(dim, self.dim(), "gather");
  check_scatter_shapes("gather", self, index, nullptr, d);
  // The kernel checks the index as it reads it (one pass instead of three).
  Tensor idx = dim_index_int64("gather", index);
  if (index.numel() == 0) return self.reshape({-1}).narrow(0, 0, 0).reshape(index.sizes());  // a view: zero gradient
  const auto& be = kernels::backend(self.device(), "gather");
  Tensor out = ops::empty(index.sizes(), self.dtype(), self.device());
  const kernels::DimIndexGeometry g = dim_index_geometry(idx, self, out.strides(), d);
  const int64_t bad = be.gather(self.dtype(), g, out.data_ptr(), self.data_ptr(), idx.data_ptr<int64_t>());
  TG_CHECK_INDEX(bad < 0, "gather: index {} is out of bounds for dim {} with size {}",
                 bad < 0 ? 0 : idx.reshape({-1})[bad].item<int64_t>(), d, g.dim_size);
  if (is_inexact(self.dtype()) && autograd::needs_grad(self))
    autograd::set_history(out, autograd::derivatives::gather_node(self, d, idx));
  return out;
}

Tensor scatter(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& src, SourceLoc loc) {
  detail::ApiScope scope("scatter", loc);
  return scatter_impl("scatter", self, dim, index, src, false, false);
}
Tensor scatter(const Tensor& self, int64_t dim, const Tensor& index, const Scalar& value, SourceLoc loc) {
  detail::ApiScope scope("scatter", loc);
  ops::check_defined("scatter", self, "input");
  ops::check_defined("scatter", index, "index");
  return scatter_impl("scatter", self, dim, index, full(index.sizes(), value, self.options()), false, false);
}
const Tensor& scatter_(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& src, SourceLoc loc) {
  detail::ApiScope scope("scatter_", loc);
  scatter_impl("scatter_", self, dim, index, src, false, true);
  return self;
}
const Tensor& scatter_(const Tensor& self, int64_t dim, const Tensor& index, const Scalar& value, SourceLoc loc) {
  detail::ApiScope scope("scatter_", loc);
  ops::check_defined("scatter_", self, "input");
  ops::check_defined("scatter_", index, "index");
  scatter_impl("scatter_", self, dim, index, full(index.sizes(), value, self.options()), false, true);
  return self;
}
Tensor scatter_add(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& src, SourceLoc loc) {
  detail::ApiScope scope("scatter_add", loc);
  return scatter_impl("scatter_add", self, dim, index, src, true, false);
}
const Tensor& scatter_add_(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& src, SourceLoc loc) {
  detail::ApiScope scope("scatter_add_", loc);
  scatter_impl("scatter_add_", self, dim, index, src, true, true);
  return self;
}

Tensor scatter_reduce(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& src, std::string_view reduce,
                      bool include_self, SourceLoc loc) {
  detail::ApiScope scope("scatter_reduce", loc);
  return scatter_reduce_impl("scatter_reduce", self, dim, index, src, reduce, include_self);
}
const Tensor& scatter_reduce_(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& src,
                              std::string_view reduce, bool include_self, SourceLoc loc) {
  detail::ApiScope scope("scatter_reduce_", loc);
  check_scatter_operands("scatter_reduce_", self, index, src);
  autograd::check_inplace(self, "scatter_reduce_");
  // While recording, the op reads a clone: its node saves self, which the copy overwrites.
  const bool record = autograd::needs_grad(self, src);
  return self.copy_(
      scatter_reduce_impl("scatter_reduce_", record ? clone(self) : self, dim, index, src, reduce, include_self));
}

// ---- masks ------------------------------------------------------------------------------------

namespace {
// In place, the mask broadcasts to self's shape; out of place, the two broadcast together.
void check_mask(const char* name, const Tensor& self, const Tensor& mask, bool inplace = true) {
  ops::check_defined(name, self, "input");
  ops::check_defined(name, mask, "mask");
  TG_CHECK_TYPE(mask.dtype() == kBool, "{}: the mask must be a bool tensor, got {}", name, mask.dtype());
  const Shape shape = broadcast_shapes(self.sizes(), mask.sizes(), name);
  TG_CHECK(!inplace || shape == self.sizes(), "{}: the mask of shape {} is not broadcastable to the tensor's shape {}",
           name, mask.sizes(), self.sizes());
}
}  // namespace

Tensor masked_fill(const Tensor& self, const Tensor& mask, const Scalar& value, SourceLoc loc) {
  detail::ApiScope scope("masked_fill", loc);
  check_mask("masked_fill", self, mask, /*inplace=*/false);
  return where(mask, ops::wrapped_scalar(value, self.dtype(), self.device()), self);
}
Tensor masked_fill(const Tensor& self, const Tensor& mask, const Tensor& value, SourceLoc loc) {
  detail::ApiScope scope("masked_fill", loc);
  check_mask("masked_fill", self, mask, /*inplace=*/false);
  ops::check_defined("masked_fill", value, "value");
  TG_CHECK(value.dim() == 0, "masked_fill: the value must be a 0-dim tensor, got shape {}", value.sizes());
  return where(mask, value.to(self.dtype()), self);
}
const Tensor& masked_fill_(const Tensor& self, const Tensor& mask, const Scalar& value, SourceLoc loc) {
  detail::ApiScope scope("masked_fill_", loc);
  check_mask("masked_fill_", self, mask);
  return ops::inplace_via_copy(self, "masked_fill_", [&](const Tensor& s) { return masked_fill(s, mask, value); });
}
const Tensor& masked_fill_(const Tensor& self, const Tensor& mask, const Tensor& value, SourceLoc loc) {
  detail::ApiScope scope("masked_fill_", loc);
  check_mask("masked_fill_", self, mask);
  return ops::inplace_via_copy(self, "masked_fill_", [&](const Tensor& s) { return masked_fill(s, mask, value); });
}

Tensor nonzero(const Tensor& self, SourceLoc loc) {
  detail::ApiScope scope("nonzero", loc);
  ops::check_defined("nonzero", self, "input");
  const auto& be = kernels::backend(self.device(), "nonzero");
  Tensor in = ops::contiguous(self);
  const int64_t n = be.count_nonzero(in.dtype(), in.data_ptr(), in.numel());
  Tensor out = ops::empty({n, self.dim()}, kInt64, self.device());
  be.nonzero(in.dtype(), in.data_ptr(), in.sizes(), out.data_ptr<int64_t>());
  return out;
}

// ---- sorting ------------------------------------------------------------------------------------

namespace {
std::tuple<Tensor, Tensor> sort_impl(const char* name, const Tensor& self, int64_t dim, int64_t k, bool descending,
                                     bool stable) {
  const int d = wrap_dim(dim, self.dim(), name);
  const int64_t size = self.dim() == 0 ? 1 : self.sizes()[d];
  TG_CHECK_INDEX(k >= 0 && k <= size, "{}: k ({}) is out of range for dim {} of size {}", name, k, d, size);
  // A 0-dim tensor's result is its one element whatever k (0 too, as PyTorch's): never left unwritten.
  if (self.dim() == 0) k = 1;
  const auto& be = kernels::backend(self.device(), name);
  Tensor in = ops::contiguous(self);
  Shape shape = self.sizes();
  if (self.dim() > 0) shape[d] = k;
  Tensor values = ops::empty(shape, self.dtype(), self.device());
  Tensor indices = ops::empty(shape, kInt64, self.device());
  be.sort(self.dtype(), ops::dim_geometry(self.sizes(), d, k), values.data_ptr(), indices.data_ptr<int64_t>(),
          in.data_ptr(), k, descending, stable);
  if (is_inexact(self.dtype()) && autograd::needs_grad(self))
    autograd::set_history(values, autograd::derivatives::sorted_values_node(name, self, d, indices));
  return {values, indices};
}
}  // namespace

std::tuple<Tensor, Tensor> sort(const Tensor& self, int64_t dim, bool descending, bool stable, SourceLoc loc) {
  detail::ApiScope scope("sort", loc);
  ops::check_defined("sort", self, "input");
  const int d = wrap_dim(dim, self.dim(), "sort");
  return sort_impl("sort", self, d, self.dim() == 0 ? 1 : self.sizes()[d], descending, stable);
}

Tensor argsort(const Tensor& self, int64_t dim, bool descending, bool stable, SourceLoc loc) {
  detail::ApiScope scope("argsort", loc);
  return std::get<1>(sort(self.detach(), dim, descending, stable));
}

std::tuple<Tensor, Tensor> topk(const Tensor& self, int64_t k, int64_t dim, bool largest, bool sorted, SourceLoc loc) {
  detail::ApiScope scope("topk", loc);
  ops::check_defined("topk", self, "input");
  static_cast<void>(sorted);  // results always come sorted
  return sort_impl("topk", self, dim, k, largest, false);
}

}  // namespace tg
