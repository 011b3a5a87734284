// The CPU backend's table of kernels.
#include "kernels/cpu/cpu_kernels.h"

namespace tg::kernels {

const Backend& cpu_backend() {
  static const Backend table = {
      .unary = cpu::unary,
      .binary = cpu::binary,
      .compare = cpu::compare,
      .classify = cpu::classify,
      .activation = cpu::activation,
      .activation_backward = cpu::activation_backward,
      .where = cpu::where,
      .clamp = cpu::clamp,
      .copy = cpu::copy,
      .fill = cpu::fill,
      .reduce = cpu::reduce,
      .scan = cpu::scan,
      .softmax = cpu::softmax,
      .matmul = cpu::matmul,
      .index_gather = cpu::index_gather,
      .index_put = cpu::index_put,
      .gather = cpu::gather,
      .scatter = cpu::scatter,
      .searchsorted = cpu::searchsorted,
      .lu_factor = cpu::lu_factor,
      .lu_solve = cpu::lu_solve,
      .cholesky = cpu::cholesky,
      .eigh = cpu::eigh,
      .geqrf = cpu::geqrf,
      .orgqr = cpu::orgqr,
      .svd = cpu::svd,
      .triangular_solve = cpu::triangular_solve,
      .lstsq = cpu::lstsq,
      .resample = cpu::resample,
      .grid_sample = cpu::grid_sample,
      .grid_sample_backward = cpu::grid_sample_backward,
      .sort = cpu::sort,
      .count_nonzero = cpu::count_nonzero,
      .nonzero = cpu::nonzero,
      .check_indices = cpu::check_indices,
      .conv2d = cpu::conv2d,
      .max_pool2d = cpu::max_pool2d,
      .avg_pool2d = cpu::avg_pool2d,
      .max_pool2d_backward = cpu::max_pool2d_backward,
      .batch_norm_stats = cpu::batch_norm_stats,
      .channel_affine = cpu::channel_affine,
      .batch_norm_backward = cpu::batch_norm_backward,
      .layer_norm = cpu::layer_norm,
      .layer_norm_backward = cpu::layer_norm_backward,
      .group_norm = cpu::group_norm,
      .group_norm_backward = cpu::group_norm_backward,
      .cross_entropy = cpu::cross_entropy,
      .cross_entropy_backward = cpu::cross_entropy_backward,
      .adam_step = cpu::adam_step,
      .uniform = cpu::uniform,
      .normal = cpu::normal,
      .randint = cpu::randint,
  };
  return table;
}

}  // namespace tg::kernels
