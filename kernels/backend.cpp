#include "kernels/kernels.h"

#include "tapegrad/tensor/error.h"
#include "tensor/thread_state.h"

#if TG_WITH_CUDA
#include "kernels/cuda/cuda_runtime.h"
#include "tapegrad/cuda.h"
#endif

namespace tg::kernels {

void fail_dtype(DType dtype) {
  const auto& s = detail::tls;
  detail::fail<TypeError>("{}: not implemented for {} tensors", s.api_depth > 0 && s.api_op ? s.api_op : "kernel",
                          dtype);
}

const Backend& backend(Device device, const char* op) {
  if (device.is_cpu()) [[likely]]
    return cpu_backend();
#if TG_WITH_CUDA
  // The kernels launch on the current device: make it the tensor's.
  if (device.index() >= tg::cuda::device_count())
    detail::fail<IndexError>("{}: {} does not exist ({} CUDA device{} present)", op, device, tg::cuda::device_count(),
                             tg::cuda::device_count() == 1 ? "" : "s");
  tg::cuda::detail::set_current_device(device.index());
  return cuda_backend();
#else
  TG_FAIL("{}: tensors on {} are not supported by this build: it has no CUDA backend", op, device);
#endif
}

#if TG_WITH_CUDA
namespace {
cudaStream_t stream_of(Device d) {
  tg::cuda::detail::set_current_device(d.index());
  return tg::cuda::detail::current_stream();
}
}  // namespace

void copy_between_devices(void* dst, Device dst_device, const void* src, Device src_device, size_t bytes,
                          bool src_pinned) {
  if (bytes == 0) return;
  backend(dst_device, "to");
  backend(src_device, "to");
  const int previous = tg::cuda::detail::current_device();
  struct Restore {
    int d;
    ~Restore() { tg::cuda::detail::set_current_device(d); }
  } restore{previous};
  if (src_device.is_cpu()) {
    // Pageable sources are staged by the driver before the call returns; a pinned one is read by
    // DMA later, so wait for it: the caller may free it as soon as we return.
    cudaStream_t s = stream_of(dst_device);
    TG_CUDA_CHECK(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyHostToDevice, s), "to");
    if (src_pinned) TG_CUDA_CHECK(cudaStreamSynchronize(s), "to");
  } else if (dst_device.is_cpu()) {
    cudaStream_t s = stream_of(src_device);
    TG_CUDA_CHECK(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToHost, s), "to");
    TG_CUDA_CHECK(cudaStreamSynchronize(s), "to");
  } else {
    // Between GPUs: after the source's pending work, and finished before the destination's next.
    cudaStream_t s = stream_of(src_device);
    TG_CUDA_CHECK(cudaMemcpyPeerAsync(dst, dst_device.index(), src, src_device.index(), bytes, s), "to");
    TG_CUDA_CHECK(cudaStreamSynchronize(s), "to");
  }
}

void* device_allocate(Device device, size_t bytes) {
  backend(device, "allocate");  // checks the index and makes the device current
  return tg::cuda::detail::device_allocator(device.index())
      .allocate(bytes, reinterpret_cast<memory::StreamId>(tg::cuda::detail::current_stream()));
}

void device_free(Device device, void* ptr) { tg::cuda::detail::device_allocator(device.index()).free(ptr); }

void* pinned_allocate(size_t bytes) {
  TG_CHECK(tg::cuda::is_available(), "pin_memory: no CUDA device is available");
  void* p = nullptr;
  TG_CUDA_CHECK(cudaHostAlloc(&p, bytes == 0 ? 1 : bytes, cudaHostAllocDefault), "pin_memory");
  return p;
}

void pinned_free(void* ptr) { (void)cudaFreeHost(ptr); }
#else
void copy_between_devices(void*, Device dst_device, const void*, Device src_device, size_t, bool) {
  TG_FAIL("to: copies between {} and {} are not supported by this build: it has no CUDA backend", src_device,
          dst_device);
}
void* device_allocate(Device device, size_t) { backend(device, "allocate"); return nullptr; }
void device_free(Device, void*) {}
void* pinned_allocate(size_t) { TG_FAIL("pin_memory: this build of tapegrad has no CUDA support"); }
void pinned_free(void*) {}
#endif

}  // namespace tg::kernels
