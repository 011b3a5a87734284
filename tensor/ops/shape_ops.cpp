// cat/stack, split/chunk/unbind, repeat, flip, roll, pad, tril/triu.
#include <algorithm>

#include "autograd/derivatives/derivatives.h"
#include "tapegrad/tensor/ops.h"
#include "tensor/ops/common.h"
#include "tensor/ops/inplace.h"

namespace tg {

Tensor cat(const tensor_list& tensors, int64_t dim, SourceLoc loc) {
  detail::ApiScope scope("cat", loc);
  TG_CHECK(!tensors.empty(), "cat: expected a non-empty list of tensors");
  const Tensor& first = tensors[0];
  for (size_t i = 0; i < tensors.size(); ++i) TG_CHECK(tensors[i].defined(), "cat: tensor {} is undefined", i);
  TG_CHECK(first.dim() > 0, "cat: zero-dimensional tensor (at position 0) cannot be concatenated");
  const int d = wrap_dim(dim, first.dim(), "cat");
  ops::ResultType rt;
  int64_t total = 0;
  for (size_t i = 0; i < tensors.size(); ++i) {
    const Tensor& t = tensors[i];
    ops::check_same_device("cat", first, t);
    TG_CHECK(t.dim() == first.dim(), "cat: tensor {} has {} dims but tensor 0 has {} (shapes {} and {})", i, t.dim(),
             first.dim(), t.sizes(), first.sizes());
    for (int k = 0; k < t.dim(); ++k)
      TG_CHECK(k == d || t.sizes()[k] == first.sizes()[k],
               "cat: sizes must match except in dim {}; tensor {} has shape {} but tensor 0 has shape {}", d, i,
               t.sizes(), first.sizes());
    rt.add(t);
    total += t.sizes()[d];
  }
  const DType dtype = rt.result();
  Shape shape = first.sizes();
  shape[d] = total;
  kernels::backend(first.device(), "cat");
  Tensor out = ops::empty(shape, dtype, first.device());
  int64_t offset = 0;
  for (const Tensor& t : tensors) {
    Shape part = shape;
    part[d] = t.sizes()[d];
    ops::copy_into(ops::alias(out, part, out.strides(), offset * out.strides()[d]), t);
    offset += t.sizes()[d];
  }
  if (is_inexact(dtype) && autograd::needs_grad(tensors))
    autograd::set_history(out, autograd::derivatives::cat_node(tensors, d));
  return out;
}

Tensor stack(const tensor_list& tensors, int64_t dim, SourceLoc loc) {
  detail::ApiScope scope("stack", loc);
  TG_CHECK(!tensors.empty(), "stack: expected a non-empty list of tensors");
  for (size_t i = 0; i < tensors.size(); ++i) {
    TG_CHECK(tensors[i].defined(), "stack: tensor {} is undefined", i);
    TG_CHECK(tensors[i].sizes() == tensors[0].sizes(),
             "stack: expects tensors of equal shape, but tensor 0 has shape {} and tensor {} has shape {}",
             tensors[0].sizes(), i, tensors[i].sizes());
  }
  const int d = wrap_dim(dim, tensors[0].dim() + 1, "stack");
  tensor_list parts;
  parts.reserve(tensors.size());
  for (const Tensor& t : tensors) parts.push_back(t.unsqueeze(d));
  return cat(parts, d);
}

namespace {

// A view of part of self, `offset` elements past self's own offset.
Tensor piece(const Tensor& self, const Shape& sizes, const Shape& strides, int64_t offset) {
  Tensor out = ops::alias(self, sizes, strides, self.storage_offset() + offset);
  autograd::set_view_base(out, self);
  return out;
}

}  // namespace

tensor_list split_with_sizes(const Tensor& self, const std::vector<int64_t>& split_sizes, int64_t dim, SourceLoc loc) {
  detail::ApiScope scope("split_with_sizes", loc);
  ops::check_defined("split", self, "input");
  TG_CHECK(self.dim() > 0, "split: cannot split a 0-dim tensor");
  const int d = wrap_dim(dim, self.dim(), "split");
  int64_t total = 0;
  for (int64_t s : split_sizes) {
    TG_CHECK_VALUE(s >= 0, "split: negative size {} in {}", s, fmt::join(split_sizes, ", "));
    total += s;
  }
  TG_CHECK_VALUE(total == self.sizes()[d], "split: sizes [{}] add up to {} but dim {} has size {}",
                 fmt::join(split_sizes, ", "), total, d, self.sizes()[d]);
  tensor_list out;
  int64_t start = 0;
  for (int64_t s : split_sizes) {
    Shape sizes = self.sizes();
    sizes[d] = s;
    out.push_back(piece(self, sizes, self.strides(), start * self.strides()[d]));
    start += s;
  }
  // One node for all pieces: its backward concatenates their gradients, where one node per
  // piece would each scatter into a zero tensor of the whole input.
  if (autograd::needs_grad(self)) autograd::set_history(out, autograd::derivatives::split_node(self, d));
  return out;
}

tensor_list split(const Tensor& self, int64_t split_size, int64_t dim, SourceLoc loc) {
  detail::ApiScope scope("split", loc);
  ops::check_defined("split", self, "input");
  TG_CHECK(self.dim() > 0, "split: cannot split a 0-dim tensor");
  const int d = wrap_dim(dim, self.dim(), "split");
  const int64_t size = self.sizes()[d];
  TG_CHECK_VALUE(split_size > 0 || (split_size == 0 && size == 0), "split: split_size must be positive, got {}",
                 split_size);
  std::vector<int64_t> sizes;
  for (int64_t start = 0; start < size; start += split_size) sizes.push_back(std::min(split_size, size - start));
  if (sizes.empty()) sizes.push_back(0);
  return split_with_sizes(self, sizes, d);
}

tensor_list chunk(const Tensor& self, int64_t chunks, int64_t dim, SourceLoc loc) {
  detail::ApiScope scope("chunk", loc);
  ops::check_defined("chunk", self, "input");
  TG_CHECK_VALUE(chunks > 0, "chunk: number of chunks must be positive, got {}", chunks);
  TG_CHECK(self.dim() > 0, "chunk: cannot split a 0-dim tensor");
  const int d = wrap_dim(dim, self.dim(), "chunk");
  const int64_t size = self.sizes()[d];
  // An empty dim gives `chunks` empty pieces, as PyTorch's chunk does.
  if (size == 0) return split_with_sizes(self, std::vector<int64_t>(static_cast<size_t>(chunks), 0), d);
  return split(self, std::max<int64_t>(1, (size + chunks - 1) / chunks), d);
}

tensor_list unbind(const Tensor& self, int64_t dim, SourceLoc loc) {
  detail::ApiScope scope("unbind", loc);
  ops::check_defined("unbind", self, "input");
  TG_CHECK(self.dim() > 0, "unbind: cannot unbind a 0-dim tensor");
  const int d = wrap_dim(dim, self.dim(), "unbind");
  Shape sizes = self.sizes(), strides = self.strides();
  sizes.erase(d);
  strides.erase(d);
  tensor_list out;
  for (int64_t i = 0; i < self.sizes()[d]; ++i) out.push_back(piece(self, sizes, strides, i * self.strides()[d]));
  if (autograd::needs_grad(self)) autograd::set_history(out, autograd::derivatives::unbind_node(self, d));
  return out;
}

Tensor repeat(const Tensor& self, const Shape& repeats, SourceLoc loc) {
  detail::ApiScope scope("repeat", loc);
  ops::check_defined("repeat", self, "input");
  TG_CHECK(repeats.size() >= self.dim(), "repeat: {} repeats {} are fewer than the tensor's {} dims", repeats.size(),
           repeats, self.dim());
  TG_CHECK(2 * repeats.size() <= kMaxDims, "repeat: at most {} repeat counts are supported, got {}", kMaxDims / 2,
           repeats.size());
  for (int64_t r : repeats) TG_CHECK_VALUE(r >= 0, "repeat: negative repeat count in {}", repeats);
  const int lead = repeats.size() - self.dim();
  // [s0, s1] repeated [r0, r1]: view as [1, s0, 1, s1], expand to [r0, s0, r1, s1], flatten pairs.
  Shape interleaved, expanded, result;
  for (int i = 0; i < repeats.size(); ++i) {
    const int64_t s = i < lead ? 1 : self.sizes()[i - lead];
    interleaved.push_back(1);
    interleaved.push_back(s);
    expanded.push_back(repeats[i]);
    expanded.push_back(s);
    result.push_back(repeats[i] * s);
  }
  return self.reshape(interleaved).expand(expanded).reshape(result);
}

Tensor flip(const Tensor& self, const Shape& dims, SourceLoc loc) {
  detail::ApiScope scope("flip", loc);
  ops::check_defined("flip", self, "input");
  uint32_t mask = 0;
  for (int64_t d : dims) {
    const int w = wrap_dim(d, self.dim(), "flip");
    TG_CHECK(!(mask & (1u << w)), "flip: dim {} appears more than once in {}", w, dims);
    mask |= 1u << w;
  }
  Shape strides = self.strides();
  int64_t offset = self.storage_offset();
  for (int d = 0; d < self.dim(); ++d) {
    if (!(mask & (1u << d)) || self.sizes()[d] == 0) continue;
    offset += (self.sizes()[d] - 1) * strides[d];
    strides[d] = -strides[d];
  }
  // A reversed-stride alias is only ever read by the copy here; it never escapes.
  Tensor out = ops::clone_raw(ops::alias(self, self.sizes(), strides, offset));
  Shape wrapped;
  for (int d = 0; d < self.dim(); ++d)
    if (mask & (1u << d)) wrapped.push_back(d);
  if (autograd::needs_grad(self)) autograd::set_history(out, autograd::derivatives::flip_node(self, wrapped));
  return out;
}

Tensor roll(const Tensor& self, const Shape& shifts, const Shape& dims, SourceLoc loc) {
  detail::ApiScope scope("roll", loc);
  ops::check_defined("roll", self, "input");
  if (dims.empty()) {
    TG_CHECK(shifts.size() == 1, "roll: without dims, expected one shift, got {}", shifts);
    return roll(self.flatten(), shifts, {0}).view(self.sizes());
  }
  TG_CHECK(shifts.size() == dims.size(), "roll: got {} shifts {} for {} dims {}", shifts.size(), shifts, dims.size(),
           dims);
  Tensor r = self;
  for (int i = 0; i < dims.size(); ++i) {
    const int d = wrap_dim(dims[i], self.dim(), "roll");
    const int64_t size = self.sizes()[d];
    if (size == 0) continue;
    const int64_t s = ((shifts[i] % size) + size) % size;
    if (s == 0) continue;
    r = cat({r.narrow(d, size - s, s), r.narrow(d, 0, size - s)}, d);
  }
  return r.is_same(self) ? self.clone() : r;
}

Tensor pad(const Tensor& self, const std::vector<int64_t>& pad, const Scalar& value, SourceLoc loc) {
  detail::ApiScope scope("pad", loc);
  ops::check_defined("pad", self, "input");
  TG_CHECK_VALUE(pad.size() % 2 == 0, "pad: the padding list must have an even length, got {}", pad.size());
  TG_CHECK_VALUE(static_cast<int>(pad.size()) / 2 <= self.dim(),
                 "pad: {} padding values pad {} dims but the input has only {} (shape {})", pad.size(), pad.size() / 2,
                 self.dim(), self.sizes());
  Shape shape = self.sizes();
  Shape in_start = Shape::filled(self.dim(), 0), in_len = self.sizes(), out_start = Shape::filled(self.dim(), 0);
  for (size_t i = 0; i < pad.size() / 2; ++i) {
    const int d = self.dim() - 1 - static_cast<int>(i);
    const int64_t left = pad[2 * i], right = pad[2 * i + 1];
    shape[d] = self.sizes()[d] + left + right;
    TG_CHECK_VALUE(shape[d] >= 0, "pad: padding ({}, {}) of dim {} of size {} gives a negative size", left, right, d,
                   self.sizes()[d]);
    in_start[d] = std::max<int64_t>(0, -left);
    in_len[d] = std::max<int64_t>(0, self.sizes()[d] - in_start[d] - std::max<int64_t>(0, -right));
    out_start[d] = std::max<int64_t>(0, left);
  }
  kernels::backend(self.device(), "pad");
  Tensor out = ops::empty(shape, self.dtype(), self.device());
  ops::fill_into(out, value);
  if (in_len.numel() > 0) {
    int64_t out_off = 0, in_off = self.storage_offset();
    for (int d = 0; d < self.dim(); ++d) {
      out_off += out_start[d] * out.strides()[d];
      in_off += in_start[d] * self.strides()[d];
    }
    ops::copy_into(ops::alias(out, in_len, out.strides(), out_off), ops::alias(self, in_len, self.strides(), in_off));
  }
  if (is_inexact(self.dtype()) && autograd::needs_grad(self))
    autograd::set_history(out, autograd::derivatives::pad_node(self, pad));
  return out;
}

namespace {
// The kernel over contiguous `in` into `out` (which may be in); returns the diagonal it used.
int64_t run_triangle(const char* name, const Tensor& in, void* out, int64_t diagonal, bool lower) {
  const int64_t rows = in.sizes()[in.dim() - 2], cols = in.sizes()[in.dim() - 1];
  const int64_t batch = rows * cols == 0 ? 0 : in.numel() / (rows * cols);
  // Past these bounds every element, or none, is kept; clamped, row + diagonal cannot overflow.
  diagonal = std::clamp(diagonal, -rows - 1, cols + 1);
  kernels::backend(in.device(), name).triangle(in.dtype(), batch, rows, cols, diagonal, lower, out, in.data_ptr());
  return diagonal;
}

Tensor triangle(const char* name, const Tensor& self, int64_t diagonal, bool lower) {
  ops::check_defined(name, self, "input");
  TG_CHECK(self.dim() >= 2, "{}: expects a tensor with at least 2 dims, got shape {}", name, self.sizes());
  Tensor out = ops::empty(self.sizes(), self.dtype(), self.device());
  diagonal = run_triangle(name, ops::contiguous(self), out.data_ptr(), diagonal, lower);
  if (is_inexact(self.dtype()) && autograd::needs_grad(self))
    autograd::set_history(out, autograd::derivatives::triangle_node(self, diagonal, lower));
  return out;
}

// A contiguous self outside recording has its other triangle zeroed where it lies; otherwise
// the result is computed aside and copied in.
const Tensor& triangle_(const Tensor& self, int64_t diagonal, bool lower) {
  const char* name = lower ? "tril_" : "triu_";
  if (!self.defined() || autograd::needs_grad(self) || !self.is_contiguous() || self.dim() < 2)
    return ops::inplace_via_copy(self, name, [&](const Tensor& s) { return triangle(name, s, diagonal, lower); });
  autograd::check_inplace(self, name);
  run_triangle(name, self, self.data_ptr(), diagonal, lower);
  ops::bump_version(self);
  return self;
}
}  // namespace

Tensor tril(const Tensor& self, int64_t diagonal, SourceLoc loc) {
  detail::ApiScope scope("tril", loc);
  return triangle("tril", self, diagonal, true);
}
Tensor triu(const Tensor& self, int64_t diagonal, SourceLoc loc) {
  detail::ApiScope scope("triu", loc);
  return triangle("triu", self, diagonal, false);
}
const Tensor& tril_(const Tensor& self, int64_t diagonal, SourceLoc loc) {
  detail::ApiScope scope("tril_", loc);
  return triangle_(self, diagonal, true);
}
const Tensor& triu_(const Tensor& self, int64_t diagonal, SourceLoc loc) {
  detail::ApiScope scope("triu_", loc);
  return triangle_(self, diagonal, false);
}

const Tensor& fill_diagonal_(const Tensor& self, const Scalar& value, bool wrap, SourceLoc loc) {
  detail::ApiScope scope("fill_diagonal_", loc);
  ops::check_defined("fill_diagonal_", self, "input");
  TG_CHECK(self.dim() >= 2, "fill_diagonal_: needs a tensor of 2 or more dims, got shape {}", self.sizes());
  int64_t length = self.sizes()[0], step = 0;
  const Shape strides = contiguous_strides(self.sizes());
  for (int d = 0; d < self.dim(); ++d) {
    TG_CHECK(self.dim() == 2 || self.sizes()[d] == self.sizes()[0],
             "fill_diagonal_: past 2 dims, every dim must have the same size, got shape {}", self.sizes());
    length = std::min(length, self.sizes()[d]);
    step += strides[d];
  }
  // The diagonal's places in the flat tensor: k * step, for k below the diagonal's length (or,
  // wrapping, for as long as they lie in the tensor).
  if (wrap && self.dim() == 2 && self.sizes()[0] > self.sizes()[1]) length = (self.numel() + step - 1) / step;
  const Tensor places = arange(length, TensorOptions(kInt64).device(self.device())) * step;
  return ops::inplace_via_copy(self, "fill_diagonal_", [&](const Tensor& s) {
    return index_fill(s.reshape({-1}), 0, places, value).view(s.sizes());
  });
}

Tensor ravel(const Tensor& self, SourceLoc loc) {
  detail::ApiScope scope("ravel", loc);
  ops::check_defined("ravel", self, "input");
  return self.reshape({-1});
}

}  // namespace tg
