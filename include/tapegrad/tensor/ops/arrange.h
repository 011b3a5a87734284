#pragma once
// Ops that rearrange tensors by NumPy's and PyTorch's conventions: splits at indices, stacks along
// the first three dims, flips and quarter turns, diagonal and block-diagonal matrices, Kronecker
// and Cartesian products, index sets of triangles. Composed of views, cat and index ops: their
// gradients are those ops', and they run on every device.
#include <optional>
#include <vector>

#include "tapegrad/tensor/tensor.h"

namespace tg {

// `sections` pieces as equal as possible (the first size % sections one longer), or pieces split
// before each index (indices past the end give empty pieces). Views of self. A braced single
// index {i} means sections (as in libtorch): spell it std::vector<int64_t>{i}.
tensor_list tensor_split(const Tensor& self, int64_t sections, int64_t dim = 0, TG_CALLER);
tensor_list tensor_split(const Tensor& self, const std::vector<int64_t>& indices, int64_t dim = 0, TG_CALLER);
// tensor_split along dim 1 (dim 0 for a 1-D tensor), 0 and 2; `sections` must divide the dim.
tensor_list hsplit(const Tensor& self, int64_t sections, TG_CALLER);
tensor_list hsplit(const Tensor& self, const std::vector<int64_t>& indices, TG_CALLER);
tensor_list vsplit(const Tensor& self, int64_t sections, TG_CALLER);
tensor_list vsplit(const Tensor& self, const std::vector<int64_t>& indices, TG_CALLER);
tensor_list dsplit(const Tensor& self, int64_t sections, TG_CALLER);
tensor_list dsplit(const Tensor& self, const std::vector<int64_t>& indices, TG_CALLER);
// cat along dim 1 (dim 0 for 1-D tensors), along dim 0 of atleast_2d, along dim 2 of atleast_3d;
// column_stack makes 0-D and 1-D tensors columns first.
Tensor hstack(const tensor_list& tensors, TG_CALLER);
Tensor vstack(const tensor_list& tensors, TG_CALLER);
Tensor dstack(const tensor_list& tensors, TG_CALLER);
Tensor column_stack(const tensor_list& tensors, TG_CALLER);
// Views with leading (and for 3-D, NumPy's trailing) dims of size 1 added up to 1, 2 or 3 dims.
Tensor atleast_1d(const Tensor& self, TG_CALLER);
Tensor atleast_2d(const Tensor& self, TG_CALLER);
Tensor atleast_3d(const Tensor& self, TG_CALLER);
// Flips dim 1 (left-right) or dim 0 (up-down).
Tensor fliplr(const Tensor& self, TG_CALLER);
Tensor flipud(const Tensor& self, TG_CALLER);
// k quarter turns in the plane of dims, from the first dim towards the second.
Tensor rot90(const Tensor& self, int64_t k = 1, const Shape& dims = {0, 1}, TG_CALLER);
// The last dim's values placed on the offset-th diagonal of new dims dim1 and dim2 (zeros elsewhere).
Tensor diag_embed(const Tensor& self, int64_t offset = 0, int64_t dim1 = -2, int64_t dim2 = -1, TG_CALLER);
// The flattened tensor on the offset-th diagonal of a square matrix.
Tensor diagflat(const Tensor& self, int64_t offset = 0, TG_CALLER);
// The tensors (0-D, 1-D as rows, or 2-D) along the diagonal of one matrix, zeros elsewhere.
Tensor block_diag(const tensor_list& tensors, TG_CALLER);
// The Kronecker product: blocks self[i] * other, over every dim (the fewer-dim one gets leading 1s).
Tensor kron(const Tensor& self, const Tensor& other, TG_CALLER);
// Every combination of one element of each 1-D tensor, as rows of [prod(n_i), k] (1-D for one input).
Tensor cartesian_prod(const tensor_list& tensors, TG_CALLER);
// The length-r combinations (with_replacement: multisets) of a 1-D tensor's elements, in
// lexicographic order of positions, as rows of [count, r].
Tensor combinations(const Tensor& self, int64_t r = 2, bool with_replacement = false, TG_CALLER);
// gather with indices broadcast against self (except along dim); without dim, on the flattened tensor.
Tensor take_along_dim(const Tensor& self, const Tensor& indices, std::optional<int64_t> dim = std::nullopt, TG_CALLER);
// [2, count]: the (row, col) coordinates of a row x col matrix's lower (upper) triangle from the
// offset-th diagonal, row by row.
Tensor tril_indices(int64_t row, int64_t col, int64_t offset = 0, const TensorOptions& options = TensorOptions(kInt64),
                    TG_CALLER);
Tensor triu_indices(int64_t row, int64_t col, int64_t offset = 0, const TensorOptions& options = TensorOptions(kInt64),
                    TG_CALLER);
// The Vandermonde matrix of a 1-D x: columns x^(n-1), ..., x^0 (x^0 first when increasing);
// n defaults to len(x).
Tensor vander(const Tensor& x, std::optional<int64_t> n = std::nullopt, bool increasing = false, TG_CALLER);

}  // namespace tg
