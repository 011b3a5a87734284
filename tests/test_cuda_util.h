#pragma once
// Helpers of the GPU tests: the skip without a device, the tolerance each dtype is held to, and
// the check that an op gives on the GPU what it gives on the CPU.
#include <tapegrad/cuda.h>

#include <functional>
#include <vector>

#include "test_util.h"

#define TG_REQUIRE_CUDA() \
  if (!::tg::cuda::is_available()) GTEST_SKIP() << "no CUDA device: this test needs a GPU"

namespace tgtest {

// The tolerance a dtype's results are held to against the CPU's.
inline double rtol_for(tg::DType dt) {
  switch (dt) {
    case tg::kFloat16:
      return 2e-3;
    case tg::kBFloat16:
      return 1.6e-2;
    case tg::kFloat32:
    case tg::kComplex64:
      return 1e-5;
    default:
      return 1e-12;
  }
}

inline tg::Tensor on_gpu(const tg::Tensor& t) { return t.to(tg::Device::cuda()); }

// Runs f on CPU inputs and on the same inputs moved to the GPU; expects the same result.
inline void expect_same(const std::function<tg::Tensor(const std::vector<tg::Tensor>&)>& f,
                        const std::vector<tg::Tensor>& inputs, double rtol, double atol = 1e-6) {
  std::vector<tg::Tensor> gpu;
  for (const tg::Tensor& t : inputs) gpu.push_back(on_gpu(t));
  const tg::Tensor expected = f(inputs);
  const tg::Tensor actual = f(gpu);
  ASSERT_TRUE(actual.is_cuda());
  EXPECT_EQ(actual.dtype(), expected.dtype());
  EXPECT_TRUE(close(actual.cpu(), expected, rtol, atol));
}

}  // namespace tgtest
