// Advanced indexing, gather/scatter, index checks and nonzero on the GPU. Accumulating writes
// (index_put with accumulate, scatter_add) use atomic adds, so repeated indices sum up; their
// order of summation, and so the last bits of a float result, may vary from run to run, as in
// PyTorch. scatter_reduce's products, maxima and minima combine by compare-and-swap. Plain
// writes to a repeated index keep one of the values.
#include <cub/device/device_select.cuh>

#include "kernels/complex_math.h"
#include "kernels/cuda/cuda_kernels.h"
#include "kernels/cuda/loops.cuh"
#include "tapegrad/deterministic.h"

namespace tg::kernels::cuda {
namespace {

__device__ inline int64_t indexed_offset(const IndexGeometry& g, int64_t pos) {
  int64_t off = 0;
  for (int k = 0; k < g.nindex; ++k) off += g.indices[k][pos] * g.index_strides[k];
  return off;
}

// Source and destination offsets of element e (row-major) of the block.
__device__ inline void block_offsets(const IndexGeometry& g, int64_t e, int64_t& so, int64_t& dof) {
  so = 0;
  dof = 0;
  for (int d = g.block_ndim - 1; d >= 0; --d) {
    const int64_t c = e % g.block_sizes[d];
    e /= g.block_sizes[d];
    so += c * g.block_src_strides[d];
    dof += c * g.block_dst_strides[d];
  }
}

int64_t block_numel(const IndexGeometry& g) {
  int64_t n = 1;
  for (int d = 0; d < g.block_ndim; ++d) n *= g.block_sizes[d];
  return n;
}

// One thread per (position, block element).
template <class U>
__global__ void index_gather_kernel(const __grid_constant__ IndexGeometry g, int64_t block, U* out, const U* src) {
  const int64_t total = g.count * block;
  const int64_t step = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t t = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; t < total; t += step) {
    const int64_t pos = t / block, e = t % block;
    int64_t so, dof;
    block_offsets(g, e, so, dof);
    out[pos * g.dst_position_stride + dof] = src[indexed_offset(g, pos) + so];
  }
}

template <class W>
__device__ inline bool same_word(const W& a, const W& b) {
  if constexpr (std::is_same_v<W, Bytes16>)
    return a.lo == b.lo && a.hi == b.hi;
  else
    return a == b;
}

// *p = f(*p), atomically: a compare-and-swap loop on the aligned word that holds *p (its own word
// for 4-, 8- and 16-byte T, the last by Hopper's 128-bit compare-and-swap, which the host checks
// for; the 32-bit word around it for 1- and 2-byte T).
template <class T, class F>
__device__ inline void atomic_update(T* p, F f) {
  if constexpr (sizeof(T) >= 4) {
    using W = std::conditional_t<sizeof(T) == 16, Bytes16,
                                 std::conditional_t<sizeof(T) == 8, unsigned long long, unsigned int>>;
#if __CUDA_ARCH__ < 900
    if constexpr (sizeof(T) == 16)
      __trap();
    else
#endif
    {
      auto* word = reinterpret_cast<W*>(p);
      W old = *word, assumed;
      do {
        assumed = old;
        T cur;
        __builtin_memcpy(&cur, &assumed, sizeof(T));
        const T next = f(cur);
        W bits;
        __builtin_memcpy(&bits, &next, sizeof(T));
        old = atomicCAS(word, assumed, bits);
      } while (!same_word(old, assumed));
    }
  } else {
    auto* word = reinterpret_cast<unsigned int*>(reinterpret_cast<uintptr_t>(p) & ~uintptr_t{3});
    const unsigned shift = (reinterpret_cast<uintptr_t>(p) & 3) * 8;
    constexpr unsigned kMask = sizeof(T) == 1 ? 0xffu : 0xffffu;
    unsigned int old = *word, assumed;
    do {
      assumed = old;
      const unsigned int cur_bits = (assumed >> shift) & kMask;
      T cur;
      __builtin_memcpy(&cur, &cur_bits, sizeof(T));
      const T next = f(cur);
      unsigned int bits = 0;
      __builtin_memcpy(&bits, &next, sizeof(T));
      old = atomicCAS(word, assumed, (assumed & ~(kMask << shift)) | (bits << shift));
    } while (old != assumed);
  }
}

template <class T>
__device__ inline void atomic_accumulate(T* p, T v) {
  if constexpr (is_complex_v<T>) {  // the parts add apart
    auto* parts = reinterpret_cast<typename T::value_type*>(p);
    atomicAdd(parts, v.real());
    atomicAdd(parts + 1, v.imag());
  } else if constexpr (std::is_same_v<T, float> || std::is_same_v<T, double> || std::is_same_v<T, half> ||
                       std::is_same_v<T, bfloat16>) {
    atomicAdd(p, v);
  } else if constexpr (std::is_same_v<T, int64_t>) {
    atomicAdd(reinterpret_cast<unsigned long long*>(p), static_cast<unsigned long long>(v));
  } else if constexpr (std::is_same_v<T, int32_t>) {
    atomicAdd(p, v);
  } else if constexpr (std::is_same_v<T, bool>) {
    atomic_update(p, [v](bool cur) { return cur || v; });
  } else {
    atomic_update(p, [v](T cur) { return static_cast<T>(cur + v); });
  }
}

template <class T>
__global__ void index_put_kernel(const __grid_constant__ IndexGeometry g, int64_t block, T* dst, const T* values,
                                 bool accumulate) {
  const int64_t total = g.count * block;
  const int64_t step = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t t = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; t < total; t += step) {
    const int64_t pos = t / block, e = t % block;
    int64_t so, dof;
    block_offsets(g, e, so, dof);
    T* p = dst + indexed_offset(g, pos) + dof;
    const T v = values[pos * g.src_position_stride + so];
    if (accumulate) atomic_accumulate(p, v);
    else *p = v;
  }
}

// Offsets for element t (row-major) of the index tensor's shape: index, self (without dim), other.
__device__ inline void dim_index_offsets(const DimIndexGeometry& g, int64_t t, int64_t& io, int64_t& so, int64_t& oo) {
  io = so = oo = 0;
  for (int d = g.ndim - 1; d >= 0; --d) {
    const int64_t c = t % g.sizes[d];
    t /= g.sizes[d];
    io += c * g.index_strides[d];
    oo += c * g.other_strides[d];
    if (d != g.dim) so += c * g.self_strides[d];
  }
}

int64_t dim_index_numel(const DimIndexGeometry& g) {
  int64_t n = 1;
  for (int d = 0; d < g.ndim; ++d) n *= g.sizes[d];
  return n;
}

// Checks each index as it reads it; the first out of range (lowest position) wins through atomicMin.
template <class U>
__global__ void gather_kernel(const __grid_constant__ DimIndexGeometry g, int64_t total, U* out, const U* self,
                              const int64_t* index, unsigned long long* first_bad) {
  const int64_t step = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t t = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; t < total; t += step) {
    int64_t io, so, oo;
    dim_index_offsets(g, t, io, so, oo);
    const int64_t k = index[io];
    if (k < 0 || k >= g.dim_size) {
      atomicMin(first_bad, static_cast<unsigned long long>(io));
      continue;
    }
    out[oo] = self[so + k * g.self_strides[g.dim]];
  }
}

template <class T>
__global__ void scatter_kernel(const __grid_constant__ DimIndexGeometry g, int64_t total, T* self, const T* src,
                               const int64_t* index, ScatterReduce reduce) {
  using A = acc_t<T>;
  const int64_t step = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t t = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; t < total; t += step) {
    int64_t io, so, oo;
    dim_index_offsets(g, t, io, so, oo);
    T* p = self + so + index[io] * g.self_strides[g.dim];
    const T v = src[oo];
    switch (reduce) {
      case ScatterReduce::Assign:
        *p = v;
        break;
      case ScatterReduce::Add:
        atomic_accumulate(p, v);
        break;
      case ScatterReduce::Mul:
        if constexpr (is_complex_v<T>)
          atomic_update(p, [v](T cur) { return cmul(cur, v); });
        else
          atomic_update(p, [v](T cur) { return static_cast<T>(A(cur) * A(v)); });
        break;
      case ScatterReduce::Max:
        if constexpr (!is_complex_v<T>)  // complex numbers have no order: refused on the host
          atomic_update(p, [v](T cur) { return static_cast<T>(max_value(A(cur), A(v))); });
        break;
      case ScatterReduce::Min:
        if constexpr (!is_complex_v<T>)
          atomic_update(p, [v](T cur) { return static_cast<T>(min_value(A(cur), A(v))); });
        break;
    }
  }
}

// Wraps negative indices; the first bad position (lowest i) wins through atomicMin.
__global__ void check_indices_kernel(const int64_t* in, int64_t* out, int64_t n, int64_t size,
                                     unsigned long long* first_bad) {
  const int64_t step = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += step) {
    const int64_t v = in[i];
    if (v < -size || v >= size) atomicMin(first_bad, static_cast<unsigned long long>(i));
    else out[i] = v < 0 ? v + size : v;
  }
}

// flags[i] = in[i] != 0, and every position i, for the selection to pick from.
template <class T>
__global__ void nonzero_flags(const T* in, int64_t n, uint8_t* flags, int64_t* iota) {
  const int64_t step = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += step) {
    flags[i] = static_cast<acc_t<T>>(in[i]) != acc_t<T>(0);
    iota[i] = i;
  }
}

struct Sizes {
  int ndim;
  int64_t s[kMaxDims];
};

__global__ void multi_indices(const int64_t* linear, const int64_t* count, Sizes sizes, int64_t* out) {
  const int64_t n = *count;
  const int64_t step = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += step) {
    int64_t rem = linear[i];
    for (int d = sizes.ndim - 1; d >= 0; --d) {
      out[i * sizes.ndim + d] = rem % sizes.s[d];
      rem /= sizes.s[d];
    }
  }
}

// The positions (flat) of the non-zeros of in, in order, and their number (on the device).
void select_nonzero(DType dtype, const void* in, int64_t n, int64_t* positions, int64_t* count) {
  TG_CHECK(n <= 0x7fffffff, "nonzero: {} elements are more than this kernel handles", n);
  Scratch flags(static_cast<size_t>(n)), iota(sizeof(int64_t) * static_cast<size_t>(n));
  dispatch_all_complex(dtype, [&]<class T>() {
    nonzero_flags<T><<<grid_for(n), kBlock, 0, current_stream()>>>(static_cast<const T*>(in), n, flags.as<uint8_t>(),
                                                                   iota.as<int64_t>());
  });
  TG_CUDA_CHECK(cudaGetLastError(), "nonzero");
  const int64_t* counting = iota.as<int64_t>();
  size_t temp = 0;
  TG_CUDA_CHECK(cub::DeviceSelect::Flagged(nullptr, temp, counting, flags.as<uint8_t>(), positions, count,
                                           static_cast<int>(n), current_stream()),
                "nonzero");
  Scratch temp_storage(temp);
  TG_CUDA_CHECK(cub::DeviceSelect::Flagged(temp_storage.as<void>(), temp, counting, flags.as<uint8_t>(), positions,
                                           count, static_cast<int>(n), current_stream()),
                "nonzero");
}

int compute_major(const char* op) {
  int major = 0;
  TG_CUDA_CHECK(cudaDeviceGetAttribute(&major, cudaDevAttrComputeCapabilityMajor, ::tg::cuda::detail::current_device()),
                op);
  return major;
}

int64_t read_back(const int64_t* device_value, const char* op) {
  int64_t v = 0;
  TG_CUDA_CHECK(cudaMemcpyAsync(&v, device_value, sizeof v, cudaMemcpyDeviceToHost, current_stream()), op);
  TG_CUDA_CHECK(cudaStreamSynchronize(current_stream()), op);
  return v;
}

// One thread per (bag, column): the bag's entries summed down the column (coalesced across it).
template <class T>
__global__ void bag_sum_kernel(int64_t bags, int64_t dim, T* out, const T* table, const int64_t* index,
                               const int64_t* offsets, const T* scale) {
  using A = acc_t<T>;
  const int64_t total = bags * dim;
  const int64_t step = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t t = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; t < total; t += step) {
    const int64_t b = t / dim, j = t % dim;
    A sum = 0;
    for (int64_t i = offsets[b]; i < offsets[b + 1]; ++i)
      sum += (scale ? static_cast<A>(scale[i]) : A(1)) * static_cast<A>(table[index[i] * dim + j]);
    out[t] = static_cast<T>(sum);
  }
}

}  // namespace

void index_gather(DType dtype, const IndexGeometry& g, void* out, const void* src) {
  const int64_t block = block_numel(g);
  if (g.count * block == 0) return;
  dispatch_by_size(dtype, [&]<class U>() {
    index_gather_kernel<U><<<grid_for(g.count * block), kBlock, 0, current_stream()>>>(
        g, block, static_cast<U*>(out), static_cast<const U*>(src));
  });
  TG_CUDA_CHECK(cudaGetLastError(), "index");
}

void index_put(DType dtype, const IndexGeometry& g, void* dst, const void* values, bool accumulate) {
  const int64_t block = block_numel(g);
  if (g.count * block == 0) return;
  // Floating-point and complex sums depend on the order the atomics land in; integer ones do not.
  if (accumulate && is_inexact(dtype)) ::tg::detail::alert_not_deterministic("index_put_ (accumulate)");
  dispatch_all_complex(dtype, [&]<class T>() {
    index_put_kernel<T><<<grid_for(g.count * block), kBlock, 0, current_stream()>>>(
        g, block, static_cast<T*>(dst), static_cast<const T*>(values), accumulate);
  });
  TG_CUDA_CHECK(cudaGetLastError(), "index_put_");
}

// Reads one number back, so it waits for the GPU (as the index check before it did).
int64_t gather(DType dtype, const DimIndexGeometry& g, void* out, const void* self, const int64_t* index) {
  const int64_t total = dim_index_numel(g);
  if (total == 0) return -1;
  Scratch first_bad(sizeof(unsigned long long));
  TG_CUDA_CHECK(cudaMemsetAsync(first_bad.as<void>(), 0xff, sizeof(unsigned long long), current_stream()), "gather");
  dispatch_by_size(dtype, [&]<class U>() {
    gather_kernel<U><<<grid_for(total), kBlock, 0, current_stream()>>>(
        g, total, static_cast<U*>(out), static_cast<const U*>(self), index, first_bad.as<unsigned long long>());
  });
  TG_CUDA_CHECK(cudaGetLastError(), "gather");
  return read_back(first_bad.as<int64_t>(), "gather");  // all ones reads back as -1: none was bad
}

void scatter(DType dtype, const DimIndexGeometry& g, void* self, const void* src, const int64_t* index,
             ScatterReduce reduce) {
  const int64_t total = dim_index_numel(g);
  if (total == 0) return;
  if (is_complex(dtype)) {
    if (reduce == ScatterReduce::Max || reduce == ScatterReduce::Min) fail_dtype(dtype);  // no order
    if (reduce == ScatterReduce::Mul && dtype == DType::Complex128)
      TG_CHECK_TYPE(compute_major("scatter") >= 9,
                    "scatter (multiply): complex128 needs a 128-bit compare-and-swap, which GPUs before Hopper "
                    "(compute capability 9.0) lack");
  }
  if ((reduce == ScatterReduce::Add || reduce == ScatterReduce::Mul) && is_inexact(dtype))
    ::tg::detail::alert_not_deterministic(reduce == ScatterReduce::Add ? "scatter (add)" : "scatter (multiply)");
  dispatch_all_complex(dtype, [&]<class T>() {
    scatter_kernel<T><<<grid_for(total), kBlock, 0, current_stream()>>>(g, total, static_cast<T*>(self),
                                                                        static_cast<const T*>(src), index, reduce);
  });
  TG_CUDA_CHECK(cudaGetLastError(), "scatter");
}

// Reads one number back to the host, so it waits for the GPU: as PyTorch's device-side asserts
// cannot, it reports a bad index as a tg::IndexError naming it.
int64_t check_indices(const int64_t* in, int64_t* out, int64_t n, int64_t size) {
  if (n == 0) return -1;
  Scratch first_bad(sizeof(unsigned long long));
  const unsigned long long none = ~0ull;
  TG_CUDA_CHECK(cudaMemcpyAsync(first_bad.as<void>(), &none, sizeof none, cudaMemcpyHostToDevice, current_stream()),
                "index");
  check_indices_kernel<<<grid_for(n), kBlock, 0, current_stream()>>>(in, out, n, size,
                                                                      first_bad.as<unsigned long long>());
  TG_CUDA_CHECK(cudaGetLastError(), "index");
  const int64_t bad = read_back(first_bad.as<int64_t>(), "index");
  return bad == -1 ? -1 : bad;  // ~0ull reads back as -1: none was bad
}

int64_t count_nonzero(DType dtype, const void* in, int64_t n) {
  if (n == 0) return 0;
  Scratch positions(sizeof(int64_t) * static_cast<size_t>(n)), count(sizeof(int64_t));
  select_nonzero(dtype, in, n, positions.as<int64_t>(), count.as<int64_t>());
  return read_back(count.as<int64_t>(), "count_nonzero");
}

void nonzero(DType dtype, const void* in, const Shape& sizes, int64_t* out) {
  const int64_t n = sizes.numel();
  if (n == 0) return;
  Scratch positions(sizeof(int64_t) * static_cast<size_t>(n)), count(sizeof(int64_t));
  select_nonzero(dtype, in, n, positions.as<int64_t>(), count.as<int64_t>());
  Sizes s{sizes.size(), {}};
  for (int d = 0; d < sizes.size(); ++d) s.s[d] = sizes[d];
  if (s.ndim == 0) return;  // a 0-dim tensor's non-zero has no coordinates to write
  multi_indices<<<grid_for(n), kBlock, 0, current_stream()>>>(positions.as<int64_t>(), count.as<int64_t>(), s, out);
  TG_CUDA_CHECK(cudaGetLastError(), "nonzero");
}

void bag_sum(DType dtype, int64_t bags, int64_t dim, void* out, const void* table, const int64_t* index,
             const int64_t* offsets, const void* scale) {
  const int64_t total = bags * dim;
  if (total == 0) return;
  dispatch_floating(dtype, [&]<class T>() {
    bag_sum_kernel<T><<<grid_for(total), kBlock, 0, current_stream()>>>(bags, dim, static_cast<T*>(out),
                                                                        static_cast<const T*>(table), index, offsets,
                                                                        static_cast<const T*>(scale));
  });
  TG_CUDA_CHECK(cudaGetLastError(), "embedding_bag");
}

}  // namespace tg::kernels::cuda
