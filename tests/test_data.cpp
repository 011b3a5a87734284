// Datasets, the DataLoader (order, workers, errors), transforms and the Fashion-MNIST reader.
#include <zlib.h>

#include <cstdio>
#include <filesystem>
#include <set>

#include "test_util.h"

using namespace tg;
using tgtest::close;

namespace {

data::TensorDataset numbers(int64_t n) {
  return data::TensorDataset(arange(n, kFloat32).view({n, 1}), arange(n) * 10);
}

std::vector<int64_t> order(data::DataLoader& loader) {
  std::vector<int64_t> seen;
  for (const data::Example& b : loader) {
    auto v = b.target.to_vector<int64_t>();
    for (int64_t x : v) seen.push_back(x / 10);
  }
  return seen;
}

std::string temp_path(const std::string& name) {
  return (std::filesystem::temp_directory_path() / ("tapegrad_test_" + name)).string();
}

void write_gz(const std::string& path, const std::vector<uint8_t>& bytes) {
  gzFile f = gzopen(path.c_str(), "wb");
  ASSERT_NE(f, nullptr);
  if (!bytes.empty()) gzwrite(f, bytes.data(), static_cast<unsigned>(bytes.size()));
  gzclose(f);
}

}  // namespace

TEST(Data, TensorDatasetAndCollate) {
  auto ds = numbers(5);
  EXPECT_EQ(ds.size(), 5);
  EXPECT_EQ(ds.data().sizes(), Shape({5, 1}));
  EXPECT_EQ(ds.targets().sizes(), Shape({5}));
  EXPECT_EQ(ds.get(3).target.item<int64_t>(), 30);
  data::Example b = ds.get_batch({4, 0});
  EXPECT_EQ(b.data.sizes(), Shape({2, 1}));
  EXPECT_EQ(b.target.to_vector<int64_t>(), (std::vector<int64_t>{40, 0}));
  data::Example c = data::default_collate({ds.get(1), ds.get(2)});
  EXPECT_TRUE(close(c.data, tensor({1.0f, 2.0f}).view({2, 1})));
  EXPECT_THROW_WITH(ds.get(5), IndexError, "index 5 is out of range for 5 examples");
  EXPECT_THROW_WITH(data::TensorDataset(zeros({3}), zeros({4})), Error,
                    "tensor 1 of shape [4] differs from the first, of shape [3], in its first dim");
}

TEST(Data, TensorDatasetOfAnyNumberOfTensors) {
  // PyTorch's TensorDataset(*tensors): one tensor, or (input, mask, label) and more.
  data::TensorDataset one({arange(4) * 2});
  EXPECT_FALSE(one.targets().defined());
  EXPECT_EQ(one.get(1).tensors().size(), 1u);
  EXPECT_EQ(one.get_batch({3, 1}).data.to_vector<int64_t>(), (std::vector<int64_t>{6, 2}));
  data::TensorDataset three({arange(4, kFloat32).view({4, 1}), arange(4) * 10, arange(4) * 100});
  ASSERT_EQ(three.tensors().size(), 3u);
  data::Example e = three.get(2);
  EXPECT_EQ(e.target.item<int64_t>(), 20);
  ASSERT_EQ(e.rest.size(), 1u);
  EXPECT_EQ(e.rest[0].item<int64_t>(), 200);
  data::Example b = three.get_batch({3, 0});
  EXPECT_EQ(b.tensors().size(), 3u);
  EXPECT_EQ(b.rest[0].to_vector<int64_t>(), (std::vector<int64_t>{300, 0}));
  // default_collate stacks every tensor; the loader's batches carry all of them.
  data::Example c = data::default_collate({three.get(1), three.get(3)});
  EXPECT_EQ(c.rest.at(0).to_vector<int64_t>(), (std::vector<int64_t>{100, 300}));
  data::DataLoader loader(std::make_shared<data::TensorDataset>(three.tensors()),
                          {.batch_size = 3, .num_workers = 2, .pin_memory = true});
  std::vector<int64_t> rest;
  for (const data::Example& batch : loader)
    for (int64_t x : batch.rest.at(0).to_vector<int64_t>()) rest.push_back(x);
  EXPECT_EQ(rest, (std::vector<int64_t>{0, 100, 200, 300}));
  data::Example two_tensors{zeros({2}), zeros({2})};
  EXPECT_THROW_WITH(data::default_collate({e, two_tensors}), Error,
                    "default_collate: examples of 2 and of 3 tensors in one batch");
  EXPECT_THROW_WITH(data::TensorDataset(tensor_list{}), ValueError, "TensorDataset: needs at least one tensor");
  EXPECT_THROW_WITH(data::TensorDataset({zeros({3}), zeros({3}), zeros({2})}), Error,
                    "tensor 2 of shape [2] differs from the first, of shape [3], in its first dim");
}

TEST(Data, LoaderOrderBatchesAndDeterminism) {
  data::DataLoader plain(numbers(10), {.batch_size = 4});
  EXPECT_EQ(plain.size(), 3);
  EXPECT_EQ(order(plain), (std::vector<int64_t>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}));
  EXPECT_EQ(plain.epoch(), 0);
  EXPECT_EQ(plain.dataset().size(), 10);
  data::DataLoader dropped(numbers(10), {.batch_size = 4, .drop_last = true});
  EXPECT_EQ(dropped.size(), 2);
  EXPECT_EQ(order(dropped).size(), 8u);
  // Shuffled: a permutation, different per epoch, identical for the same seed whatever the workers.
  data::DataLoader a(numbers(50), {.batch_size = 7, .shuffle = true, .seed = 42});
  data::DataLoader b(numbers(50), {.batch_size = 7, .shuffle = true, .num_workers = 3, .seed = 42});
  auto a1 = order(a), a2 = order(a), b1 = order(b), b2 = order(b);
  EXPECT_EQ(std::set<int64_t>(a1.begin(), a1.end()).size(), 50u);
  EXPECT_NE(a1, a2);
  EXPECT_EQ(a1, b1);
  EXPECT_EQ(a2, b2);
  data::DataLoader other(numbers(50), {.batch_size = 7, .shuffle = true, .seed = 43});
  EXPECT_NE(order(other), a1);
  // A custom collate sees the examples.
  data::DataLoader summed(numbers(6), {.batch_size = 3, .num_workers = 2,
                                       .collate = [](const std::vector<data::Example>& ex) {
                                         return data::Example{data::default_collate(ex).data.sum(), Tensor()};
                                       }});
  std::vector<double> sums;
  for (const auto& batch : summed) sums.push_back(batch.data.item<double>());
  EXPECT_EQ(sums, (std::vector<double>{3, 12}));
  // Abandoning an epoch midway and starting another is fine.
  int count = 0;
  for (auto it = b.begin(); it != b.end() && count < 2; ++it) ++count;
  EXPECT_EQ(order(b).size(), 50u);
}

namespace {
struct Faulty : data::Dataset {
  int64_t size() const override { return 8; }
  data::Example get(int64_t i) const override {
    if (i == 5) throw ValueError("example 5 is broken");
    return {scalar_tensor(static_cast<double>(i)), Tensor()};
  }
};
}  // namespace

TEST(Data, LoaderErrors) {
  data::DataLoader loader(Faulty(), {.batch_size = 2, .num_workers = 2});
  auto it = loader.begin();
  ++it;
  EXPECT_THROW_WITH(++it, ValueError, "example 5 is broken");
  EXPECT_THROW_WITH(data::DataLoader(numbers(3), {.batch_size = 0}), ValueError, "batch_size must be positive");
  EXPECT_THROW_WITH(data::DataLoader(numbers(3), {.num_workers = -1}), ValueError, "num_workers");
}

TEST(Data, Transforms) {
  Tensor x = ones({2, 3, 2, 2});
  Tensor y = data::transforms::Normalize({0.5, 1.0, 0.0}, {0.5, 2.0, 4.0})(x);
  EXPECT_TRUE(close(y.select(1, 0), ones({2, 2, 2})));
  EXPECT_TRUE(close(y.select(1, 1), zeros({2, 2, 2})));
  EXPECT_TRUE(close(y.select(1, 2), full({2, 2, 2}, 0.25)));
  auto both = data::transforms::Compose({data::transforms::Normalize({1.0}, {2.0}), [](const Tensor& t) { return t * 4; }});
  EXPECT_TRUE(close(both(full({1}, 3.0)), full({1}, 4.0)));
  EXPECT_THROW_WITH(data::transforms::Normalize({0.5}, {0.0}), ValueError, "division by zero");
  EXPECT_THROW_WITH(data::transforms::Normalize({0.5, 0.5}, {1.0, 1.0})(x), Error, "2 channel values for an input of shape [2, 3, 2, 2]");
}

TEST(Data, IdxReaderRejectsBadFiles) {
  const std::string p = temp_path("bad.gz");
  write_gz(p, {0, 0, 8, 1, 0, 0, 0, 3, 7, 8, 9});
  EXPECT_EQ(data::read_idx_gz(p).to_vector<int64_t>(), (std::vector<int64_t>{7, 8, 9}));
  write_gz(p, {0, 0, 8, 1, 0, 0, 0, 5, 7, 8});
  EXPECT_THROW_WITH(data::read_idx_gz(p), Error, "is truncated: 2 of 5 data bytes");
  write_gz(p, {0, 0, 9, 1, 0, 0, 0, 1, 1});
  EXPECT_THROW_WITH(data::read_idx_gz(p), Error, "not an IDX file of unsigned bytes");
  write_gz(p, {0, 0, 8, 3, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 2});
  EXPECT_THROW_WITH(data::read_idx_gz(p), Error, "implausible size");
  write_gz(p, {0, 0});
  EXPECT_THROW_WITH(data::read_idx_gz(p), Error, "no IDX header");
  std::remove(p.c_str());
  EXPECT_THROW_WITH(data::read_idx_gz(p), Error, "cannot open");
  EXPECT_THROW_WITH(data::FashionMNIST(data::FashionMNIST::Split::Test, "/nonexistent"), Error,
                    "/nonexistent/t10k-images-idx3-ubyte.gz");
}

TEST(Data, FashionMNIST) {
  if (!std::filesystem::exists(std::string(data::FashionMNIST::kDefaultRoot) + "/t10k-images-idx3-ubyte.gz"))
    GTEST_SKIP() << "Debian's dataset-fashion-mnist is not installed";
  data::FashionMNIST test(data::FashionMNIST::Split::Test);
  EXPECT_EQ(test.size(), 10000);
  EXPECT_EQ(test.images().sizes(), Shape({10000, 1, 28, 28}));
  EXPECT_EQ(test.targets().dtype(), kInt64);
  EXPECT_GE(test.images().min().item<double>(), 0.0);
  EXPECT_LE(test.images().max().item<double>(), 1.0);
  // Every class appears 1000 times in the test split.
  EXPECT_TRUE(equal(F::one_hot(test.targets(), 10).sum({0}), full({10}, 1000, kInt64)));
  data::FashionMNIST normalised(data::FashionMNIST::Split::Test, data::FashionMNIST::kDefaultRoot,
                                data::transforms::Normalize({data::FashionMNIST::kMean}, {data::FashionMNIST::kStd}));
  EXPECT_NEAR(normalised.images().mean().item<double>(), (test.images().mean().item<double>() - 0.2860) / 0.3530, 1e-4);
  data::Example b = normalised.get_batch({0, 9999});
  EXPECT_EQ(b.data.sizes(), Shape({2, 1, 28, 28}));
}
