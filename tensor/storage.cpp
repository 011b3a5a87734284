#include "tapegrad/tensor/storage.h"

#include <cstdlib>
#include <new>

#include "kernels/kernels.h"
#include "tapegrad/tensor/error.h"

namespace tg {
namespace {
// CPU storages keep their header and data in one block: one allocation per tensor's memory.
constexpr size_t kHeader = (sizeof(StorageImpl) + 63) / 64 * 64;
constexpr size_t kAlignedFrom = 4096;  // larger blocks are 64-byte aligned for vector loads
}  // namespace

IntrusivePtr<StorageImpl> StorageImpl::allocate(size_t nbytes, Device device) {
  if (device.is_cpu()) {
    const bool aligned = nbytes >= kAlignedFrom;
    void* block = nullptr;
    if (nbytes <= (size_t{1} << 62)) {
      block = aligned ? std::aligned_alloc(64, (kHeader + nbytes + 63) / 64 * 64) : std::malloc(kHeader + nbytes);
    }
    TG_CHECK(block != nullptr, "out of memory: could not allocate {} bytes on the CPU", nbytes);
    auto* s = new (block) StorageImpl(static_cast<char*>(block) + kHeader, nbytes, device);
    s->inline_data_ = true;
    s->aligned_block_ = aligned;
    return IntrusivePtr<StorageImpl>::make(s);
  }
  const kernels::Backend& be = kernels::backend(device, "allocate");
  void* p = be.allocate(nbytes);
  TG_CHECK(p != nullptr, "out of memory: could not allocate {} bytes on {}", nbytes, device);
  auto* s = new StorageImpl(p, nbytes, device);
  s->deleter_ = [&be](void* q) { be.deallocate(q); };
  return IntrusivePtr<StorageImpl>::make(s);
}

IntrusivePtr<StorageImpl> StorageImpl::wrap(void* data, size_t nbytes, Device device,
                                            std::function<void(void*)> deleter) {
  auto* s = new StorageImpl(data, nbytes, device);
  s->deleter_ = std::move(deleter);
  return IntrusivePtr<StorageImpl>::make(s);
}

void StorageImpl::destroy(StorageImpl* s) {
  if (s->inline_data_) {
    s->~StorageImpl();
    std::free(s);  // also right for aligned_alloc blocks
    return;
  }
  if (s->deleter_) s->deleter_(s->data_);
  delete s;
}

}  // namespace tg
