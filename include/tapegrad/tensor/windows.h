#pragma once
// Window functions for spectral analysis (torch.hann_window, hamming_window, blackman_window,
// bartlett_window, kaiser_window): 1-D tensors of window_length samples. periodic = true gives the first
// window_length samples of a symmetric window one longer (the form for spectral analysis);
// length 1 gives [1]. Floating dtypes only (the default dtype when unset).
#include "tapegrad/tensor/tensor.h"

namespace tg {

Tensor hann_window(int64_t window_length, bool periodic = true, const TensorOptions& options = {}, TG_CALLER);
// alpha - beta cos(2 pi n / (N - 1)).
Tensor hamming_window(int64_t window_length, bool periodic = true, double alpha = 0.54, double beta = 0.46,
                      const TensorOptions& options = {}, TG_CALLER);
Tensor blackman_window(int64_t window_length, bool periodic = true, const TensorOptions& options = {}, TG_CALLER);
Tensor bartlett_window(int64_t window_length, bool periodic = true, const TensorOptions& options = {}, TG_CALLER);
// I0(beta sqrt(1 - (2 n / (N - 1) - 1)^2)) / I0(beta), I0 the modified Bessel function (tg::i0).
Tensor kaiser_window(int64_t window_length, bool periodic = true, double beta = 12.0, const TensorOptions& options = {},
                     TG_CALLER);

}  // namespace tg
