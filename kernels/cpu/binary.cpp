// Elementwise binary arithmetic kernels, one per line of binary_ops.def.
#include <cmath>

#include "kernels/cpu/cpu_kernels.h"
#include "kernels/cpu/loops.h"
#include "kernels/scalar_math.h"

namespace tg::kernels::cpu {
namespace {

#define TG_BINARY_OP(name, Name, kind, da, db, formula, ...)      \
  struct Name##Fn {                                               \
    template <class V>                                            \
    V operator()(V a, V b, [[maybe_unused]] V alpha) const {      \
      return static_cast<V>(formula);                             \
    }                                                             \
  };
#include "tapegrad/tensor/binary_ops.def"
#undef TG_BINARY_OP

template <class T, class Fn>
void run(const Loop& L, void* out, const void* a, const void* b, const Scalar& alpha) {
  using A = acc_t<T>;
  const A al = alpha.to<A>();
  auto* o = static_cast<T*>(out);
  auto* x = static_cast<const T*>(a);
  auto* y = static_cast<const T*>(b);
  if (al == A(1)) {
    // The common case, without the multiply the compiler cannot drop for floats.
    binary_loop(L, o, x, y, [](T p, T q) { return static_cast<T>(Fn{}(A(p), A(q), A(1))); });
  } else {
    binary_loop(L, o, x, y, [al](T p, T q) { return static_cast<T>(Fn{}(A(p), A(q), al)); });
  }
}

}  // namespace

void binary(BinaryOp op, DType dtype, const Loop& loop, void* out, const void* a, const void* b,
            const Scalar& alpha) {
  switch (op) {
#define TG_BINARY_OP(name, Name, ...) \
  case BinaryOp::Name:                \
    return dispatch_all(dtype, [&]<class T>() { run<T, Name##Fn>(loop, out, a, b, alpha); });
#include "tapegrad/tensor/binary_ops.def"
#undef TG_BINARY_OP
  }
}

}  // namespace tg::kernels::cpu
