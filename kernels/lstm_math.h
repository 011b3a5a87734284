#pragma once
// One LSTM unit's step, shared by the CPU and CUDA kernels: the cell from the gates' activations
// (input i, forget f, cell g, output o), and the gradients back through it.
#include "kernels/scalar_math.h"

namespace tg::kernels::lstm {

template <class T>
TG_HOST_DEVICE inline T cell(T i, T f, T g, T c_prev) {
  return f * c_prev + i * g;
}

// Back through h = o tanh(c) and c = f c_prev + i g, given tanh_c = tanh(c) and dh: dc enters as
// the gradient from the step after and leaves as c_prev's; d_* are the gradients of the gates'
// pre-activations (sigmoid' = s (1 - s), tanh' = 1 - t^2).
template <class T>
TG_HOST_DEVICE inline void cell_backward(T dh, T& dc, T i, T f, T g, T o, T tanh_c, T c_prev, T& d_i, T& d_f, T& d_g,
                                         T& d_o) {
  const T dc_total = dc + dh * o * (T(1) - tanh_c * tanh_c);
  d_o = dh * tanh_c * o * (T(1) - o);
  d_i = dc_total * g * i * (T(1) - i);
  d_f = dc_total * c_prev * f * (T(1) - f);
  d_g = dc_total * i * (T(1) - g * g);
  dc = dc_total * f;
}

}  // namespace tg::kernels::lstm
