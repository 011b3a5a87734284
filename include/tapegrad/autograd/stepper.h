#pragma once
// Backward one node at a time: see which node runs next, the gradients flowing into it and out
// of it, and stop or continue when you like.
#include <memory>

#include "tapegrad/autograd/node.h"

namespace tg::autograd {

class GraphTask;

class BackwardStepper {
 public:
  // Prepares root.backward(gradient, retain_graph, create_graph) without running any node.
  explicit BackwardStepper(const Tensor& root, const Tensor& gradient = {}, bool retain_graph = false,
                           bool create_graph = false);
  ~BackwardStepper();
  BackwardStepper(const BackwardStepper&) = delete;
  BackwardStepper& operator=(const BackwardStepper&) = delete;

  struct Step {
    std::shared_ptr<Node> node;
    tensor_list incoming;  // gradients of the node's outputs, after tensor hooks
    tensor_list outgoing;  // gradients it produced for its inputs (one per next edge)
  };

  bool done() const;
  // The node the next step() runs, and the gradients waiting for it.
  std::shared_ptr<Node> next_node() const;
  tensor_list next_incoming() const;
  // Runs the next node and returns what flowed through it.
  Step step();
  // Runs the remaining nodes.
  void run_to_end();
  size_t steps_taken() const { return steps_; }

 private:
  std::unique_ptr<GraphTask> task_;
  size_t steps_ = 0;
};

}  // namespace tg::autograd
