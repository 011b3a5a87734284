#pragma once
// tg::cuda: devices, streams, events and memory. A build without the CUDA toolkit, or a machine
// without a GPU, reports no devices, and everything that needs one raises a tg::Error that says
// so; the memory figures are those of each device's caching allocator (see
// tapegrad/memory/caching_allocator.h) and are zero until it is used.
#include <cstddef>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "tapegrad/memory/caching_allocator.h"

namespace tg {
class Tensor;
}  // namespace tg

namespace tg::cuda {

// Whether this build has CUDA and the machine at least one usable device.
bool is_available();
// What this build was compiled with: the CUDA runtime's version ("13.0"; empty in a build without
// the toolkit), and the compute architectures its kernels were compiled for (90 for sm_90).
std::string compiled_version();
std::vector<int> compiled_architectures();
int device_count();
// The device this thread's work goes to when none is named (0 unless set_device changed it).
int current_device();
void set_device(int device);
// Waits for all work on `device` (the current device when -1); a tg::Error without a device.
void synchronize(int device = -1);

// What the driver says of a device (torch.cuda.get_device_properties).
struct DeviceProperties {
  std::string name;
  int major = 0, minor = 0;  // the compute capability
  size_t total_memory = 0;   // bytes
  int multi_processor_count = 0;
  int max_threads_per_multi_processor = 0;
  int warp_size = 0;
  size_t L2_cache_size = 0;  // bytes
  bool is_integrated = false;
  std::string uuid;  // as nvidia-smi shows it after "GPU-"
  int pci_bus_id = 0, pci_device_id = 0, pci_domain_id = 0;
};
// Of `device` (the current device when -1); a tg::Error without one.
DeviceProperties get_device_properties(int device = -1);
// The device's free and total memory in bytes as the driver counts them (cudaMemGetInfo): what
// other processes and this one's cache hold is not free.
std::pair<size_t, size_t> mem_get_info(int device = -1);

// A CUDA stream. Ops launch their kernels on the current stream of the tensor's device: the
// device's default stream unless a StreamGuard says otherwise. Copies are cheap (shared).
class Stream {
 public:
  // A new stream on `device` (the current device when -1).
  explicit Stream(int device = -1);
  // The default (legacy) stream of `device`, which synchronises with all other blocking work.
  static Stream default_stream(int device = -1);
  // This thread's current stream on `device`.
  static Stream current(int device = -1);

  int device() const { return device_; }
  // The cudaStream_t, for passing to other CUDA libraries.
  void* handle() const;
  bool is_default() const { return handle() == nullptr; }
  // Blocks until the stream's work is done; query() says whether it is, without waiting.
  void synchronize() const;
  bool query() const;
  bool operator==(const Stream& o) const { return device_ == o.device_ && handle() == o.handle(); }

 private:
  friend void set_stream(const Stream& stream);
  struct Owned;
  Stream(int device, std::shared_ptr<Owned> owned) : device_(device), owned_(std::move(owned)) {}
  int device_ = 0;
  std::shared_ptr<Owned> owned_;  // null for the default stream
};

// Makes `stream` the current stream of its device for this thread (torch.cuda.set_stream).
void set_stream(const Stream& stream);

// Makes `stream` the current stream of its device for this thread, until destroyed.
class StreamGuard {
 public:
  explicit StreamGuard(const Stream& stream);
  ~StreamGuard();
  StreamGuard(const StreamGuard&) = delete;
  StreamGuard& operator=(const StreamGuard&) = delete;

 private:
  Stream previous_;
};

// A CUDA event: a point in a stream's work, to wait on or to time between.
class Event {
 public:
  explicit Event(bool enable_timing = false);
  // Records the event at the current point of `stream` (the current stream of the current device).
  void record();
  void record(const Stream& stream);
  // Makes `stream`'s later work wait for this event, without blocking the host.
  void wait(const Stream& stream) const;
  void synchronize() const;
  bool query() const;
  // Milliseconds from this event to `end`; both recorded with timing enabled and completed.
  float elapsed_time(const Event& end) const;

 private:
  struct Owned;
  std::shared_ptr<Owned> owned_;
};

// float32 matrix products on TensorFloat-32 tensor cores (faster, ~10-bit mantissa inputs), as
// torch.backends.cuda.matmul.allow_tf32. Off by default, as in PyTorch.
void set_matmul_allow_tf32(bool allow);
bool matmul_allow_tf32();
// float32 convolutions (cuDNN) on TF32 tensor cores, as torch.backends.cudnn.allow_tf32: on by
// default, as in PyTorch.
void set_cudnn_allow_tf32(bool allow);
bool cudnn_allow_tf32();

// The figures of the caching allocator of `device`: zeros before its first allocation, and
// without a GPU.
size_t memory_allocated(int device = 0);
size_t memory_reserved(int device = 0);
size_t max_memory_allocated(int device = 0);
size_t max_memory_reserved(int device = 0);
memory::AllocatorStats memory_stats(int device = 0);
void reset_peak_memory_stats(int device = 0);
void reset_accumulated_memory_stats(int device = 0);
// Lets the allocator of `device` (the current device when -1) reserve at most `fraction` (0 to 1)
// of the device's total memory; beyond it allocations fail with tg::OutOfMemoryError, as if the
// device were full (torch.cuda.set_per_process_memory_fraction). 1 by default.
void set_per_process_memory_fraction(double fraction, int device = -1);
double get_per_process_memory_fraction(int device = -1);
// Returns the cached, unused blocks of every device to the driver.
void empty_cache();

// Marks the memory of `tensor` (a CUDA tensor allocated by tapegrad) as used by work queued on
// `stream` besides the stream it was allocated on, as PyTorch's Tensor.record_stream: once the
// tensor is freed, its memory is handed out again only after that work is done.
void record_stream(const Tensor& tensor, const Stream& stream);

// NVIDIA Tools Extension markers, which Nsight Systems shows on its timeline (torch.cuda.nvtx).
// They cost next to nothing when no profiler is attached, and need no GPU.
namespace nvtx {
// Opens a nested range; returns its depth (0 for the outermost).
int range_push(const std::string& message);
// Closes the innermost range; returns its depth, or -1 when none was open.
int range_pop();
void mark(const std::string& message);
}  // namespace nvtx

}  // namespace tg::cuda
