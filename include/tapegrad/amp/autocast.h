#pragma once
// Mixed precision regions, as torch.autocast: inside one, ops that gain from lower precision
// (matrix products, linear, convolutions) run in `dtype` (bfloat16 or float16) on tensors of the
// region's device type, casting float32 inputs down; ops that need range or accuracy (softmax,
// log_softmax and so cross_entropy, layer_norm, group_norm) run in float32, casting 16-bit inputs
// up. Casts are recorded, so gradients reach float32 parameters in float32. float64 tensors are
// left alone. The state is per thread.
//
//   {
//     auto region = tg::autocast(tg::kBFloat16);          // CUDA tensors
//     tg::Tensor loss = F::cross_entropy(model(x), y);   // matmuls in bf16, the loss in float32
//   }
//   loss.backward();
//   // float16: pair it with tg::amp::GradScaler.
#include "tapegrad/tensor/device.h"
#include "tapegrad/tensor/dtype.h"

namespace tg {

namespace amp {
bool is_autocast_enabled(DeviceType device = kCUDA);
// The lower-precision dtype of the device type's region (bfloat16 when none is active).
DType autocast_dtype(DeviceType device = kCUDA);
// How many parameters' lower-precision casts the current region holds (emptied when the
// outermost region ends).
size_t autocast_cache_size(DeviceType device = kCUDA);
}  // namespace amp

class AutocastGuard {
 public:
  // dtype: kBFloat16 or kFloat16 (a tg::ValueError otherwise); enabled = false turns autocast
  // off inside an enclosing region.
  explicit AutocastGuard(DType dtype = kBFloat16, DeviceType device = kCUDA, bool enabled = true);
  ~AutocastGuard();
  AutocastGuard(const AutocastGuard&) = delete;
  AutocastGuard& operator=(const AutocastGuard&) = delete;

 private:
  DeviceType device_;
  bool prev_enabled_;
  DType prev_dtype_;
};

// An autocast region for as long as the returned guard lives.
[[nodiscard]] inline AutocastGuard autocast(DType dtype = kBFloat16, DeviceType device = kCUDA, bool enabled = true) {
  return AutocastGuard(dtype, device, enabled);
}

}  // namespace tg
