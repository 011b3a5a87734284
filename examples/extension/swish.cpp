// A custom op with its own forward and backward kernels, built and loaded from Python:
//
//   ext = tg.utils.cpp_extension.load("swish_ext", sources=["swish.cpp"])            # CPU
//   ext = tg.utils.cpp_extension.load("swish_ext", sources=["swish.cpp", "swish_cuda.cu"])
//   y = ext.swish(x, 1.0)          # records SwishFnBackward on the tape
//
// swish(x, beta) = x * sigmoid(beta * x). The kernels are plain loops (CPU) or CUDA kernels
// (swish_cuda.cu); the autograd Function connects them to the tape.
#include <cmath>

#include <tapegrad/extension.h>

#ifdef TG_EXTENSION_WITH_CUDA
#include <tapegrad/cuda.h>
// In swish_cuda.cu.
void swish_forward_cuda(const float* x, float* y, int64_t n, float beta, void* stream);
void swish_backward_cuda(const float* grad, const float* x, float* out, int64_t n, float beta, void* stream);
#endif

namespace {

template <class T>
T sigmoid(T v) {
  return T(1) / (T(1) + std::exp(-v));
}

tg::Tensor swish_forward(const tg::Tensor& input, double beta) {
  TG_CHECK_TYPE(input.dtype() == tg::kFloat32 || input.dtype() == tg::kFloat64,
                "swish: expected a float32 or float64 tensor, got {}", input.dtype());
  const tg::Tensor x = input.contiguous();
  tg::Tensor y = tg::empty_like(x);
  const int64_t n = x.numel();
#ifdef TG_EXTENSION_WITH_CUDA
  if (x.is_cuda()) {
    TG_CHECK_TYPE(x.dtype() == tg::kFloat32, "swish: the CUDA kernel takes float32, got {}", x.dtype());
    swish_forward_cuda(x.data_ptr<float>(), y.data_ptr<float>(), n, static_cast<float>(beta),
                       tg::cuda::Stream::current().handle());
    return y;
  }
#endif
  TG_CHECK(x.is_cpu(), "swish: this build of the extension has no CUDA kernel (load it with swish_cuda.cu)");
  auto run = [&](auto* px, auto* py) {
    using T = std::remove_pointer_t<decltype(px)>;
    for (int64_t i = 0; i < n; ++i) py[i] = px[i] * sigmoid(static_cast<T>(beta) * px[i]);
  };
  if (x.dtype() == tg::kFloat32) run(x.data_ptr<float>(), y.data_ptr<float>());
  else run(x.data_ptr<double>(), y.data_ptr<double>());
  return y;
}

// d swish / dx = s + beta * x * s * (1 - s), s = sigmoid(beta * x)
tg::Tensor swish_backward(const tg::Tensor& grad_output, const tg::Tensor& input, double beta) {
  const tg::Tensor x = input.contiguous(), g = grad_output.contiguous();
  tg::Tensor out = tg::empty_like(x);
  const int64_t n = x.numel();
#ifdef TG_EXTENSION_WITH_CUDA
  if (x.is_cuda()) {
    swish_backward_cuda(g.data_ptr<float>(), x.data_ptr<float>(), out.data_ptr<float>(), n, static_cast<float>(beta),
                        tg::cuda::Stream::current().handle());
    return out;
  }
#endif
  auto run = [&](auto* pg, auto* px, auto* po) {
    using T = std::remove_pointer_t<decltype(px)>;
    const T b = static_cast<T>(beta);
    for (int64_t i = 0; i < n; ++i) {
      const T s = sigmoid(b * px[i]);
      po[i] = pg[i] * (s + b * px[i] * s * (T(1) - s));
    }
  };
  if (x.dtype() == tg::kFloat32) run(g.data_ptr<float>(), x.data_ptr<float>(), out.data_ptr<float>());
  else run(g.data_ptr<double>(), x.data_ptr<double>(), out.data_ptr<double>());
  return out;
}

struct SwishFn : tg::autograd::Function<SwishFn> {
  static tg::Tensor forward(tg::autograd::AutogradContext* ctx, const tg::Tensor& x, double beta) {
    ctx->save_for_backward({x});
    ctx->saved_data["beta"] = beta;
    return swish_forward(x, beta);
  }
  static tg::tensor_list backward(tg::autograd::AutogradContext* ctx, tg::tensor_list grads) {
    const tg::Tensor x = ctx->get_saved_variables()[0];
    return {swish_backward(grads[0], x, std::any_cast<double>(ctx->saved_data.at("beta"))), tg::Tensor()};
  }
};

}  // namespace

tg::Tensor swish(const tg::Tensor& x, double beta) { return SwishFn::apply(x, beta); }
TG_EXTENSION_OP(swish);

// Ops may return several tensors too.
std::tuple<tg::Tensor, tg::Tensor> swish_and_gate(const tg::Tensor& x, double beta) {
  return {swish(x, beta), tg::sigmoid(x * beta)};
}
TG_EXTENSION_OP(swish_and_gate);
