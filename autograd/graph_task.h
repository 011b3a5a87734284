#pragma once
// One run of backward over the tape: dependency counts, a ready queue ordered by recency,
// gradient buffers per node, and optional capture points for autograd::grad. backward(),
// grad() and BackwardStepper all drive it; step() runs exactly one node.
#include <memory>
#include <queue>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "tapegrad/autograd/node.h"
#include "tapegrad/autograd/stepper.h"

namespace tg::autograd {

class GraphTask {
 public:
  GraphTask(bool retain_graph, bool create_graph);

  // Seeds `grad` as the gradient arriving at `edge`.
  void add_root(const Edge& edge, Tensor grad);
  // Gradients arriving at these edges are captured (autograd::grad); with `run_accumulators`
  // false, leaf accumulators are not run. Call before prepare().
  void set_captures(std::vector<Edge> captures, bool run_accumulators);
  // Counts dependencies (and, with captures, which nodes lead to them).
  void prepare();

  bool done() const { return ready_.empty(); }
  std::shared_ptr<Node> peek() const { return ready_.empty() ? nullptr : ready_.top().node; }
  tensor_list pending(const Node* node) const;
  // Runs the next node. With keep_gradients, the step also returns copies of the gradients
  // in and out (for the stepper); plain backward skips that, so that a leaf's accumulator can
  // take the incoming gradient without copying it.
  BackwardStepper::Step step(bool keep_gradients = true);
  void run() {
    while (!done()) step(false);
  }
  const tensor_list& captured() const { return captured_; }
  uint64_t id() const { return id_; }
  // Whether this run will run `n` (after prepare()).
  bool will_run(const Node* n) const { return deps_.count(n) && executes(n); }

 private:
  struct Ready {
    uint64_t seq;
    std::shared_ptr<Node> node;
    bool operator<(const Ready& o) const { return seq < o.seq; }
  };
  void add_gradient(const Edge& edge, const Tensor& grad);
  bool executes(const Node* n) const { return !filtering_ || needed_.count(n) || targets_.count(n); }

  uint64_t id_;
  bool retain_graph_, create_graph_;
  bool filtering_ = false;
  bool run_accumulators_ = true;
  std::vector<std::pair<Edge, Tensor>> roots_;
  std::unordered_map<const Node*, int> deps_;
  std::unordered_map<const Node*, tensor_list> buffers_;
  std::priority_queue<Ready> ready_;
  std::unordered_set<const Node*> needed_;   // nodes that lead to a capture target
  std::unordered_set<const Node*> targets_;  // nodes whose incoming gradient is captured
  std::vector<Edge> captures_;
  tensor_list captured_;
};

}  // namespace tg::autograd
