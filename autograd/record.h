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

// Forward-mode AD (forward_ad.cpp): whether `t` carries a tangent of the active dual level.
inline bool has_tangent(const Tensor& t) {
  const TensorExtras* e = t.impl()->extras_if();
  return e && e->fw_grad.defined();
}
inline bool forward_ad_on() { return detail::tls.forward_ad; }
inline bool any_tangent(const Tensor& a, const Tensor& b = {}, const Tensor& c = {}) {
  return forward_ad_on() && (has_tangent(a) || (b.defined() && has_tangent(b)) || (c.defined() && has_tangent(c)));
}

// Whether an op on these inputs records a node: for reverse mode, or to give its outputs tangents.
inline bool needs_grad(const Tensor& a) { return (a.requires_grad() && grad_mode_on()) || any_tangent(a); }
inline bool needs_grad(const Tensor& a, const Tensor& b) {
  return ((a.requires_grad() || (b.defined() && b.requires_grad())) && grad_mode_on()) || any_tangent(a, b);
}
inline bool needs_grad(const Tensor& a, const Tensor& b, const Tensor& c) {
  return ((a.requires_grad() || (b.defined() && b.requires_grad()) || (c.defined() && c.requires_grad())) &&
          grad_mode_on()) ||
         any_tangent(a, b, c);
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

// Inside a dual level: keeps the inputs' tangents in the node, and gives inputs that have a
// tangent but no gradient edge one to a sink, so that the backward formula computes their part.
void note_input_tangents(Node& node, std::initializer_list<const Tensor*> inputs);
void note_input_tangents(Node& node, const tensor_list& inputs);

// A node with one edge per input (in order). Inputs that need no gradient get empty edges;
// undefined tensors too.
template <class F>
std::shared_ptr<Node> make_node(const char* name, std::initializer_list<const Tensor*> inputs, F&& fn) {
  auto node = std::make_shared<LambdaNode<std::decay_t<F>>>(name, std::forward<F>(fn));
  for (const Tensor* t : inputs) node->add_next_edge(t->defined() ? gradient_edge(*t) : Edge{});
  if (forward_ad_on()) [[unlikely]]
    note_input_tangents(*node, inputs);
  if (detail::tls.anomaly_enabled) [[unlikely]]
    anomaly_note_inputs(*node, inputs);
  return node;
}
template <class F>
std::shared_ptr<Node> make_node(const char* name, const tensor_list& inputs, F&& fn) {
  auto node = std::make_shared<LambdaNode<std::decay_t<F>>>(name, std::forward<F>(fn));
  for (const Tensor& t : inputs) node->add_next_edge(t.defined() ? gradient_edge(t) : Edge{});
  if (forward_ad_on()) [[unlikely]]
    note_input_tangents(*node, inputs);
  if (detail::tls.anomaly_enabled) [[unlikely]]
    anomaly_note_inputs(*node, inputs);
  return node;
}

// Makes `node` the grad_fn of `out` (its output number `output_nr`); in anomaly mode also
// records the call site and checks the output for NaN/Inf made from finite inputs. Inside a dual
// level it also gives the outputs their tangents, and leaves the history out when the node was
// made only for that (no input needs a gradient, or grad mode is off).
void set_history(const Tensor& out, const std::shared_ptr<Node>& node, uint32_t output_nr = 0);
void set_history(const tensor_list& outs, const std::shared_ptr<Node>& node);
// For ops that save their outputs for backward after set_history (which gives them their output
// numbers): set_history_before_saves, the saves, then finish_history, which computes the tangents
// (they need the complete node).
void set_history_before_saves(const tensor_list& outs, const std::shared_ptr<Node>& node);
void finish_history(const tensor_list& outs, const std::shared_ptr<Node>& node);
// set_history without tangents.
void attach_history(const Tensor& out, const std::shared_ptr<Node>& node, uint32_t output_nr);
// Whether a node made while tangents were noted belongs on the tape (some input needs its gradient).
bool records_history(const Node& node);

// forward_ad.cpp's part of set_history / rebase_history / set_view_base: `outs` (outputs
// first_nr, first_nr + 1, ... of node) join the tape only if the node belongs there, then get
// their tangents; `self` gets its tangent after an in-place op, and a view the view of its base's.
void attach_dual_outputs(const std::shared_ptr<Node>& node, const tensor_list& outs, uint32_t first_nr);
void set_output_tangents(const std::shared_ptr<Node>& node, const tensor_list& outs, uint32_t first_nr);
void propagate_inplace_tangent(const Tensor& self, Node& node);
void propagate_view_tangent(const Tensor& view, const Tensor& base);
// Gives `t` a tangent in the active dual level (and registers it, to be dropped when it ends).
void set_tangent_of(const Tensor& t, Tensor tangent);
// Drops the edges note_input_tangents added, once the tangents are computed.
void drop_tangent_edges(Node& node);

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
