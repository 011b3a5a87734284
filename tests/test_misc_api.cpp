// Public functions not exercised elsewhere: small accessors, conversions, generator state, and
// the full mix of index kinds in one call.
#include "test_util.h"

using namespace tg;
using namespace tg::indexing;
using tgtest::vals;

TEST(MiscApi, Accessors) {
  Tensor x = zeros({2, 3}, kFloat64);
  EXPECT_EQ(x.element_size(), 8u);
  EXPECT_EQ(x.nbytes(), 48u);
  EXPECT_EQ(x.options().dtype(), kFloat64);
  EXPECT_EQ(x.options().device(), Device::cpu());
  EXPECT_TRUE(x.cpu().is_same(x));
  EXPECT_EQ(x.to(Device::cpu(), kFloat32).dtype(), kFloat32);
  EXPECT_EQ(x.ndim(), 2);
  EXPECT_EQ(x.size(-1), 3);
  EXPECT_EQ(x.stride(0), 3);
  EXPECT_THROW_WITH(x.size(2), IndexError, "size: dim 2 is out of range");
  EXPECT_EQ(ones({6}).view_as(x).sizes(), x.sizes());
  EXPECT_EQ(ones({6}).reshape_as(x).sizes(), x.sizes());
  EXPECT_EQ(ones({3}).expand_as(x).sizes(), x.sizes());
  EXPECT_EQ(vals(tensor({1.0f, -1.0f}).where(tensor({true, false}), 0.5)), (std::vector<double>{1, 0.5}));
  EXPECT_EQ(vals(tensor({1.0f, -1.0f}).where(tensor({false, true}), ones({2}))), (std::vector<double>{1, -1}));
  EXPECT_TRUE(tensor({1}).is_cpu());
  EXPECT_FALSE(tensor({1}).is_cuda());
  EXPECT_FALSE(tensor({1}).is_floating_point());
  EXPECT_EQ(Scalar(2.5).str(), "2.5");
  EXPECT_EQ(Scalar(true).dtype(), kBool);
  EXPECT_EQ(Scalar(int64_t{3}).to<int32_t>(), 3);
  EXPECT_EQ(static_cast<float>(Scalar(1.5).to<Half>()), 1.5f);
}

TEST(MiscApi, GeneratorStateReplays) {
  Generator g(5);
  auto state = g.state();
  Tensor a = rand({4}, g);
  g.set_state(state);
  EXPECT_TRUE(equal(a, rand({4}, g)));
  EXPECT_FALSE(equal(a, rand({4}, g)));
  EXPECT_EQ(g.initial_seed(), 5u);
  Generator copy = g;
  EXPECT_TRUE(equal(randn({3}, copy), randn({3}, g)));
  manual_seed(3);
  EXPECT_EQ(default_generator().initial_seed(), 3u);
}

TEST(MiscApi, EveryIndexKindInOneCall) {
  Tensor x = arange(6 * 3 * 2 * 4 * 5, kFloat32).view({6, 3, 2, 4, 5});
  Tensor mask = tensor({false, true, false, true});
  Tensor idx = tensor({4, 0});
  Tensor r = x.index({Slice(0, 4, 2), 1, None, Ellipsis, mask, idx});
  // Slice picks rows 0 and 2 of dim 0, 1 selects dim 1, None adds a dim, "..." covers dim 2, and
  // the mask (positions 1, 3) pairs with idx (4, 0) over the last two dims.
  ASSERT_EQ(r.sizes(), (Shape{2, 1, 2, 2}));
  for (int i : {0, 1})
    for (int k : {0, 1})
      for (int p : {0, 1}) {
        const int64_t d3 = p == 0 ? 1 : 3, d4 = p == 0 ? 4 : 0;
        EXPECT_EQ(r.index({i, 0, k, p}).item<float>(), x.index({2 * i, 1, k, d3, d4}).item<float>());
      }
  x.index_put_({Slice(0, 4, 2), 1, None, Ellipsis, mask, idx}, -1.0);
  EXPECT_EQ(x.index({2, 1, 0, 3, 0}).item<float>(), -1.0f);
  EXPECT_EQ((x == -1).sum().item<int64_t>(), 8);
}
