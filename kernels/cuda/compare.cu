// Comparisons, logical ops, NaN/Inf classification, where and clamp on the GPU.
#include <cmath>

#include "kernels/cuda/complex_kernels.h"
#include "kernels/cuda/cuda_kernels.h"
#include "kernels/cuda/loops.cuh"

namespace tg::kernels::cuda {
namespace {

#define TG_COMPARE_OP(name, Name, formula, ...) \
  struct Name##Fn {                             \
    template <class V>                          \
    __device__ bool operator()(V a, V b) const { \
      return formula;                           \
    }                                           \
  };
#include "tapegrad/tensor/compare_ops.def"
#undef TG_COMPARE_OP

template <class T, class Fn>
struct CompareStrided {
  bool* out;
  const T* a;
  const T* b;
  __device__ void operator()(const int64_t* off) const {
    using A = acc_t<T>;
    out[off[0]] = Fn{}(static_cast<A>(a[off[1]]), static_cast<A>(b[off[2]]));
  }
};

template <class T>
struct ClassifyStrided {
  ClassifyOp op;
  bool* out;
  const T* in;
  __device__ void operator()(const int64_t* off) const {
    using A = acc_t<T>;
    const A v = static_cast<A>(in[off[1]]);
    bool r;
    if constexpr (std::is_floating_point_v<A>) {
      switch (op) {
        case ClassifyOp::IsNan: r = isnan(v); break;
        case ClassifyOp::IsInf: r = isinf(v); break;
        case ClassifyOp::IsFinite: r = isfinite(v); break;
        default: r = !(v != A(0)); break;
      }
    } else {
      r = op == ClassifyOp::IsFinite || (op == ClassifyOp::LogicalNot && v == A(0));
    }
    out[off[0]] = r;
  }
};

// Selection moves bytes: one kernel per element size.
template <class U>
struct WhereStrided {
  U* out;
  const bool* cond;
  const U* a;
  const U* b;
  __device__ void operator()(const int64_t* off) const { out[off[0]] = cond[off[1]] ? a[off[2]] : b[off[3]]; }
};

template <class T>
struct ClampFn {
  acc_t<T> lo, hi;
  bool has_lo, has_hi;
  __device__ T operator()(T v) const {
    acc_t<T> x = static_cast<acc_t<T>>(v);
    if (has_lo) x = max_value(x, lo);
    if (has_hi) x = min_value(x, hi);
    return static_cast<T>(x);
  }
};
template <class T>
struct ClampStrided {
  T* out;
  const T* in;
  ClampFn<T> f;
  __device__ void operator()(const int64_t* off) const { out[off[0]] = f(in[off[1]]); }
};

}  // namespace

void compare(CompareOp op, DType dtype, const Loop& loop, void* out, const void* a, const void* b) {
  if (is_complex(dtype)) return complex_compare(op, dtype, loop, out, a, b);
  dispatch_all(dtype, [&]<class T>() {
    auto* o = static_cast<bool*>(out);
    const auto* x = static_cast<const T*>(a);
    const auto* y = static_cast<const T*>(b);
    switch (op) {
#define TG_COMPARE_OP(name, Name, ...) \
  case CompareOp::Name:                \
    return launch_strided<3>(loop, CompareStrided<T, Name##Fn>{o, x, y}, "compare");
#include "tapegrad/tensor/compare_ops.def"
#undef TG_COMPARE_OP
    }
  });
}

void classify(ClassifyOp op, DType dtype, const Loop& loop, void* out, const void* in) {
  if (is_complex(dtype)) return complex_classify(op, dtype, loop, out, in);
  dispatch_all(dtype, [&]<class T>() {
    launch_strided<2>(loop, ClassifyStrided<T>{op, static_cast<bool*>(out), static_cast<const T*>(in)}, "classify");
  });
}

void where(DType dtype, const Loop& loop, void* out, const void* cond, const void* a, const void* b) {
  dispatch_by_size(dtype, [&]<class U>() {
    launch_strided<4>(loop,
                      WhereStrided<U>{static_cast<U*>(out), static_cast<const bool*>(cond), static_cast<const U*>(a),
                                      static_cast<const U*>(b)},
                      "where");
  });
}

void clamp(DType dtype, const Loop& loop, void* out, const void* in, const Scalar* lo, const Scalar* hi) {
  dispatch_numeric(dtype, [&]<class T>() {
    using A = acc_t<T>;
    const ClampFn<T> f{lo ? scalar_as<A>(*lo) : A(0), hi ? scalar_as<A>(*hi) : A(0), lo != nullptr, hi != nullptr};
    auto* o = static_cast<T*>(out);
    const auto* x = static_cast<const T*>(in);
    if (loop.numel > 0 && is_contiguous_loop(loop) && aligned16(o) && aligned16(x)) {
      vector_kernel<T, ClampFn<T>, false, false>
          <<<grid_for_vector(loop.numel, Vec16<T>::kSize), kBlock, 0, current_stream()>>>(loop.numel, o, x, nullptr, f);
      TG_CUDA_CHECK(cudaGetLastError(), "clamp");
    } else {
      launch_strided<2>(loop, ClampStrided<T>{o, x, f}, "clamp");
    }
  });
}

}  // namespace tg::kernels::cuda
