#pragma once
// The cuDNN handle shared by the GPU's cuDNN kernels (convolutions, batch norm), the check that
// turns a failed cuDNN call into a tg::Error naming the op, and cuDNN's name of each dtype.
#include <cudnn.h>

#include "tapegrad/tensor/dtype.h"
#include "tapegrad/tensor/error.h"

#define TG_CUDNN_CHECK(call, op)                                                                   \
  do {                                                                                             \
    const cudnnStatus_t tg_st = (call);                                                            \
    if (tg_st != CUDNN_STATUS_SUCCESS) [[unlikely]]                                                \
      ::tg::detail::fail<::tg::Error>("{}: {} failed: {}", op, #call, cudnnGetErrorString(tg_st)); \
  } while (0)

namespace tg::kernels::cuda {
// One handle per device and thread, bound to the current stream before it is returned.
cudnnHandle_t dnn_handle(const char* op);
// float32, float64, float16 and bfloat16; any other dtype is a TypeError naming `op`.
cudnnDataType_t dnn_data_type(DType dtype, const char* op);
}  // namespace tg::kernels::cuda
