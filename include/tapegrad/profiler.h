#pragma once
// An op profiler, like torch.profiler's CPU activity. While recording, every public op (tg::add,
// F::linear, ...), every backward node (MulBackward, ...) and every RecordFunction range is timed
// on the thread that ran it; ops called inside other ops are nested events, so that an op's self
// time is its total less the time of the events directly inside it. Times are host times: a CUDA
// op's is its launch, not its kernel (synchronize inside a RecordFunction to time the kernel).
//   tg::profiler::start();
//   ... train a step ...
//   std::cout << tg::profiler::table(tg::profiler::stop());
#include <cstdint>
#include <string>
#include <vector>

namespace tg::profiler {

struct Event {
  std::string name;
  int64_t start_ns = 0;  // from the start of the recording
  int64_t end_ns = 0;
  int64_t thread = 0;  // 0, 1, ... in the order threads first recorded an event
  int depth = 0;       // how many recorded events on its thread enclose it
};

// Starts recording (a tg::Error if one is on already).
void start();
// Stops recording and returns its events by start time (a tg::Error if none is on). Events still
// open on some thread are left out.
std::vector<Event> stop();
bool is_recording();

// A named range of one's own (torch.profiler.record_function), recorded while profiling.
class RecordFunction {
 public:
  explicit RecordFunction(const std::string& name);
  ~RecordFunction();
  RecordFunction(const RecordFunction&) = delete;
  RecordFunction& operator=(const RecordFunction&) = delete;

 private:
  int64_t slot_ = -1;
};

// Per-name totals (torch's key_averages), in nanoseconds.
struct OpTotals {
  std::string name;
  int64_t count = 0;
  int64_t total_ns = 0;
  int64_t self_ns = 0;  // total less the events directly inside
};
// sort_by: "cpu_time_total" (largest first), "self_cpu_time_total", "cpu_time" (the mean), "count";
// a tg::ValueError names the keys for any other.
std::vector<OpTotals> totals(const std::vector<Event>& events, const std::string& sort_by = "cpu_time_total");
// The totals as torch's table: self and total time with their shares of all, mean, calls.
std::string table(const std::vector<Event>& events, const std::string& sort_by = "cpu_time_total",
                  int64_t row_limit = 100);

}  // namespace tg::profiler
