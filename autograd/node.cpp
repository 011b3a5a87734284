#include "tapegrad/autograd/node.h"

#include <vector>

#include "autograd/packed_tensor.h"
#include "autograd/record.h"
#include "tensor/ops/common.h"

namespace tg::autograd {

struct Node::Extras {
  std::vector<std::shared_ptr<HookList>> output_hooks;
  std::shared_ptr<HookList> node_hooks;  // node_pre and node_post
  std::unique_ptr<CreationSite> site;
  tensor_list input_tangents;
};

namespace {
thread_local uint64_t next_sequence_nr = 0;
}

Node::Node() : sequence_nr_(next_sequence_nr++) {}

Node::~Node() {
  // Freeing a long tape node by node through nested destructors would overflow the stack.
  // Instead, nodes this one is the last owner of are parked and freed in a loop by the
  // outermost destructor. Saved tensors go first: they may hold the previous node too.
  thread_local std::vector<std::shared_ptr<Node>> parked;
  thread_local bool draining = false;
  saved_.clear();
  for (Edge& e : next_edges_)
    if (e.function && e.function.use_count() == 1) parked.push_back(std::move(e.function));
  if (draining) return;
  draining = true;
  while (!parked.empty()) {
    std::shared_ptr<Node> next = std::move(parked.back());
    parked.pop_back();
    next.reset();
  }
  draining = false;
}

void Node::release_saved() {
  for (SavedTensor& s : saved_) s.release();
  released_ = true;
}

const HookList* Node::output_hooks(uint32_t output_nr) const {
  if (!extras_ || output_nr >= extras_->output_hooks.size()) return nullptr;
  return extras_->output_hooks[output_nr].get();
}

std::shared_ptr<HookList> Node::output_hook_list(uint32_t output_nr) {
  if (!extras_) extras_ = std::make_unique<Extras>();
  auto& hooks = extras_->output_hooks;
  if (hooks.size() <= output_nr) hooks.resize(output_nr + 1);
  if (!hooks[output_nr]) hooks[output_nr] = std::make_shared<HookList>();
  return hooks[output_nr];
}

std::shared_ptr<HookList>& Node::node_hook_list() {
  if (!extras_) extras_ = std::make_unique<Extras>();
  if (!extras_->node_hooks) extras_->node_hooks = std::make_shared<HookList>();
  return extras_->node_hooks;
}

namespace {
template <class List, class Hook>
HookHandle add_node_hook(const std::shared_ptr<HookList>& list, List HookList::*which, Hook hook) {
  const uint64_t id = list->next_id++;
  ((*list).*which).emplace_back(id, std::move(hook));
  return HookHandle(list, id);
}
}  // namespace

HookHandle Node::register_prehook(PreHook hook) {
  TG_CHECK_VALUE(hook != nullptr, "{}.register_prehook: the hook is empty", name());
  return add_node_hook(node_hook_list(), &HookList::node_pre, std::move(hook));
}

HookHandle Node::register_hook(PostHook hook) {
  TG_CHECK_VALUE(hook != nullptr, "{}.register_hook: the hook is empty", name());
  return add_node_hook(node_hook_list(), &HookList::node_post, std::move(hook));
}

const HookList* Node::node_hooks() const { return extras_ ? extras_->node_hooks.get() : nullptr; }

const CreationSite* Node::creation_site() const { return extras_ ? extras_->site.get() : nullptr; }

void Node::set_creation_site(std::unique_ptr<CreationSite> site) {
  if (!extras_) extras_ = std::make_unique<Extras>();
  extras_->site = std::move(site);
}

const tensor_list& Node::input_tangents() const {
  static const tensor_list none;
  return extras_ ? extras_->input_tangents : none;
}

void Node::set_input_tangents(tensor_list tangents) {
  if (!extras_) extras_ = std::make_unique<Extras>();
  extras_->input_tangents = std::move(tangents);
  has_tangents_ = !extras_->input_tangents.empty();
}

size_t Node::saved_bytes() const {
  size_t n = 0;
  for (const SavedTensor& s : saved_) n += s.nbytes();
  return n;
}

Tensor Node::saved(size_t i) const {
  TG_CHECK(!released_,
           "{}: trying to backward through the graph a second time (or to read saved tensors after they were "
           "freed). Saved tensors are freed after backward; call backward with retain_graph=true to keep them",
           name());
  return saved_[i].unpack(*this);
}

std::string CreationSite::str() const {
  return function.empty() ? fmt::format("{}:{}", file, line) : fmt::format("{}:{} ({})", file, line, function);
}

// ---- saved tensors ---------------------------------------------------------------------------

SavedTensor::SavedTensor(const Tensor& t, bool is_output) : is_output_(is_output) {
  if (!t.defined()) return;
  TG_CHECK(!t.impl()->storage_->inference() || detail::tls.inference_mode,
           "inference tensors (made inside InferenceMode) cannot be saved for backward; clone() one to get a normal "
           "tensor to use in autograd (shape {}, dtype {})",
           t.sizes(), t.dtype());
  version_ = t.version();
  output_nr_ = t.output_nr();
  if (const auto* hooks = current_saved_tensor_hooks()) [[unlikely]] {
    packed_ = pack_saved(*hooks, t, is_output);
    return;
  }
  // An output refers to its grad_fn, which refers to this: keep a plain alias instead.
  data_ = is_output ? ops::alias(t) : t;
}

Tensor SavedTensor::unpack(const Node& owner) const {
  Tensor t;
  if (packed_) {
    t = unpack_saved(*packed_, owner);  // a fresh alias already
  } else {
    if (!data_.defined()) {
      TG_CHECK(!released_,
               "{}: trying to backward through the graph a second time (or to read saved tensors after they were "
               "freed). Call backward with retain_graph=true to keep them",
               owner.name());
      return {};
    }
    TG_CHECK(data_.version() == version_,
             "{}: one of the tensors needed for gradient computation has been modified by an in-place operation: "
             "{} {} is at version {}; expected version {} instead",
             owner.name(), data_.dtype(), data_.sizes(), data_.version(), version_);
    if (!is_output_) return data_;
    t = ops::alias(data_);
  }
  if (is_output_) {
    t.impl()->grad_fn_ = std::const_pointer_cast<Node>(owner.shared_from_this());
    t.impl()->output_nr_ = output_nr_;
    t.impl()->requires_grad_ = true;
  }
  return t;
}

}  // namespace tg::autograd
