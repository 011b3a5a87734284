// Random numbers on the GPU from the same Philox4x32-10 stream as the CPU kernels: element i of a
// request uses counter (offset + i), so a seed gives the same numbers on either device.
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

enum class Dist { Uniform, Normal, Int };

template <class T, Dist kDist>
__global__ void generate(T* __restrict__ out, int64_t n, uint64_t seed, uint64_t offset, int64_t low,
                         uint64_t range) {
  const int64_t step = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += step) {
    // A normal pair (2p, 2p + 1) shares counter p, as on the CPU.
    const uint64_t counter = kDist == Dist::Normal ? static_cast<uint64_t>(i / 2) : static_cast<uint64_t>(i);
    const U32x4 r = philox(seed, offset + counter);
    if constexpr (kDist == Dist::Uniform) {
      if constexpr (std::is_same_v<T, double>) out[i] = uniform_double(r.v[0], r.v[1]);
      else out[i] = static_cast<T>(uniform_float(r.v[0]));
    } else if constexpr (kDist == Dist::Normal) {
      // Box-Muller in double, as on the CPU, so that both devices give the same values.
      const double u1 = 1.0 - uniform_double(r.v[0], r.v[1]);
      const double u2 = uniform_double(r.v[2], r.v[3]);
      const double angle = 6.283185307179586 * u2;
      const double z = sqrt(-2.0 * ::log(u1)) * (i % 2 == 0 ? cos(angle) : sin(angle));
      out[i] = static_cast<T>(static_cast<acc_t<T>>(z));
    } else {
      const uint64_t bits = (static_cast<uint64_t>(r.v[0]) << 32) | r.v[1];
      out[i] = convert<T>(low + static_cast<int64_t>(__umul64hi(bits, range)));  // as on the CPU
    }
  }
}

template <Dist kDist, class T>
void launch(void* out, int64_t n, uint64_t seed, uint64_t offset, int64_t low = 0, uint64_t range = 1) {
  if (n == 0) return;
  generate<T, kDist><<<grid_for(n), kBlock, 0, current_stream()>>>(static_cast<T*>(out), n, seed, offset, low, range);
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
