#pragma once
// float16 / bfloat16 runs widened to float32 a block at a time, so that the 16-bit dtypes take
// the float32 kernels' vector forms. Element by element, through scalar conversions and libm,
// float16 + float16 ran at 6x PyTorch's time and bfloat16 exp at 9x.
#include <algorithm>
#include <bit>
#include <cstdint>

#include "kernels/cpu/loops.h"

namespace tg::kernels::cpu {

// Small enough for the stack and L1, large enough that the per-block calls do not show.
inline constexpr int64_t kFloatBlock = 512;

#if defined(__AVX2__) && defined(TG_HALF_F16C)
// Eight floats in an AVX register, loaded from float32 or the 16-bit floats.
#define TG_HALF_VECTORS 1

// Eight elements as floats: loaded, or widened from float16 (F16C) or bfloat16 (a shift).
template <class T>
__m256 load8_as_float(const T* p) {
  if constexpr (std::is_same_v<T, float>) {
    return _mm256_loadu_ps(p);
  } else {
    const __m128i h = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    if constexpr (std::is_same_v<T, BFloat16>)
      return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(h), 16));
    else
      return _mm256_cvtph_ps(h);
  }
}

// Eight floats stored as T, rounded to nearest even (bfloat16 as BFloat16::from_float does).
template <class T>
void store8_from_float(T* p, __m256 v) {
  if constexpr (std::is_same_v<T, float>) {
    _mm256_storeu_ps(p, v);
  } else if constexpr (std::is_same_v<T, Half>) {
    _mm_storeu_si128(reinterpret_cast<__m128i*>(p), _mm256_cvtps_ph(v, _MM_FROUND_TO_NEAREST_INT));
  } else {
    const __m256i b = _mm256_castps_si256(v);
    const __m256i lsb = _mm256_and_si256(_mm256_srli_epi32(b, 16), _mm256_set1_epi32(1));
    const __m256i rounded = _mm256_srli_epi32(_mm256_add_epi32(b, _mm256_add_epi32(lsb, _mm256_set1_epi32(0x7fff))), 16);
    const __m256i nan = _mm256_cmpgt_epi32(_mm256_and_si256(b, _mm256_set1_epi32(0x7fffffff)), _mm256_set1_epi32(0x7f800000));
    const __m256i quiet = _mm256_or_si256(_mm256_srli_epi32(b, 16), _mm256_set1_epi32(0x40));
    const __m256i r = _mm256_blendv_epi8(rounded, quiet, nan);
    // Every lane holds at most 0xffff, so the saturating pack only narrows; the pack works per
    // 128-bit half, and the permute brings the two halves' results together.
    const __m256i packed = _mm256_permute4x64_epi64(_mm256_packus_epi32(r, r), 0b1000);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(p), _mm256_castsi256_si128(packed));
  }
}
#endif

inline void widen(const Half* x, float* y, int64_t n) {
  int64_t i = 0;
#ifdef TG_HALF_F16C
  for (; i + 8 <= n; i += 8)
    _mm256_storeu_ps(y + i, _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(x + i))));
#endif
  for (; i < n; ++i) y[i] = static_cast<float>(x[i]);
}

inline void widen(const BFloat16* x, float* y, int64_t n) {
  for (int64_t i = 0; i < n; ++i) y[i] = std::bit_cast<float>(static_cast<uint32_t>(x[i].bits) << 16);
}

inline void narrow(const float* x, Half* y, int64_t n) {
  int64_t i = 0;
#ifdef TG_HALF_F16C
  for (; i + 8 <= n; i += 8)
    _mm_storeu_si128(reinterpret_cast<__m128i*>(y + i),
                     _mm256_cvtps_ph(_mm256_loadu_ps(x + i), _MM_FROUND_TO_NEAREST_INT));
#endif
  for (; i < n; ++i) y[i] = Half(x[i]);
}

// BFloat16::from_float without its early return, so that the loop vectorises.
inline void narrow(const float* x, BFloat16* y, int64_t n) {
  auto* out = reinterpret_cast<uint16_t*>(y);
  for (int64_t i = 0; i < n; ++i) {
    const uint32_t b = std::bit_cast<uint32_t>(x[i]);
    const uint32_t rounded = (b + 0x7fffu + ((b >> 16) & 1u)) >> 16;
    out[i] = static_cast<uint16_t>((b & 0x7fffffffu) > 0x7f800000u ? (b >> 16) | 0x40u : rounded);
  }
}

// o[0, n) = f(x[0, n)) for a 16-bit float T, by run(out, in, m) on float blocks.
template <class T, class Run>
void through_floats(T* o, const T* x, int64_t n, Run&& run) {
  float in[kFloatBlock], out[kFloatBlock];
  for (int64_t i = 0; i < n; i += kFloatBlock) {
    const int64_t m = std::min(kFloatBlock, n - i);
    widen(x + i, in, m);
    run(out, in, m);
    narrow(out, o + i, m);
  }
}

// o[0, n) = f(a, b) for a 16-bit float T, where each operand steps by 1 or is one broadcast
// value (step 0), by run(out, a, a_step, b, b_step, m) on float blocks.
template <class T, class Run>
void through_floats(T* o, const T* a, int64_t sa, const T* b, int64_t sb, int64_t n, Run&& run) {
  float fa[kFloatBlock], fb[kFloatBlock], out[kFloatBlock];
  if (sa == 0) widen(a, fa, 1);
  if (sb == 0) widen(b, fb, 1);
  for (int64_t i = 0; i < n; i += kFloatBlock) {
    const int64_t m = std::min(kFloatBlock, n - i);
    if (sa != 0) widen(a + i, fa, m);
    if (sb != 0) widen(b + i, fb, m);
    run(out, fa, sa, fb, sb, m);
    narrow(out, o + i, m);
  }
}

}  // namespace tg::kernels::cpu
