// tg::cuda's device queries and memory statistics. Without the toolkit (TG_WITH_CUDA unset) it
// reports no devices, so that code using it builds and runs everywhere.
#include "tapegrad/cuda.h"

#include "tapegrad/tensor/error.h"

#if TG_WITH_CUDA
#include <array>
#include <memory>
#include <mutex>

#include "kernels/cuda/cuda_runtime.h"
#endif

namespace tg::cuda {

#if TG_WITH_CUDA

namespace detail {
namespace {
constexpr int kMaxDevices = 64;
std::array<std::unique_ptr<memory::CachingAllocator>, kMaxDevices> allocators;
std::mutex allocators_mu;

void check_device(int device, const char* op) {
  const int n = device_count();
  TG_CHECK_INDEX(device >= 0 && device < n, "{}: cuda:{} does not exist ({} CUDA device{} present)", op, device, n,
                 n == 1 ? "" : "s");
}
}  // namespace

memory::CachingAllocator& device_allocator(int device) {
  check_device(device, "CUDA allocator");
  std::lock_guard<std::mutex> lock(allocators_mu);
  auto& slot = allocators[static_cast<size_t>(device)];
  if (!slot) {
    memory::RawAllocator raw{[device](size_t n) -> void* {
                               TG_CUDA_CHECK(cudaSetDevice(device), "CUDA allocator");
                               void* p = nullptr;
                               if (cudaMalloc(&p, n) != cudaSuccess) {
                                 (void)cudaGetLastError();  // out of memory is reported by the allocator
                                 return nullptr;
                               }
                               return p;
                             },
                             [device](void* p) {
                               (void)cudaSetDevice(device);
                               (void)cudaFree(p);
                             }};
    slot = std::make_unique<memory::CachingAllocator>(std::move(raw), fmt::format("cuda:{}", device));
  }
  return *slot;
}

memory::CachingAllocator* existing_allocator(int device) {
  if (device < 0 || device >= kMaxDevices) return nullptr;
  std::lock_guard<std::mutex> lock(allocators_mu);
  return allocators[static_cast<size_t>(device)].get();
}

}  // namespace detail

int device_count() {
  int n = 0;
  if (cudaGetDeviceCount(&n) != cudaSuccess) {
    (void)cudaGetLastError();  // no driver or no device: none available
    return 0;
  }
  return n;
}

bool is_available() { return device_count() > 0; }

void synchronize(int device) {
  TG_CHECK(is_available(), "cuda::synchronize: no CUDA device is available");
  if (device >= 0) {
    TG_CHECK_INDEX(device < device_count(), "cuda::synchronize: cuda:{} does not exist", device);
    TG_CUDA_CHECK(cudaSetDevice(device), "cuda::synchronize");
  }
  TG_CUDA_CHECK(cudaDeviceSynchronize(), "cuda::synchronize");
}

namespace {
memory::AllocatorStats stats_of(int device) {
  auto* a = detail::existing_allocator(device);
  return a ? a->stats() : memory::AllocatorStats{};
}
}  // namespace

size_t memory_allocated(int device) { return stats_of(device).allocated; }
size_t memory_reserved(int device) { return stats_of(device).reserved; }
size_t max_memory_allocated(int device) { return stats_of(device).max_allocated; }
void reset_peak_memory_stats(int device) {
  if (auto* a = detail::existing_allocator(device)) a->reset_peak_stats();
}
void empty_cache() {
  for (int d = 0; d < device_count(); ++d)
    if (auto* a = detail::existing_allocator(d)) a->empty_cache();
}

#else  // no toolkit in this build

bool is_available() { return false; }
int device_count() { return 0; }
void synchronize(int) { TG_FAIL("cuda::synchronize: this build of tapegrad has no CUDA support"); }
size_t memory_allocated(int) { return 0; }
size_t memory_reserved(int) { return 0; }
size_t max_memory_allocated(int) { return 0; }
void reset_peak_memory_stats(int) {}
void empty_cache() {}

#endif

}  // namespace tg::cuda
