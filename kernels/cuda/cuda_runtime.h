#pragma once
// The CUDA runtime as the library uses it: checked calls and one caching allocator per device.
// Private to the library; only compiled into builds with the toolkit (TG_WITH_CUDA).
#include <cuda_runtime_api.h>

#include "tapegrad/memory/caching_allocator.h"
#include "tapegrad/tensor/error.h"

// Checks a runtime call; the error names the call, the op and CUDA's own description.
#define TG_CUDA_CHECK(call, op)                                                                        \
  do {                                                                                                 \
    const cudaError_t tg_err = (call);                                                                 \
    if (tg_err != cudaSuccess) [[unlikely]]                                                            \
      ::tg::detail::fail<::tg::Error>("{}: {} failed: {} ({})", op, #call, cudaGetErrorString(tg_err), \
                                      cudaGetErrorName(tg_err));                                       \
  } while (0)

namespace tg::cuda::detail {

inline constexpr int kMaxDevices = 64;

// The stream this thread launches work on for the current device (the legacy default stream, 0,
// unless a tg::cuda::StreamGuard says otherwise).
cudaStream_t current_stream();
// Makes `device` current for this thread (a cached check, so cheap when it already is).
void set_current_device(int device);
int current_device();

// The caching allocator of `device` over cudaMalloc/cudaFree, made on first use.
memory::CachingAllocator& device_allocator(int device);
// The allocator of `device` if it has been made, else null (statistics need not make one).
memory::CachingAllocator* existing_allocator(int device);

// Scratch memory on the current device for the current stream, from its caching allocator; freed
// at scope exit, which is safe while kernels still use it: the block is reused only by later work
// on the same stream.
class Scratch {
 public:
  explicit Scratch(size_t bytes)
      : alloc_(device_allocator(current_device())),
        ptr_(alloc_.allocate(bytes, reinterpret_cast<memory::StreamId>(current_stream()))) {}
  ~Scratch() { alloc_.free(ptr_); }
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;
  template <class T>
  T* as() const {
    return static_cast<T*>(ptr_);
  }

 private:
  memory::CachingAllocator& alloc_;
  void* ptr_;
};

}  // namespace tg::cuda::detail
