#pragma once
// PyTorch's (and NumPy's) other names for tapegrad ops, so that code written with either reads
// the same: each forwards to the op it names.
#include "tapegrad/tensor/ops/elementwise.h"
#include "tapegrad/tensor/ops/linalg.h"
#include "tapegrad/tensor/ops/views.h"

namespace tg {

#define TG_UNARY_ALIAS(alias, op) \
  inline Tensor alias(const Tensor& self, TG_CALLER) { return op(self, loc); }
TG_UNARY_ALIAS(arccos, acos)
TG_UNARY_ALIAS(arcsin, asin)
TG_UNARY_ALIAS(arctan, atan)
TG_UNARY_ALIAS(arcsinh, asinh)
TG_UNARY_ALIAS(arccosh, acosh)
TG_UNARY_ALIAS(arctanh, atanh)
TG_UNARY_ALIAS(absolute, abs)
TG_UNARY_ALIAS(negative, neg)
TG_UNARY_ALIAS(fix, trunc)
#undef TG_UNARY_ALIAS

// Other is a Tensor or a Scalar, as for the ops they name.
#define TG_BINARY_ALIAS(alias, op)                                  \
  template <class Other>                                            \
  Tensor alias(const Tensor& self, const Other& other, TG_CALLER) { \
    return op(self, other, loc);                                    \
  }
TG_BINARY_ALIAS(arctan2, atan2)
TG_BINARY_ALIAS(greater, gt)
TG_BINARY_ALIAS(greater_equal, ge)
TG_BINARY_ALIAS(less, lt)
TG_BINARY_ALIAS(less_equal, le)
TG_BINARY_ALIAS(not_equal, ne)
#undef TG_BINARY_ALIAS

inline Tensor ger(const Tensor& self, const Tensor& other, TG_CALLER) { return outer(self, other, loc); }
inline Tensor moveaxis(const Tensor& self, int64_t source, int64_t destination, TG_CALLER) {
  return movedim(self, source, destination, loc);
}
inline Tensor moveaxis(const Tensor& self, const Shape& source, const Shape& destination, TG_CALLER) {
  return movedim(self, source, destination, loc);
}

}  // namespace tg
