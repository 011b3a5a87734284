// The op profiler (tapegrad/profiler.h). Each thread keeps a stack of its open events; a closed
// one goes to the recording's list under a mutex, which only recording threads take. A
// generation number lets events opened under an earlier recording close without effect.
#include "tapegrad/profiler.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <mutex>

#include "tapegrad/tensor/error.h"
#include "tensor/profiling.h"

namespace tg {

namespace detail {

std::atomic<bool> g_profiling{false};

namespace {

struct Recording {
  std::mutex mutex;
  std::vector<profiler::Event> events;
  std::chrono::steady_clock::time_point origin;
  int64_t generation = 0;
  int64_t threads = 0;
};
Recording& recording() {
  static Recording r;
  return r;
}

struct OpenEvent {
  std::string name;
  int64_t start_ns;
};
struct ThreadEvents {
  std::vector<OpenEvent> open;
  int64_t generation = -1;
  int64_t thread = -1;
};
thread_local ThreadEvents t_events;

int64_t now_ns(const Recording& r) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - r.origin).count();
}

}  // namespace

int64_t profile_enter(std::string name) {
  Recording& r = recording();
  ThreadEvents& t = t_events;
  // (The clock is read under the lock too: start() may reset the origin on another thread.)
  std::lock_guard<std::mutex> lock(r.mutex);
  if (!g_profiling.load(std::memory_order_relaxed)) return -1;
  if (t.generation != r.generation) {
    t.open.clear();
    t.generation = r.generation;
    t.thread = r.threads++;
  }
  t.open.push_back({std::move(name), now_ns(r)});
  return static_cast<int64_t>(t.open.size()) - 1;
}

void profile_exit(int64_t slot) {
  Recording& r = recording();
  ThreadEvents& t = t_events;
  std::lock_guard<std::mutex> lock(r.mutex);
  const int64_t end = now_ns(r);
  // Opened under another recording, or the recording stopped: nothing to close.
  if (t.generation != r.generation || slot != static_cast<int64_t>(t.open.size()) - 1) return;
  OpenEvent e = std::move(t.open.back());
  t.open.pop_back();
  if (g_profiling.load(std::memory_order_relaxed))
    r.events.push_back({std::move(e.name), e.start_ns, end, t.thread, static_cast<int>(slot)});
}

}  // namespace detail

namespace profiler {

void start() {
  detail::Recording& r = detail::recording();
  std::lock_guard<std::mutex> lock(r.mutex);
  TG_CHECK(!detail::g_profiling.load(), "profiler: a recording is on already (stop it first)");
  r.events.clear();
  r.threads = 0;
  ++r.generation;
  r.origin = std::chrono::steady_clock::now();
  detail::g_profiling = true;
}

std::vector<Event> stop() {
  detail::Recording& r = detail::recording();
  std::vector<Event> events;
  {
    std::lock_guard<std::mutex> lock(r.mutex);
    TG_CHECK(detail::g_profiling.load(), "profiler: no recording is on (start one first)");
    detail::g_profiling = false;
    ++r.generation;
    events.swap(r.events);
  }
  std::stable_sort(events.begin(), events.end(), [](const Event& a, const Event& b) {
    return a.start_ns != b.start_ns ? a.start_ns < b.start_ns : a.depth < b.depth;
  });
  return events;
}

bool is_recording() { return detail::g_profiling.load(); }

RecordFunction::RecordFunction(const std::string& name) {
  if (detail::g_profiling.load(std::memory_order_relaxed)) slot_ = detail::profile_enter(name);
}
RecordFunction::~RecordFunction() {
  if (slot_ >= 0) detail::profile_exit(slot_);
}

std::vector<OpTotals> totals(const std::vector<Event>& events, const std::string& sort_by) {
  using Key = int64_t (*)(const OpTotals&);
  static const std::map<std::string, Key> keys = {
      {"cpu_time_total", [](const OpTotals& t) { return t.total_ns; }},
      {"self_cpu_time_total", [](const OpTotals& t) { return t.self_ns; }},
      {"cpu_time", [](const OpTotals& t) { return t.count ? t.total_ns / t.count : 0; }},
      {"count", [](const OpTotals& t) { return t.count; }},
  };
  const auto key = keys.find(sort_by);
  TG_CHECK_VALUE(key != keys.end(),
                 "profiler: cannot sort by '{}': the keys are cpu_time_total, self_cpu_time_total, cpu_time, count",
                 sort_by);
  // Each event's time less its direct children's. Events arrive by start time, so an event's
  // parent is the latest event one level up on its thread.
  std::map<std::string, OpTotals> by_name;
  std::map<int64_t, std::vector<OpTotals*>> levels;
  for (const Event& e : events) {
    OpTotals& t = by_name[e.name];
    t.name = e.name;
    ++t.count;
    t.total_ns += e.end_ns - e.start_ns;
    t.self_ns += e.end_ns - e.start_ns;
    std::vector<OpTotals*>& level = levels[e.thread];
    if (level.size() <= static_cast<size_t>(e.depth)) level.resize(e.depth + 1, nullptr);
    if (e.depth > 0 && level[e.depth - 1] != nullptr) level[e.depth - 1]->self_ns -= e.end_ns - e.start_ns;
    level[e.depth] = &t;
  }
  std::vector<OpTotals> out;
  for (auto& [name, t] : by_name) out.push_back(std::move(t));
  std::stable_sort(out.begin(), out.end(),
                   [f = key->second](const OpTotals& a, const OpTotals& b) { return f(a) > f(b); });
  return out;
}

namespace {
std::string duration(int64_t ns) {
  if (ns >= 1000000000) return fmt::format("{:.3f}s", static_cast<double>(ns) * 1e-9);
  if (ns >= 1000000) return fmt::format("{:.3f}ms", static_cast<double>(ns) * 1e-6);
  return fmt::format("{:.3f}us", static_cast<double>(ns) * 1e-3);
}
}  // namespace

std::string table(const std::vector<Event>& events, const std::string& sort_by, int64_t row_limit) {
  const std::vector<OpTotals> rows = totals(events, sort_by);
  // The shares are of the time of the outermost events: the whole of what was recorded.
  int64_t all = 0;
  for (const Event& e : events)
    if (e.depth == 0) all += e.end_ns - e.start_ns;
  size_t width = 4;
  for (const OpTotals& t : rows) width = std::max(width, std::min<size_t>(t.name.size(), 60));
  const std::string rule =
      fmt::format("{:-<{}}  {:-<12}  {:-<12}  {:-<12}  {:-<12}  {:-<12}  {:-<12}\n", "", width, "", "", "", "", "", "");
  std::string s = rule;
  s += fmt::format("{:>{}}  {:>12}  {:>12}  {:>12}  {:>12}  {:>12}  {:>12}\n", "Name", width, "Self CPU %", "Self CPU",
                   "CPU total %", "CPU total", "CPU time avg", "# of Calls");
  s += rule;
  const auto share = [all](int64_t ns) { return all > 0 ? fmt::format("{:.2f}%", 100.0 * ns / all) : "-"; };
  int64_t shown = 0;
  for (const OpTotals& t : rows) {
    if (row_limit >= 0 && shown++ >= row_limit) break;
    const std::string name = t.name.size() > width ? t.name.substr(0, width - 3) + "..." : t.name;
    s += fmt::format("{:>{}}  {:>12}  {:>12}  {:>12}  {:>12}  {:>12}  {:>12}\n", name, width, share(t.self_ns),
                     duration(t.self_ns), share(t.total_ns), duration(t.total_ns), duration(t.total_ns / t.count),
                     t.count);
  }
  s += rule;
  s += fmt::format("Self CPU time total: {}\n", duration(all));
  return s;
}

}  // namespace profiler

}  // namespace tg
