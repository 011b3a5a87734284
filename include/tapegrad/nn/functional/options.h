#pragma once
// Small argument types shared by the functional ops and the modules: a size given for each
// spatial dim or once for all (`2`, `{2, 1}` or `{1, 2, 2}`), and convolution padding (a size, "same" or
// "valid").
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "tapegrad/tensor/error.h"

namespace tg::nn {

struct Size2 {
  int64_t h = 1, w = 1;
  constexpr Size2() = default;
  constexpr Size2(int64_t v) : h(v), w(v) {}  // NOLINT: `2` means {2, 2}
  constexpr Size2(int64_t h_, int64_t w_) : h(h_), w(w_) {}
  int64_t operator[](int i) const { return i == 0 ? h : w; }
  bool operator==(const Size2&) const = default;
};

struct Size3 {
  int64_t d = 1, h = 1, w = 1;
  constexpr Size3() = default;
  constexpr Size3(int64_t v) : d(v), h(v), w(v) {}  // NOLINT: `2` means {2, 2, 2}
  constexpr Size3(int64_t d_, int64_t h_, int64_t w_) : d(d_), h(h_), w(w_) {}
  int64_t operator[](int i) const { return i == 0 ? d : i == 1 ? h : w; }
  bool operator==(const Size3&) const = default;
};

// A fraction for each of N spatial dims, given once for all (`0.5`) or per dim
// (`Fractions<2>(0.5, 0.7)`): fractional max pooling's output_ratio.
template <int N>
struct Fractions {
  std::array<double, N> v{};
  constexpr Fractions() = default;
  constexpr Fractions(double x) { v.fill(x); }  // NOLINT: `0.5` means 0.5 in every dim
  template <class... D>
  requires(sizeof...(D) == N && N > 1) constexpr Fractions(D... d) : v{static_cast<double>(d)...} {}
  double operator[](int i) const { return v[static_cast<size_t>(i)]; }
  bool operator==(const Fractions&) const = default;
};

// An adaptive pool's output size for each of N spatial dims, where an empty one keeps the input's
// size there (PyTorch's None): `7`, `{7, 5}`, `{std::nullopt, 1}`.
template <int N>
struct AdaptiveSize {
  std::array<std::optional<int64_t>, N> v{};
  constexpr AdaptiveSize() = default;
  constexpr AdaptiveSize(int64_t s) { v.fill(s); }                        // NOLINT: `7` means 7 in every dim
  constexpr AdaptiveSize(Size2 s) requires(N == 2) : v{s.h, s.w} {}       // NOLINT
  constexpr AdaptiveSize(Size3 s) requires(N == 3) : v{s.d, s.h, s.w} {}  // NOLINT
  template <class... D>
  requires(sizeof...(D) == N && N > 1) constexpr AdaptiveSize(D... d) : v{std::optional<int64_t>(d)...} {}
  std::optional<int64_t> operator[](int i) const { return v[static_cast<size_t>(i)]; }
  bool operator==(const AdaptiveSize&) const = default;
};
using AdaptiveSize2 = AdaptiveSize<2>;
using AdaptiveSize3 = AdaptiveSize<3>;

enum class ConvPaddingMode : uint8_t { Explicit, Same, Valid };

// S: Size2 (ConvPadding) or Size3 (ConvPadding3).
template <class S>
struct BasicConvPadding {
  using Mode = ConvPaddingMode;
  Mode mode = Mode::Explicit;
  S size = 0;
  constexpr BasicConvPadding() = default;
  constexpr BasicConvPadding(int64_t v) : size(v) {}  // NOLINT
  template <class... Rest>
  constexpr BasicConvPadding(int64_t a, int64_t b, Rest... rest) : size(a, b, rest...) {}
  constexpr BasicConvPadding(S s) : size(s) {}  // NOLINT
  BasicConvPadding(std::string_view name) {     // NOLINT: "same" or "valid", as in PyTorch
    if (name == "same") mode = Mode::Same;
    else if (name == "valid") mode = Mode::Valid;
    else throw ValueError("padding: expected \"same\", \"valid\" or a size, got \"" + std::string(name) + "\"");
  }
  template <size_t N>
  BasicConvPadding(const char (&name)[N]) : BasicConvPadding(std::string_view(name)) {}  // NOLINT: a literal
};
using ConvPadding = BasicConvPadding<Size2>;
using ConvPadding3 = BasicConvPadding<Size3>;

}  // namespace tg::nn
