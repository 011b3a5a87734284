// MultiheadAttention (the math path, with explicit weights when asked for) and
// TransformerEncoderLayer (post-norm or pre-norm).
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
  in_proj_weight = register_parameter("in_proj_weight", empty({3 * e, e}));
  if (o.bias) in_proj_bias = register_parameter("in_proj_bias", empty({3 * e}));
  out_proj = register_module("out_proj", Linear(e, e, o.bias));
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

TransformerEncoderLayerImpl::TransformerEncoderLayerImpl(int64_t d_model, int64_t nhead,
                                                         const TransformerEncoderLayerOptions& o)
    : Module("TransformerEncoderLayer"), options(o) {
  TG_CHECK_VALUE(o.activation == "relu" || o.activation == "gelu",
                 "TransformerEncoderLayer: activation must be \"relu\" or \"gelu\", got \"{}\"", o.activation);
  self_attn = register_module("self_attn", MultiheadAttention(d_model, nhead,
                                                              {.dropout = o.dropout, .bias = o.bias, .batch_first = o.batch_first}));
  linear1 = register_module("linear1", Linear(d_model, o.dim_feedforward, o.bias));
  dropout = register_module("dropout", Dropout(o.dropout));
  linear2 = register_module("linear2", Linear(o.dim_feedforward, d_model, o.bias));
  norm1 = register_module("norm1", LayerNorm(Shape{d_model}, o.layer_norm_eps, true, o.bias));
  norm2 = register_module("norm2", LayerNorm(Shape{d_model}, o.layer_norm_eps, true, o.bias));
  dropout1 = register_module("dropout1", Dropout(o.dropout));
  dropout2 = register_module("dropout2", Dropout(o.dropout));
}

Tensor TransformerEncoderLayerImpl::feed_forward(const Tensor& x) {
  Tensor h = linear1(x);
  h = options.activation == "gelu" ? gelu(h) : relu(h);
  return dropout2(linear2(dropout(h)));
}

Tensor TransformerEncoderLayerImpl::forward(const Tensor& src, const Tensor& src_mask, const Tensor& src_key_padding_mask,
                                            bool is_causal) {
  auto attend = [&](const Tensor& x) {
    MultiheadAttentionForward args;
    args.key_padding_mask = src_key_padding_mask;
    args.need_weights = false;
    args.attn_mask = src_mask;
    args.is_causal = is_causal && !src_mask.defined();
    return dropout1(std::get<0>(self_attn->forward(x, x, x, args)));
  };
  Tensor x = src;
  if (options.norm_first) {
    x = x + attend(norm1(x));
    return x + feed_forward(norm2(x));
  }
  x = norm1(x + attend(x));
  return norm2(x + feed_forward(x));
}

}  // namespace tg::nn
