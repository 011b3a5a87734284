// Elementwise unary kernels, one per line of unary_ops.def.
#include <cmath>

#include "kernels/cpu/cpu_kernels.h"
#include "kernels/cpu/loops.h"
#include "kernels/scalar_math.h"

namespace tg::kernels::cpu {
namespace {

#define TG_UNARY_OP(name, Name, kind, domain, formula, ...) \
  struct Name##Fn {                                          \
    template <class V>                                       \
    V operator()(V x) const {                                \
      return formula;                                        \
    }                                                        \
  };
#include "tapegrad/tensor/unary_ops.def"
#undef TG_UNARY_OP

template <class T, class Fn>
void run(const Loop& L, void* out, const void* in) {
  using A = acc_t<T>;
  unary_loop(L, static_cast<T*>(out), static_cast<const T*>(in),
             [](T x) { return static_cast<T>(Fn{}(static_cast<A>(x))); });
}

// Float ops run on floating dtypes only (the front end promotes integers); the others on every
// dtype but bool.
template <class Fn>
void dispatch_kind(DType dt, bool floating_only, const Loop& L, void* out, const void* in) {
  if (floating_only) {
    dispatch_floating(dt, [&]<class T>() { run<T, Fn>(L, out, in); });
  } else {
    dispatch_numeric(dt, [&]<class T>() { run<T, Fn>(L, out, in); });
  }
}

constexpr bool kFloatKind_Float = true;
constexpr bool kFloatKind_Signed = false;
constexpr bool kFloatKind_Real = false;

}  // namespace

void unary(UnaryOp op, DType dtype, const Loop& loop, void* out, const void* in) {
  switch (op) {
#define TG_UNARY_OP(name, Name, kind, ...) \
  case UnaryOp::Name:                      \
    return dispatch_kind<Name##Fn>(dtype, kFloatKind_##kind, loop, out, in);
#include "tapegrad/tensor/unary_ops.def"
#undef TG_UNARY_OP
  }
}

}  // namespace tg::kernels::cpu
