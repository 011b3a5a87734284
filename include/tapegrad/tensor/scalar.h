#pragma once
// A number of any kind a user may pass where a tensor is expected: bool, integer, floating or
// complex.
#include <complex>
#include <concepts>
#include <cstdint>
#include <string>

#include "tapegrad/tensor/dtype.h"

namespace tg {

class Scalar {
 public:
  enum class Kind : uint8_t { Bool, Int, Float, Complex };

  Scalar() : kind_(Kind::Int), i_(0) {}
  Scalar(bool v) : kind_(Kind::Bool), b_(v) {}  // NOLINT
  template <std::integral T>
    requires(!std::same_as<T, bool>)
  Scalar(T v) : kind_(Kind::Int), i_(static_cast<int64_t>(v)) {}  // NOLINT
  template <std::floating_point T>
  Scalar(T v) : kind_(Kind::Float), d_(static_cast<double>(v)) {}  // NOLINT
  Scalar(Half v) : Scalar(static_cast<float>(v)) {}                // NOLINT
  Scalar(BFloat16 v) : Scalar(static_cast<float>(v)) {}            // NOLINT
  template <std::floating_point T>
  Scalar(std::complex<T> v)
      : kind_(Kind::Complex), z_{static_cast<double>(v.real()), static_cast<double>(v.imag())} {}  // NOLINT

  Kind kind() const { return kind_; }
  bool is_bool() const { return kind_ == Kind::Bool; }
  bool is_integral() const { return kind_ == Kind::Int; }
  bool is_floating_point() const { return kind_ == Kind::Float; }
  bool is_complex() const { return kind_ == Kind::Complex; }

  // A complex number gives its real part to the real conversions.
  double to_double() const {
    switch (kind_) {
      case Kind::Float:
        return d_;
      case Kind::Int:
        return static_cast<double>(i_);
      case Kind::Complex:
        return z_[0];
      case Kind::Bool:
        break;
    }
    return b_;
  }
  int64_t to_int() const {
    return kind_ == Kind::Int ? i_ : kind_ == Kind::Bool ? b_ : static_cast<int64_t>(to_double());
  }
  bool to_bool() const {
    switch (kind_) {
      case Kind::Bool:
        return b_;
      case Kind::Int:
        return i_ != 0;
      case Kind::Complex:
        return z_[0] != 0.0 || z_[1] != 0.0;
      case Kind::Float:
        break;
    }
    return d_ != 0.0;
  }
  std::complex<double> to_complex() const {
    return kind_ == Kind::Complex ? std::complex<double>(z_[0], z_[1]) : std::complex<double>(to_double(), 0.0);
  }
  template <class T>
  T to() const {
    if constexpr (std::is_same_v<T, std::complex<float>> || std::is_same_v<T, std::complex<double>>)
      return T(to_complex());
    else if constexpr (std::is_same_v<T, bool>)
      return to_bool();
    else if constexpr (std::is_integral_v<T>)
      return static_cast<T>(to_int());
    else if constexpr (std::is_same_v<T, Half> || std::is_same_v<T, BFloat16>) return T(static_cast<float>(to_double()));
    else return static_cast<T>(to_double());
  }
  // The dtype a tensor made from this number gets: bool, int64, the default float dtype or its
  // complex type.
  DType dtype() const;
  std::string str() const;

 private:
  Kind kind_;
  union {
    bool b_;
    int64_t i_;
    double d_;
    double z_[2];
  };
};

}  // namespace tg
