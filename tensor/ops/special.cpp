// polygamma of order n >= 1, composed of tensor ops (so that its own derivatives, digamma's second
// and higher ones, come from autograd): n! times the series sum over k of (x + k)^-(n + 1), its
// first terms summed until x + K >= 10 and the rest by Euler-Maclaurin (Hurwitz zeta's
// asymptotic series), as Cephes' zeta sums before its tail.
#include <cmath>

#include "tapegrad/tensor/factories.h"
#include "tapegrad/tensor/ops.h"
#include "tensor/ops/common.h"
#include "tensor/ops/internal.h"

namespace tg {

Tensor polygamma(int64_t n, const Tensor& self, SourceLoc loc) {
  const char* name = "polygamma";
  detail::ApiScope scope(name, loc);
  ops::check_defined(name, self, "input");
  TG_CHECK_VALUE(n >= 0, "{}: the order n must be non-negative, got {}", name, n);
  TG_CHECK_VALUE(n <= 170, "{}: the order n ({}) is past the largest n! a float64 holds", name, n);
  if (n == 0) return digamma(self);
  const Tensor x = ops::as_floating(self);
  // Terms up to x + K >= 10 for the smallest x: the tail's series converges from there.
  const double lowest = x.numel() > 0 ? amin(x.detach()).item<double>() : 0.0;
  TG_CHECK_VALUE(std::isnan(lowest) || lowest > -1e6, "{}: inputs below -1e6 (here {}) are not supported", name,
                 lowest);
  const int64_t terms = std::isnan(lowest) ? 10 : std::max<int64_t>(10, static_cast<int64_t>(std::ceil(10 - lowest)));
  const auto s = static_cast<double>(n + 1);
  Tensor sum = pow(x, -s);
  for (int64_t k = 1; k < terms; ++k) sum = sum + pow(x + static_cast<double>(k), -s);
  // zeta(n + 1, z) ~ z^-n / n + z^-(n + 1) / 2 + sum_j B_2j / (2j)! (n + 1)...(n + 2j - 1) z^-(n + 2j)
  const Tensor z = x + static_cast<double>(terms);
  constexpr double kBernoulli[] = {1.0 / 6, -1.0 / 30, 1.0 / 42, -1.0 / 30, 5.0 / 66, -691.0 / 2730, 7.0 / 6};
  const auto nd = static_cast<double>(n);
  Tensor tail = pow(z, -nd) / nd + 0.5 * pow(z, -s);
  double rising = 1, factorial = 1;  // (n + 1)...(n + 2j - 1) and (2j)!
  for (int j = 1; j <= 7; ++j) {
    rising *= j == 1 ? nd + 1 : (nd + 2 * j - 2) * (nd + 2 * j - 1);
    factorial *= (2.0 * j - 1) * (2.0 * j);
    tail = tail + (kBernoulli[j - 1] * rising / factorial) * pow(z, -(nd + 2 * j));
  }
  double n_factorial = 1;
  for (int64_t i = 2; i <= n; ++i) n_factorial *= static_cast<double>(i);
  return (sum + tail) * ((n % 2 == 1 ? 1.0 : -1.0) * n_factorial);
}

}  // namespace tg
