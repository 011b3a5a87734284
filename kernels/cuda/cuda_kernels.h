#pragma once
// The CUDA backend's kernels (the entries of its Backend table).
#include "kernels/kernels.h"

namespace tg::kernels::cuda {
#include "kernels/backend_kernels.inc"
}  // namespace tg::kernels::cuda
