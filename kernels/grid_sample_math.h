#pragma once
// grid_sample's coordinate maths, shared by the CPU and CUDA kernels (PyTorch's formulas): a
// normalised coordinate becomes a pixel coordinate, moved inside the image by the padding mode,
// with the derivative of that mapping for the grid's gradient.
#include <cmath>
#include <cstdint>

#include "kernels/kernels.h"
#include "kernels/scalar_math.h"

namespace tg::kernels {

// A pixel coordinate x along a dim of `size` pixels moved inside it by the padding mode, and
// `slope` (d(pixel)/d(normalised) so far) scaled by d(moved)/d(x).
template <class A>
TG_HOST_DEVICE inline A grid_pad(A x, int64_t size, int padding, bool align_corners, A& slope) {
  const A s = static_cast<A>(size);
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

// The pixel coordinate of normalised c along a dim of `size` pixels, before padding; `slope`
// d(pixel)/d(c).
template <class A>
TG_HOST_DEVICE inline A grid_unnormalize(A c, int64_t size, bool align_corners, A& slope) {
  const A s = static_cast<A>(size);
  slope = align_corners ? (s - 1) / 2 : s / 2;
  return align_corners ? (c + 1) / 2 * (s - 1) : ((c + 1) * s - 1) / 2;
}

// The padded pixel coordinate of normalised c (bilinear and nearest sampling).
template <class A>
TG_HOST_DEVICE inline A grid_source_index(A c, int64_t size, int padding, bool align_corners, A& slope) {
  return grid_pad(grid_unnormalize(c, size, align_corners, slope), size, padding, align_corners, slope);
}

// floor(v) or round-half-even(v) as an index, and anything far outside (or NaN) as -2, so that
// it and its neighbour fail the bounds test.
template <class A>
TG_HOST_DEVICE inline int64_t grid_tap(A v, int64_t size) {
  return v > A(-2) && v < static_cast<A>(size) + 1 ? static_cast<int64_t>(v) : -2;
}

// The taps of one output point over S = 2 or 3 spatial dims (one for nearest, 2^S for
// bilinear / trilinear, tap k taking the upper neighbour along dim s when bit s of k is set, dims
// in the grid's order x, y, z; 16 for bicubic, tap i + 4 j at x offset i - 1 and y offset j - 1):
// offsets into the image's plane or volume, 0 with a weight of 0 outside it (so that reading
// them needs no branch); the weights' derivatives along each pixel coordinate, and the pixel
// coordinates' slopes against the grid's.
template <class A, int S, bool kCubic = false>
struct GridTaps {
  static constexpr int kTaps = kCubic ? 16 : 1 << S;
  int64_t at[kTaps];
  A weight[kTaps], d[S][kTaps];
  A slope[S];
};

// kDerivatives: also the weights' derivatives (the backward; the forward skips them).
template <int S, bool kDerivatives, class A>
TG_HOST_DEVICE inline GridTaps<A, S> grid_taps(const GridSampleGeometry& g, const A* coords) {
  constexpr int kTaps = GridTaps<A, S>::kTaps;
  GridTaps<A, S> t;
  const int64_t size[3] = {g.in_w, g.in_h, g.in_d};
  A pos[S];
  for (int s = 0; s < S; ++s) pos[s] = grid_source_index(coords[s], size[s], g.padding, g.align_corners, t.slope[s]);
  if (g.nearest) {
    bool inside = true;
    int64_t offset = 0;
    for (int s = S - 1; s >= 0; --s) {
      const int64_t i = grid_tap(std::nearbyint(pos[s]), size[s]);
      inside = inside && i >= 0 && i < size[s];
      offset = offset * size[s] + i;
    }
    for (int k = 0; k < kTaps; ++k) {
      t.at[k] = k == 0 && inside ? offset : 0;
      t.weight[k] = k == 0 && inside ? A(1) : A(0);
      if constexpr (kDerivatives)
        for (int s = 0; s < S; ++s) t.d[s][k] = 0;
    }
    return t;
  }
  int64_t low[S];
  A frac[S];
  for (int s = 0; s < S; ++s) {
    const A f = std::floor(pos[s]);
    low[s] = grid_tap(f, size[s]);
    frac[s] = pos[s] - f;
  }
  for (int k = 0; k < kTaps; ++k) {
    bool inside = true;
    int64_t offset = 0;
    A part[S];  // the tap's weight factor along each dim
    for (int s = S - 1; s >= 0; --s) {
      const bool up = (k >> s) & 1;
      const int64_t i = low[s] + up;
      inside = inside && i >= 0 && i < size[s];
      offset = offset * size[s] + i;
      part[s] = up ? frac[s] : 1 - frac[s];
    }
    A weight = 1;
    for (int s = 0; s < S; ++s) weight *= part[s];
    t.at[k] = inside ? offset : 0;
    t.weight[k] = inside ? weight : A(0);
    if constexpr (kDerivatives) {
      for (int s = 0; s < S; ++s) {
        A others = 1;  // d(weight)/d(pos[s]): the other dims' factors, signed by the side taken
        for (int r = 0; r < S; ++r)
          if (r != s) others *= part[r];
        t.d[s][k] = inside ? (((k >> s) & 1) ? others : -others) : A(0);
      }
    }
  }
  return t;
}

// Bicubic taps (2-D only): the 4 x 4 pixels around the unpadded coordinate, each moved inside
// by the padding mode on its own (PyTorch's get_value_bounded), so the grid's slope is the
// unnormalisation's alone.
template <bool kDerivatives, class A>
TG_HOST_DEVICE inline GridTaps<A, 2, true> grid_cubic_taps(const GridSampleGeometry& g, const A* coords) {
  GridTaps<A, 2, true> t;
  const int64_t size[2] = {g.in_w, g.in_h};
  int64_t index[2][4];
  bool inside[2][4];
  A w[2][4], dw[2][4];
  for (int s = 0; s < 2; ++s) {
    const A pos = grid_unnormalize(coords[s], size[s], g.align_corners, t.slope[s]);
    const A low = std::floor(pos);
    cubic_weights<kDerivatives>(pos - low, w[s], dw[s]);
    for (int j = 0; j < 4; ++j) {
      A unused = 0;
      const int64_t i = grid_tap(grid_pad(low + A(j - 1), size[s], g.padding, g.align_corners, unused), size[s]);
      inside[s][j] = i >= 0 && i < size[s];
      index[s][j] = i;
    }
  }
  for (int j = 0; j < 4; ++j) {
    for (int i = 0; i < 4; ++i) {
      const int k = i + 4 * j;
      const bool in = inside[0][i] && inside[1][j];
      t.at[k] = in ? index[1][j] * size[0] + index[0][i] : 0;
      t.weight[k] = in ? w[0][i] * w[1][j] : A(0);
      if constexpr (kDerivatives) {
        t.d[0][k] = in ? dw[0][i] * w[1][j] : A(0);
        t.d[1][k] = in ? w[0][i] * dw[1][j] : A(0);
      }
    }
  }
  return t;
}

// The taps of one point for the kernels: bicubic, or grid_taps' nearest and (tri)linear.
template <int S, bool kCubic, bool kDerivatives, class A>
TG_HOST_DEVICE inline GridTaps<A, S, kCubic> sample_taps(const GridSampleGeometry& g, const A* coords) {
  if constexpr (kCubic) {
    static_assert(S == 2, "bicubic sampling is 2-D");
    return grid_cubic_taps<kDerivatives>(g, coords);
  } else {
    return grid_taps<S, kDerivatives>(g, coords);
  }
}

// Calls run.template operator()<S, kCubic>() with the geometry's sampler: the kernels'
// instantiations, picked at run time.
template <class F>
inline void with_sampler(const GridSampleGeometry& g, F&& run) {
  if (g.spatial == 3)
    run.template operator()<3, false>();
  else if (g.bicubic)
    run.template operator()<2, true>();
  else
    run.template operator()<2, false>();
}

}  // namespace tg::kernels
