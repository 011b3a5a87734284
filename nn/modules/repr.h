#pragma once
// Numbers in module printouts as Python writes them (PyTorch's extra_repr formats its float
// options with repr): an integral float keeps its ".0", as in "ELU(alpha=1.0)".
#include <fmt/format.h>

#include <string>

namespace tg::nn::detail {

inline std::string py_float(double v) {
  std::string s = fmt::format("{}", v);
  if (s.find_first_not_of("-0123456789") == std::string::npos) s += ".0";
  return s;
}

}  // namespace tg::nn::detail
