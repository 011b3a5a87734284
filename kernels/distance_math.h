#pragma once
// The terms of cdist / pdist's p-norms of row differences and of their gradients, shared by the
// CPU and CUDA distance kernels. The norm's kind is a template argument so that the inner loops
// carry no test of p (and p = 2's loop vectorises to a multiply-add).
#include <cmath>

#include "kernels/scalar_math.h"

namespace tg::kernels::distance_math {

enum class Norm { Zero, One, Two, Inf, General };

inline Norm norm_of(double p) {
  if (p == 0) return Norm::Zero;
  if (p == 1) return Norm::One;
  if (p == 2) return Norm::Two;
  if (std::isinf(p)) return Norm::Inf;
  return Norm::General;
}

// Calls run.template operator()<N>() with N the kind of p.
template <class F>
void with_norm(double p, F&& run) {
  switch (norm_of(p)) {
    case Norm::Zero:
      return run.template operator()<Norm::Zero>();
    case Norm::One:
      return run.template operator()<Norm::One>();
    case Norm::Two:
      return run.template operator()<Norm::Two>();
    case Norm::Inf:
      return run.template operator()<Norm::Inf>();
    case Norm::General:
      return run.template operator()<Norm::General>();
  }
}

// The accumulated term of one coordinate difference d (the Inf norm takes the max of them).
template <Norm N, class A>
TG_HOST_DEVICE inline A term(A d, A p) {
  if constexpr (N == Norm::Zero)
    return d != A(0) ? A(1) : A(0);
  else if constexpr (N == Norm::One || N == Norm::Inf)
    return std::fabs(d);
  else if constexpr (N == Norm::Two)
    return d * d;
  else
    return std::pow(std::fabs(d), p);
}

template <Norm N, class A>
TG_HOST_DEVICE inline A combine(A acc, A t) {
  if constexpr (N == Norm::Inf)
    return t > acc || t != t ? t : acc;  // NaN wins, as in PyTorch
  else
    return acc + t;
}

template <Norm N, class A>
TG_HOST_DEVICE inline A finish(A acc, A p) {
  if constexpr (N == Norm::Two)
    return std::sqrt(acc);
  else if constexpr (N == Norm::General)
    return std::pow(acc, A(1) / p);
  else
    return acc;
}

// d(dist) / d(x1's coordinate) for the difference d = x1 - x2 of that coordinate (PyTorch's
// cdist / pdist backward): zero at zero distance, and for p < 1 where the difference is zero.
template <Norm N, class A>
TG_HOST_DEVICE inline A slope(A d, A dist, A p) {
  const A sign = d > A(0) ? A(1) : d < A(0) ? A(-1) : d == A(0) ? A(0) : d;  // NaN stays, as torch.sign's
  if constexpr (N == Norm::Zero)
    return A(0);
  else if constexpr (N == Norm::One)
    return sign;
  else if constexpr (N == Norm::Two)
    return dist == A(0) ? A(0) : d / dist;
  else if constexpr (N == Norm::Inf)
    return sign * A(std::fabs(d) == dist);
  else
    return dist == A(0) || (p < A(1) && d == A(0)) ? A(0) : sign * std::pow(std::fabs(d) / dist, p - A(1));
}

// The position of pair (i, j), i < j, among pdist's n (n - 1) / 2 pairs in row-major order.
TG_HOST_DEVICE inline int64_t pair_index(int64_t i, int64_t j, int64_t n) {
  return i * (2 * n - i - 1) / 2 + j - i - 1;
}

}  // namespace tg::kernels::distance_math
