// Reductions (sum, prod, max/min with indices, all/any, norm's sums of squares and of absolute
// values) and scans (cumsum, cumprod, cummax/cummin, logcumsumexp) on the GPU, complex sums,
// products and cumulative ones included. The reducers and scanners are the CPU's (same accumulation types and
// NaN rules); the schedule is the GPU's own: a block per result for long reductions, split across
// more blocks (a second pass combines them) when there are too few results to fill the GPU, and a
// thread per result when the results are contiguous and the reduced dims are outer (column sums),
// so that loads coalesce.
#include <cmath>

#include "kernels/complex_math.h"
#include "kernels/cuda/cuda_kernels.h"
#include "kernels/cuda/loops.cuh"
#include "kernels/scan_math.h"

namespace tg::kernels::cuda {
namespace {

template <class T>
using wide_t = std::conditional_t<std::is_floating_point_v<acc_t<T>>, double, int64_t>;

template <class T>
struct SumR {
  using Acc = wide_t<T>;
  __device__ Acc init() const { return 0; }
  __device__ void step(Acc& a, acc_t<T> x, int64_t) const { a += static_cast<Acc>(x); }
  __device__ void combine(Acc& a, const Acc& b) const { a += b; }
};
// norm's sums of x^2 (kSquares) or |x|, of floating types, accumulated as sums are.
template <class T, bool kSquares>
struct NormSumR {
  using Acc = double;
  __device__ Acc init() const { return 0; }
  __device__ void step(Acc& a, acc_t<T> x, int64_t) const {
    const auto v = static_cast<double>(x);
    a += kSquares ? v * v : fabs(v);
  }
  __device__ void combine(Acc& a, const Acc& b) const { a += b; }
};
template <class T>
struct ProdR {
  using Acc = wide_t<T>;
  __device__ Acc init() const { return 1; }
  __device__ void step(Acc& a, acc_t<T> x, int64_t) const { a *= static_cast<Acc>(x); }
  __device__ void combine(Acc& a, const Acc& b) const { a *= b; }
};
// Max/min keep the first index of the extreme value; NaN wins.
template <class T, bool kMax>
struct ExtremeR {
  using A = acc_t<T>;
  struct Acc {
    A value;
    int64_t index;
    bool valid;
  };
  __device__ Acc init() const { return {A(0), 0, false}; }
  __device__ static bool better(A x, A cur) {
    if constexpr (std::is_floating_point_v<A>) {
      if (cur != cur) return false;
      if (x != x) return true;
    }
    return kMax ? x > cur : x < cur;
  }
  __device__ void step(Acc& a, A x, int64_t i) const {
    if (!a.valid || better(x, a.value)) a = {x, i, true};
  }
  __device__ void combine(Acc& a, const Acc& b) const {
    if (!b.valid) return;
    if (!a.valid || better(b.value, a.value) || (!better(a.value, b.value) && b.index < a.index)) a = b;
  }
};
// Complex sums and products accumulate in complex128 (as the real ones in double), held as a
// plain pair: __shared__ arrays cannot hold a type with a constructor.
struct ComplexAcc {
  double re, im;
};
template <class T, bool kProd>
struct ComplexR {
  using Acc = ComplexAcc;
  __device__ Acc init() const { return {kProd ? 1.0 : 0.0, 0.0}; }
  __device__ void step(Acc& a, T x, int64_t) const { combine(a, {x.real(), x.imag()}); }
  __device__ void combine(Acc& a, const Acc& b) const {
    if constexpr (kProd) {
      const complex128 p = cmul(complex128(a.re, a.im), complex128(b.re, b.im));
      a = {p.real(), p.imag()};
    } else {
      a.re += b.re;
      a.im += b.im;
    }
  }
};
template <class T, bool kAll>
struct LogicR {
  using Acc = bool;
  __device__ Acc init() const { return kAll; }
  __device__ void step(Acc& a, acc_t<T> x, int64_t) const {
    if constexpr (kAll) a = a && (x != acc_t<T>(0));
    else a = a || (x != acc_t<T>(0));
  }
  __device__ void combine(Acc& a, const Acc& b) const { a = kAll ? (a && b) : (a || b); }
};

// Stores v converted to the output dtype (a uniform switch: one kernel serves every output type).
template <class V>
__device__ void store_as(void* out, DType dt, int64_t pos, V v) {
  switch (dt) {
    case DType::Bool: static_cast<bool*>(out)[pos] = convert<bool>(v); break;
    case DType::UInt8: static_cast<uint8_t*>(out)[pos] = convert<uint8_t>(v); break;
    case DType::Int8: static_cast<int8_t*>(out)[pos] = convert<int8_t>(v); break;
    case DType::Int16: static_cast<int16_t*>(out)[pos] = convert<int16_t>(v); break;
    case DType::Int32: static_cast<int32_t*>(out)[pos] = convert<int32_t>(v); break;
    case DType::Int64: static_cast<int64_t*>(out)[pos] = convert<int64_t>(v); break;
    case DType::Float16: static_cast<half*>(out)[pos] = convert<half>(v); break;
    case DType::BFloat16: static_cast<bfloat16*>(out)[pos] = convert<bfloat16>(v); break;
    case DType::Float32: static_cast<float*>(out)[pos] = convert<float>(v); break;
    case DType::Float64: static_cast<double*>(out)[pos] = convert<double>(v); break;
  }
}

__device__ void store_as(void* out, DType dt, int64_t pos, ComplexAcc v) {
  if (dt == DType::Complex64)
    static_cast<complex64*>(out)[pos] = complex64(static_cast<float>(v.re), static_cast<float>(v.im));
  else
    static_cast<complex128*>(out)[pos] = complex128(v.re, v.im);
}

template <class Acc>
__device__ void write_result(void* out, DType out_dtype, int64_t* indices, int64_t pos, const Acc& a) {
  if constexpr (requires { a.index; }) {
    if (indices) indices[pos] = a.index;
    if (out) store_as(out, out_dtype, pos, a.value);
  } else {
    if (out) store_as(out, out_dtype, pos, a);
  }
}

// Offset of position i (row-major) over n dims with these sizes and strides.
__device__ inline int64_t offset_of(int64_t i, int n, const int64_t* sizes, const int64_t* strides) {
  if (n == 1) return i * strides[0];
  int64_t off = 0;
  for (int d = n - 1; d >= 0; --d) {
    off += (i % sizes[d]) * strides[d];
    i /= sizes[d];
  }
  return off;
}

struct Output {
  void* out;
  DType dtype;
  int64_t* indices;
};

// Block (k, c) reduces positions [c * chunk, (c + 1) * chunk) of result k; with one chunk it
// writes the result, else its partial into partial[k * gridDim.y + c].
template <class T, class R>
__global__ void reduce_blocks(const __grid_constant__ ReduceGeometry g, const T* __restrict__ in, int64_t chunk,
                              Output o, typename R::Acc* partial) {
  using Acc = typename R::Acc;
  __shared__ Acc shared[kBlock];
  const R r;
  const int64_t k = blockIdx.x;
  const T* base = in + offset_of(k, g.n_kept, g.kept_sizes, g.kept_strides);
  const int64_t begin = static_cast<int64_t>(blockIdx.y) * chunk;
  const int64_t end = min(g.reduced_numel, begin + chunk);
  Acc a = r.init();
  for (int64_t i = begin + threadIdx.x; i < end; i += blockDim.x)
    r.step(a, static_cast<acc_t<T>>(base[offset_of(i, g.n_reduced, g.reduced_sizes, g.reduced_strides)]), i);
  shared[threadIdx.x] = a;
  __syncthreads();
  for (unsigned s = blockDim.x / 2; s > 0; s /= 2) {
    if (threadIdx.x < s) r.combine(shared[threadIdx.x], shared[threadIdx.x + s]);
    __syncthreads();
  }
  if (threadIdx.x != 0) return;
  if (gridDim.y == 1) write_result(o.out, o.dtype, o.indices, k, shared[0]);
  else partial[k * gridDim.y + blockIdx.y] = shared[0];
}

// Second pass: block k combines the n partial results of result k, in order.
template <class R>
__global__ void combine_partials(const typename R::Acc* __restrict__ partial, int64_t n, Output o) {
  using Acc = typename R::Acc;
  __shared__ Acc shared[kBlock];
  const R r;
  const int64_t k = blockIdx.x;
  Acc a = r.init();
  for (int64_t i = threadIdx.x; i < n; i += blockDim.x) r.combine(a, partial[k * n + i]);
  shared[threadIdx.x] = a;
  __syncthreads();
  for (unsigned s = blockDim.x / 2; s > 0; s /= 2) {
    if (threadIdx.x < s) r.combine(shared[threadIdx.x], shared[threadIdx.x + s]);
    __syncthreads();
  }
  if (threadIdx.x == 0) write_result(o.out, o.dtype, o.indices, k, shared[0]);
}

// A thread per result: neighbouring threads read neighbouring elements when the kept dims are
// innermost in memory.
template <class T, class R>
__global__ void reduce_threads(const __grid_constant__ ReduceGeometry g, const T* __restrict__ in, Output o) {
  const R r;
  const int64_t step = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t k = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; k < g.kept_numel; k += step) {
    const T* base = in + offset_of(k, g.n_kept, g.kept_sizes, g.kept_strides);
    typename R::Acc a = r.init();
    for (int64_t i = 0; i < g.reduced_numel; ++i)
      r.step(a, static_cast<acc_t<T>>(base[offset_of(i, g.n_reduced, g.reduced_sizes, g.reduced_strides)]), i);
    write_result(o.out, o.dtype, o.indices, k, a);
  }
}

unsigned threads_for(int64_t n) {
  unsigned t = 32;
  while (t < kBlock && t < n) t *= 2;
  return t;
}

template <class T, class R>
void reduce_impl(const ReduceGeometry& g, const Output& o, const T* in) {
  using Acc = typename R::Acc;
  if (g.kept_numel == 0) return;
  cudaStream_t stream = current_stream();
  const bool column = g.n_kept > 0 && g.kept_strides[g.n_kept - 1] == 1 && g.kept_numel >= 1024 &&
                      !(g.n_reduced > 0 && g.reduced_strides[g.n_reduced - 1] == 1);
  if (column || g.reduced_numel <= 16) {
    reduce_threads<T, R><<<grid_for(g.kept_numel), kBlock, 0, stream>>>(g, in, o);
    TG_CUDA_CHECK(cudaGetLastError(), "reduce");
    return;
  }
  // Few results over many elements: split each into chunks so that the GPU has ~4 blocks per SM.
  int64_t chunks = 1;
  constexpr int64_t kMinChunk = 16 * kBlock;
  if (g.kept_numel < 512 && g.reduced_numel > 2 * kMinChunk)
    chunks = std::min<int64_t>({(512 + g.kept_numel - 1) / g.kept_numel, g.reduced_numel / kMinChunk, 65535});
  const int64_t chunk = (g.reduced_numel + chunks - 1) / chunks;
  const unsigned threads = threads_for(chunk);
  TG_CHECK(g.kept_numel <= 0x7fffffff, "reduce: {} results are more than one CUDA launch can index", g.kept_numel);
  const dim3 grid(static_cast<unsigned>(g.kept_numel), static_cast<unsigned>(chunks));
  if (chunks == 1) {
    reduce_blocks<T, R><<<grid, threads, 0, stream>>>(g, in, chunk, o, nullptr);
    TG_CUDA_CHECK(cudaGetLastError(), "reduce");
    return;
  }
  Scratch partial(sizeof(Acc) * static_cast<size_t>(g.kept_numel * chunks));
  reduce_blocks<T, R><<<grid, threads, 0, stream>>>(g, in, chunk, o, partial.as<Acc>());
  TG_CUDA_CHECK(cudaGetLastError(), "reduce");
  combine_partials<R><<<static_cast<unsigned>(g.kept_numel), threads_for(chunks), 0, stream>>>(partial.as<Acc>(),
                                                                                               chunks, o);
  TG_CUDA_CHECK(cudaGetLastError(), "reduce");
}

// A thread per row, pushing its elements in order (the CPU's order, so the same sums).
template <ScanOp kOp, class T>
__global__ void scan_rows(const DimGeometry g, const T* __restrict__ x, T* __restrict__ y, int64_t* __restrict__ idx) {
  using A = acc_t<T>;
  using Sc = Scanner<kOp, A>;
  const int64_t rows = g.outer * g.inner;
  const int64_t step = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t p = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; p < rows; p += step) {
    const int64_t o = p / g.inner, i = p % g.inner;
    const T* xs = x + o * g.in_outer_stride + i * g.in_inner_stride;
    const int64_t out_at = o * g.out_outer_stride + i * g.out_inner_stride;
    typename Sc::S acc = Sc::init();
    int64_t at = 0;
    for (int64_t k = 0; k < g.size; ++k) {
      if (Sc::push(acc, convert<A>(xs[k * g.in_dim_stride]), k)) at = k;
      y[out_at + k * g.out_dim_stride] = convert<T>(acc);
      if (idx) idx[out_at + k * g.out_dim_stride] = at;
    }
  }
}

// cumsum and cumprod of complex rows, a thread per row, in complex128.
template <bool kProd, class T>
__global__ void complex_scan_rows(const DimGeometry g, const T* __restrict__ x, T* __restrict__ y) {
  const int64_t rows = g.outer * g.inner;
  const int64_t step = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t p = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; p < rows; p += step) {
    const int64_t o = p / g.inner, i = p % g.inner;
    const T* xs = x + o * g.in_outer_stride + i * g.in_inner_stride;
    T* ys = y + o * g.out_outer_stride + i * g.out_inner_stride;
    complex128 acc(kProd ? 1.0 : 0.0, 0.0);
    for (int64_t k = 0; k < g.size; ++k) {
      const T v = xs[k * g.in_dim_stride];
      const complex128 z(v.real(), v.imag());
      acc = kProd ? cmul(acc, z) : acc + z;
      ys[k * g.out_dim_stride] = convert<T>(acc);
    }
  }
}

void complex_reduce(ReduceOp op, DType in_dtype, DType out_dtype, const ReduceGeometry& g, const Output& o,
                    const void* in) {
  const bool truth = op == ReduceOp::All || op == ReduceOp::Any;  // of the non-zero test, into bools
  if (!(truth || op == ReduceOp::Sum || op == ReduceOp::Prod) || (!truth && out_dtype != in_dtype))
    fail_dtype(in_dtype);
  dispatch_complex(in_dtype, [&]<class T>() {
    const T* x = static_cast<const T*>(in);
    switch (op) {
      case ReduceOp::Sum:
        return reduce_impl<T, ComplexR<T, false>>(g, o, x);
      case ReduceOp::Prod:
        return reduce_impl<T, ComplexR<T, true>>(g, o, x);
      case ReduceOp::All:
        return reduce_impl<T, LogicR<T, true>>(g, o, x);
      default:
        return reduce_impl<T, LogicR<T, false>>(g, o, x);
    }
  });
}

}  // namespace

void reduce(ReduceOp op, DType in_dtype, DType out_dtype, const ReduceGeometry& g, void* out, int64_t* indices,
            const void* in) {
  const Output o{out, out_dtype, indices};
  if (is_complex(in_dtype)) return complex_reduce(op, in_dtype, out_dtype, g, o, in);
  dispatch_all(in_dtype, [&]<class T>() {
    const T* x = static_cast<const T*>(in);
    switch (op) {
      case ReduceOp::Sum: return reduce_impl<T, SumR<T>>(g, o, x);
      case ReduceOp::Prod: return reduce_impl<T, ProdR<T>>(g, o, x);
      case ReduceOp::Max: return reduce_impl<T, ExtremeR<T, true>>(g, o, x);
      case ReduceOp::Min: return reduce_impl<T, ExtremeR<T, false>>(g, o, x);
      case ReduceOp::All: return reduce_impl<T, LogicR<T, true>>(g, o, x);
      case ReduceOp::Any: return reduce_impl<T, LogicR<T, false>>(g, o, x);
      case ReduceOp::SumSquares:
      case ReduceOp::SumAbs:
        if constexpr (std::is_floating_point_v<acc_t<T>>) {
          if (op == ReduceOp::SumSquares) return reduce_impl<T, NormSumR<T, true>>(g, o, x);
          return reduce_impl<T, NormSumR<T, false>>(g, o, x);
        } else {
          TG_FAIL("norm kernel: dtype {} is not a floating-point type", in_dtype);
        }
    }
  });
}

void scan(ScanOp op, DType dtype, const DimGeometry& g, void* out, int64_t* indices, const void* in) {
  const int64_t rows = g.outer * g.inner;
  if (rows == 0 || g.size == 0) return;
  if (is_complex(dtype)) {
    if (op != ScanOp::Sum && op != ScanOp::Prod) fail_dtype(dtype);
    return dispatch_complex(dtype, [&]<class T>() {
      if (op == ScanOp::Prod)
        complex_scan_rows<true, T>
            <<<grid_for(rows), kBlock, 0, current_stream()>>>(g, static_cast<const T*>(in), static_cast<T*>(out));
      else
        complex_scan_rows<false, T>
            <<<grid_for(rows), kBlock, 0, current_stream()>>>(g, static_cast<const T*>(in), static_cast<T*>(out));
      TG_CUDA_CHECK(cudaGetLastError(), "scan");
    });
  }
  dispatch_all(dtype, [&]<class T>() {
    auto run = [&]<ScanOp kOp>(int64_t* idx) {
      scan_rows<kOp, T><<<grid_for(rows), kBlock, 0, current_stream()>>>(g, static_cast<const T*>(in),
                                                                          static_cast<T*>(out), idx);
      TG_CUDA_CHECK(cudaGetLastError(), "scan");
    };
    switch (op) {
      case ScanOp::Sum: return run.template operator()<ScanOp::Sum>(nullptr);
      case ScanOp::Prod: return run.template operator()<ScanOp::Prod>(nullptr);
      case ScanOp::Max: return run.template operator()<ScanOp::Max>(indices);
      case ScanOp::Min: return run.template operator()<ScanOp::Min>(indices);
      case ScanOp::LogSumExp:
        if constexpr (std::is_floating_point_v<acc_t<T>>) return run.template operator()<ScanOp::LogSumExp>(nullptr);
        else TG_FAIL("logcumsumexp kernel: dtype {} is not a floating-point type", dtype);
    }
  });
}

}  // namespace tg::kernels::cuda
