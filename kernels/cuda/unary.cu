// Elementwise unary kernels on the GPU, one functor per line of unary_ops.def (the same formulas
// as the CPU's, evaluated in the same accumulation types).
#include <cmath>

#include "kernels/cuda/complex_kernels.h"
#include "kernels/cuda/cuda_kernels.h"
#include "kernels/cuda/loops.cuh"
#include "kernels/special_math.h"

namespace tg::kernels::cuda {
namespace {

#define TG_UNARY_OP(name, Name, kind, domain, formula, ...) \
  struct Name##Fn {                                          \
    template <class V>                                       \
    __device__ V operator()(V x) const {                     \
      return formula;                                        \
    }                                                        \
  };
#include "tapegrad/tensor/unary_ops.def"
// then tg::special's kernels
#include "tapegrad/tensor/special_ops.def"
#undef TG_UNARY_OP

template <class T, class Fn>
struct Apply {
  __device__ T operator()(T x) const { return static_cast<T>(Fn{}(static_cast<acc_t<T>>(x))); }
};

template <class T, class Fn>
struct Strided {
  T* out;
  const T* in;
  __device__ void operator()(const int64_t* off) const { out[off[0]] = Apply<T, Fn>{}(in[off[1]]); }
};

template <class T, class Fn>
void run(const Loop& L, void* out, const void* in) {
  if (L.numel == 0) return;
  auto* o = static_cast<T*>(out);
  const auto* x = static_cast<const T*>(in);
  if (is_contiguous_loop(L) && aligned16(o) && aligned16(x)) {
    vector_kernel<T, Apply<T, Fn>, false, false>
        <<<grid_for_vector(L.numel, Vec16<T>::kSize), kBlock, 0, current_stream()>>>(L.numel, o, x, nullptr, {});
    TG_CUDA_CHECK(cudaGetLastError(), "unary");
  } else {
    launch_strided<2>(L, Strided<T, Fn>{o, x}, "unary");
  }
}

// Float ops run on floating dtypes only (the front end promotes integers); the others on every
// dtype but bool. Decided at compile time: integer instantiations of sqrt and friends do not
// exist on the device.
template <class T>
struct FrexpStrided {
  T* mantissa;
  int32_t* exponent;
  const T* in;
  __device__ void operator()(const int64_t* off) const {
    int32_t e;
    mantissa[off[0]] = static_cast<T>(frexp_value(static_cast<acc_t<T>>(in[off[2]]), e));
    exponent[off[1]] = e;
  }
};

template <class Fn, bool kFloatingOnly>
void dispatch_kind(DType dt, const Loop& L, void* out, const void* in) {
  if constexpr (kFloatingOnly) dispatch_floating(dt, [&]<class T>() { run<T, Fn>(L, out, in); });
  else dispatch_numeric(dt, [&]<class T>() { run<T, Fn>(L, out, in); });
}

constexpr bool kFloatKind_Float = true;
constexpr bool kFloatKind_Signed = false;
constexpr bool kFloatKind_Real = false;
constexpr bool kFloatKind_Floating = true;

}  // namespace

void unary(UnaryOp op, DType dtype, const Loop& loop, void* out, const void* in) {
  if (is_complex(dtype)) return complex_unary(op, dtype, loop, out, in);
  switch (op) {
#define TG_UNARY_OP(name, Name, kind, ...) \
  case UnaryOp::Name:                      \
    return dispatch_kind<Name##Fn, kFloatKind_##kind>(dtype, loop, out, in);
#include "tapegrad/tensor/unary_ops.def"
// then tg::special's kernels
#include "tapegrad/tensor/special_ops.def"
#undef TG_UNARY_OP
  }
}

void frexp(DType dtype, const Loop& loop, void* mantissa, int32_t* exponent, const void* in) {
  dispatch_floating(dtype, [&]<class T>() {
    launch_strided<3>(loop, FrexpStrided<T>{static_cast<T*>(mantissa), exponent, static_cast<const T*>(in)}, "frexp");
  });
}

}  // namespace tg::kernels::cuda
