#include "kernels/cuda/cudnn_handle.h"

#include <array>

#include "kernels/cuda/cuda_runtime.h"

namespace tg::kernels::cuda {

cudnnHandle_t dnn_handle(const char* op) {
  thread_local std::array<cudnnHandle_t, ::tg::cuda::detail::kMaxDevices> handles{};
  const int device = ::tg::cuda::detail::current_device();
  cudnnHandle_t& h = handles[static_cast<size_t>(device)];
  if (!h) TG_CUDNN_CHECK(cudnnCreate(&h), op);
  TG_CUDNN_CHECK(cudnnSetStream(h, ::tg::cuda::detail::current_stream()), op);
  return h;
}

cudnnDataType_t dnn_data_type(DType dtype, const char* op) {
  switch (dtype) {
    case DType::Float32:
      return CUDNN_DATA_FLOAT;
    case DType::Float64:
      return CUDNN_DATA_DOUBLE;
    case DType::Float16:
      return CUDNN_DATA_HALF;
    case DType::BFloat16:
      return CUDNN_DATA_BFLOAT16;
    default:
      ::tg::detail::fail<::tg::TypeError>("{}: dtype {} is not supported by cuDNN", op, dtype);
  }
}

}  // namespace tg::kernels::cuda
