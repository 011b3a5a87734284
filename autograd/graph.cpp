// The tape as an indented text tree and as Graphviz.
#include "tapegrad/autograd/graph.h"

#include <iostream>
#include <sstream>
#include <unordered_map>

#include "autograd/internal_nodes.h"
#include "autograd/packed_tensor.h"
#include "tapegrad/autograd/node.h"

namespace tg::autograd {
namespace {

std::string human_bytes(size_t n) {
  if (n < 1024) return fmt::format("{} B", n);
  if (n < 1024 * 1024) return fmt::format("{:.1f} KiB", static_cast<double>(n) / 1024.0);
  return fmt::format("{:.1f} MiB", static_cast<double>(n) / (1024.0 * 1024.0));
}

std::string describe(const Node& node) {
  std::string s = node.name();
  if (node.num_outputs() > 0) {
    const TensorMeta& m = node.output_meta(0);
    s += fmt::format(" -> {} {}", m.dtype, m.shape);
    for (size_t i = 1; i < node.num_outputs(); ++i)
      s += fmt::format(", {} {}", node.output_meta(i).dtype, node.output_meta(i).shape);
  }
  if (const auto* acc = dynamic_cast<const AccumulateGrad*>(&node)) {
    if (!acc->variable().name().empty()) s += fmt::format("  leaf '{}'", acc->variable().name());
  }
  return s;
}

struct Printer {
  std::unordered_map<const Node*, int> ids;
  std::string out;
  size_t total_saved = 0;

  void visit(const Node& node, int depth) {
    const std::string indent(static_cast<size_t>(depth) * 2, ' ');
    auto it = ids.find(&node);
    if (it != ids.end()) {
      out += fmt::format("{}#{} {} (shared, see above)\n", indent, it->second, node.name());
      return;
    }
    const int id = static_cast<int>(ids.size()) + 1;
    ids[&node] = id;
    out += fmt::format("{}#{} {}\n", indent, id, describe(node));
    if (const CreationSite* site = node.creation_site())
      out += fmt::format("{}   created by '{}' at {}\n", indent, site->op, site->str());
    if (node.saved_released()) {
      out += fmt::format("{}   saved tensors freed (backward already ran without retain_graph)\n", indent);
    } else {
      for (size_t i = 0; i < node.saved_tensors().size(); ++i) {
        const SavedTensor& s = node.saved_tensors()[i];
        if (!s.defined()) continue;
        if (const PackedTensor* p = s.packed()) {
          out += fmt::format("{}   saved {}: {} {} version {} (packed by a saved-tensor hook)\n", indent, i,
                             p->meta.dtype, p->meta.shape, s.saved_version());
          continue;
        }
        const Tensor& t = s.data();
        const bool changed = t.version() != s.saved_version();
        out += fmt::format("{}   saved {}: {} {} version {}{} ({})\n", indent, i, t.dtype(), t.sizes(), s.saved_version(),
                           changed ? fmt::format(" -> now {}: modified in place!", t.version()) : "",
                           human_bytes(s.nbytes()));
        total_saved += s.nbytes();
      }
    }
    if (const auto* cs = dynamic_cast<const CopySlices*>(&node)) {
      for (const SavedTensor& s : cs->fn().saved_tensors()) total_saved += s.nbytes();
    }
    for (const Edge& e : node.next_edges())
      if (e.is_valid()) visit(*e.function, depth + 1);
  }
};

}  // namespace

std::string format_graph(const Tensor& root) {
  TG_CHECK(root.defined(), "print_graph: the tensor is undefined");
  std::string head = fmt::format("tensor {} {}{}", root.dtype(), root.sizes(),
                                 root.name().empty() ? "" : fmt::format(" '{}'", root.name()));
  if (!root.grad_fn()) {
    return head + (root.requires_grad() ? " (a leaf that requires grad: no tape behind it)\n" : " (no tape: does not require grad)\n");
  }
  Printer p;
  p.visit(*root.grad_fn(), 1);
  return fmt::format("{}\n{}{} nodes, {} saved for backward\n", head, p.out, p.ids.size(), human_bytes(p.total_saved));
}

void print_graph(const Tensor& root) { print_graph(root, std::cout); }
void print_graph(const Tensor& root, std::ostream& os) { os << format_graph(root); }

std::string to_dot(const Tensor& root) {
  TG_CHECK(root.defined(), "to_dot: the tensor is undefined");
  std::string out = "digraph tape {\n  rankdir=BT;\n  node [shape=box, fontname=\"monospace\"];\n";
  out += fmt::format("  root [label=\"output\\n{} {}\", shape=ellipse];\n", root.dtype(), root.sizes());
  if (!root.grad_fn()) return out + "}\n";
  std::unordered_map<const Node*, int> ids;
  std::vector<const Node*> stack{root.grad_fn().get()};
  ids[root.grad_fn().get()] = 0;
  out += "  n0 -> root;\n";
  while (!stack.empty()) {
    const Node* n = stack.back();
    stack.pop_back();
    const int id = ids[n];
    std::string label = describe(*n);
    for (char& c : label)
      if (c == '"') c = '\'';
    if (n->saved_bytes() > 0) label += "\\nsaved " + human_bytes(n->saved_bytes());
    out += fmt::format("  n{} [label=\"{}\"];\n", id, label);
    for (const Edge& e : n->next_edges()) {
      if (!e.is_valid()) continue;
      auto [it, fresh] = ids.emplace(e.function.get(), static_cast<int>(ids.size()));
      if (fresh) stack.push_back(e.function.get());
      out += fmt::format("  n{} -> n{};\n", it->second, id);
    }
  }
  return out + "}\n";
}

}  // namespace tg::autograd
