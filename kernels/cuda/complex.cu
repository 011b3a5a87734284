// The GPU kernels of complex64 and complex128 tensors' elementwise maps, products, comparisons
// and fused ternary ops: the CPU's formulas (complex_math.h) on libcu++'s complex numbers, one
// strided kernel per op and dtype (no 16-byte vector path: a complex128 is one 16-byte load).
#include "kernels/complex_math.h"
#include "kernels/cuda/complex_kernels.h"
#include "kernels/cuda/cuda_kernels.h"
#include "kernels/cuda/loops.cuh"

namespace tg::kernels::cuda {
namespace {

template <class T, UnaryOp kOp>
struct UnaryStrided {
  T* out;
  const T* in;
  __device__ void operator()(const int64_t* off) const { out[off[0]] = complex_unary_value<kOp>(in[off[1]]); }
};
template <class T>
struct AbsStrided {
  typename T::value_type* out;
  const T* in;
  __device__ void operator()(const int64_t* off) const { out[off[0]] = complex_abs(in[off[1]]); }
};

template <class T, BinaryOp kOp>
struct BinaryStrided {
  T* out;
  const T* a;
  const T* b;
  T alpha;
  __device__ void operator()(const int64_t* off) const {
    const T p = a[off[1]], q = b[off[2]];
    T r;
    if constexpr (kOp == BinaryOp::Add)
      r = p + cmul(alpha, q);
    else if constexpr (kOp == BinaryOp::Sub)
      r = p - cmul(alpha, q);
    else if constexpr (kOp == BinaryOp::Mul)
      r = cmul(p, q);
    else if constexpr (kOp == BinaryOp::Div)
      r = cdiv(p, q);
    else
      r = pow_complex(p, q);
    out[off[0]] = r;
  }
};

template <class T, CompareOp kOp>
struct CompareStrided {
  bool* out;
  const T* a;
  const T* b;
  __device__ void operator()(const int64_t* off) const {
    const T p = a[off[1]], q = b[off[2]];
    const T zero(0);
    if constexpr (kOp == CompareOp::Eq)
      out[off[0]] = p == q;
    else if constexpr (kOp == CompareOp::Ne)
      out[off[0]] = p != q;
    else if constexpr (kOp == CompareOp::LogicalAnd)
      out[off[0]] = p != zero && q != zero;
    else if constexpr (kOp == CompareOp::LogicalOr)
      out[off[0]] = p != zero || q != zero;
    else
      out[off[0]] = (p != zero) != (q != zero);
  }
};

template <class T>
struct ClassifyStrided {
  ClassifyOp op;
  bool* out;
  const T* in;
  __device__ void operator()(const int64_t* off) const {
    const T z = in[off[1]];
    bool r;
    switch (op) {
      case ClassifyOp::IsNan:
        r = isnan(z.real()) || isnan(z.imag());
        break;
      case ClassifyOp::IsInf:
        r = isinf(z.real()) || isinf(z.imag());
        break;
      case ClassifyOp::IsFinite:
        r = isfinite(z.real()) && isfinite(z.imag());
        break;
      default:
        r = z == T(0);
        break;
    }
    out[off[0]] = r;
  }
};

template <class T, TernaryOp kOp>
struct TernaryStrided {
  T* out;
  const T* a;
  const T* b;
  const T* c;
  T value;
  __device__ void operator()(const int64_t* off) const {
    out[off[0]] = complex_ternary_value<kOp>(a[off[1]], b[off[2]], c[off[3]], value);
  }
};

}  // namespace

void complex_unary(UnaryOp op, DType dtype, const Loop& loop, void* out, const void* in) {
  dispatch_complex(dtype, [&]<class T>() {
    const T* x = static_cast<const T*>(in);
    switch (op) {
      case UnaryOp::Abs:  // the magnitude, into a real tensor
        return launch_strided<2>(loop, AbsStrided<T>{static_cast<typename T::value_type*>(out), x}, "abs");
#define TG_COMPLEX_MAP(Name) \
  case UnaryOp::Name:        \
    return launch_strided<2>(loop, UnaryStrided<T, UnaryOp::Name>{static_cast<T*>(out), x}, "unary");
        TG_COMPLEX_UNARY_OPS(TG_COMPLEX_MAP)
#undef TG_COMPLEX_MAP
      default:
        fail_dtype(dtype);
    }
  });
}

void complex_binary(BinaryOp op, DType dtype, const Loop& loop, void* out, const void* a, const void* b,
                    const Scalar& alpha) {
  dispatch_complex(dtype, [&]<class T>() {
    auto run = [&]<BinaryOp kOp>() {
      launch_strided<3>(loop,
                        BinaryStrided<T, kOp>{static_cast<T*>(out), static_cast<const T*>(a), static_cast<const T*>(b),
                                              scalar_as<T>(alpha)},
                        "binary");
    };
    switch (op) {
      case BinaryOp::Add:
        return run.template operator()<BinaryOp::Add>();
      case BinaryOp::Sub:
        return run.template operator()<BinaryOp::Sub>();
      case BinaryOp::Mul:
        return run.template operator()<BinaryOp::Mul>();
      case BinaryOp::Div:
        return run.template operator()<BinaryOp::Div>();
      case BinaryOp::Pow:
        return run.template operator()<BinaryOp::Pow>();
      default:
        fail_dtype(dtype);
    }
  });
}

void complex_compare(CompareOp op, DType dtype, const Loop& loop, void* out, const void* a, const void* b) {
  dispatch_complex(dtype, [&]<class T>() {
    auto run = [&]<CompareOp kOp>() {
      launch_strided<3>(
          loop, CompareStrided<T, kOp>{static_cast<bool*>(out), static_cast<const T*>(a), static_cast<const T*>(b)},
          "compare");
    };
    switch (op) {
      case CompareOp::Eq:
        return run.template operator()<CompareOp::Eq>();
      case CompareOp::Ne:
        return run.template operator()<CompareOp::Ne>();
      case CompareOp::LogicalAnd:
        return run.template operator()<CompareOp::LogicalAnd>();
      case CompareOp::LogicalOr:
        return run.template operator()<CompareOp::LogicalOr>();
      case CompareOp::LogicalXor:
        return run.template operator()<CompareOp::LogicalXor>();
      default:
        fail_dtype(dtype);  // complex numbers have no order
    }
  });
}

void complex_classify(ClassifyOp op, DType dtype, const Loop& loop, void* out, const void* in) {
  dispatch_complex(dtype, [&]<class T>() {
    launch_strided<2>(loop, ClassifyStrided<T>{op, static_cast<bool*>(out), static_cast<const T*>(in)}, "classify");
  });
}

void complex_ternary(TernaryOp op, DType dtype, const Loop& loop, void* out, const void* a, const void* b,
                     const void* c, const Scalar& value) {
  dispatch_complex(dtype, [&]<class T>() {
    auto run = [&]<TernaryOp kOp>() {
      launch_strided<4>(loop,
                        TernaryStrided<T, kOp>{static_cast<T*>(out), static_cast<const T*>(a), static_cast<const T*>(b),
                                               static_cast<const T*>(c), scalar_as<T>(value)},
                        "ternary");
    };
    switch (op) {
      case TernaryOp::AddCMul:
        return run.template operator()<TernaryOp::AddCMul>();
      case TernaryOp::AddCDiv:
        return run.template operator()<TernaryOp::AddCDiv>();
      case TernaryOp::Lerp:
        return run.template operator()<TernaryOp::Lerp>();
      default:
        fail_dtype(dtype);
    }
  });
}

namespace {

// Column j of the complex vectors: real where the eigenvalue is; with the next column as its
// imaginary part where the eigenvalue's is positive; the conjugate of the previous column's
// vector where it is negative (the pair's second).
template <class R>
__global__ void unpack_eigenvectors_kernel(int64_t n, const R* packed, const ::cuda::std::complex<R>* values,
                                           ::cuda::std::complex<R>* vectors) {
  const int64_t step = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < n * n; i += step) {
    const int64_t j = i / n;
    const R im = values[j].imag();
    if (im > R(0) && j + 1 < n)
      vectors[i] = ::cuda::std::complex<R>(packed[i], packed[i + n]);
    else if (im < R(0) && j > 0)
      vectors[i] = ::cuda::std::complex<R>(packed[i - n], -packed[i]);
    else
      vectors[i] = ::cuda::std::complex<R>(packed[i], R(0));
  }
}

}  // namespace

void unpack_real_eigenvectors(DType dtype, int64_t n, const void* packed, const void* values, void* vectors) {
  if (n == 0) return;
  const auto run = [&]<class R>() {
    unpack_eigenvectors_kernel<R><<<grid_for(n * n), kBlock, 0, current_stream()>>>(
        n, static_cast<const R*>(packed), static_cast<const ::cuda::std::complex<R>*>(values),
        static_cast<::cuda::std::complex<R>*>(vectors));
    TG_CUDA_CHECK(cudaGetLastError(), "eig");
  };
  if (dtype == DType::Float32)
    run.template operator()<float>();
  else
    run.template operator()<double>();
}

}  // namespace tg::kernels::cuda
