#pragma once
// MultiheadAttention and TransformerEncoderLayer (torch.nn names, parameters and defaults).
#include <string>
#include <tuple>

#include "tapegrad/nn/module.h"
#include "tapegrad/nn/modules/dropout.h"
#include "tapegrad/nn/modules/linear.h"
#include "tapegrad/nn/modules/normalization.h"

namespace tg::nn {

struct MultiheadAttentionOptions {
  double dropout = 0.0;  // on the attention weights, in training
  bool bias = true;
  bool batch_first = false;  // [N, L, E] instead of [L, N, E]
};

struct MultiheadAttentionForward {
  Tensor key_padding_mask = {};  // [N, S] (or [S]); true (or -inf when float) = ignore that key
  bool need_weights = true;
  Tensor attn_mask = {};  // [L, S] or [N * heads, L, S]; true = may NOT attend (PyTorch's MHA meaning), float: added
  bool average_attn_weights = true;
  bool is_causal = false;  // with no attn_mask: query i sees keys j <= i
};

// in_proj_weight [3E, E], in_proj_bias [3E] (xavier_uniform_ / zeros), out_proj Linear(E, E).
class MultiheadAttentionImpl : public Module {
 public:
  MultiheadAttentionImpl(int64_t embed_dim, int64_t num_heads, const MultiheadAttentionOptions& options = {});
  using Module::forward;
  // query [L, N, E], key/value [S, N, E] (batch_first: N first; unbatched: no N). Returns the
  // output (query's shape) and the attention weights ([N, L, S], or per head [N, heads, L, S]),
  // undefined when need_weights is false.
  std::tuple<Tensor, Tensor> forward(const Tensor& query, const Tensor& key, const Tensor& value,
                                     const MultiheadAttentionForward& args = {});
  std::string extra_repr() const override;
  void reset_parameters();

  int64_t embed_dim, num_heads, head_dim;
  MultiheadAttentionOptions options;
  Tensor in_proj_weight, in_proj_bias;
  Linear out_proj{nullptr};
};
class MultiheadAttention : public ModuleHolder<MultiheadAttentionImpl> {
 public:
  using ModuleHolder::ModuleHolder;
  MultiheadAttention(int64_t embed_dim, int64_t num_heads, const MultiheadAttentionOptions& options = {})
      : ModuleHolder(std::make_shared<MultiheadAttentionImpl>(embed_dim, num_heads, options)) {}
  using ModuleHolder::operator();
  // Spelled out so that the arguments can be brace-initialised: mha(q, k, v, {.need_weights = false}).
  std::tuple<Tensor, Tensor> operator()(const Tensor& query, const Tensor& key, const Tensor& value,
                                        const MultiheadAttentionForward& args) const {
    return detail::call_module(*get(), query, key, value, args);
  }
};

struct TransformerEncoderLayerOptions {
  int64_t dim_feedforward = 2048;
  double dropout = 0.1;
  std::string activation = "relu";  // or "gelu"
  double layer_norm_eps = 1e-5;
  bool batch_first = false;
  bool norm_first = false;
  bool bias = true;
};

class TransformerEncoderLayerImpl : public Module {
 public:
  TransformerEncoderLayerImpl(int64_t d_model, int64_t nhead, const TransformerEncoderLayerOptions& options = {});
  Tensor forward(const Tensor& src) override { return forward(src, {}, {}, false); }
  Tensor forward(const Tensor& src, const Tensor& src_mask, const Tensor& src_key_padding_mask = {},
                 bool is_causal = false);

  TransformerEncoderLayerOptions options;
  MultiheadAttention self_attn{nullptr};
  Linear linear1{nullptr}, linear2{nullptr};
  Dropout dropout{nullptr}, dropout1{nullptr}, dropout2{nullptr};
  LayerNorm norm1{nullptr}, norm2{nullptr};

 private:
  Tensor feed_forward(const Tensor& x);
};
class TransformerEncoderLayer : public ModuleHolder<TransformerEncoderLayerImpl> {
 public:
  using ModuleHolder::ModuleHolder;
  TransformerEncoderLayer(int64_t d_model, int64_t nhead, const TransformerEncoderLayerOptions& options = {})
      : ModuleHolder(std::make_shared<TransformerEncoderLayerImpl>(d_model, nhead, options)) {}
};

}  // namespace tg::nn
