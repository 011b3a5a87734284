// The fused activations (activation_math.h): contiguous float and double runs eight (four)
// lanes at a time through libmvec (the 16-bit floats widened to float blocks for them),
// everything else one element at a time.
#include "kernels/activation_math.h"
#include "kernels/cpu/cpu_kernels.h"
#include "kernels/cpu/float_blocks.h"
#include "kernels/cpu/loops.h"
#include "kernels/cpu/vec_math.h"

namespace tg::kernels::cpu {
namespace {

template <class T>
constexpr bool kVectorised =
#ifdef TG_VECTOR_ACTIVATIONS
    std::is_same_v<T, float> || std::is_same_v<T, double>;
#else
    false;
#endif

#ifdef TG_VECTOR_ACTIVATIONS
// y = activation(v) over a contiguous float or double run.
template <ActivationOp kOp, class T>
void forward_run(ActivationArgs<T> a, T* y, const T* v, int64_t n) {
  using V = VectorOf<T>;
  constexpr int64_t kLanes = sizeof(V) / sizeof(T);
  int64_t i = 0;
  if constexpr (std::is_same_v<T, float>) {  // 16 lanes at a time where the CPU has AVX-512
    if constexpr (kOp == ActivationOp::Gelu) {
      if (n >= 16 && has_avx512()) i = gelu_avx512(v, y, n);
    } else if constexpr (kOp == ActivationOp::Silu) {
      if (n >= 16 && has_avx512()) i = silu_avx512(v, y, n);
    }
  }
  for (; i + kLanes <= n; i += kLanes) store_vector(y + i, activation_value<kOp, VectorMath>(load_vector<V>(v + i), a));
  for (; i < n; ++i) y[i] = activation_value<kOp, ScalarMath>(v[i], a);
}

// out = the gradient from gs (stepping by g_step, 0 or 1) and a contiguous run xs.
template <ActivationOp kOp, class T>
void backward_run(ActivationArgs<T> a, T* out, const T* gs, int64_t g_step, const T* xs, int64_t n) {
  using V = VectorOf<T>;
  constexpr int64_t kLanes = sizeof(V) / sizeof(T);
  int64_t i = 0;
  if constexpr (std::is_same_v<T, float>) {
    if constexpr (kOp == ActivationOp::Gelu) {
      if (n >= 16 && has_avx512()) i = gelu_backward_avx512(gs, g_step, xs, out, n);
    } else if constexpr (kOp == ActivationOp::Silu) {
      if (n >= 16 && has_avx512()) i = silu_backward_avx512(gs, g_step, xs, out, n);
    }
  }
  if (g_step == 0) {
    const V gv = splat<V>(gs[0]);
    for (; i + kLanes <= n; i += kLanes)
      store_vector(out + i, activation_grad<kOp, VectorMath>(gv, load_vector<V>(xs + i), a));
  } else {
    for (; i + kLanes <= n; i += kLanes)
      store_vector(out + i, activation_grad<kOp, VectorMath>(load_vector<V>(gs + i), load_vector<V>(xs + i), a));
  }
  for (; i < n; ++i) out[i] = activation_grad<kOp, ScalarMath>(gs[i * g_step], xs[i], a);
}
#endif

// float and double runs in vectors; float16 and bfloat16 runs widened to float blocks for the
// same (element by element, GELU of bfloat16 took 20x PyTorch's time); strided ones one by one.
template <ActivationOp kOp, class T>
void forward(const ActivationParams& p, const Loop& L, void* out, const void* in) {
  using A = acc_t<T>;
  const ActivationArgs<A> args(p);
  const auto f = [args](T x) { return static_cast<T>(activation_value<kOp, ScalarMath>(static_cast<A>(x), args)); };
  auto* o = static_cast<T*>(out);
  const auto* x = static_cast<const T*>(in);
#ifdef TG_VECTOR_ACTIVATIONS
  if constexpr (kVectorised<T>) {
    // (args passed by value: a copy the stores cannot alias stays in registers across the loop)
    return unary_loop(L, o, x, f, [&](T* y, const T* v, int64_t n) { forward_run<kOp>(args, y, v, n); });
  } else if constexpr (is_reduced_float_v<T>) {
    return unary_loop(L, o, x, f, [&](T* y, const T* v, int64_t n) {
      through_floats(y, v, n, [&](float* fy, const float* fv, int64_t m) { forward_run<kOp>(args, fy, fv, m); });
    });
  }
#endif
  unary_loop(L, o, x, f);
}

template <ActivationOp kOp, class T>
void backward(const ActivationParams& p, const Loop& L, void* dx, const void* dy, const void* x) {
  using A = acc_t<T>;
  const ActivationArgs<A> args(p);
  const auto f = [args](T g, T v) {
    return static_cast<T>(activation_grad<kOp, ScalarMath>(static_cast<A>(g), static_cast<A>(v), args));
  };
  auto* o = static_cast<T*>(dx);
  const auto* g = static_cast<const T*>(dy);
  const auto* v = static_cast<const T*>(x);
#ifdef TG_VECTOR_ACTIVATIONS
  if constexpr (kVectorised<T>) {
    return binary_loop(L, o, g, v, f, [&](T* out, const T* gs, const T* xs, int64_t n, int64_t g_step) {
      backward_run<kOp>(args, out, gs, g_step, xs, n);
    });
  } else if constexpr (is_reduced_float_v<T>) {
    return binary_loop(L, o, g, v, f, [&](T* out, const T* gs, const T* xs, int64_t n, int64_t g_step) {
      through_floats(out, gs, g_step, xs, 1, n,
                     [&](float* fo, const float* fg, int64_t fg_step, const float* fx, int64_t, int64_t m) {
                       backward_run<kOp>(args, fo, fg, fg_step, fx, m);
                     });
    });
  }
#endif
  binary_loop(L, o, g, v, f);
}

}  // namespace

void activation(ActivationOp op, DType dtype, const ActivationParams& p, const Loop& loop, void* out, const void* in) {
  dispatch_activation(op, [&]<ActivationOp kOp>() {
    dispatch_floating(dtype, [&]<class T>() { forward<kOp, T>(p, loop, out, in); });
  });
}

void activation_backward(ActivationOp op, DType dtype, const ActivationParams& p, const Loop& loop, void* dx,
                         const void* dy, const void* x) {
  dispatch_activation(op, [&]<ActivationOp kOp>() {
    dispatch_floating(dtype, [&]<class T>() { backward<kOp, T>(p, loop, dx, dy, x); });
  });
}

}  // namespace tg::kernels::cpu
