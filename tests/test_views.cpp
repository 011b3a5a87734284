// View ops: values, shared storage, strides, and errors.
#include "test_util.h"

using namespace tg;
using tgtest::vals;

namespace {
Tensor grid() { return arange(24, kFloat32).view({2, 3, 4}); }
bool shares(const Tensor& a, const Tensor& b) { return a.storage() == b.storage(); }
}  // namespace

TEST(Views, ViewAndReshape) {
  Tensor x = grid().clone();  // not itself a view
  Tensor v = x.view({6, -1});
  EXPECT_EQ(v.sizes(), (Shape{6, 4}));
  EXPECT_TRUE(shares(v, x));
  EXPECT_TRUE(v.is_view());
  EXPECT_TRUE(v.base().is_same(x));
  EXPECT_THROW_WITH(x.view({5, -1}), Error, "invalid for input of size 24");
  EXPECT_THROW_WITH(x.view({-1, -1}), Error, "only one dimension can be inferred");
  Tensor t = x.transpose(0, 2);  // not viewable as flat
  EXPECT_THROW_WITH(t.view({-1}), Error, "use reshape()");
  Tensor r = t.reshape({-1});
  EXPECT_FALSE(shares(r, x));
  EXPECT_EQ(vals(r)[1], 12.0);
  EXPECT_TRUE(shares(x.reshape({4, 6}), x));
  EXPECT_EQ(x.flatten().sizes(), (Shape{24}));
  EXPECT_EQ(x.flatten(1).sizes(), (Shape{2, 12}));
  EXPECT_EQ(x.flatten(0, 1).sizes(), (Shape{6, 4}));
  EXPECT_EQ(x.unflatten(2, {2, 2}).sizes(), (Shape{2, 3, 2, 2}));
  EXPECT_EQ(x.unflatten(-1, {-1, 2}).sizes(), (Shape{2, 3, 2, 2}));
  EXPECT_THROW_WITH(x.unflatten(2, {3, 3}), Error, "invalid");
  EXPECT_EQ(scalar_tensor(1.0).flatten().sizes(), (Shape{1}));
}

// view(dtype): the same bytes as another type; the last dimension scales with the element size.
TEST(Views, ViewAsAnotherDtype) {
  const Tensor x = tensor({1.0f, -2.0f}).requires_grad_();
  const Tensor bits = x.view(kInt32);
  EXPECT_TRUE(shares(bits, x));
  EXPECT_FALSE(bits.requires_grad());
  EXPECT_EQ(bits.data_ptr<int32_t>()[0], 0x3f800000);
  const Tensor bytes = x.view(kUInt8);
  EXPECT_EQ(bytes.sizes(), (Shape{8}));
  EXPECT_EQ(bytes.data_ptr<uint8_t>()[3], 0x3f);
  const Tensor halves = x.view(kBFloat16);  // the upper half of 1.0f is bfloat16 1.0
  EXPECT_EQ(halves.sizes(), (Shape{4}));
  EXPECT_EQ(halves[1].item<double>(), 1.0);
  EXPECT_TRUE(allclose(bytes.view(kFloat32), x));
  // Strides and offset follow: rows of a 2-D tensor, and a column slice.
  const Tensor w = zeros({2, 3}, kInt64);
  const Tensor w32 = w.view(kInt32);
  EXPECT_EQ(w32.sizes(), (Shape{2, 6}));
  EXPECT_EQ(w32.strides(), (Shape{6, 1}));
  const Tensor tail = zeros({4, 4}, kUInt8).narrow(1, 2, 2);  // offset 2, stride 4
  EXPECT_EQ(tail.view(kFloat16).storage_offset(), 1);
  EXPECT_EQ(tail.view(kFloat16).sizes(), (Shape{4, 1}));
  // Writes through the view reach the tensor.
  Tensor y = zeros({2});
  y.view(kInt32).fill_(0x40000000);
  EXPECT_EQ(vals(y), (std::vector<double>{2.0, 2.0}));
  EXPECT_THROW_WITH(zeros({3}, kUInt8).view(kInt32), Error,
                    "view: the last dimension's size must be divisible by 4 to view uint8 as int32 (different element "
                    "sizes), but it is 3");
  EXPECT_THROW_WITH(zeros({4, 2}, kUInt8).t().view(kFloat16), Error, "the last dimension must have stride 1");
  EXPECT_THROW_WITH(zeros({4}, kUInt8).narrow(0, 1, 2).view(kFloat16), Error, "storage offset must be divisible by 2");
  EXPECT_THROW_WITH(zeros({3, 6}, kUInt8).narrow(1, 0, 4).view(kInt32), Error,
                    "every stride but the last must be divisible by 4 to view uint8 as int32 (different element "
                    "sizes), but stride 0 is 6");
  EXPECT_THROW_WITH(scalar_tensor(1.0).view(kUInt8), Error, "must have a dimension to view float32 as uint8");
  EXPECT_EQ(scalar_tensor(1.0f).view(kInt32).item<int64_t>(), 0x3f800000);  // same size: any shape
}

TEST(Views, TransposePermute) {
  Tensor x = grid();
  Tensor t = x.transpose(0, 2);
  EXPECT_EQ(t.sizes(), (Shape{4, 3, 2}));
  EXPECT_EQ(t.strides(), (Shape{1, 4, 12}));
  EXPECT_FALSE(t.is_contiguous());
  EXPECT_EQ(t.index({1, 2, 1}).item<float>(), x.index({1, 2, 1}).item<float>());
  Tensor p = x.permute({2, 0, 1});
  EXPECT_EQ(p.sizes(), (Shape{4, 2, 3}));
  EXPECT_EQ(p.index({3, 1, 2}).item<float>(), 23.0f);
  EXPECT_THROW_WITH(x.permute({0, 0, 1}), Error, "repeats");
  EXPECT_THROW_WITH(x.permute({0, 1}), Error, "got 2 dims");
  Tensor m = arange(6).view({2, 3});
  EXPECT_EQ(m.t().sizes(), (Shape{3, 2}));
  EXPECT_EQ(m.mT().sizes(), (Shape{3, 2}));
  EXPECT_THROW_WITH(x.t(), Error, "at most 2 dims");
  EXPECT_EQ(movedim(x, 0, 2).sizes(), (Shape{3, 4, 2}));
  EXPECT_EQ(movedim(tensor(5.0), 0, -1).item<float>(), 5.0f);  // a 0-dim tensor's dim 0 is itself
  EXPECT_THROW_WITH(movedim(tensor(5.0), 0, 1), IndexError, "movedim: dim 1 is out of range");
  // Several dims: each source to its destination, the others in order in the places left.
  const Tensor five = zeros({2, 3, 4, 5, 6});
  EXPECT_EQ(movedim(five, {0, 1}, {-1, 0}).sizes(), (Shape{3, 4, 5, 6, 2}));
  EXPECT_EQ(movedim(five, {4, 0}, {1, 3}).sizes(), (Shape{3, 6, 4, 2, 5}));
  EXPECT_EQ(moveaxis(five, Shape{}, Shape{}).sizes(), five.sizes());
  EXPECT_EQ(movedim(tensor(5.0), {0}, {-1}).dim(), 0);
  EXPECT_THROW_WITH(movedim(five, {0, 0}, {1, 2}), ValueError, "movedim: repeated dim");
  EXPECT_THROW_WITH(movedim(five, {0, 1}, {2, 2}), ValueError, "movedim: repeated dim");
  EXPECT_THROW_WITH(movedim(five, {0}, {1, 2}), ValueError, "name 1 and 2 dims");
  EXPECT_THROW_WITH(movedim(five, {5}, {0}), IndexError, "movedim: dim 5 is out of range");
  EXPECT_THROW_WITH(x.transpose(0, 3), IndexError, "dim 3 is out of range");
}

// Channels-last images made channels-first: planes read at a step of the channel count (2 to 4
// take a vectorised copy, 5 the generic one), for every element size; and back, the planes
// interleaved.
TEST(Views, ChannelsLastToChannelsFirst) {
  for (int64_t c : {2, 3, 4, 5}) {
    for (DType dt : {kUInt8, kFloat16, kFloat32, kInt64}) {
      const Tensor x = remainder(arange(2 * 5 * 7 * c), 251).to(dt).view({2, 5, 7, c});
      const Tensor y = x.permute({0, 3, 1, 2}).contiguous();
      ASSERT_EQ(y.sizes(), (Shape{2, c, 5, 7}));
      const std::vector<double> xv = vals(x), yv = vals(y);
      for (int64_t n = 0; n < 2; ++n)
        for (int64_t k = 0; k < c; ++k)
          for (int64_t p = 0; p < 35; ++p)
            ASSERT_EQ(yv[static_cast<size_t>((n * c + k) * 35 + p)], xv[static_cast<size_t>((n * 35 + p) * c + k)])
                << name(dt) << " channels " << c;
      const Tensor back = y.permute({0, 2, 3, 1}).contiguous();
      EXPECT_EQ(vals(back), xv) << name(dt) << " channels " << c;
      EXPECT_EQ(vals(y.narrow(3, 1, 5).permute({0, 2, 3, 1}).contiguous()), vals(x.narrow(2, 1, 5).contiguous()))
          << name(dt) << " channels " << c;
    }
  }
}

TEST(Views, SqueezeUnsqueezeExpand) {
  Tensor x = zeros({2, 1, 3, 1});
  EXPECT_EQ(x.squeeze().sizes(), (Shape{2, 3}));
  EXPECT_EQ(x.squeeze(1).sizes(), (Shape{2, 3, 1}));
  EXPECT_EQ(x.squeeze(0).sizes(), x.sizes());
  EXPECT_EQ(x.unsqueeze(0).sizes(), (Shape{1, 2, 1, 3, 1}));
  EXPECT_EQ(x.unsqueeze(-1).sizes(), (Shape{2, 1, 3, 1, 1}));
  Tensor r = arange(3, kFloat32).view({3, 1});
  Tensor e = r.expand({2, 3, 4});
  EXPECT_EQ(e.sizes(), (Shape{2, 3, 4}));
  EXPECT_EQ(e.strides(), (Shape{0, 1, 0}));
  EXPECT_EQ(vals(e.index({1, 2})), (std::vector<double>{2, 2, 2, 2}));
  EXPECT_EQ(r.expand({-1, 5}).sizes(), (Shape{3, 5}));
  EXPECT_THROW_WITH(r.expand({4, 1}), Error, "must match the target size");
  EXPECT_THROW_WITH(r.expand({1}), Error, "fewer dims");
  // Shapes whose element count overflows int64 are refused, not wrapped (that expand summed to 0,
  // and an empty tensor took that view), counted in order as the factories do, even before a 0.
  constexpr int64_t kHuge = int64_t{1} << 62;
  EXPECT_THROW_WITH(r.expand({kHuge, 3, 4}), ValueError,
                    "expand: shape [4611686018427387904, 3, 4] has too many elements");
  EXPECT_THROW_WITH(zeros({0}).view({kHuge, 4}), ValueError, "view: shape");
  EXPECT_THROW_WITH(zeros({0}).reshape({kHuge, 4}), ValueError, "reshape: shape");
  EXPECT_THROW_WITH(as_strided(r, {kHuge, 3}, {0, 1}), ValueError, "as_strided: shape");
  EXPECT_THROW_WITH(as_strided(r, {kHuge}, {4}), IndexError, "reach element past 2^63 - 1");
  EXPECT_THROW_WITH(zeros({0}).view({-1, kHuge, 4}), ValueError, "view: shape");
  EXPECT_THROW_WITH(zeros({0}).view({kHuge, 4, 0}), ValueError, "view: shape [4611686018427387904, 4, 0] has too many");
  EXPECT_THROW_WITH(zeros({kHuge, 4, 0}), ValueError, "zeros: shape [4611686018427387904, 4, 0] has too many");
  EXPECT_EQ(zeros({0}).view({kHuge, 0, 4}).sizes(), (Shape{kHuge, 0, 4}));
  EXPECT_EQ(r.expand({int64_t{1} << 58, 3, 4}).numel(), int64_t{12} << 58);
  EXPECT_EQ(broadcast_to(r, {3, 3}).sizes(), (Shape{3, 3}));
  EXPECT_EQ(broadcast_shapes(std::vector<Shape>{{3, 1}, {4}, {2, 1, 1}}), (Shape{2, 3, 4}));
  const tensor_list b = broadcast_tensors({r, arange(4, kFloat32), tensor(5.0f)});
  ASSERT_EQ(b.size(), 3u);
  for (const Tensor& t : b) EXPECT_EQ(t.sizes(), (Shape{3, 4}));
  EXPECT_EQ(b[0].strides(), (Shape{1, 0}));  // views
  EXPECT_EQ(vals(b[1].select(0, 2)), (std::vector<double>{0, 1, 2, 3}));
  EXPECT_THROW_WITH(broadcast_tensors({r, zeros({2, 4})}), Error, "broadcast_tensors");
  EXPECT_THROW_WITH(broadcast_tensors({r, Tensor()}), Error, "broadcast_tensors: tensors[1]");
  EXPECT_THROW_WITH(broadcast_shapes(std::vector<Shape>{{2}, {3}}), Error, "broadcast_shapes");
  Tensor g = arange(3, kFloat64).view({3, 1}).requires_grad_(true);
  broadcast_tensors({g, zeros({4})})[0].sum().backward();
  EXPECT_EQ(vals(g.grad()), (std::vector<double>{4, 4, 4}));
}

TEST(Views, NarrowSelectSlice) {
  Tensor x = arange(10, kFloat32);
  EXPECT_EQ(vals(x.narrow(0, 2, 3)), (std::vector<double>{2, 3, 4}));
  EXPECT_EQ(vals(x.narrow(0, -3, 2)), (std::vector<double>{7, 8}));
  EXPECT_THROW_WITH(x.narrow(0, 8, 3), IndexError, "exceeds dim 0 of size 10");
  EXPECT_EQ(x.select(0, -1).item<float>(), 9.0f);
  EXPECT_THROW_WITH(x.select(0, 10), IndexError, "index 10 is out of range for dim 0 of size 10");
  EXPECT_EQ(vals(x.slice(0, 1, 8, 3)), (std::vector<double>{1, 4, 7}));
  EXPECT_EQ(vals(x.slice(0, -4, std::nullopt)), (std::vector<double>{6, 7, 8, 9}));
  EXPECT_EQ(x.slice(0, 5, 2).numel(), 0);
  EXPECT_EQ(vals(x.slice(0, -100, 2)), (std::vector<double>{0, 1}));
  EXPECT_THROW_WITH(x.slice(0, 0, 5, 0), ValueError, "step must be positive");
  Tensor m = grid();
  EXPECT_EQ(m.select(1, 2).sizes(), (Shape{2, 4}));
  EXPECT_EQ(m[1].sizes(), (Shape{3, 4}));
  EXPECT_TRUE(shares(m.select(1, 2), m));
}

TEST(Views, DiagonalAndAsStrided) {
  Tensor m = arange(12, kFloat32).view({3, 4});
  EXPECT_EQ(vals(m.diagonal()), (std::vector<double>{0, 5, 10}));
  EXPECT_EQ(vals(m.diagonal(1)), (std::vector<double>{1, 6, 11}));
  EXPECT_EQ(vals(m.diagonal(-1)), (std::vector<double>{4, 9}));
  EXPECT_EQ(grid().diagonal(0, 1, 2).sizes(), (Shape{2, 3}));
  EXPECT_THROW_WITH(m.diagonal(0, 1, 1), Error, "both 1");
  Tensor a = arange(6, kFloat32);
  Tensor w = a.as_strided({2, 3}, {1, 1});  // overlapping windows
  EXPECT_EQ(vals(w), (std::vector<double>{0, 1, 2, 1, 2, 3}));
  EXPECT_EQ(vals(a.as_strided({2}, {2}, 1)), (std::vector<double>{1, 3}));
  EXPECT_THROW_WITH(a.as_strided({4}, {2}), IndexError, "beyond the storage");
}

TEST(Views, ContiguousAndClone) {
  Tensor t = grid().transpose(1, 2);
  EXPECT_FALSE(t.is_contiguous());
  Tensor c = t.contiguous();
  EXPECT_TRUE(c.is_contiguous());
  EXPECT_TRUE(tgtest::close(c, t));
  Tensor already = grid();
  EXPECT_TRUE(already.contiguous().is_same(already));
  Tensor cl = already.clone();
  EXPECT_FALSE(shares(cl, already));
}

TEST(Views, TransposesInRegisterBlocks) {
  // Permutes that make dim order transpose (each matrix of x.transpose(-1, -2), x.t()) copy 1-,
  // 2-, 4- and 8-byte elements in square register blocks with edges one by one: every element
  // against its index (modulo what the dtype holds exactly).
  auto check = [](const Shape& shape, const Shape& perm, DType dt, int64_t modulus) {
    const Tensor x = remainder(arange(shape.numel(), kInt64), modulus).to(dt).view(shape);
    const std::vector<double> got = vals(x.permute(perm).contiguous());
    Shape out_shape = shape, src_strides = shape;
    int64_t stride = 1;
    for (int d = shape.size() - 1; d >= 0; --d) {
      src_strides[d] = stride;
      stride *= shape[d];
    }
    for (int d = 0; d < perm.size(); ++d) out_shape[d] = shape[perm[d]];
    ASSERT_EQ(got.size(), static_cast<size_t>(shape.numel()));
    for (int64_t k = 0; k < shape.numel(); ++k) {
      int64_t rem = k, src = 0;
      for (int d = out_shape.size() - 1; d >= 0; --d) {
        src += rem % out_shape[d] * src_strides[perm[d]];
        rem /= out_shape[d];
      }
      if (got[static_cast<size_t>(k)] != static_cast<double>(src % modulus)) {
        ADD_FAILURE() << name(dt) << " shape " << shape.str() << " perm " << perm.str() << " element " << k;
        return;
      }
    }
  };
  const std::vector<std::pair<DType, int64_t>> types = {{kFloat32, 1 << 24}, {kInt32, 1 << 30}, {kFloat64, 1 << 30},
                                                        {kInt64, 1 << 30},   {kFloat16, 2048},  {kBFloat16, 256},
                                                        {kUInt8, 256}};
  for (const auto& [dt, modulus] : types) {
    for (const auto& [r, c] : std::vector<std::pair<int64_t, int64_t>>{
             {8, 8}, {9, 17}, {37, 300}, {64, 33}, {130, 70}, {8, 100}, {16, 16}, {40, 19}})
      check({r, c}, {1, 0}, dt, modulus);
    check({3, 13, 21}, {0, 2, 1}, dt, modulus);
    check({3, 13, 21}, {2, 0, 1}, dt, modulus);
    check({2, 3, 19, 12}, {0, 1, 3, 2}, dt, modulus);
    check({5, 16, 9}, {2, 1, 0}, dt, modulus);
    check({2, 33, 48}, {0, 2, 1}, dt, modulus);
  }
  const Tensor mask = gt(randn({50, 40}), 0);
  EXPECT_TRUE(equal(mask.t().contiguous().to(kUInt8), mask.to(kUInt8).t().contiguous()));
  // A broadcast row and a flipped matrix, transposed.
  const Tensor row = arange(20, kFloat32);
  const Tensor spread = row.expand({16, 20}).t().contiguous();
  for (int64_t j = 0; j < 16; ++j) EXPECT_TRUE(equal(spread.select(1, j), row));
  const Tensor m = arange(24 * 18, kFloat32).view({24, 18});
  EXPECT_TRUE(equal(m.flip({0}).t().contiguous(), m.t().contiguous().flip({1})));
  // Into a transposed destination.
  Tensor dst = zeros({18, 24});
  dst.t().copy_(m);
  EXPECT_TRUE(equal(dst, m.t().contiguous()));
}

TEST(Views, WritesThroughViewsReachTheBase) {
  Tensor x = zeros({3, 4});
  x.select(0, 1).fill_(2);
  x.narrow(1, 3, 1).add_(5);
  x.t().select(0, 0).copy_(tensor({7.0f, 8.0f, 9.0f}));
  EXPECT_EQ(vals(x), (std::vector<double>{7, 0, 0, 5, 8, 2, 2, 7, 9, 0, 0, 5}));
  EXPECT_THROW_WITH(x.select(0, 0).expand({2, 4}).add_(1), Error, "share memory");
}
