#pragma once
// Building blocks of the CUDA kernels: device element types and conversions, dtype dispatch,
// per-element offsets over a Loop, and launch shapes. Included by the .cu files only.
#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include <cstdint>
#include <cuda/std/complex>
#include <limits>
#include <type_traits>

#include "kernels/cuda/cuda_runtime.h"
#include "kernels/kernels.h"
#include "kernels/scalar_math.h"
#include "tapegrad/tensor/error.h"

namespace tg::kernels::cuda {

using ::tg::cuda::detail::current_stream;
using ::tg::cuda::detail::Scratch;
using half = __half;
using bfloat16 = __nv_bfloat16;

// complex64 and complex128 elements: libcu++'s complex, laid out as std::complex (two parts).
using complex64 = ::cuda::std::complex<float>;
using complex128 = ::cuda::std::complex<double>;
template <class T>
inline constexpr bool is_complex_v = false;
template <class R>
inline constexpr bool is_complex_v<::cuda::std::complex<R>> = true;

template <class T>
inline constexpr bool is_reduced_float_v = std::is_same_v<T, half> || std::is_same_v<T, bfloat16>;

// The type arithmetic happens in: float for the 16-bit floats, int for bool, else T itself
// (the CPU kernels' rule, so both devices round the same way).
template <class T>
using acc_t = std::conditional_t<is_reduced_float_v<T>, float, std::conditional_t<std::is_same_v<T, bool>, int, T>>;

// Value conversion with the CPU kernels' rules: float to integer saturates (NaN gives 0), to bool
// is "not zero".
template <class To, class From>
__host__ __device__ inline To convert(From v) {
  if constexpr (std::is_same_v<To, From>) {
    return v;
  } else if constexpr (is_complex_v<To>) {
    // A real number is the real part; complex64 <-> complex128 converts each part.
    using R = typename To::value_type;
    if constexpr (is_complex_v<From>)
      return To(static_cast<R>(v.real()), static_cast<R>(v.imag()));
    else
      return To(convert<R>(v), R(0));
  } else if constexpr (is_complex_v<From>) {
    // Kept to the real part, as PyTorch's conversions do (the front ends decide when that is asked for).
    if constexpr (std::is_same_v<To, bool>)
      return v != From(0);
    else
      return convert<To>(v.real());
  } else if constexpr (is_reduced_float_v<From>) {
    return convert<To>(static_cast<float>(v));
  } else if constexpr (std::is_same_v<To, bool>) {
    return v != From(0);
  } else if constexpr (is_reduced_float_v<To>) {
    return To(static_cast<float>(v));
  } else if constexpr (std::is_integral_v<To> && std::is_floating_point_v<From>) {
    if (!(v == v)) return To(0);
    if (v <= static_cast<From>(std::numeric_limits<To>::lowest())) return std::numeric_limits<To>::lowest();
    if (v >= static_cast<From>(std::numeric_limits<To>::max())) return std::numeric_limits<To>::max();
    return static_cast<To>(v);
  } else {
    return static_cast<To>(v);
  }
}

// Calls fn.template operator()<T>() with T the device element type of dt.
template <class F>
decltype(auto) dispatch_all(DType dt, F&& fn) {
  switch (dt) {
    case DType::Bool: return fn.template operator()<bool>();
    case DType::UInt8: return fn.template operator()<uint8_t>();
    case DType::Int8: return fn.template operator()<int8_t>();
    case DType::Int16: return fn.template operator()<int16_t>();
    case DType::Int32: return fn.template operator()<int32_t>();
    case DType::Int64: return fn.template operator()<int64_t>();
    case DType::Float16: return fn.template operator()<half>();
    case DType::BFloat16: return fn.template operator()<bfloat16>();
    case DType::Float32: return fn.template operator()<float>();
    case DType::Float64: return fn.template operator()<double>();
    case DType::Complex64:
    case DType::Complex128:
      break;
  }
  fail_dtype(dt);
}
template <class F>
decltype(auto) dispatch_complex(DType dt, F&& fn) {
  if (dt == DType::Complex64) return fn.template operator()<complex64>();
  if (dt == DType::Complex128) return fn.template operator()<complex128>();
  fail_dtype(dt);
}
// dispatch_all, complex dtypes included: the kernels that only move, add or test against zero.
template <class F>
decltype(auto) dispatch_all_complex(DType dt, F&& fn) {
  if (is_complex(dt)) return dispatch_complex(dt, std::forward<F>(fn));
  return dispatch_all(dt, std::forward<F>(fn));
}

// An element moved as its bytes, whatever its type: an unsigned integer of its size, or (complex128)
// a pair of them.
struct alignas(16) Bytes16 {
  uint64_t lo, hi;
};
template <class F>
decltype(auto) dispatch_by_size(DType dt, F&& fn) {
  switch (itemsize(dt)) {
    case 1:
      return fn.template operator()<uint8_t>();
    case 2:
      return fn.template operator()<uint16_t>();
    case 4:
      return fn.template operator()<uint32_t>();
    case 8:
      return fn.template operator()<uint64_t>();
    case 16:
      return fn.template operator()<Bytes16>();
    default:
      fail_dtype(dt);
  }
}

template <class F>
decltype(auto) dispatch_floating(DType dt, F&& fn) {
  switch (dt) {
    case DType::Float16: return fn.template operator()<half>();
    case DType::BFloat16: return fn.template operator()<bfloat16>();
    case DType::Float32: return fn.template operator()<float>();
    case DType::Float64: return fn.template operator()<double>();
    default:
      if (is_complex(dt)) fail_dtype(dt);
      TG_FAIL("CUDA kernel: dtype {} is not a floating-point type", dt);
  }
}
// float32 and float64 only: the fused kernels whose callers cast 16-bit inputs up first.
template <class F>
decltype(auto) dispatch_single_double(DType dt, F&& fn) {
  switch (dt) {
    case DType::Float32: return fn.template operator()<float>();
    case DType::Float64: return fn.template operator()<double>();
    default:
      if (is_complex(dt)) fail_dtype(dt);
      TG_FAIL("CUDA kernel: dtype {} is not float32 or float64", dt);
  }
}
template <class F>
decltype(auto) dispatch_numeric(DType dt, F&& fn) {
  if (dt == DType::Bool) TG_FAIL("CUDA kernel: bool is not supported here");
  return dispatch_all(dt, std::forward<F>(fn));
}

// A host Scalar as the value type V (the kernels' parameters are plain values).
template <class V>
V scalar_as(const Scalar& s) {
  if constexpr (is_complex_v<V>) {
    const std::complex<double> z = s.to_complex();
    return V(static_cast<typename V::value_type>(z.real()), static_cast<typename V::value_type>(z.imag()));
  } else if constexpr (std::is_same_v<V, bool>)
    return s.to_bool();
  else if constexpr (std::is_integral_v<V>) return static_cast<V>(s.is_floating_point() ? static_cast<int64_t>(s.to_double()) : s.to_int());
  else return static_cast<V>(s.to_double());
}

inline constexpr int kBlock = 256;

// A grid of kBlock-thread blocks for n work items, capped so that grid-stride loops take over
// for huge n (enough blocks to fill every SM several times).
inline unsigned grid_for(int64_t n) {
  const int64_t blocks = (n + kBlock - 1) / kBlock;
  return static_cast<unsigned>(blocks < 1 ? 1 : blocks > 65535 * 8 ? 65535 * 8 : blocks);
}

// Element offsets of the N operands of loop L at linear index i (dim 0 innermost).
template <int N>
__device__ inline void loop_offsets(const Loop& L, int64_t i, int64_t (&off)[N]) {
  if (L.ndim == 1) {  // the common case, without a 64-bit division
#pragma unroll
    for (int k = 0; k < N; ++k) off[k] = i * L.strides[k][0];
    return;
  }
#pragma unroll
  for (int k = 0; k < N; ++k) off[k] = 0;
  for (int d = 0; d < L.ndim; ++d) {
    const int64_t size = L.sizes[d];
    const int64_t c = i % size;
    i /= size;
#pragma unroll
    for (int k = 0; k < N; ++k) off[k] += c * L.strides[k][d];
  }
}

// Runs op(offsets) for every element of L, one thread per element (grid-stride).
template <int N, class Op>
__global__ void strided_kernel(const __grid_constant__ Loop L, Op op) {
  const int64_t step = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < L.numel; i += step) {
    int64_t off[N];
    loop_offsets<N>(L, i, off);
    op(off);
  }
}

template <int N, class Op>
void launch_strided(const Loop& L, const Op& op, const char* name) {
  if (L.numel == 0) return;
  strided_kernel<N, Op><<<grid_for(L.numel), kBlock, 0, current_stream()>>>(L, op);
  TG_CUDA_CHECK(cudaGetLastError(), name);
}

// Whether every operand of L is walked contiguously (one dim, unit strides).
inline bool is_contiguous_loop(const Loop& L) {
  if (L.ndim != 1) return false;
  for (int k = 0; k < L.noperands; ++k)
    if (L.strides[k][0] != 1) return false;
  return true;
}
inline bool aligned16(const void* p) { return p == nullptr || (reinterpret_cast<uintptr_t>(p) & 15) == 0; }

template <class T>
struct alignas(16) Vec16 {
  static constexpr int kSize = 16 / sizeof(T);
  T v[kSize];
};

// out[i] = f(a[i], b[i]) (b unused by unary functors) over n contiguous elements of one type, with
// 16-byte loads and stores; the pointers are 16-byte aligned. A broadcast scalar b (kBScalar) is
// read once per thread. out may be a or b (in-place ops), so no __restrict__.
template <class T, class F, bool kBinary, bool kBScalar>
__global__ void vector_kernel(int64_t n, T* out, const T* a, const T* b, F f) {
  using V = Vec16<T>;
  constexpr int W = V::kSize;
  const int64_t nvec = n / W;
  const int64_t step = static_cast<int64_t>(gridDim.x) * blockDim.x;
  const int64_t tid = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  T bs{};
  if constexpr (kBScalar) bs = b[0];
  for (int64_t i = tid; i < nvec; i += step) {
    const V va = reinterpret_cast<const V*>(a)[i];
    V vb;
    if constexpr (kBinary && !kBScalar) vb = reinterpret_cast<const V*>(b)[i];
    V vo;
#pragma unroll
    for (int k = 0; k < W; ++k) {
      if constexpr (!kBinary) vo.v[k] = f(va.v[k]);
      else if constexpr (kBScalar) vo.v[k] = f(va.v[k], bs);
      else vo.v[k] = f(va.v[k], vb.v[k]);
    }
    reinterpret_cast<V*>(out)[i] = vo;
  }
  for (int64_t i = nvec * W + tid; i < n; i += step) {
    if constexpr (!kBinary) out[i] = f(a[i]);
    else if constexpr (kBScalar) out[i] = f(a[i], bs);
    else out[i] = f(a[i], b[i]);
  }
}

inline unsigned grid_for_vector(int64_t n, int width) { return grid_for((n + width - 1) / width); }

}  // namespace tg::kernels::cuda
