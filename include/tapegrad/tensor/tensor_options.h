#pragma once
// dtype, device, requires_grad and memory format for factories, with the builder style of
// libtorch: tg::zeros({2, 3}, tg::kFloat64) or tg::zeros({2}, tg::TensorOptions().requires_grad(true)).
#include <optional>

#include "tapegrad/tensor/device.h"
#include "tapegrad/tensor/dtype.h"
#include "tapegrad/tensor/memory_format.h"

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
  // The layout of a new tensor (row-major unless asked): channels_last(_3d) for empty, zeros,
  // ones, full and the random factories; preserve_format only for the _like ones.
  TensorOptions memory_format(MemoryFormat f) const {
    TensorOptions o = *this;
    o.memory_format_ = f;
    o.has_memory_format_ = true;
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
  std::optional<MemoryFormat> memory_format_opt() const {
    return has_memory_format_ ? std::optional<MemoryFormat>(memory_format_) : std::nullopt;
  }

 private:
  std::optional<DType> dtype_;
  std::optional<Device> device_;
  bool requires_grad_ = false;
  // Not an optional: GCC 12 takes a copied std::optional of a 1-byte enum for uninitialized.
  MemoryFormat memory_format_ = MemoryFormat::Contiguous;
  bool has_memory_format_ = false;
};

inline TensorOptions dtype(DType t) { return TensorOptions(t); }
inline TensorOptions device(Device d) { return TensorOptions(d); }
inline TensorOptions requires_grad(bool r = true) { return TensorOptions().requires_grad(r); }
inline TensorOptions memory_format(MemoryFormat f) { return TensorOptions().memory_format(f); }

}  // namespace tg
