#pragma once
// torch.nn.functional.pad: constant, reflect, replicate and circular padding.
#include <string_view>
#include <vector>

#include "tapegrad/tensor/tensor.h"

namespace tg::nn::functional {

// Pads the last pad.size() / 2 dims, the last dim first: {left, right, top, bottom, ...}.
// mode "constant" fills with value (negative pads crop); "reflect" mirrors without repeating the
// edge (each pad < the dim's size); "replicate" repeats the edge; "circular" wraps around (each
// pad <= the dim's size). The non-constant modes take non-negative pads.
Tensor pad(const Tensor& input, const std::vector<int64_t>& pad, std::string_view mode = "constant",
           const Scalar& value = 0, TG_CALLER);

}  // namespace tg::nn::functional
