#include "tapegrad/tensor/storage.h"

#include <cstdlib>
#include <deque>
#include <iterator>
#include <list>
#include <mutex>
#include <new>
#include <unordered_map>
#include <vector>

#include "kernels/kernels.h"
#include "tapegrad/tensor/error.h"
#include "tensor/thread_state.h"

namespace tg {
namespace {
// CPU storages keep their header and data in one block: one allocation per tensor's memory.
constexpr size_t kHeader = (sizeof(StorageImpl) + 63) / 64 * 64;
constexpr size_t kAlignedFrom = 4096;  // larger blocks are 64-byte aligned for vector loads
// Bytes kept readable after every CPU buffer: OpenBLAS 0.3.21's complex gemv kernels (under
// LAPACK's zlarf, so in complex svd, qr and eigh) read up to 32 bytes past the end of their
// matrix (OpenBLAS issue 4013, fixed in later releases), which faults where a buffer ends a page.
constexpr size_t kTailSlack = 64;

// Large blocks are kept for reuse: fresh pages from the OS fault on first touch, which cost
// more than the work done on them (an add of 2^24 floats ran 3x slower). Bounded, and keyed by
// exact size, since training loops ask for the same sizes over and over. When full, the blocks
// freed longest ago go first: after a phase with other sizes (a big layer, an evaluation), the
// sizes in use now stay cached, where evicting in hash order could drop them and leave every
// later allocation faulting its pages in again. From 16 KiB: glibc's malloc returns freed memory
// at the top of its heap to the OS once it passes 128 KiB, so three live 64 KiB results (a
// 128 x 128 float matrix) freed and allocated again per iteration could fault 48 pages in each
// time, and matrix_exp ran 2x slower or not depending on the heap's state.
class BlockCache {
 public:
  static constexpr size_t kMinBytes = size_t{16} << 10, kMaxCached = size_t{512} << 20;
  void* take(size_t bytes) {
    if (bytes < kMinBytes) return nullptr;
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = free_.find(bytes);
    if (it == free_.end() || it->second.empty()) return nullptr;
    const auto entry = it->second.back();  // the most recently freed: likeliest still in cache
    it->second.pop_back();
    void* p = entry->second;
    order_.erase(entry);
    cached_ -= bytes;
    return p;
  }
  bool give(void* p, size_t bytes) {
    if (bytes < kMinBytes || bytes > kMaxCached) return false;
    std::lock_guard<std::mutex> lock(mutex_);
    while (cached_ + bytes > kMaxCached && !order_.empty()) {
      const auto [size, block] = order_.front();  // the oldest of its size, so its list's front
      free_[size].pop_front();
      order_.pop_front();
      std::free(block);
      cached_ -= size;
    }
    order_.emplace_back(bytes, p);
    free_[bytes].push_back(std::prev(order_.end()));
    cached_ += bytes;
    return true;
  }

 private:
  using Order = std::list<std::pair<size_t, void*>>;  // free blocks, oldest first
  std::mutex mutex_;
  Order order_;
  std::unordered_map<size_t, std::deque<Order::iterator>> free_;
  size_t cached_ = 0;
};

BlockCache& block_cache() {
  static BlockCache* cache = new BlockCache();  // never destroyed: storages may outlive statics
  return *cache;
}
}  // namespace

IntrusivePtr<StorageImpl> StorageImpl::allocate(size_t nbytes, Device device) {
  if (device.is_cpu()) {
    const bool aligned = nbytes >= kAlignedFrom;
    const size_t bytes = aligned ? (kHeader + nbytes + kTailSlack + 63) / 64 * 64 : kHeader + nbytes + kTailSlack;
    void* block = nullptr;
    if (nbytes <= (size_t{1} << 62)) {
      block = block_cache().take(bytes);
      if (!block) block = aligned ? std::aligned_alloc(64, bytes) : std::malloc(bytes);
    }
    TG_CHECK_MEMORY(block != nullptr, "out of memory: could not allocate {} bytes on the CPU", nbytes);
    auto* s = new (block) StorageImpl(static_cast<char*>(block) + kHeader, nbytes, device);
    s->inline_data_ = true;
    s->block_bytes_ = bytes;
    s->inference_ = detail::tls.inference_mode;
    return IntrusivePtr<StorageImpl>::make(s);
  }
  // Device memory comes from the device's caching allocator (a tg::Error when it is out).
  void* p = kernels::device_allocate(device, nbytes);
  auto* s = new StorageImpl(p, nbytes, device);
  s->deleter_ = [device](void* q) { kernels::device_free(device, q); };
  s->inference_ = detail::tls.inference_mode;
  return IntrusivePtr<StorageImpl>::make(s);
}

IntrusivePtr<StorageImpl> StorageImpl::allocate_pinned(size_t nbytes) {
  void* p = kernels::pinned_allocate(nbytes);
  auto* s = new StorageImpl(p, nbytes, Device::cpu());
  s->deleter_ = [](void* q) { kernels::pinned_free(q); };
  s->pinned_ = true;
  s->inference_ = detail::tls.inference_mode;
  return IntrusivePtr<StorageImpl>::make(s);
}

IntrusivePtr<StorageImpl> StorageImpl::wrap(void* data, size_t nbytes, Device device,
                                            std::function<void(void*)> deleter) {
  auto* s = new StorageImpl(data, nbytes, device);
  s->deleter_ = std::move(deleter);
  s->inference_ = detail::tls.inference_mode;
  return IntrusivePtr<StorageImpl>::make(s);
}

void StorageImpl::destroy(StorageImpl* s) {
  if (s->inline_data_) {
    const size_t bytes = s->block_bytes_;
    s->~StorageImpl();
    if (!block_cache().give(s, bytes)) std::free(s);  // free() is also right for aligned_alloc blocks
    return;
  }
  if (s->deleter_) s->deleter_(s->data_);
  delete s;
}

}  // namespace tg
