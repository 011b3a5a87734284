#pragma once
// A block of memory on a device, shared by a tensor and all its views, with the version counter
// that in-place ops bump and backward checks.
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>

#include "tapegrad/tensor/device.h"
#include "tapegrad/tensor/intrusive_ptr.h"

namespace tg {

class StorageImpl {
 public:
  // Memory owned by tapegrad, from the device's allocator.
  static IntrusivePtr<StorageImpl> allocate(size_t nbytes, Device device);
  // Page-locked CPU memory (needs a CUDA device): faster copies to and from GPUs.
  static IntrusivePtr<StorageImpl> allocate_pinned(size_t nbytes);
  // Memory owned by the caller; `deleter` (may be empty) runs when the last tensor lets go.
  static IntrusivePtr<StorageImpl> wrap(void* data, size_t nbytes, Device device,
                                        std::function<void(void*)> deleter);

  void* data() const { return data_; }
  size_t nbytes() const { return nbytes_; }
  Device device() const { return device_; }
  bool pinned() const { return pinned_; }
  // Made inside InferenceMode: its tensors are inference tensors (grad_mode.h).
  bool inference() const { return inference_; }
  uint32_t version() const { return version_.load(std::memory_order_relaxed); }
  void bump_version() { version_.fetch_add(1, std::memory_order_relaxed); }

  static void destroy(StorageImpl* s);

 private:
  template <class>
  friend class IntrusivePtr;
  StorageImpl(void* data, size_t nbytes, Device device) : data_(data), nbytes_(nbytes), device_(device) {}

  std::atomic<uint32_t> refs_{0};
  std::atomic<uint32_t> version_{0};
  void* data_;
  size_t nbytes_;
  Device device_;
  bool inline_data_ = false;   // data follows this header in the same allocation
  bool pinned_ = false;        // page-locked host memory
  bool inference_ = false;
  size_t block_bytes_ = 0;      // size of that allocation
  std::function<void(void*)> deleter_;
};

}  // namespace tg
