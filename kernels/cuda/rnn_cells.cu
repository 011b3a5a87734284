// The LSTM and GRU steps on the GPU: a thread per unit of a row, the formulas of rnn_cell_math.h.
#include <cmath>

#include "kernels/cuda/cuda_kernels.h"
#include "kernels/cuda/loops.cuh"
#include "kernels/rnn_cell_math.h"

namespace tg::kernels::cuda {
namespace {

template <class T>
__device__ T sigmoid_of(T x) {
  return T(1) / (T(1) + std::exp(-x));
}

template <class T>
__global__ void cell_kernel(int64_t n, int64_t hidden, const T* __restrict__ proj, const T* __restrict__ prod,
                            const T* __restrict__ c_prev, T* __restrict__ act, T* __restrict__ c, T* __restrict__ h) {
  const int64_t units = n * hidden;
  for (int64_t k = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; k < units; k += int64_t{gridDim.x} * blockDim.x) {
    const int64_t base = k / hidden * 4 * hidden + k % hidden;
    const T i = sigmoid_of(proj[base] + prod[base]);
    const T f = sigmoid_of(proj[base + hidden] + prod[base + hidden]);
    const T g = std::tanh(proj[base + 2 * hidden] + prod[base + 2 * hidden]);
    const T o = sigmoid_of(proj[base + 3 * hidden] + prod[base + 3 * hidden]);
    act[base] = i;
    act[base + hidden] = f;
    act[base + 2 * hidden] = g;
    act[base + 3 * hidden] = o;
    const T cell = lstm::cell(i, f, g, c_prev[k]);
    c[k] = cell;
    h[k] = o * std::tanh(cell);
  }
}

template <class T>
__global__ void cell_backward_kernel(int64_t n, int64_t hidden, const T* __restrict__ act, const T* __restrict__ c,
                                     const T* __restrict__ c_prev, const T* __restrict__ dh_out,
                                     const T* __restrict__ dh_rec, T* __restrict__ dc, T* __restrict__ d) {
  const int64_t units = n * hidden;
  for (int64_t k = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; k < units; k += int64_t{gridDim.x} * blockDim.x) {
    const int64_t base = k / hidden * 4 * hidden + k % hidden;
    const T dh = dh_out ? dh_out[k] + dh_rec[k] : dh_rec[k];
    T dc_k = dc[k];
    lstm::cell_backward(dh, dc_k, act[base], act[base + hidden], act[base + 2 * hidden], act[base + 3 * hidden],
                        std::tanh(c[k]), c_prev[k], d[base], d[base + hidden], d[base + 2 * hidden],
                        d[base + 3 * hidden]);
    dc[k] = dc_k;
  }
}

template <class T>
__global__ void gru_kernel(int64_t n, int64_t hidden, const T* __restrict__ proj, const T* __restrict__ prod,
                           const T* __restrict__ h_prev, T* __restrict__ act, T* __restrict__ h) {
  const int64_t units = n * hidden;
  for (int64_t k = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; k < units; k += int64_t{gridDim.x} * blockDim.x) {
    const int64_t row = k / hidden, j = k % hidden, in = row * 3 * hidden + j, a = row * 4 * hidden + j;
    const T r = sigmoid_of(proj[in] + prod[in]);
    const T z = sigmoid_of(proj[in + hidden] + prod[in + hidden]);
    const T h_n = prod[in + 2 * hidden];
    const T cand = std::tanh(proj[in + 2 * hidden] + r * h_n);
    act[a] = r;
    act[a + hidden] = z;
    act[a + 2 * hidden] = cand;
    act[a + 3 * hidden] = h_n;
    h[k] = gru::state(z, cand, h_prev[k]);
  }
}

template <class T>
__global__ void gru_backward_kernel(int64_t n, int64_t hidden, const T* __restrict__ act, const T* __restrict__ h_prev,
                                    const T* __restrict__ dh_out, const T* __restrict__ dh_rec, T* __restrict__ d_proj,
                                    T* __restrict__ d_prod, T* __restrict__ dh_prev) {
  const int64_t units = n * hidden;
  for (int64_t k = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; k < units; k += int64_t{gridDim.x} * blockDim.x) {
    const int64_t row = k / hidden, j = k % hidden, in = row * 3 * hidden + j, a = row * 4 * hidden + j;
    const T dh = dh_out ? dh_out[k] + dh_rec[k] : dh_rec[k];
    T dx_r, dx_z, dx_n, dp_n, dhp;
    gru::state_backward(dh, act[a], act[a + hidden], act[a + 2 * hidden], act[a + 3 * hidden], h_prev[k], dx_r, dx_z,
                        dx_n, dp_n, dhp);
    d_proj[in] = dx_r;
    d_proj[in + hidden] = dx_z;
    d_proj[in + 2 * hidden] = dx_n;
    d_prod[in] = dx_r;
    d_prod[in + hidden] = dx_z;
    d_prod[in + 2 * hidden] = dp_n;
    dh_prev[k] = dhp;
  }
}

}  // namespace

void lstm_cell(DType dtype, int64_t n, int64_t hidden, const void* proj, const void* prod, const void* c_prev,
               void* act, void* c, void* h) {
  if (n * hidden == 0) return;
  dispatch_single_double(dtype, [&]<class T>() {
    cell_kernel<T><<<grid_for(n * hidden), kBlock, 0, current_stream()>>>(
        n, hidden, static_cast<const T*>(proj), static_cast<const T*>(prod), static_cast<const T*>(c_prev),
        static_cast<T*>(act), static_cast<T*>(c), static_cast<T*>(h));
  });
  TG_CUDA_CHECK(cudaGetLastError(), "lstm_cell");
}

void lstm_cell_backward(DType dtype, int64_t n, int64_t hidden, const void* act, const void* c, const void* c_prev,
                        const void* dh_out, const void* dh_rec, void* dc, void* d_gates) {
  if (n * hidden == 0) return;
  dispatch_single_double(dtype, [&]<class T>() {
    cell_backward_kernel<T><<<grid_for(n * hidden), kBlock, 0, current_stream()>>>(
        n, hidden, static_cast<const T*>(act), static_cast<const T*>(c), static_cast<const T*>(c_prev),
        static_cast<const T*>(dh_out), static_cast<const T*>(dh_rec), static_cast<T*>(dc), static_cast<T*>(d_gates));
  });
  TG_CUDA_CHECK(cudaGetLastError(), "lstm_cell_backward");
}

void gru_cell(DType dtype, int64_t n, int64_t hidden, const void* proj, const void* prod, const void* h_prev, void* act,
              void* h) {
  if (n * hidden == 0) return;
  dispatch_single_double(dtype, [&]<class T>() {
    gru_kernel<T><<<grid_for(n * hidden), kBlock, 0, current_stream()>>>(
        n, hidden, static_cast<const T*>(proj), static_cast<const T*>(prod), static_cast<const T*>(h_prev),
        static_cast<T*>(act), static_cast<T*>(h));
  });
  TG_CUDA_CHECK(cudaGetLastError(), "gru_cell");
}

void gru_cell_backward(DType dtype, int64_t n, int64_t hidden, const void* act, const void* h_prev, const void* dh_out,
                       const void* dh_rec, void* d_proj, void* d_prod, void* dh_prev) {
  if (n * hidden == 0) return;
  dispatch_single_double(dtype, [&]<class T>() {
    gru_backward_kernel<T><<<grid_for(n * hidden), kBlock, 0, current_stream()>>>(
        n, hidden, static_cast<const T*>(act), static_cast<const T*>(h_prev), static_cast<const T*>(dh_out),
        static_cast<const T*>(dh_rec), static_cast<T*>(d_proj), static_cast<T*>(d_prod), static_cast<T*>(dh_prev));
  });
  TG_CUDA_CHECK(cudaGetLastError(), "gru_cell_backward");
}

}  // namespace tg::kernels::cuda
