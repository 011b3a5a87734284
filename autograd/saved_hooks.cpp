#include "tapegrad/autograd/saved_hooks.h"

#include <algorithm>
#include <optional>
#include <utility>
#include <vector>

#include "autograd/packed_tensor.h"
#include "autograd/record.h"
#include "tapegrad/autograd/grad_mode.h"
#include "tapegrad/cuda.h"
#include "tensor/ops/common.h"

namespace tg::autograd {
namespace {

struct HookState {
  std::vector<std::shared_ptr<const SavedTensorHooks>> stack;
  std::optional<std::string> disabled;  // the message for whoever tries to install hooks
};
thread_local HookState state;

}  // namespace

const std::shared_ptr<const SavedTensorHooks>* current_saved_tensor_hooks() {
  HookState& s = state;
  if (s.stack.empty() || s.disabled) return nullptr;
  return &s.stack.back();
}

bool saved_tensor_hooks_active() { return current_saved_tensor_hooks() != nullptr; }

SavedTensorHooksGuard::SavedTensorHooksGuard(PackHook pack, UnpackHook unpack) {
  HookState& s = state;
  TG_CHECK(!s.disabled, "saved_tensors_hooks: {}", *s.disabled);
  TG_CHECK_VALUE(pack && unpack, "saved_tensors_hooks: both a pack and an unpack hook are needed");
  s.stack.push_back(std::make_shared<const SavedTensorHooks>(SavedTensorHooks{std::move(pack), std::move(unpack)}));
}

SavedTensorHooksGuard::~SavedTensorHooksGuard() {
  if (!state.stack.empty()) state.stack.pop_back();
}

SaveOnCpuGuard::SaveOnCpuGuard(bool pin_memory)
    : SavedTensorHooksGuard(
          [pin_memory](const Tensor& t) -> std::any {
            if (t.device().is_cpu()) return std::make_pair(t.device(), t);
            Tensor host = t.cpu();
            // Pinning needs a CUDA device (and only speeds up copies to one).
            return std::make_pair(t.device(), pin_memory && cuda::is_available() ? host.pin_memory() : host);
          },
          [](const std::any& packed) {
            const auto& [device, host] = std::any_cast<const std::pair<Device, Tensor>&>(packed);
            return host.to(device);
          }) {}

DisableSavedTensorHooksGuard::DisableSavedTensorHooksGuard(std::string message)
    : previous_(state.disabled.value_or("")), was_disabled_(state.disabled.has_value()) {
  state.disabled = std::move(message);
}

DisableSavedTensorHooksGuard::~DisableSavedTensorHooksGuard() {
  if (was_disabled_)
    state.disabled = std::move(previous_);
  else
    state.disabled.reset();
}

std::shared_ptr<const PackedTensor> pack_saved(const std::shared_ptr<const SavedTensorHooks>& hooks, const Tensor& t,
                                               bool is_output) {
  auto packed = std::make_shared<PackedTensor>();
  packed->hooks = hooks;
  packed->meta = TensorMeta::of(t);
  // An output goes to the hook without its grad_fn: kept by the hook, it would keep its own node.
  if (!is_output) packed->history = gradient_edge(t);
  NoGradGuard no_grad;  // what the hook computes is not part of the model
  packed->value = hooks->pack(is_output ? ops::alias(t) : t);
  return packed;
}

Tensor unpack_saved(const PackedTensor& packed, const Node& owner) {
  Tensor t;
  {
    NoGradGuard no_grad;
    t = packed.hooks->unpack(packed.value);
  }
  const TensorMeta& m = packed.meta;
  TG_CHECK(t.defined(), "{}: the saved-tensor unpack hook returned an undefined tensor for a saved {} {}", owner.name(),
           m.dtype, m.shape);
  TG_CHECK(t.sizes() == m.shape && t.dtype() == m.dtype && t.device() == m.device,
           "{}: the saved-tensor unpack hook returned a {} {} tensor on {}, but the tensor saved was {} {} on {}",
           owner.name(), t.dtype(), t.sizes(), t.device(), m.dtype, m.shape, m.device);
  Tensor out = ops::alias(t);
  if (packed.history.is_valid()) {
    out.impl()->grad_fn_ = packed.history.function;
    out.impl()->output_nr_ = packed.history.input_nr;
    out.impl()->requires_grad_ = true;
  }
  return out;
}

}  // namespace tg::autograd
