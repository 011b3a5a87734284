// Complex tensors on the GPU held to the CPU's answers: the elementwise maps, products and
// comparisons, reductions and scans, conversions, indexing, matrix products (cuBLAS), convolutions
// (cuDNN, on the parts), Fourier transforms (cuFFT) and linear algebra (cuSOLVER), with their
// gradients. Without a GPU these skip; the errors a complex tensor on a GPU must still give are
// tested with one.
#include <complex>

#include "test_cuda_util.h"

using namespace tg;
using tgtest::close;
using tgtest::crandn;
using tgtest::expect_same;
using tgtest::on_gpu;

namespace {

using Fn = std::function<Tensor(const std::vector<Tensor>&)>;

// Complex64 against the CPU's complex64 (both round the same formulas in float; the library
// functions differ by a few ulps), complex128 to near its precision.
double ctol(DType dt) { return dt == kComplex64 ? 2e-5 : 1e-10; }

Tensor on_device(const Tensor& t, const Tensor& like) { return t.to(like.device()); }

// The gradient in x[0] of a real loss of x[0] and the other inputs, to compare across devices.
Fn grad_of(std::function<Tensor(const Tensor&, const std::vector<Tensor>&)> loss) {
  return [loss](const std::vector<Tensor>& x) {
    const Tensor leaf = x[0].detach().requires_grad_(true);
    loss(leaf, x).backward();
    return leaf.grad();
  };
}

}  // namespace

TEST(CudaComplex, MovesAndConverts) {
  TG_REQUIRE_CUDA();
  Generator gen(1);
  for (DType dt : {kComplex64, kComplex128}) {
    const Tensor z = crandn({3, 4}, gen, dt);
    const Tensor g = z.cuda();
    EXPECT_EQ(g.dtype(), dt);
    EXPECT_TRUE(close(g.cpu(), z, 0, 0));
    EXPECT_TRUE(close(g.t().contiguous().cpu(), z.t().contiguous(), 0, 0));
    // Casts both ways and between the two precisions; the parts as views.
    expect_same([](const std::vector<Tensor>& x) { return x[0].to(kFloat32); }, {z}, 1e-6);
    expect_same([](const std::vector<Tensor>& x) { return x[0].to(kComplex128); }, {z}, 1e-12);
    expect_same([](const std::vector<Tensor>& x) { return x[0].to(kComplex64); }, {z}, 1e-6);
    expect_same([&](const std::vector<Tensor>& x) { return x[0].to(dt); }, {randn({5}, gen)}, 1e-6);
    expect_same([&](const std::vector<Tensor>& x) { return x[0].to(dt); }, {arange(5, kInt64)}, 0);
    expect_same([](const std::vector<Tensor>& x) { return x[0].to(kBool); }, {z * tensor({0.0, 1, 0, 1})}, 0);
    expect_same([](const std::vector<Tensor>& x) { return imag(x[0]).contiguous(); }, {z}, 0);
    expect_same([](const std::vector<Tensor>& x) { return conj(x[0]); }, {z}, 0);
    expect_same([](const std::vector<Tensor>& x) { return x[0].tril(); }, {z}, 0);
    expect_same([](const std::vector<Tensor>& x) { return x[0].triu(1); }, {z}, 0);
    expect_same([](const std::vector<Tensor>& x) { return where(x[1] > 0, x[0], x[0] * 2); }, {z, randn({4}, gen)}, 0);
    expect_same([](const std::vector<Tensor>& x) { return x[0].clone().fill_(Scalar(std::complex<double>(1.5, -2))); },
                {z}, 0);
  }
  const auto opts = TensorOptions(kComplex64).device(Device::cuda());
  EXPECT_TRUE(close(full({3}, Scalar(std::complex<double>(1, 2)), opts).cpu(),
                    full({3}, Scalar(std::complex<double>(1, 2)), kComplex64), 0, 0));
  EXPECT_TRUE(close(zeros({2, 2}, opts).cpu(), zeros({2, 2}, kComplex64), 0, 0));
}

TEST(CudaComplex, UnaryMapsMatchTheCpu) {
  TG_REQUIRE_CUDA();
  Generator gen(2);
  const std::vector<std::pair<const char*, std::function<Tensor(const Tensor&)>>> ops = {
      {"neg", [](const Tensor& x) { return -x; }},
      {"sgn", [](const Tensor& x) { return sgn(x); }},
      {"abs", [](const Tensor& x) { return abs(x); }},
      {"angle", [](const Tensor& x) { return angle(x); }},
      {"reciprocal", [](const Tensor& x) { return reciprocal(x); }},
      {"sqrt", [](const Tensor& x) { return sqrt(x); }},
      {"rsqrt", [](const Tensor& x) { return rsqrt(x); }},
      {"exp", [](const Tensor& x) { return exp(x); }},
      {"exp2", [](const Tensor& x) { return exp2(x); }},
      {"log", [](const Tensor& x) { return log(x); }},
      {"log2", [](const Tensor& x) { return log2(x); }},
      {"log10", [](const Tensor& x) { return log10(x); }},
      {"log1p", [](const Tensor& x) { return log1p(x); }},
      {"expm1", [](const Tensor& x) { return expm1(x); }},
      {"sin", [](const Tensor& x) { return sin(x); }},
      {"cos", [](const Tensor& x) { return cos(x); }},
      {"tan", [](const Tensor& x) { return tan(x); }},
      {"asin", [](const Tensor& x) { return asin(x); }},
      {"acos", [](const Tensor& x) { return acos(x); }},
      {"atan", [](const Tensor& x) { return atan(x); }},
      {"sinh", [](const Tensor& x) { return sinh(x); }},
      {"cosh", [](const Tensor& x) { return cosh(x); }},
      {"tanh", [](const Tensor& x) { return tanh(x); }},
      {"asinh", [](const Tensor& x) { return asinh(x); }},
      {"acosh", [](const Tensor& x) { return acosh(x); }},
      {"atanh", [](const Tensor& x) { return atanh(x); }},
      {"sigmoid", [](const Tensor& x) { return sigmoid(x); }},
      {"isnan", [](const Tensor& x) { return isnan(x); }},
      {"isfinite", [](const Tensor& x) { return isfinite(x); }},
      {"logical_not", [](const Tensor& x) { return logical_not(x); }},
  };
  for (DType dt : {kComplex64, kComplex128}) {
    const Tensor z = crandn({6, 5}, gen, dt);
    for (const auto& [name, f] : ops) {
      SCOPED_TRACE(fmt::format("{} {}", name, dt));
      expect_same([&](const std::vector<Tensor>& x) { return f(x[0]); }, {z}, ctol(dt), ctol(dt));
      expect_same([&](const std::vector<Tensor>& x) { return f(x[0].t()); }, {z}, ctol(dt), ctol(dt));
    }
  }
  // Infinities and NaNs classified part by part.
  const double inf = std::numeric_limits<double>::infinity(), nan = std::numeric_limits<double>::quiet_NaN();
  const Tensor odd = complex(tensor({1.0, inf, nan, 0.0}), tensor({nan, 0.0, 1.0, -inf}));
  expect_same([](const std::vector<Tensor>& x) { return isnan(x[0]); }, {odd}, 0);
  expect_same([](const std::vector<Tensor>& x) { return isinf(x[0]); }, {odd}, 0);
  expect_same([](const std::vector<Tensor>& x) { return isfinite(x[0]); }, {odd}, 0);
}

TEST(CudaComplex, BinaryAndTernaryOpsMatchTheCpu) {
  TG_REQUIRE_CUDA();
  Generator gen(3);
  for (DType dt : {kComplex64, kComplex128}) {
    SCOPED_TRACE(fmt::format("{}", dt));
    const double tol = ctol(dt);
    const Tensor a = crandn({4, 5}, gen, dt), b = crandn({5}, gen, dt), c = crandn({4, 1}, gen, dt);
    const std::vector<Fn> ops = {
        [](const std::vector<Tensor>& x) { return x[0] + x[1]; },
        [](const std::vector<Tensor>& x) { return sub(x[0], x[1], Scalar(std::complex<double>(0.5, 2))); },
        [](const std::vector<Tensor>& x) { return x[0] * x[1].conj(); },
        [](const std::vector<Tensor>& x) { return x[0] / x[1]; },
        [](const std::vector<Tensor>& x) { return x[0].pow(x[1]); },
        [](const std::vector<Tensor>& x) { return x[0].pow(3); },
        [](const std::vector<Tensor>& x) { return x[0] * 2.5; },  // a real scalar promotes
        [](const std::vector<Tensor>& x) { return eq(x[0], x[0] * x[2]); },
        [](const std::vector<Tensor>& x) { return ne(x[0], x[1]); },
        [](const std::vector<Tensor>& x) { return logical_and(x[0], x[1] * 0); },
        [](const std::vector<Tensor>& x) { return logical_xor(x[0], x[2]); },
        [](const std::vector<Tensor>& x) { return addcmul(x[0], x[1], x[2], Scalar(std::complex<double>(1, -1))); },
        [](const std::vector<Tensor>& x) { return addcdiv(x[0], x[1], x[2], 0.5); },
        [](const std::vector<Tensor>& x) { return lerp(x[0], x[1], x[2]); },
        [](const std::vector<Tensor>& x) { return lerp(x[0], x[1], Scalar(std::complex<double>(0.25, 0.5))); },
    };
    for (size_t i = 0; i < ops.size(); ++i) {
      SCOPED_TRACE(fmt::format("op {}", i));
      expect_same(ops[i], {a, b, c}, tol, tol);
      expect_same(ops[i], {a.t().contiguous().t(), b, c}, tol, tol);  // a transposed layout
    }
    // In place, and complex with a real tensor.
    expect_same([](const std::vector<Tensor>& x) { return x[0].clone().mul_(x[1]); }, {a, b}, tol, tol);
    expect_same([&](const std::vector<Tensor>& x) { return x[0] * x[1]; }, {a, randn({5}, gen)}, tol, tol);
  }
}

TEST(CudaComplex, ReductionsAndScansMatchTheCpu) {
  TG_REQUIRE_CUDA();
  Generator gen(4);
  for (DType dt : {kComplex64, kComplex128}) {
    SCOPED_TRACE(fmt::format("{}", dt));
    const double tol = ctol(dt) * 10;
    const Tensor z = crandn({37, 129}, gen, dt);
    const std::vector<Fn> ops = {
        [](const std::vector<Tensor>& x) { return x[0].sum(); },
        [](const std::vector<Tensor>& x) { return x[0].sum({0}); },
        [](const std::vector<Tensor>& x) { return x[0].sum({1}, true); },
        [](const std::vector<Tensor>& x) { return x[0].mean({0}); },
        [](const std::vector<Tensor>& x) { return (x[0] / 1.1).narrow(1, 0, 9).prod({1}); },
        [](const std::vector<Tensor>& x) { return x[0].t().sum({0}); },
        [](const std::vector<Tensor>& x) { return cumsum(x[0], 1); },
        [](const std::vector<Tensor>& x) { return cumprod(x[0].narrow(1, 0, 12) / 1.2, 1); },
        [](const std::vector<Tensor>& x) { return cumsum(x[0], 0); },
        // The GPU's logcumsumexp is composed of logaddexps, the CPU's a kernel: their imaginary
        // parts (not brought into (-pi, pi], as PyTorch's) may differ by 2 pi k, hence the exp.
        [](const std::vector<Tensor>& x) { return exp(logcumsumexp(x[0], 1) - 5.0); },
        [](const std::vector<Tensor>& x) { return exp(logcumsumexp(x[0] * 300.0, 0) - tg::real(x[0]).max() * 300.0); },
        grad_of([](const Tensor& z, const std::vector<Tensor>&) { return logcumsumexp(z, 1).abs().sum(); }),
        [](const std::vector<Tensor>& x) { return tg::var(x[0], {1}); },
        [](const std::vector<Tensor>& x) { return linalg::vector_norm(x[0]); },
        [](const std::vector<Tensor>& x) { return (x[0] * 0).any(); },
        [](const std::vector<Tensor>& x) { return x[0].all(1); },
    };
    for (size_t i = 0; i < ops.size(); ++i) {
      SCOPED_TRACE(fmt::format("op {}", i));
      expect_same(ops[i], {z}, tol, tol);
    }
    // A sum long enough to split across blocks and combine their partial sums.
    const Tensor big = crandn({1 << 20}, gen, dt);
    expect_same([](const std::vector<Tensor>& x) { return x[0].sum(); }, {big}, dt == kComplex64 ? 1e-5 : 1e-12, 1e-6);
  }
}

TEST(CudaComplex, IndexingMatchesTheCpu) {
  TG_REQUIRE_CUDA();
  Generator gen(5);
  const Tensor idx = tensor(std::vector<int64_t>{2, 0, 2, 3, 1});
  // Scatters that assign take distinct rows per column (the CPU and GPU may keep either of two
  // values written to one place); the accumulating ones repeat rows.
  const Tensor distinct = tensor(std::vector<int64_t>{1, 0, 3, 2, 3, 0}).view({2, 3});
  const Tensor repeated = tensor(std::vector<int64_t>{1, 0, 3, 1, 0, 3}).view({2, 3});
  for (DType dt : {kComplex64, kComplex128}) {
    SCOPED_TRACE(fmt::format("{}", dt));
    const double tol = ctol(dt);
    const Tensor z = crandn({4, 3}, gen, dt), src = crandn({5, 3}, gen, dt), s2 = crandn({2, 3}, gen, dt);
    const std::vector<Fn> ops = {
        [&](const std::vector<Tensor>& x) { return x[0].index({on_device(idx, x[0])}); },
        [&](const std::vector<Tensor>& x) { return index_select(x[0], 0, on_device(idx, x[0])); },
        [&](const std::vector<Tensor>& x) { return gather(x[0], 0, on_device(repeated, x[0])); },
        [&](const std::vector<Tensor>& x) {
          return index_put(x[0], {on_device(idx, x[0])}, x[1], /*accumulate=*/true);
        },
        [&](const std::vector<Tensor>& x) { return index_add(x[0], 0, on_device(idx, x[0]), x[1]); },
        [&](const std::vector<Tensor>& x) { return scatter(x[0], 0, on_device(distinct, x[0]), x[2]); },
        [&](const std::vector<Tensor>& x) { return scatter_add(x[0], 0, on_device(repeated, x[0]), x[2]); },
        [&](const std::vector<Tensor>& x) { return scatter_reduce(x[0], 0, on_device(repeated, x[0]), x[2], "prod"); },
        [&](const std::vector<Tensor>& x) { return masked_fill(x[0], abs(x[0]) > 1, 0.0); },
        [&](const std::vector<Tensor>& x) { return nonzero(x[0] * (abs(x[0]) > 1)); },
        [&](const std::vector<Tensor>& x) { return count_nonzero(x[0] * (abs(x[0]) > 1)); },
        [&](const std::vector<Tensor>& x) { return take(x[0], on_device(idx, x[0])); },
    };
    for (size_t i = 0; i < ops.size(); ++i) {
      SCOPED_TRACE(fmt::format("op {}", i));
      expect_same(ops[i], {z, src, s2}, tol, tol);
    }
    // Gradients of indexing accumulate on the device.
    const Tensor w = crandn({5, 3}, gen, dt);
    expect_same(grad_of([&](const Tensor& l, const std::vector<Tensor>& x) {
                  return (l.index({on_device(idx, x[0])}) * x[1]).sum().abs();
                }),
                {z, w}, tol * 10, tol * 10);
  }
}

TEST(CudaComplex, MatrixProductsMatchTheCpu) {
  TG_REQUIRE_CUDA();
  Generator gen(6);
  for (DType dt : {kComplex64, kComplex128}) {
    SCOPED_TRACE(fmt::format("{}", dt));
    const double tol = dt == kComplex64 ? 1e-4 : 1e-10;
    const Tensor a = crandn({2, 17, 33}, gen, dt), b = crandn({33, 9}, gen, dt), bias = crandn({9}, gen, dt);
    expect_same([](const std::vector<Tensor>& x) { return matmul(x[0], x[1]); }, {a, b}, tol, tol);
    expect_same([](const std::vector<Tensor>& x) { return matmul(x[0].select(0, 1), x[1]); }, {a, b}, tol, tol);
    // Conjugate transposes, strided operands, a bias (added after the product), a vector.
    expect_same([](const std::vector<Tensor>& x) { return matmul(x[0].mH(), x[0]); }, {a}, tol, tol);
    expect_same([](const std::vector<Tensor>& x) { return matmul(x[0].transpose(1, 2), x[0].narrow(2, 0, 5)); }, {a},
                tol, tol);
    expect_same([](const std::vector<Tensor>& x) { return addmm(x[2], x[0].select(0, 0), x[1]); }, {a, b, bias}, tol,
                tol);
    expect_same([](const std::vector<Tensor>& x) { return matmul(x[0], x[1].select(1, 0)); }, {a, b}, tol, tol);
    // The gradient of a product: conjugate-transposed products on the device.
    expect_same(grad_of([](const Tensor& l, const std::vector<Tensor>& x) { return abs(matmul(l, x[1])).sum(); }),
                {a, b}, tol * 10, tol * 10);
  }
}

// Complex convolutions run as three real ones of the parts, through cuDNN on the GPU.
TEST(CudaComplex, ConvolutionsMatchTheCpu) {
  TG_REQUIRE_CUDA();
  namespace F = nn::functional;
  Generator gen(7);
  for (DType dt : {kComplex64, kComplex128}) {
    SCOPED_TRACE(fmt::format("{}", dt));
    const double tol = dt == kComplex64 ? 1e-4 : 1e-10;
    const Tensor x = crandn({2, 4, 9, 8}, gen, dt), w = crandn({6, 2, 3, 3}, gen, dt), b = crandn({6}, gen, dt);
    const auto conv = [](const std::vector<Tensor>& t) {
      return F::conv2d(t[0], t[1], {.bias = t[2], .stride = 2, .padding = 1, .groups = 2});
    };
    expect_same(conv, {x, w, b}, tol, tol);
    expect_same(
        [](const std::vector<Tensor>& t) {
          return F::conv_transpose2d(t[0], t[1], {.stride = 2, .output_padding = 1});
        },
        {x.narrow(1, 0, 3), crandn({3, 2, 3, 3}, gen, dt)}, tol, tol);
    expect_same(grad_of([&](const Tensor& l, const std::vector<Tensor>& t) {
                  return abs(conv({l, t[1], t[2]})).sum();
                }),
                {x, w, b}, tol * 10, tol * 10);
  }
}

TEST(CudaComplex, FourierTransformsMatchTheCpu) {
  TG_REQUIRE_CUDA();
  Generator gen(7);
  for (DType dt : {kComplex64, kComplex128}) {
    SCOPED_TRACE(fmt::format("{}", dt));
    const double tol = dt == kComplex64 ? 1e-4 : 1e-10;
    const DType real_dt = dt == kComplex64 ? kFloat32 : kFloat64;
    const Tensor z = crandn({3, 97}, gen, dt), r = randn({4, 64}, gen, real_dt);
    const std::vector<Fn> ops = {
        [](const std::vector<Tensor>& x) { return fft::fft(x[0]); },
        [](const std::vector<Tensor>& x) { return fft::ifft(x[0], 128, 0, "ortho"); },  // padded, along dim 0
        [](const std::vector<Tensor>& x) { return fft::fft2(x[0]); },
        [](const std::vector<Tensor>& x) { return fft::rfft(x[1]); },
        [](const std::vector<Tensor>& x) { return fft::irfft(fft::rfft(x[1]), 64); },
        [](const std::vector<Tensor>& x) { return fft::rfft(x[1], 63, 0); },  // odd, padded, along dim 0
        [](const std::vector<Tensor>& x) { return fft::irfft(x[0].narrow(1, 0, 9), 17); },
        [](const std::vector<Tensor>& x) { return fft::rfftn(x[1]); },
        [](const std::vector<Tensor>& x) { return fft::fft(x[0].t(), std::nullopt, 0); },  // strided
        [](const std::vector<Tensor>& x) { return fft::hfft(x[0].narrow(1, 0, 10)); },
        [](const std::vector<Tensor>& x) {
          return stft(x[1], 16, 4, std::nullopt, hann_window(16, true, x[1].options()));
        },
        [](const std::vector<Tensor>& x) {
          const Tensor w = hann_window(16, true, x[1].options());
          return istft(stft(x[1], 16, 4, std::nullopt, w), 16, 4, std::nullopt, w, true, false, std::nullopt, 64);
        },
    };
    for (size_t i = 0; i < ops.size(); ++i) {
      SCOPED_TRACE(fmt::format("op {}", i));
      expect_same(ops[i], {z, r}, tol, tol);
    }
    // Gradients through the transform.
    expect_same(grad_of([](const Tensor& l, const std::vector<Tensor>&) { return abs(fft::fft(l)).sum(); }), {z},
                tol * 10, tol * 10);
  }
  // The plans' work areas come from the caching allocator and go back to it.
  const size_t before = cuda::memory_allocated();
  { const Tensor big = fft::fft(crandn({8, 1 << 16}, gen, kComplex64).cuda()); }
  EXPECT_EQ(cuda::memory_allocated(), before);
}

TEST(CudaComplex, LinearAlgebraMatchesTheCpu) {
  TG_REQUIRE_CUDA();
  Generator gen(9);
  for (DType dt : {kComplex64, kComplex128}) {
    SCOPED_TRACE(fmt::format("{}", dt));
    const double tol = dt == kComplex64 ? 1e-3 : 1e-9;
    // Well conditioned: n on the diagonal; a Hermitian positive definite one for cholesky.
    const Tensor A = (crandn({2, 6, 6}, gen, dt) + eye(6, kFloat64).to(dt) * 6.0);
    const Tensor H = matmul(A, A.mH()), B = crandn({2, 6, 3}, gen, dt), tall = crandn({9, 4}, gen, dt);
    const std::vector<Fn> ops = {
        [](const std::vector<Tensor>& x) { return linalg::solve(x[0], x[2]); },
        [](const std::vector<Tensor>& x) { return linalg::inv(x[0]); },
        [](const std::vector<Tensor>& x) { return linalg::det(x[0]); },
        [](const std::vector<Tensor>& x) { return std::get<1>(linalg::slogdet(x[0])); },
        [](const std::vector<Tensor>& x) { return linalg::cholesky(x[1]); },
        [](const std::vector<Tensor>& x) { return linalg::eigvalsh(x[1]); },
        [](const std::vector<Tensor>& x) { return linalg::svdvals(x[0]); },
        [](const std::vector<Tensor>& x) { return linalg::solve_triangular(x[0].triu(), x[2], true); },
        [](const std::vector<Tensor>& x) { return linalg::solve_triangular(x[0].tril(), x[2], false, true, true); },
        // Factorizations whose factors carry a phase choice: compared through what they rebuild.
        [](const std::vector<Tensor>& x) {
          const auto [Q, R] = linalg::qr(x[3]);
          return matmul(Q, R);
        },
        [](const std::vector<Tensor>& x) {
          const auto [U, S, Vh] = linalg::svd(x[3], false);
          return matmul(U * S.to(x[3].dtype()), Vh);
        },
        [](const std::vector<Tensor>& x) {
          const auto [w, V] = linalg::eigh(x[1]);
          return matmul(V * w.to(x[1].dtype()).unsqueeze(-2), V.mH());
        },
        [](const std::vector<Tensor>& x) { return std::get<0>(linalg::lstsq(x[3], x[3].narrow(1, 0, 2) * 2.0)); },
    };
    for (size_t i = 0; i < ops.size(); ++i) {
      SCOPED_TRACE(fmt::format("op {}", i));
      expect_same(ops[i], {A, H, B, tall}, tol, tol);
    }
    // A gradient through a factorization.
    expect_same(grad_of([](const Tensor& l, const std::vector<Tensor>&) { return abs(linalg::det(l)).sum(); }), {A},
                tol * 10, tol * 10);
  }
}

// cuSOLVER's Xgeev against LAPACK: the same eigenvalues (perhaps in another order), vectors that
// satisfy A V = V diag(L) with unit columns (real matrices' unpacked from conjugate pairs), and
// the gradient of a loss that the vectors' phases do not change.
TEST(CudaComplex, EigMatchesTheCpu) {
  TG_REQUIRE_CUDA();
  Generator gen(9);
  for (DType dt : {kFloat32, kFloat64, kComplex64, kComplex128}) {
    SCOPED_TRACE(fmt::format("{}", dt));
    const double tol = dt == kFloat32 || dt == kComplex64 ? 1e-3 : 1e-9;
    const Tensor a = is_complex(dt) ? crandn({3, 6, 6}, gen, dt) : randn({3, 6, 6}, gen).to(dt);
    const auto [lg, vg] = linalg::eig(a.cuda());
    const auto [lc, vc] = linalg::eig(a);
    ASSERT_TRUE(lg.is_cuda() && vg.is_cuda());
    EXPECT_EQ(lg.dtype(), lc.dtype());
    EXPECT_EQ(vg.dtype(), vc.dtype());
    EXPECT_LT(abs(lg.cpu().unsqueeze(-1) - lc.unsqueeze(-2)).amin({-1}).max().item<double>(), tol);
    const Tensor ag = a.cuda().to(lg.dtype());
    EXPECT_TRUE(close(matmul(ag, vg).cpu(), (vg * lg.unsqueeze(-2)).cpu(), tol, tol));
    EXPECT_TRUE(close(square(abs(vg)).sum({-2}).cpu(), ones({3, 6}, to_real_dtype(lg.dtype())), tol, tol));
    expect_same(
        grad_of([](const Tensor& l, const std::vector<Tensor>&) { return abs(std::get<0>(linalg::eig(l))).sum(); }),
        {a}, tol * 10, tol * 10);
  }
}

TEST(CudaComplex, UnorderedOpsFailClearly) {
  TG_REQUIRE_CUDA();
  Generator gen(8);
  const Tensor z = crandn({4, 4}, gen, kComplex64).cuda();
  EXPECT_THROW_WITH(lt(z, z), TypeError, "complex64");
  EXPECT_THROW_WITH(z.max(), TypeError, "complex64");
  EXPECT_THROW_WITH(sort(z), TypeError, "complex64");
  EXPECT_THROW_WITH(clamp(z, 0.0, 1.0), TypeError, "complex64");
  EXPECT_THROW_WITH(scatter_reduce(z, 0, zeros({2, 4}, kInt64).cuda(), z.narrow(0, 0, 2), "amax"), TypeError,
                    "complex64");
}
