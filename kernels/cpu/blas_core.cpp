// OpenBLAS picks its kernels once, when it loads, from a table of CPU models. A model newer than
// the table (Debian 12's 0.3.21 and Intel's Emerald Rapids, for one) gets the generic "Prescott"
// kernels: SSE3, no AVX, a float64 matmul 5-7x slower than the CPU can run it, and every LAPACK
// call with it. Later OpenBLAS releases fall back by instruction set instead; this does the same
// for the release at hand, once, while tapegrad loads: it re-runs OpenBLAS's own core choice with
// OPENBLAS_CORETYPE naming the widest kernels the CPU supports. A user's OPENBLAS_CORETYPE, a
// core OpenBLAS knew, or a BLAS other than OpenBLAS (the symbols are weak) is left alone.
#include "kernels/cpu/blas_core.h"

#include <strings.h>

#include <cstdlib>

extern "C" {
char* openblas_get_config() __attribute__((weak));
char* openblas_get_corename() __attribute__((weak));
void gotoblas_dynamic_init() __attribute__((weak));
void gotoblas_dynamic_quit() __attribute__((weak));
}

namespace tg::cpu {
namespace {

// The kernels of OpenBLAS's x86-64 cores, widest first, as OPENBLAS_CORETYPE names them.
const char* widest_supported_core() {
#if defined(__x86_64__)
  __builtin_cpu_init();
  // What OpenBLAS's SkylakeX kernels use; __builtin_cpu_supports also checks the OS saves the
  // registers.
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl") &&
      __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512cd"))
    return "SkylakeX";
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return "Haswell";
  if (__builtin_cpu_supports("avx")) return "Sandybridge";
#endif
  return nullptr;
}

// Whether tapegrad replaced OpenBLAS's generic core.
bool core_replaced = false;

struct OpenBlasCoreFix {
  OpenBlasCoreFix() {
    if (!openblas_get_corename || !gotoblas_dynamic_init || !gotoblas_dynamic_quit) return;
    const char* current = openblas_get_corename();
    if (std::getenv("OPENBLAS_CORETYPE") || !current || strcasecmp(current, "Prescott") != 0) return;
    const char* core = widest_supported_core();
    if (!core) return;
    // gotoblas_dynamic_init only chooses when no core is set, and reads the choice from the
    // environment; the variable is removed again so that child processes choose for themselves.
    setenv("OPENBLAS_CORETYPE", core, 1);
    gotoblas_dynamic_quit();
    gotoblas_dynamic_init();
    unsetenv("OPENBLAS_CORETYPE");
    core_replaced = true;
  }
};

const OpenBlasCoreFix openblas_core_fix;

}  // namespace

std::string blas_info() {
  if (!openblas_get_config) return "";
  std::string info = openblas_get_config();
  if (core_replaced)
    info += std::string("; core ") + openblas_get_corename() +
            " chosen by tapegrad (OpenBLAS did not know this CPU and fell back to Prescott)";
  return info;
}

}  // namespace tg::cpu
