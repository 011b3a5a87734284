// The LSTM and GRU steps on the CPU, row by row: the gates' activations (and the LSTM's tanh(c))
// through the vector math of vec_math.h, the rest of rnn_cell_math.h's formulas in plain loops
// GCC vectorises.
#include <algorithm>
#include <cmath>
#include <vector>

#include "kernels/cpu/cpu_kernels.h"
#include "kernels/cpu/loops.h"
#include "kernels/cpu/vec_math.h"
#include "kernels/rnn_cell_math.h"

namespace tg::kernels::cpu {
namespace {

template <class T>
T sigmoid_of(T x) {
  return x >= 0 ? 1 / (1 + std::exp(-x)) : std::exp(x) / (1 + std::exp(x));
}

template <class T>
T tanh_of(T x) {
  return std::tanh(x);
}

// Rows per task: a row costs some 8 * 4 * hidden operations.
int64_t row_grain(int64_t hidden) { return std::max<int64_t>(1, kGrain / (32 * hidden)); }

template <class T>
void cell_rows(int64_t n, int64_t hidden, const T* proj, const T* prod, const T* c_prev, T* act, T* c, T* h) {
  const int64_t width = 4 * hidden;
  parallel_for(0, n, row_grain(hidden), [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) {
      T* __restrict a = act + r * width;
      const T* __restrict x = proj + r * width;
      const T* __restrict y = prod + r * width;
      for (int64_t j = 0; j < width; ++j) a[j] = x[j] + y[j];
      vector_map<VectorFn::Sigmoid>(a, a, 2 * hidden, sigmoid_of<T>);
      vector_map<VectorFn::Tanh>(a + 2 * hidden, a + 2 * hidden, hidden, tanh_of<T>);
      vector_map<VectorFn::Sigmoid>(a + 3 * hidden, a + 3 * hidden, hidden, sigmoid_of<T>);
      T* __restrict cr = c + r * hidden;
      T* __restrict hr = h + r * hidden;
      const T* __restrict cp = c_prev + r * hidden;
      for (int64_t j = 0; j < hidden; ++j) cr[j] = lstm::cell(a[j], a[hidden + j], a[2 * hidden + j], cp[j]);
      vector_map<VectorFn::Tanh>(cr, hr, hidden, tanh_of<T>);
      for (int64_t j = 0; j < hidden; ++j) hr[j] *= a[3 * hidden + j];
    }
  });
}

// One row's units; each gate's values and gradients through a pointer of its own, so that GCC
// vectorises the loop (through one pointer and offsets it could not rule out their overlap).
template <class T, bool kOut>
void cell_row_backward(int64_t hidden, const T* __restrict ai, const T* __restrict af, const T* __restrict ag,
                       const T* __restrict ao, const T* __restrict tanh_c, const T* __restrict c_prev,
                       const T* __restrict dh_out, const T* __restrict dh_rec, T* __restrict dc, T* __restrict di,
                       T* __restrict df, T* __restrict dg, T* __restrict d_o) {
  for (int64_t j = 0; j < hidden; ++j) {
    const T dh = kOut ? dh_out[j] + dh_rec[j] : dh_rec[j];
    lstm::cell_backward(dh, dc[j], ai[j], af[j], ag[j], ao[j], tanh_c[j], c_prev[j], di[j], df[j], dg[j], d_o[j]);
  }
}

template <class T>
void cell_rows_backward(int64_t n, int64_t hidden, const T* act, const T* c, const T* c_prev, const T* dh_out,
                        const T* dh_rec, T* dc, T* d_gates) {
  const int64_t width = 4 * hidden;
  parallel_for(0, n, row_grain(hidden), [&](int64_t begin, int64_t end) {
    thread_local std::vector<T> tanh_c;
    tanh_c.resize(static_cast<size_t>(hidden));
    for (int64_t r = begin; r < end; ++r) {
      const T* a = act + r * width;
      T* d = d_gates + r * width;
      vector_map<VectorFn::Tanh>(c + r * hidden, tanh_c.data(), hidden, tanh_of<T>);
      const int64_t u = r * hidden;
      if (dh_out)
        cell_row_backward<T, true>(hidden, a, a + hidden, a + 2 * hidden, a + 3 * hidden, tanh_c.data(), c_prev + u,
                                   dh_out + u, dh_rec + u, dc + u, d, d + hidden, d + 2 * hidden, d + 3 * hidden);
      else
        cell_row_backward<T, false>(hidden, a, a + hidden, a + 2 * hidden, a + 3 * hidden, tanh_c.data(), c_prev + u,
                                    nullptr, dh_rec + u, dc + u, d, d + hidden, d + 2 * hidden, d + 3 * hidden);
    }
  });
}

template <class T>
void gru_rows(int64_t n, int64_t hidden, const T* proj, const T* prod, const T* h_prev, T* act, T* h) {
  const int64_t width = 3 * hidden;
  parallel_for(0, n, row_grain(hidden), [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) {
      T* __restrict a = act + r * 4 * hidden;
      const T* __restrict x = proj + r * width;
      const T* __restrict y = prod + r * width;
      for (int64_t j = 0; j < 2 * hidden; ++j) a[j] = x[j] + y[j];
      vector_map<VectorFn::Sigmoid>(a, a, 2 * hidden, sigmoid_of<T>);
      T* __restrict cand = a + 2 * hidden;
      T* __restrict h_n = a + 3 * hidden;
      const T* __restrict reset = a;
      for (int64_t j = 0; j < hidden; ++j) {
        h_n[j] = y[2 * hidden + j];
        cand[j] = x[2 * hidden + j] + reset[j] * y[2 * hidden + j];
      }
      vector_map<VectorFn::Tanh>(cand, cand, hidden, tanh_of<T>);
      const T* __restrict update = a + hidden;
      const T* __restrict hp = h_prev + r * hidden;
      T* __restrict hr = h + r * hidden;
      for (int64_t j = 0; j < hidden; ++j) hr[j] = gru::state(update[j], cand[j], hp[j]);
    }
  });
}

template <class T, bool kOut>
void gru_row_backward(int64_t hidden, const T* __restrict reset, const T* __restrict update, const T* __restrict cand,
                      const T* __restrict h_n, const T* __restrict h_prev, const T* __restrict dh_out,
                      const T* __restrict dh_rec, T* __restrict dx_r, T* __restrict dx_z, T* __restrict dx_n,
                      T* __restrict dp_r, T* __restrict dp_z, T* __restrict dp_n, T* __restrict dh_prev) {
  for (int64_t j = 0; j < hidden; ++j) {
    const T dh = kOut ? dh_out[j] + dh_rec[j] : dh_rec[j];
    gru::state_backward(dh, reset[j], update[j], cand[j], h_n[j], h_prev[j], dx_r[j], dx_z[j], dx_n[j], dp_n[j],
                        dh_prev[j]);
    dp_r[j] = dx_r[j];
    dp_z[j] = dx_z[j];
  }
}

template <class T>
void gru_rows_backward(int64_t n, int64_t hidden, const T* act, const T* h_prev, const T* dh_out, const T* dh_rec,
                       T* d_proj, T* d_prod, T* dh_prev) {
  parallel_for(0, n, row_grain(hidden), [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) {
      const T* a = act + r * 4 * hidden;
      T* dx = d_proj + r * 3 * hidden;
      T* dp = d_prod + r * 3 * hidden;
      const int64_t u = r * hidden;
      if (dh_out)
        gru_row_backward<T, true>(hidden, a, a + hidden, a + 2 * hidden, a + 3 * hidden, h_prev + u, dh_out + u,
                                  dh_rec + u, dx, dx + hidden, dx + 2 * hidden, dp, dp + hidden, dp + 2 * hidden,
                                  dh_prev + u);
      else
        gru_row_backward<T, false>(hidden, a, a + hidden, a + 2 * hidden, a + 3 * hidden, h_prev + u, nullptr,
                                   dh_rec + u, dx, dx + hidden, dx + 2 * hidden, dp, dp + hidden, dp + 2 * hidden,
                                   dh_prev + u);
    }
  });
}

}  // namespace

void lstm_cell(DType dtype, int64_t n, int64_t hidden, const void* proj, const void* prod, const void* c_prev,
               void* act, void* c, void* h) {
  dispatch_single_double(dtype, [&]<class T>() {
    cell_rows<T>(n, hidden, static_cast<const T*>(proj), static_cast<const T*>(prod), static_cast<const T*>(c_prev),
                 static_cast<T*>(act), static_cast<T*>(c), static_cast<T*>(h));
  });
}

void lstm_cell_backward(DType dtype, int64_t n, int64_t hidden, const void* act, const void* c, const void* c_prev,
                        const void* dh_out, const void* dh_rec, void* dc, void* d_gates) {
  dispatch_single_double(dtype, [&]<class T>() {
    cell_rows_backward<T>(n, hidden, static_cast<const T*>(act), static_cast<const T*>(c),
                          static_cast<const T*>(c_prev), static_cast<const T*>(dh_out), static_cast<const T*>(dh_rec),
                          static_cast<T*>(dc), static_cast<T*>(d_gates));
  });
}

void gru_cell(DType dtype, int64_t n, int64_t hidden, const void* proj, const void* prod, const void* h_prev, void* act,
              void* h) {
  dispatch_single_double(dtype, [&]<class T>() {
    gru_rows<T>(n, hidden, static_cast<const T*>(proj), static_cast<const T*>(prod), static_cast<const T*>(h_prev),
                static_cast<T*>(act), static_cast<T*>(h));
  });
}

void gru_cell_backward(DType dtype, int64_t n, int64_t hidden, const void* act, const void* h_prev, const void* dh_out,
                       const void* dh_rec, void* d_proj, void* d_prod, void* dh_prev) {
  dispatch_single_double(dtype, [&]<class T>() {
    gru_rows_backward<T>(n, hidden, static_cast<const T*>(act), static_cast<const T*>(h_prev),
                         static_cast<const T*>(dh_out), static_cast<const T*>(dh_rec), static_cast<T*>(d_proj),
                         static_cast<T*>(d_prod), static_cast<T*>(dh_prev));
  });
}

}  // namespace tg::kernels::cpu
