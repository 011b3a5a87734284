// tg::fft (tensor/ops/fft.h): every transform against the O(n^2) sum that defines it, for the
// Stockham radices and Bluestein's lengths; inverses, norms, real and Hermitian transforms, n-D
// forms, frequencies and shifts; gradients (gradcheck through the parts) and the errors.
#include <complex>
#include <numbers>

#include "test_util.h"

using namespace tg;
using tgtest::close;
using tgtest::crandn;
using C = std::complex<double>;

namespace {

// sum_j x_j exp(sign 2 pi i j k / n) along the last dim, in long double.
Tensor dft(const Tensor& x, int sign) {
  const int64_t n = x.sizes()[x.dim() - 1], rows = x.numel() / n;
  const auto v = x.to(kComplex128).contiguous().to_vector<C>();
  std::vector<C> out(v.size());
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t k = 0; k < n; ++k) {
      std::complex<long double> s = 0;
      for (int64_t j = 0; j < n; ++j) {
        const long double a = sign * 2.0L * std::numbers::pi_v<long double> * static_cast<long double>((j * k) % n) /
                              static_cast<long double>(n);
        s += std::complex<long double>(v[static_cast<size_t>(r * n + j)]) * std::complex<long double>(cosl(a), sinl(a));
      }
      out[static_cast<size_t>(r * n + k)] = C(static_cast<double>(s.real()), static_cast<double>(s.imag()));
    }
  return tensor(out).view(x.sizes());
}

::testing::AssertionResult cclose(const Tensor& a, const Tensor& e, double tol) {
  if (a.dtype() != e.dtype()) return ::testing::AssertionFailure() << name(a.dtype()) << " != " << name(e.dtype());
  return close(view_as_real(a.contiguous()), view_as_real(e.contiguous()), tol, tol);
}

}  // namespace

TEST(FFT, MatchesTheDefiningSumForEveryKindOfLength) {
  Generator gen(1);
  // Radix 4, 2, 3, 5, the other small primes, their products, and Bluestein's lengths (a prime
  // factor above 31: 37, 97, 257, 2 * 37, 1009).
  for (int64_t n : {1, 2, 3, 4, 5, 6, 7, 8, 11, 12, 16, 30, 31, 37, 60, 64, 74, 97, 100, 128, 210, 257, 1000, 1009}) {
    const Tensor x = crandn({3, n}, gen);
    const double tol = 1e-12 * std::sqrt(static_cast<double>(n)) * 10;
    EXPECT_TRUE(cclose(fft::fft(x), dft(x, -1), tol)) << "n = " << n;
    EXPECT_TRUE(cclose(fft::ifft(x), dft(x, +1) / static_cast<double>(n), tol)) << "n = " << n;
    EXPECT_TRUE(cclose(fft::ifft(fft::fft(x)), x, tol)) << "n = " << n;
  }
  // complex64 to its precision, and a length of a million (Bluestein's scratch and threads)
  const Tensor x = crandn({2, 60}, gen);
  EXPECT_TRUE(cclose(fft::fft(x.to(kComplex64)), dft(x, -1).to(kComplex64), 2e-5));
  const Tensor big = crandn({1 << 20}, gen);
  EXPECT_TRUE(cclose(fft::ifft(fft::fft(big)), big, 1e-12));
}

// Batches move between rows and the kernel's planes in register-transposed blocks of 8 rows by 4
// positions (complex128: 4 by 2) and element by element past them: whole blocks, partial ones,
// and lengths that leave positions over, in both precisions and every kind of transform.
TEST(FFT, BlocksOfRowsAndTheirRemainders) {
  Generator gen(5);
  for (int64_t rows : {4, 8, 21, 40}) {
    for (int64_t n : {4, 10, 14, 64, 100}) {
      const Tensor x = crandn({rows, n}, gen);
      const Tensor r = randn({rows, n}, gen, kFloat64);
      for (DType dt : {kComplex64, kComplex128}) {
        const bool single = dt == kComplex64;
        const double tol = single ? 2e-5 : 1e-12 * std::sqrt(static_cast<double>(n)) * 10;
        const std::string where = fmt::format("{} rows, n = {}, {}", rows, n, name(dt));
        EXPECT_TRUE(cclose(fft::fft(x.to(dt)), dft(x, -1).to(dt), tol)) << where;
        EXPECT_TRUE(cclose(fft::ifft(x.to(dt)), (dft(x, +1) / static_cast<double>(n)).to(dt), tol)) << where;
        const DType real = single ? kFloat32 : kFloat64;
        const Tensor spec = fft::rfft(r.to(real));
        EXPECT_TRUE(cclose(spec, dft(r.to(kComplex128), -1).narrow(1, 0, n / 2 + 1).to(dt), tol)) << where;
        EXPECT_TRUE(close(fft::irfft(spec, n), r.to(real), tol, tol)) << where;
      }
    }
  }
}

TEST(FFT, NormsDimsAndLengths) {
  Generator gen(2);
  const Tensor x = crandn({4, 6, 5}, gen);
  // "ortho" keeps the norm (Parseval); "forward" moves the 1/n to the forward transform.
  EXPECT_NEAR(fft::fft(x, std::nullopt, -1, "ortho").norm().item<double>(), x.norm().item<double>(), 1e-12);
  EXPECT_TRUE(cclose(fft::fft(x, std::nullopt, -1, "forward"), fft::fft(x) / 5.0, 1e-13));
  EXPECT_TRUE(cclose(fft::ifft(x, std::nullopt, -1, "forward"), fft::ifft(x) * 5.0, 1e-13));
  // Along a middle dim (and of a non-contiguous input) as along the last one.
  EXPECT_TRUE(cclose(fft::fft(x, std::nullopt, 1), fft::fft(x.transpose(1, 2)).transpose(1, 2), 1e-13));
  EXPECT_TRUE(
      cclose(fft::fft(x.transpose(0, 2), std::nullopt, 0), fft::fft(x, std::nullopt, 2).transpose(0, 2), 1e-13));
  // n trims or zero-pads.
  EXPECT_TRUE(cclose(fft::fft(x, 3), fft::fft(x.narrow(2, 0, 3)), 1e-13));
  EXPECT_TRUE(cclose(fft::fft(x, 8), fft::fft(cat({x, zeros({4, 6, 3}, kComplex128)}, 2)), 1e-13));
  // Real and integer inputs are taken as complex.
  const Tensor r = randn({7}, gen, kFloat64);
  EXPECT_TRUE(cclose(fft::fft(r), fft::fft(r.to(kComplex128)), 1e-14));
  EXPECT_EQ(fft::fft(arange(4)).dtype(), kComplex64);
  EXPECT_EQ(fft::fft(randn({4})).dtype(), kComplex64);
}

TEST(FFT, RealAndHermitianTransforms) {
  Generator gen(3);
  // Even lengths run as complex transforms of half the length (of every kind: radix 4, 2, 3, 5,
  // other primes, Bluestein's 37 and 499), odd ones as full ones.
  for (int64_t n : {1, 2, 3, 4, 6, 7, 8, 10, 37, 64, 74, 100, 998, 1000}) {
    const Tensor x = randn({3, n}, gen, kFloat64);
    const Tensor spec = fft::rfft(x);
    EXPECT_EQ(spec.sizes(), (Shape{3, n / 2 + 1}));
    const double tol = 1e-12 * std::sqrt(static_cast<double>(n)) * 10;
    EXPECT_TRUE(cclose(spec, dft(x.to(kComplex128), -1).narrow(1, 0, n / 2 + 1), tol)) << "n = " << n;
    // Along another dim, in float32, scaled.
    EXPECT_TRUE(cclose(fft::rfft(x.t().contiguous(), std::nullopt, 0), spec.t(), tol)) << "n = " << n;
    EXPECT_TRUE(cclose(fft::rfft(x.to(kFloat32), std::nullopt, -1, "ortho"),
                       (spec / std::sqrt(static_cast<double>(n))).to(kComplex64), 2e-5))
        << "n = " << n;
    EXPECT_TRUE(close(fft::irfft(spec.t(), n, 0), x.t(), tol, tol)) << "n = " << n;
    EXPECT_TRUE(close(fft::irfft(spec.to(kComplex64), n), x.to(kFloat32), 2e-5, 2e-5)) << "n = " << n;
    const Tensor back = fft::irfft(spec, n);
    EXPECT_EQ(back.dtype(), kFloat64);
    EXPECT_TRUE(close(back, x, 1e-12, 1e-12)) << "n = " << n;
    // ihfft is the inverse of hfft: hfft(X, n) = n irfft(conj X, n).
    EXPECT_TRUE(close(fft::hfft(fft::ihfft(x), n), x, 1e-12, 1e-12)) << "n = " << n;
    EXPECT_TRUE(close(fft::hfft(spec, n), fft::irfft(conj(spec), n) * static_cast<double>(n), 1e-12, 1e-12));
  }
  // irfft's default length is 2 (m - 1); the imaginary parts of the zero and Nyquist terms
  // are ignored.
  const Tensor spec = crandn({5}, gen);
  EXPECT_EQ(fft::irfft(spec).sizes(), (Shape{8}));
  Tensor real_ends = spec.clone();
  real_ends.imag().narrow(0, 0, 1).zero_();
  real_ends.imag().narrow(0, 4, 1).zero_();
  EXPECT_TRUE(close(fft::irfft(spec), fft::irfft(real_ends), 1e-14, 1e-14));
  EXPECT_TRUE(cclose(fft::rfft(fft::irfft(real_ends)), real_ends, 1e-13));
}

TEST(FFT, MultiDimensionalForms) {
  Generator gen(4);
  const Tensor x = crandn({3, 4, 5}, gen);
  const Tensor by_dims = fft::fft(fft::fft(x, std::nullopt, 1), std::nullopt, 2);
  EXPECT_TRUE(cclose(fft::fft2(x), by_dims, 1e-12));
  EXPECT_TRUE(cclose(fft::fftn(x, std::nullopt, Shape{1, 2}), by_dims, 1e-12));
  EXPECT_TRUE(cclose(fft::fftn(x), fft::fft(by_dims, std::nullopt, 0), 1e-12));
  EXPECT_TRUE(cclose(fft::ifftn(fft::fftn(x)), x, 1e-13));
  EXPECT_TRUE(
      cclose(fft::ifft2(fft::fft2(x, std::nullopt, {-2, -1}, "ortho"), std::nullopt, {-2, -1}, "ortho"), x, 1e-13));
  // s pads: the last len(s) dims.
  EXPECT_EQ(fft::fftn(x, Shape{6, 8}).sizes(), (Shape{3, 6, 8}));
  const Tensor r = randn({2, 6, 7}, gen, kFloat64);
  const Tensor spec = fft::rfftn(r);
  EXPECT_EQ(spec.sizes(), (Shape{2, 6, 4}));
  EXPECT_TRUE(cclose(spec, fft::fftn(r).narrow(2, 0, 4), 1e-12));
  EXPECT_TRUE(close(fft::irfftn(spec, Shape{2, 6, 7}), r, 1e-12, 1e-12));
  EXPECT_TRUE(close(fft::irfft2(fft::rfft2(r), Shape{6, 7}), r, 1e-12, 1e-12));
  EXPECT_TRUE(close(fft::hfftn(fft::ihfftn(r), Shape{2, 6, 7}), r, 1e-12, 1e-12));
  EXPECT_TRUE(close(fft::hfft2(fft::ihfft2(r), Shape{6, 7}), r, 1e-12, 1e-12));
}

TEST(FFT, FrequenciesAndShifts) {
  EXPECT_TRUE(close(fft::fftfreq(5, 0.5), tensor(std::vector<float>{0, 0.4f, 0.8f, -0.8f, -0.4f})));
  EXPECT_TRUE(close(fft::fftfreq(4), tensor(std::vector<float>{0, 0.25f, -0.5f, -0.25f})));
  EXPECT_TRUE(close(fft::rfftfreq(5, 1.0, kFloat64), tensor(std::vector<double>{0, 0.2, 0.4})));
  EXPECT_EQ(fft::fftfreq(3, 1.0, kFloat64).dtype(), kFloat64);
  const Tensor f = fft::fftfreq(5);
  EXPECT_TRUE(close(fft::fftshift(f), tensor(std::vector<float>{-0.4f, -0.2f, 0, 0.2f, 0.4f})));
  EXPECT_TRUE(close(fft::ifftshift(fft::fftshift(f)), f));
  const Tensor m = arange(12).view({3, 4});
  EXPECT_TRUE(close(fft::fftshift(m, Shape{1}), roll(m, {2}, {1})));
  EXPECT_TRUE(close(fft::fftshift(m), roll(m, {1, 2}, {0, 1})));
}

TEST(FFT, Gradients) {
  Generator gen(5);
  const Tensor z = crandn({2, 5}, gen).requires_grad_(true);
  const Tensor r = randn({2, 6}, gen, kFloat64).requires_grad_(true);
  const Tensor h = crandn({2, 4}, gen).requires_grad_(true);
  using F = std::function<Tensor(const Tensor&)>;
  const std::vector<std::pair<const char*, F>> cases = {
      {"fft", [](const Tensor& t) { return fft::fft(t); }},
      {"ifft ortho", [](const Tensor& t) { return fft::ifft(t, std::nullopt, -1, "ortho"); }},
      {"fft padded", [](const Tensor& t) { return fft::fft(t, 7, 0); }},
      {"fft2", [](const Tensor& t) { return fft::fft2(t); }},
      {"ifftn forward", [](const Tensor& t) { return fft::ifftn(t, std::nullopt, std::nullopt, "forward"); }},
      {"irfft even", [](const Tensor& t) { return fft::irfft(t); }},
      {"irfft odd", [](const Tensor& t) { return fft::irfft(t, 9); }},
      {"hfft", [](const Tensor& t) { return fft::hfft(t, 5, -1, "ortho"); }},
      {"irfftn", [](const Tensor& t) { return fft::irfftn(t); }},
  };
  for (const auto& [name, f] : cases)
    EXPECT_NO_THROW(EXPECT_TRUE(autograd::gradcheck([&](const tensor_list& in) { return f(in[0]); }, {z})) << name)
        << name;
  const std::vector<std::pair<const char*, F>> real_cases = {
      {"rfft", [](const Tensor& t) { return fft::rfft(t); }},
      {"rfft trimmed", [](const Tensor& t) { return fft::rfft(t, 5); }},
      {"ihfft", [](const Tensor& t) { return fft::ihfft(t); }},
      {"rfft2",
       [](const Tensor& t) {
         return fft::rfft2(t, std::nullopt, {-2, -1}, "ortho");
       }},
      {"fft of real", [](const Tensor& t) { return fft::fft(t); }},
      {"power spectrum", [](const Tensor& t) { return abs(fft::rfft(t)).pow(2); }},
  };
  for (const auto& [name, f] : real_cases)
    EXPECT_NO_THROW(EXPECT_TRUE(autograd::gradcheck([&](const tensor_list& in) { return f(in[0]); }, {r})) << name)
        << name;
  EXPECT_TRUE(autograd::gradcheck([](const tensor_list& in) { return fft::irfft(in[0], 6); }, {h}));
  // Along the first dim; and second derivatives of the real transforms.
  EXPECT_TRUE(autograd::gradcheck([](const tensor_list& in) { return fft::rfft(in[0], 3, 0); }, {r}));
  EXPECT_TRUE(autograd::gradcheck([](const tensor_list& in) { return fft::irfft(in[0], 3, 0); }, {h}));
  EXPECT_TRUE(autograd::gradgradcheck([](const tensor_list& in) { return fft::rfft(in[0]) * fft::rfft(in[0]); }, {r}));
  EXPECT_TRUE(
      autograd::gradgradcheck([](const tensor_list& in) { return fft::irfft(in[0], 7) * in[0].abs().sum(); }, {h}));
  EXPECT_TRUE(autograd::gradgradcheck([](const tensor_list& in) { return fft::fft(in[0]) * in[0]; }, {z}));
}

TEST(FFT, Errors) {
  const Tensor z = ones({4}, kComplex64);
  EXPECT_THROW_WITH(fft::rfft(z), TypeError, "fft.rfft: expects a real input tensor, but got complex64");
  EXPECT_THROW_WITH(fft::fft(z, 0), ValueError, "fft.fft: invalid number of data points (0) specified");
  EXPECT_THROW_WITH(fft::irfft(ones({1}, kComplex64)), ValueError, "invalid number of data points (0)");
  EXPECT_THROW_WITH(fft::fft(z, std::nullopt, -1, "bogus"), ValueError, "invalid normalization mode \"bogus\"");
  EXPECT_THROW_WITH(fft::fft(scalar_tensor(1.0)), Error, "at least one dimension");
  EXPECT_THROW_WITH(fft::fft(ones({2}, kBool)), TypeError, "fft.fft: not supported for bool tensors");
  EXPECT_THROW_WITH(fft::fft(z, std::nullopt, 3), IndexError, "fft.fft");
  EXPECT_THROW_WITH(fft::fftn(ones({2, 2}), Shape{2, 2}, Shape{0}), Error, "s and dim must have the same length");
  EXPECT_THROW_WITH(fft::fftn(ones({2, 2}), std::nullopt, Shape{0, 0}), Error, "dims must be unique");
  EXPECT_THROW_WITH(fft::fftfreq(-1), ValueError, "n must be non-negative");
}

// The STFT of each frame against the defining sum: frame t starts at t * hop of the padded
// signal, windowed (the window centred in the frame), transformed.
TEST(STFT, FramesMatchTheDefiningSum) {
  Generator gen(11);
  const Tensor x = randn({2, 40}, gen, kFloat64);
  const int64_t n_fft = 16, hop = 5, win = 10;
  const Tensor w = hann_window(win, true, kFloat64);
  for (const bool center : {false, true}) {
    const Tensor S = stft(x, n_fft, hop, win, w, center, "reflect");
    Tensor padded = x;
    if (center) {  // reflect by n_fft / 2 = 8 at both ends
      padded = cat({x.narrow(1, 1, 8).flip({1}), x, x.narrow(1, 31, 8).flip({1})}, 1);
    }
    const int64_t frames = (padded.sizes()[1] - n_fft) / hop + 1;
    ASSERT_EQ(S.sizes(), Shape({2, n_fft / 2 + 1, frames}));
    EXPECT_EQ(S.dtype(), kComplex128);
    const Tensor full_window = pad(w, {3, 3});
    for (int64_t t = 0; t < frames; ++t) {
      const Tensor frame = padded.narrow(1, t * hop, n_fft) * full_window;
      EXPECT_TRUE(cclose(S.select(2, t), dft(frame.to(kComplex128), -1).narrow(1, 0, n_fft / 2 + 1), 1e-12)) << t;
    }
  }
  // One signal, two-sided, normalized, the parts as a last dim.
  const Tensor one = x.select(0, 0);
  const Tensor two_sided = stft(one, 8, 4, std::nullopt, {}, false, "reflect", true, false);
  ASSERT_EQ(two_sided.sizes(), Shape({8, 9}));
  EXPECT_TRUE(cclose(two_sided.select(1, 2), dft(one.narrow(0, 8, 8).to(kComplex128), -1) / std::sqrt(8.0), 1e-12));
  EXPECT_EQ(stft(one, 8, std::nullopt, std::nullopt, {}, true, "constant", false, std::nullopt, false).sizes(),
            Shape({5, 21, 2}));
  // A complex signal gives every frequency.
  EXPECT_EQ(stft(crandn({30}, gen), 8, 2).sizes(), Shape({8, 16}));
}

TEST(STFT, PadModes) {
  const Tensor x = arange(1.0, 7.0, 1.0, kFloat64);  // 1..6
  // With n_fft 4 and hop 1, frame 0's zero frequency sums the first 4 padded samples.
  auto first_sum = [&](std::string_view mode) {
    return real(stft(x, 4, 1, std::nullopt, {}, true, mode)).select(0, 0).select(0, 0).item<double>();
  };
  EXPECT_DOUBLE_EQ(first_sum("reflect"), 3 + 2 + 1 + 2);
  EXPECT_DOUBLE_EQ(first_sum("constant"), 0 + 0 + 1 + 2);
  EXPECT_DOUBLE_EQ(first_sum("replicate"), 1 + 1 + 1 + 2);
  EXPECT_DOUBLE_EQ(first_sum("circular"), 5 + 6 + 1 + 2);
}

TEST(STFT, InverseRecoversTheSignal) {
  Generator gen(12);
  const Tensor x = randn({3, 100}, gen, kFloat64);
  const Tensor w = hann_window(16, true, kFloat64);
  // Centred, with the hann window at hop n_fft / 4; uncentred with a rectangular window.
  const Tensor S = stft(x, 16, 4, std::nullopt, w);
  EXPECT_TRUE(close(istft(S, 16, 4, std::nullopt, w, true, false, std::nullopt, 100), x, 1e-12, 1e-12));
  const Tensor y = istft(S, 16, 4, std::nullopt, w);
  ASSERT_EQ(y.sizes(), Shape({3, 100}));  // 16 + 4 * 25 - 16 samples
  EXPECT_TRUE(close(y, x, 1e-12, 1e-12));
  const Tensor R = stft(x.select(0, 1), 20, 5, std::nullopt, {}, false);
  const Tensor r = istft(R, 20, 5, std::nullopt, {}, false);
  ASSERT_EQ(r.sizes(), Shape({100}));  // 20 + 5 * 16 samples
  EXPECT_TRUE(close(r, x.select(0, 1), 1e-12, 1e-12));
  // A longer length keeps the centring pad's reflection (8 samples), then zeros; normalized
  // round-trips.
  const Tensor longer = istft(S.select(0, 0), 16, 4, std::nullopt, w, true, false, std::nullopt, 112);
  EXPECT_TRUE(close(longer.narrow(0, 0, 100), x.select(0, 0), 1e-12, 1e-12));
  EXPECT_TRUE(close(longer.narrow(0, 100, 8), x.select(0, 0).narrow(0, 91, 8).flip({0}), 1e-12, 1e-12));
  EXPECT_TRUE(close(longer.narrow(0, 108, 4), zeros({4}, kFloat64), 0, 0));
  const Tensor N = stft(x, 16, 4, std::nullopt, w, true, "reflect", true);
  EXPECT_TRUE(close(istft(N, 16, 4, std::nullopt, w, true, true), x, 1e-12, 1e-12));
  // A complex signal, two-sided, back as complex.
  const Tensor z = crandn({64}, gen);
  const Tensor Z = stft(z, 16, 4, std::nullopt, w);
  EXPECT_TRUE(cclose(istft(Z, 16, 4, std::nullopt, w, true, false, false, std::nullopt, true), z, 1e-12));
}

TEST(STFT, Gradients) {
  Generator gen(13);
  const Tensor x = randn({24}, gen, kFloat64).requires_grad_(true);
  const Tensor w = (rand({8}, gen, kFloat64) + 0.5).requires_grad_(true);
  EXPECT_TRUE(
      autograd::gradcheck([](const tensor_list& in) { return abs(stft(in[0], 8, 3, std::nullopt, in[1])); }, {x, w}));
  EXPECT_TRUE(autograd::gradcheck(
      [](const tensor_list& in) { return view_as_real(stft(in[0], 8, 2, 6, {}, true, "reflect", true)); }, {x}));
  const Tensor S = stft(x.detach(), 8, 2, std::nullopt, w.detach()).requires_grad_(true);
  EXPECT_TRUE(autograd::gradcheck(
      [](const tensor_list& in) { return istft(in[0], 8, 2, std::nullopt, in[1], true, false, std::nullopt, 20); },
      {S, w}));
}

TEST(STFT, Errors) {
  const Tensor x = ones({50});
  EXPECT_THROW_WITH(stft(ones({2, 2, 50}), 8), Error, "stft: expected a 1-D or 2-D (batch, length) input");
  EXPECT_THROW_WITH(stft(ones({50}, kInt64), 8), TypeError, "stft: expected a floating-point or complex input");
  EXPECT_THROW_WITH(stft(x, 0), ValueError, "stft: expected n_fft > 0, got 0");
  EXPECT_THROW_WITH(stft(x, 8, 0), ValueError, "stft: expected hop_length > 0");
  EXPECT_THROW_WITH(stft(x, 8, 2, 10), ValueError, "expected 0 < win_length <= n_fft, got win_length=10 and n_fft=8");
  EXPECT_THROW_WITH(stft(x, 8, 2, 8, ones({5})), Error, "stft: expected a 1-D window of win_length=8 values");
  EXPECT_THROW_WITH(stft(x, 128), ValueError, "stft: reflect padding by 64 (n_fft / 2) needs a signal longer");
  EXPECT_THROW_WITH(stft(x, 64, 4, std::nullopt, {}, false), ValueError,
                    "stft: expected n_fft <= the signal's length, got n_fft=64 and 50 samples");
  EXPECT_THROW_WITH(stft(x, 8, 2, std::nullopt, {}, true, "edge"), ValueError, "stft: pad_mode must be");
  EXPECT_THROW_WITH(stft(ones({50}, kComplex64), 8, 2, std::nullopt, {}, true, "reflect", false, true), ValueError,
                    "stft: a onesided transform needs a real input and window");
  const Tensor S = stft(x, 8, 2);
  EXPECT_THROW_WITH(istft(real(S), 8), TypeError, "istft: expected a complex input");
  EXPECT_THROW_WITH(istft(S, 8, 10), ValueError, "istft: expected 0 < hop_length <= win_length");
  EXPECT_THROW_WITH(istft(S, 10, 2), ValueError, "istft: expected 6 frequencies for n_fft=10 (onesided), got 5");
  EXPECT_THROW_WITH(istft(S, 8, 2, std::nullopt, {}, true, false, true, std::nullopt, true), ValueError,
                    "istft: a complex result needs onesided=False");
  // A window whose overlapped squares vanish: zeros at both ends and a hop of a whole frame.
  const Tensor gaps = stft(x, 8, 8, std::nullopt, hann_window(8, false), false);
  EXPECT_THROW_WITH(istft(gaps, 8, 8, std::nullopt, hann_window(8, false), false), ValueError,
                    "fail the NOLA condition");
}
