// Elementwise binary arithmetic kernels, one per line of binary_ops.def, and the fused ternary ones.
#include <cmath>

#include "kernels/cpu/complex_kernels.h"
#include "kernels/cpu/cpu_kernels.h"
#include "kernels/cpu/float_blocks.h"
#include "kernels/cpu/loops.h"
#include "kernels/cpu/vec_math.h"
#include "kernels/scalar_math.h"
#include "kernels/special_math.h"

namespace tg::kernels::cpu {
namespace {

#define TG_BINARY_OP(name, Name, kind, da, db, formula, ...)      \
  struct Name##Fn {                                               \
    template <class V>                                            \
    V operator()(V a, V b, [[maybe_unused]] V alpha) const {      \
      return static_cast<V>(formula);                             \
    }                                                             \
  };
#include "tapegrad/tensor/binary_ops.def"
#include "tapegrad/tensor/special_ops.def"
#undef TG_BINARY_OP

#ifdef TG_VECTOR_ACTIVATIONS
// x ** e for one exponent over a contiguous run: the small integer and half-integer powers as
// products, roots and reciprocals (as PyTorch does; x ** 3 was 25x slower through pow), false
// for any other exponent.
template <class T>
bool small_power(T* o, const T* x, int64_t n, T e) {
  if (e == T(2)) {
    for (int64_t i = 0; i < n; ++i) o[i] = x[i] * x[i];
  } else if (e == T(3)) {
    for (int64_t i = 0; i < n; ++i) o[i] = x[i] * x[i] * x[i];
  } else if (e == T(1)) {
    for (int64_t i = 0; i < n; ++i) o[i] = x[i];
  } else if (e == T(0)) {
    for (int64_t i = 0; i < n; ++i) o[i] = T(1);
  } else if (e == T(0.5)) {
    for (int64_t i = 0; i < n; ++i) o[i] = std::sqrt(x[i]);
  } else if (e == T(-1)) {
    for (int64_t i = 0; i < n; ++i) o[i] = T(1) / x[i];
  } else if (e == T(-2)) {
    for (int64_t i = 0; i < n; ++i) o[i] = T(1) / (x[i] * x[i]);
  } else if (e == T(-0.5)) {
    for (int64_t i = 0; i < n; ++i) o[i] = T(1) / std::sqrt(x[i]);
  } else {
    return false;
  }
  return true;
}

// The ops with a libmvec formula: pow, atan2, logaddexp and logaddexp2.
template <class Fn>
constexpr bool kLibmvecBinary = std::is_same_v<Fn, PowFn> || std::is_same_v<Fn, Atan2Fn> ||
                                std::is_same_v<Fn, LogaddexpFn> || std::is_same_v<Fn, Logaddexp2Fn>;

template <class Fn, class V>
V libmvec_lanes(V p, V q) {
  if constexpr (std::is_same_v<Fn, PowFn>)
    return VectorMath::pow(p, q);
  else if constexpr (std::is_same_v<Fn, Atan2Fn>)
    return VectorMath::atan2(p, q);
  else if constexpr (std::is_same_v<Fn, LogaddexpFn>)
    return VectorMath::logaddexp(p, q);
  else
    return VectorMath::logaddexp2(p, q);
}

// Those of float/double run through libmvec (8 or 4 lanes per call) where the output is
// contiguous and each operand contiguous or one broadcast value (scalar atan2f cost 18x
// PyTorch's vector one; logaddexp composed of other ops 2x). Other runs take the scalar loop.
template <class T, class Fn>
void libmvec_binary(const Loop& L, T* out, const T* a, const T* b) {
  using V = VectorOf<T>;
  constexpr int64_t kLanes = sizeof(V) / sizeof(T);
  constexpr bool kPow = std::is_same_v<Fn, PowFn>;
  const auto f = [](T p, T q) { return static_cast<T>(Fn{}(p, q, T(1))); };
  const auto vf = [](V p, V q) { return libmvec_lanes<Fn>(p, q); };
  parallel_rows<3>(L, [&](const int64_t* off, int64_t n) {
    T* o = out + off[0];
    const T* x = a + off[1];
    const T* y = b + off[2];
    const int64_t so = L.strides[0][0], sx = L.strides[1][0], sy = L.strides[2][0];
    if constexpr (kPow) {
      if (so == 1 && sx == 1 && sy == 0 && small_power(o, x, n, y[0])) return;
    }
    if (so != 1 || (sx != 0 && sx != 1) || (sy != 0 && sy != 1)) {
      for (int64_t i = 0; i < n; ++i) o[i * so] = f(x[i * sx], y[i * sy]);
      return;
    }
    const V xb = splat<V>(x[0]), yb = splat<V>(y[0]);
    int64_t i = 0;
    for (; i + kLanes <= n; i += kLanes) {
      const V xv = sx ? load_vector<V>(x + i) : xb, yv = sy ? load_vector<V>(y + i) : yb;
      store_vector(o + i, vf(xv, yv));
    }
    for (; i < n; ++i) o[i] = f(x[i * sx], y[i * sy]);
  });
}
#endif

// f.template operator()<kX, kY>() with kX = (sx != 0), kY = (sy != 0): loops over operands that
// step by 1 or stay on one value, with the steps constants so that they vectorise.
template <class F>
void with_steps(int64_t sx, int64_t sy, const F& f) {
  if (sx && sy)
    f.template operator()<true, true>();
  else if (sx)
    f.template operator()<true, false>();
  else if (sy)
    f.template operator()<false, true>();
  else
    f.template operator()<false, false>();
}

// fmod, remainder and floor_divide: fmod of a run, then the rest per element as selects. Through
// the scalar std::fmod, a subtraction loop, they took 9-12x PyTorch's time.
template <class Fn>
constexpr bool kDivisionFamily =
    std::is_same_v<Fn, FmodFn> || std::is_same_v<Fn, RemainderFn> || std::is_same_v<Fn, FloorDivideFn>;

#ifdef __AVX2__
template <class T>
__m256d load4_as_double(const T* p) {
  if constexpr (std::is_same_v<T, float>)
    return _mm256_cvtps_pd(_mm_loadu_ps(p));
  else
    return _mm256_loadu_pd(p);
}

template <class T>
void store4_from_double(T* p, __m256d v) {
  if constexpr (std::is_same_v<T, float>)
    _mm_storeu_ps(p, _mm256_cvtpd_ps(v));
  else
    _mm256_storeu_pd(p, v);
}

// fmod of four lanes in double; false when a lane needs the scalar fmod (not finite, b zero, or
// |a / b| from 2^52). q = trunc(a / b) is then the true quotient or, where a / b rounded up to
// the next integer, one more; a - q b is exact in one fma either way (a remainder, or a remainder
// less |b|, both multiples of b's last place below |b|), and one step by |b| mends the second.
inline bool fmod4(__m256d a, __m256d b, __m256d& r) {
  const __m256d sign = _mm256_set1_pd(-0.0), zero = _mm256_setzero_pd();
  const __m256d abs_a = _mm256_andnot_pd(sign, a), abs_b = _mm256_andnot_pd(sign, b);
  const __m256d q = _mm256_round_pd(_mm256_div_pd(a, b), _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC);
  const __m256d inf = _mm256_set1_pd(INFINITY);
  const __m256d ok =
      _mm256_and_pd(_mm256_and_pd(_mm256_cmp_pd(abs_a, inf, _CMP_LT_OQ), _mm256_cmp_pd(abs_b, inf, _CMP_LT_OQ)),
                    _mm256_and_pd(_mm256_cmp_pd(abs_b, zero, _CMP_GT_OQ),
                                  _mm256_cmp_pd(_mm256_andnot_pd(sign, q), _mm256_set1_pd(0x1p52), _CMP_LT_OQ)));
  if (_mm256_movemask_pd(ok) != 0xF) return false;
  const __m256d t = _mm256_fnmadd_pd(q, b, a);
  const __m256d a_sign = _mm256_and_pd(a, sign);
  // The sign bit of `over` is set where t is nonzero and of the other sign than a.
  const __m256d over = _mm256_and_pd(_mm256_xor_pd(t, a), _mm256_cmp_pd(t, zero, _CMP_NEQ_UQ));
  const __m256d mended = _mm256_blendv_pd(t, _mm256_add_pd(t, _mm256_or_pd(abs_b, a_sign)), over);
  r = _mm256_or_pd(_mm256_andnot_pd(sign, mended), a_sign);  // a zero takes a's sign
  return true;
}
#endif

// r = fmod(x, y) over a run where each operand steps by 1 or stays on one value (step 0).
template <class T>
void fmod_run(T* r, const T* x, int64_t sx, const T* y, int64_t sy, int64_t n) {
  int64_t i = 0;
#ifdef __AVX2__
  const __m256d xb = _mm256_set1_pd(double(x[0])), yb = _mm256_set1_pd(double(y[0]));
  for (; i + 4 <= n; i += 4) {
    __m256d v;
    if (fmod4(sx ? load4_as_double(x + i) : xb, sy ? load4_as_double(y + i) : yb, v)) {
      store4_from_double(r + i, v);
    } else {
      for (int64_t k = i; k < i + 4; ++k) r[k] = std::fmod(x[k * sx], y[k * sy]);
    }
  }
#endif
  for (; i < n; ++i) r[i] = std::fmod(x[i * sx], y[i * sy]);
}

// Fn of the division family over such a run, for float or double.
template <class T, class Fn>
void division_run(T* o, const T* x, int64_t sx, const T* y, int64_t sy, int64_t n) {
  if constexpr (std::is_same_v<Fn, FmodFn>) {
    fmod_run(o, x, sx, y, sy, n);
  } else {
    constexpr int64_t kBlock = 512;
    T mod[kBlock];
    for (int64_t b = 0; b < n; b += kBlock) {
      const int64_t m = std::min(kBlock, n - b);
      const T* xs = x + b * sx;
      const T* ys = y + b * sy;
      T* os = o + b;
      fmod_run(mod, xs, sx, ys, sy, m);
      const auto finish = [&]<bool kX, bool kY>() {
        for (int64_t i = 0; i < m; ++i) {
          if constexpr (std::is_same_v<Fn, RemainderFn>)
            os[i] = remainder_from_fmod(ys[kY ? i : 0], mod[i]);
          else
            os[i] = floor_div_from_fmod(xs[kX ? i : 0], ys[kY ? i : 0], mod[i]);
        }
      };
      with_steps(sx, sy, finish);
    }
  }
}

// Fn over float runs whose operands each step by 1 or stay on one value (step 0): the blocks a
// 16-bit float op runs on, so that the loops vectorise (and the libmvec family takes libmvec).
template <class Fn>
void float_steps(float* o, const float* x, int64_t sx, const float* y, int64_t sy, int64_t n, float al) {
#ifdef TG_VECTOR_ACTIVATIONS
  if constexpr (kLibmvecBinary<Fn>) {
    if constexpr (std::is_same_v<Fn, PowFn>) {
      if (sx == 1 && sy == 0 && small_power(o, x, n, y[0])) return;
    }
    int64_t i = 0;
    const Floats8 xb = splat<Floats8>(x[0]), yb = splat<Floats8>(y[0]);
    for (; i + 8 <= n; i += 8) {
      const Floats8 xv = sx ? load_vector<Floats8>(x + i) : xb, yv = sy ? load_vector<Floats8>(y + i) : yb;
      store_vector(o + i, libmvec_lanes<Fn>(xv, yv));
    }
    for (; i < n; ++i) o[i] = Fn{}(x[i * sx], y[i * sy], 1.0f);
    return;
  }
#endif
  if constexpr (kDivisionFamily<Fn>) return division_run<float, Fn>(o, x, sx, y, sy, n);
  const auto go = [&]<bool kX, bool kY, bool kAlpha>() {
    for (int64_t i = 0; i < n; ++i) o[i] = Fn{}(x[kX ? i : 0], y[kY ? i : 0], kAlpha ? al : 1.0f);
  };
  const auto with_alpha = [&]<bool kX, bool kY>() {
    if (al == 1.0f)
      go.template operator()<kX, kY, false>();
    else
      go.template operator()<kX, kY, true>();
  };
  with_steps(sx, sy, with_alpha);
}

#ifdef TG_HALF_VECTORS
// add, sub, mul and div of the 16-bit floats eight lanes at a time, converted as they load and
// store: through float blocks, every element went through memory four times (1.7x PyTorch).
template <class Fn>
constexpr bool kFusedHalf =
    std::is_same_v<Fn, AddFn> || std::is_same_v<Fn, SubFn> || std::is_same_v<Fn, MulFn> || std::is_same_v<Fn, DivFn>;

template <class T, class Fn, bool kX, bool kY>
void fused_half_run(T* o, const T* x, const T* y, int64_t n, float al) {
  const Floats8 xb = splat<Floats8>(float(x[0])), yb = splat<Floats8>(float(y[0])), alv = splat<Floats8>(al);
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const Floats8 p = kX ? reinterpret_cast<Floats8>(load8_as_float(x + i)) : xb;
    const Floats8 q = kY ? reinterpret_cast<Floats8>(load8_as_float(y + i)) : yb;
    store8_from_float(o + i, reinterpret_cast<__m256>(Fn{}(p, q, alv)));
  }
  for (; i < n; ++i) o[i] = static_cast<T>(Fn{}(float(x[kX ? i : 0]), float(y[kY ? i : 0]), al));
}
#endif

// A 16-bit float op: runs whose operands step by 0 or 1 through float blocks, others element by
// element.
template <class T, class Fn>
void run_reduced(const Loop& L, T* out, const T* a, const T* b, float al) {
  parallel_rows<3>(L, [&](const int64_t* off, int64_t n) {
    T* o = out + off[0];
    const T* x = a + off[1];
    const T* y = b + off[2];
    const int64_t so = L.strides[0][0], sx = L.strides[1][0], sy = L.strides[2][0];
#ifdef TG_HALF_VECTORS
    if constexpr (kFusedHalf<Fn>) {
      if (so == 1 && sx == 1 && sy == 1) return fused_half_run<T, Fn, true, true>(o, x, y, n, al);
      if (so == 1 && sx == 1 && sy == 0) return fused_half_run<T, Fn, true, false>(o, x, y, n, al);
      if (so == 1 && sx == 0 && sy == 1) return fused_half_run<T, Fn, false, true>(o, x, y, n, al);
    }
#endif
    if (so == 1 && (sx == 0 || sx == 1) && (sy == 0 || sy == 1)) {
      through_floats(o, x, sx, y, sy, n,
                     [al](float* fo, const float* fx, int64_t fsx, const float* fy, int64_t fsy, int64_t m) {
                       float_steps<Fn>(fo, fx, fsx, fy, fsy, m, al);
                     });
      return;
    }
    for (int64_t i = 0; i < n; ++i) o[i * so] = static_cast<T>(Fn{}(float(x[i * sx]), float(y[i * sy]), al));
  });
}

template <class T, class Fn>
void run(const Loop& L, void* out, const void* a, const void* b, const Scalar& alpha) {
  using A = acc_t<T>;
  constexpr bool kFloatOrDouble = std::is_same_v<T, float> || std::is_same_v<T, double>;
  auto* o = static_cast<T*>(out);
  const auto* x = static_cast<const T*>(a);
  const auto* y = static_cast<const T*>(b);
  if constexpr (std::is_same_v<Fn, NextafterFn> && is_reduced_float_v<T>) {
    constexpr uint16_t kInf = std::is_same_v<T, Half> ? 0x7c00 : 0x7f80;
    binary_loop(L, o, x, y, [](T p, T q) { return T::from_bits(nextafter_bits<uint16_t>(p.bits, q.bits, kInf)); });
  } else if constexpr (std::is_same_v<Fn, CopysignFn> && is_reduced_float_v<T>) {  // on the bits: no conversions
    binary_loop(L, o, x, y,
                [](T p, T q) { return T::from_bits(static_cast<uint16_t>((p.bits & 0x7fffu) | (q.bits & 0x8000u))); });
  } else if constexpr (is_reduced_float_v<T>) {
    run_reduced<T, Fn>(L, o, x, y, alpha.to<float>());
#ifdef TG_VECTOR_ACTIVATIONS
  } else if constexpr (kLibmvecBinary<Fn> && kFloatOrDouble) {
    libmvec_binary<T, Fn>(L, o, x, y);
#endif
  } else if constexpr (kDivisionFamily<Fn> && kFloatOrDouble) {
    parallel_rows<3>(L, [&](const int64_t* off, int64_t n) {
      const int64_t so = L.strides[0][0], sx = L.strides[1][0], sy = L.strides[2][0];
      if (so == 1 && (sx == 0 || sx == 1) && (sy == 0 || sy == 1))
        return division_run<T, Fn>(o + off[0], x + off[1], sx, y + off[2], sy, n);
      for (int64_t i = 0; i < n; ++i) o[off[0] + i * so] = Fn{}(x[off[1] + i * sx], y[off[2] + i * sy], T(1));
    });
  } else {
    const A al = alpha.to<A>();
    if (al == A(1)) {
      // The common case, without the multiply the compiler cannot drop for floats.
      binary_loop(L, o, x, y, [](T p, T q) { return static_cast<T>(Fn{}(A(p), A(q), A(1))); });
    } else {
      binary_loop(L, o, x, y, [al](T p, T q) { return static_cast<T>(Fn{}(A(p), A(q), al)); });
    }
  }
}

template <BitwiseOp Op>
struct BitwiseFn {
  template <class V>
  V operator()(V a, V b, V) const {
    return bitwise_value<Op>(a, b);
  }
};

#ifdef TG_HALF_VECTORS
// ternary_value on eight float lanes (its select as a vector select).
template <TernaryOp Op>
Floats8 ternary_lanes(Floats8 a, Floats8 b, Floats8 c, Floats8 v) {
  if constexpr (Op == TernaryOp::AddCMul) {
    return a + v * b * c;
  } else if constexpr (Op == TernaryOp::AddCDiv) {
    return a + v * b / c;
  } else if constexpr (Op == TernaryOp::Prelu) {
    return b > 0.0f ? a : a * c;
  } else {
    const Floats8 d = b - a;
    const Floats8 abs_c =
        reinterpret_cast<Floats8>(_mm256_andnot_ps(_mm256_set1_ps(-0.0f), reinterpret_cast<__m256>(c)));
    return abs_c < 0.5f ? a + c * d : b - d * (1.0f - c);
  }
}

// A 16-bit ternary op eight lanes at a time, widened as the operands load (each steps by 1 or
// stays on one value): element by element, float16's scalar conversions put lerp at 6x
// PyTorch's time.
template <class T, TernaryOp Op>
void ternary_half_run(T* o, const T* a, int64_t sa, const T* b, int64_t sb, const T* c, int64_t sc, int64_t n,
                      float v) {
  Floats8 p = splat<Floats8>(float(a[0])), q = splat<Floats8>(float(b[0])), r = splat<Floats8>(float(c[0]));
  const Floats8 vv = splat<Floats8>(v);
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    if (sa) p = reinterpret_cast<Floats8>(load8_as_float(a + i));
    if (sb) q = reinterpret_cast<Floats8>(load8_as_float(b + i));
    if (sc) r = reinterpret_cast<Floats8>(load8_as_float(c + i));
    store8_from_float(o + i, reinterpret_cast<__m256>(ternary_lanes<Op>(p, q, r, vv)));
  }
  for (; i < n; ++i) o[i] = static_cast<T>(ternary_value<Op>(float(a[i * sa]), float(b[i * sb]), float(c[i * sc]), v));
}
#endif

template <class T, TernaryOp Op>
void run_ternary(const Loop& L, void* out, const void* a, const void* b, const void* c, const Scalar& value) {
  using A = acc_t<T>;
  const A v = value.to<A>();
#ifdef TG_HALF_VECTORS
  if constexpr (is_reduced_float_v<T>) {
    const auto steps = [](int64_t s) { return s == 0 || s == 1; };
    if (L.strides[0][0] == 1 && steps(L.strides[1][0]) && steps(L.strides[2][0]) && steps(L.strides[3][0])) {
      return parallel_rows<4>(L, [&](const int64_t* off, int64_t n) {
        ternary_half_run<T, Op>(static_cast<T*>(out) + off[0], static_cast<const T*>(a) + off[1], L.strides[1][0],
                                static_cast<const T*>(b) + off[2], L.strides[2][0], static_cast<const T*>(c) + off[3],
                                L.strides[3][0], n, v);
      });
    }
  }
#endif
  ternary_loop(L, static_cast<T*>(out), static_cast<const T*>(a), static_cast<const T*>(b), static_cast<const T*>(c),
               [v](T p, T q, T r) { return static_cast<T>(ternary_value<Op>(A(p), A(q), A(r), v)); });
}

}  // namespace

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
      TG_FAIL("bitwise: dtype {} is not bool or an integer type", dtype);
    }
  });
}

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

}  // namespace tg::kernels::cpu
