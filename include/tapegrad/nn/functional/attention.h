#pragma once
// Attention (torch.nn.functional.scaled_dot_product_attention and multi_head_attention_forward).
#include <optional>
#include <tuple>

#include "tapegrad/tensor/generator.h"
#include "tapegrad/tensor/tensor.h"

namespace tg::nn::functional {

struct AttentionOptions {
  Tensor attn_mask = {};  // bool (true = may attend) or float (added to the scores), broadcast to [..., L, S]
  double dropout_p = 0.0;
  bool is_causal = false;  // query i attends to keys j <= i; not together with attn_mask
  std::optional<double> scale = {};  // default 1 / sqrt(E)
  Generator* generator = nullptr;    // for dropout; the default generator when null
  // Grouped-query attention: key and value may have fewer heads (dim -3) than query, each serving
  // a group of query heads (their count must divide the query's).
  bool enable_gqa = false;
};
// query [..., L, E], key [..., S, E], value [..., S, Ev] -> [..., L, Ev].
Tensor scaled_dot_product_attention(const Tensor& query, const Tensor& key, const Tensor& value,
                                    const AttentionOptions& options = {}, TG_CALLER);

// multi_head_attention_forward's arguments after query, key and value, in PyTorch's order. The
// masks follow nn.MultiheadAttention: bool true = may NOT attend, float = added to the scores.
struct MultiHeadAttentionForwardOptions {
  int64_t embed_dim_to_check = 0;  // the query's embedding size must be this
  int64_t num_heads = 1;
  Tensor in_proj_weight = {}, in_proj_bias = {};  // [3E, E] (unless use_separate_proj_weight), [3E]
  Tensor bias_k = {}, bias_v = {};                // [1, 1, E]: one more key and value, for every batch
  bool add_zero_attn = false;                     // one more key and value of zeros
  double dropout_p = 0.0;                         // on the attention weights, when training
  Tensor out_proj_weight = {}, out_proj_bias = {};
  bool training = true;
  Tensor key_padding_mask = {};  // [N, S] ([S] unbatched)
  bool need_weights = true;
  Tensor attn_mask = {};  // [L, S] or [N * num_heads, L, S]
  bool use_separate_proj_weight = false;
  Tensor q_proj_weight = {}, k_proj_weight = {}, v_proj_weight = {};  // [E, E], [E, kdim], [E, vdim]
  Tensor static_k = {}, static_v = {};  // [N * num_heads, S, E / num_heads]: the projected keys, values
  bool average_attn_weights = true;
  bool is_causal = false;  // a hint that attn_mask is causal (which must be given)
};
// query [L, N, E], key [S, N, kdim], value [S, N, vdim] (no N: unbatched) -> the attention output
// [L, N, E] and, when need_weights, its weights [N, L, S] (per head [N, num_heads, L, S] unless
// average_attn_weights), undefined otherwise.
std::tuple<Tensor, Tensor> multi_head_attention_forward(const Tensor& query, const Tensor& key, const Tensor& value,
                                                        const MultiHeadAttentionForwardOptions& options, TG_CALLER);

}  // namespace tg::nn::functional
