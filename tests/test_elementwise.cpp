// Elementwise ops: every table entry against an independent float64 reference, on contiguous,
// transposed, sliced and broadcast inputs; promotion, in-place forms, integers, errors.
#include <cmath>
#include <cstdlib>
#include <functional>
#include <map>

#include "test_util.h"

using namespace tg;
using tgtest::close;
using tgtest::vals;

namespace {

// digamma from its asymptotic series past 30 (the library's kernel switches at 10).
double digamma_ref(double x) {
  double shift = 0;
  for (; x < 30; x += 1) shift -= 1 / x;
  const double z2 = 1 / (x * x);
  return shift + std::log(x) - 0.5 / x -
         z2 * (1.0 / 12 - z2 * (1.0 / 120 - z2 * (1.0 / 252 - z2 * (1.0 / 240 - z2 * (1.0 / 132)))));
}

// erf's inverse by bisection.
double erfinv_ref(double y) {
  double lo = -6, hi = 6;
  for (int i = 0; i < 200; ++i) {
    const double mid = (lo + hi) / 2;
    (std::erf(mid) < y ? lo : hi) = mid;
  }
  return (lo + hi) / 2;
}

const std::map<std::string, std::function<double(double)>>& unary_refs() {
  static const std::map<std::string, std::function<double(double)>> refs = {
      {"neg", [](double x) { return -x; }},
      {"abs", [](double x) { return std::fabs(x); }},
      {"sign", [](double x) { return static_cast<double>((x > 0) - (x < 0)); }},
      {"reciprocal", [](double x) { return 1 / x; }},
      {"sqrt", [](double x) { return std::sqrt(x); }},
      {"rsqrt", [](double x) { return 1 / std::sqrt(x); }},
      {"exp", [](double x) { return std::exp(x); }},
      {"exp2", [](double x) { return std::pow(2.0, x); }},
      {"log", [](double x) { return std::log(x); }},
      {"log2", [](double x) { return std::log(x) / std::log(2.0); }},
      {"log10", [](double x) { return std::log(x) / std::log(10.0); }},
      {"log1p", [](double x) { return std::log(1 + x); }},
      {"expm1", [](double x) { return std::exp(x) - 1; }},
      {"sin", [](double x) { return std::sin(x); }},
      {"cos", [](double x) { return std::cos(x); }},
      {"tan", [](double x) { return std::sin(x) / std::cos(x); }},
      {"asin", [](double x) { return std::asin(x); }},
      {"acos", [](double x) { return std::acos(x); }},
      {"atan", [](double x) { return std::atan(x); }},
      {"sinh", [](double x) { return (std::exp(x) - std::exp(-x)) / 2; }},
      {"cosh", [](double x) { return (std::exp(x) + std::exp(-x)) / 2; }},
      {"tanh", [](double x) { return (std::exp(2 * x) - 1) / (std::exp(2 * x) + 1); }},
      {"asinh", [](double x) { return std::log(x + std::sqrt(x * x + 1)); }},
      {"acosh", [](double x) { return std::log(x + std::sqrt(x * x - 1)); }},
      {"atanh", [](double x) { return 0.5 * std::log((1 + x) / (1 - x)); }},
      {"sigmoid", [](double x) { return 1 / (1 + std::exp(-x)); }},
      {"erf", [](double x) { return std::erf(x); }},
      {"erfc", [](double x) { return std::erfc(x); }},
      {"erfinv", erfinv_ref},
      {"lgamma", [](double x) { return std::lgamma(x); }},
      {"digamma", digamma_ref},
      {"i0", [](double x) { return std::cyl_bessel_i(0.0, std::fabs(x)); }},
      {"i0e", [](double x) { return std::exp(-std::fabs(x)) * std::cyl_bessel_i(0.0, std::fabs(x)); }},
      {"i1", [](double x) { return std::copysign(std::cyl_bessel_i(1.0, std::fabs(x)), x); }},
      {"i1e",
       [](double x) { return std::copysign(std::exp(-std::fabs(x)) * std::cyl_bessel_i(1.0, std::fabs(x)), x); }},
      {"relu", [](double x) { return x > 0 ? x : 0; }},
      {"floor", [](double x) { return std::floor(x); }},
      {"ceil", [](double x) { return std::ceil(x); }},
      {"round", [](double x) { return std::nearbyint(x); }},
      {"trunc", [](double x) { return std::trunc(x); }},
      {"frac", [](double x) { return x - std::trunc(x); }},
  };
  return refs;
}

struct UnaryCase {
  std::string name;
  std::function<Tensor(const Tensor&)> fn;
  std::function<const Tensor&(const Tensor&)> inplace;
  tgtest::Domain domain;
};

std::vector<UnaryCase> unary_cases() {
  return {
#define TG_UNARY_OP(name, Name, kind, domain, ...) \
  {#name, [](const Tensor& x) { return tg::name(x); }, [](const Tensor& x) -> const Tensor& { return tg::name##_(x); }, tgtest::domain},
#include "tapegrad/tensor/unary_ops.def"
#undef TG_UNARY_OP
  };
}

Tensor apply_ref(const Tensor& x, const std::function<double(double)>& f) {
  std::vector<double> v = vals(x);
  for (double& e : v) e = f(e);
  return tensor(v, kFloat64).view(x.sizes());
}

}  // namespace

TEST(Unary, EveryOpMatchesReferenceOnEveryLayout) {
  Generator gen(1);
  for (const UnaryCase& c : unary_cases()) {
    SCOPED_TRACE(c.name);
    ASSERT_TRUE(unary_refs().count(c.name)) << "no reference for " << c.name;
    const auto& ref = unary_refs().at(c.name);
    for (DType dt : {kFloat64, kFloat32}) {
      const double tol = dt == kFloat64 ? 1e-12 : 2e-6;
      Tensor base = tgtest::sample(gen, {6, 8}, c.domain == tgtest::kNoGradcheck ? tgtest::kAnyValue : c.domain, dt);
      const Tensor layouts[] = {base, base.t(), base.slice(1, 0, 8, 2), base.select(1, 3).unsqueeze(1).expand({6, 5})};
      for (const Tensor& x : layouts) {
        EXPECT_TRUE(close(c.fn(x), apply_ref(x, ref), tol, tol));
      }
      Tensor y = base.clone();
      const Tensor& r = c.inplace(y);
      EXPECT_TRUE(r.is_same(y));
      EXPECT_TRUE(close(y, apply_ref(base, ref), tol, tol));
    }
  }
}

TEST(Unary, FloatExpIsWithinAnUlpWhereverAnElementLands) {
  // A fine grid over the whole range (subnormal results and overflow included), and the edges.
  std::vector<float> xs;
  const int64_t steps = 1 << 20;
  for (int64_t k = 0; k <= steps; ++k) xs.push_back(static_cast<float>(-105.0 + 195.0 * k / steps));
  for (float v : {0.0f, -0.0f, 1e-8f, -1e-8f, 88.72f, 88.7228f, 88.7229f, 89.0f, -87.3f, -103.97f, -103.98f, -104.0f,
                  1e30f, -1e30f, 0.5f * 0.693147f, -0.5f * 0.693147f, 1e-45f})
    xs.push_back(v);
  const Tensor x = tensor(xs);
  const std::vector<double> y = vals(exp(x));
  // Our own exp with AVX-512; elsewhere libmvec's 8 lanes, 2 ulp off at the bottom of the normal
  // range, and more in the subnormals (exp(x + 40) e^-40 rounds twice).
  const bool own = __builtin_cpu_supports("avx512f") && std::getenv("TG_NO_AVX512") == nullptr;
  for (size_t i = 0; i < xs.size(); ++i) {
    const double exact = std::exp(static_cast<double>(xs[i]));
    const float f = static_cast<float>(exact);
    if (std::isinf(f)) {
      EXPECT_EQ(y[i], INFINITY) << xs[i];
      continue;
    }
    const double ulp = (own ? 1 : 4) * std::max(std::nextafter(std::fabs(f), INFINITY) - std::fabs(f), 1.4e-45f);
    ASSERT_LE(std::fabs(y[i] - exact), ulp) << "exp(" << xs[i] << ") = " << y[i] << ", exactly " << exact;
  }
  EXPECT_EQ(vals(exp(tensor({INFINITY, -INFINITY}))), (std::vector<double>{INFINITY, 0}));
  EXPECT_TRUE(std::isnan(exp(tensor({NAN})).item<float>()));
  // With AVX-512 (its tails in masked lanes): the same bits wherever an element lands in a run,
  // shifted by one to fifteen elements. (libmvec's 8 lanes leave their tails to libm's expf,
  // which may round the other way.)
  if (own) {
    for (int64_t shift = 1; shift < 16; ++shift) {
      const int64_t n = x.numel() - shift;
      EXPECT_TRUE(equal(exp(x.narrow(0, shift, n)), exp(x).narrow(0, shift, n))) << shift;
      EXPECT_TRUE(equal(sigmoid(x.narrow(0, shift, n)), sigmoid(x).narrow(0, shift, n))) << shift;
    }
  }
}

TEST(Unary, ReducedPrecisionFloats) {
  Tensor x = tensor({0.5, 1.0, 2.0}, kFloat64);
  for (DType dt : {kFloat16, kBFloat16}) {
    Tensor y = exp(x.to(dt));
    EXPECT_EQ(y.dtype(), dt);
    EXPECT_TRUE(close(y, exp(x), 1e-2, 1e-2));
  }
}

// The 16-bit floats run the float32 kernels on widened blocks (long rows: several blocks and a
// tail) or element by element (strided): either way the float32 result, rounded once.
TEST(Unary, ReducedPrecisionFloatsAreFloat32Rounded) {
  Generator gen(11);
  for (const UnaryCase& c : unary_cases()) {
    SCOPED_TRACE(c.name);
    for (DType dt : {kFloat16, kBFloat16}) {
      SCOPED_TRACE(name(dt));
      const double eps = dt == kFloat16 ? 1.0 / 1024 : 1.0 / 128;
      Tensor base =
          tgtest::sample(gen, {3, 1100}, c.domain == tgtest::kNoGradcheck ? tgtest::kAnyValue : c.domain, kFloat32)
              .to(dt);
      const Tensor layouts[] = {base, base.t(), base.slice(1, 0, 1100, 3),
                                base.select(1, 3).unsqueeze(1).expand({3, 9})};
      for (const Tensor& x : layouts) {
        const Tensor y = c.fn(x);
        EXPECT_EQ(y.dtype(), dt);
        EXPECT_TRUE(close(y, c.fn(x.to(kFloat32)).to(dt), eps, 1e-6));
      }
    }
  }
}

TEST(Unary, IntegerAndBoolInputs) {
  Tensor i = tensor({-3, 0, 4});
  EXPECT_EQ(abs(i).dtype(), kInt64);
  EXPECT_EQ(vals(abs(i)), (std::vector<double>{3, 0, 4}));
  EXPECT_EQ(vals(neg(i)), (std::vector<double>{3, 0, -4}));
  EXPECT_EQ(vals(sign(i)), (std::vector<double>{-1, 0, 1}));
  EXPECT_EQ(vals(relu(i)), (std::vector<double>{0, 0, 4}));
  EXPECT_EQ(sqrt(tensor({4})).dtype(), kFloat32);  // float ops promote integers
  EXPECT_EQ(vals(exp(tensor({false, true}))), (std::vector<double>{1, std::exp(1.0f)}));
  EXPECT_THROW_WITH(neg(tensor({true})), TypeError, "neg: not supported for bool tensors");
  // PyTorch's bool rules: a bool is its own sign, and squares in int64.
  const Tensor b = tensor({true, false});
  EXPECT_EQ(sign(b).dtype(), kBool);
  EXPECT_EQ(vals(sign(b)), (std::vector<double>{1, 0}));
  EXPECT_FALSE(sign(b).is_same(b));
  EXPECT_EQ(vals(b.clone().sign_()), vals(b));
  EXPECT_EQ(square(b).dtype(), kInt64);
  EXPECT_EQ(vals(square(b)), (std::vector<double>{1, 0}));
  EXPECT_THROW_WITH(i.clone().sqrt_(), TypeError, "sqrt_: the result type float32 can't be cast to the tensor's dtype int64");
  EXPECT_THROW_WITH(exp(Tensor()), Error, "exp: input is an undefined tensor");
}

TEST(Unary, ModifiedBesselFunctions) {
  // Both series (to 8 and past it), the symmetry, the overflow edge, and the special values.
  const Tensor x = tensor({0.0, 1e-3, 2.5, -2.5, 29.0, 31.0, -60.0, 700.0}, kFloat64);
  const auto xs = vals(x);
  std::vector<double> i0_ref, i1e_ref;
  for (double v : xs) {
    i0_ref.push_back(std::cyl_bessel_i(0.0, std::fabs(v)));
    i1e_ref.push_back(std::copysign(std::exp(-std::fabs(v)) * std::cyl_bessel_i(1.0, std::fabs(v)), v));
  }
  EXPECT_TRUE(close(i0(x), tensor(i0_ref, kFloat64), 1e-14, 0));
  EXPECT_TRUE(close(i1e(x), tensor(i1e_ref, kFloat64), 1e-14, 0));
  EXPECT_TRUE(std::isfinite(i0(tensor({712.0}, kFloat64)).item<double>()));  // past exp's overflow at 709.8
  EXPECT_EQ(vals(i0(tensor({INFINITY, -INFINITY}))), (std::vector<double>{INFINITY, INFINITY}));
  EXPECT_EQ(vals(i1(tensor({INFINITY, -INFINITY}))), (std::vector<double>{INFINITY, -INFINITY}));
  EXPECT_EQ(vals(i0e(tensor({INFINITY, -INFINITY}))), (std::vector<double>{0, 0}));
  EXPECT_TRUE(std::isnan(i1(tensor({NAN})).item<double>()));
  EXPECT_EQ(i0(tensor({1, 2})).dtype(), kFloat32);  // integers compute in the default dtype
  EXPECT_TRUE(close(i0(tensor({3.0f}, kFloat32)), tensor({std::cyl_bessel_i(0.0, 3.0)}), 1e-6, 0));
  // I1'(0) = I1e'(0) = 1/2, where the general formulas divide by zero.
  Tensor z = tensor({0.0}, kFloat64).requires_grad_(true);
  i1(z).sum().backward();
  EXPECT_EQ(z.grad().item<double>(), 0.5);
  Tensor z2 = tensor({0.0}, kFloat64).requires_grad_(true);
  i1e(z2).sum().backward();
  EXPECT_EQ(z2.grad().item<double>(), 0.5);
}

TEST(Unary, ModifiedBesselFunctionsAgainstMpmath) {
  // mpmath at 40 digits; 13 values run 8-lane (float) and 4-lane (double) vectors and their tails.
  const std::vector<double> xs = {0.0, 1e-300, 1e-5, 0.5, 3.0, 7.9, 8.0, 8.1, 20.0, 100.0, 700.0, -2.5, -9.0};
  const std::vector<std::pair<Tensor (*)(const Tensor&, SourceLoc), std::vector<double>>> cases = {
      {&i0, {1.0, 1.0, 1.000000000025, 1.0634833707413236, 4.8807925858650245, 389.406283282158, 427.5641157218048,
             469.5006067101215, 43558282.559553534, 1.0737517071310738e+42, 1.5295933476718737e+302,
             3.289839144050123, 1093.5883545113747}},
      {&i0e, {1.0, 1.0, 0.9999900000749996, 0.6450352704491501, 0.2430003541618254, 0.14436986414104191,
              0.14343178185685032, 0.14251180948829528, 0.08978031188482602, 0.03994437929909668,
              0.015081295651531358, 0.27004644161220276, 0.134959524581723}},
      {&i1, {0.0, 5e-301, 5.0000000000625004e-06, 0.2578943053908963, 3.9533702174026093, 363.8539440845084,
             399.8731367825601, 439.48430891035844, 42454973.38512777, 1.0683693903381625e+42,
             1.5285003902339006e+302, -2.5167162452886984, -1030.9147225169565}},
      {&i1e, {0.0, 5e-301, 4.999950000312499e-06, 0.1564208031848717, 0.19682671329730086, 0.13489649943989376,
              0.13414249329269817, 0.13340068832583662, 0.08750622218328867, 0.03974415302513025,
              0.015070519444716848, -0.20658464953126657, -0.1272249839358912}}};
  const Tensor x = tensor(xs, kFloat64);
  for (const auto& [fn, want] : cases) {
    EXPECT_TRUE(close(fn(x, {}), tensor(want, kFloat64), 2e-15, 1e-300));
    // float: its range (I_0(100) and beyond overflow to inf, as in float arithmetic).
    const Tensor got = fn(x.to(kFloat32), {});
    for (size_t i = 0; i < xs.size(); ++i) {
      const double w = static_cast<float>(want[i]), g = got.to_vector<float>()[i];
      if (std::isinf(w)) EXPECT_EQ(g, w) << xs[i];
      else EXPECT_NEAR(g, w, 1e-6 * std::fabs(w) + 1e-37) << xs[i];
    }
  }
  // Infinities and NaN in vector lanes too.
  for (DType dt : {kFloat32, kFloat64}) {
    const Tensor special = tensor({INFINITY, -INFINITY, NAN, 1.0, INFINITY, -INFINITY, NAN, 1.0, INFINITY}, dt);
    const auto s0 = vals(i0(special)), s0e = vals(i0e(special)), s1 = vals(i1(special)), s1e = vals(i1e(special));
    for (size_t i : {size_t(0), size_t(4), size_t(8)}) {
      EXPECT_EQ(s0[i], INFINITY);
      EXPECT_EQ(s0e[i], 0);
      EXPECT_EQ(s1[i], INFINITY);
      EXPECT_EQ(s1e[i], 0);
    }
    for (size_t i : {size_t(1), size_t(5)}) {
      EXPECT_EQ(s0[i], INFINITY);
      EXPECT_EQ(s1[i], -INFINITY);
      EXPECT_EQ(s1e[i], 0);
    }
    for (size_t i : {size_t(2), size_t(6)}) EXPECT_TRUE(std::isnan(s0[i]) && std::isnan(s1e[i]));
  }
}

// float lgamma has a vector form of its own (in double lanes): within a float ulp of the double
// result across its range, at the zeros (1, 2 and between the negative poles) and the edges.
TEST(Unary, LgammaFloatMatchesDoubleAcrossItsRange) {
  std::vector<double> x;
  for (int i = -30000; i <= 30000; ++i) x.push_back(static_cast<float>(i * 1e-3 + 3e-4));
  for (double centre : {1.0, 2.0, -2.4570247, -2.7476826, -3.1435379}) {  // the negative ones near zeros
    float f = static_cast<float>(centre);
    for (int k = 0; k < 16; ++k) f = std::nextafter(f, -100.0f);
    for (int k = 0; k < 32; ++k, f = std::nextafter(f, 100.0f)) x.push_back(f);
  }
  for (int e = -44; e <= 38; ++e) {
    x.push_back(static_cast<float>(std::pow(10.0, e)));
    x.push_back(static_cast<float>(-1.5 * std::pow(10.0, e)));
  }
  for (int n = 1; n < 40; ++n)
    for (double v : {-n + 1e-3, -n - 1e-3, n + 0.5}) x.push_back(static_cast<float>(v));
  const std::vector<double> got = vals(lgamma(tensor(x, kFloat32)));
  for (size_t i = 0; i < x.size(); ++i) {
    const float ref = static_cast<float>(std::lgamma(x[i]));
    const float ulp = std::nextafter(std::fabs(ref), INFINITY) - std::fabs(ref);
    if (std::isinf(ref))  // the poles, and beyond float's range
      ASSERT_EQ(got[i], ref) << "lgamma(" << x[i] << ")";
    else
      ASSERT_LE(std::fabs(got[i] - ref), ulp) << "lgamma(" << x[i] << ")";
  }
  const double inf = INFINITY;
  const std::vector<double> edges = vals(lgamma(tensor({0.0, -0.0, -1.0, -7.0, -1e30, inf, -inf, 3e38}, kFloat32)));
  EXPECT_EQ(edges, std::vector<double>(8, inf));
  EXPECT_TRUE(std::isnan(lgamma(tensor({NAN}, kFloat32)).item<double>()));
}

TEST(Unary, SpecialFunctions) {
  constexpr double kPi = 3.14159265358979323846, kEuler = 0.57721566490153286061;
  const Tensor x = tensor({0.5, 1.0, -0.5, 7.25}, kFloat64);
  EXPECT_TRUE(close(lgamma(x),
                    tensor({0.5 * std::log(kPi), 0.0, std::log(2 * std::sqrt(kPi)), std::lgamma(7.25)}, kFloat64),
                    1e-14, 1e-14));
  // psi(1) = -gamma, psi(1/2) = -gamma - 2 log 2, the reflection below 0, poles at 0 and -1.
  EXPECT_TRUE(close(digamma(tensor({1.0, 0.5, -0.5}, kFloat64)),
                    tensor({-kEuler, -kEuler - 2 * std::log(2.0), 0.03648997397857652}, kFloat64), 1e-13, 1e-13));
  EXPECT_EQ(vals(digamma(tensor({0.0, -0.0}, kFloat64))), (std::vector<double>{-INFINITY, INFINITY}));
  EXPECT_TRUE(std::isnan(digamma(tensor({-1.0})).item<double>()));
  // polygamma of orders 1, 2, 3 at 1 and 1/2: pi^2 / 6, -2 zeta(3), pi^4; at -0.5 by the
  // reflection psi1(1 - x) + psi1(x) = pi^2 / sin^2(pi x).
  EXPECT_NEAR(polygamma(1, tensor({1.0}, kFloat64)).item<double>(), kPi * kPi / 6, 1e-13);
  EXPECT_NEAR(polygamma(2, tensor({1.0}, kFloat64)).item<double>(), -2 * 1.2020569031595942854, 1e-13);
  EXPECT_NEAR(polygamma(3, tensor({0.5}, kFloat64)).item<double>(), std::pow(kPi, 4), 1e-10);
  EXPECT_NEAR(polygamma(1, tensor({-0.5}, kFloat64)).item<double>(),
              kPi * kPi - polygamma(1, tensor({1.5}, kFloat64)).item<double>(), 1e-11);
  // trigamma has its own series: against zeta(2, x) from large negative to large positive inputs;
  // the poles; float32 and bfloat16 against float64 at their own (rounded) inputs.
  const Tensor tx = tensor({-1000.3, -7.25, -2.5, -0.3, 1e-3, 0.5, 0.9, 3.7, 12.0, 1e4, 1e10}, kFloat64);
  EXPECT_TRUE(close(polygamma(1, tx), special::zeta(2.0, tx), 1e-13, 0));
  EXPECT_EQ(vals(polygamma(1, tensor({0.0, -0.0, -1.0, -3.0, INFINITY}, kFloat64))),
            (std::vector<double>{INFINITY, INFINITY, INFINITY, INFINITY, 0}));
  EXPECT_TRUE(isnan(polygamma(1, tensor({-INFINITY, NAN}))).all().item<bool>());
  for (DType dt : {kFloat32, kBFloat16}) {
    const Tensor low = tx.to(dt);
    EXPECT_EQ(polygamma(1, low).dtype(), dt);
    EXPECT_TRUE(close(polygamma(1, low).to(kFloat64), polygamma(1, low.to(kFloat64)).to(dt).to(kFloat64),
                      dt == kFloat32 ? 2e-6 : 1e-2, 0))
        << name(dt);
  }
  EXPECT_TRUE(close(polygamma(0, x), digamma(x), 0, 0));
  EXPECT_TRUE(close(x.polygamma(1), polygamma(1, x), 0, 0));
  EXPECT_EQ(polygamma(1, tensor({1, 2})).dtype(), default_dtype());
  // erfinv: the ends, and erf's inverse in float32 too.
  EXPECT_EQ(vals(erfinv(tensor({-1.0, 1.0}))), (std::vector<double>{-INFINITY, INFINITY}));
  EXPECT_TRUE(std::isnan(erfinv(tensor({1.5})).item<double>()));
  const Tensor y = tensor({-0.999999, -0.3, 0.0, 0.71, 0.9999}, kFloat64);
  EXPECT_TRUE(close(erf(erfinv(y)), y, 1e-14, 1e-15));
  const Tensor y32 = y.to(kFloat32);
  EXPECT_TRUE(close(erfinv(y32), erfinv(y32.to(kFloat64)).to(kFloat32), 1e-6, 1e-6));
  // Gradients: digamma's goes through polygamma (composed), differentiable again.
  const Tensor leaf = tensor({0.7, 1.9, 3.2}, kFloat64).requires_grad_(true);
  auto psi = [](const tensor_list& in) { return digamma(in[0]); };
  EXPECT_TRUE(autograd::gradgradcheck(psi, {leaf}));
  EXPECT_TRUE(autograd::gradcheck([](const tensor_list& in) { return polygamma(2, in[0]); }, {leaf}));
  EXPECT_TRUE(autograd::gradgradcheck([](const tensor_list& in) { return lgamma(in[0]); }, {leaf}));
  EXPECT_THROW_WITH(polygamma(-1, leaf), ValueError, "polygamma: the order n must be non-negative, got -1");
}

TEST(Unary, NanAndSpecialValues) {
  Tensor x = tensor({NAN, -INFINITY, INFINITY, 0.0f, -0.0f});
  Tensor r = relu(x);
  EXPECT_TRUE(std::isnan(vals(r)[0]));
  EXPECT_EQ(vals(r)[2], INFINITY);
  EXPECT_TRUE(std::isnan(vals(sign(x))[0]));
  EXPECT_EQ(vals(sigmoid(tensor({-1000.0f, 1000.0f}))), (std::vector<double>{0, 1}));
}

TEST(Unary, InverseHyperbolicEdges) {
  EXPECT_EQ(vals(acosh(tensor({1.0, 0.5}, kFloat64)))[0], 0.0);
  EXPECT_TRUE(std::isnan(vals(acosh(tensor({0.5}, kFloat64)))[0]));  // below the domain
  EXPECT_EQ(vals(atanh(tensor({1.0, -1.0}))), (std::vector<double>{INFINITY, -INFINITY}));
  EXPECT_EQ(vals(asinh(tensor({-INFINITY, 0.0}))), (std::vector<double>{-INFINITY, 0}));
  // float32 through libmvec's vector forms (runs past 8) agrees with double to float precision.
  const Tensor x = linspace(-0.99, 0.99, 37, kFloat64);
  EXPECT_TRUE(close(atanh(x.to(kFloat32)), atanh(x), 1e-6, 1e-6));
  EXPECT_TRUE(close(asinh(x.to(kFloat32) * 100), asinh(x * 100), 1e-6, 1e-6));
  EXPECT_TRUE(close(acosh(x.to(kFloat32) * 100 + 101), acosh(x * 100 + 101), 1e-6, 1e-6));
  EXPECT_TRUE(close(arcsinh(x), asinh(x), 0, 0));
  EXPECT_TRUE(close(arccosh(x + 2), acosh(x + 2), 0, 0));
}

// ---- binary ----------------------------------------------------------------------------------

namespace {
struct BinaryCase {
  std::string name;
  std::function<Tensor(const Tensor&, const Tensor&)> fn;
  std::function<double(double, double)> ref;
  tgtest::Domain da, db;
};

double py_mod(double a, double b) {
  double r = std::fmod(a, b);
  if (r != 0 && ((r < 0) != (b < 0))) r += b;
  return r;
}

std::vector<BinaryCase> binary_cases() {
  std::map<std::string, std::function<double(double, double)>> refs = {
      {"add", [](double a, double b) { return a + b; }},
      {"sub", [](double a, double b) { return a - b; }},
      {"mul", [](double a, double b) { return a * b; }},
      {"div", [](double a, double b) { return a / b; }},
      {"pow", [](double a, double b) { return std::pow(a, b); }},
      {"minimum", [](double a, double b) { return std::min(a, b); }},
      {"maximum", [](double a, double b) { return std::max(a, b); }},
      {"fmin", [](double a, double b) { return std::fmin(a, b); }},
      {"fmax", [](double a, double b) { return std::fmax(a, b); }},
      {"atan2", [](double a, double b) { return std::atan2(a, b); }},
      {"floor_divide", [](double a, double b) { return std::floor(a / b); }},
      {"trunc_divide", [](double a, double b) { return std::trunc(a / b); }},
      {"remainder", py_mod},
      {"fmod", [](double a, double b) { return std::fmod(a, b); }},
      {"copysign", [](double a, double b) { return std::copysign(a, b); }},
      {"nextafter", [](double a, double b) { return std::nextafter(a, b); }},
      {"hypot", [](double a, double b) { return std::hypot(a, b); }},
      {"logaddexp", [](double a, double b) { return std::log(std::exp(a) + std::exp(b)); }},
      {"logaddexp2", [](double a, double b) { return std::log2(std::exp2(a) + std::exp2(b)); }},
  };
  std::vector<BinaryCase> cases = {
#define TG_BINARY_OP(name, Name, kind, da, db, ...) \
  {#name, [](const Tensor& a, const Tensor& b) { return tg::name(a, b); }, nullptr, tgtest::da, tgtest::db},
#include "tapegrad/tensor/binary_ops.def"
#undef TG_BINARY_OP
  };
  for (auto& c : cases) c.ref = refs.at(c.name);
  return cases;
}

Tensor apply_ref2(const Tensor& a, const Tensor& b, const std::function<double(double, double)>& f) {
  const Shape s = broadcast_shapes(a.sizes(), b.sizes(), "test");
  std::vector<double> x = vals(a.expand(s)), y = vals(b.expand(s));
  for (size_t i = 0; i < x.size(); ++i) x[i] = f(x[i], y[i]);
  return tensor(x, kFloat64).view(s);
}

tgtest::Domain value_domain(tgtest::Domain d) { return d == tgtest::kNoGradcheck ? tgtest::kAwayFromZero : d; }
}  // namespace

TEST(Binary, EveryOpMatchesReferenceWithBroadcasting) {
  Generator gen(2);
  for (const BinaryCase& c : binary_cases()) {
    SCOPED_TRACE(c.name);
    const std::pair<Shape, Shape> shapes[] = {{{4, 5}, {4, 5}}, {{4, 5}, {5}}, {{4, 1}, {1, 5}}, {{}, {4, 5}}, {{3, 4, 5}, {4, 1}}};
    for (const auto& [sa, sb] : shapes) {
      Tensor a = tgtest::sample(gen, sa, value_domain(c.da)), b = tgtest::sample(gen, sb, value_domain(c.db));
      EXPECT_TRUE(close(c.fn(a, b), apply_ref2(a, b, c.ref), 1e-12, 1e-12)) << sa.str() << " " << sb.str();
    }
    // Non-contiguous operands.
    Tensor a = tgtest::sample(gen, {5, 4}, value_domain(c.da)).t();
    Tensor b = tgtest::sample(gen, {4, 10}, value_domain(c.db)).slice(1, 0, 10, 2);
    EXPECT_TRUE(close(c.fn(a, b), apply_ref2(a, b, c.ref), 1e-12, 1e-12));
    // float32.
    Tensor af = a.to(kFloat32), bf = b.to(kFloat32);
    EXPECT_TRUE(close(c.fn(af, bf), apply_ref2(af, bf, c.ref), 1e-4, 1e-5));
  }
}

TEST(Binary, ReducedPrecisionFloatsAreFloat32Rounded) {
  Generator gen(12);
  for (const BinaryCase& c : binary_cases()) {
    SCOPED_TRACE(c.name);
    if (c.name == "nextafter") continue;  // steps the 16-bit values themselves (NextafterStepsEachDtypesOwnValues)
    for (DType dt : {kFloat16, kBFloat16}) {
      SCOPED_TRACE(name(dt));
      const double eps = dt == kFloat16 ? 1.0 / 1024 : 1.0 / 128;
      // Rows of several blocks and a tail, broadcast rows and columns, one value, a transpose.
      const std::pair<Shape, Shape> shapes[] = {
          {{3, 1100}, {3, 1100}}, {{3, 1100}, {1100}}, {{3, 1}, {1, 1100}}, {{}, {3, 1100}}, {{3, 1100}, {}}};
      for (const auto& [sa, sb] : shapes) {
        Tensor a = tgtest::sample(gen, sa, value_domain(c.da), kFloat32).to(dt);
        Tensor b = tgtest::sample(gen, sb, value_domain(c.db), kFloat32).to(dt);
        const Tensor y = c.fn(a, b);
        EXPECT_EQ(y.dtype(), dt);
        EXPECT_TRUE(close(y, c.fn(a.to(kFloat32), b.to(kFloat32)).to(dt), eps, 1e-6)) << sa.str() << " " << sb.str();
        if (sa == sb) {
          EXPECT_TRUE(close(c.fn(a.t(), b.t()), c.fn(a.to(kFloat32).t(), b.to(kFloat32).t()).to(dt), eps, 1e-6));
        }
      }
    }
  }
  // add and sub with alpha, and a Python-style scalar operand.
  Tensor x = tgtest::sample(gen, {2, 37}, tgtest::kAnyValue, kFloat32),
         y = tgtest::sample(gen, {2, 37}, tgtest::kAnyValue, kFloat32);
  for (DType dt : {kFloat16, kBFloat16}) {
    const Tensor xr = x.to(dt), yr = y.to(dt), xf = xr.to(kFloat32), yf = yr.to(kFloat32);
    EXPECT_EQ(vals(add(xr, yr, 0.75)), vals(add(xf, yf, 0.75).to(dt)));
    EXPECT_EQ(vals(sub(xr, yr, -3)), vals(sub(xf, yf, -3).to(dt)));
    EXPECT_EQ(vals(xr * 2.5), vals((xf * 2.5).to(dt)));
    EXPECT_EQ(vals(1.5 / xr), vals((1.5 / xf).to(dt)));
  }
}

// nextafter steps to the neighbouring value of the operands' own dtype (the 16-bit ones on their
// bits: in float the step would round back), across zero, the subnormals, the largest finite
// value, infinities and NaN; copysign keeps NaN's and zero's signs. Integers are refused, and
// nextafter has no derivative (as in PyTorch).
TEST(Binary, NextafterStepsEachDtypesOwnValues) {
  const double inf = INFINITY, nan = NAN;
  const std::vector<double> from{1.0, 1.0, 0.0, -0.0, 0.0, 2.0, -2.0, -1.5, 3.0, inf, -inf, nan, 1.0, 0.5};
  const std::vector<double> to{2.0, 0.0, -1.0, 1.0, 0.0, 2.0, 0.0, -inf, inf, 0.0, 0.0, 1.0, nan, -0.0};
  for (DType dt : {kFloat64, kFloat32}) {
    SCOPED_TRACE(name(dt));
    const std::vector<double> got = vals(nextafter(tensor(from, dt), tensor(to, dt)));
    for (size_t i = 0; i < from.size(); ++i) {
      const double want = dt == kFloat64 ? std::nextafter(from[i], to[i])
                                         : std::nextafter(static_cast<float>(from[i]), static_cast<float>(to[i]));
      if (std::isnan(want)) {
        EXPECT_TRUE(std::isnan(got[i])) << i;
      } else {
        EXPECT_EQ(got[i], want) << i;
        EXPECT_EQ(std::signbit(got[i]), std::signbit(want)) << i;
      }
    }
  }
  // float16: 10 mantissa bits, subnormals from 2^-24, largest 65504; bfloat16: 7 bits, from 2^-133.
  const double max16 = 65504, maxbf = 3.38953138925153547590e38;
  const std::vector<double> f16_from{1.0, 1.0, 0.0, -0.0, 2.0, max16, -max16, inf, nan, 1.0, 6.103515625e-05};
  const std::vector<double> f16_to{2.0, 0.0, -1.0, 1.0, 2.0, inf, 0.0, 0.0, 1.0, nan, 0.0};
  const std::vector<double> f16_want{1.0 + std::ldexp(1.0, -10),
                                     1.0 - std::ldexp(1.0, -11),
                                     -std::ldexp(1.0, -24),
                                     std::ldexp(1.0, -24),
                                     2.0,
                                     inf,
                                     -65472.0,
                                     max16,
                                     nan,
                                     nan,
                                     6.103515625e-05 - std::ldexp(1.0, -24)};
  const std::vector<double> bf_from{1.0, 1.0, 0.0, maxbf, -inf, 3.0};
  const std::vector<double> bf_to{2.0, 0.0, 1.0, inf, 0.0, -3.0};
  const std::vector<double> bf_want{
      1.0 + std::ldexp(1.0, -7), 1.0 - std::ldexp(1.0, -8), std::ldexp(1.0, -133), inf, -maxbf,
      3.0 - std::ldexp(1.0, -6)};
  const auto check_16bit = [](DType dt, const std::vector<double>& a, const std::vector<double>& b,
                              const std::vector<double>& want) {
    SCOPED_TRACE(name(dt));
    const Tensor y = nextafter(tensor(a, kFloat64).to(dt), tensor(b, kFloat64).to(dt));
    EXPECT_EQ(y.dtype(), dt);
    const std::vector<double> got = vals(y);
    for (size_t i = 0; i < want.size(); ++i) {
      if (std::isnan(want[i])) {
        EXPECT_TRUE(std::isnan(got[i])) << i;
      } else {
        EXPECT_EQ(got[i], want[i]) << i;
      }
    }
    // Broadcast and strided operands, and a number.
    const Tensor x = tensor(a, kFloat64).to(dt).view({1, -1}).expand({3, -1}).t();
    EXPECT_TRUE(close(nextafter(x, tensor(b, kFloat64).to(dt).view({-1, 1})), y.view({-1, 1}).expand({-1, 3}), 0, 0));
    EXPECT_EQ(vals(nextafter(tensor({1.0}, dt), 2.0)), std::vector<double>{want[0]});
  };
  check_16bit(kFloat16, f16_from, f16_to, f16_want);
  check_16bit(kBFloat16, bf_from, bf_to, bf_want);
  // In place, and the method.
  Tensor t = tensor({1.0f, -1.0f});
  t.nextafter_(tensor({0.0f, 0.0f}));
  EXPECT_EQ(vals(t), (std::vector<double>{std::nextafter(1.0f, 0.0f), std::nextafter(-1.0f, 0.0f)}));
  EXPECT_EQ(vals(t.nextafter(5.0)), (std::vector<double>{1.0, std::nextafter(std::nextafter(-1.0f, 0.0f), 5.0f)}));
  // Errors: integers, and a gradient.
  EXPECT_THROW_WITH(nextafter(tensor({1, 2}, kInt64), tensor({3, 4}, kInt64)), TypeError,
                    "nextafter: expected floating-point operands, got int64");
  EXPECT_THROW_WITH(nextafter_(tensor({1, 2}, kInt32), 1), TypeError, "nextafter: expected floating-point operands");
  Tensor leaf = tensor({1.0, 2.0}, kFloat64).requires_grad_(true);
  EXPECT_THROW_WITH(nextafter(leaf, 0.0).sum().backward(), Error,
                    "nextafter: the derivative with respect to 'self' is not implemented");
  // copysign: the sign bit of NaN and of -0, integers to float, and the gradient sign(x) sign(result).
  const std::vector<double> cs =
      vals(copysign(tensor({1.0, -2.0, 3.0, 0.0, nan}), tensor({-0.0, 0.0, -nan, -1.0, -1.0})));
  EXPECT_EQ(cs[0], -1.0);
  EXPECT_EQ(cs[1], 2.0);
  EXPECT_EQ(cs[2], -3.0);
  EXPECT_TRUE(cs[3] == 0.0 && std::signbit(cs[3]));
  EXPECT_TRUE(std::isnan(cs[4]) && std::signbit(cs[4]));
  EXPECT_EQ(copysign(tensor({1, -2}, kInt64), -1).dtype(), kFloat32);
  EXPECT_EQ(vals(copysign(tensor({1, -2}, kInt64), -1)), (std::vector<double>{-1, -2}));
  Tensor cx = tensor({1.5, -2.0, 0.0}, kFloat64).requires_grad_(true);
  Tensor cy = tensor({-1.0, -1.0, -1.0}, kFloat64).requires_grad_(true);
  copysign(cx, cy).sum().backward();
  EXPECT_EQ(vals(cx.grad()), (std::vector<double>{-1, 1, 0}));
  EXPECT_EQ(vals(cy.grad()), (std::vector<double>{0, 0, 0}));
  for (DType dt : {kFloat16, kBFloat16}) {
    EXPECT_EQ(vals(copysign(tensor({1.5, -2.0}, dt), tensor({-1.0, 1.0}, dt))), (std::vector<double>{-1.5, 2.0}));
  }
}

// bfloat16 results round to nearest even, keep infinities and NaN: the vector narrowing.
TEST(Binary, BFloat16RoundsToNearestEven) {
  const double step = std::ldexp(1.0, -7), half_step = std::ldexp(1.0, -8);
  // 16 lanes: each result halfway between two bfloat16 values, or an infinity or NaN.
  std::vector<double> a, b, want;
  for (int i = 0; i < 4; ++i) {
    a.insert(a.end(), {1.0, 1.0 + step, 3e38, NAN});
    b.insert(b.end(), {half_step, half_step, 3e38, 1.0});
    want.insert(want.end(), {1.0, 1.0 + 2 * step, INFINITY, NAN});
  }
  const Tensor sum = add(tensor(a, kFloat32).to(kBFloat16), tensor(b, kFloat32).to(kBFloat16));
  EXPECT_TRUE(close(sum, tensor(want), 0, 0));
  EXPECT_TRUE(close(exp(tensor({89.0, NAN, -INFINITY, 0.0, 1.0, 2.0, 3.0, 4.0, 5.0}, kBFloat16)),
                    tensor({INFINITY, NAN, 0.0, 1.0, 2.71875, 7.375, 20.125, 54.5, 148.0}), 0, 0));
}

// fmod, remainder and floor_divide of float runs take an fma form four lanes at a time: exact,
// like std::fmod, on quotients up to 2^52 and across the special values (which the scalar path
// takes); floor_divide as Python computes it from the exact remainder.
TEST(Binary, DivisionFamilyIsExactOnLongRuns) {
  Generator gen(13);
  const auto check = [&]<class T>(DType dt) {
    const int64_t n = 1003;
    std::vector<double> a = vals(randn({n}, gen, kFloat64) * 1e3), b = vals(randn({n}, gen, kFloat64));
    for (int64_t i = 0; i < n; ++i) {
      const auto k = static_cast<size_t>(i);
      switch (i % 13) {
        case 0:
          a[k] *= 1e30;
          break;  // a quotient past 2^52
        case 1:
          b[k] = 0.0;
          break;
        case 2:
          a[k] = INFINITY;
          break;
        case 3:
          b[k] = -INFINITY;
          break;
        case 4:
          a[k] = NAN;
          break;
        case 5:
          a[k] = -0.0;
          break;
        case 6:
          a[k] = 3 * b[k];
          break;  // exact multiples, of either sign
        case 7:
          a[k] = -7 * b[k];
          break;
        case 8:
          b[k] = 0.1;
          a[k] = 1.0;
          break;  // 1 // 0.1 is 9
        case 9:
          b[k] *= 1e-30;
          break;
        default:
          break;
      }
    }
    const Tensor ta = tensor(a, kFloat64).to(dt), tb = tensor(b, kFloat64).to(dt);
    const std::vector<double> xa = vals(ta), xb = vals(tb);
    const std::vector<double> f = vals(fmod(ta, tb)), r = vals(remainder(ta, tb)), q = vals(floor_divide(ta, tb));
    const std::vector<double> fs = vals(fmod(ta, tb.select(0, 1))), qs = vals(floor_divide(ta.select(0, 2), tb));
    // Python's % and //: the remainder takes the divisor's sign; a - r is a multiple of b.
    const auto py_rem = [](T x, T y) {
      const T r = std::fmod(x, y);
      return r != 0 && ((r < 0) != (y < 0)) ? r + y : r;
    };
    const auto same = [](double got, T want) {
      return (std::isnan(got) && std::isnan(want)) || (got == want && std::signbit(got) == std::signbit(want));
    };
    const T a2 = static_cast<T>(xa[2]), b1 = static_cast<T>(xb[1]);
    for (size_t i = 0; i < static_cast<size_t>(n); ++i) {
      const T x = static_cast<T>(xa[i]), y = static_cast<T>(xb[i]);
      SCOPED_TRACE(fmt::format("{} {} {}", name(dt), x, y));
      EXPECT_TRUE(same(f[i], std::fmod(x, y))) << f[i];
      EXPECT_TRUE(same(r[i], py_rem(x, y))) << r[i];
      EXPECT_TRUE(same(fs[i], std::fmod(x, b1))) << fs[i];
      if (y != 0 && std::isfinite(x) && std::isfinite(y) && std::fabs(x / y) < 1e6) {
        EXPECT_EQ(q[i], std::round((x - py_rem(x, y)) / y));
      }
      if (y != 0 && std::isfinite(y) && std::fabs(a2 / y) < 1e6) {
        EXPECT_EQ(qs[i], std::round((a2 - py_rem(a2, y)) / y));
      }
    }
  };
  check.template operator()<float>(kFloat32);
  check.template operator()<double>(kFloat64);
}

TEST(Binary, ScalarAndReversedForms) {
  Tensor x = tensor({1.0, 2.0, 4.0}, kFloat64);
  EXPECT_EQ(vals(x + 1), (std::vector<double>{2, 3, 5}));
  EXPECT_EQ(vals(1 + x), (std::vector<double>{2, 3, 5}));
  EXPECT_EQ(vals(10 - x), (std::vector<double>{9, 8, 6}));
  EXPECT_EQ(vals(x - 1), (std::vector<double>{0, 1, 3}));
  EXPECT_EQ(vals(2 * x), (std::vector<double>{2, 4, 8}));
  EXPECT_EQ(vals(8 / x), (std::vector<double>{8, 4, 2}));
  EXPECT_EQ(vals(pow(2, x)), (std::vector<double>{2, 4, 16}));
  EXPECT_EQ(vals(x.pow(2)), (std::vector<double>{1, 4, 16}));
  EXPECT_EQ(vals(-x), (std::vector<double>{-1, -2, -4}));
  EXPECT_EQ(vals(add(x, x, 0.5)), (std::vector<double>{1.5, 3, 6}));
  EXPECT_EQ(vals(x.sub(ones_like(x), 2)), (std::vector<double>{-1, 0, 2}));
  EXPECT_THROW_WITH(add(ones({2}, kInt64), ones({2}, kInt64), 0.5), TypeError, "alpha");
  // Bools: any non-zero alpha adds (a or b), zero leaves a; a bool alpha only for bools (PyTorch's).
  const Tensor a = tensor({true, false, true, false}), b = tensor({true, true, false, false});
  EXPECT_EQ(vals(add(a, b, -1)), (std::vector<double>{1, 1, 1, 0}));
  EXPECT_EQ(vals(add(a, b, 0)), (std::vector<double>{1, 0, 1, 0}));
  EXPECT_EQ(vals(a.clone().add_(b, -3)), (std::vector<double>{1, 1, 1, 0}));
  EXPECT_EQ(vals(add(a, true, -1)), (std::vector<double>{1, 1, 1, 1}));
  EXPECT_THROW_WITH(add(ones({2}, kInt64), ones({2}, kInt64), true), TypeError,
                    "add: a bool alpha needs bool operands");
  EXPECT_THROW_WITH(ones({2}).add_(ones({2}), true), TypeError, "add_: a bool alpha needs bool operands");
}

TEST(Binary, InPlaceForms) {
  Tensor x = tensor({1.0f, 2.0f});
  x += 1;
  x *= tensor({2.0f, 3.0f});
  x -= 1;
  x /= 2;
  EXPECT_EQ(vals(x), (std::vector<double>{1.5, 4}));
  x.add_(tensor({1.0f, 1.0f}), 10);
  EXPECT_EQ(vals(x), (std::vector<double>{11.5, 14}));
  Tensor m = zeros({2, 3});
  m.add_(arange(3, kFloat32));  // broadcast into self
  EXPECT_EQ(vals(m), (std::vector<double>{0, 1, 2, 0, 1, 2}));
  EXPECT_THROW_WITH(arange(3, kFloat32).add_(zeros({2, 3})), Error, "does not fit the tensor's shape [3]");
  Tensor i = tensor({1, 2});
  EXPECT_THROW_WITH(i.add_(0.5), TypeError, "float32 can't be cast to the tensor's dtype int64");
  Tensor f = tensor({1.0f, 2.0f});
  f.add_(tensor({1.0, 1.0}, kFloat64));  // float64 result written back into float32
  EXPECT_EQ(f.dtype(), kFloat32);
  EXPECT_EQ(vals(f), (std::vector<double>{2, 3}));
  Tensor sq = arange(4, kFloat32).view({2, 2});
  sq += sq.t();  // reads a transposed view of itself
  EXPECT_EQ(vals(sq), (std::vector<double>{0, 3, 3, 6}));
}

TEST(Binary, PowByOneExponentMatchesStdPow) {
  // One broadcast exponent takes products, roots and reciprocals for the small powers and
  // libmvec's pow otherwise (vectors of 8 with a tail): held to std::pow on signed, zero,
  // infinite and NaN bases.
  std::vector<double> base = {-3.5, -2.0, -1.0, -0.0, 0.0, 0.25, 1.0, 1.5, 2.0, 7.0, 1e10, INFINITY, -INFINITY, NAN};
  for (int i = 0; i < 20; ++i) base.push_back(0.1 + 0.37 * i);
  for (DType dt : {kFloat32, kFloat64}) {
    const Tensor x = tensor(base, kFloat64).to(dt);
    for (double e : {2.0, 3.0, 1.0, 0.0, -1.0, -2.0, 2.5, -1.5, 0.3}) {
      SCOPED_TRACE(fmt::format("{} ** {}", dt, e));
      std::vector<double> want;
      for (double b : vals(x)) want.push_back(dt == kFloat32 ? double(std::pow(float(b), float(e))) : std::pow(b, e));
      EXPECT_TRUE(close(x.pow(e), tensor(want, kFloat64), dt == kFloat32 ? 1e-6 : 1e-14, 0));
      EXPECT_TRUE(close(x.pow(full({static_cast<int64_t>(base.size())}, e, dt)), tensor(want, kFloat64), dt == kFloat32 ? 1e-6 : 1e-14, 0));
    }
    // The roots: sqrt and 1 / sqrt on the non-negative bases (PyTorch's forms, also for -0.0).
    const Tensor p = where(isfinite(x), x.abs(), 4.0);
    EXPECT_TRUE(close(p.pow(0.5), p.sqrt(), 1e-7, 0));
    EXPECT_TRUE(close(p.pow(-0.5), p.rsqrt(), 1e-6, 0));
  }
}

// Tensor exponents, every pair of bases and exponents of both signs, zeros, infinities, NaN, odd
// and even integers (and a float whose next integer is even): the vector path gives lanes with
// a zero or negative base pow(|x|, y) and C's rules (libmvec's own handling of them was a scalar
// loop at 4x the time), so it must agree with std::pow value for value, signs of zeros included.
TEST(Binary, PowOfTensorsOfEverySignMatchesStdPow) {
  const std::vector<double> special = {0.0,  -0.0, 1.0,  -1.0,     2.0,       -2.0, 0.5, -0.5,       3.0,
                                       -3.0, 2.5,  -2.5, INFINITY, -INFINITY, NAN,  1e9, 16777217.0, -8388609.0};
  std::vector<double> xs, ys;
  for (double a : special) {
    for (double b : special) {
      xs.push_back(a);
      ys.push_back(b);
    }
  }
  for (DType dt : {kFloat32, kFloat64, kBFloat16}) {
    SCOPED_TRACE(name(dt));
    const Tensor x = tensor(xs, kFloat64).to(dt), y = tensor(ys, kFloat64).to(dt);
    const std::vector<double> xv = vals(x), yv = vals(y), got = vals(pow(x, y));
    for (size_t i = 0; i < xv.size(); ++i) {
      const double want = dt == kFloat64 ? std::pow(xv[i], yv[i])
                          : dt == kFloat32
                              ? double(std::pow(float(xv[i]), float(yv[i])))
                              : vals(tensor({double(std::pow(float(xv[i]), float(yv[i])))}, kFloat32).to(dt))[0];
      SCOPED_TRACE(fmt::format("{} ** {}", xv[i], yv[i]));
      if (std::isnan(want)) {
        EXPECT_TRUE(std::isnan(got[i]));
      } else {
        if (got[i] != want) {
          EXPECT_NEAR(got[i], want, std::fabs(want) * (dt == kFloat64 ? 1e-15 : 1e-6));
        }
        EXPECT_EQ(std::signbit(got[i]), std::signbit(want));
      }
    }
  }
}

TEST(Binary, Atan2InVectorsMatchesStdAtan2) {
  // atan2 of contiguous runs (and of one broadcast operand on either side) takes libmvec's vector
  // form, the rest std::atan2: held to std::atan2 on zeros of both signs, infinities, NaN and
  // quadrant edges, in runs longer than a vector and with a tail.
  std::vector<double> y = {0.0, -0.0, 0.0, -0.0, 1.0, -1.0, INFINITY, -INFINITY, INFINITY, 2.0, NAN, 1.0, 1e-30, -1e30};
  std::vector<double> x = {0.0,       0.0, -0.0, -0.0, -INFINITY, INFINITY, INFINITY,
                           -INFINITY, 3.0, -0.0, 1.0,  NAN,       -1e30,    1e-30};
  for (int i = 0; i < 37; ++i) {
    y.push_back(std::sin(0.7 * i) * (1 + i));
    x.push_back(std::cos(1.3 * i) * (2 + i % 5));
  }
  for (DType dt : {kFloat32, kFloat64}) {
    SCOPED_TRACE(name(dt));
    const Tensor ty = tensor(y, kFloat64).to(dt), tx = tensor(x, kFloat64).to(dt);
    auto want = [&](const std::vector<double>& a, const std::vector<double>& b) {
      std::vector<double> w;
      for (size_t i = 0; i < a.size(); ++i)
        w.push_back(dt == kFloat32 ? double(std::atan2(float(a[i]), float(b[i]))) : std::atan2(a[i], b[i]));
      return tensor(w, kFloat64);
    };
    const std::vector<double> yv = vals(ty), xv = vals(tx);
    const double rtol = dt == kFloat32 ? 4e-7 : 1e-15;
    EXPECT_TRUE(close(atan2(ty, tx), want(yv, xv), rtol, 0));
    EXPECT_TRUE(close(atan2(ty.unsqueeze(1).expand({-1, 2}).select(1, 0), tx), want(yv, xv), rtol, 0));  // strided
    const std::vector<double> three(yv.size(), 3.0), minus_zero(yv.size(), -0.0);
    EXPECT_TRUE(close(atan2(ty, full({}, 3.0, dt)), want(yv, three), rtol, 0));
    EXPECT_TRUE(close(atan2(full({}, -0.0, dt), tx), want(minus_zero, xv), rtol, 0));
    // The signs of zero results are atan2's, not lost in the vector form.
    for (double v : vals(atan2(full({9}, -0.0, dt), full({9}, 1.0, dt)))) EXPECT_TRUE(std::signbit(v) && v == 0);
    // A broadcast -0.0 stays -0.0 in every lane (pow's vector path shares the splat).
    for (double v : vals(pow(full({}, -0.0, dt), full({9}, -1.0, dt)))) EXPECT_EQ(v, -INFINITY);
  }
}

TEST(Binary, IntegerSemantics) {
  Tensor a = tensor({7, -7, 7, -7}), b = tensor({2, 2, -2, -2});
  EXPECT_EQ(vals(floor_divide(a, b)), (std::vector<double>{3, -4, -4, 3}));
  EXPECT_EQ(vals(trunc_divide(a, b)), (std::vector<double>{3, -3, -3, 3}));
  EXPECT_EQ(vals(a.div(b, "floor")), (std::vector<double>{3, -4, -4, 3}));
  EXPECT_EQ(vals(a.div(b, "trunc")), (std::vector<double>{3, -3, -3, 3}));
  EXPECT_EQ(vals(remainder(a, b)), (std::vector<double>{1, 1, -1, -1}));
  EXPECT_EQ(vals(fmod(a, b)), (std::vector<double>{1, -1, 1, -1}));
  EXPECT_EQ(vals(a / b), (std::vector<double>{3.5, -3.5, -3.5, 3.5}));
  EXPECT_EQ(vals(pow(tensor({2, 3}), 3)), (std::vector<double>{8, 27}));
  EXPECT_EQ((a * b).dtype(), kInt64);
  Tensor big = tensor({std::numeric_limits<int64_t>::min()});
  EXPECT_EQ(vals(floor_divide(big, -1)).size(), 1u);  // no trap on INT_MIN / -1
  EXPECT_THROW_WITH(floor_divide(a, tensor({1, 0, 1, 1})), ValueError, "integer division by zero");
  EXPECT_THROW_WITH(remainder(a, 0), ValueError, "integer division by zero");
  EXPECT_EQ(floor_divide(tensor(std::vector<int64_t>{}), 0).numel(), 0);  // nothing divided, as PyTorch
  EXPECT_THROW_WITH(pow(tensor({2}), -1), ValueError, "negative integer powers");
  EXPECT_THROW_WITH(tensor({2}).pow_(-1), ValueError, "pow_: integers to negative integer powers");
  // A tensor of exponents may hold negative ones (PyTorch's truncated 1 / a^|b|).
  EXPECT_EQ(vals(pow(tensor({2, 1, -1, -1, 0, 3}), tensor({-1, -3, -3, -2, -1, 2}))),
            (std::vector<double>{0, 1, -1, 1, 0, 9}));
  EXPECT_EQ(vals(pow(2, tensor({-1, 0, 3}))), (std::vector<double>{0, 1, 8}));
  // Float floor division is Python's (from fmod): 1 // 0.1 is 9, not floor(1 / 0.1) = 10.
  EXPECT_EQ(vals(floor_divide(tensor({1.0, 7.0, -3.0, -1.0}, kFloat64), 0.1)), (std::vector<double>{9, 69, -30, -10}));
  EXPECT_EQ(vals(floor_divide(tensor({-1.0, 1.0, 0.0}, kFloat64), tensor({0.3, 0.0, -2.0}, kFloat64)))[0], -4.0);
  EXPECT_EQ(vals(floor_divide(tensor({1.0}, kFloat64), 0.0))[0], INFINITY);
  EXPECT_TRUE(std::signbit(vals(floor_divide(tensor({0.0}, kFloat64), -2.0))[0]));
  EXPECT_EQ(vals(tensor({7.5f}).div(tensor({2.5f}), "floor")), (std::vector<double>{3}));
  EXPECT_THROW_WITH(a.div(b, "round"), ValueError, "rounding_mode");
  EXPECT_EQ(vals(tensor({true, false}) + tensor({true, true})), (std::vector<double>{1, 1}));
  EXPECT_THROW_WITH(tensor({true}) - tensor({true}), TypeError, "sub: not supported for two bool operands");
  // A bool tensor to a bool power is PyTorch's special case: True keeps it, False gives all True;
  // two bool tensors have no pow.
  const Tensor flags = tensor({true, false});
  EXPECT_EQ(pow(flags, true).dtype(), kBool);
  EXPECT_EQ(vals(pow(flags, true)), (std::vector<double>{1, 0}));
  EXPECT_EQ(vals(pow(flags, false)), (std::vector<double>{1, 1}));
  EXPECT_EQ(vals(flags.clone().pow_(false)), (std::vector<double>{1, 1}));
  EXPECT_EQ(pow(flags, 2).dtype(), kInt64);
  EXPECT_THROW_WITH(pow(flags, flags), TypeError, "pow: not supported for two bool operands");
}

TEST(Binary, ErrorsNameOpAndShapes) {
  EXPECT_THROW_WITH(ones({2, 3}) + ones({4}), Error, "add: shapes [2, 3] and [4] are not broadcastable");
  EXPECT_THROW_WITH(mul(ones({2}), Tensor()), Error, "mul: other is an undefined tensor");
}

TEST(Binary, MinimumMaximumPropagateNan) {
  Tensor a = tensor({NAN, 1.0f}), b = tensor({0.0f, NAN});
  auto mn = vals(minimum(a, b)), mx = vals(maximum(a, b));
  EXPECT_TRUE(std::isnan(mn[0]) && std::isnan(mn[1]) && std::isnan(mx[0]) && std::isnan(mx[1]));
  // In the vector lanes of long runs too, for all four ops, against their scalar definitions.
  const std::vector<double> x = {NAN, 1, NAN, 2, -0.0, 5, -INFINITY, 3}, y = {0, NAN, NAN, 3, 0, -5, 1, INFINITY};
  for (DType dt : {kFloat32, kFloat64}) {
    const Tensor p = tensor(x, dt).repeat({9}), q = tensor(y, dt).repeat({9});
    const std::vector<std::pair<Tensor, std::function<double(double, double)>>> cases = {
        {minimum(p, q), [](double u, double v) { return std::isnan(u) || std::isnan(v) ? NAN : std::min(u, v); }},
        {maximum(p, q), [](double u, double v) { return std::isnan(u) || std::isnan(v) ? NAN : std::max(u, v); }},
        {fmin(p, q), [](double u, double v) { return std::fmin(u, v); }},
        {fmax(p, q), [](double u, double v) { return std::fmax(u, v); }}};
    for (const auto& [got, want] : cases) {
      const std::vector<double> g = vals(got);
      for (size_t i = 0; i < g.size(); ++i) {
        const double w = want(x[i % 8], y[i % 8]);
        EXPECT_TRUE(std::isnan(w) ? std::isnan(g[i]) : g[i] == w) << name(dt) << " at " << i;
      }
    }
  }
}

TEST(Binary, FminFmaxPreferNumbersToNan) {
  const Tensor a = tensor({NAN, 1.0f, NAN, 2.0f}), b = tensor({0.0f, NAN, NAN, 3.0f});
  const auto mn = vals(fmin(a, b)), mx = vals(fmax(a, b));
  EXPECT_EQ(mn[0], 0);
  EXPECT_EQ(mn[1], 1);
  EXPECT_TRUE(std::isnan(mn[2]));
  EXPECT_EQ(mn[3], 2);
  EXPECT_EQ(mx[0], 0);
  EXPECT_EQ(mx[1], 1);
  EXPECT_TRUE(std::isnan(mx[2]));
  EXPECT_EQ(mx[3], 3);
  EXPECT_EQ(vals(fmax(tensor({1, 5}), 3)), (std::vector<double>{3, 5}));  // integers keep their dtype
  EXPECT_EQ(fmax(tensor({1, 5}), 3).dtype(), kInt64);
  // The gradient goes whole to the number where the other is NaN, and to self on ties (PyTorch's rule).
  Tensor x = tensor({1.0, 2.0, 3.0}, kFloat64).requires_grad_(true);
  Tensor y = tensor({NAN, 2.0, 1.0}, kFloat64).requires_grad_(true);
  fmin(x, y).sum().backward();
  EXPECT_EQ(vals(x.grad()), (std::vector<double>{1, 1, 0}));
  EXPECT_EQ(vals(y.grad()), (std::vector<double>{0, 0, 1}));
  EXPECT_THROW_WITH(fmax(tensor({1.0f, 2.0f}), tensor({1.0f, 2.0f, 3.0f})), Error, "fmax");
  // Bools hold no NaN: fmax/fmin are maximum/minimum (logical or/and).
  const Tensor p = tensor({true, false, true, false}), q = tensor({true, true, false, false});
  EXPECT_EQ(fmax(p, q).dtype(), kBool);
  EXPECT_EQ(vals(fmax(p, q)), (std::vector<double>{1, 1, 1, 0}));
  EXPECT_EQ(vals(fmin(p, q)), (std::vector<double>{1, 0, 0, 0}));
}

// ---- comparisons, logical ops, classification -----------------------------------------------

TEST(Compare, AllOpsAndOperators) {
  Tensor a = tensor({1, 2, 3}), b = tensor({3.0, 2.0, 1.0});
  EXPECT_EQ(vals(a == b), (std::vector<double>{0, 1, 0}));
  EXPECT_EQ(vals(a != b), (std::vector<double>{1, 0, 1}));
  EXPECT_EQ(vals(a < b), (std::vector<double>{1, 0, 0}));
  EXPECT_EQ(vals(a <= b), (std::vector<double>{1, 1, 0}));
  EXPECT_EQ(vals(a > b), (std::vector<double>{0, 0, 1}));
  EXPECT_EQ(vals(a >= 2), (std::vector<double>{0, 1, 1}));
  EXPECT_EQ(vals(2 < a), (std::vector<double>{0, 0, 1}));
  EXPECT_EQ((a < b).dtype(), kBool);
  Tensor p = tensor({true, true, false}), q = tensor({true, false, false});
  EXPECT_EQ(vals(p & q), (std::vector<double>{1, 0, 0}));
  EXPECT_EQ(vals(p | q), (std::vector<double>{1, 1, 0}));
  EXPECT_EQ(vals(p ^ q), (std::vector<double>{0, 1, 0}));
  EXPECT_EQ(vals(~p), (std::vector<double>{0, 0, 1}));
  EXPECT_EQ(vals(logical_and(a, tensor({0, 1, 2}))), (std::vector<double>{0, 1, 1}));
  EXPECT_EQ(vals(logical_not(tensor({0.0f, 2.0f}))), (std::vector<double>{1, 0}));
  EXPECT_EQ(vals(~a), (std::vector<double>{-2, -3, -4}));  // bitwise on integers (test_bitwise.cpp)
  Tensor s = tensor({NAN, INFINITY, 1.0f});
  EXPECT_EQ(vals(isnan(s)), (std::vector<double>{1, 0, 0}));
  EXPECT_EQ(vals(isposinf(tensor({INFINITY, -INFINITY, NAN, 1.0f}))), (std::vector<double>{1, 0, 0, 0}));
  EXPECT_EQ(vals(isneginf(tensor({INFINITY, -INFINITY, NAN, 1.0f}))), (std::vector<double>{0, 1, 0, 0}));
  EXPECT_EQ(vals(isposinf(tensor({3, -3}))), (std::vector<double>{0, 0}));
  EXPECT_EQ(vals(isinf(s)), (std::vector<double>{0, 1, 0}));
  EXPECT_EQ(vals(isfinite(s)), (std::vector<double>{0, 0, 1}));
  EXPECT_TRUE(allclose(tensor({1.0, 2.0}), tensor({1.0, 2.0 + 1e-9})));
  EXPECT_FALSE(allclose(tensor({1.0}), tensor({1.1})));
  EXPECT_FALSE(allclose(tensor({NAN}), tensor({NAN})));
  EXPECT_TRUE(allclose(tensor({NAN}), tensor({NAN}), 1e-5, 1e-8, true));
  EXPECT_TRUE(equal(tensor({1, 2}), tensor({1, 2})));
  EXPECT_FALSE(equal(tensor({1, 2}), tensor({1, 2, 3})));
}

// ---- clamp, where, lerp, activations --------------------------------------------------------

TEST(Pointwise, ClampBoundsOutsideTheDtypeAndNanBounds) {
  // -1 for uint8 binds nothing (it was converted to 255 and took every value there).
  const Tensor u = tensor({0, 3, 255, 7}, kUInt8);
  EXPECT_EQ(vals(clamp(u, -1, 2)), (std::vector<double>{0, 2, 2, 2}));
  EXPECT_EQ(vals(clamp(u, 1, 300)), (std::vector<double>{1, 3, 255, 7}));
  EXPECT_EQ(vals(u.clone().clamp_(-5, 4)), (std::vector<double>{0, 3, 4, 4}));
  EXPECT_EQ(vals(clamp(tensor({-100, 5}, kInt8), -1000, 1000)), (std::vector<double>{-100, 5}));
  // A NaN bound tensor gives NaN, as PyTorch's clamp.
  const std::vector<double> r =
      vals(clamp(tensor({1.0, NAN, 3.0}, kFloat64), tensor({NAN, 0.0, 5.0}, kFloat64), std::optional<Tensor>()));
  EXPECT_TRUE(std::isnan(r[0]));
  EXPECT_TRUE(std::isnan(r[1]));
  EXPECT_EQ(r[2], 5.0);
  EXPECT_TRUE(std::isnan(vals(clamp(tensor({1.0}), std::optional<Tensor>(), tensor({NAN})))[0]));
  // A bool tensor is clamped as the type of number bounds (PyTorch's promotion); bool bounds fail.
  const Tensor b = tensor({1, 0}, kInt64).to(kBool);
  EXPECT_EQ(clamp(b, -1, 5).dtype(), kInt64);
  EXPECT_EQ(vals(clamp(b, 0, 0)), (std::vector<double>{0, 0}));
  EXPECT_EQ(clamp(b, 0.5, 2).dtype(), kFloat32);
  EXPECT_EQ(vals(clamp(b, 0.5, 2)), (std::vector<double>{1, 0.5}));
  EXPECT_THROW_WITH(clamp(b, false, true), Error, "clamp: not supported for bool tensors with bool bounds");
}

TEST(Pointwise, ClampOfSixteenBitFloatsMatchesFloat32) {
  // float16 / bfloat16 runs are bounded eight lanes at a time, with a scalar tail: every bound
  // form, NaN and infinities, a run past the vectors, a strided view.
  Generator gen(41);
  Tensor x = randn({3, 37}, gen) * 3.0;
  x.index_put_({0, 5}, NAN);
  x.index_put_({1, 9}, INFINITY);
  x.index_put_({2, 36}, -INFINITY);
  x.index_put_({2, 2}, NAN);
  for (DType dt : {kFloat16, kBFloat16}) {
    const Tensor h = x.to(dt), f = h.to(kFloat32);
    const auto same = [&](const Tensor& got, const Tensor& want) {
      EXPECT_EQ(got.dtype(), dt);
      const std::vector<double> g = vals(got), w = vals(want.to(dt));
      ASSERT_EQ(g.size(), w.size());
      for (size_t i = 0; i < g.size(); ++i)
        EXPECT_TRUE(g[i] == w[i] || (std::isnan(g[i]) && std::isnan(w[i]))) << name(dt) << " " << i;
    };
    same(clamp(h, -1.5, 0.7), clamp(f, -1.5, 0.7));
    same(clamp(h, 0.25, std::nullopt), clamp(f, 0.25, std::nullopt));
    same(clamp(h, std::nullopt, -0.3), clamp(f, std::nullopt, -0.3));
    same(clamp(h.t(), -1, 1), clamp(f.t(), -1, 1));
    same(clamp(h.slice(1, 0, 37, 2), -1, 1), clamp(f.slice(1, 0, 37, 2), -1, 1));
  }
}

TEST(Pointwise, SixteenBitComparisonsAndTernaryOpsMatchFloat32) {
  // Eight lanes at a time with a scalar tail, each operand contiguous or broadcast; strided
  // operands element by element. NaN, infinities and zeros included.
  Generator gen(42);
  Tensor a = randn({3, 37}, gen) * 2.0, b = randn({3, 37}, gen) * 2.0;
  const Tensor w = rand({3, 37}, gen) * 1.5 - 0.25;
  a.index_put_({0, 3}, NAN);
  b.index_put_({1, 4}, INFINITY);
  a.index_put_({2, 5}, -INFINITY);
  a.index_put_({2, 9}, 0.0);
  b.index_put_({2, 10}, 0.0);
  for (DType dt : {kFloat16, kBFloat16}) {
    const Tensor ah = a.to(dt), bh = b.to(dt), wh = w.to(dt);
    const Tensor af = ah.to(kFloat32), bf = bh.to(kFloat32), wf = wh.to(kFloat32);
    const double eps = dt == kFloat16 ? 1.0 / 1024 : 1.0 / 128;
    const std::vector<std::pair<std::function<Tensor(const Tensor&, const Tensor&)>, const char*>> compares = {
        {[](const Tensor& x, const Tensor& y) { return eq(x, y); }, "eq"},
        {[](const Tensor& x, const Tensor& y) { return ne(x, y); }, "ne"},
        {[](const Tensor& x, const Tensor& y) { return lt(x, y); }, "lt"},
        {[](const Tensor& x, const Tensor& y) { return le(x, y); }, "le"},
        {[](const Tensor& x, const Tensor& y) { return gt(x, y); }, "gt"},
        {[](const Tensor& x, const Tensor& y) { return ge(x, y); }, "ge"},
        {[](const Tensor& x, const Tensor& y) { return logical_and(x, y); }, "logical_and"},
        {[](const Tensor& x, const Tensor& y) { return logical_or(x, y); }, "logical_or"},
        {[](const Tensor& x, const Tensor& y) { return logical_xor(x, y); }, "logical_xor"}};
    for (const auto& [f, op] : compares) {
      EXPECT_EQ(vals(f(ah, bh)), vals(f(af, bf))) << name(dt) << " " << op;
      EXPECT_EQ(vals(f(ah, bh[1])), vals(f(af, bf[1]))) << name(dt) << " " << op;
      EXPECT_EQ(vals(f(ah.slice(1, 0, 1), bh)), vals(f(af.slice(1, 0, 1), bf))) << name(dt) << " " << op;
      EXPECT_EQ(vals(f(ah.t(), bh.t())), vals(f(af.t(), bf.t()))) << name(dt) << " " << op;
    }
    const auto near = [&](const Tensor& got, const Tensor& want) {
      EXPECT_EQ(got.dtype(), dt);
      return tgtest::close(got.to(kFloat32), want.to(dt).to(kFloat32), eps, eps);
    };
    EXPECT_TRUE(near(lerp(ah, bh, wh), lerp(af, bf, wf))) << name(dt);
    EXPECT_TRUE(near(lerp(ah, bh, 0.25), lerp(af, bf, 0.25))) << name(dt);
    EXPECT_TRUE(near(lerp(ah.slice(1, 0, 1), bh, wh), lerp(af.slice(1, 0, 1), bf, wf))) << name(dt);
    EXPECT_TRUE(near(lerp(ah.t(), bh.t(), wh.t()), lerp(af.t(), bf.t(), wf.t()))) << name(dt);
    EXPECT_TRUE(near(addcmul(ah, bh, wh, 0.5), addcmul(af, bf, wf, 0.5))) << name(dt);
    EXPECT_TRUE(near(addcdiv(ah, bh, wh, 2), addcdiv(af, bf, wf, 2))) << name(dt);
  }
}

TEST(Pointwise, ClampByTensorsIsTheSameWithAndWithoutGradients) {
  // Without gradients, clamp by tensors is maximum then minimum; with them, where chains that
  // give the bounds their gradients: the same values, NaN in either place, broadcast bounds,
  // min above max (max wins) and integers.
  Generator gen(12);
  Tensor x = randn({4, 5}, gen, kFloat64), lo = randn({4, 1}, gen, kFloat64) - 0.5,
         hi = randn({5}, gen, kFloat64) + 0.5;
  x.index_put_({0, 1}, NAN);
  lo.index_put_({2, 0}, NAN);
  hi.index_put_({3}, -3.0);  // below some lows
  const Tensor plain = clamp(x, std::optional<Tensor>(lo), std::optional<Tensor>(hi));
  const Tensor graded = clamp(x.detach().requires_grad_(true), std::optional<Tensor>(lo), std::optional<Tensor>(hi));
  EXPECT_TRUE(graded.requires_grad());
  EXPECT_TRUE(close(plain, graded.detach(), 0, 0));
  EXPECT_TRUE(close(clamp(x, std::optional<Tensor>(), std::optional<Tensor>(hi)),
                    clamp(x, std::optional<Tensor>(), std::optional<Tensor>(hi.detach().requires_grad_(true))).detach(),
                    0, 0));
  const Tensor xi = tensor({-5, 0, 7}, kInt64);
  EXPECT_EQ(
      vals(clamp(xi, std::optional<Tensor>(tensor({-1, 2, 0}, kInt64)), std::optional<Tensor>(tensor({3}, kInt64)))),
      (std::vector<double>{-1, 2, 3}));
  EXPECT_EQ(clamp(xi, std::optional<Tensor>(tensor({0.5})), std::optional<Tensor>()).dtype(), kFloat32);
}

TEST(Pointwise, ClampByTensorsOneSidedAndInPlace) {
  const Tensor x = tensor({-2.0, 0.5, 3.0}, kFloat64), b = tensor({0.0, 1.0, 2.0}, kFloat64);
  EXPECT_EQ(vals(x.clamp_min(b)), (std::vector<double>{0, 1, 3}));
  EXPECT_EQ(vals(clamp_max(x, b)), (std::vector<double>{-2, 0.5, 2}));
  Tensor y = x.clone();
  EXPECT_TRUE(y.clamp_(b, std::optional<Tensor>(tensor({2.5}, kFloat64))).is_same(y));
  EXPECT_EQ(vals(y), (std::vector<double>{0, 1, 2.5}));
  y = x.clone();
  y.clamp_min_(b);
  EXPECT_EQ(vals(y), (std::vector<double>{0, 1, 3}));
  y = x.clone();
  clamp_max_(y, b);
  EXPECT_EQ(vals(y), (std::vector<double>{-2, 0.5, 2}));
  // Gradients through the in-place form reach the input (where it stayed) and the bound (where taken).
  const Tensor leaf = x.detach().requires_grad_(true), bound = b.detach().requires_grad_(true);
  Tensor z = leaf * 1.0;
  z.clamp_min_(bound);
  z.sum().backward();
  EXPECT_EQ(vals(leaf.grad()), (std::vector<double>{0, 0, 1}));
  EXPECT_EQ(vals(bound.grad()), (std::vector<double>{1, 1, 0}));
  // An integer tensor keeps integer bounds in place, refuses float ones; bounds may not grow it.
  Tensor k = tensor({-5, 0, 7}, kInt64);
  k.clamp_(std::optional<Tensor>(tensor({-1}, kInt64)), std::optional<Tensor>(tensor({3}, kInt64)));
  EXPECT_EQ(vals(k), (std::vector<double>{-1, 0, 3}));
  EXPECT_THROW_WITH(k.clamp_min_(tensor({0.5})), TypeError,
                    "clamp_: the float32 result can't be cast to the input's dtype int64");
  EXPECT_THROW_WITH(x.clone().clamp_max_(zeros({2, 3}, kFloat64)), Error,
                    "clamp_: the bounds would broadcast the input of shape [3] to [2, 3]");
  EXPECT_THROW_WITH(tensor({true}).clamp_(std::optional<Tensor>(tensor({false}))), TypeError,
                    "clamp_: not supported for bool tensors");
  EXPECT_THROW_WITH(x.clone().clamp_(std::optional<Tensor>(), std::optional<Tensor>()), Error,
                    "at least one of min and max must be given");
}

TEST(Pointwise, ClampWhereLerp) {
  Tensor x = tensor({-2.0, -0.5, 0.5, 2.0}, kFloat64);
  EXPECT_EQ(vals(x.clamp(-1, 1)), (std::vector<double>{-1, -0.5, 0.5, 1}));
  EXPECT_EQ(vals(x.clamp(0)), (std::vector<double>{0, 0, 0.5, 2}));
  EXPECT_EQ(vals(x.clamp(std::nullopt, 0)), (std::vector<double>{-2, -0.5, 0, 0}));
  EXPECT_EQ(vals(x.clamp_min(1)), (std::vector<double>{1, 1, 1, 2}));
  EXPECT_EQ(vals(x.clamp_max(-1)), (std::vector<double>{-2, -1, -1, -1}));
  EXPECT_EQ(vals(clamp(x, std::optional<Tensor>(full({4}, -1.0, kFloat64)), std::optional<Tensor>(ones({4}, kFloat64)))),
            (std::vector<double>{-1, -0.5, 0.5, 1}));
  Tensor y = x.clone();
  y.clamp_(-1, 1);
  EXPECT_EQ(vals(y), (std::vector<double>{-1, -0.5, 0.5, 1}));
  EXPECT_EQ(vals(tensor({-5, 5}).clamp(-2, 2)), (std::vector<double>{-2, 2}));
  EXPECT_THROW_WITH(x.clamp(std::optional<Scalar>(), std::nullopt), Error, "at least one of min and max");
  Tensor cond = tensor({true, false, true, false});
  EXPECT_EQ(vals(where(cond, x, zeros_like(x))), (std::vector<double>{-2, 0, 0.5, 0}));
  EXPECT_EQ(vals(where(cond, 1.0, x)), (std::vector<double>{1, -0.5, 1, 2}));
  EXPECT_EQ(vals(where(cond, 1, 0)), (std::vector<double>{1, 0, 1, 0}));
  EXPECT_EQ(where(tensor({true}).view({1, 1}), ones({3}), zeros({2, 1})).sizes(), (Shape{2, 3}));
  EXPECT_THROW_WITH(where(ones({2}), x, x), TypeError, "condition must be a bool tensor");
  EXPECT_EQ(vals(lerp(zeros({2}, kFloat64), full({2}, 10.0, kFloat64), 0.3)), (std::vector<double>{3, 3}));
  EXPECT_EQ(vals(lerp(zeros({2}, kFloat64), full({2}, 10.0, kFloat64), tensor({0.1, 0.5}, kFloat64))),
            (std::vector<double>{1, 5}));
  Tensor l = zeros({2}, kFloat64);
  l.lerp_(ones({2}, kFloat64), 0.25);
  EXPECT_EQ(vals(l), (std::vector<double>{0.25, 0.25}));
  EXPECT_EQ(vals(square(tensor({3.0f}))), (std::vector<double>{9}));
  // NaN stays NaN through numeric bounds; a NaN bound makes everything NaN, as in PyTorch.
  const Tensor n = tensor({NAN, -3.0f, 0.25f, 7.0f});
  const std::vector<double> c = vals(n.clamp(-1, 1));
  EXPECT_TRUE(std::isnan(c[0]));
  EXPECT_EQ(std::vector<double>(c.begin() + 1, c.end()), (std::vector<double>{-1, 0.25, 1}));
  EXPECT_TRUE(std::isnan(vals(n.clamp_min(0))[0]));
  EXPECT_TRUE(isnan(n.clamp(NAN, 1)).all().item<bool>());
}

TEST(Pointwise, TransposedAndPermutedOperandsTakeTheTiledLoops) {
  // Layouts whose inputs step through memory along the output's second dim, with sizes that
  // leave partial tiles, against the same ops on contiguous copies.
  Generator gen(9);
  const Tensor a = randn({37, 300}, gen, kFloat64), img = randn({3, 20, 9, 11}, gen);
  const Tensor at = a.t(), p = img.permute({0, 2, 3, 1});
  EXPECT_EQ(at.contiguous().to_vector<double>(), at.to_vector<double>());
  EXPECT_TRUE(close(at.exp(), at.contiguous().exp(), 1e-14, 1e-14));
  EXPECT_TRUE(close(at * 2.0 - at.contiguous(), at.contiguous(), 1e-14, 1e-14));
  EXPECT_TRUE(close(p + p.contiguous() * 3.0, p.contiguous() * 4.0, 1e-6, 1e-6));
  EXPECT_TRUE(equal(where(gt(p, 0), p, 0.0f), where(gt(p.contiguous(), 0), p.contiguous(), 0.0f)));
  EXPECT_TRUE(equal(p.clamp(-0.5, 0.5), p.contiguous().clamp(-0.5, 0.5)));
  Tensor q = zeros({3, 9, 11, 20});
  q.copy_(p);
  EXPECT_TRUE(equal(q, p.contiguous()));
  EXPECT_EQ(p.contiguous().to_vector<double>(), p.to_vector<double>());
}

TEST(Pointwise, ResultsKeepAPermutedInputsLayout) {
  // As in PyTorch: the first input with the result's shape decides its memory order, so that an
  // op on a permuted tensor is one linear pass; a contiguous or broadcast first input keeps the
  // result contiguous.
  Generator gen(12);
  const Tensor img = randn({3, 5, 4, 6}, gen), p = img.permute({0, 2, 3, 1});  // channels-last
  const Shape dense_p{120, 6, 1, 24};  // p's own strides: it is dense, in another order
  for (const Tensor& r : {p + 1.0, 1.0 + p, p.exp(), relu(p), gelu(p), p.clamp(-1, 1), gt(p, 0), isnan(p),
                          where(gt(p, 0), p, 0.0f), p * p.contiguous()}) {
    EXPECT_FALSE(r.is_contiguous());
    EXPECT_EQ(r.strides(), dense_p) << r.strides().str();
  }
  EXPECT_TRUE(equal(p.exp().contiguous(), p.contiguous().exp()));
  EXPECT_TRUE(equal((p * 2.0 + p).contiguous(), p.contiguous() * 3.0));
  // A contiguous first operand, a broadcast one, an expanded one.
  EXPECT_TRUE((p.contiguous() + p).is_contiguous());
  EXPECT_TRUE(equal(p.contiguous() + p, p.contiguous() * 2.0));
  EXPECT_EQ((randn({5}, gen) + p).strides(), dense_p);
  EXPECT_EQ((randn({6, 1}, gen).expand({3, 4, 6, 5}) + p).strides(), dense_p);
  // A transposed slice: not dense, but its order of dims is kept.
  const Tensor a = randn({10, 8}, gen), s = a.t().slice(1, 0, 10, 2);  // [8, 5], strides (1, 16)
  EXPECT_EQ((s * 3.0).strides(), Shape({1, 8}));
  EXPECT_TRUE(close((s * 3.0).contiguous(), s.contiguous() * 3.0, 0, 0));
  // Such a result cannot be viewed as flat, as in PyTorch; reshape copies.
  EXPECT_THROW_WITH((p + 1.0).view({-1}), Error, "view");
  EXPECT_TRUE(equal((p + 1.0).reshape({-1}), (p.contiguous() + 1.0).reshape({-1})));
  // In place on a permuted tensor with a contiguous other, and gradients through both layouts.
  Tensor q = p.contiguous().permute({0, 3, 1, 2});  // img's values, stored channels-last
  ASSERT_FALSE(q.is_contiguous());
  q.add_(img);
  EXPECT_TRUE(equal(q.contiguous(), img * 2.0));
  Tensor x = randn({4, 3, 5}, gen, kFloat64).requires_grad_(true);
  EXPECT_TRUE(autograd::gradcheck([](const tensor_list& in) { return (in[0].permute({2, 0, 1}).sin() * 2.0).tanh(); },
                        {x}));
  Tensor y = x.permute({2, 0, 1}).exp();
  y.sum().backward();
  EXPECT_TRUE(close(x.grad(), x.detach().exp(), 1e-14, 0));
}

TEST(Pointwise, Activations) {
  Tensor x = tensor({-2.0, -0.5, 0.0, 0.5, 3.0}, kFloat64);
  auto each = [&](const std::function<double(double)>& f) {
    std::vector<double> v = vals(x);
    for (double& e : v) e = f(e);
    return tensor(v, kFloat64);
  };
  EXPECT_TRUE(close(leaky_relu(x, 0.1), each([](double v) { return v > 0 ? v : 0.1 * v; })));
  EXPECT_TRUE(close(elu(x, 1.5), each([](double v) { return v > 0 ? v : 1.5 * (std::exp(v) - 1); })));
  EXPECT_TRUE(close(gelu(x), each([](double v) { return 0.5 * v * (1 + std::erf(v / std::sqrt(2.0))); })));
  EXPECT_TRUE(close(gelu(x, "tanh"), each([](double v) {
    return 0.5 * v * (1 + std::tanh(std::sqrt(2 / M_PI) * (v + 0.044715 * v * v * v)));
  })));
  EXPECT_TRUE(close(silu(x), each([](double v) { return v / (1 + std::exp(-v)); })));
  EXPECT_TRUE(close(softplus(x), each([](double v) { return std::log1p(std::exp(v)); })));
  EXPECT_TRUE(close(softplus(x, 2.0, 1.0), each([](double v) { return 2 * v > 1 ? v : std::log1p(std::exp(2 * v)) / 2; })));
  EXPECT_EQ(vals(softplus(tensor({1000.0f})))[0], 1000.0);  // no overflow
  Tensor y = x.clone();
  leaky_relu_(y, 0.1);
  EXPECT_TRUE(close(y, leaky_relu(x, 0.1)));
  Tensor z = x.clone();
  gelu_(z);
  EXPECT_TRUE(close(z, gelu(x)));
  Tensor w = x.clone();
  elu_(w);
  silu_(w);
  softplus_(w);
  EXPECT_TRUE(close(w, softplus(silu(elu(x)))));
  EXPECT_THROW_WITH(gelu(x, "fast"), ValueError, "approximate");
  EXPECT_THROW_WITH(leaky_relu(tensor({1, 2})), TypeError, "floating-point");
}

// float32 erf, GELU and SiLU over dense runs, where the vector kernels (16 lanes where the CPU
// has AVX-512, 8 where not and under the avx2_vector_kernels test) do nearly all of the work: erf
// within 1.25 ulp of double's everywhere (scripts/fit_erf_table.py finds 1.05), the edges exact,
// and GELU, SiLU and their gradients within float rounding of the double formulas.
TEST(Pointwise, Float32ErfGeluAndSiluOnLongRuns) {
  std::vector<float> xs;
  for (int i = -60000; i <= 60000; ++i) xs.push_back(static_cast<float>(i) * 1e-4f);  // [-6, 6]
  for (float v = 1e-38f; v < 1; v *= 1.37f) xs.insert(xs.end(), {v, -v});             // tiny to 1
  for (float v = 3.9f; v < 4.1f; v += 1e-5f) xs.push_back(v);                         // around the last piece
  for (float v = 0.45f; v < 0.55f; v += 1e-6f) xs.push_back(v);                       // where erf nears 0.5
  xs.insert(xs.end(), {0.0f, -0.0f, INFINITY, -INFINITY, 1e30f, -1e30f, 1e-45f, 3.75f, 0.25f, 0.5f});
  const Tensor x = tensor(xs);
  const std::vector<double> e = vals(erf(x));
  for (size_t i = 0; i < xs.size(); ++i) {
    const double ref = std::erf(static_cast<double>(xs[i]));
    const double ulp =
        std::nextafter(static_cast<float>(std::fabs(ref)), INFINITY) - static_cast<float>(std::fabs(ref));
    ASSERT_LE(std::fabs(e[i] - ref), 1.25 * ulp) << "erf(" << xs[i] << ") = " << e[i] << ", not " << ref;
  }
  EXPECT_TRUE(std::signbit(e[xs.size() - 9]));  // erf(-0) = -0
  EXPECT_EQ(vals(erf(full({16}, 4.0f))), std::vector<double>(16, 1.0));
  EXPECT_EQ(vals(erf(full({16}, -INFINITY))), std::vector<double>(16, -1.0));
  const std::vector<double> nan = vals(erf(tensor(std::vector<float>(32, NAN))));
  for (double v : nan) EXPECT_TRUE(std::isnan(v));

  const Tensor g = x.slice(0, 0, 120001).requires_grad_(true);
  Tensor y = gelu(g);
  y.backward(ones_like(y));
  const std::vector<double> yv = vals(y), dv = vals(g.grad());
  for (int64_t i = 0; i < 120001; ++i) {
    const double v = xs[i], cdf = 0.5 * (1 + std::erf(v * M_SQRT1_2));
    const double ref = v * cdf, dref = cdf + v * std::exp(-0.5 * v * v) / std::sqrt(2 * M_PI);
    ASSERT_NEAR(yv[i], ref, 3e-7 * (1 + std::fabs(ref))) << "gelu(" << v << ")";
    ASSERT_NEAR(dv[i], dref, 4e-7 * (1 + std::fabs(dref))) << "gelu'(" << v << ")";
  }
  const Tensor h = x.slice(0, 0, 120001).detach().requires_grad_(true);
  Tensor z = silu(h);
  z.backward(full({120001}, 0.5f));
  const std::vector<double> zv = vals(z), hv = vals(h.grad());
  for (int64_t i = 0; i < 120001; ++i) {
    const double v = xs[i], s = 1 / (1 + std::exp(-v));
    ASSERT_NEAR(zv[i], v * s, 3e-7 * (1 + std::fabs(v * s))) << "silu(" << v << ")";
    ASSERT_NEAR(hv[i], 0.5 * s * (1 + v * (1 - s)), 3e-7) << "silu'(" << v << ")";
  }
  // A gradient broadcast from one value (sum's) takes the kernels' one-value form.
  for (const auto& f : {+[](const Tensor& t) { return silu(t); }, +[](const Tensor& t) { return gelu(t); }}) {
    const Tensor a = h.detach().requires_grad_(true);
    (f(a).sum() * 0.5).backward();
    const Tensor b = h.detach().requires_grad_(true);
    f(b).backward(full({120001}, 0.5f));
    EXPECT_TRUE(close(a.grad(), b.grad(), 0, 0));
  }
}

// The 8-lane and 16-lane erf kernels evaluate one polynomial the same way, so a value does not
// depend on which of them computed it: a run of 4096 goes through the 16-lane one where the CPU
// has AVX-512, runs of 8 through the 8-lane one.
TEST(Pointwise, Float32ErfIsTheSameInEightAndSixteenLanes) {
  std::vector<float> xs;
  for (int i = 0; i < 4096; ++i) xs.push_back(-4.5f + 9.0f * static_cast<float>(i) / 4096);
  const Tensor x = tensor(xs);
  const std::vector<double> whole = vals(erf(x));
  for (int64_t i = 0; i < 4096; i += 8) {
    const std::vector<double> part = vals(erf(x.slice(0, i, i + 8)));
    for (int64_t j = 0; j < 8; ++j) ASSERT_EQ(part[j], whole[i + j]) << "erf(" << xs[i + j] << ")";
  }
}

// The fused kernels against the formulas computed in float64 from tensor ops, on runs long
// enough for the vector lanes and a tail, with NaN, infinities and huge values among them; and
// their backward kernel (plain and with an expanded gradient) against the derivative in tensor
// ops that create_graph takes.
// Far outside exp's range (saturated logits, -inf) the vector forms keep off libmvec's slow
// scalar path by shifting the argument (exp_wide) or substituting a harmless one (softplus,
// mish, expm1); the values stay those of double-precision formulas (below the smallest normal
// number, possibly 0).
TEST(Pointwise, ExpAndActivationsFarOutsideExpsRange) {
  std::vector<double> x;
  for (int i = -16000; i <= 16000; ++i) x.push_back(i * 0.05 + 0.013);  // [-800, 800]
  for (double edge : {87.0, 87.3, 88.7, 103.9, 104.0, 127.9, 708.0, 708.4, 709.7, 745.1})
    for (double sign : {-1.0, 1.0}) x.push_back(sign * edge);
  const double inf = INFINITY;
  x.insert(x.end(), {inf, -inf, NAN, 0.0, -0.0});
  for (DType dt : {kFloat32, kFloat64}) {
    SCOPED_TRACE(name(dt));
    const Tensor t = tensor(x, kFloat64).to(dt), t64 = t.to(kFloat64);
    // Results near the smallest normal number may be 0 (as 1 / (1 + e^100) and x / (1 + e^-x) at
    // x = -89 are in float).
    const double atol = dt == kFloat32 ? 1e-36 : 1e-305;
    auto expect = [&](const char* what, const Tensor& got, const Tensor& want, double rtol = 0) {
      SCOPED_TRACE(what);
      EXPECT_TRUE(close(got, want.to(dt), rtol > 0 ? rtol : (dt == kFloat32 ? 4e-7 : 4e-15), atol));
    };
    expect("exp", exp(t), exp(t64));
    expect("expm1", expm1(t), expm1(t64));
    expect("sigmoid", sigmoid(t), sigmoid(t64));
    expect("silu", silu(t), silu(t64));
    expect("elu", elu(t, 0.7), where(gt(t64, 0), t64, expm1(t64) * 0.7));
    expect("softplus", softplus(t), where(gt(t64, 20.0), t64, log1p(exp(t64))));
    expect("logsigmoid", F::logsigmoid(t), -where(gt(-t64, 40.0), -t64, log1p(exp(-t64))));
    expect("mish", mish(t), t64 * tanh(log1p(exp(t64))));
    const Tensor rows = t.narrow(0, 0, 32000).view({-1, 64}) * 8.0;  // spreads of thousands within a row
    expect("softmax", softmax(rows, 1), softmax(rows.to(kFloat64), 1), dt == kFloat32 ? 1e-5 : 1e-13);
  }
}

TEST(Pointwise, FusedActivationsMatchTheirFormulas) {
  using Fn = std::function<Tensor(const Tensor&)>;
  const std::vector<std::pair<std::string, Fn>> ops = {
      {"gelu", [](const Tensor& t) { return gelu(t); }},
      {"gelu_tanh", [](const Tensor& t) { return gelu(t, "tanh"); }},
      {"silu", [](const Tensor& t) { return silu(t); }},
      {"elu", [](const Tensor& t) { return elu(t, 0.7); }},
      {"leaky_relu", [](const Tensor& t) { return leaky_relu(t, 0.2); }},
      {"softplus", [](const Tensor& t) { return softplus(t, 1.5, 10.0); }},
      {"selu", [](const Tensor& t) { return selu(t); }},
      {"celu", [](const Tensor& t) { return celu(t, 0.6); }},
      {"hardtanh", [](const Tensor& t) { return hardtanh(t, -0.5, 2.0); }},
      {"relu6", [](const Tensor& t) { return relu6(t); }},
      {"hardsigmoid", [](const Tensor& t) { return hardsigmoid(t); }},
      {"hardswish", [](const Tensor& t) { return hardswish(t); }},
      {"mish", [](const Tensor& t) { return mish(t); }},
      {"nan_to_num(0.5, 7, -9)", [](const Tensor& t) { return nan_to_num(t, 0.5, 7.0, -9.0); }},
  };
  const double selu_alpha = 1.6732632423543772848170429916717, selu_scale = 1.0507009873554804934193349852946;
  const std::vector<Fn> refs = {
      [](const Tensor& t) { return t * 0.5 * (erf(t * M_SQRT1_2) + 1); },
      [](const Tensor& t) { return t * 0.5 * (tanh((t + t * t * t * 0.044715) * std::sqrt(2 / M_PI)) + 1); },
      [](const Tensor& t) { return t / (exp(-t) + 1); },
      [](const Tensor& t) { return where(gt(t, 0), t, expm1(t) * 0.7); },
      [](const Tensor& t) { return where(gt(t, 0), t, t * 0.2); },
      [](const Tensor& t) { return where(gt(t * 1.5, 10.0), t, log1p(exp(t * 1.5)) / 1.5); },
      [&](const Tensor& t) { return where(gt(t, 0), t, expm1(t) * selu_alpha) * selu_scale; },
      [](const Tensor& t) { return where(gt(t, 0), t, expm1(t / 0.6) * 0.6); },
      [](const Tensor& t) { return where(isnan(t), t, t.clamp(-0.5, 2.0)); },
      [](const Tensor& t) { return where(isnan(t), t, t.clamp(0.0, 6.0)); },
      [](const Tensor& t) { return where(isnan(t), t, (t + 3).clamp(0.0, 6.0) / 6); },
      [](const Tensor& t) { return where(le(t, -3.0), 0.0, t * where(isnan(t), t, (t + 3).clamp(0.0, 6.0) / 6)); },
      [](const Tensor& t) { return t * tanh(where(gt(t, 20.0), t, log1p(exp(t)))); },
      [](const Tensor& t) { return where(isnan(t), 0.5, where(isinf(t), where(gt(t, 0), 7.0, -9.0), t)); },
  };
  Generator gen(7);
  for (DType dt : {kFloat32, kFloat64}) {
    Tensor x = randn({1003}, gen, TensorOptions().dtype(dt)) * 4;
    x.index_put_({tensor({5, 100, 500, 1001})}, tensor({NAN, INFINITY, -INFINITY, 90.0}, dt));
    const double rtol = dt == kFloat32 ? 2e-6 : 1e-12;
    for (size_t k = 0; k < ops.size(); ++k) {
      SCOPED_TRACE(ops[k].first + " " + std::string(name(dt)));
      const Tensor got = ops[k].second(x);
      const Tensor want = refs[k](x.to(kFloat64));
      EXPECT_TRUE(allclose(got.to(kFloat64), want, rtol, 1e-6, /*equal_nan=*/true));
      EXPECT_TRUE(allclose(ops[k].second(x.view({17, 59}).t()), want.view({17, 59}).t().to(dt), rtol, 1e-6, true));

      Tensor leaf = x.clone().requires_grad_(true);
      const Tensor dy = randn({1003}, gen, TensorOptions().dtype(dt));
      const Tensor fused = autograd::grad({ops[k].second(leaf)}, {leaf}, {dy})[0];
      const Tensor composed = autograd::grad({ops[k].second(leaf)}, {leaf}, {dy}, std::nullopt, true)[0];
      // The composed gradients take tanh and exp from the unary kernels, which may run other
      // vector routines than the fused ones (16 lanes on AVX-512): in float32, gelu_tanh's
      // 1 - tanh^2 near saturation then differs by a few 1e-6 (the float64 value lies between).
      const double grad_atol = dt == kFloat32 ? 4e-6 : 1e-6;
      EXPECT_TRUE(allclose(fused, composed.detach(), rtol * 4, grad_atol, true));
      const Tensor summed = autograd::grad({ops[k].second(leaf).sum()}, {leaf})[0];
      const Tensor summed_composed = autograd::grad({ops[k].second(leaf).sum()}, {leaf}, {}, std::nullopt, true)[0];
      EXPECT_TRUE(allclose(summed, summed_composed.detach(), rtol * 4, grad_atol, true));
    }
  }
  // 16-bit inputs compute in float and round once: long runs on widened blocks (and a broadcast
  // gradient), strided ones element by element.
  const Tensor h = randn({40}, gen);
  for (DType dt : {kFloat16, kBFloat16}) {
    const double eps = dt == kFloat16 ? 1.0 / 1024 : 1.0 / 128;
    const Tensor xr = (randn({1100}, gen) * 4).to(dt), xf = xr.to(kFloat32);
    const Tensor dy = randn({1100}, gen).to(dt);
    for (size_t k = 0; k < ops.size(); ++k) {
      SCOPED_TRACE(ops[k].first + " " + std::string(name(dt)));
      EXPECT_TRUE(close(ops[k].second(xr), ops[k].second(xf).to(dt), eps, 1e-6));
      EXPECT_TRUE(close(ops[k].second(xr.view({20, 55}).t()), ops[k].second(xf.view({20, 55}).t()).to(dt), eps, 1e-6));
      Tensor leaf = xr.clone().requires_grad_(true), leaf_f = xf.clone().requires_grad_(true);
      EXPECT_TRUE(close(autograd::grad({ops[k].second(leaf)}, {leaf}, {dy})[0],
                        autograd::grad({ops[k].second(leaf_f)}, {leaf_f}, {dy.to(kFloat32)})[0].to(dt), eps, 1e-6));
      EXPECT_TRUE(close(autograd::grad({ops[k].second(leaf).sum()}, {leaf})[0],
                        autograd::grad({ops[k].second(leaf_f).sum()}, {leaf_f})[0].to(dt), eps, 1e-6));
    }
  }
  // In place outside recording: the kernel writes self, and the version moves.
  Tensor y = h.clone();
  const uint32_t version = y.version();
  silu_(y);
  EXPECT_GT(y.version(), version);
  EXPECT_TRUE(allclose(y, silu(h)));
  EXPECT_THROW_WITH(softplus(h, 0.0), ValueError, "softplus: beta must be non-zero");
  EXPECT_THROW_WITH(softplus_(y, 0.0), ValueError, "softplus_: beta must be non-zero");
  EXPECT_THROW_WITH(gelu_(y, "fast"), ValueError, "gelu_: approximate");
  EXPECT_THROW_WITH(elu_(tensor({1, 2}), 1.0), TypeError, "elu_: expected a floating-point tensor, got int64");
  EXPECT_THROW_WITH(celu(h, 0.0), ValueError, "celu: alpha must be non-zero");
  EXPECT_THROW_WITH(hardtanh_(y, 2.0, 1.0), ValueError, "hardtanh_: min_val (2) must not exceed max_val (1)");
  EXPECT_THROW_WITH(mish(tensor({1, 2})), TypeError, "mish: expected a floating-point tensor, got int64");
}

// The gradients of the clamping activations at their bounds are PyTorch's: hardtanh, relu6 and
// hardsigmoid pass none at the bound, hardswish takes the outer side's slope there.
TEST(Pointwise, ClampingActivationsAtTheirBounds) {
  Tensor x = tensor({-3.0, -1.0, 0.0, 1.0, 3.0, 6.0}, kFloat64).requires_grad_(true);
  auto grad_of = [&](const Tensor& y) { return autograd::grad({y.sum()}, {x})[0]; };
  EXPECT_TRUE(close(grad_of(hardtanh(x)), tensor({0.0, 0.0, 1.0, 0.0, 0.0, 0.0}, kFloat64)));
  EXPECT_TRUE(close(grad_of(relu6(x)), tensor({0.0, 0.0, 0.0, 1.0, 1.0, 0.0}, kFloat64)));
  EXPECT_TRUE(close(grad_of(hardsigmoid(x)), tensor({0.0, 1 / 6.0, 1 / 6.0, 1 / 6.0, 0.0, 0.0}, kFloat64)));
  EXPECT_TRUE(close(grad_of(hardswish(x)), tensor({0.0, 1 / 6.0, 0.5, 5 / 6.0, 1.0, 1.0}, kFloat64)));
  EXPECT_TRUE(close(hardswish(x), tensor({0.0, -1 / 3.0, 0.0, 2 / 3.0, 3.0, 6.0}, kFloat64)));
  EXPECT_EQ(relu6(x).grad_fn()->name(), "HardtanhBackward");
  Tensor y = x.detach().clone();
  relu6_(y);
  EXPECT_TRUE(close(y, tensor({0.0, 0.0, 0.0, 1.0, 3.0, 6.0}, kFloat64)));
}

TEST(Pointwise, ComposedPointwiseOps) {
  Tensor x = tensor({1.0, -2.0, 3.0}, kFloat64), a = tensor({2.0, 2.0, 2.0}, kFloat64);
  Tensor b = tensor({4.0, -1.0, 0.5}, kFloat64);
  EXPECT_TRUE(close(addcmul(x, a, b, 0.5), x + a * b * 0.5));
  EXPECT_TRUE(close(x.addcdiv(a, b, 2), x + a / b * 2));
  Tensor y = x.clone();
  y.addcmul_(a, b);
  EXPECT_TRUE(close(y, x + a * b));
  y.addcdiv_(a, b, -1);
  EXPECT_TRUE(close(y, x + a * b - a / b));
  EXPECT_THROW_WITH(addcdiv(x, tensor({1, 2, 3}), tensor({1, 1, 1})), TypeError, "addcdiv: integer division");
  // Only self needs a gradient: the divisor is not saved then, and the backward must not read it.
  Tensor s = x.clone().requires_grad_(true);
  addcdiv(s, a, b, 2).sum().backward();
  EXPECT_EQ(vals(s.grad()), (std::vector<double>{1, 1, 1}));
}

TEST(Pointwise, FusedTernaryOps) {
  Tensor x = tensor({1.0, -2.0, 3.0}, kFloat64), a = tensor({2.0, 2.0, 2.0}, kFloat64);
  // Broadcast together: [2, 1] x [3] x [] -> [2, 3], promoted to the widest dtype.
  Tensor col = tensor({1.0f, 10.0f}).reshape({2, 1});
  Tensor r = addcmul(col, x, tensor(2.0f), 0.5);
  EXPECT_EQ(r.sizes(), (Shape{2, 3}));
  EXPECT_EQ(r.dtype(), kFloat64);
  EXPECT_EQ(vals(r), (std::vector<double>{2, -1, 4, 11, 8, 13}));
  EXPECT_EQ(addcmul(col, x.to(kFloat32), x.to(kFloat32)).dtype(), kFloat32);
  // Integers stay integers; a fractional value is truncated, as PyTorch's (-2.5 scales by -2).
  Tensor i = tensor({1, 2, 3});
  EXPECT_EQ(vals(addcmul(i, i, i, -2)), (std::vector<double>{-1, -6, -15}));
  EXPECT_EQ(vals(addcmul(i, i, i, -2.5)), (std::vector<double>{-1, -6, -15}));
  EXPECT_EQ(vals(i.clone().addcmul_(i, i, 0.5)), (std::vector<double>{1, 2, 3}));
  EXPECT_EQ(addcmul(i, i, i).dtype(), kInt64);
  EXPECT_THROW_WITH(addcdiv(i, i, i, 0.5), TypeError, "addcdiv");
  EXPECT_EQ(vals(addcmul(tensor({true, false}), tensor({true, true}), tensor({false, true}))),
            (std::vector<double>{1, 1}));
  EXPECT_THROW_WITH(addcmul(x, tensor({1.0, 2.0}, kFloat64), x), Error,
                    "addcmul: shapes [3] and [2] are not broadcastable");
  // In place, with an operand that is self seen another way (read from a copy, not half-updated).
  Tensor y = tensor({1.0, 2.0, 3.0}, kFloat64);
  y.addcmul_(y.flip({0}), a);
  EXPECT_EQ(vals(y), (std::vector<double>{7, 6, 5}));
  Tensor z = tensor({1.0f, 2.0f, 3.0f});
  z.addcdiv_(x, a, 2);  // float64 operands into a float32 tensor: computed in float64, then stored
  EXPECT_EQ(vals(z), (std::vector<double>{2, 0, 6}));
  EXPECT_THROW_WITH(i.addcmul_(x, x), TypeError, "addcmul_: the result type float64 can't be cast");
  EXPECT_THROW_WITH(tensor({1.0}).addcmul_(x, x), Error,
                    "addcmul_: the result of broadcasting shapes [1], [3] and [3] does not fit the tensor's shape [1]");
  // lerp is exact at both ends, on either side of the switch between its two forms.
  Tensor s = tensor({0.1, -7.3, 1e8}, kFloat64), e = tensor({3.3, 0.2, -1e-8}, kFloat64);
  EXPECT_EQ(vals(lerp(s, e, 0.0)), vals(s));
  EXPECT_EQ(vals(lerp(s, e, 1.0)), vals(e));
  EXPECT_TRUE(
      close(lerp(s, e, tensor({0.25, 0.5, 0.75}, kFloat64)), s + (e - s) * tensor({0.25, 0.5, 0.75}, kFloat64)));
  EXPECT_TRUE(close(lerp(s.to(kBFloat16), e.to(kBFloat16), 0.5).to(kFloat64),
                    lerp(s.to(kBFloat16).to(kFloat64), e.to(kBFloat16).to(kFloat64), 0.5), 1e-2));
  EXPECT_THROW_WITH(lerp(i, i, 0.5), TypeError, "lerp: expected floating-point or complex tensors, got int64, int64");
  EXPECT_THROW_WITH(lerp(s, e, i), TypeError,
                    "lerp: expected floating-point or complex tensors, got float64, float64 and int64");
  // Backward saves only what it reads: changing self in place after addcmul is fine.
  Tensor p = tensor({1.0, 2.0}, kFloat64).requires_grad_(), q = tensor({3.0, 4.0}, kFloat64).requires_grad_();
  Tensor base = tensor({0.0, 0.0}, kFloat64);
  Tensor out = addcmul(base, p, q, 2);
  base.add_(1);
  out.sum().backward();
  EXPECT_EQ(vals(p.grad()), (std::vector<double>{6, 8}));
  EXPECT_EQ(vals(q.grad()), (std::vector<double>{2, 4}));
  EXPECT_EQ(out.grad_fn()->name(), "AddcmulBackward");
  // logaddexp stays finite where exp overflows, and handles equal infinities.
  Tensor big = tensor({1000.0, -INFINITY, INFINITY, 0.0}, kFloat64);
  EXPECT_TRUE(close(logaddexp(big, big.clone()),
                    tensor({1000.0 + std::log(2.0), -INFINITY, INFINITY, std::log(2.0)}, kFloat64)));
  // Mixed pairs: an infinity against a number or the other infinity, and NaN, which stays NaN
  // (the equal-infinities NaN of min - max becomes 0; a NaN input's does not reach the result).
  const Tensor other = tensor({-INFINITY, 2.0, -INFINITY, NAN}, kFloat64);
  EXPECT_TRUE(close(logaddexp(big, other), tensor({1000.0, 2.0, INFINITY, NAN}, kFloat64)));
  EXPECT_TRUE(close(logaddexp(other, big), tensor({1000.0, 2.0, INFINITY, NAN}, kFloat64)));
  EXPECT_TRUE(close(logaddexp2(big, other), tensor({1000.0, 2.0, INFINITY, NAN}, kFloat64)));
  // logaddexp2 likewise, in base 2.
  EXPECT_TRUE(close(logaddexp2(big, big.clone()), tensor({1001.0, -INFINITY, INFINITY, 1.0}, kFloat64)));
  EXPECT_TRUE(close(logaddexp2(tensor({3.0}, kFloat64), tensor({1.0}, kFloat64)), tensor({std::log2(10.0)}, kFloat64)));
  // The same pairs in float32 and float64 rows long enough for the vector lanes, beside gaps whose
  // exponential is far below libmvec's range, and a broadcast operand: each element as the
  // formula gives it one at a time.
  for (DType dt : {kFloat32, kFloat64}) {
    SCOPED_TRACE(name(dt));
    std::vector<double> a, b;
    for (int k = 0; k < 5; ++k) {
      a.insert(a.end(), {1000.0, -INFINITY, INFINITY, 0.0, 1000.0, -INFINITY, INFINITY, NAN, 0.0, -3.0, 5.0});
      b.insert(b.end(), {1000.0, -INFINITY, INFINITY, 0.0, -INFINITY, 2.0, -INFINITY, 1.0, -120.0, -800.0, 4.5});
    }
    const Tensor x = tensor(a, dt), y = tensor(b, dt);
    for (bool base2 : {false, true}) {
      const Tensor got = base2 ? logaddexp2(x, y) : logaddexp(x, y);
      const Tensor swapped = base2 ? logaddexp2(y, x) : logaddexp(y, x);
      const std::vector<double> g = vals(got), s = vals(swapped);
      for (size_t i = 0; i < a.size(); ++i) {
        const double m = std::isnan(a[i]) || std::isnan(b[i]) ? NAN : std::max(a[i], b[i]);
        const double gap = std::isinf(a[i]) && a[i] == b[i] ? 0.0 : std::min(a[i], b[i]) - m;
        const double want = base2 ? m + std::log1p(std::exp2(gap)) / std::log(2.0) : m + std::log1p(std::exp(gap));
        const double w = dt == kFloat32 ? static_cast<float>(want) : want;
        SCOPED_TRACE(i);
        if (std::isnan(w)) {
          EXPECT_TRUE(std::isnan(g[i]) && std::isnan(s[i]));
        } else if (std::isinf(w)) {
          EXPECT_EQ(g[i], w);
          EXPECT_EQ(s[i], w);
        } else {
          const double tol = (dt == kFloat32 ? 2e-7 : 1e-15) * std::max(1.0, std::fabs(w)) + 1e-300;
          EXPECT_NEAR(g[i], w, tol);
          EXPECT_NEAR(s[i], w, tol);
        }
      }
      const Tensor column = base2 ? logaddexp2(x.view({5, 11}), y.view({5, 11}).select(0, 0))
                                  : logaddexp(x.view({5, 11}), y.view({5, 11}).select(0, 0));
      EXPECT_TRUE(close(column, got.view({5, 11}), 3e-7, 0));
    }
  }
  EXPECT_THROW_WITH(logaddexp(tensor({1, 2}), tensor({3, 4})), TypeError,
                    "logaddexp: expected floating-point operands, got int64");
  EXPECT_THROW_WITH(logaddexp2(tensor({1}), 2), TypeError, "logaddexp2: expected floating-point operands, got int64");
  // PyTorch's gradient: grad / (1 + e^(other - self)) for self.
  Tensor la = tensor({0.0, 2.0}, kFloat64).requires_grad_(), lb = tensor({0.0, -1.0}, kFloat64).requires_grad_();
  logaddexp(la, lb).sum().backward();
  EXPECT_TRUE(close(la.grad(), tensor({0.5, 1 / (1 + std::exp(-3.0))}, kFloat64)));
  EXPECT_TRUE(close(lb.grad(), tensor({0.5, 1 / (1 + std::exp(3.0))}, kFloat64)));
  EXPECT_TRUE(close(tensor({3.0}).hypot(tensor({4.0})), tensor({5.0})));
  // IEEE hypot: an infinite side wins over NaN; squares that overflow do not; integers promote.
  const Tensor h =
      hypot(tensor({INFINITY, NAN, 1e200, 0.0, -3.0}, kFloat64), tensor({NAN, -INFINITY, 1e200, 0.0, NAN}, kFloat64));
  const std::vector<double> hv = vals(h);
  EXPECT_EQ(hv[0], INFINITY);
  EXPECT_EQ(hv[1], INFINITY);
  EXPECT_NEAR(hv[2] / 1e200, std::sqrt(2.0), 1e-15);
  EXPECT_EQ(hv[3], 0.0);
  EXPECT_TRUE(std::isnan(hv[4]));
  EXPECT_EQ(hypot(tensor({3, 5}), tensor({4.0f, 12.0f})).dtype(), kFloat32);
  EXPECT_EQ(vals(hypot(tensor({3, 5}), tensor({4.0f, 12.0f}))), (std::vector<double>{5, 13}));
  EXPECT_EQ(vals(hypot(tensor({3.0f}, kFloat16), tensor({4.0f}, kFloat16))), (std::vector<double>{5}));
  EXPECT_THROW_WITH(hypot(tensor({3}), tensor({4})), TypeError, "hypot: expected floating-point operands, got int64");
  Tensor odd = tensor({NAN, INFINITY, -INFINITY, 1.5f});
  const double fmax = std::numeric_limits<float>::max();
  EXPECT_EQ(vals(odd.nan_to_num()), (std::vector<double>{0, fmax, -fmax, 1.5}));
  EXPECT_EQ(vals(nan_to_num(odd, 1, 2, -3)), (std::vector<double>{1, 2, -3, 1.5}));
  EXPECT_EQ(vals(nan_to_num(odd.to(kFloat16))), (std::vector<double>{0, 65504, -65504, 1.5}));
  // Replacements beyond the dtype's range (which round to infinity).
  EXPECT_EQ(vals(nan_to_num(odd, 7.0, INFINITY)), (std::vector<double>{7, INFINITY, -fmax, 1.5}));
  EXPECT_EQ(vals(nan_to_num(odd, 0, 1.0, -1e3)), (std::vector<double>{0, 1, -1000, 1.5}));
  EXPECT_EQ(vals(nan_to_num(tensor({2.0, -INFINITY}, kFloat64), 0, 1.0)),
            (std::vector<double>{2, -std::numeric_limits<double>::max()}));
  EXPECT_EQ(vals(nan_to_num(tensor({INFINITY, 1e300}, kFloat64))),
            (std::vector<double>{std::numeric_limits<double>::max(), 1e300}));
  // Long runs (the vector lanes) of each floating dtype, a view and in place.
  const std::vector<std::pair<DType, double>> largest = {{kFloat32, fmax},
                                                         {kFloat64, std::numeric_limits<double>::max()},
                                                         {kFloat16, 65504.0},
                                                         {kBFloat16, 3.38953138925153547590e38}};
  for (const auto& [dt, big] : largest) {
    SCOPED_TRACE(name(dt));
    const Tensor run = odd.to(dt).repeat({50});
    EXPECT_EQ(vals(nan_to_num(run)), vals(tensor({0.0, big, -big, 1.5}, kFloat64).repeat({50})));
    EXPECT_TRUE(close(nan_to_num(run.view({50, 4}).t(), 1, 2, 3),
                      tensor({1.0, 2.0, 3.0, 1.5}, dt).repeat({50}).view({50, 4}).t(), 0, 0));
    Tensor in_place = run.clone();
    EXPECT_TRUE(in_place.nan_to_num_(1, 2, 3).is_same(in_place));
    EXPECT_TRUE(close(in_place, tensor({1.0, 2.0, 3.0, 1.5}, dt).repeat({50}), 0, 0));
  }
  EXPECT_EQ(vals(nan_to_num(tensor({3, -4}))), (std::vector<double>{3, -4}));
  EXPECT_EQ(vals(isclose(tensor({1.0, NAN, 2.0}), tensor({1.0 + 1e-9, NAN, 2.1}))), (std::vector<double>{1, 0, 0}));
  EXPECT_EQ(vals(isclose(tensor({NAN}), tensor({NAN}), 1e-5, 1e-8, true)), (std::vector<double>{1}));
  // An infinite difference is never within a tolerance: inf and -inf, 1e30 and inf (equal infinities are).
  EXPECT_EQ(vals(isclose(tensor({INFINITY, 1e30f, INFINITY}), tensor({-INFINITY, INFINITY, INFINITY}), 0.5, 1.0)),
            (std::vector<double>{0, 0, 1}));
  EXPECT_FALSE(allclose(tensor({INFINITY}), tensor({-INFINITY}), 1.0, 1.0));
  EXPECT_THROW_WITH(isclose(x, x, -1.0), ValueError, "isclose: rtol and atol must be non-negative");
}

TEST(Elementwise, TorchsEdgeForms) {
  // A uint8 mask is "not zero", as PyTorch still takes it.
  EXPECT_EQ(vals(where(tensor({1, 0, 7}, kUInt8), tensor({1.0, 2.0, 3.0}), tensor({-1.0, -2.0, -3.0}))),
            (std::vector<double>{1, -2, 3}));
  // Integers meet threshold truncated to an integer (-2.5 is -2), as PyTorch casts it.
  EXPECT_EQ(vals(nn::functional::threshold(tensor({-2, -3, 1}, kInt8), -2.5, -1)), (std::vector<double>{-1, -1, 1}));
  // diff with n = 0 is the input, before prepend and append join it.
  EXPECT_EQ(vals(diff(tensor({1, 5}), 0, 0, tensor({3}))), (std::vector<double>{1, 5}));
  // A number divided by (or times the log of) unsigned integers keeps its sign: it is made in the
  // floating result type, not wrapped into uint8 first.
  EXPECT_EQ(vals(div(-1, tensor({4, 2}, kUInt8))), (std::vector<double>{-0.25, -0.5}));
  EXPECT_TRUE(close(xlogy(-1, tensor({4, 2}, kUInt8)), tensor({-std::log(4.0f), -std::log(2.0f)})));
}

TEST(Elementwise, PowGradientKeepsANumberExponentsPrecision) {
  // The exponent 1/3 arrives as a wrapped float64 number; e - 1 must not round it to float32.
  Tensor x = tensor({0.5, 2.0, 7.0}, kFloat64).requires_grad_(true);
  x.pow(1.0 / 3).sum().backward();
  const auto g = x.grad().to_vector<double>();
  for (size_t i = 0; i < g.size(); ++i) {
    const double v = std::vector<double>{0.5, 2.0, 7.0}[i];
    EXPECT_NEAR(g[i], std::pow(v, -2.0 / 3) / 3, 1e-15);
  }
}
