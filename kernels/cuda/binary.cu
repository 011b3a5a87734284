// Elementwise binary arithmetic on the GPU, one functor per line of binary_ops.def (the CPU's
// formulas, in the same accumulation types), and the fused ternary ops.
#include <cmath>

#include "kernels/cuda/complex_kernels.h"
#include "kernels/cuda/cuda_kernels.h"
#include "kernels/cuda/loops.cuh"
#include "kernels/special_math.h"

namespace tg::kernels::cuda {
namespace {

#define TG_BINARY_OP(name, Name, kind, da, db, formula, ...)         \
  struct Name##Fn {                                                  \
    template <class V>                                               \
    __device__ V operator()(V a, V b, [[maybe_unused]] V alpha) const { \
      return static_cast<V>(formula);                                \
    }                                                                \
  };
#include "tapegrad/tensor/binary_ops.def"
#include "tapegrad/tensor/special_ops.def"
#undef TG_BINARY_OP

template <class T, class Fn>
struct Apply {
  acc_t<T> alpha;
  __device__ T operator()(T a, T b) const {
    using A = acc_t<T>;
    return static_cast<T>(Fn{}(static_cast<A>(a), static_cast<A>(b), alpha));
  }
};

// nextafter of the 16-bit floats steps their own bits: computed in float, the next float would
// round back to a.
template <class T>
struct NextafterBits16 {
  __device__ T operator()(T a, T b) const {
    if constexpr (std::is_same_v<T, half>) {
      return __ushort_as_half(nextafter_bits<unsigned short>(__half_as_ushort(a), __half_as_ushort(b), 0x7c00));
    } else {
      return __ushort_as_bfloat16(
          nextafter_bits<unsigned short>(__bfloat16_as_ushort(a), __bfloat16_as_ushort(b), 0x7f80));
    }
  }
};
template <class T, class Fn>
using ApplyFor =
    std::conditional_t<std::is_same_v<Fn, NextafterFn> && is_reduced_float_v<T>, NextafterBits16<T>, Apply<T, Fn>>;

template <class T, class Fn>
struct Strided {
  T* out;
  const T* a;
  const T* b;
  ApplyFor<T, Fn> f;
  __device__ void operator()(const int64_t* off) const { out[off[0]] = f(a[off[1]], b[off[2]]); }
};

template <class T, class Fn>
void run(const Loop& L, void* out, const void* a, const void* b, const Scalar& alpha) {
  if (L.numel == 0) return;
  auto* o = static_cast<T*>(out);
  const auto* x = static_cast<const T*>(a);
  const auto* y = static_cast<const T*>(b);
  using F = ApplyFor<T, Fn>;
  F f{};
  if constexpr (std::is_same_v<F, Apply<T, Fn>>) f.alpha = scalar_as<acc_t<T>>(alpha);
  const bool flat = L.ndim == 1 && L.strides[0][0] == 1 && L.strides[1][0] == 1;
  if (flat && (L.strides[2][0] == 0 || L.strides[2][0] == 1) && aligned16(o) && aligned16(x) && aligned16(y)) {
    const unsigned grid = grid_for_vector(L.numel, Vec16<T>::kSize);
    if (L.strides[2][0] == 1)
      vector_kernel<T, F, true, false><<<grid, kBlock, 0, current_stream()>>>(L.numel, o, x, y, f);
    else
      vector_kernel<T, F, true, true><<<grid, kBlock, 0, current_stream()>>>(L.numel, o, x, y, f);
    TG_CUDA_CHECK(cudaGetLastError(), "binary");
  } else {
    launch_strided<3>(L, Strided<T, Fn>{o, x, y, f}, "binary");
  }
}

template <BitwiseOp Op>
struct BitwiseFn {
  template <class V>
  __device__ V operator()(V a, V b, V) const {
    return bitwise_value<Op>(a, b);
  }
};

template <class T, TernaryOp Op>
struct TernaryStrided {
  T* out;
  const T* a;
  const T* b;
  const T* c;
  acc_t<T> value;
  __device__ void operator()(const int64_t* off) const {
    using A = acc_t<T>;
    out[off[0]] = static_cast<T>(
        ternary_value<Op>(static_cast<A>(a[off[1]]), static_cast<A>(b[off[2]]), static_cast<A>(c[off[3]]), value));
  }
};

template <class T, TernaryOp Op>
void run_ternary(const Loop& L, void* out, const void* a, const void* b, const void* c, const Scalar& value) {
  using A = acc_t<T>;
  const A v = scalar_as<A>(value);
  launch_strided<4>(L,
                    TernaryStrided<T, Op>{static_cast<T*>(out), static_cast<const T*>(a), static_cast<const T*>(b),
                                          static_cast<const T*>(c), v},
                    "ternary");
}

}  // namespace

void ternary(TernaryOp op, DType dtype, const Loop& loop, void* out, const void* a, const void* b, const void* c,
             const Scalar& value) {
  if (is_complex(dtype)) return complex_ternary(op, dtype, loop, out, a, b, c, value);
  switch (op) {
    case TernaryOp::AddCMul:
      return dispatch_numeric(dtype, [&]<class T>() { run_ternary<T, TernaryOp::AddCMul>(loop, out, a, b, c, value); });
    case TernaryOp::AddCDiv:
      return dispatch_floating(dtype,
                               [&]<class T>() { run_ternary<T, TernaryOp::AddCDiv>(loop, out, a, b, c, value); });
    case TernaryOp::Lerp:
      return dispatch_floating(dtype, [&]<class T>() { run_ternary<T, TernaryOp::Lerp>(loop, out, a, b, c, value); });
    case TernaryOp::Prelu:
      return dispatch_floating(dtype, [&]<class T>() { run_ternary<T, TernaryOp::Prelu>(loop, out, a, b, c, value); });
  }
}

void bitwise(BitwiseOp op, DType dtype, const Loop& loop, void* out, const void* a, const void* b) {
  dispatch_all(dtype, [&]<class T>() {
    if constexpr (std::is_integral_v<T>) {
      switch (op) {
#define TG_BITWISE_OP(name, Name, ...) \
  case BitwiseOp::Name:                \
    return run<T, BitwiseFn<BitwiseOp::Name>>(loop, out, a, b, 1);
#include "tapegrad/tensor/bitwise_ops.def"
#undef TG_BITWISE_OP
      }
    } else {
      TG_FAIL("CUDA bitwise: dtype {} is not bool or an integer type", dtype);
    }
  });
}

void binary(BinaryOp op, DType dtype, const Loop& loop, void* out, const void* a, const void* b,
            const Scalar& alpha) {
  if (is_complex(dtype)) return complex_binary(op, dtype, loop, out, a, b, alpha);
  switch (op) {
#define TG_BINARY_OP(name, Name, ...) \
  case BinaryOp::Name:                \
    return dispatch_all(dtype, [&]<class T>() { run<T, Name##Fn>(loop, out, a, b, alpha); });
#include "tapegrad/tensor/binary_ops.def"
#undef TG_BINARY_OP
// torch.special's: their front ends hand them floating dtypes only.
#define TG_BINARY_OP(name, Name, ...) \
  case BinaryOp::Name:                \
    return dispatch_floating(dtype, [&]<class T>() { run<T, Name##Fn>(loop, out, a, b, alpha); });
#include "tapegrad/tensor/special_ops.def"
#undef TG_BINARY_OP
  }
}

}  // namespace tg::kernels::cuda
