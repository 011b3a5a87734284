#pragma once
// Small argument types shared by the functional ops and the modules: a size given for each
// spatial dim or once for all (`2` or `{2, 1}`), and convolution padding (a size, "same" or
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

struct ConvPadding {
  enum class Mode : uint8_t { Explicit, Same, Valid };
  Mode mode = Mode::Explicit;
  Size2 size = 0;
  constexpr ConvPadding() = default;
  constexpr ConvPadding(int64_t v) : size(v) {}  // NOLINT
  constexpr ConvPadding(int64_t h, int64_t w) : size(h, w) {}
  constexpr ConvPadding(Size2 s) : size(s) {}  // NOLINT
  ConvPadding(std::string_view name) {          // NOLINT: "same" or "valid", as in PyTorch
    if (name == "same") mode = Mode::Same;
    else if (name == "valid") mode = Mode::Valid;
    else throw ValueError("padding: expected \"same\", \"valid\" or a size, got \"" + std::string(name) + "\"");
  }
  template <size_t N>
  ConvPadding(const char (&name)[N]) : ConvPadding(std::string_view(name)) {}  // NOLINT: a literal, never 0
};

}  // namespace tg::nn
