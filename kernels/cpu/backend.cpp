// The CPU backend's table of kernels.
#include "kernels/cpu/cpu_kernels.h"

namespace tg::kernels {

const Backend& cpu_backend() {
  static const Backend table = {
      cpu::unary,        cpu::binary,  cpu::compare,     cpu::classify,      cpu::where,         cpu::clamp,
      cpu::copy,         cpu::fill,    cpu::reduce,      cpu::cumsum,        cpu::softmax,       cpu::matmul,
      cpu::index_gather, cpu::index_put, cpu::gather,    cpu::scatter,       cpu::sort,          cpu::count_nonzero,
      cpu::nonzero,      cpu::check_indices, cpu::conv2d, cpu::max_pool2d, cpu::avg_pool2d, cpu::max_pool2d_backward, cpu::batch_norm_stats,
      cpu::channel_affine, cpu::batch_norm_backward, cpu::adam_step, cpu::uniform, cpu::normal,      cpu::randint,
  };
  return table;
}

}  // namespace tg::kernels
