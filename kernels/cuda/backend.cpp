// The CUDA backend's table of kernels. Kernels that the GPU does not have yet raise a tg::Error
// naming the op, so that a user sees what to move to the CPU instead of a crash.
#include "kernels/cuda/cuda_kernels.h"
#include "kernels/cuda/cuda_runtime.h"

namespace tg::kernels {
namespace {

template <const char* kName, class R, class... A>
R not_on_cuda(A...) {
  TG_FAIL("{}: this op is not implemented for CUDA tensors yet; move its inputs to the CPU with .cpu()", kName);
}
template <const char* kName, class R, class... A>
constexpr auto missing(R (*)(A...)) {
  return &not_on_cuda<kName, R, A...>;
}
#define TG_MISSING(entry)                          \
  [] {                                             \
    static constexpr char kName[] = #entry;        \
    return missing<kName>(decltype(Backend::entry){}); \
  }()

}  // namespace

const Backend& cuda_backend() {
  static const Backend table = {
      .unary = cuda::unary,
      .binary = cuda::binary,
      .compare = cuda::compare,
      .classify = cuda::classify,
      .where = cuda::where,
      .clamp = cuda::clamp,
      .copy = cuda::copy,
      .fill = cuda::fill,
      .reduce = cuda::reduce,
      .cumsum = cuda::cumsum,
      .softmax = cuda::softmax,
      .matmul = cuda::matmul,
      .index_gather = TG_MISSING(index_gather),
      .index_put = TG_MISSING(index_put),
      .gather = TG_MISSING(gather),
      .scatter = TG_MISSING(scatter),
      .sort = TG_MISSING(sort),
      .count_nonzero = TG_MISSING(count_nonzero),
      .nonzero = TG_MISSING(nonzero),
      .check_indices = TG_MISSING(check_indices),
      .conv2d = TG_MISSING(conv2d),
      .max_pool2d = TG_MISSING(max_pool2d),
      .avg_pool2d = TG_MISSING(avg_pool2d),
      .max_pool2d_backward = TG_MISSING(max_pool2d_backward),
      .batch_norm_stats = TG_MISSING(batch_norm_stats),
      .channel_affine = TG_MISSING(channel_affine),
      .batch_norm_backward = TG_MISSING(batch_norm_backward),
      .adam_step = TG_MISSING(adam_step),
      .uniform = cuda::uniform,
      .normal = cuda::normal,
      .randint = cuda::randint,
  };
  return table;
}

}  // namespace tg::kernels
