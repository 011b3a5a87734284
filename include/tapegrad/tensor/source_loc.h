#pragma once
// Where in user code an op was called. Every public op takes one as its last, defaulted,
// argument, so anomaly mode can name the user's line that created a NaN.
#include <source_location>

namespace tg {
using SourceLoc = std::source_location;
}  // namespace tg
