#include "kernels/kernels.h"

#include "tapegrad/tensor/error.h"

namespace tg::kernels {

const Backend& backend(Device device, const char* op) {
  if (device.is_cpu()) [[likely]]
    return cpu_backend();
  TG_FAIL("{}: tensors on {} are not supported by this build: it has no CUDA backend", op, device);
}

}  // namespace tg::kernels
