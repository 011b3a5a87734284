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
  ops::check_defined("cosine_similarity", x1, "x1");
  ops::check_defined("cosine_similarity", x2, "x2");
  const DType common = ops::result_type(x1, x2);
  TG_CHECK_TYPE(is_floating_point(common),
                "cosine_similarity: expected the common dtype of x1 ({}) and x2 ({}) to be floating-point, got {}",
                x1.dtype(), x2.dtype(), common);
  const Shape shape = broadcast_shapes(x1.sizes(), x2.sizes(), "cosine_similarity");
  const int d = wrap_dim(dim, std::max(shape.size(), 1), "cosine_similarity");
  // Each input divided by its norm first, in its own dtype (integers in the common one), then the
  // product summed: PyTorch's order. Products of norms overflowed float16 (two norms of 300 gave
  // inf and a similarity of 0), and a bfloat16 x1 with a float64 x2 now rounds as torch's does.
  const auto unit = [&](const Tensor& x) {
    const Tensor v = (is_floating_point(x.dtype()) ? x : x.to(common)).expand(shape);
    return v / clamp_min(norm(v, 2, {d}, /*keepdim=*/true), eps);
  };
  return sum(unit(x1) * unit(x2), {d});
}

Tensor pairwise_distance(const Tensor& x1, const Tensor& x2, double p, double eps, bool keepdim, SourceLoc loc) {
  detail::ApiScope scope("pairwise_distance", loc);
  ops::check_defined("pairwise_distance", x1, "x1");
  ops::check_defined("pairwise_distance", x2, "x2");
  // Integer inputs too, as PyTorch's (+ eps makes the difference floating-point); bool ones have no
  // difference.
  TG_CHECK_TYPE(x1.dtype() != kBool && x2.dtype() != kBool,
                "pairwise_distance: the difference of {} and {} tensors is not defined (bool has no subtraction)",
                x1.dtype(), x2.dtype());
  // Along the last dim; two 0-dim inputs give the 0-dim |x1 - x2 + eps|, as PyTorch's.
  return norm(x1 - x2 + eps, p, {-1}, keepdim);
}

}  // namespace tg::nn::functional
