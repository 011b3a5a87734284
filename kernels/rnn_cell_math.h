#pragma once
// One unit's step of the LSTM and GRU cells, shared by the CPU and CUDA kernels: the state from
// the gates' activations, and the gradients back through it.
#include "kernels/scalar_math.h"

namespace tg::kernels::lstm {

template <class T>
TG_HOST_DEVICE inline T cell(T i, T f, T g, T c_prev) {
  return f * c_prev + i * g;
}

// Back through h = o tanh(c) and c = f c_prev + i g (input, forget, cell and output gates),
// given tanh_c = tanh(c) and dh: dc enters as the gradient from the step after and leaves as
// c_prev's; d_* are the gradients of the gates' pre-activations (sigmoid' = s (1 - s),
// tanh' = 1 - t^2).
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

namespace tg::kernels::gru {

// h = (1 - z) n + z h_prev, with n = tanh(x_n + r h_n) (reset r, update z).
template <class T>
TG_HOST_DEVICE inline T state(T z, T n, T h_prev) {
  return n + z * (h_prev - n);
}

// Back through that step given dh: the gradients of the pre-activations from the input's side
// (dx_*; r's and z's are also the product's), the product's n part (dp_n = dx_n r, as x_n +
// r h_n sees h_n), and h_prev's part outside the product (dh_prev).
template <class T>
TG_HOST_DEVICE inline void state_backward(T dh, T r, T z, T n, T h_n, T h_prev, T& dx_r, T& dx_z, T& dx_n, T& dp_n,
                                          T& dh_prev) {
  const T dn = dh * (T(1) - z) * (T(1) - n * n);
  dx_n = dn;
  dp_n = dn * r;
  dx_r = dn * h_n * r * (T(1) - r);
  dx_z = dh * (h_prev - n) * z * (T(1) - z);
  dh_prev = dh * z;
}

}  // namespace tg::kernels::gru
