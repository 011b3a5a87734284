#pragma once
// Shared helpers for the test suite: value comparison with readable failures, error-message
// checks, and random inputs on the domains the op tables name.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include <tapegrad/tapegrad.h>

namespace tgtest {

// Values of t as doubles (row-major).
inline std::vector<double> vals(const tg::Tensor& t) { return t.to_vector<double>(); }

// Element by element within atol + rtol |expected|; complex tensors part by part, of one dtype.
inline ::testing::AssertionResult close(const tg::Tensor& actual, const tg::Tensor& expected, double rtol = 1e-5,
                                        double atol = 1e-6) {
  if (actual.is_complex() || expected.is_complex()) {
    if (actual.dtype() != expected.dtype())
      return ::testing::AssertionFailure()
             << "dtype " << tg::name(actual.dtype()) << " != expected " << tg::name(expected.dtype());
    return close(tg::view_as_real(actual), tg::view_as_real(expected), rtol, atol);
  }
  if (!(actual.sizes() == expected.sizes()))
    return ::testing::AssertionFailure() << "shape " << actual.sizes().str() << " != expected "
                                         << expected.sizes().str();
  const auto a = vals(actual), e = vals(expected);
  for (size_t i = 0; i < a.size(); ++i) {
    const bool both_nan = std::isnan(a[i]) && std::isnan(e[i]);
    const bool same_inf = std::isinf(a[i]) && a[i] == e[i];
    if (!(both_nan || same_inf || std::fabs(a[i] - e[i]) <= atol + rtol * std::fabs(e[i])))
      return ::testing::AssertionFailure() << "element " << i << ": " << a[i] << " != expected " << e[i]
                                           << "\nactual:   " << actual.str() << "\nexpected: " << expected.str();
  }
  return ::testing::AssertionSuccess();
}

// A float64 leaf that requires grad.
inline tg::Tensor leaf(std::vector<double> values) { return tg::tensor(values, tg::kFloat64).requires_grad_(true); }

// A float64 tensor with these values and shape.
inline tg::Tensor t64(std::vector<double> values, tg::Shape shape) {
  return tg::tensor(values).view(shape);
}

// Inputs for gradcheck and value tests, on the domains named in the op tables.
// clang-format off
enum Domain {
  kAnyValue, kPositive, kAwayFromZero, kUnitInterval, kAwayFromInts, kProbability, kAboveOne, kDegree, kNoGradcheck
};
// clang-format on

inline tg::Tensor sample(tg::Generator& gen, const tg::Shape& shape, Domain domain, tg::DType dtype = tg::kFloat64) {
  using namespace tg;
  Tensor u = rand(shape, gen, TensorOptions(kFloat64));
  Tensor r;
  switch (domain) {
    case kPositive: r = u * 2.0 + 0.2; break;                                 // (0.2, 2.2)
    case kAwayFromZero: r = where(rand(shape, gen, kFloat64) > 0.5, u + 0.3, -(u + 0.3)); break;
    case kUnitInterval: r = u * 1.6 - 0.8; break;                             // (-0.8, 0.8)
    case kAwayFromInts: r = floor(u * 6.0 - 3.0) + 0.2 + u * 0.6; break;     // k + (0.2, 0.8)
    case kProbability: r = u * 0.8 + 0.1; break;                              // (0.1, 0.9)
    case kAboveOne: r = u * 3.0 + 1.5; break;                                 // (1.5, 4.5)
    case kDegree: r = floor(u * 7.0); break;                                  // 0, 1, ..., 6 (a degree)
    default: r = u * 4.0 - 2.0; break;                                        // (-2, 2)
  }
  return r.to(dtype);
}

// Standard normal real and imaginary parts (complex128, or complex64 rounded from them).
inline tg::Tensor crandn(const tg::Shape& shape, tg::Generator& gen, tg::DType dtype = tg::kComplex128) {
  return tg::complex(tg::randn(shape, gen, tg::kFloat64), tg::randn(shape, gen, tg::kFloat64)).to(dtype);
}

// Whether the library was built with LAPACK (the CPU's tg::linalg factorizations).
inline bool has_lapack() {
  try {
    (void)tg::linalg::det(tg::eye(1, tg::kFloat64));
    return true;
  } catch (const tg::Error&) {
    return false;
  }
}

}  // namespace tgtest

#define TG_REQUIRE_LAPACK() \
  if (!tgtest::has_lapack()) GTEST_SKIP() << "built without LAPACK (liblapacke-dev): no CPU factorizations"

// Expects `stmt` to throw exception type `type` whose message contains `substring`.
#define EXPECT_THROW_WITH(stmt, type, substring)                                                 \
  do {                                                                                           \
    bool tg_thrown = false;                                                                      \
    try {                                                                                        \
      stmt;                                                                                      \
    } catch (const type& e) {                                                                    \
      tg_thrown = true;                                                                          \
      EXPECT_NE(std::string(e.what()).find(substring), std::string::npos)                        \
          << "message: " << e.what() << "\nexpected to contain: " << substring;                  \
    }                                                                                            \
    EXPECT_TRUE(tg_thrown) << "expected " #type " from: " #stmt;                                 \
  } while (0)
