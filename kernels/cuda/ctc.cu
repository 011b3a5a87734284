// CTC loss on the GPU: a block per sequence walks the steps, its threads sharing one step's
// states between barriers (the recursions of ctc_math.h, as the CPU runs them). Each class's
// gradient is summed by one thread along its states in order: no atomic adds, so the result is
// deterministic and matches the CPU's order of addition.
#include <cmath>

#include "kernels/ctc_math.h"
#include "kernels/cuda/cuda_kernels.h"
#include "kernels/cuda/loops.cuh"

namespace tg::kernels::cuda {
namespace {

template <class T>
__global__ void ctc_alpha(const CtcGeometry g, const T* __restrict__ lp, T* alpha, T* __restrict__ nll) {
  const int64_t n = blockIdx.x;
  const int64_t il = g.input_lengths[n], tl = g.target_lengths[n], states = 2 * tl + 1;
  const int64_t* ext = g.ext + n * g.width;
  T* a = alpha + n * g.steps * g.width;
  for (int64_t t = 0; t < il; ++t) {
    if (t > 0) __syncthreads();  // the previous step's states are all written
    ctc::alpha_row(lp + n * g.classes + t * g.batch * g.classes, t == 0 ? nullptr : a + (t - 1) * g.width,
                   a + t * g.width, ext, states, g.blank, threadIdx.x, blockDim.x);
  }
  __syncthreads();
  if (threadIdx.x == 0) nll[n] = ctc::nll_of<T>(a + (il > 0 ? il - 1 : 0) * g.width, il, tl);
}

template <class T>
__global__ void ctc_beta(const CtcGeometry g, const T* __restrict__ lp, const T* __restrict__ alpha,
                         const T* __restrict__ nll, const T* __restrict__ grad_nll, T* beta, T* __restrict__ grad) {
  const int64_t n = blockIdx.x;
  for (int64_t t = 0; t < g.steps; ++t)
    for (int64_t c = threadIdx.x; c < g.classes; c += blockDim.x) grad[(t * g.batch + n) * g.classes + c] = T(0);
  const int64_t il = g.input_lengths[n], tl = g.target_lengths[n], states = 2 * tl + 1;
  const T loss = nll[n];
  // No alignment (or no input): the loss does not depend on log_probs. The whole block leaves.
  if (il == 0 || isinf(loss)) return;
  __syncthreads();  // the zeros land before the class sums overwrite them
  const int64_t* ext = g.ext + n * g.width;
  const int64_t* next_same = g.next_same + n * g.width;
  const int64_t* first = g.first_same + n * g.width;
  const T* a = alpha + n * g.steps * g.width;
  T* rows[2] = {beta + n * 2 * g.width, beta + n * 2 * g.width + g.width};
  const T gn = grad_nll[n];
  for (int64_t t = il - 1; t >= 0; --t) {
    const T* row = lp + (t * g.batch + n) * g.classes;
    ctc::beta_row(row, t == il - 1 ? nullptr : rows[(t + 1) & 1], rows[t & 1], ext, states, g.blank, threadIdx.x,
                  blockDim.x);
    // The row is complete; the next step overwrites the one read here, whose readers all passed
    // this barrier.
    __syncthreads();
    ctc::gradient_row(a + t * g.width, rows[t & 1], loss, gn, row, ext, next_same, first, states,
                      grad + (t * g.batch + n) * g.classes, threadIdx.x, blockDim.x);
  }
}

// Threads per block: enough for one step's states, up to kBlock.
unsigned state_threads(int64_t width) {
  unsigned threads = 32;
  while (threads < kBlock && threads < width) threads *= 2;
  return threads;
}

}  // namespace

void ctc_loss(DType dtype, const CtcGeometry& g, const void* log_probs, void* alpha, void* nll) {
  if (g.batch == 0) return;
  TG_CHECK(g.batch <= 0x7fffffff, "ctc_loss: {} sequences are more than one CUDA launch can index", g.batch);
  dispatch_single_double(dtype, [&]<class T>() {
    ctc_alpha<T><<<static_cast<unsigned>(g.batch), state_threads(g.width), 0, current_stream()>>>(
        g, static_cast<const T*>(log_probs), static_cast<T*>(alpha), static_cast<T*>(nll));
  });
  TG_CUDA_CHECK(cudaGetLastError(), "ctc_loss");
}

void ctc_loss_backward(DType dtype, const CtcGeometry& g, const void* log_probs, const void* alpha, const void* nll,
                       const void* grad_nll, void* beta, void* grad) {
  if (g.batch == 0) return;
  TG_CHECK(g.batch <= 0x7fffffff, "ctc_loss_backward: {} sequences are more than one CUDA launch can index", g.batch);
  dispatch_single_double(dtype, [&]<class T>() {
    ctc_beta<T><<<static_cast<unsigned>(g.batch), state_threads(g.width), 0, current_stream()>>>(
        g, static_cast<const T*>(log_probs), static_cast<const T*>(alpha), static_cast<const T*>(nll),
        static_cast<const T*>(grad_nll), static_cast<T*>(beta), static_cast<T*>(grad));
  });
  TG_CUDA_CHECK(cudaGetLastError(), "ctc_loss_backward");
}

}  // namespace tg::kernels::cuda
