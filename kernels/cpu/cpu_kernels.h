#pragma once
// The CPU backend's kernels (the entries of its Backend table).
#include "kernels/kernels.h"

namespace tg::kernels::cpu {
#include "kernels/backend_kernels.inc"
}  // namespace tg::kernels::cpu
