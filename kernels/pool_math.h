#pragma once
// The pooling windows, shared by the CPU and CUDA max-pooling kernels.
#include <cstdint>

#include "kernels/kernels.h"
#include "kernels/scalar_math.h"

namespace tg::kernels {

// The window of output o along dim d (0 rows, 1 columns): it starts at input position `start`,
// and its taps [first, last) (`dilation` apart) land inside the input.
TG_HOST_DEVICE inline void window_taps(const PoolGeometry& g, int d, int64_t o, int64_t& start, int64_t& first,
                                       int64_t& last) {
  const int64_t size = d == 0 ? g.in_h : g.in_w, out = d == 0 ? g.out_h : g.out_w;
  if (g.adaptive) {
    start = o * size / out;
    first = 0;
    last = ((o + 1) * size + out - 1) / out - start;
    return;
  }
  const int64_t dilation = g.dilation[d];
  start = o * g.stride[d] - g.pad[d];
  first = start >= 0 ? 0 : (-start + dilation - 1) / dilation;
  const int64_t reach = (size - start + dilation - 1) / dilation;
  last = size > start ? (g.kernel[d] < reach ? g.kernel[d] : reach) : 0;
}

// Plane p's window of output o along dim d: a fractional window from its per-plane start, or
// window_taps' (the same for every plane).
TG_HOST_DEVICE inline void plane_window_taps(const PoolGeometry& g, int d, int64_t p, int64_t o, int64_t& start,
                                             int64_t& first, int64_t& last) {
  const int64_t* starts = d == 0 ? g.h_start : g.w_start;
  if (starts == nullptr) return window_taps(g, d, o, start, first, last);
  start = starts[p * (d == 0 ? g.out_h : g.out_w) + o];
  first = 0;
  last = g.kernel[d];
}

}  // namespace tg::kernels
