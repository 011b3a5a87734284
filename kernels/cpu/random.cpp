// Random numbers from the Philox4x32-10 counter-based generator: element i of a request uses
// counter (offset + i), so results do not depend on how the work is split across threads.
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

template <class F>
void generate(int64_t n, uint64_t seed, uint64_t offset, F&& per_element) {
  parallel_for(0, n, 4096, [&](int64_t b, int64_t e) {
    int64_t i = b;
    uint32_t r[4][kLanes];
    for (; i + kLanes <= e; i += kLanes) {
      philox_block(seed, offset + static_cast<uint64_t>(i), r);
      for (int64_t j = 0; j < kLanes; ++j) per_element(i + j, U32x4{{r[0][j], r[1][j], r[2][j], r[3][j]}});
    }
    for (; i < e; ++i) per_element(i, philox(seed, offset + static_cast<uint64_t>(i)));
  });
}

}  // namespace

void uniform(DType dtype, void* out, int64_t n, uint64_t seed, uint64_t offset) {
  dispatch_floating(dtype, [&]<class T>() {
    T* o = static_cast<T*>(out);
    generate(n, seed, offset, [&](int64_t i, const U32x4& r) {
      if constexpr (std::is_same_v<T, double>)
        o[i] = uniform_double(r.v[0], r.v[1]);
      else
        o[i] = static_cast<T>(uniform_float(r.v[0]));
    });
  });
}

void normal(DType dtype, void* out, int64_t n, uint64_t seed, uint64_t offset) {
  dispatch_floating(dtype, [&]<class T>() {
    T* o = static_cast<T*>(out);
    parallel_for(0, n, 4096, [&](int64_t b, int64_t e) {
      // Box-Muller in double: counter (offset + p) gives the pair of elements 2p (radius times
      // cos) and 2p + 1 (times sin). Over blocks of pairs, the uniforms first, then the log, sqrt,
      // cos and sin as vectors (scalar libm per element was 11x slower than PyTorch's randn).
      constexpr int64_t kBlock = 64;
      alignas(32) double u1[kBlock], u2[kBlock], even[kBlock];
      const int64_t pair_end = (e + 1) / 2;
      for (int64_t first = b / 2; first < pair_end; first += kBlock) {
        const int64_t m = std::min(kBlock, pair_end - first);
        int64_t j = 0;
        uint32_t r[4][kLanes];
        // 1 - u keeps the log's argument in (0, 1].
        for (; j + kLanes <= m; j += kLanes) {
          philox_block(seed, offset + static_cast<uint64_t>(first + j), r);
          for (int64_t l = 0; l < kLanes; ++l) {
            u1[j + l] = 1.0 - uniform_double(r[0][l], r[1][l]);
            u2[j + l] = uniform_double(r[2][l], r[3][l]);
          }
        }
        for (; j < m; ++j) {
          const U32x4 q = philox(seed, offset + static_cast<uint64_t>(first + j));
          u1[j] = 1.0 - uniform_double(q.v[0], q.v[1]);
          u2[j] = uniform_double(q.v[2], q.v[3]);
        }
        j = 0;
#ifdef TG_VECTOR_ACTIVATIONS
        // Pad to whole vectors so that every element takes the vector path: libmvec and libm may
        // differ in the last bit, and the values must not depend on how the threads split the work.
        for (int64_t pad = m; pad % 4 != 0; ++pad) u1[pad] = 1.0, u2[pad] = 0.0;
        for (; j < m; j += 4) {
          const Doubles4 radius = VectorMath::sqrt(VectorMath::log(load_vector<Doubles4>(u1 + j)) * -2.0);
          const Doubles4 angle = load_vector<Doubles4>(u2 + j) * 6.283185307179586;
          store_vector(even + j, radius * VectorMath::cos(angle));
          store_vector(u1 + j, radius * VectorMath::sin(angle));
        }
#endif
        for (; j < m; ++j) {
          const double radius = std::sqrt(-2.0 * std::log(u1[j])), angle = 6.283185307179586 * u2[j];
          even[j] = radius * std::cos(angle);
          u1[j] = radius * std::sin(angle);
        }
        // The first and last pairs may be split with the neighbouring ranges.
        for (j = 0; j < m; ++j) {
          const int64_t i = 2 * (first + j);
          if (i >= b) o[i] = static_cast<T>(static_cast<acc_t<T>>(even[j]));
          if (i + 1 < e) o[i + 1] = static_cast<T>(static_cast<acc_t<T>>(u1[j]));
        }
      }
    });
  });
}

void randint(DType dtype, void* out, int64_t n, int64_t low, int64_t high, uint64_t seed, uint64_t offset) {
  const uint64_t range = static_cast<uint64_t>(high) - static_cast<uint64_t>(low);
  dispatch_all(dtype, [&]<class T>() {
    T* o = static_cast<T*>(out);
    generate(n, seed, offset, [&](int64_t i, const U32x4& r) {
      const uint64_t bits = (static_cast<uint64_t>(r.v[0]) << 32) | r.v[1];
      // The high word of bits * range: uniform in [0, range) as bits % range is (both biased by at
      // most range / 2^64), without a 64-bit division per element (randint ran at 1.7x PyTorch's
      // time). The CUDA kernel takes the same word, so both devices give the same values.
      const auto draw = static_cast<uint64_t>((static_cast<unsigned __int128>(bits) * range) >> 64);
      const int64_t v = low + static_cast<int64_t>(draw);
      o[i] = convert<T>(v);
    });
  });
}

}  // namespace tg::kernels::cpu
