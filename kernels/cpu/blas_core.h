#pragma once
// Which BLAS the CPU kernels call, and which of OpenBLAS's cores (blas_core.cpp).
#include <string>

namespace tg::cpu {
// OpenBLAS's own configuration line (its version, build and core), with a note where tapegrad chose
// the core; empty where the process has no OpenBLAS.
std::string blas_info();
}  // namespace tg::cpu
