// The CUDA backend held to the CPU's answers: every op that has a GPU kernel runs on random
// inputs (contiguous, transposed, broadcast) on both devices and the results are compared.
// Without a GPU the device tests skip with a message; what a build without a device must do
// (clear errors) is tested everywhere.
#include <limits>

#include "test_cuda_util.h"

using namespace tg;
using tgtest::close;
using tgtest::expect_same;
using tgtest::on_gpu;
using tgtest::rtol_for;

// ---- what every build must do -----------------------------------------------------------------

TEST(CudaErrors, NoDeviceOrNoBuildIsAClearError) {
  if (cuda::is_available()) GTEST_SKIP() << "a GPU is present: the no-device errors cannot be seen";
  const Tensor x = ones({2});
  EXPECT_THROW_WITH(x.cuda(), Error, "cuda:0");
  EXPECT_THROW_WITH(zeros({2}, TensorOptions().device(Device::cuda())), Error, "cuda:0");
  EXPECT_THROW_WITH(x.pin_memory(), Error, "pin_memory");
  EXPECT_THROW_WITH(cuda::Stream(), Error, "cuda::Stream");
  EXPECT_THROW_WITH(cuda::Event(), Error, "cuda::Event");
  EXPECT_THROW_WITH(cuda::set_device(0), Error, "cuda::set_device");
  EXPECT_THROW_WITH(cuda::get_device_properties(), Error, "cuda::get_device_properties");
  EXPECT_THROW_WITH(cuda::mem_get_info(), Error, "cuda::mem_get_info");
  EXPECT_THROW_WITH(cuda::set_per_process_memory_fraction(0.5), Error, "cuda::set_per_process_memory_fraction");
  EXPECT_THROW_WITH(cuda::get_per_process_memory_fraction(), Error, "cuda::get_per_process_memory_fraction");
  // The memory figures are those of an allocator that never ran.
  EXPECT_EQ(cuda::max_memory_reserved(), 0u);
  EXPECT_EQ(cuda::memory_stats().all.reserved_bytes.peak, 0);
  cuda::reset_accumulated_memory_stats();
  EXPECT_FALSE(x.is_pinned());
}

// NVTX needs the toolkit's headers only: markers go nowhere without a profiler attached.
TEST(CudaErrors, BuildFiguresAndNvtxMarkersWithoutAGpu) {
  if (cuda::compiled_version().empty()) {
    EXPECT_TRUE(cuda::compiled_architectures().empty());
    EXPECT_THROW_WITH(cuda::nvtx::range_push("outer"), Error, "no CUDA support");
    return;
  }
  EXPECT_NE(cuda::compiled_version().find('.'), std::string::npos);
  EXPECT_FALSE(cuda::compiled_architectures().empty());
  for (int arch : cuda::compiled_architectures()) EXPECT_GE(arch, 50);
  const int depth = cuda::nvtx::range_push("outer");
  EXPECT_LE(depth, 0);  // 0, or negative when no tool tracks the ranges
  cuda::nvtx::mark("a point");
  EXPECT_EQ(cuda::nvtx::range_pop(), depth);
}

TEST(CudaErrors, Tf32SwitchesHavePyTorchsDefaults) {
  EXPECT_TRUE(cuda::cudnn_allow_tf32());
  EXPECT_FALSE(cuda::matmul_allow_tf32());
  cuda::set_matmul_allow_tf32(true);
  EXPECT_TRUE(cuda::matmul_allow_tf32());
  cuda::set_matmul_allow_tf32(false);
  EXPECT_FALSE(cuda::matmul_allow_tf32());
}

// ---- device, copies, memory ---------------------------------------------------------------------

TEST(Cuda, CopiesRoundTripEveryDtype) {
  TG_REQUIRE_CUDA();
  for (DType dt : {kFloat32, kFloat64, kFloat16, kBFloat16, kInt64, kInt32, kInt16, kInt8, kUInt8, kBool}) {
    const Tensor x = (arange(24, kFloat64).view({2, 3, 4}) - 7.0).to(dt);
    const Tensor g = x.cuda();
    EXPECT_TRUE(g.is_cuda());
    EXPECT_EQ(g.device(), Device::cuda(0));
    EXPECT_EQ(g.dtype(), dt);
    EXPECT_TRUE(close(g.cpu(), x, 0, 0)) << fmt::format("{}", dt);
    // Non-contiguous sources are compacted first; views of GPU tensors copy back right.
    EXPECT_TRUE(close(x.transpose(0, 2).cuda().cpu(), x.transpose(0, 2), 0, 0)) << fmt::format("{}", dt);
    EXPECT_TRUE(close(g.transpose(0, 2).cpu(), x.transpose(0, 2), 0, 0)) << fmt::format("{}", dt);
    EXPECT_TRUE(close(g.select(1, 2).contiguous().cpu(), x.select(1, 2), 0, 0)) << fmt::format("{}", dt);
  }
  EXPECT_EQ(ones({3}).cuda().sum().item<double>(), 3.0);
}

TEST(Cuda, FactoriesAndPrintingOnTheDevice) {
  TG_REQUIRE_CUDA();
  const auto opts = TensorOptions(kFloat32).device(Device::cuda());
  EXPECT_TRUE(close(zeros({2, 2}, opts).cpu(), zeros({2, 2}), 0, 0));
  EXPECT_TRUE(close(full({3}, 2.5, opts).cpu(), full({3}, 2.5), 0, 0));
  EXPECT_TRUE(close(arange(5, opts).cpu(), arange(5, kFloat32), 0, 0));
  EXPECT_TRUE(close(linspace(0, 1, 5, opts).cpu(), linspace(0, 1, 5, kFloat32), 0, 0));
  EXPECT_TRUE(close(tensor({1.0, 2.0}, opts).cpu(), tensor({1.0, 2.0}, kFloat32), 0, 0));
  EXPECT_NE(tensor({1.0, 2.0}, opts).str().find("device='cuda:0'"), std::string::npos);
}

TEST(Cuda, CrossDeviceOpsFailClearlyAndCopyWorks) {
  TG_REQUIRE_CUDA();
  const Tensor a = ones({2}), b = ones({2}).cuda();
  EXPECT_THROW_WITH(a + b, Error, "cuda:0");
  EXPECT_THROW_WITH(matmul(ones({2, 2}), ones({2, 2}).cuda()), Error, "cuda:0");
  // copy_ crosses devices, as in PyTorch.
  Tensor dst = zeros({2, 2}).cuda();
  dst.copy_(tensor({1.0, 2.0}, kFloat32));
  EXPECT_TRUE(close(dst.cpu(), tensor({1.0, 2.0, 1.0, 2.0}, kFloat32).view({2, 2}), 0, 0));
  Tensor host = zeros({2});
  host.copy_(b * 3.0);
  EXPECT_TRUE(close(host, full({2}, 3.0), 0, 0));
}

TEST(Cuda, PinnedMemory) {
  TG_REQUIRE_CUDA();
  const Tensor x = randn({64, 3});
  const Tensor p = x.pin_memory();
  EXPECT_TRUE(p.is_pinned());
  EXPECT_FALSE(x.is_pinned());
  EXPECT_TRUE(close(p, x, 0, 0));
  EXPECT_TRUE(close(p.cuda().cpu(), x, 0, 0));
  EXPECT_THROW_WITH(p.cuda().pin_memory(), Error, "only CPU tensors");
}

TEST(Cuda, AllocatorStatsFollowTensors) {
  TG_REQUIRE_CUDA();
  cuda::synchronize();
  const size_t before = cuda::memory_allocated();
  {
    const Tensor t = empty({1024, 1024}, TensorOptions(kFloat32).device(Device::cuda()));
    EXPECT_GE(cuda::memory_allocated(), before + 4u * 1024 * 1024);
    EXPECT_GE(cuda::max_memory_allocated(), cuda::memory_allocated());
  }
  EXPECT_EQ(cuda::memory_allocated(), before);
  EXPECT_GE(cuda::memory_reserved(), 4u * 1024 * 1024);
  cuda::empty_cache();
  cuda::reset_peak_memory_stats();
  EXPECT_EQ(cuda::max_memory_allocated(), cuda::memory_allocated());
}

TEST(Cuda, RandomizedAllocFreeKeepsDataIntact) {
  TG_REQUIRE_CUDA();
  Generator gen(7);
  std::vector<std::pair<Tensor, double>> live;
  for (int step = 0; step < 400; ++step) {
    const int64_t n = randint(1, 1 << 18, {1}, gen).item<int64_t>();
    const bool drop = !live.empty() && randint(0, 3, {1}, gen).item<int64_t>() == 0;
    if (drop) {
      const size_t k = static_cast<size_t>(randint(0, static_cast<int64_t>(live.size()), {1}, gen).item<int64_t>());
      live.erase(live.begin() + static_cast<std::ptrdiff_t>(k));
    } else {
      const double v = static_cast<double>(step);
      live.emplace_back(full({n}, v, TensorOptions(kFloat32).device(Device::cuda())), v);
    }
  }
  // Every live block still holds its own value: no two tensors were handed the same memory.
  for (const auto& [t, v] : live) {
    EXPECT_EQ(t.min().item<double>(), v);
    EXPECT_EQ(t.max().item<double>(), v);
  }
}

TEST(Cuda, OutOfMemoryIsAnErrorAndTheProcessGoesOn) {
  TG_REQUIRE_CUDA();
  const auto opts = TensorOptions(kFloat32).device(Device::cuda());
  const int64_t ooms = cuda::memory_stats().ooms;
  EXPECT_THROW_WITH(empty({int64_t{1} << 40}, opts), OutOfMemoryError, "out of memory");
  EXPECT_EQ(cuda::memory_stats().ooms, ooms + 1);
  const Tensor t = ones({1000}, opts);
  EXPECT_EQ(t.sum().item<double>(), 1000.0);
}

TEST(Cuda, DevicePropertiesAndMemoryInfo) {
  TG_REQUIRE_CUDA();
  const cuda::DeviceProperties p = cuda::get_device_properties();
  EXPECT_FALSE(p.name.empty());
  EXPECT_GE(p.major, 5);
  EXPECT_GT(p.multi_processor_count, 0);
  EXPECT_EQ(p.warp_size, 32);
  EXPECT_EQ(p.uuid.size(), 36u);
  const auto [free, total] = cuda::mem_get_info();
  EXPECT_EQ(total, p.total_memory);
  EXPECT_LE(free, total);
  EXPECT_THROW_WITH(cuda::get_device_properties(cuda::device_count()), IndexError, "does not exist");
}

// Past the fraction of the device's memory the allocator fails as if the device were full; the
// process goes on, and lifting the cap lets the same request through.
TEST(Cuda, PerProcessMemoryFractionCapsTheAllocator) {
  TG_REQUIRE_CUDA();
  const auto opts = TensorOptions(kFloat32).device(Device::cuda());
  EXPECT_EQ(cuda::get_per_process_memory_fraction(), 1.0);
  EXPECT_THROW_WITH(cuda::set_per_process_memory_fraction(1.5), ValueError, "between 0 and 1");
  cuda::empty_cache();
  const size_t total = cuda::get_device_properties().total_memory;
  cuda::set_per_process_memory_fraction(0.1);
  EXPECT_EQ(cuda::get_per_process_memory_fraction(), 0.1);
  const auto n = static_cast<int64_t>(total / 8 / sizeof(float));  // an eighth of the device
  EXPECT_THROW_WITH(empty({n}, opts), OutOfMemoryError, "memory fraction");
  cuda::set_per_process_memory_fraction(1.0);
  EXPECT_EQ(empty({n}, opts).numel(), n);
  cuda::empty_cache();
}

TEST(Cuda, SetStreamMakesAStreamCurrent) {
  TG_REQUIRE_CUDA();
  const cuda::Stream s;
  cuda::set_stream(s);
  EXPECT_EQ(cuda::Stream::current(), s);
  const Tensor y = (ones({1000}, TensorOptions(kFloat32).device(Device::cuda())) * 3.0).sum();
  cuda::set_stream(cuda::Stream::default_stream());
  EXPECT_TRUE(cuda::Stream::current().is_default());
  s.synchronize();  // a non-blocking stream: the default stream does not wait for it
  EXPECT_EQ(y.item<double>(), 3000.0);
}

TEST(Cuda, StreamsAndEvents) {
  TG_REQUIRE_CUDA();
  EXPECT_GE(cuda::current_device(), 0);
  const cuda::Stream s;
  EXPECT_FALSE(s.is_default());
  EXPECT_TRUE(cuda::Stream::current().is_default());
  cuda::Event start(true), end(true);
  Tensor y;
  {
    cuda::StreamGuard guard(s);
    EXPECT_EQ(cuda::Stream::current(), s);
    start.record();
    const Tensor x = ones({1 << 20}, TensorOptions(kFloat32).device(Device::cuda()));
    y = (x * 2.0).sum();
    end.record();
  }
  EXPECT_TRUE(cuda::Stream::current().is_default());
  end.synchronize();
  EXPECT_TRUE(end.query());
  EXPECT_GE(start.elapsed_time(end), 0.0f);
  s.synchronize();
  EXPECT_TRUE(s.query());
  EXPECT_EQ(y.item<double>(), 2.0 * (1 << 20));
  cuda::Event untimed;
  EXPECT_THROW_WITH(untimed.elapsed_time(end), Error, "enable_timing");

  // record_stream: memory used on a side stream is not handed out again while that stream may
  // still be reading it; what the side stream computed stays right.
  for (int round = 0; round < 20; ++round) {
    Tensor big = full({1 << 22}, 3.0f, TensorOptions().device(Device::cuda()));
    Tensor out;
    {
      cuda::StreamGuard guard(s);
      for (int i = 0; i < 8; ++i) out = i == 0 ? big * 2.0f : out + big;
    }
    cuda::record_stream(big, s);
    big = Tensor();  // freed while s may still read it
    Tensor scribble = full({1 << 22}, -1.0f, TensorOptions().device(Device::cuda()));
    s.synchronize();
    EXPECT_EQ(amin(out).item<float>(), 27.0f) << round;  // 3 * 2 + 7 * 3
    EXPECT_EQ(amax(out).item<float>(), 27.0f) << round;
  }
  EXPECT_THROW_WITH(cuda::record_stream(ones({2}), s), Error, "expected a CUDA tensor");
}

// ---- kernels against the CPU -----------------------------------------------------------------

TEST(Cuda, UnaryOpsMatchTheCpu) {
  TG_REQUIRE_CUDA();
  Generator gen(1);
  for (DType dt : {kFloat32, kFloat64, kFloat16, kBFloat16}) {
    const Tensor x = tgtest::sample(gen, {33, 17}, tgtest::kPositive, dt);
    const double rtol = rtol_for(dt);
    for (auto f : std::vector<Tensor (*)(const Tensor&, SourceLoc)>{tg::exp, tg::log, tg::sqrt, tg::tanh, tg::sigmoid,
                                                                     tg::relu, tg::neg, tg::abs, tg::floor, tg::erf}) {
      expect_same([f](const auto& in) { return f(in[0], SourceLoc::current()); }, {x}, rtol, 1e-5);
      expect_same([f](const auto& in) { return f(in[0].t(), SourceLoc::current()); }, {x}, rtol, 1e-5);
    }
  }
  const Tensor ints = randint(-50, 50, {101}, gen, kInt32);
  expect_same([](const auto& in) { return tg::abs(in[0]); }, {ints}, 0, 0);
  expect_same([](const auto& in) { return -in[0]; }, {ints}, 0, 0);
}

// Every line of the unary tables and tg::special's kernels, on each op's domain, both floating
// widths and a strided layout.
TEST(Cuda, EveryTableOpMatchesTheCpu) {
  TG_REQUIRE_CUDA();
  Generator gen(21);
  struct Case {
    const char* name;
    Tensor (*fn)(const Tensor&);
    tgtest::Domain domain;
  };
  const Case cases[] = {
#define TG_UNARY_OP(name, Name, kind, domain, ...) {#name, [](const Tensor& t) { return tg::name(t); }, tgtest::domain},
#include "tapegrad/tensor/unary_ops.def"
#undef TG_UNARY_OP
#define TG_UNARY_OP(name, Name, kind, domain, ...) \
  {#name, [](const Tensor& t) { return special::name(t); }, tgtest::domain},
#include "tapegrad/tensor/special_ops.def"
#undef TG_UNARY_OP
  };
  for (DType dt : {kFloat32, kFloat64}) {
    for (const Case& c : cases) {
      SCOPED_TRACE(c.name);
      const Tensor x =
          tgtest::sample(gen, {33, 17}, c.domain == tgtest::kNoGradcheck ? tgtest::kAnyValue : c.domain, dt);
      expect_same([&c](const auto& in) { return c.fn(in[0]); }, {x}, rtol_for(dt), 1e-5);
      expect_same([&c](const auto& in) { return c.fn(in[0].t()); }, {x}, rtol_for(dt), 1e-5);
    }
  }
  // The special binary kernels, broadcast, with their larger arguments (series and continued fraction).
  const Tensor s = tgtest::sample(gen, {5, 1}, tgtest::kAboveOne, kFloat64) * 3.0;
  const Tensor q = tgtest::sample(gen, {1, 40}, tgtest::kPositive, kFloat64) * 20.0;
  expect_same([](const auto& in) { return special::zeta(in[0], in[1]); }, {s, q}, 1e-12, 0);
  expect_same([](const auto& in) { return special::gammainc(in[0], in[1]); }, {s, q}, 1e-12, 1e-15);
  expect_same([](const auto& in) { return special::gammaincc(in[0].to(kFloat32), in[1].to(kFloat32)); }, {s, q}, 1e-6,
              1e-7);
  // The orthogonal polynomials: x against the degrees of the recurrences and of the closed forms.
  const Tensor px = tgtest::sample(gen, {40, 1}, tgtest::kAnyValue, kFloat64);
  const Tensor pn = tensor({-1.0, 0.0, 1.0, 2.0, 3.0, 5.0, 8.0, 12.5, 200.0}, kFloat64);
  const Tensor inside = px * 0.45, far = tensor({1500.0, 3000.0}, kFloat64);
#define TG_BINARY_OP(name, Name, kind, da, db, ...)                                                       \
  if (tgtest::db == tgtest::kDegree) {                                                                    \
    SCOPED_TRACE(#name);                                                                                  \
    expect_same([](const auto& in) { return special::name(in[0], in[1]); }, {px, pn}, 1e-12, 1e-12);      \
    expect_same([](const auto& in) { return special::name(in[0], in[1]); }, {inside, far}, 1e-10, 1e-12); \
    expect_same([](const auto& in) { return special::name(in[0].to(kFloat32), 4); }, {px}, 1e-6, 1e-6);   \
  }
#include "tapegrad/tensor/special_ops.def"
#undef TG_BINARY_OP
}

TEST(Cuda, FusedActivationsMatchTheCpu) {
  TG_REQUIRE_CUDA();
  Generator gen(11);
  const std::vector<std::function<Tensor(const Tensor&)>> ops = {
      [](const Tensor& t) { return gelu(t); },
      [](const Tensor& t) { return gelu(t, "tanh"); },
      [](const Tensor& t) { return silu(t); },
      [](const Tensor& t) { return elu(t, 0.7); },
      [](const Tensor& t) { return leaky_relu(t, 0.2); },
      [](const Tensor& t) { return softplus(t, 1.5, 10.0); },
      [](const Tensor& t) { return selu(t); },
      [](const Tensor& t) { return celu(t, 0.6); },
      [](const Tensor& t) { return hardtanh(t, -0.5, 2.0); },
      [](const Tensor& t) { return hardswish(t * 3); },
      [](const Tensor& t) { return hardsigmoid(t * 3); },
      [](const Tensor& t) { return mish(t * 3); },
      [](const Tensor& t) {  // NaN, +-inf and numbers in one tensor
        const Tensor odd = where(gt(t, 1.0), INFINITY, where(lt(t, -1.0), -INFINITY, where(gt(abs(t), 0.8), NAN, t)));
        return nan_to_num(odd, 0.5, 7.0, -9.0);
      },
      [](const Tensor& t) { return nn::functional::hardshrink(t, 0.3); },
      [](const Tensor& t) { return nn::functional::softshrink(t, 0.3); },
      [](const Tensor& t) { return nn::functional::threshold(t, 0.1, -2.0); },
      [](const Tensor& t) { return nn::functional::huber_loss(t, t * 0.5, nn::functional::Reduction::None, 0.4); },
      [](const Tensor& t) { return nn::functional::smooth_l1_loss(t * 3, t, nn::functional::Reduction::None, 2.0); },
  };
  for (DType dt : {kFloat32, kFloat64, kFloat16, kBFloat16}) {
    const Tensor x = tgtest::sample(gen, {33, 17}, tgtest::kAnyValue, dt);
    const Tensor dy = tgtest::sample(gen, {33, 17}, tgtest::kAnyValue, dt);
    const double rtol = rtol_for(dt);
    for (const auto& f : ops) {
      expect_same([&](const auto& in) { return f(in[0]); }, {x}, rtol, 1e-5);
      expect_same([&](const auto& in) { return f(in[0].t()); }, {x}, rtol, 1e-5);  // strided
      // The backward kernel, with a full and with an expanded (sum's) gradient.
      expect_same([&](const auto& in) {
        Tensor leaf = in[0].detach().requires_grad_(true);
        return autograd::grad({f(leaf)}, {leaf}, {in[1]})[0];
      }, {x, dy}, rtol, 1e-5);
      expect_same([&](const auto& in) {
        Tensor leaf = in[0].detach().requires_grad_(true);
        return autograd::grad({f(leaf).sum()}, {leaf})[0];
      }, {x}, rtol, 1e-5);
    }
  }
}

TEST(Cuda, FusedGroupNormMatchesTheCpu) {
  TG_REQUIRE_CUDA();
  Generator gen(12);
  for (DType dt : {kFloat32, kFloat64}) {
    const Tensor x = tgtest::sample(gen, {3, 8, 5, 7}, tgtest::kAnyValue, dt);
    const Tensor w = tgtest::sample(gen, {8}, tgtest::kAnyValue, dt), b = tgtest::sample(gen, {8}, tgtest::kAnyValue, dt);
    const Tensor dy = tgtest::sample(gen, {3, 8, 5, 7}, tgtest::kAnyValue, dt);
    const double rtol = rtol_for(dt);
    expect_same([](const auto& in) { return F::group_norm(in[0], 4, in[1], in[2]); }, {x, w, b}, rtol, 1e-5);
    expect_same([](const auto& in) { return F::group_norm(in[0], 2); }, {x}, rtol, 1e-5);
    for (int k = 0; k < 3; ++k) {  // the gradient of x, of the weight, of the bias
      expect_same([k](const auto& in) {
        std::vector<Tensor> leaves = {in[0].detach().requires_grad_(true), in[1].detach().requires_grad_(true),
                                      in[2].detach().requires_grad_(true)};
        return autograd::grad({F::group_norm(leaves[0], 4, leaves[1], leaves[2])}, {leaves[k]}, {in[3]})[0];
      }, {x, w, b, dy}, rtol * 10, 1e-4);
    }
  }
}

TEST(Cuda, DistanceKernelsMatchTheCpu) {
  TG_REQUIRE_CUDA();
  Generator gen(15);
  for (DType dt : {kFloat32, kFloat64}) {
    const double rtol = rtol_for(dt);
    for (double p : {2.0, 1.0, 0.0, 0.5, 3.0, std::numeric_limits<double>::infinity()}) {
      SCOPED_TRACE(fmt::format("{} p={}", name(dt), p));
      const Tensor a = tgtest::sample(gen, {2, 5, 37}, tgtest::kAnyValue, dt);
      const Tensor b = tgtest::sample(gen, {21, 37}, tgtest::kAnyValue, dt);
      const Tensor x = tgtest::sample(gen, {40, 3}, tgtest::kAnyValue, dt);
      const Tensor ga = tgtest::sample(gen, {2, 5, 21}, tgtest::kAnyValue, dt);
      const Tensor gx = tgtest::sample(gen, {40 * 39 / 2}, tgtest::kAnyValue, dt);
      expect_same([p](const auto& in) { return cdist(in[0], in[1], p); }, {a, b}, rtol, 1e-5);
      expect_same([p](const auto& in) { return pdist(in[0], p); }, {x}, rtol, 1e-5);
      for (int k = 0; k < 2; ++k) {
        expect_same(
            [p, k](const auto& in) {
              const tensor_list leaves = {in[0].detach().requires_grad_(true), in[1].detach().requires_grad_(true)};
              return autograd::grad({cdist(leaves[0], leaves[1], p)}, {leaves[k]}, {in[2]})[0];
            },
            {a, b, ga}, rtol * 10, 1e-4);
      }
      expect_same(
          [p](const auto& in) {
            const Tensor leaf = in[0].detach().requires_grad_(true);
            return autograd::grad({pdist(leaf, p)}, {leaf}, {in[1]})[0];
          },
          {x, gx}, rtol * 10, 1e-4);
    }
  }
}

TEST(Cuda, BinaryOpsMatchTheCpuWithBroadcasting) {
  TG_REQUIRE_CUDA();
  Generator gen(2);
  for (DType dt : {kFloat32, kFloat64, kFloat16, kBFloat16}) {
    const Tensor a = tgtest::sample(gen, {5, 1, 7}, tgtest::kPositive, dt);
    const Tensor b = tgtest::sample(gen, {4, 7}, tgtest::kAwayFromZero, dt);
    const Tensor c = tgtest::sample(gen, {5, 4, 7}, tgtest::kAwayFromZero, dt);
    const double rtol = rtol_for(dt);
    expect_same([](const auto& in) { return in[0] + in[1]; }, {a, b}, rtol);
    expect_same([](const auto& in) { return in[0] * in[1]; }, {c, c}, rtol);  // contiguous (vector path)
    expect_same([](const auto& in) { return in[0] - in[1] * 2.5; }, {c, b}, rtol);
    expect_same([](const auto& in) { return in[0] / in[1]; }, {a, b}, rtol);
    expect_same([](const auto& in) { return pow(in[0], in[1]); }, {a, b}, rtol * 4, 1e-4);
    expect_same([](const auto& in) { return maximum(in[0], in[1].transpose(0, 1).t()); }, {a, b}, rtol);
    expect_same([](const auto& in) { return atan2(in[0], in[1]); }, {a, b}, rtol);
    expect_same([](const auto& in) { return fmax(in[0], in[1].t().t()); }, {a, b}, rtol);
    expect_same([](const auto& in) { return fmin(in[0], in[1]); }, {c, c.flip({0})}, rtol);
    expect_same([](const auto& in) { return logaddexp2(in[0], in[1]); }, {a, b}, rtol);
    expect_same([](const auto& in) { return logaddexp(in[0], in[1].t().t()); }, {a, b}, rtol);
    expect_same([](const auto& in) { return copysign(in[0], in[1]); }, {a, b}, 0, 0);
    expect_same([](const auto& in) { return hypot(in[0], in[1]); }, {a, b}, rtol);
    expect_same([](const auto& in) { return nextafter(in[0], in[1]); }, {a, b}, 0, 0);  // 16-bit: on their bits
    expect_same([](const auto& in) { return nextafter(in[0], in[0]); }, {c}, 0, 0);
    expect_same([](const auto& in) { return std::get<0>(frexp(in[0] * 1000.0)); }, {c}, rtol);
    expect_same([](const auto& in) { return std::get<1>(frexp(in[0].t() * 1e-3)); }, {c}, 0, 0);
    expect_same([](const auto& in) { return add(in[0], in[1], 0.5); }, {c, c}, rtol);
    expect_same([](const auto& in) { return in[0] * 3.0; }, {c}, rtol);  // broadcast scalar operand
    // The fused ternary kernels, broadcast and transposed operands included.
    expect_same([](const auto& in) { return addcmul(in[0], in[1], in[2], 0.5); }, {c, a, b}, rtol);
    expect_same([](const auto& in) { return addcdiv(in[0].transpose(0, 1), in[1].t(), in[2], -2); },
                {c, a.squeeze(1).t().contiguous(), b}, rtol);
    expect_same([](const auto& in) { return lerp(in[0], in[1], 0.75); }, {c, b}, rtol);
    expect_same([](const auto& in) { return lerp(in[0], in[1], in[2].sigmoid()); }, {a, b, c}, rtol);
  }
  const Tensor i = randint(-20, 20, {64}, gen, kInt64);
  const Tensor j = randint(1, 9, {64}, gen, kInt64);
  expect_same([](const auto& in) { return floor_divide(in[0], in[1]); }, {i, j}, 0, 0);
  expect_same([](const auto& in) { return remainder(in[0], in[1]); }, {i, j}, 0, 0);
  expect_same([](const auto& in) { return in[0] * in[1] + 3; }, {i, j}, 0, 0);
  expect_same([](const auto& in) { return addcmul(in[0], in[1], in[0], -3); }, {i, j}, 0, 0);
}

TEST(Cuda, ComparisonsWhereClampAndClassification) {
  TG_REQUIRE_CUDA();
  Generator gen(3);
  const Tensor a = randn({6, 9}, gen), b = randn({9}, gen);
  expect_same([](const auto& in) { return lt(in[0], in[1]); }, {a, b}, 0, 0);
  expect_same([](const auto& in) { return ge(in[0].t(), 0.25); }, {a}, 0, 0);
  expect_same([](const auto& in) { return logical_and(in[0] > 0, in[1] > 0); }, {a, b}, 0, 0);
  expect_same([](const auto& in) { return where(in[0] > 0, in[0], in[1]); }, {a, b}, 0, 0);
  expect_same([](const auto& in) { return clamp(in[0], -0.5, 0.5); }, {a}, 0, 0);
  expect_same([](const auto& in) { return clamp(in[0].t(), std::nullopt, 0.1); }, {a}, 0, 0);
  const Tensor odd = tensor({1.0, NAN, INFINITY, -INFINITY, 0.0});
  expect_same([](const auto& in) { return isnan(in[0]); }, {odd}, 0, 0);
  expect_same([](const auto& in) { return isinf(in[0]); }, {odd}, 0, 0);
  expect_same([](const auto& in) { return isfinite(in[0]); }, {odd}, 0, 0);
  expect_same([](const auto& in) { return logical_not(in[0]); }, {odd}, 0, 0);
  // frexp's special values (CUDA's frexpf on the GPU, the bits on the CPU), subnormals included.
  const Tensor special = tensor({1e-40f, -3e-39f, 0.0f, -0.0f, INFINITY, -INFINITY, NAN, 6.0f, -0.1f});
  for (DType dt : {kFloat32, kFloat64, kFloat16}) {
    expect_same([](const auto& in) { return std::get<0>(frexp(in[0])); }, {special.to(dt)}, 0, 0);
    expect_same([](const auto& in) { return std::get<1>(frexp(in[0])); }, {special.to(dt)}, 0, 0);
  }
}

TEST(Cuda, BitwiseOpsMatchTheCpu) {
  TG_REQUIRE_CUDA();
  Generator gen(4);
  for (DType dt : {kUInt8, kInt8, kInt16, kInt32, kInt64}) {
    const Tensor a = randint(-100, 100, {6, 9}, gen, kInt64).to(dt), b = randint(-100, 100, {9}, gen, kInt64).to(dt);
    const Tensor counts = randint(-2, 70, {6, 9}, gen, kInt64).to(dt);  // out-of-range counts too
    expect_same([](const auto& in) { return in[0] & in[1]; }, {a, b}, 0, 0);
    expect_same([](const auto& in) { return in[0].t() | in[1].t(); }, {a, counts}, 0, 0);
    expect_same([](const auto& in) { return in[0] ^ 5; }, {a}, 0, 0);
    expect_same([](const auto& in) { return ~in[0]; }, {a}, 0, 0);
    expect_same([](const auto& in) { return bitwise_left_shift(in[0], in[1]); }, {a, counts}, 0, 0);
    expect_same([](const auto& in) { return bitwise_right_shift(in[0], in[1]); }, {a, counts}, 0, 0);
    expect_same([](const auto& in) { return bitwise_left_shift(in[0].contiguous(), 3); }, {a}, 0, 0);  // vector path
  }
  for (DType dt : {kUInt8, kInt8, kInt32, kInt64}) {
    const Tensor a = randint(-100, 100, {6, 9}, gen, kInt64).to(dt), b = randint(-100, 100, {9}, gen, kInt64).to(dt);
    expect_same([](const auto& in) { return gcd(in[0], in[1]); }, {a, b}, 0, 0);
    expect_same([](const auto& in) { return lcm(in[0].t(), 12); }, {a}, 0, 0);
  }
  const Tensor p = tensor({true, true, false, false}), q = tensor({true, false, true, false});
  expect_same([](const auto& in) { return (in[0] & in[1]) | (in[0] ^ ~in[1]); }, {p, q}, 0, 0);
}

TEST(Cuda, CastsBetweenDtypes) {
  TG_REQUIRE_CUDA();
  const Tensor x = tensor({-300.7, -2.5, -0.0, 0.4, 1.5, 127.9, 70000.0, NAN});
  for (DType from : {kFloat64, kFloat32, kFloat16, kBFloat16})
    for (DType to : {kFloat32, kFloat64, kFloat16, kBFloat16, kInt64, kInt32, kInt16, kInt8, kUInt8, kBool})
      expect_same([from, to](const auto& in) { return in[0].to(from).to(to); }, {x}, 0, 0);
  const Tensor i = tensor({-3, 0, 5, 300}, kInt64);
  for (DType to : {kFloat32, kInt8, kUInt8, kBool, kInt32})
    expect_same([to](const auto& in) { return in[0].to(to); }, {i}, 0, 0);
}

TEST(Cuda, TrianglesMatchTheCpu) {
  TG_REQUIRE_CUDA();
  Generator gen(12);
  const Tensor x = randn({3, 37, 41}, gen);
  for (DType dt : {kFloat64, kFloat32, kBFloat16, kUInt8})
    for (int64_t diagonal : {-40L, -3L, 0L, 5L, 40L}) {
      expect_same([dt, diagonal](const auto& in) { return in[0].to(dt).tril(diagonal); }, {x}, 0, 0);
      expect_same([dt, diagonal](const auto& in) { return in[0].to(dt).transpose(1, 2).triu(diagonal); }, {x}, 0, 0);
    }
}

TEST(Cuda, ReductionsMatchTheCpu) {
  TG_REQUIRE_CUDA();
  Generator gen(4);
  const Tensor x = randn({37, 53, 11}, gen);
  expect_same([](const auto& in) { return in[0].sum(); }, {x}, 1e-5, 1e-4);
  expect_same([](const auto& in) { return in[0].sum({1}); }, {x}, 1e-5, 1e-5);
  expect_same([](const auto& in) { return in[0].sum({0}); }, {x}, 1e-5, 1e-5);  // column sums
  expect_same([](const auto& in) { return in[0].mean({0, 2}, true); }, {x}, 1e-5, 1e-6);
  expect_same([](const auto& in) { return in[0].transpose(0, 2).sum({2}); }, {x}, 1e-5, 1e-5);
  expect_same([](const auto& in) { return in[0].amax({1}); }, {x}, 0, 0);
  expect_same([](const auto& in) { return in[0].argmax(2); }, {x}, 0, 0);
  expect_same([](const auto& in) { return in[0].argmin(0); }, {x}, 0, 0);
  expect_same([](const auto& in) { return std::get<1>(in[0].max(1)); }, {x}, 0, 0);
  expect_same([](const auto& in) { return in[0].var({1}); }, {x}, 1e-5, 1e-6);
  expect_same([](const auto& in) { return in[0].norm(2, {1}); }, {x}, 1e-5, 1e-6);
  expect_same([](const auto& in) { return in[0].norm(1, {0}); }, {x}, 1e-5, 1e-5);
  expect_same([](const auto& in) { return in[0].to(kBFloat16).norm(); }, {x}, 1e-2, 1e-2);
  expect_same([](const auto& in) { return (in[0] > 0).all(); }, {x}, 0, 0);
  expect_same([](const auto& in) { return (in[0] > 3.5).any({1}); }, {x}, 0, 0);
  expect_same([](const auto& in) { return (in[0] * 0.1 + 1.0).prod({2}); }, {x}, 1e-5, 1e-6);
  // Expanded kept dims: reduced once, then broadcast on the device.
  expect_same(
      [](const auto& in) {
        return in[0].select(1, 0).unsqueeze(1).expand({37, 9, 11}).sum({0});
      },
      {x}, 1e-5, 1e-5);
  expect_same(
      [](const auto& in) {
        return std::get<1>(in[0].narrow(0, 0, 1).expand({6, 53, 11}).max(2, true));
      },
      {x}, 0, 0);
  // A long reduction goes through the two-pass path; its sum is exact in float64.
  const Tensor big = ones({1 << 22}, kFloat32);
  EXPECT_EQ(big.cuda().sum().item<double>(), double(1 << 22));
  expect_same([](const auto& in) { return in[0].sum(); }, {randn({3, 1 << 20}, gen, kFloat64)}, 1e-10, 1e-9);
  const Tensor ints = randint(-5, 5, {1000}, gen, kInt32);
  expect_same([](const auto& in) { return in[0].sum(); }, {ints}, 0, 0);  // int32 -> int64
  expect_same([](const auto& in) { return in[0].cumsum(0); }, {ints}, 0, 0);
  expect_same([](const auto& in) { return in[0].cumsum(1); }, {x}, 1e-5, 1e-5);
  const Tensor with_nan = tensor({1.0, NAN, 3.0});
  expect_same([](const auto& in) { return in[0].max(); }, {with_nan}, 0, 0);
  expect_same([](const auto& in) { return in[0].argmax(); }, {with_nan}, 0, 0);
}

TEST(Cuda, SoftmaxMatchesTheCpu) {
  TG_REQUIRE_CUDA();
  Generator gen(5);
  for (DType dt : {kFloat32, kFloat64, kFloat16, kBFloat16}) {
    const Tensor x = (randn({8, 1000}, gen) * 4.0).to(dt);
    expect_same([](const auto& in) { return softmax(in[0], 1); }, {x}, rtol_for(dt), 1e-6);
    expect_same([](const auto& in) { return log_softmax(in[0], 1); }, {x}, rtol_for(dt), 1e-4);
    expect_same([](const auto& in) { return softmax(in[0], 0); }, {x}, rtol_for(dt), 1e-6);
    expect_same([](const auto& in) { return in[0].logsumexp({1}); }, {x}, rtol_for(dt), 1e-5);
    expect_same(
        [](const auto& in) {
          return in[0].view({8, 10, 100}).logsumexp({0, 2}, true);
        },
        {x}, rtol_for(dt), 1e-5);
  }
  const Tensor inf_row = tensor({-INFINITY, -INFINITY, -INFINITY});
  expect_same([](const auto& in) { return softmax(in[0], 0); }, {inf_row}, 0, 0);
  const Tensor odd_rows = tensor({{-INFINITY, -INFINITY}, {INFINITY, 1.0}, {NAN, 1.0}, {2.0, 3.0}});
  expect_same([](const auto& in) { return in[0].logsumexp({1}); }, {odd_rows}, 1e-6, 0);
}

TEST(Cuda, MatmulMatchesTheCpu) {
  TG_REQUIRE_CUDA();
  Generator gen(6);
  const Tensor a = randn({37, 19}, gen, kFloat64), b = randn({19, 23}, gen, kFloat64);
  expect_same([](const auto& in) { return matmul(in[0], in[1]); }, {a, b}, 1e-12, 1e-12);
  expect_same([](const auto& in) { return matmul(in[1].t(), in[0].t()); }, {a, b}, 1e-12, 1e-12);
  const Tensor x = randn({4, 1, 7, 5}, gen), y = randn({3, 5, 6}, gen);
  expect_same([](const auto& in) { return matmul(in[0], in[1]); }, {x, y}, 1e-5, 1e-5);  // broadcast batch
  expect_same([](const auto& in) { return matmul(in[0].transpose(2, 3).transpose(2, 3), in[1].transpose(1, 2).mT()); },
              {x, y}, 1e-5, 1e-5);
  // Operands without a unit stride are compacted.
  const Tensor s = randn({12, 10}, gen);
  expect_same([](const auto& in) { return matmul(in[0].slice(0, 0, 12, 2), in[0].slice(1, 0, 10, 2)); }, {s},
              1e-5, 1e-5);
  expect_same([](const auto& in) { return matmul(in[0], in[1]); }, {randn({5}, gen), randn({5, 3}, gen)}, 1e-5, 1e-5);
  expect_same([](const auto& in) { return matmul(in[0], in[1]); }, {randn({2, 0}, gen), randn({0, 3}, gen)}, 0, 0);
  for (DType dt : {kFloat16, kBFloat16}) {
    const Tensor p = randn({64, 48}, gen).to(dt), q = randn({48, 32}, gen).to(dt);
    expect_same([](const auto& in) { return matmul(in[0], in[1]).to(kFloat32); }, {p, q}, 3e-2, 3e-2);
  }
  cuda::set_matmul_allow_tf32(true);
  expect_same([](const auto& in) { return matmul(in[0], in[1]); }, {randn({64, 64}, gen), randn({64, 64}, gen)}, 2e-2,
              2e-2);
  cuda::set_matmul_allow_tf32(false);
  EXPECT_THROW_WITH(matmul(ones({2, 2}, kInt64).cuda(), ones({2, 2}, kInt64).cuda()), TypeError, "floating-point");
}

TEST(Cuda, ScansAndSearchesMatchTheCpu) {
  TG_REQUIRE_CUDA();
  Generator gen(12);
  const Tensor x = randn({23, 40, 9}, gen);
  const Tensor near_one = x * 0.05 + 1.0;
  expect_same([](const auto& in) { return in[0].cumprod(1); }, {near_one}, 1e-5, 1e-6);
  expect_same([](const auto& in) { return in[0].cumprod(2); }, {near_one.to(kFloat64)}, 1e-12, 1e-12);
  expect_same([](const auto& in) { return in[0].transpose(0, 2).cumprod(0); }, {near_one}, 1e-5, 1e-6);
  const Tensor ties = randint(0, 4, {30, 50}, gen).to(kFloat32);
  for (int d : {0, 1}) {
    expect_same([d](const auto& in) { return std::get<0>(in[0].cummax(d)); }, {ties}, 0, 0);
    expect_same([d](const auto& in) { return std::get<1>(in[0].cummax(d)); }, {ties}, 0, 0);
    expect_same([d](const auto& in) { return std::get<1>(in[0].cummin(d)); }, {ties}, 0, 0);
  }
  expect_same([](const auto& in) { return std::get<1>(in[0].cummax(0)); }, {tensor({1.0, NAN, 5.0, NAN, 2.0})}, 0, 0);
  expect_same([](const auto& in) { return std::get<1>(in[0].cummin(1)); }, {randint(-9, 9, {7, 300}, gen)}, 0, 0);
  expect_same([](const auto& in) { return in[0].logcumsumexp(1); }, {x}, 1e-5, 1e-5);
  expect_same([](const auto& in) { return in[0].to(kBFloat16).logcumsumexp(0).to(kFloat32); }, {x}, 1e-2, 1e-2);
  const Tensor sorted = std::get<0>(sort(randn({1000}, gen)));
  const Tensor values = randn({64, 100}, gen);
  expect_same([](const auto& in) { return searchsorted(in[0], in[1]); }, {sorted, values}, 0, 0);
  expect_same([](const auto& in) { return searchsorted(in[0], in[1], true, true); }, {sorted, values}, 0, 0);
  const Tensor rows = std::get<0>(sort(randint(0, 50, {64, 30}, gen), 1));
  expect_same([](const auto& in) { return searchsorted(in[0], in[1], false, true); },
              {rows, randint(-5, 55, {64, 7}, gen)}, 0, 0);
  expect_same([](const auto& in) { return bucketize(in[0], in[1]); }, {values, sorted}, 0, 0);
  // The histograms: few bins (a block's shared counts), many (straight to the result), uneven
  // edges with weights, and a 16-bit input.
  expect_same([](const auto& in) { return histc(in[0], 40, -2, 2); }, {values}, 0, 0);
  expect_same([](const auto& in) { return histc(in[0].t(), 5000); }, {values}, 0, 0);
  expect_same([](const auto& in) { return histc(in[0].to(kBFloat16), 9).to(kFloat32); }, {values}, 0, 0);
  expect_same([](const auto& in) { return std::get<0>(histogram(in[0], in[1], in[2])); },
              {values, tensor({-3.0f, -0.5f, 0.0f, 0.25f, 1.0f, 1.0f, 2.5f}), rand({64, 100}, gen)}, 1e-6, 0);
  // The samplers draw the same uniforms on both devices for one seed, so they agree exactly.
  const Tensor w = rand({6, 20}, gen);
  Generator g1(5), g2(5);
  EXPECT_TRUE(close(multinomial(w.cuda(), 50, true, g1).cpu(), multinomial(w, 50, true, g2), 0, 0));
  EXPECT_TRUE(close(multinomial(w.cuda(), 20, false, g1).cpu(), multinomial(w, 20, false, g2), 0, 0));
  EXPECT_TRUE(close(bernoulli(w.cuda(), g1).cpu(), bernoulli(w, g2), 0, 0));
  // poisson and binomial draw the same uniforms too, but a rounding difference in an acceptance
  // test can change which ones an element uses: nearly all draws agree, and the moments do.
  const Tensor rates = tensor({0.5, 4.0, 30.0}).unsqueeze(1).expand({3, 4000}).contiguous();
  const Tensor pg = poisson(rates.cuda(), &g1).cpu(), pc = poisson(rates, &g2);
  EXPECT_GT(eq(pg, pc).to(kFloat64).mean().item<double>(), 0.99);
  EXPECT_TRUE(close(pg.mean({1}), tensor({0.5f, 4.0f, 30.0f}), 0.05, 0.05));
  const Tensor counts = tensor({5.0, 200.0, 50.0}).unsqueeze(1).expand({3, 4000}).contiguous();
  const Tensor probs = tensor({0.3, 0.4, 0.9}).unsqueeze(1).expand({3, 4000}).contiguous();
  const Tensor bg = binomial(counts.cuda(), probs.cuda(), &g1).cpu(), bc = binomial(counts, probs, &g2);
  EXPECT_GT(eq(bg, bc).to(kFloat64).mean().item<double>(), 0.99);
  EXPECT_TRUE(close(bg.mean({1}), tensor({1.5f, 80.0f, 45.0f}), 0.05, 0.05));
  EXPECT_THROW_WITH(searchsorted(sorted.cuda(), values), Error, "same device");
}

TEST(Cuda, SolversAndFactorizationsMatchTheCpu) {
  TG_REQUIRE_CUDA();
  TG_REQUIRE_LAPACK();
  Generator gen(13);
  for (DType dt : {kFloat32, kFloat64}) {
    const double tol = dt == kFloat64 ? 1e-10 : 1e-4;
    const Tensor a = (randn({3, 6, 6}, gen) + eye(6) * 6.0).to(dt), b = randn({3, 6, 2}, gen).to(dt);
    expect_same([](const auto& in) { return linalg::inv(in[0]); }, {a}, tol, tol);
    expect_same([](const auto& in) { return linalg::det(in[0]); }, {a}, tol, tol);
    expect_same([](const auto& in) { return std::get<0>(linalg::slogdet(in[0])); }, {a.neg()}, 0, 0);
    expect_same([](const auto& in) { return std::get<1>(linalg::slogdet(in[0])); }, {a}, tol, tol);
    expect_same([](const auto& in) { return linalg::solve(in[0], in[1]); }, {a, b}, tol, tol);
    expect_same([](const auto& in) { return linalg::solve(in[0].mT(), in[1][0].select(1, 0)); }, {a, b}, tol, tol);
    expect_same([](const auto& in) { return linalg::cholesky(matmul(in[0], in[0].mT())); }, {a}, tol, tol);
    expect_same([](const auto& in) { return linalg::eigvalsh(in[0] + in[0].mT()); }, {a}, tol, tol);
    // Rectangular LU (cuSOLVER's getrf with m != n): the factors, and the pivots exactly.
    for (const Tensor& r : {a.narrow(1, 0, 4), a.narrow(2, 0, 4)}) {
      expect_same([](const auto& in) { return std::get<0>(linalg::lu_factor(in[0])); }, {r}, tol, tol);
      expect_same([](const auto& in) { return std::get<1>(linalg::lu_factor(in[0])); }, {r}, 0, 0);
      expect_same([](const auto& in) { return std::get<1>(linalg::lu(in[0])); }, {r}, tol, tol);
    }
    // Eigenvectors up to sign: their squares.
    expect_same([](const auto& in) { return square(std::get<1>(linalg::eigh(in[0] + in[0].mT()))); }, {a}, tol, tol);
  }
  const Tensor singular = tensor({{1.0, 2.0}, {2.0, 4.0}}).cuda();
  EXPECT_EQ(linalg::det(singular).item<float>(), 0.0f);
  EXPECT_THROW_WITH(linalg::inv(singular), LinAlgError, "linalg.inv: the input matrix is singular");
  EXPECT_THROW_WITH(linalg::cholesky(-eye(3).cuda()), LinAlgError, "not positive-definite");
  // Gradients on the GPU agree with the CPU's.
  const Tensor m = randn({4, 4}, gen, kFloat64) + eye(4, kFloat64) * 4.0;
  auto grad_of = [](const Tensor& x0) {
    Tensor x = x0.detach().requires_grad_(true);
    (linalg::inv(x).sum() + linalg::det(x) + linalg::cholesky(matmul(x, x.mT())).sum()).backward();
    return x.grad();
  };
  EXPECT_TRUE(close(grad_of(m.cuda()).cpu(), grad_of(m), 1e-9, 1e-9));
}

TEST(Cuda, DecompositionsMatchTheCpu) {
  TG_REQUIRE_CUDA();
  TG_REQUIRE_LAPACK();
  Generator gen(17);
  for (DType dt : {kFloat32, kFloat64}) {
    const double tol = dt == kFloat64 ? 1e-10 : 1e-4;
    for (const Shape& shape : {Shape{3, 6, 4}, Shape{2, 4, 7}}) {
      const Tensor a = randn(shape, gen).to(dt), b = randn({shape[0], shape[1], 2}, gen).to(dt);
      // Q R and U S Vh are unique up to signs: compare what does not depend on them.
      expect_same([](const auto& in) { return abs(std::get<1>(linalg::qr(in[0]))); }, {a}, tol, tol);
      expect_same([](const auto& in) { return abs(std::get<0>(linalg::qr(in[0], "complete"))); }, {a}, tol, tol);
      // Householder reflectors: one factor and its scales give one Q and one product on both
      // devices, by the orgqr kernel and by the composed (differentiable) path.
      if (shape[1] >= shape[2]) {
        auto [f, tau] = geqrf(a);
        expect_same([](const auto& in) { return linalg::householder_product(in[0], in[1]); }, {f, tau}, tol, tol);
        expect_same(
            [](const auto& in) { return linalg::householder_product(in[0].detach().requires_grad_(), in[1]).detach(); },
            {f, tau}, tol, tol);
        expect_same([](const auto& in) { return ormqr(in[0], in[1], in[2], true, true); }, {f, tau, b}, tol, tol);
        auto [fg, taug] = geqrf(a.cuda());
        const Tensor rebuilt = matmul(linalg::householder_product(fg, taug), triu(fg.narrow(-2, 0, shape[2])));
        EXPECT_TRUE(close(rebuilt.cpu(), a, tol * 10, tol * 10));
      }
      expect_same([](const auto& in) { return linalg::svdvals(in[0]); }, {a}, tol, tol);
      expect_same(
          [](const auto& in) {
            auto [U, S, Vh] = linalg::svd(in[0], false);
            return cat({square(U).flatten(), square(Vh).flatten()});
          },
          {a}, tol, tol);
      expect_same([](const auto& in) { return square(std::get<0>(linalg::svd(in[0]))); }, {a}, tol, tol);
      expect_same([](const auto& in) { return linalg::pinv(in[0]); }, {a}, tol, tol);
      expect_same([](const auto& in) { return std::get<0>(linalg::lstsq(in[0], in[1], std::nullopt, "gels")); },
                  {a, b}, 10 * tol, 10 * tol);
    }
    const Tensor t = (randn({2, 5, 5}, gen) + eye(5) * 5.0).to(dt), rhs = randn({2, 5, 3}, gen).to(dt);
    expect_same([](const auto& in) { return linalg::solve_triangular(in[0], in[1], true); }, {t, rhs}, tol, tol);
    expect_same([](const auto& in) { return linalg::solve_triangular(in[0], in[1], false, true, true); }, {t, rhs},
                tol, tol);
    expect_same([](const auto& in) { return linalg::solve_triangular(in[0], in[1].mT(), false, false); }, {t, rhs},
                tol, tol);
    // A read in place as row-major, as column-major (above), or copied (a broadcast batch).
    expect_same(
        [](const auto& in) {
          return linalg::solve_triangular(in[0][0].expand({2, 5, 5}), in[1], true);
        },
        {t, rhs}, tol, tol);
    expect_same([](const auto& in) { return linalg::matrix_norm(in[0], "nuc"); }, {t}, tol, tol);
  }
  EXPECT_THROW_WITH(linalg::lstsq(eye(3).cuda(), ones({3, 1}).cuda(), std::nullopt, "gelsd"), ValueError,
                    "only driver \"gels\" runs on cuda");
  EXPECT_THROW_WITH(linalg::solve_triangular(zeros({2, 2}).cuda(), ones({2, 1}).cuda(), true), Error,
                    "has a zero on its diagonal");
  // Gradients through QR and SVD agree with the CPU's.
  const Tensor m = randn({5, 3}, gen, kFloat64);
  auto grad_of = [](const Tensor& x0) {
    Tensor x = x0.detach().requires_grad_(true);
    auto [Q, R] = linalg::qr(x);
    auto [U, S, Vh] = linalg::svd(x, false);
    (square(Q).sum() + R.abs().sum() + S.sum() + square(U).sum() + linalg::pinv(x).sum()).backward();
    return x.grad();
  };
  EXPECT_TRUE(close(grad_of(m.cuda()).cpu(), grad_of(m), 1e-8, 1e-8));
}

TEST(Cuda, RandomStreamsAreTheCpusForTheSameSeed) {
  TG_REQUIRE_CUDA();
  const auto gpu = TensorOptions(kFloat32).device(Device::cuda());
  Generator g1(42), g2(42);
  // Odd lengths: the last counter's elements and the last Box-Muller pair are partly outside.
  EXPECT_TRUE(close(rand({1001}, g1, gpu).cpu(), rand({1001}, g2, kFloat32), 0, 0));
  EXPECT_TRUE(close(rand({1001}, g1, gpu.dtype(kFloat64)).cpu(), rand({1001}, g2, kFloat64), 0, 0));
  EXPECT_TRUE(close(rand({1001}, g1, gpu.dtype(kBFloat16)).cpu(), rand({1001}, g2, kBFloat16), 0, 0));
  EXPECT_TRUE(close(randn({1001}, g1, gpu.dtype(kFloat64)).cpu(), randn({1001}, g2, kFloat64), 1e-12, 1e-14));
  // Float normals compute in float: the two math libraries' logf, sinf and cosf differ by ulps.
  EXPECT_TRUE(close(randn({1003}, g1, gpu).cpu(), randn({1003}, g2, kFloat32), 1e-5, 1e-6));
  EXPECT_TRUE(close(randn({1003}, g1, gpu.dtype(kFloat16)).cpu(), randn({1003}, g2, kFloat16), 1e-3, 1e-3));
  EXPECT_TRUE(close(randint(-5, 17, {1001}, g1, gpu.dtype(kInt64)).cpu(), randint(-5, 17, {1001}, g2, kInt64), 0, 0));
  // The in-place fills draw on the tensor's device from the same streams.
  EXPECT_TRUE(close(empty({500}, gpu).uniform_(-1, 2, &g1).cpu(), empty({500}).uniform_(-1, 2, &g2), 1e-6, 1e-6));
  EXPECT_TRUE(close(empty({500}, gpu).exponential_(2, &g1).cpu(), empty({500}).exponential_(2, &g2), 1e-5, 1e-6));
  EXPECT_TRUE(
      close(empty({500}, gpu.dtype(kInt32)).random_(3, 9, &g1).cpu(), empty({500}, kInt32).random_(3, 9, &g2), 0, 0));
}

TEST(Cuda, BackwardOnTheGpuMatchesTheCpu) {
  TG_REQUIRE_CUDA();
  Generator gen(8);
  const Tensor x = randn({16, 10}, gen), w = randn({10, 4}, gen), b = randn({4}, gen);
  auto run = [](const Tensor& x0, const Tensor& w0, const Tensor& b0) {
    Tensor w1 = w0.detach().requires_grad_(true), b1 = b0.detach().requires_grad_(true);
    const Tensor loss = (log_softmax(relu(matmul(x0, w1) + b1), 1) * -1.0).mean();
    loss.backward();
    return std::vector<Tensor>{loss.detach(), w1.grad(), b1.grad()};
  };
  const auto cpu = run(x, w, b);
  const auto gpu = run(x.cuda(), w.cuda(), b.cuda());
  for (size_t i = 0; i < cpu.size(); ++i) {
    EXPECT_TRUE(gpu[i].is_cuda());
    EXPECT_TRUE(close(gpu[i].cpu(), cpu[i], 1e-5, 1e-6)) << i;
  }
  // Gradients flow back across a device move.
  Tensor h = randn({3}, gen).requires_grad_(true);
  (h.cuda() * 2.0).sum().backward();
  EXPECT_TRUE(h.grad().is_cpu());
  EXPECT_TRUE(close(h.grad(), full({3}, 2.0), 0, 0));
}

TEST(Cuda, ConvolutionsMatchTheCpuForwardAndBackward) {
  TG_REQUIRE_CUDA();
  cuda::set_cudnn_allow_tf32(false);  // full float32 precision, to compare with the CPU
  Generator gen(13);
  struct Case {
    Shape x, w;
    F::Conv2dOptions o;
  };
  const std::vector<Case> cases = {
      {{2, 3, 9, 8}, {4, 3, 3, 3}, {}},
      {{2, 4, 9, 8}, {6, 2, 3, 2}, {.stride = nn::Size2(2, 1), .padding = nn::Size2(1), .dilation = 1, .groups = 2}},
      {{1, 2, 11, 11}, {3, 2, 3, 3}, {.stride = 1, .padding = nn::Size2(2), .dilation = nn::Size2(2)}},
      {{2, 3, 7, 7}, {5, 3, 3, 3}, {.padding = nn::ConvPadding("same")}},
      // "same" with even kernels pads unevenly, which cuDNN cannot: an explicitly padded copy.
      {{2, 3, 7, 6}, {5, 3, 2, 4}, {.padding = nn::ConvPadding("same")}},
      {{1, 4, 8, 9}, {4, 2, 4, 3}, {.padding = nn::ConvPadding("same"), .dilation = nn::Size2(1, 2), .groups = 2}},
  };
  for (DType dt : {kFloat32, kFloat64}) {
    for (const Case& c : cases) {
      auto run = [&](const Tensor& x0, const Tensor& w0, const Tensor& b0) {
        Tensor x = x0.detach().requires_grad_(true), w = w0.detach().requires_grad_(true),
               b = b0.detach().requires_grad_(true);
        F::Conv2dOptions o = c.o;
        o.bias = b;
        const Tensor y = F::conv2d(x, w, o);
        (y * y).sum().backward();
        return std::vector<Tensor>{y.detach(), x.grad(), w.grad(), b.grad()};
      };
      const Tensor x = randn(c.x, gen, dt), w = randn(c.w, gen, dt), b = randn({c.w[0]}, gen, dt);
      const auto cpu = run(x, w, b);
      const auto gpu = run(x.cuda(), w.cuda(), b.cuda());
      for (size_t i = 0; i < cpu.size(); ++i)
        EXPECT_TRUE(close(gpu[i].cpu(), cpu[i], dt == kFloat64 ? 1e-10 : 1e-4, 1e-4)) << i;
    }
  }
  const Tensor x = randn({2, 3, 6, 5}, gen), wt = randn({3, 4, 3, 3}, gen);
  const F::ConvTranspose2dOptions to{.stride = 2, .padding = 1, .output_padding = 1};
  expect_same([&](const auto& in) { return F::conv_transpose2d(in[0], in[1], to); }, {x, wt}, 1e-4, 1e-4);
  const F::ConvTranspose1dOptions to1{.stride = 2, .padding = 1, .output_padding = 1};
  expect_same([&](const auto& in) { return F::conv_transpose1d(in[0].select(2, 0), in[1].select(2, 1), to1); },
              {x, wt}, 1e-4, 1e-4);
  expect_same([](const auto& in) { return F::conv1d(in[0], in[1]); }, {randn({2, 3, 20}, gen), randn({4, 3, 5}, gen)},
              1e-4, 1e-4);
  for (DType dt : {kFloat16, kBFloat16}) {
    const Tensor p = randn({2, 8, 10, 10}, gen).to(dt), q = (randn({8, 8, 3, 3}, gen) * 0.2).to(dt);
    expect_same([](const auto& in) { return F::conv2d(in[0], in[1]).to(kFloat32); }, {p, q}, 3e-2, 3e-2);
  }
  // 3-D: cuDNN's N-d descriptors, and the padded copy for uneven "same" padding.
  const Tensor x3 = randn({2, 4, 5, 6, 7}, gen), w3 = randn({6, 2, 3, 2, 3}, gen), b3 = randn({6}, gen);
  const F::Conv3dOptions o3{.stride = {1, 2, 1}, .padding = {1, 0, 1}, .dilation = {2, 1, 1}, .groups = 2};
  auto conv3 = [&](const Tensor& x, const Tensor& w, const Tensor& b) {
    F::Conv3dOptions o = o3;
    o.bias = b;
    return F::conv3d(x, w, o);
  };
  expect_same([&](const auto& in) { return conv3(in[0], in[1], in[2]); }, {x3, w3, b3}, 1e-4, 1e-4);
  // Both backward passes: the input, weight and bias gradients side by side.
  expect_same([&](const auto& in) {
    tensor_list leaves;
    for (const Tensor& t : in) leaves.push_back(t.detach().requires_grad_(true));
    const Tensor y = conv3(leaves[0], leaves[1], leaves[2]);
    const tensor_list g = autograd::grad({(y * y).sum()}, leaves);
    return cat({g[0].flatten(), g[1].flatten(), g[2]});
  }, {x3, w3, b3}, 1e-4, 1e-4);
  expect_same([](const auto& in) { return F::conv3d(in[0], in[1], {.padding = "same"}); },
              {x3, randn({3, 4, 2, 3, 2}, gen)}, 1e-4, 1e-4);
  const F::ConvTranspose3dOptions t3{.stride = 2, .padding = {0, 1, 1}, .output_padding = {1, 0, 1}};
  expect_same([&](const auto& in) { return F::conv_transpose3d(in[0], in[1], t3); },
              {randn({2, 3, 3, 4, 3}, gen), randn({3, 2, 2, 3, 3}, gen)}, 1e-4, 1e-4);
  cuda::set_cudnn_allow_tf32(true);
}

TEST(Cuda, IndexingGatherScatterMatchTheCpu) {
  TG_REQUIRE_CUDA();
  Generator gen(9);
  const Tensor x = randn({7, 5, 6}, gen);
  const Tensor idx = tensor({4, 0, -1, 2, 2}, kInt64);
  expect_same([&](const auto& in) { return in[0].index_select(1, in[1]); }, {x, idx}, 0, 0);
  expect_same([&](const auto& in) { return in[0].index({in[1], indexing::Slice(), in[1]}); }, {x, idx}, 0, 0);
  expect_same([&](const auto& in) { return in[0].index({in[0] > 0.5}); }, {x}, 0, 0);  // masked select
  expect_same([&](const auto& in) { return in[0].masked_fill(in[0] < 0, 0.0); }, {x}, 0, 0);
  const Tensor g = randint(0, 5, {7, 3, 6}, gen, kInt64);
  expect_same([&](const auto& in) { return in[0].gather(1, in[1]); }, {x, g}, 0, 0);
  expect_same([&](const auto& in) { return in[0].transpose(0, 2).gather(2, in[1].transpose(0, 2)); }, {x, g}, 0, 0);
  EXPECT_THROW_WITH(x.cuda().gather(1, tensor({{{0}}, {{5}}}, kInt64).cuda()), IndexError,
                    "index 5 is out of bounds for dim 1 with size 5");
  EXPECT_THROW_WITH(x.cuda().gather(1, tensor({{{-2}}, {{7}}}, kInt64).cuda()), IndexError, "index -2");
  const Tensor src = randn({7, 3, 6}, gen);
  expect_same([&](const auto& in) { return zeros({7, 5, 6}, in[0].options()).scatter_add(1, in[1], in[0]); },
              {src, g}, 1e-6, 1e-6);
  // scatter_reduce: products, maxima and minima by compare-and-swap, on every width of dtype.
  for (const char* reduce : {"sum", "prod", "mean", "amax", "amin"}) {
    for (bool include_self : {true, false}) {
      expect_same([&](const auto& in) { return in[2].scatter_reduce(1, in[1], in[0], reduce, include_self); },
                  {src, g, randn({7, 5, 6}, gen)}, 1e-5, 1e-5);
      for (DType dt : {kFloat64, kFloat16, kBFloat16, kInt64, kInt32, kInt16, kInt8, kUInt8})
        expect_same([&](const auto& in) { return in[2].scatter_reduce(1, in[1], in[0], reduce, include_self); },
                    {randint(0, 4, {7, 3, 6}, gen, kInt64).to(dt), g, randint(0, 4, {7, 5, 6}, gen, kInt64).to(dt)},
                    dt == kFloat16 || dt == kBFloat16 ? 1e-2 : 0, 0);
    }
  }
  expect_same(
      [&](const auto& in) {
        const Tensor a = in[0].detach().requires_grad_(true), b = in[2].detach().requires_grad_(true);
        const Tensor out = b.scatter_reduce(1, in[1], a, "amax");
        const auto grads = autograd::grad({out}, {a, b}, {in[3]});
        return cat({out.flatten(), grads[0].flatten(), grads[1].flatten()});
      },
      {src, g, randn({7, 5, 6}, gen), randn({7, 5, 6}, gen)}, 1e-6, 1e-6);
  // take, put, masked_scatter and index_reduce (composed of index, index_put and scatter_reduce).
  expect_same([](const auto& in) { return in[0].take(in[1]); }, {x, tensor({{3, -1}, {200, 0}}, kInt64)}, 0, 0);
  expect_same([](const auto& in) { return in[0].put(in[1], in[2], true); },
              {x, tensor({3, 3, 7}, kInt64), tensor({1.0f, 2.0f, 3.0f})}, 1e-6, 1e-6);
  expect_same([](const auto& in) { return in[0].masked_scatter(in[0] > 0, in[1]); }, {x, randn({210}, gen)}, 0, 0);
  expect_same([](const auto& in) { return in[0].index_reduce(1, in[1], in[2], "amax", false); },
              {x, tensor({4, 0, 4}, kInt64), randn({7, 3, 6}, gen)}, 0, 0);
  // The view scatters (strided_scatter underneath).
  expect_same([](const auto& in) { return diagonal_scatter(in[0], in[1], 1, 0, 2); }, {x, randn({6, 5}, gen)}, 0, 0);
  expect_same([](const auto& in) { return slice_scatter(in[0], in[1], 2, 1, 6, 2); }, {x, randn({7, 5, 3}, gen)}, 0, 0);
  // index_put_ with repeated indices accumulates (atomic adds on the GPU).
  const Tensor rep = tensor({1, 3, 1, 1}, kInt64), vals = tensor({1.0, 2.0, 3.0, 4.0}, kFloat32);
  expect_same([](const auto& in) { return zeros({5}, in[0].options()).index_put_({in[1]}, in[0], true); },
              {vals, rep}, 0, 0);
  for (DType dt : {kFloat64, kFloat16, kInt32, kInt16, kInt8, kUInt8, kBool})
    expect_same([](const auto& in) { return zeros({5}, in[0].options()).index_put_({in[1]}, in[0], true); },
                {vals.to(dt), rep}, 0, 0);
  expect_same([](const auto& in) { return (in[0] > 0).nonzero(); }, {x}, 0, 0);
  EXPECT_EQ(zeros({4}).cuda().nonzero().size(0), 0);
  EXPECT_THROW_WITH(x.cuda().index_select(0, tensor({7}, kInt64).cuda()), IndexError, "index 7 is out of bounds");
  EXPECT_THROW_WITH(x.cuda().index_select(0, tensor({0, -9}, kInt64).cuda()), IndexError, "index -9");
  // embedding_bag: bags summed by the bag kernel (weighted, with padding), or padded for max; the
  // table's gradient is index_add'ed (atomics on the GPU).
  const Tensor table = randn({50, 16}, gen), entries = randint(0, 50, {40}, gen), starts = tensor({0, 3, 3, 17, 30});
  for (const char* mode : {"sum", "mean", "max"})
    expect_same([&](const auto& in) { return F::embedding_bag(in[1], in[0], {.offsets = in[2], .mode = mode}); },
                {table, entries, starts}, 1e-5, 1e-5);
  expect_same([&](const auto& in) {
    const Tensor leaf = in[0].detach().requires_grad_(true);
    const Tensor out = F::embedding_bag(in[1], leaf, {.offsets = in[2], .mode = "sum", .per_sample_weights = in[3],
                                                      .padding_idx = 7});
    return cat({out.flatten(), autograd::grad({out}, {leaf}, {in[4]})[0].flatten()});
  }, {table, entries, starts, rand({40}, gen), randn({5, 16}, gen)}, 1e-5, 1e-5);
}

TEST(Cuda, SortAndTopkMatchTheCpu) {
  TG_REQUIRE_CUDA();
  Generator gen(10);
  for (DType dt : {kFloat32, kFloat64, kFloat16, kInt64, kInt32, kUInt8}) {
    const Tensor x = (randn({6, 50}, gen) * 20.0).to(dt);  // integer dtypes get ties: stable order matters
    for (bool desc : {false, true}) {
      expect_same([desc](const auto& in) { return std::get<0>(in[0].sort(1, desc, true)); }, {x}, 0, 0);
      expect_same([desc](const auto& in) { return std::get<1>(in[0].sort(1, desc, true)); }, {x}, 0, 0);
      expect_same([desc](const auto& in) { return std::get<1>(in[0].sort(0, desc, true)); }, {x}, 0, 0);
    }
    expect_same([](const auto& in) { return std::get<0>(in[0].topk(5, 1)); }, {x}, 0, 0);
  }
  const Tensor with_nan = tensor({3.0, NAN, -1.0, INFINITY});
  expect_same([](const auto& in) { return std::get<1>(in[0].sort(0)); }, {with_nan}, 0, 0);
  expect_same([](const auto& in) { return std::get<1>(in[0].sort(0, true)); }, {with_nan}, 0, 0);
  expect_same([](const auto& in) { return std::get<0>(in[0].sort(0)); }, {tensor({true, false, true})}, 0, 0);
  // x86's 0/0 is a NaN with its sign bit set: it still sorts above +inf, and -0.0 ties with +0.0.
  const double neg_nan = -std::numeric_limits<double>::quiet_NaN();
  for (DType dt : {kFloat32, kFloat64, kFloat16, kBFloat16}) {
    const Tensor mixed = tensor({0.0, neg_nan, -0.0, -INFINITY, NAN, 2.0, -0.0, 0.0}).to(dt);
    for (bool desc : {false, true}) {
      expect_same([desc](const auto& in) { return std::get<1>(in[0].sort(0, desc, true)); }, {mixed}, 0, 0);
      expect_same([desc](const auto& in) { return std::get<0>(in[0].topk(3, 0, desc)); }, {mixed}, 0, 0);
    }
  }
}

// The GPU's selection sorts each slice and picks a rank; ties and NaNs go to the same element as
// the CPU's nth_element over (value, position) keys.
TEST(Cuda, OrderStatisticsMatchTheCpu) {
  TG_REQUIRE_CUDA();
  Generator gen(11);
  for (DType dt : {kFloat32, kFloat64, kFloat16, kInt64, kInt32}) {
    Tensor x = (randn({7, 40}, gen) * 10.0).to(dt);  // ties in the integer dtypes
    if (is_floating_point(dt)) {
      x.index_put_({indexing::Slice(0, 2), indexing::Slice(3, 5)}, NAN);
      x.index_put_({4}, NAN);
    }
    for (int d : {0, 1}) {
      expect_same([d](const auto& in) { return std::get<0>(kthvalue(in[0], 5, d)); }, {x}, 0, 0);
      expect_same([d](const auto& in) { return std::get<1>(kthvalue(in[0], 5, d)); }, {x}, 0, 0);
      expect_same([d](const auto& in) { return std::get<1>(median(in[0], d)); }, {x}, 0, 0);
      expect_same([d](const auto& in) { return std::get<1>(nanmedian(in[0], d, true)); }, {x}, 0, 0);
      expect_same([d](const auto& in) { return std::get<1>(mode(in[0], d)); }, {x}, 0, 0);
    }
    expect_same([](const auto& in) { return median(in[0]); }, {x}, 0, 0);
    expect_same([](const auto& in) { return nanmedian(in[0]); }, {x}, 0, 0);
  }
  const Tensor y = randn({6, 30}, gen);
  expect_same(
      [](const auto& in) {
        return quantile(in[0], tensor({0.1f, 0.5f, 0.97f}).to(in[0].device()), 1);
      },
      {y}, 1e-6, 1e-6);
  expect_same([](const auto& in) { return nanquantile(in[0], 0.3, 0, true, "midpoint"); }, {y}, 1e-6, 1e-6);
  // Gradients: scattered to the picked positions; median() shares among ties.
  expect_same(
      [](const auto& in) {
        const Tensor leaf = in[0].detach().requires_grad_(true);
        return autograd::grad({std::get<0>(median(leaf, 1)).sum() + median(leaf.round())}, {leaf})[0];
      },
      {y}, 1e-6, 1e-6);
}

// The margin and likelihood losses are tensor ops: the same values and gradients on the GPU.
TEST(Cuda, MarginAndLikelihoodLossesMatchTheCpu) {
  TG_REQUIRE_CUDA();
  Generator gen(12);
  const Tensor a = randn({8, 5}, gen), b = randn({8, 5}, gen), c = randn({8, 5}, gen);
  const Tensor classes = randint(0, 5, {8}, gen), labels = randint(-1, 5, {8, 5}, gen);
  auto grads = [](const Tensor& loss, const Tensor& leaf) { return autograd::grad({loss}, {leaf})[0]; };
  expect_same(
      [&](const auto& in) {
        const Tensor x = in[0].detach().requires_grad_(true);
        const Tensor loss = F::multi_margin_loss(x, in[1], {.p = 2}) + F::multilabel_margin_loss(x, in[2]) +
                            F::soft_margin_loss(x, sign(in[3])) +
                            F::cosine_embedding_loss(x, in[3], sign(in[3].select(1, 0)));
        return grads(loss, x);
      },
      {a, classes, labels, b}, 1e-5, 1e-6);
  expect_same(
      [&](const auto& in) {
        const Tensor x = in[0].detach().requires_grad_(true);
        const Tensor loss = F::triplet_margin_loss(x, in[1], in[2], {.swap = true}) +
                            F::gaussian_nll_loss(x, in[1], abs(in[2])) +
                            F::poisson_nll_loss(x, abs(in[1]), {.full = true});
        return grads(loss, x);
      },
      {a, b, c}, 1e-5, 1e-6);
}

// The fused CTC kernels (a block per sequence) against the CPU's: losses and gradients, with an
// empty input, an empty target, an impossible alignment and repeated labels.
TEST(Cuda, CtcLossMatchesTheCpu) {
  TG_REQUIRE_CUDA();
  Generator gen(13);
  const int64_t steps = 50, n = 6, classes = 20, longest = 24;
  Tensor targets = randint(1, classes, {n, longest}, gen);
  targets.index_put_({0, indexing::Slice(0, 4)}, tensor({5, 5, 5, 7}));
  const Tensor in_len = tensor({50, 3, 50, 20, 0, 30}), tl = tensor({10, 0, 24, 5, 1, 24});
  const Tensor w = randn({n}, gen, kFloat64);
  for (DType dt : {kFloat32, kFloat64}) {
    const Tensor x = randn({steps, n, classes}, gen, dt);
    auto run = [&](Device d) {
      const Tensor xi = x.to(d).requires_grad_(true);
      const Tensor loss = F::ctc_loss(log_softmax(xi, 2), targets.to(d), in_len, tl,
                                      {.reduction = F::Reduction::None, .zero_infinity = true});
      loss.backward(w.to(d, dt));
      return std::vector<Tensor>{loss.detach().cpu(), xi.grad().cpu()};
    };
    const auto c = run(Device::cpu()), g = run(Device::cuda());
    const double tol = rtol_for(dt) * 10;
    EXPECT_TRUE(close(g[0], c[0], tol, tol)) << fmt::format("ctc_loss {}", dt);
    EXPECT_TRUE(close(g[1], c[1], tol, tol)) << fmt::format("ctc_loss grad {}", dt);
    // Both devices are deterministic: the same gradient again, bit for bit.
    EXPECT_TRUE(equal(run(Device::cuda())[1], g[1])) << fmt::format("ctc_loss grad rerun {}", dt);
  }
}

TEST(Cuda, PoolingBatchNormAndLossesMatchTheCpu) {
  TG_REQUIRE_CUDA();
  Generator gen(11);
  const Tensor x = randn({4, 3, 13, 11}, gen);
  for (bool ceil : {false, true}) {
    const F::MaxPool2dOptions mp{.kernel_size = 3, .stride = nn::Size2(2), .padding = 1, .dilation = 1, .ceil_mode = ceil};
    expect_same([&](const auto& in) { return std::get<0>(F::max_pool2d_with_indices(in[0], mp)); }, {x}, 0, 0);
    expect_same([&](const auto& in) { return std::get<1>(F::max_pool2d_with_indices(in[0], mp)); }, {x}, 0, 0);
  }
  // Dilated windows that miss the input: -inf and index -1, as on the CPU.
  const F::MaxPool2dOptions missing{.kernel_size = 2, .stride = nn::Size2(2), .padding = 1, .dilation = 3};
  const Tensor small = randn({2, 3, 2, 2}, gen);
  expect_same([&](const auto& in) { return std::get<0>(F::max_pool2d_with_indices(in[0], missing)); }, {small}, 0, 0);
  expect_same([&](const auto& in) { return std::get<1>(F::max_pool2d_with_indices(in[0], missing)); }, {small}, 0, 0);
  const F::AvgPool2dOptions ap{.kernel_size = 3, .stride = nn::Size2(2), .padding = 1};
  expect_same([&](const auto& in) { return F::avg_pool2d(in[0], ap); }, {x}, 1e-6, 1e-6);
  expect_same([&](const auto& in) { return F::adaptive_avg_pool2d(in[0], {5, 4}); }, {x}, 1e-6, 1e-6);
  expect_same([&](const auto& in) { return std::get<1>(F::adaptive_max_pool2d_with_indices(in[0], {5, 4})); }, {x}, 0,
              0);
  // Fractional max pooling: the same samples give the same per-plane windows on the device.
  using Inputs = std::vector<Tensor>;
  auto frac2 = [](const Inputs& in) {
    return F::fractional_max_pool2d_with_indices(
        in[0], {.kernel_size = 2, .output_size = nn::Size2(6, 7), .random_samples = in[1]});
  };
  const Tensor u2 = rand({4, 3, 2}, gen);
  expect_same([&](const Inputs& in) { return std::get<0>(frac2(in)); }, {x, u2}, 0, 0);
  expect_same([&](const Inputs& in) { return std::get<1>(frac2(in)); }, {x, u2}, 0, 0);
  auto frac3 = [](const Inputs& in) {
    return F::fractional_max_pool3d_with_indices(
        in[0], {.kernel_size = 2, .output_size = nn::Size3(3, 4, 3), .random_samples = in[1]});
  };
  const Tensor vol = randn({2, 3, 7, 8, 6}, gen), u3 = rand({2, 3, 3}, gen);
  expect_same([&](const Inputs& in) { return std::get<0>(frac3(in)); }, {vol, u3}, 0, 0);
  expect_same([&](const Inputs& in) { return std::get<1>(frac3(in)); }, {vol, u3}, 0, 0);
  expect_same(
      [&](const Inputs& in) {
        const Tensor v = in[0].detach().requires_grad_(true);
        std::get<0>(frac3({v, in[1]})).sum().backward();
        return v.grad();
      },
      {vol, u3}, 0, 0);
  // Backward passes of pooling, batch norm and cross-entropy.
  auto grads = [](const Tensor& input, const Tensor& target) {
    Tensor in = input.detach().requires_grad_(true);
    Tensor w = ones({3}, in.options()).requires_grad_(true), b = zeros({3}, in.options()).requires_grad_(true);
    Tensor rm = zeros({3}, in.options()), rv = ones({3}, in.options());
    Tensor h = F::batch_norm(in, rm, rv, F::BatchNormOptions{.weight = w, .bias = b, .training = true});
    h = F::max_pool2d(h, F::MaxPool2dOptions{.kernel_size = 2}) + F::avg_pool2d(h, F::AvgPool2dOptions{.kernel_size = 2});
    const Tensor logits = h.flatten(1).narrow(1, 0, 10);
    const Tensor loss = F::cross_entropy(logits, target);
    loss.backward();
    return std::vector<Tensor>{loss.detach(), in.grad(), w.grad(), b.grad(), rm, rv};
  };
  const Tensor target = randint(0, 10, {4}, gen, kInt64);
  const auto cpu = grads(x, target);
  const auto gpu = grads(x.cuda(), target.cuda());
  for (size_t i = 0; i < cpu.size(); ++i) EXPECT_TRUE(close(gpu[i].cpu(), cpu[i], 1e-4, 1e-5)) << i;
}

// Training batch norm goes through cuDNN on the GPU (one call forward, one backward) where the
// running statistics fit it, and through the own kernels where they do not (only one given, or of
// another dtype) or where cuDNN has no call (no weight, or no input gradient wanted): every case
// against the CPU, outputs, gradients and running statistics alike.
TEST(Cuda, BatchNormThroughCudnnMatchesTheCpu) {
  TG_REQUIRE_CUDA();
  Generator gen(21);
  struct Case {
    Shape shape;
    DType dtype;
    bool affine, running, input_grad;
    DType stats_dtype;
  };
  const std::vector<Case> cases = {
      {{8, 3, 5, 4}, kFloat32, true, true, true, kFloat32},      // cuDNN both ways
      {{16, 5}, kFloat64, true, true, true, kFloat64},           // BatchNorm1d's [N, C]
      {{2, 3, 4, 3, 2}, kFloat32, true, false, true, kFloat32},  // 3-D, no running statistics
      {{6, 4, 7}, kFloat32, false, true, true, kFloat32},        // no affine: cuDNN forward, own backward
      {{6, 4, 7}, kFloat32, true, true, false, kFloat32},        // parameters' gradients alone
      {{6, 4, 7}, kFloat32, true, true, true, kFloat64},         // float64 statistics: own kernels
  };
  for (const Case& k : cases) {
    SCOPED_TRACE(fmt::format("{} {} affine {} running {} input grad {} statistics {}", k.shape, k.dtype, k.affine,
                             k.running, k.input_grad, k.stats_dtype));
    const int64_t c = k.shape[1];
    const Tensor x0 = randn(k.shape, gen, k.dtype) * 2 + 0.5, dy = randn(k.shape, gen, k.dtype);
    const Tensor w0 = rand({c}, gen, k.dtype) + 0.5, b0 = randn({c}, gen, k.dtype);
    auto run = [&](const Device& d) {
      Tensor x = x0.to(d).requires_grad_(k.input_grad);
      Tensor w = k.affine ? w0.to(d).requires_grad_(true) : Tensor(),
             b = k.affine ? b0.to(d).requires_grad_(true) : Tensor();
      Tensor rm = k.running ? full({c}, 0.25, TensorOptions(k.stats_dtype).device(d)) : Tensor();
      Tensor rv = k.running ? full({c}, 2.0, TensorOptions(k.stats_dtype).device(d)) : Tensor();
      const uint32_t version = k.running ? rm.version() : 0;
      std::vector<Tensor> r;
      for (int step = 0; step < 2; ++step)  // twice, so the running statistics move from moved values
        r.push_back(
            F::batch_norm(x, rm, rv, F::BatchNormOptions{.weight = w, .bias = b, .training = true, .momentum = 0.3}));
      if (k.running) {
        EXPECT_GT(rm.version(), version);
      }
      tensor_list leaves;
      if (k.input_grad) leaves.push_back(x);
      if (k.affine) leaves.insert(leaves.end(), {w, b});
      if (!leaves.empty()) {
        for (const Tensor& g : autograd::grad({r[1]}, leaves, {dy.to(d)})) r.push_back(g);
      }
      if (k.running) r.insert(r.end(), {rm, rv});
      return r;
    };
    const auto cpu = run(Device::cpu());
    const auto gpu = run(Device::cuda());
    ASSERT_EQ(cpu.size(), gpu.size());
    const double tol = k.dtype == kFloat64 ? 1e-10 : 1e-4;
    for (size_t i = 0; i < cpu.size(); ++i) {
      EXPECT_EQ(gpu[i].dtype(), cpu[i].dtype()) << i;
      EXPECT_TRUE(close(gpu[i].cpu(), cpu[i], tol, tol)) << i;
    }
  }
  // The gradient through cuDNN's backward against finite differences, in float64 on the GPU.
  auto leaf_on_gpu = [&](const Tensor& t) { return t.to(Device::cuda()).requires_grad_(true); };
  const Tensor x = leaf_on_gpu(randn({5, 3, 4}, gen, kFloat64)), w = leaf_on_gpu(rand({3}, gen, kFloat64) + 0.5),
               b = leaf_on_gpu(randn({3}, gen, kFloat64));
  EXPECT_TRUE(autograd::gradcheck(
      [](const tensor_list& in) {
        return tensor_list{F::batch_norm(in[0], Tensor(), Tensor(),
                                         F::BatchNormOptions{.weight = in[1], .bias = in[2], .training = true})
                               .tanh()};
      },
      {x, w, b}));
}

// interpolate and the composed activations are tensor ops: the same taps and weights go to the
// GPU, and index_select's backward adds with atomics there.
TEST(Cuda, InterpolateAndComposedActivationsMatchTheCpu) {
  TG_REQUIRE_CUDA();
  Generator gen(12);
  const Tensor x = randn({2, 3, 7, 5}, gen), dy = randn({2, 3, 11, 9}, gen);
  for (const char* mode : {"nearest", "nearest-exact", "bilinear", "bicubic"}) {
    SCOPED_TRACE(mode);
    const F::InterpolateOptions o{.size = {11, 9}, .mode = mode};
    expect_same([&](const auto& in) { return F::interpolate(in[0], o); }, {x}, 1e-5, 1e-5);
    expect_same([&](const auto& in) {
      Tensor leaf = in[0].detach().requires_grad_(true);
      return autograd::grad({F::interpolate(leaf, o)}, {leaf}, {in[1]})[0];
    }, {x, dy}, 1e-5, 1e-5);
  }
  expect_same([](const auto& in) { return F::interpolate(in[0], {.size = {3, 2}, .mode = "area"}); }, {x}, 1e-5, 1e-5);
  // Antialiased shrinks: up to seven taps per output, both ways.
  const Tensor big = randn({2, 3, 23, 19}, gen), dsmall = randn({2, 3, 4, 6}, gen);
  for (const char* mode : {"bilinear", "bicubic"}) {
    SCOPED_TRACE(mode);
    const F::InterpolateOptions o{.size = {4, 6}, .mode = mode, .antialias = true};
    expect_same([&](const auto& in) { return F::interpolate(in[0], o); }, {big}, 1e-5, 1e-5);
    expect_same(
        [&](const auto& in) {
          Tensor leaf = in[0].detach().requires_grad_(true);
          return autograd::grad({F::interpolate(leaf, o)}, {leaf}, {in[1]})[0];
        },
        {big, dsmall}, 1e-5, 1e-5);
  }
  expect_same([](const auto& in) { return F::prelu(in[0], full({3}, 0.1, in[0].options())); }, {x}, 1e-6, 1e-6);
  // prelu's fused kernel both ways (per-channel slopes, and one slope, which the CPU alone reads
  // on the host), the slopes' gradient summed over batch and pixels.
  for (const int64_t slopes : {3, 1}) {
    const Tensor w = rand({slopes}, gen) - 0.5, dx = randn({2, 3, 7, 5}, gen);
    expect_same(
        [](const auto& in) {
          Tensor leaf = in[0].detach().requires_grad_(true), wl = in[1].detach().requires_grad_(true);
          const auto g = autograd::grad({F::prelu(leaf, wl)}, {leaf, wl}, {in[2]});
          return cat({g[0].flatten(), g[1], F::prelu(in[0].to(kBFloat16), in[1].to(kBFloat16)).flatten().to(kFloat32)});
        },
        {x, w, dx}, 1e-5, 1e-5);
  }
  expect_same([](const auto& in) { return F::glu(in[0], 1) + F::logsigmoid(in[0].narrow(1, 0, 1)); }, {x}, 1e-6, 1e-6);
  const Tensor grid = rand({2, 4, 6, 2}, gen) * 2.4 - 1.2;
  for (const char* pad : {"zeros", "border", "reflection"}) {
    expect_same([&](const auto& in) { return F::grid_sample(in[0], in[1], {.padding_mode = pad}); }, {x, grid}, 1e-5,
                1e-5);
    expect_same([&](const auto& in) { return F::grid_sample(in[0], in[1], {.mode = "nearest", .padding_mode = pad}); },
                {x, grid}, 1e-6, 1e-6);
    expect_same([&](const auto& in) { return F::grid_sample(in[0], in[1], {.mode = "bicubic", .padding_mode = pad}); },
                {x, grid}, 1e-5, 1e-5);
    // The backward kernels: the image's gradient (atomics on the GPU) and the grid's.
    for (const char* mode : {"bilinear", "bicubic"})
      for (int which = 0; which < 2; ++which)
        expect_same(
            [&](const auto& in) {
              Tensor image = in[0].detach().requires_grad_(true), at = in[1].detach().requires_grad_(true);
              const Tensor out = F::grid_sample(image, at, {.mode = mode, .padding_mode = pad});
              return autograd::grad({out}, {which == 0 ? image : at}, {in[2]})[0];
            },
            {x, grid, randn({2, 3, 4, 6}, gen)}, 1e-5, 1e-5);
    // 3-D: trilinear and nearest forward, and both gradients.
    const Tensor volume = randn({2, 3, 4, 5, 6}, gen), grid3 = rand({2, 3, 4, 2, 3}, gen) * 2.4 - 1.2;
    expect_same([&](const auto& in) { return F::grid_sample(in[0], in[1], {.padding_mode = pad}); }, {volume, grid3},
                1e-5, 1e-5);
    expect_same([&](const auto& in) { return F::grid_sample(in[0], in[1], {.mode = "nearest", .padding_mode = pad}); },
                {volume, grid3}, 1e-6, 1e-6);
    for (int which = 0; which < 2; ++which)
      expect_same(
          [&](const auto& in) {
            Tensor image = in[0].detach().requires_grad_(true), at = in[1].detach().requires_grad_(true);
            const Tensor out = F::grid_sample(image, at, {.padding_mode = pad, .align_corners = true});
            return autograd::grad({out}, {which == 0 ? image : at}, {in[2]})[0];
          },
          {volume, grid3, randn({2, 3, 3, 4, 2}, gen)}, 1e-5, 1e-5);
  }
  expect_same([](const auto& in) { return std::get<0>(unique_dim(in[0], 1)); }, {randint(0, 2, {3, 40}, gen)}, 0, 0);
}

TEST(Cuda, AdamStepsMatchTheCpu) {
  TG_REQUIRE_CUDA();
  for (bool amsgrad : {false, true}) {
    auto run = [amsgrad](Device d) {
      Generator gen(12);
      Tensor p = randn({100}, gen).to(d).requires_grad_(true);
      const Tensor target = randn({100}, gen).to(d);
      optim::AdamW opt({p}, optim::AdamOptions{.lr = 1e-2, .weight_decay = 0.1, .amsgrad = amsgrad});
      for (int step = 0; step < 5; ++step) {
        opt.zero_grad();
        ((p - target) * (p - target)).sum().backward();
        opt.step();
      }
      return p.detach().cpu();
    };
    EXPECT_TRUE(close(run(Device::cuda()), run(Device::cpu()), 1e-5, 1e-6));
  }
}

// The fused layer-norm and cross-entropy kernels: values and every gradient against the CPU's
// kernels, rows wider than a block and narrower than a warp.
TEST(Cuda, FusedLayerNormAndCrossEntropyMatchTheCpu) {
  TG_REQUIRE_CUDA();
  Generator gen(31);
  for (DType dt : {kFloat32, kFloat64}) {
    const double tol = dt == kFloat32 ? 1e-4 : 1e-10;
    for (int64_t cols : {5, 96, 1000}) {
      SCOPED_TRACE(fmt::format("{} cols={}", dt, cols));
      const Tensor x = randn({300, cols}, gen, dt) * 2.0 + 1.0, w = randn({cols}, gen, dt), b = randn({cols}, gen, dt);
      const Tensor g = randn({300, cols}, gen, dt);
      auto ln = [&](Device d) {
        Tensor xi = x.to(d).requires_grad_(true), wi = w.to(d).requires_grad_(true), bi = b.to(d).requires_grad_(true);
        Tensor y = F::layer_norm(xi, {cols}, wi, bi);
        y.backward(g.to(d));
        return std::vector<Tensor>{y.detach().cpu(), xi.grad().cpu(), wi.grad().cpu(), bi.grad().cpu()};
      };
      const auto lc = ln(Device::cpu()), lg = ln(Device::cuda());
      for (size_t i = 0; i < lc.size(); ++i) EXPECT_TRUE(close(lg[i], lc[i], tol, tol)) << "layer_norm output " << i;

      Tensor target = randint(0, cols, {300}, gen, kInt64);
      target.index_put_({tensor({7})}, tensor({-100}));
      for (double eps : {0.0, 0.1}) {
        for (bool weighted : {false, true}) {
          for (auto red : {F::Reduction::Mean, F::Reduction::None}) {
            auto ce = [&](Device d) {
              Tensor xi = x.to(d).requires_grad_(true);
              const F::CrossEntropyOptions o{.weight = weighted ? (w.abs() + 0.1).to(d) : Tensor(), .reduction = red,
                                             .label_smoothing = eps};
              Tensor l = F::cross_entropy(xi, target.to(d), o);
              l.backward(red == F::Reduction::None ? g.select(1, 0).to(d) : ones({}, TensorOptions(dt).device(d)));
              return std::vector<Tensor>{l.detach().cpu(), xi.grad().cpu()};
            };
            const auto cc = ce(Device::cpu()), cg = ce(Device::cuda());
            EXPECT_TRUE(close(cg[0], cc[0], tol, tol)) << "cross_entropy eps=" << eps << " weighted=" << weighted;
            EXPECT_TRUE(close(cg[1], cc[1], tol, tol)) << "cross_entropy grad eps=" << eps << " weighted=" << weighted;
          }
        }
      }
      EXPECT_THROW_WITH(F::cross_entropy(x.cuda(), full({300}, cols, kInt64).cuda()), IndexError, "out of bounds");
    }
  }
  // [N, C, H, W] logits: the class stride is the positions' count.
  for (DType dt : {kFloat32, kFloat64}) {
    const Tensor x = tgtest::sample(gen, {3, 7, 5, 6}, tgtest::kAnyValue, dt);
    Tensor target = randint(0, 7, {3, 5, 6}, gen, kInt64);
    target.view({-1}).index_put_({tensor({4})}, tensor({-100}));
    const Tensor w = tgtest::sample(gen, {7}, tgtest::kPositive, dt);
    for (auto red : {F::Reduction::Mean, F::Reduction::None}) {
      auto ce = [&](Device d) {
        Tensor xi = x.to(d).requires_grad_(true);
        Tensor l = F::cross_entropy(xi, target.to(d), {.weight = w.to(d), .reduction = red, .label_smoothing = 0.1});
        l.backward(red == F::Reduction::None ? ones({3, 5, 6}, TensorOptions(dt).device(d)) * 0.5
                                             : ones({}, TensorOptions(dt).device(d)));
        return std::vector<Tensor>{l.detach().cpu(), xi.grad().cpu()};
      };
      const auto cc = ce(Device::cpu()), cg = ce(Device::cuda());
      EXPECT_TRUE(close(cg[0], cc[0], 1e-5, 1e-5)) << "spatial cross_entropy";
      EXPECT_TRUE(close(cg[1], cc[1], 1e-5, 1e-5)) << "spatial cross_entropy grad";
    }
  }
}

// linear / addmm with the bias fused by cuBLASLt's epilogue (aligned operands) or added after the
// GEMM (a view at an offset, batched products), against the CPU.
TEST(Cuda, LinearWithFusedBiasMatchesTheCpu) {
  TG_REQUIRE_CUDA();
  Generator gen(17);
  for (DType dt : {kFloat32, kFloat64, kBFloat16}) {
    const double tol = dt == kBFloat16 ? 3e-2 : 1e-4;
    const Tensor x = randn({4, 65, 96}, gen).to(dt), w = randn({72, 96}, gen).to(dt), b = randn({72}, gen).to(dt);
    expect_same([](const auto& in) { return F::linear(in[0], in[1], in[2]); }, {x, w, b}, tol, tol);
    expect_same([](const auto& in) { return addmm(in[2], in[0].select(0, 1), in[1].t()); }, {x, w, b}, tol, tol);
    expect_same([](const auto& in) { return addmm(in[2], in[0].select(0, 1).narrow(0, 1, 60), in[1].t()); }, {x, w, b},
                tol, tol);  // a row offset: not 256-byte aligned
    expect_same([](const auto& in) { return addmm(in[2].view({1, 72}), in[0].select(0, 2), in[1].t()); }, {x, w, b}, tol,
                tol);
    // Gradients through AddmmBackward.
    auto grads = [&](Device d) {
      Tensor xi = x.to(d).requires_grad_(true), wi = w.to(d).requires_grad_(true), bi = b.to(d).requires_grad_(true);
      F::linear(xi, wi, bi).sum().backward();
      return std::vector<Tensor>{xi.grad().cpu(), wi.grad().cpu(), bi.grad().cpu()};
    };
    const auto gc = grads(Device::cpu()), gg = grads(Device::cuda());
    for (size_t i = 0; i < gc.size(); ++i)
      EXPECT_TRUE(close(gg[i].to(kFloat32), gc[i].to(kFloat32), tol * 4, tol * 8)) << fmt::format("{} grad {}", dt, i);
  }
}

// The multi-tensor Adam launch: more tensors than one launch carries, tensors longer than a
// launch's blocks, and tensors of one element, against the CPU's step.
TEST(Cuda, MultiTensorAdamMatchesTheCpu) {
  TG_REQUIRE_CUDA();
  Generator gen(8);
  std::vector<Shape> shapes;
  for (int i = 0; i < 60; ++i) shapes.push_back({1 + (i * 7919) % 5000});
  shapes.push_back({320 * 65536 + 12345});  // over one launch's blocks by itself
  shapes.push_back({1});
  std::vector<Tensor> start, grads;
  for (const Shape& s : shapes) {
    start.push_back(randn(s, gen));
    grads.push_back(randn(s, gen));
  }
  auto run = [&](Device d) {
    tensor_list params;
    for (const Tensor& t : start) params.push_back(t.to(d).requires_grad_(true));
    optim::Adam opt(params, optim::AdamOptions{.lr = 1e-2, .weight_decay = 0.01});
    for (int step = 0; step < 3; ++step) {
      for (size_t i = 0; i < params.size(); ++i) params[i].set_grad((grads[i] * (step + 1.0)).to(d));
      opt.step();
    }
    tensor_list out;
    for (const Tensor& p : params) out.push_back(p.detach().cpu());
    return out;
  };
  const tensor_list cpu = run(Device::cpu()), gpu = run(Device::cuda());
  for (size_t i = 0; i < cpu.size(); ++i) EXPECT_TRUE(close(gpu[i], cpu[i], 1e-5, 1e-6)) << "tensor " << i;
}

TEST(CudaErrors, DataLoaderPinsBatchesWhenAGpuIsThere) {
  data::TensorDataset ds(arange(12, kFloat32).view({6, 2}), arange(6, kInt64));
  data::DataLoader loader(ds, {.batch_size = 4, .num_workers = 1, .pin_memory = true});
  int64_t seen = 0;
  for (const data::Example& b : loader) {
    EXPECT_EQ(b.data.is_pinned(), cuda::is_available());
    EXPECT_EQ(b.target.is_pinned(), cuda::is_available());
    seen += b.data.size(0);
  }
  EXPECT_EQ(seen, 6);
}

TEST(Cuda, GradcheckInFloat64OnTheGpu) {
  TG_REQUIRE_CUDA();
  Generator gen(14);
  auto leaf_on_gpu = [&](const Shape& s) { return randn(s, gen, kFloat64).to(Device::cuda()).requires_grad_(true); };
  const Tensor x = leaf_on_gpu({3, 4}), w = leaf_on_gpu({4, 5});
  EXPECT_TRUE(autograd::gradcheck([](const tensor_list& in) { return tensor_list{log_softmax(tanh(matmul(in[0], in[1])), 1)}; },
                                  {x, w}));
  const Tensor img = leaf_on_gpu({2, 2, 5, 5}), k = leaf_on_gpu({3, 2, 3, 3});
  EXPECT_TRUE(autograd::gradcheck(
      [](const tensor_list& in) {
        const Tensor y = F::conv2d(in[0], in[1], {.padding = 1});
        return tensor_list{F::max_pool2d(y, F::MaxPool2dOptions{.kernel_size = 2}).sigmoid()};
      },
      {img, k}));
  const Tensor bn = leaf_on_gpu({4, 3, 2});
  EXPECT_TRUE(autograd::gradcheck(
      [&](const tensor_list& in) {
        return tensor_list{F::batch_norm(in[0], Tensor(), Tensor(), F::BatchNormOptions{.training = true}) * 1.5};
      },
      {bn}));
}

TEST(CudaErrors, AutocastRegionsCastMatmulsDownAndSoftmaxUp) {
  Generator gen(15);
  Tensor w = randn({4, 3}, gen).requires_grad_(true);
  const Tensor x = randn({2, 4}, gen);
  Tensor y, p;
  {
    auto region = autocast(kBFloat16, kCPU);
    EXPECT_TRUE(amp::is_autocast_enabled(kCPU));
    EXPECT_FALSE(amp::is_autocast_enabled(kCUDA));
    y = matmul(x, w);
    p = log_softmax(y, 1);
    EXPECT_EQ(matmul(x.to(kFloat64), w.to(kFloat64)).dtype(), kFloat64);  // float64 is left alone
  }
  EXPECT_FALSE(amp::is_autocast_enabled(kCPU));
  EXPECT_EQ(y.dtype(), kBFloat16);
  EXPECT_EQ(p.dtype(), kFloat32);
  p.sum().backward();
  EXPECT_EQ(w.grad().dtype(), kFloat32);  // the recorded cast brings the gradient back up
  EXPECT_THROW_WITH(AutocastGuard(kFloat32, kCPU), ValueError, "bfloat16 or float16");
}

// A parameter used by several ops in one region is cast once; the cache empties when the
// outermost region ends, and an in-place change (a new version) gets a fresh cast.
TEST(CudaErrors, AutocastCastsEachParameterOncePerRegion) {
  Generator gen(16);
  Tensor w = randn({4, 4}, gen).requires_grad_(true);
  const Tensor x = randn({2, 4}, gen);
  Tensor out;
  {
    auto region = autocast(kBFloat16, kCPU);
    Tensor h = matmul(x, w);
    {
      auto inner = autocast(kBFloat16, kCPU);
      h = matmul(h, w);
    }
    EXPECT_EQ(amp::autocast_cache_size(kCPU), 1u);  // an inner region keeps the outer one's cache
    out = matmul(h, w);
    EXPECT_EQ(amp::autocast_cache_size(kCPU), 1u);
    {
      NoGradGuard no_grad;
      w.add_(0.0);  // a new version: the next use casts again
    }
    (void)matmul(x, w);
    EXPECT_EQ(amp::autocast_cache_size(kCPU), 1u);
    {
      NoGradGuard no_grad;  // casts under no_grad are not cached (they record no backward)
      Tensor v = randn({4, 4}, gen).requires_grad_(true);
      (void)matmul(x, v);
    }
    EXPECT_EQ(amp::autocast_cache_size(kCPU), 1u);
  }
  EXPECT_EQ(amp::autocast_cache_size(kCPU), 0u);
  // The gradient through the shared cast sums the three uses, as without the cache.
  out.sum().backward();
  Tensor w2 = w.detach().clone().requires_grad_(true);
  const Tensor wb = w2.to(kBFloat16);
  matmul(matmul(matmul(x.to(kBFloat16), wb), wb), wb).sum().backward();
  EXPECT_TRUE(close(w.grad(), w2.grad(), 1e-2, 1e-2));
}

TEST(Cuda, SequenceModulesMatchTheCpu) {
  TG_REQUIRE_CUDA();
  manual_seed(31);
  // The same modules (copies of one state) on both devices: outputs and every parameter's gradient.
  auto compare = [](nn::Module& cpu, nn::Module& gpu, const std::function<Tensor(nn::Module&, bool)>& run) {
    gpu.load_state_dict(cpu.state_dict());
    run(cpu, false).sum().backward();
    Tensor out = run(gpu, true);
    out.sum().backward();
    EXPECT_TRUE(close(out.cpu(), run(cpu, false), 1e-10, 1e-12));
    auto gp = gpu.named_parameters();
    for (const auto& [name, p] : cpu.named_parameters())
      EXPECT_TRUE(close(gp[name].grad().cpu(), p.grad(), 1e-9, 1e-11)) << name;
  };
  Tensor x = randn({6, 3, 4}, kFloat64);
  auto dev = [](const Tensor& t, bool gpu) { return gpu ? on_gpu(t) : t; };
  nn::LSTM lstm(4, 5, {.num_layers = 2, .bidirectional = true, .proj_size = 3}),
      lstm_gpu(4, 5, {.num_layers = 2, .bidirectional = true, .proj_size = 3});
  lstm->to(kFloat64);
  lstm_gpu->to(Device::cuda(), kFloat64);
  compare(*lstm, *lstm_gpu,
          [&](nn::Module& m, bool gpu) { return std::get<0>(static_cast<nn::LSTMImpl&>(m).forward(dev(x, gpu))); });
  // A packed batch: sequences of different lengths, unsorted, the indices on the GPU.
  compare(*lstm, *lstm_gpu, [&](nn::Module& m, bool gpu) {
    namespace R = nn::utils::rnn;
    const R::PackedSequence packed = R::pack_padded_sequence(dev(x, gpu), tensor({4, 6, 1}), false, false);
    auto [out, state] = static_cast<nn::LSTMImpl&>(m).forward_with_packed_input(packed);
    return std::get<0>(R::pad_packed_sequence(out, true)) + std::get<1>(state).sum();
  });
  // Without a projection, each layer and direction runs as one node on the lstm_cell kernels (the
  // GRU's below on gru_cell, the RNN's in tensor ops).
  nn::LSTM plain(4, 5, {.num_layers = 2, .bidirectional = true}),
      plain_gpu(4, 5, {.num_layers = 2, .bidirectional = true});
  plain->to(kFloat64);
  plain_gpu->to(Device::cuda(), kFloat64);
  compare(*plain, *plain_gpu, [&](nn::Module& m, bool gpu) {
    auto [out, state] = static_cast<nn::LSTMImpl&>(m).forward(dev(x, gpu));
    return out + std::get<1>(state).sum();
  });
  // The GRU's and the RNN's: outputs and final states.
  const nn::RNNOptions two_ways{.num_layers = 2, .bidirectional = true};
  auto compare_layers = [&]<class Holder>(Holder cpu, Holder gpu) {
    cpu->to(kFloat64);
    gpu->to(Device::cuda(), kFloat64);
    compare(*cpu, *gpu, [&](nn::Module& m, bool on) {
      auto [out, hn] = static_cast<std::remove_reference_t<decltype(*cpu)>&>(m).forward(dev(x, on));
      return out + hn.sum();
    });
  };
  compare_layers(nn::GRU(4, 5, two_ways), nn::GRU(4, 5, two_ways));
  compare_layers(nn::RNN(4, 5, two_ways), nn::RNN(4, 5, two_ways));
  nn::GRUCell cell(4, 5), cell_gpu(4, 5);
  cell->to(kFloat64);
  cell_gpu->to(Device::cuda(), kFloat64);
  compare(*cell, *cell_gpu, [&](nn::Module& m, bool gpu) { return m.forward(dev(x[0], gpu)); });
  const nn::TransformerOptions o{
      .d_model = 4, .nhead = 2, .num_encoder_layers = 1, .num_decoder_layers = 1, .dim_feedforward = 8, .dropout = 0.0};
  nn::Transformer model(o), model_gpu(o);
  model->to(kFloat64);
  model_gpu->to(Device::cuda(), kFloat64);
  Tensor tgt = randn({5, 3, 4}, kFloat64);
  compare(*model, *model_gpu, [&](nn::Module& m, bool gpu) {
    Tensor mask =
        nn::TransformerImpl::generate_square_subsequent_mask(5, TensorOptions(kFloat64).device(dev(x, gpu).device()));
    return static_cast<nn::TransformerImpl&>(m).forward(dev(x, gpu), dev(tgt, gpu), {.tgt_mask = mask});
  });
}

TEST(Cuda, DeterministicModeRefusesTheAtomicKernels) {
  TG_REQUIRE_CUDA();
  struct Reset {
    ~Reset() { use_deterministic_algorithms(false); }
  } reset;
  Generator gen(21);
  const Tensor x = randn({2, 3, 8, 8}, gen).cuda().requires_grad_(true);
  const Tensor idx = randint(0, 4, {3, 5}, gen, kInt64).cuda(), src = randn({3, 5}, gen).cuda();
  use_deterministic_algorithms(true);
  EXPECT_THROW_WITH(zeros({3, 4}).cuda().scatter_add(1, idx, src), Error, "scatter (add)");
  EXPECT_THROW_WITH(zeros({4}).cuda().index_put({idx.flatten()}, src.flatten(), true), Error,
                    "index_put_ (accumulate)");
  EXPECT_THROW_WITH(F::max_pool2d(x, {.kernel_size = 3, .stride = nn::Size2(2)}).sum().backward(), Error,
                    "max_pool2d_backward");
  // Integer sums and the deterministic kernels still run; convolutions pick deterministic algorithms.
  EXPECT_EQ(zeros({3, 4}, kInt64).cuda().scatter_add(1, idx, ones({3, 5}, kInt64).cuda()).sum().item<int64_t>(), 15);
  const Tensor w = randn({4, 3, 3, 3}, gen).cuda().requires_grad_(true);
  F::conv2d(x, w).pow(2).sum().backward();
  const Tensor gw = w.grad().clone();
  w.mutable_grad().zero_();
  F::conv2d(x, w).pow(2).sum().backward();
  EXPECT_TRUE(equal(w.grad(), gw));
  use_deterministic_algorithms(true, /*warn_only=*/true);
  std::vector<std::string> warned;
  detail::set_warning_handler([&](const std::string& m) { warned.push_back(m); });
  zeros({3, 4}).cuda().scatter_add(1, idx, src);
  detail::set_warning_handler(nullptr);
  EXPECT_EQ(warned.size(), 1u);
}
