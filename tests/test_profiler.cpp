// The op profiler: which ops, backward nodes and ranges ran, nested as they ran, with totals.
#include <algorithm>
#include <memory>
#include <set>
#include <thread>

#include "test_util.h"

using namespace tg;

namespace {

namespace prof = tg::profiler;

const prof::Event* find(const std::vector<prof::Event>& events, const std::string& name) {
  for (const prof::Event& e : events)
    if (e.name == name) return &e;
  return nullptr;
}

}  // namespace

TEST(Profiler, RecordsOpsNodesAndRangesNested) {
  Tensor w = randn({32, 32}).requires_grad_(true);
  Tensor x = randn({8, 32});
  exp(x);  // before the recording: not in it
  EXPECT_FALSE(prof::is_recording());
  prof::start();
  EXPECT_TRUE(prof::is_recording());
  {
    prof::RecordFunction step("step");
    Tensor loss = relu(matmul(x, w)).sum();
    loss.backward();
  }
  const std::vector<prof::Event> events = prof::stop();
  EXPECT_FALSE(prof::is_recording());
  EXPECT_EQ(find(events, "exp"), nullptr);
  const prof::Event* step = find(events, "step");
  const prof::Event* mm = find(events, "matmul");
  const prof::Event* sum = find(events, "sum");
  ASSERT_TRUE(step && mm && sum);
  EXPECT_EQ(step->depth, 0);
  EXPECT_EQ(mm->depth, 1);  // inside the range
  EXPECT_LE(step->start_ns, mm->start_ns);
  EXPECT_GE(step->end_ns, sum->end_ns);
  bool backward_node = false;
  for (const prof::Event& e : events) {
    EXPECT_LE(e.start_ns, e.end_ns);
    if (e.name == "SumBackward") backward_node = true;
  }
  EXPECT_TRUE(backward_node);
  for (size_t i = 1; i < events.size(); ++i) EXPECT_LE(events[i - 1].start_ns, events[i].start_ns);

  // Totals: the range's self time is its total less what ran directly inside it.
  const std::vector<prof::OpTotals> totals = prof::totals(events);
  int64_t inside = 0;
  for (const prof::Event& e : events)
    if (e.thread == step->thread && e.depth == 1) inside += e.end_ns - e.start_ns;
  bool seen = false;
  for (const prof::OpTotals& t : totals) {
    EXPECT_GE(t.total_ns, t.self_ns);
    EXPECT_GE(t.self_ns, 0);
    if (t.name == "step") {
      seen = true;
      EXPECT_EQ(t.count, 1);
      EXPECT_EQ(t.self_ns, step->end_ns - step->start_ns - inside);
    }
  }
  EXPECT_TRUE(seen);
  EXPECT_EQ(totals.front().name, "step");  // the largest total first
  for (size_t i = 1; i < totals.size(); ++i) EXPECT_GE(totals[i - 1].total_ns, totals[i].total_ns);
  const std::vector<prof::OpTotals> by_count = prof::totals(events, "count");
  for (size_t i = 1; i < by_count.size(); ++i) EXPECT_GE(by_count[i - 1].count, by_count[i].count);

  const std::string table = prof::table(events, "self_cpu_time_total", 5);
  EXPECT_NE(table.find("Self CPU %"), std::string::npos);
  EXPECT_NE(table.find("# of Calls"), std::string::npos);
  EXPECT_NE(table.find("Self CPU time total:"), std::string::npos);
  EXPECT_EQ(std::count(table.begin(), table.end(), '\n'), 3 + 5 + 2);  // head, 5 rows, rule and total
}

TEST(Profiler, ThreadsAndRecordingsAreKeptApart) {
  prof::start();
  Tensor a = ones({4});
  std::thread worker([] { (ones({4}) * 2).sum(); });
  worker.join();
  (a + 1).sum();
  std::vector<prof::Event> events = prof::stop();
  std::set<int64_t> threads;
  for (const prof::Event& e : events) threads.insert(e.thread);
  EXPECT_EQ(threads.size(), 2u);

  // A range open across the stop is left out, and closes harmlessly after it.
  prof::start();
  auto open = std::make_unique<prof::RecordFunction>("across");
  events = prof::stop();
  open.reset();
  EXPECT_EQ(find(events, "across"), nullptr);
  prof::start();
  events = prof::stop();
  EXPECT_TRUE(events.empty());
}

TEST(Profiler, Errors) {
  EXPECT_THROW_WITH(prof::stop(), Error, "profiler: no recording is on");
  prof::start();
  EXPECT_THROW_WITH(prof::start(), Error, "profiler: a recording is on already");
  const std::vector<prof::Event> events = prof::stop();
  EXPECT_THROW_WITH(prof::totals(events, "flops"), ValueError, "cannot sort by 'flops'");
  EXPECT_THROW_WITH(prof::table(events, "cuda_time"), ValueError, "the keys are cpu_time_total");
}
