// CTC loss on the CPU: per sequence, the alpha recursion forward, and backward the beta recursion
// with each step's gradient gathered from it as it goes (ctc_math.h); sequences in parallel.
#include <algorithm>
#include <cmath>

#include "kernels/cpu/cpu_kernels.h"
#include "kernels/cpu/loops.h"
#include "kernels/ctc_math.h"

namespace tg::kernels::cpu {
namespace {

// Sequences per task: about kGrain state updates each.
int64_t sequence_grain(const CtcGeometry& g) {
  return std::max<int64_t>(1, kGrain / std::max<int64_t>(1, g.steps * g.width));
}

template <class T>
void ctc_forward(const CtcGeometry& g, const T* lp, T* alpha, T* nll) {
  const int64_t step = g.batch * g.classes;  // from one step's row of log_probs to the next
  parallel_for(0, g.batch, sequence_grain(g), [&](int64_t lo, int64_t hi) {
    for (int64_t n = lo; n < hi; ++n) {
      const int64_t il = g.input_lengths[n], tl = g.target_lengths[n], states = 2 * tl + 1;
      const int64_t* ext = g.ext + n * g.width;
      T* a = alpha + n * g.steps * g.width;
      for (int64_t t = 0; t < il; ++t)
        ctc::alpha_row(lp + n * g.classes + t * step, t == 0 ? nullptr : a + (t - 1) * g.width, a + t * g.width, ext,
                       states, g.blank, 0, 1);
      nll[n] = ctc::nll_of<T>(a + std::max<int64_t>(il - 1, 0) * g.width, il, tl);
    }
  });
}

template <class T>
void ctc_backward(const CtcGeometry& g, const T* lp, const T* alpha, const T* nll, const T* grad_nll, T* beta,
                  T* grad) {
  parallel_for(0, g.batch, sequence_grain(g), [&](int64_t lo, int64_t hi) {
    for (int64_t n = lo; n < hi; ++n) {
      for (int64_t t = 0; t < g.steps; ++t) std::fill_n(grad + (t * g.batch + n) * g.classes, g.classes, T(0));
      const int64_t il = g.input_lengths[n], tl = g.target_lengths[n], states = 2 * tl + 1;
      const T loss = nll[n];
      // No alignment (or no input): the loss does not depend on log_probs.
      if (il == 0 || std::isinf(loss)) continue;
      const int64_t *ext = g.ext + n * g.width, *next_same = g.next_same + n * g.width,
                    *first = g.first_same + n * g.width;
      const T* a = alpha + n * g.steps * g.width;
      T* rows[2] = {beta + n * 2 * g.width, beta + n * 2 * g.width + g.width};
      const T gn = grad_nll[n];
      for (int64_t t = il - 1; t >= 0; --t) {
        const T* row = lp + (t * g.batch + n) * g.classes;
        ctc::beta_row(row, t == il - 1 ? nullptr : rows[(t + 1) & 1], rows[t & 1], ext, states, g.blank, 0, 1);
        ctc::gradient_row(a + t * g.width, rows[t & 1], loss, gn, row, ext, next_same, first, states,
                          grad + (t * g.batch + n) * g.classes, 0, 1);
      }
    }
  });
}

}  // namespace

void ctc_loss(DType dtype, const CtcGeometry& g, const void* log_probs, void* alpha, void* nll) {
  dispatch_single_double(dtype, [&]<class T>() {
    ctc_forward<T>(g, static_cast<const T*>(log_probs), static_cast<T*>(alpha), static_cast<T*>(nll));
  });
}

void ctc_loss_backward(DType dtype, const CtcGeometry& g, const void* log_probs, const void* alpha, const void* nll,
                       const void* grad_nll, void* beta, void* grad) {
  dispatch_single_double(dtype, [&]<class T>() {
    ctc_backward<T>(g, static_cast<const T*>(log_probs), static_cast<const T*>(alpha), static_cast<const T*>(nll),
                    static_cast<const T*>(grad_nll), static_cast<T*>(beta), static_cast<T*>(grad));
  });
}

}  // namespace tg::kernels::cpu
