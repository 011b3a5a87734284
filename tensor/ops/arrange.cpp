// Splits at indices, NumPy's stacks, flips and quarter turns, diagonal and block matrices,
// Kronecker and Cartesian products, combinations, take_along_dim and the triangles' indices:
// composed of views, cat, where and gather, so their gradients are those ops' and they run on
// every device.
#include <algorithm>
#include <numeric>

#include "autograd/record.h"
#include "tapegrad/tensor/factories.h"
#include "tapegrad/tensor/ops.h"
#include "tensor/ops/common.h"

namespace tg {

tensor_list tensor_split(const Tensor& self, int64_t sections, int64_t dim, SourceLoc loc) {
  detail::ApiScope scope("tensor_split", loc);
  ops::check_defined("tensor_split", self, "input");
  TG_CHECK(self.dim() > 0, "tensor_split: expected at least a 1-dimensional tensor");
  TG_CHECK_VALUE(sections > 0, "tensor_split: number of sections must be greater than 0, got {}", sections);
  const int d = wrap_dim(dim, self.dim(), "tensor_split");
  const int64_t n = self.sizes()[d], base = n / sections, extra = n % sections;
  std::vector<int64_t> sizes(static_cast<size_t>(sections), base);
  for (int64_t i = 0; i < extra; ++i) sizes[static_cast<size_t>(i)] += 1;
  return split_with_sizes(self, sizes, d);
}

tensor_list tensor_split(const Tensor& self, const std::vector<int64_t>& indices, int64_t dim, SourceLoc loc) {
  detail::ApiScope scope("tensor_split", loc);
  ops::check_defined("tensor_split", self, "input");
  TG_CHECK(self.dim() > 0, "tensor_split: expected at least a 1-dimensional tensor");
  const int d = wrap_dim(dim, self.dim(), "tensor_split");
  // Slices between consecutive indices, by Python's slicing rules (negative ones count from the end).
  tensor_list out;
  std::optional<int64_t> start = 0;
  for (int64_t i : indices) {
    out.push_back(slice(self, d, start, i, 1));
    start = i;
  }
  out.push_back(slice(self, d, start, std::nullopt, 1));
  return out;
}

namespace {

// hsplit, vsplit, dsplit: tensor_split along `dim` of a tensor of at least `min_dims` dims.
tensor_list split_along(const char* op, const Tensor& self, int64_t min_dims, int64_t dim,
                        const std::optional<int64_t>& sections, const std::vector<int64_t>& indices) {
  ops::check_defined(op, self, "input");
  TG_CHECK(self.dim() >= min_dims, "{}: requires a tensor with at least {} dimension{}, but got a tensor with {}", op,
           min_dims, min_dims == 1 ? "" : "s", self.dim());
  if (!sections) return tensor_split(self, indices, dim);
  const int64_t n = self.sizes()[static_cast<int>(dim)];
  TG_CHECK_VALUE(*sections > 0 && n % *sections == 0,
                 "{}: the size {} of dimension {} is not divisible by the number of sections {}", op, n, dim, *sections);
  return tensor_split(self, *sections, dim);
}

int64_t hsplit_dim(const Tensor& self) { return self.defined() && self.dim() == 1 ? 0 : 1; }

tensor_list at_least(const tensor_list& tensors, Tensor (*f)(const Tensor&, SourceLoc)) {
  tensor_list out;
  for (const Tensor& t : tensors) out.push_back(f(t, SourceLoc::current()));
  return out;
}

}  // namespace

tensor_list hsplit(const Tensor& self, int64_t sections, SourceLoc loc) {
  detail::ApiScope scope("hsplit", loc);
  return split_along("hsplit", self, 1, hsplit_dim(self), sections, {});
}
tensor_list hsplit(const Tensor& self, const std::vector<int64_t>& indices, SourceLoc loc) {
  detail::ApiScope scope("hsplit", loc);
  return split_along("hsplit", self, 1, hsplit_dim(self), std::nullopt, indices);
}
tensor_list vsplit(const Tensor& self, int64_t sections, SourceLoc loc) {
  detail::ApiScope scope("vsplit", loc);
  return split_along("vsplit", self, 2, 0, sections, {});
}
tensor_list vsplit(const Tensor& self, const std::vector<int64_t>& indices, SourceLoc loc) {
  detail::ApiScope scope("vsplit", loc);
  return split_along("vsplit", self, 2, 0, std::nullopt, indices);
}
tensor_list dsplit(const Tensor& self, int64_t sections, SourceLoc loc) {
  detail::ApiScope scope("dsplit", loc);
  return split_along("dsplit", self, 3, 2, sections, {});
}
tensor_list dsplit(const Tensor& self, const std::vector<int64_t>& indices, SourceLoc loc) {
  detail::ApiScope scope("dsplit", loc);
  return split_along("dsplit", self, 3, 2, std::nullopt, indices);
}

Tensor atleast_1d(const Tensor& self, SourceLoc loc) {
  detail::ApiScope scope("atleast_1d", loc);
  ops::check_defined("atleast_1d", self, "input");
  return self.dim() == 0 ? self.reshape({1}) : self;
}

Tensor atleast_2d(const Tensor& self, SourceLoc loc) {
  detail::ApiScope scope("atleast_2d", loc);
  ops::check_defined("atleast_2d", self, "input");
  if (self.dim() >= 2) return self;
  return self.dim() == 0 ? self.reshape({1, 1}) : self.unsqueeze(0);
}

Tensor atleast_3d(const Tensor& self, SourceLoc loc) {
  detail::ApiScope scope("atleast_3d", loc);
  ops::check_defined("atleast_3d", self, "input");
  switch (self.dim()) {
    case 0: return self.reshape({1, 1, 1});
    case 1: return self.unsqueeze(0).unsqueeze(2);  // NumPy's [1, n, 1]
    case 2: return self.unsqueeze(2);
    default: return self;
  }
}

Tensor hstack(const tensor_list& tensors, SourceLoc loc) {
  detail::ApiScope scope("hstack", loc);
  TG_CHECK(!tensors.empty(), "hstack: expected a non-empty list of tensors");
  const tensor_list parts = at_least(tensors, &atleast_1d);
  return cat(parts, parts[0].dim() == 1 ? 0 : 1);
}

Tensor vstack(const tensor_list& tensors, SourceLoc loc) {
  detail::ApiScope scope("vstack", loc);
  TG_CHECK(!tensors.empty(), "vstack: expected a non-empty list of tensors");
  return cat(at_least(tensors, &atleast_2d), 0);
}

Tensor dstack(const tensor_list& tensors, SourceLoc loc) {
  detail::ApiScope scope("dstack", loc);
  TG_CHECK(!tensors.empty(), "dstack: expected a non-empty list of tensors");
  return cat(at_least(tensors, &atleast_3d), 2);
}

Tensor column_stack(const tensor_list& tensors, SourceLoc loc) {
  detail::ApiScope scope("column_stack", loc);
  TG_CHECK(!tensors.empty(), "column_stack: expected a non-empty list of tensors");
  tensor_list columns;
  for (size_t i = 0; i < tensors.size(); ++i) {
    TG_CHECK(tensors[i].defined(), "column_stack: tensor {} is undefined", i);
    columns.push_back(tensors[i].dim() <= 1 ? tensors[i].reshape({tensors[i].numel(), 1}) : tensors[i]);
  }
  return cat(columns, 1);
}

Tensor fliplr(const Tensor& self, SourceLoc loc) {
  detail::ApiScope scope("fliplr", loc);
  ops::check_defined("fliplr", self, "input");
  TG_CHECK(self.dim() >= 2, "fliplr: input must be at least 2-D, got shape {}", self.sizes());
  return self.flip({1});
}

Tensor flipud(const Tensor& self, SourceLoc loc) {
  detail::ApiScope scope("flipud", loc);
  ops::check_defined("flipud", self, "input");
  TG_CHECK(self.dim() >= 1, "flipud: input must be at least 1-D, got a 0-D tensor");
  return self.flip({0});
}

Tensor rot90(const Tensor& self, int64_t k, const Shape& dims, SourceLoc loc) {
  detail::ApiScope scope("rot90", loc);
  ops::check_defined("rot90", self, "input");
  TG_CHECK(dims.size() == 2, "rot90: expected two rotation dims, got {}", dims);
  TG_CHECK(self.dim() >= 2, "rot90: expected a tensor of at least 2 dims, got shape {}", self.sizes());
  const int d0 = wrap_dim(dims[0], self.dim(), "rot90"), d1 = wrap_dim(dims[1], self.dim(), "rot90");
  TG_CHECK(d0 != d1, "rot90: the rotation dims must differ, got {}", dims);
  switch (((k % 4) + 4) % 4) {
    case 1: return self.flip({d1}).transpose(d0, d1);
    case 2: return self.flip({d0, d1});
    case 3: return self.flip({d0}).transpose(d0, d1);
    default: return self.clone();
  }
}

Tensor diag_embed(const Tensor& self, int64_t offset, int64_t dim1, int64_t dim2, SourceLoc loc) {
  detail::ApiScope scope("diag_embed", loc);
  ops::check_defined("diag_embed", self, "input");
  TG_CHECK(self.dim() >= 1, "diag_embed: expected a tensor of at least 1 dim, got a 0-D tensor");
  const int k = self.dim() + 1;
  const int d1 = wrap_dim(dim1, k, "diag_embed"), d2 = wrap_dim(dim2, k, "diag_embed");
  TG_CHECK(d1 != d2, "diag_embed: diagonal dimensions cannot be identical {}, {}", dim1, dim2);
  const int64_t m = self.sizes()[k - 2], n = m + std::abs(offset);
  Shape perm = Shape::filled(k, 0);  // the [..., n, n] result's last two dims to d1 and d2
  for (int j = 0, batch = 0; j < k; ++j) perm[j] = j == d1 ? k - 2 : j == d2 ? k - 1 : batch++;
  if (!autograd::needs_grad(self)) {
    // Nothing to differentiate: zeros with the diagonal copied in (the where below took 3.7x
    // PyTorch's time).
    Shape shape = self.sizes();
    shape.push_back(n);
    shape[k - 2] = n;
    Tensor out = zeros(shape, self.options());
    ops::copy_into(out.diagonal(offset, -2, -1), self);
    return out.permute(perm);
  }
  // Row i of [..., n, n] holds x[i] (padded to n) where column - row == offset: a where, so that
  // infinities stay on the diagonal.
  const Tensor x = pad(self, offset >= 0 ? std::vector<int64_t>{0, offset} : std::vector<int64_t>{-offset, 0});
  const Tensor idx = arange(n, TensorOptions(kInt64).device(self.device()));
  const Tensor on_diagonal = eq(idx.unsqueeze(0) - idx.unsqueeze(1), offset);
  const Tensor full_matrix = where(on_diagonal, x.unsqueeze(-1), zeros({}, self.options()));
  return full_matrix.permute(perm);
}

Tensor diagflat(const Tensor& self, int64_t offset, SourceLoc loc) {
  detail::ApiScope scope("diagflat", loc);
  ops::check_defined("diagflat", self, "input");
  return diag(self.reshape({-1}), offset);
}

Tensor block_diag(const tensor_list& tensors, SourceLoc loc) {
  detail::ApiScope scope("block_diag", loc);
  if (tensors.empty()) return empty({1, 0});
  tensor_list blocks;
  DType dtype = tensors[0].defined() ? tensors[0].dtype() : kFloat32;
  int64_t cols = 0;
  for (size_t i = 0; i < tensors.size(); ++i) {
    const Tensor& t = tensors[i];
    TG_CHECK(t.defined(), "block_diag: tensor {} is undefined", i);
    TG_CHECK(t.dim() <= 2, "block_diag: input tensors must have 2 or fewer dimensions, tensor {} has shape {}", i,
             t.sizes());
    ops::check_same_device("block_diag", tensors[0], t);
    blocks.push_back(t.dim() == 2 ? t : t.reshape({1, t.numel()}));
    dtype = promote_types(dtype, t.dtype());
    cols += blocks.back().sizes()[1];
  }
  // Each block's rows padded with zeros left and right to the full width, then the rows stacked.
  tensor_list rows;
  int64_t before = 0;
  for (const Tensor& b : blocks) {
    const int64_t w = b.sizes()[1];
    rows.push_back(pad(b.to(dtype), {before, cols - before - w}));
    before += w;
  }
  return cat(rows, 0);
}

Tensor kron(const Tensor& self, const Tensor& other, SourceLoc loc) {
  detail::ApiScope scope("kron", loc);
  ops::check_defined("kron", self, "input");
  ops::check_defined("kron", other, "other");
  ops::check_same_device("kron", self, other);
  const int nd = std::max(self.dim(), other.dim());
  TG_CHECK(2 * nd <= kMaxDims, "kron: at most {} dims are supported, got {} and {}", kMaxDims / 2, self.sizes(),
           other.sizes());
  // a as [a0, 1, a1, 1, ...], b as [1, b0, 1, b1, ...]: their product is [a0, b0, a1, b1, ...].
  Shape a_shape, b_shape, out_shape;
  for (int i = 0; i < nd; ++i) {
    const int ia = i - (nd - self.dim()), ib = i - (nd - other.dim());
    const int64_t a = ia >= 0 ? self.sizes()[ia] : 1, b = ib >= 0 ? other.sizes()[ib] : 1;
    a_shape.push_back(a);
    a_shape.push_back(1);
    b_shape.push_back(1);
    b_shape.push_back(b);
    out_shape.push_back(a * b);
  }
  return (self.reshape(a_shape) * other.reshape(b_shape)).reshape(out_shape);
}

Tensor cartesian_prod(const tensor_list& tensors, SourceLoc loc) {
  detail::ApiScope scope("cartesian_prod", loc);
  TG_CHECK(!tensors.empty(), "cartesian_prod: expected a non-empty list of tensors");
  for (size_t i = 0; i < tensors.size(); ++i)
    TG_CHECK(tensors[i].defined() && tensors[i].dim() == 1, "cartesian_prod: expected 1-D tensors, tensor {} has shape {}",
             i, tensors[i].defined() ? tensors[i].sizes() : Shape{});
  if (tensors.size() == 1) return tensors[0];
  tensor_list columns;
  for (const Tensor& g : meshgrid(tensors, "ij")) columns.push_back(g.reshape({-1}));
  return stack(columns, 1);
}

Tensor combinations(const Tensor& self, int64_t r, bool with_replacement, SourceLoc loc) {
  detail::ApiScope scope("combinations", loc);
  ops::check_defined("combinations", self, "input");
  TG_CHECK(self.dim() == 1, "combinations: expected a 1-D tensor, got shape {}", self.sizes());
  TG_CHECK_VALUE(r >= 0, "combinations: r must be non-negative, got {}", r);
  const int64_t n = self.numel();
  if (r == 0) return empty({0}, self.options());
  // Positions in lexicographic order: each next combination bumps the last position that can grow.
  std::vector<int64_t> flat, pos(static_cast<size_t>(r), 0);
  if (!with_replacement) std::iota(pos.begin(), pos.end(), 0);
  const bool any = with_replacement ? n > 0 : r <= n;
  while (any) {
    flat.insert(flat.end(), pos.begin(), pos.end());
    int64_t i = r - 1;
    while (i >= 0 && pos[static_cast<size_t>(i)] == (with_replacement ? n - 1 : n - r + i)) --i;
    if (i < 0) break;
    ++pos[static_cast<size_t>(i)];
    for (int64_t j = i + 1; j < r; ++j)
      pos[static_cast<size_t>(j)] = with_replacement ? pos[static_cast<size_t>(i)] : pos[static_cast<size_t>(j - 1)] + 1;
  }
  const auto count = static_cast<int64_t>(flat.size()) / r;
  if (count == 0) return empty({0, r}, self.options());
  const Tensor index = tensor(flat, TensorOptions(kInt64).device(self.device()));
  return self.index_select(0, index).view({count, r});
}

Tensor take_along_dim(const Tensor& self, const Tensor& indices, std::optional<int64_t> dim, SourceLoc loc) {
  detail::ApiScope scope("take_along_dim", loc);
  ops::check_defined("take_along_dim", self, "input");
  ops::check_defined("take_along_dim", indices, "indices");
  TG_CHECK_TYPE(indices.dtype() == kInt64 || indices.dtype() == kInt32,
                "take_along_dim: indices must be an integer tensor, got {}", indices.dtype());
  if (!dim) return self.reshape({-1}).gather(0, indices.reshape({-1}));
  TG_CHECK(self.dim() == indices.dim(), "take_along_dim: input {} and indices {} must have the same number of dims",
           self.sizes(), indices.sizes());
  const int d = wrap_dim(*dim, self.dim(), "take_along_dim");
  // Broadcast every dim but d; along d each keeps its own length.
  Shape a = self.sizes(), b = indices.sizes();
  a[d] = 1;
  b[d] = 1;
  Shape both = broadcast_shapes(a, b, "take_along_dim");
  Shape self_shape = both, index_shape = both;
  self_shape[d] = self.sizes()[d];
  index_shape[d] = indices.sizes()[d];
  return self.expand(self_shape).gather(d, indices.expand(index_shape));
}

namespace {

// The (row, col) pairs of a row x col matrix with col - row <= offset (lower) or >= offset.
Tensor triangle_indices(const char* op, int64_t row, int64_t col, int64_t offset, bool lower,
                        const TensorOptions& options) {
  TG_CHECK_VALUE(row >= 0 && col >= 0, "{}: row and col must be non-negative, got {} and {}", op, row, col);
  TG_CHECK_TYPE(options.dtype() == kInt64 || options.dtype() == kInt32, "{}: dtype must be int64 or int32, got {}", op,
                options.dtype());
  // Row i holds columns [first(i), last(i)); the pairs are written straight into the result
  // (gathering them in vectors and converting took 29x PyTorch's time).
  const auto first = [&](int64_t i) { return lower ? 0 : std::clamp<int64_t>(i + offset, 0, col); };
  const auto last = [&](int64_t i) { return lower ? std::clamp<int64_t>(i + offset + 1, 0, col) : col; };
  int64_t count = 0;
  for (int64_t i = 0; i < row; ++i) count += std::max<int64_t>(0, last(i) - first(i));
  Tensor out = empty({2, count}, TensorOptions(kInt64));
  auto* rows = static_cast<int64_t*>(out.data_ptr());
  int64_t* cols = rows + count;
  for (int64_t i = 0; i < row; ++i)
    for (int64_t j = first(i); j < last(i); ++j) {
      *rows++ = i;
      *cols++ = j;
    }
  return out.to(options.device(), options.dtype());
}

}  // namespace

Tensor tril_indices(int64_t row, int64_t col, int64_t offset, const TensorOptions& options, SourceLoc loc) {
  detail::ApiScope scope("tril_indices", loc);
  return triangle_indices("tril_indices", row, col, offset, true, options);
}

Tensor triu_indices(int64_t row, int64_t col, int64_t offset, const TensorOptions& options, SourceLoc loc) {
  detail::ApiScope scope("triu_indices", loc);
  return triangle_indices("triu_indices", row, col, offset, false, options);
}

Tensor vander(const Tensor& x, std::optional<int64_t> n, bool increasing, SourceLoc loc) {
  detail::ApiScope scope("vander", loc);
  ops::check_defined("vander", x, "x");
  TG_CHECK(x.dim() == 1, "vander: x must be a one-dimensional tensor, got shape {}", x.sizes());
  const int64_t cols = n.value_or(x.numel());
  TG_CHECK_VALUE(cols >= 0, "vander: N must be non-negative, got {}", cols);
  // Integers (bool too) give int64, as the running product does, with N = 0 too.
  const DType dtype = is_integral(x.dtype(), true) ? kInt64 : x.dtype();
  if (cols == 0) return empty({x.numel(), 0}, x.options().dtype(dtype));
  // Running products (PyTorch's way): exact for integers and with a gradient at x = 0.
  Tensor powers = cat({ones({x.numel(), 1}, x.options().dtype(dtype)), x.to(dtype).unsqueeze(1).expand({x.numel(), cols - 1})}, 1)
                      .cumprod(1);
  return increasing ? powers : powers.flip({1});
}

}  // namespace tg
