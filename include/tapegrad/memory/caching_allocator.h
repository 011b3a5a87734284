#pragma once
// A caching allocator in the manner of PyTorch's CUDA one, over any raw allocator: requests are
// rounded to 512 bytes, served from free lists binned by (stream, size), carved from segments
// (2 MiB for requests up to 1 MiB, 20 MiB up to 10 MiB, the rounded size beyond), split when
// the remainder is worth keeping and merged with free neighbours when freed. The raw allocator
// is called only when no cached block fits; when it fails, the cache is emptied and the request
// retried once before a tg::OutOfMemoryError that names the request and the allocator's state.
// A block also used on other streams (record_stream) goes back to the free lists only once
// events recorded on those streams at free() have passed.
// The CUDA backend gives every device one of these over cudaMalloc/cudaFree and CUDA events.
// Without caching (TG_CUDA_NO_CACHING=1, like PYTORCH_NO_CUDA_MEMORY_CACHING) every request is
// its own raw allocation of exactly the bytes asked for, freed at free(): slower, but
// compute-sanitizer's memcheck then sees an access past a tensor's end.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace tg::memory {

// Blocks are reused only by the stream they were last used on (0 when there are no streams).
using StreamId = uint64_t;

struct RawAllocator {
  std::function<void*(size_t bytes)> allocate;  // nullptr when out of memory
  std::function<void(void* ptr)> free;
  // Events, for blocks used on more than their own stream (record_stream): record one at the
  // current end of a stream's work, ask whether it has passed, destroy it. Optional when no
  // block is ever recorded on another stream.
  std::function<void*(StreamId stream)> record_event = nullptr;
  std::function<bool(void* event)> event_done = nullptr;
  std::function<void(void* event)> destroy_event = nullptr;
};

// One figure's history, as in PyTorch's memory_stats(): its value now, its peak since the last
// reset_peak_stats(), and what was added to it and taken from it since the last
// reset_accumulated_stats().
struct StatCounter {
  int64_t current = 0, peak = 0, allocated = 0, freed = 0;
  void add(int64_t n) {
    current += n;
    allocated += n;
    if (current > peak) peak = current;
  }
  void sub(int64_t n) {
    current -= n;
    freed += n;
  }
};

// The figures of one pool of blocks (or of both: AllocatorStats::all).
struct PoolStats {
  StatCounter allocated_bytes;  // blocks handed out, at their rounded sizes
  StatCounter requested_bytes;  // the sizes asked for
  StatCounter active_bytes;     // handed out, or freed but still in use on another stream
  StatCounter reserved_bytes;   // segments obtained from the raw allocator
  StatCounter allocations;      // blocks handed out
  StatCounter active;           // active blocks
  StatCounter segments;         // segments held
};

// Small blocks (requests up to kSmallRequest) and large ones come from separate segments; `all`
// sums the two. Counts since construction, the peaks since reset_peak_stats() and the totals
// since reset_accumulated_stats().
struct AllocatorStats {
  PoolStats all, small_pool, large_pool;
  int64_t alloc_retries = 0;  // raw allocations that failed, then were retried with the cache emptied
  int64_t ooms = 0;           // requests that failed even then
};

class CachingAllocator {
 public:
  static constexpr size_t kRound = 512;
  static constexpr size_t kSmallRequest = size_t{1} << 20;
  static constexpr size_t kSmallSegment = size_t{2} << 20;
  static constexpr size_t kMediumRequest = size_t{10} << 20;
  static constexpr size_t kMediumSegment = size_t{20} << 20;
  static constexpr size_t kLargeRound = size_t{2} << 20;

  // `device` names the memory in error messages ("cuda:0").
  CachingAllocator(RawAllocator raw, std::string device, bool caching = true);
  ~CachingAllocator();  // returns every segment to the raw allocator
  CachingAllocator(const CachingAllocator&) = delete;
  CachingAllocator& operator=(const CachingAllocator&) = delete;

  // A block of at least `bytes` (a unique non-null pointer also for 0 bytes).
  void* allocate(size_t bytes, StreamId stream = 0);
  // Returns a block from allocate(); a tg::Error for any other pointer. A block that was
  // recorded on other streams is reused only once their work queued before this call is done.
  void free(void* ptr);
  // Marks the block as also used by `stream` (PyTorch's record_stream): work queued there may
  // still read or write it after free(), so its reuse waits for that work.
  void record_stream(void* ptr, StreamId stream);
  // The usable size of an allocated block (its rounded size).
  size_t block_size(const void* ptr) const;
  // Releases the segments that are entirely free.
  void empty_cache();
  AllocatorStats stats() const;
  void reset_peak_stats();
  void reset_accumulated_stats();
  // At most `bytes` reserved from the raw allocator (PyTorch's set_per_process_memory_fraction):
  // a request that would pass it fails as if the device were full. SIZE_MAX: no limit.
  void set_memory_limit(size_t bytes);
  size_t memory_limit() const;

 private:
  struct State;
  std::unique_ptr<State> s_;
};

}  // namespace tg::memory
