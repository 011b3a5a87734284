// The caching allocator over a counting fake of cudaMalloc: reuse, splitting and merging,
// stream separation, statistics, a randomized alloc/free pattern, and out-of-memory recovery.
#include <cstdlib>
#include <map>
#include <random>

#include "test_util.h"
#include <tapegrad/memory/caching_allocator.h>

using namespace tg;
using memory::CachingAllocator;

namespace {

// malloc with a byte budget, recording what is outstanding.
struct FakeDevice {
  explicit FakeDevice(size_t b) : budget(b) {}
  size_t budget, used = 0;
  int64_t calls = 0;
  std::map<void*, size_t> live;
  // Events: a number per record; those up to `done_upto` have passed.
  int64_t events_made = 0, done_upto = 0, events_live = 0;
  memory::RawAllocator raw() {
    return {[this](size_t n) -> void* {
              ++calls;
              if (used + n > budget) return nullptr;
              void* p = std::malloc(n);
              live[p] = n;
              used += n;
              return p;
            },
            [this](void* p) {
              used -= live.at(p);
              live.erase(p);
              std::free(p);
            },
            [this](memory::StreamId) -> void* {
              ++events_live;
              return reinterpret_cast<void*>(++events_made);
            },
            [this](void* e) { return reinterpret_cast<int64_t>(e) <= done_upto; },
            [this](void*) { --events_live; }};
  }
};

size_t reserved(const CachingAllocator& a) { return static_cast<size_t>(a.stats().all.reserved_bytes.current); }
size_t allocated(const CachingAllocator& a) { return static_cast<size_t>(a.stats().all.allocated_bytes.current); }
size_t max_allocated(const CachingAllocator& a) { return static_cast<size_t>(a.stats().all.allocated_bytes.peak); }

}  // namespace

TEST(CachingAllocator, ReusesSplitsAndMerges) {
  FakeDevice dev{size_t{1} << 30};
  {
    CachingAllocator a(dev.raw(), "fake:0");
    void* p = a.allocate(1000);
    EXPECT_EQ(a.block_size(p), 1024u);
    EXPECT_EQ(dev.calls, 1);
    EXPECT_EQ(reserved(a), CachingAllocator::kSmallSegment);
    void* q = a.allocate(3000);  // carved from the same 2 MiB segment
    EXPECT_EQ(dev.calls, 1);
    EXPECT_EQ(static_cast<char*>(q), static_cast<char*>(p) + 1024);
    a.free(p);
    void* r = a.allocate(512);  // best fit: the freed 1024-byte hole, split
    EXPECT_EQ(r, p);
    a.free(r);
    a.free(q);
    // Everything merged back: one free segment, released by empty_cache.
    EXPECT_EQ(allocated(a), 0u);
    EXPECT_EQ(a.stats().all.segments.current, 1);
    a.empty_cache();
    EXPECT_EQ(reserved(a), 0u);
    EXPECT_EQ(dev.used, 0u);
    // Large requests: 20 MiB segments up to 10 MiB, then the request rounded to 2 MiB.
    void* big = a.allocate(5 << 20);
    EXPECT_EQ(reserved(a), CachingAllocator::kMediumSegment);
    void* huge = a.allocate((30 << 20) + 1);
    EXPECT_EQ(reserved(a), CachingAllocator::kMediumSegment + (32u << 20));
    EXPECT_EQ(max_allocated(a), (5u << 20) + (30u << 20) + 512);
    a.free(big);
    a.free(huge);
    a.reset_peak_stats();
    EXPECT_EQ(max_allocated(a), 0u);
    // Streams do not share cached blocks.
    void* s1 = a.allocate(4096, 1);
    a.free(s1);
    void* s2 = a.allocate(4096, 2);
    EXPECT_NE(s1, s2);
    a.free(s2);
    EXPECT_THROW_WITH(a.free(s2), Error, "did not hand out (or freed twice)");
    EXPECT_NE(a.allocate(0), nullptr);  // left allocated: the destructor returns its segment
  }
  EXPECT_EQ(dev.used, 0u);
}

TEST(CachingAllocator, RandomizedPatternKeepsBlocksDisjoint) {
  FakeDevice dev{size_t{1} << 32};
  CachingAllocator a(dev.raw(), "fake:0");
  std::mt19937_64 rng(7);
  std::map<char*, size_t> live;  // pointer -> block size
  size_t expected_allocated = 0;
  for (int step = 0; step < 20000; ++step) {
    if (live.empty() || (live.size() < 300 && rng() % 2 == 0)) {
      const size_t n = rng() % 4 == 0 ? rng() % (24u << 20) : rng() % 70000;
      char* p = static_cast<char*>(a.allocate(n, rng() % 2));
      const size_t size = a.block_size(p);
      ASSERT_GE(size, n);
      // Disjoint from its neighbours among live blocks.
      auto next = live.lower_bound(p);
      if (next != live.end()) {
        ASSERT_LE(p + size, next->first);
      }
      if (next != live.begin()) {
        ASSERT_LE(std::prev(next)->first + std::prev(next)->second, p);
      }
      live[p] = size;
      expected_allocated += size;
    } else {
      auto it = live.begin();
      std::advance(it, static_cast<long>(rng() % live.size()));
      expected_allocated -= it->second;
      a.free(it->first);
      live.erase(it);
    }
    if (step % 997 == 0) {
      ASSERT_EQ(allocated(a), expected_allocated);
      ASSERT_EQ(reserved(a), dev.used);
    }
    if (step % 5003 == 0) a.empty_cache();
  }
  for (auto& [p, n] : live) a.free(p);
  a.empty_cache();
  EXPECT_EQ(allocated(a), 0u);
  EXPECT_EQ(dev.used, 0u);
  EXPECT_LT(a.stats().all.segments.allocated, 2000);  // the cache served most requests
}

// record_stream: a block used on a second stream is not handed out again, on any stream,
// until the event recorded on that stream at free() has passed.
TEST(CachingAllocator, RecordStreamDelaysReuseUntilTheOtherStreamIsDone) {
  FakeDevice dev(size_t{64} << 20);
  {
    CachingAllocator a(dev.raw(), "fake:0");
    void* p = a.allocate(4096, /*stream=*/1);
    a.record_stream(p, 2);
    a.record_stream(p, 2);  // once is enough
    a.record_stream(p, 1);  // its own stream: nothing to wait for
    a.free(p);
    EXPECT_EQ(dev.events_made, 1);
    EXPECT_EQ(allocated(a), 0u);
    void* q = a.allocate(4096, 1);
    EXPECT_NE(q, p);  // the event has not passed: p stays out of the pool
    dev.done_upto = 1;
    a.free(q);
    void* r = a.allocate(4096, 1);
    EXPECT_TRUE(r == p || r == q);  // both back in the pool (merged with their neighbours)
    EXPECT_EQ(dev.events_live, 0);
    a.free(r);
    // A block freed while its event is pending is still returned by the destructor.
    void* s = a.allocate(100, 3);
    a.record_stream(s, 4);
    a.free(s);
    EXPECT_EQ(dev.events_live, 1);
    // empty_cache releases what has passed, and keeps what has not.
    a.empty_cache();
    EXPECT_GT(reserved(a), 0u);
    dev.done_upto = dev.events_made;
    a.empty_cache();
    EXPECT_EQ(reserved(a), 0u);
    EXPECT_THROW_WITH(a.record_stream(reinterpret_cast<void*>(16), 2), Error, "did not hand out");
  }
  EXPECT_EQ(dev.events_live, 0);
  EXPECT_TRUE(dev.live.empty());
  // Without event hooks, record_stream is a clear error.
  CachingAllocator plain({.allocate = [](size_t n) { return std::malloc(n); }, .free = [](void* p) { std::free(p); }},
                         "plain");
  void* p = plain.allocate(10);
  EXPECT_THROW_WITH(plain.record_stream(p, 2), Error, "record_stream needs events");
  plain.free(p);
}

TEST(CachingAllocator, OutOfMemoryRetriesThenReports) {
  FakeDevice dev{size_t{48} << 20};
  CachingAllocator a(dev.raw(), "fake:0");
  void* x = a.allocate(8 << 20);  // a 20 MiB segment
  void* y = a.allocate(9 << 20);  // fits in the same segment's remainder
  a.free(x);
  a.free(y);
  // 30 MiB needs a new 30 MiB segment: over the budget until the cached 20 MiB is released.
  void* z = a.allocate(30 << 20);
  EXPECT_EQ(reserved(a), 30u << 20);
  EXPECT_THROW_WITH(a.allocate(20 << 20), OutOfMemoryError, "fake:0: out of memory: tried to allocate 20.00 MiB");
  EXPECT_EQ(a.stats().ooms, 1);
  a.free(z);
  void* w = a.allocate(40 << 20);  // usable again after the failure
  EXPECT_NE(w, nullptr);
  a.free(w);
}

// Without caching every request is a raw allocation of exactly its bytes, given back at free()
// (or, when used on another stream, once that stream's event has passed).
TEST(CachingAllocator, WithoutCachingEachRequestIsItsOwnRawAllocation) {
  FakeDevice dev{size_t{64} << 20};
  {
    CachingAllocator a(dev.raw(), "fake:0", /*caching=*/false);
    void* p = a.allocate(1000);
    void* q = a.allocate(0);
    EXPECT_EQ(dev.live.at(p), 1000u);
    EXPECT_EQ(dev.live.at(q), 1u);
    EXPECT_EQ(a.block_size(p), 1000u);
    EXPECT_EQ(reserved(a), 1001u);
    EXPECT_EQ(allocated(a), 1001u);
    a.free(p);
    EXPECT_EQ(dev.live.count(p), 0u);
    EXPECT_EQ(reserved(a), 1u);
    EXPECT_EQ(a.stats().all.segments.current, 1);
    void* r = a.allocate(3000, /*stream=*/1);
    a.record_stream(r, 2);
    a.free(r);
    EXPECT_EQ(dev.live.count(r), 1u);  // stream 2 may still use it
    dev.done_upto = dev.events_made;
    void* s = a.allocate(10);
    EXPECT_EQ(dev.live.count(r), 0u);
    EXPECT_EQ(dev.calls, 4);
    a.free(s);
    EXPECT_EQ(max_allocated(a), 3001u);
    EXPECT_THROW_WITH(a.allocate(size_t{65} << 20), OutOfMemoryError, "out of memory");
    a.free(q);
  }
  EXPECT_TRUE(dev.live.empty());
}

TEST(Cuda, DeviceQueriesWithOrWithoutAGpu) {
  EXPECT_EQ(cuda::is_available(), cuda::device_count() > 0);
  cuda::empty_cache();
  cuda::reset_peak_memory_stats();
  if (!cuda::is_available()) {
    EXPECT_EQ(cuda::memory_allocated(), 0u);
    EXPECT_EQ(cuda::memory_reserved(), 0u);
    EXPECT_EQ(cuda::max_memory_allocated(), 0u);
    EXPECT_THROW(cuda::synchronize(), Error);
    GTEST_SKIP() << "no CUDA device: the device part of this test needs a GPU";
  }
  cuda::synchronize();
  cuda::synchronize(0);
  EXPECT_THROW_WITH(cuda::synchronize(cuda::device_count()), IndexError, "does not exist");
  EXPECT_GE(cuda::memory_reserved(), cuda::memory_allocated());
}

// The figures of PyTorch's memory_stats(): per pool and summed, current, peak and totals.
TEST(CachingAllocator, StatisticsPerPoolWithPeaksAndTotals) {
  FakeDevice dev{size_t{1} << 30};
  CachingAllocator a(dev.raw(), "fake:0");
  void* s = a.allocate(1000, 1);
  void* l = a.allocate(5u << 20, 2);
  {
    const auto st = a.stats();
    EXPECT_EQ(st.small_pool.allocated_bytes.current, 1024);
    EXPECT_EQ(st.small_pool.requested_bytes.current, 1000);
    EXPECT_EQ(st.small_pool.reserved_bytes.current, static_cast<int64_t>(CachingAllocator::kSmallSegment));
    EXPECT_EQ(st.large_pool.allocated_bytes.current, 5 << 20);
    EXPECT_EQ(st.large_pool.reserved_bytes.current, static_cast<int64_t>(CachingAllocator::kMediumSegment));
    EXPECT_EQ(st.all.allocated_bytes.current, 1024 + (5 << 20));
    EXPECT_EQ(st.all.allocations.current, 2);
    EXPECT_EQ(st.all.segments.current, 2);
    EXPECT_EQ(st.all.active.current, 2);
  }
  // A block freed while another stream may use it stays active until that stream is done.
  a.record_stream(s, 3);
  a.free(s);
  a.free(l);
  {
    const auto st = a.stats();
    EXPECT_EQ(st.all.allocated_bytes.current, 0);
    EXPECT_EQ(st.all.allocated_bytes.peak, 1024 + (5 << 20));
    EXPECT_EQ(st.all.allocated_bytes.allocated, 1024 + (5 << 20));
    EXPECT_EQ(st.all.allocated_bytes.freed, 1024 + (5 << 20));
    EXPECT_EQ(st.all.requested_bytes.current, 0);
    EXPECT_EQ(st.all.active_bytes.current, 1024);
    EXPECT_EQ(st.small_pool.active.current, 1);
    EXPECT_EQ(st.large_pool.active.current, 0);
  }
  dev.done_upto = dev.events_made;
  a.empty_cache();
  {
    const auto st = a.stats();
    EXPECT_EQ(st.all.active_bytes.current, 0);
    EXPECT_EQ(st.all.reserved_bytes.current, 0);
    EXPECT_EQ(st.all.segments.freed, 2);
  }
  a.reset_peak_stats();
  EXPECT_EQ(a.stats().all.allocated_bytes.peak, 0);
  a.reset_accumulated_stats();
  EXPECT_EQ(a.stats().all.allocated_bytes.allocated, 0);
  EXPECT_EQ(a.stats().all.segments.freed, 0);
}

// A memory limit (the per-process memory fraction): a segment that would pass it is refused
// like a failed raw allocation, cached segments are released and the request retried.
TEST(CachingAllocator, MemoryLimitActsAsAFullDevice) {
  FakeDevice dev{size_t{1} << 30};
  CachingAllocator a(dev.raw(), "fake:0");
  EXPECT_EQ(a.memory_limit(), SIZE_MAX);
  a.set_memory_limit(30u << 20);
  void* x = a.allocate(8u << 20);  // a 20 MiB segment
  // 13 MiB does not fit the 12 MiB left in that segment: a new one of 14 MiB would pass the limit.
  EXPECT_THROW_WITH(a.allocate(13u << 20), OutOfMemoryError, "may reserve at most 30.00 MiB here");
  EXPECT_EQ(a.stats().alloc_retries, 1);
  EXPECT_EQ(a.stats().ooms, 1);
  a.free(x);
  void* y = a.allocate(25u << 20);  // fits once the cached segment is given back
  EXPECT_EQ(a.stats().alloc_retries, 2);
  EXPECT_EQ(reserved(a), 26u << 20);
  a.free(y);
  a.set_memory_limit(SIZE_MAX);
  void* z = a.allocate(100u << 20);
  a.free(z);
  EXPECT_EQ(a.stats().ooms, 1);
}
