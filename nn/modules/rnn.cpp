// RNN, LSTM and GRU: per layer and direction, the input projection of every step in one matmul,
// then a loop over time of the recurrent cell, in differentiable tensor ops (RNN and GRU layers,
// and LSTM layers without a projection, as one node each: recurrent_layers.h). The cells run the
// same step functions on one step's projection.
#include "tapegrad/nn/modules/rnn.h"

#include <algorithm>
#include <cmath>

#include "nn/modules/recurrent_layers.h"
#include "tapegrad/nn/functional/dropout.h"
#include "tapegrad/nn/functional/linear.h"
#include "tapegrad/nn/init.h"
#include "tapegrad/tensor/factories.h"
#include "tapegrad/tensor/ops.h"

namespace tg::nn {

namespace {

// x W_ih^T + b_ih, plus b_hh when the step takes both biases there. The steps (recurrent_layers.h):
// RNN's and LSTM's take xp = the input's projection with both biases, so that h's product adds
// onto it in one addmm; GRU's reset gate scales h's projection with its bias, so its xp holds
// bias_ih only. Gate blocks are in PyTorch's order.
Tensor input_projection(const Tensor& x, const Tensor& w_ih, const Tensor& b_ih, const Tensor& b_hh, bool both) {
  return functional::linear(x, w_ih, both && b_ih.defined() ? b_ih + b_hh : b_ih);
}

void check_nonlinearity(const char* op, const std::string& nonlinearity) {
  TG_CHECK_VALUE(nonlinearity == "tanh" || nonlinearity == "relu",
                 "{}: nonlinearity must be \"tanh\" or \"relu\", got \"{}\"", op, nonlinearity);
}

void init_uniform(const tensor_list& params, int64_t hidden_size) {
  const double bound = 1.0 / std::sqrt(static_cast<double>(hidden_size));
  for (const Tensor& p : params) init::uniform_(p, -bound, bound);
}

}  // namespace

RNNBaseImpl::RNNBaseImpl(const char* name, int64_t gates, int64_t in, int64_t hidden, const RNNOptions& o)
    : Module(name), input_size(in), hidden_size(hidden), options(o), gates_(gates) {
  TG_CHECK_VALUE(in > 0 && hidden > 0, "{}: input_size and hidden_size must be positive, got {} and {}", name, in, hidden);
  TG_CHECK_VALUE(o.num_layers > 0, "{}: num_layers must be positive, got {}", name, o.num_layers);
  TG_CHECK_VALUE(o.dropout >= 0 && o.dropout <= 1, "{}: dropout must be in [0, 1], got {}", name, o.dropout);
  const bool lstm = gates == 4, elman = gates == 1;
  TG_CHECK_VALUE(o.proj_size == 0 || (lstm && o.proj_size > 0 && o.proj_size < hidden),
                 "{}: proj_size must be 0, or for LSTM in (0, hidden_size = {}), got {}", name, hidden, o.proj_size);
  if (elman) {
    check_nonlinearity(name, o.nonlinearity);
  } else {
    TG_CHECK_VALUE(o.nonlinearity == "tanh", "{}: the nonlinearity option is RNN's; got \"{}\"", name, o.nonlinearity);
  }
  const int64_t dirs = o.bidirectional ? 2 : 1, out = o.proj_size > 0 ? o.proj_size : hidden;
  // The parameters are bound to the entries of weights_, which must therefore never move.
  weights_.reserve(static_cast<size_t>(o.num_layers * dirs));
  for (int64_t layer = 0; layer < o.num_layers; ++layer)
    for (int64_t d = 0; d < dirs; ++d) {
      const std::string suffix = fmt::format("_l{}{}", layer, d == 1 ? "_reverse" : "");
      const int64_t layer_in = layer == 0 ? in : out * dirs;
      Weights& w = weights_.emplace_back();
      register_parameter("weight_ih" + suffix, empty({gates * hidden, layer_in}), &w.w_ih);
      register_parameter("weight_hh" + suffix, empty({gates * hidden, out}), &w.w_hh);
      if (o.bias) {
        register_parameter("bias_ih" + suffix, empty({gates * hidden}), &w.b_ih);
        register_parameter("bias_hh" + suffix, empty({gates * hidden}), &w.b_hh);
      }
      if (o.proj_size > 0) register_parameter("weight_hr" + suffix, empty({o.proj_size, hidden}), &w.w_hr);
    }
  reset_parameters();
}

RNNBaseImpl::RNNBaseImpl(const RNNBaseImpl& other)
    : Module(other),
      input_size(other.input_size),
      hidden_size(other.hidden_size),
      options(other.options),
      weights_(other.weights_),
      gates_(other.gates_) {
  rebase_members(other.weights_.data(), other.weights_.size() * sizeof(Weights), weights_.data());
}

void RNNBaseImpl::reset_parameters() { init_uniform(parameters(), hidden_size); }

std::string RNNBaseImpl::extra_repr() const {
  std::string s = fmt::format("{}, {}", input_size, hidden_size);
  if (options.proj_size != 0) s += fmt::format(", proj_size={}", options.proj_size);
  if (options.num_layers != 1) s += fmt::format(", num_layers={}", options.num_layers);
  if (!options.bias) s += ", bias=False";
  if (options.batch_first) s += ", batch_first=True";
  if (options.dropout != 0) s += fmt::format(", dropout={}", options.dropout);
  if (options.bidirectional) s += ", bidirectional=True";
  return s;
}

void RNNBaseImpl::check_features(const Tensor& x) const {
  TG_CHECK(x.sizes()[x.dim() - 1] == input_size, "{}: input of shape {} should have {} features (input_size)", name(),
           x.sizes(), input_size);
  TG_CHECK_TYPE(x.dtype() == weights_[0].w_ih.dtype(), "{}: input is {} but the weights are {}", name(), x.dtype(),
                weights_[0].w_ih.dtype());
}

namespace {

// One layer in one direction over the steps' input projections. A packed batch's steps shrink as
// sequences end (it is sorted by length): going forward, the rows that leave keep their state as
// their final one; going back, rows join with their initial state as their sequences begin.
std::tuple<tensor_list, Tensor, Tensor> run_direction(
    const tensor_list& proj, bool reverse, const Tensor& h0, const Tensor& c0,
    const std::function<std::pair<Tensor, Tensor>(const Tensor&, const Tensor&, const Tensor&)>& step) {
  const auto steps = static_cast<int64_t>(proj.size());
  const int64_t n = h0.sizes()[0];
  auto rows = [](const Tensor& t, int64_t lo, int64_t hi) { return t.defined() ? t.slice(0, lo, hi) : t; };
  tensor_list outs(proj.size());
  Tensor h = h0, c = c0;
  if (!reverse) {
    tensor_list done_h, done_c;  // the rows that left, latest first once reversed
    for (int64_t t = 0; t < steps; ++t) {
      const int64_t bs = proj[static_cast<size_t>(t)].sizes()[0], live = h.sizes()[0];
      if (bs < live) {
        done_h.push_back(rows(h, bs, live));
        done_c.push_back(rows(c, bs, live));
        h = rows(h, 0, bs);
        c = rows(c, 0, bs);
      }
      std::tie(h, c) = step(proj[static_cast<size_t>(t)], h, c);
      outs[static_cast<size_t>(t)] = h;
    }
    if (!done_h.empty()) {
      done_h.push_back(h);
      done_c.push_back(c);
      std::reverse(done_h.begin(), done_h.end());
      std::reverse(done_c.begin(), done_c.end());
      h = cat(done_h, 0);
      if (c0.defined()) c = cat(done_c, 0);
    }
  } else {
    const int64_t first = steps > 0 ? proj.back().sizes()[0] : n;
    if (first < n) {
      h = rows(h0, 0, first);
      c = rows(c0, 0, first);
    }
    for (int64_t t = steps - 1; t >= 0; --t) {
      const int64_t bs = proj[static_cast<size_t>(t)].sizes()[0], live = h.sizes()[0];
      if (bs > live) {
        h = cat({h, rows(h0, live, bs)}, 0);
        if (c0.defined()) c = cat({c, rows(c0, live, bs)}, 0);
      }
      std::tie(h, c) = step(proj[static_cast<size_t>(t)], h, c);
      outs[static_cast<size_t>(t)] = h;
    }
  }
  return {outs, h, c};
}

}  // namespace

std::tuple<Tensor, Tensor, Tensor> RNNBaseImpl::run_layers(Tensor x, const std::vector<int64_t>& batch_sizes,
                                                           const Tensor& h_init, const Tensor& c_init, bool has_cell,
                                                           const Cell& cell) {
  const bool packed = !batch_sizes.empty();
  const int64_t dirs = options.bidirectional ? 2 : 1;
  const int64_t out_size = options.proj_size > 0 ? options.proj_size : hidden_size;
  tensor_list h_last, c_last;
  for (int64_t layer = 0; layer < options.num_layers; ++layer) {
    tensor_list per_dir;
    for (int64_t d = 0; d < dirs; ++d) {
      const int64_t i = layer * dirs + d;
      const Weights& w = weights_[static_cast<size_t>(i)];
      // One backward node for all steps' slices (a select per step would scatter each step's
      // gradient into a zero tensor of the whole sequence).
      const Tensor projection = input_projection(x, w.w_ih, w.b_ih, w.b_hh, gates_ != 3);
      if (gates_ == 4 && !packed && options.proj_size == 0 &&
          detail::recurrent_layer_fits(projection, h_init[i], c_init[i], w.w_hh)) {
        auto [out, h, c] = detail::lstm_layer(projection, h_init[i], c_init[i], w.w_hh, d == 1);
        per_dir.push_back(out);
        h_last.push_back(h);
        c_last.push_back(c);
        continue;
      }
      if (gates_ == 1 && !packed && detail::recurrent_layer_fits(projection, h_init[i], Tensor(), w.w_hh)) {
        auto [out, h] = detail::elman_layer(projection, h_init[i], w.w_hh, options.nonlinearity == "relu", d == 1);
        per_dir.push_back(out);
        h_last.push_back(h);
        continue;
      }
      if (gates_ == 3 && !packed && detail::recurrent_layer_fits(projection, h_init[i], Tensor(), w.w_hh, w.b_hh)) {
        auto [out, h] = detail::gru_layer(projection, h_init[i], w.w_hh, w.b_hh, d == 1);
        per_dir.push_back(out);
        h_last.push_back(h);
        continue;
      }
      const tensor_list proj = packed ? split_with_sizes(projection, batch_sizes, 0) : unbind(projection, 0);
      auto [outs, h, c] =
          run_direction(proj, d == 1, h_init[i], has_cell ? c_init[i] : Tensor(),
                        [&](const Tensor& xp, const Tensor& hp, const Tensor& cp) { return cell(xp, hp, cp, w); });
      if (packed)
        per_dir.push_back(cat(outs, 0));
      else
        per_dir.push_back(outs.empty() ? zeros({0, h_init.sizes()[1], out_size}, x.options()) : stack(outs, 0));
      h_last.push_back(h);
      if (has_cell) c_last.push_back(c);
    }
    x = dirs == 2 ? cat(per_dir, -1) : per_dir[0];
    if (options.dropout > 0 && is_training() && layer + 1 < options.num_layers)
      x = functional::dropout(x, options.dropout, true);
  }
  return {x, stack(h_last, 0), has_cell ? stack(c_last, 0) : Tensor()};
}

std::tuple<Tensor, Tensor, Tensor> RNNBaseImpl::run(const Tensor& input, const Tensor& h0, const Tensor& c0,
                                                    bool has_cell, const Cell& cell) {
  const char* op = name().c_str();
  TG_CHECK(input.defined() && (input.dim() == 2 || input.dim() == 3),
           "{}: expected a 2-D (unbatched) or 3-D (batched) input, got shape {}", op,
           input.defined() ? input.sizes() : Shape{});
  check_features(input);
  const bool batched = input.dim() == 3;
  Tensor x = batched ? (options.batch_first ? input.transpose(0, 1) : input) : input.unsqueeze(1);  // [L, N, in]
  const int64_t n = x.sizes()[1];
  const int64_t total = options.num_layers * (options.bidirectional ? 2 : 1);
  const int64_t out_size = options.proj_size > 0 ? options.proj_size : hidden_size;
  auto initial = [&](const Tensor& s, int64_t size, const char* what) {
    if (!s.defined()) return zeros({total, n, size}, x.options());
    const Shape expected = batched ? Shape{total, n, size} : Shape{total, size};
    TG_CHECK(s.sizes() == expected, "{}: expected {} of shape {}, got {}", op, what, expected, s.sizes());
    return batched ? s : s.unsqueeze(1);
  };
  Tensor h_init = initial(h0, out_size, "hidden state h_0");
  Tensor c_init = has_cell ? initial(c0, hidden_size, "cell state c_0") : Tensor();
  auto [y, hn, cn] = run_layers(x, {}, h_init, c_init, has_cell, cell);
  Tensor out = batched ? (options.batch_first ? y.transpose(0, 1) : y) : y.squeeze(1);
  if (!batched) {
    hn = hn.squeeze(1);
    if (has_cell) cn = cn.squeeze(1);
  }
  return {out, hn, cn};
}

std::tuple<utils::rnn::PackedSequence, Tensor, Tensor> RNNBaseImpl::run_packed(const utils::rnn::PackedSequence& input,
                                                                               const Tensor& h0, const Tensor& c0,
                                                                               bool has_cell, const Cell& cell) {
  const char* op = name().c_str();
  const Tensor& data = input.data;
  TG_CHECK(data.defined() && data.dim() == 2, "{}: expected packed data of 2 dims [sum of lengths, {}], got shape {}",
           op, input_size, data.defined() ? data.sizes() : Shape{});
  check_features(data);
  const std::vector<int64_t> batch_sizes = input.checked_batch_sizes(op);
  const int64_t n = batch_sizes[0];
  const int64_t total = options.num_layers * (options.bidirectional ? 2 : 1);
  const int64_t out_size = options.proj_size > 0 ? options.proj_size : hidden_size;
  // States come in the batch's order; the layers run in the packed (sorted) order.
  auto initial = [&](const Tensor& s, int64_t size, const char* what) {
    if (!s.defined()) return zeros({total, n, size}, data.options());
    TG_CHECK(s.sizes() == Shape({total, n, size}), "{}: expected {} of shape {}, got {}", op, what,
             Shape({total, n, size}), s.sizes());
    return input.sorted_indices.defined() ? index_select(s, 1, input.sorted_indices) : s;
  };
  Tensor h_init = initial(h0, out_size, "hidden state h_0");
  Tensor c_init = has_cell ? initial(c0, hidden_size, "cell state c_0") : Tensor();
  auto [y, hn, cn] = run_layers(data, batch_sizes, h_init, c_init, has_cell, cell);
  if (input.unsorted_indices.defined()) {
    hn = index_select(hn, 1, input.unsorted_indices);
    if (has_cell) cn = index_select(cn, 1, input.unsorted_indices);
  }
  return {utils::rnn::PackedSequence{y, input.batch_sizes, input.sorted_indices, input.unsorted_indices}, hn, cn};
}

std::tuple<Tensor, Tensor> RNNImpl::forward(const Tensor& input, const Tensor& hx) {
  const bool relu_nonlinearity = options.nonlinearity == "relu";
  auto [out, hn, cn] =
      run(input, hx, {}, false, [&](const Tensor& xp, const Tensor& h, const Tensor&, const Weights& w) {
        return std::pair{detail::elman_step(xp, h, w.w_hh, relu_nonlinearity), Tensor()};
      });
  return {out, hn};
}

std::tuple<utils::rnn::PackedSequence, Tensor> RNNImpl::forward_with_packed_input(
    const utils::rnn::PackedSequence& input, const Tensor& hx) {
  const bool relu_nonlinearity = options.nonlinearity == "relu";
  auto [out, hn, cn] =
      run_packed(input, hx, {}, false, [&](const Tensor& xp, const Tensor& h, const Tensor&, const Weights& w) {
        return std::pair{detail::elman_step(xp, h, w.w_hh, relu_nonlinearity), Tensor()};
      });
  return {out, hn};
}

std::tuple<Tensor, std::tuple<Tensor, Tensor>> LSTMImpl::forward(const Tensor& input,
                                                                 const std::optional<std::tuple<Tensor, Tensor>>& hx) {
  Tensor h0, c0;
  if (hx) std::tie(h0, c0) = *hx;
  auto [out, hn, cn] =
      run(input, h0, c0, true, [](const Tensor& xp, const Tensor& h, const Tensor& c, const Weights& w) {
        return detail::lstm_step(xp, h, c, w.w_hh, w.w_hr);
      });
  return {out, {hn, cn}};
}

std::tuple<utils::rnn::PackedSequence, std::tuple<Tensor, Tensor>> LSTMImpl::forward_with_packed_input(
    const utils::rnn::PackedSequence& input, const std::optional<std::tuple<Tensor, Tensor>>& hx) {
  Tensor h0, c0;
  if (hx) std::tie(h0, c0) = *hx;
  auto [out, hn, cn] =
      run_packed(input, h0, c0, true, [](const Tensor& xp, const Tensor& h, const Tensor& c, const Weights& w) {
        return detail::lstm_step(xp, h, c, w.w_hh, w.w_hr);
      });
  return {out, {hn, cn}};
}

std::tuple<Tensor, Tensor> GRUImpl::forward(const Tensor& input, const Tensor& hx) {
  auto [out, hn, cn] =
      run(input, hx, {}, false, [](const Tensor& xp, const Tensor& h, const Tensor&, const Weights& w) {
        return std::pair{detail::gru_step(xp, h, w.w_hh, w.b_hh), Tensor()};
      });
  return {out, hn};
}

std::tuple<utils::rnn::PackedSequence, Tensor> GRUImpl::forward_with_packed_input(
    const utils::rnn::PackedSequence& input, const Tensor& hx) {
  auto [out, hn, cn] =
      run_packed(input, hx, {}, false, [](const Tensor& xp, const Tensor& h, const Tensor&, const Weights& w) {
        return std::pair{detail::gru_step(xp, h, w.w_hh, w.b_hh), Tensor()};
      });
  return {out, hn};
}

// ---- cells ----

RNNCellBaseImpl::RNNCellBaseImpl(const char* name, int64_t gates, int64_t in, int64_t hidden, bool with_bias)
    : Module(name), input_size(in), hidden_size(hidden), bias(with_bias) {
  TG_CHECK_VALUE(in > 0 && hidden > 0, "{}: input_size and hidden_size must be positive, got {} and {}", name, in,
                 hidden);
  register_parameter("weight_ih", empty({gates * hidden, in}), &weight_ih);
  register_parameter("weight_hh", empty({gates * hidden, hidden}), &weight_hh);
  if (with_bias) {
    register_parameter("bias_ih", empty({gates * hidden}), &bias_ih);
    register_parameter("bias_hh", empty({gates * hidden}), &bias_hh);
  }
  reset_parameters();
}

void RNNCellBaseImpl::reset_parameters() { init_uniform(parameters(), hidden_size); }

std::string RNNCellBaseImpl::extra_repr() const {
  return fmt::format("{}, {}{}", input_size, hidden_size, bias ? "" : ", bias=False");
}

Tensor RNNCellBaseImpl::batch_input(const Tensor& input, bool& batched) const {
  const char* op = name().c_str();
  TG_CHECK(input.defined() && (input.dim() == 1 || input.dim() == 2),
           "{}: expected a 1-D (unbatched) or 2-D (batched) input, got shape {}", op,
           input.defined() ? input.sizes() : Shape{});
  TG_CHECK(input.sizes()[input.dim() - 1] == input_size, "{}: input of shape {} should have {} features (input_size)",
           op, input.sizes(), input_size);
  TG_CHECK_TYPE(input.dtype() == weight_ih.dtype(), "{}: input is {} but the weights are {}", op, input.dtype(),
                weight_ih.dtype());
  batched = input.dim() == 2;
  return batched ? input : input.unsqueeze(0);
}

Tensor RNNCellBaseImpl::batch_state(const Tensor& state, const Tensor& input, bool batched, const char* what) const {
  const int64_t n = input.sizes()[0];
  if (!state.defined()) return zeros({n, hidden_size}, input.options());
  const Shape expected = batched ? Shape{n, hidden_size} : Shape{hidden_size};
  TG_CHECK(state.sizes() == expected, "{}: expected {} of shape {}, got {}", name(), what, expected, state.sizes());
  return batched ? state : state.unsqueeze(0);
}

RNNCellImpl::RNNCellImpl(int64_t in, int64_t hidden, bool with_bias, std::string nl)
    : RNNCellBaseImpl("RNNCell", 1, in, hidden, with_bias), nonlinearity(std::move(nl)) {
  check_nonlinearity("RNNCell", nonlinearity);
}

std::string RNNCellImpl::extra_repr() const {
  return RNNCellBaseImpl::extra_repr() + (nonlinearity == "tanh" ? "" : ", nonlinearity=" + nonlinearity);
}

Tensor RNNCellImpl::forward(const Tensor& input, const Tensor& hx) {
  bool batched = false;
  Tensor x = batch_input(input, batched), h = batch_state(hx, x, batched, "hidden state hx");
  Tensor h2 =
      detail::elman_step(input_projection(x, weight_ih, bias_ih, bias_hh, true), h, weight_hh, nonlinearity == "relu");
  return batched ? h2 : h2.squeeze(0);
}

std::tuple<Tensor, Tensor> LSTMCellImpl::forward(const Tensor& input,
                                                 const std::optional<std::tuple<Tensor, Tensor>>& hx) {
  bool batched = false;
  Tensor x = batch_input(input, batched);
  Tensor h = batch_state(hx ? std::get<0>(*hx) : Tensor(), x, batched, "hidden state h");
  Tensor c = batch_state(hx ? std::get<1>(*hx) : Tensor(), x, batched, "cell state c");
  auto [h2, c2] = detail::lstm_step(input_projection(x, weight_ih, bias_ih, bias_hh, true), h, c, weight_hh);
  if (!batched) return {h2.squeeze(0), c2.squeeze(0)};
  return {h2, c2};
}

Tensor GRUCellImpl::forward(const Tensor& input, const Tensor& hx) {
  bool batched = false;
  Tensor x = batch_input(input, batched), h = batch_state(hx, x, batched, "hidden state hx");
  Tensor h2 = detail::gru_step(input_projection(x, weight_ih, bias_ih, bias_hh, false), h, weight_hh, bias_hh);
  return batched ? h2 : h2.squeeze(0);
}

}  // namespace tg::nn
