#include <cstdio>

#include <tapegrad/tapegrad.h>

int main() {
  tg::Tensor w = tg::tensor({1.0, 2.0}, tg::kFloat64).requires_grad_(true);
  (w * w).sum().backward();
  const bool ok = tg::allclose(w.grad(), tg::tensor({2.0, 4.0}, tg::kFloat64));
  std::printf("find_package(tapegrad) consumer: %s\n", ok ? "ok" : "wrong gradient");
  return ok ? 0 : 1;
}
