#pragma once
// The nodes autograd makes for itself: leaf accumulators, in-place-on-view rewrites, and views
// re-derived from their base.
#include "tapegrad/autograd/node.h"

namespace tg::autograd {

// Adds incoming gradients into a leaf's grad().
class AccumulateGrad final : public Node {
 public:
  explicit AccumulateGrad(Tensor variable);
  std::string name() const override { return "AccumulateGrad"; }
  tensor_list apply(tensor_list&& grads) override;
  const HookList* output_hooks(uint32_t output_nr) const override;
  const Tensor& variable() const { return variable_; }

 private:
  Tensor variable_;
};

// Geometry of a view inside its (contiguous) base, in elements of the view: a complex base's
// real view (view_as_real, real, imag) counts in its float parts, a real base's complex view
// (view_as_complex) in pairs of them.
struct ViewGeometry {
  Shape base_sizes;
  Shape sizes, strides;
  int64_t offset = 0;
  DType base_dtype = kFloat32, view_dtype = kFloat32;
};

// The history of a base after an in-place op on one of its views: outside the view's region
// the gradient passes through; inside it goes through the in-place op's node.
class CopySlices final : public Node {
 public:
  CopySlices(ViewGeometry view, std::shared_ptr<Node> fn) : view_(std::move(view)), fn_(std::move(fn)) {}
  std::string name() const override { return "CopySlices<" + fn_->name() + ">"; }
  tensor_list apply(tensor_list&& grads) override;
  void release_saved() override {
    fn_->release_saved();
    released_ = true;
  }
  const Node& fn() const { return *fn_; }

 private:
  ViewGeometry view_;
  std::shared_ptr<Node> fn_;
};

// A view's history re-derived from its base's current history (after the base changed in place).
class ViewOfBase final : public Node {
 public:
  explicit ViewOfBase(ViewGeometry view) : view_(std::move(view)) {}
  std::string name() const override { return "AsStridedBackward"; }
  tensor_list apply(tensor_list&& grads) override;

 private:
  ViewGeometry view_;
};

// Summary of a tensor's values for anomaly reports.
struct ValueSummary {
  bool floating = false;
  bool all_finite = true;
  int64_t nan = 0, inf = 0;
  double min = 0, max = 0;
  std::string str() const;
};
ValueSummary summarize(const Tensor& t);

// Anomaly mode bookkeeping for a freshly made node (creation site, input ranges).
void anomaly_note_inputs(Node& node, std::initializer_list<const Tensor*> inputs);
void anomaly_note_inputs(Node& node, const tensor_list& inputs);
// Raises AnomalyError if `out` holds NaN/Inf although the node's inputs were finite.
void anomaly_check_forward(Node& node, const Tensor& out);

}  // namespace tg::autograd
