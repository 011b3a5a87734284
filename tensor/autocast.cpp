// Autocast state (per thread and device type) and the casts the op front ends apply with it.
#include "tapegrad/amp/autocast.h"

#include "tensor/ops/common.h"

namespace tg {
namespace {
struct State {
  bool enabled = false;
  DType dtype = kBFloat16;
};
thread_local State states[2];  // indexed by DeviceType: CPU, CUDA

State& state(DeviceType d) { return states[static_cast<int>(d)]; }
}  // namespace

namespace amp {
bool is_autocast_enabled(DeviceType device) { return state(device).enabled; }
DType autocast_dtype(DeviceType device) { return state(device).dtype; }
}  // namespace amp

AutocastGuard::AutocastGuard(DType dtype, DeviceType device, bool enabled)
    : device_(device), prev_enabled_(state(device).enabled), prev_dtype_(state(device).dtype) {
  TG_CHECK_VALUE(dtype == kBFloat16 || dtype == kFloat16, "autocast: dtype must be bfloat16 or float16, got {}", dtype);
  state(device) = {enabled, dtype};
}

AutocastGuard::~AutocastGuard() { state(device_) = {prev_enabled_, prev_dtype_}; }

namespace ops {
Tensor autocast_lower(const Tensor& t) {
  if (!t.defined()) return t;
  const State& s = state(t.device().type());
  if (!s.enabled || !t.is_floating_point() || t.dtype() == kFloat64 || t.dtype() == s.dtype) [[likely]]
    return t;
  return t.to(s.dtype);
}

Tensor autocast_float32(const Tensor& t) {
  if (!t.defined()) return t;
  const State& s = state(t.device().type());
  if (!s.enabled || (t.dtype() != kFloat16 && t.dtype() != kBFloat16)) [[likely]]
    return t;
  return t.to(kFloat32);
}
}  // namespace ops

}  // namespace tg
