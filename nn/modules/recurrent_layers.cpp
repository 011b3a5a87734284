// RNN, LSTM and GRU layers as one node each. Step by step in differentiable ops, each step's product
// with w_hh recorded its own gradient for w_hh, transposed it and added it to the sum: 50 steps
// of [32, 256] LSTM states trained at 0.75x PyTorch's speed. Here the forward runs without
// recording, a product and a cell kernel per step (the RNN's: tanh or relu in place), saving the
// gates' activations (and the LSTM's cell states); the backward runs the recurrence back through the cell's backward
// kernel, then takes w_hh's gradient as one product of every step's gate gradients with the states before them. Under
// create_graph the node reruns the composed layer on its saved inputs and returns that graph's gradient, recorded,
// rather than writing the backward twice.
#include "nn/modules/recurrent_layers.h"

#include <functional>

#include "autograd/record.h"
#include "kernels/kernels.h"
#include "tapegrad/autograd/engine.h"
#include "tapegrad/autograd/grad_mode.h"
#include "tapegrad/nn/functional/linear.h"
#include "tapegrad/tensor/factories.h"
#include "tapegrad/tensor/ops.h"

namespace tg::nn::detail {

std::pair<Tensor, Tensor> lstm_step(const Tensor& xp, const Tensor& h, const Tensor& c, const Tensor& w_hh,
                                    const Tensor& w_hr) {
  const tensor_list g = addmm(xp, h, w_hh.t()).chunk(4, -1);
  Tensor c2 = sigmoid(g[1]) * c + sigmoid(g[0]) * tanh(g[2]);
  Tensor h2 = sigmoid(g[3]) * tanh(c2);
  return {w_hr.defined() ? functional::linear(h2, w_hr) : h2, c2};
}

Tensor elman_step(const Tensor& xp, const Tensor& h, const Tensor& w_hh, bool relu) {
  Tensor pre = addmm(xp, h, w_hh.t());
  return relu ? tg::relu(pre) : tanh(pre);
}

Tensor gru_step(const Tensor& xp, const Tensor& h, const Tensor& w_hh, const Tensor& b_hh) {
  tensor_list xg = xp.chunk(3, -1), hg = functional::linear(h, w_hh, b_hh).chunk(3, -1);
  Tensor r = sigmoid(xg[0] + hg[0]), z = sigmoid(xg[1] + hg[1]);
  Tensor cand = tanh(xg[2] + r * hg[2]);
  return (1 - z) * cand + z * h;
}

namespace {

// The time index of the s-th step taken.
int64_t step_index(int64_t s, int64_t steps, bool reverse) { return reverse ? steps - 1 - s : s; }

using Step = std::function<std::pair<Tensor, Tensor>(const Tensor& xp, const Tensor& h, const Tensor& c)>;

// A layer in recorded ops (c undefined for a GRU): the graph a second derivative differentiates.
tensor_list composed_layer(const Tensor& proj, const Tensor& h0, const Tensor& c0, bool reverse, const Step& step) {
  const int64_t steps = proj.sizes()[0];
  tensor_list outs(static_cast<size_t>(steps));
  Tensor h = h0, c = c0;
  for (int64_t s = 0; s < steps; ++s) {
    const int64_t t = step_index(s, steps, reverse);
    std::tie(h, c) = step(proj.select(0, t), h, c);
    outs[static_cast<size_t>(t)] = h;
  }
  return {stack(outs, 0), h, c};
}

// create_graph: the gradients of the composed layer (inputs: the node's saved ones, in its edges'
// order), recorded. `run` maps them to the layer's outputs, in the node's output order (a GRU's
// or RNN's composed layer also gives an undefined c, which no gradient reaches).
tensor_list recorded_gradient(const tensor_list& saved, const tensor_list& grads,
                              const std::function<tensor_list(const tensor_list&)>& run) {
  tensor_list inputs;
  for (const Tensor& t : saved) inputs.push_back(!t.defined() || t.requires_grad() ? t : t.detach().requires_grad_());
  const tensor_list ys = run(inputs);
  tensor_list outs, gs, wrt;
  for (size_t i = 0; i < grads.size(); ++i)
    if (grads[i].defined()) outs.push_back(ys[i]), gs.push_back(grads[i]);
  for (const Tensor& t : inputs)
    if (t.defined()) wrt.push_back(t);
  const tensor_list g = autograd::grad(outs, wrt, gs, true, true, true);
  tensor_list result;
  size_t k = 0;
  for (const Tensor& t : inputs) result.push_back(t.defined() ? g[k++] : Tensor());
  return result;
}

// The state each step's product took, in time order: h0, then the outputs before it in the
// steps' order.
Tensor states_before(const Tensor& out, const Tensor& h0, bool reverse) {
  const int64_t steps = out.sizes()[0];
  return reverse ? cat({out.narrow(0, 1, steps - 1), h0.unsqueeze(0)}, 0)
                 : cat({h0.unsqueeze(0), out.narrow(0, 0, steps - 1)}, 0);
}

// w_hh's gradient, sum over steps of d_prod[t]^T before[t], as (before^T d_prod)^T: with d_prod^T
// as the left operand the product copied it first.
Tensor recurrent_weight_grad(const Tensor& before, const Tensor& d_prod) {
  const int64_t rows = d_prod.sizes()[0] * d_prod.sizes()[1];
  return mm(before.reshape({rows, before.sizes()[2]}).t(), d_prod.reshape({rows, d_prod.sizes()[2]})).t().contiguous();
}

}  // namespace

bool recurrent_layer_fits(const Tensor& proj, const Tensor& h0, const Tensor& c0, const Tensor& w_hh,
                          const Tensor& b_hh) {
  const DType dt = proj.dtype();
  for (const Tensor* t : {&h0, &c0, &w_hh, &b_hh})
    if (t->defined() && (t->dtype() != dt || t->device() != proj.device()))
      return false;  // the composed ops say what is wrong
  return (dt == kFloat32 || dt == kFloat64) && proj.sizes()[0] > 0 && !autograd::any_tangent(proj, h0, c0) &&
         !autograd::any_tangent(w_hh, b_hh);
}

std::tuple<Tensor, Tensor, Tensor> lstm_layer(const Tensor& proj_in, const Tensor& h0, const Tensor& c0_in,
                                              const Tensor& w_hh, bool reverse) {
  const int64_t steps = proj_in.sizes()[0], n = proj_in.sizes()[1], hidden = w_hh.sizes()[1];
  const Tensor proj = proj_in.contiguous(), c0 = c0_in.contiguous();
  const TensorOptions o = proj.options();
  // Without a gradient to take, one step's activations and two cell states are all it keeps
  // (every step's cost page faults: 5% of a forward pass).
  const bool record = autograd::needs_grad({proj_in, h0, c0_in, w_hh});
  Tensor act = empty({record ? steps : 1, n, 4 * hidden}, o), cells = empty({record ? steps : 2, n, hidden}, o);
  Tensor out = empty({steps, n, hidden}, o), c_last;
  {
    NoGradGuard no_grad;
    const auto& be = kernels::backend(proj.device(), "lstm_cell");
    Tensor h = h0, c = c0;
    const Tensor w_t = w_hh.t();
    for (int64_t s = 0; s < steps; ++s) {
      const int64_t t = step_index(s, steps, reverse);
      const Tensor prod = mm(h, w_t), c2 = cells.select(0, record ? t : s % 2), h2 = out.select(0, t);
      be.lstm_cell(proj.dtype(), n, hidden, proj.select(0, t).data_ptr(), prod.data_ptr(), c.data_ptr(),
                   act.select(0, record ? t : 0).data_ptr(), c2.data_ptr(), h2.data_ptr());
      h = h2;
      c = c2;
    }
    c_last = c.clone();
  }
  Tensor h_last = out.select(0, reverse ? 0 : steps - 1).clone();
  if (!record) return {out, h_last, c_last};
  auto node = autograd::make_node(
      "LstmLayerBackward", {&proj_in, &h0, &c0_in, &w_hh},
      [reverse](const autograd::Node& nd, const tensor_list& gr) -> tensor_list {
        const Tensor w_hh = nd.saved(3);
        if (GradMode::is_enabled())
          return recorded_gradient({nd.saved(0), nd.saved(1), nd.saved(2), w_hh}, gr, [&](const tensor_list& in) {
            return composed_layer(
                in[0], in[1], in[2], reverse,
                [&](const Tensor& xp, const Tensor& h, const Tensor& c) { return lstm_step(xp, h, c, in[3]); });
          });
        const Tensor act = nd.saved(4), cells = nd.saved(5), out = nd.saved(6);
        const int64_t steps = act.sizes()[0], n = act.sizes()[1], hidden = w_hh.sizes()[1];
        const TensorOptions o = act.options();
        const Tensor go = gr[0].defined() ? gr[0].contiguous() : Tensor(), c_first = nd.saved(2).contiguous();
        Tensor dh = gr[1].defined() ? gr[1].contiguous() : zeros({n, hidden}, o);
        const Tensor dc = gr[2].defined() ? gr[2].contiguous().clone() : zeros({n, hidden}, o);
        Tensor d_gates = empty({steps, n, 4 * hidden}, o);
        const auto& be = kernels::backend(act.device(), "lstm_cell_backward");
        for (int64_t s = steps - 1; s >= 0; --s) {
          const int64_t t = step_index(s, steps, reverse);
          const Tensor c_prev = s == 0 ? c_first : cells.select(0, step_index(s - 1, steps, reverse));
          const Tensor d = d_gates.select(0, t);
          be.lstm_cell_backward(act.dtype(), n, hidden, act.select(0, t).data_ptr(), cells.select(0, t).data_ptr(),
                                c_prev.data_ptr(), go.defined() ? go.select(0, t).data_ptr() : nullptr, dh.data_ptr(),
                                dc.data_ptr(), d.data_ptr());
          dh = mm(d, w_hh);
        }
        Tensor d_w;
        if (nd.needs_input_grad(3)) d_w = recurrent_weight_grad(states_before(out, nd.saved(1), reverse), d_gates);
        return {d_gates, dh, dc, d_w};
      });
  autograd::set_history_before_saves({out, h_last, c_last}, node);
  for (const Tensor& t : {proj_in, h0, c0_in, w_hh, act, cells}) node->save(t);
  node->save(out, /*is_output=*/true);
  autograd::finish_history({out, h_last, c_last}, node);
  return {out, h_last, c_last};
}

std::tuple<Tensor, Tensor> elman_layer(const Tensor& proj_in, const Tensor& h0, const Tensor& w_hh, bool relu,
                                       bool reverse) {
  const int64_t steps = proj_in.sizes()[0], n = proj_in.sizes()[1], hidden = w_hh.sizes()[1];
  Tensor out = empty({steps, n, hidden}, proj_in.options());
  {
    NoGradGuard no_grad;
    Tensor h = h0;
    const Tensor w_t = w_hh.t();
    for (int64_t s = 0; s < steps; ++s) {
      const int64_t t = step_index(s, steps, reverse);
      const Tensor h2 = out.select(0, t);
      h2.copy_(addmm(proj_in.select(0, t), h, w_t));
      if (relu)
        h2.relu_();
      else
        h2.tanh_();
      h = h2;
    }
  }
  Tensor h_last = out.select(0, reverse ? 0 : steps - 1).clone();
  if (!autograd::needs_grad({proj_in, h0, w_hh})) return {out, h_last};
  auto node = autograd::make_node(
      "RnnLayerBackward", {&proj_in, &h0, &w_hh},
      [relu, reverse](const autograd::Node& nd, const tensor_list& gr) -> tensor_list {
        const Tensor w_hh = nd.saved(2);
        if (GradMode::is_enabled())
          return recorded_gradient({nd.saved(0), nd.saved(1), w_hh}, gr, [&](const tensor_list& in) {
            return composed_layer(in[0], in[1], Tensor(), reverse,
                                  [&](const Tensor& xp, const Tensor& h, const Tensor&) {
                                    return std::pair{elman_step(xp, h, in[2], relu), Tensor()};
                                  });
          });
        const Tensor out = nd.saved(3);
        const int64_t steps = out.sizes()[0], n = out.sizes()[1], hidden = out.sizes()[2];
        Tensor dh = gr[1].defined() ? gr[1] : zeros({n, hidden}, out.options());
        Tensor d_pre = empty({steps, n, hidden}, out.options());
        for (int64_t s = steps - 1; s >= 0; --s) {
          const int64_t t = step_index(s, steps, reverse);
          if (gr[0].defined()) dh = dh + gr[0].select(0, t);
          const Tensor h = out.select(0, t), d = d_pre.select(0, t);
          d.copy_(relu ? where(h > 0, dh, 0.0) : dh * (1 - h * h));
          dh = mm(d, w_hh);
        }
        Tensor d_w;
        if (nd.needs_input_grad(2)) d_w = recurrent_weight_grad(states_before(out, nd.saved(1), reverse), d_pre);
        return {d_pre, dh, d_w};
      });
  autograd::set_history_before_saves({out, h_last}, node);
  for (const Tensor& t : {proj_in, h0, w_hh}) node->save(t);
  node->save(out, /*is_output=*/true);
  autograd::finish_history({out, h_last}, node);
  return {out, h_last};
}

std::tuple<Tensor, Tensor> gru_layer(const Tensor& proj_in, const Tensor& h0, const Tensor& w_hh, const Tensor& b_hh,
                                     bool reverse) {
  const int64_t steps = proj_in.sizes()[0], n = proj_in.sizes()[1], hidden = w_hh.sizes()[1];
  const Tensor proj = proj_in.contiguous(), h_first = h0.contiguous();
  const TensorOptions o = proj.options();
  const bool record = autograd::needs_grad({proj_in, h0, w_hh, b_hh});
  Tensor act = empty({record ? steps : 1, n, 4 * hidden}, o), out = empty({steps, n, hidden}, o);
  {
    NoGradGuard no_grad;
    const auto& be = kernels::backend(proj.device(), "gru_cell");
    Tensor h = h_first;
    const Tensor w_t = w_hh.t();
    for (int64_t s = 0; s < steps; ++s) {
      const int64_t t = step_index(s, steps, reverse);
      const Tensor prod = b_hh.defined() ? addmm(b_hh, h, w_t) : mm(h, w_t), h2 = out.select(0, t);
      be.gru_cell(proj.dtype(), n, hidden, proj.select(0, t).data_ptr(), prod.data_ptr(), h.data_ptr(),
                  act.select(0, record ? t : 0).data_ptr(), h2.data_ptr());
      h = h2;
    }
  }
  Tensor h_last = out.select(0, reverse ? 0 : steps - 1).clone();
  if (!record) return {out, h_last};
  auto node = autograd::make_node(
      "GruLayerBackward", {&proj_in, &h0, &w_hh, &b_hh},
      [reverse](const autograd::Node& nd, const tensor_list& gr) -> tensor_list {
        const Tensor w_hh = nd.saved(2), b_hh = nd.saved(3);
        if (GradMode::is_enabled())
          return recorded_gradient({nd.saved(0), nd.saved(1), w_hh, b_hh}, gr, [&](const tensor_list& in) {
            return composed_layer(in[0], in[1], Tensor(), reverse,
                                  [&](const Tensor& xp, const Tensor& h, const Tensor&) {
                                    return std::pair{gru_step(xp, h, in[2], in[3]), Tensor()};
                                  });
          });
        const Tensor act = nd.saved(4), out = nd.saved(5);
        const int64_t steps = act.sizes()[0], n = act.sizes()[1], hidden = w_hh.sizes()[1];
        const TensorOptions o = act.options();
        const Tensor go = gr[0].defined() ? gr[0].contiguous() : Tensor(), h_first = nd.saved(1).contiguous();
        Tensor dh = gr[1].defined() ? gr[1].contiguous() : zeros({n, hidden}, o);
        Tensor d_proj = empty({steps, n, 3 * hidden}, o), d_prod = empty({steps, n, 3 * hidden}, o);
        const Tensor dh_direct = empty({n, hidden}, o);
        const auto& be = kernels::backend(act.device(), "gru_cell_backward");
        for (int64_t s = steps - 1; s >= 0; --s) {
          const int64_t t = step_index(s, steps, reverse);
          const Tensor h_prev = s == 0 ? h_first : out.select(0, step_index(s - 1, steps, reverse));
          const Tensor dp = d_prod.select(0, t);
          be.gru_cell_backward(act.dtype(), n, hidden, act.select(0, t).data_ptr(), h_prev.data_ptr(),
                               go.defined() ? go.select(0, t).data_ptr() : nullptr, dh.data_ptr(),
                               d_proj.select(0, t).data_ptr(), dp.data_ptr(), dh_direct.data_ptr());
          dh = addmm(dh_direct, dp, w_hh);
        }
        Tensor d_w, d_b;
        if (nd.needs_input_grad(2)) d_w = recurrent_weight_grad(states_before(out, nd.saved(1), reverse), d_prod);
        if (nd.needs_input_grad(3)) d_b = d_prod.sum(Shape{0, 1});
        return {d_proj, dh, d_w, d_b};
      });
  autograd::set_history_before_saves({out, h_last}, node);
  for (const Tensor& t : {proj_in, h0, w_hh, b_hh, act}) node->save(t);
  node->save(out, /*is_output=*/true);
  autograd::finish_history({out, h_last}, node);
  return {out, h_last};
}

}  // namespace tg::nn::detail
