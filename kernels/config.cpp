// tg::config: the build and its libraries (include/tapegrad/config.h).
#include "tapegrad/config.h"

#include <fmt/format.h>
#include <omp.h>

#include <oneapi/dnnl/dnnl.h>
#include <cstdlib>
#include <thread>

#include "kernels/cpu/blas_core.h"
#include "tapegrad/cuda.h"
#include "tapegrad/tensor/parallel.h"

#if TG_WITH_CUDA
#include <cuda_runtime_api.h>
#endif
#if TG_WITH_CUDNN
#include <cudnn_version.h>
#endif

#ifndef TG_VERSION
#define TG_VERSION "unknown"
#endif

namespace tg::config {
namespace {

std::string compiler() {
#if defined(__clang__)
  return fmt::format("Clang {}.{}.{}", __clang_major__, __clang_minor__, __clang_patchlevel__);
#elif defined(__GNUC__)
  return fmt::format("GCC {}.{}.{}", __GNUC__, __GNUC_MINOR__, __GNUC_PATCHLEVEL__);
#else
  return "unknown";
#endif
}

std::string blas() {
  const std::string openblas = cpu::blas_info();
#if TG_WITH_BLAS
  return openblas.empty() ? "a CBLAS other than OpenBLAS, for float64 matrix products"
                          : "for float64 and some float32 matrix products, " + openblas;
#else
  return openblas.empty() ? "none (float64 matrix products on tapegrad's own kernel)"
                          : "none linked for matrix products; LAPACK loaded " + openblas;
#endif
}

std::string cuda() {
#if TG_WITH_CUDA
  std::string s = fmt::format("built with CUDA {}.{}", CUDART_VERSION / 1000, CUDART_VERSION % 1000 / 10);
#if TG_WITH_CUDNN
  s += fmt::format(", cuDNN {}.{}.{}", CUDNN_MAJOR, CUDNN_MINOR, CUDNN_PATCHLEVEL);
#else
  s += ", without cuDNN (no GPU convolutions or batch norm)";
#endif
  const int n = cuda::device_count();
  return s + fmt::format("; {} device{} present", n, n == 1 ? "" : "s");
#else
  return "not built (no CUDA toolkit at build time): CPU only";
#endif
}

}  // namespace

std::string show() {
  const dnnl_version_t* dnnl = dnnl_version();
  std::string s = fmt::format("tapegrad {}\n", TG_VERSION);
  s += fmt::format("  - C++ compiler: {}, C++ standard {}\n", compiler(), __cplusplus);
  s += fmt::format("  - OpenMP {} for CPU threads ({} in use)\n", _OPENMP, get_num_threads());
  const std::string hash = dnnl->hash;
  s += fmt::format("  - oneDNN {}.{}.{}{}: convolutions, float32 matrix products, pooling\n", dnnl->major, dnnl->minor,
                   dnnl->patch, hash.empty() || hash == "N/A" ? "" : " (git " + hash + ")");
  s += fmt::format("  - BLAS: {}\n", blas());
#if TG_WITH_LAPACK
  s += "  - LAPACK (LAPACKE): linalg factorizations and solvers on the CPU\n";
#else
  s += "  - LAPACK: none (linalg factorizations raise on the CPU)\n";
#endif
#if TG_HAVE_LIBMVEC
  s += "  - glibc's libmvec for vector exp, log, tanh, erf, pow and atan2\n";
#else
  s += "  - no libmvec: elementwise exp, log, tanh, erf, pow and atan2 call the scalar functions\n";
#endif
  s += fmt::format("  - CUDA: {}\n", cuda());
  return s;
}

std::string parallel_info() {
  const auto env = [](const char* name) -> std::string {
    const char* v = std::getenv(name);
    return v ? v : "[not set]";
  };
  std::string s = "tapegrad threads:\n";
  s += fmt::format("  - tg::get_num_threads(): {}\n", get_num_threads());
  s += fmt::format("  - OpenMP {}, omp_get_max_threads(): {}\n", _OPENMP, omp_get_max_threads());
  s += fmt::format("  - std::thread::hardware_concurrency(): {}\n", std::thread::hardware_concurrency());
  s += fmt::format("  - OMP_NUM_THREADS: {}\n", env("OMP_NUM_THREADS"));
  s += fmt::format("  - OPENBLAS_NUM_THREADS: {}\n", env("OPENBLAS_NUM_THREADS"));
  s += fmt::format("  - OPENBLAS_CORETYPE: {}\n", env("OPENBLAS_CORETYPE"));
  s += "  - parallel backend: OpenMP (tapegrad's kernels, oneDNN and OpenBLAS share its threads)\n";
  return s;
}

}  // namespace tg::config
