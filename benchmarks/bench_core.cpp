// Core figures: per-op overhead with and without recording, a 1,000-op chain forward+backward,
// an MLP training step, and the throughput of add, sum and matmul. The same cases, written
// with libtorch, are in libtorch/bench_libtorch.cpp; compare.py prints them side by side.
#include <benchmark/benchmark.h>

#include <tapegrad/tapegrad.h>

namespace {

// Runs the benchmark with `threads` kernel threads (restored after).
struct Threads {
  explicit Threads(int n) : saved(tg::get_num_threads()) { tg::set_num_threads(n > 0 ? n : saved); }
  ~Threads() { tg::set_num_threads(saved); }
  int saved;
};

void add_1elem(benchmark::State& state) {
  Threads t(1);
  tg::Tensor a = tg::ones({1}), b = tg::ones({1});
  for (auto _ : state) benchmark::DoNotOptimize(a + b);
}

void add_1elem_recording(benchmark::State& state) {
  Threads t(1);
  tg::Tensor a = tg::ones({1}).requires_grad_(true), b = tg::ones({1});
  for (auto _ : state) benchmark::DoNotOptimize(a + b);
}

void chain_1000_forward_backward(benchmark::State& state) {
  Threads t(1);
  tg::Tensor x0 = tg::ones({1}).requires_grad_(true);
  tg::Tensor a = tg::full({1}, 1.0001f), b = tg::full({1}, 0.0001f);
  for (auto _ : state) {
    tg::Tensor x = x0;
    for (int i = 0; i < 1000; ++i) x = x * a + b;
    x.backward();
    x0.mutable_grad() = tg::Tensor();
  }
}

void mlp_step(benchmark::State& state) {
  Threads t(static_cast<int>(state.range(0)));
  tg::manual_seed(0);
  const int64_t batch = 64;
  auto param = [](tg::Shape s) { return (tg::randn(s) * 0.05).requires_grad_(true); };
  std::vector<tg::Tensor> params{param({256, 784}), param({256}), param({128, 256}), param({128}),
                                 param({10, 128}),  param({10})};
  tg::Tensor x = tg::randn({batch, 784}), y = tg::randint(0, 10, {batch});
  for (auto _ : state) {
    tg::Tensor h = tg::relu(tg::addmm(params[1], x, params[0].t()));
    h = tg::relu(tg::addmm(params[3], h, params[2].t()));
    tg::Tensor loss = tg::F::cross_entropy(tg::addmm(params[5], h, params[4].t()), y);
    for (auto& p : params) p.mutable_grad() = tg::Tensor();
    loss.backward();
    tg::NoGradGuard no_grad;
    for (auto& p : params) p.sub_(p.grad(), 0.01);
  }
}

void add_large(benchmark::State& state) {
  Threads t(static_cast<int>(state.range(0)));
  const int64_t n = int64_t{1} << 24;
  tg::Tensor a = tg::rand({n}), b = tg::rand({n});
  for (auto _ : state) benchmark::DoNotOptimize(a + b);
  // Bytes moved: two inputs read and one output written.
  state.SetBytesProcessed(state.iterations() * 3 * n * 4);
}

void sum_large(benchmark::State& state) {
  Threads t(static_cast<int>(state.range(0)));
  const int64_t n = int64_t{1} << 24;
  tg::Tensor a = tg::rand({n});
  for (auto _ : state) benchmark::DoNotOptimize(a.sum());
  state.SetBytesProcessed(state.iterations() * n * 4);
}

// A transcendental op: exp of 2^24 floats (vector math on both sides), and sigmoid.
void exp_large(benchmark::State& state) {
  Threads t(static_cast<int>(state.range(0)));
  const int64_t n = int64_t{1} << 24;
  tg::Tensor a = tg::randn({n});
  for (auto _ : state) benchmark::DoNotOptimize(a.exp());
  state.SetBytesProcessed(state.iterations() * 2 * n * 4);
}

void sigmoid_large(benchmark::State& state) {
  Threads t(static_cast<int>(state.range(0)));
  const int64_t n = int64_t{1} << 24;
  tg::Tensor a = tg::randn({n});
  for (auto _ : state) benchmark::DoNotOptimize(a.sigmoid());
  state.SetBytesProcessed(state.iterations() * 2 * n * 4);
}

void matmul_1024(benchmark::State& state) {
  Threads t(static_cast<int>(state.range(0)));
  tg::Tensor a = tg::randn({1024, 1024}), b = tg::randn({1024, 1024});
  for (auto _ : state) benchmark::DoNotOptimize(a.matmul(b));
  state.counters["FLOP/s"] =
      benchmark::Counter(2.0 * 1024 * 1024 * 1024 * static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}

}  // namespace

BENCHMARK(add_1elem);
BENCHMARK(add_1elem_recording);
BENCHMARK(chain_1000_forward_backward)->Unit(benchmark::kMillisecond);
BENCHMARK(mlp_step)->Arg(1)->Arg(0)->Unit(benchmark::kMicrosecond);  // 0 = all threads
BENCHMARK(add_large)->Arg(1)->Arg(0)->Unit(benchmark::kMillisecond);
BENCHMARK(sum_large)->Arg(1)->Arg(0)->Unit(benchmark::kMillisecond);
BENCHMARK(exp_large)->Arg(1)->Arg(0)->Unit(benchmark::kMillisecond);
BENCHMARK(sigmoid_large)->Arg(1)->Arg(0)->Unit(benchmark::kMillisecond);
BENCHMARK(matmul_1024)->Arg(1)->Arg(0)->Unit(benchmark::kMillisecond);
BENCHMARK_MAIN();
