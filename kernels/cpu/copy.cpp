// Strided copies with dtype conversion, and fills.
#include <cstring>

#include "kernels/cpu/cpu_kernels.h"
#include "kernels/cpu/loops.h"

namespace tg::kernels::cpu {
namespace {

bool contiguous_1d(const Loop& L) {
  return L.ndim == 1 && L.strides[0][0] == 1 && L.strides[1][0] == 1;
}

template <class U>
void copy_same(const Loop& L, void* out, const void* in) {
  if (contiguous_1d(L)) {
    parallel_for(0, L.numel, kGrain * 4, [&](int64_t b, int64_t e) {
      std::memcpy(static_cast<U*>(out) + b, static_cast<const U*>(in) + b, static_cast<size_t>(e - b) * sizeof(U));
    });
    return;
  }
  unary_loop(L, static_cast<U*>(out), static_cast<const U*>(in), [](U v) { return v; });
}

}  // namespace

void copy(const Loop& loop, void* out, DType out_dtype, const void* in, DType in_dtype) {
  if (out_dtype == in_dtype) {
    switch (itemsize(out_dtype)) {
      case 1: return copy_same<uint8_t>(loop, out, in);
      case 2: return copy_same<uint16_t>(loop, out, in);
      case 4: return copy_same<uint32_t>(loop, out, in);
      default: return copy_same<uint64_t>(loop, out, in);
    }
  }
  dispatch_all(out_dtype, [&]<class To>() {
    dispatch_all(in_dtype, [&]<class From>() {
      unary_loop(loop, static_cast<To*>(out), static_cast<const From*>(in), [](From v) { return convert<To>(v); });
    });
  });
}

void fill(const Loop& loop, void* out, DType dtype, const Scalar& value) {
  dispatch_all(dtype, [&]<class T>() {
    T v;
    if constexpr (std::is_same_v<T, bool>) {
      v = value.to_bool();
    } else if constexpr (std::is_integral_v<T>) {
      v = value.is_floating_point() ? convert<T>(value.to_double()) : static_cast<T>(value.to_int());
    } else {
      v = value.to<T>();
    }
    T* o = static_cast<T*>(out);
    parallel_for(0, loop.numel, kGrain, [&](int64_t begin, int64_t end) {
      for_each_row<1>(loop, begin, end, [&](const int64_t* off, int64_t n) {
        T* p = o + off[0];
        const int64_t s = loop.strides[0][0];
        if (s == 1) {
          std::fill(p, p + n, v);
        } else {
          for (int64_t i = 0; i < n; ++i) p[i * s] = v;
        }
      });
    });
  });
}

}  // namespace tg::kernels::cpu
