// The fused activations on the GPU: the formulas of activation_math.h, computed in the CPU
// kernels' accumulation types; 16-byte loads where every operand is contiguous and aligned.
#include "kernels/activation_math.h"
#include "kernels/cuda/cuda_kernels.h"
#include "kernels/cuda/loops.cuh"

namespace tg::kernels::cuda {
namespace {

template <ActivationOp kOp, class T>
struct Forward {
  ActivationArgs<acc_t<T>> args;
  __device__ T operator()(T x) const {
    return static_cast<T>(activation_value<kOp, ScalarMath>(static_cast<acc_t<T>>(x), args));
  }
};

template <ActivationOp kOp, class T>
struct Backward {
  ActivationArgs<acc_t<T>> args;
  __device__ T operator()(T dy, T x) const {
    using A = acc_t<T>;
    return static_cast<T>(activation_grad<kOp, ScalarMath>(static_cast<A>(dy), static_cast<A>(x), args));
  }
};

template <ActivationOp kOp, class T>
struct StridedForward {
  T* out;
  const T* in;
  Forward<kOp, T> f;
  __device__ void operator()(const int64_t* off) const { out[off[0]] = f(in[off[1]]); }
};

template <ActivationOp kOp, class T>
struct StridedBackward {
  T* dx;
  const T* dy;
  const T* x;
  Backward<kOp, T> f;
  __device__ void operator()(const int64_t* off) const { dx[off[0]] = f(dy[off[1]], x[off[2]]); }
};

template <ActivationOp kOp, class T>
void forward(const ActivationParams& p, const Loop& L, void* out, const void* in) {
  if (L.numel == 0) return;
  auto* o = static_cast<T*>(out);
  const auto* x = static_cast<const T*>(in);
  const Forward<kOp, T> f{ActivationArgs<acc_t<T>>(p)};
  if (is_contiguous_loop(L) && aligned16(o) && aligned16(x)) {
    vector_kernel<T, Forward<kOp, T>, false, false>
        <<<grid_for_vector(L.numel, Vec16<T>::kSize), kBlock, 0, current_stream()>>>(L.numel, o, x, nullptr, f);
    TG_CUDA_CHECK(cudaGetLastError(), "activation");
  } else {
    launch_strided<2>(L, StridedForward<kOp, T>{o, x, f}, "activation");
  }
}

template <ActivationOp kOp, class T>
void backward(const ActivationParams& p, const Loop& L, void* dx, const void* dy, const void* x) {
  if (L.numel == 0) return;
  auto* o = static_cast<T*>(dx);
  const auto* g = static_cast<const T*>(dy);
  const auto* v = static_cast<const T*>(x);
  const Backward<kOp, T> f{ActivationArgs<acc_t<T>>(p)};
  if (is_contiguous_loop(L) && aligned16(o) && aligned16(g) && aligned16(v)) {
    vector_kernel<T, Backward<kOp, T>, true, false>
        <<<grid_for_vector(L.numel, Vec16<T>::kSize), kBlock, 0, current_stream()>>>(L.numel, o, g, v, f);
    TG_CUDA_CHECK(cudaGetLastError(), "activation_backward");
  } else {
    launch_strided<3>(L, StridedBackward<kOp, T>{o, g, v, f}, "activation_backward");
  }
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

}  // namespace tg::kernels::cuda
