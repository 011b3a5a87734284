// Strided copies with dtype conversion, fills, and the triangles of matrices (tril, triu).
#include <algorithm>
#include <bit>
#include <cstring>

#ifdef __AVX2__
#include <immintrin.h>
#endif

#include "kernels/cpu/cpu_kernels.h"
#include "kernels/cpu/float_blocks.h"
#include "kernels/cpu/loops.h"
#include "kernels/cpu/transpose.h"

namespace tg::kernels::cpu {
namespace {

bool contiguous_1d(const Loop& L) {
  return L.ndim == 1 && L.strides[0][0] == 1 && L.strides[1][0] == 1;
}

// A run read at a small constant step into contiguous output (a plane of a channels-last image:
// [N, H, W, 3] permuted to [N, 3, H, W]). With the step a constant and the pointers apart (a copy's
// source and destination never overlap), the loop vectorises; the generic strided loop moved a
// byte per two cycles, at half PyTorch's speed.
template <class U, int64_t kStep>
void copy_at_step(U* __restrict o, const U* __restrict x, int64_t n) {
  for (int64_t i = 0; i < n; ++i) o[i] = x[i * kStep];
}

// The reverse: kC contiguous planes (kC short, at a distance of plane_step) interleaved into
// contiguous output ([N, 3, H, W] permuted to [N, H, W, 3]). Element by element, the runs along
// the channels were 3 long, each a call; across the planes the loop vectorises.
template <class U, int64_t kC>
void interleave(U* __restrict o, const U* __restrict x, int64_t plane_step, int64_t n) {
  for (int64_t i = 0; i < n; ++i)
    for (int64_t c = 0; c < kC; ++c) o[i * kC + c] = x[c * plane_step + i];
}

// Whether the loop interleaves 2 to 4 planes that way: dim 0 the channels (contiguous in the
// output), dim 1 contiguous in the input and continuing the output's channels.
bool interleaves_planes(const Loop& L) {
  return L.ndim >= 2 && L.sizes[0] >= 2 && L.sizes[0] <= 4 && L.strides[0][0] == 1 && L.strides[0][1] == L.sizes[0] &&
         L.strides[1][1] == 1;
}

#ifdef __AVX2__
// out row c (at out_step) = column c of the square block of in (rows at in_step), in registers:
// 16 x 16 bytes, 8 x 8 of 16- and 32-bit elements, 4 x 4 of 64-bit ones (transpose.h). Unpacks
// of pairs of rows, then of pairs of pairs, then (where a row spans two 128-bit halves) swaps of
// the halves.
inline void transpose_block(uint32_t* out, int64_t out_step, const uint32_t* in, int64_t in_step) {
  __m256 r[8];
  for (int k = 0; k < 8; ++k) r[k] = _mm256_loadu_ps(reinterpret_cast<const float*>(in + k * in_step));
  transpose8(r);
  for (int k = 0; k < 8; ++k) _mm256_storeu_ps(reinterpret_cast<float*>(out + k * out_step), r[k]);
}

inline void transpose_block(uint16_t* out, int64_t out_step, const uint16_t* in, int64_t in_step) {
  __m128i r[8], t[8];
  for (int k = 0; k < 8; ++k) r[k] = _mm_loadu_si128(reinterpret_cast<const __m128i*>(in + k * in_step));
  for (int k = 0; k < 8; k += 2) {  // t[k]: rows k, k + 1 interleaved, columns 0-3; t[k + 1]: 4-7
    t[k] = _mm_unpacklo_epi16(r[k], r[k + 1]);
    t[k + 1] = _mm_unpackhi_epi16(r[k], r[k + 1]);
  }
  for (int h = 0; h < 8; h += 4) {  // r[h + c / 2]: rows h..h + 3 of columns c, c + 1
    r[h] = _mm_unpacklo_epi32(t[h], t[h + 2]);
    r[h + 1] = _mm_unpackhi_epi32(t[h], t[h + 2]);
    r[h + 2] = _mm_unpacklo_epi32(t[h + 1], t[h + 3]);
    r[h + 3] = _mm_unpackhi_epi32(t[h + 1], t[h + 3]);
  }
  for (int k = 0; k < 4; ++k) {
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out + 2 * k * out_step), _mm_unpacklo_epi64(r[k], r[k + 4]));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out + (2 * k + 1) * out_step), _mm_unpackhi_epi64(r[k], r[k + 4]));
  }
}

inline void transpose_block(uint8_t* out, int64_t out_step, const uint8_t* in, int64_t in_step) {  // 16 x 16
  __m128i r[16], t[16];
  for (int k = 0; k < 16; ++k) r[k] = _mm_loadu_si128(reinterpret_cast<const __m128i*>(in + k * in_step));
  for (int k = 0; k < 16; k += 2) {  // rows k, k + 1 interleaved: t[k] columns 0-7, t[k + 1] 8-15
    t[k] = _mm_unpacklo_epi8(r[k], r[k + 1]);
    t[k + 1] = _mm_unpackhi_epi8(r[k], r[k + 1]);
  }
  for (int h = 0; h < 16; h += 4) {  // r[h + c]: rows h..h + 3 of columns 4c..4c + 3
    r[h] = _mm_unpacklo_epi16(t[h], t[h + 2]);
    r[h + 1] = _mm_unpackhi_epi16(t[h], t[h + 2]);
    r[h + 2] = _mm_unpacklo_epi16(t[h + 1], t[h + 3]);
    r[h + 3] = _mm_unpackhi_epi16(t[h + 1], t[h + 3]);
  }
  for (int g = 0; g < 16; g += 8)  // t[g + m]: rows g..g + 7 of columns 2m, 2m + 1
    for (int c = 0; c < 4; ++c) {
      t[g + 2 * c] = _mm_unpacklo_epi32(r[g + c], r[g + 4 + c]);
      t[g + 2 * c + 1] = _mm_unpackhi_epi32(r[g + c], r[g + 4 + c]);
    }
  for (int m = 0; m < 8; ++m) {
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out + 2 * m * out_step), _mm_unpacklo_epi64(t[m], t[8 + m]));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out + (2 * m + 1) * out_step), _mm_unpackhi_epi64(t[m], t[8 + m]));
  }
}

inline void transpose_block(uint64_t* out, int64_t out_step, const uint64_t* in, int64_t in_step) {
  __m256d r[4];
  for (int k = 0; k < 4; ++k) r[k] = _mm256_loadu_pd(reinterpret_cast<const double*>(in + k * in_step));
  transpose4(r);
  for (int k = 0; k < 4; ++k) _mm256_storeu_pd(reinterpret_cast<double*>(out + k * out_step), r[k]);
}

// A transpose (each matrix of a permute(0, 2, 1) or .t() made contiguous): dim 0 contiguous in
// the output, dim 1 in the input. Square blocks in registers, in tiles of 64 x 32 that stay in
// L1. The tiled walk of runs of 8 moved elements one at a time, at 1.6-2x PyTorch's time for
// [256, 32, 32].permute(0, 2, 1).contiguous() in 8, 16 and 32 bits.
template <class U>
bool transpose_in_blocks(const Loop& L, U* out, const U* in) {
  constexpr int64_t kBlock = sizeof(U) == 8 ? 4 : sizeof(U) == 1 ? 16 : 8, kTile0 = 64, kTile1 = 32;
  if (L.ndim < 2 || L.strides[0][0] != 1 || L.strides[1][1] != 1 || L.sizes[0] < kBlock || L.sizes[1] < kBlock)
    return false;
  const int64_t n0 = L.sizes[0], n1 = L.sizes[1], in_step = L.strides[1][0], out_step = L.strides[0][1];
  const int64_t t0 = (n0 + kTile0 - 1) / kTile0, t1 = (n1 + kTile1 - 1) / kTile1, tiles = L.numel / (n0 * n1) * t0 * t1;
  parallel_for(0, tiles, std::max<int64_t>(1, kGrain / (kTile0 * kTile1)), [&](int64_t b, int64_t e) {
    for (int64_t t = b; t < e; ++t) {
      int64_t rem = t / (t0 * t1), o = 0, x = 0;
      for (int d = 2; d < L.ndim; ++d) {
        const int64_t c = rem % L.sizes[d];
        rem /= L.sizes[d];
        o += c * L.strides[0][d];
        x += c * L.strides[1][d];
      }
      const int64_t i0 = t % t0 * kTile0, j0 = t / t0 % t1 * kTile1;
      const int64_t i1 = std::min(n0, i0 + kTile0), j1 = std::min(n1, j0 + kTile1);
      const int64_t ib = i0 + (i1 - i0) / kBlock * kBlock, jb = j0 + (j1 - j0) / kBlock * kBlock;
      for (int64_t j = j0; j < jb; j += kBlock)
        for (int64_t i = i0; i < ib; i += kBlock)
          transpose_block(out + o + i + j * out_step, out_step, in + x + i * in_step + j, in_step);
      // The edges past the last whole blocks, one element at a time.
      for (int64_t j = j0; j < j1; ++j)
        for (int64_t i = j < jb ? ib : i0; i < i1; ++i) out[o + i + j * out_step] = in[x + i * in_step + j];
    }
  });
  return true;
}
#endif

template <class U>
void copy_same(const Loop& L, void* out, const void* in) {
  if (contiguous_1d(L)) {
    parallel_for(0, L.numel, kGrain * 4, [&](int64_t b, int64_t e) {
      copy_bytes(static_cast<U*>(out) + b, static_cast<const U*>(in) + b, static_cast<size_t>(e - b) * sizeof(U));
    });
    return;
  }
  if (L.ndim == 2 && L.sizes[0] > 0 && L.strides[0][0] == 1 && L.strides[1][0] == 1) {
    // Rows contiguous on both sides (a slice of cat's output, a column block): a copy each.
    // The generic row walk cost more than the copy for short rows: cat of four [4096, 16] along
    // dim 1 ran at a third of PyTorch's speed.
    const int64_t row = L.sizes[0], so = L.strides[0][1], si = L.strides[1][1];
    U* o = static_cast<U*>(out);
    const U* x = static_cast<const U*>(in);
    parallel_for(0, L.sizes[1], std::max<int64_t>(1, kGrain * 4 / row), [&](int64_t b, int64_t e) {
      for (int64_t r = b; r < e; ++r) copy_bytes(o + r * so, x + r * si, static_cast<size_t>(row) * sizeof(U));
    });
    return;
  }
#ifdef __AVX2__
  if constexpr (sizeof(U) <= 8) {
    if (transpose_in_blocks(L, static_cast<U*>(out), static_cast<const U*>(in))) return;
  }
#endif
  if (interleaves_planes(L)) {
    // Runs along dim 1, all the channels at once: the loop without its dim 0.
    Loop rows = L;
    rows.ndim = L.ndim - 1;
    rows.numel = L.numel / L.sizes[0];
    for (int d = 0; d < rows.ndim; ++d) {
      rows.sizes[d] = L.sizes[d + 1];
      for (int k = 0; k < 2; ++k) rows.strides[k][d] = L.strides[k][d + 1];
    }
    U* o = static_cast<U*>(out);
    const U* x = static_cast<const U*>(in);
    const int64_t channels = L.sizes[0], plane_step = L.strides[1][0];
    parallel_rows<2>(rows, [&](const int64_t* off, int64_t n) {
      if (channels == 2)
        interleave<U, 2>(o + off[0], x + off[1], plane_step, n);
      else if (channels == 3)
        interleave<U, 3>(o + off[0], x + off[1], plane_step, n);
      else
        interleave<U, 4>(o + off[0], x + off[1], plane_step, n);
    });
    return;
  }
  if (const int64_t step = L.strides[1][0]; L.strides[0][0] == 1 && step >= 2 && step <= 4 && !wants_tiles<2>(L)) {
    U* o = static_cast<U*>(out);
    const U* x = static_cast<const U*>(in);
    parallel_rows<2>(L, [&](const int64_t* off, int64_t n) {
      if (step == 2)
        copy_at_step<U, 2>(o + off[0], x + off[1], n);
      else if (step == 3)
        copy_at_step<U, 3>(o + off[0], x + off[1], n);
      else
        copy_at_step<U, 4>(o + off[0], x + off[1], n);
    });
    return;
  }
  unary_loop(L, static_cast<U*>(out), static_cast<const U*>(in), [](U v) { return v; });
}

// float32 <-> float16 / bfloat16 of contiguous runs by float_blocks.h's vector conversions (F16C,
// or bfloat16's shift and rounding as integer ops); false for other layouts and dtypes.
bool copy_16bit_float(const Loop& L, void* out, DType out_dtype, const void* in, DType in_dtype) {
  const auto is_16bit = [](DType t) { return t == kFloat16 || t == kBFloat16; };
  const bool narrowing = in_dtype == kFloat32 && is_16bit(out_dtype);
  if (!contiguous_1d(L) || !(narrowing || (out_dtype == kFloat32 && is_16bit(in_dtype)))) return false;
  const DType half = narrowing ? out_dtype : in_dtype;
  dispatch_floating(half, [&]<class T>() {
    if constexpr (is_reduced_float_v<T>) {
      parallel_for(0, L.numel, kGrain, [&](int64_t b, int64_t e) {
        if (narrowing)
          narrow(static_cast<const float*>(in) + b, static_cast<T*>(out) + b, e - b);
        else
          widen(static_cast<const T*>(in) + b, static_cast<float*>(out) + b, e - b);
      });
    }
  });
  return true;
}

// float32 / float16 / bfloat16 -> int64 / int32 of contiguous runs eight at a time: where all
// eight lie in int32's range, one truncating conversion (widened for int64); otherwise, and for
// the tail, convert's saturating rule one by one (AVX2 has no float -> int64 instruction:
// x.long() took 1.7x PyTorch's time element by element, and a 16-bit float's 1.5x).
#ifdef TG_HALF_VECTORS
template <class F>
void float_run_to_int(const F* x, int64_t b, int64_t e, void* out, bool wide) {
  const auto one = [&](int64_t j) {
    if (wide)
      static_cast<int64_t*>(out)[j] = convert<int64_t>(x[j]);
    else
      static_cast<int32_t*>(out)[j] = convert<int32_t>(x[j]);
  };
  const __m256 lo = _mm256_set1_ps(-2147483648.0f), hi = _mm256_set1_ps(2147483648.0f);
  int64_t i = b;
  for (; i + 8 <= e; i += 8) {
    const __m256 v = load8_as_float(x + i);
    // In range (NaN is not): -2^31 <= v < 2^31.
    const __m256 ok = _mm256_and_ps(_mm256_cmp_ps(v, lo, _CMP_GE_OQ), _mm256_cmp_ps(v, hi, _CMP_LT_OQ));
    if (_mm256_movemask_ps(ok) != 0xFF) {
      for (int64_t j = i; j < i + 8; ++j) one(j);
      continue;
    }
    const __m256i n = _mm256_cvttps_epi32(v);
    if (wide) {
      auto* y = static_cast<int64_t*>(out) + i;
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(y), _mm256_cvtepi32_epi64(_mm256_castsi256_si128(n)));
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(y + 4), _mm256_cvtepi32_epi64(_mm256_extracti128_si256(n, 1)));
    } else {
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(static_cast<int32_t*>(out) + i), n);
    }
  }
  for (; i < e; ++i) one(i);
}
#endif

// false when the layout or the dtypes do not fit.
bool copy_float_to_int(const Loop& L, void* out, DType out_dtype, const void* in, DType in_dtype) {
#ifdef TG_HALF_VECTORS
  if (!contiguous_1d(L) || (out_dtype != kInt64 && out_dtype != kInt32)) return false;
  if (in_dtype != kFloat32 && in_dtype != kFloat16 && in_dtype != kBFloat16) return false;
  dispatch_floating(in_dtype, [&]<class F>() {
    if constexpr (std::is_same_v<F, float> || is_reduced_float_v<F>) {
      parallel_for(0, L.numel, kGrain, [&](int64_t b, int64_t e) {
        float_run_to_int(static_cast<const F*>(in), b, e, out, out_dtype == kInt64);
      });
    }
  });
  return true;
#else
  (void)L, (void)out, (void)out_dtype, (void)in, (void)in_dtype;
  return false;
#endif
}

}  // namespace

void copy(const Loop& loop, void* out, DType out_dtype, const void* in, DType in_dtype) {
  if (out_dtype == in_dtype) {
    switch (itemsize(out_dtype)) {
      case 1: return copy_same<uint8_t>(loop, out, in);
      case 2: return copy_same<uint16_t>(loop, out, in);
      case 4: return copy_same<uint32_t>(loop, out, in);
      case 8:
        return copy_same<uint64_t>(loop, out, in);
      default:
        return copy_same<Bytes16>(loop, out, in);
    }
  }
  if (copy_16bit_float(loop, out, out_dtype, in, in_dtype)) return;
  if (copy_float_to_int(loop, out, out_dtype, in, in_dtype)) return;
  // A bool is a byte holding 0 or 1: read as uint8, its conversions vectorise (GCC kept the loads
  // of bools scalar, and mask.to(int64) ran at 2.4x PyTorch's time).
  const DType from = in_dtype == DType::Bool ? DType::UInt8 : in_dtype;
  if (is_complex(out_dtype) || is_complex(in_dtype)) {
    // The complex side dispatched on its own: every other op's instantiations stay real.
    auto run = [&]<class To, class From>() {
      unary_loop(loop, static_cast<To*>(out), static_cast<const From*>(in), [](From v) { return convert<To>(v); });
    };
    if (!is_complex(in_dtype))
      return dispatch_complex(out_dtype, [&]<class To>() {
        dispatch_all(from, [&]<class From>() { run.template operator()<To, From>(); });
      });
    return dispatch_complex(in_dtype, [&]<class From>() {
      if (is_complex(out_dtype))
        return dispatch_complex(out_dtype, [&]<class To>() { run.template operator()<To, From>(); });
      dispatch_all(out_dtype, [&]<class To>() { run.template operator()<To, From>(); });
    });
  }
  dispatch_all(out_dtype, [&]<class To>() {
    dispatch_all(from, [&]<class From>() {
      unary_loop(loop, static_cast<To*>(out), static_cast<const From*>(in), [](From v) { return convert<To>(v); });
    });
  });
}

void fill(const Loop& loop, void* out, DType dtype, const Scalar& value) {
  if (is_complex(dtype)) {
    return dispatch_complex(dtype, [&]<class T>() {
      const T v = value.to<T>();
      T* o = static_cast<T*>(out);
      parallel_for(0, loop.numel, kGrain, [&](int64_t begin, int64_t end) {
        for_each_row<1>(loop, begin, end, [&](const int64_t* off, int64_t n) {
          const int64_t s = loop.strides[0][0];
          for (int64_t i = 0; i < n; ++i) o[off[0] + i * s] = v;
        });
      });
    });
  }
  dispatch_all(dtype, [&]<class T>() {
    T v;
    if constexpr (std::is_same_v<T, bool>) {
      v = value.to_bool();
    } else if constexpr (std::is_integral_v<T>) {
      v = value.is_floating_point() ? convert<T>(value.to_double()) : static_cast<T>(value.to_int());
    } else {
      v = value.to<T>();
    }
    // Stored as the value's bits: std::fill of the 16-bit float structs stayed scalar (a
    // bfloat16 pad took 5x PyTorch's time filling its border).
    using U = std::conditional_t<
        sizeof(T) == 1, uint8_t,
        std::conditional_t<sizeof(T) == 2, uint16_t, std::conditional_t<sizeof(T) == 4, uint32_t, uint64_t>>>;
    static_assert(sizeof(U) == sizeof(T));
    const U bits = std::bit_cast<U>(v);
    U* o = static_cast<U*>(out);
    parallel_for(0, loop.numel, kGrain, [&](int64_t begin, int64_t end) {
      for_each_row<1>(loop, begin, end, [&, v = bits](const int64_t* off, int64_t n) {
        U* p = o + off[0];
        const int64_t s = loop.strides[0][0];
        if (s == 1) {
          std::fill(p, p + n, v);
        } else {
          for (int64_t i = 0; i < n; ++i) p[i * s] = v;
        }
      });
    });
  });
}

void triangle(DType dtype, int64_t batch, int64_t rows, int64_t cols, int64_t diagonal, bool lower, void* out,
              const void* in) {
  // Each row is a kept run and a zeroed run: a memcpy (none in place) and a memset.
  const auto item = static_cast<int64_t>(itemsize(dtype));
  const int64_t row_bytes = cols * item;
  auto* o = static_cast<char*>(out);
  const auto* x = static_cast<const char*>(in);
  parallel_for(0, batch * rows, std::max<int64_t>(1, kGrain / std::max<int64_t>(1, cols)), [&](int64_t b, int64_t e) {
    // Row i of its matrix (counted rather than r % rows: a division per row cost as much as the
    // row's memset).
    for (int64_t r = b, i = b % rows; r < e; ++r, i = i + 1 == rows ? 0 : i + 1) {
      // Row i keeps columns [0, i + diagonal] (lower) or [i + diagonal, cols) (upper).
      const int64_t edge = std::clamp<int64_t>(lower ? i + diagonal + 1 : i + diagonal, 0, cols) * item;
      char* dst = o + r * row_bytes;
      const char* src = x + r * row_bytes;
      const int64_t keep_from = lower ? 0 : edge, keep_to = lower ? edge : row_bytes;
      if (keep_to > keep_from && dst != src)
        std::memcpy(dst + keep_from, src + keep_from, static_cast<size_t>(keep_to - keep_from));
      if (lower)
        std::memset(dst + edge, 0, static_cast<size_t>(row_bytes - edge));
      else
        std::memset(dst, 0, static_cast<size_t>(edge));
    }
  });
}

}  // namespace tg::kernels::cpu
