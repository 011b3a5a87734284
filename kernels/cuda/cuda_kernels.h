#pragma once
// The CUDA backend's kernels (the entries of its Backend table).
#include "kernels/kernels.h"

namespace tg::kernels::cuda {
#include "kernels/backend_kernels.inc"

// cuDNN's batch norm (kernels/cuda/batch_norm.cpp; in builds with cuDNN): the Backend entries
// batch_norm_training and batch_norm_backward, the latter on the kernels above where cuDNN has no
// call for the case.
bool cudnn_batch_norm_training(DType dtype, int64_t n, int64_t c, int64_t inner, double eps, double momentum,
                               const void* x, const void* weight, const void* bias, void* y, void* mean, void* invstd,
                               void* running_mean, void* running_var);
void cudnn_batch_norm_backward(DType dtype, int64_t n, int64_t c, int64_t inner, double eps, const void* x,
                               const void* dy, const void* mean, const void* invstd, const void* weight, void* dx,
                               void* sum_dy, void* sum_dy_xhat);
}  // namespace tg::kernels::cuda
