#pragma once
// Scalar helpers named in the formula columns of the op tables, shared by the CPU kernels and
// (compiled as device functions) the CUDA kernels.
#include <cmath>
#include <cstdint>
#include <type_traits>

#include "kernels/kernels.h"

#if defined(__CUDACC__)
#define TG_HOST_DEVICE __host__ __device__
#else
#define TG_HOST_DEVICE
#endif

namespace tg::kernels {

template <class V>
TG_HOST_DEVICE inline V abs_value(V x) {
  if constexpr (std::is_unsigned_v<V>) return x;
  else return x < 0 ? static_cast<V>(-x) : x;
}
template <class V>
TG_HOST_DEVICE inline V sign_value(V x) {
  if constexpr (std::is_unsigned_v<V>) return static_cast<V>(x > 0);
  else if constexpr (std::is_floating_point_v<V>) return std::isnan(x) ? x : static_cast<V>((x > 0) - (x < 0));
  else return static_cast<V>((x > 0) - (x < 0));
}
template <class V>
TG_HOST_DEVICE inline V relu_value(V x) {
  if constexpr (std::is_unsigned_v<V>) return x;
  else return x > 0 ? x : (x == x ? V(0) : x);  // NaN stays NaN, as in PyTorch
}
template <class V>
TG_HOST_DEVICE inline V min_value(V a, V b) {
  if constexpr (std::is_floating_point_v<V>) {
    if (a != a) return a;  // NaN propagates
    if (b != b) return b;
  }
  return b < a ? b : a;
}
template <class V>
TG_HOST_DEVICE inline V max_value(V a, V b) {
  if constexpr (std::is_floating_point_v<V>) {
    if (a != a) return a;
    if (b != b) return b;
  }
  return b > a ? b : a;
}
template <class V>
TG_HOST_DEVICE inline V pow_value(V a, V b) {
  if constexpr (std::is_floating_point_v<V>) {
    if (b == V(2)) return a * a;
    if (b == V(1)) return a;
    if (b == V(0.5)) return std::sqrt(a);
    return std::pow(a, b);
  } else {
    // Integer power by squaring; negative exponents are refused by the front end.
    using W = std::conditional_t<std::is_signed_v<V>, int64_t, uint64_t>;
    W base = static_cast<W>(a), result = 1;
    auto e = static_cast<uint64_t>(b);
    while (e) {
      if (e & 1) result = static_cast<W>(static_cast<uint64_t>(result) * static_cast<uint64_t>(base));
      base = static_cast<W>(static_cast<uint64_t>(base) * static_cast<uint64_t>(base));
      e >>= 1;
    }
    return static_cast<V>(result);
  }
}
// Integer division rounding towards zero; b == -1 is done without the INT_MIN / -1 trap.
// (A zero divisor is refused by the front end.)
template <class V>
TG_HOST_DEVICE inline V trunc_div_value(V a, V b) {
  if constexpr (std::is_floating_point_v<V>) {
    return std::trunc(a / b);
  } else {
    if constexpr (std::is_signed_v<V>) {
      if (b == V(-1)) return static_cast<V>(0 - static_cast<std::make_unsigned_t<V>>(a));
    }
    return static_cast<V>(a / b);
  }
}
template <class V>
TG_HOST_DEVICE inline V floor_div_value(V a, V b) {
  if constexpr (std::is_floating_point_v<V>) {
    return std::floor(a / b);
  } else {
    V q = trunc_div_value(a, b);
    if constexpr (std::is_signed_v<V>) {
      if (b != V(-1) && (a % b != 0) && ((a < 0) != (b < 0))) --q;
    }
    return q;
  }
}
// Python's %: the result takes the divisor's sign.
template <class V>
TG_HOST_DEVICE inline V remainder_value(V a, V b) {
  if constexpr (std::is_floating_point_v<V>) {
    V r = std::fmod(a, b);
    if (r != 0 && ((r < 0) != (b < 0))) r += b;
    return r;
  } else {
    if constexpr (std::is_signed_v<V>) {
      if (b == V(-1)) return 0;
      V r = static_cast<V>(a % b);
      if (r != 0 && ((r < 0) != (b < 0))) r = static_cast<V>(r + b);
      return r;
    } else {
      return static_cast<V>(a % b);
    }
  }
}
// C's fmod: the result takes the dividend's sign.
template <class V>
TG_HOST_DEVICE inline V fmod_value(V a, V b) {
  if constexpr (std::is_floating_point_v<V>) {
    return std::fmod(a, b);
  } else {
    if constexpr (std::is_signed_v<V>) {
      if (b == V(-1)) return 0;
    }
    return static_cast<V>(a % b);
  }
}

// The ternary ops (kernels::TernaryOp): addcmul and addcdiv in PyTorch's order of operations,
// lerp in its two-sided form, exact at both ends (weight 0 gives a, 1 gives b).
template <TernaryOp Op, class V>  // a template parameter, so that each loop holds one formula
TG_HOST_DEVICE inline V ternary_value(V a, V b, V c, [[maybe_unused]] V value) {
  if constexpr (Op == TernaryOp::AddCMul) {
    return static_cast<V>(a + value * b * c);
  } else if constexpr (Op == TernaryOp::AddCDiv) {
    return static_cast<V>(a + value * b / c);
  } else {
    // Both forms, then a select, not a branch: one on random weights mispredicts half the time.
    // (The CPU kernels vectorise it because they build with -fno-trapping-math.)
    const V d = static_cast<V>(b - a);
    const V near_a = static_cast<V>(a + c * d), near_b = static_cast<V>(b - d * (V(1) - c));
    return abs_value(c) < V(0.5) ? near_a : near_b;
  }
}

}  // namespace tg::kernels
