#pragma once
// Ops that rearrange or combine tensors into new ones: cat, stack, split, repeat, flip, roll,
// pad, tril/triu.
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

}  // namespace tg
