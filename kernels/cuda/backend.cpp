// The CUDA backend's table of kernels: every entry has a GPU kernel (convolutions need cuDNN;
// training batch norm uses it where it is found).
#include "kernels/cuda/cuda_kernels.h"
#include "kernels/cuda/cuda_runtime.h"

namespace tg::kernels {
#if !TG_WITH_CUDNN
namespace {
void conv_without_cudnn(ConvPass, DType, const ConvGeometry&, void*, const void*, const void*) {
  TG_FAIL("convolution: this build found no cuDNN, so convolutions of CUDA tensors are not available; move them "
          "to the CPU with .cpu() or rebuild with cuDNN installed");
}
}  // namespace
#endif

const Backend& cuda_backend() {
  static const Backend table = {
    .unary = cuda::unary,
    .binary = cuda::binary,
    .ternary = cuda::ternary,
    .compare = cuda::compare,
    .classify = cuda::classify,
    .frexp = cuda::frexp,
    .bitwise = cuda::bitwise,
    .activation = cuda::activation,
    .activation_backward = cuda::activation_backward,
    .where = cuda::where,
    .clamp = cuda::clamp,
    .copy = cuda::copy,
    .fill = cuda::fill,
    .triangle = cuda::triangle,
    .reduce = cuda::reduce,
    .scan = cuda::scan,
    .softmax = cuda::softmax,
    .matmul = cuda::matmul,
    .fft = cuda::fft,
    .index_gather = cuda::index_gather,
    .index_put = cuda::index_put,
    .gather = cuda::gather,
    .scatter = cuda::scatter,
    .searchsorted = cuda::searchsorted,
    .histogram = cuda::histogram,
    .lu_factor = cuda::lu_factor,
    .lu_solve = cuda::lu_solve,
    .cholesky = cuda::cholesky,
    .ldl_factor = cuda::ldl_factor,
    .ldl_solve = cuda::ldl_solve,
    .eigh = cuda::eigh,
    .eig = cuda::eig,
    .geqrf = cuda::geqrf,
    .orgqr = cuda::orgqr,
    .svd = cuda::svd,
    .triangular_solve = cuda::triangular_solve,
    .lstsq = cuda::lstsq,
    .resample = cuda::resample,
    .grid_sample = cuda::grid_sample,
    .grid_sample_backward = cuda::grid_sample_backward,
    .bag_sum = cuda::bag_sum,
    .sort = cuda::sort,
    .select = cuda::select,
    .count_nonzero = cuda::count_nonzero,
    .nonzero = cuda::nonzero,
    .check_indices = cuda::check_indices,
#if TG_WITH_CUDNN
    .conv = cuda::conv,
#else
    .conv = conv_without_cudnn,
#endif
    .max_pool2d = cuda::max_pool2d,
    .avg_pool2d = cuda::avg_pool2d,
    .max_pool2d_backward = cuda::max_pool2d_backward,
    .batch_norm_stats = cuda::batch_norm_stats,
    .channel_affine = cuda::channel_affine,
#if TG_WITH_CUDNN
    .batch_norm_backward = cuda::cudnn_batch_norm_backward,
    .batch_norm_training = cuda::cudnn_batch_norm_training,
#else
    .batch_norm_backward = cuda::batch_norm_backward,
    .batch_norm_training = nullptr,
#endif
    .layer_norm = cuda::layer_norm,
    .layer_norm_backward = cuda::layer_norm_backward,
    .group_norm = cuda::group_norm,
    .group_norm_backward = cuda::group_norm_backward,
    .cross_entropy = cuda::cross_entropy,
    .cross_entropy_backward = cuda::cross_entropy_backward,
    .ctc_loss = cuda::ctc_loss,
    .ctc_loss_backward = cuda::ctc_loss_backward,
    .lstm_cell = cuda::lstm_cell,
    .lstm_cell_backward = cuda::lstm_cell_backward,
    .gru_cell = cuda::gru_cell,
    .gru_cell_backward = cuda::gru_cell_backward,
    .distance = cuda::distance,
    .distance_backward = cuda::distance_backward,
    .adam_step = cuda::adam_step,
    .uniform = cuda::uniform,
    .normal = cuda::normal,
    .randint = cuda::randint,
  };
  return table;
}

}  // namespace tg::kernels
