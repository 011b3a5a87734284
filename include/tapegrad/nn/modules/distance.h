#pragma once
// torch.nn.CosineSimilarity and torch.nn.PairwiseDistance.
#include "tapegrad/nn/module.h"

namespace tg::nn {

class CosineSimilarityImpl : public Module {
 public:
  TG_CLONEABLE
  explicit CosineSimilarityImpl(int64_t dim = 1, double eps = 1e-8) : Module("CosineSimilarity"), dim(dim), eps(eps) {}
  Tensor forward(const Tensor& x1, const Tensor& x2);
  int64_t dim;
  double eps;
};
TG_MODULE(CosineSimilarity);

class PairwiseDistanceImpl : public Module {
 public:
  TG_CLONEABLE
  explicit PairwiseDistanceImpl(double p = 2.0, double eps = 1e-6, bool keepdim = false)
      : Module("PairwiseDistance"), p(p), eps(eps), keepdim(keepdim) {}
  Tensor forward(const Tensor& x1, const Tensor& x2);
  double p, eps;
  bool keepdim;
};
TG_MODULE(PairwiseDistance);

}  // namespace tg::nn
