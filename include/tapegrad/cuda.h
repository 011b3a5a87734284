#pragma once
// tg::cuda: devices, streams, events and memory. A build without the CUDA toolkit, or a machine
// without a GPU, reports no devices, and everything that needs one raises a tg::Error that says
// so; the memory figures are those of each device's caching allocator (see
// tapegrad/memory/caching_allocator.h) and are zero until it is used.
#include <cstddef>
#include <memory>

namespace tg {
class Tensor;
}  // namespace tg

namespace tg::cuda {

// Whether this build has CUDA and the machine at least one usable device.
bool is_available();
int device_count();
// The device this thread's work goes to when none is named (0 unless set_device changed it).
int current_device();
void set_device(int device);
// Waits for all work on `device` (the current device when -1); a tg::Error without a device.
void synchronize(int device = -1);

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
  friend class StreamGuard;
  struct Owned;
  Stream(int device, std::shared_ptr<Owned> owned) : device_(device), owned_(std::move(owned)) {}
  int device_ = 0;
  std::shared_ptr<Owned> owned_;  // null for the default stream
};

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

size_t memory_allocated(int device = 0);
size_t memory_reserved(int device = 0);
size_t max_memory_allocated(int device = 0);
void reset_peak_memory_stats(int device = 0);
// Returns the cached, unused blocks of every device to the driver.
void empty_cache();

// Marks the memory of `tensor` (a CUDA tensor allocated by tapegrad) as used by work queued on
// `stream` besides the stream it was allocated on, as PyTorch's Tensor.record_stream: once the
// tensor is freed, its memory is handed out again only after that work is done.
void record_stream(const Tensor& tensor, const Stream& stream);

}  // namespace tg::cuda
