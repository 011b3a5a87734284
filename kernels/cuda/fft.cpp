// The discrete Fourier transform on CUDA devices through cuFFT: batched 1-D complex-to-complex,
// real-to-complex and complex-to-real plans, made once per (device, dtype, kind, length, batch)
// and thread and kept, as PyTorch's plan cache does. Each plan's work area comes from the caching
// allocator (cuFFT's own would cudaMalloc outside it, unseen by memory_allocated() and
// empty_cache()).
#include <cufft.h>

#include <unordered_map>

#include "kernels/cuda/cuda_kernels.h"
#include "kernels/cuda/cuda_runtime.h"

#define TG_CUFFT_CHECK(call, op)                                                                             \
  do {                                                                                                       \
    const cufftResult tg_res = (call);                                                                       \
    if (tg_res != CUFFT_SUCCESS) [[unlikely]]                                                                \
      ::tg::detail::fail<::tg::Error>("{}: {} failed: cuFFT error {}", op, #call, static_cast<int>(tg_res)); \
  } while (0)

namespace tg::kernels::cuda {
namespace {

struct PlanKey {
  int device;
  DType dtype;
  FftKind kind;
  int64_t n, batch;
  bool operator==(const PlanKey&) const = default;
};
struct PlanKeyHash {
  size_t operator()(const PlanKey& k) const {
    size_t h = (static_cast<size_t>(k.device) * 31 + static_cast<size_t>(k.dtype)) * 3 + static_cast<size_t>(k.kind);
    h = h * 1000003u ^ static_cast<size_t>(k.n);
    return h * 1000003u ^ static_cast<size_t>(k.batch);
  }
};
struct Plan {
  cufftHandle handle = 0;
  size_t work_bytes = 0;
};

// PyTorch keeps 4096 plans per device; a few hundred cover the shapes a program cycles through.
constexpr size_t kMaxPlans = 256;

// The plans outlive their thread (only the map goes), as the cuBLAS handles do: at exit the CUDA
// context may already be gone. A full cache is emptied; cufftDestroy's cudaFree waits for the
// work queued on them.
struct PlanCache {
  std::unordered_map<PlanKey, Plan, PlanKeyHash> plans;
  void clear() {
    for (auto& [key, plan] : plans) cufftDestroy(plan.handle);
    plans.clear();
  }
};

cufftType type_of(DType dtype, FftKind kind) {
  const bool single = dtype == DType::Complex64;
  switch (kind) {
    case FftKind::R2C:
      return single ? CUFFT_R2C : CUFFT_D2Z;
    case FftKind::C2R:
      return single ? CUFFT_C2R : CUFFT_Z2D;
    default:
      return single ? CUFFT_C2C : CUFFT_Z2Z;
  }
}

const Plan& plan_for(DType dtype, FftKind kind, int64_t n, int64_t batch) {
  thread_local PlanCache cache;
  const PlanKey key{::tg::cuda::detail::current_device(), dtype, kind, n, batch};
  auto it = cache.plans.find(key);
  if (it != cache.plans.end()) return it->second;
  if (cache.plans.size() >= kMaxPlans) cache.clear();
  Plan plan;
  TG_CUFFT_CHECK(cufftCreate(&plan.handle), "fft");
  // Row strides: a real row holds n numbers, a half spectrum n / 2 + 1.
  long long len = n, half = n / 2 + 1;
  const long long in_dist = kind == FftKind::C2R ? half : n, out_dist = kind == FftKind::R2C ? half : n;
  const cufftResult made = [&] {
    const cufftResult r = cufftSetAutoAllocation(plan.handle, 0);
    if (r != CUFFT_SUCCESS) return r;
    return cufftMakePlanMany64(plan.handle, 1, &len, &len, 1, in_dist, &len, 1, out_dist, type_of(dtype, kind), batch,
                               &plan.work_bytes);
  }();
  if (made != CUFFT_SUCCESS) {
    cufftDestroy(plan.handle);
    TG_FAIL("fft: cuFFT could not plan {} transforms of length {} in {} (cuFFT error {})", batch, n, dtype,
            static_cast<int>(made));
  }
  return cache.plans.emplace(key, plan).first->second;
}

}  // namespace

void fft(DType dtype, FftKind kind, int64_t batch, int64_t n, bool inverse, const void* in, void* out) {
  if (!is_complex(dtype)) fail_dtype(dtype);
  if (batch == 0 || n == 0) return;
  const Plan& plan = plan_for(dtype, kind, n, batch);
  ::tg::cuda::detail::Scratch work(plan.work_bytes);
  cudaStream_t stream = ::tg::cuda::detail::current_stream();
  TG_CUFFT_CHECK(cufftSetStream(plan.handle, stream), "fft");
  TG_CUFFT_CHECK(cufftSetWorkArea(plan.handle, work.as<void>()), "fft");
  const bool single = dtype == DType::Complex64;
  auto* x = const_cast<void*>(in);  // C2C and R2C leave their input as it was
  if (kind == FftKind::R2C) {
    if (single)
      TG_CUFFT_CHECK(cufftExecR2C(plan.handle, static_cast<cufftReal*>(x), static_cast<cufftComplex*>(out)), "fft");
    else
      TG_CUFFT_CHECK(cufftExecD2Z(plan.handle, static_cast<cufftDoubleReal*>(x), static_cast<cufftDoubleComplex*>(out)),
                     "fft");
    return;
  }
  if (kind == FftKind::C2R) {
    // cuFFT's complex-to-real transforms overwrite their input: they get a copy.
    const size_t bytes = static_cast<size_t>(batch * (n / 2 + 1)) * itemsize(dtype);
    ::tg::cuda::detail::Scratch copy(bytes);
    TG_CUDA_CHECK(cudaMemcpyAsync(copy.as<void>(), in, bytes, cudaMemcpyDeviceToDevice, stream), "fft");
    if (single)
      TG_CUFFT_CHECK(cufftExecC2R(plan.handle, copy.as<cufftComplex>(), static_cast<cufftReal*>(out)), "fft");
    else
      TG_CUFFT_CHECK(cufftExecZ2D(plan.handle, copy.as<cufftDoubleComplex>(), static_cast<cufftDoubleReal*>(out)),
                     "fft");
    return;
  }
  const int direction = inverse ? CUFFT_INVERSE : CUFFT_FORWARD;
  if (single)
    TG_CUFFT_CHECK(cufftExecC2C(plan.handle, static_cast<cufftComplex*>(x), static_cast<cufftComplex*>(out), direction),
                   "fft");
  else
    TG_CUFFT_CHECK(cufftExecZ2Z(plan.handle, static_cast<cufftDoubleComplex*>(x), static_cast<cufftDoubleComplex*>(out),
                                direction),
                   "fft");
}

}  // namespace tg::kernels::cuda
