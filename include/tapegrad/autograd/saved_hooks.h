#pragma once
// Hooks on the tensors ops save for backward, as PyTorch's torch.autograd.graph.saved_tensors_hooks:
// while a guard is alive on this thread, every tensor an op saves is handed to `pack`, the node
// keeps what pack returned instead of the tensor, and backward reads the tensor `unpack` makes
// from it. Uses: moving activations to host memory (SaveOnCpu), compressing them, recomputing
// them. Guards nest (the innermost pair applies) and are per thread.
//
// The tensor unpack returns needs the saved tensor's values, shape and dtype; its autograd
// history is given back from the original (so create_graph still differentiates through it).
// A tensor changed in place after it was packed is the hooks' business: the version check that
// catches this without hooks has nothing of the original to check.
#include <any>
#include <functional>
#include <memory>
#include <string>

#include "tapegrad/tensor/tensor.h"

namespace tg::autograd {

using PackHook = std::function<std::any(const Tensor&)>;
using UnpackHook = std::function<Tensor(const std::any&)>;

class SavedTensorHooksGuard {
 public:
  // Fails if hooks are disabled on this thread (DisableSavedTensorHooksGuard).
  SavedTensorHooksGuard(PackHook pack, UnpackHook unpack);
  ~SavedTensorHooksGuard();
  SavedTensorHooksGuard(const SavedTensorHooksGuard&) = delete;
  SavedTensorHooksGuard& operator=(const SavedTensorHooksGuard&) = delete;
};

// Saved tensors go to CPU memory (page-locked with pin_memory, for faster copies back) and return
// to their device in backward: GPU memory for activations traded for host-device copies.
class SaveOnCpuGuard : public SavedTensorHooksGuard {
 public:
  explicit SaveOnCpuGuard(bool pin_memory = false);
};

// While alive, no saved-tensor hooks apply on this thread, and installing some fails with
// `message` (for code whose saved tensors must stay as they are).
class DisableSavedTensorHooksGuard {
 public:
  explicit DisableSavedTensorHooksGuard(std::string message);
  ~DisableSavedTensorHooksGuard();
  DisableSavedTensorHooksGuard(const DisableSavedTensorHooksGuard&) = delete;
  DisableSavedTensorHooksGuard& operator=(const DisableSavedTensorHooksGuard&) = delete;

 private:
  std::string previous_;
  bool was_disabled_;
};

// Whether a pack hook would be called for a tensor saved now on this thread.
bool saved_tensor_hooks_active();

}  // namespace tg::autograd
