#pragma once
// Element types, their sizes and names, and PyTorch's type promotion.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include <fmt/format.h>

#include "tapegrad/tensor/half.h"

namespace tg {

// Ordered by promotion rank (bool lowest); float16 and bfloat16 share a rank.
enum class DType : uint8_t { Bool, UInt8, Int8, Int32, Int64, Float16, BFloat16, Float32, Float64 };
inline constexpr int kNumDTypes = 9;

inline constexpr DType kBool = DType::Bool;
inline constexpr DType kUInt8 = DType::UInt8;
inline constexpr DType kInt8 = DType::Int8;
inline constexpr DType kInt32 = DType::Int32;
inline constexpr DType kInt64 = DType::Int64;
inline constexpr DType kFloat16 = DType::Float16;
inline constexpr DType kBFloat16 = DType::BFloat16;
inline constexpr DType kFloat32 = DType::Float32;
inline constexpr DType kFloat64 = DType::Float64;
// libtorch spellings, so that code moves over unchanged.
inline constexpr DType kFloat = kFloat32;
inline constexpr DType kDouble = kFloat64;
inline constexpr DType kHalf = kFloat16;
inline constexpr DType kLong = kInt64;
inline constexpr DType kInt = kInt32;
inline constexpr DType kByte = kUInt8;
inline constexpr DType kChar = kInt8;

constexpr size_t itemsize(DType t) {
  constexpr size_t sizes[] = {1, 1, 1, 4, 8, 2, 2, 4, 8};
  return sizes[static_cast<int>(t)];
}
constexpr std::string_view name(DType t) {
  constexpr std::string_view names[] = {"bool",    "uint8",    "int8",    "int32",  "int64",
                                        "float16", "bfloat16", "float32", "float64"};
  return names[static_cast<int>(t)];
}
constexpr bool is_floating_point(DType t) { return t >= DType::Float16; }
constexpr bool is_integral(DType t, bool include_bool) {
  return t <= DType::Int64 && (include_bool || t != DType::Bool);
}

// The dtype a floating-point result takes when nothing else decides it (PyTorch's default dtype).
DType default_dtype();
void set_default_dtype(DType t);  // float32 or float64 only, like torch.set_default_dtype

// Promotion of two tensors' dtypes as PyTorch does it. There is no int16 here, so uint8 with int8
// promotes to int32 (PyTorch would choose int16).
DType promote_types(DType a, DType b);
// Whether a result of type `from` may be written into a tensor of type `to` (in-place ops).
bool can_cast(DType from, DType to);

template <class T>
struct dtype_of_t;
template <> struct dtype_of_t<bool> { static constexpr DType value = kBool; };
template <> struct dtype_of_t<uint8_t> { static constexpr DType value = kUInt8; };
template <> struct dtype_of_t<int8_t> { static constexpr DType value = kInt8; };
template <> struct dtype_of_t<int32_t> { static constexpr DType value = kInt32; };
template <> struct dtype_of_t<int64_t> { static constexpr DType value = kInt64; };
template <> struct dtype_of_t<Half> { static constexpr DType value = kFloat16; };
template <> struct dtype_of_t<BFloat16> { static constexpr DType value = kBFloat16; };
template <> struct dtype_of_t<float> { static constexpr DType value = kFloat32; };
template <> struct dtype_of_t<double> { static constexpr DType value = kFloat64; };
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
