// Autocast state (per thread and device type) and the casts the op front ends apply with it.
// Parameters (leaves that require grad) are cast once per region, as PyTorch's autocast does:
// the lower-precision copy is cached until the outermost region ends, so a weight used by
// several ops (or several time steps of a recurrent layer) is converted once.
#include "tapegrad/amp/autocast.h"

#include <unordered_map>

#include "tapegrad/autograd/grad_mode.h"
#include "tensor/ops/common.h"

namespace tg {
namespace {
struct CachedCast {
  Tensor source;  // held, so that its address is not reused for another tensor while cached
  uint32_t version;
  Tensor cast;
};
struct State {
  bool enabled = false;
  DType dtype = kBFloat16;
  std::unordered_map<const TensorImpl*, CachedCast> cache;
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
  State& s = state(device);
  if (s.dtype != dtype) s.cache.clear();
  s.enabled = enabled;
  s.dtype = dtype;
}

AutocastGuard::~AutocastGuard() {
  State& s = state(device_);
  if (s.dtype != prev_dtype_ || !prev_enabled_) s.cache.clear();  // leaving the outermost region
  s.enabled = prev_enabled_;
  s.dtype = prev_dtype_;
}

namespace amp {
size_t autocast_cache_size(DeviceType device) { return state(device).cache.size(); }
}  // namespace amp

namespace ops {
Tensor autocast_lower(const Tensor& t) {
  if (!t.defined()) return t;
  State& s = state(t.device().type());
  if (!s.enabled || !t.is_floating_point() || t.dtype() == kFloat64 || t.dtype() == s.dtype) [[likely]]
    return t;
  // Only parameters are cached (activations are new tensors every time), and only casts that
  // record their backward: one made under no_grad must not stand in for one that needs it.
  if (!t.requires_grad() || !t.is_leaf() || !GradMode::is_enabled()) return t.to(s.dtype);
  auto it = s.cache.find(t.impl());
  if (it != s.cache.end() && it->second.version == t.version()) return it->second.cast;
  Tensor cast = t.to(s.dtype);
  s.cache.insert_or_assign(t.impl(), CachedCast{t, t.version(), cast});
  return cast;
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
