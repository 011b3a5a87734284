// The caching allocator: free blocks in ordered sets keyed by (stream, size, address), blocks
// of one segment linked to their neighbours for splitting and merging, one mutex.
#include "tapegrad/memory/caching_allocator.h"

#include <algorithm>
#include <list>
#include <mutex>
#include <set>
#include <tuple>
#include <unordered_map>
#include <vector>

#include "tapegrad/tensor/error.h"

namespace tg::memory {
namespace {

struct Block {
  char* ptr;
  size_t size;
  size_t requested;  // what allocate() was asked for (while handed out)
  StreamId stream;
  bool small;
  bool allocated = false;
  Block* prev = nullptr;  // neighbours within the segment
  Block* next = nullptr;
  std::vector<StreamId> other_streams;  // record_stream: streams besides `stream` that use it
};

struct BySize {
  bool operator()(const Block* a, const Block* b) const {
    return std::tie(a->stream, a->size, a->ptr) < std::tie(b->stream, b->size, b->ptr);
  }
};

size_t round_up(size_t n, size_t to) { return (n + to - 1) / to * to; }

std::string human(size_t bytes) {
  if (bytes >= (size_t{1} << 30)) return fmt::format("{:.2f} GiB", static_cast<double>(bytes) / (1 << 30));
  if (bytes >= (size_t{1} << 20)) return fmt::format("{:.2f} MiB", static_cast<double>(bytes) / (1 << 20));
  if (bytes >= 1024) return fmt::format("{:.2f} KiB", static_cast<double>(bytes) / 1024);
  return fmt::format("{} bytes", bytes);
}

template <class F>
void for_each_counter(AllocatorStats& st, F f) {
  for (PoolStats* p : {&st.all, &st.small_pool, &st.large_pool})
    for (StatCounter* c : {&p->allocated_bytes, &p->requested_bytes, &p->active_bytes, &p->reserved_bytes,
                           &p->allocations, &p->active, &p->segments})
      f(*c);
}

}  // namespace

struct CachingAllocator::State {
  RawAllocator raw;
  std::string device;
  bool caching = true;
  mutable std::mutex mu;
  std::set<Block*, BySize> small_free, large_free;
  std::unordered_map<const void*, Block*> active;
  // Freed blocks waiting for events on the other streams that used them.
  struct Pending {
    Block* block;
    std::vector<void*> events;
  };
  std::list<Pending> pending;
  AllocatorStats st;
  size_t limit = SIZE_MAX;

  std::set<Block*, BySize>& pool(bool small) { return small ? small_free : large_free; }

  // Adds n (or takes -n) to one figure of a pool and of `all`.
  void count(StatCounter PoolStats::*figure, bool small, int64_t n) {
    PoolStats& p = small ? st.small_pool : st.large_pool;
    if (n >= 0) {
      (st.all.*figure).add(n);
      (p.*figure).add(n);
    } else {
      (st.all.*figure).sub(-n);
      (p.*figure).sub(-n);
    }
  }

  void count_segment(const Block* b, int64_t sign) {
    count(&PoolStats::reserved_bytes, b->small, sign * static_cast<int64_t>(b->size));
    count(&PoolStats::segments, b->small, sign);
  }

  // A block no longer in use goes back to its pool, merged with free neighbours.
  void release(Block* b) {
    b->allocated = false;
    b->other_streams.clear();
    count(&PoolStats::active_bytes, b->small, -static_cast<int64_t>(b->size));
    count(&PoolStats::active, b->small, -1);
    if (!caching) {  // its own segment, never split
      raw.free(b->ptr);
      count_segment(b, -1);
      delete b;
      return;
    }
    auto& p = pool(b->small);
    auto absorb = [&](Block* into, Block* gone) {  // `gone` directly follows `into`
      into->size += gone->size;
      into->next = gone->next;
      if (gone->next) gone->next->prev = into;
      delete gone;
    };
    if (b->prev && !b->prev->allocated) {
      Block* q = b->prev;
      p.erase(q);
      absorb(q, b);
      b = q;
    }
    if (b->next && !b->next->allocated) {
      p.erase(b->next);
      absorb(b, b->next);
    }
    p.insert(b);
  }

  // Releases the pending blocks whose events have all passed.
  void process_events() {
    for (auto it = pending.begin(); it != pending.end();) {
      auto& ev = it->events;
      while (!ev.empty() && raw.event_done(ev.back())) {
        raw.destroy_event(ev.back());
        ev.pop_back();
      }
      if (!ev.empty()) {
        ++it;
        continue;
      }
      release(it->block);
      it = pending.erase(it);
    }
  }

  void release_free_segments() {
    if (!pending.empty()) process_events();
    for (auto* pool : {&small_free, &large_free})
      for (auto it = pool->begin(); it != pool->end();) {
        Block* b = *it;
        if (b->prev || b->next) {
          ++it;
          continue;
        }
        raw.free(b->ptr);
        count_segment(b, -1);
        it = pool->erase(it);
        delete b;
      }
  }

  Block* new_segment(size_t size, StreamId stream, bool small) {
    const size_t segment = !caching                 ? size
                           : small                  ? kSmallSegment
                           : size <= kMediumRequest ? kMediumSegment
                                                    : round_up(size, kLargeRound);
    auto reserve = [&]() -> void* {
      const auto reserved = static_cast<size_t>(st.all.reserved_bytes.current);
      return segment > limit - std::min(limit, reserved) ? nullptr : raw.allocate(segment);
    };
    void* p = reserve();
    if (!p) {
      // Cached free segments may be what stands in the way: give them back and try again.
      ++st.alloc_retries;
      release_free_segments();
      p = reserve();
    }
    if (!p) {
      ++st.ooms;
      const auto allocated = static_cast<size_t>(st.all.allocated_bytes.current);
      const auto reserved = static_cast<size_t>(st.all.reserved_bytes.current);
      TG_CHECK_MEMORY(false,
                      "{}: out of memory: tried to allocate {} (a segment of {}); {} allocated, {} reserved, {} of "
                      "it cached and free{}",
                      device, human(size), human(segment), human(allocated), human(reserved),
                      human(reserved - allocated),
                      limit == SIZE_MAX ? std::string()
                                        : fmt::format("; this process may reserve at most {} here (its memory "
                                                      "fraction)",
                                                      human(limit)));
    }
    auto* b = new Block{static_cast<char*>(p), segment, 0, stream, small, false, nullptr, nullptr, {}};
    count_segment(b, 1);
    return b;
  }
};

CachingAllocator::CachingAllocator(RawAllocator raw, std::string device, bool caching) : s_(std::make_unique<State>()) {
  TG_CHECK(raw.allocate && raw.free, "CachingAllocator: the raw allocator needs allocate and free");
  s_->raw = std::move(raw);
  s_->device = std::move(device);
  s_->caching = caching;
}

CachingAllocator::~CachingAllocator() {
  // Blocks still handed out die with their segments: free every segment from its first block.
  std::set<char*> heads;
  auto collect = [&](Block* b) {
    while (b->prev) b = b->prev;
    heads.insert(b->ptr);
  };
  for (Block* b : s_->small_free) collect(b);
  for (Block* b : s_->large_free) collect(b);
  for (auto& [p, b] : s_->active) collect(b);
  for (auto& pend : s_->pending) {
    collect(pend.block);
    for (void* e : pend.events) s_->raw.destroy_event(e);
  }
  std::set<Block*> all(s_->small_free.begin(), s_->small_free.end());
  all.insert(s_->large_free.begin(), s_->large_free.end());
  for (auto& [p, b] : s_->active) all.insert(b);
  for (auto& pend : s_->pending) all.insert(pend.block);
  for (char* h : heads) s_->raw.free(h);
  for (Block* b : all) delete b;
}

void* CachingAllocator::allocate(size_t bytes, StreamId stream) {
  State& s = *s_;
  const size_t size = s.caching ? round_up(std::max<size_t>(bytes, 1), kRound) : std::max<size_t>(bytes, 1);
  TG_CHECK(size >= bytes, "{}: allocation of {} bytes overflows", s.device, bytes);
  const bool small = size <= kSmallRequest;
  std::lock_guard<std::mutex> lock(s.mu);
  if (!s.pending.empty()) s.process_events();
  auto& pool = s.pool(small);
  Block key{nullptr, size, 0, stream, small, false, nullptr, nullptr, {}};
  Block* block = nullptr;
  auto it = pool.lower_bound(&key);
  if (s.caching && it != pool.end() && (*it)->stream == stream) {
    block = *it;
    pool.erase(it);
  } else {
    block = s.new_segment(size, stream, small);
  }
  // Keep the remainder as a free block when it is worth it.
  const size_t rest = block->size - size;
  if (small ? rest >= kRound : rest > kSmallRequest) {
    Block* tail = new Block{block->ptr + size, rest, 0, stream, small, false, block, block->next, {}};
    if (block->next) block->next->prev = tail;
    block->next = tail;
    block->size = size;
    pool.insert(tail);
  }
  block->allocated = true;
  block->requested = bytes;
  s.active.emplace(block->ptr, block);
  const auto n = static_cast<int64_t>(block->size);
  s.count(&PoolStats::allocated_bytes, small, n);
  s.count(&PoolStats::requested_bytes, small, static_cast<int64_t>(bytes));
  s.count(&PoolStats::allocations, small, 1);
  s.count(&PoolStats::active_bytes, small, n);
  s.count(&PoolStats::active, small, 1);
  return block->ptr;
}

void CachingAllocator::free(void* ptr) {
  if (!ptr) return;
  State& s = *s_;
  std::lock_guard<std::mutex> lock(s.mu);
  auto it = s.active.find(ptr);
  TG_CHECK(it != s.active.end(), "{}: free of a pointer this allocator did not hand out (or freed twice)", s.device);
  Block* b = it->second;
  s.active.erase(it);
  s.count(&PoolStats::allocated_bytes, b->small, -static_cast<int64_t>(b->size));
  s.count(&PoolStats::requested_bytes, b->small, -static_cast<int64_t>(b->requested));
  s.count(&PoolStats::allocations, b->small, -1);
  if (b->other_streams.empty()) {
    s.release(b);
    return;
  }
  // Used on other streams too: reusable once their work queued so far is done.
  State::Pending pend{b, {}};
  for (StreamId other : b->other_streams) pend.events.push_back(s.raw.record_event(other));
  s.pending.push_back(std::move(pend));
}

void CachingAllocator::record_stream(void* ptr, StreamId stream) {
  State& s = *s_;
  std::lock_guard<std::mutex> lock(s.mu);
  auto it = s.active.find(ptr);
  TG_CHECK(it != s.active.end(), "{}: record_stream of a pointer this allocator did not hand out", s.device);
  TG_CHECK(s.raw.record_event && s.raw.event_done && s.raw.destroy_event,
           "{}: record_stream needs events, which this allocator's device does not provide", s.device);
  Block* b = it->second;
  if (stream == b->stream || std::find(b->other_streams.begin(), b->other_streams.end(), stream) != b->other_streams.end())
    return;
  b->other_streams.push_back(stream);
}

size_t CachingAllocator::block_size(const void* ptr) const {
  std::lock_guard<std::mutex> lock(s_->mu);
  auto it = s_->active.find(ptr);
  TG_CHECK(it != s_->active.end(), "{}: block_size of a pointer this allocator did not hand out", s_->device);
  return it->second->size;
}

void CachingAllocator::empty_cache() {
  std::lock_guard<std::mutex> lock(s_->mu);
  s_->release_free_segments();
}

AllocatorStats CachingAllocator::stats() const {
  std::lock_guard<std::mutex> lock(s_->mu);
  return s_->st;
}

void CachingAllocator::reset_peak_stats() {
  std::lock_guard<std::mutex> lock(s_->mu);
  for_each_counter(s_->st, [](StatCounter& c) { c.peak = c.current; });
}

void CachingAllocator::reset_accumulated_stats() {
  std::lock_guard<std::mutex> lock(s_->mu);
  for_each_counter(s_->st, [](StatCounter& c) { c.allocated = c.freed = 0; });
  s_->st.alloc_retries = s_->st.ooms = 0;
}

void CachingAllocator::set_memory_limit(size_t bytes) {
  std::lock_guard<std::mutex> lock(s_->mu);
  s_->limit = bytes;
}

size_t CachingAllocator::memory_limit() const {
  std::lock_guard<std::mutex> lock(s_->mu);
  return s_->limit;
}

}  // namespace tg::memory
