// Training-mode batch norm on the GPU through cuDNN's spatial batch norm, as PyTorch's
// cudnn_batch_norm: forward, the batch statistics, the output and the running statistics' update
// in one call; backward, the input's and the affine parameters' gradients in one call from the
// statistics the forward saved. Cases cuDNN's calls do not take (no weight, no input gradient
// wanted, sizes past its int dims) run on the own kernels of norm.cu.
#include <climits>

#include "kernels/cuda/cuda_kernels.h"
#include "kernels/cuda/cudnn_handle.h"

namespace tg::kernels::cuda {
namespace {

// x as [n, c, inner, 1] (spatial mode normalizes each channel over n, h and w) and the
// [1, c, 1, 1] descriptor cuDNN derives for the per-channel vectors (float32 for float32 data,
// float64 for float64).
struct BatchNormDescriptors {
  cudnnTensorDescriptor_t x = nullptr, channel = nullptr;
  BatchNormDescriptors(DType dtype, int64_t n, int64_t c, int64_t inner, const char* op) {
    TG_CUDNN_CHECK(cudnnCreateTensorDescriptor(&x), op);
    TG_CUDNN_CHECK(cudnnCreateTensorDescriptor(&channel), op);
    TG_CUDNN_CHECK(cudnnSetTensor4dDescriptor(x, CUDNN_TENSOR_NCHW, dnn_data_type(dtype, op), static_cast<int>(n),
                                              static_cast<int>(c), static_cast<int>(inner), 1),
                   op);
    TG_CUDNN_CHECK(cudnnDeriveBNTensorDescriptor(channel, x, CUDNN_BATCHNORM_SPATIAL), op);
  }
  ~BatchNormDescriptors() {
    cudnnDestroyTensorDescriptor(channel);
    cudnnDestroyTensorDescriptor(x);
  }
  BatchNormDescriptors(const BatchNormDescriptors&) = delete;
  BatchNormDescriptors& operator=(const BatchNormDescriptors&) = delete;
};

// Whether cuDNN's calls take the case: float32 or float64 data (the norms widen float16 and
// bfloat16 to float32 first), something to normalize, and every dim and stride within an int.
bool fits_cudnn(DType dtype, int64_t n, int64_t c, int64_t inner) {
  return (dtype == DType::Float32 || dtype == DType::Float64) && c > 0 && n * inner > 0 && n * c * inner <= INT_MAX;
}

// The blend factors cuDNN reads from host memory: float for float32 data, double for float64.
struct Blend {
  float one_f = 1.0f, zero_f = 0.0f;
  double one_d = 1.0, zero_d = 0.0;
  const void* one;
  const void* zero;
  explicit Blend(DType dtype)
      : one(dtype == DType::Float64 ? static_cast<const void*>(&one_d) : &one_f),
        zero(dtype == DType::Float64 ? static_cast<const void*>(&zero_d) : &zero_f) {}
  Blend(const Blend&) = delete;
  Blend& operator=(const Blend&) = delete;
};

}  // namespace

bool cudnn_batch_norm_training(DType dtype, int64_t n, int64_t c, int64_t inner, double eps, double momentum,
                               const void* x, const void* weight, const void* bias, void* y, void* mean, void* invstd,
                               void* running_mean, void* running_var) {
  constexpr const char* op = "batch_norm";
  if (!fits_cudnn(dtype, n, c, inner) || eps < CUDNN_BN_MIN_EPSILON ||
      (running_mean == nullptr) != (running_var == nullptr))
    return false;
  const BatchNormDescriptors d(dtype, n, c, inner, op);
  const Blend blend(dtype);
  TG_CUDNN_CHECK(cudnnBatchNormalizationForwardTraining(dnn_handle(op), CUDNN_BATCHNORM_SPATIAL, blend.one, blend.zero,
                                                        d.x, x, d.x, y, d.channel, weight, bias, momentum, running_mean,
                                                        running_var, eps, mean, invstd),
                 op);
  return true;
}

void cudnn_batch_norm_backward(DType dtype, int64_t n, int64_t c, int64_t inner, double eps, const void* x,
                               const void* dy, const void* mean, const void* invstd, const void* weight, void* dx,
                               void* sum_dy, void* sum_dy_xhat) {
  constexpr const char* op = "batch_norm_backward";
  if (!fits_cudnn(dtype, n, c, inner) || eps < CUDNN_BN_MIN_EPSILON || weight == nullptr || dx == nullptr) {
    batch_norm_backward(dtype, n, c, inner, eps, x, dy, mean, invstd, weight, dx, sum_dy, sum_dy_xhat);
    return;
  }
  const BatchNormDescriptors d(dtype, n, c, inner, op);
  const Blend blend(dtype);
  // d(weight) = sum(dy * xhat) and d(bias) = sum(dy): the two sums the interface names.
  TG_CUDNN_CHECK(cudnnBatchNormalizationBackward(dnn_handle(op), CUDNN_BATCHNORM_SPATIAL, blend.one, blend.zero,
                                                 blend.one, blend.zero, d.x, x, d.x, dy, d.x, dx, d.channel, weight,
                                                 sum_dy_xhat, sum_dy, eps, mean, invstd),
                 op);
}

}  // namespace tg::kernels::cuda
