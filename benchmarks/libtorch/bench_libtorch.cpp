// The cases of ../bench_core.cpp written with libtorch, to run beside it on the same machine
// (benchmarks/compare.sh builds it against the PyTorch that pip installed there).
#include <benchmark/benchmark.h>
#include <torch/torch.h>

namespace {

struct Threads {
  explicit Threads(int n) : saved(at::get_num_threads()) { at::set_num_threads(n > 0 ? n : saved); }
  ~Threads() { at::set_num_threads(saved); }
  int saved;
};

void add_1elem(benchmark::State& state) {
  Threads t(1);
  torch::Tensor a = torch::ones({1}), b = torch::ones({1});
  for (auto _ : state) benchmark::DoNotOptimize(a + b);
}

void add_1elem_recording(benchmark::State& state) {
  Threads t(1);
  torch::Tensor a = torch::ones({1}).requires_grad_(true), b = torch::ones({1});
  for (auto _ : state) benchmark::DoNotOptimize(a + b);
}

void chain_1000_forward_backward(benchmark::State& state) {
  Threads t(1);
  torch::Tensor x0 = torch::ones({1}).requires_grad_(true);
  torch::Tensor a = torch::full({1}, 1.0001f), b = torch::full({1}, 0.0001f);
  for (auto _ : state) {
    torch::Tensor x = x0;
    for (int i = 0; i < 1000; ++i) x = x * a + b;
    x.backward();
    x0.mutable_grad().reset();
  }
}

void mlp_step(benchmark::State& state) {
  Threads t(static_cast<int>(state.range(0)));
  torch::manual_seed(0);
  const int64_t batch = 64;
  auto param = [](std::vector<int64_t> s) { return (torch::randn(s) * 0.05).requires_grad_(true); };
  std::vector<torch::Tensor> params{param({256, 784}), param({256}), param({128, 256}), param({128}),
                                    param({10, 128}),  param({10})};
  torch::Tensor x = torch::randn({batch, 784}), y = torch::randint(0, 10, {batch});
  for (auto _ : state) {
    torch::Tensor h = torch::relu(torch::addmm(params[1], x, params[0].t()));
    h = torch::relu(torch::addmm(params[3], h, params[2].t()));
    torch::Tensor loss = torch::nn::functional::cross_entropy(torch::addmm(params[5], h, params[4].t()), y);
    for (auto& p : params) p.mutable_grad().reset();
    loss.backward();
    torch::NoGradGuard no_grad;
    for (auto& p : params) p.sub_(p.grad(), 0.01);
  }
}

void add_large(benchmark::State& state) {
  Threads t(static_cast<int>(state.range(0)));
  const int64_t n = int64_t{1} << 24;
  torch::Tensor a = torch::rand({n}), b = torch::rand({n});
  for (auto _ : state) benchmark::DoNotOptimize(a + b);
  state.SetBytesProcessed(state.iterations() * 3 * n * 4);
}

void sum_large(benchmark::State& state) {
  Threads t(static_cast<int>(state.range(0)));
  const int64_t n = int64_t{1} << 24;
  torch::Tensor a = torch::rand({n});
  for (auto _ : state) benchmark::DoNotOptimize(a.sum());
  state.SetBytesProcessed(state.iterations() * n * 4);
}

// A transcendental op: exp of 2^24 floats (vector math on both sides), and sigmoid.
void exp_large(benchmark::State& state) {
  Threads t(static_cast<int>(state.range(0)));
  const int64_t n = int64_t{1} << 24;
  torch::Tensor a = torch::randn({n});
  for (auto _ : state) benchmark::DoNotOptimize(a.exp());
  state.SetBytesProcessed(state.iterations() * 2 * n * 4);
}

void sigmoid_large(benchmark::State& state) {
  Threads t(static_cast<int>(state.range(0)));
  const int64_t n = int64_t{1} << 24;
  torch::Tensor a = torch::randn({n});
  for (auto _ : state) benchmark::DoNotOptimize(a.sigmoid());
  state.SetBytesProcessed(state.iterations() * 2 * n * 4);
}

void matmul_1024(benchmark::State& state) {
  Threads t(static_cast<int>(state.range(0)));
  torch::Tensor a = torch::randn({1024, 1024}), b = torch::randn({1024, 1024});
  for (auto _ : state) benchmark::DoNotOptimize(a.matmul(b));
  state.counters["FLOP/s"] =
      benchmark::Counter(2.0 * 1024 * 1024 * 1024 * static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}

}  // namespace

BENCHMARK(add_1elem);
BENCHMARK(add_1elem_recording);
BENCHMARK(chain_1000_forward_backward)->Unit(benchmark::kMillisecond);
BENCHMARK(mlp_step)->Arg(1)->Arg(0)->Unit(benchmark::kMicrosecond);
BENCHMARK(add_large)->Arg(1)->Arg(0)->Unit(benchmark::kMillisecond);
BENCHMARK(sum_large)->Arg(1)->Arg(0)->Unit(benchmark::kMillisecond);
BENCHMARK(exp_large)->Arg(1)->Arg(0)->Unit(benchmark::kMillisecond);
BENCHMARK(sigmoid_large)->Arg(1)->Arg(0)->Unit(benchmark::kMillisecond);
BENCHMARK(matmul_1024)->Arg(1)->Arg(0)->Unit(benchmark::kMillisecond);
BENCHMARK_MAIN();
