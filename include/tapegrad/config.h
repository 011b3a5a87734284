#pragma once
// What this build of tapegrad runs on, as torch.__config__.show() and parallel_info() print it:
// the compiler, the libraries under the CPU and CUDA kernels (and which of OpenBLAS's kernels this
// CPU gets), the threads. For bug reports, and for a first look when an op runs slower than it
// should.
#include <string>

namespace tg::config {
// The build and its libraries, a line each.
std::string show();
// The CPU threads: tapegrad's and OpenMP's counts, the cores, the environment variables that set
// them.
std::string parallel_info();
}  // namespace tg::config
