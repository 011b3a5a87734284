// The padding layers.
#include "tapegrad/nn/modules/padding.h"

#include <fmt/ranges.h>

#include "tapegrad/nn/functional/padding.h"

namespace tg::nn {

// One number pads every side; otherwise one per side.
PadImpl::PadImpl(const char* name, std::string mode, int dims, std::vector<int64_t> pad, double value)
    : Module(name), mode(std::move(mode)), value(value) {
  const auto sides = static_cast<size_t>(2 * dims);
  TG_CHECK_VALUE(pad.size() == 1 || pad.size() == sides, "{}: expected 1 or {} padding values, got {}", name, sides,
                 pad.size());
  padding = pad.size() == 1 ? std::vector<int64_t>(sides, pad[0]) : std::move(pad);
}

Tensor PadImpl::forward(const Tensor& input) { return functional::pad(input, padding, mode, value); }

std::string PadImpl::extra_repr() const {
  std::string s = fmt::format("({})", fmt::join(padding, ", "));
  return name().rfind("ConstantPad", 0) == 0 ? fmt::format("padding={}, value={}", s, value) : s;
}

}  // namespace tg::nn
