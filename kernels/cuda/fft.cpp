// The discrete Fourier transform on CUDA devices: not there yet. Complex tensors have CPU kernels
// only (their elementwise maps, reductions and conversions too), so a GPU transform would have
// nothing to feed it or read its result; cuFFT is the library for it when they get GPU kernels.
#include "kernels/cuda/cuda_kernels.h"

namespace tg::kernels::cuda {

void fft(DType dtype, int64_t, int64_t, bool, const void*, void*) {
  TG_FAIL(
      "fft: {} tensors on CUDA devices are not supported yet (complex tensors have CPU kernels only); move "
      "the input to the CPU with .cpu()",
      dtype);
}

}  // namespace tg::kernels::cuda
