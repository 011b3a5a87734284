// Unfold and Fold.
#include "tapegrad/nn/modules/fold.h"

namespace tg::nn {
namespace {
// PyTorch prints the arguments as given; ours are pairs, shown as one number when equal.
std::string size_repr(Size2 s) { return s.h == s.w ? fmt::format("{}", s.h) : fmt::format("({}, {})", s.h, s.w); }
std::string options_repr(const functional::FoldOptions& o) {
  return fmt::format("kernel_size={}, dilation={}, padding={}, stride={}", size_repr(o.kernel_size),
                     size_repr(o.dilation), size_repr(o.padding), size_repr(o.stride));
}
}  // namespace

Tensor UnfoldImpl::forward(const Tensor& input) { return functional::unfold(input, options); }
std::string UnfoldImpl::extra_repr() const { return options_repr(options); }

Tensor FoldImpl::forward(const Tensor& input) { return functional::fold(input, output_size, options); }
std::string FoldImpl::extra_repr() const {
  return "output_size=" + size_repr(output_size) + ", " + options_repr(options);
}

}  // namespace tg::nn
