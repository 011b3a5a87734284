#pragma once
// The profiler's hooks (tapegrad/profiler.h): ApiScope and the engine time their op or node in a
// ProfileRange, which costs one relaxed load and a branch while no recording is on.
#include <atomic>
#include <cstdint>
#include <string>

namespace tg::detail {

extern std::atomic<bool> g_profiling;
int64_t profile_enter(std::string name);  // the event's slot on this thread's stack
void profile_exit(int64_t slot);

class ProfileRange {
 public:
  explicit ProfileRange(const char* name) {
    if (g_profiling.load(std::memory_order_relaxed)) [[unlikely]]
      slot_ = profile_enter(name);
  }
  template <class NameFn>  // names made only when recording (a node's name() builds a string)
  explicit ProfileRange(NameFn&& name_fn) {
    if (g_profiling.load(std::memory_order_relaxed)) [[unlikely]]
      slot_ = profile_enter(name_fn());
  }
  ~ProfileRange() {
    if (slot_ >= 0) [[unlikely]]
      profile_exit(slot_);
  }
  ProfileRange(const ProfileRange&) = delete;
  ProfileRange& operator=(const ProfileRange&) = delete;

 private:
  int64_t slot_ = -1;
};

}  // namespace tg::detail
