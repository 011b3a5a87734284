#pragma once
// Tensor hooks: functions called with a tensor's gradient during backward.
#include <cstdint>
#include <functional>
#include <memory>
#include <utility>
#include <vector>

#include "tapegrad/tensor/tensor.h"

namespace tg {
namespace autograd {
// A hook returns a replacement gradient, or an undefined tensor to keep the one it was given.
using HookFn = std::function<Tensor(const Tensor&)>;
struct HookList {
  std::vector<std::pair<uint64_t, HookFn>> hooks;
  uint64_t next_id = 0;
  // Runs after the hooks, on the final gradient (retain_grad uses it).
  std::function<void(const Tensor&)> retain;
  // A leaf's hooks that run after its gradient is accumulated into .grad, with the leaf.
  std::vector<std::pair<uint64_t, std::function<void(const Tensor&)>>> post_accumulate;
  // A node's own hooks (Node::register_prehook, Node::register_hook), in its node hook list.
  std::vector<std::pair<uint64_t, std::function<tensor_list(const tensor_list&)>>> node_pre;
  std::vector<std::pair<uint64_t, std::function<tensor_list(const tensor_list&, const tensor_list&)>>> node_post;
  // Runs the hooks in registration order, each on the previous one's result.
  Tensor run(Tensor grad) const;
};
}  // namespace autograd

// Returned by register_hook; remove() unregisters the hook (a no-op once the tensor is gone).
class HookHandle {
 public:
  HookHandle() = default;
  HookHandle(std::weak_ptr<autograd::HookList> list, uint64_t id) : list_(std::move(list)), id_(id) {}
  void remove();

 private:
  std::weak_ptr<autograd::HookList> list_;
  uint64_t id_ = 0;
};

template <class F>
HookHandle Tensor::register_hook(F&& hook) const {
  if constexpr (std::is_void_v<std::invoke_result_t<F, const Tensor&>>) {
    return add_hook([h = std::forward<F>(hook)](const Tensor& g) {
      h(g);
      return Tensor();
    });
  } else {
    return add_hook(autograd::HookFn(std::forward<F>(hook)));
  }
}

}  // namespace tg
