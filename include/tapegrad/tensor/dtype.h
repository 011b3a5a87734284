#pragma once
// Element types, their sizes and names, and PyTorch's type promotion.
#include <complex>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include <fmt/format.h>

#include "tapegrad/tensor/half.h"

namespace tg {

// Ordered by promotion rank (bool lowest); float16 and bfloat16 share a rank. The complex types
// hold a real and an imaginary part of float32 (complex64) or float64 (complex128), laid out as
// std::complex (two reals side by side).
enum class DType : uint8_t {
  Bool,
  UInt8,
  Int8,
  Int16,
  Int32,
  Int64,
  Float16,
  BFloat16,
  Float32,
  Float64,
  Complex64,
  Complex128
};
inline constexpr int kNumDTypes = 12;

inline constexpr DType kBool = DType::Bool;
inline constexpr DType kUInt8 = DType::UInt8;
inline constexpr DType kInt8 = DType::Int8;
inline constexpr DType kInt16 = DType::Int16;
inline constexpr DType kInt32 = DType::Int32;
inline constexpr DType kInt64 = DType::Int64;
inline constexpr DType kFloat16 = DType::Float16;
inline constexpr DType kBFloat16 = DType::BFloat16;
inline constexpr DType kFloat32 = DType::Float32;
inline constexpr DType kFloat64 = DType::Float64;
inline constexpr DType kComplex64 = DType::Complex64;
inline constexpr DType kComplex128 = DType::Complex128;
// libtorch spellings, so that code moves over unchanged.
inline constexpr DType kFloat = kFloat32;
inline constexpr DType kDouble = kFloat64;
inline constexpr DType kHalf = kFloat16;
inline constexpr DType kLong = kInt64;
inline constexpr DType kInt = kInt32;
inline constexpr DType kByte = kUInt8;
inline constexpr DType kChar = kInt8;
inline constexpr DType kShort = kInt16;
inline constexpr DType kComplexFloat = kComplex64;
inline constexpr DType kComplexDouble = kComplex128;

constexpr size_t itemsize(DType t) {
  constexpr size_t sizes[] = {1, 1, 1, 2, 4, 8, 2, 2, 4, 8, 8, 16};
  return sizes[static_cast<int>(t)];
}
constexpr std::string_view name(DType t) {
  constexpr std::string_view names[] = {"bool",    "uint8",    "int8",    "int16",   "int32",     "int64",
                                        "float16", "bfloat16", "float32", "float64", "complex64", "complex128"};
  return names[static_cast<int>(t)];
}
constexpr bool is_floating_point(DType t) { return t >= DType::Float16 && t <= DType::Float64; }
constexpr bool is_complex(DType t) { return t >= DType::Complex64; }
// Floating or complex: the dtypes that can require gradients.
constexpr bool is_inexact(DType t) { return t >= DType::Float16; }
// The type of a complex dtype's parts (float32 for complex64); other dtypes map to themselves.
constexpr DType to_real_dtype(DType t) {
  return t == DType::Complex64 ? DType::Float32 : t == DType::Complex128 ? DType::Float64 : t;
}
// The complex dtype with float32 or float64 parts (complex64 for the 16-bit floats too, which
// have no complex type here); complex dtypes map to themselves.
constexpr DType to_complex_dtype(DType t) {
  return t == DType::Float64 || t == DType::Complex128 ? DType::Complex128 : DType::Complex64;
}
constexpr bool is_integral(DType t, bool include_bool) {
  return t <= DType::Int64 && (include_bool || t != DType::Bool);
}

// The dtype a floating-point result takes when nothing else decides it (PyTorch's default dtype).
DType default_dtype();
void set_default_dtype(DType t);  // float32 or float64 only, like torch.set_default_dtype
// complex64 while the default dtype is float32, complex128 while it is float64.
inline DType default_complex_dtype() { return to_complex_dtype(default_dtype()); }

// Promotion of two tensors' dtypes as PyTorch does it. There is no complex32 here, so float16 with
// complex64 gives complex64. A complex type with a real one gives the complex type wide enough for
// both.
DType promote_types(DType a, DType b);
// Whether a result of type `from` may be written into a tensor of type `to` (in-place ops).
bool can_cast(DType from, DType to);

template <class T>
struct dtype_of_t;
template <> struct dtype_of_t<bool> { static constexpr DType value = kBool; };
template <> struct dtype_of_t<uint8_t> { static constexpr DType value = kUInt8; };
template <> struct dtype_of_t<int8_t> { static constexpr DType value = kInt8; };
template <> struct dtype_of_t<int16_t> { static constexpr DType value = kInt16; };
template <> struct dtype_of_t<int32_t> { static constexpr DType value = kInt32; };
template <> struct dtype_of_t<int64_t> { static constexpr DType value = kInt64; };
template <> struct dtype_of_t<Half> { static constexpr DType value = kFloat16; };
template <> struct dtype_of_t<BFloat16> { static constexpr DType value = kBFloat16; };
template <> struct dtype_of_t<float> { static constexpr DType value = kFloat32; };
template <> struct dtype_of_t<double> { static constexpr DType value = kFloat64; };
template <>
struct dtype_of_t<std::complex<float>> {
  static constexpr DType value = kComplex64;
};
template <>
struct dtype_of_t<std::complex<double>> {
  static constexpr DType value = kComplex128;
};
template <class T>
inline constexpr DType dtype_of = dtype_of_t<T>::value;

}  // namespace tg

template <>
struct fmt::formatter<tg::DType> : fmt::formatter<std::string_view> {
  template <class Ctx>
  auto format(tg::DType t, Ctx& ctx) const {
    return fmt::formatter<std::string_view>::format(tg::name(t), ctx);
  }
};
