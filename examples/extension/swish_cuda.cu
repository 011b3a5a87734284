// The CUDA kernels of swish.cpp. Plain pointers in, no tapegrad headers: nvcc compiles this in
// seconds. Launched on the stream tapegrad is using.
#include <cstdint>

#include <cuda_runtime.h>

namespace {

__global__ void swish_forward_kernel(const float* x, float* y, int64_t n, float beta) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x) {
    const float s = 1.f / (1.f + __expf(-beta * x[i]));
    y[i] = x[i] * s;
  }
}

__global__ void swish_backward_kernel(const float* g, const float* x, float* out, int64_t n, float beta) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x) {
    const float s = 1.f / (1.f + __expf(-beta * x[i]));
    out[i] = g[i] * (s + beta * x[i] * s * (1.f - s));
  }
}

int blocks_for(int64_t n) { return static_cast<int>(n < 1 ? 1 : (n + 255) / 256 < 65535 ? (n + 255) / 256 : 65535); }

}  // namespace

void swish_forward_cuda(const float* x, float* y, int64_t n, float beta, void* stream) {
  swish_forward_kernel<<<blocks_for(n), 256, 0, static_cast<cudaStream_t>(stream)>>>(x, y, n, beta);
}

void swish_backward_cuda(const float* g, const float* x, float* out, int64_t n, float beta, void* stream) {
  swish_backward_kernel<<<blocks_for(n), 256, 0, static_cast<cudaStream_t>(stream)>>>(g, x, out, n, beta);
}
