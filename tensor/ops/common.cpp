#include "tensor/ops/common.h"

#include <algorithm>
#include <cstdlib>

namespace tg::ops {

namespace {

// A shape's element count must fit int64, taken in order (PyTorch: "numel: integer
// multiplication overflow"; the factories' check too, even where a later 0 makes it 0):
// expand(2**62, 3) counted -2**62 elements and summed to 0, and view(2**62, 4) of an empty
// tensor passed its check on the wrapped count. Named after the public op in progress.
void check_numel(const Shape& sizes) {
  int64_t n = 1;
  bool overflow = false;
  for (int64_t s : sizes) overflow = __builtin_mul_overflow(n, s, &n) || overflow;
  TG_CHECK_VALUE(!overflow, "{}: shape {} has too many elements (more than 2^63 - 1)",
                 detail::tls.api_depth > 0 ? detail::tls.api_op : "view", sizes);
}

// Fresh memory for a dense tensor with these strides (a permutation of contiguous ones).
Tensor empty_dense(const Shape& sizes, const Shape& strides, DType dtype, Device device) {
  check_numel(sizes);
  auto storage = StorageImpl::allocate(static_cast<size_t>(sizes.numel()) * itemsize(dtype), device);
  auto* impl = new TensorImpl(std::move(storage), dtype, sizes, strides, 0);
  return Tensor(IntrusivePtr<TensorImpl>::make(impl));
}
}  // namespace

Tensor empty(const Shape& sizes, DType dtype, Device device) {
  return empty_dense(sizes, contiguous_strides(sizes), dtype, device);
}

Shape result_strides(const Shape& sizes, std::initializer_list<const Tensor*> inputs) {
  for (const Tensor* in : inputs) {
    if (!(in->sizes() == sizes)) continue;  // a broadcast input does not decide
    if (in->is_contiguous()) break;
    const Shape& st = in->strides();
    int order[kMaxDims], m = 0;
    bool overlapping = false;
    for (int d = 0; d < sizes.size(); ++d) {
      if (sizes[d] == 1) continue;
      overlapping |= st[d] == 0;
      order[m++] = d;
    }
    if (overlapping) continue;  // an expanded input has no layout to keep: the next one decides
    // The dims from the outermost in memory to the innermost (stable, so ties keep their order).
    std::stable_sort(order, order + m, [&](int a, int b) { return std::abs(st[a]) > std::abs(st[b]); });
    if (std::is_sorted(order, order + m)) break;  // the logical order: contiguous
    Shape out = contiguous_strides(sizes);
    int64_t running = 1;
    for (int i = m - 1; i >= 0; --i) {
      out[order[i]] = running;
      running *= sizes[order[i]];
    }
    return out;
  }
  return contiguous_strides(sizes);
}

Tensor empty_like_inputs(const Shape& sizes, DType dtype, Device device, std::initializer_list<const Tensor*> inputs) {
  return empty_dense(sizes, result_strides(sizes, inputs), dtype, device);
}

Tensor alias(const Tensor& t) { return alias(t, t.sizes(), t.strides(), t.storage_offset()); }

Tensor alias(const Tensor& t, const Shape& sizes, const Shape& strides, int64_t offset) {
  check_numel(sizes);
  auto* impl = new TensorImpl(t.storage(), t.dtype(), sizes, strides, offset);
  return Tensor(IntrusivePtr<TensorImpl>::make(impl));
}

Tensor wrapped_scalar(const Scalar& s, DType dtype, Device device) {
  Tensor t = empty({}, dtype, device);
  fill_into(t, s);
  t.impl()->wrapped_number_ = true;
  return t;
}

kernels::Loop make_loop(const Tensor& out, std::initializer_list<const Tensor*> inputs) {
  kernels::Loop L;
  const int nd = out.dim();
  L.noperands = 1 + static_cast<int>(inputs.size());
  L.numel = out.numel();
  const Shape& os = out.sizes();
  // The dims of size > 1, innermost first, with every operand's stride (0 where broadcast).
  int64_t sizes[kMaxDims], strides[kMaxDims][kernels::kMaxOperands];
  int m = 0;
  bool in_order = true;
  for (int k = 0; k < nd; ++k) {
    const int d = nd - 1 - k;
    if (os[d] == 1) continue;
    sizes[m] = os[d];
    strides[m][0] = out.strides()[d];
    int op = 1;
    for (const Tensor* in : inputs) {
      const int di = in->dim() - nd + d;
      strides[m][op++] = (di >= 0 && in->sizes()[di] == os[d]) ? in->strides()[di] : 0;
    }
    in_order &= m == 0 || std::abs(strides[m][0]) >= std::abs(strides[m - 1][0]);
    ++m;
  }
  // Visit the dims in the output's memory order (a permuted output, as a permuted input's
  // result is, then runs as one linear pass); insertion sort keeps ties in logical order.
  int order[kMaxDims];
  for (int i = 0; i < m; ++i) order[i] = i;
  if (!in_order) {
    for (int i = 1; i < m; ++i)
      for (int j = i; j > 0 && std::abs(strides[order[j]][0]) < std::abs(strides[order[j - 1]][0]); --j)
        std::swap(order[j], order[j - 1]);
  }
  int w = 0;
  for (int i = 0; i < m; ++i) {
    const int64_t size = sizes[order[i]];
    const int64_t* st = strides[order[i]];
    bool merge = w > 0;
    for (int o = 0; merge && o < L.noperands; ++o) merge = st[o] == L.strides[o][w - 1] * L.sizes[w - 1];
    if (merge) {
      L.sizes[w - 1] *= size;
      continue;
    }
    L.sizes[w] = size;
    for (int o = 0; o < L.noperands; ++o) L.strides[o][w] = st[o];
    ++w;
  }
  if (w == 0) {
    L.sizes[0] = out.numel() == 0 ? 0 : 1;
    for (int o = 0; o < L.noperands; ++o) L.strides[o][0] = 0;
    w = 1;
  }
  L.ndim = w;
  return L;
}

Tensor cast(const Tensor& t, DType dtype, bool keep_real_part) {
  if (t.dtype() == dtype) return t;
  if (t.is_complex() && !is_complex(dtype) && dtype != kBool && !keep_real_part) kernels::fail_dtype(t.dtype());
  Tensor out = empty(t.sizes(), dtype, t.device());
  const auto loop = make_loop(out, {&t});
  kernels::backend(t.device(), "to").copy(loop, out.data_ptr(), dtype, t.data_ptr(), t.dtype());
  return out;
}

Tensor contiguous(const Tensor& t) {
  if (t.is_contiguous()) return t;
  Tensor out = empty(t.sizes(), t.dtype(), t.device());
  const auto loop = make_loop(out, {&t});
  kernels::backend(t.device(), "contiguous").copy(loop, out.data_ptr(), t.dtype(), t.data_ptr(), t.dtype());
  return out;
}

void copy_into(const Tensor& dst, const Tensor& src, bool keep_real_part) {
  check_same_device("copy_", dst, src);
  if (src.is_complex() && !dst.is_complex() && dst.dtype() != kBool && !keep_real_part)
    kernels::fail_dtype(src.dtype());
  TG_CHECK(broadcast_shapes(dst.sizes(), src.sizes(), "copy_") == dst.sizes(),
           "copy_: source of shape {} cannot be broadcast to the destination's shape {}", src.sizes(), dst.sizes());
  const auto& be = kernels::backend(dst.device(), "copy_");
  Tensor s = src;
  const bool same_geometry = src.sizes() == dst.sizes() && src.strides() == dst.strides() &&
                             src.storage_offset() == dst.storage_offset();
  if (src.storage() == dst.storage() && !same_geometry) {
    // Source and destination share memory: read from a private copy, not from what is being written.
    s = empty(src.sizes(), src.dtype(), src.device());
    const auto l = make_loop(s, {&src});
    be.copy(l, s.data_ptr(), src.dtype(), src.data_ptr(), src.dtype());
  }
  const auto loop = make_loop(dst, {&s});
  be.copy(loop, dst.data_ptr(), dst.dtype(), s.data_ptr(), s.dtype());
}

void fill_into(const Tensor& dst, const Scalar& value) {
  const auto loop = make_loop(dst, {});
  kernels::backend(dst.device(), "fill_").fill(loop, dst.data_ptr(), dst.dtype(), value);
}

kernels::DimGeometry dim_geometry(const Shape& sizes, int d, int64_t out_size) {
  kernels::DimGeometry g;
  g.size = sizes.size() == 0 ? 1 : sizes[d];
  for (int i = 0; i < d; ++i) g.outer *= sizes[i];
  for (int i = d + 1; i < sizes.size(); ++i) g.inner *= sizes[i];
  g.in_inner_stride = g.out_inner_stride = 1;
  g.in_dim_stride = g.out_dim_stride = g.inner;
  g.in_outer_stride = g.size * g.inner;
  g.out_outer_stride = out_size * g.inner;
  return g;
}

void check_same_device(const char* op, const Tensor& a, const Tensor& b) {
  TG_CHECK(a.device() == b.device(), "{}: expected all tensors on the same device, got {} and {}", op, a.device(),
           b.device());
}

void check_defined(const char* op, const Tensor& t, const char* what) {
  TG_CHECK(t.defined(), "{}: {} is an undefined tensor", op, what);
}

void check_floating(const char* op, const Tensor& t, const char* what) {
  check_defined(op, t, what);
  TG_CHECK_TYPE(t.is_floating_point(), "{}: expected a floating-point {}, got {}", op, what, t.dtype());
}

// ---- type promotion -----------------------------------------------------------------------

void ResultType::add(const Tensor& t) {
  if (t.impl()->wrapped_number_) {
    merge(wrapped_, is_complex(t.dtype())          ? default_complex_dtype()
                    : is_floating_point(t.dtype()) ? default_dtype()
                                                   : t.dtype());
  } else if (t.dim() == 0) {
    merge(zero_, t.dtype());
  } else {
    merge(dim_, t.dtype());
  }
}

void ResultType::add(const Scalar& s) { merge(wrapped_, s.dtype()); }

namespace {
int combine_categories(int higher, int lower) {
  if (higher < 0) return lower;
  if (lower < 0) return higher;
  const auto h = static_cast<DType>(higher), l = static_cast<DType>(lower);
  if (is_complex(h)) return higher;
  // A complex number or 0-dim tensor with real tensors: the complex type of their float dtype
  // (float64 * 1j is complex128, float32 * complex128 scalar complex64), as PyTorch.
  if (is_complex(l)) return static_cast<int>(is_floating_point(h) ? to_complex_dtype(h) : l);
  if (is_floating_point(h)) return higher;
  if (h == kBool || is_floating_point(l)) return static_cast<int>(promote_types(h, l));
  return higher;
}
}  // namespace

DType ResultType::result() const {
  const int r = combine_categories(dim_, combine_categories(zero_, wrapped_));
  return r < 0 ? default_dtype() : static_cast<DType>(r);
}

DType result_type(const Tensor& a, const Tensor& b) {
  ResultType r;
  r.add(a);
  r.add(b);
  return r.result();
}

DType result_type(const Tensor& a, const Scalar& b) {
  ResultType r;
  r.add(a);
  r.add(b);
  return r.result();
}

}  // namespace tg::ops
