// Random numbers from the Philox4x32-10 counter-based generator: element i of a request uses
// counter offset + i / k (k elements per counter, see generate), so results do not depend on how
// the work is split across threads.
#include <algorithm>
#include <cmath>
#include <cstdint>

#ifdef __AVX2__
#include <immintrin.h>
#endif

#include "kernels/cpu/cpu_kernels.h"
#include "kernels/cpu/loops.h"
#include "kernels/cpu/vec_math.h"

namespace tg::kernels::cpu {
namespace {

struct U32x4 {
  uint32_t v[4];
};

inline U32x4 philox(uint64_t seed, uint64_t counter) {
  constexpr uint32_t kM0 = 0xD2511F53u, kM1 = 0xCD9E8D57u, kW0 = 0x9E3779B9u, kW1 = 0xBB67AE85u;
  uint32_t c0 = static_cast<uint32_t>(counter), c1 = static_cast<uint32_t>(counter >> 32), c2 = 0, c3 = 0;
  uint32_t k0 = static_cast<uint32_t>(seed), k1 = static_cast<uint32_t>(seed >> 32);
  for (int round = 0; round < 10; ++round) {
    const uint64_t p0 = static_cast<uint64_t>(kM0) * c0, p1 = static_cast<uint64_t>(kM1) * c2;
    const uint32_t n0 = static_cast<uint32_t>(p1 >> 32) ^ c1 ^ k0;
    const uint32_t n2 = static_cast<uint32_t>(p0 >> 32) ^ c3 ^ k1;
    c1 = static_cast<uint32_t>(p1);
    c3 = static_cast<uint32_t>(p0);
    c0 = n0;
    c2 = n2;
    k0 += kW0;
    k1 += kW1;
  }
  return {{c0, c1, c2, c3}};
}

// Philox for kLanes consecutive counters at once: word w of counter (first + j) goes to
// out[w][j]. With AVX2 they run as the 32-bit lanes of two registers (two independent chains
// hide the multiplies' latency), the 32x32->64 products as two _mm256_mul_epu32 (even lanes,
// then odd); rand is about 2.5x faster than one counter at a time, and the results are the
// scalar ones bit for bit (the CUDA kernel's too).
constexpr int64_t kLanes = 16;
inline void philox_block(uint64_t seed, uint64_t first, uint32_t (&out)[4][kLanes]) {
#ifdef __AVX2__
  constexpr int kRegs = kLanes / 8;
  const __m256i sign = _mm256_set1_epi32(static_cast<int>(0x80000000u));
  const __m256i first_lo = _mm256_set1_epi32(static_cast<int>(static_cast<uint32_t>(first)));
  const __m256i first_hi = _mm256_set1_epi32(static_cast<int>(static_cast<uint32_t>(first >> 32)));
  __m256i c0[kRegs], c1[kRegs], c2[kRegs], c3[kRegs];
  for (int r = 0; r < kRegs; ++r) {
    c0[r] = _mm256_add_epi32(first_lo, _mm256_setr_epi32(8 * r, 8 * r + 1, 8 * r + 2, 8 * r + 3, 8 * r + 4, 8 * r + 5,
                                                         8 * r + 6, 8 * r + 7));
    // A lane whose low word wrapped (unsigned c0 < first's low word) carries into the high word.
    const __m256i wrapped = _mm256_cmpgt_epi32(_mm256_xor_si256(first_lo, sign), _mm256_xor_si256(c0[r], sign));
    c1[r] = _mm256_sub_epi32(first_hi, wrapped);
    c2[r] = c3[r] = _mm256_setzero_si256();
  }
  uint32_t k0 = static_cast<uint32_t>(seed), k1 = static_cast<uint32_t>(seed >> 32);
  const __m256i m0 = _mm256_set1_epi32(static_cast<int>(0xD2511F53u));
  const __m256i m1 = _mm256_set1_epi32(static_cast<int>(0xCD9E8D57u));
  // The high and low halves of m * c in every 32-bit lane.
  const auto mul_hi_lo = [](__m256i m, __m256i c, __m256i& high, __m256i& low) {
    const __m256i even = _mm256_mul_epu32(m, c);
    const __m256i odd = _mm256_mul_epu32(m, _mm256_srli_epi64(c, 32));
    high = _mm256_blend_epi32(_mm256_srli_epi64(even, 32), odd, 0xAA);
    low = _mm256_blend_epi32(even, _mm256_slli_epi64(odd, 32), 0xAA);
  };
  for (int round = 0; round < 10; ++round) {
    const __m256i key0 = _mm256_set1_epi32(static_cast<int>(k0)), key1 = _mm256_set1_epi32(static_cast<int>(k1));
    for (int r = 0; r < kRegs; ++r) {
      __m256i hi0, lo0, hi1, lo1;
      mul_hi_lo(m0, c0[r], hi0, lo0);
      mul_hi_lo(m1, c2[r], hi1, lo1);
      c0[r] = _mm256_xor_si256(_mm256_xor_si256(hi1, c1[r]), key0);
      c2[r] = _mm256_xor_si256(_mm256_xor_si256(hi0, c3[r]), key1);
      c1[r] = lo1;
      c3[r] = lo0;
    }
    k0 += 0x9E3779B9u;
    k1 += 0xBB67AE85u;
  }
  for (int r = 0; r < kRegs; ++r) {
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(out[0] + 8 * r), c0[r]);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(out[1] + 8 * r), c1[r]);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(out[2] + 8 * r), c2[r]);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(out[3] + 8 * r), c3[r]);
  }
#else
  for (int64_t j = 0; j < kLanes; ++j) {
    const U32x4 r = philox(seed, first + static_cast<uint64_t>(j));
    for (int w = 0; w < 4; ++w) out[w][j] = r.v[w];
  }
#endif
}

// Uniform in [0, 1) with 24 (float) or 53 (double) random bits.
inline float uniform_float(uint32_t x) { return static_cast<float>(x >> 8) * (1.0f / 16777216.0f); }
inline double uniform_double(uint32_t hi, uint32_t lo) {
  const uint64_t bits = ((static_cast<uint64_t>(hi) << 32) | lo) >> 11;
  return static_cast<double>(bits) * (1.0 / 9007199254740992.0);
}
// Box-Muller's first uniform for float results, in (0, 1] from all 32 bits (the smallest is
// 2^-32, so the tails reach 6.7 sigma; 24 bits would stop at 5.8). Both steps are exact or
// rounded once, so the GPU gets the same value.
inline float radius_uniform_float(uint32_t x) {
  return static_cast<float>((static_cast<double>(x) + 1.0) * (1.0 / 4294967296.0));
}

// The words of counters first .. first + m - 1 (m <= kLanes), as philox_block lays them out.
inline void philox_words(uint64_t seed, uint64_t first, int64_t m, uint32_t (&out)[4][kLanes]) {
  if (m == kLanes) return philox_block(seed, first, out);
  for (int64_t j = 0; j < m; ++j) {
    const U32x4 q = philox(seed, first + static_cast<uint64_t>(j));
    for (int w = 0; w < 4; ++w) out[w][j] = q.v[w];
  }
}

// Counter p of a request gives elements [kPer p, kPer p + kPer), each from 4 / kPer of its four
// words: a float takes one word (uniform), a double, an int64 or a float Box-Muller pair two, a
// double pair all four. Element i's value depends only on i, however the threads split the work.
// per_counter(first element, the counter's words, how many of its elements are in the request).
template <int64_t kPer, class F>
void generate(int64_t n, uint64_t seed, uint64_t offset, F&& per_counter) {
  const int64_t counters = (n + kPer - 1) / kPer;
  parallel_for(0, counters, 4096 / kPer, [&](int64_t b, int64_t e) {
    uint32_t r[4][kLanes];
    for (int64_t p = b; p < e; p += kLanes) {
      const int64_t m = std::min(kLanes, e - p);
      philox_words(seed, offset + static_cast<uint64_t>(p), m, r);
      for (int64_t j = 0; j < m; ++j) {
        const int64_t first = kPer * (p + j);
        per_counter(first, U32x4{{r[0][j], r[1][j], r[2][j], r[3][j]}}, std::min(kPer, n - first));
      }
    }
  });
}

// Box-Muller over blocks of pairs, the uniforms first, then the log, sqrt, cos and sin as vectors
// (scalar libm per element was 11x slower than PyTorch's randn): pair q gives elements 2q (radius
// times cos) and 2q + 1 (times sin). Float results compute in float, two pairs per counter, eight
// lanes at a time (the GPU's values to a few ulp); double results take a counter per pair.
template <class T, class M>
void box_muller(T* o, int64_t n, uint64_t seed, uint64_t offset) {
  constexpr int64_t kPairs = std::is_same_v<M, float> ? 2 : 1;
  constexpr int64_t kWidth = 32 / sizeof(M);
  parallel_for(0, (n + 2 * kPairs - 1) / (2 * kPairs), 4096 / (2 * kPairs), [&](int64_t b, int64_t e) {
    constexpr int64_t kBlock = 64;  // pairs
    alignas(32) M u1[kBlock], u2[kBlock], even[kBlock], both[2 * kBlock];
    uint32_t r[4][kLanes];
    for (int64_t p0 = b; p0 < e; p0 += kBlock / kPairs) {
      const int64_t counters = std::min(kBlock / kPairs, e - p0);
      for (int64_t j = 0; j < counters; j += kLanes) {
        const int64_t m = std::min(kLanes, counters - j);
        philox_words(seed, offset + static_cast<uint64_t>(p0 + j), m, r);
        for (int64_t l = 0; l < m; ++l) {
          if constexpr (kPairs == 2) {
            for (int h = 0; h < 2; ++h) {
              u1[2 * (j + l) + h] = radius_uniform_float(r[2 * h][l]);
              u2[2 * (j + l) + h] = uniform_float(r[2 * h + 1][l]);
            }
          } else {
            // 1 - u keeps the log's argument in (0, 1].
            u1[j + l] = 1.0 - uniform_double(r[0][l], r[1][l]);
            u2[j + l] = uniform_double(r[2][l], r[3][l]);
          }
        }
      }
      const int64_t pairs = kPairs * counters;
      int64_t j = 0;
      constexpr M kTwoPi = static_cast<M>(6.283185307179586);
#ifdef TG_VECTOR_ACTIVATIONS
      // Pad to whole vectors so that every element takes the vector path: libmvec and libm may
      // differ in the last bit, and the values must not depend on how the threads split the work.
      using V = VectorOf<M>;
      for (int64_t pad = pairs; pad % kWidth != 0; ++pad) u1[pad] = 1, u2[pad] = 0;
      for (; j < pairs; j += kWidth) {
        const V radius = VectorMath::sqrt(VectorMath::log(load_vector<V>(u1 + j)) * M(-2));
        const V angle = load_vector<V>(u2 + j) * kTwoPi;
        store_vector(even + j, radius * VectorMath::cos(angle));
        store_vector(u1 + j, radius * VectorMath::sin(angle));
      }
#endif
      for (; j < pairs; ++j) {
        const M radius = std::sqrt(M(-2) * std::log(u1[j])), angle = kTwoPi * u2[j];
        even[j] = radius * std::cos(angle);
        u1[j] = radius * std::sin(angle);
      }
      // Interleaved in a buffer first: both loops vectorise (picking each element from one array
      // or the other took a tenth of the time).
      for (j = 0; j < pairs; ++j) {
        both[2 * j] = even[j];
        both[2 * j + 1] = u1[j];
      }
      const int64_t first = 2 * kPairs * p0, count = std::min(2 * pairs, n - first);
      for (j = 0; j < count; ++j) o[first + j] = static_cast<T>(both[j]);
    }
  });
}

}  // namespace

void uniform(DType dtype, void* out, int64_t n, uint64_t seed, uint64_t offset) {
  dispatch_floating(dtype, [&]<class T>() {
    T* o = static_cast<T*>(out);
    if constexpr (std::is_same_v<T, double>) {
      generate<2>(n, seed, offset, [&](int64_t i, const U32x4& r, int64_t count) {
        for (int64_t s = 0; s < count; ++s) o[i + s] = uniform_double(r.v[2 * s], r.v[2 * s + 1]);
      });
    } else {
      generate<4>(n, seed, offset, [&](int64_t i, const U32x4& r, int64_t count) {
        for (int64_t s = 0; s < count; ++s) o[i + s] = static_cast<T>(uniform_float(r.v[s]));
      });
    }
  });
}

void normal(DType dtype, void* out, int64_t n, uint64_t seed, uint64_t offset) {
  dispatch_floating(dtype, [&]<class T>() {
    if constexpr (std::is_same_v<T, double>)
      box_muller<T, double>(static_cast<T*>(out), n, seed, offset);
    else
      box_muller<T, float>(static_cast<T*>(out), n, seed, offset);
  });
}

void randint(DType dtype, void* out, int64_t n, int64_t low, int64_t high, uint64_t seed, uint64_t offset) {
  const uint64_t range = static_cast<uint64_t>(high) - static_cast<uint64_t>(low);
  dispatch_all(dtype, [&]<class T>() {
    T* o = static_cast<T*>(out);
    generate<2>(n, seed, offset, [&](int64_t i, const U32x4& r, int64_t count) {
      for (int64_t s = 0; s < count; ++s) {
        const uint64_t bits = (static_cast<uint64_t>(r.v[2 * s]) << 32) | r.v[2 * s + 1];
        // The high word of bits * range: uniform in [0, range) as bits % range is (both biased by
        // at most range / 2^64), without a 64-bit division per element (randint ran at 1.7x
        // PyTorch's time). The CUDA kernel takes the same word, so both devices give the same values.
        const auto draw = static_cast<uint64_t>((static_cast<unsigned __int128>(bits) * range) >> 64);
        // (Added as unsigned: low + draw is in [low, high), but the signed sum of low and a draw
        // above 2^63 would overflow on the way.)
        o[i + s] = convert<T>(static_cast<int64_t>(static_cast<uint64_t>(low) + draw));
      }
    });
  });
}

}  // namespace tg::kernels::cpu
