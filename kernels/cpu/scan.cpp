// Scans along a dim (cumsum, cumprod, cummax/cummin with indices, logcumsumexp) and
// searchsorted.
#include <vector>

#include "kernels/cpu/complex_kernels.h"
#include "kernels/cpu/cpu_kernels.h"
#include "kernels/cpu/loops.h"
#include "kernels/scan_math.h"

namespace tg::kernels::cpu {
namespace {

template <ScanOp kOp, class T>
void scan_impl(const DimGeometry& g, T* y, int64_t* idx, const T* x) {
  using A = acc_t<T>;
  using Sc = Scanner<kOp, A>;
  using S = typename Sc::S;
  if (is_dense(g) && g.inner >= 8) {
    // Along an outer dim: a block of inner positions side by side, each row pushed into the
    // running values in one loop, instead of one strided scan per position.
    constexpr int64_t kWidth = 512;
    const int64_t chunks = (g.inner + kWidth - 1) / kWidth;
    parallel_for(0, g.outer * chunks, std::max<int64_t>(1, kGrain / std::max<int64_t>(1, g.size * kWidth)),
                 [&](int64_t b, int64_t e) {
                   std::vector<S> acc(kWidth);
                   std::vector<int64_t> at(kWidth);
                   for (int64_t t = b; t < e; ++t) {
                     const int64_t o = t / chunks, j0 = (t % chunks) * kWidth, w = std::min(kWidth, g.inner - j0);
                     std::fill(acc.begin(), acc.end(), Sc::init());
                     for (int64_t k = 0; k < g.size; ++k) {
                       const int64_t row = (o * g.size + k) * g.inner + j0;
                       for (int64_t j = 0; j < w; ++j) {
                         const auto u = static_cast<size_t>(j);
                         if (Sc::push(acc[u], convert<A>(x[row + j]), k)) at[u] = k;
                         y[row + j] = convert<T>(acc[u]);
                       }
                       if (idx) std::copy(at.begin(), at.begin() + w, idx + row);
                     }
                   }
                 });
    return;
  }
  // One scan per position; the loop is instantiated for unit strides (rows along the last dim)
  // and with or without indices, so that the common case has no stride arithmetic or branch.
  // Each step depends on the one before, so kLanes positions are scanned side by side: their
  // independent chains fill the time one add or multiply waits for the previous one.
  auto scan_all = [&]<bool kUnit, bool kIndices>() {
    const int64_t in_step = kUnit ? 1 : g.in_dim_stride, out_step = kUnit ? 1 : g.out_dim_stride;
    auto scan_lanes = [&]<int kLanes>(int64_t p) {
      const T* xs[kLanes];
      T* ys[kLanes];
      S acc[kLanes];
      int64_t at[kLanes];
      for (int r = 0; r < kLanes; ++r) {
        const int64_t o = (p + r) / g.inner, i = (p + r) % g.inner;
        xs[r] = x + o * g.in_outer_stride + i * g.in_inner_stride;
        ys[r] = y + o * g.out_outer_stride + i * g.out_inner_stride;
        acc[r] = Sc::init();
        at[r] = 0;
      }
      for (int64_t k = 0; k < g.size; ++k) {
        for (int r = 0; r < kLanes; ++r) {
          if (Sc::push(acc[r], convert<A>(xs[r][k * in_step]), k)) at[r] = k;
          ys[r][k * out_step] = convert<T>(acc[r]);
          if constexpr (kIndices) idx[(ys[r] - y) + k * out_step] = at[r];
        }
      }
    };
    parallel_for(0, g.outer * g.inner, std::max<int64_t>(1, kGrain / std::max<int64_t>(1, g.size)),
                 [&](int64_t b, int64_t e) {
                   int64_t p = b;
                   for (; p + 4 <= e; p += 4) scan_lanes.template operator()<4>(p);
                   for (; p < e; ++p) scan_lanes.template operator()<1>(p);
                 });
  };
  const bool unit = g.in_dim_stride == 1 && g.out_dim_stride == 1;
  if (idx)
    unit ? scan_all.template operator()<true, true>() : scan_all.template operator()<false, true>();
  else
    unit ? scan_all.template operator()<true, false>() : scan_all.template operator()<false, false>();
}

// The first position in [0, n) whose boundary is not below v (above v with right), as
// PyTorch's searchsorted compares: a NaN value goes past every boundary. Branch-free: the range
// halves a fixed number of times, with a select for the step (the branches of a textbook
// binary search mispredict about half the time on random values).
template <bool kRight, class A, class T>
int64_t bound(const T* row, int64_t n, A v) {
  if (n == 0) return 0;
  const auto before = [v](const T& m) {
    const A b = convert<A>(m);
    return kRight ? !(b > v) : !(b >= v);
  };
  const T* base = row;
  for (int64_t len = n; len > 1;) {
    const int64_t half = len / 2;
    base += half * static_cast<int64_t>(before(base[half - 1]));  // arithmetic: GCC made `?:` a branch
    len -= half;
  }
  return (base - row) + static_cast<int64_t>(before(*base));
}

}  // namespace

void scan(ScanOp op, DType dtype, const DimGeometry& g, void* out, int64_t* indices, const void* in) {
  if (g.outer * g.inner == 0 || g.size == 0) return;
  if (is_complex(dtype)) return complex_scan(op, dtype, g, out, in);
  dispatch_all(dtype, [&]<class T>() {
    T* y = static_cast<T*>(out);
    const T* x = static_cast<const T*>(in);
    switch (op) {
      case ScanOp::Sum: return scan_impl<ScanOp::Sum>(g, y, nullptr, x);
      case ScanOp::Prod: return scan_impl<ScanOp::Prod>(g, y, nullptr, x);
      case ScanOp::Max: return scan_impl<ScanOp::Max>(g, y, indices, x);
      case ScanOp::Min: return scan_impl<ScanOp::Min>(g, y, indices, x);
      case ScanOp::LogSumExp:
        if constexpr (std::is_floating_point_v<acc_t<T>>) return scan_impl<ScanOp::LogSumExp>(g, y, nullptr, x);
        else TG_FAIL("logcumsumexp kernel: dtype {} is not a floating-point type", dtype);
    }
  });
}

void searchsorted(DType dtype, const SearchGeometry& g, int64_t* out, const void* sorted, const void* values,
                  bool right) {
  dispatch_numeric(dtype, [&]<class T>() {
    const T* s = static_cast<const T*>(sorted);
    const T* v = static_cast<const T*>(values);
    parallel_for(0, g.rows * g.count, std::max<int64_t>(1, kGrain / 16), [&](int64_t b, int64_t e) {
      for (int64_t t = b; t < e;) {
        const int64_t r = t / g.count, end = std::min(e, (r + 1) * g.count);
        const T* row = s + r * g.sorted_row_stride;
        if (right) {
          for (; t < end; ++t) out[t] = bound<true>(row, g.size, convert<acc_t<T>>(v[t]));
        } else {
          for (; t < end; ++t) out[t] = bound<false>(row, g.size, convert<acc_t<T>>(v[t]));
        }
      }
    });
  });
}

}  // namespace tg::kernels::cpu
