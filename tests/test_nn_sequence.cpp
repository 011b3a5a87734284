// LSTM, GRU, MultiheadAttention and TransformerEncoderLayer against step-by-step references
// written from PyTorch's documented formulas, plus shapes, names, masks and gradients.
#include <cmath>

#include "test_util.h"

using namespace tg;
using tgtest::close;

namespace {

// Gate block k of a [G * H, ...] weight.
Tensor gate(const Tensor& w, int64_t k, int64_t h) { return w.narrow(0, k * h, h); }

}  // namespace

TEST(RNN, LSTMMatchesTheCellFormulas) {
  manual_seed(5);
  const int64_t in = 3, hid = 4, steps = 5, n = 2;
  nn::LSTM lstm(in, hid);
  lstm->to(kFloat64);
  EXPECT_EQ(lstm->named_parameters().keys(),
            (std::vector<std::string>{"weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0"}));
  EXPECT_EQ(lstm->named_parameters()["weight_ih_l0"].sizes(), Shape({16, 3}));
  Tensor x = randn({steps, n, in}, kFloat64), h0 = randn({1, n, hid}, kFloat64), c0 = randn({1, n, hid}, kFloat64);
  auto [out, state] = lstm(x, std::tuple{h0, c0});
  auto p = lstm->named_parameters();
  Tensor h = h0[0], c = c0[0];
  for (int64_t t = 0; t < steps; ++t) {
    auto lin = [&](int64_t k) {
      return matmul(x[t], gate(p["weight_ih_l0"], k, hid).t()) + gate(p["bias_ih_l0"], k, hid) +
             matmul(h, gate(p["weight_hh_l0"], k, hid).t()) + gate(p["bias_hh_l0"], k, hid);
    };
    Tensor i = sigmoid(lin(0)), f = sigmoid(lin(1)), g = tanh(lin(2)), o = sigmoid(lin(3));
    c = f * c + i * g;
    h = o * tanh(c);
    EXPECT_TRUE(close(out[t], h, 1e-10, 1e-12)) << "step " << t;
  }
  EXPECT_TRUE(close(std::get<0>(state)[0], h, 1e-10, 1e-12));
  EXPECT_TRUE(close(std::get<1>(state)[0], c, 1e-10, 1e-12));
  // Default states are zeros; unbatched input.
  auto [u, us] = lstm(x.select(1, 0));
  auto [b1, bs1] = lstm(x.narrow(1, 0, 1));
  EXPECT_TRUE(close(u, b1.squeeze(1)));
  EXPECT_EQ(std::get<0>(us).sizes(), Shape({1, hid}));
}

TEST(RNN, GRUMatchesTheCellFormulas) {
  manual_seed(6);
  const int64_t in = 2, hid = 3, steps = 4, n = 3;
  nn::GRU gru(in, hid, {.batch_first = true});
  gru->to(kFloat64);
  Tensor x = randn({n, steps, in}, kFloat64);
  auto [out, hn] = gru(x);
  EXPECT_EQ(out.sizes(), Shape({n, steps, hid}));
  auto p = gru->named_parameters();
  Tensor h = zeros({n, hid}, kFloat64);
  for (int64_t t = 0; t < steps; ++t) {
    Tensor xt = x.select(1, t);
    auto xin = [&](int64_t k) { return matmul(xt, gate(p["weight_ih_l0"], k, hid).t()) + gate(p["bias_ih_l0"], k, hid); };
    auto hin = [&](int64_t k) { return matmul(h, gate(p["weight_hh_l0"], k, hid).t()) + gate(p["bias_hh_l0"], k, hid); };
    Tensor r = sigmoid(xin(0) + hin(0)), z = sigmoid(xin(1) + hin(1));
    Tensor cand = tanh(xin(2) + r * hin(2));
    h = (1 - z) * cand + z * h;
    EXPECT_TRUE(close(out.select(1, t), h, 1e-10, 1e-12)) << "step " << t;
  }
  EXPECT_TRUE(close(hn[0], h, 1e-10, 1e-12));
}

TEST(RNN, StackedBidirectionalAndGradients) {
  manual_seed(7);
  nn::LSTM lstm(3, 2, {.num_layers = 2, .bidirectional = true});
  EXPECT_TRUE(lstm->named_parameters().contains("weight_ih_l1_reverse"));
  EXPECT_EQ(lstm->named_parameters()["weight_ih_l1"].sizes(), Shape({8, 4}));
  EXPECT_EQ(lstm->str(), "LSTM(3, 2, num_layers=2, bidirectional=True)");
  Tensor x = randn({5, 2, 3});
  auto [out, state] = lstm(x);
  EXPECT_EQ(out.sizes(), Shape({5, 2, 4}));
  EXPECT_EQ(std::get<0>(state).sizes(), Shape({4, 2, 2}));
  // The reverse direction of layer 0 run alone: its last output (time 0) is its final state.
  // Check through a one-layer bidirectional LSTM: output[0, :, H:] == h_n[1].
  nn::LSTM bi(3, 2, {.bidirectional = true});
  auto [bo, bs] = bi(x);
  EXPECT_TRUE(close(bo[0].narrow(1, 2, 2), std::get<0>(bs)[1]));
  EXPECT_TRUE(close(bo[4].narrow(1, 0, 2), std::get<0>(bs)[0]));
  // Gradients through time, in float64.
  nn::GRU gru(2, 2, {.num_layers = 2, .bidirectional = true});
  gru->to(kFloat64);
  tensor_list params = gru->parameters();
  Tensor xs = randn({3, 1, 2}, kFloat64).requires_grad_(true);
  tensor_list inputs{xs};
  inputs.insert(inputs.end(), params.begin(), params.begin() + 4);
  EXPECT_TRUE(autograd::gradcheck([&](const tensor_list& in) { return std::get<0>(gru(in[0])); }, inputs));
  EXPECT_THROW_WITH(lstm(randn({5, 2, 4})), Error, "should have 3 features");
  EXPECT_THROW_WITH(lstm(x, std::tuple{zeros({1, 2, 2}), zeros({1, 2, 2})}), Error, "expected hidden state h_0 of shape [4, 2, 2]");
}

TEST(Attention, MultiheadAttentionMatchesReference) {
  manual_seed(8);
  const int64_t e = 6, heads = 2, l = 3, s = 4, n = 2;
  nn::MultiheadAttention mha(e, heads);
  mha->to(kFloat64);
  EXPECT_EQ(mha->named_parameters().keys(),
            (std::vector<std::string>{"in_proj_weight", "in_proj_bias", "out_proj.weight", "out_proj.bias"}));
  Tensor q = randn({l, n, e}, kFloat64), k = randn({s, n, e}, kFloat64), v = randn({s, n, e}, kFloat64);
  auto [out, weights] = mha(q, k, v);
  EXPECT_EQ(out.sizes(), Shape({l, n, e}));
  EXPECT_EQ(weights.sizes(), Shape({n, l, s}));
  // Reference for batch element 1, head by head.
  Tensor w = mha->in_proj_weight, b = mha->in_proj_bias;
  const int64_t hd = e / heads;
  tensor_list head_out;
  Tensor mean_w = zeros({l, s}, kFloat64);
  for (int64_t h = 0; h < heads; ++h) {
    auto proj = [&](const Tensor& x, int64_t which) {
      return matmul(x, w.narrow(0, which * e + h * hd, hd).t()) + b.narrow(0, which * e + h * hd, hd);
    };
    Tensor qh = proj(q.select(1, 1), 0), kh = proj(k.select(1, 1), 1), vh = proj(v.select(1, 1), 2);
    Tensor a = softmax(matmul(qh, kh.t()) / std::sqrt(static_cast<double>(hd)), -1);
    mean_w = mean_w + a / static_cast<double>(heads);
    head_out.push_back(matmul(a, vh));
  }
  Tensor ref = F::linear(cat(head_out, 1), mha->out_proj->weight, mha->out_proj->bias);
  EXPECT_TRUE(close(out.select(1, 1), ref, 1e-10, 1e-12));
  EXPECT_TRUE(close(weights[1], mean_w, 1e-10, 1e-12));
  // Masks: padded keys get no weight; causal masking; the fast path (no weights) agrees.
  Tensor pad = tensor({{false, false, true, true}, {false, true, false, false}});
  auto [mo, mw] = mha(q, k, v, {.key_padding_mask = pad});
  EXPECT_EQ(mw[0].narrow(1, 2, 2).abs().sum().item<double>(), 0.0);
  EXPECT_EQ(mw[1].select(1, 1).abs().sum().item<double>(), 0.0);
  auto [fo, fw] = mha(q, k, v, {.key_padding_mask = pad, .need_weights = false});
  EXPECT_FALSE(fw.defined());
  EXPECT_TRUE(close(fo, mo, 1e-10, 1e-12));
  Tensor sq = randn({3, n, e}, kFloat64);
  auto [co, cw] = mha(sq, sq, sq, {.is_causal = true});
  EXPECT_EQ(cw.triu(1).abs().sum().item<double>(), 0.0);
  auto [ao, aw] = mha(sq, sq, sq, {.attn_mask = ones({3, 3}, kBool).triu(1)});
  EXPECT_TRUE(close(ao, co, 1e-10, 1e-12));
  // batch_first and unbatched inputs give the same numbers.
  nn::MultiheadAttention bf(e, heads, {.batch_first = true});
  bf->to(kFloat64);
  bf->load_state_dict(mha->state_dict());
  EXPECT_TRUE(close(std::get<0>(bf(q.transpose(0, 1), k.transpose(0, 1), v.transpose(0, 1))).transpose(0, 1), out, 1e-10, 1e-12));
  EXPECT_TRUE(close(std::get<0>(mha(q.select(1, 1), k.select(1, 1), v.select(1, 1))), out.select(1, 1), 1e-10, 1e-12));
  Tensor ql = q.narrow(0, 0, 2).detach().requires_grad_(true);
  EXPECT_TRUE(autograd::gradcheck([&](const tensor_list& in) { return std::get<0>(mha(in[0], in[0], in[0])); }, {ql}));
  EXPECT_THROW_WITH(nn::MultiheadAttention(5, 2), ValueError, "divisible by num_heads");
  EXPECT_THROW_WITH(mha(q, k, v, {.key_padding_mask = zeros({n, s + 1}, kBool)}), Error, "key_padding_mask should have shape [2, 4]");
}

TEST(Attention, TransformerEncoderLayer) {
  manual_seed(9);
  nn::TransformerEncoderLayer layer(8, 2, {.dim_feedforward = 16, .dropout = 0.0});
  layer->to(kFloat64);
  EXPECT_TRUE(layer->named_parameters().contains("self_attn.in_proj_weight"));
  EXPECT_TRUE(layer->named_parameters().contains("linear2.bias"));
  EXPECT_TRUE(layer->named_parameters().contains("norm2.weight"));
  Tensor x = randn({5, 3, 8}, kFloat64);
  Tensor y = layer(x);
  EXPECT_EQ(y.sizes(), x.sizes());
  // Post-norm: norm2(h + ff(h)), h = norm1(x + sa(x)).
  Tensor sa = std::get<0>(layer->self_attn(x, x, x));
  Tensor h = layer->norm1(x + sa);
  Tensor ref = layer->norm2(h + layer->linear2(relu(layer->linear1(h))));
  EXPECT_TRUE(close(y, ref, 1e-10, 1e-12));
  nn::TransformerEncoderLayer pre(8, 2, {.dim_feedforward = 16, .dropout = 0.0, .activation = "gelu", .batch_first = true, .norm_first = true});
  pre->to(kFloat64);
  Tensor xb = x.transpose(0, 1);
  Tensor n1 = pre->norm1(xb);
  Tensor h2 = xb + std::get<0>(pre->self_attn(n1, n1, n1));
  Tensor ref2 = h2 + pre->linear2(gelu(pre->linear1(pre->norm2(h2))));
  EXPECT_TRUE(close(pre(xb), ref2, 1e-10, 1e-12));
  // Causal and padding masks change the output of the masked positions only as expected.
  Tensor causal = layer->forward(x, {}, {}, true);
  EXPECT_TRUE(close(causal[0], layer->forward(x.narrow(0, 0, 1))[0], 1e-10, 1e-12));
  Tensor xs = randn({2, 1, 8}, kFloat64).requires_grad_(true);
  EXPECT_TRUE(autograd::gradcheck([&](const tensor_list& in) { return layer(in[0]); }, {xs}));
  EXPECT_THROW_WITH(nn::TransformerEncoderLayer(8, 2, {.activation = "tanh"}), ValueError, "activation must be");
}
