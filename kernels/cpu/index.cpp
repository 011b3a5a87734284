// Advanced indexing, gather/scatter, index checks and nonzero.
#include <algorithm>
#include <atomic>
#include <cstring>
#include <vector>

#include "kernels/cpu/cpu_kernels.h"
#include "kernels/cpu/loops.h"
#include "kernels/scalar_math.h"

namespace tg::kernels::cpu {
namespace {

// Calls fn(src_offset, dst_offset, n, src_step, dst_step) for every run of the block along its
// last dim (a per-element counter walk would cost more than the copy for row-sized blocks).
template <class F>
inline void for_each_block_run(const IndexGeometry& g, F&& fn) {
  if (g.block_ndim == 0) {
    fn(int64_t{0}, int64_t{0}, int64_t{1}, int64_t{0}, int64_t{0});
    return;
  }
  const int last = g.block_ndim - 1;
  const int64_t n = g.block_sizes[last], ss = g.block_src_strides[last], ds = g.block_dst_strides[last];
  int64_t counter[kMaxDims] = {};
  int64_t runs = 1;
  for (int d = 0; d < last; ++d) runs *= g.block_sizes[d];
  int64_t so = 0, dof = 0;
  for (int64_t r = 0; r < runs; ++r) {
    fn(so, dof, n, ss, ds);
    for (int d = last - 1; d >= 0; --d) {
      so += g.block_src_strides[d];
      dof += g.block_dst_strides[d];
      if (++counter[d] < g.block_sizes[d]) break;
      so -= g.block_src_strides[d] * g.block_sizes[d];
      dof -= g.block_dst_strides[d] * g.block_sizes[d];
      counter[d] = 0;
    }
  }
}

inline int64_t indexed_offset(const IndexGeometry& g, int64_t pos) {
  int64_t off = 0;
  for (int k = 0; k < g.nindex; ++k) off += g.indices[k][pos] * g.index_strides[k];
  return off;
}

// Whether every position moves one whole contiguous row of `self` (index_select along dim 0, an
// embedding and its gradient): those rows are random accesses whose addresses are known ahead.
bool moves_rows(const IndexGeometry& g, int64_t other_position_stride) {
  return g.nindex == 1 && g.block_ndim == 1 && g.block_src_strides[0] == 1 && g.block_dst_strides[0] == 1 &&
         other_position_stride == g.block_sizes[0];
}

// Asks for the first lines of self's row used kAhead positions on, so that its memory latency
// overlaps this row's work (the hardware prefetcher cannot guess random rows; it streams the
// rest of a long row once the first lines arrive).
constexpr int64_t kAhead = 8;
template <int kWrite, class U>
inline void prefetch_row(const IndexGeometry& g, const U* self, int64_t pos, int64_t end, size_t bytes) {
  if (pos + kAhead >= end) return;
  const char* row = reinterpret_cast<const char*>(self + g.indices[0][pos + kAhead] * g.index_strides[0]);
  for (size_t line = 0; line < std::min<size_t>(bytes, 1024); line += 64) __builtin_prefetch(row + line, kWrite);
}

template <class U>
void gather_bytes(const IndexGeometry& g, U* out, const U* src) {
  if (moves_rows(g, g.dst_position_stride)) {
    const int64_t n = g.block_sizes[0], stride = g.index_strides[0];
    const auto bytes = static_cast<size_t>(n) * sizeof(U);
    if (bytes <= 32) {
      // Rows of a few elements (a 1-D table, [V, 2] points): moved element by element, without
      // the call to memcpy and the prefetch (which cost 4x the move: a 1-D index_select ran at
      // 2-4x PyTorch's time). The row length is a template argument for the common ones so the
      // inner loop unrolls away.
      const int64_t* index = g.indices[0];
      const auto rows = [&]<int64_t kN>(int64_t len) {
        parallel_for(0, g.count, kGrain, [&](int64_t b, int64_t e) {
          const int64_t m = kN > 0 ? kN : len;
          for (int64_t pos = b; pos < e; ++pos) {
            const U* from = src + index[pos] * stride;
            for (int64_t i = 0; i < m; ++i) out[pos * m + i] = from[i];
          }
        });
      };
      if (n == 1) return rows.template operator()<1>(1);
      if (n == 2) return rows.template operator()<2>(2);
      return rows.template operator()<0>(n);
    }
    parallel_for(0, g.count, 64, [&](int64_t b, int64_t e) {
      for (int64_t pos = b; pos < e; ++pos) {
        prefetch_row<0>(g, src, pos, e, bytes);
        copy_bytes(out + pos * n, src + g.indices[0][pos] * stride, bytes);
      }
    });
    return;
  }
  if (g.block_ndim == 0 && g.nindex == 1) {  // a 1-D source: its index and strides in registers
    const int64_t* index = g.indices[0];
    const int64_t stride = g.index_strides[0], step = g.dst_position_stride;
    parallel_for(0, g.count, kGrain, [&](int64_t b, int64_t e) {
      for (int64_t pos = b; pos < e; ++pos) out[pos * step] = src[index[pos] * stride];
    });
    return;
  }
  if (g.block_ndim == 0) {  // every dim indexed (a mask, x[i, j]): one element per position
    parallel_for(0, g.count, kGrain, [&](int64_t b, int64_t e) {
      for (int64_t pos = b; pos < e; ++pos) out[pos * g.dst_position_stride] = src[indexed_offset(g, pos)];
    });
    return;
  }
  parallel_for(0, g.count, 64, [&](int64_t b, int64_t e) {
    for (int64_t pos = b; pos < e; ++pos) {
      const U* s = src + indexed_offset(g, pos);
      U* o = out + pos * g.dst_position_stride;
      for_each_block_run(g, [&](int64_t so, int64_t dof, int64_t n, int64_t ss, int64_t ds) {
        if (ss == 1 && ds == 1) {
          copy_bytes(o + dof, s + so, static_cast<size_t>(n) * sizeof(U));
        } else {
          for (int64_t i = 0; i < n; ++i) o[dof + i * ds] = s[so + i * ss];
        }
      });
    }
  });
}

// Visits the index tensor's shape in order, as rows along its last dim: fn(index offset, self
// offset without the dim, other offset, n, and the three operands' steps along the row) (self's
// step 0 when the last dim is the indexed one); the rows spread over threads when `parallel`.
template <class F>
void for_each_dim_index_row(const DimIndexGeometry& g, bool parallel, F&& fn) {
  if (g.ndim == 0) return fn(int64_t{0}, int64_t{0}, int64_t{0}, int64_t{1}, int64_t{0}, int64_t{0}, int64_t{0});
  const int last = g.ndim - 1;
  const int64_t len = g.sizes[last];
  int64_t rows = 1;
  for (int d = 0; d < last; ++d) rows *= g.sizes[d];
  if (len == 0 || rows == 0) return;
  const int64_t is = g.index_strides[last], os = g.other_strides[last], ss = last == g.dim ? 0 : g.self_strides[last];
  // Rows' offsets by a counter over the outer dims: a division per dim and row cost more than a
  // short row itself (gather of [65536, 2] from [65536, 4] ran at 3.3x PyTorch's time).
  int64_t self_steps[kMaxDims] = {};
  for (int d = 0; d < last; ++d) self_steps[d] = d == g.dim ? 0 : g.self_strides[d];
  auto body = [&](int64_t begin, int64_t end) {
    int64_t at[kMaxDims] = {}, rem = begin, io = 0, so = 0, oo = 0;
    for (int d = last - 1; d >= 0; --d) {
      at[d] = rem % g.sizes[d];
      rem /= g.sizes[d];
      io += at[d] * g.index_strides[d];
      oo += at[d] * g.other_strides[d];
      so += at[d] * self_steps[d];
    }
    for (int64_t r = begin; r < end; ++r) {
      fn(io, so, oo, len, is, ss, os);
      for (int d = last - 1; d >= 0; --d) {
        io += g.index_strides[d];
        oo += g.other_strides[d];
        so += self_steps[d];
        if (++at[d] < g.sizes[d]) break;
        io -= at[d] * g.index_strides[d];
        oo -= at[d] * g.other_strides[d];
        so -= at[d] * self_steps[d];
        at[d] = 0;
      }
    }
  };
  if (parallel) parallel_for(0, rows, std::max<int64_t>(1, kGrain / len), body);
  else body(0, rows);
}

}  // namespace

void index_gather(DType dtype, const IndexGeometry& g, void* out, const void* src) {
  switch (itemsize(dtype)) {
    case 1: return gather_bytes(g, static_cast<uint8_t*>(out), static_cast<const uint8_t*>(src));
    case 2: return gather_bytes(g, static_cast<uint16_t*>(out), static_cast<const uint16_t*>(src));
    case 4: return gather_bytes(g, static_cast<uint32_t*>(out), static_cast<const uint32_t*>(src));
    case 8:
      return gather_bytes(g, static_cast<uint64_t*>(out), static_cast<const uint64_t*>(src));
    default:
      return gather_bytes(g, static_cast<Bytes16*>(out), static_cast<const Bytes16*>(src));
  }
}

void index_put(DType dtype, const IndexGeometry& g, void* dst, const void* values, bool accumulate) {
  // Serial: repeated indices must accumulate (or overwrite) in order.
  dispatch_all_complex(dtype, [&]<class T>() {
    T* d = static_cast<T*>(dst);
    const T* v = static_cast<const T*>(values);
    if (accumulate && moves_rows(g, g.src_position_stride)) {
      const int64_t n = g.block_sizes[0];
      for (int64_t pos = 0; pos < g.count; ++pos) {
        prefetch_row<1>(g, d, pos, g.count, static_cast<size_t>(n) * sizeof(T));
        T* tr = d + g.indices[0][pos] * g.index_strides[0];
        const T* sr = v + pos * n;
        for (int64_t i = 0; i < n; ++i) tr[i] = static_cast<T>(acc_t<T>(tr[i]) + acc_t<T>(sr[i]));
      }
      return;
    }
    for (int64_t pos = 0; pos < g.count; ++pos) {
      T* t = d + indexed_offset(g, pos);
      const T* s = v + pos * g.src_position_stride;
      for_each_block_run(g, [&](int64_t so, int64_t dof, int64_t n, int64_t ss, int64_t ds) {
        T* tr = t + dof;
        const T* sr = s + so;
        if (accumulate && ss == 1 && ds == 1) {
          for (int64_t i = 0; i < n; ++i) tr[i] = static_cast<T>(acc_t<T>(tr[i]) + acc_t<T>(sr[i]));
        } else if (accumulate) {
          for (int64_t i = 0; i < n; ++i) tr[i * ds] = static_cast<T>(acc_t<T>(tr[i * ds]) + acc_t<T>(sr[i * ss]));
        } else {
          for (int64_t i = 0; i < n; ++i) tr[i * ds] = sr[i * ss];
        }
      });
    }
  });
}

// Whether the rows of the index (its last dim) are evenly spaced in the index, the output of a
// gather (source of a scatter) and the tensor indexed (dim's stride left out: the index supplies
// that), as in the common [N, C].gather(1, [N, k]); each row contiguous in the index and output.
// Then one loop over rows keeps its pointers and bounds in registers. Sets the rows' count and
// strides.
bool regular_rows(const DimIndexGeometry& g, int64_t& rows, int64_t& index_step, int64_t& self_step,
                  int64_t& out_step) {
  const int last = g.ndim - 1;
  if (g.ndim == 0 || g.index_strides[last] != 1 || g.other_strides[last] != 1) return false;
  const auto self_stride = [&](int d) { return d == g.dim ? 0 : g.self_strides[d]; };
  rows = 1;
  index_step = self_step = out_step = 0;
  for (int d = 0; d < last; ++d) {
    rows *= g.sizes[d];
    if (d + 1 < last) {
      const int64_t n = g.sizes[d + 1];
      if (g.index_strides[d] != g.index_strides[d + 1] * n || self_stride(d) != self_stride(d + 1) * n ||
          g.other_strides[d] != g.other_strides[d + 1] * n)
        return false;
    }
  }
  if (last > 0)
    index_step = g.index_strides[last - 1], self_step = self_stride(last - 1), out_step = g.other_strides[last - 1];
  return true;
}

int64_t gather(DType dtype, const DimIndexGeometry& g, void* out, const void* self, const int64_t* index) {
  std::atomic<int64_t> bad{-1};
  // The bounds check rides along: an index outside [0, size) reads element size - 1 instead (as
  // unsigned, a negative one is above size too), and a row that had one is scanned again for the
  // first. No branch in the loop, and no separate pass over the index.
  const auto size = static_cast<uint64_t>(g.dim_size), last = size - 1;
  auto run = [&]<class U>() {
    U* o = static_cast<U*>(out);
    const U* s = static_cast<const U*>(self);
    const int64_t step = g.self_strides[g.dim];
    int64_t rows = 0, index_step = 0, self_step = 0, out_step = 0;
    if (regular_rows(g, rows, index_step, self_step, out_step)) {
      // (A row at a time through for_each_dim_index_row, [65536, 4].gather(1, [65536, 1]) ran at 3.3x
      // PyTorch's time: the calls and reloads cost more than a short row.)
      const int64_t len = g.sizes[g.ndim - 1], ss = g.dim == g.ndim - 1 ? 0 : g.self_strides[g.ndim - 1];
      parallel_for(0, rows, std::max<int64_t>(1, kGrain / len), [&](int64_t b, int64_t e) {
        const auto rows_of = [&]<bool kAlongRow>() {
          bool out_of_range = false;
          const int64_t* ix = index + b * index_step;
          const U* src = s + b * self_step;
          U* dst = o + b * out_step;
          for (int64_t r = b; r < e; ++r, ix += index_step, src += self_step, dst += out_step) {
            for (int64_t i = 0; i < len; ++i) {
              const auto k = static_cast<uint64_t>(ix[i]);
              out_of_range |= k >= size;
              if constexpr (kAlongRow)
                dst[i] = src[std::min(k, last)];
              else
                dst[i] = src[i * ss + static_cast<int64_t>(std::min(k, last)) * step];
            }
          }
          return out_of_range;
        };
        const bool out_of_range =
            ss == 0 && step == 1 ? rows_of.template operator()<true>() : rows_of.template operator()<false>();
        if (!out_of_range) [[likely]]
          return;
        for (int64_t r = b; r < e; ++r)
          for (int64_t i = 0; i < len; ++i)
            if (static_cast<uint64_t>(index[r * index_step + i]) >= size)
              return note_first_bad(bad, r * index_step + i);
      });
      return;
    }
    for_each_dim_index_row(g, /*parallel=*/true, [&](int64_t io, int64_t so, int64_t oo, int64_t n, int64_t is,
                                                     int64_t ss, int64_t os) {
      bool out_of_range = false;
      if (is == 1 && os == 1 && ss == 0 && step == 1) {  // along the last dim of contiguous tensors
        const U* row = s + so;
        for (int64_t i = 0; i < n; ++i) {
          const auto k = static_cast<uint64_t>(index[io + i]);
          out_of_range |= k >= size;
          o[oo + i] = row[std::min(k, last)];
        }
      } else {
        for (int64_t i = 0; i < n; ++i) {
          const auto k = static_cast<uint64_t>(index[io + i * is]);
          out_of_range |= k >= size;
          o[oo + i * os] = s[so + i * ss + static_cast<int64_t>(std::min(k, last)) * step];
        }
      }
      if (!out_of_range) [[likely]]
        return;
      for (int64_t i = 0; i < n; ++i)
        if (static_cast<uint64_t>(index[io + i * is]) >= size) return note_first_bad(bad, io + i * is);
    });
  };
  if (size == 0) {  // nothing to read: any index is out of range
    for_each_dim_index_row(g, false, [&](int64_t io, int64_t, int64_t, int64_t n, int64_t, int64_t, int64_t) {
      if (n > 0) note_first_bad(bad, io);
    });
    return bad.load();
  }
  switch (itemsize(dtype)) {
    case 1: run.template operator()<uint8_t>(); break;
    case 2: run.template operator()<uint16_t>(); break;
    case 4: run.template operator()<uint32_t>(); break;
    case 8:
      run.template operator()<uint64_t>();
      break;
    default:
      run.template operator()<Bytes16>();
      break;
  }
  return bad.load();
}

void scatter(DType dtype, const DimIndexGeometry& g, void* self, const void* src, const int64_t* index,
             ScatterReduce reduce) {
  // Elements sent to one place must combine (or overwrite) in order. Two elements can meet only
  // where their coordinates off `dim` agree, so threads split what keeps those apart: the rows
  // when `dim` is the last dim (each row is its own slice), else the columns of every row, each
  // thread visiting the rows in order. (Serial, scatter_add ran at 2.2x PyTorch's time on 2 threads.)
  dispatch_all_complex(dtype, [&]<class T>() {
    using A = acc_t<T>;
    T* s = static_cast<T*>(self);
    const T* v = static_cast<const T*>(src);
    const int64_t step = g.self_strides[g.dim];
    const auto run = [&](auto combine) {
      const auto columns = [&](int64_t c0, int64_t c1) {
        return [&, c0, c1](int64_t io, int64_t so, int64_t oo, int64_t n, int64_t is, int64_t ss, int64_t os) {
          if (is == 1 && (os == 1 || os == 0) && ss == 0 && step == 1) {
            // Along the last dim of contiguous tensors, the source contiguous or one value (bincount's ones).
            T* t = s + so;
            const int64_t* at = index + io;
            const T* from = v + oo;
            for (int64_t i = c0; i < std::min(c1, n); ++i) t[at[i]] = combine(t[at[i]], from[i * os]);
            return;
          }
          for (int64_t i = c0; i < std::min(c1, n); ++i) {
            T& t = s[so + i * ss + index[io + i * is] * step];
            t = combine(t, v[oo + i * os]);
          }
        };
      };
      const int last = g.ndim - 1;
      int64_t rows = 0, index_step = 0, self_step = 0, src_step = 0;
      // Rows along the last dim, each its own slice: a thread to a band of rows, as gather.
      if (g.dim == last && step == 1 && regular_rows(g, rows, index_step, self_step, src_step)) {
        const int64_t len = g.sizes[last];
        return parallel_for(0, rows, std::max<int64_t>(1, kGrain / len), [&](int64_t b, int64_t e) {
          for (int64_t r = b; r < e; ++r) {
            T* t = s + r * self_step;
            const int64_t* at = index + r * index_step;
            const T* from = v + r * src_step;
            for (int64_t i = 0; i < len; ++i) t[at[i]] = combine(t[at[i]], from[i]);
          }
        });
      }
      if (g.ndim == 0 || g.dim == last) return for_each_dim_index_row(g, /*parallel=*/true, columns(0, INT64_MAX));
      const int64_t len = g.sizes[last];
      rows = 1;
      for (int d = 0; d < last; ++d) rows *= g.sizes[d];
      parallel_for(0, len, std::max<int64_t>(1, kGrain / std::max<int64_t>(1, rows)),
                   [&](int64_t c0, int64_t c1) { for_each_dim_index_row(g, /*parallel=*/false, columns(c0, c1)); });
    };
    switch (reduce) {
      case ScatterReduce::Assign:
        return run([](T, T b) { return b; });
      case ScatterReduce::Add:
        return run([](T a, T b) { return static_cast<T>(A(a) + A(b)); });
      case ScatterReduce::Mul:
        return run([](T a, T b) { return static_cast<T>(A(a) * A(b)); });
      case ScatterReduce::Max:
      case ScatterReduce::Min:
        if constexpr (is_complex_v<T>) {
          fail_dtype(dtype);  // complex numbers have no order
        } else if (reduce == ScatterReduce::Max) {
          return run([](T a, T b) { return static_cast<T>(max_value(A(a), A(b))); });
        } else {
          return run([](T a, T b) { return static_cast<T>(min_value(A(a), A(b))); });
        }
    }
  });
}

void bag_sum(DType dtype, int64_t bags, int64_t dim, void* out, const void* table, const int64_t* index,
             const int64_t* offsets, const void* scale) {
  dispatch_floating(dtype, [&]<class T>() {
    using A = acc_t<T>;
    // The sums run over column blocks of a fixed width, whose partial sums stay in registers
    // while every row of the bag adds into them (no load and store of the sum per row).
    constexpr int64_t kBlock = 256 / sizeof(A), kAhead = 8;  // rows prefetched ahead of use
    const T* rows = static_cast<const T*>(table);
    const T* s = static_cast<const T*>(scale);
    const int64_t per_bag = bags > 0 ? std::max<int64_t>(1, offsets[bags] / bags) : 1;
    auto prefetch_row = [&](int64_t i) {
      const char* row = reinterpret_cast<const char*>(rows + index[i] * dim);
      for (int64_t line = 0; line < dim * static_cast<int64_t>(sizeof(T)); line += 64) __builtin_prefetch(row + line);
    };
    const int64_t grain = std::max<int64_t>(1, kGrain / std::max<int64_t>(1, per_bag * dim));
    parallel_for(0, bags, grain, [&](int64_t lo, int64_t hi) {
      for (int64_t b = lo; b < hi; ++b) {
        const int64_t begin = offsets[b], end = offsets[b + 1];
        T* dst = static_cast<T*>(out) + b * dim;
        // The rows are scattered over the table: each is asked for kAhead rows before its use
        // (the bag's first ones here).
        for (int64_t i = begin; i < std::min(end, begin + kAhead); ++i) prefetch_row(i);
        int64_t j0 = 0;
        for (; j0 + kBlock <= dim; j0 += kBlock) {
          A part[kBlock] = {};
          for (int64_t i = begin; i < end; ++i) {
            if (j0 == 0 && i + kAhead < end) prefetch_row(i + kAhead);
            const T* row = rows + index[i] * dim + j0;
            const A w = s ? A(s[i]) : A(1);
            for (int64_t j = 0; j < kBlock; ++j) part[j] += w * A(row[j]);
          }
          for (int64_t j = 0; j < kBlock; ++j) dst[j0 + j] = static_cast<T>(part[j]);
        }
        if (j0 == dim) continue;
        A part[kBlock] = {};  // the last, narrower block
        const int64_t width = dim - j0;
        for (int64_t i = begin; i < end; ++i) {
          const T* row = rows + index[i] * dim + j0;
          const A w = s ? A(s[i]) : A(1);
          for (int64_t j = 0; j < width; ++j) part[j] += w * A(row[j]);
        }
        for (int64_t j = 0; j < width; ++j) dst[j0 + j] = static_cast<T>(part[j]);
      }
    });
  });
}

int64_t check_indices(const int64_t* in, int64_t* out, int64_t n, int64_t size) {
  // Blocks checked and wrapped without a branch per element (an early return kept the loop
  // scalar, at a quarter of an index_select's time); a block that had a bad index is scanned
  // again for the first. out is a separate buffer, so the input is still there to scan.
  constexpr int64_t kBlock = 1024;
  for (int64_t b = 0; b < n; b += kBlock) {
    const int64_t e = std::min(n, b + kBlock);
    int bad = 0;
#pragma omp simd reduction(| : bad)
    for (int64_t i = b; i < e; ++i) {
      const int64_t v = in[i];
      bad |= (v < -size) | (v >= size);
      out[i] = v < 0 ? v + size : v;
    }
    if (bad)
      for (int64_t i = b; i < e; ++i)
        if (in[i] < -size || in[i] >= size) return i;
  }
  return -1;
}

namespace {
// Whether each element is non-zero, as bytes-sized work: 1-byte types compare their bytes (bool
// and uint8 alike), the others their value.
template <class T>
inline int64_t count_run(const T* x, int64_t n) {
  if constexpr (std::is_same_v<T, bool>) {
    // As bytes: GCC does not vectorise loads of bool (a bool's byte is 0 or 1).
    const auto* b = reinterpret_cast<const uint8_t*>(x);
    int64_t c = 0;
#pragma omp simd reduction(+ : c)
    for (int64_t i = 0; i < n; ++i) c += b[i];
    return c;
  } else {
    int64_t c = 0;
#pragma omp simd reduction(+ : c)
    for (int64_t i = 0; i < n; ++i) c += acc_t<T>(x[i]) != acc_t<T>(0);
    return c;
  }
}
}  // namespace

int64_t count_nonzero(DType dtype, const void* in, int64_t n) {
  return dispatch_all_complex(dtype, [&]<class T>() {
    const T* x = static_cast<const T*>(in);
    std::atomic<int64_t> total{0};
    parallel_for(0, n, kGrain, [&](int64_t b, int64_t e) { total += count_run(x + b, e - b); });
    return total.load();
  });
}

// The chunks of the input are counted in parallel, then each writes its coordinates from its
// offset: positions are staged branch-free (written always, the cursor advanced by the test, so
// a random mask costs no mispredictions), then written with their row's coordinates.
void nonzero(DType dtype, const void* in, const Shape& sizes, int64_t* out) {
  dispatch_all_complex(dtype, [&]<class T>() {
    const T* x = static_cast<const T*>(in);
    const int nd = sizes.size();
    const int64_t n = sizes.numel();
    const int threads = n > kGrain ? num_threads() : 1;
    const int64_t chunk = (n + threads - 1) / threads;
    std::vector<int64_t> start(static_cast<size_t>(threads) + 1, 0);
    for (int t = 0; t < threads; ++t) {
      const int64_t b = std::min(n, t * chunk), e = std::min(n, b + chunk);
      start[static_cast<size_t>(t) + 1] = count_run(x + b, e - b);
    }
    for (int t = 0; t < threads; ++t) start[static_cast<size_t>(t) + 1] += start[static_cast<size_t>(t)];
    // Row by row of the last dim: a row's outer coordinates are set once (an odometer step per
    // row), so each non-zero costs its staged column and the stores. Stepping one counter per
    // element through the sizes held it in memory: [256, 1024] took twice the 1-D time.
    auto write = [&](int64_t b, int64_t e, int64_t* o) {
      constexpr int64_t kStage = 512;
      int64_t staged[kStage];
      const int64_t inner = sizes[nd - 1];
      int64_t row = b / inner, outer[kMaxDims] = {};  // the row's coordinates in the leading dims
      for (int64_t rem = row, d = nd - 2; d >= 0; --d) {
        outer[d] = rem % sizes[static_cast<int>(d)];
        rem /= sizes[static_cast<int>(d)];
      }
      for (int64_t s = b; s < e; ++row) {
        const int64_t row_end = std::min(e, (row + 1) * inner);
        for (int64_t p = s; p < row_end; p += kStage) {
          const int64_t len = std::min(kStage, row_end - p), column = p - row * inner;
          int64_t k = 0;
          for (int64_t i = 0; i < len; ++i) {
            staged[k] = column + i;
            k += acc_t<T>(x[p + i]) != acc_t<T>(0);
          }
          if (nd == 1) {
            std::copy(staged, staged + k, o);
            o += k;
          } else if (nd == 2) {
            for (int64_t j = 0; j < k; ++j, o += 2) {
              o[0] = row;
              o[1] = staged[j];
            }
          } else {
            for (int64_t j = 0; j < k; ++j) {
              for (int d = 0; d + 1 < nd; ++d) *o++ = outer[d];
              *o++ = staged[j];
            }
          }
        }
        s = row_end;
        for (int d = nd - 2; d >= 0; --d) {
          if (++outer[d] < sizes[d]) break;
          outer[d] = 0;
        }
      }
    };
    // A 0-dim tensor's non-zero has no coordinates to write, an empty one no elements (and its
    // zero sizes must not be divided by).
    if (nd == 0 || n == 0) return;
    if (threads == 1) return write(0, n, out);
#pragma omp parallel num_threads(threads)
    {
      const int t = omp_get_thread_num();
      const int64_t b = std::min(n, t * chunk), e = std::min(n, b + chunk);
      if (b < e) write(b, e, out + start[static_cast<size_t>(t)] * nd);
    }
  });
}

}  // namespace tg::kernels::cpu
