// Window functions: cosine sums and the triangle over n = 0 .. L - 1, computed in float64 and
// converted, as PyTorch's formulas.
#include "tapegrad/tensor/windows.h"

#include <cmath>
#include <numbers>

#include "tapegrad/tensor/factories.h"
#include "tapegrad/tensor/ops.h"
#include "tensor/ops/common.h"

namespace tg {

namespace {

// f(2 pi n / (N - 1)) for the window's n, with N = L + 1 when periodic; the edge cases first.
template <class F>
Tensor window(const char* op, int64_t length, bool periodic, const TensorOptions& options, F f) {
  TG_CHECK_VALUE(length >= 0, "{}: window_length must be non-negative, got {}", op, length);
  TG_CHECK_TYPE(is_floating_point(options.dtype()), "{}: expected a floating-point dtype, got {}", op,
                options.dtype());
  if (length == 0) return empty({0}, options);
  if (length == 1) return ones({1}, options);
  const double span = static_cast<double>(periodic ? length : length - 1);
  const Tensor n = arange(length, TensorOptions(kFloat64).device(options.device()));
  return f(n * (2 * std::numbers::pi / span)).to(options.dtype());
}

}  // namespace

Tensor hann_window(int64_t length, bool periodic, const TensorOptions& options, SourceLoc loc) {
  detail::ApiScope scope("hann_window", loc);
  return window("hann_window", length, periodic, options, [](const Tensor& t) { return 0.5 - 0.5 * cos(t); });
}

Tensor hamming_window(int64_t length, bool periodic, double alpha, double beta, const TensorOptions& options,
                      SourceLoc loc) {
  detail::ApiScope scope("hamming_window", loc);
  return window("hamming_window", length, periodic, options,
                [&](const Tensor& t) { return alpha - beta * cos(t); });
}

Tensor blackman_window(int64_t length, bool periodic, const TensorOptions& options, SourceLoc loc) {
  detail::ApiScope scope("blackman_window", loc);
  return window("blackman_window", length, periodic, options,
                [](const Tensor& t) { return 0.42 - 0.5 * cos(t) + 0.08 * cos(2.0 * t); });
}

Tensor bartlett_window(int64_t length, bool periodic, const TensorOptions& options, SourceLoc loc) {
  detail::ApiScope scope("bartlett_window", loc);
  // 1 - |2 n / (N - 1) - 1| = 1 - |t / pi - 1| with t = 2 pi n / (N - 1).
  return window("bartlett_window", length, periodic, options,
                [](const Tensor& t) { return 1.0 - abs(t / std::numbers::pi - 1.0); });
}

Tensor kaiser_window(int64_t length, bool periodic, double beta, const TensorOptions& options, SourceLoc loc) {
  detail::ApiScope scope("kaiser_window", loc);
  // 2 n / (N - 1) - 1 = t / pi - 1; the clamp keeps rounding at the ends out of sqrt's domain.
  return window("kaiser_window", length, periodic, options, [&](const Tensor& t) {
    const Tensor u = t / std::numbers::pi - 1.0;
    return i0(beta * sqrt((1.0 - u * u).clamp_min(0.0))) / i0(full({}, beta, t.options()));
  });
}

}  // namespace tg
