#pragma once
// MultiheadAttention, the encoder and decoder layers, their stacks and Transformer (torch.nn names,
// parameters and defaults).
#include <memory>
#include <string>
#include <tuple>

#include "tapegrad/nn/module.h"
#include "tapegrad/nn/modules/container.h"
#include "tapegrad/nn/modules/dropout.h"
#include "tapegrad/nn/modules/linear.h"
#include "tapegrad/nn/modules/normalization.h"

namespace tg::nn {

struct MultiheadAttentionOptions {
  double dropout = 0.0;  // on the attention weights, in training
  bool bias = true;
  bool batch_first = false;  // [N, L, E] instead of [L, N, E]
  int64_t kdim = 0, vdim = 0;  // the key's and value's embedding sizes; 0: embed_dim
  bool add_bias_kv = false;    // learned bias_k and bias_v: one more key and value
  bool add_zero_attn = false;  // one more key and value of zeros
};

struct MultiheadAttentionForward {
  Tensor key_padding_mask = {};  // [N, S] (or [S]); true (or -inf when float) = ignore that key
  bool need_weights = true;
  Tensor attn_mask = {};  // [L, S] or [N * heads, L, S]; true = may NOT attend (PyTorch's MHA meaning), float: added
  bool average_attn_weights = true;
  bool is_causal = false;  // with no attn_mask: query i sees keys j <= i
};

// in_proj_weight [3E, E] (or, when kdim or vdim differ from E, q_proj_weight [E, E],
// k_proj_weight [E, kdim] and v_proj_weight [E, vdim]; xavier_uniform_), in_proj_bias [3E]
// (zeros), out_proj Linear(E, E), bias_k and bias_v [1, 1, E] (xavier_normal_) with add_bias_kv.
class MultiheadAttentionImpl : public Module {
 public:
  TG_CLONEABLE
  MultiheadAttentionImpl(int64_t embed_dim, int64_t num_heads, const MultiheadAttentionOptions& options = {});
  using Module::forward;
  // query [L, N, E], key/value [S, N, E] (batch_first: N first; unbatched: no N). Returns the
  // output (query's shape) and the attention weights ([N, L, S], or per head [N, heads, L, S]),
  // undefined when need_weights is false.
  std::tuple<Tensor, Tensor> forward(const Tensor& query, const Tensor& key, const Tensor& value,
                                     const MultiheadAttentionForward& args = {});
  std::string extra_repr() const override;
  void reset_parameters();

  int64_t embed_dim, num_heads, head_dim, kdim, vdim;
  MultiheadAttentionOptions options;
  Tensor in_proj_weight, q_proj_weight, k_proj_weight, v_proj_weight, in_proj_bias, bias_k, bias_v;
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
using TransformerDecoderLayerOptions = TransformerEncoderLayerOptions;

// Self-attention then the feed-forward block, each with dropout, a residual and LayerNorm (after
// the residual, or before the block with norm_first).
class TransformerEncoderLayerImpl : public Module {
 public:
  TG_CLONEABLE
  TransformerEncoderLayerImpl(int64_t d_model, int64_t nhead, const TransformerEncoderLayerOptions& options = {});
  Tensor forward(const Tensor& src) override { return forward(src, {}, {}, false); }
  Tensor forward(const Tensor& src, const Tensor& src_mask, const Tensor& src_key_padding_mask = {},
                 bool is_causal = false);

  int64_t d_model, nhead;
  TransformerEncoderLayerOptions options;
  MultiheadAttention self_attn{nullptr};
  Linear linear1{nullptr}, linear2{nullptr};
  Dropout dropout{nullptr}, dropout1{nullptr}, dropout2{nullptr};
  LayerNorm norm1{nullptr}, norm2{nullptr};
};
class TransformerEncoderLayer : public ModuleHolder<TransformerEncoderLayerImpl> {
 public:
  using ModuleHolder::ModuleHolder;
  TransformerEncoderLayer(int64_t d_model, int64_t nhead, const TransformerEncoderLayerOptions& options = {})
      : ModuleHolder(std::make_shared<TransformerEncoderLayerImpl>(d_model, nhead, options)) {}
};

// Self-attention over tgt, attention from tgt to the encoder's output (memory), then the
// feed-forward block; residuals and LayerNorm as in the encoder layer.
class TransformerDecoderLayerImpl : public Module {
 public:
  TG_CLONEABLE
  TransformerDecoderLayerImpl(int64_t d_model, int64_t nhead, const TransformerDecoderLayerOptions& options = {});
  using Module::forward;
  // tgt [T, N, E], memory [S, N, E] (batch_first: N first; unbatched: no N). tgt_mask [T, T],
  // memory_mask [T, S] (or per head [N * nhead, ...]); key padding masks [N, T] and [N, S].
  Tensor forward(const Tensor& tgt, const Tensor& memory, const Tensor& tgt_mask = {}, const Tensor& memory_mask = {},
                 const Tensor& tgt_key_padding_mask = {}, const Tensor& memory_key_padding_mask = {},
                 bool tgt_is_causal = false, bool memory_is_causal = false);

  int64_t d_model, nhead;
  TransformerDecoderLayerOptions options;
  MultiheadAttention self_attn{nullptr}, multihead_attn{nullptr};
  Linear linear1{nullptr}, linear2{nullptr};
  Dropout dropout{nullptr}, dropout1{nullptr}, dropout2{nullptr}, dropout3{nullptr};
  LayerNorm norm1{nullptr}, norm2{nullptr}, norm3{nullptr};
};
class TransformerDecoderLayer : public ModuleHolder<TransformerDecoderLayerImpl> {
 public:
  using ModuleHolder::ModuleHolder;
  TransformerDecoderLayer(int64_t d_model, int64_t nhead, const TransformerDecoderLayerOptions& options = {})
      : ModuleHolder(std::make_shared<TransformerDecoderLayerImpl>(d_model, nhead, options)) {}
};

// num_layers copies of `encoder_layer` (same starting weights, as PyTorch's deepcopy), then `norm`
// on the output when given (any one-tensor module, usually a LayerNorm).
class TransformerEncoderImpl : public Module {
 public:
  TG_CLONEABLE
  TransformerEncoderImpl(const TransformerEncoderLayer& encoder_layer, int64_t num_layers,
                         std::shared_ptr<Module> norm = nullptr);
  Tensor forward(const Tensor& src) override { return forward(src, {}, {}, false); }
  Tensor forward(const Tensor& src, const Tensor& mask, const Tensor& src_key_padding_mask = {},
                 bool is_causal = false);
  template <class Holder>
  requires requires(const Holder& h) { std::shared_ptr<Module>(h.ptr()); }
  TransformerEncoderImpl(const TransformerEncoderLayer& encoder_layer, int64_t num_layers, const Holder& norm)
      : TransformerEncoderImpl(encoder_layer, num_layers, std::shared_ptr<Module>(norm.ptr())) {}

  ModuleList layers{nullptr};
  std::shared_ptr<Module> norm;
  int64_t num_layers;
};
TG_MODULE(TransformerEncoder);

class TransformerDecoderImpl : public Module {
 public:
  TG_CLONEABLE
  TransformerDecoderImpl(const TransformerDecoderLayer& decoder_layer, int64_t num_layers,
                         std::shared_ptr<Module> norm = nullptr);
  template <class Holder>
  requires requires(const Holder& h) { std::shared_ptr<Module>(h.ptr()); }
  TransformerDecoderImpl(const TransformerDecoderLayer& decoder_layer, int64_t num_layers, const Holder& norm)
      : TransformerDecoderImpl(decoder_layer, num_layers, std::shared_ptr<Module>(norm.ptr())) {}
  using Module::forward;
  // The decoder layer's arguments, passed to every layer.
  Tensor forward(const Tensor& tgt, const Tensor& memory, const Tensor& tgt_mask = {}, const Tensor& memory_mask = {},
                 const Tensor& tgt_key_padding_mask = {}, const Tensor& memory_key_padding_mask = {},
                 bool tgt_is_causal = false, bool memory_is_causal = false);

  ModuleList layers{nullptr};
  std::shared_ptr<Module> norm;
  int64_t num_layers;
};
TG_MODULE(TransformerDecoder);

struct TransformerOptions {
  int64_t d_model = 512;
  int64_t nhead = 8;
  int64_t num_encoder_layers = 6;
  int64_t num_decoder_layers = 6;
  int64_t dim_feedforward = 2048;
  double dropout = 0.1;
  std::string activation = "relu";  // or "gelu"
  // Used instead of building the stacks when given (their own layer options then apply).
  TransformerEncoder custom_encoder = nullptr;
  TransformerDecoder custom_decoder = nullptr;
  double layer_norm_eps = 1e-5;
  bool batch_first = false;
  bool norm_first = false;
  bool bias = true;
};

// The masks of Transformer's forward, with the decoder layer's meanings; src_mask is [S, S].
struct TransformerMasks {
  Tensor src_mask = {}, tgt_mask = {}, memory_mask = {};
  Tensor src_key_padding_mask = {}, tgt_key_padding_mask = {}, memory_key_padding_mask = {};
  bool src_is_causal = false, tgt_is_causal = false, memory_is_causal = false;
};

// An encoder and a decoder stack, each ending in a LayerNorm (or the custom ones); every weight
// matrix starts from xavier_uniform_ (PyTorch's _reset_parameters).
class TransformerImpl : public Module {
 public:
  TG_CLONEABLE
  explicit TransformerImpl(const TransformerOptions& options = {});
  using Module::forward;
  // src [S, N, E], tgt [T, N, E] (batch_first: N first; unbatched: no N) -> [T, N, E].
  Tensor forward(const Tensor& src, const Tensor& tgt, const TransformerMasks& masks = {});
  void reset_parameters();
  // [size, size] float: 0 on and below the diagonal, -inf above (a causal attention mask).
  static Tensor generate_square_subsequent_mask(int64_t size, const TensorOptions& options = {});

  TransformerOptions options;
  TransformerEncoder encoder{nullptr};
  TransformerDecoder decoder{nullptr};
};
class Transformer : public ModuleHolder<TransformerImpl> {
 public:
  using ModuleHolder::ModuleHolder;
  Transformer() : ModuleHolder(std::make_shared<TransformerImpl>()) {}
  explicit Transformer(const TransformerOptions& options) : ModuleHolder(std::make_shared<TransformerImpl>(options)) {}
  using ModuleHolder::operator();
  // Spelled out so that the masks can be brace-initialised: model(src, tgt, {.tgt_mask = m}).
  Tensor operator()(const Tensor& src, const Tensor& tgt, const TransformerMasks& masks) const {
    return detail::call_module(*get(), src, tgt, masks);
  }
};

}  // namespace tg::nn
