// Elementwise unary kernels, one per line of unary_ops.def.
#include <cmath>

#include "kernels/cpu/cpu_kernels.h"
#include "kernels/cpu/loops.h"
#include "kernels/cpu/vec_math.h"
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

// The ops with a vector form (vec_math.h), for float and double contiguous runs.
template <class Fn>
constexpr int kVectorForm = -1;
template <>
constexpr int kVectorForm<ExpFn> = static_cast<int>(VectorFn::Exp);
template <>
constexpr int kVectorForm<LogFn> = static_cast<int>(VectorFn::Log);
template <>
constexpr int kVectorForm<TanhFn> = static_cast<int>(VectorFn::Tanh);
template <>
constexpr int kVectorForm<SigmoidFn> = static_cast<int>(VectorFn::Sigmoid);

template <class T, class Fn>
void run(const Loop& L, void* out, const void* in) {
  using A = acc_t<T>;
  const auto f = [](T x) { return static_cast<T>(Fn{}(static_cast<A>(x))); };
  if constexpr (kVectorForm<Fn> >= 0 && (std::is_same_v<T, float> || std::is_same_v<T, double>)) {
    unary_loop(L, static_cast<T*>(out), static_cast<const T*>(in), f,
               [&](T* o, const T* x, int64_t n) { vector_map<static_cast<VectorFn>(kVectorForm<Fn>)>(x, o, n, f); });
  } else {
    unary_loop(L, static_cast<T*>(out), static_cast<const T*>(in), f);
  }
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
