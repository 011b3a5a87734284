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
      .index_gather = cuda::index_gather,
      .index_put = cuda::index_put,
      .gather = cuda::gather,
      .scatter = cuda::scatter,
      .sort = cuda::sort,
      .count_nonzero = cuda::count_nonzero,
      .nonzero = cuda::nonzero,
      .check_indices = cuda::check_indices,
      #if TG_WITH_CUDNN
      .conv2d = cuda::conv2d,
#else
      .conv2d = TG_MISSING(conv2d),
#endif
      .max_pool2d = cuda::max_pool2d,
      .avg_pool2d = cuda::avg_pool2d,
      .max_pool2d_backward = cuda::max_pool2d_backward,
      .batch_norm_stats = cuda::batch_norm_stats,
      .channel_affine = cuda::channel_affine,
      .batch_norm_backward = cuda::batch_norm_backward,
      .adam_step = cuda::adam_step,
      .uniform = cuda::uniform,
      .normal = cuda::normal,
      .randint = cuda::randint,
  };
  return table;
}

}  // namespace tg::kernels
