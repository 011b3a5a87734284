// linear_cross_entropy: the reference path composes linear and cross_entropy; the chunked one
// runs autograd on one chunk of rows at a time inside the forward pass and keeps only the
// gradients, which backward scales by the incoming one.
#include "tapegrad/nn/functional/linear_cross_entropy.h"

#include <algorithm>

#include "autograd/record.h"
#include "tapegrad/autograd/engine.h"
#include "tapegrad/autograd/grad_mode.h"
#include "tapegrad/nn/functional/linear.h"
#include "tapegrad/tensor/ops.h"
#include "tensor/ops/common.h"

namespace tg::nn::functional {
namespace {

constexpr int64_t kChunkLogitBytes = int64_t{32} << 20;

Tensor reference(const Tensor& input, const Tensor& w, const Tensor& target, const LinearCrossEntropyOptions& o) {
  const int64_t in = w.sizes()[w.dim() - 1];
  const Tensor& b = o.linear_bias;
  Tensor logits = linear(input, w.reshape({-1, in}), b.defined() ? b.reshape({-1}) : Tensor());
  // (*batch, C * d1 * ... * dK) -> (*batch, C, d1, ..., dK)
  Shape shape;
  for (int i = 0; i + 1 < input.dim(); ++i) shape.push_back(input.sizes()[i]);
  for (int i = 0; i + 1 < w.dim(); ++i) shape.push_back(w.sizes()[i]);
  return cross_entropy(logits.reshape(shape), target, o.loss);
}

bool chunkable(const Tensor& input, const Tensor& w, const Tensor& target, const LinearCrossEntropyOptions& o) {
  return o.chunk_size != 0 && input.dim() == 2 && w.dim() == 2 && target.dim() == 1 && target.dtype() == kInt64 &&
         (!o.linear_bias.defined() || o.linear_bias.dim() == 1) &&
         (o.loss.reduction == Reduction::Mean || o.loss.reduction == Reduction::Sum);
}

// 'mean' divides by the summed class weights of the counted targets (their number without
// weights), known before any chunk runs.
Tensor mean_denominator(const Tensor& target, const CrossEntropyOptions& o, DType dtype) {
  const Tensor counted = ne(target, o.ignore_index);
  if (!o.weight.defined()) return counted.sum().to(dtype);
  return (o.weight.detach().index_select(0, where(counted, target, 0)) * counted).sum().to(dtype);
}

}  // namespace

Tensor linear_cross_entropy(const Tensor& input, const Tensor& linear_weight, const Tensor& target,
                            const LinearCrossEntropyOptions& options, SourceLoc loc) {
  detail::ApiScope scope("linear_cross_entropy", loc);
  const char* op = "linear_cross_entropy";
  ops::check_defined(op, input, "input");
  ops::check_defined(op, linear_weight, "linear_weight");
  ops::check_defined(op, target, "target");
  TG_CHECK(linear_weight.dim() >= 2, "{}: linear_weight must be (C, in_features) or (C, d1, ..., in_features), got {}",
           op, linear_weight.sizes());
  TG_CHECK(input.dim() >= 1 && input.sizes()[input.dim() - 1] == linear_weight.sizes()[linear_weight.dim() - 1],
           "{}: input {} and linear_weight {} disagree on in_features", op, input.sizes(), linear_weight.sizes());
  TG_CHECK_VALUE(options.chunk_size >= -1, "{}: chunk_size must be -1 (automatic), 0 (reference) or positive, got {}",
                 op, options.chunk_size);
  // Forward-mode AD needs a double backward, which the chunked path has not.
  if (!chunkable(input, linear_weight, target, options) ||
      autograd::any_tangent(input, linear_weight, options.linear_bias))
    return reference(input, linear_weight, target, options);

  const Tensor& bias = options.linear_bias;
  const int64_t n = input.sizes()[0], classes = linear_weight.sizes()[0];
  TG_CHECK(target.sizes()[0] == n, "{}: target {} must have one class index per input row {}", op, target.sizes(),
           input.sizes());
  const int64_t chunk =
      options.chunk_size > 0
          ? options.chunk_size
          : std::max<int64_t>(1, kChunkLogitBytes / std::max<int64_t>(1, classes * itemsize(input.dtype())));
  const bool record = autograd::needs_grad(input, linear_weight, bias);
  CrossEntropyOptions per_chunk = options.loss;
  per_chunk.reduction = Reduction::Sum;

  // Leaves of the per-chunk graphs: the parameters once, the input a slice at a time.
  const Tensor w = linear_weight.detach().requires_grad_(record && linear_weight.requires_grad());
  const Tensor b = bias.defined() ? bias.detach().requires_grad_(record && bias.requires_grad()) : Tensor();
  Tensor total = zeros({}, input.options());
  Tensor grad_input = record && input.requires_grad() ? zeros_like(input) : Tensor();
  Tensor grad_weight = w.requires_grad() ? zeros_like(w) : Tensor();
  Tensor grad_bias = b.defined() && b.requires_grad() ? zeros_like(b) : Tensor();
  for (int64_t start = 0; start < n; start += chunk) {
    const int64_t rows = std::min(chunk, n - start);
    const Tensor x = input.narrow(0, start, rows).detach().requires_grad_(grad_input.defined());
    AutoGradMode mode(record);
    const Tensor loss = cross_entropy(linear(x, w, b), target.narrow(0, start, rows), per_chunk);
    if (record) {
      tensor_list leaves, grads;
      for (const Tensor* t : {&x, &w, &b})
        if (t->defined() && t->requires_grad()) leaves.push_back(*t);
      grads = autograd::grad({loss}, leaves);
      size_t k = 0;
      if (grad_input.defined()) grad_input.narrow(0, start, rows).copy_(grads[k++]);
      if (grad_weight.defined()) grad_weight.add_(grads[k++]);
      if (grad_bias.defined()) grad_bias.add_(grads[k++]);
    }
    total.add_(loss.detach());
  }
  Tensor out = total;
  if (options.loss.reduction == Reduction::Mean) {
    const Tensor denominator = mean_denominator(target, options.loss, input.dtype());
    out = total / denominator;
    for (Tensor* g : {&grad_input, &grad_weight, &grad_bias})
      if (g->defined()) g->div_(denominator);
  }
  if (record) {
    auto node = autograd::make_node(
        "LinearCrossEntropyBackward", {&input, &linear_weight, &bias},
        [](const autograd::Node& self, const tensor_list& g) -> tensor_list {
          TG_CHECK(!GradMode::is_enabled(),
                   "linear_cross_entropy: the chunked path has no double backward (its gradients are computed in the "
                   "forward pass); use chunk_size 0 (options=None in Python) for the reference path");
          tensor_list r(3);
          for (size_t i = 0; i < 3; ++i)
            if (self.needs_input_grad(i)) r[i] = self.saved(i) * g[0];  // saved exactly for these
          return r;
        });
    node->save(grad_input);
    node->save(grad_weight);
    node->save(grad_bias);
    autograd::set_history(out, node);
  }
  return out;
}

}  // namespace tg::nn::functional
