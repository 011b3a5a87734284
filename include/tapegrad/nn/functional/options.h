#pragma once
// Small argument types shared by the functional ops and the modules: a size given for each
// spatial dim or once for all (`2`, `{2, 1}` or `{1, 2, 2}`), and convolution padding (a size, "same" or
// "valid").
#include <cstdint>
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
