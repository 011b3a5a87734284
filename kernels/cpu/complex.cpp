// The CPU kernels of complex64 and complex128 tensors: the elementwise maps, comparisons and
// reductions that PyTorch defines on complex numbers. The real kernels hand complex dtypes here
// (complex_kernels.h); what is not here fails with the public op's name.
#include "kernels/cpu/complex_kernels.h"

#include <cmath>
#include <complex>
#include <numbers>

#include "kernels/cpu/complex_math.h"
#include "kernels/cpu/loops.h"

namespace tg::kernels::cpu {
namespace {

template <class R>
inline std::complex<R> log1p_value(std::complex<R> z) {
  // log|1 + z| = log1p(2x + x^2 + y^2) / 2 keeps the digits of small z that log(1 + z) loses.
  const R x = z.real(), y = z.imag();
  return {std::log1p(x * (2 + x) + y * y) / 2, std::atan2(y, 1 + x)};
}

template <class R>
inline std::complex<R> expm1_value(std::complex<R> z) {
  // exp(x) cos(y) - 1 = expm1(x) cos(y) - 2 sin(y/2)^2, without the cancellation near 0.
  const R x = z.real(), y = z.imag(), s = std::sin(y / 2);
  return {std::expm1(x) * std::cos(y) - 2 * s * s, std::exp(x) * std::sin(y)};
}

template <class R>
inline std::complex<R> pow_value(std::complex<R> a, std::complex<R> b) {
  using C = std::complex<R>;
  if (b == C(0)) return C(1);
  if (b.imag() == 0 && b.real() == std::trunc(b.real()) && std::abs(b.real()) <= 64) {
    // Integer powers by squaring: exact for the squares and cubes that exp(b log a) rounds.
    auto n = static_cast<int>(std::abs(b.real()));
    C r(1), p = a;
    for (; n > 0; n >>= 1, p = cmul(p, p))
      if (n & 1) r = cmul(r, p);
    return b.real() < 0 ? cdiv(C(1), r) : r;
  }
  if (a == C(0))
    return b.real() > 0 ? C(0) : C(std::numeric_limits<R>::quiet_NaN(), std::numeric_limits<R>::quiet_NaN());
  return std::exp(cmul(b, std::log(a)));
}

template <class T>
void map(UnaryOp op, const Loop& loop, T* o, const T* x) {
  using R = typename T::value_type;
  constexpr R kLn2 = std::numbers::ln2_v<R>, kLn10 = std::numbers::ln10_v<R>;
  auto run = [&](auto f) { unary_loop(loop, o, x, f); };
  switch (op) {
    case UnaryOp::Neg:
      return run([](T z) { return -z; });
    case UnaryOp::Sign:
      return run([](T z) { return z == T(0) ? T(0) : z / std::abs(z); });  // sgn
    case UnaryOp::Reciprocal:
      return run([](T z) { return cdiv(T(1), z); });
    case UnaryOp::Sqrt:
      return run([](T z) { return std::sqrt(z); });
    case UnaryOp::Rsqrt:
      return run([](T z) { return cdiv(T(1), std::sqrt(z)); });
    case UnaryOp::Exp:
      return run([](T z) { return std::exp(z); });
    case UnaryOp::Exp2:
      return run([=](T z) { return std::exp(z * kLn2); });
    case UnaryOp::Log:
      return run([](T z) { return std::log(z); });
    case UnaryOp::Log2:
      return run([=](T z) { return std::log(z) / kLn2; });
    case UnaryOp::Log10:
      return run([=](T z) { return std::log(z) / kLn10; });
    case UnaryOp::Log1p:
      return run([](T z) { return log1p_value(z); });
    case UnaryOp::Expm1:
      return run([](T z) { return expm1_value(z); });
    case UnaryOp::Sin:
      return run([](T z) { return std::sin(z); });
    case UnaryOp::Cos:
      return run([](T z) { return std::cos(z); });
    case UnaryOp::Tan:
      return run([](T z) { return std::tan(z); });
    case UnaryOp::Asin:
      return run([](T z) { return std::asin(z); });
    case UnaryOp::Acos:
      return run([](T z) { return std::acos(z); });
    case UnaryOp::Atan:
      return run([](T z) { return std::atan(z); });
    case UnaryOp::Sinh:
      return run([](T z) { return std::sinh(z); });
    case UnaryOp::Cosh:
      return run([](T z) { return std::cosh(z); });
    case UnaryOp::Tanh:
      return run([](T z) { return std::tanh(z); });
    case UnaryOp::Asinh:
      return run([](T z) { return std::asinh(z); });
    case UnaryOp::Acosh:
      return run([](T z) { return std::acosh(z); });
    case UnaryOp::Atanh:
      return run([](T z) { return std::atanh(z); });
    case UnaryOp::Sigmoid:
      return run([](T z) { return cdiv(T(1), T(1) + std::exp(-z)); });
    default:
      fail_dtype(dtype_of<T>);
  }
}

}  // namespace

bool complex_unary_has(UnaryOp op) {
  switch (op) {
    case UnaryOp::Neg:
    case UnaryOp::Abs:
    case UnaryOp::Sign:
    case UnaryOp::Reciprocal:
    case UnaryOp::Sqrt:
    case UnaryOp::Rsqrt:
    case UnaryOp::Exp:
    case UnaryOp::Exp2:
    case UnaryOp::Log:
    case UnaryOp::Log2:
    case UnaryOp::Log10:
    case UnaryOp::Log1p:
    case UnaryOp::Expm1:
    case UnaryOp::Sin:
    case UnaryOp::Cos:
    case UnaryOp::Tan:
    case UnaryOp::Asin:
    case UnaryOp::Acos:
    case UnaryOp::Atan:
    case UnaryOp::Sinh:
    case UnaryOp::Cosh:
    case UnaryOp::Tanh:
    case UnaryOp::Asinh:
    case UnaryOp::Acosh:
    case UnaryOp::Atanh:
    case UnaryOp::Sigmoid:
      return true;
    default:
      return false;
  }
}

void complex_unary(UnaryOp op, DType dtype, const Loop& loop, void* out, const void* in) {
  dispatch_complex(dtype, [&]<class T>() {
    const T* x = static_cast<const T*>(in);
    if (op == UnaryOp::Abs) {  // the magnitude, into a real tensor
      using R = typename T::value_type;
      // complex64 squared in double cannot overflow; complex128 takes hypot only where the squares
      // could (hypot is several times slower than the square root).
      if constexpr (std::is_same_v<R, float>)
        return unary_loop(loop, static_cast<R*>(out), x, [](T z) {
          const double a = z.real(), b = z.imag();
          return static_cast<float>(std::sqrt(a * a + b * b));
        });
      else
        return unary_loop(loop, static_cast<R*>(out), x, [](T z) {
          const double a = std::fabs(z.real()), b = std::fabs(z.imag()), big = std::max(a, b);
          return big < 1e150 && big > 1e-150 ? std::sqrt(a * a + b * b) : std::hypot(a, b);
        });
    }
    map(op, loop, static_cast<T*>(out), x);
  });
}

void complex_binary(BinaryOp op, DType dtype, const Loop& loop, void* out, const void* a, const void* b,
                    const Scalar& alpha) {
  dispatch_complex(dtype, [&]<class T>() {
    T* o = static_cast<T*>(out);
    const T *x = static_cast<const T*>(a), *y = static_cast<const T*>(b);
    const T s = alpha.to<T>();
    const bool unit = s == T(1);
    switch (op) {
      case BinaryOp::Add:
        if (unit) return binary_loop(loop, o, x, y, [](T p, T q) { return p + q; });
        return binary_loop(loop, o, x, y, [s](T p, T q) { return p + cmul(s, q); });
      case BinaryOp::Sub:
        if (unit) return binary_loop(loop, o, x, y, [](T p, T q) { return p - q; });
        return binary_loop(loop, o, x, y, [s](T p, T q) { return p - cmul(s, q); });
      case BinaryOp::Mul:
        return binary_loop(loop, o, x, y, [](T p, T q) { return cmul(p, q); });
      case BinaryOp::Div:
        return binary_loop(loop, o, x, y, [](T p, T q) { return cdiv(p, q); });
      case BinaryOp::Pow:
        return binary_loop(loop, o, x, y, [](T p, T q) { return pow_value(p, q); });
      default:
        fail_dtype(dtype);
    }
  });
}

void complex_compare(CompareOp op, DType dtype, const Loop& loop, void* out, const void* a, const void* b) {
  dispatch_complex(dtype, [&]<class T>() {
    auto* o = static_cast<uint8_t*>(out);
    const T *x = static_cast<const T*>(a), *y = static_cast<const T*>(b);
    auto run = [&](auto f) { binary_loop(loop, o, x, y, [f](T p, T q) { return static_cast<uint8_t>(f(p, q)); }); };
    switch (op) {
      case CompareOp::Eq:
        return run([](T p, T q) { return p == q; });
      case CompareOp::Ne:
        return run([](T p, T q) { return p != q; });
      case CompareOp::LogicalAnd:
        return run([](T p, T q) { return p != T(0) && q != T(0); });
      case CompareOp::LogicalOr:
        return run([](T p, T q) { return p != T(0) || q != T(0); });
      case CompareOp::LogicalXor:
        return run([](T p, T q) { return (p != T(0)) != (q != T(0)); });
      default:
        fail_dtype(dtype);  // complex numbers have no order
    }
  });
}

void complex_classify(ClassifyOp op, DType dtype, const Loop& loop, void* out, const void* in) {
  dispatch_complex(dtype, [&]<class T>() {
    auto* o = static_cast<uint8_t*>(out);
    const T* x = static_cast<const T*>(in);
    auto run = [&](auto f) { unary_loop(loop, o, x, [f](T z) { return static_cast<uint8_t>(f(z)); }); };
    switch (op) {
      case ClassifyOp::IsNan:
        return run([](T z) { return std::isnan(z.real()) || std::isnan(z.imag()); });
      case ClassifyOp::IsInf:
        return run([](T z) { return std::isinf(z.real()) || std::isinf(z.imag()); });
      case ClassifyOp::IsFinite:
        return run([](T z) { return std::isfinite(z.real()) && std::isfinite(z.imag()); });
      case ClassifyOp::LogicalNot:
        return run([](T z) { return z == T(0); });
    }
  });
}

void complex_reduce(ReduceOp op, DType in_dtype, DType out_dtype, const ReduceGeometry& g, void* out, const void* in) {
  const bool truth = op == ReduceOp::All || op == ReduceOp::Any;  // of the non-zero test, into bools
  if (!(truth || op == ReduceOp::Sum || op == ReduceOp::Prod) || (!truth && out_dtype != in_dtype))
    fail_dtype(in_dtype);
  dispatch_complex(in_dtype, [&]<class T>() {
    // Sums of complex64 accumulate in complex128, as the float32 sums keep extra precision.
    using Acc = std::complex<double>;
    const T* x = static_cast<const T*>(in);
    parallel_for(0, g.kept_numel, std::max<int64_t>(1, kGrain / std::max<int64_t>(1, g.reduced_numel)),
                 [&](int64_t begin, int64_t end) {
                   for (int64_t k = begin; k < end; ++k) {
                     int64_t base = 0, rem = k;
                     for (int d = g.n_kept - 1; d >= 0; --d) {
                       base += rem % g.kept_sizes[d] * g.kept_strides[d];
                       rem /= g.kept_sizes[d];
                     }
                     Acc acc = op == ReduceOp::Prod ? Acc(1) : Acc(0);
                     bool all = true, any = false;
                     if (op == ReduceOp::Sum && g.n_reduced > 0) {
                       // Runs along the innermost reduced dim, the parts summed apart (vector loops).
                       const int d_in = g.n_reduced - 1;
                       const int64_t run = g.reduced_sizes[d_in], step = g.reduced_strides[d_in];
                       double re = 0, im = 0;
                       for (int64_t r0 = 0; r0 < g.reduced_numel; r0 += run) {
                         int64_t off = base, q = r0 / run;
                         for (int d = d_in - 1; d >= 0; --d) {
                           off += q % g.reduced_sizes[d] * g.reduced_strides[d];
                           q /= g.reduced_sizes[d];
                         }
                         const auto* parts = reinterpret_cast<const typename T::value_type*>(x + off);
                         for (int64_t t = 0; t < run; ++t) {
                           re += static_cast<double>(parts[2 * t * step]);
                           im += static_cast<double>(parts[2 * t * step + 1]);
                         }
                       }
                       static_cast<T*>(out)[k] =
                           T(static_cast<typename T::value_type>(re), static_cast<typename T::value_type>(im));
                       continue;
                     }
                     for (int64_t r = 0; r < g.reduced_numel; ++r) {
                       int64_t off = base, q = r;
                       for (int d = g.n_reduced - 1; d >= 0; --d) {
                         off += q % g.reduced_sizes[d] * g.reduced_strides[d];
                         q /= g.reduced_sizes[d];
                       }
                       const Acc v(x[off]);
                       if (truth) {
                         all = all && v != Acc(0);
                         any = any || v != Acc(0);
                       } else {
                         acc = op == ReduceOp::Sum ? acc + v : cmul(acc, v);
                       }
                     }
                     if (truth)
                       static_cast<bool*>(out)[k] = op == ReduceOp::All ? all : any;
                     else
                       static_cast<T*>(out)[k] = T(acc);
                   }
                 });
  });
}

void complex_ternary(TernaryOp op, DType dtype, const Loop& loop, void* out, const void* a, const void* b,
                     const void* c, const Scalar& value) {
  dispatch_complex(dtype, [&]<class T>() {
    T* o = static_cast<T*>(out);
    const T *x = static_cast<const T*>(a), *y = static_cast<const T*>(b), *z = static_cast<const T*>(c);
    const T s = value.to<T>();
    switch (op) {
      case TernaryOp::AddCMul:
        return ternary_loop(loop, o, x, y, z, [s](T p, T q, T r) { return p + cmul(s, cmul(q, r)); });
      case TernaryOp::AddCDiv:
        return ternary_loop(loop, o, x, y, z, [s](T p, T q, T r) { return p + cmul(s, cdiv(q, r)); });
      case TernaryOp::Lerp:
        // From the nearer end, as the real lerp: exact at both ends.
        return ternary_loop(loop, o, x, y, z, [](T p, T q, T w) {
          const T d = q - p;
          return std::abs(w) < 0.5 ? p + cmul(w, d) : q - cmul(d, T(1) - w);
        });
      default:
        fail_dtype(dtype);
    }
  });
}

void complex_scan(ScanOp op, DType dtype, const DimGeometry& g, void* out, const void* in) {
  if (op != ScanOp::Sum && op != ScanOp::Prod) fail_dtype(dtype);
  dispatch_complex(dtype, [&]<class T>() {
    // complex64 runs in complex128, as the float32 scans run in double.
    using Acc = std::complex<double>;
    const T* x = static_cast<const T*>(in);
    T* y = static_cast<T*>(out);
    parallel_for(0, g.outer * g.inner, std::max<int64_t>(1, kGrain / std::max<int64_t>(1, g.size)),
                 [&](int64_t b, int64_t e) {
                   for (int64_t p = b; p < e; ++p) {
                     const int64_t o = p / g.inner, i = p % g.inner;
                     const T* xs = x + o * g.in_outer_stride + i * g.in_inner_stride;
                     T* ys = y + o * g.out_outer_stride + i * g.out_inner_stride;
                     Acc acc = op == ScanOp::Sum ? Acc(0) : Acc(1);
                     for (int64_t k = 0; k < g.size; ++k) {
                       const Acc v(xs[k * g.in_dim_stride]);
                       acc = op == ScanOp::Sum ? acc + v : cmul(acc, v);
                       ys[k * g.out_dim_stride] = T(acc);
                     }
                   }
                 });
  });
}

}  // namespace tg::kernels::cpu
