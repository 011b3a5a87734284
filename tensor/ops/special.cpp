// The gamma-function family composed of tensor ops (polygamma, mvlgamma), entr, round to
// decimals, and tg::special's names for tg's own ops (the kernels of tg::special's own are the
// table-driven ones in elementwise.cpp).
#include <cmath>

#include "tapegrad/tensor/factories.h"
#include "tapegrad/tensor/ops.h"
#include "tensor/ops/common.h"
#include "tensor/ops/internal.h"

namespace tg {

namespace {

// polygamma(1, x), the trigamma function, in about forty passes (the general series below needs
// more terms the lower its smallest input, and pow in each). Below 1/2 the reflection
// psi_1(x) = pi^2 / sin^2(pi x) - psi_1(1 - x) moves the series' start to y >= 1/2, so seven terms
// 1 / (y + k)^2 reach z = y + 7 >= 7.5, where ten terms of the asymptotic series
// 1/z + 1/(2 z^2) + sum_j B_2j / z^(2j + 1) leave an error under 1e-16 relative. sin^2(pi x) is
// taken at x - round(x) (exact), so large negative inputs keep their precision. 16-bit inputs
// are computed in float32.
Tensor trigamma(const Tensor& input) {
  const Tensor x = input.dtype() == kFloat16 || input.dtype() == kBFloat16 ? input.to(kFloat32) : input;
  const Tensor reflect = lt(x, 0.5);
  const Tensor y = where(reflect, 1.0 - x, x);
  Tensor sum = reciprocal(y * y);
  for (int k = 1; k < 7; ++k) {
    const Tensor t = y + static_cast<double>(k);
    sum = sum.addcdiv(reciprocal(t), t);
  }
  const Tensor iz = reciprocal(y + 7.0), w = iz * iz;
  constexpr double kBernoulli[] = {1.0 / 6,       -1.0 / 30, 1.0 / 42,        -1.0 / 30,     5.0 / 66,
                                   -691.0 / 2730, 7.0 / 6,   -3617.0 / 510.0, 43867.0 / 798, -174611.0 / 330};
  Tensor series = w * kBernoulli[9] + kBernoulli[8];
  for (int j = 7; j >= 0; --j) series = series * w + kBernoulli[j];
  const Tensor psi = sum + iz * (1.0 + iz * (0.5 + iz * series));
  // The reflected term where it is chosen; elsewhere a harmless point (its gradient is zeroed by
  // the where, and must not be inf times zero).
  const Tensor xr = where(reflect, x, 0.25);
  const Tensor s = sin((xr - round(xr)) * M_PI);
  const Tensor out = where(reflect, (M_PI * M_PI) / (s * s) - psi, psi);
  return x.dtype() == input.dtype() ? out : out.to(input.dtype());
}

}  // namespace

// polygamma of order n >= 1, composed of tensor ops (so that its own derivatives, digamma's second
// and higher ones, come from autograd). n = 1 above; otherwise n! times the series sum over k of
// (x + k)^-(n + 1), its first terms summed until x + K >= 10 and the rest by Euler-Maclaurin
// (Hurwitz zeta's asymptotic series), as Cephes' zeta sums before its tail.
Tensor polygamma(int64_t n, const Tensor& self, SourceLoc loc) {
  const char* name = "polygamma";
  detail::ApiScope scope(name, loc);
  ops::check_defined(name, self, "input");
  TG_CHECK_VALUE(n >= 0, "{}: the order n must be non-negative, got {}", name, n);
  TG_CHECK_VALUE(n <= 170, "{}: the order n ({}) is past the largest n! a float64 holds", name, n);
  if (n == 0) return digamma(self);
  if (n == 1) return trigamma(ops::as_floating(self));
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

Tensor mvlgamma(const Tensor& self, int64_t p, SourceLoc loc) {
  const char* name = "mvlgamma";
  detail::ApiScope scope(name, loc);
  ops::check_defined(name, self, "input");
  TG_CHECK_VALUE(p >= 1, "{}: p must be at least 1, got {}", name, p);
  const Tensor x = ops::as_floating(self);
  // PyTorch refuses the inputs where a term's argument would be at or below 0.
  const double lowest = x.numel() > 0 ? amin(x.detach()).item<double>() : INFINITY;
  TG_CHECK_VALUE(!(lowest <= (static_cast<double>(p) - 1) / 2),
                 "{}: all elements must be greater than (p-1)/2 = {}, got {}", name, (static_cast<double>(p) - 1) / 2,
                 lowest);
  // The p terms as one broadcast lgamma over a trailing dim of offsets 0, 1/2, ..., (p-1)/2.
  const Tensor offsets = arange(0.0, static_cast<double>(p), 1.0, TensorOptions(x.dtype()).device(x.device())) * 0.5;
  const Tensor terms = lgamma(x.unsqueeze(-1) - offsets);
  const double constant = std::log(3.14159265358979323846) * static_cast<double>(p) * static_cast<double>(p - 1) / 4;
  return sum(terms, {-1}) + constant;
}

Tensor round(const Tensor& self, int64_t decimals, SourceLoc loc) {
  const char* name = "round";
  detail::ApiScope scope(name, loc);
  ops::check_defined(name, self, "input");
  if (decimals == 0) return round(self);
  TG_CHECK_TYPE(self.is_floating_point(), "{}: decimals needs a floating-point tensor, got {}", name, self.dtype());
  // 16-bit floats scale in float32, as PyTorch's (scaled in their own type, -0.95 * 10 is -9.5 and
  // rounds to -10).
  if (self.dtype() == kFloat16 || self.dtype() == kBFloat16) return round(self.to(kFloat32), decimals).to(self.dtype());
  // As PyTorch: scale by 10^|decimals| (multiplying for positive decimals, dividing for negative).
  const double scale = std::pow(10.0, static_cast<double>(decimals < 0 ? -decimals : decimals));
  return decimals > 0 ? round(self * scale) / scale : round(self / scale) * scale;
}

Tensor igamma(const Tensor& self, const Tensor& other, SourceLoc loc) {
  detail::ApiScope scope("igamma", loc);
  return special::gammainc(self, other);
}

Tensor igammac(const Tensor& self, const Tensor& other, SourceLoc loc) {
  detail::ApiScope scope("igammac", loc);
  return special::gammaincc(self, other);
}

namespace special {

Tensor entr(const Tensor& self, SourceLoc loc) {
  const char* name = "special.entr";
  detail::ApiScope scope(name, loc);
  ops::check_defined(name, self, "input");
  const Tensor x = ops::as_floating(self);
  // log of 1 where x <= 0, so that neither branch's gradient is a NaN times 0.
  const Tensor positive = x > 0, safe = where(positive, x, 1.0);
  const Tensor outside = where(x == 0, 0.0, where(x < 0, -INFINITY, x));  // NaN stays NaN
  return where(positive, -safe * log(safe), outside.detach());
}

Tensor multigammaln(const Tensor& self, int64_t p, SourceLoc loc) { return mvlgamma(self, p, loc); }

// torch.special's other names (the source location passes through to the op's error).
Tensor digamma(const Tensor& self, SourceLoc loc) { return tg::digamma(self, loc); }
Tensor psi(const Tensor& self, SourceLoc loc) { return tg::digamma(self, loc); }
Tensor polygamma(int64_t n, const Tensor& self, SourceLoc loc) { return tg::polygamma(n, self, loc); }
Tensor gammaln(const Tensor& self, SourceLoc loc) { return tg::lgamma(self, loc); }
Tensor erf(const Tensor& self, SourceLoc loc) { return tg::erf(self, loc); }
Tensor erfc(const Tensor& self, SourceLoc loc) { return tg::erfc(self, loc); }
Tensor erfinv(const Tensor& self, SourceLoc loc) { return tg::erfinv(self, loc); }
Tensor exp2(const Tensor& self, SourceLoc loc) { return tg::exp2(self, loc); }
Tensor expm1(const Tensor& self, SourceLoc loc) { return tg::expm1(self, loc); }
Tensor expit(const Tensor& self, SourceLoc loc) { return tg::sigmoid(self, loc); }
Tensor log1p(const Tensor& self, SourceLoc loc) { return tg::log1p(self, loc); }
Tensor logit(const Tensor& self, std::optional<double> eps, SourceLoc loc) { return tg::logit(self, eps, loc); }
Tensor i0(const Tensor& self, SourceLoc loc) { return tg::i0(self, loc); }
Tensor i0e(const Tensor& self, SourceLoc loc) { return tg::i0e(self, loc); }
Tensor i1(const Tensor& self, SourceLoc loc) { return tg::i1(self, loc); }
Tensor i1e(const Tensor& self, SourceLoc loc) { return tg::i1e(self, loc); }
Tensor modified_bessel_i0(const Tensor& self, SourceLoc loc) { return tg::i0(self, loc); }
Tensor modified_bessel_i1(const Tensor& self, SourceLoc loc) { return tg::i1(self, loc); }
Tensor sinc(const Tensor& self, SourceLoc loc) { return tg::sinc(self, loc); }
Tensor round(const Tensor& self, int64_t decimals, SourceLoc loc) { return tg::round(self, decimals, loc); }
Tensor xlogy(const Tensor& self, const Tensor& other, SourceLoc loc) { return tg::xlogy(self, other, loc); }
Tensor xlog1py(const Tensor& self, const Tensor& other, SourceLoc loc) { return tg::xlog1py(self, other, loc); }
Tensor softmax(const Tensor& self, int64_t dim, std::optional<DType> dtype, SourceLoc loc) {
  return tg::softmax(self, dim, dtype, loc);
}
Tensor log_softmax(const Tensor& self, int64_t dim, std::optional<DType> dtype, SourceLoc loc) {
  return tg::log_softmax(self, dim, dtype, loc);
}
Tensor logsumexp(const Tensor& self, const Shape& dims, bool keepdim, SourceLoc loc) {
  return tg::logsumexp(self, dims, keepdim, loc);
}

}  // namespace special

}  // namespace tg
