// Random numbers from the Philox4x32-10 counter-based generator: element i of a request uses
// counter (offset + i), so results do not depend on how the work is split across threads.
#include <algorithm>
#include <cmath>
#include <cstdint>

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

// Uniform in [0, 1) with 24 (float) or 53 (double) random bits.
inline float uniform_float(uint32_t x) { return static_cast<float>(x >> 8) * (1.0f / 16777216.0f); }
inline double uniform_double(uint32_t hi, uint32_t lo) {
  const uint64_t bits = ((static_cast<uint64_t>(hi) << 32) | lo) >> 11;
  return static_cast<double>(bits) * (1.0 / 9007199254740992.0);
}

template <class F>
void generate(int64_t n, uint64_t seed, uint64_t offset, F&& per_element) {
  parallel_for(0, n, 4096, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) per_element(i, philox(seed, offset + static_cast<uint64_t>(i)));
  });
}

}  // namespace

void uniform(DType dtype, void* out, int64_t n, uint64_t seed, uint64_t offset) {
  dispatch_floating(dtype, [&]<class T>() {
    T* o = static_cast<T*>(out);
    generate(n, seed, offset, [&](int64_t i, const U32x4& r) {
      if constexpr (std::is_same_v<T, double>) o[i] = uniform_double(r.v[0], r.v[1]);
      else o[i] = static_cast<T>(uniform_float(r.v[0]));
    });
  });
}

void normal(DType dtype, void* out, int64_t n, uint64_t seed, uint64_t offset) {
  dispatch_floating(dtype, [&]<class T>() {
    T* o = static_cast<T*>(out);
    parallel_for(0, n, 4096, [&](int64_t b, int64_t e) {
      // Box-Muller in double over blocks: the uniforms first, then the log, cos and sqrt as vectors
      // (scalar libm per element was 11x slower than PyTorch's randn).
      constexpr int64_t kBlock = 64;
      alignas(32) double u1[kBlock], u2[kBlock];
      for (int64_t s = b; s < e; s += kBlock) {
        const int64_t m = std::min(kBlock, e - s);
        for (int64_t j = 0; j < m; ++j) {
          const U32x4 r = philox(seed, offset + static_cast<uint64_t>(s + j));
          u1[j] = 1.0 - uniform_double(r.v[0], r.v[1]);  // 1 - u keeps the log's argument in (0, 1]
          u2[j] = uniform_double(r.v[2], r.v[3]);
        }
        int64_t j = 0;
#ifdef TG_VECTOR_ACTIVATIONS
        for (; j + 4 <= m; j += 4) {
          const Doubles4 a = load_vector<Doubles4>(u1 + j), c = load_vector<Doubles4>(u2 + j);
          store_vector(u1 + j, VectorMath::sqrt(VectorMath::log(a) * -2.0) * VectorMath::cos(c * 6.283185307179586));
        }
#endif
        for (; j < m; ++j) u1[j] = std::sqrt(-2.0 * std::log(u1[j])) * std::cos(6.283185307179586 * u2[j]);
        for (j = 0; j < m; ++j) o[s + j] = static_cast<T>(static_cast<acc_t<T>>(u1[j]));
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
      const int64_t v = low + static_cast<int64_t>(bits % range);
      o[i] = convert<T>(v);
    });
  });
}

}  // namespace tg::kernels::cpu
