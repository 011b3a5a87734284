// normalize, cosine_similarity, pairwise_distance: norms and products of tensor ops.
#include "tapegrad/nn/functional/distance.h"

#include "tapegrad/tensor/ops.h"
#include "tensor/ops/common.h"

namespace tg::nn::functional {

Tensor normalize(const Tensor& input, double p, int64_t dim, double eps, SourceLoc loc) {
  detail::ApiScope scope("normalize", loc);
  ops::check_defined("normalize", input, "input");
  TG_CHECK_TYPE(is_inexact(input.dtype()), "normalize: expected a floating-point or complex input, got {}",
                input.dtype());
  const int d = wrap_dim(dim, std::max(input.dim(), 1), "normalize");
  return input / clamp_min(norm(input, p, {d}, true), eps);
}

Tensor cosine_similarity(const Tensor& x1, const Tensor& x2, int64_t dim, double eps, SourceLoc loc) {
  detail::ApiScope scope("cosine_similarity", loc);
  ops::check_floating("cosine_similarity", x1, "x1");
  ops::check_floating("cosine_similarity", x2, "x2");
  const Shape shape = broadcast_shapes(x1.sizes(), x2.sizes(), "cosine_similarity");
  const int d = wrap_dim(dim, std::max(shape.size(), 1), "cosine_similarity");
  const Tensor a = x1.expand(shape), b = x2.expand(shape);  // views: the norms run along the common dim
  return sum(a * b, {d}) / (clamp_min(norm(a, 2, {d}), eps) * clamp_min(norm(b, 2, {d}), eps));
}

Tensor pairwise_distance(const Tensor& x1, const Tensor& x2, double p, double eps, bool keepdim, SourceLoc loc) {
  detail::ApiScope scope("pairwise_distance", loc);
  ops::check_floating("pairwise_distance", x1, "x1");
  ops::check_floating("pairwise_distance", x2, "x2");
  // Along the last dim; two 0-dim inputs give the 0-dim |x1 - x2 + eps|, as PyTorch's.
  return norm(x1 - x2 + eps, p, {-1}, keepdim);
}

}  // namespace tg::nn::functional
