#pragma once
// Random numbers: a counter-based Philox4x32-10 stream per generator, so that a seed gives the
// same numbers whatever the thread count, and a later CUDA backend can give the same stream.
#include <atomic>
#include <cstdint>
#include <utility>

namespace tg {

class Generator {
 public:
  explicit Generator(uint64_t seed = kDefaultSeed) : seed_(seed) {}
  Generator(const Generator& o) : seed_(o.seed_), offset_(o.offset_.load()) {}
  Generator& operator=(const Generator& o) {
    seed_ = o.seed_;
    offset_ = o.offset_.load();
    return *this;
  }

  void manual_seed(uint64_t seed) {
    seed_ = seed;
    offset_ = 0;
  }
  uint64_t initial_seed() const { return seed_; }
  // Claims `n` consecutive counter values of the stream and returns the first; thread-safe.
  uint64_t reserve(uint64_t n) { return offset_.fetch_add(n, std::memory_order_relaxed); }
  // (seed, offset): saving and restoring it replays the stream.
  std::pair<uint64_t, uint64_t> state() const { return {seed_, offset_.load()}; }
  void set_state(std::pair<uint64_t, uint64_t> s) {
    seed_ = s.first;
    offset_ = s.second;
  }

  static constexpr uint64_t kDefaultSeed = 67280421310721ULL;

 private:
  uint64_t seed_;
  std::atomic<uint64_t> offset_{0};
};

// The generator that random factories use unless given one.
Generator& default_generator();
// Reseeds the default generator (torch.manual_seed).
void manual_seed(uint64_t seed);
// Reseeds the default generator from std::random_device and returns the seed (torch.seed).
uint64_t seed();
// The default generator's seed (torch.initial_seed).
uint64_t initial_seed();

}  // namespace tg
