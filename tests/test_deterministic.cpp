// use_deterministic_algorithms: the switches, the alert, and that the CPU's ops (all
// deterministic) run unchanged under it. The CUDA kernels' alerts are in test_cuda.cpp.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tapegrad/tapegrad.h"
#include "test_util.h"

using namespace tg;

namespace {
// Leaves the switches off after each test, whatever it asserted.
struct DeterministicReset {
  ~DeterministicReset() {
    use_deterministic_algorithms(false);
    cuda::set_cudnn_deterministic(false);
    detail::set_warning_handler(nullptr);
  }
};
}  // namespace

TEST(Deterministic, SwitchesAndAlert) {
  DeterministicReset reset;
  EXPECT_FALSE(are_deterministic_algorithms_enabled());
  detail::alert_not_deterministic("some_kernel");  // off: nothing happens
  use_deterministic_algorithms(true);
  EXPECT_TRUE(are_deterministic_algorithms_enabled());
  EXPECT_FALSE(is_deterministic_algorithms_warn_only_enabled());
  EXPECT_THROW_WITH(detail::alert_not_deterministic("some_kernel"), Error,
                    "some_kernel: the CUDA kernel adds with atomics");
  EXPECT_THROW_WITH(detail::alert_not_deterministic("some_kernel"), Error, "use_deterministic_algorithms(true) is set");

  std::vector<std::string> warned;
  detail::set_warning_handler([&](const std::string& msg) { warned.push_back(msg); });
  use_deterministic_algorithms(true, /*warn_only=*/true);
  EXPECT_TRUE(is_deterministic_algorithms_warn_only_enabled());
  detail::alert_not_deterministic("some_kernel");
  ASSERT_EQ(warned.size(), 1u);
  EXPECT_NE(warned[0].find("some_kernel: the CUDA kernel adds with atomics"), std::string::npos);
  use_deterministic_algorithms(false, /*warn_only=*/true);  // warn_only means nothing when off
  EXPECT_FALSE(is_deterministic_algorithms_warn_only_enabled());
  detail::alert_not_deterministic("some_kernel");
  EXPECT_EQ(warned.size(), 1u);

  EXPECT_FALSE(cuda::cudnn_deterministic());
  cuda::set_cudnn_deterministic(true);
  EXPECT_TRUE(cuda::cudnn_deterministic());
}

TEST(Deterministic, CpuOpsRunAndRepeatExactly) {
  DeterministicReset reset;
  use_deterministic_algorithms(true);
  Generator gen(3);
  const Tensor x = randn({2, 3, 8, 8}, gen, kFloat64);
  const Tensor idx = randint(0, 4, {3, 5}, gen, kInt64);
  const Tensor src = randn({3, 5}, gen, kFloat64);
  auto run = [&] {
    Tensor a = x.detach().requires_grad_(true);
    Tensor y = nn::functional::max_pool2d(a, {.kernel_size = 3, .stride = nn::Size2(2), .padding = 1});
    y = nn::functional::interpolate(y, {.size = std::vector<int64_t>{6, 6}, .mode = "bilinear"});
    (y * y).sum().backward();
    return std::vector<Tensor>{a.grad(), zeros({3, 4}, kFloat64).scatter_add(1, idx, src),
                               zeros({4}, kFloat64).index_put({idx.flatten()}, src.flatten(), /*accumulate=*/true)};
  };
  const auto first = run(), second = run();
  for (size_t i = 0; i < first.size(); ++i) EXPECT_TRUE(equal(first[i], second[i])) << i;
}
