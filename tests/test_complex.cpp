// Complex tensors (tensor/ops/complex.h): dtypes and promotion, creation and conversion, the
// part views, elementwise maps against std::complex, reductions and products, printing, the
// errors of ops without complex support, and gradients in PyTorch's convention (gradcheck on the
// real and imaginary parts).
#include <complex>
#include <functional>
#include <limits>
#include <numbers>

#include "test_util.h"

using namespace tg;
using tgtest::close;
using tgtest::crandn;
using C = std::complex<double>;
using CV = std::vector<C>;

namespace {

Tensor ctensor(const CV& v, DType dtype = kComplex128) { return tensor(v).to(dtype); }

// Both tensors' real and imaginary parts close.
::testing::AssertionResult cclose(const Tensor& a, const Tensor& e, double rtol = 1e-12, double atol = 1e-12) {
  if (a.dtype() != e.dtype())
    return ::testing::AssertionFailure() << "dtype " << name(a.dtype()) << " != " << name(e.dtype());
  return close(view_as_real(a), view_as_real(e), rtol, atol);
}

const CV kValues = {{0.5, -1.25}, {-2.0, 0.75}, {1.5, 2.0}, {-0.3, -0.4}, {3.0, 0.0}, {0.0, -1.0}};

}  // namespace

TEST(Complex, DTypesAndPromotion) {
  EXPECT_EQ(itemsize(kComplex64), 8u);
  EXPECT_EQ(itemsize(kComplex128), 16u);
  EXPECT_EQ(name(kComplex128), "complex128");
  EXPECT_TRUE(is_complex(kComplex64));
  EXPECT_FALSE(is_floating_point(kComplex64));
  EXPECT_EQ(to_real_dtype(kComplex64), kFloat32);
  EXPECT_EQ(to_complex_dtype(kFloat64), kComplex128);
  EXPECT_EQ(promote_types(kComplex64, kFloat64), kComplex128);
  EXPECT_EQ(promote_types(kInt64, kComplex64), kComplex64);
  EXPECT_EQ(promote_types(kComplex128, kComplex64), kComplex128);
  EXPECT_FALSE(can_cast(kComplex64, kFloat64));
  EXPECT_TRUE(can_cast(kFloat64, kComplex64));
  // PyTorch's categories: a complex number keeps a float tensor's width.
  const Tensor f32 = ones({3}), f64 = ones({3}, kFloat64), i64 = ones({3}, kInt64);
  EXPECT_EQ((f32 * scalar_tensor(C(0, 1), kComplex128)).dtype(), kComplex64);
  EXPECT_EQ((f64 * scalar_tensor(C(0, 1), kComplex64)).dtype(), kComplex128);
  EXPECT_EQ((f64 * Scalar(C(0, 1))).dtype(), kComplex128);
  EXPECT_EQ((i64 * Scalar(C(0, 1))).dtype(), kComplex64);
  EXPECT_EQ((ones({3}, kComplex64) * Scalar(1.0)).dtype(), kComplex64);
  EXPECT_EQ((ones({3}, kComplex64) * f64).dtype(), kComplex128);
  EXPECT_EQ(Scalar(C(1, 2)).dtype(), kComplex64);
}

TEST(Complex, CreationConversionAndItem) {
  const Tensor z = ctensor({{1, 2}, {3, -4}}, kComplex64);
  EXPECT_EQ(z.dtype(), kComplex64);
  EXPECT_TRUE(z.is_complex());
  EXPECT_EQ(z[1].item().to_complex(), C(3, -4));
  EXPECT_TRUE(z[1].item().is_complex());
  EXPECT_EQ(full({2}, Scalar(C(1, 2))).dtype(), kComplex64);
  EXPECT_TRUE(cclose(full({2}, Scalar(C(1, 2)), kComplex128), ctensor({{1, 2}, {1, 2}})));
  EXPECT_TRUE(cclose(zeros({2}, kComplex128), ctensor({{0, 0}, {0, 0}})));
  // Real to complex: zero imaginary parts; complex to real keeps the real parts (PyTorch's to()).
  EXPECT_TRUE(cclose(tensor(std::vector<double>{1.5, -2}).to(kComplex128), ctensor({{1.5, 0}, {-2, 0}})));
  EXPECT_TRUE(close(z.to(kFloat64), tensor(std::vector<double>{1, 3})));
  EXPECT_TRUE(close(z.to(kBool).to(kFloat64), tensor(std::vector<double>{1, 1})));
  EXPECT_EQ(z.to(kComplex128).to_vector<std::complex<double>>()[1], C(3, -4));
  // copy_ into a real tensor keeps the real parts too.
  Tensor r = zeros({2}, kFloat64);
  r.copy_(z);
  EXPECT_TRUE(close(r, tensor(std::vector<double>{1, 3})));
}

TEST(Complex, RandomDrawsAndSerialization) {
  Generator gen(8);
  const Tensor n = randn({20000}, gen, kComplex128), u = rand({20000}, gen, kComplex64);
  // PyTorch's complex normal: variance 1, each part 1/2.
  EXPECT_NEAR(real(n).var().item<double>(), 0.5, 0.03);
  EXPECT_NEAR(imag(n).var().item<double>(), 0.5, 0.03);
  EXPECT_NEAR(abs(n).pow(2).mean().item<double>(), 1.0, 0.05);
  EXPECT_GE(amin(view_as_real(u)).item<double>(), 0.0);
  EXPECT_LT(amax(view_as_real(u)).item<double>(), 1.0);
  // safetensors has complex64 ("C64") and no complex128.
  const Tensor z = ctensor(kValues, kComplex64);
  const nn::NamedTensors loaded = load_from_bytes(save_to_bytes({{"z", z}}));
  EXPECT_TRUE(cclose(loaded["z"], z));
  EXPECT_THROW_WITH(save_to_bytes({{"z", z.to(kComplex128)}}), Error, "no safetensors name for dtype complex128");
}

TEST(Complex, PartViewsShareMemory) {
  Tensor z = ctensor(kValues);
  const Tensor parts = view_as_real(z);
  EXPECT_EQ(parts.sizes(), (Shape{6, 2}));
  EXPECT_EQ(parts.strides(), (Shape{2, 1}));
  EXPECT_TRUE(close(parts.select(1, 1), tensor(std::vector<double>{-1.25, 0.75, 2.0, -0.4, 0.0, -1.0})));
  z.imag().fill_(7.0);  // writes through
  EXPECT_EQ(z[0].item().to_complex(), C(0.5, 7));
  z.real().mul_(2.0);
  EXPECT_EQ(z[2].item().to_complex(), C(3, 7));
  // view_as_complex of the parts is z again; of a strided slice, every other element.
  EXPECT_TRUE(cclose(view_as_complex(parts), z));
  const Tensor x = arange(12, kFloat64).view({3, 2, 2});
  const Tensor every_other = view_as_complex(x.slice(0, 0, 3, 2));
  EXPECT_EQ(every_other.sizes(), (Shape{2, 2}));
  EXPECT_EQ(every_other[1][1].item().to_complex(), C(10, 11));
  EXPECT_TRUE(real(x).is_same(x));
  EXPECT_TRUE(isreal(x).all().item<bool>());
  EXPECT_TRUE(close(isreal(ctensor({{1, 0}, {1, 1}})).to(kFloat64), tensor(std::vector<double>{1, 0})));
}

TEST(Complex, PartViewErrors) {
  EXPECT_THROW_WITH(view_as_real(ones({2})), TypeError, "view_as_real: expected a complex tensor, got float32");
  EXPECT_THROW_WITH(view_as_complex(ones({2, 3})), Error, "last dimension to have size 2");
  EXPECT_THROW_WITH(view_as_complex(ones({2, 2}).t()), Error, "last dimension to have stride 1");
  EXPECT_THROW_WITH(view_as_complex(ones({5}).slice(0, 1, 3)), Error, "even storage offset");
  EXPECT_THROW_WITH(view_as_complex(ones({2}, kInt64)), TypeError, "float32 or float64");
  EXPECT_THROW_WITH(imag(ones({2})), Error, "imag: not implemented for tensors with non-complex dtypes");
  EXPECT_THROW_WITH(complex(ones({2}), ones({2}, kFloat64)), TypeError, "both float32 or both float64");
  EXPECT_THROW_WITH(polar(ones({2}, kInt64), ones({2}, kInt64)), TypeError, "polar");
}

TEST(Complex, UnaryMapsMatchStdComplex) {
  const Tensor z = ctensor(kValues);
  const std::vector<std::pair<std::function<Tensor(const Tensor&)>, std::function<C(C)>>> maps = {
      {[](const Tensor& t) { return -t; }, [](C v) { return -v; }},
      {[](const Tensor& t) { return reciprocal(t); }, [](C v) { return 1.0 / v; }},
      {[](const Tensor& t) { return sqrt(t); }, [](C v) { return std::sqrt(v); }},
      {[](const Tensor& t) { return rsqrt(t); }, [](C v) { return 1.0 / std::sqrt(v); }},
      {[](const Tensor& t) { return exp(t); }, [](C v) { return std::exp(v); }},
      {[](const Tensor& t) { return exp2(t); }, [](C v) { return std::pow(2.0, v); }},
      {[](const Tensor& t) { return log(t); }, [](C v) { return std::log(v); }},
      {[](const Tensor& t) { return log2(t); }, [](C v) { return std::log(v) / std::numbers::ln2; }},
      {[](const Tensor& t) { return log10(t); }, [](C v) { return std::log10(v); }},
      {[](const Tensor& t) { return log1p(t); }, [](C v) { return std::log(1.0 + v); }},
      {[](const Tensor& t) { return expm1(t); }, [](C v) { return std::exp(v) - 1.0; }},
      {[](const Tensor& t) { return sin(t); }, [](C v) { return std::sin(v); }},
      {[](const Tensor& t) { return cos(t); }, [](C v) { return std::cos(v); }},
      {[](const Tensor& t) { return tan(t); }, [](C v) { return std::tan(v); }},
      {[](const Tensor& t) { return asin(t); }, [](C v) { return std::asin(v); }},
      {[](const Tensor& t) { return acos(t); }, [](C v) { return std::acos(v); }},
      {[](const Tensor& t) { return atan(t); }, [](C v) { return std::atan(v); }},
      {[](const Tensor& t) { return sinh(t); }, [](C v) { return std::sinh(v); }},
      {[](const Tensor& t) { return cosh(t); }, [](C v) { return std::cosh(v); }},
      {[](const Tensor& t) { return tanh(t); }, [](C v) { return std::tanh(v); }},
      {[](const Tensor& t) { return asinh(t); }, [](C v) { return std::asinh(v); }},
      {[](const Tensor& t) { return acosh(t); }, [](C v) { return std::acosh(v); }},
      {[](const Tensor& t) { return atanh(t); }, [](C v) { return std::atanh(v); }},
      {[](const Tensor& t) { return sigmoid(t); }, [](C v) { return 1.0 / (1.0 + std::exp(-v)); }},
      {[](const Tensor& t) { return sgn(t); }, [](C v) { return v / std::abs(v); }},
      {[](const Tensor& t) { return conj(t); }, [](C v) { return std::conj(v); }},
      {[](const Tensor& t) { return square(t); }, [](C v) { return v * v; }},
  };
  for (size_t i = 0; i < maps.size(); ++i) {
    CV expected;
    for (C v : kValues) expected.push_back(maps[i].second(v));
    EXPECT_TRUE(cclose(maps[i].first(z), ctensor(expected), 1e-12, 1e-12)) << "map " << i;
    // complex64 to its precision, through the same kernels
    EXPECT_TRUE(cclose(maps[i].first(z.to(kComplex64)), ctensor(expected, kComplex64), 1e-5, 1e-5)) << "map " << i;
  }
  // log1p and expm1 keep the digits of small arguments.
  const C tiny(1e-10, -2e-10);
  // log|1 + z| = (2x + x^2 + y^2) / 2 - (2x)^2 / 8 + ... and exp(x) sin(y) to second order.
  EXPECT_NEAR(log1p(ctensor({tiny})).item().to_complex().real(), 1e-10 + 1.5e-20, 1e-25);
  EXPECT_NEAR(expm1(ctensor({tiny})).item().to_complex().imag(), -2e-10 - 2e-20, 1e-25);
  // sgn(0) = 0
  EXPECT_EQ(sgn(ctensor({{0, 0}})).item().to_complex(), C(0, 0));
}

TEST(Complex, MagnitudeAndAngleAreReal) {
  const Tensor z = ctensor(kValues, kComplex64);
  const Tensor a = abs(z), t = angle(z);
  EXPECT_EQ(a.dtype(), kFloat32);
  EXPECT_EQ(t.dtype(), kFloat32);
  for (size_t i = 0; i < kValues.size(); ++i) {
    EXPECT_NEAR(a[static_cast<int64_t>(i)].item<double>(), std::abs(kValues[i]), 1e-6);
    EXPECT_NEAR(t[static_cast<int64_t>(i)].item<double>(), std::arg(kValues[i]), 1e-6);
  }
  // angle of real tensors: pi where negative, NaN kept, ints to the default dtype.
  EXPECT_TRUE(close(angle(tensor(std::vector<double>{-2, 0, 3, NAN})),
                    tensor(std::vector<double>{std::numbers::pi, 0, 0, NAN})));
  EXPECT_EQ(angle(tensor(std::vector<int64_t>{-1, 1})).dtype(), kFloat32);
  Tensor w = z.clone();
  EXPECT_THROW_WITH(w.abs_(), TypeError, "abs_: not supported for complex tensors");
}

TEST(Complex, BinaryOpsAndPromotion) {
  Generator gen(3);
  const Tensor a = crandn({4, 3}, gen), b = crandn({3}, gen);
  auto ref = [&](const Tensor& x, const Tensor& y, const std::function<C(C, C)>& f) {
    const Tensor xb = x.expand({4, 3}).contiguous(), yb = y.expand({4, 3}).contiguous();
    const auto xs = xb.to_vector<C>(), ys = yb.to_vector<C>();
    CV out;
    for (size_t i = 0; i < xs.size(); ++i) out.push_back(f(xs[i], ys[i]));
    return ctensor(out).view({4, 3});
  };
  EXPECT_TRUE(cclose(a + b, ref(a, b, [](C p, C q) { return p + q; })));
  EXPECT_TRUE(cclose(a - b, ref(a, b, [](C p, C q) { return p - q; })));
  EXPECT_TRUE(cclose(a * b, ref(a, b, [](C p, C q) { return p * q; })));
  EXPECT_TRUE(cclose(a / b, ref(a, b, [](C p, C q) { return p / q; })));
  EXPECT_TRUE(cclose(pow(a, b), ref(a, b, [](C p, C q) { return std::pow(p, q); }), 1e-10, 1e-12));
  EXPECT_TRUE(cclose(add(a, b, Scalar(C(2, -1))), ref(a, b, [](C p, C q) { return p + C(2, -1) * q; })));
  // Integer powers are exact products; 0 to a positive power is 0.
  EXPECT_EQ(pow(ctensor({{1, 2}}), 2).item().to_complex(), C(-3, 4));
  EXPECT_EQ(pow(ctensor({{0, 0}}), 2.5).item().to_complex(), C(0, 0));
  // With real tensors and numbers: promoted as PyTorch.
  const Tensor x = ones({3}, kFloat32);
  EXPECT_EQ((x * Scalar(C(0, 1))).dtype(), kComplex64);
  EXPECT_EQ((x.to(kFloat64) * Scalar(C(0, 1))).dtype(), kComplex128);
  EXPECT_TRUE(cclose((x.to(kFloat64) + Scalar(C(0, 2))) / 2.0, ctensor({{0.5, 1}, {0.5, 1}, {0.5, 1}})));
  // Division by large divisors does not overflow (Smith's algorithm).
  EXPECT_TRUE(cclose(ctensor({{1e300, 1e300}}) / ctensor({{1e300, 1e300}}), ctensor({{1, 0}})));
  // In place: a complex result does not fit a real tensor.
  Tensor r = ones({3}, kFloat64);
  EXPECT_THROW_WITH(r.mul_(Scalar(C(0, 1))), TypeError, "can't be cast");
  EXPECT_THROW_WITH(add(r, r, Scalar(C(0, 1))), TypeError, "add: a complex alpha needs complex operands");
}

TEST(Complex, ComparisonsAndClassification) {
  const Tensor z = ctensor({{1, 2}, {NAN, 0}, {INFINITY, 1}, {0, 0}});
  const Tensor w = ctensor({{1, 2}, {1, 0}, {1, 1}, {0, 0}});
  auto as_double = [](const Tensor& t) { return t.to(kFloat64); };
  EXPECT_TRUE(close(as_double(eq(z, w)), tensor(std::vector<double>{1, 0, 0, 1})));
  EXPECT_TRUE(close(as_double(ne(z, w)), tensor(std::vector<double>{0, 1, 1, 0})));
  EXPECT_TRUE(close(as_double(isnan(z)), tensor(std::vector<double>{0, 1, 0, 0})));
  EXPECT_TRUE(close(as_double(isinf(z)), tensor(std::vector<double>{0, 0, 1, 0})));
  EXPECT_TRUE(close(as_double(isfinite(z)), tensor(std::vector<double>{1, 0, 0, 1})));
  EXPECT_TRUE(close(as_double(logical_not(z)), tensor(std::vector<double>{0, 0, 0, 1})));
  EXPECT_TRUE(close(as_double(logical_and(z, w)), tensor(std::vector<double>{1, 1, 1, 0})));
  EXPECT_FALSE(all(z).item<bool>());
  EXPECT_TRUE(any(z).item<bool>());
  EXPECT_TRUE(close(as_double(where(eq(z, w), z, w).real()), tensor(std::vector<double>{1, 1, 1, 0})));
}

TEST(Complex, OpsWithoutComplexSupportNameThemselves) {
  const Tensor z = ctensor(kValues, kComplex64);
  EXPECT_THROW_WITH(lt(z, z), TypeError, "lt: not implemented for complex64 tensors");
  EXPECT_THROW_WITH(relu(z), TypeError, "relu: not implemented for complex64 tensors");
  EXPECT_THROW_WITH(floor(z), TypeError, "floor: not implemented for complex64 tensors");
  EXPECT_THROW_WITH(erf(z), TypeError, "erf: not implemented for complex64 tensors");
  EXPECT_THROW_WITH(amax(z), TypeError, "amax: not implemented for complex64 tensors");
  EXPECT_THROW_WITH(clamp(z, 0.0, 1.0), TypeError, "clamp: not implemented for complex64 tensors");
  EXPECT_THROW_WITH(cummax(z, 0), TypeError, "cummax: not implemented for complex64 tensors");
  EXPECT_THROW_WITH(scatter_reduce(z, 0, zeros({2}, kInt64), z.narrow(0, 0, 2), "amax"), TypeError,
                    "scatter_reduce: not implemented for complex64 tensors");
  EXPECT_THROW_WITH(logit(z), TypeError, "logit: not implemented for complex64 tensors");
  EXPECT_THROW_WITH(maximum(z, z), TypeError, "maximum: not implemented for complex64 tensors");
  EXPECT_THROW_WITH(atan2(z, z), TypeError, "atan2: not implemented for complex64 tensors");
}

// logsumexp as the principal log of sum(exp(z)), finite where exp overflows; dropout keeping or
// dropping whole complex numbers; l1_loss of complex pairs a real loss; with their gradients.
TEST(Complex, LogSumExpDropoutAndL1Loss) {
  Generator gen(11);
  const Tensor z = crandn({3, 4}, gen);
  EXPECT_TRUE(close(logsumexp(z, {1}), log(exp(z).sum({1})), 1e-12, 1e-12));
  EXPECT_TRUE(close(logsumexp(z, {0, 1}, true), log(exp(z).sum()).view({1, 1}), 1e-12, 1e-12));
  const Tensor big = logsumexp(z * 400.0, {1});
  const Tensor shift = amax(real(z * 400.0), {1});
  EXPECT_TRUE(close(big - shift, log(exp(z * 400.0 - shift.unsqueeze(1)).sum({1})), 1e-9, 1e-9));
  EXPECT_TRUE(autograd::gradcheck([](const tensor_list& in) { return logsumexp(in[0], {1}); },
                                  {z.clone().requires_grad_(true)}));

  const Tensor kept = nn::functional::dropout(z.to(kComplex64), 0.5, true, &gen);
  EXPECT_EQ(kept.dtype(), kComplex64);
  const Tensor ratio = kept.to(kComplex128) / z;  // 0 or 2 for the whole number
  EXPECT_TRUE(logical_or(eq(ratio, 0), isclose(ratio, full({3, 4}, 2.0, kComplex128))).all().item<bool>());
  EXPECT_TRUE(close(nn::functional::dropout(z, 0.5, false), z, 0, 0));

  const Tensor w = crandn({3, 4}, gen);
  const Tensor l1 = nn::functional::l1_loss(z, w);
  EXPECT_EQ(l1.dtype(), kFloat64);
  EXPECT_NEAR(l1.item<double>(), abs(z - w).mean().item<double>(), 1e-14);
  EXPECT_TRUE(autograd::gradcheck([&](const tensor_list& in) { return nn::functional::l1_loss(in[0], w); },
                                  {z.clone().requires_grad_(true)}));
  EXPECT_THROW_WITH(nn::functional::l1_loss(z, w.narrow(1, 0, 2)), Error, "l1_loss: input of shape");
}

// logaddexp and logcumsumexp of complex numbers as the principal log of the sums of exps, finite
// where the exps overflow, PyTorch's values at infinities; silu, tanhshrink and normalize of
// complex tensors; with their gradients.
TEST(Complex, LogAddExpLogCumSumExpAndActivations) {
  namespace F = nn::functional;
  Generator gen(13);
  const Tensor z = crandn({3, 5}, gen), w = crandn({3, 5}, gen);
  EXPECT_TRUE(cclose(logaddexp(z, w), log(exp(z) + exp(w))));
  EXPECT_TRUE(cclose(logaddexp(z, 1.5), log(exp(z) + std::exp(1.5))));
  EXPECT_TRUE(cclose(logaddexp(z, real(w)), log(exp(z) + exp(real(w)))));
  EXPECT_EQ(logaddexp(z.to(kComplex64), real(w)).dtype(), kComplex128);
  // Real parts of 400: the exps overflow, the shifted sums do not. As PyTorch's, the imaginary
  // part is the larger operand's plus a small turn, not brought into (-pi, pi]: results agree
  // with the principal logs up to 2 pi i k, so their differences are compared through exp.
  const Tensor bz = z * 400.0, bw = w * 400.0, m = maximum(real(bz), real(bw));
  const Tensor unit = ones({3, 5}, kComplex128);
  EXPECT_TRUE(cclose(exp(logaddexp(bz, bw) - m - log(exp(bz - m) + exp(bw - m))), unit, 1e-9, 1e-9));
  const double inf = std::numeric_limits<double>::infinity();
  const Tensor one = ctensor({{1, 1}});
  EXPECT_TRUE(cclose(logaddexp(ctensor({{-inf, 1}}), one), one, 0, 0));
  EXPECT_EQ(real(logaddexp(ctensor({{-inf, 1}}), ctensor({{-inf, 2}}))).item<double>(), -inf);
  EXPECT_EQ(real(logaddexp(ctensor({{inf, 0}}), ctensor({{inf, 0}}))).item<double>(), inf);
  Tensor acc = z.clone();
  logaddexp_(acc, w);
  EXPECT_TRUE(cclose(acc, logaddexp(z, w), 0, 0));
  EXPECT_TRUE(autograd::gradcheck([](const tensor_list& in) { return logaddexp(in[0], in[1]); },
                                  {z.clone().requires_grad_(true), w.clone().requires_grad_(true)}));

  EXPECT_TRUE(cclose(logcumsumexp(z, 1), log(cumsum(exp(z), 1))));
  EXPECT_TRUE(cclose(logcumsumexp(z, 0), log(cumsum(exp(z), 0))));
  const Tensor running = logcumsumexp(bz, 1);
  for (int64_t k = 0; k < 5; ++k)
    EXPECT_TRUE(
        cclose(exp(running.select(1, k) - logsumexp(bz.narrow(1, 0, k + 1), {1})), unit.select(1, k), 1e-9, 1e-9))
        << k;
  EXPECT_TRUE(cclose(logcumsumexp(z.narrow(1, 0, 1), 1), z.narrow(1, 0, 1), 0, 0));
  EXPECT_TRUE(cclose(logcumsumexp(z[1][2], 0), z[1][2], 0, 0));
  EXPECT_EQ(logcumsumexp(z.to(kComplex64), -1).dtype(), kComplex64);
  EXPECT_TRUE(autograd::gradcheck([](const tensor_list& in) { return logcumsumexp(in[0], 1); },
                                  {z.clone().requires_grad_(true)}));
  EXPECT_THROW_WITH(logcumsumexp(zeros({3}, kInt64), 0), TypeError,
                    "logcumsumexp: expected a floating-point or complex tensor, got int64");

  EXPECT_TRUE(cclose(silu(z), z * sigmoid(z), 0, 0));
  Tensor in_place = z.clone();
  silu_(in_place);
  EXPECT_TRUE(cclose(in_place, z * sigmoid(z), 0, 0));
  EXPECT_TRUE(cclose(F::tanhshrink(z), z - tanh(z), 0, 0));
  EXPECT_TRUE(cclose(F::normalize(z), z / norm(z, 2, {1}, true), 1e-14, 1e-14));
  for (auto f : std::vector<std::function<Tensor(const Tensor&)>>{[](const Tensor& x) { return silu(x); },
                                                                  [](const Tensor& x) { return F::tanhshrink(x); },
                                                                  [](const Tensor& x) { return F::normalize(x); }})
    EXPECT_TRUE(autograd::gradcheck([&](const tensor_list& in) { return f(in[0]); }, {z.clone().requires_grad_(true)}));
  EXPECT_EQ(F::tanhshrink(zeros({2}, kInt64)).dtype(), kFloat32);  // integers give floats, as torch's
  EXPECT_THROW_WITH(F::tanhshrink(zeros({2}, kBool)), TypeError, "tanhshrink: bool inputs are not supported");
  EXPECT_THROW_WITH(F::normalize(zeros({2}, kInt64)), TypeError, "normalize: expected a floating-point or complex");
}

// Convolutions of complex operands against the product's four real convolutions (the op runs
// three, Gauss's way), their gradients, a module made complex, and the errors.
TEST(Complex, Convolutions) {
  namespace F = nn::functional;
  Generator gen(12);
  const auto grad_ok = [](const std::function<Tensor(const tensor_list&)>& f, const tensor_list& in) {
    tensor_list leaves;
    for (const Tensor& t : in) leaves.push_back(t.clone().requires_grad_(true));
    return autograd::gradcheck(f, leaves);
  };
  const Tensor x = crandn({2, 4, 5, 4}, gen), w = crandn({6, 2, 3, 3}, gen), b = crandn({6}, gen);
  const auto conv = [](const Tensor& in, const Tensor& k) {
    return F::conv2d(in, k, {.stride = {1, 2}, .padding = 1, .groups = 2});
  };
  const Tensor expected =
      complex(conv(real(x), real(w)) - conv(imag(x), imag(w)), conv(real(x), imag(w)) + conv(imag(x), real(w)));
  const Tensor y = F::conv2d(x, w, {.bias = b, .stride = {1, 2}, .padding = 1, .groups = 2});
  EXPECT_EQ(y.dtype(), kComplex128);
  EXPECT_TRUE(close(y, expected + b.view({1, 6, 1, 1}), 1e-12, 1e-12));
  EXPECT_TRUE(close(F::conv2d(x.to(kComplex64), w.to(kComplex64), {.stride = {1, 2}, .padding = 1, .groups = 2}),
                    expected.to(kComplex64), 1e-5, 1e-5));
  EXPECT_TRUE(grad_ok([](const tensor_list& in) { return F::conv2d(in[0], in[1], {.bias = in[2], .padding = 1}); },
                      {crandn({1, 2, 4, 3}, gen), crandn({3, 2, 2, 2}, gen), crandn({3}, gen)}));

  const Tensor x1 = crandn({2, 3, 7}, gen), w1 = crandn({2, 3, 3}, gen);
  const auto conv1 = [](const Tensor& in, const Tensor& k) { return F::conv1d(in, k, {.dilation = 2}); };
  EXPECT_TRUE(close(F::conv1d(x1, w1, {.dilation = 2}),
                    complex(conv1(real(x1), real(w1)) - conv1(imag(x1), imag(w1)),
                            conv1(real(x1), imag(w1)) + conv1(imag(x1), real(w1))),
                    1e-12, 1e-12));
  EXPECT_TRUE(grad_ok([](const tensor_list& in) { return F::conv1d(in[0], in[1], {.stride = 2}); },
                      {crandn({3, 5}, gen), crandn({2, 3, 2}, gen)}));  // unbatched

  const Tensor x3 = crandn({1, 2, 3, 3, 3}, gen), w3 = crandn({2, 2, 2, 2, 2}, gen);
  const auto conv3 = [](const Tensor& in, const Tensor& k) { return F::conv3d(in, k, {.padding = "same"}); };
  EXPECT_TRUE(close(F::conv3d(x3, w3, {.padding = "same"}),
                    complex(conv3(real(x3), real(w3)) - conv3(imag(x3), imag(w3)),
                            conv3(real(x3), imag(w3)) + conv3(imag(x3), real(w3))),
                    1e-12, 1e-12));

  const Tensor xt = crandn({2, 4, 3, 3}, gen), wt = crandn({4, 3, 3, 2}, gen);
  const auto convt = [](const Tensor& in, const Tensor& k) {
    return F::conv_transpose2d(in, k, {.stride = 2, .padding = 1, .output_padding = {1, 0}});
  };
  EXPECT_TRUE(close(F::conv_transpose2d(xt, wt, {.stride = 2, .padding = 1, .output_padding = {1, 0}}),
                    complex(convt(real(xt), real(wt)) - convt(imag(xt), imag(wt)),
                            convt(real(xt), imag(wt)) + convt(imag(xt), real(wt))),
                    1e-12, 1e-12));
  EXPECT_TRUE(
      grad_ok([](const tensor_list& in) { return F::conv_transpose1d(in[0], in[1], {.bias = in[2], .stride = 2}); },
              {crandn({1, 2, 4}, gen), crandn({2, 3, 3}, gen), crandn({3}, gen)}));

  // A module made complex (PyTorch's Module.to with a complex dtype) trains through the same path.
  nn::Conv2d layer(2, 3, 3, {.padding = 1});
  layer->to(kComplex64);
  EXPECT_EQ(layer->weight.dtype(), kComplex64);
  EXPECT_EQ(layer->bias.dtype(), kComplex64);
  const Tensor out = layer->forward(crandn({1, 2, 4, 4}, gen, kComplex64));
  EXPECT_EQ(out.dtype(), kComplex64);
  abs(out).sum().backward();
  EXPECT_EQ(layer->weight.grad().dtype(), kComplex64);

  EXPECT_THROW_WITH(F::conv2d(x, real(w)), TypeError,
                    "conv2d: input (complex128) and weight (float64) must have the same dtype");
  EXPECT_THROW_WITH(F::conv2d(x, w, {.bias = real(b)}), TypeError, "conv2d: input (complex128) and bias (float64)");
  EXPECT_THROW_WITH(F::conv2d(x.to(kInt64), w.to(kInt64)), TypeError, "expected a floating-point or complex input");
  EXPECT_THROW_WITH(layer->to(kInt32), TypeError,
                    "Conv2d.to: modules convert to floating-point or complex dtypes only");
}

// uniform_ / normal_ and the initialisers made of them fill both parts of a complex tensor
// (PyTorch's), so that complex layers start from non-zero imaginary parts.
TEST(Complex, RandomFillsAndInitialisers) {
  Generator gen(13);
  const Tensor z = zeros({200, 50}, kComplex64);
  z.uniform_(-2.0, 3.0, &gen);
  for (const Tensor& part : {real(z), imag(z)}) {
    EXPECT_GE(part.min().item<double>(), -2.0);
    EXPECT_LT(part.max().item<double>(), 3.0);
    EXPECT_NEAR(part.mean().item<double>(), 0.5, 0.05);
  }
  EXPECT_GT(abs(real(z) - imag(z)).min().item<double>(), 0.0);  // drawn apart, not copied
  const Tensor n = zeros({400, 100}, kComplex128);
  n.normal_(1.0, 2.0, &gen);
  EXPECT_NEAR(real(n).mean().item<double>(), 1.0, 0.03);
  EXPECT_NEAR(imag(n).mean().item<double>(), 1.0, 0.03);
  // mean on both parts (PyTorch's); |z - E z| of variance std^2
  EXPECT_NEAR(square(abs(n - complex(full({}, 1.0), full({}, 1.0)))).mean().item<double>(), 4.0, 0.1);

  const Tensor w = zeros({64, 32}, kComplex64);
  nn::init::kaiming_uniform_(w, std::sqrt(5.0), nn::init::FanMode::FanIn, "leaky_relu", &gen);
  const double bound = 1.0 / std::sqrt(32.0);
  EXPECT_LE(abs(view_as_real(w)).max().item<double>(), bound);
  EXPECT_GT(abs(imag(w)).max().item<double>(), bound / 2);
  nn::init::xavier_normal_(w, 1.0, &gen);
  EXPECT_NEAR(square(abs(w)).mean().item<double>(), 2.0 / 96, 0.2 * 2.0 / 96);

  EXPECT_THROW_WITH(zeros({2}, kInt64).normal_(), TypeError, "normal_: expected a floating-point or complex tensor");
  EXPECT_THROW_WITH(nn::init::orthogonal_(w), TypeError, "orthogonal_: expected a floating-point tensor");
}

// A kernel reached inside a backward formula, outside any public op, names the node instead.
struct KernelFailure : autograd::Function<KernelFailure> {
  static Tensor forward(autograd::AutogradContext*, const Tensor& x) { return x * 2; }
  static tensor_list backward(autograd::AutogradContext*, tensor_list) {
    throw TypeError("kernel: not implemented for complex64 tensors");
  }
};

TEST(Complex, KernelErrorsInsideBackwardNameTheNode) {
  const Tensor leaf = ctensor(kValues, kComplex64).requires_grad_(true);
  EXPECT_THROW_WITH(KernelFailure::apply(leaf).abs().sum().backward(), TypeError,
                    "KernelFailureBackward: not implemented for complex64 tensors");
}

TEST(Complex, SumsProductsAndMatrixProducts) {
  Generator gen(4);
  const Tensor z = crandn({3, 4}, gen);
  const auto v = z.to_vector<C>();
  C total = 0, prod_row = 1;
  for (C x : v) total += x;
  for (int j = 0; j < 4; ++j) prod_row *= v[static_cast<size_t>(4 + j)];
  EXPECT_NEAR(std::abs(z.sum().item().to_complex() - total), 0, 1e-12);
  EXPECT_NEAR(std::abs(z.mean().item().to_complex() - total / 12.0), 0, 1e-12);
  EXPECT_NEAR(std::abs(z.prod({1})[1].item().to_complex() - prod_row), 0, 1e-12);
  EXPECT_EQ(z.sum({0}).sizes(), (Shape{4}));
  EXPECT_EQ(z.to(kComplex64).sum().dtype(), kComplex64);
  // A real dtype asked for keeps the real parts, as PyTorch's conversion does; differentiably.
  const Tensor zl = z.detach().requires_grad_(true);
  const Tensor real_sum = zl.sum({1}, false, kFloat64);
  EXPECT_EQ(real_sum.dtype(), kFloat64);
  EXPECT_TRUE(close(real_sum, real(z).sum({1}), 1e-12, 1e-12));
  EXPECT_TRUE(close(z.mean(kFloat32), real(z).mean().to(kFloat32), 1e-6, 1e-6));
  EXPECT_TRUE(close(z.prod({0}, false, kFloat64), real(z).prod({0}), 1e-12, 1e-12));
  EXPECT_TRUE(close(cumsum(z, 1, kFloat64), cumsum(real(z), 1), 1e-12, 1e-12));
  real_sum.sum().backward();
  EXPECT_TRUE(cclose(zl.grad(), ones_like(z)));
  // Long rows (summed in running sums of 8 numbers, then a tail), contiguous and strided: as the
  // sums of the parts, and complex64's to float32's precision of a double sum.
  const Tensor rows = crandn({3, 1003}, gen);
  EXPECT_TRUE(cclose(rows.sum({1}), complex(real(rows).sum({1}), imag(rows).sum({1})), 1e-12, 1e-12));
  EXPECT_TRUE(cclose(rows.t().contiguous().t().sum({1}), rows.sum({1}), 1e-12, 1e-12));
  EXPECT_TRUE(cclose(rows.to(kComplex64).sum({1}).to(kComplex128), rows.sum({1}), 1e-5, 1e-4));
  EXPECT_TRUE(cclose(rows.to(kComplex64).sum().to(kComplex128), rows.sum(), 1e-5, 1e-4));  // one run, in blocks
  // Down columns (a contiguous block of columns added per reduced row): over the first, the
  // middle and the outer two dims, past one block's width, and of a strided view.
  const Tensor cube = crandn({37, 5, 300}, gen);
  const auto parts_sum = [](const Tensor& t, std::vector<int64_t> dims) {
    return complex(real(t).sum(dims), imag(t).sum(dims));
  };
  EXPECT_TRUE(cclose(cube.sum({0}), parts_sum(cube, {0}), 1e-12, 1e-12));
  EXPECT_TRUE(cclose(cube.sum({1}), parts_sum(cube, {1}), 1e-12, 1e-12));
  EXPECT_TRUE(cclose(cube.sum({0, 1}), parts_sum(cube, {0, 1}), 1e-12, 1e-12));
  for (const Tensor& view : {cube.slice(2, 0, 300, 2), cube.slice(0, 0, 37, 3), cube.permute({1, 0, 2})})
    EXPECT_TRUE(cclose(view.sum({0}), parts_sum(view, {0}), 1e-12, 1e-12));
  EXPECT_TRUE(cclose(cube.to(kComplex64).sum({0}).to(kComplex128), cube.sum({0}), 1e-5, 1e-4));
  EXPECT_EQ(crandn({0, 3}, gen).sum({0}).abs().sum().item<double>(), 0.0);
  // Matrix products against the sums of products.
  const Tensor b = crandn({4, 2}, gen);
  const auto bv = b.to_vector<C>();
  const Tensor p = matmul(z, b);
  EXPECT_EQ(p.dtype(), kComplex128);
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 2; ++j) {
      C s = 0;
      for (int k = 0; k < 4; ++k) s += v[static_cast<size_t>(i * 4 + k)] * bv[static_cast<size_t>(k * 2 + j)];
      EXPECT_NEAR(std::abs(p[i][j].item().to_complex() - s), 0, 1e-12);
    }
  EXPECT_TRUE(cclose(bmm(z.unsqueeze(0), b.unsqueeze(0))[0], p));
  EXPECT_TRUE(cclose(matmul(z, b.select(1, 0)), p.select(1, 0)));
  EXPECT_TRUE(cclose(mm(z.to(kComplex64), b.to(kComplex64)), p.to(kComplex64), 1e-5, 1e-5));
  // An infinite part gives infinite sums, not NaN: i b's parts are b's, moved, never times 0.
  const Tensor with_inf =
      matmul(ctensor({{1, 0.5}, {2, 0}}).view({1, 2}), ctensor({{INFINITY, 0}, {1, 1}}).view({2, 1}));
  EXPECT_TRUE(cclose(with_inf, ctensor({{INFINITY, INFINITY}}).view({1, 1})));
  // vdot and vecdot conjugate their first operand; dot does not.
  const Tensor z0 = z[0], z1 = z[1];
  C uv = 0, cuv = 0;
  for (int k = 0; k < 4; ++k) {
    uv += v[static_cast<size_t>(k)] * v[static_cast<size_t>(4 + k)];
    cuv += std::conj(v[static_cast<size_t>(k)]) * v[static_cast<size_t>(4 + k)];
  }
  EXPECT_NEAR(std::abs(dot(z0, z1).item().to_complex() - uv), 0, 1e-12);
  EXPECT_NEAR(std::abs(vdot(z0, z1).item().to_complex() - cuv), 0, 1e-12);
  EXPECT_NEAR(std::abs(linalg::vecdot(z0, z1).item().to_complex() - cuv), 0, 1e-12);
  // Norms are the magnitudes' norms.
  EXPECT_NEAR(z.norm().item<double>(), std::sqrt(abs(z).pow(2).sum().item<double>()), 1e-12);
  EXPECT_NEAR(linalg::vector_norm(z, 1).item<double>(), abs(z).sum().item<double>(), 1e-12);
  // The conjugate transpose.
  EXPECT_TRUE(cclose(z.mH(), conj(z.t().contiguous())));
  EXPECT_TRUE(cclose(z.adjoint(), z.mH()));
}

TEST(Complex, Prints) {
  EXPECT_EQ(ctensor({{1, 2}, {3, -4}}, kComplex64).str(), "tensor([1.+2.j, 3.-4.j])");
  EXPECT_EQ(ctensor({{0.5, -1.25}}).str(), "tensor([0.5000-1.2500j], dtype=complex128)");
  EXPECT_EQ(ctensor({{1, 2}}, kComplex64)[0].str(), "tensor(1.+2.j)");
}

// ---- gradients ---------------------------------------------------------------------------------

TEST(ComplexGrad, PyTorchsConvention) {
  // L = |z|^2 = x^2 + y^2: z.grad() = dL/dx + i dL/dy = 2x + 2iy.
  const Tensor z = ctensor({{1, 2}}).requires_grad_(true);
  (abs(z) * abs(z)).sum().backward();
  EXPECT_EQ(z.grad().item().to_complex(), C(2, 4));
  // A real leaf through a complex computation gets a real gradient: L = |x (1 + 2i)| = sqrt(5) |x|.
  const Tensor x = tensor(std::vector<double>{-3}).requires_grad_(true);
  abs(x * Scalar(C(1, 2))).sum().backward();
  EXPECT_EQ(x.grad().dtype(), kFloat64);
  EXPECT_NEAR(x.grad().item<double>(), -std::sqrt(5.0), 1e-12);
}

TEST(ComplexGrad, ElementwiseOpsGradcheck) {
  Generator gen(5);
  const Tensor z = (crandn({2, 3}, gen) * 0.5 + Scalar(C(0.3, 0.2))).requires_grad_(true);
  const Tensor w = (crandn({3}, gen) * 0.5 + Scalar(C(1.2, -0.4))).requires_grad_(true);
  using F = std::function<Tensor(const Tensor&)>;
  const std::vector<std::pair<const char*, F>> unary = {
      {"neg", [](const Tensor& t) { return -t; }},
      {"reciprocal", [](const Tensor& t) { return reciprocal(t); }},
      {"sqrt", [](const Tensor& t) { return sqrt(t); }},
      {"rsqrt", [](const Tensor& t) { return rsqrt(t); }},
      {"exp", [](const Tensor& t) { return exp(t); }},
      {"exp2", [](const Tensor& t) { return exp2(t); }},
      {"log", [](const Tensor& t) { return log(t); }},
      {"log2", [](const Tensor& t) { return log2(t); }},
      {"log10", [](const Tensor& t) { return log10(t); }},
      {"log1p", [](const Tensor& t) { return log1p(t); }},
      {"expm1", [](const Tensor& t) { return expm1(t); }},
      {"sin", [](const Tensor& t) { return sin(t); }},
      {"cos", [](const Tensor& t) { return cos(t); }},
      {"tan", [](const Tensor& t) { return tan(t); }},
      {"asin", [](const Tensor& t) { return asin(t); }},
      {"acos", [](const Tensor& t) { return acos(t); }},
      {"atan", [](const Tensor& t) { return atan(t); }},
      {"sinh", [](const Tensor& t) { return sinh(t); }},
      {"cosh", [](const Tensor& t) { return cosh(t); }},
      {"tanh", [](const Tensor& t) { return tanh(t); }},
      {"asinh", [](const Tensor& t) { return asinh(t); }},
      {"acosh", [](const Tensor& t) { return acosh(t); }},
      {"atanh", [](const Tensor& t) { return atanh(t); }},
      {"sigmoid", [](const Tensor& t) { return sigmoid(t); }},
      {"sgn", [](const Tensor& t) { return sgn(t); }},
      {"abs", [](const Tensor& t) { return abs(t); }},
      {"angle", [](const Tensor& t) { return angle(t); }},
      {"conj", [](const Tensor& t) { return conj(t); }},
      {"real", [](const Tensor& t) { return real(t); }},
      {"imag", [](const Tensor& t) { return imag(t); }},
      {"square", [](const Tensor& t) { return square(t); }},
      {"view_as_real", [](const Tensor& t) { return view_as_real(t); }},
      {"sum", [](const Tensor& t) { return t.sum({1}); }},
      {"mean", [](const Tensor& t) { return t.mean(); }},
      {"prod", [](const Tensor& t) { return t.prod({1}); }},
      {"mH", [](const Tensor& t) { return t.mH(); }},
  };
  for (const auto& [name, f] : unary)
    EXPECT_NO_THROW(EXPECT_TRUE(autograd::gradcheck([&](const tensor_list& in) { return f(in[0]); }, {z})) << name)
        << name;
  using G = std::function<Tensor(const Tensor&, const Tensor&)>;
  const std::vector<std::pair<const char*, G>> binary = {
      {"add", [](const Tensor& a, const Tensor& b) { return add(a, b, Scalar(C(0.5, 2))); }},
      {"sub", [](const Tensor& a, const Tensor& b) { return sub(a, b, Scalar(C(-1, 1))); }},
      {"mul", [](const Tensor& a, const Tensor& b) { return a * b; }},
      {"div", [](const Tensor& a, const Tensor& b) { return a / b; }},
      {"pow", [](const Tensor& a, const Tensor& b) { return pow(a, b); }},
      {"matmul", [](const Tensor& a, const Tensor& b) { return matmul(a, b); }},
      {"where", [](const Tensor& a, const Tensor& b) { return where(gt(abs(a), 0.5), a, b); }},
  };
  for (const auto& [name, f] : binary)
    EXPECT_NO_THROW(EXPECT_TRUE(autograd::gradcheck([&](const tensor_list& in) { return f(in[0], in[1]); }, {z, w}))
                    << name)
        << name;
}

TEST(ComplexGrad, BuildingFromPartsAndMixedInputs) {
  Generator gen(6);
  const Tensor re = randn({3}, gen, kFloat64).requires_grad_(true), im = randn({3}, gen, kFloat64).requires_grad_(true);
  const Tensor r = (rand({3}, gen, kFloat64) + 0.5).requires_grad_(true);
  EXPECT_TRUE(autograd::gradcheck([](const tensor_list& in) { return complex(in[0], in[1]); }, {re, im}));
  EXPECT_TRUE(autograd::gradcheck([](const tensor_list& in) { return polar(in[0], in[1]); }, {r, im}));
  EXPECT_TRUE(autograd::gradcheck(
      [](const tensor_list& in) {
        return view_as_complex(stack({in[0], in[1]}, -1));
      },
      {re, im}));
  // real tensors mixed with complex ones, and a complex matrix times a real one
  const Tensor z = crandn({3}, gen).requires_grad_(true);
  EXPECT_TRUE(autograd::gradcheck([](const tensor_list& in) { return in[0] * in[1] + in[1]; }, {re, z}));
  EXPECT_TRUE(
      autograd::gradcheck([](const tensor_list& in) { return abs(in[0] * Scalar(C(1, -2)) + in[1]); }, {re, z}));
  EXPECT_TRUE(autograd::gradcheck([](const tensor_list& in) { return in[0].to(kComplex128).exp(); }, {re}));
  EXPECT_TRUE(autograd::gradcheck([](const tensor_list& in) { return in[0].to(kFloat64); }, {z}));
}

TEST(ComplexGrad, InPlaceOnPartViewsAndSecondOrder) {
  Generator gen(7);
  const Tensor z = crandn({4}, gen).requires_grad_(true);
  // Writing to the parts of a non-leaf: the base's history passes through the part views.
  auto f = [](const tensor_list& in) {
    Tensor y = in[0] * 1.0;
    y.real().mul_(3.0);
    y.imag().add_(y.real().clone() * 0.5);  // a copy: mul saves its operands
    return y * y;
  };
  EXPECT_TRUE(autograd::gradcheck(f, {z}));
  const Tensor x = randn({4, 2}, gen, kFloat64).requires_grad_(true);
  EXPECT_TRUE(autograd::gradcheck(
      [](const tensor_list& in) {
        Tensor y = in[0] * 1.0;
        view_as_complex(y).mul_(Scalar(C(0, 1)));
        return y;
      },
      {x}));
  EXPECT_TRUE(autograd::gradgradcheck([](const tensor_list& in) { return exp(in[0]) * in[0]; }, {z}));
  EXPECT_TRUE(autograd::gradgradcheck([](const tensor_list& in) { return abs(in[0] * in[0]); }, {z}));
  Tensor leaf = z.detach().clone().requires_grad_(true);
  conj(leaf).real().sum().backward();
  EXPECT_TRUE(cclose(leaf.grad(), ones({4}, kComplex128)));
}

TEST(Complex, IndexingScansAndStatistics) {
  const Tensor z = ctensor(kValues);  // 6 values
  const Tensor idx = tensor(std::vector<int64_t>{0, 2, 2, 5});
  // Index-accumulate ops add complex numbers.
  Tensor acc = zeros({6}, kComplex128);
  acc.index_put_({idx}, ctensor({{1, 1}, {2, 0}, {0, 3}, {-1, -1}}), /*accumulate=*/true);
  EXPECT_TRUE(cclose(acc, ctensor({{1, 1}, {0, 0}, {2, 3}, {0, 0}, {0, 0}, {-1, -1}})));
  EXPECT_TRUE(cclose(index_add(zeros({6}, kComplex128), 0, idx, z.narrow(0, 0, 4)),
                     ctensor({kValues[0], {0, 0}, kValues[1] + kValues[2], {0, 0}, {0, 0}, kValues[3]})));
  EXPECT_TRUE(cclose(zeros({3}, kComplex128).scatter_add(0, tensor(std::vector<int64_t>{1, 1, 0, 2, 0, 1}), z),
                     ctensor({kValues[2] + kValues[4], kValues[0] + kValues[1] + kValues[5], kValues[3]})));
  EXPECT_TRUE(
      cclose(index_fill(z, 0, idx, Scalar(C(9, -9))).index_select(0, idx), full({4}, Scalar(C(9, -9)), kComplex128)));
  EXPECT_TRUE(
      cclose(z.masked_fill(eq(real(z), 3.0), Scalar(C(0, 7))).select(0, 4), scalar_tensor(C(0, 7), kComplex128)));
  EXPECT_EQ(count_nonzero(ctensor({{0, 0}, {0, 1}, {2, 0}, {0, 0}})).item<int64_t>(), 2);
  EXPECT_EQ(nonzero(ctensor({{0, 0}, {0, 1}, {2, 0}, {0, 0}})).reshape({-1}).to_vector<int64_t>(),
            (std::vector<int64_t>{1, 2}));
  // Scans: running sums and products, against std::complex.
  CV sums, prods;
  C s = 0, p = 1;
  for (const C& v : kValues) sums.push_back(s += v), prods.push_back(p *= v);
  EXPECT_TRUE(cclose(cumsum(z, 0), ctensor(sums)));
  EXPECT_TRUE(cclose(cumprod(z, 0), ctensor(prods)));
  EXPECT_TRUE(cclose(cumsum(z.to(kComplex64).view({2, 3}), 0),
                     ctensor({kValues[0], kValues[1], kValues[2], kValues[0] + kValues[3], kValues[1] + kValues[4],
                              kValues[2] + kValues[5]},
                             kComplex64)
                         .view({2, 3}),
                     1e-6, 1e-6));
  // The variance of complex numbers is of their distances to the mean: real.
  C mean_value = 0;
  for (const C& v : kValues) mean_value += v / 6.0;
  double squares = 0;
  for (const C& v : kValues) squares += std::norm(v - mean_value);
  EXPECT_EQ(var(z).dtype(), kFloat64);
  EXPECT_NEAR(var(z).item<double>(), squares / 5, 1e-12);
  EXPECT_NEAR(tg::std(z, {}, 0.0).item<double>(), std::sqrt(squares / 6), 1e-12);
  // cov conjugates its second factor, so the diagonal is real and the matrix Hermitian.
  const Tensor pair = ctensor({kValues[0], kValues[1], kValues[2], kValues[3], kValues[4], kValues[5]}).view({2, 3});
  const Tensor c = cov(pair);
  EXPECT_TRUE(cclose(c, c.mH()));
  EXPECT_NEAR(real(c).select(0, 0).select(0, 0).item<double>(), var(pair.select(0, 0)).item<double>(), 1e-12);
  EXPECT_TRUE(cclose(corrcoef(pair).diagonal(), ones({2}, kComplex128)));
  // isclose measures |a - b|; addcmul, addcdiv and lerp in complex arithmetic.
  EXPECT_EQ(isclose(z, z + Scalar(C(0, 1e-9))).all().item<bool>(), true);
  EXPECT_EQ(isclose(z, z + Scalar(C(0, 1e-3))).any().item<bool>(), false);
  EXPECT_TRUE(allclose(z, z * Scalar(C(1, 1e-12))));
  const Tensor w = ctensor({{1, 2}, {-1, 0.5}, {0.25, -3}, {2, 2}, {-0.5, 1}, {1, -1}});
  const Scalar v(C(0.5, -1));
  EXPECT_TRUE(cclose(addcmul(z, w, z, v), z + w * z * v));
  EXPECT_TRUE(cclose(addcdiv(z, w, z, v), z + w / z * v, 1e-12, 1e-12));
  EXPECT_TRUE(cclose(lerp(z, w, Scalar(C(0.25, 0.5))), z + (w - z) * Scalar(C(0.25, 0.5)), 1e-12, 1e-12));
  EXPECT_TRUE(cclose(lerp(z, w, w), z + (w - z) * w, 1e-12, 1e-12));
  EXPECT_TRUE(cclose(float_power(z.to(kComplex64), 2), z * z, 1e-6, 1e-6));
  EXPECT_EQ(float_power(z.to(kComplex64), 2).dtype(), kComplex128);
  EXPECT_TRUE(cclose(sinc(z), sin(z * std::numbers::pi) / (z * std::numbers::pi), 1e-12, 1e-12));
  EXPECT_TRUE(cclose(trapezoid(z), z.sum() - (z.select(0, 0) + z.select(0, 5)) * 0.5, 1e-12, 1e-12));
  EXPECT_TRUE(cclose(linalg::vander(z.narrow(0, 0, 3)).select(1, 2), z.narrow(0, 0, 3) * z.narrow(0, 0, 3)));
}

TEST(ComplexGrad, IndexingScansAndTernaryOps) {
  Generator gen(6);
  const Tensor z = (crandn({4, 3}, gen) * 0.5 + Scalar(C(0.3, 0.2))).requires_grad_(true);
  const Tensor w = (crandn({4, 3}, gen) * 0.5 + Scalar(C(1.2, -0.4))).requires_grad_(true);
  const Tensor idx = tensor(std::vector<int64_t>{0, 2, 2});
  using F = std::function<Tensor(const Tensor&, const Tensor&)>;
  const std::vector<std::pair<const char*, F>> ops = {
      {"index", [&](const Tensor& a, const Tensor&) { return a.index({idx}); }},
      {"index_select", [&](const Tensor& a, const Tensor&) { return a.index_select(1, idx); }},
      {"gather",
       [&](const Tensor& a, const Tensor&) {
         return a.gather(1, zeros({4, 2}, kInt64));
       }},
      {"index_add", [&](const Tensor& a, const Tensor& b) { return index_add(a, 0, idx, b.narrow(0, 0, 3)); }},
      {"scatter_add",
       [&](const Tensor& a, const Tensor& b) {
         return a.scatter_add(0, zeros({4, 3}, kInt64), b);
       }},
      {"masked_select", [&](const Tensor& a, const Tensor&) { return masked_select(a, gt(real(a.detach()), 0.3)); }},
      {"cumsum", [](const Tensor& a, const Tensor&) { return cumsum(a, 0); }},
      {"cumprod", [](const Tensor& a, const Tensor&) { return cumprod(a, 1); }},
      {"var", [](const Tensor& a, const Tensor&) { return var(a, {1}); }},
      {"std", [](const Tensor& a, const Tensor&) { return tg::std(a); }},
      {"addcmul", [](const Tensor& a, const Tensor& b) { return addcmul(a, b, a, Scalar(C(0.5, -1))); }},
      {"addcdiv", [](const Tensor& a, const Tensor& b) { return addcdiv(a, a, b, Scalar(C(2, 1))); }},
      {"lerp", [](const Tensor& a, const Tensor& b) { return lerp(a, b, b * 0.5); }},
      {"lerp_scalar", [](const Tensor& a, const Tensor& b) { return lerp(a, b, Scalar(C(0.7, 0.2))); }},
      {"cov", [](const Tensor& a, const Tensor&) { return cov(a); }},
  };
  for (const auto& [name, f] : ops)
    EXPECT_NO_THROW(EXPECT_TRUE(autograd::gradcheck([&](const tensor_list& in) { return f(in[0], in[1]); }, {z, w}))
                    << name)
        << name;
  // cumprod through a zero: the product's derivative skips the zero factor.
  const Tensor with_zero = ctensor({{0.5, 1}, {0, 0}, {1, -2}, {0.3, 0.1}}).requires_grad_(true);
  EXPECT_TRUE(autograd::gradcheck([](const tensor_list& in) { return cumprod(in[0], 0); }, {with_zero}));
}
