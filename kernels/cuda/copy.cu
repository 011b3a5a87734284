// Strided copies with dtype conversion, fills, and the triangles of matrices (tril, triu), on the GPU.
#include "kernels/cuda/cuda_kernels.h"
#include "kernels/cuda/loops.cuh"

namespace tg::kernels::cuda {
namespace {

template <class To, class From>
struct CopyStrided {
  To* out;
  const From* in;
  __device__ void operator()(const int64_t* off) const { out[off[0]] = convert<To>(in[off[1]]); }
};

template <class T>
struct FillStrided {
  T* out;
  T value;
  __device__ void operator()(const int64_t* off) const { out[off[0]] = value; }
};

template <class T>
__global__ void fill_contiguous(T* __restrict__ out, int64_t n, T value) {
  const int64_t step = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += step) out[i] = value;
}

// U: an unsigned type of the element's size (every dtype's zero is all bits clear). out may be in
// (tril_, triu_: each thread reads and writes its own element), so neither is __restrict__.
template <class U>
__global__ void triangle_kernel(int64_t n, int64_t rows, int64_t cols, int64_t diagonal, bool lower, U* out,
                                const U* in) {
  const int64_t step = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t k = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; k < n; k += step) {
    const int64_t j = k % cols, i = (k / cols) % rows;
    const bool keep = lower ? j - i <= diagonal : j - i >= diagonal;
    out[k] = keep ? in[k] : U{};
  }
}

}  // namespace

void triangle(DType dtype, int64_t batch, int64_t rows, int64_t cols, int64_t diagonal, bool lower, void* out,
              const void* in) {
  const int64_t n = batch * rows * cols;
  if (n == 0) return;
  dispatch_by_size(dtype, [&]<class U>() {
    triangle_kernel<U><<<grid_for(n), kBlock, 0, current_stream()>>>(n, rows, cols, diagonal, lower,
                                                                     static_cast<U*>(out), static_cast<const U*>(in));
  });
  TG_CUDA_CHECK(cudaGetLastError(), lower ? "tril" : "triu");
}

void copy(const Loop& loop, void* out, DType out_dtype, const void* in, DType in_dtype) {
  if (loop.numel == 0) return;
  if (out_dtype == in_dtype) {
    const size_t item = itemsize(out_dtype);
    if (loop.ndim == 1 && loop.strides[0][0] == 1 && loop.strides[1][0] == 1) {
      TG_CUDA_CHECK(cudaMemcpyAsync(out, in, static_cast<size_t>(loop.numel) * item, cudaMemcpyDeviceToDevice,
                                    current_stream()),
                    "copy");
      return;
    }
    // Same type: move bytes of the element's size.
    return dispatch_by_size(out_dtype, [&]<class U>() {
      launch_strided<2>(loop, CopyStrided<U, U>{static_cast<U*>(out), static_cast<const U*>(in)}, "copy");
    });
  }
  // Complex on either side adds its pairs only: the real pairs are the same instantiations.
  dispatch_all_complex(out_dtype, [&]<class To>() {
    dispatch_all_complex(in_dtype, [&]<class From>() {
      launch_strided<2>(loop, CopyStrided<To, From>{static_cast<To*>(out), static_cast<const From*>(in)}, "copy");
    });
  });
}

void fill(const Loop& loop, void* out, DType dtype, const Scalar& value) {
  if (loop.numel == 0) return;
  dispatch_all_complex(dtype, [&]<class T>() {
    T v;
    if constexpr (is_complex_v<T> || std::is_same_v<T, bool>)
      v = scalar_as<T>(value);
    else if constexpr (std::is_integral_v<T>)
      v = value.is_floating_point() ? convert<T>(value.to_double()) : static_cast<T>(value.to_int());
    else
      v = static_cast<T>(static_cast<acc_t<T>>(value.to_double()));
    T* o = static_cast<T*>(out);
    if (loop.ndim == 1 && loop.strides[0][0] == 1) {
      fill_contiguous<T><<<grid_for(loop.numel), kBlock, 0, current_stream()>>>(o, loop.numel, v);
      TG_CUDA_CHECK(cudaGetLastError(), "fill_");
    } else {
      launch_strided<1>(loop, FillStrided<T>{o, v}, "fill_");
    }
  });
}

}  // namespace tg::kernels::cuda
