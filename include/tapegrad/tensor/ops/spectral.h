#pragma once
// Short-time Fourier transforms (torch.stft / torch.istft), made of the torch.fft transforms, so
// that both are differentiable, in the input and in the window.
#include <optional>
#include <string_view>

#include "tapegrad/tensor/tensor.h"

namespace tg {

// The STFT of a signal [L] or a batch [B, L]: frames of n_fft samples every hop_length (n_fft / 4
// by default), each multiplied by the window (win_length long, ones by default, centred in the
// frame when shorter), transformed. Gives [(B,) freqs, frames] with freqs n_fft / 2 + 1 (onesided,
// the default for a real input and window) or n_fft. center pads the signal by n_fft / 2 on both
// sides first, as pad_mode says ("reflect", "constant", "replicate" or "circular"); normalized
// scales by n_fft^-1/2. return_complex = false gives the parts in a last dim of 2
// (view_as_real); PyTorch requires the argument for real inputs, tapegrad defaults to complex.
Tensor stft(const Tensor& input, int64_t n_fft, std::optional<int64_t> hop_length = std::nullopt,
            std::optional<int64_t> win_length = std::nullopt, const Tensor& window = {}, bool center = true,
            std::string_view pad_mode = "reflect", bool normalized = false, std::optional<bool> onesided = std::nullopt,
            std::optional<bool> return_complex = std::nullopt, TG_CALLER);

// The inverse: the frames transformed back, windowed, overlapped and added, divided by the
// overlapped squares of the window (which must not vanish anywhere inside the output: the NOLA
// condition). length trims or zero-pads the result; onesided defaults to whether the frequency
// dim is n_fft / 2 + 1. A real result unless return_complex (a two-sided input's real parts).
Tensor istft(const Tensor& input, int64_t n_fft, std::optional<int64_t> hop_length = std::nullopt,
             std::optional<int64_t> win_length = std::nullopt, const Tensor& window = {}, bool center = true,
             bool normalized = false, std::optional<bool> onesided = std::nullopt,
             std::optional<int64_t> length = std::nullopt, bool return_complex = false, TG_CALLER);

}  // namespace tg
