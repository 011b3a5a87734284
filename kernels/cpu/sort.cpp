// Sorting along a dim (sort, argsort, topk) and selecting one element of each slice (kthvalue,
// median, nanmedian). NaN sorts as the largest value, as in PyTorch.
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <numeric>
#include <vector>

#include "kernels/cpu/cpu_kernels.h"
#include "kernels/cpu/loops.h"

namespace tg::kernels::cpu {
namespace {

constexpr int64_t kRadixFrom = 256;  // shorter rows: std::sort beats the digit counts' setup

// A 32-bit key whose unsigned order is the values' order (NaN largest, -0 == +0).
inline uint32_t sortable_key(float a) {
  if (a != a) return 0xFFFFFFFFu;
  if (a == 0) a = 0;
  uint32_t u;
  std::memcpy(&u, &a, sizeof(u));
  return u & 0x80000000u ? ~u : u | 0x80000000u;
}
inline uint32_t sortable_key(int32_t a) { return static_cast<uint32_t>(a) ^ 0x80000000u; }

// A 32-bit key above the position: one word whose order is the values' with ties by position.
inline uint64_t packed_key(uint32_t key, int64_t position) {
  return static_cast<uint64_t>(key) << 32 | static_cast<uint64_t>(position);
}

// a < b with NaN above every number.
template <class A>
inline bool nan_last_less(A a, A b) {
  if constexpr (std::is_floating_point_v<A>) {
    if (b != b) return a == a;
    if (a != a) return false;
  }
  return a < b;
}

// Rows of 32-bit values (float, the 16-bit floats, int32) sort as 64-bit integers: the key
// above the position, so ties keep their order (every sort is stable) and a comparison is one
// instruction, not two loads through the positions. 2-3x std::sort over positions.
//
// Rows of 256 and more sort by radix instead: LSD over the keys' 32 bits, stable, so ties keep
// the positions' order as std::sort on the whole word does; kBits-bit digits (fewer passes for
// long rows, smaller counts for short ones). A digit that all keys share moves nothing and is
// skipped. [256, 1024] float32 rows: 7.6 -> 1.7 ms; one row of 262144: 13.7 -> 1.7 ms.
// Where each key's digit (kBits bits at `shift`) starts in the pass's output; false when every
// key has the same digit, so that the pass would move nothing.
template <int kBits>
bool digit_starts(const uint64_t* keys, int64_t n, int shift, int64_t* start) {
  constexpr uint64_t kMask = (uint64_t{1} << kBits) - 1;
  std::fill(start, start + kMask + 1, int64_t{0});
  for (int64_t j = 0; j < n; ++j) ++start[(keys[j] >> shift) & kMask];
  if (start[(keys[0] >> shift) & kMask] == n) return false;
  int64_t sum = 0;
  for (uint64_t d = 0; d <= kMask; ++d) {
    const int64_t count = start[d];
    start[d] = sum;
    sum += count;
  }
  return true;
}

template <int kBits>
void radix_sort_keys(uint64_t* a, uint64_t* scratch, int64_t n) {
  constexpr uint64_t kMask = (uint64_t{1} << kBits) - 1;
  uint64_t* src = a;
  uint64_t* dst = scratch;
  int64_t start[kMask + 1];
  for (int shift = 32; shift < 64; shift += kBits) {
    if (!digit_starts<kBits>(src, n, shift, start)) continue;
    for (int64_t j = 0; j < n; ++j) dst[start[(src[j] >> shift) & kMask]++] = src[j];
    std::swap(src, dst);
  }
  if (src != a) std::copy(src, src + n, a);
}

// The same for 64-bit values (double, int64): keys whose unsigned order is the values'.
inline uint64_t sortable_key64(double a) {
  if (a != a) return ~uint64_t{0};
  if (a == 0) a = 0;
  uint64_t u;
  std::memcpy(&u, &a, sizeof(u));
  return u >> 63 ? ~u : u | (uint64_t{1} << 63);
}
inline uint64_t sortable_key64(int64_t a) { return static_cast<uint64_t>(a) ^ (uint64_t{1} << 63); }

// LSD radix sort of positions by 64-bit keys, 11-bit digits (constant ones skipped), stable:
// unique of 1M int64 spends most of its time here. The first pass that moves anything writes
// the positions themselves (no iota). Long rows are shared out: each thread counts and moves its
// own block of the row, writing after the blocks before it (stable still). 1M int64 keys in [0, 1M): 47 -> 19 ms on 2
// cores.
void radix_sort_pairs(std::vector<uint64_t>& keys, std::vector<int64_t>& order, std::vector<uint64_t>& key_scratch,
                      std::vector<int64_t>& order_scratch) {
  constexpr int kBits = 11, kDigits = (64 + kBits - 1) / kBits;
  constexpr int64_t kRadix = int64_t{1} << kBits;
  constexpr uint64_t kMask = kRadix - 1;
  const auto n = static_cast<int64_t>(keys.size());
  if (n == 0) return;
  key_scratch.resize(keys.size());
  order_scratch.resize(order.size());
  const int nt = n >= 65536 ? num_threads() : 1;
  const int64_t block = (n + nt - 1) / nt;
  // counts[t][d][v]: keys of thread t's block with digit d equal to v; turned into where the
  // first of them goes.
  std::vector<int64_t> counts(static_cast<size_t>(nt) * kDigits * kRadix, 0);
  auto at = [&](int t, int d) { return counts.data() + (static_cast<int64_t>(t) * kDigits + d) * kRadix; };
  // A digit moves nothing when every key has the same one there: the bits where the keys' OR and
  // AND differ say which do (counting the constant digits cost as much as the rest: every key
  // added to the same counter, one dependent add after another).
  std::vector<uint64_t> ors(static_cast<size_t>(nt)), ands(static_cast<size_t>(nt));
  auto spread = [&](int t) {
    uint64_t o = 0, a = ~uint64_t{0};
    const uint64_t* k = keys.data();
#pragma omp simd reduction(| : o) reduction(& : a)
    for (int64_t j = t * block; j < std::min(n, (t + 1) * block); ++j) {
      o |= k[j];
      a &= k[j];
    }
    ors[static_cast<size_t>(t)] = o;
    ands[static_cast<size_t>(t)] = a;
  };
  bool moves[kDigits];
  auto decide = [&] {
    uint64_t o = 0, a = ~uint64_t{0};
    for (int t = 0; t < nt; ++t) {
      o |= ors[static_cast<size_t>(t)];
      a &= ands[static_cast<size_t>(t)];
    }
    for (int d = 0; d < kDigits; ++d) moves[d] = (((o ^ a) >> (d * kBits)) & kMask) != 0;
  };
  // The keys of thread t's block of src with each value of digit d: counted again for every
  // pass, as each pass deals the keys out to other blocks.
  auto count = [&](int t, int d, const uint64_t* src) {
    int64_t* c = at(t, d);
    for (int64_t j = t * block, e = std::min(n, (t + 1) * block); j < e; ++j) ++c[(src[j] >> (d * kBits)) & kMask];
  };
  auto place = [&](int d) {
    int64_t sum = 0;
    for (int64_t v = 0; v < kRadix; ++v)
      for (int t = 0; t < nt; ++t) {
        const int64_t c = at(t, d)[v];
        at(t, d)[v] = sum;
        sum += c;
      }
  };
  // Every thread runs the same passes over the same buffers; the result says whether the sorted
  // keys ended in the scratch buffers and whether any pass moved them.
  auto run = [&](int t, auto barrier, auto once) {
    spread(t);
    barrier();
    once(decide);
    uint64_t *src = keys.data(), *dst = key_scratch.data();
    int64_t *from = order.data(), *to = order_scratch.data();
    bool moved = false;
    for (int d = 0; d < kDigits; ++d) {
      if (!moves[d]) continue;
      count(t, d, src);
      barrier();
      once([&] { place(d); });
      int64_t* start = at(t, d);
      const int shift = d * kBits;
      for (int64_t j = t * block, e = std::min(n, (t + 1) * block); j < e; ++j) {
        const uint64_t key = src[j];
        const int64_t p = start[(key >> shift) & kMask]++;
        dst[p] = key;
        to[p] = moved ? from[j] : j;
      }
      barrier();
      std::swap(src, dst);
      std::swap(from, to);
      moved = true;
    }
    return std::pair{src != keys.data(), moved};
  };
  std::pair<bool, bool> result;
  if (nt == 1) {
    result = run(
        0, [] {}, [](auto f) { f(); });
  } else {
#pragma omp parallel num_threads(nt)
    {
      const auto r = run(
          omp_get_thread_num(),
          [] {
#pragma omp barrier
          },
          [](auto f) {
#pragma omp single
            f();
          });
      if (omp_get_thread_num() == 0) result = r;
    }
  }
  if (result.first) {
    keys.swap(key_scratch);
    order.swap(order_scratch);
  }
  if (!result.second) std::iota(order.begin(), order.end(), int64_t{0});
}

template <class A, class T>
void sort_row_packed(const T* xs, int64_t stride, int64_t n, int64_t k, bool descending, uint64_t* packed,
                     std::vector<uint64_t>& scratch) {
  for (int64_t j = 0; j < n; ++j) {
    const uint32_t key = sortable_key(A(xs[j * stride]));
    packed[j] = packed_key(descending ? ~key : key, j);
  }
  if (k < n && (n < kRadixFrom || k * 8 < n)) {
    std::partial_sort(packed, packed + k, packed + n);  // a few first ones: a heap over the row
  } else if (n >= kRadixFrom) {
    scratch.resize(static_cast<size_t>(n));
    if (n >= 65536)
      radix_sort_keys<11>(packed, scratch.data(), n);
    else
      radix_sort_keys<8>(packed, scratch.data(), n);
  } else {
    std::sort(packed, packed + n);
  }
}

// A thread's scratch vector number kSlot of T, sized n, its memory kept from call to call: fresh
// vectors for a long row were page-faulted in on every sort (with the zeroing, half the time of
// sorting 262144 int64 values). Vectors over 64 MiB are given back when the holder goes.
template <class T, int kSlot>
struct Reused {
  std::vector<T>& v;
  explicit Reused(size_t n) : v(storage()) { v.resize(n); }
  ~Reused() {
    if (v.capacity() * sizeof(T) > (size_t{64} << 20)) std::vector<T>().swap(v);
  }
  Reused(const Reused&) = delete;
  Reused& operator=(const Reused&) = delete;
  static std::vector<T>& storage() {
    thread_local std::vector<T> held;
    return held;
  }
};

}  // namespace

void sort(DType dtype, const DimGeometry& g, void* values, int64_t* indices, const void* in, int64_t k,
          bool descending, bool stable) {
  dispatch_all(dtype, [&]<class T>() {
    using A = acc_t<T>;
    const T* x = static_cast<const T*>(in);
    T* v = static_cast<T*>(values);
    if constexpr (std::is_same_v<A, float> || std::is_same_v<A, int32_t>) {
      if (g.size < (int64_t{1} << 32)) {
        parallel_for(0, g.outer * g.inner, 16, [&](int64_t b, int64_t e) {
          Reused<uint64_t, 0> packed_held(static_cast<size_t>(g.size));
          Reused<uint64_t, 1> scratch_held(0);
          std::vector<uint64_t>& packed = packed_held.v;
          std::vector<uint64_t>& scratch = scratch_held.v;
          for (int64_t r = b; r < e; ++r) {
            const int64_t o = r / g.inner, i = r % g.inner;
            const T* xs = x + o * g.in_outer_stride + i * g.in_inner_stride;
            sort_row_packed<A>(xs, g.in_dim_stride, g.size, k, descending, packed.data(), scratch);
            T* vs = v + o * g.out_outer_stride + i * g.out_inner_stride;
            int64_t* is = indices + o * g.out_outer_stride + i * g.out_inner_stride;
            for (int64_t j = 0; j < k; ++j) {
              const auto src = static_cast<int64_t>(packed[static_cast<size_t>(j)] & 0xFFFFFFFFu);
              vs[j * g.out_dim_stride] = xs[src * g.in_dim_stride];
              is[j * g.out_dim_stride] = src;
            }
          }
        });
        return;
      }
    }
    constexpr bool kWide = std::is_same_v<A, double> || std::is_same_v<A, int64_t>;
    const bool radix = kWide && g.size >= 4 * kRadixFrom && k * 8 >= g.size;  // 6 passes of 2048 counts
    parallel_for(0, g.outer * g.inner, 16, [&](int64_t b, int64_t e) {
      Reused<int64_t, 0> order_held(static_cast<size_t>(g.size));
      Reused<int64_t, 1> order_scratch_held(0);
      Reused<A, 2> key_held(radix ? 0 : static_cast<size_t>(g.size));
      Reused<uint64_t, 0> wide_held(radix ? static_cast<size_t>(g.size) : 0);
      Reused<uint64_t, 1> wide_scratch_held(0);
      std::vector<int64_t>& order = order_held.v;
      std::vector<int64_t>& order_scratch = order_scratch_held.v;
      std::vector<A>& key = key_held.v;
      std::vector<uint64_t>& wide = wide_held.v;
      std::vector<uint64_t>& wide_scratch = wide_scratch_held.v;
      for (int64_t r = b; r < e; ++r) {
        const int64_t o = r / g.inner, i = r % g.inner;
        const T* xs = x + o * g.in_outer_stride + i * g.in_inner_stride;
        T* vs = v + o * g.out_outer_stride + i * g.out_inner_stride;
        int64_t* is = indices + o * g.out_outer_stride + i * g.out_inner_stride;
        if (radix) {
          if constexpr (kWide) {
            // (A long row by itself is shared out among the threads here too; rows side by side
            // already are.)
            parallel_for(0, g.size, kGrain, [&](int64_t jb, int64_t je) {
              for (int64_t j = jb; j < je; ++j) {
                const uint64_t w = sortable_key64(A(xs[j * g.in_dim_stride]));
                wide[static_cast<size_t>(j)] = descending ? ~w : w;
              }
            });
            radix_sort_pairs(wide, order, wide_scratch, order_scratch);
            if constexpr (std::is_same_v<T, int64_t>) {
              // An int64 key is its value with the sign bit flipped: no gather through the
              // positions (a cache miss per element on long rows).
              parallel_for(0, k, kGrain, [&](int64_t jb, int64_t je) {
                for (int64_t j = jb; j < je; ++j) {
                  const uint64_t w = wide[static_cast<size_t>(j)];
                  vs[j * g.out_dim_stride] = static_cast<int64_t>((descending ? ~w : w) ^ (uint64_t{1} << 63));
                  is[j * g.out_dim_stride] = order[static_cast<size_t>(j)];
                }
              });
              continue;
            }
          }
        } else {
          std::iota(order.begin(), order.end(), int64_t{0});
          for (int64_t j = 0; j < g.size; ++j) key[static_cast<size_t>(j)] = A(xs[j * g.in_dim_stride]);
          auto cmp = [&](int64_t p, int64_t q) {
            const A a = key[static_cast<size_t>(p)], c = key[static_cast<size_t>(q)];
            return descending ? nan_last_less(c, a) : nan_last_less(a, c);
          };
          if (stable)
            std::stable_sort(order.begin(), order.end(), cmp);
          else if (k < g.size)
            std::partial_sort(order.begin(), order.begin() + k, order.end(), cmp);
          else
            std::sort(order.begin(), order.end(), cmp);
        }
        for (int64_t j = 0; j < k; ++j) {
          const int64_t src = order[static_cast<size_t>(j)];
          vs[j * g.out_dim_stride] = xs[src * g.in_dim_stride];
          is[j * g.out_dim_stride] = src;
        }
      }
    });
  });
}

namespace {

// The rank of the wanted element among a row's n values holding `nans` NaNs (which sort last),
// or -1 for "the first NaN" (median with NaNs).
inline int64_t select_rank(SelectOp op, int64_t k, int64_t n, int64_t nans) {
  switch (op) {
    case SelectOp::Kth:
      return k;
    case SelectOp::Median:
      return nans > 0 ? -1 : (n - 1) / 2;
    case SelectOp::NanMedian:
      return n == nans ? 0 : (n - nans - 1) / 2;
  }
  return k;
}

}  // namespace

void select(DType dtype, const DimGeometry& g, void* values, int64_t* indices, const void* in, SelectOp op, int64_t k) {
  dispatch_all(dtype, [&]<class T>() {
    using A = acc_t<T>;
    const T* x = static_cast<const T*>(in);
    T* v = static_cast<T*>(values);
    // Row by row: the rank wanted (after counting NaNs), then the position that pick(row, rank)
    // finds; make_pick gives each thread a picker with its own scratch.
    auto run = [&](auto make_pick) {
      parallel_for(0, g.outer * g.inner, 16, [&](int64_t b, int64_t e) {
        auto pick = make_pick();
        for (int64_t r = b; r < e; ++r) {
          const int64_t o = r / g.inner, i = r % g.inner;
          const T* xs = x + o * g.in_outer_stride + i * g.in_inner_stride;
          int64_t nans = 0, first_nan = -1;
          if constexpr (std::is_floating_point_v<A>) {
            for (int64_t j = 0; op != SelectOp::Kth && j < g.size; ++j) {
              const A a = A(xs[j * g.in_dim_stride]);
              if (a != a && nans++ == 0) first_nan = j;
            }
          }
          const int64_t rank = select_rank(op, k, g.size, nans);
          const int64_t src = rank < 0 ? first_nan : pick(xs, rank);
          const int64_t dst = o * g.out_outer_stride + i * g.out_inner_stride;
          v[dst] = xs[src * g.in_dim_stride];
          if (indices) indices[dst] = src;
        }
      });
    };
    // nth_element over the bare order-preserving keys finds the key at the rank. The element a
    // stable sort would put there is the first holding it for the value alone, and for the index
    // the one among the equal keys (in position order) that the keys below it, all now before the
    // rank, say. float32 keys packed with their positions took 1.6-2x as long; for 8-byte keys
    // this is as fast as the comparison sort of positions it replaces.
    using Key = std::conditional_t<sizeof(A) == 8, uint64_t, uint32_t>;
    auto key_of = [](A a) -> Key {
      if constexpr (sizeof(A) == 8)
        return sortable_key64(a);
      else if constexpr (std::is_floating_point_v<A>)
        return sortable_key(static_cast<float>(a));
      else
        return sortable_key(static_cast<int32_t>(a));
    };
    run([&] {
      return [&, keys = std::vector<Key>(static_cast<size_t>(g.size))](const T* xs, int64_t rank) mutable {
        for (int64_t j = 0; j < g.size; ++j) keys[static_cast<size_t>(j)] = key_of(A(xs[j * g.in_dim_stride]));
        std::nth_element(keys.begin(), keys.begin() + rank, keys.end());
        const Key want = keys[static_cast<size_t>(rank)];
        int64_t nth = 0;
        if (indices) {
          nth = rank;
          for (int64_t j = 0; j < rank; ++j) nth -= keys[static_cast<size_t>(j)] < want;
        }
        int64_t j = 0;
        for (int64_t seen = 0;; ++j)
          if (key_of(A(xs[j * g.in_dim_stride])) == want && seen++ == nth) break;
        return j;
      };
    });
  });
}

}  // namespace tg::kernels::cpu
