// Samplers, batch samplers, Subset, ConcatDataset and random_split, alone and driving a DataLoader.
#include <algorithm>
#include <set>

#include "test_util.h"

using namespace tg;

namespace {

std::shared_ptr<const data::Dataset> numbers(int64_t n, int64_t from = 0) {
  return std::make_shared<data::TensorDataset>(arange(from, from + n).to(kFloat32).view({n, 1}),
                                               arange(from, from + n));
}

std::vector<int64_t> targets(data::DataLoader& loader) {
  std::vector<int64_t> seen;
  for (const data::Example& b : loader)
    for (int64_t x : b.target.to_vector<int64_t>()) seen.push_back(x);
  return seen;
}

std::vector<int64_t> sorted(std::vector<int64_t> v) {
  std::sort(v.begin(), v.end());
  return v;
}

std::vector<int64_t> iota(int64_t n, int64_t from = 0) {
  std::vector<int64_t> v(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) v[static_cast<size_t>(i)] = from + i;
  return v;
}

}  // namespace

TEST(Sampler, SequentialAndRandom) {
  Generator g(1);
  EXPECT_EQ(data::SequentialSampler(4).sample(g), iota(4));
  EXPECT_EQ(data::SequentialSampler(0).sample(g).size(), 0u);
  data::RandomSampler perm(20);
  EXPECT_EQ(perm.size(), 20);
  const auto p1 = perm.sample(g), p2 = perm.sample(g);
  EXPECT_EQ(sorted(p1), iota(20));
  EXPECT_NE(p1, p2);
  Generator h(1);
  EXPECT_EQ(perm.sample(h), p1);  // the asker's stream decides
  // More draws than examples without replacement: whole permutations, then part of one.
  data::RandomSampler longer(5, {.num_samples = 12});
  const auto l = longer.sample(g);
  ASSERT_EQ(l.size(), 12u);
  EXPECT_EQ(sorted({l.begin(), l.begin() + 5}), iota(5));
  EXPECT_EQ(sorted({l.begin() + 5, l.begin() + 10}), iota(5));
  EXPECT_EQ(std::set<int64_t>(l.begin() + 10, l.end()).size(), 2u);
  data::RandomSampler with(3, {.replacement = true, .num_samples = 300});
  const auto w = with.sample(g);
  EXPECT_EQ(w.size(), 300u);
  EXPECT_EQ(std::set<int64_t>(w.begin(), w.end()), (std::set<int64_t>{0, 1, 2}));
  // A sampler's own generator wins over the asker's.
  Generator own(9), a(1), b(2);
  data::RandomSampler pinned(30, {.generator = &own});
  const auto q1 = pinned.sample(a);
  own.manual_seed(9);
  EXPECT_EQ(pinned.sample(b), q1);
  EXPECT_THROW_WITH(data::RandomSampler(3, {.num_samples = 0}), ValueError, "num_samples must be positive, got 0");
  EXPECT_THROW_WITH(data::SequentialSampler(-1), ValueError, "must be non-negative, got -1");
  EXPECT_THROW_WITH(data::RandomSampler(0, {.replacement = true, .num_samples = 2}), ValueError,
                    "cannot draw 2 samples with replacement from an empty dataset");
}

TEST(Sampler, SubsetRandomAndWeighted) {
  Generator g(3);
  data::SubsetRandomSampler sub({7, 3, 11, 5});
  EXPECT_EQ(sub.size(), 4);
  EXPECT_EQ(sorted(sub.sample(g)), (std::vector<int64_t>{3, 5, 7, 11}));
  EXPECT_EQ(data::SubsetRandomSampler({}).sample(g).size(), 0u);
  // Index 1 has no weight, index 2 three times index 0's.
  data::WeightedRandomSampler weighted(tensor({1.0, 0.0, 3.0}), 4000);
  const auto w = weighted.sample(g);
  ASSERT_EQ(w.size(), 4000u);
  const auto twos = std::count(w.begin(), w.end(), 2), ones = std::count(w.begin(), w.end(), 1);
  EXPECT_EQ(ones, 0);
  EXPECT_NEAR(static_cast<double>(twos) / 4000.0, 0.75, 0.04);
  data::WeightedRandomSampler distinct(tensor({1.0, 2.0, 3.0, 4.0}), 4, false);
  EXPECT_EQ(sorted(distinct.sample(g)), iota(4));
  EXPECT_THROW_WITH(data::WeightedRandomSampler(tensor({1.0, -1.0}), 2), ValueError, "finite and non-negative");
  EXPECT_THROW_WITH(data::WeightedRandomSampler(zeros({2, 2}), 2), ValueError,
                    "non-empty 1-D tensor, got shape [2, 2]");
  EXPECT_THROW_WITH(data::WeightedRandomSampler(zeros({3}), 2), ValueError, "weights sum to zero");
  EXPECT_THROW_WITH(data::WeightedRandomSampler(tensor({1.0, 0.0, 1.0}), 3, false), ValueError,
                    "cannot draw 3 samples without replacement from 2 positive weights");
  EXPECT_THROW_WITH(data::WeightedRandomSampler(tensor({1.0}), 0), ValueError, "num_samples must be positive");
}

TEST(Sampler, BatchSampler) {
  Generator g;
  data::BatchSampler keep(std::make_shared<data::SequentialSampler>(7), 3);
  EXPECT_EQ(keep.size(), 3);
  EXPECT_EQ(keep.sample(g), (std::vector<std::vector<int64_t>>{{0, 1, 2}, {3, 4, 5}, {6}}));
  data::BatchSampler drop(std::make_shared<data::SequentialSampler>(7), 3, true);
  EXPECT_EQ(drop.size(), 2);
  EXPECT_EQ(drop.sample(g).size(), 2u);
  EXPECT_EQ(drop.batch_size(), 3);
  EXPECT_TRUE(drop.drop_last());
  EXPECT_THROW_WITH(data::BatchSampler(std::make_shared<data::SequentialSampler>(2), 0), ValueError,
                    "batch_size must be positive, got 0");
  EXPECT_THROW_WITH(data::BatchSampler(nullptr, 2), Error, "sampler is null");
}

TEST(Sampler, DrivesTheDataLoader) {
  // A sampler replaces shuffle and draws from the loader's seeded stream: same seed, same order
  // whatever the workers.
  auto weighted = std::make_shared<data::WeightedRandomSampler>(tensor({0.0, 1.0, 0.0, 1.0}), 10);
  data::DataLoader a(numbers(4), {.batch_size = 4, .seed = 5, .sampler = weighted});
  EXPECT_EQ(a.size(), 3);
  const auto a1 = targets(a);
  EXPECT_EQ(a1.size(), 10u);
  for (int64_t t : a1) EXPECT_TRUE(t == 1 || t == 3);
  data::DataLoader b(numbers(4), {.batch_size = 4, .num_workers = 2, .seed = 5, .sampler = weighted});
  EXPECT_EQ(targets(b), a1);
  data::DataLoader sub(
      numbers(10),
      {.batch_size = 2, .sampler = std::make_shared<data::SubsetRandomSampler>(std::vector<int64_t>{8, 9, 1})});
  EXPECT_EQ(sorted(targets(sub)), (std::vector<int64_t>{1, 8, 9}));
  // A batch sampler plans whole batches.
  auto batches = std::make_shared<data::BatchSampler>(std::make_shared<data::SequentialSampler>(5), 2, true);
  data::DataLoader batched(numbers(5), {.batch_sampler = batches});
  EXPECT_EQ(batched.size(), 2);
  EXPECT_EQ(&batched.batch_sampler(), batches.get());
  EXPECT_EQ(targets(batched), iota(4));
  EXPECT_THROW_WITH(data::DataLoader(numbers(3), {.shuffle = true, .sampler = weighted}), ValueError,
                    "sampler is mutually exclusive with shuffle");
  EXPECT_THROW_WITH(data::DataLoader(numbers(3), {.batch_size = 2, .batch_sampler = batches}), ValueError,
                    "batch_sampler is mutually exclusive with batch_size, shuffle, sampler and drop_last");
  // An index the dataset lacks fails when its batch is made.
  data::DataLoader wrong(numbers(2), {.sampler = std::make_shared<data::SequentialSampler>(3)});
  EXPECT_THROW_WITH(targets(wrong), IndexError, "index 2 is out of range for 2 examples");
}

TEST(Sampler, MakeBatchSamplerIsTheLoadersPlan) {
  // What a DataLoader would plan, without a dataset (the Python loader's datasets are not C++ ones).
  Generator g;
  auto plain = data::make_batch_sampler(5, {.batch_size = 2});
  EXPECT_EQ(plain->sample(g), (std::vector<std::vector<int64_t>>{{0, 1}, {2, 3}, {4}}));
  EXPECT_NE(dynamic_cast<const data::SequentialSampler*>(plain->sampler().get()), nullptr);
  auto shuffled = data::make_batch_sampler(5, {.batch_size = 5, .shuffle = true, .drop_last = true});
  EXPECT_NE(dynamic_cast<const data::RandomSampler*>(shuffled->sampler().get()), nullptr);
  EXPECT_EQ(sorted(shuffled->sample(g).at(0)), iota(5));
  EXPECT_TRUE(shuffled->drop_last());
  auto given = std::make_shared<data::SequentialSampler>(3);
  EXPECT_EQ(data::make_batch_sampler(99, {.sampler = given})->sampler(), given);
  auto batches = std::make_shared<data::BatchSampler>(given, 2);
  EXPECT_EQ(data::make_batch_sampler(99, {.batch_sampler = batches}), batches);
  EXPECT_THROW_WITH(data::make_batch_sampler(3, {.batch_size = 0}), ValueError, "batch_size must be positive, got 0");
  EXPECT_THROW_WITH(data::make_batch_sampler(3, {.num_workers = -2}), ValueError,
                    "num_workers must be non-negative, got -2");
  EXPECT_THROW_WITH(data::make_batch_sampler(3, {.prefetch_factor = 0}), ValueError,
                    "prefetch_factor must be positive, got 0");
  EXPECT_THROW_WITH(data::make_batch_sampler(3, {.drop_last = true, .batch_sampler = batches}), ValueError,
                    "batch_sampler is mutually exclusive");
}

TEST(DatasetViews, Subset) {
  data::Subset s(numbers(10), {7, 2, 2});
  EXPECT_EQ(s.size(), 3);
  EXPECT_EQ(s.get(0).target.item<int64_t>(), 7);
  EXPECT_EQ(s.get_batch({2, 0}).target.to_vector<int64_t>(), (std::vector<int64_t>{2, 7}));
  EXPECT_EQ(s.get_batch({2, 0}).data.sizes(), Shape({2, 1}));
  EXPECT_EQ(s.indices(), (std::vector<int64_t>{7, 2, 2}));
  EXPECT_EQ(s.dataset()->size(), 10);
  EXPECT_THROW_WITH(s.get(3), IndexError, "index 3 is out of range for 3 examples");
  EXPECT_THROW_WITH(data::Subset(numbers(4), {1, 4}), IndexError,
                    "Subset: index 4 is out of range for a dataset of 4 examples");
  EXPECT_THROW_WITH(data::Subset(nullptr, {}), Error, "dataset is null");
}

TEST(DatasetViews, ConcatDataset) {
  data::ConcatDataset c({numbers(3), numbers(0), numbers(2, 100)});
  EXPECT_EQ(c.size(), 5);
  EXPECT_EQ(c.cumulative_sizes(), (std::vector<int64_t>{3, 3, 5}));
  EXPECT_EQ(c.datasets().size(), 3u);
  EXPECT_EQ(c.get(2).target.item<int64_t>(), 2);
  EXPECT_EQ(c.get(3).target.item<int64_t>(), 100);
  EXPECT_EQ(c.get_batch({4, 3}).target.to_vector<int64_t>(), (std::vector<int64_t>{101, 100}));      // one dataset
  EXPECT_EQ(c.get_batch({4, 0, 2}).target.to_vector<int64_t>(), (std::vector<int64_t>{101, 0, 2}));  // mixed
  EXPECT_THROW_WITH(c.get(5), IndexError, "index 5 is out of range for 5 examples");
  EXPECT_THROW_WITH(data::ConcatDataset({}), ValueError, "got no datasets");
  data::DataLoader loader(c, {.batch_size = 2});
  EXPECT_EQ(targets(loader), (std::vector<int64_t>{0, 1, 2, 100, 101}));
}

TEST(DatasetViews, RandomSplit) {
  Generator g(11);
  auto parts = data::random_split(numbers(10), {3, 0, 7}, &g);
  ASSERT_EQ(parts.size(), 3u);
  EXPECT_EQ(parts[0].size(), 3);
  EXPECT_EQ(parts[1].size(), 0);
  std::vector<int64_t> all = parts[0].indices();
  all.insert(all.end(), parts[2].indices().begin(), parts[2].indices().end());
  EXPECT_EQ(sorted(all), iota(10));
  Generator h(11);
  EXPECT_EQ(data::random_split(numbers(10), {3, 0, 7}, &h)[2].indices(), parts[2].indices());
  EXPECT_EQ(parts[2].get(0).target.item<int64_t>(), parts[2].indices()[0]);
  EXPECT_THROW_WITH(data::random_split(numbers(10), {3, 6}), ValueError,
                    "lengths [3, 6] sum to 9, not to the dataset's 10 examples");
  EXPECT_THROW_WITH(data::random_split(numbers(2), {3, -1}), ValueError, "lengths must be non-negative");
  // PyTorch's rounding: floors, then the remainder one at a time from the first split.
  EXPECT_EQ(data::split_lengths(10, {0.25, 0.25, 0.5}), (std::vector<int64_t>{3, 2, 5}));
  EXPECT_EQ(data::split_lengths(7, {0.5, 0.5}), (std::vector<int64_t>{4, 3}));
  EXPECT_EQ(data::split_lengths(0, {1.0}), (std::vector<int64_t>{0}));
  EXPECT_THROW_WITH(data::split_lengths(10, {0.5, 0.6}), ValueError, "sum to 1.1, not to 1");
  EXPECT_THROW_WITH(data::split_lengths(10, {1.5, -0.5}), ValueError, "fractions must lie in [0, 1]");
}
