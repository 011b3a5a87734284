#pragma once
// torch.fft: discrete Fourier transforms of complex and real tensors (CPU), differentiable.
//
// `norm` scales as PyTorch's: "backward" (the default) leaves the forward transforms (fft, rfft,
// hfft) unscaled and divides the inverse ones by n; "ortho" divides both by sqrt(n); "forward"
// divides the forward ones by n. `n` (or `s`) trims or zero-pads the input along the
// transformed dims first; for the complex-to-real transforms (irfft, hfft) it is the output's
// length, 2 * (m - 1) for an input of length m by default.
#include <optional>
#include <string_view>

#include "tapegrad/tensor/tensor.h"
#include "tapegrad/tensor/tensor_options.h"

namespace tg::fft {

// One dim: complex to complex (fft, ifft; a real input is taken as complex), real to the
// n / 2 + 1 non-negative frequencies (rfft, and ihfft's inverse), and back from them (irfft, and
// hfft of a Hermitian-symmetric signal's half).
Tensor fft(const Tensor& input, std::optional<int64_t> n = std::nullopt, int64_t dim = -1,
           std::string_view norm = "backward", TG_CALLER);
Tensor ifft(const Tensor& input, std::optional<int64_t> n = std::nullopt, int64_t dim = -1,
            std::string_view norm = "backward", TG_CALLER);
Tensor rfft(const Tensor& input, std::optional<int64_t> n = std::nullopt, int64_t dim = -1,
            std::string_view norm = "backward", TG_CALLER);
Tensor irfft(const Tensor& input, std::optional<int64_t> n = std::nullopt, int64_t dim = -1,
             std::string_view norm = "backward", TG_CALLER);
Tensor hfft(const Tensor& input, std::optional<int64_t> n = std::nullopt, int64_t dim = -1,
            std::string_view norm = "backward", TG_CALLER);
Tensor ihfft(const Tensor& input, std::optional<int64_t> n = std::nullopt, int64_t dim = -1,
             std::string_view norm = "backward", TG_CALLER);

// Several dims: `dim` (default: the last len(s) dims, or every dim), `s` their lengths. The real
// transforms halve (or restore) the last of them.
Tensor fftn(const Tensor& input, std::optional<Shape> s = std::nullopt, std::optional<Shape> dim = std::nullopt,
            std::string_view norm = "backward", TG_CALLER);
Tensor ifftn(const Tensor& input, std::optional<Shape> s = std::nullopt, std::optional<Shape> dim = std::nullopt,
             std::string_view norm = "backward", TG_CALLER);
Tensor rfftn(const Tensor& input, std::optional<Shape> s = std::nullopt, std::optional<Shape> dim = std::nullopt,
             std::string_view norm = "backward", TG_CALLER);
Tensor irfftn(const Tensor& input, std::optional<Shape> s = std::nullopt, std::optional<Shape> dim = std::nullopt,
              std::string_view norm = "backward", TG_CALLER);
Tensor hfftn(const Tensor& input, std::optional<Shape> s = std::nullopt, std::optional<Shape> dim = std::nullopt,
             std::string_view norm = "backward", TG_CALLER);
Tensor ihfftn(const Tensor& input, std::optional<Shape> s = std::nullopt, std::optional<Shape> dim = std::nullopt,
              std::string_view norm = "backward", TG_CALLER);
// The last two dims by default.
Tensor fft2(const Tensor& input, std::optional<Shape> s = std::nullopt, const Shape& dim = {-2, -1},
            std::string_view norm = "backward", TG_CALLER);
Tensor ifft2(const Tensor& input, std::optional<Shape> s = std::nullopt, const Shape& dim = {-2, -1},
             std::string_view norm = "backward", TG_CALLER);
Tensor rfft2(const Tensor& input, std::optional<Shape> s = std::nullopt, const Shape& dim = {-2, -1},
             std::string_view norm = "backward", TG_CALLER);
Tensor irfft2(const Tensor& input, std::optional<Shape> s = std::nullopt, const Shape& dim = {-2, -1},
              std::string_view norm = "backward", TG_CALLER);
Tensor hfft2(const Tensor& input, std::optional<Shape> s = std::nullopt, const Shape& dim = {-2, -1},
             std::string_view norm = "backward", TG_CALLER);
Tensor ihfft2(const Tensor& input, std::optional<Shape> s = std::nullopt, const Shape& dim = {-2, -1},
              std::string_view norm = "backward", TG_CALLER);

// The sample frequencies of an n-point transform with sample spacing d: [0, 1, ..., -1] / (d n)
// (fftfreq), or the non-negative ones (rfftfreq); the default dtype unless options say.
Tensor fftfreq(int64_t n, double d = 1.0, const TensorOptions& options = {}, TG_CALLER);
Tensor rfftfreq(int64_t n, double d = 1.0, const TensorOptions& options = {}, TG_CALLER);
// The zero frequency moved to the middle of `dim` (default: every dim), and back.
Tensor fftshift(const Tensor& input, std::optional<Shape> dim = std::nullopt, TG_CALLER);
Tensor ifftshift(const Tensor& input, std::optional<Shape> dim = std::nullopt, TG_CALLER);

}  // namespace tg::fft
