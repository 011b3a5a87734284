// Sorting along a dim (sort, argsort, topk), selecting one element of each slice (kthvalue,
// median, nanmedian) and searchsorted on the GPU. Each slice to sort
// becomes a segment of a contiguous buffer, sorted by CUB's segmented radix sort (stable, so equal
// keys keep their order), and the first k of each is written out. CUB treats -0.0 and +0.0 as
// equal, as the CPU does; it orders NaNs by their bits, so a NaN with its sign bit set (x86's
// 0/0) would sort below -inf: the keys hold every NaN as the positive quiet NaN, which sorts above
// +inf on both devices, and the values are read back from the input by position, so they keep
// their exact bits.
#include <cub/device/device_segmented_radix_sort.cuh>

#include "kernels/cuda/cuda_kernels.h"
#include "kernels/cuda/loops.cuh"

namespace tg::kernels::cuda {
namespace {

// Slice r (= o * inner + i) of the input into row r of keys; positions 0..size-1 as values.
// Every NaN as the positive quiet NaN, the largest key in radix order.
template <class K>
__device__ inline K sort_key(K v) {
  if constexpr (std::is_floating_point_v<K> || is_reduced_float_v<K>) {
    if (!(v == v)) return convert<K>(__int_as_float(0x7fc00000));
  }
  return v;
}

template <class K>
__global__ void gather_rows(const DimGeometry g, const K* in, K* keys, int64_t* order, int* offsets) {
  const int64_t total = g.outer * g.inner * g.size;
  const int64_t step = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t t = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; t < total; t += step) {
    const int64_t r = t / g.size, j = t % g.size;
    const int64_t o = r / g.inner, i = r % g.inner;
    keys[t] = sort_key(in[o * g.in_outer_stride + i * g.in_inner_stride + j * g.in_dim_stride]);
    order[t] = j;
    if (j == 0) offsets[r] = static_cast<int>(r * g.size);
    if (t == total - 1) offsets[r + 1] = static_cast<int>(total);
  }
}

template <class K>
__global__ void scatter_rows(const DimGeometry g, int64_t k, const K* in, const int64_t* order, K* values,
                             int64_t* indices) {
  const int64_t total = g.outer * g.inner * k;
  const int64_t step = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t t = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; t < total; t += step) {
    const int64_t r = t / k, j = t % k;
    const int64_t o = r / g.inner, i = r % g.inner;
    const int64_t dst = o * g.out_outer_stride + i * g.out_inner_stride + j * g.out_dim_stride;
    const int64_t from = order[r * g.size + j];
    values[dst] = in[o * g.in_outer_stride + i * g.in_inner_stride + from * g.in_dim_stride];
    if (indices) indices[dst] = from;
  }
}

// Each slice's keys sorted, with their positions (rows of g.size).
struct SortedRows {
  SortedRows(const DimGeometry& g, size_t key_bytes)
      : keys(key_bytes * static_cast<size_t>(g.outer * g.inner * g.size)),
        order(sizeof(int64_t) * static_cast<size_t>(g.outer * g.inner * g.size)) {}
  Scratch keys, order;
};

template <class K>
void sort_rows(const DimGeometry& g, const K* in, bool descending, const char* op, SortedRows& out) {
  const int64_t rows = g.outer * g.inner, n = rows * g.size;
  TG_CHECK(n < 0x7fffffff, "{}: {} elements are more than the CUDA sort handles in one call", op, n);
  cudaStream_t stream = current_stream();
  Scratch keys_in(sizeof(K) * static_cast<size_t>(n));
  Scratch order_in(sizeof(int64_t) * static_cast<size_t>(n));
  Scratch offsets(sizeof(int) * static_cast<size_t>(rows + 1));
  gather_rows<K><<<grid_for(n), kBlock, 0, stream>>>(g, in, keys_in.as<K>(), order_in.as<int64_t>(), offsets.as<int>());
  TG_CUDA_CHECK(cudaGetLastError(), op);
  const int* begin = offsets.as<int>();
  const int* end = begin + 1;
  auto run = [&](void* temp, size_t& bytes) {
    if (descending)
      return cub::DeviceSegmentedRadixSort::SortPairsDescending(
          temp, bytes, keys_in.as<K>(), out.keys.as<K>(), order_in.as<int64_t>(), out.order.as<int64_t>(),
          static_cast<int>(n), static_cast<int>(rows), begin, end, 0, static_cast<int>(sizeof(K) * 8), stream);
    return cub::DeviceSegmentedRadixSort::SortPairs(
        temp, bytes, keys_in.as<K>(), out.keys.as<K>(), order_in.as<int64_t>(), out.order.as<int64_t>(),
        static_cast<int>(n), static_cast<int>(rows), begin, end, 0, static_cast<int>(sizeof(K) * 8), stream);
  };
  size_t temp_bytes = 0;
  TG_CUDA_CHECK(run(nullptr, temp_bytes), op);
  Scratch temp(temp_bytes);
  TG_CUDA_CHECK(run(temp.as<void>(), temp_bytes), op);
}

template <class K>
void sort_impl(const DimGeometry& g, K* values, int64_t* indices, const K* in, int64_t k, bool descending) {
  const int64_t rows = g.outer * g.inner;
  if (rows * g.size == 0 || k == 0) return;
  SortedRows sorted(g, sizeof(K));
  sort_rows(g, in, descending, "sort", sorted);
  scatter_rows<K>
      <<<grid_for(rows * k), kBlock, 0, current_stream()>>>(g, k, in, sorted.order.as<int64_t>(), values, indices);
  TG_CUDA_CHECK(cudaGetLastError(), "sort");
}

// One thread per row: the rank `select` wants in the sorted row (NaNs, all keyed alike, sort
// last; the first of them in the sort is the row's first, as the sort is stable).
template <class K>
__global__ void pick_rows(const DimGeometry g, SelectOp op, int64_t k, const K* in, const K* keys, const int64_t* order,
                          K* values, int64_t* indices) {
  const int64_t rows = g.outer * g.inner;
  const int64_t step = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t r = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; r < rows; r += step) {
    const K* row = keys + r * g.size;
    int64_t lo = 0, hi = g.size;  // the first NaN's rank: binary search, NaNs being last
    while (lo < hi) {
      const int64_t mid = (lo + hi) / 2;
      if (row[mid] == row[mid])
        lo = mid + 1;
      else
        hi = mid;
    }
    int64_t rank = k;
    if (op == SelectOp::Median) rank = lo < g.size ? lo : (g.size - 1) / 2;
    if (op == SelectOp::NanMedian) rank = lo == 0 ? 0 : (lo - 1) / 2;
    const int64_t o = r / g.inner, i = r % g.inner;
    const int64_t dst = o * g.out_outer_stride + i * g.out_inner_stride;
    const int64_t from = order[r * g.size + rank];
    values[dst] = in[o * g.in_outer_stride + i * g.in_inner_stride + from * g.in_dim_stride];
    indices[dst] = from;
  }
}

// A thread per value: a binary search of its row with the CPU's comparisons.
template <class T>
__global__ void search_rows(const SearchGeometry g, const T* __restrict__ sorted, const T* __restrict__ values,
                            int64_t* __restrict__ out, bool right) {
  using A = acc_t<T>;
  const int64_t total = g.rows * g.count;
  const int64_t step = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t t = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; t < total; t += step) {
    const T* row = sorted + (t / g.count) * g.sorted_row_stride;
    const A v = convert<A>(values[t]);
    int64_t lo = 0, hi = g.size;
    while (lo < hi) {
      const int64_t mid = lo + (hi - lo) / 2;
      const A m = convert<A>(row[mid]);
      if (right ? !(m > v) : !(m >= v)) lo = mid + 1;
      else hi = mid;
    }
    out[t] = lo;
  }
}

}  // namespace

void searchsorted(DType dtype, const SearchGeometry& g, int64_t* out, const void* sorted, const void* values,
                  bool right) {
  const int64_t total = g.rows * g.count;
  if (total == 0) return;
  dispatch_numeric(dtype, [&]<class T>() {
    search_rows<T><<<grid_for(total), kBlock, 0, current_stream()>>>(g, static_cast<const T*>(sorted),
                                                                      static_cast<const T*>(values), out, right);
    TG_CUDA_CHECK(cudaGetLastError(), "searchsorted");
  });
}

void sort(DType dtype, const DimGeometry& g, void* values, int64_t* indices, const void* in, int64_t k,
          bool descending, bool stable) {
  // Radix sort is stable, so `stable` costs nothing extra. Bool sorts as its bytes.
  dispatch_all(dtype, [&]<class T>() {
    using K = std::conditional_t<std::is_same_v<T, bool>, uint8_t, T>;
    sort_impl<K>(g, static_cast<K*>(values), indices, static_cast<const K*>(in), k, descending);
  });
}

void select(DType dtype, const DimGeometry& g, void* values, int64_t* indices, const void* in, SelectOp op, int64_t k) {
  // A full sort, then one element of each row: the sort's stability settles ties by position,
  // as on the CPU.
  const int64_t rows = g.outer * g.inner;
  if (rows * g.size == 0) return;
  dispatch_all(dtype, [&]<class T>() {
    using K = std::conditional_t<std::is_same_v<T, bool>, uint8_t, T>;
    const K* x = static_cast<const K*>(in);
    SortedRows sorted(g, sizeof(K));
    sort_rows(g, x, false, "select", sorted);
    pick_rows<K><<<grid_for(rows), kBlock, 0, current_stream()>>>(
        g, op, k, x, sorted.keys.as<K>(), sorted.order.as<int64_t>(), static_cast<K*>(values), indices);
  });
  TG_CUDA_CHECK(cudaGetLastError(), "select");
}

}  // namespace tg::kernels::cuda
