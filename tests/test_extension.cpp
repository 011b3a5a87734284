// The extension op registry: TG_EXTENSION_OP's argument and result conversions, the ops a load
// registers, and the errors a bad call or a bad library gives.
#include <gtest/gtest.h>

#include <tapegrad/extension.h>

using namespace tg;

namespace {

Tensor scale_and_shift(const Tensor& x, double scale, int64_t shift) { return x * scale + shift; }
std::tuple<Tensor, Tensor> halves(const Tensor& x, std::vector<int64_t> sizes) {
  auto parts = x.split(sizes);
  return {parts[0], parts[1]};
}
double describe(const std::string& s, bool flag) { return static_cast<double>(s.size()) + (flag ? 0.5 : 0.0); }

bool has(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

}  // namespace

TEST(Extension, RegisteredOpsConvertArgumentsAndResults) {
  ext::begin_load();
  ext::detail::register_function("scale_and_shift", &scale_and_shift);
  ext::detail::register_function("halves", &halves);
  ext::detail::register_function("describe", &describe);
  std::vector<const ext::Op*> ops = ext::end_load();
  ASSERT_EQ(ops.size(), 3u);
  EXPECT_EQ(ops[0]->name, "scale_and_shift");
  EXPECT_EQ(ops[0]->num_args, 3u);

  ext::OpResult r = ops[0]->fn({tensor({1.0f, 2.0f}), Scalar(2.0), Scalar(int64_t{1})});
  ASSERT_TRUE(r.single);
  EXPECT_EQ(std::get<Tensor>(r.values[0]).to_vector<float>(), (std::vector<float>{3.0f, 5.0f}));

  r = ops[1]->fn({arange(5), std::vector<int64_t>{2, 3}});
  ASSERT_FALSE(r.single);
  ASSERT_EQ(r.values.size(), 2u);
  EXPECT_EQ(std::get<Tensor>(r.values[1]).numel(), 3);

  r = ops[2]->fn({std::string("abc"), Scalar(true)});
  EXPECT_EQ(std::get<Scalar>(r.values[0]).to_double(), 3.5);
  EXPECT_TRUE(ext::end_load().empty());  // a load's ops are handed out once
}

TEST(Extension, BadCallsNameTheOpAndTheArgument) {
  ext::begin_load();
  ext::detail::register_function("scale_and_shift", &scale_and_shift);
  const ext::Op* op = ext::end_load().at(0);
  try {
    op->fn({Scalar(1.0), Scalar(2.0), Scalar(int64_t{1})});
    FAIL() << "expected a TypeError";
  } catch (const TypeError& e) {
    EXPECT_TRUE(has(e.what(), "scale_and_shift: argument 0 must be a tensor, got the number 1")) << e.what();
  }
  EXPECT_THROW(op->fn({tensor({1.0f})}), Error);  // wrong count
  try {
    op->fn({tensor({1.0f}), std::string("x"), Scalar(int64_t{1})});
    FAIL();
  } catch (const TypeError& e) {
    EXPECT_TRUE(has(e.what(), "argument 1 must be a number, got the string 'x'")) << e.what();
  }
}

TEST(Extension, LoadingAMissingLibraryIsAnError) {
  try {
    ext::load_library("/nonexistent/ext.so");
    FAIL();
  } catch (const Error& e) {
    EXPECT_TRUE(has(e.what(), "cannot load '/nonexistent/ext.so'")) << e.what();
  }
}
