// Comparisons, logical ops, NaN/Inf classification, where and clamp.
#include <cmath>
#include <cstring>

#include "kernels/cpu/complex_kernels.h"
#include "kernels/cpu/cpu_kernels.h"
#include "kernels/cpu/float_blocks.h"
#include "kernels/cpu/loops.h"
#include "kernels/cpu/vec_math.h"
#include "kernels/scalar_math.h"

namespace tg::kernels::cpu {
namespace {

#define TG_COMPARE_OP(name, Name, formula, ...) \
  struct Name##Fn {                             \
    template <class V>                          \
    auto operator()(V a, V b) const {           \
      return formula;                           \
    }                                           \
  };
#include "tapegrad/tensor/compare_ops.def"
#undef TG_COMPARE_OP

#ifdef TG_HALF_VECTORS
// A 16-bit float comparison eight lanes at a time, widened as the operands load (each steps by
// 1 or stays on one value), the mask spread to bytes: element by element, float16's scalar
// conversions took 4x bfloat16's time.
template <class Fn, class T>
void compare_half_run(uint8_t* o, const T* a, int64_t sa, const T* b, int64_t sb, int64_t n) {
  Floats8 p = splat<Floats8>(float(a[0])), q = splat<Floats8>(float(b[0]));
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    if (sa) p = reinterpret_cast<Floats8>(load8_as_float(a + i));
    if (sb) q = reinterpret_cast<Floats8>(load8_as_float(b + i));
    const auto mask = Fn{}(p, q);  // -1 / 0 per lane
    const auto bits = static_cast<uint64_t>(_mm256_movemask_ps(reinterpret_cast<__m256>(mask)));
#ifdef __BMI2__
    const uint64_t bytes = _pdep_u64(bits, 0x0101010101010101ull);
    std::memcpy(o + i, &bytes, 8);
#else
    for (int k = 0; k < 8; ++k) o[i + k] = static_cast<uint8_t>((bits >> k) & 1);
#endif
  }
  for (; i < n; ++i) o[i] = static_cast<uint8_t>(Fn{}(float(a[i * sa]), float(b[i * sb])));
}
#endif

}  // namespace

void compare(CompareOp op, DType dtype, const Loop& loop, void* out, const void* a, const void* b) {
  if (is_complex(dtype)) return complex_compare(op, dtype, loop, out, a, b);
  dispatch_all(dtype, [&]<class T>() {
    using A = acc_t<T>;
    auto* o = static_cast<uint8_t*>(out);  // bool storage as bytes, so that stores vectorise
    auto* x = static_cast<const T*>(a);
    auto* y = static_cast<const T*>(b);
#ifdef TG_HALF_VECTORS
    if constexpr (is_reduced_float_v<T>) {
      const int64_t so = loop.strides[0][0], sx = loop.strides[1][0], sy = loop.strides[2][0];
      if (so == 1 && (sx == 0 || sx == 1) && (sy == 0 || sy == 1)) {
        switch (op) {
#define TG_COMPARE_OP(name, Name, ...)                                                        \
  case CompareOp::Name:                                                                       \
    return parallel_rows<3>(loop, [&](const int64_t* off, int64_t n) {                        \
      compare_half_run<Name##Fn>(o + off[0], x + off[1], sx, y + off[2], sy, n); \
    });
#include "tapegrad/tensor/compare_ops.def"
#undef TG_COMPARE_OP
        }
      }
    }
#endif
    switch (op) {
#define TG_COMPARE_OP(name, Name, ...) \
  case CompareOp::Name:                \
    return binary_loop(loop, o, x, y, [](T p, T q) { return static_cast<uint8_t>(Name##Fn{}(A(p), A(q))); });
#include "tapegrad/tensor/compare_ops.def"
#undef TG_COMPARE_OP
    }
  });
}

void classify(ClassifyOp op, DType dtype, const Loop& loop, void* out, const void* in) {
  if (is_complex(dtype)) return complex_classify(op, dtype, loop, out, in);
  // bools as the bytes 0 and 1 (GCC does not vectorise loads of bool: ~mask ran at 30x PyTorch's time).
  dispatch_all(dtype == DType::Bool ? DType::UInt8 : dtype, [&]<class T>() {
    using A = acc_t<T>;
    auto* o = static_cast<uint8_t*>(out);
    auto* x = static_cast<const T*>(in);
    switch (op) {
      case ClassifyOp::LogicalNot:
        return unary_loop(loop, o, x, [](T v) { return static_cast<uint8_t>(!(A(v) != A(0))); });
      case ClassifyOp::IsNan:
        return unary_loop(loop, o, x, [](T v) {
          if constexpr (std::is_floating_point_v<A>) return static_cast<uint8_t>(std::isnan(A(v)));
          else return uint8_t{0};
        });
      case ClassifyOp::IsInf:
        return unary_loop(loop, o, x, [](T v) {
          if constexpr (std::is_floating_point_v<A>) return static_cast<uint8_t>(std::isinf(A(v)));
          else return uint8_t{0};
        });
      case ClassifyOp::IsFinite:
        return unary_loop(loop, o, x, [](T v) {
          if constexpr (std::is_floating_point_v<A>) return static_cast<uint8_t>(std::isfinite(A(v)));
          else return uint8_t{1};
        });
    }
  });
}

void where(DType dtype, const Loop& loop, void* out, const void* cond, const void* a, const void* b) {
  // Selection moves bytes: dispatch on the element size only. The condition is read as bytes:
  // GCC does not vectorise loads of bool.
  auto run = [&]<class U>() {
    ternary_loop(loop, static_cast<U*>(out), static_cast<const uint8_t*>(cond), static_cast<const U*>(a),
                 static_cast<const U*>(b), [](uint8_t c, U p, U q) { return c ? p : q; });
  };
  switch (itemsize(dtype)) {
    case 1: return run.template operator()<uint8_t>();
    case 2: return run.template operator()<uint16_t>();
    case 4: return run.template operator()<uint32_t>();
    case 8:
      return run.template operator()<uint64_t>();
    default:
      return run.template operator()<Bytes16>();
  }
}

void clamp(DType dtype, const Loop& loop, void* out, const void* in, const Scalar* lo, const Scalar* hi) {
  dispatch_numeric(dtype, [&]<class T>() {
    using A = acc_t<T>;
    const A l = lo ? lo->to<A>() : A(0), h = hi ? hi->to<A>() : A(0);
    const bool has_lo = lo != nullptr, has_hi = hi != nullptr;
    T* o = static_cast<T*>(out);
    const T* x = static_cast<const T*>(in);
    // Bounds that are numbers: selects without branches (vector max/min; a NaN input stays NaN
    // because the comparisons with it are false). On random data a branch per bound mispredicts
    // for every element near the edge.
    if (!(has_lo && l != l) && !(has_hi && h != h)) {
#ifdef TG_HALF_VECTORS
      if constexpr (is_reduced_float_v<T>) {
        // Eight lanes widened, bounded and narrowed in registers: element by element, float16's
        // scalar conversions took 13x PyTorch's time. max_ps / min_ps return their second
        // operand, the element, where it is NaN.
        const float lf = has_lo ? l : -INFINITY, hf = has_hi ? h : INFINITY;
        const auto one = [=](T v) {
          float y = static_cast<float>(v);
          y = lf > y ? lf : y;
          return static_cast<T>(hf < y ? hf : y);
        };
        return unary_loop(loop, o, x, one, [=](T* o, const T* x, int64_t n) {
          const __m256 lv = _mm256_set1_ps(lf), hv = _mm256_set1_ps(hf);
          int64_t i = 0;
          for (; i + 8 <= n; i += 8)
            store8_from_float(o + i, _mm256_min_ps(hv, _mm256_max_ps(lv, load8_as_float(x + i))));
          for (; i < n; ++i) o[i] = one(x[i]);
        });
      }
#endif
      if (has_lo && has_hi) {
        unary_loop(loop, o, x, [=](T v) {
          A y = A(v);
          y = l > y ? l : y;
          return static_cast<T>(h < y ? h : y);
        });
      } else if (has_lo) {
        unary_loop(loop, o, x, [=](T v) { return static_cast<T>(l > A(v) ? l : A(v)); });
      } else {
        unary_loop(loop, o, x, [=](T v) { return static_cast<T>(h < A(v) ? h : A(v)); });
      }
      return;
    }
    unary_loop(loop, o, x, [=](T v) {
      A x = A(v);
      if (has_lo) x = max_value(x, l);
      if (has_hi) x = min_value(x, h);
      return static_cast<T>(x);
    });
  });
}

}  // namespace tg::kernels::cpu
