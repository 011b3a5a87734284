#pragma once
// Views: new sizes, strides and offset over the same storage (no copy), plus the copies that
// make a tensor contiguous or change its dtype.
#include <optional>

#include "tapegrad/tensor/tensor.h"

namespace tg {

Tensor view(const Tensor& self, const Shape& shape, TG_CALLER);
// The same bytes read as `dtype` (a bit cast, PyTorch's view(dtype)): with a smaller element
// the last dimension grows by the ratio of the sizes, with a larger one it shrinks, which needs
// that dimension contiguous. Not differentiable: the result never requires grad.
Tensor view(const Tensor& self, DType dtype, TG_CALLER);
Tensor reshape(const Tensor& self, const Shape& shape, TG_CALLER);
Tensor flatten(const Tensor& self, int64_t start_dim = 0, int64_t end_dim = -1, TG_CALLER);
Tensor unflatten(const Tensor& self, int64_t dim, const Shape& sizes, TG_CALLER);
Tensor transpose(const Tensor& self, int64_t dim0, int64_t dim1, TG_CALLER);
Tensor t(const Tensor& self, TG_CALLER);
Tensor permute(const Tensor& self, const Shape& dims, TG_CALLER);
Tensor movedim(const Tensor& self, int64_t source, int64_t destination, TG_CALLER);
// Several dims at once: source[i] goes to destination[i], the other dims keep their order.
Tensor movedim(const Tensor& self, const Shape& source, const Shape& destination, TG_CALLER);
Tensor squeeze(const Tensor& self, TG_CALLER);
Tensor squeeze(const Tensor& self, int64_t dim, TG_CALLER);
// Removes those of dims that have size 1 (the others stay).
Tensor squeeze(const Tensor& self, const Shape& dims, TG_CALLER);
Tensor unsqueeze(const Tensor& self, int64_t dim, TG_CALLER);
// In-place views (torch's t_, transpose_, ...): self takes the view's geometry and history.
const Tensor& t_(const Tensor& self, TG_CALLER);
const Tensor& transpose_(const Tensor& self, int64_t dim0, int64_t dim1, TG_CALLER);
const Tensor& squeeze_(const Tensor& self, TG_CALLER);
const Tensor& squeeze_(const Tensor& self, int64_t dim, TG_CALLER);
const Tensor& squeeze_(const Tensor& self, const Shape& dims, TG_CALLER);
const Tensor& unsqueeze_(const Tensor& self, int64_t dim, TG_CALLER);
const Tensor& as_strided_(const Tensor& self, const Shape& sizes, const Shape& strides,
                          std::optional<int64_t> storage_offset = std::nullopt, TG_CALLER);
// resize_ (PyTorch's): self takes `sizes` with contiguous strides at its storage offset; a storage
// too small grows, keeping its bytes (the new elements are uninitialized).
const Tensor& resize_(const Tensor& self, const Shape& sizes, TG_CALLER);
const Tensor& resize_as_(const Tensor& self, const Tensor& other, TG_CALLER);
// set_: self shares source's storage and takes its geometry; with no source, an empty storage.
const Tensor& set_(const Tensor& self, const Tensor& source, TG_CALLER);
const Tensor& set_(const Tensor& self, TG_CALLER);
Tensor expand(const Tensor& self, const Shape& sizes, TG_CALLER);
Tensor broadcast_to(const Tensor& self, const Shape& sizes, TG_CALLER);
// The shape all of these broadcast to, and the tensors expanded to it (views), as PyTorch's.
Shape broadcast_shapes(const std::vector<Shape>& shapes, TG_CALLER);
tensor_list broadcast_tensors(const tensor_list& tensors, TG_CALLER);
Tensor narrow(const Tensor& self, int64_t dim, int64_t start, int64_t length, TG_CALLER);
Tensor select(const Tensor& self, int64_t dim, int64_t index, TG_CALLER);
Tensor slice(const Tensor& self, int64_t dim, std::optional<int64_t> start, std::optional<int64_t> end,
             int64_t step = 1, TG_CALLER);
Tensor as_strided(const Tensor& self, const Shape& sizes, const Shape& strides,
                  std::optional<int64_t> storage_offset = std::nullopt, TG_CALLER);
Tensor diagonal(const Tensor& self, int64_t offset = 0, int64_t dim1 = 0, int64_t dim2 = 1, TG_CALLER);
// Copies of self with the view select / slice / diagonal would give replaced by src, which has
// that view's shape (torch.select_scatter and friends); differentiable in self and src.
Tensor select_scatter(const Tensor& self, const Tensor& src, int64_t dim, int64_t index, TG_CALLER);
Tensor slice_scatter(const Tensor& self, const Tensor& src, int64_t dim = 0,
                     std::optional<int64_t> start = std::nullopt, std::optional<int64_t> end = std::nullopt,
                     int64_t step = 1, TG_CALLER);
Tensor diagonal_scatter(const Tensor& self, const Tensor& src, int64_t offset = 0, int64_t dim1 = 0, int64_t dim2 = 1,
                        TG_CALLER);
// A copy of self with the elements self.as_strided(sizes, strides, storage_offset) would view
// replaced by src. Positions count in self's storage order (a dense tensor's own, as PyTorch's
// clone keeps it; otherwise the contiguous one), from self's own offset unless one is given.
Tensor as_strided_scatter(const Tensor& self, const Tensor& src, const Shape& sizes, const Shape& strides,
                          std::optional<int64_t> storage_offset = std::nullopt, TG_CALLER);
// The windows of `size` elements, `step` apart, along dim: dim shrinks to the window count and a
// last dim of `size` is added (a view; windows may overlap).
Tensor unfold(const Tensor& self, int64_t dim, int64_t size, int64_t step, TG_CALLER);

Tensor contiguous(const Tensor& self, TG_CALLER);
Tensor clone(const Tensor& self, TG_CALLER);
// In a memory format (channels_last needs 4 dims, channels_last_3d 5): contiguous returns self
// when already laid out so; clone always copies, with preserve_format into self's own strides
// when they are dense and do not overlap (else its suggested format). Differentiable.
Tensor contiguous(const Tensor& self, MemoryFormat format, TG_CALLER);
Tensor clone(const Tensor& self, MemoryFormat format, TG_CALLER);
Tensor detach(const Tensor& self);

}  // namespace tg
