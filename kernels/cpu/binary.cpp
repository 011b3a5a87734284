// Elementwise binary arithmetic kernels, one per line of binary_ops.def, and the fused ternary ones.
#include <cmath>

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

// pow and atan2 of float/double run through libmvec (8 or 4 lanes per call) where the output is
// contiguous and each operand contiguous or one broadcast value (scalar atan2f cost 18x
// PyTorch's vector one). Other runs take the scalar loop.
template <class T, class Fn>
void libmvec_binary(const Loop& L, T* out, const T* a, const T* b) {
  using V = VectorOf<T>;
  constexpr int64_t kLanes = sizeof(V) / sizeof(T);
  constexpr bool kPow = std::is_same_v<Fn, PowFn>;
  const auto f = [](T p, T q) { return static_cast<T>(Fn{}(p, q, T(1))); };
  const auto vf = [](V p, V q) {
    if constexpr (kPow)
      return VectorMath::pow(p, q);
    else
      return VectorMath::atan2(p, q);
  };
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

// Fn over float runs whose operands each step by 1 or stay on one value (step 0): the blocks a
// 16-bit float op runs on, so that the loops vectorise (and pow and atan2 take libmvec).
template <class Fn>
void float_steps(float* o, const float* x, int64_t sx, const float* y, int64_t sy, int64_t n, float al) {
#ifdef TG_VECTOR_ACTIVATIONS
  if constexpr (std::is_same_v<Fn, PowFn> || std::is_same_v<Fn, Atan2Fn>) {
    if constexpr (std::is_same_v<Fn, PowFn>) {
      if (sx == 1 && sy == 0 && small_power(o, x, n, y[0])) return;
    }
    int64_t i = 0;
    const Floats8 xb = splat<Floats8>(x[0]), yb = splat<Floats8>(y[0]);
    for (; i + 8 <= n; i += 8) {
      const Floats8 xv = sx ? load_vector<Floats8>(x + i) : xb, yv = sy ? load_vector<Floats8>(y + i) : yb;
      if constexpr (std::is_same_v<Fn, PowFn>)
        store_vector(o + i, VectorMath::pow(xv, yv));
      else
        store_vector(o + i, VectorMath::atan2(xv, yv));
    }
    for (; i < n; ++i) o[i] = Fn{}(x[i * sx], y[i * sy], 1.0f);
    return;
  }
#endif
  const auto go = [&]<bool kX, bool kY, bool kAlpha>() {
    for (int64_t i = 0; i < n; ++i) o[i] = Fn{}(x[kX ? i : 0], y[kY ? i : 0], kAlpha ? al : 1.0f);
  };
  const auto with_alpha = [&]<bool kX, bool kY>() {
    if (al == 1.0f)
      go.template operator()<kX, kY, false>();
    else
      go.template operator()<kX, kY, true>();
  };
  if (sx && sy)
    with_alpha.template operator()<true, true>();
  else if (sx)
    with_alpha.template operator()<true, false>();
  else if (sy)
    with_alpha.template operator()<false, true>();
  else
    with_alpha.template operator()<false, false>();
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
  if constexpr (is_reduced_float_v<T>) {
    return run_reduced<T, Fn>(L, static_cast<T*>(out), static_cast<const T*>(a), static_cast<const T*>(b),
                              alpha.to<float>());
  }
#ifdef TG_VECTOR_ACTIVATIONS
  constexpr bool kLibmvec = (std::is_same_v<Fn, PowFn> || std::is_same_v<Fn, Atan2Fn>)&&(std::is_same_v<T, float> ||
                                                                                         std::is_same_v<T, double>);
  if constexpr (kLibmvec) {
    return libmvec_binary<T, Fn>(L, static_cast<T*>(out), static_cast<const T*>(a), static_cast<const T*>(b));
  }
#endif
  const A al = alpha.to<A>();
  auto* o = static_cast<T*>(out);
  auto* x = static_cast<const T*>(a);
  auto* y = static_cast<const T*>(b);
  if (al == A(1)) {
    // The common case, without the multiply the compiler cannot drop for floats.
    binary_loop(L, o, x, y, [](T p, T q) { return static_cast<T>(Fn{}(A(p), A(q), A(1))); });
  } else {
    binary_loop(L, o, x, y, [al](T p, T q) { return static_cast<T>(Fn{}(A(p), A(q), al)); });
  }
}

template <BitwiseOp Op>
struct BitwiseFn {
  template <class V>
  V operator()(V a, V b, V) const {
    return bitwise_value<Op>(a, b);
  }
};

template <class T, TernaryOp Op>
void run_ternary(const Loop& L, void* out, const void* a, const void* b, const void* c, const Scalar& value) {
  using A = acc_t<T>;
  const A v = value.to<A>();
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
  switch (op) {
    case TernaryOp::AddCMul:
      return dispatch_numeric(dtype, [&]<class T>() { run_ternary<T, TernaryOp::AddCMul>(loop, out, a, b, c, value); });
    case TernaryOp::AddCDiv:
      return dispatch_floating(dtype,
                               [&]<class T>() { run_ternary<T, TernaryOp::AddCDiv>(loop, out, a, b, c, value); });
    case TernaryOp::Lerp:
      return dispatch_floating(dtype, [&]<class T>() { run_ternary<T, TernaryOp::Lerp>(loop, out, a, b, c, value); });
  }
}

void binary(BinaryOp op, DType dtype, const Loop& loop, void* out, const void* a, const void* b,
            const Scalar& alpha) {
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
