#pragma once
// torch.nn.functional's normalize, cosine_similarity and pairwise_distance.
#include "tapegrad/tensor/tensor.h"

namespace tg::nn::functional {

// input / max(||input||_p, eps) along dim.
Tensor normalize(const Tensor& input, double p = 2.0, int64_t dim = 1, double eps = 1e-12, TG_CALLER);
// x1 . x2 / (max(||x1||, eps) * max(||x2||, eps)) along dim, x1 and x2 broadcasting.
Tensor cosine_similarity(const Tensor& x1, const Tensor& x2, int64_t dim = 1, double eps = 1e-8, TG_CALLER);
// ||x1 - x2 + eps||_p over the last dim, x1 and x2 broadcasting.
Tensor pairwise_distance(const Tensor& x1, const Tensor& x2, double p = 2.0, double eps = 1e-6, bool keepdim = false,
                         TG_CALLER);

}  // namespace tg::nn::functional
