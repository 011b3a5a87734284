// Random numbers on the GPU from the same Philox4x32-10 stream as the CPU kernels (element i of a
// request uses counter offset + i / k, k elements per counter), so a seed gives the same numbers
// on either device: bit for bit but for normal draws, which differ in the math library's last bits.
#include <cmath>

#include "kernels/cuda/cuda_kernels.h"
#include "kernels/cuda/loops.cuh"

namespace tg::kernels::cuda {
namespace {

struct U32x4 {
  uint32_t v[4];
};

__device__ inline U32x4 philox(uint64_t seed, uint64_t counter) {
  constexpr uint32_t kM0 = 0xD2511F53u, kM1 = 0xCD9E8D57u, kW0 = 0x9E3779B9u, kW1 = 0xBB67AE85u;
  uint32_t c0 = static_cast<uint32_t>(counter), c1 = static_cast<uint32_t>(counter >> 32), c2 = 0, c3 = 0;
  uint32_t k0 = static_cast<uint32_t>(seed), k1 = static_cast<uint32_t>(seed >> 32);
#pragma unroll
  for (int round = 0; round < 10; ++round) {
    const uint32_t hi0 = __umulhi(kM0, c0), lo0 = kM0 * c0;
    const uint32_t hi1 = __umulhi(kM1, c2), lo1 = kM1 * c2;
    const uint32_t n0 = hi1 ^ c1 ^ k0;
    const uint32_t n2 = hi0 ^ c3 ^ k1;
    c1 = lo1;
    c3 = lo0;
    c0 = n0;
    c2 = n2;
    k0 += kW0;
    k1 += kW1;
  }
  return {{c0, c1, c2, c3}};
}

__device__ inline float uniform_float(uint32_t x) { return static_cast<float>(x >> 8) * (1.0f / 16777216.0f); }
__device__ inline double uniform_double(uint32_t hi, uint32_t lo) {
  const uint64_t bits = ((static_cast<uint64_t>(hi) << 32) | lo) >> 11;
  return static_cast<double>(bits) * (1.0 / 9007199254740992.0);
}

// Box-Muller's first uniform for float results, as on the CPU: (0, 1] from all 32 bits.
__device__ inline float radius_uniform_float(uint32_t x) {
  return __double2float_rn((static_cast<double>(x) + 1.0) * (1.0 / 4294967296.0));
}

enum class Dist { Uniform, Normal, Int };

// Elements per counter, as on the CPU: a float takes one of the four words, a double, an int64 or
// a float Box-Muller pair two, a double pair all four.
template <class T, Dist kDist>
constexpr int64_t kPer = kDist == Dist::Int || std::is_same_v<T, double> ? 2 : 4;

// A thread per counter p, writing elements [kPer p, kPer p + kPer) that are in the request.
template <class T, Dist kDist>
__global__ void generate(T* __restrict__ out, int64_t n, uint64_t seed, uint64_t offset, int64_t low,
                         uint64_t range) {
  constexpr int64_t k = kPer<T, kDist>;
  const int64_t counters = (n + k - 1) / k;
  const int64_t step = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t p = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; p < counters; p += step) {
    const U32x4 r = philox(seed, offset + static_cast<uint64_t>(p));
    const int64_t first = k * p, count = min(k, n - first);
    if constexpr (kDist == Dist::Normal) {
      // Box-Muller: pair q gives elements 2q (radius times cos) and 2q + 1 (times sin); in float
      // for float results, two pairs per counter, in double for double results.
      if constexpr (std::is_same_v<T, double>) {
        const double u1 = 1.0 - uniform_double(r.v[0], r.v[1]);  // in (0, 1]
        const double radius = sqrt(-2.0 * ::log(u1)), angle = 6.283185307179586 * uniform_double(r.v[2], r.v[3]);
        out[first] = radius * cos(angle);
        if (count > 1) out[first + 1] = radius * sin(angle);
      } else {
        for (int64_t h = 0; 2 * h < count; ++h) {
          const float radius = sqrtf(-2.0f * logf(radius_uniform_float(r.v[2 * h])));
          const float angle = 6.2831855f * uniform_float(r.v[2 * h + 1]);
          out[first + 2 * h] = static_cast<T>(radius * cosf(angle));
          if (2 * h + 1 < count) out[first + 2 * h + 1] = static_cast<T>(radius * sinf(angle));
        }
      }
    } else {
      for (int64_t s = 0; s < count; ++s) {
        if constexpr (kDist == Dist::Int) {
          const uint64_t bits = (static_cast<uint64_t>(r.v[2 * s]) << 32) | r.v[2 * s + 1];
          // As on the CPU, added as unsigned (a signed low + draw may overflow on the way).
          out[first + s] = convert<T>(static_cast<int64_t>(static_cast<uint64_t>(low) + __umul64hi(bits, range)));
        } else if constexpr (std::is_same_v<T, double>) {
          out[first + s] = uniform_double(r.v[2 * s], r.v[2 * s + 1]);
        } else {
          out[first + s] = static_cast<T>(uniform_float(r.v[s]));
        }
      }
    }
  }
}

template <Dist kDist, class T>
void launch(void* out, int64_t n, uint64_t seed, uint64_t offset, int64_t low = 0, uint64_t range = 1) {
  if (n == 0) return;
  const int64_t counters = (n + kPer<T, kDist> - 1) / kPer<T, kDist>;
  generate<T, kDist>
      <<<grid_for(counters), kBlock, 0, current_stream()>>>(static_cast<T*>(out), n, seed, offset, low, range);
  TG_CUDA_CHECK(cudaGetLastError(), "random");
}

}  // namespace

void uniform(DType dtype, void* out, int64_t n, uint64_t seed, uint64_t offset) {
  dispatch_floating(dtype, [&]<class T>() { launch<Dist::Uniform, T>(out, n, seed, offset); });
}

void normal(DType dtype, void* out, int64_t n, uint64_t seed, uint64_t offset) {
  dispatch_floating(dtype, [&]<class T>() { launch<Dist::Normal, T>(out, n, seed, offset); });
}

void randint(DType dtype, void* out, int64_t n, int64_t low, int64_t high, uint64_t seed, uint64_t offset) {
  const uint64_t range = static_cast<uint64_t>(high) - static_cast<uint64_t>(low);
  dispatch_all(dtype, [&]<class T>() { launch<Dist::Int, T>(out, n, seed, offset, low, range); });
}

}  // namespace tg::kernels::cuda
