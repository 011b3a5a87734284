#pragma once
// Attention (torch.nn.functional.scaled_dot_product_attention).
#include <optional>

#include "tapegrad/tensor/generator.h"
#include "tapegrad/tensor/tensor.h"

namespace tg::nn::functional {

struct AttentionOptions {
  Tensor attn_mask = {};  // bool (true = may attend) or float (added to the scores), broadcast to [..., L, S]
  double dropout_p = 0.0;
  bool is_causal = false;  // query i attends to keys j <= i; not together with attn_mask
  std::optional<double> scale = {};  // default 1 / sqrt(E)
  Generator* generator = nullptr;    // for dropout; the default generator when null
};
// query [..., L, E], key [..., S, E], value [..., S, Ev] -> [..., L, Ev].
Tensor scaled_dot_product_attention(const Tensor& query, const Tensor& key, const Tensor& value,
                                    const AttentionOptions& options = {}, TG_CALLER);

}  // namespace tg::nn::functional
