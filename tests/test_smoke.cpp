#include <gtest/gtest.h>

#include <tapegrad/tapegrad.h>

TEST(Smoke, AddAndBackward) {
  tg::Tensor a = tg::tensor({1.0, 2.0, 3.0}).requires_grad_(true);
  tg::Tensor b = tg::tensor({4.0, 5.0, 6.0});
  tg::Tensor y = (a * b + a).sum();
  y.backward();
  EXPECT_EQ(a.grad().to_vector<float>(), (std::vector<float>{5, 6, 7}));
  EXPECT_NEAR(y.item<double>(), 1 * 4 + 2 * 5 + 3 * 6 + 6, 1e-6);
}
