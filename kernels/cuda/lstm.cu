// The LSTM step on the GPU: a thread per unit of a row, the formulas of lstm_math.h.
#include <cmath>

#include "kernels/cuda/cuda_kernels.h"
#include "kernels/cuda/loops.cuh"
#include "kernels/lstm_math.h"

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

}  // namespace tg::kernels::cuda
