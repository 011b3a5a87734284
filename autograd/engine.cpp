// The backward engine (see graph_task.h), autograd::backward / grad, and BackwardStepper.
#include <algorithm>
#include <atomic>

#include "autograd/graph_task.h"
#include "autograd/internal_nodes.h"
#include "autograd/record.h"
#include "tapegrad/autograd/anomaly.h"
#include "tapegrad/autograd/engine.h"
#include "tapegrad/autograd/grad_mode.h"
#include "tapegrad/tensor/ops.h"
#include "tensor/ops/common.h"
#include "tensor/ops/internal.h"

namespace tg::autograd {

void GraphTask::add_root(const Edge& edge, Tensor grad) { roots_.emplace_back(edge, std::move(grad)); }

void GraphTask::set_captures(std::vector<Edge> captures, bool run_accumulators) {
  captures_ = std::move(captures);
  captured_.assign(captures_.size(), Tensor());
  run_accumulators_ = run_accumulators;
  filtering_ = true;
  for (const Edge& e : captures_)
    if (e.is_valid()) targets_.insert(e.function.get());
}

void GraphTask::prepare() {
  // Every node reachable from the roots, in an order where each node comes after its users.
  std::vector<const Node*> order;
  std::unordered_set<const Node*> seen;
  std::vector<std::pair<const Node*, size_t>> stack;
  for (const auto& [edge, grad] : roots_) {
    if (!edge.is_valid() || !seen.insert(edge.function.get()).second) continue;
    stack.emplace_back(edge.function.get(), 0);
    while (!stack.empty()) {
      auto& [node, next] = stack.back();
      if (next < node->num_inputs()) {
        const Edge& e = node->next_edge(next++);
        if (e.is_valid() && seen.insert(e.function.get()).second) stack.emplace_back(e.function.get(), 0);
      } else {
        order.push_back(node);
        stack.pop_back();
      }
    }
  }
  if (filtering_) {
    // Post-order: a node's successors are decided before it.
    for (const Node* n : order) {
      for (const Edge& e : n->next_edges()) {
        if (e.is_valid() && (needed_.count(e.function.get()) || targets_.count(e.function.get()))) {
          needed_.insert(n);
          break;
        }
      }
    }
  }
  for (const Node* n : order) {
    if (!executes(n)) continue;
    for (const Edge& e : n->next_edges())
      if (e.is_valid() && executes(e.function.get())) ++deps_[e.function.get()];
  }
  for (const auto& [edge, grad] : roots_) {
    if (edge.is_valid() && executes(edge.function.get())) add_gradient(edge, grad);
  }
  // Roots that nothing else feeds are ready now.
  std::unordered_set<const Node*> queued;
  for (const auto& [edge, grad] : roots_) {
    const Node* n = edge.function.get();
    if (edge.is_valid() && executes(n) && deps_[n] == 0 && queued.insert(n).second)
      ready_.push({n->sequence_nr(), edge.function});
  }
}

void GraphTask::add_gradient(const Edge& edge, const Tensor& grad) {
  tensor_list& buf = buffers_[edge.function.get()];
  if (buf.empty()) buf.resize(edge.function->num_outputs());
  Tensor& slot = buf[edge.input_nr];
  if (!grad.defined()) return;
  if (!slot.defined()) {
    slot = grad;
    return;
  }
  // Summed in place where the buffer alone holds the sum so far and no graph is being built (as
  // PyTorch's InputBuffer does): a weight used at every step of a recurrence (an LSTM's W_hh over
  // 50 steps) otherwise took a new allocation and a third pass per step.
  const bool exclusive = slot.use_count() == 1 && slot.storage().use_count() == 1 && slot.is_contiguous() &&
                         !slot.impl()->view_base_ && !slot.requires_grad();
  if (exclusive && !GradMode::is_enabled() && slot.sizes() == grad.sizes() && slot.dtype() == grad.dtype() &&
      slot.device() == grad.device()) {
    slot.add_(grad);
  } else {
    slot = slot + grad;
  }
}

tensor_list GraphTask::pending(const Node* node) const {
  auto it = buffers_.find(node);
  return it == buffers_.end() ? tensor_list(node->num_outputs()) : it->second;
}

namespace {

// Makes a gradient fit the tensor it belongs to: sums broadcast dims, converts the dtype.
Tensor validate_gradient(const Node& producer, size_t index, Tensor grad, const TensorMeta& meta) {
  if (!(grad.sizes() == meta.shape)) {
    bool expandable = grad.dim() >= meta.shape.size();
    if (expandable) {
      try {
        expandable = broadcast_shapes(grad.sizes(), meta.shape, "backward") == grad.sizes();
      } catch (const Error&) {
        expandable = false;
      }
    }
    TG_CHECK(expandable, "{} returned an invalid gradient at index {}: got shape {} but expected shape {}",
             producer.name(), index, grad.sizes(), meta.shape);
    grad = ops::sum_to_shape(grad, meta.shape);
  }
  if (grad.dtype() != meta.dtype) grad = grad.to(meta.dtype);
  return grad;
}

[[noreturn]] void report_backward_anomaly(const Node& node, const tensor_list& incoming, const tensor_list& outgoing) {
  std::string detail;
  int64_t nan = 0, inf = 0;
  for (size_t i = 0; i < outgoing.size(); ++i) {
    if (!outgoing[i].defined()) continue;
    ValueSummary v = summarize(outgoing[i]);
    nan += v.nan;
    inf += v.inf;
    detail += fmt::format("\n  gradient for input {}: {} {} {}", i, outgoing[i].dtype(), outgoing[i].sizes(), v.str());
  }
  for (size_t i = 0; i < incoming.size(); ++i)
    if (incoming[i].defined())
      detail += fmt::format("\n  incoming gradient {}: {} {}", i, incoming[i].sizes(), summarize(incoming[i]).str());
  for (size_t i = 0; i < node.saved_tensors().size(); ++i) {
    const Tensor& s = node.saved_tensors()[i].data();
    if (s.defined()) detail += fmt::format("\n  saved tensor {}: {} {} {}", i, s.dtype(), s.sizes(), summarize(s).str());
  }
  const CreationSite* site = node.creation_site();
  std::string where = site ? site->str() : "(unknown: the forward pass ran outside DetectAnomalyGuard)";
  std::string op = site ? site->op : node.name();
  std::string inputs = site && !site->input_ranges.empty() ? "\n  forward inputs:\n  " + site->input_ranges : "";
  throw AnomalyError(fmt::format("anomaly detected in backward: {} produced {} NaN and {} Inf gradient values from "
                                 "finite incoming gradients\n  the op '{}' was called at {}{}{}",
                                 node.name(), nan, inf, op, where, detail, inputs),
                     op, where);
}

// A node hook's result: empty keeps `grads`, else it replaces them one for one.
void replace_gradients(const Node& node, const char* kind, tensor_list& grads, tensor_list replaced) {
  if (replaced.empty()) return;
  TG_CHECK(replaced.size() == grads.size(), "{}: a {} returned {} gradients, expected {}", node.name(), kind,
           replaced.size(), grads.size());
  grads = std::move(replaced);
}

bool all_finite(const tensor_list& ts) {
  for (const Tensor& t : ts)
    if (t.defined() && !summarize(t).all_finite) return false;
  return true;
}

}  // namespace

namespace {
std::atomic<uint64_t> next_task_id{1};
// The run in progress on this thread (its hooks may ask about it); runs nest when a hook or a
// backward formula runs backward itself.
thread_local const GraphTask* running_task = nullptr;
}  // namespace

GraphTask::GraphTask(bool retain_graph, bool create_graph)
    : id_(next_task_id.fetch_add(1, std::memory_order_relaxed)),
      retain_graph_(retain_graph),
      create_graph_(create_graph) {}

uint64_t current_backward_id() { return running_task ? running_task->id() : 0; }

bool will_backward_reach(const Tensor& t) {
  if (!running_task || !t.defined() || !t.requires_grad()) return false;
  const Edge e = gradient_edge(t);
  return e.is_valid() && running_task->will_run(e.function.get());
}

BackwardStepper::Step GraphTask::step(bool keep_gradients) {
  struct Running {
    const GraphTask* previous = running_task;
    explicit Running(const GraphTask* t) { running_task = t; }
    ~Running() { running_task = previous; }
  } running(this);
  BackwardStepper::Step st;
  st.node = ready_.top().node;
  ready_.pop();
  Node& node = *st.node;
  auto it = buffers_.find(&node);
  tensor_list grads = it != buffers_.end() ? std::move(it->second) : tensor_list(node.num_outputs());
  if (it != buffers_.end()) buffers_.erase(it);
  grads.resize(node.num_outputs());

  AutoGradMode mode(create_graph_);
  for (size_t i = 0; i < grads.size(); ++i) {
    if (!grads[i].defined()) continue;
    if (const HookList* hooks = node.output_hooks(static_cast<uint32_t>(i))) grads[i] = hooks->run(grads[i]);
  }
  const HookList* node_hooks = node.node_hooks();
  if (node_hooks && !node_hooks->node_pre.empty()) [[unlikely]]
    for (const auto& [id, hook] : node_hooks->node_pre) replace_gradients(node, "pre-hook", grads, hook(grads));
  if (filtering_ && targets_.count(&node)) {
    for (size_t c = 0; c < captures_.size(); ++c) {
      const Edge& e = captures_[c];
      if (e.function.get() != &node) continue;
      const Tensor& g = grads[e.input_nr];
      captured_[c] = captured_[c].defined() && g.defined() ? captured_[c] + g : (g.defined() ? g : captured_[c]);
    }
  }
  if (keep_gradients || detail::tls.anomaly_enabled) st.incoming = grads;

  const bool is_accumulator = dynamic_cast<AccumulateGrad*>(&node) != nullptr;
  const bool run_node = !filtering_ || needed_.count(&node) || (is_accumulator && run_accumulators_);
  const bool any_defined = std::any_of(grads.begin(), grads.end(), [](const Tensor& g) { return g.defined(); });
  tensor_list outputs(node.num_inputs());
  if (run_node && any_defined) {
    for (size_t i = 0; i < grads.size() && node.materialize_grads(); ++i) {
      if (!grads[i].defined()) {
        const TensorMeta& m = node.output_meta(i);
        grads[i] = zeros(m.shape, TensorOptions(m.dtype).device(m.device));
      }
    }
    const bool post_hooks = node_hooks && !node_hooks->node_post.empty();
    tensor_list grads_seen = post_hooks ? grads : tensor_list();
    {
      detail::ProfileRange range([&] { return node.name(); });
      try {
        outputs = node.apply(std::move(grads));
      } catch (const TypeError& e) {
        // A kernel reached outside any public op (a formula's internal step) names the node.
        const std::string_view what = e.what();
        if (!what.starts_with("kernel: ")) throw;
        throw TypeError(fmt::format("{}: {}", node.name(), what.substr(8)));
      }
    }
    if (is_accumulator) outputs.resize(0);
    if (post_hooks) [[unlikely]]
      for (const auto& [id, hook] : node_hooks->node_post)
        replace_gradients(node, "hook", outputs, hook(outputs, grads_seen));
    TG_CHECK(outputs.size() == node.num_inputs() || is_accumulator,
             "{} returned {} gradients, expected {} (one per input)", node.name(), outputs.size(), node.num_inputs());
    for (size_t i = 0; i < outputs.size(); ++i) {
      const Edge& e = node.next_edge(i);
      if (!e.is_valid()) {
        outputs[i] = Tensor();
        continue;
      }
      if (outputs[i].defined()) outputs[i] = validate_gradient(node, i, outputs[i], e.function->output_meta(e.input_nr));
    }
    if (detail::tls.anomaly_enabled && all_finite(st.incoming) && !all_finite(outputs)) [[unlikely]]
      report_backward_anomaly(node, st.incoming, outputs);
    if (!retain_graph_) node.release_saved();
  }
  for (size_t i = 0; i < node.num_inputs() && run_node; ++i) {
    const Edge& e = node.next_edge(i);
    if (!e.is_valid() || !executes(e.function.get())) continue;
    if (i < outputs.size()) add_gradient(e, outputs[i]);
    if (--deps_[e.function.get()] == 0) ready_.push({e.function->sequence_nr(), e.function});
  }
  if (keep_gradients) st.outgoing = std::move(outputs);
  return st;
}

// ---- entry points ------------------------------------------------------------------------------

namespace {

void seed_roots(GraphTask& task, const tensor_list& tensors, const tensor_list& grads, const char* op) {
  TG_CHECK(grads.empty() || grads.size() == tensors.size(), "{}: got {} tensors but {} gradients", op, tensors.size(),
           grads.size());
  for (size_t i = 0; i < tensors.size(); ++i) {
    const Tensor& t = tensors[i];
    TG_CHECK(t.defined(), "{}: tensor {} is undefined", op, i);
    TG_CHECK(t.requires_grad(), "{}: tensor {} does not require grad and has no grad_fn", op, i);
    Tensor g = grads.empty() ? Tensor() : grads[i];
    if (!g.defined()) {
      TG_CHECK(t.numel() == 1,
               "{}: a gradient can be created implicitly only for one-element outputs; tensor {} has shape {} "
               "(pass a gradient of that shape)",
               op, i, t.sizes());
      g = ones_like(t);
    } else {
      TG_CHECK(g.sizes() == t.sizes(), "{}: gradient {} has shape {} but the tensor has shape {}", op, i, g.sizes(),
               t.sizes());
      ops::check_same_device(op, t, g);
    }
    task.add_root(gradient_edge(t), g);
  }
}

}  // namespace

void backward(const tensor_list& tensors, const tensor_list& grad_tensors, std::optional<bool> retain_graph,
              bool create_graph, const tensor_list& inputs) {
  GraphTask task(retain_graph.value_or(create_graph), create_graph);
  seed_roots(task, tensors, grad_tensors, "backward");
  tensor_list nonleaf_inputs;
  if (!inputs.empty()) {
    std::vector<Edge> edges;
    for (size_t i = 0; i < inputs.size(); ++i) {
      TG_CHECK(inputs[i].defined() && inputs[i].requires_grad(), "backward: input {} does not require grad", i);
      edges.push_back(gradient_edge(inputs[i]));
    }
    task.set_captures(edges, /*run_accumulators=*/true);
  }
  task.prepare();
  task.run();
  // Non-leaf inputs get their gradient in grad(), as leaves do.
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (inputs[i].is_leaf() || !task.captured()[i].defined()) continue;
    Tensor& g = inputs[i].mutable_grad();
    g = g.defined() ? g + task.captured()[i] : task.captured()[i];
  }
}

namespace {

// grad()'s run once its inputs are edges: the gradients captured there. describe(i) names input i
// in the error for an unused one.
template <class Describe>
tensor_list capture_gradients(GraphTask& task, const std::vector<Edge>& inputs, bool create_graph, bool allow_unused,
                              Describe describe) {
  task.set_captures(inputs, /*run_accumulators=*/false);
  task.prepare();
  task.run();
  tensor_list result = task.captured();
  for (size_t i = 0; i < result.size(); ++i) {
    TG_CHECK(result[i].defined() || allow_unused,
             "grad: {} was not used to compute the outputs; pass allow_unused=true if that is intended", describe(i));
    if (result[i].defined() && !create_graph) result[i] = result[i].detach();
  }
  return result;
}

}  // namespace

tensor_list grad(const tensor_list& outputs, const tensor_list& inputs, const tensor_list& grad_outputs,
                 std::optional<bool> retain_graph, bool create_graph, bool allow_unused) {
  TG_CHECK(!inputs.empty(), "grad: no inputs given");
  GraphTask task(retain_graph.value_or(create_graph), create_graph);
  seed_roots(task, outputs, grad_outputs, "grad");
  std::vector<Edge> edges;
  for (size_t i = 0; i < inputs.size(); ++i) {
    TG_CHECK(inputs[i].defined(), "grad: input {} is undefined", i);
    TG_CHECK(inputs[i].requires_grad(), "grad: input {} (shape {}) does not require grad", i, inputs[i].sizes());
    edges.push_back(gradient_edge(inputs[i]));
  }
  return capture_gradients(task, edges, create_graph, allow_unused,
                           [&](size_t i) { return fmt::format("input {} (shape {})", i, inputs[i].sizes()); });
}

Edge get_gradient_edge(const Tensor& t) {
  TG_CHECK(t.defined(), "get_gradient_edge: the tensor is undefined");
  TG_CHECK(t.requires_grad(),
           "get_gradient_edge: the tensor (shape {}, {}) does not require grad, so it has no place "
           "on the tape",
           t.sizes(), t.dtype());
  return gradient_edge(t);
}

tensor_list grad(const std::vector<Edge>& outputs, const tensor_list& grad_outputs, const std::vector<Edge>& inputs,
                 std::optional<bool> retain_graph, bool create_graph, bool allow_unused) {
  TG_CHECK(!inputs.empty(), "grad: no inputs given");
  TG_CHECK(grad_outputs.size() == outputs.size(),
           "grad: got {} output edges but {} gradients (an edge's gradient must be given)", outputs.size(),
           grad_outputs.size());
  GraphTask task(retain_graph.value_or(create_graph), create_graph);
  for (size_t i = 0; i < outputs.size(); ++i) {
    const Edge& e = outputs[i];
    TG_CHECK(e.is_valid(), "grad: output edge {} has no node", i);
    const Tensor& g = grad_outputs[i];
    TG_CHECK(g.defined(), "grad: the gradient of output edge {} ({}) is undefined", i, e.function->name());
    if (e.input_nr < e.function->num_outputs()) {
      const TensorMeta& m = e.function->output_meta(e.input_nr);
      TG_CHECK(g.sizes() == m.shape && g.device() == m.device,
               "grad: the gradient of output edge {} ({}, output {}) is {} on {}, but that output is {} on {}", i,
               e.function->name(), e.input_nr, g.sizes(), g.device(), m.shape, m.device);
    }
    task.add_root(e, g);
  }
  for (size_t i = 0; i < inputs.size(); ++i) TG_CHECK(inputs[i].is_valid(), "grad: input edge {} has no node", i);
  return capture_gradients(task, inputs, create_graph, allow_unused, [&](size_t i) {
    return fmt::format("input edge {} ({}, output {})", i, inputs[i].function->name(), inputs[i].input_nr);
  });
}

// ---- stepper -----------------------------------------------------------------------------------

BackwardStepper::BackwardStepper(const Tensor& root, const Tensor& gradient, bool retain_graph, bool create_graph)
    : task_(std::make_unique<GraphTask>(retain_graph, create_graph)) {
  seed_roots(*task_, {root}, gradient.defined() ? tensor_list{gradient} : tensor_list{}, "BackwardStepper");
  task_->prepare();
}
BackwardStepper::~BackwardStepper() = default;

bool BackwardStepper::done() const { return task_->done(); }
std::shared_ptr<Node> BackwardStepper::next_node() const { return task_->peek(); }
tensor_list BackwardStepper::next_incoming() const {
  auto n = task_->peek();
  return n ? task_->pending(n.get()) : tensor_list{};
}
BackwardStepper::Step BackwardStepper::step() {
  TG_CHECK(!task_->done(), "BackwardStepper::step: backward has finished ({} steps)", steps_);
  ++steps_;
  return task_->step();
}
void BackwardStepper::run_to_end() {
  while (!task_->done()) step();
}

}  // namespace tg::autograd
