#pragma once
// Indexing and selection: PyTorch-style index/index_put_, gather/scatter, masks, sort, topk.
#include <optional>
#include <string_view>
#include <tuple>
#include <vector>

#include "tapegrad/tensor/indexing.h"
#include "tapegrad/tensor/tensor.h"

namespace tg {

Tensor index(const Tensor& self, const std::vector<TensorIndex>& indices, TG_CALLER);
const Tensor& index_put_(const Tensor& self, const std::vector<TensorIndex>& indices, const Tensor& values,
                         bool accumulate = false, TG_CALLER);
// Advanced indexing with one optional index tensor per leading dim (aten::index semantics).
Tensor index(const Tensor& self, const std::vector<std::optional<Tensor>>& indices, TG_CALLER);
// A copy of self with self[indices] = values (or += with accumulate).
Tensor index_put(const Tensor& self, const std::vector<std::optional<Tensor>>& indices, const Tensor& values,
                 bool accumulate = false, TG_CALLER);
Tensor index_select(const Tensor& self, int64_t dim, const Tensor& index, TG_CALLER);
// The coordinates in a tensor of `shape` of each flat (row-major) index: one int64 tensor of
// indices' shape per dim of shape (torch.unravel_index).
tensor_list unravel_index(const Tensor& indices, const Shape& shape, TG_CALLER);
Tensor gather(const Tensor& self, int64_t dim, const Tensor& index, TG_CALLER);
Tensor scatter(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& src, TG_CALLER);
Tensor scatter(const Tensor& self, int64_t dim, const Tensor& index, const Scalar& value, TG_CALLER);
const Tensor& scatter_(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& src, TG_CALLER);
const Tensor& scatter_(const Tensor& self, int64_t dim, const Tensor& index, const Scalar& value, TG_CALLER);
Tensor scatter_add(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& src, TG_CALLER);
const Tensor& scatter_add_(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& src, TG_CALLER);
// Along dim, each src element combined into self at its index by reduce: "sum", "prod", "mean",
// "amax" or "amin" (a mean over the place's own value, unless left out, and what landed on it;
// an integer mean rounds down). With include_self false, self's values where anything lands
// are left out. Differentiable in self and src (ties in amax/amin share the gradient).
Tensor scatter_reduce(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& src, std::string_view reduce,
                      bool include_self = true, TG_CALLER);
const Tensor& scatter_reduce_(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& src,
                              std::string_view reduce, bool include_self = true, TG_CALLER);
// Along dim, slice i of source combined into slice index[i] of self by reduce: "prod", "mean",
// "amax" or "amin" (scatter_reduce with the index spread over the slices).
Tensor index_reduce(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& source, std::string_view reduce,
                    bool include_self = true, TG_CALLER);
const Tensor& index_reduce_(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& source,
                            std::string_view reduce, bool include_self = true, TG_CALLER);
// self as a flat (row-major) 1-D tensor: take reads it at index (the result has index's shape);
// put writes source's elements at index (adds them with accumulate). Negative indices count
// from the end.
Tensor take(const Tensor& self, const Tensor& index, TG_CALLER);
Tensor put(const Tensor& self, const Tensor& index, const Tensor& source, bool accumulate = false, TG_CALLER);
const Tensor& put_(const Tensor& self, const Tensor& index, const Tensor& source, bool accumulate = false, TG_CALLER);
// self with the places where mask (broadcast to self) is true filled by source's first elements,
// in row-major order.
Tensor masked_scatter(const Tensor& self, const Tensor& mask, const Tensor& source, TG_CALLER);
const Tensor& masked_scatter_(const Tensor& self, const Tensor& mask, const Tensor& source, TG_CALLER);
// The indices of the non-zero elements (nonzero's rows), and self sorted along dim 0.
Tensor argwhere(const Tensor& self, TG_CALLER);
Tensor msort(const Tensor& self, TG_CALLER);
Tensor masked_fill(const Tensor& self, const Tensor& mask, const Scalar& value, TG_CALLER);
Tensor masked_fill(const Tensor& self, const Tensor& mask, const Tensor& value, TG_CALLER);
const Tensor& masked_fill_(const Tensor& self, const Tensor& mask, const Scalar& value, TG_CALLER);
const Tensor& masked_fill_(const Tensor& self, const Tensor& mask, const Tensor& value, TG_CALLER);
// The indices of non-zero elements, one row each: int64 of shape [n, dim].
Tensor nonzero(const Tensor& self, TG_CALLER);
// NaN sorts as the largest value.
std::tuple<Tensor, Tensor> sort(const Tensor& self, int64_t dim = -1, bool descending = false, bool stable = false,
                                TG_CALLER);
Tensor argsort(const Tensor& self, int64_t dim = -1, bool descending = false, bool stable = false, TG_CALLER);
std::tuple<Tensor, Tensor> topk(const Tensor& self, int64_t k, int64_t dim = -1, bool largest = true,
                                bool sorted = true, TG_CALLER);
// For each value, the index where inserting it into the sorted last dim of sorted_sequence keeps
// that sorted: the first boundary >= the value (> with right). sorted_sequence is 1-D, or has
// values' leading dims; `sorter` (int64, sorted_sequence's shape) sorts an unsorted one, as
// argsort gives. int64 results, int32 with out_int32. Not differentiable.
Tensor searchsorted(const Tensor& sorted_sequence, const Tensor& values, bool out_int32 = false, bool right = false,
                    const std::optional<Tensor>& sorter = std::nullopt, TG_CALLER);
Tensor searchsorted(const Tensor& sorted_sequence, const Scalar& value, bool out_int32 = false, bool right = false,
                    const std::optional<Tensor>& sorter = std::nullopt, TG_CALLER);
// The bucket of each element among 1-D sorted boundaries: searchsorted(boundaries, input).
Tensor bucketize(const Tensor& input, const Tensor& boundaries, bool out_int32 = false, bool right = false, TG_CALLER);

// Along dim, slice index[i] of the result is slice index[i] of self plus alpha times slice i of
// source (index_add), slice i of source (index_copy), or value (index_fill). Out of place.
Tensor index_add(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& source, const Scalar& alpha = 1,
                 TG_CALLER);
Tensor index_copy(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& source, TG_CALLER);
Tensor index_fill(const Tensor& self, int64_t dim, const Tensor& index, const Scalar& value, TG_CALLER);
const Tensor& index_add_(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& source,
                         const Scalar& alpha = 1, TG_CALLER);
const Tensor& index_copy_(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& source, TG_CALLER);
const Tensor& index_fill_(const Tensor& self, int64_t dim, const Tensor& index, const Scalar& value, TG_CALLER);
// The elements where mask (broadcast with self) is true, as a 1-D tensor.
Tensor masked_select(const Tensor& self, const Tensor& mask, TG_CALLER);
// The sorted distinct values of the flattened tensor; with return_inverse, each element's
// position among them (self's shape); with return_counts, how often each occurs. NaNs are all
// distinct, as in PyTorch. Not differentiable.
std::tuple<Tensor, Tensor, Tensor> unique(const Tensor& self, bool return_inverse = false, bool return_counts = false,
                                          TG_CALLER);
// The same along a dim: the distinct slices along `dim`, in lexicographic order; the inverse
// gives each slice's position among them.
std::tuple<Tensor, Tensor, Tensor> unique_dim(const Tensor& self, int64_t dim, bool return_inverse = false,
                                              bool return_counts = false, TG_CALLER);

}  // namespace tg
