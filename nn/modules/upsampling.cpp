// Upsample.
#include "tapegrad/nn/modules/upsampling.h"

#include <fmt/ranges.h>

namespace tg::nn {

UpsampleImpl::UpsampleImpl(functional::InterpolateOptions options) : Module("Upsample"), options(std::move(options)) {}

Tensor UpsampleImpl::forward(const Tensor& input) { return functional::interpolate(input, options); }

std::string UpsampleImpl::extra_repr() const {
  std::string s = options.size.empty() ? fmt::format("scale_factor={}", fmt::join(options.scale_factor, ", "))
                                       : fmt::format("size={}", fmt::join(options.size, ", "));
  return s + ", mode='" + options.mode + "'";
}

}  // namespace tg::nn
