// multi_head_attention_forward, step for step as PyTorch's (torch.nn.functional): project the
// query, key and value, append bias_k/bias_v and a zero key if asked, fold the key padding mask
// into the attention mask, then attend per head, with explicit weights when they are wanted and
// through scaled_dot_product_attention when not.
#include <cmath>
#include <limits>

#include "nn/functional/multi_head_attention.h"
#include "tapegrad/nn/functional/dropout.h"
#include "tapegrad/nn/functional/linear.h"
#include "tapegrad/tensor/factories.h"
#include "tapegrad/tensor/ops.h"
#include "tensor/ops/common.h"

namespace tg::nn::functional {
namespace {

const std::vector<int64_t> kOneMore{0, 1};  // a mask's padding for one more key, which it lets through

// A mask as the scores' addend: bool true (may not attend) becomes -inf, a float mask stays.
Tensor additive_mask(const char* op, const char* name, const Tensor& mask, DType dtype) {
  if (!mask.defined()) return mask;
  if (mask.dtype() == kBool) return where(mask, -std::numeric_limits<double>::infinity(), 0.0).to(dtype);
  TG_CHECK_TYPE(mask.is_floating_point(), "{}: {} must be bool or floating point, got {}", op, name, mask.dtype());
  return mask.to(dtype);
}

// Whether the call is batched (query [L, N, E]) or not ([L, E]), with the masks' shapes checked
// against that (PyTorch's _mha_shape_check).
bool check_shapes(const char* op, const Tensor& query, const Tensor& key, const Tensor& value,
                  const MultiHeadAttentionForwardOptions& o) {
  TG_CHECK(query.dim() == 2 || query.dim() == 3,
           "{}: query should be unbatched 2-D or batched 3-D, got a {}-D query of shape {}", op, query.dim(),
           query.sizes());
  const bool batched = query.dim() == 3;
  TG_CHECK(key.dim() == query.dim() && value.dim() == query.dim(),
           "{}: for a {} query of shape {}, key and value must be {}-D too, got shapes {} and {}", op,
           batched ? "batched" : "unbatched", query.sizes(), query.dim(), key.sizes(), value.sizes());
  if (o.key_padding_mask.defined())
    TG_CHECK(o.key_padding_mask.dim() == query.dim() - 1,
             "{}: for a {} query, key_padding_mask must be {}-D, got shape {}", op, batched ? "batched" : "unbatched",
             query.dim() - 1, o.key_padding_mask.sizes());
  if (o.attn_mask.defined()) {
    TG_CHECK(o.attn_mask.dim() == 2 || o.attn_mask.dim() == 3, "{}: attn_mask must be 2-D or 3-D, got shape {}", op,
             o.attn_mask.sizes());
    if (!batched && o.attn_mask.dim() == 3)
      TG_CHECK(o.attn_mask.sizes()[0] == o.num_heads,
               "{}: a 3-D attn_mask of an unbatched query must have num_heads ({}) first, got shape {}", op, o.num_heads,
               o.attn_mask.sizes());
  }
  return batched;
}

// The query, key and value projected: one matrix product for self-attention (one tensor for
// all three), else three.
std::tuple<Tensor, Tensor, Tensor> project(const char* op, const Tensor& q, const Tensor& k, const Tensor& v,
                                           const MultiHeadAttentionForwardOptions& o, int64_t e) {
  const tensor_list b = o.in_proj_bias.defined() ? o.in_proj_bias.chunk(3, 0) : tensor_list(3);
  if (o.use_separate_proj_weight) {
    TG_CHECK(o.q_proj_weight.defined() && o.k_proj_weight.defined() && o.v_proj_weight.defined(),
             "{}: use_separate_proj_weight needs q_proj_weight, k_proj_weight and v_proj_weight", op);
    TG_CHECK(o.q_proj_weight.sizes() == Shape({e, e}) &&
                 o.k_proj_weight.sizes() == Shape({e, k.sizes()[k.dim() - 1]}) &&
                 o.v_proj_weight.sizes() == Shape({e, v.sizes()[v.dim() - 1]}),
             "{}: q_proj_weight {}, k_proj_weight {} and v_proj_weight {} must be [E, E], [E, kdim] and [E, vdim] for "
             "E = {}, query {}, key {} and value {}",
             op, o.q_proj_weight.sizes(), o.k_proj_weight.sizes(), o.v_proj_weight.sizes(), e, q.sizes(), k.sizes(),
             v.sizes());
    return {linear(q, o.q_proj_weight, b[0]), linear(k, o.k_proj_weight, b[1]), linear(v, o.v_proj_weight, b[2])};
  }
  TG_CHECK(o.in_proj_weight.defined() && o.in_proj_weight.sizes() == Shape({3 * e, e}),
           "{}: in_proj_weight must be [3E, E] = [{}, {}], got {}", op, 3 * e, e,
           o.in_proj_weight.defined() ? o.in_proj_weight.sizes() : Shape{});
  TG_CHECK(k.sizes()[k.dim() - 1] == e && v.sizes()[v.dim() - 1] == e,
           "{}: key {} and value {} must have the query's embedding size {} (or use_separate_proj_weight)", op,
           k.sizes(), v.sizes(), e);
  if (q.is_same(k) && k.is_same(v)) {
    tensor_list qkv = linear(q, o.in_proj_weight, o.in_proj_bias).chunk(3, -1);
    return {qkv[0], qkv[1], qkv[2]};
  }
  const tensor_list w = o.in_proj_weight.chunk(3, 0);
  return {linear(q, w[0], b[0]), linear(k, w[1], b[1]), linear(v, w[2], b[2])};
}

}  // namespace

std::tuple<Tensor, Tensor> multi_head_attention(const char* op, const Tensor& query_in, const Tensor& key_in,
                                                const Tensor& value_in, const MultiHeadAttentionForwardOptions& o) {
  ops::check_defined(op, query_in, "query");
  ops::check_defined(op, key_in, "key");
  ops::check_defined(op, value_in, "value");
  const bool batched = check_shapes(op, query_in, key_in, value_in, o);
  // Unbatched inputs get a batch of one (keeping self-attention's one tensor one tensor).
  auto batch = [&](const Tensor& t) { return batched ? t : t.unsqueeze(1); };
  const Tensor query = batch(query_in);
  const Tensor key = key_in.is_same(query_in) ? query : batch(key_in);
  const Tensor value = value_in.is_same(key_in) ? key : batch(value_in);
  const int64_t l = query.sizes()[0], n = query.sizes()[1], e = query.sizes()[2], h = o.num_heads;
  TG_CHECK_VALUE(h > 0 && e % h == 0, "{}: embed_dim ({}) must be divisible by num_heads ({})", op, e, h);
  TG_CHECK(e == o.embed_dim_to_check, "{}: expected a query of embedding size {}, got shape {}", op,
           o.embed_dim_to_check, query_in.sizes());
  TG_CHECK(key.sizes()[1] == n && value.sizes()[1] == n && key.sizes()[0] == value.sizes()[0],
           "{}: key {} and value {} must match each other's length and the query's batch ({})", op, key_in.sizes(),
           value_in.sizes(), query_in.sizes());
  TG_CHECK_VALUE(!o.is_causal || o.attn_mask.defined(),
                 "{}: is_causal is a hint that attn_mask is causal: it needs attn_mask (Transformer's "
                 "generate_square_subsequent_mask makes one)",
                 op);
  const int64_t hd = e / h;
  const DType dt = query.dtype();
  Tensor kpm = additive_mask(op, "key_padding_mask", o.key_padding_mask, dt);
  if (kpm.defined() && !batched) kpm = kpm.unsqueeze(0);
  Tensor mask = additive_mask(op, "attn_mask", o.attn_mask, dt);

  auto [q, k, v] = project(op, query, key, value, o, e);
  int64_t s = k.sizes()[0];
  if (mask.defined()) {
    if (mask.dim() == 2) {
      TG_CHECK(mask.sizes() == Shape({l, s}), "{}: a 2-D attn_mask must be [L, S] = [{}, {}], got {}", op, l, s,
               mask.sizes());
      mask = mask.unsqueeze(0);
    } else {
      TG_CHECK(mask.sizes() == Shape({n * h, l, s}), "{}: a 3-D attn_mask must be [N * num_heads, L, S] = [{}, {}, {}], got {}",
               op, n * h, l, s, mask.sizes());
    }
  }
  if (o.bias_k.defined() || o.bias_v.defined()) {
    TG_CHECK(o.bias_k.defined() && o.bias_v.defined(), "{}: bias_k and bias_v come together", op);
    TG_CHECK(!o.static_k.defined() && !o.static_v.defined(), "{}: bias_k and bias_v cannot go with static_k, static_v",
             op);
    k = cat({k, o.bias_k.expand({1, n, e})});
    v = cat({v, o.bias_v.expand({1, n, e})});
    if (mask.defined()) mask = tg::pad(mask, kOneMore);
    if (kpm.defined()) kpm = tg::pad(kpm, kOneMore);
  }
  // To [N * heads, len, hd].
  auto heads = [&](const Tensor& t, const Tensor& fixed, const char* name) {
    if (!fixed.defined()) return t.reshape({t.sizes()[0], n * h, hd}).transpose(0, 1);
    TG_CHECK(fixed.dim() == 3 && fixed.sizes()[0] == n * h && fixed.sizes()[2] == hd,
             "{}: {} must be [N * num_heads, S, head_dim] = [{}, S, {}], got {}", op, name, n * h, hd, fixed.sizes());
    return fixed;
  };
  q = heads(q, Tensor(), "query");
  k = heads(k, o.static_k, "static_k");
  v = heads(v, o.static_v, "static_v");
  if (o.add_zero_attn) {
    const TensorOptions like = TensorOptions(k.dtype()).device(k.device());
    k = cat({k, zeros({n * h, 1, hd}, like)}, 1);
    v = cat({v, zeros({n * h, 1, hd}, TensorOptions(v.dtype()).device(v.device()))}, 1);
    if (mask.defined()) mask = tg::pad(mask, kOneMore);
    if (kpm.defined()) kpm = tg::pad(kpm, kOneMore);
  }
  s = k.sizes()[1];
  TG_CHECK(v.sizes()[1] == s, "{}: {} keys but {} values", op, s, v.sizes()[1]);
  if (kpm.defined()) {
    TG_CHECK(kpm.sizes() == Shape({n, s}), "{}: key_padding_mask must be [N, S] = [{}, {}], got {}", op, n, s,
             o.key_padding_mask.sizes());
    kpm = kpm.view({n, 1, 1, s}).expand({n, h, 1, s}).reshape({n * h, 1, s});
    mask = mask.defined() ? mask + kpm : kpm;
  }
  const double p = o.training ? o.dropout_p : 0.0;
  Tensor out, weights;
  if (o.need_weights) {
    Tensor scores = matmul(q * std::sqrt(1.0 / static_cast<double>(hd)), k.mT());
    if (mask.defined()) scores = scores + mask;
    weights = softmax(scores, -1);
    out = matmul(p > 0 ? dropout(weights, p, true) : weights, v);  // [N * heads, L, hd]
    out = out.transpose(0, 1).reshape({l * n, e});
    weights = weights.view({n, h, l, s});
    if (o.average_attn_weights) weights = weights.mean({1});
    if (!batched) weights = weights.squeeze(0);
  } else {
    if (mask.defined()) mask = mask.sizes()[0] == 1 ? mask.unsqueeze(0) : mask.view({n, h, -1, s});
    out = scaled_dot_product_attention(q.reshape({n, h, l, hd}), k.reshape({n, h, s, hd}), v.reshape({n, h, s, hd}),
                                       {.attn_mask = mask, .dropout_p = p});
    out = out.permute({2, 0, 1, 3}).reshape({l * n, e});
  }
  out = linear(out, o.out_proj_weight, o.out_proj_bias).view({l, n, -1});
  if (!batched) out = out.squeeze(1);
  return {out, weights};
}

std::tuple<Tensor, Tensor> multi_head_attention_forward(const Tensor& query, const Tensor& key, const Tensor& value,
                                                        const MultiHeadAttentionForwardOptions& options, SourceLoc loc) {
  const char* op = "multi_head_attention_forward";
  tg::detail::ApiScope scope(op, loc);
  return multi_head_attention(op, query, key, value, options);
}

}  // namespace tg::nn::functional
