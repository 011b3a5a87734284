#pragma once
// Ops that rearrange or combine tensors into new ones: cat, stack, split, repeat, flip, roll,
// pad, tril/triu, and those composed of them and of views (tile, repeat_interleave, meshgrid,
// diff, diag, trace).
#include <optional>
#include <string_view>
#include <vector>

#include "tapegrad/tensor/tensor.h"

namespace tg {

Tensor cat(const tensor_list& tensors, int64_t dim = 0, TG_CALLER);
Tensor stack(const tensor_list& tensors, int64_t dim = 0, TG_CALLER);
// Views of consecutive pieces of `split_size` (the last may be smaller) or of the given sizes.
tensor_list split(const Tensor& self, int64_t split_size, int64_t dim = 0, TG_CALLER);
tensor_list split_with_sizes(const Tensor& self, const std::vector<int64_t>& split_sizes, int64_t dim = 0,
                             TG_CALLER);
tensor_list chunk(const Tensor& self, int64_t chunks, int64_t dim = 0, TG_CALLER);
tensor_list unbind(const Tensor& self, int64_t dim = 0, TG_CALLER);
Tensor repeat(const Tensor& self, const Shape& repeats, TG_CALLER);
Tensor flip(const Tensor& self, const Shape& dims, TG_CALLER);
// Shifts elements along dims, wrapping around; without dims, rolls the flattened tensor.
Tensor roll(const Tensor& self, const Shape& shifts, const Shape& dims = {}, TG_CALLER);
// Constant padding, torch.nn.functional.pad's order: (left, right) of the last dim, then of the
// one before, ... Negative amounts crop.
Tensor pad(const Tensor& self, const std::vector<int64_t>& pad, const Scalar& value = 0, TG_CALLER);
Tensor tril(const Tensor& self, int64_t diagonal = 0, TG_CALLER);
Tensor triu(const Tensor& self, int64_t diagonal = 0, TG_CALLER);
const Tensor& tril_(const Tensor& self, int64_t diagonal = 0, TG_CALLER);
const Tensor& triu_(const Tensor& self, int64_t diagonal = 0, TG_CALLER);
// The main diagonal (every index equal; all dims of one size past 2-D) set to value; with wrap, a
// tall matrix's diagonal restarts every cols + 1 rows, as NumPy's and PyTorch's.
const Tensor& fill_diagonal_(const Tensor& self, const Scalar& value, bool wrap = false, TG_CALLER);
// self flattened: a view when it can be, as reshape.
Tensor ravel(const Tensor& self, TG_CALLER);
// repeat, with fewer counts than dims allowed (the leading dims are then repeated once).
Tensor tile(const Tensor& self, const Shape& dims, TG_CALLER);
// Each element repeated `repeats` times along dim (the flattened tensor without one); with a
// tensor, element i is repeated repeats[i] times (one count for all, or one per element).
Tensor repeat_interleave(const Tensor& self, int64_t repeats, std::optional<int64_t> dim = std::nullopt, TG_CALLER);
Tensor repeat_interleave(const Tensor& self, const Tensor& repeats, std::optional<int64_t> dim = std::nullopt,
                         TG_CALLER);
// Grids from 1-D tensors: with indexing "ij" output k varies along dim k; "xy" swaps the first two.
tensor_list meshgrid(const tensor_list& tensors, std::string_view indexing = "ij", TG_CALLER);
// The n-th forward difference along dim, prepend and append (if given) concatenated first.
Tensor diff(const Tensor& self, int64_t n = 1, int64_t dim = -1, const Tensor& prepend = {}, const Tensor& append = {},
            TG_CALLER);
// A 1-D input becomes a matrix with it on the diagonal-th diagonal; a 2-D input gives a copy of
// that diagonal.
Tensor diag(const Tensor& self, int64_t diagonal = 0, TG_CALLER);
// The sum of a matrix's diagonal.
Tensor trace(const Tensor& self, TG_CALLER);

}  // namespace tg
