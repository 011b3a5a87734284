#pragma once
// How ops put themselves on the tape: edges to their inputs' history, a node holding the
// backward formula, and the output's history. Private to the library.
#include <memory>
#include <utility>

#include "autograd/internal_nodes.h"
#include "tapegrad/autograd/node.h"
#include "tensor/thread_state.h"

namespace tg::autograd {

inline bool grad_mode_on() { return detail::tls.grad_enabled; }

// Whether an op on these inputs records a node.
inline bool needs_grad(const Tensor& a) { return a.requires_grad() && grad_mode_on(); }
inline bool needs_grad(const Tensor& a, const Tensor& b) {
  return (a.requires_grad() || (b.defined() && b.requires_grad())) && grad_mode_on();
}
inline bool needs_grad(const Tensor& a, const Tensor& b, const Tensor& c) {
  return (a.requires_grad() || (b.defined() && b.requires_grad()) || (c.defined() && c.requires_grad())) &&
         grad_mode_on();
}
bool needs_grad(const tensor_list& inputs);

// A node whose backward is a lambda: fn(const Node& self, const tensor_list& grads) -> tensor_list.
template <class F>
class LambdaNode final : public Node {
 public:
  LambdaNode(const char* name, F fn) : name_(name), fn_(std::move(fn)) {}
  std::string name() const override { return name_; }
  tensor_list apply(tensor_list&& grads) override { return fn_(static_cast<const Node&>(*this), grads); }

 private:
  const char* name_;
  F fn_;
};

// Where the gradient of `t` goes: its grad_fn, its leaf accumulator, or nowhere.
Edge gradient_edge(const Tensor& t);

// A node with one edge per input (in order). Inputs that need no gradient get empty edges;
// undefined tensors too.
template <class F>
std::shared_ptr<Node> make_node(const char* name, std::initializer_list<const Tensor*> inputs, F&& fn) {
  auto node = std::make_shared<LambdaNode<std::decay_t<F>>>(name, std::forward<F>(fn));
  for (const Tensor* t : inputs) node->add_next_edge(t->defined() ? gradient_edge(*t) : Edge{});
  if (detail::tls.anomaly_enabled) [[unlikely]]
    anomaly_note_inputs(*node, inputs);
  return node;
}
template <class F>
std::shared_ptr<Node> make_node(const char* name, const tensor_list& inputs, F&& fn) {
  auto node = std::make_shared<LambdaNode<std::decay_t<F>>>(name, std::forward<F>(fn));
  for (const Tensor& t : inputs) node->add_next_edge(t.defined() ? gradient_edge(t) : Edge{});
  if (detail::tls.anomaly_enabled) [[unlikely]]
    anomaly_note_inputs(*node, inputs);
  return node;
}

// Makes `node` the grad_fn of `out` (its output number `output_nr`); in anomaly mode also
// records the call site and checks the output for NaN/Inf made from finite inputs.
void set_history(const Tensor& out, const std::shared_ptr<Node>& node, uint32_t output_nr = 0);
inline void set_history(const tensor_list& outs, const std::shared_ptr<Node>& node) {
  for (size_t i = 0; i < outs.size(); ++i) set_history(outs[i], node, static_cast<uint32_t>(i));
}

// Before an in-place op on `self`: refuses leaves that require grad (and views of them) while
// grad mode is on, and tensors whose elements overlap in memory (expanded ones).
void check_inplace(const Tensor& self, const char* op);
// check_inplace's autograd half: refuses to change a leaf that requires grad, or a view of one,
// in place (also for in-place view ops, which may change tensors whose elements overlap).
void check_inplace_history(const Tensor& self, const char* op);
// After an in-place op on `self` recorded as `node` (whose input 0 is self's old value): makes
// node self's history, or for a view, rewrites its base's history (CopySlices).
void rebase_history(const Tensor& self, std::shared_ptr<Node> node);
// After a view op: `view` shares `base`'s storage; records the base for in-place tracking.
void set_view_base(const Tensor& view, const Tensor& base);

}  // namespace tg::autograd
