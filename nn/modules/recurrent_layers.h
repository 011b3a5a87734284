#pragma once
// One RNN, LSTM or GRU layer in one direction over every step, shared by their modules (rnn.cpp):
// the steps in differentiable ops, and the whole recurrence as one node whose backward sums the
// recurrent weight's gradient over the steps in one product.
#include <tuple>
#include <utility>

#include "tapegrad/tensor/tensor.h"

namespace tg::nn::detail {

// Input, forget, cell and output gates from xp (the step's input projection with both biases)
// plus h's product; with w_hr the new h is projected. Returns the new h and c.
std::pair<Tensor, Tensor> lstm_step(const Tensor& xp, const Tensor& h, const Tensor& c, const Tensor& w_hh,
                                    const Tensor& w_hr = {});

// tanh or relu of xp (the input projection with both biases) plus h's product.
Tensor elman_step(const Tensor& xp, const Tensor& h, const Tensor& w_hh, bool relu);

// Reset, update and new gates from xp (the input projection with bias_ih only: the reset gate
// scales h's projection including its bias). Returns the new h.
Tensor gru_step(const Tensor& xp, const Tensor& h, const Tensor& w_hh, const Tensor& b_hh);

// Whether the layers below take these (the states and weights: c0 and b_hh may be undefined):
// float32 / float64 on one device, no forward-mode tangents.
bool recurrent_layer_fits(const Tensor& proj, const Tensor& h0, const Tensor& c0, const Tensor& w_hh,
                          const Tensor& b_hh = {});

// proj [T, N, 4H] (every step's input projection with both biases), h0 and c0 [N, H], w_hh
// [4H, H]: the outputs [T, N, H] (in time order), the last h and c. Steps from T - 1 down when
// reversed.
std::tuple<Tensor, Tensor, Tensor> lstm_layer(const Tensor& proj, const Tensor& h0, const Tensor& c0,
                                              const Tensor& w_hh, bool reverse);

// proj [T, N, H] (with both biases), h0 [N, H], w_hh [H, H]: nn.RNN's outputs and last h, tanh or
// relu of the step's sum (in tensor ops: the node's gain is w_hh's one gradient product).
std::tuple<Tensor, Tensor> elman_layer(const Tensor& proj, const Tensor& h0, const Tensor& w_hh, bool relu,
                                       bool reverse);

// proj [T, N, 3H] (with bias_ih), h0 [N, H], w_hh [3H, H], b_hh [3H] or undefined: the outputs
// and the last h.
std::tuple<Tensor, Tensor> gru_layer(const Tensor& proj, const Tensor& h0, const Tensor& w_hh, const Tensor& b_hh,
                                     bool reverse);

}  // namespace tg::nn::detail
