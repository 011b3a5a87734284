#pragma once
// The tape as text: an indented tree of nodes (op, output shape and dtype, saved tensors with
// their versions and bytes, total bytes kept for backward), or a Graphviz graph.
#include <iosfwd>
#include <string>

#include "tapegrad/tensor/tensor.h"

namespace tg::autograd {

std::string format_graph(const Tensor& root);
void print_graph(const Tensor& root);
void print_graph(const Tensor& root, std::ostream& os);
std::string to_dot(const Tensor& root);

}  // namespace tg::autograd
