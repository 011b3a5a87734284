// Tensors, dtypes, devices, factories, conversions and element access.
#include <cstring>
#include <map>
#include <numeric>

#include "test_util.h"

using namespace tg;
using tgtest::close;
using tgtest::vals;

TEST(DType, PromotionFollowsPyTorch) {
  EXPECT_EQ(promote_types(kInt32, kInt64), kInt64);
  EXPECT_EQ(promote_types(kBool, kUInt8), kUInt8);
  EXPECT_EQ(promote_types(kInt64, kFloat16), kFloat16);
  EXPECT_EQ(promote_types(kFloat16, kBFloat16), kFloat32);
  EXPECT_EQ(promote_types(kFloat32, kFloat64), kFloat64);
  EXPECT_EQ(promote_types(kUInt8, kInt8), kInt16);
  EXPECT_EQ(promote_types(kInt16, kUInt8), kInt16);
  EXPECT_EQ(promote_types(kInt16, kInt32), kInt32);
  EXPECT_EQ(promote_types(kInt16, kFloat16), kFloat16);
  EXPECT_TRUE(can_cast(kInt64, kFloat32));
  EXPECT_FALSE(can_cast(kFloat32, kInt64));
  EXPECT_FALSE(can_cast(kInt32, kBool));
  EXPECT_EQ(name(kBFloat16), "bfloat16");
  EXPECT_EQ(itemsize(kFloat16), 2u);
}

TEST(DType, ResultTypeOfTensorsAndNumbers) {
  Tensor i32 = ones({3}, kInt32), f16 = ones({3}, kFloat16), b = ones({3}, kBool);
  EXPECT_EQ((i32 + 2).dtype(), kInt32);            // a number does not widen a tensor of its kind
  EXPECT_EQ((i32 + 2.5).dtype(), kFloat32);        // a float number makes an int tensor float
  EXPECT_EQ((f16 * 2.5).dtype(), kFloat16);
  EXPECT_EQ((b + 1).dtype(), kInt64);
  EXPECT_EQ((i32 + ones({}, kInt64)).dtype(), kInt32);   // 0-dim tensors rank below dimensioned ones
  EXPECT_EQ((i32 + ones({}, kFloat64)).dtype(), kFloat64);  // ... unless of a higher category
  EXPECT_EQ((i32 + ones({3}, kInt64)).dtype(), kInt64);
  EXPECT_EQ((i32 / 2).dtype(), kFloat32);          // true division
  EXPECT_EQ(exp(i32).dtype(), kFloat32);
}

TEST(DType, DefaultDtypeCanBeFloat64) {
  set_default_dtype(kFloat64);
  EXPECT_EQ(zeros({2}).dtype(), kFloat64);
  EXPECT_EQ(tensor({1.5}).dtype(), kFloat64);
  set_default_dtype(kFloat32);
  EXPECT_EQ(zeros({2}).dtype(), kFloat32);
  EXPECT_THROW_WITH(set_default_dtype(kInt64), TypeError, "float32 and float64");
}

TEST(Half, RoundTripsAndRounds) {
  for (float f : {0.0f, 1.0f, -2.5f, 65504.0f, 6.1035156e-05f, 5.9604645e-08f, 0.1f})
    EXPECT_NEAR(static_cast<float>(Half(f)), f, std::fabs(f) * 1e-3f + 1e-7f) << f;
  EXPECT_TRUE(std::isinf(static_cast<float>(Half(70000.0f))));
  EXPECT_TRUE(std::isnan(static_cast<float>(Half(NAN))));
  EXPECT_EQ(Half(1.0f).bits, 0x3c00);
  EXPECT_EQ(static_cast<float>(BFloat16(1.0f)), 1.0f);
  EXPECT_NEAR(static_cast<float>(BFloat16(3.14159f)), 3.14159f, 0.02f);
  // Every float16 value (NaNs aside) comes back from float unchanged, subnormals included, and a
  // float halfway between two of them rounds to the even one.
  for (uint32_t b = 0; b < 0x10000u; ++b) {
    const Half h = Half::from_bits(static_cast<uint16_t>(b));
    const float f = static_cast<float>(h);
    if (std::isnan(f)) {
      EXPECT_EQ(b & 0x7c00u, 0x7c00u);
      continue;
    }
    ASSERT_EQ(Half(f).bits, b) << f;
  }
  EXPECT_EQ(Half(1.0f + 0.5f / 1024).bits, 0x3c00);  // halfway to 0x3c01: even
  EXPECT_EQ(Half(1.0f + 1.5f / 1024).bits, 0x3c02);  // halfway to 0x3c02 from 0x3c01: even
  EXPECT_EQ(Half(-0.0f).bits, 0x8000);
}

// float32 <-> float16 copies (eight at a time where the CPU converts vectors, the rest one by one)
// agree with the scalar conversion, values past the range included.
TEST(Half, TensorCopiesMatchTheScalarConversion) {
  const Tensor x = cat({randn({1003}) * 3000.0, tensor({70000.0f, -1e-7f, 3e-8f, NAN, INFINITY})});
  const Tensor h = x.to(kFloat16);
  const std::vector<float> xs = x.to_vector<float>();
  const Tensor back = h.to(kFloat32);
  const std::vector<float> bs = back.to_vector<float>();
  for (size_t i = 0; i < xs.size(); ++i) {
    const float want = static_cast<float>(Half(xs[i]));
    if (std::isnan(want))
      EXPECT_TRUE(std::isnan(bs[i]));
    else
      EXPECT_EQ(bs[i], want) << xs[i];
  }
  EXPECT_TRUE(equal(back.to(kFloat16).narrow(0, 0, 1006), h.narrow(0, 0, 1006)));  // half -> float -> half
  EXPECT_TRUE(equal(x.narrow(0, 3, 500).to(kFloat16), h.narrow(0, 3, 500)));       // an unaligned start
}

TEST(Device, ParsesAndPrints) {
  EXPECT_EQ(Device("cpu"), Device::cpu());
  EXPECT_EQ(Device("cuda:1"), Device::cuda(1));
  EXPECT_EQ(Device("cuda").str(), "cuda:0");
  EXPECT_THROW_WITH(Device("gpu"), ValueError, "\"gpu\"");
  EXPECT_THROW_WITH(Device("cuda:x"), ValueError, "cuda:x");
}

TEST(Device, CudaTensorsFailClearlyInThisBuild) {
  EXPECT_THROW_WITH(zeros({2}, Device::cuda()), Error, "cuda:0");
  EXPECT_THROW_WITH(ones({2}).to(Device::cuda()), Error, "CUDA");
  EXPECT_THROW_WITH(ones({2}).cuda(), Error, "CUDA");
}

TEST(Shape, InlineUpToEightDims) {
  Shape s{2, 3, 4};
  EXPECT_EQ(s.numel(), 24);
  EXPECT_EQ(s.str(), "[2, 3, 4]");
  EXPECT_EQ(contiguous_strides(s), (Shape{12, 4, 1}));
  EXPECT_THROW_WITH((Shape{1, 1, 1, 1, 1, 1, 1, 1, 1}), Error, "at most 8 dims");
  EXPECT_EQ(broadcast_shapes({3, 1}, {4}, "op"), (Shape{3, 4}));
  EXPECT_THROW_WITH(broadcast_shapes({3}, {4}, "add"), Error, "add: shapes [3] and [4] are not broadcastable");
}

TEST(Factories, Filled) {
  EXPECT_EQ(vals(zeros({2, 2})), (std::vector<double>{0, 0, 0, 0}));
  EXPECT_EQ(vals(ones({3}, kInt32)), (std::vector<double>{1, 1, 1}));
  EXPECT_EQ(full({2}, 7).dtype(), kInt64);
  EXPECT_EQ(full({2}, 7.5).dtype(), kFloat32);
  EXPECT_EQ(full({2}, true).dtype(), kBool);
  EXPECT_EQ(vals(full({2}, 2.5, kFloat64)), (std::vector<double>{2.5, 2.5}));
  EXPECT_EQ(scalar_tensor(3).dim(), 0);
  EXPECT_EQ(empty({0, 3}).numel(), 0);
  EXPECT_THROW_WITH(zeros({-1, 2}), ValueError, "negative dimension");
  EXPECT_THROW_WITH(zeros({1LL << 40, 1LL << 40}), ValueError, "too many elements");
}

// empty_strided: the storage reaches the furthest element, whatever the strides.
TEST(Factories, EmptyStrided) {
  const Tensor t = empty_strided({2, 3}, {1, 2});
  EXPECT_EQ(t.strides(), (Shape{1, 2}));
  EXPECT_EQ(t.storage()->nbytes(), 6 * sizeof(float));
  EXPECT_FALSE(t.is_contiguous());
  EXPECT_EQ(empty_strided({4, 2}, {0, 1}, kInt64).storage()->nbytes(), 2 * sizeof(int64_t));
  EXPECT_EQ(empty_strided({0, 5}, {5, 1}).storage()->nbytes(), 0u);
  EXPECT_TRUE(empty_strided({2}, {1}, TensorOptions().requires_grad(true)).requires_grad());
  Tensor filled = empty_strided({2, 2}, {1, 2});
  filled.copy_(tensor({{1.0f, 2.0f}, {3.0f, 4.0f}}));
  EXPECT_EQ(vals(filled.contiguous()), (std::vector<double>{1, 2, 3, 4}));
  EXPECT_THROW_WITH(empty_strided({2, 3}, {1}), ValueError, "size [2, 3] and stride [1] have different lengths");
  EXPECT_THROW_WITH(empty_strided({2}, {-1}), ValueError, "negative stride -1");
  EXPECT_THROW_WITH(empty_strided({1LL << 40, 2}, {1LL << 40, 1}), ValueError, "too many elements");
}

TEST(Factories, Ranges) {
  EXPECT_EQ(vals(arange(5)), (std::vector<double>{0, 1, 2, 3, 4}));
  EXPECT_EQ(arange(5).dtype(), kInt64);
  EXPECT_EQ(vals(arange(1, 2, 0.25)), (std::vector<double>{1, 1.25, 1.5, 1.75}));
  EXPECT_EQ(arange(1, 2, 0.25).dtype(), kFloat32);
  EXPECT_EQ(vals(arange(10, 0, -3)), (std::vector<double>{10, 7, 4, 1}));
  EXPECT_THROW_WITH(arange(0, 5, 0), ValueError, "step must be non-zero");
  EXPECT_THROW_WITH(arange(0, 5, -1), ValueError, "different directions");
  Tensor l = linspace(0, 1, 5, kFloat64);
  EXPECT_EQ(vals(l), (std::vector<double>{0, 0.25, 0.5, 0.75, 1}));
  EXPECT_EQ(linspace(0, 1, 0).numel(), 0);
  EXPECT_EQ(vals(linspace(-10, 10, 1)), (std::vector<double>{-10}));  // one step is the start, as in torch
  EXPECT_EQ(vals(logspace(2, 3, 1, 2.0)), (std::vector<double>{4}));
  EXPECT_EQ(vals(logspace(0, 3, 4, 10.0, kFloat64)), (std::vector<double>{1, 10, 100, 1000}));
  EXPECT_EQ(vals(logspace(-1, 1, 3, 2.0)), (std::vector<double>{0.5, 1, 2}));
  EXPECT_EQ(logspace(0, 1, 3).dtype(), kFloat32);
  EXPECT_THROW_WITH(logspace(0, 1, -1), ValueError, "logspace: number of steps must be non-negative, got -1");
  EXPECT_EQ(vals(eye(2, 3)), (std::vector<double>{1, 0, 0, 0, 1, 0}));
  EXPECT_EQ(eye(3).sizes(), (Shape{3, 3}));
}

TEST(Factories, RandomIsSeededAndInRange) {
  manual_seed(7);
  Tensor a = rand({1000});
  manual_seed(7);
  Tensor b = rand({1000});
  EXPECT_TRUE(equal(a, b));
  EXPECT_GE(a.min().item<double>(), 0.0);
  EXPECT_LT(a.max().item<double>(), 1.0);
  EXPECT_NEAR(a.mean().item<double>(), 0.5, 0.05);
  Tensor n = randn({20000}, kFloat64);
  EXPECT_NEAR(n.mean().item<double>(), 0.0, 0.03);
  EXPECT_NEAR(n.std().item<double>(), 1.0, 0.03);
  Tensor r = randint(3, 9, {1000});
  EXPECT_EQ(r.dtype(), kInt64);
  EXPECT_EQ(r.min().item<int64_t>(), 3);
  EXPECT_EQ(r.max().item<int64_t>(), 8);
  Generator g1(42), g2(42);
  EXPECT_TRUE(equal(randn({5}, g1), randn({5}, g2)));
  Tensor p = randperm(10);
  EXPECT_EQ(vals(std::get<0>(p.sort())), (std::vector<double>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}));
  // On the device asked for (it was once left on the CPU), the same permutation for one seed.
  Generator g3(7), g4(7);
  if (cuda::is_available()) {
    Tensor on_gpu = randperm(6, g3, Device::cuda());
    EXPECT_EQ(on_gpu.device(), Device::cuda());
    EXPECT_TRUE(equal(on_gpu.cpu(), randperm(6, g4)));
  } else {
    // No device, or a build without the CUDA backend: either way randperm names itself.
    EXPECT_THROW_WITH(randperm(6, g3, Device::cuda()), Error, "randperm: ");
  }
  EXPECT_THROW_WITH(randint(5, 5, {2}), ValueError, "low < high");
  EXPECT_THROW_WITH(rand({2}, kInt64), TypeError, "floating-point");
}

// Element i of a draw depends only on the seed, the offset and i: not on the request's length (a
// shorter request is a prefix of a longer one, including the odd tails of a counter's elements and
// Box-Muller's pairs), nor on the thread count. Float results share one layout (16-bit ones are
// float32's, rounded).
TEST(Factories, RandomDrawsArePrefixesWhateverTheLengthAndThreads) {
  const int threads = get_num_threads();
  for (DType dt : {kFloat32, kFloat64, kFloat16, kBFloat16, kInt64}) {
    auto draw = [dt](int64_t n, int t) {
      set_num_threads(t);
      Generator g(11), g2(12);
      return dt == kInt64 ? randint(-1000000, 1000000, {n}, g) : cat({rand({n}, g, dt), randn({n}, g2, dt)});
    };
    const Tensor long_one = draw(100003, std::max(2, threads));
    for (int64_t n : {1, 2, 3, 5, 6, 7, 17, 63, 64, 65, 4099}) {
      const Tensor a = draw(n, 1);
      const Tensor prefix =
          dt == kInt64 ? long_one.narrow(0, 0, n) : cat({long_one.narrow(0, 0, n), long_one.narrow(0, 100003, n)});
      EXPECT_TRUE(equal(a, prefix)) << name(dt) << " n=" << n;
    }
  }
  set_num_threads(threads);
  Generator f(5), h(5), b(5);
  const Tensor f32 = randn({4096}, f, kFloat32);
  EXPECT_TRUE(equal(randn({4096}, h, kFloat16), f32.to(kFloat16)));
  EXPECT_TRUE(equal(randn({4096}, b, kBFloat16), f32.to(kBFloat16)));
  Generator big(3);
  const Tensor z = randn({1 << 22}, big);
  EXPECT_NEAR(z.mean().item<double>(), 0.0, 0.003);
  EXPECT_NEAR(z.std().item<double>(), 1.0, 0.003);
  EXPECT_GT(z.abs().max().item<double>(), 4.5);
  EXPECT_TRUE(isfinite(z).all().item<bool>());
}

TEST(Factories, RandpermShufflesUniformly) {
  // A Fisher-Yates shuffle: every one of the 24 orders of four elements about equally often
  // (expected 250 each in 6000; a bias of a swap's draw would move some by far more than 4 sigma).
  Generator gen(3);
  std::map<std::vector<int64_t>, int> seen;
  for (int t = 0; t < 6000; ++t) ++seen[randperm(4, gen).to_vector<int64_t>()];
  ASSERT_EQ(seen.size(), 24u);
  for (const auto& [order, count] : seen) EXPECT_NEAR(count, 250, 65) << order[0] << order[1] << order[2] << order[3];
  const Tensor big = randperm(100000, gen);
  EXPECT_TRUE(equal(std::get<0>(big.sort()), arange(100000, kInt64)));
  EXPECT_EQ(randperm(0, gen).numel(), 0);
  EXPECT_EQ(randperm(5, gen, kInt32).dtype(), kInt32);
  Generator a(8), b(8);
  EXPECT_TRUE(equal(randperm(1000, a), randperm(1000, b)));
  EXPECT_THROW_WITH(randperm(-1, gen), ValueError, "randperm: n must be non-negative, got -1");
}

TEST(Factories, Like) {
  Tensor x = ones({2, 3}, kFloat64);
  EXPECT_EQ(zeros_like(x).dtype(), kFloat64);
  EXPECT_EQ(zeros_like(x).sizes(), x.sizes());
  EXPECT_EQ(ones_like(x, kInt32).dtype(), kInt32);
  EXPECT_EQ(vals(full_like(x, 3)), std::vector<double>(6, 3.0));
  EXPECT_EQ(rand_like(x).sizes(), x.sizes());
  EXPECT_EQ(randn_like(x).dtype(), kFloat64);
  EXPECT_EQ(randint_like(x, 0, 2).sizes(), x.sizes());
  EXPECT_EQ(empty_like(x).sizes(), x.sizes());
  EXPECT_FALSE(zeros_like(x.requires_grad_(true)).requires_grad());
}

TEST(Factories, NestedListsAndVectors) {
  Tensor a = tensor({{1, 2, 3}, {4, 5, 6}});
  EXPECT_EQ(a.sizes(), (Shape{2, 3}));
  EXPECT_EQ(a.dtype(), kInt64);
  EXPECT_EQ(tensor({{1.5, 2}, {3, 4}}).dtype(), kFloat32);
  EXPECT_EQ(tensor({true, false}).dtype(), kBool);
  EXPECT_EQ(tensor({1, 2}, kFloat64).dtype(), kFloat64);
  EXPECT_EQ(tensor(2.5).dim(), 0);
  EXPECT_THROW_WITH(tensor({{1, 2}, {3}}), ValueError, "ragged");
  Tensor v = tensor(std::vector<float>{1, 2, 3});
  EXPECT_EQ(v.dtype(), kFloat32);
  EXPECT_EQ(tensor(std::vector<int>{1, 2}).dtype(), kInt32);
  EXPECT_EQ(tensor(std::vector<bool>{true}).dtype(), kBool);
  EXPECT_EQ(tensor(std::vector<long long>{5}).item<int64_t>(), 5);
}

TEST(Factories, FromBlobSharesMemoryAndRunsDeleter) {
  std::vector<float> data{1, 2, 3, 4, 5, 6};
  Tensor t = from_blob(data.data(), {2, 3}, kFloat32);
  data[4] = 50;
  EXPECT_EQ(t.to_vector<float>()[4], 50.0f);
  t.index_put_({0, 0}, 9.0);
  EXPECT_EQ(data[0], 9.0f);
  bool deleted = false;
  {
    Tensor u = from_blob(data.data(), {3}, {2}, [&](void*) { deleted = true; }, kFloat32);
    EXPECT_EQ(u.to_vector<float>(), (std::vector<float>{9, 3, 50}));
    EXPECT_TRUE(zeros({0, 3}).to_vector<int32_t>().empty());  // no copy into an empty vector's null data
  }
  EXPECT_TRUE(deleted);
  EXPECT_THROW_WITH(from_blob(nullptr, {2}), ValueError, "null pointer");
}

TEST(Tensor, ItemAndDataPtr) {
  Tensor x = tensor({3.5}, kFloat64);
  EXPECT_EQ(x.item<double>(), 3.5);
  EXPECT_TRUE(x.item().is_floating_point());
  EXPECT_EQ(tensor({7}).item<int64_t>(), 7);
  EXPECT_THROW_WITH(ones({2}).item(), ValueError, "only one-element tensors");
  EXPECT_EQ(x.data_ptr<double>()[0], 3.5);
  EXPECT_THROW_WITH(x.data_ptr<float>(), TypeError, "requested element type float32 but the tensor has dtype float64");
  EXPECT_THROW_WITH(Tensor().data_ptr<float>(), Error, "undefined");
  EXPECT_THROW_WITH(Tensor().to_vector<float>(), Error, "to_vector: the tensor is undefined");
}

TEST(Tensor, FloatToIntegerConversionsSaturateInEveryLane) {
  // Runs of eight in int32's range take one vector conversion; any other value sends its eight
  // to the saturating rule (NaN gives 0), and so does the tail: the edges of the range, the
  // infinities and NaN at every position of a vector, against the rule one element at a time.
  const float edge = 2147483648.0f;  // 2^31
  const std::vector<float> odd = {
      edge, -edge, std::nextafter(edge, 0.0f), 1e20f, -1e20f, INFINITY, -INFINITY, NAN, -0.75f, 0.75f, 2.5f, -2.5f};
  for (size_t at = 0; at < 17; ++at) {
    std::vector<float> v(27);
    for (size_t i = 0; i < v.size(); ++i) v[i] = static_cast<float>(i) * 3.25f - 40.0f;
    v[at] = odd[at % odd.size()];
    const Tensor x = from_blob(v.data(), {27}, kFloat32).clone();
    const std::vector<int64_t> l = x.to(kInt64).to_vector<int64_t>(), i32 = x.to(kInt32).to_vector<int64_t>();
    for (size_t i = 0; i < v.size(); ++i) {
      const float f = v[i];
      const int64_t want64 = f != f                         ? 0
                             : f >= 9.2233720368547758e18f  ? INT64_MAX
                             : f <= -9.2233720368547758e18f ? INT64_MIN
                                                            : static_cast<int64_t>(f);
      const int64_t want32 = f != f ? 0 : f >= edge ? INT32_MAX : f <= -edge ? INT32_MIN : static_cast<int64_t>(f);
      ASSERT_EQ(l[i], want64) << "value " << f << " at " << i;
      ASSERT_EQ(i32[i], want32) << "value " << f << " at " << i;
    }
    // float16 / bfloat16 take the same vectors, widened as they load: as their float32 values.
    for (DType dt : {kFloat16, kBFloat16}) {
      const Tensor h = x.to(dt), f = h.to(kFloat32);
      EXPECT_EQ(h.to(kInt64).to_vector<int64_t>(), f.to(kInt64).to_vector<int64_t>()) << name(dt) << " " << at;
      EXPECT_EQ(h.to(kInt32).to_vector<int64_t>(), f.to(kInt32).to_vector<int64_t>()) << name(dt) << " " << at;
    }
  }
}

TEST(Tensor, Int16TensorsComputeStoreAndConvert) {
  const Tensor x = tensor({300, -2, 32767}, kShort);
  EXPECT_EQ(x.dtype(), kInt16);
  EXPECT_EQ(x.element_size(), 2u);
  EXPECT_EQ(x.to_vector<int16_t>(), (std::vector<int16_t>{300, -2, 32767}));
  EXPECT_EQ(x.select(0, 1).item<int16_t>(), -2);
  EXPECT_EQ(vals(x + 1), (std::vector<double>{301, -1, -32768}));  // wraps, as PyTorch's
  EXPECT_EQ((x + 1).dtype(), kInt16);
  EXPECT_EQ((x * 2.5).dtype(), default_dtype());
  EXPECT_EQ(x.sum().dtype(), kInt64);  // integer sums widen, as PyTorch's
  EXPECT_EQ(x.sum().item<int64_t>(), 33065);
  EXPECT_EQ(vals(x.to(kFloat32)), (std::vector<double>{300, -2, 32767}));
  EXPECT_EQ(vals(tensor({1e6, -1e6, 2.9}).to(kInt16)), (std::vector<double>{32767, -32768, 2}));  // saturates
  EXPECT_EQ(vals(std::get<0>(x.sort())), (std::vector<double>{-2, 300, 32767}));
  EXPECT_EQ(vals(x.max()), (std::vector<double>{32767}));
  EXPECT_EQ(vals(where(x > 0, x, zeros_like(x))), (std::vector<double>{300, 0, 32767}));
  const Tensor r = randint(-5, 5, {1000}, kInt16);
  EXPECT_EQ(r.dtype(), kInt16);
  EXPECT_GE(r.min().item<int64_t>(), -5);
  EXPECT_LT(r.max().item<int64_t>(), 5);
  EXPECT_THROW_WITH(x.data_ptr<int32_t>(), TypeError, "requested element type int32 but the tensor has dtype int16");
  EXPECT_THROW_WITH(x.requires_grad_(), TypeError, "only floating-point and complex tensors can require gradients");
}

TEST(Tensor, ConversionsAndCopies) {
  Tensor x = tensor({1.7, -2.2, 3.0}, kFloat64);
  EXPECT_EQ(vals(x.to(kInt64)), (std::vector<double>{1, -2, 3}));
  EXPECT_EQ(vals(x.to(kBool)), (std::vector<double>{1, 1, 1}));
  EXPECT_NEAR(vals(x.to(kFloat16))[0], 1.7, 1e-3);
  EXPECT_NEAR(vals(x.to(kBFloat16))[1], -2.2, 1e-2);
  EXPECT_TRUE(x.to(kFloat64).is_same(x));
  EXPECT_FALSE(x.to(kFloat64, /*copy=*/true).is_same(x));
  Tensor c = x.clone();
  c.fill_(1);
  EXPECT_EQ(vals(x)[0], 1.7);
  Tensor y = zeros({2, 3});
  y.copy_(tensor({1.0, 2.0, 3.0}));  // broadcast
  EXPECT_EQ(vals(y), (std::vector<double>{1, 2, 3, 1, 2, 3}));
  y.zero_();
  EXPECT_EQ(vals(y.sum()), (std::vector<double>{0}));
  EXPECT_THROW_WITH(y.copy_(ones({4})), Error, "not broadcastable");
  // Non-finite and out-of-range conversions to integers saturate instead of being undefined.
  Tensor odd = tensor({NAN, 1e30, -1e30});
  EXPECT_EQ(vals(odd.to(kInt32)), (std::vector<double>{0, 2147483647, -2147483648.0}));
}

TEST(Tensor, CopyBetweenOverlappingViews) {
  Tensor x = arange(6, kFloat32);
  x.narrow(0, 1, 5).copy_(x.narrow(0, 0, 5));
  EXPECT_EQ(vals(x), (std::vector<double>{0, 0, 1, 2, 3, 4}));
  Tensor m = arange(4, kFloat32).view({2, 2});
  m.copy_(m.t());
  EXPECT_EQ(vals(m), (std::vector<double>{0, 2, 1, 3}));
}

TEST(Tensor, VersionCounterSharedWithViews) {
  Tensor x = zeros({4});
  Tensor v = x.narrow(0, 1, 2);
  const uint32_t before = x.version();
  v.add_(1);
  EXPECT_EQ(x.version(), before + 1);
  EXPECT_EQ(v.version(), x.version());
  x.mul_(2);
  EXPECT_EQ(v.version(), before + 2);
}

TEST(Tensor, ThreadsCanBeSet) {
  const int n = get_num_threads();
  set_num_threads(1);
  EXPECT_EQ(get_num_threads(), 1);
  set_num_threads(n);
  EXPECT_THROW_WITH(set_num_threads(0), ValueError, "positive");
}

// Denormals count as zero while set_flush_denormal(true) holds, on the caller's thread (a small
// tensor) and on the kernels' threads (a large one), and are back after set_flush_denormal(false).
TEST(Threads, FlushDenormal) {
  const float tiny = 1e-40f;  // a float32 denormal
  const Tensor small = full({3}, tiny), large = full({1 << 20}, tiny);
  if (!set_flush_denormal(true)) GTEST_SKIP() << "this CPU cannot flush denormals";
  EXPECT_EQ((small * 1.0f).abs().sum().item<float>(), 0.0f);
  EXPECT_EQ((large * 1.0f).ne(0).sum().item<int64_t>(), 0);
  EXPECT_TRUE(set_flush_denormal(false));
  EXPECT_EQ((small * 1.0f).to_vector<float>(), std::vector<float>(3, tiny));
  EXPECT_EQ((large * 1.0f).ne(0).sum().item<int64_t>(), 1 << 20);
}

TEST(TensorBasics, CpuOutOfMemoryIsAnErrorAndTheProcessGoesOn) {
  // 2^63 - 8 bytes: refused before any malloc (so under ASan too), as a failed malloc would be.
  EXPECT_THROW_WITH(empty({(int64_t{1} << 60) - 1}, kFloat64), OutOfMemoryError,
                    "out of memory: could not allocate 9223372036854775800 bytes on the CPU");
  EXPECT_THROW(empty({(int64_t{1} << 60) - 1}, kFloat64), Error);  // a tg::Error (Python: a RuntimeError)
  EXPECT_EQ(ones({3}).sum().item<float>(), 3.0f);
}
