// MultiheadAttention (the math path, with explicit weights when asked for), the encoder and
// decoder layers (post-norm or pre-norm), their stacks and Transformer.
#include "tapegrad/nn/modules/transformer.h"

#include <cmath>
#include <limits>

#include "tapegrad/nn/functional/attention.h"
#include "tapegrad/nn/functional/dropout.h"
#include "tapegrad/nn/init.h"
#include "tapegrad/tensor/factories.h"
#include "tapegrad/tensor/ops.h"

namespace tg::nn {

MultiheadAttentionImpl::MultiheadAttentionImpl(int64_t e, int64_t h, const MultiheadAttentionOptions& o)
    : Module("MultiheadAttention"), embed_dim(e), num_heads(h), head_dim(h > 0 ? e / h : 0), options(o) {
  TG_CHECK_VALUE(e > 0 && h > 0 && e % h == 0, "MultiheadAttention: embed_dim ({}) must be divisible by num_heads ({})",
                 e, h);
  register_parameter("in_proj_weight", empty({3 * e, e}), &in_proj_weight);
  register_parameter("in_proj_bias", o.bias ? empty({3 * e}) : Tensor(), &in_proj_bias);
  register_module("out_proj", Linear(e, e, o.bias), &out_proj);
  reset_parameters();
}

void MultiheadAttentionImpl::reset_parameters() {
  init::xavier_uniform_(in_proj_weight);
  if (in_proj_bias.defined()) {
    init::zeros_(in_proj_bias);
    init::zeros_(out_proj->bias);
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
  const bool batched = query.dim() == 3;
  // To [N, L, E].
  auto to_nle = [&](const Tensor& t) {
    if (!batched) return t.unsqueeze(0);
    return options.batch_first ? t : t.transpose(0, 1);
  };
  Tensor q = to_nle(query), k = to_nle(key), v = to_nle(value);
  const int64_t n = q.sizes()[0], l = q.sizes()[1], s = k.sizes()[1];
  TG_CHECK(q.sizes()[2] == embed_dim && k.sizes()[2] == embed_dim && v.sizes()[2] == embed_dim,
           "{}: expected embedding size {}, got query {}, key {}, value {}", op, embed_dim, query.sizes(), key.sizes(),
           value.sizes());
  TG_CHECK(k.sizes()[0] == n && v.sizes()[0] == n && v.sizes()[1] == s,
           "{}: key and value must match the query's batch and each other's length, got {} and {}", op, key.sizes(),
           value.sizes());
  tensor_list w = in_proj_weight.chunk(3, 0);
  tensor_list b = in_proj_bias.defined() ? in_proj_bias.chunk(3, 0) : tensor_list(3);
  auto project = [&](const Tensor& x, int i, int64_t len) {
    Tensor y = matmul(x, w[static_cast<size_t>(i)].t());
    if (b[static_cast<size_t>(i)].defined()) y = y + b[static_cast<size_t>(i)];
    return y.view({n, len, num_heads, head_dim}).transpose(1, 2);  // [N, heads, len, hd]
  };
  Tensor qh = project(q, 0, l), kh = project(k, 1, s), vh = project(v, 2, s);

  // One additive mask [N or 1, heads or 1, L, S] from attn_mask, key_padding_mask and is_causal.
  constexpr double kNegInf = -std::numeric_limits<double>::infinity();
  Tensor mask;
  auto additive = [&](const Tensor& m) {
    return m.dtype() == kBool ? where(m, kNegInf, 0.0).to(q.dtype()) : m.to(q.dtype());
  };
  if (args.attn_mask.defined()) {
    const Tensor& am = args.attn_mask;
    if (am.dim() == 2) {
      TG_CHECK(am.sizes() == Shape({l, s}), "{}: attn_mask should have shape [{}, {}], got {}", op, l, s, am.sizes());
      mask = additive(am).view({1, 1, l, s});
    } else {
      TG_CHECK(am.dim() == 3 && am.sizes() == Shape({n * num_heads, l, s}),
               "{}: a 3-D attn_mask should have shape [{}, {}, {}], got {}", op, n * num_heads, l, s, am.sizes());
      mask = additive(am).view({n, num_heads, l, s});
    }
  } else if (args.is_causal) {
    mask = additive(ones({l, s}, TensorOptions(kBool).device(q.device())).tril().logical_not()).view({1, 1, l, s});
  }
  if (args.key_padding_mask.defined()) {
    const Tensor& kp = args.key_padding_mask;
    const Shape expected = batched ? Shape{n, s} : Shape{s};
    TG_CHECK(kp.sizes() == expected, "{}: key_padding_mask should have shape {}, got {}", op, expected, kp.sizes());
    Tensor km = additive(kp).view({n, 1, 1, s});
    mask = mask.defined() ? mask + km : km;
  }

  Tensor attn, weights;
  const double p = is_training() ? options.dropout : 0.0;
  if (!args.need_weights) {
    attn = functional::scaled_dot_product_attention(qh, kh, vh, {.attn_mask = mask, .dropout_p = p});
  } else {
    Tensor scores = matmul(qh, kh.mT()) / std::sqrt(static_cast<double>(head_dim));
    if (mask.defined()) scores = scores + mask;
    weights = softmax(scores, -1);
    Tensor dropped = p > 0 ? functional::dropout(weights, p, true) : weights;
    attn = matmul(dropped, vh);
  }
  Tensor out = out_proj(attn.transpose(1, 2).reshape({n, l, embed_dim}));
  if (!batched) {
    out = out.squeeze(0);
  } else if (!options.batch_first) {
    out = out.transpose(0, 1);
  }
  if (weights.defined()) {
    if (args.average_attn_weights) weights = weights.mean({1});
    if (!batched) weights = weights.squeeze(0);
  }
  return {out, weights};
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
    : Module("TransformerEncoder") {
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
    : Module("TransformerDecoder") {
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
