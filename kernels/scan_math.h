#pragma once
// The step of each scan (kernels::ScanOp), shared by the CPU kernels and (compiled as device
// functions) the CUDA kernels, so that both give the same values, indices and NaN behaviour.
#include <cmath>
#include <cstdint>
#include <type_traits>

#include "kernels/kernels.h"
#include "kernels/scalar_math.h"

namespace tg::kernels {

// The running state of a scan over elements of arithmetic type A: sums and products in double
// (integers in int64), as the reductions accumulate; logsumexp in double; max and min in A.
template <ScanOp kOp, class A>
struct Scanner {
  using S = std::conditional_t<kOp == ScanOp::Max || kOp == ScanOp::Min, A,
                               std::conditional_t<std::is_floating_point_v<A>, double, int64_t>>;
  TG_HOST_DEVICE static S init() {
    if constexpr (kOp == ScanOp::Prod) return S(1);
    else if constexpr (kOp == ScanOp::LogSumExp) return -HUGE_VAL;
    else return S(0);
  }
  // Adds element x at position k; for Max and Min, whether x became the running extreme: ties go
  // to the later element, and a NaN is taken and stays, each later NaN taking its index
  // (torch.cummax's rule).
  TG_HOST_DEVICE static bool push(S& s, A x, int64_t k) {
    if constexpr ((kOp == ScanOp::Sum || kOp == ScanOp::Prod) && std::is_integral_v<S>) {
      // Integers wrap, as PyTorch's do (signed overflow is undefined in C++).
      const uint64_t a = static_cast<uint64_t>(s), b = static_cast<uint64_t>(static_cast<S>(x));
      s = static_cast<S>(kOp == ScanOp::Sum ? a + b : a * b);
    } else if constexpr (kOp == ScanOp::Sum) {
      s += static_cast<S>(x);
    } else if constexpr (kOp == ScanOp::Prod) {
      s *= static_cast<S>(x);
    } else if constexpr (kOp == ScanOp::LogSumExp) {
      s = log_add_exp(s, static_cast<double>(x));
    } else {
      bool take = kOp == ScanOp::Max ? x >= s : x <= s;
      if constexpr (std::is_floating_point_v<A>) take = x != x || (s == s && take);
      if (k == 0 || take) s = x;
      return k == 0 || take;
    }
    return false;
  }
  // log(exp(a) + exp(b)) without overflow; equal infinities stay themselves, NaN propagates.
  TG_HOST_DEVICE static double log_add_exp(double a, double b) {
    if (a != a || b != b) return a + b;
    const double lo = a < b ? a : b, hi = a < b ? b : a;
    if (lo == hi && std::isinf(lo)) return a;
    return hi + std::log1p(std::exp(lo - hi));
  }
};

}  // namespace tg::kernels
