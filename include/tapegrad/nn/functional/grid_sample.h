#pragma once
// Spatial transformers (torch.nn.functional names): affine_grid makes sampling grids from affine
// matrices, grid_sample reads an image at a grid's points.
#include <string>

#include "tapegrad/tensor/tensor.h"

namespace tg::nn::functional {

// theta [N, 2, 3] -> grid [N, H, W, 2] of the normalised (x, y) at which output pixel (h, w)
// samples, for an output of size [N, C, H, W]; in 3-D theta [N, 3, 4] -> grid [N, D, H, W, 3] of
// (x, y, z) for size [N, C, D, H, W]. Normalised coordinates run from -1 to 1 across the image:
// between the corner pixels' centres with align_corners, else their outer edges.
Tensor affine_grid(const Tensor& theta, const Shape& size, bool align_corners = false, TG_CALLER);

struct GridSampleOptions {
  // "bilinear" (trilinear for 5-D inputs), "nearest" (ties to even, as PyTorch) or "bicubic"
  // (4-D inputs; Keys' a = -0.75, each of the 4 x 4 taps padded on its own, as PyTorch).
  std::string mode = "bilinear";
  std::string padding_mode = "zeros";  // outside the image: 0, the nearest "border" pixel, or "reflection"
  bool align_corners = false;
};
// input [N, C, H, W] read at grid [N, Ho, Wo, 2] (normalised x, y) -> [N, C, Ho, Wo], or
// input [N, C, D, H, W] at grid [N, Do, Ho, Wo, 3] (x, y, z) -> [N, C, Do, Ho, Wo];
// differentiable in both (bilinear and bicubic modes: the grid too).
Tensor grid_sample(const Tensor& input, const Tensor& grid, const GridSampleOptions& options = {}, TG_CALLER);

}  // namespace tg::nn::functional
