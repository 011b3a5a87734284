#pragma once
// Transforms applied to example data (torchvision.transforms names), as tensor -> tensor functions.
#include <functional>
#include <vector>

#include "tapegrad/tensor/tensor.h"

namespace tg::data::transforms {

using Transform = std::function<Tensor(const Tensor&)>;

// (x - mean[c]) / std[c] along the channel dim (dim -3 of [..., C, H, W]); one value each for
// all channels when given one.
Transform Normalize(std::vector<double> mean, std::vector<double> std);
// Applies the transforms in order.
Transform Compose(std::vector<Transform> transforms);

}  // namespace tg::data::transforms
