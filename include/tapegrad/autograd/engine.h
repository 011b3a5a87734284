#pragma once
// Running the tape backwards.
#include <cstdint>
#include <optional>

#include "tapegrad/autograd/node.h"
#include "tapegrad/tensor/tensor.h"

namespace tg::autograd {

// Accumulates d(sum of tensors[i] * grad_tensors[i]) / d(leaf) into each leaf's grad(). A
// one-element tensor may omit its gradient (1 is used). With `inputs`, only those get gradients.
// retain_graph defaults to create_graph; create_graph records the backward itself, for higher
// derivatives.
void backward(const tensor_list& tensors, const tensor_list& grad_tensors = {},
              std::optional<bool> retain_graph = std::nullopt, bool create_graph = false,
              const tensor_list& inputs = {});

// Returns d(sum of outputs[i] * grad_outputs[i]) / d(inputs[j]) without touching grad().
// allow_unused: an input that the outputs do not depend on gives an undefined tensor instead of
// an error.
tensor_list grad(const tensor_list& outputs, const tensor_list& inputs, const tensor_list& grad_outputs = {},
                 std::optional<bool> retain_graph = std::nullopt, bool create_graph = false,
                 bool allow_unused = false);

// A tensor's place on the tape: the node its gradient goes into (its grad_fn, or a leaf's
// gradient accumulator) and which of that node's outputs it is. An edge keeps pointing there after
// an in-place op gives the tensor a new grad_fn, so grad() on it asks for the gradient of the
// tensor as it was when the edge was taken. Raises for a tensor that does not require grad.
Edge get_gradient_edge(const Tensor& t);

// grad() between edges (get_gradient_edge): d(sum of outputs[i] * grad_outputs[i]) / d(inputs[j]),
// every output's gradient given (checked against the shape the node recorded).
tensor_list grad(const std::vector<Edge>& outputs, const tensor_list& grad_outputs, const std::vector<Edge>& inputs,
                 std::optional<bool> retain_graph = std::nullopt, bool create_graph = false, bool allow_unused = false);

// While backward runs on this thread (in a hook, say): an id of that run (0 when none runs), and
// whether it will deliver a gradient to `t` (run t's grad_fn, or its accumulator for a leaf).
// A hook on several tensors uses them to know which gradients of the run are still to come.
uint64_t current_backward_id();
bool will_backward_reach(const Tensor& t);

}  // namespace tg::autograd
