// Sorting along a dim (sort, argsort, topk). NaN sorts as the largest value, as in PyTorch.
#include <algorithm>
#include <numeric>
#include <vector>

#include "kernels/cpu/cpu_kernels.h"
#include "kernels/cpu/loops.h"

namespace tg::kernels::cpu {

void sort(DType dtype, const DimGeometry& g, void* values, int64_t* indices, const void* in, int64_t k,
          bool descending, bool stable) {
  dispatch_all(dtype, [&]<class T>() {
    using A = acc_t<T>;
    const T* x = static_cast<const T*>(in);
    T* v = static_cast<T*>(values);
    auto less = [](A a, A b) {
      if constexpr (std::is_floating_point_v<A>) {
        if (b != b) return a == a;  // everything but NaN is less than NaN
        if (a != a) return false;
      }
      return a < b;
    };
    parallel_for(0, g.outer * g.inner, 16, [&](int64_t b, int64_t e) {
      std::vector<int64_t> order(static_cast<size_t>(g.size));
      std::vector<A> key(static_cast<size_t>(g.size));
      for (int64_t r = b; r < e; ++r) {
        const int64_t o = r / g.inner, i = r % g.inner;
        const T* xs = x + o * g.in_outer_stride + i * g.in_inner_stride;
        for (int64_t j = 0; j < g.size; ++j) key[static_cast<size_t>(j)] = A(xs[j * g.in_dim_stride]);
        std::iota(order.begin(), order.end(), int64_t{0});
        auto cmp = [&](int64_t p, int64_t q) {
          const A a = key[static_cast<size_t>(p)], c = key[static_cast<size_t>(q)];
          return descending ? less(c, a) : less(a, c);
        };
        if (stable) {
          std::stable_sort(order.begin(), order.end(), cmp);
        } else if (k < g.size) {
          std::partial_sort(order.begin(), order.begin() + k, order.end(), cmp);
        } else {
          std::sort(order.begin(), order.end(), cmp);
        }
        T* vs = v + o * g.out_outer_stride + i * g.out_inner_stride;
        int64_t* is = indices + o * g.out_outer_stride + i * g.out_inner_stride;
        for (int64_t j = 0; j < k; ++j) {
          const int64_t src = order[static_cast<size_t>(j)];
          vs[j * g.out_dim_stride] = xs[src * g.in_dim_stride];
          is[j * g.out_dim_stride] = src;
        }
      }
    });
  });
}

}  // namespace tg::kernels::cpu
