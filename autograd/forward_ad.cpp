// Forward-mode AD: dual levels, make_dual / unpack_dual, and the tangents that set_history,
// rebase_history and set_view_base give ops' outputs (see forward_ad.h).
#include "tapegrad/autograd/forward_ad.h"

#include <algorithm>
#include <memory>
#include <vector>

#include "autograd/record.h"
#include "tapegrad/autograd/engine.h"
#include "tapegrad/autograd/function.h"
#include "tapegrad/autograd/grad_mode.h"
#include "tapegrad/tensor/factories.h"
#include "tapegrad/tensor/ops.h"
#include "tensor/ops/common.h"

namespace tg::autograd {
namespace {

struct DualLevelState {
  bool active = false;
  // The tensors that got a tangent in the level, to drop the tangents when it ends.
  std::vector<std::weak_ptr<TensorImpl*>> dual_tensors;
  size_t compact_at = 1024;  // when the list is this long, dead tensors leave it
};
thread_local DualLevelState level;

// A gradient edge for inputs that carry a tangent but need no gradient: the backward formula
// then computes their part of the vector-Jacobian product, which the tangent needs.
class TangentSink final : public Node {
 public:
  std::string name() const override { return "TangentSink"; }
  tensor_list apply(tensor_list&&) override { return {}; }
};

const std::shared_ptr<Node>& sink() {
  static const std::shared_ptr<Node> node = std::make_shared<TangentSink>();
  return node;
}

}  // namespace

void set_tangent_of(const Tensor& t, Tensor tangent) {
  TensorExtras& extras = t.impl()->extras();
  if (!extras.weak_self) extras.weak_self = std::make_shared<TensorImpl*>(t.impl());
  if (!extras.fw_grad.defined()) {
    auto& list = level.dual_tensors;
    if (list.size() >= level.compact_at) {
      std::erase_if(list, [](const std::weak_ptr<TensorImpl*>& w) { return w.expired(); });
      level.compact_at = std::max<size_t>(1024, 2 * list.size());
    }
    list.push_back(extras.weak_self);
  }
  extras.fw_grad = std::move(tangent);
}

namespace {

const Tensor& tangent_of(const Tensor& t) { return t.impl()->extras_if()->fw_grad; }

// Whether `tangent` lies in its storage as `t` lies in its own, so that a view of t has the same
// view of the tangent.
bool mirrors(const Tensor& tangent, const Tensor& t) {
  return tangent.dtype() == t.dtype() && tangent.strides() == t.strides() &&
         tangent.storage_offset() == t.storage_offset() && tangent.storage()->nbytes() >= t.storage()->nbytes();
}

// Zeros laid out as `t` is: a storage of the same size, viewed with t's geometry.
Tensor mirrored_zeros(const Tensor& t) {
  const int64_t elements = static_cast<int64_t>(t.storage()->nbytes() / itemsize(t.dtype()));
  return zeros({elements}, TensorOptions(t.dtype()).device(t.device()))
      .as_strided(t.sizes(), t.strides(), t.storage_offset());
}

template <class Inputs, class Get>
void note(Node& node, const Inputs& inputs, Get get) {
  tensor_list tangents;
  size_t i = 0;
  for (const auto& in : inputs) {
    const Tensor& t = get(in);
    if (t.defined() && has_tangent(t)) {
      if (tangents.empty()) tangents.resize(node.num_inputs());
      tangents[i] = tangent_of(t);
      if (!node.next_edge(i).is_valid()) node.mutable_next_edge(i) = Edge{sink(), 0};
    }
    ++i;
  }
  if (!tangents.empty()) node.set_input_tangents(std::move(tangents));
}

// While it lives, the node's backward computes only the gradients of its inputs with tangents:
// the edges of the others (inputs that need a gradient but carry no tangent, a layer's weights)
// are set aside, so that apply() skips their formulas. A linear layer's weight gradient is a
// matrix product as large as the layer's; with it, a dual MLP took 1.4x the time.
class OnlyTangentInputs {
 public:
  OnlyTangentInputs(Node& node, const tensor_list& tangents) : node_(node) {
    for (size_t i = 0; i < node.num_inputs(); ++i)
      if ((i >= tangents.size() || !tangents[i].defined()) && node.next_edge(i).is_valid()) {
        kept_.emplace_back(i, node.next_edge(i));
        node.mutable_next_edge(i) = Edge{};
      }
  }
  ~OnlyTangentInputs() {
    for (auto& [i, edge] : kept_) node_.mutable_next_edge(i) = std::move(edge);
  }
  OnlyTangentInputs(const OnlyTangentInputs&) = delete;
  OnlyTangentInputs& operator=(const OnlyTangentInputs&) = delete;

 private:
  Node& node_;
  std::vector<std::pair<size_t, Edge>> kept_;
};

// J·t of an elementwise node (Node::elementwise) whose inputs with tangents have its output's
// shape, all of one real floating dtype: each input's Jacobian is diagonal, so its part of J t is
// its part of the backward formula applied to its tangent (J^T t = J t); one pass of the formula
// per distinct tangent (x * x's two inputs share one), where the trick below records the formula
// and differentiates it. With create_graph the pass is recorded, so the tangent is
// differentiable in the inputs (through the saved tensors) and in the tangents. Undefined when
// that does not apply.
Tensor diagonal_tangent(Node& node, const tensor_list& in_tangents, bool create_graph) {
  if (!node.elementwise() || node.num_outputs() != 1) return {};
  const TensorMeta& m = node.output_meta(0);
  if (!is_floating_point(m.dtype)) return {};
  for (const Tensor& t : in_tangents)
    if (t.defined() && (t.dtype() != m.dtype || t.sizes() != m.shape)) return {};
  AutoGradMode mode(create_graph);
  const OnlyTangentInputs only(node, in_tangents);
  Tensor sum;
  std::vector<bool> done(in_tangents.size(), false);
  for (size_t i = 0; i < in_tangents.size(); ++i) {
    if (!in_tangents[i].defined() || done[i]) continue;
    const tensor_list parts = node.apply({in_tangents[i]});
    for (size_t j = i; j < in_tangents.size() && j < parts.size(); ++j) {
      if (!in_tangents[j].defined() || in_tangents[j].impl() != in_tangents[i].impl()) continue;
      done[j] = true;
      if (parts[j].defined()) sum = sum.defined() ? sum + parts[j] : parts[j];
    }
  }
  return sum.defined() ? sum : zeros(m.shape, TensorOptions(m.dtype).device(m.device));
}

// J·t for every output of `node`, by the double-backward trick: u = J^T g is linear in the
// outputs' gradients g, so its gradient with respect to g, weighted by the inputs' tangents, is
// J t whatever g is. g is ones rather than zeros: some formulas split g by sign or work with
// log|g| (logcumsumexp's), and are not differentiable at zero.
tensor_list output_tangents(Node& node, bool create_graph) {
  const tensor_list& in_tangents = node.input_tangents();
  {
    detail::PauseTangents pause;
    if (Tensor t = diagonal_tangent(node, in_tangents, create_graph); t.defined()) return {t};
  }
  detail::PauseTangents pause;
  EnableGradGuard grad_mode;
  tensor_list g;
  for (size_t k = 0; k < node.num_outputs(); ++k) {
    const TensorMeta& m = node.output_meta(k);
    g.push_back(ones(m.shape, TensorOptions(m.dtype).device(m.device)).requires_grad_(true));
  }
  tensor_list u;
  {
    const OnlyTangentInputs only(node, in_tangents);
    u = node.apply(tensor_list(g));
  }
  tensor_list roots, weights;
  for (size_t i = 0; i < u.size() && i < in_tangents.size(); ++i) {
    if (!u[i].defined() || !u[i].requires_grad() || !in_tangents[i].defined()) continue;
    TG_CHECK(u[i].sizes() == in_tangents[i].sizes(),
             "forward-mode AD: {} gave input {} a gradient of shape {}, but its tangent has shape {}", node.name(), i,
             u[i].sizes(), in_tangents[i].sizes());
    roots.push_back(u[i]);
    weights.push_back(in_tangents[i].dtype() == u[i].dtype() ? in_tangents[i] : in_tangents[i].to(u[i].dtype()));
  }
  tensor_list result(g.size());
  if (!roots.empty()) result = grad(roots, g, weights, /*retain_graph=*/false, create_graph, /*allow_unused=*/true);
  for (size_t k = 0; k < result.size(); ++k)
    if (!result[k].defined()) result[k] = zeros_like(g[k]).detach();
  return result;
}

// The trick passes an identity's tangent on as the input's own tensor (or a view of it); a copy
// then, so that an in-place op on one tensor does not change another's tangent.
Tensor own_tangent(const Tensor& tangent, const tensor_list& inputs) {
  for (const Tensor& t : inputs)
    if (t.defined() && t.storage() == tangent.storage()) return tangent.clone();
  return tangent;
}

// Whether the tangents must be differentiable: the op recorded, or a tangent has a history.
bool tangents_need_graph(const Node& node) {
  if (!grad_mode_on()) return false;
  if (records_history(node)) return true;
  for (const Tensor& t : node.input_tangents())
    if (t.defined() && t.requires_grad()) return true;
  return false;
}

}  // namespace

void note_input_tangents(Node& node, std::initializer_list<const Tensor*> inputs) {
  note(node, inputs, [](const Tensor* t) -> const Tensor& { return *t; });
}
void note_input_tangents(Node& node, const tensor_list& inputs) {
  note(node, inputs, [](const Tensor& t) -> const Tensor& { return t; });
}

bool records_history(const Node& node) {
  if (!grad_mode_on()) return false;
  for (const Edge& e : node.next_edges())
    if (e.is_valid() && e.function != sink()) return true;
  return false;
}

void drop_tangent_edges(Node& node) {
  for (size_t i = 0; i < node.num_inputs(); ++i)
    if (node.next_edge(i).function == sink()) node.mutable_next_edge(i) = Edge{};
}

void attach_dual_outputs(const std::shared_ptr<Node>& node, const tensor_list& outs, uint32_t first_nr) {
  const bool record = records_history(*node);
  for (size_t i = 0; i < outs.size(); ++i) {
    const auto nr = static_cast<uint32_t>(first_nr + i);
    if (record) {
      attach_history(outs[i], node, nr);
    } else {
      // Off the tape, but the backward reads saved outputs by their output numbers.
      outs[i].impl()->output_nr_ = nr;
      if (node->num_outputs() <= nr) node->add_output(TensorMeta::of(outs[i]));
    }
  }
}

void set_output_tangents(const std::shared_ptr<Node>& node, const tensor_list& outs, uint32_t first_nr) {
  const bool views = std::all_of(outs.begin(), outs.end(), [](const Tensor& t) { return has_tangent(t); });
  if (!views) {  // a view has the same view of its base's tangent already
    const tensor_list tangents = output_tangents(*node, tangents_need_graph(*node));
    for (size_t i = 0; i < outs.size(); ++i)
      if (!has_tangent(outs[i])) set_tangent_of(outs[i], own_tangent(tangents[first_nr + i], node->input_tangents()));
  }
  drop_tangent_edges(*node);
}

void propagate_inplace_tangent(const Tensor& self, Node& node) {
  if (node.num_outputs() == 0) node.add_output(TensorMeta::of(self));
  const bool graph = tangents_need_graph(node);
  Tensor tangent = output_tangents(node, graph)[0];
  detail::PauseTangents pause;
  tangent = own_tangent(tangent, node.input_tangents());
  if (!has_tangent(self)) {
    // A view of a base without a tangent: the base gets one (zeros outside the view), so that it
    // sees the change, as the base sees the view's values.
    if (TensorImpl* base = self.impl()->view_base_.get()) {
      Tensor base_t(IntrusivePtr<TensorImpl>::share(base));
      if (!has_tangent(base_t)) {
        set_tangent_of(base_t, mirrored_zeros(base_t));
        propagate_view_tangent(self, base_t);
      }
    }
  }
  if (!has_tangent(self) || graph) {
    set_tangent_of(self, tangent);
  } else {
    ops::copy_into(tangent_of(self), tangent);  // in place: views of self see it in their tangents
  }
}

void propagate_view_tangent(const Tensor& view, const Tensor& base) {
  const Tensor& tangent = tangent_of(base);
  // Otherwise set_history computes the view's tangent as a copy. (Recording as_strided needs a
  // contiguous input.)
  if (!mirrors(tangent, base) || view.dtype() != base.dtype() || (tangent.requires_grad() && !tangent.is_contiguous()))
    return;
  detail::PauseTangents pause;
  set_tangent_of(view, tangent.as_strided(view.sizes(), view.strides(), view.storage_offset()));
}

namespace forward_ad {

int64_t enter_dual_level() {
  TG_CHECK(!level.active,
           "enter_dual_level: a dual level is already active on this thread; nested forward-mode AD levels are not "
           "supported (exit the current one first)");
  level.active = true;
  tg::detail::tls.forward_ad = true;
  return 0;
}

void exit_dual_level() {
  TG_CHECK(level.active, "exit_dual_level: no dual level is active on this thread");
  for (const auto& weak : level.dual_tensors)
    if (auto alive = weak.lock(); alive && *alive)
      if (TensorExtras* extras = (*alive)->extras_if()) extras->fw_grad = Tensor();
  level.dual_tensors.clear();
  level.active = false;
  tg::detail::tls.forward_ad = false;
}

bool dual_level_active() { return level.active; }

Tensor make_dual(const Tensor& primal, const Tensor& tangent) {
  ops::check_defined("make_dual", primal, "primal");
  ops::check_defined("make_dual", tangent, "tangent");
  TG_CHECK(level.active, "make_dual: no dual level is active; enter one first (forward_ad::DualLevel)");
  TG_CHECK_TYPE(primal.is_floating_point(), "make_dual: expected a floating-point primal, got {}", primal.dtype());
  TG_CHECK(tangent.sizes() == primal.sizes(), "make_dual: the tangent has shape {} but the primal has shape {}",
           tangent.sizes(), primal.sizes());
  TG_CHECK_TYPE(tangent.dtype() == primal.dtype(), "make_dual: the tangent has dtype {} but the primal has dtype {}",
                tangent.dtype(), primal.dtype());
  ops::check_same_device("make_dual", primal, tangent);
  detail::PauseTangents pause;
  Tensor dual = primal.view(primal.sizes());
  Tensor t = tangent;
  if (!mirrors(t, primal)) {
    t = mirrored_zeros(primal);
    t.copy_(tangent);
  }
  set_tangent_of(dual, t);
  return dual;
}

UnpackedDual unpack_dual(const Tensor& tensor) {
  ops::check_defined("unpack_dual", tensor, "tensor");
  detail::PauseTangents pause;
  Tensor primal = tensor.view(tensor.sizes());
  return {primal, level.active && has_tangent(tensor) ? tangent_of(tensor) : Tensor()};
}

}  // namespace forward_ad
}  // namespace tg::autograd
