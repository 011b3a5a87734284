#pragma once
// Sliding blocks (torch.nn.functional's unfold and fold): unfold gathers every kernel-sized block
// of a padded [N, C, H, W] input into the columns of [N, C * kh * kw, L] (im2col); fold adds such
// columns back into [N, C, H, W] (col2im, unfold's adjoint: overlapping blocks sum).
#include "tapegrad/nn/functional/options.h"
#include "tapegrad/tensor/tensor.h"

namespace tg::nn::functional {

struct FoldOptions {
  Size2 kernel_size;
  Size2 dilation = 1;
  Size2 padding = 0;
  Size2 stride = 1;
};
// input [N, C, H, W] or unbatched [C, H, W] -> [N, C * kh * kw, L] or [C * kh * kw, L], L blocks.
Tensor unfold(const Tensor& input, const FoldOptions& options, TG_CALLER);
// input [N, C * kh * kw, L] or [C * kh * kw, L] -> [N, C, H, W] or [C, H, W], (H, W) = output_size.
Tensor fold(const Tensor& input, Size2 output_size, const FoldOptions& options, TG_CALLER);

}  // namespace tg::nn::functional
