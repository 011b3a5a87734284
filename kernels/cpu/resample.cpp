// Resampling along one dim (interpolate's separable passes): each output row a weighted sum of
// input rows (two or four; more for an antialiased shrink), the rows `inner` contiguous values long. The backward adds
// each output row's share into its input rows, one outer slice per task (so no two tasks add into one row).
#include <vector>

#include "kernels/cpu/cpu_kernels.h"
#include "kernels/cpu/loops.h"

namespace tg::kernels::cpu {
namespace {

template <class T>
void forward(const ResampleGeometry& g, T* out, const T* in, const int64_t* index, const acc_t<T>* weight) {
  using A = acc_t<T>;
  const int64_t grain = std::max<int64_t>(1, kGrain / std::max<int64_t>(1, g.taps * g.out_size * g.inner));
  parallel_for(0, g.outer, grain, [&](int64_t lo, int64_t hi) {
    std::vector<A> acc;  // a row's sums, for more than four taps
    for (int64_t b = lo; b < hi; ++b) {
      const T* src = in + b * g.in_size * g.inner;
      T* dst = out + b * g.out_size * g.inner;
      if (g.inner == 1) {
        // Along the last dim: one value per tap, the taps' tables read in order.
        if (!weight) {
          for (int64_t o = 0; o < g.out_size; ++o) dst[o] = src[index[o]];
        } else if (g.taps == 2) {
          const int64_t *i0 = index, *i1 = index + g.out_size;
          const A *w0 = weight, *w1 = weight + g.out_size;
          for (int64_t o = 0; o < g.out_size; ++o)
            dst[o] = static_cast<T>(A(src[i0[o]]) * w0[o] + A(src[i1[o]]) * w1[o]);
        } else {
          for (int64_t o = 0; o < g.out_size; ++o) {
            A sum = 0;
            for (int k = 0; k < g.taps; ++k) sum += A(src[index[k * g.out_size + o]]) * weight[k * g.out_size + o];
            dst[o] = static_cast<T>(sum);
          }
        }
        continue;
      }
      // Whole rows of `inner` values, weighted and summed (vectorised along the row).
      for (int64_t o = 0; o < g.out_size; ++o, dst += g.inner) {
        if (!weight) {
          const T* row = src + index[o] * g.inner;
          for (int64_t j = 0; j < g.inner; ++j) dst[j] = row[j];
          continue;
        }
        if (g.taps > 4) {
          acc.assign(static_cast<size_t>(g.inner), A(0));
          for (int k = 0; k < g.taps; ++k) {
            const T* row = src + index[k * g.out_size + o] * g.inner;
            const A w = weight[k * g.out_size + o];
            for (int64_t j = 0; j < g.inner; ++j) acc[static_cast<size_t>(j)] += A(row[j]) * w;
          }
          for (int64_t j = 0; j < g.inner; ++j) dst[j] = static_cast<T>(acc[static_cast<size_t>(j)]);
          continue;
        }
        const T* row[4];
        A w[4] = {};
        for (int k = 0; k < g.taps; ++k) {
          row[k] = src + index[k * g.out_size + o] * g.inner;
          w[k] = weight[k * g.out_size + o];
        }
        if (g.taps == 2) {
          for (int64_t j = 0; j < g.inner; ++j) dst[j] = static_cast<T>(A(row[0][j]) * w[0] + A(row[1][j]) * w[1]);
        } else {
          for (int64_t j = 0; j < g.inner; ++j) {
            A sum = 0;
            for (int k = 0; k < g.taps; ++k) sum += A(row[k][j]) * w[k];
            dst[j] = static_cast<T>(sum);
          }
        }
      }
    }
  });
}

// Along the last dim, scattered adds of neighbouring outputs into one input ran as a chain through
// memory (nearest x2 forward + backward of [8, 64, 56, 56] at 0.77x PyTorch's speed); there each
// input gathers its outputs' shares instead, from the taps' table inverted once per call.
template <class T>
void backward_last_dim(const ResampleGeometry& g, T* grad_in, const T* grad_out, const int64_t* index,
                       const acc_t<T>* weight) {
  using A = acc_t<T>;
  const int64_t entries = g.taps * g.out_size;
  std::vector<int64_t> start(static_cast<size_t>(g.in_size + 1), 0), source(static_cast<size_t>(entries));
  std::vector<A> share(static_cast<size_t>(entries));
  for (int64_t e = 0; e < entries; ++e) ++start[static_cast<size_t>(index[e] + 1)];
  for (int64_t i = 0; i < g.in_size; ++i) start[static_cast<size_t>(i + 1)] += start[static_cast<size_t>(i)];
  std::vector<int64_t> next(start.begin(), start.end() - 1);
  for (int64_t e = 0; e < entries; ++e) {  // by output within each tap: each input's shares in order
    const auto at = static_cast<size_t>(next[static_cast<size_t>(index[e])]++);
    source[at] = e % g.out_size;
    share[at] = weight ? weight[e] : A(1);
  }
  const int64_t grain = std::max<int64_t>(1, kGrain / std::max<int64_t>(1, entries));
  parallel_for(0, g.outer, grain, [&](int64_t lo, int64_t hi) {
    for (int64_t b = lo; b < hi; ++b) {
      const T* go = grad_out + b * g.out_size;
      T* gi = grad_in + b * g.in_size;
      for (int64_t i = 0; i < g.in_size; ++i) {
        A sum = 0;
        for (int64_t e = start[static_cast<size_t>(i)], end = start[static_cast<size_t>(i + 1)]; e < end; ++e)
          sum += share[static_cast<size_t>(e)] * A(go[source[static_cast<size_t>(e)]]);
        gi[i] = static_cast<T>(sum);
      }
    }
  });
}

template <class T>
void backward(const ResampleGeometry& g, T* grad_in, const T* grad_out, const int64_t* index, const acc_t<T>* weight) {
  using A = acc_t<T>;
  if (g.inner == 1) return backward_last_dim(g, grad_in, grad_out, index, weight);
  const int64_t slice = g.in_size * g.inner;
  parallel_for(0, g.outer, std::max<int64_t>(1, kGrain / std::max<int64_t>(1, g.taps * g.out_size * g.inner)),
               [&](int64_t lo, int64_t hi) {
                 std::vector<A> acc(static_cast<size_t>(slice));
                 for (int64_t b = lo; b < hi; ++b) {
                   std::fill(acc.begin(), acc.end(), A(0));
                   for (int64_t o = 0; o < g.out_size; ++o) {
                     const T* go = grad_out + (b * g.out_size + o) * g.inner;
                     for (int k = 0; k < g.taps; ++k) {
                       const A w = weight ? weight[k * g.out_size + o] : A(1);
                       A* dst = acc.data() + index[k * g.out_size + o] * g.inner;
                       for (int64_t j = 0; j < g.inner; ++j) dst[j] += w * A(go[j]);
                     }
                   }
                   T* gi = grad_in + b * slice;
                   for (int64_t i = 0; i < slice; ++i) gi[i] = static_cast<T>(acc[static_cast<size_t>(i)]);
                 }
               });
}

}  // namespace

void resample(DType dtype, const ResampleGeometry& g, bool backward_pass, void* out, const void* in,
              const int64_t* index, const void* weight) {
  if (!backward_pass && !weight) {
    dispatch_all(dtype, [&]<class T>() {
      forward<T>(g, static_cast<T*>(out), static_cast<const T*>(in), index, nullptr);
    });
    return;
  }
  dispatch_floating(dtype, [&]<class T>() {
    const auto* w = static_cast<const acc_t<T>*>(weight);
    if (backward_pass) backward<T>(g, static_cast<T*>(out), static_cast<const T*>(in), index, w);
    else forward<T>(g, static_cast<T*>(out), static_cast<const T*>(in), index, w);
  });
}

}  // namespace tg::kernels::cpu
