// View ops (same storage, new sizes/strides/offset), plus contiguous/clone/detach, dtype and
// device conversion, copy_ and fill_.
#include <algorithm>
#include <cstring>
#include <numeric>

#include "autograd/derivatives/derivatives.h"
#include "tapegrad/autograd/grad_mode.h"
#include "tapegrad/tensor/ops.h"
#include "tensor/ops/common.h"
#include "tensor/ops/internal.h"

namespace tg {
namespace {

struct Geometry {
  Shape sizes, strides;
  int64_t offset;
};

Geometry geometry_of(const Tensor& t) { return {t.sizes(), t.strides(), t.storage_offset()}; }
Geometry contiguous_geometry(const Shape& sizes) { return {sizes, contiguous_strides(sizes), 0}; }

// A slicing view of `self` with geometry g. `backward` is the same view taken of a contiguous
// tensor of self's shape: where its gradient goes.
Tensor make_view(const char* name, const Tensor& self, const Geometry& g, const Geometry& backward) {
  Tensor out = ops::alias(self, g.sizes, g.strides, g.offset);
  autograd::set_view_base(out, self);
  if (autograd::needs_grad(self))
    autograd::set_history(out, autograd::derivatives::strided_view_node(name, self, backward.sizes, backward.strides,
                                                                        backward.offset));
  return out;
}

Shape infer_size(const char* name, const Shape& shape, int64_t numel) {
  Shape out = shape;
  int infer = -1;
  int64_t known = 1;
  bool overflow = false;
  for (int i = 0; i < shape.size(); ++i) {
    if (shape[i] == -1) {
      TG_CHECK(infer < 0, "{}: only one dimension can be inferred (-1), got shape {}", name, shape);
      infer = i;
    } else {
      TG_CHECK(shape[i] >= 0, "{}: invalid shape {} (negative size)", name, shape);
      overflow = overflow || __builtin_mul_overflow(known, shape[i], &known);
    }
  }
  // A count past int64 wrapped (undefined, and a match for an empty tensor's 0), as ops::alias refuses.
  TG_CHECK_VALUE(!overflow, "{}: shape {} has too many elements (more than 2^63 - 1)", name, shape);
  if (infer >= 0) {
    TG_CHECK(known != 0 && numel % known == 0, "{}: shape {} is invalid for input of size {}", name, shape, numel);
    out[infer] = numel / known;
  } else {
    TG_CHECK(known == numel, "{}: shape {} is invalid for input of size {}", name, shape, numel);
  }
  return out;
}

// Strides that let a tensor of (sizes, strides) be viewed as new_sizes, if any (PyTorch's
// computeStride).
std::optional<Shape> view_strides(const Shape& old_sizes, const Shape& old_strides, const Shape& new_sizes) {
  if (old_sizes.size() == 0 || old_sizes.numel() == 0) return contiguous_strides(new_sizes);
  Shape new_strides = Shape::filled(new_sizes.size(), 1);
  int view_d = new_sizes.size() - 1;
  int64_t chunk_base_stride = old_strides.back();
  int64_t tensor_numel = 1, view_numel = 1;
  for (int tensor_d = old_sizes.size() - 1; tensor_d >= 0; --tensor_d) {
    tensor_numel *= old_sizes[tensor_d];
    if (tensor_d == 0 ||
        (old_sizes[tensor_d - 1] != 1 && old_strides[tensor_d - 1] != tensor_numel * chunk_base_stride)) {
      while (view_d >= 0 && (view_numel < tensor_numel || new_sizes[view_d] == 1)) {
        new_strides[view_d] = view_numel * chunk_base_stride;
        view_numel *= new_sizes[view_d];
        --view_d;
      }
      if (view_numel != tensor_numel) return std::nullopt;
      if (tensor_d > 0) {
        chunk_base_stride = old_strides[tensor_d - 1];
        tensor_numel = 1;
        view_numel = 1;
      }
    }
  }
  if (view_d != -1) return std::nullopt;
  return new_strides;
}

Tensor reshape_view(const char* name, const Tensor& self, const Shape& sizes, const Shape& strides) {
  Tensor out = ops::alias(self, sizes, strides, self.storage_offset());
  autograd::set_view_base(out, self);
  if (autograd::needs_grad(self)) autograd::set_history(out, autograd::derivatives::reshape_like_node(name, self));
  return out;
}

}  // namespace

Tensor view(const Tensor& self, const Shape& shape, SourceLoc loc) {
  detail::ApiScope scope("view", loc);
  ops::check_defined("view", self, "input");
  const Shape sizes = infer_size("view", shape, self.numel());
  auto strides = view_strides(self.sizes(), self.strides(), sizes);
  TG_CHECK(strides.has_value(),
           "view: shape {} is not compatible with the input's shape {} and strides {} (at least one dim spans "
           "non-contiguous memory); use reshape() instead",
           sizes, self.sizes(), self.strides());
  return reshape_view("ViewBackward", self, sizes, *strides);
}

Tensor view(const Tensor& self, DType dtype, SourceLoc loc) {
  detail::ApiScope scope("view", loc);
  ops::check_defined("view", self, "input");
  const auto from = static_cast<int64_t>(itemsize(self.dtype())), to = static_cast<int64_t>(itemsize(dtype));
  Shape sizes = self.sizes(), strides = self.strides();
  int64_t offset = self.storage_offset();
  if (from != to) {
    const auto what = fmt::format("to view {} as {} (different element sizes)", self.dtype(), dtype);
    TG_CHECK(self.dim() > 0, "view: the tensor must have a dimension {}, but it is 0-dim", what);
    TG_CHECK(strides.back() == 1, "view: the last dimension must have stride 1 {}, but its stride is {}", what,
             strides.back());
    const int last = self.dim() - 1;
    if (from > to) {  // each element becomes `ratio` smaller ones
      const int64_t ratio = from / to;
      for (int d = 0; d < last; ++d) strides[d] *= ratio;
      sizes[last] *= ratio;
      offset *= ratio;
    } else {  // `ratio` elements become one
      const int64_t ratio = to / from;
      TG_CHECK(sizes[last] % ratio == 0, "view: the last dimension's size must be divisible by {} {}, but it is {}",
               ratio, what, sizes[last]);
      for (int d = 0; d < last; ++d) {
        TG_CHECK(strides[d] % ratio == 0,
                 "view: every stride but the last must be divisible by {} {}, but stride {} is {}", ratio, what, d,
                 strides[d]);
        strides[d] /= ratio;
      }
      TG_CHECK(offset % ratio == 0, "view: the storage offset must be divisible by {} {}, but it is {}", ratio, what,
               offset);
      sizes[last] /= ratio;
      offset /= ratio;
    }
  }
  auto* impl = new TensorImpl(self.storage(), dtype, sizes, strides, offset);
  return Tensor(IntrusivePtr<TensorImpl>::make(impl));
}

Tensor reshape(const Tensor& self, const Shape& shape, SourceLoc loc) {
  detail::ApiScope scope("reshape", loc);
  ops::check_defined("reshape", self, "input");
  const Shape sizes = infer_size("reshape", shape, self.numel());
  if (auto strides = view_strides(self.sizes(), self.strides(), sizes))
    return reshape_view("ReshapeBackward", self, sizes, *strides);
  return reshape_view("ReshapeBackward", clone(self), sizes, contiguous_strides(sizes));
}

Tensor flatten(const Tensor& self, int64_t start_dim, int64_t end_dim, SourceLoc loc) {
  detail::ApiScope scope("flatten", loc);
  ops::check_defined("flatten", self, "input");
  if (self.dim() == 0) return reshape(self, {1});
  const int s = wrap_dim(start_dim, self.dim(), "flatten"), e = wrap_dim(end_dim, self.dim(), "flatten");
  TG_CHECK(s <= e, "flatten: start_dim {} comes after end_dim {}", start_dim, end_dim);
  Shape sizes;
  for (int d = 0; d < s; ++d) sizes.push_back(self.sizes()[d]);
  int64_t n = 1;
  for (int d = s; d <= e; ++d) n *= self.sizes()[d];
  sizes.push_back(n);
  for (int d = e + 1; d < self.dim(); ++d) sizes.push_back(self.sizes()[d]);
  return reshape(self, sizes);
}

Tensor unflatten(const Tensor& self, int64_t dim, const Shape& sizes, SourceLoc loc) {
  detail::ApiScope scope("unflatten", loc);
  ops::check_defined("unflatten", self, "input");
  TG_CHECK(!sizes.empty(), "unflatten: sizes must not be empty");
  const int d = wrap_dim(dim, self.dim(), "unflatten");
  const Shape inner = infer_size("unflatten", sizes, self.sizes()[d]);
  Shape out;
  for (int i = 0; i < d; ++i) out.push_back(self.sizes()[i]);
  for (int64_t s : inner) out.push_back(s);
  for (int i = d + 1; i < self.dim(); ++i) out.push_back(self.sizes()[i]);
  return view(self, out);
}

Tensor permute(const Tensor& self, const Shape& dims, SourceLoc loc) {
  detail::ApiScope scope("permute", loc);
  ops::check_defined("permute", self, "input");
  TG_CHECK(dims.size() == self.dim(), "permute: got {} dims {} for a tensor with {} dims", dims.size(), dims,
           self.dim());
  Shape wrapped = dims, sizes = dims, strides = dims;
  bool seen[kMaxDims] = {};
  for (int i = 0; i < dims.size(); ++i) {
    const int d = wrap_dim(dims[i], self.dim(), "permute");
    TG_CHECK(!seen[d], "permute: dim {} repeats in {}", d, dims);
    seen[d] = true;
    wrapped[i] = d;
    sizes[i] = self.sizes()[d];
    strides[i] = self.strides()[d];
  }
  Tensor out = ops::alias(self, sizes, strides, self.storage_offset());
  autograd::set_view_base(out, self);
  if (autograd::needs_grad(self)) autograd::set_history(out, autograd::derivatives::permute_node(self, wrapped));
  return out;
}

Tensor transpose(const Tensor& self, int64_t dim0, int64_t dim1, SourceLoc loc) {
  detail::ApiScope scope("transpose", loc);
  ops::check_defined("transpose", self, "input");
  if (self.dim() == 0) return self;
  Shape dims;
  for (int d = 0; d < self.dim(); ++d) dims.push_back(d);
  std::swap(dims[wrap_dim(dim0, self.dim(), "transpose")], dims[wrap_dim(dim1, self.dim(), "transpose")]);
  return permute(self, dims);
}

Tensor t(const Tensor& self, SourceLoc loc) {
  detail::ApiScope scope("t", loc);
  ops::check_defined("t", self, "input");
  TG_CHECK(self.dim() <= 2, "t: expects a tensor with at most 2 dims, got shape {}", self.sizes());
  return self.dim() < 2 ? transpose(self, 0, 0) : transpose(self, 0, 1);
}

Tensor movedim(const Tensor& self, int64_t source, int64_t destination, SourceLoc loc) {
  return movedim(self, Shape{source}, Shape{destination}, loc);
}

Tensor movedim(const Tensor& self, const Shape& source, const Shape& destination, SourceLoc loc) {
  detail::ApiScope scope("movedim", loc);
  ops::check_defined("movedim", self, "input");
  TG_CHECK_VALUE(source.size() == destination.size(), "movedim: source {} and destination {} name {} and {} dims",
                 source, destination, source.size(), destination.size());
  const int n = self.dim();
  const size_t places = static_cast<size_t>(std::max(n, 1));  // a 0-dim tensor's dim 0 is itself
  std::vector<int64_t> perm(places, -1);
  std::vector<bool> moved(places, false);
  for (int i = 0; i < source.size(); ++i) {
    const auto s = static_cast<size_t>(wrap_dim(source[i], n, "movedim"));
    const auto d = static_cast<size_t>(wrap_dim(destination[i], n, "movedim"));
    TG_CHECK_VALUE(!moved[s] && perm[d] < 0, "movedim: repeated dim in source {} or destination {}", source,
                   destination);
    perm[d] = static_cast<int64_t>(s);
    moved[s] = true;
  }
  if (n == 0) return permute(self, {});
  size_t next = 0;  // the dims not moved fill the free places in order
  for (auto& p : perm) {
    if (p >= 0) continue;
    while (moved[next]) ++next;
    p = static_cast<int64_t>(next++);
  }
  return permute(self, Shape(perm));
}

Tensor squeeze(const Tensor& self, SourceLoc loc) {
  detail::ApiScope scope("squeeze", loc);
  ops::check_defined("squeeze", self, "input");
  Shape sizes, strides;
  for (int d = 0; d < self.dim(); ++d) {
    if (self.sizes()[d] == 1) continue;
    sizes.push_back(self.sizes()[d]);
    strides.push_back(self.strides()[d]);
  }
  return reshape_view("SqueezeBackward", self, sizes, strides);
}

Tensor squeeze(const Tensor& self, int64_t dim, SourceLoc loc) {
  detail::ApiScope scope("squeeze", loc);
  ops::check_defined("squeeze", self, "input");
  const int d = wrap_dim(dim, self.dim(), "squeeze");
  if (self.dim() == 0 || self.sizes()[d] != 1) return reshape_view("SqueezeBackward", self, self.sizes(), self.strides());
  Shape sizes = self.sizes(), strides = self.strides();
  sizes.erase(d);
  strides.erase(d);
  return reshape_view("SqueezeBackward", self, sizes, strides);
}

// Dims of size other than 1 stay, as in PyTorch; a dim named twice is an error.
Tensor squeeze(const Tensor& self, const Shape& dims, SourceLoc loc) {
  detail::ApiScope scope("squeeze", loc);
  ops::check_defined("squeeze", self, "input");
  const int n = std::max<int>(self.dim(), 1);
  std::vector<bool> drop(n, false);
  for (int64_t dim : dims) {
    const int d = wrap_dim(dim, self.dim(), "squeeze");
    TG_CHECK_VALUE(!drop[d], "squeeze: dim {} appears multiple times in the list of dims {}", d, dims);
    drop[d] = true;
  }
  Shape sizes, strides;
  for (int d = 0; d < self.dim(); ++d) {
    if (drop[d] && self.sizes()[d] == 1) continue;
    sizes.push_back(self.sizes()[d]);
    strides.push_back(self.strides()[d]);
  }
  return reshape_view("SqueezeBackward", self, sizes, strides);
}

Tensor unsqueeze(const Tensor& self, int64_t dim, SourceLoc loc) {
  detail::ApiScope scope("unsqueeze", loc);
  ops::check_defined("unsqueeze", self, "input");
  const int d = wrap_dim(dim, self.dim() + 1, "unsqueeze");
  Shape sizes = self.sizes(), strides = self.strides();
  const int64_t st = d < self.dim() ? self.strides()[d] * self.sizes()[d] : 1;
  sizes.insert(d, 1);
  strides.insert(d, st);
  return reshape_view("UnsqueezeBackward", self, sizes, strides);
}

Tensor expand(const Tensor& self, const Shape& sizes, SourceLoc loc) {
  detail::ApiScope scope("expand", loc);
  ops::check_defined("expand", self, "input");
  TG_CHECK(sizes.size() >= self.dim(), "expand: the target shape {} has fewer dims than the tensor's shape {}", sizes,
           self.sizes());
  const int lead = sizes.size() - self.dim();
  Shape out_sizes = sizes, out_strides = Shape::filled(sizes.size(), 0);
  for (int i = 0; i < sizes.size(); ++i) {
    const int d = i - lead;
    if (d < 0) {
      TG_CHECK(sizes[i] >= 0, "expand: size -1 is not allowed in a new leading dim (target {})", sizes);
      continue;
    }
    const int64_t have = self.sizes()[d];
    const int64_t want = sizes[i] == -1 ? have : sizes[i];
    TG_CHECK(have == want || have == 1,
             "expand: the tensor's size {} at dim {} must match the target size {} or be 1 (shape {} to {})", have, d,
             want, self.sizes(), sizes);
    out_sizes[i] = want;
    out_strides[i] = have == want ? self.strides()[d] : 0;
  }
  Tensor out = ops::alias(self, out_sizes, out_strides, self.storage_offset());
  autograd::set_view_base(out, self);
  if (autograd::needs_grad(self)) autograd::set_history(out, autograd::derivatives::expand_node(self));
  return out;
}

Tensor broadcast_to(const Tensor& self, const Shape& sizes, SourceLoc loc) {
  detail::ApiScope scope("broadcast_to", loc);
  return expand(self, sizes);
}

Shape broadcast_shapes(const std::vector<Shape>& shapes, SourceLoc loc) {
  detail::ApiScope scope("broadcast_shapes", loc);
  Shape out;
  for (const Shape& s : shapes) out = tg::broadcast_shapes(out, s, "broadcast_shapes");
  return out;
}

tensor_list broadcast_tensors(const tensor_list& tensors, SourceLoc loc) {
  detail::ApiScope scope("broadcast_tensors", loc);
  Shape shape;
  for (size_t i = 0; i < tensors.size(); ++i) {
    ops::check_defined("broadcast_tensors", tensors[i], fmt::format("tensors[{}]", i).c_str());
    shape = tg::broadcast_shapes(shape, tensors[i].sizes(), "broadcast_tensors");
  }
  tensor_list out;
  out.reserve(tensors.size());
  for (const Tensor& t : tensors) out.push_back(expand(t, shape));
  return out;
}

Tensor narrow(const Tensor& self, int64_t dim, int64_t start, int64_t length, SourceLoc loc) {
  detail::ApiScope scope("narrow", loc);
  ops::check_defined("narrow", self, "input");
  TG_CHECK(self.dim() > 0, "narrow: cannot narrow a 0-dim tensor");
  const int d = wrap_dim(dim, self.dim(), "narrow");
  const int64_t size = self.sizes()[d];
  if (start < 0) start += size;
  TG_CHECK_INDEX(start >= 0 && start <= size, "narrow: start {} is out of range for dim {} of size {}", start, d, size);
  TG_CHECK_INDEX(length >= 0 && start + length <= size,
                 "narrow: start {} + length {} exceeds dim {} of size {}", start, length, d, size);
  return slice(self, d, start, start + length, 1);
}

Tensor select(const Tensor& self, int64_t dim, int64_t index, SourceLoc loc) {
  detail::ApiScope scope("select", loc);
  ops::check_defined("select", self, "input");
  TG_CHECK_INDEX(self.dim() > 0, "select: cannot index a 0-dim tensor");
  const int d = wrap_dim(dim, self.dim(), "select");
  const int64_t size = self.sizes()[d];
  TG_CHECK_INDEX(index >= -size && index < size, "select: index {} is out of range for dim {} of size {}", index, d,
                 size);
  if (index < 0) index += size;
  auto take = [&](Geometry g) {
    g.offset += index * g.strides[d];
    g.sizes.erase(d);
    g.strides.erase(d);
    return g;
  };
  const Geometry bw = take(contiguous_geometry(self.sizes()));
  return make_view("SelectBackward", self, take(geometry_of(self)), bw);
}

Tensor slice(const Tensor& self, int64_t dim, std::optional<int64_t> start, std::optional<int64_t> end, int64_t step,
             SourceLoc loc) {
  detail::ApiScope scope("slice", loc);
  ops::check_defined("slice", self, "input");
  TG_CHECK_INDEX(self.dim() > 0, "slice: cannot slice a 0-dim tensor");
  TG_CHECK_VALUE(step > 0, "slice: step must be positive, got {}", step);
  const int d = wrap_dim(dim, self.dim(), "slice");
  const int64_t size = self.sizes()[d];
  // Python's rules: negative bounds count from the end, then clamp into [0, size].
  auto clampi = [&](int64_t v) { return std::clamp<int64_t>(v < 0 ? v + size : v, 0, size); };
  const int64_t s = start ? clampi(*start) : 0;
  const int64_t e = std::max(s, end ? clampi(*end) : size);
  const int64_t len = (e - s + step - 1) / step;
  auto take = [&](Geometry g) {
    g.offset += s * g.strides[d];
    g.sizes[d] = len;
    g.strides[d] *= step;
    return g;
  };
  const Geometry bw = take(contiguous_geometry(self.sizes()));
  return make_view("SliceBackward", self, take(geometry_of(self)), bw);
}

Tensor as_strided(const Tensor& self, const Shape& sizes, const Shape& strides, std::optional<int64_t> storage_offset,
                  SourceLoc loc) {
  detail::ApiScope scope("as_strided", loc);
  ops::check_defined("as_strided", self, "input");
  TG_CHECK(sizes.size() == strides.size(), "as_strided: got {} sizes {} but {} strides {}", sizes.size(), sizes,
           strides.size(), strides);
  const int64_t offset = storage_offset.value_or(self.storage_offset());
  TG_CHECK(offset >= 0, "as_strided: negative storage offset {}", offset);
  bool empty = false;
  for (int i = 0; i < sizes.size(); ++i) {
    TG_CHECK(sizes[i] >= 0 && strides[i] >= 0, "as_strided: negative size or stride in {} / {}", sizes, strides);
    empty = empty || sizes[i] == 0;
  }
  // The last element reached (none when empty), checked for overflow: past int64 it is past any storage.
  int64_t last = empty ? -1 : offset, span = 0;
  bool beyond = false;
  for (int i = 0; i < sizes.size() && !empty && !beyond; ++i)
    beyond = __builtin_mul_overflow(sizes[i] - 1, strides[i], &span) || __builtin_add_overflow(last, span, &last);
  const int64_t capacity = static_cast<int64_t>(self.storage()->nbytes() / self.element_size());
  TG_CHECK_INDEX(!beyond && last < capacity,
                 "as_strided: sizes {}, strides {} and offset {} reach element {}, beyond the storage's {} elements",
                 sizes, strides, offset, beyond ? std::string("past 2^63 - 1") : std::to_string(last), capacity);
  if (autograd::needs_grad(self)) {
    TG_CHECK(self.is_contiguous(),
             "as_strided: gradients through as_strided need a contiguous input (got strides {}); call contiguous() "
             "first",
             self.strides());
  }
  const Geometry bw{sizes, strides, offset - self.storage_offset()};
  return make_view("AsStridedBackward", self, Geometry{sizes, strides, offset}, bw);
}

Tensor unfold(const Tensor& self, int64_t dim, int64_t size, int64_t step, SourceLoc loc) {
  detail::ApiScope scope("unfold", loc);
  ops::check_defined("unfold", self, "input");
  // A 0-dim tensor unfolds as one element, as in PyTorch.
  if (self.dim() == 0) return unfold(self.view({1}), dim, size, step).squeeze(0);
  const int d = wrap_dim(dim, self.dim(), "unfold");
  TG_CHECK_VALUE(step > 0, "unfold: step must be positive, got {}", step);
  TG_CHECK(size >= 0 && size <= self.sizes()[d], "unfold: the window size {} does not fit dim {} of size {} (shape {})",
           size, d, self.sizes()[d], self.sizes());
  auto take = [&](Geometry g) {
    const int64_t stride = g.strides[d];
    g.sizes[d] = (g.sizes[d] - size) / step + 1;
    g.strides[d] = stride * step;
    g.sizes.push_back(size);
    g.strides.push_back(stride);
    return g;
  };
  return make_view("UnfoldBackward", self, take(geometry_of(self)), take(contiguous_geometry(self.sizes())));
}

Tensor diagonal(const Tensor& self, int64_t offset, int64_t dim1, int64_t dim2, SourceLoc loc) {
  detail::ApiScope scope("diagonal", loc);
  ops::check_defined("diagonal", self, "input");
  TG_CHECK(self.dim() >= 2, "diagonal: expects at least 2 dims, got shape {}", self.sizes());
  const int d1 = wrap_dim(dim1, self.dim(), "diagonal"), d2 = wrap_dim(dim2, self.dim(), "diagonal");
  TG_CHECK(d1 != d2, "diagonal: dim1 and dim2 are both {}", d1);
  auto take = [&](Geometry g) {
    int64_t len;
    if (offset >= 0) {
      len = std::max<int64_t>(0, std::min(g.sizes[d1], g.sizes[d2] - offset));
      if (len > 0) g.offset += offset * g.strides[d2];
    } else {
      len = std::max<int64_t>(0, std::min(g.sizes[d1] + offset, g.sizes[d2]));
      if (len > 0) g.offset -= offset * g.strides[d1];
    }
    const int64_t st = g.strides[d1] + g.strides[d2];
    Shape sizes, strides;
    for (int i = 0; i < g.sizes.size(); ++i) {
      if (i == d1 || i == d2) continue;
      sizes.push_back(g.sizes[i]);
      strides.push_back(g.strides[i]);
    }
    sizes.push_back(len);
    strides.push_back(st);
    return Geometry{sizes, strides, g.offset};
  };
  const Geometry bw = take(contiguous_geometry(self.sizes()));
  return make_view("DiagonalBackward", self, take(geometry_of(self)), bw);
}

// ---- copies and conversions -----------------------------------------------------------------

Tensor clone(const Tensor& self, SourceLoc loc) {
  detail::ApiScope scope("clone", loc);
  ops::check_defined("clone", self, "input");
  Tensor out = ops::clone_raw(self);
  if (autograd::needs_grad(self)) autograd::set_history(out, autograd::derivatives::clone_node(self));
  return out;
}

Tensor contiguous(const Tensor& self, SourceLoc loc) {
  detail::ApiScope scope("contiguous", loc);
  ops::check_defined("contiguous", self, "input");
  return self.is_contiguous() ? self : clone(self);
}

Tensor detach(const Tensor& self) {
  ops::check_defined("detach", self, "input");
  return ops::alias(self);
}

namespace ops {
Tensor clone_raw(const Tensor& t) {
  Tensor out = empty(t.sizes(), t.dtype(), t.device());
  kernels::backend(t.device(), "clone")
      .copy(make_loop(out, {&t}), out.data_ptr(), t.dtype(), t.data_ptr(), t.dtype());
  return out;
}
}  // namespace ops

Tensor Tensor::to(DType dtype, bool copy, SourceLoc loc) const {
  detail::ApiScope scope("to", loc);
  ops::check_defined("to", *this, "input");
  if (dtype == this->dtype()) return copy ? tg::clone(*this) : *this;
  // Complex to real keeps the real part, as PyTorch's conversion does, when the user asks for it;
  // an op without complex support converting its input is refused instead (naming that op).
  Tensor out = ops::cast(*this, dtype, /*keep_real_part=*/detail::tls.api_depth == 1);
  if (is_inexact(dtype) && autograd::needs_grad(*this))
    autograd::set_history(out, autograd::derivatives::cast_node(*this));
  return out;
}

Tensor Tensor::to(Device device, bool copy, SourceLoc loc) const {
  detail::ApiScope scope("to", loc);
  ops::check_defined("to", *this, "input");
  if (device == this->device()) return copy ? tg::clone(*this) : *this;
  Tensor out = ops::to_device(*this, device);
  if (is_inexact(dtype()) && autograd::needs_grad(*this))
    autograd::set_history(out, autograd::derivatives::to_device_node(*this));
  return out;
}

Tensor Tensor::pin_memory(SourceLoc loc) const {
  detail::ApiScope scope("pin_memory", loc);
  ops::check_defined("pin_memory", *this, "input");
  TG_CHECK(is_cpu(), "pin_memory: only CPU tensors can be pinned, this one is on {}", device());
  if (is_pinned()) return *this;
  Tensor src = ops::contiguous(*this);
  auto storage = StorageImpl::allocate_pinned(static_cast<size_t>(numel()) * itemsize(dtype()));
  if (numel() > 0) std::memcpy(storage->data(), src.data_ptr(), storage->nbytes());
  Tensor out(IntrusivePtr<TensorImpl>::make(
      new TensorImpl(std::move(storage), dtype(), sizes(), contiguous_strides(sizes()), 0)));
  if (is_inexact(dtype()) && autograd::needs_grad(*this))
    autograd::set_history(out, autograd::derivatives::clone_node(*this));
  return out;
}

bool Tensor::is_pinned() const { return defined() && storage()->pinned(); }

namespace ops {
Tensor to_device(const Tensor& t, Device device) {
  kernels::backend(device, "to");  // names a device this build or machine does not have
  Tensor src = ops::contiguous(t);
  Tensor out = empty(t.sizes(), t.dtype(), device);
  kernels::copy_between_devices(out.data_ptr(), device, src.data_ptr(), src.device(),
                                static_cast<size_t>(t.numel()) * itemsize(t.dtype()), src.storage()->pinned());
  return out;
}
}  // namespace ops

Tensor Tensor::to(Device device, DType dtype, bool copy, SourceLoc loc) const {
  return to(device, copy, loc).to(dtype, false, loc);
}

Tensor Tensor::type_as(const Tensor& other, SourceLoc loc) const {
  TG_CHECK(other.defined(), "type_as: the other tensor is undefined");
  return to(other.dtype(), false, loc);
}
Tensor Tensor::cpu(SourceLoc loc) const { return to(Device::cpu(), false, loc); }
Tensor Tensor::cuda(int index, SourceLoc loc) const { return to(Device::cuda(index), false, loc); }

const Tensor& Tensor::copy_(const Tensor& src, SourceLoc loc) const {
  detail::ApiScope scope("copy_", loc);
  ops::check_defined("copy_", *this, "destination");
  ops::check_defined("copy_", src, "source");
  autograd::check_inplace(*this, "copy_");
  const bool record = is_inexact(dtype()) && autograd::needs_grad(*this, src);
  if (src.device() != device()) {
    // Across devices: move the source over first (broadcast and casts happen on the destination).
    Tensor moved = ops::to_device(src, device());
    ops::copy_into(*this, moved, /*keep_real_part=*/detail::tls.api_depth == 1);
  } else {
    ops::copy_into(*this, src, /*keep_real_part=*/detail::tls.api_depth == 1);
  }
  ops::bump_version(*this);
  if (record) autograd::rebase_history(*this, autograd::derivatives::copy_node(*this, src));
  return *this;
}

const Tensor& Tensor::fill_(const Scalar& value, SourceLoc loc) const {
  detail::ApiScope scope("fill_", loc);
  ops::check_defined("fill_", *this, "input");
  autograd::check_inplace(*this, "fill_");
  ops::fill_into(*this, value);
  ops::bump_version(*this);
  if (autograd::needs_grad(*this)) autograd::rebase_history(*this, autograd::derivatives::fill_node(*this, Tensor()));
  return *this;
}

const Tensor& Tensor::zero_(SourceLoc loc) const { return fill_(0, loc); }

}  // namespace tg
