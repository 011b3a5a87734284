// safetensors checkpoints: round trips of every dtype, metadata, modules and optimizers; the
// exact byte layout; hostile files; and a randomized mutation fuzz of the loader.
#include <cstdio>
#include <filesystem>
#include <random>

#include "test_util.h"

using namespace tg;
using tgtest::close;

namespace {

std::string temp_path(const std::string& name) {
  return (std::filesystem::temp_directory_path() / ("tapegrad_test_" + name)).string();
}

// A file from a header written by hand, then `data`.
std::string raw_file(const std::string& header, const std::string& data) {
  std::string out(8, '\0');
  for (int i = 0; i < 8; ++i) out[static_cast<size_t>(i)] = static_cast<char>((header.size() >> (8 * i)) & 0xff);
  return out + header + data;
}

}  // namespace

TEST(Serialize, RoundTripEveryDtype) {
  nn::NamedTensors in;
  in.insert("f64", tensor({1.5, -2.25}, kFloat64));
  in.insert("f32", arange(6, kFloat32).view({2, 3}).t());  // non-contiguous: written contiguous
  in.insert("f16", tensor({0.5, 1.0}).to(kFloat16));
  in.insert("bf16", tensor({3.0}).to(kBFloat16));
  in.insert("i64", tensor({int64_t{1} << 40}));
  in.insert("i32", tensor({-7}, kInt32));
  in.insert("i8", tensor({-3}, kInt8));
  in.insert("i16", tensor({-300}, kInt16));
  in.insert("u8", tensor({250}, kUInt8));
  in.insert("bool", tensor({true, false}));
  in.insert("scalar", scalar_tensor(4.0));
  in.insert("empty", zeros({0, 3}));
  in.insert("weird \"name\"\n", ones({1}));
  const std::string path = temp_path("all.safetensors");
  save(path, in, {{"epoch", "3"}, {"note", "ünïcode"}});
  Metadata meta;
  nn::NamedTensors out = load(path, &meta);
  EXPECT_EQ(meta["epoch"], "3");
  EXPECT_EQ(meta["note"], "ünïcode");
  ASSERT_EQ(out.size(), in.size());
  for (const auto& [name, t] : in) {
    EXPECT_EQ(out[name].dtype(), t.dtype()) << name;
    EXPECT_EQ(out[name].sizes(), t.sizes()) << name;
    EXPECT_TRUE(equal(out[name], t)) << name;
  }
  save(path, arange(3, kFloat32));
  EXPECT_TRUE(equal(load_tensor(path), arange(3, kFloat32)));
  std::remove(path.c_str());
  EXPECT_THROW_WITH(load(path), Error, "cannot open");
}

TEST(Serialize, ByteLayoutIsTheReferenceOne) {
  std::string bytes = save_to_bytes({{"a", tensor({1.0f, 2.0f})}}, {{"k", "v"}});
  const std::string header = R"({"__metadata__":{"k":"v"},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})";
  std::string padded = header + std::string((8 - header.size() % 8) % 8, ' ');
  EXPECT_EQ(bytes.substr(8, padded.size()), padded);
  EXPECT_EQ(static_cast<unsigned char>(bytes[0]), padded.size());
  EXPECT_EQ((8 + padded.size()) % 8, 0u);
  float v[2];
  std::memcpy(v, bytes.data() + 8 + padded.size(), 8);
  EXPECT_EQ(v[0], 1.0f);
  EXPECT_EQ(v[1], 2.0f);
  // A file laid out by another writer (tensors in a different order, whitespace) loads.
  std::string data(12, '\0');
  const float f = 5.0f;
  const int64_t i = -9;
  std::memcpy(data.data(), &i, 8);
  std::memcpy(data.data() + 8, &f, 4);
  auto t = load_from_bytes(raw_file(R"( { "x" : {"shape": [], "dtype": "F32", "data_offsets": [8, 12]}, "y": {"dtype":"I64","shape":[1],"data_offsets":[0,8]} } )", data));
  EXPECT_EQ(t["x"].item<double>(), 5.0);
  EXPECT_EQ(t["y"].item<int64_t>(), -9);
}

TEST(Serialize, HostileFiles) {
  const std::string f4(4, '\0');
  auto bad = [&](const std::string& header, const std::string& data, const char* msg) {
    EXPECT_THROW_WITH(load_from_bytes(raw_file(header, data)), Error, msg);
  };
  EXPECT_THROW_WITH(load_from_bytes("abc"), Error, "at least 8 bytes");
  std::string huge(16, '\0');
  huge[7] = 0x7f;
  EXPECT_THROW_WITH(load_from_bytes(huge), Error, "exceeds the limit");
  std::string past(16, '\0');
  past[0] = 100;
  EXPECT_THROW_WITH(load_from_bytes(past), Error, "runs past the end");
  bad(R"([1,2])", "", "not a JSON object");
  bad(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]})", f4, "malformed JSON");
  bad(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})", f4, "duplicate key");
  bad(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,8]}})", f4, "ends at byte 8 of a 4-byte data section");
  bad(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}})", f4, "needs 8 bytes but data_offsets span 4");
  bad(R"({"a":{"dtype":"F32","shape":[4294967296,4294967296,4294967296],"data_offsets":[0,4]}})", f4, "overflows");
  bad(R"({"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}})", f4, "non-size");
  bad(R"({"a":{"dtype":"F32","shape":[1.5],"data_offsets":[0,4]}})", f4, "only integers");
  bad(R"({"a":{"dtype":"C128","shape":[1],"data_offsets":[0,4]}})", f4,
      "dtype 'C128', which tapegrad does not support");
  bad(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[4,0]}})", f4, "0 <= begin <= end");
  bad(R"({"a":{"dtype":"F32","shape":[1]}})", f4, "needs dtype, shape and data_offsets");
  bad(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4],"extra":1}})", f4, "unknown field 'extra'");
  bad(R"({"a":{"dtype":"U8","shape":[2],"data_offsets":[0,2]},"b":{"dtype":"U8","shape":[2],"data_offsets":[1,3]}})", f4, "starts at byte 1");
  bad(R"({"a":{"dtype":"U8","shape":[2],"data_offsets":[0,2]}})", f4, "cover 2 bytes of a 4-byte data section");
  bad(R"({"a":{"dtype":"BOOL","shape":[4],"data_offsets":[0,4]}})", std::string("\x01\x00\x02\x00", 4), "neither 0 nor 1");
  bad(R"({"__metadata__":{"k":1}})", "", "is not a string");
  bad(std::string(100, '[') + std::string(100, ']'), "", "nested too deeply");
  bad(R"({"a\ud800":{}})", "", "unpaired surrogate");
}

TEST(Serialize, FuzzedFilesNeverCrash) {
  // Mutations of a valid file: every outcome is a clean load or a tg::Error.
  nn::NamedTensors seed;
  seed.insert("w", arange(12, kFloat32).view({3, 4}));
  seed.insert("b", tensor({true, false}));
  seed.insert("i", tensor({1, 2, 3}));
  const std::string valid = save_to_bytes(seed, {{"epoch", "1"}});
  std::mt19937_64 rng(1234);
  int loaded = 0, rejected = 0;
  for (int round = 0; round < 4000; ++round) {
    std::string m = valid;
    const int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits; ++e) {
      const size_t at = rng() % m.size();
      switch (rng() % 5) {
        case 0: m[at] = static_cast<char>(m[at] ^ (1 << (rng() % 8))); break;          // bit flip
        case 1: m.resize(at); break;                                                     // truncate
        case 2: m[at] = "0123456789[]{},:\"-"[rng() % 18]; break;                        // JSON-ish byte
        case 3: m.insert(at, 1 + rng() % 3, static_cast<char>(rng())); break;            // insert bytes
        default: m.erase(at, 1 + rng() % 4); break;                                      // delete bytes
      }
      if (m.empty()) break;
    }
    try {
      auto t = load_from_bytes(m);
      for (const auto& [k, v] : t) (void)v.sum();
      ++loaded;
    } catch (const Error&) {
      ++rejected;
    }
  }
  EXPECT_GT(rejected, 1000);
  EXPECT_EQ(loaded + rejected, 4000);
}

TEST(Serialize, ModulesAndOptimizers) {
  manual_seed(3);
  nn::Sequential a(nn::Linear(3, 4), nn::BatchNorm1d(4), nn::ReLU(), nn::Linear(4, 2));
  optim::Adam opt(a->parameters(), {.lr = 0.01});
  for (int s = 0; s < 3; ++s) {
    opt.zero_grad();
    a(randn({5, 3})).square().mean().backward();
    opt.step();
  }
  const std::string mp = temp_path("model.safetensors"), op = temp_path("opt.safetensors");
  save(mp, *a);
  save(op, opt);
  manual_seed(4);
  nn::Sequential b(nn::Linear(3, 4), nn::BatchNorm1d(4), nn::ReLU(), nn::Linear(4, 2));
  optim::Adam opt_b(b->parameters());
  load(mp, *b);
  load(op, opt_b);
  for (const auto& [k, v] : a->state_dict()) EXPECT_TRUE(equal(v, b->state_dict()[k])) << k;
  // Training continues identically.
  Tensor x = randn({5, 3});
  for (auto [m, o] : {std::pair{&a, &opt}, std::pair{&b, &opt_b}}) {
    o->zero_grad();
    (*m)(x).square().mean().backward();
    o->step();
  }
  EXPECT_TRUE(equal(a[0]->parameters()[0], b[0]->parameters()[0]));
  nn::Sequential c(nn::Linear(3, 5));
  EXPECT_THROW_WITH(load(mp, *c), Error, "load_state_dict");
  std::remove(mp.c_str());
  std::remove(op.c_str());
}
