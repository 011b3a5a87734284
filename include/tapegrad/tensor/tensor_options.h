#pragma once
// dtype, device and requires_grad for factories, with the builder style of libtorch:
// tg::zeros({2, 3}, tg::kFloat64) or tg::zeros({2}, tg::TensorOptions().requires_grad(true)).
#include <optional>

#include "tapegrad/tensor/device.h"
#include "tapegrad/tensor/dtype.h"

namespace tg {

class TensorOptions {
 public:
  TensorOptions() = default;
  TensorOptions(DType t) : dtype_(t) {}        // NOLINT: implicit, as in libtorch
  TensorOptions(Device d) : device_(d) {}      // NOLINT
  TensorOptions(DeviceType d) : device_(d) {}  // NOLINT

  TensorOptions dtype(DType t) const {
    TensorOptions o = *this;
    o.dtype_ = t;
    return o;
  }
  TensorOptions device(Device d) const {
    TensorOptions o = *this;
    o.device_ = d;
    return o;
  }
  TensorOptions requires_grad(bool r) const {
    TensorOptions o = *this;
    o.requires_grad_ = r;
    return o;
  }

  bool has_dtype() const { return dtype_.has_value(); }
  bool has_device() const { return device_.has_value(); }
  DType dtype_or(DType fallback) const { return dtype_.value_or(fallback); }
  Device device_or(Device fallback) const { return device_.value_or(fallback); }
  // The dtype, or the default float dtype when none was given.
  DType dtype() const { return dtype_ ? *dtype_ : default_dtype(); }
  Device device() const { return device_.value_or(Device::cpu()); }
  bool requires_grad() const { return requires_grad_; }

 private:
  std::optional<DType> dtype_;
  std::optional<Device> device_;
  bool requires_grad_ = false;
};

inline TensorOptions dtype(DType t) { return TensorOptions(t); }
inline TensorOptions device(Device d) { return TensorOptions(d); }
inline TensorOptions requires_grad(bool r = true) { return TensorOptions().requires_grad(r); }

}  // namespace tg
