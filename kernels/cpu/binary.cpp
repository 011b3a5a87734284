// Elementwise binary arithmetic kernels, one per line of binary_ops.def, and the fused ternary ones.
#include <cmath>

#include "kernels/cpu/cpu_kernels.h"
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

template <class T, class Fn>
void run(const Loop& L, void* out, const void* a, const void* b, const Scalar& alpha) {
  using A = acc_t<T>;
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
