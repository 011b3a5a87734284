// The LSTM layer as one node. Step by step in differentiable ops, each step's product with w_hh
// recorded its own gradient for w_hh, transposed it and added it to the sum: 50 steps of
// [32, 256] states trained at 0.75x PyTorch's speed. Here the forward runs without recording, a
// product and the lstm_cell kernel per step, saving the gates' activations and the cell states;
// the backward runs the recurrence back through lstm_cell_backward, then takes w_hh's gradient as
// one product of every step's gate gradients with the states before them.
#include "nn/modules/lstm_layer.h"

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

namespace {

// The layer in recorded ops: the fallback, and the graph a second derivative differentiates.
std::tuple<Tensor, Tensor, Tensor> lstm_layer_composed(const Tensor& proj, const Tensor& h0, const Tensor& c0,
                                                       const Tensor& w_hh, bool reverse) {
  const int64_t steps = proj.sizes()[0];
  tensor_list outs(static_cast<size_t>(steps));
  Tensor h = h0, c = c0;
  for (int64_t s = 0; s < steps; ++s) {
    const int64_t t = reverse ? steps - 1 - s : s;
    std::tie(h, c) = lstm_step(proj.select(0, t), h, c, w_hh);
    outs[static_cast<size_t>(t)] = h;
  }
  return {stack(outs, 0), h, c};
}

}  // namespace

bool lstm_layer_fits(const Tensor& proj, const Tensor& h0, const Tensor& c0, const Tensor& w_hh) {
  const DType dt = proj.dtype();
  for (const Tensor* t : {&h0, &c0, &w_hh})
    if (t->dtype() != dt || t->device() != proj.device()) return false;  // the composed ops say what is wrong
  return (dt == kFloat32 || dt == kFloat64) && proj.sizes()[0] > 0 && !autograd::any_tangent(proj, h0, c0) &&
         !autograd::any_tangent(w_hh);
}

std::tuple<Tensor, Tensor, Tensor> lstm_layer(const Tensor& proj_in, const Tensor& h0, const Tensor& c0_in,
                                              const Tensor& w_hh, bool reverse) {
  const int64_t steps = proj_in.sizes()[0], n = proj_in.sizes()[1], hidden = w_hh.sizes()[1];
  const Tensor proj = proj_in.contiguous(), c0 = c0_in.contiguous();
  const TensorOptions o = proj.options();
  const DType dt = proj.dtype();
  Tensor act = empty({steps, n, 4 * hidden}, o), cells = empty({steps, n, hidden}, o);
  Tensor out = empty({steps, n, hidden}, o);
  {
    NoGradGuard no_grad;
    const auto& be = kernels::backend(proj.device(), "lstm_cell");
    Tensor h = h0, c = c0;
    const Tensor w_t = w_hh.t();
    for (int64_t s = 0; s < steps; ++s) {
      const int64_t t = reverse ? steps - 1 - s : s;
      const Tensor prod = mm(h, w_t), c2 = cells.select(0, t), h2 = out.select(0, t);
      be.lstm_cell(dt, n, hidden, proj.select(0, t).data_ptr(), prod.data_ptr(), c.data_ptr(),
                   act.select(0, t).data_ptr(), c2.data_ptr(), h2.data_ptr());
      h = h2;
      c = c2;
    }
  }
  const int64_t last = reverse ? 0 : steps - 1;
  Tensor h_last = out.select(0, last).clone(), c_last = cells.select(0, last).clone();
  if (!autograd::needs_grad({proj_in, h0, c0_in, w_hh})) return {out, h_last, c_last};
  auto node = autograd::make_node(
      "LstmLayerBackward", {&proj_in, &h0, &c0_in, &w_hh},
      [reverse](const autograd::Node& nd, const tensor_list& gr) -> tensor_list {
        const Tensor proj = nd.saved(0), h0 = nd.saved(1), c0 = nd.saved(2), w_hh = nd.saved(3);
        if (GradMode::is_enabled()) {  // create_graph: the composed layer's gradient, recorded
          tensor_list inputs;
          for (const Tensor& t : {proj, h0, c0, w_hh})
            inputs.push_back(t.requires_grad() ? t : t.detach().requires_grad_());
          auto [o2, h2, c2] = lstm_layer_composed(inputs[0], inputs[1], inputs[2], inputs[3], reverse);
          tensor_list outs, grads;
          for (const auto& [y, g] : {std::pair{o2, gr[0]}, {h2, gr[1]}, {c2, gr[2]}})
            if (g.defined()) outs.push_back(y), grads.push_back(g);
          return autograd::grad(outs, inputs, grads, true, true, true);
        }
        const Tensor act = nd.saved(4), cells = nd.saved(5), out = nd.saved(6);
        const int64_t steps = act.sizes()[0], n = act.sizes()[1], hidden = w_hh.sizes()[1];
        const TensorOptions o = act.options();
        const Tensor go = gr[0].defined() ? gr[0].contiguous() : Tensor(), c_first = c0.contiguous();
        Tensor dh = gr[1].defined() ? gr[1].contiguous() : zeros({n, hidden}, o);
        const Tensor dc = gr[2].defined() ? gr[2].contiguous().clone() : zeros({n, hidden}, o);
        Tensor d_gates = empty({steps, n, 4 * hidden}, o);
        const auto& be = kernels::backend(act.device(), "lstm_cell_backward");
        for (int64_t s = steps - 1; s >= 0; --s) {
          const int64_t t = reverse ? steps - 1 - s : s;
          const Tensor c_prev = s == 0 ? c_first : cells.select(0, reverse ? t + 1 : t - 1), d = d_gates.select(0, t);
          be.lstm_cell_backward(act.dtype(), n, hidden, act.select(0, t).data_ptr(), cells.select(0, t).data_ptr(),
                                c_prev.data_ptr(), go.defined() ? go.select(0, t).data_ptr() : nullptr, dh.data_ptr(),
                                dc.data_ptr(), d.data_ptr());
          dh = mm(d, w_hh);
        }
        Tensor d_w;
        if (nd.needs_input_grad(3)) {
          // The state each step's product took: h0, then the outputs before it in the steps' order.
          // As (before^T d_gates)^T: with d_gates^T as the left operand the product copied it first.
          const Tensor before = reverse ? cat({out.narrow(0, 1, steps - 1), h0.unsqueeze(0)}, 0)
                                        : cat({h0.unsqueeze(0), out.narrow(0, 0, steps - 1)}, 0);
          d_w = mm(before.reshape({steps * n, hidden}).t(), d_gates.reshape({steps * n, 4 * hidden})).t().contiguous();
        }
        return {d_gates, dh, dc, d_w};
      });
  autograd::set_history_before_saves({out, h_last, c_last}, node);
  node->save(proj_in);
  node->save(h0);
  node->save(c0_in);
  node->save(w_hh);
  node->save(act);
  node->save(cells);
  node->save(out, /*is_output=*/true);
  autograd::finish_history({out, h_last, c_last}, node);
  return {out, h_last, c_last};
}

}  // namespace tg::nn::detail
