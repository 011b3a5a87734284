#pragma once
// The bin of a value among increasing edges, shared by the CPU and CUDA histogram kernels (see
// Binning). Bin b holds edges[b] <= x < edges[b + 1], the last bin also x == edges[bins]; values
// outside [edges[0], edges[bins]] and NaN fall in none (-1).
#include <cstdint>

#include "kernels/scalar_math.h"

namespace tg::kernels {

// v rounded to T where T is narrower than its arithmetic type A (the 16-bit floats).
template <class T, class A>
TG_HOST_DEVICE inline A in_dtype(A v) {
  if constexpr (std::is_same_v<T, A>)
    return v;
  else
    return static_cast<A>(static_cast<T>(v));
}

// x's position (x - lo) * bins / (hi - lo) as PyTorch's histc computes it: in T's arithmetic, each
// step rounded to T, the bin count converted to T first. Its integer part is histc's bin, the
// top edge's position (bins) in the last bin.
template <class T, class A>
TG_HOST_DEVICE inline A linear_position(A x, A lo, A hi, int64_t bins) {
  return in_dtype<T>(in_dtype<T>(in_dtype<T>(x - lo) * in_dtype<T>(static_cast<A>(bins))) / in_dtype<T>(hi - lo));
}

// Walks a guess b to the bin that holds x by the edges themselves, so that a value on an edge
// lands in the bin that starts there whatever the rounding of the guess or of the edges.
template <class A, class T>
TG_HOST_DEVICE inline int64_t mend_bin(int64_t b, A x, const T* edges, int64_t bins) {
  while (b > 0 && static_cast<A>(edges[b]) > x) --b;
  while (b + 1 < bins && static_cast<A>(edges[b + 1]) <= x) ++b;
  return b;
}

// x's bin, or -1 (lo and hi: the first and last edges; scale: bins / (hi - lo), for Uniform).
template <class A, class T>
TG_HOST_DEVICE inline int64_t histogram_bin(A x, const T* edges, int64_t bins, Binning binning, A lo, A hi, A scale) {
  if (!(x >= lo && x <= hi)) return -1;
  if (binning == Binning::Linear) {
    const A pos = linear_position<T>(x, lo, hi, bins);
    return pos < static_cast<A>(bins) ? static_cast<int64_t>(pos) : bins - 1;
  }
  if (binning == Binning::Uniform) {
    const A guess = (x - lo) * scale;
    return mend_bin(guess < static_cast<A>(bins) ? static_cast<int64_t>(guess) : bins - 1, x, edges, bins);
  }
  int64_t first = 0, last = bins + 1;  // the first edge above x, in [first, last)
  while (first < last) {
    const int64_t mid = first + (last - first) / 2;
    if (static_cast<A>(edges[mid]) <= x)
      first = mid + 1;
    else
      last = mid;
  }
  return first - 1 < bins ? first - 1 : bins - 1;
}

}  // namespace tg::kernels
