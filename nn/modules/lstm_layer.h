#pragma once
// One LSTM layer in one direction over every step, shared by nn.LSTM (rnn.cpp): the step in
// differentiable ops, and the whole recurrence as one node whose backward sums the recurrent
// weight's gradient over the steps in one product.
#include <tuple>
#include <utility>

#include "tapegrad/tensor/tensor.h"

namespace tg::nn::detail {

// Input, forget, cell and output gates from xp (the step's input projection with both biases)
// plus h's product; with w_hr the new h is projected. Returns the new h and c.
std::pair<Tensor, Tensor> lstm_step(const Tensor& xp, const Tensor& h, const Tensor& c, const Tensor& w_hh,
                                    const Tensor& w_hr = {});

// Whether lstm_layer takes these: float32 / float64, no forward-mode tangents.
bool lstm_layer_fits(const Tensor& proj, const Tensor& h0, const Tensor& c0, const Tensor& w_hh);

// proj [T, N, 4H] (every step's input projection with both biases), h0 and c0 [N, H], w_hh
// [4H, H]: the outputs [T, N, H] (in time order), the last h and c. Steps from T - 1 down when
// reversed.
std::tuple<Tensor, Tensor, Tensor> lstm_layer(const Tensor& proj, const Tensor& h0, const Tensor& c0,
                                              const Tensor& w_hh, bool reverse);

}  // namespace tg::nn::detail
