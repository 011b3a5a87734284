#pragma once
// The tape: each op that records for autograd makes a Node holding what its backward needs and
// edges to the nodes of its inputs. Walk it from any tensor's grad_fn().
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "tapegrad/autograd/hooks.h"
#include "tapegrad/tensor/small_vector.h"
#include "tapegrad/tensor/tensor.h"

namespace tg::autograd {

class Node;
struct PackedTensor;

// Where a gradient goes: input `input_nr` of `function` (the gradient of that node's output
// number input_nr). An edge without a function means "no gradient needed".
struct Edge {
  std::shared_ptr<Node> function;
  uint32_t input_nr = 0;
  bool is_valid() const { return function != nullptr; }
};

// Shape, dtype and device of a tensor, kept by nodes to check and materialise gradients.
struct TensorMeta {
  Shape shape;
  DType dtype = kFloat32;
  Device device;
  static TensorMeta of(const Tensor& t) { return {t.sizes(), t.dtype(), t.device()}; }
};

// A tensor kept for backward, with its version when saved: unpacking it after an in-place change
// is an error that names the node. Outputs of the node itself are kept without their grad_fn (to
// avoid a cycle) and get it back when unpacked. Under saved-tensor hooks (saved_hooks.h) what the
// pack hook returned is kept instead, and backward reads the unpack hook's tensor.
class SavedTensor {
 public:
  SavedTensor() = default;
  SavedTensor(const Tensor& t, bool is_output);
  Tensor unpack(const Node& owner) const;
  void release() {
    data_ = Tensor();
    packed_.reset();
    released_ = true;
  }
  bool defined() const { return data_.defined() || packed_ != nullptr; }
  // Whether the tensor went through a pack hook (data() is then undefined), and what was kept.
  bool is_packed() const { return packed_ != nullptr; }
  const PackedTensor* packed() const { return packed_.get(); }
  bool was_released() const { return released_; }
  // The tensor as saved, without version checks (for inspection); undefined when packed.
  const Tensor& data() const { return data_; }
  uint32_t saved_version() const { return version_; }
  bool is_output() const { return is_output_; }
  size_t nbytes() const { return data_.defined() ? data_.nbytes() : 0; }

 private:
  Tensor data_;
  std::shared_ptr<const PackedTensor> packed_;
  uint32_t version_ = 0;
  uint32_t output_nr_ = 0;
  bool is_output_ = false;
  bool released_ = false;
};

// Where in user code the op that made a node was called (recorded in anomaly mode).
struct CreationSite {
  std::string op;        // the public function the user called, e.g. "cross_entropy"
  std::string file;
  uint32_t line = 0;
  std::string function;  // the user function that called it
  std::string input_ranges;  // the op's inputs when it ran: dtype, shape, min/max, NaN/Inf counts
  bool inputs_finite = true;
  std::string str() const;
};

class Node : public std::enable_shared_from_this<Node> {
 public:
  Node();
  virtual ~Node();
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  // e.g. "MulBackward"
  virtual std::string name() const = 0;
  // Gradients of the inputs (one per next edge, undefined where none) from the gradients of the
  // outputs (one per output; the engine fills missing ones with zeros).
  virtual tensor_list apply(tensor_list&& grads) = 0;
  // Frees the saved tensors (after backward without retain_graph).
  virtual void release_saved();
  // Hooks to run on the gradient arriving for output `output_nr` (tensor hooks).
  virtual const HookList* output_hooks(uint32_t output_nr) const;
  // Whether outputs that received no gradient reach apply() as zeros (else undefined).
  virtual bool materialize_grads() const { return true; }

  size_t num_inputs() const { return next_edges_.size(); }
  size_t num_outputs() const { return outputs_.size(); }
  const SmallVector<Edge, 2>& next_edges() const { return next_edges_; }
  const Edge& next_edge(size_t i) const { return next_edges_[i]; }
  const TensorMeta& output_meta(size_t i) const { return outputs_[i]; }
  uint64_t sequence_nr() const { return sequence_nr_; }
  const SmallVector<SavedTensor, 2>& saved_tensors() const { return saved_; }
  size_t saved_bytes() const;
  bool saved_released() const { return released_; }
  const CreationSite* creation_site() const;

  // Node hooks, as PyTorch's Node.register_prehook and Node.register_hook. A pre-hook runs on the
  // gradients of the node's outputs (after their tensor hooks) before apply(); a hook runs on the
  // gradients apply() returned for its inputs, with those of its outputs. Either may return
  // replacements (as many as it was given) or an empty list to keep them.
  using PreHook = std::function<tensor_list(const tensor_list& grad_outputs)>;
  using PostHook = std::function<tensor_list(const tensor_list& grad_inputs, const tensor_list& grad_outputs)>;
  HookHandle register_prehook(PreHook hook);
  HookHandle register_hook(PostHook hook);
  // The node's hooks, or null when it has none.
  const HookList* node_hooks() const;
  // Whether backward has to compute the gradient of input i.
  bool needs_input_grad(size_t i) const { return i < next_edges_.size() && next_edges_[i].is_valid(); }

  // ---- building (used by ops and custom functions) ----
  void add_next_edge(Edge e) { next_edges_.push_back(std::move(e)); }
  void add_output(const TensorMeta& m) { outputs_.push_back(m); }
  size_t save(const Tensor& t, bool is_output = false) {
    saved_.emplace_back(t, is_output);
    return saved_.size() - 1;
  }
  // Saved tensor i, checked against in-place changes.
  Tensor saved(size_t i) const;
  // The hook list of output `output_nr`, created on first use.
  std::shared_ptr<HookList> output_hook_list(uint32_t output_nr);
  void set_creation_site(std::unique_ptr<CreationSite> site);
  Edge& mutable_next_edge(size_t i) { return next_edges_[i]; }
  // Forward-mode AD (forward_ad.h): the tangents the inputs had when the node was made, one per
  // next edge (undefined where none); empty unless some input had one.
  const tensor_list& input_tangents() const;
  void set_input_tangents(tensor_list tangents);
  bool has_input_tangents() const { return has_tangents_; }
  // Elementwise ops: each output element is a function of the same element of each input (after
  // broadcasting), so that on real tensors J t is the backward formula applied to the tangent
  // itself, input by input (forward_ad.cpp), without the double-backward trick.
  void set_elementwise() { elementwise_ = true; }
  bool elementwise() const { return elementwise_; }

 protected:
  SmallVector<Edge, 2> next_edges_;
  SmallVector<TensorMeta, 1> outputs_;
  SmallVector<SavedTensor, 2> saved_;
  uint64_t sequence_nr_;
  bool released_ = false;
  bool has_tangents_ = false;
  bool elementwise_ = false;

 private:
  struct Extras;
  std::unique_ptr<Extras> extras_;
  std::shared_ptr<HookList>& node_hook_list();
};

}  // namespace tg::autograd
