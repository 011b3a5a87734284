// LSTM and GRU: per layer and direction, the input projection of every step in one matmul,
// then a loop over time of the recurrent cell, all in differentiable tensor ops.
#include "tapegrad/nn/modules/rnn.h"

#include <cmath>

#include "tapegrad/nn/functional/dropout.h"
#include "tapegrad/nn/init.h"
#include "tapegrad/tensor/factories.h"
#include "tapegrad/tensor/ops.h"

namespace tg::nn {

RNNBaseImpl::RNNBaseImpl(const char* name, int64_t gates, int64_t in, int64_t hidden, const RNNOptions& o)
    : Module(name), input_size(in), hidden_size(hidden), options(o), gates_(gates) {
  TG_CHECK_VALUE(in > 0 && hidden > 0, "{}: input_size and hidden_size must be positive, got {} and {}", name, in, hidden);
  TG_CHECK_VALUE(o.num_layers > 0, "{}: num_layers must be positive, got {}", name, o.num_layers);
  TG_CHECK_VALUE(o.dropout >= 0 && o.dropout <= 1, "{}: dropout must be in [0, 1], got {}", name, o.dropout);
  const int64_t dirs = o.bidirectional ? 2 : 1;
  for (int64_t layer = 0; layer < o.num_layers; ++layer)
    for (int64_t d = 0; d < dirs; ++d) {
      const std::string suffix = fmt::format("_l{}{}", layer, d == 1 ? "_reverse" : "");
      const int64_t layer_in = layer == 0 ? in : hidden * dirs;
      Weights w;
      w.w_ih = register_parameter("weight_ih" + suffix, empty({gates * hidden, layer_in}));
      w.w_hh = register_parameter("weight_hh" + suffix, empty({gates * hidden, hidden}));
      if (o.bias) {
        w.b_ih = register_parameter("bias_ih" + suffix, empty({gates * hidden}));
        w.b_hh = register_parameter("bias_hh" + suffix, empty({gates * hidden}));
      }
      weights_.push_back(w);
    }
  reset_parameters();
}

void RNNBaseImpl::reset_parameters() {
  const double bound = 1.0 / std::sqrt(static_cast<double>(hidden_size));
  for (const Tensor& p : parameters()) init::uniform_(p, -bound, bound);
}

std::string RNNBaseImpl::extra_repr() const {
  std::string s = fmt::format("{}, {}", input_size, hidden_size);
  if (options.num_layers != 1) s += fmt::format(", num_layers={}", options.num_layers);
  if (!options.bias) s += ", bias=False";
  if (options.batch_first) s += ", batch_first=True";
  if (options.dropout != 0) s += fmt::format(", dropout={}", options.dropout);
  if (options.bidirectional) s += ", bidirectional=True";
  return s;
}

std::tuple<Tensor, Tensor, Tensor> RNNBaseImpl::run(const Tensor& input, const Tensor& h0, const Tensor& c0,
                                                    bool has_cell, const Cell& cell) {
  const char* op = name().c_str();
  TG_CHECK(input.defined() && (input.dim() == 2 || input.dim() == 3),
           "{}: expected a 2-D (unbatched) or 3-D (batched) input, got shape {}", op,
           input.defined() ? input.sizes() : Shape{});
  TG_CHECK(input.sizes()[input.dim() - 1] == input_size, "{}: input of shape {} should have {} features (input_size)",
           op, input.sizes(), input_size);
  TG_CHECK_TYPE(input.dtype() == weights_[0].w_ih.dtype(), "{}: input is {} but the weights are {}", op, input.dtype(),
                weights_[0].w_ih.dtype());
  const bool batched = input.dim() == 3;
  Tensor x = batched ? (options.batch_first ? input.transpose(0, 1) : input) : input.unsqueeze(1);  // [L, N, in]
  const int64_t steps = x.sizes()[0], n = x.sizes()[1];
  const int64_t dirs = options.bidirectional ? 2 : 1, total = options.num_layers * dirs;
  auto initial = [&](const Tensor& s, const char* what) {
    if (!s.defined()) return zeros({total, n, hidden_size}, x.options());
    const Shape expected = batched ? Shape{total, n, hidden_size} : Shape{total, hidden_size};
    TG_CHECK(s.sizes() == expected, "{}: expected {} of shape {}, got {}", op, what, expected, s.sizes());
    return batched ? s : s.unsqueeze(1);
  };
  Tensor h_init = initial(h0, "hidden state h_0"), c_init = has_cell ? initial(c0, "cell state c_0") : Tensor();
  tensor_list h_last, c_last;
  for (int64_t layer = 0; layer < options.num_layers; ++layer) {
    tensor_list per_dir;
    for (int64_t d = 0; d < dirs; ++d) {
      const Weights& w = weights_[static_cast<size_t>(layer * dirs + d)];
      Tensor proj = matmul(x, w.w_ih.t());
      if (w.b_ih.defined()) proj = proj + w.b_ih;
      Tensor h = h_init[layer * dirs + d], c = has_cell ? c_init[layer * dirs + d] : Tensor();
      tensor_list outs(static_cast<size_t>(steps));
      for (int64_t k = 0; k < steps; ++k) {
        const int64_t t = d == 0 ? k : steps - 1 - k;
        std::tie(h, c) = cell(proj[t], h, c, w);
        outs[static_cast<size_t>(t)] = h;
      }
      per_dir.push_back(steps > 0 ? stack(outs, 0) : zeros({0, n, hidden_size}, x.options()));
      h_last.push_back(h);
      if (has_cell) c_last.push_back(c);
    }
    x = dirs == 2 ? cat(per_dir, 2) : per_dir[0];
    if (options.dropout > 0 && is_training() && layer + 1 < options.num_layers)
      x = functional::dropout(x, options.dropout, true);
  }
  Tensor out = batched ? (options.batch_first ? x.transpose(0, 1) : x) : x.squeeze(1);
  Tensor hn = stack(h_last, 0), cn = has_cell ? stack(c_last, 0) : Tensor();
  if (!batched) {
    hn = hn.squeeze(1);
    if (has_cell) cn = cn.squeeze(1);
  }
  return {out, hn, cn};
}

std::tuple<Tensor, std::tuple<Tensor, Tensor>> LSTMImpl::forward(const Tensor& input,
                                                                 const std::optional<std::tuple<Tensor, Tensor>>& hx) {
  Tensor h0, c0;
  if (hx) std::tie(h0, c0) = *hx;
  auto [out, hn, cn] = run(input, h0, c0, true, [](const Tensor& xp, const Tensor& h, const Tensor& c, const Weights& w) {
    Tensor gates = xp + matmul(h, w.w_hh.t());
    if (w.b_hh.defined()) gates = gates + w.b_hh;
    tensor_list g = gates.chunk(4, -1);  // input, forget, cell, output (PyTorch's order)
    Tensor c2 = sigmoid(g[1]) * c + sigmoid(g[0]) * tanh(g[2]);
    return std::pair{sigmoid(g[3]) * tanh(c2), c2};
  });
  return {out, {hn, cn}};
}

std::tuple<Tensor, Tensor> GRUImpl::forward(const Tensor& input, const Tensor& hx) {
  auto [out, hn, cn] = run(input, hx, {}, false, [](const Tensor& xp, const Tensor& h, const Tensor&, const Weights& w) {
    Tensor hp = matmul(h, w.w_hh.t());
    if (w.b_hh.defined()) hp = hp + w.b_hh;
    tensor_list xg = xp.chunk(3, -1), hg = hp.chunk(3, -1);  // reset, update, new
    Tensor r = sigmoid(xg[0] + hg[0]), z = sigmoid(xg[1] + hg[1]);
    Tensor cand = tanh(xg[2] + r * hg[2]);
    return std::pair{(1 - z) * cand + z * h, Tensor()};
  });
  return {out, hn};
}

}  // namespace tg::nn
