// The CPU backend's table of kernels.
#include <cstdlib>

#include "kernels/cpu/cpu_kernels.h"

namespace tg::kernels {
namespace cpu {

void* allocate(size_t nbytes) { return std::malloc(nbytes == 0 ? 1 : nbytes); }
void deallocate(void* p) { std::free(p); }

}  // namespace cpu

const Backend& cpu_backend() {
  static const Backend table = {
      cpu::unary,        cpu::binary,  cpu::compare,     cpu::classify,      cpu::where,         cpu::clamp,
      cpu::copy,         cpu::fill,    cpu::reduce,      cpu::cumsum,        cpu::softmax,       cpu::matmul,
      cpu::index_gather, cpu::index_put, cpu::gather,    cpu::scatter,       cpu::sort,          cpu::count_nonzero,
      cpu::nonzero,      cpu::check_indices, cpu::uniform, cpu::normal,      cpu::randint,       cpu::allocate,
      cpu::deallocate,
  };
  return table;
}

}  // namespace tg::kernels
