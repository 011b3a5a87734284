// Scaled dot-product attention, composed from matmul, softmax and dropout (the "math" path).
#include "tapegrad/nn/functional/attention.h"

#include <cmath>
#include <limits>

#include "tapegrad/nn/functional/dropout.h"
#include "tapegrad/tensor/ops.h"
#include "tensor/ops/common.h"

namespace tg::nn::functional {

Tensor scaled_dot_product_attention(const Tensor& query, const Tensor& key, const Tensor& value,
                                    const AttentionOptions& options, SourceLoc loc) {
  const char* op = "scaled_dot_product_attention";
  detail::ApiScope scope(op, loc);
  ops::check_defined(op, query, "query");
  ops::check_defined(op, key, "key");
  ops::check_defined(op, value, "value");
  TG_CHECK(query.dim() >= 2 && key.dim() >= 2 && value.dim() >= 2,
           "{}: query, key and value need at least 2 dims, got shapes {}, {} and {}", op, query.sizes(), key.sizes(),
           value.sizes());
  const int64_t e = query.sizes()[query.dim() - 1], l = query.sizes()[query.dim() - 2];
  const int64_t s = key.sizes()[key.dim() - 2];
  TG_CHECK(key.sizes()[key.dim() - 1] == e, "{}: query of shape {} and key of shape {} differ in embedding size", op,
           query.sizes(), key.sizes());
  TG_CHECK(value.sizes()[value.dim() - 2] == s, "{}: key of shape {} and value of shape {} differ in sequence length",
           op, key.sizes(), value.sizes());
  TG_CHECK_VALUE(!(options.is_causal && options.attn_mask.defined()),
                 "{}: pass either attn_mask or is_causal, not both", op);
  const double scale = options.scale.value_or(1.0 / std::sqrt(static_cast<double>(e)));
  Tensor k = key, v = value;
  if (options.enable_gqa && query.dim() >= 3 && key.dim() >= 3 && value.dim() >= 3) {
    const int64_t hq = query.sizes()[query.dim() - 3], hk = key.sizes()[key.dim() - 3];
    TG_CHECK_VALUE(value.sizes()[value.dim() - 3] == hk,
                   "{}: key of shape {} and value of shape {} differ in their number of heads (dim -3)", op,
                   key.sizes(), value.sizes());
    TG_CHECK_VALUE(hk > 0 && hq % hk == 0,
                   "{}: with enable_gqa the key's heads (dim -3) must divide the query's; got query of shape {} "
                   "and key of shape {}",
                   op, query.sizes(), key.sizes());
    if (hq != hk) {
      k = key.repeat_interleave(hq / hk, key.dim() - 3);
      v = value.repeat_interleave(hq / hk, value.dim() - 3);
    }
  }
  Tensor scores = matmul(query, k.mT()) * scale;
  constexpr double kNegInf = -std::numeric_limits<double>::infinity();
  if (options.is_causal) {
    Tensor allowed = ones({l, s}, TensorOptions(kBool).device(query.device())).tril();
    scores = scores.masked_fill(allowed.logical_not(), kNegInf);
  }
  // Rows the mask leaves nothing to attend to give zeros (and zero gradients), as PyTorch's safe
  // softmax: their scores are set to 0 before the softmax (no NaN for backward to multiply) and
  // their weights to 0 after. Found from the mask, smaller than the scores; on the CPU the two
  // fills are skipped when there is no such row.
  Tensor empty_rows;
  if (!options.is_causal && options.attn_mask.defined()) {
    const Tensor& mask = options.attn_mask;
    const Tensor rows = mask.dim() == 0 ? mask.reshape({1}) : mask;  // the dims the rows are tested over
    if (mask.dtype() == kBool) {
      scores = scores.masked_fill(mask.logical_not(), kNegInf);
      empty_rows = rows.logical_not().all(-1, true);
    } else {
      TG_CHECK_TYPE(mask.is_floating_point(), "{}: attn_mask must be bool or floating point, got {}", op, mask.dtype());
      scores = scores + mask;
      empty_rows = isneginf(rows).all(-1, true);
    }
    if (empty_rows.is_cpu() && !empty_rows.any().item<bool>()) empty_rows = Tensor();
    if (empty_rows.defined()) scores = scores.masked_fill(empty_rows, 0.0);
  }
  Tensor weights = softmax(scores, -1);
  if (empty_rows.defined()) weights = weights.masked_fill(empty_rows, 0.0);
  if (options.dropout_p > 0) weights = dropout(weights, options.dropout_p, true, options.generator);
  return matmul(weights, v);
}

}  // namespace tg::nn::functional
