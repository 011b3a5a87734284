#pragma once
// grid_sample's coordinate maths, shared by the CPU and CUDA kernels (PyTorch's formulas): a
// normalised coordinate becomes a pixel coordinate, moved inside the image by the padding mode,
// with the derivative of that mapping for the grid's gradient.
#include <cmath>
#include <cstdint>

#include "kernels/kernels.h"
#include "kernels/scalar_math.h"

namespace tg::kernels {

// The pixel coordinate of normalised c along a dim of `size` pixels; `slope` d(pixel)/d(c).
template <class A>
TG_HOST_DEVICE inline A grid_source_index(A c, int64_t size, int padding, bool align_corners, A& slope) {
  const A s = static_cast<A>(size);
  A x = align_corners ? (c + 1) / 2 * (s - 1) : ((c + 1) * s - 1) / 2;
  slope = align_corners ? (s - 1) / 2 : s / 2;
  if (padding == 2) {
    // Reflected about [low, high] (the corner pixels' centres, or the image's edges) until inside.
    const A low = align_corners ? A(0) : A(-0.5), span = align_corners ? s - 1 : s;
    if (span <= 0) {
      x = 0;
      slope = 0;
    } else {
      A from_low = x - low, sign = 1;
      if (from_low < 0) {
        from_low = -from_low;
        sign = -1;
      }
      const A extra = std::fmod(from_low, span), flips = std::floor(from_low / span);
      const bool even = std::fmod(flips, A(2)) == 0;
      x = even ? extra + low : span - extra + low;
      slope *= even ? sign : -sign;
    }
  }
  if (padding >= 1) {
    // Clipped to the image (border, and reflection's last rounding): no slope at the clip.
    if (x <= 0) {
      x = 0;
      slope = 0;
    } else if (x >= s - 1) {
      x = s - 1;
      slope = 0;
    }
  }
  return x;
}

// floor(v) or round-half-even(v) as an index, and anything far outside (or NaN) as -2, so that
// it and its neighbour fail the bounds test.
template <class A>
TG_HOST_DEVICE inline int64_t grid_tap(A v, int64_t size) {
  return v > A(-2) && v < static_cast<A>(size) + 1 ? static_cast<int64_t>(v) : -2;
}

TG_HOST_DEVICE inline bool grid_inside(int64_t x, int64_t y, int64_t w, int64_t h) {
  return x >= 0 && x < w && y >= 0 && y < h;
}

// The taps of one output point (one for nearest, four for bilinear): plane offsets, 0 with a
// weight of 0 outside the image (so that reading them needs no branch); the weights'
// derivatives along the pixel x and y (bilinear), and the pixel coordinates' slopes against
// the grid's.
template <class A>
struct GridTaps {
  int64_t at[4];
  A weight[4], d_x[4], d_y[4];
  A slope_x, slope_y;
};

template <class A>
TG_HOST_DEVICE inline GridTaps<A> grid_taps(const GridSampleGeometry& g, A grid_x, A grid_y) {
  GridTaps<A> t;
  const A x = grid_source_index(grid_x, g.in_w, g.padding, g.align_corners, t.slope_x);
  const A y = grid_source_index(grid_y, g.in_h, g.padding, g.align_corners, t.slope_y);
  if (g.nearest) {
    const int64_t xi = grid_tap(std::nearbyint(x), g.in_w), yi = grid_tap(std::nearbyint(y), g.in_h);
    const bool inside = grid_inside(xi, yi, g.in_w, g.in_h);
    for (int k = 0; k < 4; ++k) {
      t.at[k] = k == 0 && inside ? yi * g.in_w + xi : 0;
      t.weight[k] = k == 0 && inside ? A(1) : A(0);
      t.d_x[k] = t.d_y[k] = 0;
    }
    return t;
  }
  const A fx = std::floor(x), fy = std::floor(y), wx = x - fx, wy = y - fy;
  const int64_t x0 = grid_tap(fx, g.in_w), y0 = grid_tap(fy, g.in_h);
  const A weights[4] = {(1 - wx) * (1 - wy), wx * (1 - wy), (1 - wx) * wy, wx * wy};
  const A dx[4] = {-(1 - wy), 1 - wy, -wy, wy}, dy[4] = {-(1 - wx), -wx, 1 - wx, wx};
  for (int k = 0; k < 4; ++k) {
    const int64_t xi = x0 + (k & 1), yi = y0 + (k >> 1);
    const bool inside = grid_inside(xi, yi, g.in_w, g.in_h);
    t.at[k] = inside ? yi * g.in_w + xi : 0;
    t.weight[k] = inside ? weights[k] : A(0);
    t.d_x[k] = inside ? dx[k] : A(0);
    t.d_y[k] = inside ? dy[k] : A(0);
  }
  return t;
}

}  // namespace tg::kernels
