// RNN, LSTM, GRU, their cells, MultiheadAttention and the Transformer modules against step-by-step references
// written from PyTorch's documented formulas, plus shapes, names, masks and gradients.
#include <cmath>

#include "test_util.h"

using namespace tg;
using tgtest::close;

namespace {

// Gate block k of a [G * H, ...] weight.
Tensor gate(const Tensor& w, int64_t k, int64_t h) { return w.narrow(0, k * h, h); }

// The inputs of a recurrent module's gradient checks (float64, two layers both ways, input size
// 2, hidden size 3): x [4, 2, 2], `states` initial states [4, 2, 3], then every parameter.
tensor_list layer_inputs(nn::Module& m, int states) {
  m.to(kFloat64);
  tensor_list inputs{randn({4, 2, 2}, kFloat64).requires_grad_(true)};
  for (int i = 0; i < states; ++i) inputs.push_back(randn({4, 2, 3}, kFloat64).requires_grad_(true));
  for (const Tensor& p : m.parameters()) inputs.push_back(p);
  return inputs;
}

// With nothing to record the layers keep one step's scratch: the same results, bit for bit.
void expect_same_without_recording(const autograd::DifferentiableFn& run, const tensor_list& inputs) {
  const tensor_list recorded = run(inputs);
  NoGradGuard no_grad;
  const tensor_list plain = run(inputs);
  for (size_t i = 0; i < plain.size(); ++i) EXPECT_TRUE(close(plain[i], recorded[i].detach(), 0, 0)) << i;
}

// A one-layer float64 module's input [3, 1, 2] and parameters, for gradgradcheck.
tensor_list small_inputs(nn::Module& m) {
  m.to(kFloat64);
  tensor_list small{randn({3, 1, 2}, kFloat64).requires_grad_(true)};
  for (const Tensor& p : m.parameters()) small.push_back(p);
  return small;
}

// A float64 recurrent module (input size 2) and its float32 copy take the same node: the
// gradients of their outputs' squares with respect to the input and `param` agree.
template <class Impl>
void expect_float32_gradients_match(const std::shared_ptr<Impl>& m64, const std::string& param) {
  auto m32 = std::dynamic_pointer_cast<Impl>(m64->clone());
  m32->to(kFloat32);
  Tensor x64 = randn({5, 2, 2}, kFloat64).requires_grad_(true), x32 = x64.detach().to(kFloat32).requires_grad_(true);
  std::get<0>(m64->forward(x64)).pow(2).sum().backward();
  std::get<0>(m32->forward(x32)).pow(2).sum().backward();
  EXPECT_TRUE(close(x32.grad().to(kFloat64), x64.grad(), 1e-4, 1e-5));
  EXPECT_TRUE(
      close(m32->named_parameters()[param].grad().to(kFloat64), m64->named_parameters()[param].grad(), 1e-4, 1e-5))
      << param;
}

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

// An LSTM layer without a projection runs as one node (recurrent_layers.cpp): its gradients through
// every output, both directions of two layers, the initial states, with gradients of some outputs
// absent, and second derivatives (the composed layer's, recorded).
TEST(RNN, LSTMLayerGradients) {
  manual_seed(13);
  nn::LSTM lstm(2, 3, {.num_layers = 2, .bidirectional = true});
  const tensor_list inputs = layer_inputs(*lstm, 2);
  auto run = [&](const tensor_list& in) {
    auto [out, state] = lstm(in[0], std::tuple{in[1], in[2]});
    return tensor_list{out, std::get<0>(state), std::get<1>(state)};
  };
  EXPECT_TRUE(autograd::gradcheck(autograd::DifferentiableFn(run), inputs));
  EXPECT_TRUE(autograd::gradcheck([&](const tensor_list& in) { return run(in)[2]; }, inputs));
  expect_same_without_recording(run, inputs);
  EXPECT_TRUE(autograd::gradcheck([&](const tensor_list& in) { return run(in)[0].sum(Shape{1}); }, inputs));
  nn::LSTM one(2, 2);
  const tensor_list small = small_inputs(*one);
  auto last = [&](const tensor_list& in) {
    auto [out, state] = one(in[0]);
    return out.sum(Shape{0}) + std::get<1>(state);
  };
  EXPECT_TRUE(autograd::gradgradcheck(last, small));
  EXPECT_EQ(std::get<0>(one(small[0])).grad_fn()->name(), "LstmLayerBackward");
  expect_float32_gradients_match(one.ptr(), "weight_hh_l0");
}

// A GRU layer runs as one node too: gradients through its outputs and final state, both
// directions of two layers, with and without biases; second derivatives; float32 and float64.
TEST(RNN, GRULayerGradients) {
  manual_seed(14);
  for (bool bias : {true, false}) {
    nn::GRU gru(2, 3, {.num_layers = 2, .bias = bias, .bidirectional = true});
    const tensor_list inputs = layer_inputs(*gru, 1);
    auto run = [&](const tensor_list& in) {
      auto [out, hn] = gru(in[0], in[1]);
      return tensor_list{out, hn};
    };
    EXPECT_TRUE(autograd::gradcheck(autograd::DifferentiableFn(run), inputs)) << "bias " << bias;
    EXPECT_TRUE(autograd::gradcheck([&](const tensor_list& in) { return run(in)[1]; }, inputs)) << "bias " << bias;
    expect_same_without_recording(run, inputs);
  }
  nn::GRU one(2, 2);
  const tensor_list small = small_inputs(*one);
  auto last = [&](const tensor_list& in) {
    auto [out, hn] = one(in[0]);
    return out.sum(Shape{0}) * hn;
  };
  EXPECT_TRUE(autograd::gradgradcheck(last, small));
  EXPECT_EQ(std::get<0>(one(small[0])).grad_fn()->name(), "GruLayerBackward");
  expect_float32_gradients_match(one.ptr(), "bias_hh_l0");
}

// nn.RNN's layers run as one node too (tanh and relu): gradients through both outputs, two
// bidirectional layers; second derivatives; nothing to record, the same results.
TEST(RNN, ElmanLayerGradients) {
  manual_seed(15);
  for (const char* nl : {"tanh", "relu"}) {
    nn::RNN rnn(2, 3, {.num_layers = 2, .bidirectional = true, .nonlinearity = nl});
    const tensor_list inputs = layer_inputs(*rnn, 1);
    auto run = [&](const tensor_list& in) {
      auto [out, hn] = rnn(in[0], in[1]);
      return tensor_list{out, hn};
    };
    EXPECT_TRUE(autograd::gradcheck(autograd::DifferentiableFn(run), inputs)) << nl;
    EXPECT_TRUE(autograd::gradgradcheck(autograd::DifferentiableFn(run), inputs)) << nl;
    expect_same_without_recording(run, inputs);
  }
  nn::RNN one(2, 2);
  one->to(kFloat64);
  EXPECT_EQ(std::get<0>(one(randn({3, 1, 2}, kFloat64))).grad_fn()->name(), "RnnLayerBackward");
}

TEST(RNN, ElmanRNNMatchesTheFormula) {
  manual_seed(11);
  const int64_t in = 3, hid = 4, steps = 4, n = 2;
  for (const char* nl : {"tanh", "relu"}) {
    nn::RNN rnn(in, hid, {.nonlinearity = nl});
    rnn->to(kFloat64);
    EXPECT_EQ(rnn->named_parameters()["weight_ih_l0"].sizes(), Shape({hid, in}));
    Tensor x = randn({steps, n, in}, kFloat64), h0 = randn({1, n, hid}, kFloat64);
    auto [out, hn] = rnn(x, h0);
    auto p = rnn->named_parameters();
    Tensor h = h0[0];
    for (int64_t t = 0; t < steps; ++t) {
      Tensor pre =
          matmul(x[t], p["weight_ih_l0"].t()) + p["bias_ih_l0"] + matmul(h, p["weight_hh_l0"].t()) + p["bias_hh_l0"];
      h = std::string(nl) == "relu" ? relu(pre) : tanh(pre);
      EXPECT_TRUE(close(out[t], h, 1e-10, 1e-12)) << nl << " step " << t;
    }
    EXPECT_TRUE(close(hn[0], h, 1e-10, 1e-12));
  }
  nn::RNN deep(2, 3, {.num_layers = 2, .bias = false, .bidirectional = true});
  EXPECT_EQ(deep->str(), "RNN(2, 3, num_layers=2, bias=False, bidirectional=True)");
  EXPECT_EQ(deep->parameters().size(), 8U);
  auto [o, hn] = deep(randn({5, 2}));
  EXPECT_EQ(o.sizes(), Shape({5, 6}));
  EXPECT_EQ(hn.sizes(), Shape({4, 3}));
  EXPECT_THROW_WITH(nn::RNN(2, 3, {.nonlinearity = "sigmoid"}), ValueError,
                    "nonlinearity must be \"tanh\" or \"relu\"");
  EXPECT_THROW_WITH(nn::GRU(2, 3, {.nonlinearity = "relu"}), ValueError, "GRU: the nonlinearity option is RNN's");
  EXPECT_THROW_WITH(nn::RNN(2, 3, {.proj_size = 2}), ValueError, "proj_size must be 0");
}

TEST(RNN, LSTMProjection) {
  manual_seed(12);
  const int64_t in = 3, hid = 5, proj = 2, steps = 3, n = 2;
  nn::LSTM lstm(in, hid, {.proj_size = proj});
  lstm->to(kFloat64);
  EXPECT_EQ(lstm->str(), "LSTM(3, 5, proj_size=2)");
  auto p = lstm->named_parameters();
  EXPECT_EQ(p.keys(),
            (std::vector<std::string>{"weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0", "weight_hr_l0"}));
  EXPECT_EQ(p["weight_hh_l0"].sizes(), Shape({4 * hid, proj}));
  EXPECT_EQ(p["weight_hr_l0"].sizes(), Shape({proj, hid}));
  Tensor x = randn({steps, n, in}, kFloat64), h0 = randn({1, n, proj}, kFloat64), c0 = randn({1, n, hid}, kFloat64);
  auto [out, state] = lstm(x, std::tuple{h0, c0});
  EXPECT_EQ(out.sizes(), Shape({steps, n, proj}));
  Tensor h = h0[0], c = c0[0];
  for (int64_t t = 0; t < steps; ++t) {
    tensor_list g =
        (matmul(x[t], p["weight_ih_l0"].t()) + p["bias_ih_l0"] + matmul(h, p["weight_hh_l0"].t()) + p["bias_hh_l0"])
            .chunk(4, -1);
    c = sigmoid(g[1]) * c + sigmoid(g[0]) * tanh(g[2]);
    h = matmul(sigmoid(g[3]) * tanh(c), p["weight_hr_l0"].t());
    EXPECT_TRUE(close(out[t], h, 1e-10, 1e-12)) << "step " << t;
  }
  EXPECT_TRUE(close(std::get<1>(state)[0], c, 1e-10, 1e-12));
  // Stacked and bidirectional: the next layer sees 2 * proj features.
  nn::LSTM deep(3, 5, {.num_layers = 2, .bidirectional = true, .proj_size = 2});
  EXPECT_EQ(deep->named_parameters()["weight_ih_l1_reverse"].sizes(), Shape({20, 4}));
  auto [o2, s2] = deep(randn({4, 2, 3}));
  EXPECT_EQ(o2.sizes(), Shape({4, 2, 4}));
  EXPECT_EQ(std::get<0>(s2).sizes(), Shape({4, 2, 2}));
  EXPECT_EQ(std::get<1>(s2).sizes(), Shape({4, 2, 5}));
  EXPECT_THROW_WITH(nn::LSTM(3, 5, {.proj_size = 5}), ValueError,
                    "proj_size must be 0, or for LSTM in (0, hidden_size = 5)");
  EXPECT_THROW_WITH(lstm(x, std::tuple{zeros({1, n, hid}, kFloat64), c0}), Error,
                    "hidden state h_0 of shape [1, 2, 2]");
}

TEST(RNN, CellsMatchOneStepOfTheLayers) {
  manual_seed(13);
  const int64_t in = 3, hid = 4, n = 2;
  Tensor x = randn({n, in}, kFloat64), h = randn({n, hid}, kFloat64), c = randn({n, hid}, kFloat64);
  auto load = [](nn::Module& cell, nn::Module& layer) {
    nn::NamedTensors state;
    for (const auto& [k, v] : layer.named_parameters()) state.insert(k.substr(0, k.size() - 3), v);  // drop "_l0"
    cell.load_state_dict(state);
  };
  nn::RNNCell rc(in, hid, true, "relu");
  nn::RNN rl(in, hid, {.nonlinearity = "relu"});
  rc->to(kFloat64);
  rl->to(kFloat64);
  load(*rc, *rl);
  EXPECT_EQ(rc->str(), "RNNCell(3, 4, nonlinearity=relu)");
  EXPECT_TRUE(close(rc(x, h), std::get<0>(rl(x.unsqueeze(0), h.unsqueeze(0)))[0], 1e-12, 1e-14));
  nn::LSTMCell lc(in, hid);
  nn::LSTM ll(in, hid);
  lc->to(kFloat64);
  ll->to(kFloat64);
  load(*lc, *ll);
  auto [h1, c1] = lc(x, std::tuple{h, c});
  auto [lo, ls] = ll(x.unsqueeze(0), std::tuple{h.unsqueeze(0), c.unsqueeze(0)});
  EXPECT_TRUE(close(h1, lo[0], 1e-12, 1e-14));
  EXPECT_TRUE(close(c1, std::get<1>(ls)[0], 1e-12, 1e-14));
  nn::GRUCell gc(in, hid, false);
  nn::GRU gl(in, hid, {.bias = false});
  EXPECT_EQ(gc->str(), "GRUCell(3, 4, bias=False)");
  EXPECT_EQ(gc->parameters().size(), 2U);
  gc->to(kFloat64);
  gl->to(kFloat64);
  load(*gc, *gl);
  EXPECT_TRUE(close(gc(x, h), std::get<0>(gl(x.unsqueeze(0), h.unsqueeze(0)))[0], 1e-12, 1e-14));
  // Unbatched inputs, zero default states, use in Sequential, gradients.
  EXPECT_TRUE(close(gc(x[0]), gc(x.narrow(0, 0, 1))[0]));
  EXPECT_EQ(std::get<1>(lc(x[1])).sizes(), Shape({hid}));
  nn::Sequential seq(nn::RNNCell(in, hid), nn::Linear(hid, 1));
  seq->to(kFloat64);
  EXPECT_EQ(seq(x).sizes(), Shape({n, 1}));
  Tensor xs = x.clone().requires_grad_(true), hs = h.clone().requires_grad_(true), cs = c.clone().requires_grad_(true);
  EXPECT_TRUE(autograd::gradcheck(
      [&](const tensor_list& v) {
        auto [a, b] = lc(v[0], std::tuple{v[1], v[2]});
        return a * b;
      },
      {xs, hs, cs, lc->weight_hh}));
  EXPECT_TRUE(autograd::gradcheck([&](const tensor_list& v) { return gc(v[0], v[1]); }, {xs, hs}));
  EXPECT_THROW_WITH(gc(randn({n, in + 1}, kFloat64)), Error, "GRUCell: input of shape [2, 4] should have 3 features");
  EXPECT_THROW_WITH(gc(x, randn({n + 1, hid}, kFloat64)), Error,
                    "expected hidden state hx of shape [2, 4], got [3, 4]");
  EXPECT_THROW_WITH(gc(randn({1, n, in}, kFloat64)), Error, "expected a 1-D (unbatched) or 2-D (batched) input");
  EXPECT_THROW_WITH(gc(x.to(kFloat32)), TypeError, "GRUCell: input is float32 but the weights are float64");
  EXPECT_THROW_WITH(nn::RNNCell(3, 4, true, "gelu"), ValueError, "RNNCell: nonlinearity must be");
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
  EXPECT_THROW_WITH(mha(q, k, v, {.key_padding_mask = zeros({n, s + 1}, kBool)}), Error,
                    "MultiheadAttention: key_padding_mask must be [N, S] = [2, 4], got [2, 5]");
  // Keys and values of other sizes get projections of their own; bias_k/bias_v and a zero key
  // add a key that every query may attend to, so that fully masked rows still have one.
  nn::MultiheadAttention cross(e, heads, {.kdim = 4, .vdim = 5, .add_bias_kv = true, .add_zero_attn = true});
  EXPECT_EQ(cross->named_parameters().keys(),
            (std::vector<std::string>{"q_proj_weight", "k_proj_weight", "v_proj_weight", "in_proj_bias", "bias_k",
                                      "bias_v", "out_proj.weight", "out_proj.bias"}));
  auto [xo, xw] =
      cross(randn({l, n, e}), randn({s, n, 4}), randn({s, n, 5}), {.key_padding_mask = ones({n, s}, kBool)});
  EXPECT_EQ(xw.sizes(), Shape({n, l, s + 2}));
  EXPECT_TRUE(close(xw.sum({-1}), ones({n, l}), 1e-6, 1e-6));
  EXPECT_EQ(xw.narrow(2, 0, s).abs().sum().item<double>(), 0.0);
  EXPECT_THROW_WITH(cross(randn({l, n, e}), randn({s, n, e}), randn({s, n, 5})), Error,
                    "k_proj_weight [6, 4] and v_proj_weight [6, 5] must be [E, E], [E, kdim] and [E, vdim]");
  // The functional form with the module's weights.
  F::MultiHeadAttentionForwardOptions o;
  o.embed_dim_to_check = e;
  o.num_heads = heads;
  o.in_proj_weight = mha->in_proj_weight;
  o.in_proj_bias = mha->in_proj_bias;
  o.out_proj_weight = mha->out_proj->weight;
  o.out_proj_bias = mha->out_proj->bias;
  auto [fwd, fwd_w] = F::multi_head_attention_forward(q, k, v, o);
  EXPECT_TRUE(close(fwd, out, 1e-12, 1e-12));
  EXPECT_TRUE(close(fwd_w, weights, 1e-12, 1e-12));
  o.is_causal = true;
  EXPECT_THROW_WITH(F::multi_head_attention_forward(q, k, v, o), ValueError,
                    "multi_head_attention_forward: is_causal is a hint that attn_mask is causal: it needs attn_mask");
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

TEST(Attention, TransformerDecoderLayer) {
  manual_seed(14);
  nn::TransformerDecoderLayer layer(8, 2, {.dim_feedforward = 16, .dropout = 0.0});
  layer->to(kFloat64);
  EXPECT_TRUE(layer->named_parameters().contains("multihead_attn.out_proj.weight"));
  EXPECT_TRUE(layer->named_parameters().contains("norm3.bias"));
  Tensor tgt = randn({4, 3, 8}, kFloat64), mem = randn({6, 3, 8}, kFloat64);
  Tensor y = layer(tgt, mem);
  EXPECT_EQ(y.sizes(), tgt.sizes());
  Tensor h1 = layer->norm1(tgt + std::get<0>(layer->self_attn(tgt, tgt, tgt)));
  Tensor h2 = layer->norm2(h1 + std::get<0>(layer->multihead_attn(h1, mem, mem)));
  Tensor ref = layer->norm3(h2 + layer->linear2(relu(layer->linear1(h2))));
  EXPECT_TRUE(close(y, ref, 1e-10, 1e-12));
  nn::TransformerDecoderLayer pre(8, 2,
                                  {.dim_feedforward = 16, .dropout = 0.0, .activation = "gelu", .norm_first = true});
  pre->to(kFloat64);
  Tensor n1 = pre->norm1(tgt);
  Tensor a = tgt + std::get<0>(pre->self_attn(n1, n1, n1));
  Tensor b = a + std::get<0>(pre->multihead_attn(pre->norm2(a), mem, mem));
  EXPECT_TRUE(close(pre(tgt, mem), b + pre->linear2(gelu(pre->linear1(pre->norm3(b)))), 1e-10, 1e-12));
  // A causal target: step 0's output depends on tgt[0] and the memory only.
  Tensor causal = layer->forward(tgt, mem, {}, {}, {}, {}, true);
  EXPECT_TRUE(close(causal[0], layer(tgt.narrow(0, 0, 1), mem)[0], 1e-10, 1e-12));
  // Padding the memory's last key equals dropping it.
  Tensor pad = zeros({3, 6}, kBool);
  pad.narrow(1, 5, 1).fill_(1);
  EXPECT_TRUE(close(layer->forward(tgt, mem, {}, {}, {}, pad), layer(tgt, mem.narrow(0, 0, 5)), 1e-10, 1e-12));
  Tensor ts = randn({2, 1, 8}, kFloat64).requires_grad_(true), ms = randn({3, 1, 8}, kFloat64).requires_grad_(true);
  EXPECT_TRUE(autograd::gradcheck([&](const tensor_list& in) { return layer(in[0], in[1]); }, {ts, ms}));
  EXPECT_THROW_WITH(layer(tgt, mem[0]), Error, "TransformerDecoderLayer: memory must have as many dimensions");
  EXPECT_THROW_WITH(nn::TransformerDecoderLayer(8, 3), ValueError, "embed_dim (8) must be divisible by num_heads (3)");
}

TEST(Attention, TransformerStacksAndTransformer) {
  manual_seed(15);
  nn::TransformerEncoderLayer enc_layer(8, 2, {.dim_feedforward = 16, .dropout = 0.0});
  enc_layer->to(kFloat64);
  nn::TransformerEncoder enc(enc_layer, 3, nn::LayerNorm(Shape{8}));
  EXPECT_EQ(enc->layers->size(), 3U);
  auto params = enc->named_parameters();
  EXPECT_TRUE(params.contains("layers.2.linear1.weight"));
  EXPECT_TRUE(params.contains("norm.weight"));
  // Copies, not shared: same values, separate storage; on the prototype's dtype.
  EXPECT_TRUE(close(params["layers.1.linear1.weight"], enc_layer->linear1->weight, 0, 0));
  EXPECT_NE(params["layers.1.linear1.weight"].data_ptr(), enc_layer->linear1->weight.data_ptr());
  EXPECT_EQ(params["layers.0.self_attn.in_proj_weight"].dtype(), kFloat64);
  enc->norm->to(kFloat64);
  Tensor src = randn({5, 2, 8}, kFloat64);
  Tensor ref = src;
  for (int i = 0; i < 3; ++i) ref = enc_layer(ref);
  auto& norm = static_cast<nn::LayerNormImpl&>(*enc->norm);
  EXPECT_TRUE(close(enc(src), norm.forward(ref), 1e-10, 1e-12));
  nn::TransformerEncoder plain(enc_layer, 1);
  EXPECT_FALSE(plain->named_parameters().contains("norm.weight"));
  EXPECT_TRUE(close(plain(src), enc_layer(src), 1e-12, 1e-14));

  nn::TransformerDecoderLayer dec_layer(8, 2, {.dim_feedforward = 16, .dropout = 0.0});
  dec_layer->to(kFloat64);
  nn::TransformerDecoder dec(dec_layer, 2);
  Tensor tgt = randn({4, 2, 8}, kFloat64);
  EXPECT_TRUE(close(dec(tgt, src), dec_layer(dec_layer(tgt, src), src), 1e-10, 1e-12));

  nn::Transformer model({.d_model = 8,
                         .nhead = 2,
                         .num_encoder_layers = 2,
                         .num_decoder_layers = 1,
                         .dim_feedforward = 16,
                         .dropout = 0.0,
                         .batch_first = true});
  model->to(kFloat64);
  EXPECT_TRUE(model->named_parameters().contains("encoder.layers.1.self_attn.in_proj_weight"));
  EXPECT_TRUE(model->named_parameters().contains("decoder.norm.bias"));
  EXPECT_FALSE(model->named_parameters().contains("decoder.layers.1.norm1.weight"));
  Tensor s = randn({2, 5, 8}, kFloat64), t = randn({2, 4, 8}, kFloat64);
  Tensor mask = nn::TransformerImpl::generate_square_subsequent_mask(4, kFloat64);
  EXPECT_TRUE(close(mask[1], tensor({0.0, 0.0, -INFINITY, -INFINITY}, kFloat64), 0, 0));
  Tensor y = model(s, t, {.tgt_mask = mask});
  EXPECT_EQ(y.sizes(), t.sizes());
  Tensor memory = model->encoder(s);
  EXPECT_TRUE(close(y, model->decoder->forward(t, memory, mask), 1e-12, 1e-14));
  // With the causal mask, changing later target steps leaves earlier outputs alone.
  Tensor t2 = t.clone();
  t2.narrow(1, 3, 1).fill_(5.0);
  EXPECT_TRUE(close(model(s, t2, {.tgt_mask = mask}).narrow(1, 0, 3), y.narrow(1, 0, 3), 1e-10, 1e-12));
  EXPECT_TRUE(close(model(s, t, {.tgt_is_causal = true}), y, 1e-10, 1e-12));
  // Everything trains: every parameter gets a gradient.
  model(s, t).sum().backward();
  for (const auto& [name, p] : model->named_parameters()) EXPECT_TRUE(p.grad().defined()) << name;
  EXPECT_THROW_WITH(model(s, randn({3, 4, 8}, kFloat64)), Error, "must have the same batch size");
  EXPECT_THROW_WITH(model(s, randn({2, 4, 6}, kFloat64)), Error, "must have d_model = 8 features");
  EXPECT_THROW_WITH(model(s, t[0]), Error, "expected src and tgt both 2-D (unbatched) or both 3-D");
  EXPECT_THROW_WITH(nn::TransformerEncoder(enc_layer, 0), ValueError,
                    "TransformerEncoder: num_layers must be positive");
  EXPECT_THROW_WITH(nn::Transformer({.activation = "tanh"}), ValueError, "activation must be");
  // Custom stacks are used as given (and re-initialised, as PyTorch does).
  nn::Transformer custom({.d_model = 8, .nhead = 2, .custom_encoder = enc, .custom_decoder = dec});
  EXPECT_EQ(custom->encoder.ptr(), enc.ptr());
  EXPECT_EQ(custom->named_parameters().size(), enc->named_parameters().size() + dec->named_parameters().size());
}
