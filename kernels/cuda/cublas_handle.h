#pragma once
// The cuBLAS handle shared by the GPU's matrix kernels (products, triangular solves), and the
// check that turns a failed cuBLAS call into a tg::Error naming the op.
#include <cublas_v2.h>

#include "tapegrad/tensor/error.h"

#define TG_CUBLAS_CHECK(call, op)                                                                        \
  do {                                                                                                   \
    const cublasStatus_t tg_st = (call);                                                                 \
    if (tg_st != CUBLAS_STATUS_SUCCESS) [[unlikely]]                                                     \
      ::tg::detail::fail<::tg::Error>("{}: {} failed: {} ({})", op, #call, cublasGetStatusString(tg_st), \
                                      cublasGetStatusName(tg_st));                                       \
  } while (0)

namespace tg::kernels::cuda {
// One handle per device and thread (a handle is not to be shared between threads that use it at
// the same time), bound to the current stream before it is returned.
cublasHandle_t blas_handle(const char* op);
}  // namespace tg::kernels::cuda
