#pragma once
// What a node keeps of a tensor saved under saved-tensor hooks. Private to the library.
#include <any>
#include <memory>

#include "tapegrad/autograd/node.h"
#include "tapegrad/autograd/saved_hooks.h"

namespace tg::autograd {

struct SavedTensorHooks {
  PackHook pack;
  UnpackHook unpack;
};

struct PackedTensor {
  std::shared_ptr<const SavedTensorHooks> hooks;  // those active when it was saved
  std::any value;                                 // what pack returned
  Edge history;                                   // the original's, for a tensor that is not the node's output
  TensorMeta meta;
};

// The innermost hooks of this thread, or null (none, or disabled).
const std::shared_ptr<const SavedTensorHooks>* current_saved_tensor_hooks();
std::shared_ptr<const PackedTensor> pack_saved(const std::shared_ptr<const SavedTensorHooks>& hooks, const Tensor& t,
                                               bool is_output);
// The unpack hook's tensor, checked against the saved one's meta, with the original's history.
Tensor unpack_saved(const PackedTensor& packed, const Node& owner);

}  // namespace tg::autograd
