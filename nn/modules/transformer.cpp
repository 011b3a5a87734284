// MultiheadAttention (the math path, with explicit weights when asked for), the encoder and
// decoder layers (post-norm or pre-norm), their stacks and Transformer.
#include "tapegrad/nn/modules/transformer.h"

#include <cmath>
#include <limits>

#include "nn/functional/multi_head_attention.h"
#include "tapegrad/nn/functional/dropout.h"
#include "tapegrad/nn/init.h"
#include "tapegrad/tensor/factories.h"
#include "tapegrad/tensor/ops.h"

namespace tg::nn {

MultiheadAttentionImpl::MultiheadAttentionImpl(int64_t e, int64_t h, const MultiheadAttentionOptions& o)
    : Module("MultiheadAttention"),
      embed_dim(e),
      num_heads(h),
      head_dim(h > 0 ? e / h : 0),
      kdim(o.kdim > 0 ? o.kdim : e),
      vdim(o.vdim > 0 ? o.vdim : e),
      options(o) {
  TG_CHECK_VALUE(e > 0 && h > 0 && e % h == 0, "MultiheadAttention: embed_dim ({}) must be divisible by num_heads ({})",
                 e, h);
  TG_CHECK_VALUE(o.kdim >= 0 && o.vdim >= 0,
                 "MultiheadAttention: kdim and vdim must be positive (or 0: embed_dim), got {} and {}", o.kdim, o.vdim);
  // Every slot is registered, the unused ones empty (None in Python, as in PyTorch).
  const bool packed = kdim == e && vdim == e;
  register_parameter("in_proj_weight", packed ? empty({3 * e, e}) : Tensor(), &in_proj_weight);
  register_parameter("q_proj_weight", packed ? Tensor() : empty({e, e}), &q_proj_weight);
  register_parameter("k_proj_weight", packed ? Tensor() : empty({e, kdim}), &k_proj_weight);
  register_parameter("v_proj_weight", packed ? Tensor() : empty({e, vdim}), &v_proj_weight);
  register_parameter("in_proj_bias", o.bias ? empty({3 * e}) : Tensor(), &in_proj_bias);
  register_parameter("bias_k", o.add_bias_kv ? empty({1, 1, e}) : Tensor(), &bias_k);
  register_parameter("bias_v", o.add_bias_kv ? empty({1, 1, e}) : Tensor(), &bias_v);
  register_module("out_proj", Linear(e, e, o.bias), &out_proj);
  reset_parameters();
}

void MultiheadAttentionImpl::reset_parameters() {
  for (Tensor* w : {&in_proj_weight, &q_proj_weight, &k_proj_weight, &v_proj_weight})
    if (w->defined()) init::xavier_uniform_(*w);
  if (in_proj_bias.defined()) {
    init::zeros_(in_proj_bias);
    init::zeros_(out_proj->bias);
  }
  if (bias_k.defined()) {
    init::xavier_normal_(bias_k);
    init::xavier_normal_(bias_v);
  }
}

std::string MultiheadAttentionImpl::extra_repr() const {
  return fmt::format("embed_dim={}, num_heads={}, dropout={}, batch_first={}", embed_dim, num_heads, options.dropout,
                     options.batch_first ? "True" : "False");
}

std::tuple<Tensor, Tensor> MultiheadAttentionImpl::forward(const Tensor& query, const Tensor& key, const Tensor& value,
                                                           const MultiheadAttentionForward& args) {
  const char* op = "MultiheadAttention";
  TG_CHECK(query.defined() && key.defined() && value.defined(), "{}: query, key and value must be defined", op);
  TG_CHECK(query.dim() == key.dim() && key.dim() == value.dim() && (query.dim() == 2 || query.dim() == 3),
           "{}: expected query, key and value all 2-D (unbatched) or all 3-D, got shapes {}, {} and {}", op,
           query.sizes(), key.sizes(), value.sizes());
  // batch_first: to [L, N, E], one tensor for what was one (self-attention projects once).
  const bool transpose = options.batch_first && query.dim() == 3;
  auto seq_first = [&](const Tensor& t) { return transpose ? t.transpose(0, 1) : t; };
  const Tensor q = seq_first(query);
  const Tensor k = key.is_same(query) ? q : seq_first(key);
  const Tensor v = value.is_same(key) ? k : seq_first(value);
  const int64_t l = q.sizes()[0], s = k.sizes()[0];
  functional::MultiHeadAttentionForwardOptions o;
  o.embed_dim_to_check = embed_dim;
  o.num_heads = num_heads;
  o.in_proj_weight = in_proj_weight;
  o.in_proj_bias = in_proj_bias;
  o.bias_k = bias_k;
  o.bias_v = bias_v;
  o.add_zero_attn = options.add_zero_attn;
  o.dropout_p = options.dropout;
  o.out_proj_weight = out_proj->weight;
  o.out_proj_bias = out_proj->bias;
  o.training = is_training();
  o.key_padding_mask = args.key_padding_mask;
  o.need_weights = args.need_weights;
  o.attn_mask = args.attn_mask;
  o.use_separate_proj_weight = !in_proj_weight.defined();
  o.q_proj_weight = q_proj_weight;
  o.k_proj_weight = k_proj_weight;
  o.v_proj_weight = v_proj_weight;
  o.average_attn_weights = args.average_attn_weights;
  o.is_causal = args.is_causal;
  if (args.is_causal && !args.attn_mask.defined())  // query i sees keys j <= i
    o.attn_mask = ones({l, s}, TensorOptions(kBool).device(q.device())).tril().logical_not();
  auto [out, weights] = functional::multi_head_attention(op, q, k, v, o);
  return {transpose ? out.transpose(0, 1) : out, weights};
}

namespace {

void check_layer(const char* op, int64_t d_model, int64_t nhead, const TransformerEncoderLayerOptions& o) {
  TG_CHECK_VALUE(o.activation == "relu" || o.activation == "gelu",
                 "{}: activation must be \"relu\" or \"gelu\", got \"{}\"", op, o.activation);
  TG_CHECK_VALUE(d_model > 0 && nhead > 0 && o.dim_feedforward > 0,
                 "{}: d_model, nhead and dim_feedforward must be positive, got {}, {} and {}", op, d_model, nhead,
                 o.dim_feedforward);
}

MultiheadAttention make_attention(int64_t d_model, int64_t nhead, const TransformerEncoderLayerOptions& o) {
  return MultiheadAttention(d_model, nhead, {.dropout = o.dropout, .bias = o.bias, .batch_first = o.batch_first});
}

// Attention of x to kv without weights, then dropout: the layers' _sa_block and _mha_block.
Tensor attention_block(MultiheadAttention& attn, Dropout& drop, const Tensor& x, const Tensor& kv, const Tensor& mask,
                       const Tensor& key_padding_mask, bool is_causal) {
  MultiheadAttentionForward args;
  args.key_padding_mask = key_padding_mask;
  args.need_weights = false;
  args.attn_mask = mask;
  args.is_causal = is_causal && !mask.defined();
  return drop(std::get<0>(attn(x, kv, kv, args)));
}

// linear2(dropout(activation(linear1(x)))), before the block's own dropout.
Tensor feed_forward(const Tensor& x, Linear& linear1, Dropout& dropout, Linear& linear2,
                    const std::string& activation) {
  Tensor h = linear1(x);
  h = activation == "gelu" ? gelu(h) : relu(h);
  return linear2(dropout(h));
}

template <class Layer>
ModuleList stack_copies(const char* op, const Layer& layer, int64_t num_layers) {
  TG_CHECK_VALUE(num_layers > 0, "{}: num_layers must be positive, got {}", op, num_layers);
  ModuleList layers;
  for (int64_t i = 0; i < num_layers; ++i) layers->push_back(layer.clone());  // deep copies, as PyTorch's _get_clones
  return layers;
}

// A stack's layer as the layer type it calls (a replaced entry may be of another type).
template <class Layer>
Layer& stacked_layer(const std::string& stack, const char* expected, Module& layer) {
  auto* typed = dynamic_cast<Layer*>(&layer);
  TG_CHECK_TYPE(typed != nullptr, "{}: its layers must be {}s, got a {}", stack, expected, layer.name());
  return *typed;
}

}  // namespace

TransformerEncoderLayerImpl::TransformerEncoderLayerImpl(int64_t d, int64_t h, const TransformerEncoderLayerOptions& o)
    : Module("TransformerEncoderLayer"), d_model(d), nhead(h), options(o) {
  check_layer("TransformerEncoderLayer", d, h, o);
  register_module("self_attn", make_attention(d, h, o), &self_attn);
  register_module("linear1", Linear(d, o.dim_feedforward, o.bias), &linear1);
  register_module("dropout", Dropout(o.dropout), &dropout);
  register_module("linear2", Linear(o.dim_feedforward, d, o.bias), &linear2);
  register_module("norm1", LayerNorm(Shape{d}, o.layer_norm_eps, true, o.bias), &norm1);
  register_module("norm2", LayerNorm(Shape{d}, o.layer_norm_eps, true, o.bias), &norm2);
  register_module("dropout1", Dropout(o.dropout), &dropout1);
  register_module("dropout2", Dropout(o.dropout), &dropout2);
}

Tensor TransformerEncoderLayerImpl::forward(const Tensor& src, const Tensor& src_mask, const Tensor& src_key_padding_mask,
                                            bool is_causal) {
  auto attend = [&](const Tensor& x) {
    return attention_block(self_attn, dropout1, x, x, src_mask, src_key_padding_mask, is_causal);
  };
  auto ff = [&](const Tensor& x) { return dropout2(feed_forward(x, linear1, dropout, linear2, options.activation)); };
  Tensor x = src;
  if (options.norm_first) {
    x = x + attend(norm1(x));
    return x + ff(norm2(x));
  }
  x = norm1(x + attend(x));
  return norm2(x + ff(x));
}

TransformerDecoderLayerImpl::TransformerDecoderLayerImpl(int64_t d, int64_t h, const TransformerDecoderLayerOptions& o)
    : Module("TransformerDecoderLayer"), d_model(d), nhead(h), options(o) {
  check_layer("TransformerDecoderLayer", d, h, o);
  register_module("self_attn", make_attention(d, h, o), &self_attn);
  register_module("multihead_attn", make_attention(d, h, o), &multihead_attn);
  register_module("linear1", Linear(d, o.dim_feedforward, o.bias), &linear1);
  register_module("dropout", Dropout(o.dropout), &dropout);
  register_module("linear2", Linear(o.dim_feedforward, d, o.bias), &linear2);
  register_module("norm1", LayerNorm(Shape{d}, o.layer_norm_eps, true, o.bias), &norm1);
  register_module("norm2", LayerNorm(Shape{d}, o.layer_norm_eps, true, o.bias), &norm2);
  register_module("norm3", LayerNorm(Shape{d}, o.layer_norm_eps, true, o.bias), &norm3);
  register_module("dropout1", Dropout(o.dropout), &dropout1);
  register_module("dropout2", Dropout(o.dropout), &dropout2);
  register_module("dropout3", Dropout(o.dropout), &dropout3);
}

Tensor TransformerDecoderLayerImpl::forward(const Tensor& tgt, const Tensor& memory, const Tensor& tgt_mask,
                                            const Tensor& memory_mask, const Tensor& tgt_key_padding_mask,
                                            const Tensor& memory_key_padding_mask, bool tgt_is_causal,
                                            bool memory_is_causal) {
  TG_CHECK(memory.defined() && memory.dim() == tgt.dim(),
           "TransformerDecoderLayer: memory must have as many dimensions as tgt {}, got {}", tgt.sizes(),
           memory.defined() ? memory.sizes() : Shape{});
  auto self_block = [&](const Tensor& x) {
    return attention_block(self_attn, dropout1, x, x, tgt_mask, tgt_key_padding_mask, tgt_is_causal);
  };
  auto cross_block = [&](const Tensor& x) {
    return attention_block(multihead_attn, dropout2, x, memory, memory_mask, memory_key_padding_mask, memory_is_causal);
  };
  auto ff = [&](const Tensor& x) { return dropout3(feed_forward(x, linear1, dropout, linear2, options.activation)); };
  Tensor x = tgt;
  if (options.norm_first) {
    x = x + self_block(norm1(x));
    x = x + cross_block(norm2(x));
    return x + ff(norm3(x));
  }
  x = norm1(x + self_block(x));
  x = norm2(x + cross_block(x));
  return norm3(x + ff(x));
}

TransformerEncoderImpl::TransformerEncoderImpl(const TransformerEncoderLayer& encoder_layer, int64_t num_layers,
                                               std::shared_ptr<Module> norm_module)
    : Module("TransformerEncoder"), num_layers(num_layers) {
  register_module("layers", stack_copies("TransformerEncoder", *encoder_layer, num_layers), &layers);
  if (norm_module) register_module("norm", std::move(norm_module), &norm);
}

Tensor TransformerEncoderImpl::forward(const Tensor& src, const Tensor& mask, const Tensor& src_key_padding_mask,
                                       bool is_causal) {
  Tensor x = src;
  for (const auto& layer : *layers)
    x = stacked_layer<TransformerEncoderLayerImpl>(name(), "TransformerEncoderLayer", *layer)
            .forward(x, mask, src_key_padding_mask, is_causal);
  return norm ? (*norm)(x) : x;
}

TransformerDecoderImpl::TransformerDecoderImpl(const TransformerDecoderLayer& decoder_layer, int64_t num_layers,
                                               std::shared_ptr<Module> norm_module)
    : Module("TransformerDecoder"), num_layers(num_layers) {
  register_module("layers", stack_copies("TransformerDecoder", *decoder_layer, num_layers), &layers);
  if (norm_module) register_module("norm", std::move(norm_module), &norm);
}

Tensor TransformerDecoderImpl::forward(const Tensor& tgt, const Tensor& memory, const Tensor& tgt_mask,
                                       const Tensor& memory_mask, const Tensor& tgt_key_padding_mask,
                                       const Tensor& memory_key_padding_mask, bool tgt_is_causal,
                                       bool memory_is_causal) {
  Tensor x = tgt;
  for (const auto& layer : *layers)
    x = stacked_layer<TransformerDecoderLayerImpl>(name(), "TransformerDecoderLayer", *layer)
            .forward(x, memory, tgt_mask, memory_mask, tgt_key_padding_mask, memory_key_padding_mask, tgt_is_causal,
                     memory_is_causal);
  return norm ? (*norm)(x) : x;
}

TransformerImpl::TransformerImpl(const TransformerOptions& o) : Module("Transformer"), options(o) {
  const TransformerEncoderLayerOptions layer{o.dim_feedforward, o.dropout,    o.activation, o.layer_norm_eps,
                                             o.batch_first,     o.norm_first, o.bias};
  auto final_norm = [&] { return LayerNorm(Shape{o.d_model}, o.layer_norm_eps, true, o.bias); };
  register_module("encoder",
                  o.custom_encoder ? o.custom_encoder
                                   : TransformerEncoder(TransformerEncoderLayer(o.d_model, o.nhead, layer),
                                                        o.num_encoder_layers, final_norm()),
                  &encoder);
  register_module("decoder",
                  o.custom_decoder ? o.custom_decoder
                                   : TransformerDecoder(TransformerDecoderLayer(o.d_model, o.nhead, layer),
                                                        o.num_decoder_layers, final_norm()),
                  &decoder);
  reset_parameters();
}

void TransformerImpl::reset_parameters() {
  for (const Tensor& p : parameters())
    if (p.dim() > 1) init::xavier_uniform_(p);
}

Tensor TransformerImpl::generate_square_subsequent_mask(int64_t size, const TensorOptions& options) {
  TG_CHECK_VALUE(size >= 0, "Transformer.generate_square_subsequent_mask: size must be non-negative, got {}", size);
  return full({size, size}, -std::numeric_limits<double>::infinity(), options).triu(1);
}

Tensor TransformerImpl::forward(const Tensor& src, const Tensor& tgt, const TransformerMasks& m) {
  const char* op = "Transformer";
  TG_CHECK(src.defined() && tgt.defined() && src.dim() == tgt.dim() && (src.dim() == 2 || src.dim() == 3),
           "{}: expected src and tgt both 2-D (unbatched) or both 3-D, got shapes {} and {}", op,
           src.defined() ? src.sizes() : Shape{}, tgt.defined() ? tgt.sizes() : Shape{});
  const int64_t batch_dim = options.batch_first ? 0 : 1;
  TG_CHECK(src.dim() == 2 || src.sizes()[batch_dim] == tgt.sizes()[batch_dim],
           "{}: src {} and tgt {} must have the same batch size", op, src.sizes(), tgt.sizes());
  TG_CHECK(src.sizes()[src.dim() - 1] == options.d_model && tgt.sizes()[tgt.dim() - 1] == options.d_model,
           "{}: src {} and tgt {} must have d_model = {} features", op, src.sizes(), tgt.sizes(), options.d_model);
  Tensor memory = encoder->forward(src, m.src_mask, m.src_key_padding_mask, m.src_is_causal);
  return decoder->forward(tgt, memory, m.tgt_mask, m.memory_mask, m.tgt_key_padding_mask, m.memory_key_padding_mask,
                          m.tgt_is_causal, m.memory_is_causal);
}

}  // namespace tg::nn
