#pragma once
// A number of any kind a user may pass where a tensor is expected: bool, integer or floating.
#include <concepts>
#include <cstdint>
#include <string>

#include "tapegrad/tensor/dtype.h"

namespace tg {

class Scalar {
 public:
  enum class Kind : uint8_t { Bool, Int, Float };

  Scalar() : kind_(Kind::Int), i_(0) {}
  Scalar(bool v) : kind_(Kind::Bool), b_(v) {}  // NOLINT
  template <std::integral T>
    requires(!std::same_as<T, bool>)
  Scalar(T v) : kind_(Kind::Int), i_(static_cast<int64_t>(v)) {}  // NOLINT
  template <std::floating_point T>
  Scalar(T v) : kind_(Kind::Float), d_(static_cast<double>(v)) {}  // NOLINT
  Scalar(Half v) : Scalar(static_cast<float>(v)) {}                // NOLINT
  Scalar(BFloat16 v) : Scalar(static_cast<float>(v)) {}            // NOLINT

  Kind kind() const { return kind_; }
  bool is_bool() const { return kind_ == Kind::Bool; }
  bool is_integral() const { return kind_ == Kind::Int; }
  bool is_floating_point() const { return kind_ == Kind::Float; }

  double to_double() const { return kind_ == Kind::Float ? d_ : kind_ == Kind::Int ? static_cast<double>(i_) : b_; }
  int64_t to_int() const { return kind_ == Kind::Int ? i_ : kind_ == Kind::Float ? static_cast<int64_t>(d_) : b_; }
  bool to_bool() const { return kind_ == Kind::Bool ? b_ : kind_ == Kind::Int ? i_ != 0 : d_ != 0.0; }
  template <class T>
  T to() const {
    if constexpr (std::is_same_v<T, bool>) return to_bool();
    else if constexpr (std::is_integral_v<T>) return static_cast<T>(kind_ == Kind::Float ? static_cast<int64_t>(d_) : to_int());
    else if constexpr (std::is_same_v<T, Half> || std::is_same_v<T, BFloat16>) return T(static_cast<float>(to_double()));
    else return static_cast<T>(to_double());
  }
  // The dtype a tensor made from this number gets: bool, int64 or the default float dtype.
  DType dtype() const;
  std::string str() const;

 private:
  Kind kind_;
  union {
    bool b_;
    int64_t i_;
    double d_;
  };
};

}  // namespace tg
