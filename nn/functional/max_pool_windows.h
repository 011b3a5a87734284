#pragma once
// Max pooling over the windows a PoolGeometry describes, shared by the pooling ops' files.
#include <tuple>

#include "kernels/kernels.h"
#include "tapegrad/tensor/tensor.h"

namespace tg::nn::functional {

// Max pooling of batched x [N, C, H, W] over the windows g describes (planes set here), with the
// flat argmax positions (h * W + w) and autograd; the results shaped as `input` (batched or not).
// Without want_indices, where x needs no gradient, the positions are not computed (undefined).
std::tuple<Tensor, Tensor> max_pool_windows(const char* op, const Tensor& input, const Tensor& x,
                                            kernels::PoolGeometry g, bool want_indices = true);

}  // namespace tg::nn::functional
