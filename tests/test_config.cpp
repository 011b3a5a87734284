// tg::config: the build report, and the OpenBLAS core it chose for this CPU.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "tapegrad/tapegrad.h"

extern "C" char* openblas_get_corename() __attribute__((weak));

namespace {

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

}  // namespace

TEST(Config, ShowNamesTheBuildAndItsLibraries) {
  const std::string s = tg::config::show();
  EXPECT_TRUE(s.starts_with("tapegrad ")) << s;
  EXPECT_TRUE(contains(s, "C++ compiler: ")) << s;
  EXPECT_TRUE(contains(s, "oneDNN ")) << s;
  EXPECT_TRUE(contains(s, "BLAS: ")) << s;
  EXPECT_TRUE(contains(s, "LAPACK")) << s;
  EXPECT_TRUE(contains(s, "CUDA: ")) << s;
  EXPECT_TRUE(contains(s, fmt::format("({} in use)", tg::get_num_threads()))) << s;
  if (tg::cuda::is_available()) {
    EXPECT_TRUE(contains(s, fmt::format("{} device", tg::cuda::device_count()))) << s;
  }
}

TEST(Config, ParallelInfoFollowsSetNumThreads) {
  const int before = tg::get_num_threads();
  tg::set_num_threads(1);
  const std::string s = tg::config::parallel_info();
  tg::set_num_threads(before);
  EXPECT_TRUE(contains(s, "tg::get_num_threads(): 1\n")) << s;
  EXPECT_TRUE(contains(s, "OMP_NUM_THREADS: ")) << s;
}

// OpenBLAS 0.3.21 gives CPUs newer than its table its generic SSE3 kernels; tapegrad re-chooses by
// instruction set when it loads, so an AVX machine never runs them.
TEST(Config, OpenBlasRunsKernelsForTheInstructionsTheCpuHas) {
  if (!openblas_get_corename) GTEST_SKIP() << "the BLAS here is not OpenBLAS";
  if (std::getenv("OPENBLAS_CORETYPE")) GTEST_SKIP() << "OPENBLAS_CORETYPE chooses the core";
  __builtin_cpu_init();
  if (!__builtin_cpu_supports("avx")) GTEST_SKIP() << "a CPU without AVX";
  const std::string core = openblas_get_corename();
  EXPECT_NE(core, "Prescott");
  EXPECT_TRUE(contains(tg::config::show(), core)) << tg::config::show();
  // The re-initialized OpenBLAS still multiplies correctly (the matmul and linalg tests check the
  // rest).
  const tg::Tensor a = tg::randn({70, 50}).to(tg::kFloat64), b = tg::randn({50, 60}).to(tg::kFloat64);
  const tg::Tensor by_sums = (a.unsqueeze(2) * b.unsqueeze(0)).sum({1});
  EXPECT_TRUE(tg::allclose(tg::matmul(a, b), by_sums, 1e-12, 1e-12));
}
