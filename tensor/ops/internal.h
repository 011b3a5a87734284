#pragma once
// Differentiable building blocks used by backward formulas, not part of the public API.
#include <optional>
#include <vector>

#include "tapegrad/tensor/tensor.h"

namespace tg::ops {

// scale * the discrete Fourier transform of complex x along dim d (exp(-2 pi i jk / n); inverse:
// exp(+...)), differentiable: the building block of tg::fft.
Tensor fft_c2c(const Tensor& x, int d, bool inverse, double scale);
// x real (float32 or float64) to its n / 2 + 1 non-negative frequencies along d, times scale.
Tensor fft_r2c(const Tensor& x, int d, double scale);
// x's n / 2 + 1 frequencies along d to the real signal of length n they begin, times scale.
Tensor fft_c2r(const Tensor& x, int d, int64_t n, double scale);
// Sums `grad` over the dims it was broadcast along so that it gets `shape` (differentiable).
Tensor sum_to_shape(const Tensor& grad, const Shape& shape);
// A copy of `base` whose region (sizes, strides, offset relative to a contiguous base) is
// replaced by `src` (or has `src` added, with accumulate; overlapping regions add up).
// Differentiable in base and src.
Tensor strided_scatter(const Tensor& base, const Tensor& src, const Shape& sizes, const Shape& strides,
                       int64_t offset, bool accumulate);

// index_put(zeros(shape), indices, values, accumulate = true) without copying the zeros: the
// backward of indexing (an embedding's gradient is a table of zeros). Differentiable in values.
Tensor index_put_into_zeros(const Shape& shape, const std::vector<std::optional<Tensor>>& indices,
                            const Tensor& values);

// t itself when floating point; integers and bools in the default dtype, as PyTorch's float ops
// promote them (differentiable).
Tensor as_floating(const Tensor& t);

// t in the dtype a caller named (a reduction's dtype=): complex to real keeps the real part, as
// PyTorch's conversion does, where an op's own conversion would refuse it (differentiable).
Tensor to_requested(const Tensor& t, DType dtype);

}  // namespace tg::ops
