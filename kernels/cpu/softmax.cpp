// softmax / log_softmax along one dim, max-subtracted for stability.
#include <cmath>
#include <limits>

#include "kernels/cpu/cpu_kernels.h"
#include "kernels/cpu/loops.h"

namespace tg::kernels::cpu {

void softmax(DType dtype, bool log, const DimGeometry& g, void* out, const void* in) {
  dispatch_floating(dtype, [&]<class T>() {
    using A = acc_t<T>;
    const T* x = static_cast<const T*>(in);
    T* y = static_cast<T*>(out);
    const int64_t rows = g.outer * g.inner;
    parallel_for(0, rows, std::max<int64_t>(1, kGrain / std::max<int64_t>(1, g.size)), [&](int64_t b, int64_t e) {
      for (int64_t r = b; r < e; ++r) {
        const int64_t o = r / g.inner, i = r % g.inner;
        const T* xs = x + o * g.in_outer_stride + i * g.in_inner_stride;
        T* ys = y + o * g.out_outer_stride + i * g.out_inner_stride;
        const int64_t sx = g.in_dim_stride, sy = g.out_dim_stride;
        A mx = -std::numeric_limits<A>::infinity();
        for (int64_t k = 0; k < g.size; ++k) {
          const A v = A(xs[k * sx]);
          if (v > mx || v != v) mx = v;
        }
        // A row of -inf stays -inf / 0 rather than turning into NaN through inf - inf.
        const A shift = std::isinf(mx) && mx < 0 ? A(0) : mx;
        A sum = 0;
        for (int64_t k = 0; k < g.size; ++k) sum += std::exp(A(xs[k * sx]) - shift);
        if (log) {
          const A lse = std::log(sum);
          for (int64_t k = 0; k < g.size; ++k) ys[k * sy] = static_cast<T>(A(xs[k * sx]) - shift - lse);
        } else {
          const A inv = A(1) / sum;
          for (int64_t k = 0; k < g.size; ++k) ys[k * sy] = static_cast<T>(std::exp(A(xs[k * sx]) - shift) * inv);
        }
      }
    });
  });
}

}  // namespace tg::kernels::cpu
