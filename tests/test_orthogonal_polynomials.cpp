// tg::special's orthogonal polynomials: values against their explicit sums and closed forms (in
// long double), the degrees past the recurrences, edge values, overflow, dtypes, the gradient's
// limits and errors. Gradients against finite differences are in test_gradcheck_ops.cpp.
#include <cmath>
#include <functional>

#include "test_util.h"

using namespace tg;
using tgtest::close;
using tgtest::vals;

namespace {

using Ld = long double;

Ld factorial(int n) {
  Ld f = 1;
  for (int i = 2; i <= n; ++i) f *= i;
  return f;
}
Ld binomial(int n, int k) { return factorial(n) / (factorial(k) * factorial(n - k)); }

// The explicit sums (Abramowitz and Stegun 22.3).
Ld chebyshev_u(Ld x, int n) {
  if (n < 0) return 0;
  Ld s = 0;
  for (int k = 0; 2 * k <= n; ++k) s += (k % 2 ? -1 : 1) * binomial(n - k, k) * std::pow(2 * x, n - 2 * k);
  return s;
}
Ld chebyshev_t(Ld x, int n) { return n == 0 ? 1 : (chebyshev_u(x, n) - chebyshev_u(x, n - 2)) / 2; }
Ld hermite_h(Ld x, int n) {
  Ld s = 0;
  for (int m = 0; 2 * m <= n; ++m)
    s += (m % 2 ? -1 : 1) * std::pow(2 * x, n - 2 * m) / (factorial(m) * factorial(n - 2 * m));
  return factorial(n) * s;
}
Ld hermite_he(Ld x, int n) {
  Ld s = 0;
  for (int m = 0; 2 * m <= n; ++m)
    s += (m % 2 ? -1 : 1) * std::pow(x, n - 2 * m) / (factorial(m) * factorial(n - 2 * m) * std::pow(2.0L, m));
  return factorial(n) * s;
}
Ld laguerre_l(Ld x, int n) {
  Ld s = 0;
  for (int k = 0; k <= n; ++k) s += (k % 2 ? -1 : 1) * binomial(n, k) * std::pow(x, k) / factorial(k);
  return s;
}
Ld legendre_p(Ld x, int n) {
  Ld s = 0;
  for (int k = 0; k <= n; ++k) s += binomial(n, k) * binomial(n, k) * std::pow(x - 1, n - k) * std::pow(x + 1, k);
  return s / std::pow(2.0L, n);
}

struct Family {
  const char* name;
  std::function<Tensor(const Tensor&, const Tensor&)> fn;
  std::function<Ld(Ld, int)> ref;
};

std::vector<Family> families() {
  using T = const Tensor&;
  return {
      {"T", [](T x, T n) { return special::chebyshev_polynomial_t(x, n); }, chebyshev_t},
      {"U", [](T x, T n) { return special::chebyshev_polynomial_u(x, n); }, chebyshev_u},
      {"V", [](T x, T n) { return special::chebyshev_polynomial_v(x, n); },
       [](Ld x, int n) { return chebyshev_u(x, n) - chebyshev_u(x, n - 1); }},
      {"W", [](T x, T n) { return special::chebyshev_polynomial_w(x, n); },
       [](Ld x, int n) { return chebyshev_u(x, n) + chebyshev_u(x, n - 1); }},
      {"T*", [](T x, T n) { return special::shifted_chebyshev_polynomial_t(x, n); },
       [](Ld x, int n) { return chebyshev_t(2 * x - 1, n); }},
      {"U*", [](T x, T n) { return special::shifted_chebyshev_polynomial_u(x, n); },
       [](Ld x, int n) { return chebyshev_u(2 * x - 1, n); }},
      {"V*", [](T x, T n) { return special::shifted_chebyshev_polynomial_v(x, n); },
       [](Ld x, int n) { return chebyshev_u(2 * x - 1, n) - chebyshev_u(2 * x - 1, n - 1); }},
      {"W*", [](T x, T n) { return special::shifted_chebyshev_polynomial_w(x, n); },
       [](Ld x, int n) { return chebyshev_u(2 * x - 1, n) + chebyshev_u(2 * x - 1, n - 1); }},
      {"H", [](T x, T n) { return special::hermite_polynomial_h(x, n); }, hermite_h},
      {"He", [](T x, T n) { return special::hermite_polynomial_he(x, n); }, hermite_he},
      {"L", [](T x, T n) { return special::laguerre_polynomial_l(x, n); }, laguerre_l},
      {"P", [](T x, T n) { return special::legendre_polynomial_p(x, n); }, legendre_p},
  };
}

}  // namespace

TEST(OrthogonalPolynomials, MatchTheirExplicitSums) {
  const std::vector<double> xs = {-3.5, -1.0, -0.999, -0.6, -0.1, 0.0, 0.25, 0.5, 0.9, 1.0, 1.001, 2.0, 7.25};
  for (const Family& f : families()) {
    SCOPED_TRACE(f.name);
    for (int n = 0; n <= 12; ++n) {
      std::vector<double> expected;
      for (double x : xs) expected.push_back(static_cast<double>(f.ref(x, n)));
      // Relative, and absolute near the zeros (the sums cancel there in long double too).
      const double scale = std::abs(static_cast<double>(f.ref(7.25, n))) + 1;
      EXPECT_TRUE(
          close(f.fn(tensor(xs, kFloat64), full({1}, n, kFloat64)), tensor(expected, kFloat64), 1e-13, 3e-16 * scale))
          << "n = " << n;
    }
  }
}

TEST(OrthogonalPolynomials, DegreesPastTheRecurrence) {
  // Above degree 1024 the Chebyshev kinds take their closed forms: they continue the recurrence
  // (p_1025 = 2x p_1024 - p_1023), and match the trigonometric and hyperbolic forms.
  const Tensor x = tensor({-1.02, -0.7, -0.05, 0.3, 0.999, 1.0003}, kFloat64);
  for (const Family& f : families()) {
    if (std::string("TUVW").find(f.name) == std::string::npos) continue;
    SCOPED_TRACE(f.name);
    const Tensor next = 2 * x * f.fn(x, full({1}, 1024, kFloat64)) - f.fn(x, full({1}, 1023, kFloat64));
    EXPECT_TRUE(close(f.fn(x, full({1}, 1025, kFloat64)), next, 1e-10, 1e-10));
  }
  const double t = std::acos(0.3L), h = std::acosh(1.0003L);
  EXPECT_TRUE(close(special::chebyshev_polynomial_t(tensor({0.3, 1.0003}, kFloat64), 5000),
                    tensor({std::cos(5000 * t), std::cosh(5000 * h)}, kFloat64), 1e-11, 1e-12));
  EXPECT_TRUE(close(special::chebyshev_polynomial_u(tensor({0.3, -1.0003}, kFloat64), 5000),
                    tensor({std::sin(5001 * t) / std::sin(t), std::sinh(5001 * h) / std::sinh(h)}, kFloat64), 1e-11,
                    1e-12));
  // Legendre's at degree 3000 stays bounded by 1 on [-1, 1] (the recurrence is stable).
  const Tensor p = special::legendre_polynomial_p(tensor({-0.9, 0.0, 0.5}, kFloat64), 3000);
  EXPECT_TRUE(all(le(abs(p), 1.0)).item<bool>());
  EXPECT_NEAR(vals(p)[1], 0.014566, 1e-6);  // P_3000(0) = (-1)^1500 C(3000, 1500) / 2^3000
}

TEST(OrthogonalPolynomials, EdgeValuesAndOverflow) {
  const double nan = NAN, inf = INFINITY;
  const Tensor x = tensor({0.5, -2.0}, kFloat64);
  for (const Family& f : families()) {
    SCOPED_TRACE(f.name);
    // Negative degrees give 0, NaN degrees NaN, and degrees are truncated (2.7 is 2).
    EXPECT_TRUE(close(f.fn(x, full({1}, -1, kFloat64)), zeros({2}, kFloat64), 0, 0));
    EXPECT_TRUE(close(f.fn(x, full({1}, -3.5, kFloat64)), zeros({2}, kFloat64), 0, 0));
    EXPECT_TRUE(all(isnan(f.fn(x, full({1}, nan, kFloat64)))).item<bool>());
    // +inf too (Hermite's, Laguerre's and Legendre's recurrences never ended); -inf is negative.
    EXPECT_TRUE(all(isnan(f.fn(x, full({1}, inf, kFloat64)))).item<bool>());
    EXPECT_TRUE(close(f.fn(x, full({1}, -inf, kFloat64)), zeros({2}, kFloat64), 0, 0));
    EXPECT_TRUE(all(isnan(f.fn(full({1}, nan, kFloat64), full({1}, 3, kFloat64)))).item<bool>());
    EXPECT_TRUE(close(f.fn(x, full({1}, 2.7, kFloat64)), f.fn(x, full({1}, 2, kFloat64)), 0, 0));
    // Truncated before the sign test, as PyTorch: -0.3 is degree 0.
    EXPECT_TRUE(close(f.fn(x, full({1}, -0.3, kFloat64)), ones({2}, kFloat64), 0, 0));
  }
  // Exact at the ends of [-1, 1] (P_1(-1) = -1, V_3(-1) = -7, W_3(1) = 7), also past degree 1024.
  const Tensor ends = tensor({-1.0, 1.0}, kFloat64);
  EXPECT_EQ(vals(special::legendre_polynomial_p(ends, 1)), (std::vector<double>{-1, 1}));
  EXPECT_EQ(vals(special::chebyshev_polynomial_v(ends, 3)), (std::vector<double>{-7, 1}));
  EXPECT_EQ(vals(special::chebyshev_polynomial_w(ends, 3)), (std::vector<double>{-1, 7}));
  EXPECT_EQ(vals(special::chebyshev_polynomial_u(ends, 2001)), (std::vector<double>{-2002, 2002}));
  EXPECT_EQ(vals(special::shifted_chebyshev_polynomial_t(tensor({0.0, 1.0}, kFloat64), 3)),
            (std::vector<double>{-1, 1}));
  // Past the largest double the result is the infinity of the right sign, not inf - inf = NaN.
  EXPECT_EQ(vals(special::laguerre_polynomial_l(tensor({1e200}, kFloat64), tensor({3.0, 4.0}, kFloat64))),
            (std::vector<double>{-inf, inf}));
  EXPECT_EQ(vals(special::hermite_polynomial_he(tensor({-100.0}, kFloat64), tensor({400.0, 401.0}, kFloat64))),
            (std::vector<double>{inf, -inf}));
  EXPECT_EQ(vals(special::chebyshev_polynomial_t(tensor({-1e200}, kFloat64), tensor({4.0, 5.0}, kFloat64))),
            (std::vector<double>{inf, -inf}));
}

TEST(OrthogonalPolynomials, DTypesNumbersAndBroadcasting) {
  // float32 in, float32 out (computed in double); integer degrees and integer x in the default dtype.
  const Tensor xf = tensor({0.25f, -1.5f, 3.0f});
  const Tensor r = special::hermite_polynomial_h(xf, 5);
  EXPECT_EQ(r.dtype(), kFloat32);
  EXPECT_TRUE(close(r, special::hermite_polynomial_h(xf.to(kFloat64), 5.0).to(kFloat32), 0, 0));
  const Tensor ni = tensor(std::vector<int64_t>{0, 1, 2, 3});
  EXPECT_EQ(special::legendre_polynomial_p(ni, ni).dtype(), default_dtype());
  EXPECT_EQ(vals(special::legendre_polynomial_p(0.5, ni)), (std::vector<double>{1, 0.5, -0.125, -0.4375}));
  // x as a column, degrees as a row.
  const Tensor grid =
      special::chebyshev_polynomial_t(tensor({0.5, 2.0}, kFloat64).view({2, 1}), tensor({0.0, 1.0, 2.0}, kFloat64));
  EXPECT_EQ(grid.sizes(), (Shape{2, 3}));
  EXPECT_EQ(vals(grid), (std::vector<double>{1, 0.5, -0.5, 1, 2, 7}));
  // Transposed x.
  const Tensor m = tensor({0.1, 0.2, 0.3, 0.4, 0.5, 0.6}, kFloat64).view({2, 3});
  EXPECT_TRUE(
      close(special::laguerre_polynomial_l(m.t(), 4), special::laguerre_polynomial_l(m.t().contiguous(), 4), 0, 0));
}

TEST(OrthogonalPolynomials, GradientsAtTheirLimits) {
  // U', P' and L' at the points where their identities divide by zero take the limits:
  // U_n'(1) = n (n + 1) (n + 2) / 3, U_n'(-1) = (-1)^(n+1) of it, P_n'(+-1) = (+-1)^(n+1) n (n + 1) / 2,
  // L_n'(0) = -n; the shifted kinds at 0 and 1.
  const auto grad_at = [](Tensor (*f)(const Tensor&, const Scalar&, SourceLoc), std::vector<double> x, double n) {
    Tensor leaf = tgtest::leaf(x);
    f(leaf, n, SourceLoc::current()).sum().backward();
    return vals(leaf.grad());
  };
  EXPECT_EQ(grad_at(special::chebyshev_polynomial_u, {1.0, -1.0}, 3), (std::vector<double>{20, 20}));
  EXPECT_EQ(grad_at(special::chebyshev_polynomial_u, {1.0, -1.0}, 2), (std::vector<double>{8, -8}));
  EXPECT_EQ(grad_at(special::legendre_polynomial_p, {1.0, -1.0}, 4), (std::vector<double>{10, -10}));
  EXPECT_EQ(grad_at(special::laguerre_polynomial_l, {0.0}, 5), (std::vector<double>{-5}));
  // V_2 = 4x^2 - 2x - 1, W_2 = 4x^2 + 2x - 1: V_2'(1) = 6, W_2'(-1) = -6.
  EXPECT_EQ(grad_at(special::chebyshev_polynomial_v, {1.0}, 2), (std::vector<double>{6}));
  EXPECT_EQ(grad_at(special::chebyshev_polynomial_w, {-1.0}, 2), (std::vector<double>{-6}));
  // U*_2(x) = U_2(2x - 1): 2 U_2'(+-1) = +-16 at x = 1 and 0.
  EXPECT_EQ(grad_at(special::shifted_chebyshev_polynomial_u, {1.0, 0.0}, 2), (std::vector<double>{16, -16}));
  // Near the limits the identities agree with them (to the digits cancellation leaves).
  const std::vector<double> near = grad_at(special::chebyshev_polynomial_u, {1 - 1e-7}, 3);
  EXPECT_NEAR(near[0], 20, 1e-4);
  // Negative degrees: 0 everywhere, limits included.
  EXPECT_EQ(grad_at(special::legendre_polynomial_p, {1.0, 0.5}, -3), (std::vector<double>{0, 0}));
  EXPECT_EQ(grad_at(special::laguerre_polynomial_l, {0.0, 0.5}, -2), (std::vector<double>{0, 0}));
}

TEST(OrthogonalPolynomials, Errors) {
  EXPECT_THROW_WITH(special::chebyshev_polynomial_t(ones({2}), ones({3})), Error, "special.chebyshev_polynomial_t");
  EXPECT_THROW_WITH(special::hermite_polynomial_h(Tensor(), ones({3})), Error, "special.hermite_polynomial_h");
  // Like PyTorch, the degree has no derivative.
  Tensor x = tgtest::leaf({0.5}), n = tgtest::leaf({2.0});
  EXPECT_THROW_WITH(special::legendre_polynomial_p(x, n).sum().backward(), Error,
                    "legendre_polynomial_p: the derivative with respect to 'n'");
}
