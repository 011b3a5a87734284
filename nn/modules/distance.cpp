// CosineSimilarity, PairwiseDistance.
#include "tapegrad/nn/modules/distance.h"

#include "tapegrad/nn/functional/distance.h"

namespace tg::nn {

Tensor CosineSimilarityImpl::forward(const Tensor& x1, const Tensor& x2) {
  return functional::cosine_similarity(x1, x2, dim, eps);
}
Tensor PairwiseDistanceImpl::forward(const Tensor& x1, const Tensor& x2) {
  return functional::pairwise_distance(x1, x2, p, eps, keepdim);
}

}  // namespace tg::nn
