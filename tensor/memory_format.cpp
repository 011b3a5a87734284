// Memory formats: the layout queries, contiguous and clone in a format, and the strides that
// factories lay new tensors out with.
#include "tapegrad/tensor/memory_format.h"

#include <algorithm>
#include <numeric>
#include <vector>

#include "autograd/derivatives/derivatives.h"
#include "tapegrad/autograd/grad_mode.h"
#include "tapegrad/tensor/ops.h"
#include "tensor/dense_layout.h"
#include "tensor/ops/common.h"

namespace tg {

std::string_view name(MemoryFormat format) {
  switch (format) {
    case MemoryFormat::Contiguous:
      return "contiguous_format";
    case MemoryFormat::Preserve:
      return "preserve_format";
    case MemoryFormat::ChannelsLast:
      return "channels_last";
    case MemoryFormat::ChannelsLast3d:
      return "channels_last_3d";
  }
  return "unknown memory format";
}

namespace {

// The dims from the innermost (stride 1) out: d-1 .. 0 for row-major; channels, then the spatial
// dims from the last, then the batch for the channels-last formats.
std::vector<int64_t> memory_order(int64_t dims, MemoryFormat format) {
  std::vector<int64_t> order;
  if (format == MemoryFormat::Contiguous) {
    for (int64_t d = dims - 1; d >= 0; --d) order.push_back(d);
    return order;
  }
  order.push_back(1);
  for (int64_t d = dims - 1; d >= 2; --d) order.push_back(d);
  order.push_back(0);
  return order;
}

int64_t format_rank(MemoryFormat format) { return format == MemoryFormat::ChannelsLast ? 4 : 5; }

// Whether dims in `order` (innermost first) lie densely, size-1 dims having any stride.
bool dense_in(const Shape& sizes, const Shape& strides, const std::vector<int64_t>& order) {
  int64_t expected = 1;
  for (int64_t d : order) {
    if (sizes[d] == 0) return true;
    if (sizes[d] == 1) continue;
    if (strides[d] != expected) return false;
    expected *= sizes[d];
  }
  return true;
}

// PyTorch's reading of strides as channels-last (dense or not, as a slice of such a tensor): the
// strides grow along the format's order, dims of size 1 aside; a zero channel stride, and an
// [N, 1, 1, 1]-like tensor whose strides fit both orders, read as row-major.
bool strides_like(const Tensor& t, MemoryFormat format) {
  if (t.stride(1) == 0) return false;
  int64_t min = 0;
  for (int64_t d : memory_order(t.dim(), format)) {
    if (t.size(d) == 0 || t.stride(d) < min) return false;
    if (d == 0 && min == t.stride(1)) return false;
    min = t.stride(d) * std::max<int64_t>(t.size(d), 1);
  }
  return true;
}

}  // namespace

namespace ops {

// Dense and not overlapping in some order of the dims (the strides, sorted, make it one).
bool non_overlapping_and_dense(const Tensor& t) {
  std::vector<int64_t> order(static_cast<size_t>(t.dim()));
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) { return t.stride(a) < t.stride(b); });
  return dense_in(t.sizes(), t.strides(), order);
}

void check_layout(const char* op, const Shape& sizes, MemoryFormat format) {
  TG_CHECK_VALUE(format != MemoryFormat::Preserve,
                 "{}: preserve_format keeps an input's layout, and there is none here; use contiguous_format or "
                 "channels_last",
                 op);
  if (format == MemoryFormat::Contiguous) return;
  TG_CHECK_VALUE(static_cast<int64_t>(sizes.size()) == format_rank(format), "{}: {} needs a {}-d tensor, got shape {}",
                 op, name(format), format_rank(format), sizes);
}

Shape format_strides(const Shape& sizes, MemoryFormat format) {
  Shape strides = sizes;
  int64_t step = 1;
  for (int64_t d : memory_order(static_cast<int64_t>(sizes.size()), format)) {
    strides[d] = step;
    step *= std::max<int64_t>(sizes[d], 1);
  }
  return strides;
}

}  // namespace ops

bool Tensor::is_contiguous(MemoryFormat format) const {
  TG_CHECK_VALUE(format != MemoryFormat::Preserve, "is_contiguous: preserve_format is not a memory layout");
  if (format == MemoryFormat::Contiguous) return is_contiguous();
  return dim() == format_rank(format) && dense_in(sizes(), strides(), memory_order(dim(), format));
}

MemoryFormat Tensor::suggest_memory_format() const {
  if (dim() != 4 && dim() != 5) return MemoryFormat::Contiguous;
  const MemoryFormat last = dim() == 4 ? MemoryFormat::ChannelsLast : MemoryFormat::ChannelsLast3d;
  return strides_like(*this, last) ? last : MemoryFormat::Contiguous;
}

Tensor clone(const Tensor& self, MemoryFormat format, SourceLoc loc) {
  detail::ApiScope scope("clone", loc);
  ops::check_defined("clone", self, "input");
  Shape strides;
  if (format == MemoryFormat::Preserve && !self.is_contiguous() && ops::non_overlapping_and_dense(self)) {
    strides = self.strides();
  } else {
    if (format == MemoryFormat::Preserve) format = self.suggest_memory_format();
    if (format == MemoryFormat::Contiguous) return clone(self);
    ops::check_layout("clone", self.sizes(), format);
    strides = ops::format_strides(self.sizes(), format);
  }
  Tensor out = empty_strided(self.sizes(), strides, TensorOptions(self.dtype()).device(self.device()));
  ops::copy_into(out, self.detach(), /*keep_real_part=*/true);
  if (autograd::needs_grad(self)) autograd::set_history(out, autograd::derivatives::clone_node(self));
  return out;
}

Tensor contiguous(const Tensor& self, MemoryFormat format, SourceLoc loc) {
  detail::ApiScope scope("contiguous", loc);
  ops::check_defined("contiguous", self, "input");
  TG_CHECK_VALUE(format != MemoryFormat::Preserve, "contiguous: preserve_format is not a memory layout to make");
  ops::check_layout("contiguous", self.sizes(), format);
  return self.is_contiguous(format) ? self : clone(self, format);
}

Tensor Tensor::contiguous(MemoryFormat format, SourceLoc loc) const { return tg::contiguous(*this, format, loc); }
Tensor Tensor::clone(MemoryFormat format, SourceLoc loc) const { return tg::clone(*this, format, loc); }

}  // namespace tg
