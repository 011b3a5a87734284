#pragma once
// softmax and log_softmax along a dim, computed stably (max subtracted).
#include <optional>

#include "tapegrad/tensor/tensor.h"

namespace tg {

Tensor softmax(const Tensor& self, int64_t dim, std::optional<DType> dtype = std::nullopt, TG_CALLER);
Tensor log_softmax(const Tensor& self, int64_t dim, std::optional<DType> dtype = std::nullopt, TG_CALLER);

}  // namespace tg
