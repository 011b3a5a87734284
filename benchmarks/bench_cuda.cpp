// The GPU figures of the CUDA issue: elementwise add of 2^28 float32 and a plain copy (GB/s
// moved), 8192^3 matmul in float32, TF32 and bfloat16 (TFLOP/s), the 3x3 convolution N=64
// C=K=128 56x56 and a 3x3x3 one (N=16, C=K=64, 16x56x56) forward + backward (ms), training batch
// norm over [64, 128, 56, 56] forward + backward (ms), complex64
// products, GEMM and FFTs (cuBLAS, cuFFT), the cost of
// one 1-element add from C++ (us per op, launch included), and Fashion-MNIST-shaped MLP and CNN
// training steps (Adam, batch 128, synthetic data already on the GPU; samples/s).
// benchmarks/bench_cuda_torch.py is the same program in PyTorch; compare_cuda.sh runs both.
// Prints one "name value unit" line per figure.
//   bench_cuda [--quick]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <functional>
#include <vector>

#include <tapegrad/cuda.h>
#include <tapegrad/tapegrad.h>

#include "bench_models.h"

using namespace tg;

namespace {

double now() { return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count(); }

// Median seconds per call of f over `reps` timings of `iters` calls, after `warmup` calls; the GPU
// is synchronised around each timing.
double time_gpu(const std::function<void()>& f, int warmup, int iters, int reps) {
  for (int i = 0; i < warmup; ++i) f();
  cuda::synchronize();
  std::vector<double> t;
  for (int r = 0; r < reps; ++r) {
    const double t0 = now();
    for (int i = 0; i < iters; ++i) f();
    cuda::synchronize();
    t.push_back((now() - t0) / iters);
  }
  std::sort(t.begin(), t.end());
  return t[t.size() / 2];
}

using bench::CNN;

template <class Model>
double train_rate(Model& model, const Tensor& x, const Tensor& y, int warmup, int steps, int reps) {
  optim::Adam opt(model->parameters(), {.lr = 1e-3});
  const double t = time_gpu(
      [&] {
        opt.zero_grad();
        F::cross_entropy(model(x), y).backward();
        opt.step();
      },
      warmup, steps, reps);
  return static_cast<double>(x.size(0)) / t;
}

}  // namespace

int main(int argc, char** argv) {
  const bool quick = argc > 1 && std::strcmp(argv[1], "--quick") == 0;
  if (!cuda::is_available()) {
    std::printf("bench_cuda: no CUDA device, nothing to measure\n");
    return 0;
  }
  const int reps = quick ? 1 : 5;
  const auto gpu = TensorOptions(kFloat32).device(Device::cuda());
  std::printf("tapegrad (C++) on cuda:0\n");

  {
    const int64_t n = quick ? (int64_t{1} << 20) : (int64_t{1} << 28);
    Tensor a = ones({n}, gpu), b = ones({n}, gpu), c = empty({n}, gpu);
    const double bytes = 3.0 * 4.0 * static_cast<double>(n);
    const double t_add = time_gpu([&] { c = a + b; }, 3, 10, reps);
    std::printf("add_f32_2^28 %.1f GB/s\n", bytes / t_add / 1e9);
    const double t_copy = time_gpu([&] { c.copy_(a); }, 3, 10, reps);
    std::printf("copy_f32_2^28 %.1f GB/s\n", 2.0 * 4.0 * static_cast<double>(n) / t_copy / 1e9);
  }
  {
    const int64_t n = quick ? 512 : 8192;
    const double flops = 2.0 * static_cast<double>(n) * static_cast<double>(n) * static_cast<double>(n);
    Tensor a = randn({n, n}, gpu), b = randn({n, n}, gpu);
    const double t32 = time_gpu([&] { (void)matmul(a, b); }, 2, 5, reps);
    std::printf("matmul_8192_f32 %.1f TFLOP/s\n", flops / t32 / 1e12);
    cuda::set_matmul_allow_tf32(true);
    const double ttf = time_gpu([&] { (void)matmul(a, b); }, 2, 10, reps);
    cuda::set_matmul_allow_tf32(false);
    std::printf("matmul_8192_tf32 %.1f TFLOP/s\n", flops / ttf / 1e12);
    Tensor ah = a.to(kBFloat16), bh = b.to(kBFloat16);
    const double tbf = time_gpu([&] { (void)matmul(ah, bh); }, 2, 10, reps);
    std::printf("matmul_8192_bf16 %.1f TFLOP/s\n", flops / tbf / 1e12);
  }
  {
    const int64_t nb = quick ? 4 : 64;
    Tensor x = randn({nb, 128, 56, 56}, gpu).requires_grad_(true);
    Tensor w = (randn({128, 128, 3, 3}, gpu) * 0.03).requires_grad_(true);
    const double t = time_gpu(
        [&] {
          Tensor y = F::conv2d(x, w, {.padding = 1});
          y.backward(ones_like(y));
          x.set_grad(Tensor());
          w.set_grad(Tensor());
        },
        3, 10, reps);
    std::printf("conv3x3_64x128x56x56_fwd_bwd %.3f ms\n", t * 1e3);
  }
  {
    // A video network's 3x3x3 convolution: cuDNN's N-d path.
    const int64_t nb = quick ? 2 : 16;
    Tensor x = randn({nb, 64, 16, 56, 56}, gpu).requires_grad_(true);
    Tensor w = (randn({64, 64, 3, 3, 3}, gpu) * 0.03).requires_grad_(true);
    const double t = time_gpu(
        [&] {
          Tensor y = F::conv3d(x, w, {.padding = 1});
          y.backward(ones_like(y));
          x.set_grad(Tensor());
          w.set_grad(Tensor());
        },
        3, 10, reps);
    std::printf("conv3x3x3_16x64x16x56x56_fwd_bwd %.3f ms\n", t * 1e3);
  }
  {
    // Training batch norm over the convolution's activations: cuDNN forward and backward.
    const int64_t nb = quick ? 4 : 64;
    Tensor x = randn({nb, 128, 56, 56}, gpu).requires_grad_(true);
    Tensor w = ones({128}, gpu).requires_grad_(true), b = zeros({128}, gpu).requires_grad_(true);
    Tensor rm = zeros({128}, gpu), rv = ones({128}, gpu);
    const double t = time_gpu(
        [&] {
          Tensor y = F::batch_norm(x, rm, rv, {.weight = w, .bias = b, .training = true});
          y.backward(ones_like(y));
          x.set_grad(Tensor());
          w.set_grad(Tensor());
          b.set_grad(Tensor());
        },
        3, 10, reps);
    std::printf("batch_norm_64x128x56x56_fwd_bwd %.3f ms\n", t * 1e3);
  }
  {
    // Complex64: a product of 2^26 numbers (GB/s moved), 4096^3 complex GEMM (TFLOP/s, 8 real
    // flops per multiply-add), and batched FFTs of 2^10 and 2^20 points (ms).
    const auto cgpu = TensorOptions(kComplex64).device(Device::cuda());
    const int64_t n = quick ? (int64_t{1} << 20) : (int64_t{1} << 26);
    Tensor a = randn({n}, cgpu), b = randn({n}, cgpu), c;
    const double t_mul = time_gpu([&] { c = a * b; }, 3, 10, reps);
    std::printf("mul_c64_2^26 %.1f GB/s\n", 3.0 * 8.0 * static_cast<double>(n) / t_mul / 1e9);
    const int64_t m = quick ? 512 : 4096;
    Tensor p = randn({m, m}, cgpu), q = randn({m, m}, cgpu);
    const double t_mm = time_gpu([&] { (void)matmul(p, q); }, 2, 5, reps);
    std::printf("matmul_4096_c64 %.1f TFLOP/s\n",
                8.0 * static_cast<double>(m) * static_cast<double>(m) * static_cast<double>(m) / t_mm / 1e12);
    Tensor rows = randn({quick ? 64 : 4096, 1024}, cgpu), one = randn({int64_t{1} << 20}, cgpu);
    std::printf("fft_4096x1024_c64 %.3f ms\n", time_gpu([&] { (void)fft::fft(rows); }, 3, 20, reps) * 1e3);
    std::printf("fft_2^20_c64 %.3f ms\n", time_gpu([&] { (void)fft::fft(one); }, 3, 20, reps) * 1e3);
  }
  {
    Tensor a = ones({1}, gpu), b = ones({1}, gpu);
    const int iters = quick ? 1000 : 100000;
    // Launches queue asynchronously; what a loop of them costs is the per-op overhead.
    const double t = time_gpu([&] { (void)(a + b); }, 100, iters, reps);
    std::printf("add_1elem_per_op %.2f us\n", t * 1e6);
  }
  {
    Generator gen(0);
    const Tensor x = randn({128, 784}, gen).to(Device::cuda()), y = randint(0, 10, {128}, gen, kInt64).to(Device::cuda());
    auto mlp = nn::Sequential(nn::Linear(784, 256), nn::ReLU(), nn::Linear(256, 128), nn::ReLU(), nn::Linear(128, 100),
                              nn::ReLU(), nn::Linear(100, 10));
    mlp->to(Device::cuda());
    std::printf("mlp_train_b128 %.0f samples/s\n", train_rate(mlp, x, y, 20, quick ? 10 : 200, reps));
    const Tensor xi = randn({128, 1, 28, 28}, gen).to(Device::cuda());
    CNN cnn;
    cnn->to(Device::cuda());
    std::printf("cnn_train_b128 %.0f samples/s\n", train_rate(cnn, xi, y, 10, quick ? 5 : 100, reps));
  }
  return 0;
}
