// ctc_loss: the forward (alpha) recursion over the extended targets (blanks between and around
// the labels), in log space. float32 / float64 run the fused kernels (alpha forward, the beta
// recursion and the gradient backward); other dtypes, and the backward under create_graph, run
// the recursion as T steps of batched tensor ops, which autograd differentiates to any order.
#include "tapegrad/nn/functional/ctc_loss.h"

#include <algorithm>
#include <limits>
#include <unordered_map>
#include <vector>

#include "autograd/record.h"
#include "kernels/kernels.h"
#include "nn/functional/loss_reduction.h"
#include "tapegrad/autograd/engine.h"
#include "tapegrad/autograd/grad_mode.h"
#include "tapegrad/tensor/factories.h"
#include "tapegrad/tensor/ops.h"
#include "tensor/ops/common.h"

namespace tg::nn::functional {

namespace {

constexpr double kNegInf = -std::numeric_limits<double>::infinity();

// log(sum(exp(x))) over the operands. Where all are -inf (an unreachable state) the result is
// -inf with a zero gradient; the plain formula's gradient would be NaN there.
Tensor log_add(const tensor_list& xs) {
  Tensor m = xs[0].detach();
  for (size_t i = 1; i < xs.size(); ++i) m = maximum(m, xs[i].detach());
  const Tensor dead = eq(m, kNegInf);
  const Tensor shift = where(dead, 0.0, m);
  Tensor sum = exp(xs[0] - shift);
  for (size_t i = 1; i < xs.size(); ++i) sum = sum + exp(xs[i] - shift);
  return where(dead, kNegInf, log(where(dead, 1.0, sum)) + shift);
}

// One int64 per sequence, on the host.
std::vector<int64_t> lengths(const char* what, const Tensor& t, int64_t n) {
  TG_CHECK(t.defined() && t.dim() <= 1 && t.numel() == n, "ctc_loss: expected {} with {} entries (one per sequence), got {}",
           what, n, t.defined() ? t.sizes() : Shape{});
  TG_CHECK_TYPE(!is_floating_point(t.dtype()) && t.dtype() != kBool, "ctc_loss: {} must be integers, got {}", what,
                t.dtype());
  return t.reshape({-1}).to(Device::cpu(), kInt64).to_vector<int64_t>();
}

// The extended targets [N, width] (blank, l1, blank, l2, ..., blank, then blanks to the width)
// with the lengths: what both paths start from.
struct Extended {
  int64_t blank = 0, n = 0, width = 0;
  std::vector<int64_t> labels, input_lengths, target_lengths;
};

// `row` is the padded targets' row length, or -1 for concatenated targets.
Extended extend(int64_t blank, int64_t n, int64_t longest, const std::vector<int64_t>& in_len,
                const std::vector<int64_t>& tgt_len, const std::vector<int64_t>& flat, int64_t row, int64_t classes) {
  Extended e{blank, n, 2 * longest + 1, {}, in_len, tgt_len};
  e.labels.assign(static_cast<size_t>(n * e.width), blank);
  for (int64_t i = 0, offset = 0; i < n; ++i) {
    const int64_t tl = tgt_len[static_cast<size_t>(i)];
    const int64_t base = row >= 0 ? i * row : offset;
    for (int64_t k = 0; k < tl; ++k) {
      const int64_t label = flat[static_cast<size_t>(base + k)];
      TG_CHECK_VALUE(label >= 0 && label < classes, "ctc_loss: target {} of sequence {} is not a class in [0, {})",
                     label, i, classes);
      e.labels[static_cast<size_t>(i * e.width + 2 * k + 1)] = label;
    }
    offset += tl;
  }
  return e;
}

// -log p(target | input) per sequence [N] as tensor ops on log_probs [T, N, C].
Tensor nll_composed(const Tensor& log_probs, const Extended& e) {
  const int64_t steps = log_probs.sizes()[0], n = e.n, width = e.width;
  if (n == 0) return empty({0}, log_probs.options());
  // Which states may skip the one before (a label unlike the label two back); which may start.
  std::vector<bool> skip(e.labels.size(), false), start(e.labels.size(), false);
  for (int64_t i = 0; i < n; ++i) {
    auto at = [&](int64_t s) { return static_cast<size_t>(i * width + s); };
    for (int64_t s = 2; s < width; ++s)
      skip[at(s)] = e.labels[at(s)] != e.blank && e.labels[at(s)] != e.labels[at(s - 2)];
    start[at(0)] = true;
    if (e.target_lengths[static_cast<size_t>(i)] > 0) start[at(1)] = true;
  }
  const Device dev = log_probs.device();
  const Tensor ext_t = tensor(e.labels, TensorOptions(kInt64)).view({n, width}).to(dev);
  const Tensor skip_t = tensor(skip, TensorOptions(kBool)).view({n, width}).to(dev);
  const Tensor start_t = tensor(start, TensorOptions(kBool)).view({n, width}).to(dev);
  const Tensor lengths_t = tensor(e.input_lengths, TensorOptions(kInt64)).to(dev);
  const int64_t max_len = *std::max_element(e.input_lengths.begin(), e.input_lengths.end());
  // Each state's log-probability at every step: [T, N, L].
  const Tensor emit = log_probs.gather(2, ext_t.unsqueeze(0).expand({steps, n, width}));

  auto shifted = [&](const Tensor& a, int64_t by) {
    if (width <= by) return full({n, width}, kNegInf, a.options());
    return cat({full({n, by}, kNegInf, a.options()), a.narrow(1, 0, width - by)}, 1);
  };
  Tensor alpha = steps > 0 ? where(start_t, emit[0], kNegInf) : full({n, width}, kNegInf, log_probs.options());
  for (int64_t t = 1; t < max_len; ++t) {
    Tensor next = log_add({alpha, shifted(alpha, 1), where(skip_t, shifted(alpha, 2), kNegInf)}) + emit[t];
    // Sequences already ended keep their last step's alphas.
    alpha = where(gt(lengths_t, t).unsqueeze(1), next, alpha);
  }
  // The likelihood ends in the last label or the blank after it.
  std::vector<int64_t> last(static_cast<size_t>(n)), before(static_cast<size_t>(n));
  std::vector<bool> empty_input(static_cast<size_t>(n)), has_label(static_cast<size_t>(n));
  for (size_t i = 0; i < static_cast<size_t>(n); ++i) {
    const int64_t tl = e.target_lengths[i];
    last[i] = 2 * tl;
    before[i] = std::max<int64_t>(2 * tl - 1, 0);
    has_label[i] = tl > 0;
    empty_input[i] = e.input_lengths[i] == 0;
  }
  auto column = [&](const std::vector<int64_t>& idx) {
    return alpha.gather(1, tensor(idx, TensorOptions(kInt64)).view({n, 1}).to(dev)).squeeze(1);
  };
  const Tensor has_label_t = tensor(has_label, TensorOptions(kBool)).to(dev);
  const Tensor log_likelihood = log_add({column(last), where(has_label_t, column(before), kNegInf)});
  // No input steps: only the empty target is possible, with likelihood 1.
  const Tensor empty_t = tensor(empty_input, TensorOptions(kBool)).to(dev);
  return -where(empty_t, where(has_label_t, kNegInf, 0.0), log_likelihood);
}

// The same on the fused kernels, float32 / float64: alpha [N, T, width] and the loss forward;
// backward, the beta recursion and the gradient in one pass, or under create_graph the composed
// recursion's gradient, recorded.
Tensor nll_fused(const Tensor& log_probs, const Extended& e) {
  const int64_t steps = log_probs.sizes()[0], n = e.n, width = e.width, classes = log_probs.sizes()[2];
  // One int64 buffer for the device: the labels, next_same and first_same ([N, width] each), then
  // the input and target lengths.
  const size_t states = e.labels.size();
  std::vector<int64_t> meta(3 * states + 2 * static_cast<size_t>(n), -1);
  std::copy(e.labels.begin(), e.labels.end(), meta.begin());
  std::unordered_map<int64_t, int64_t> later;  // label -> its next state, walking backwards
  for (int64_t i = 0; i < n; ++i) {
    later.clear();
    const size_t row = static_cast<size_t>(i * width);
    for (int64_t s = 2 * e.target_lengths[static_cast<size_t>(i)]; s >= 0; --s) {
      const int64_t label = e.labels[row + static_cast<size_t>(s)];
      auto [it, fresh] = later.try_emplace(label, s);
      meta[states + row + static_cast<size_t>(s)] = fresh ? -1 : it->second;
      it->second = s;
    }
    for (int64_t s = 0; s < width; ++s) meta[2 * states + row + static_cast<size_t>(s)] = 0;
    for (const auto& [label, first] : later) meta[2 * states + row + static_cast<size_t>(first)] = 1;
  }
  std::copy(e.input_lengths.begin(), e.input_lengths.end(), meta.begin() + static_cast<std::ptrdiff_t>(3 * states));
  std::copy(e.target_lengths.begin(), e.target_lengths.end(),
            meta.begin() + static_cast<std::ptrdiff_t>(3 * states) + n);
  const Device dev = log_probs.device();
  const Tensor meta_t = tensor(meta, TensorOptions(kInt64)).to(dev);
  const int64_t* m = meta_t.data_ptr<int64_t>();
  const auto st = static_cast<int64_t>(states);
  const kernels::CtcGeometry g{steps, n, classes, width, e.blank, m, m + st, m + 2 * st, m + 3 * st, m + 3 * st + n};
  const Tensor lp = ops::contiguous(log_probs);
  Tensor alpha = ops::empty({n, steps, width}, lp.dtype(), dev), nll = ops::empty({n}, lp.dtype(), dev);
  kernels::backend(dev, "ctc_loss").ctc_loss(lp.dtype(), g, lp.data_ptr(), alpha.data_ptr(), nll.data_ptr());
  if (!autograd::needs_grad(log_probs)) return nll;
  auto node = autograd::make_node(
      "CtcLossBackward", {&log_probs}, [g, e, meta_t](const autograd::Node& nd, const tensor_list& gr) -> tensor_list {
        if (GradMode::is_enabled()) {
          const Tensor x = nd.saved(0).requires_grad() ? nd.saved(0) : nd.saved(0).detach().requires_grad_();
          return autograd::grad({nll_composed(x, e)}, {x}, {gr[0]}, true, true);
        }
        const Tensor x = ops::contiguous(nd.saved(0)), go = ops::contiguous(gr[0]);
        Tensor grad = ops::empty(x.sizes(), x.dtype(), x.device());
        Tensor beta = ops::empty({g.batch, 2, g.width}, x.dtype(), x.device());
        kernels::backend(x.device(), "ctc_loss_backward")
            .ctc_loss_backward(x.dtype(), g, x.data_ptr(), nd.saved(1).data_ptr(), nd.saved(2).data_ptr(),
                               go.data_ptr(), beta.data_ptr(), grad.data_ptr());
        return {grad};
      });
  autograd::set_history_before_saves({nll}, node);
  node->save(log_probs);
  node->save(alpha);
  node->save(nll, /*is_output=*/true);
  autograd::finish_history({nll}, node);
  return nll;
}

}  // namespace

Tensor ctc_loss(const Tensor& log_probs_in, const Tensor& targets_in, const Tensor& input_lengths,
                const Tensor& target_lengths, const CTCLossOptions& o, SourceLoc loc) {
  detail::ApiScope scope("ctc_loss", loc);
  TG_CHECK(log_probs_in.defined() && (log_probs_in.dim() == 3 || log_probs_in.dim() == 2),
           "ctc_loss: expected log_probs [T, N, C] (or unbatched [T, C]), got {}",
           log_probs_in.defined() ? log_probs_in.sizes() : Shape{});
  TG_CHECK_TYPE(is_floating_point(log_probs_in.dtype()), "ctc_loss: log_probs must be floating point, got {}",
                log_probs_in.dtype());
  TG_CHECK(targets_in.defined(), "ctc_loss: targets are undefined");
  const bool batched = log_probs_in.dim() == 3;
  const Tensor log_probs = batched ? log_probs_in : log_probs_in.unsqueeze(1);
  const int64_t steps = log_probs.sizes()[0], n = log_probs.sizes()[1], classes = log_probs.sizes()[2];
  TG_CHECK_VALUE(o.blank >= 0 && o.blank < classes, "ctc_loss: blank {} must be a class index in [0, {})", o.blank,
                 classes);
  const std::vector<int64_t> in_len = lengths("input_lengths", input_lengths, n);
  const std::vector<int64_t> tgt_len = lengths("target_lengths", target_lengths, n);
  TG_CHECK_TYPE(!is_floating_point(targets_in.dtype()) && targets_in.dtype() != kBool,
                "ctc_loss: targets must be integers, got {}", targets_in.dtype());
  const Tensor targets = batched || targets_in.dim() != 1 ? targets_in : targets_in.unsqueeze(0);
  const bool padded = targets.dim() == 2;
  TG_CHECK(padded || targets.dim() == 1, "ctc_loss: targets must be [N, S] or 1-D concatenated, got {}",
           targets.sizes());
  TG_CHECK(!padded || targets.sizes()[0] == n, "ctc_loss: targets {} must have one row per sequence ({})",
           targets.sizes(), n);
  const std::vector<int64_t> flat = targets.reshape({-1}).to(Device::cpu(), kInt64).to_vector<int64_t>();
  int64_t longest = 0, total = 0;
  for (int64_t i = 0; i < n; ++i) {
    const int64_t il = in_len[static_cast<size_t>(i)], tl = tgt_len[static_cast<size_t>(i)];
    TG_CHECK_VALUE(il >= 0 && il <= steps, "ctc_loss: input length {} of sequence {} is outside [0, {}]", il, i, steps);
    TG_CHECK_VALUE(tl >= 0 && (!padded || tl <= targets.sizes()[1]),
                   "ctc_loss: target length {} of sequence {} is outside [0, {}]", tl, i,
                   padded ? targets.sizes()[1] : static_cast<int64_t>(flat.size()));
    longest = std::max(longest, tl);
    total += tl;
  }
  TG_CHECK(padded || total <= static_cast<int64_t>(flat.size()),
           "ctc_loss: the concatenated targets hold {} labels but the target lengths add up to {}", flat.size(), total);

  const Extended ext = extend(o.blank, n, longest, in_len, tgt_len, flat, padded ? targets.sizes()[1] : -1, classes);
  const bool fused = log_probs.dtype() == kFloat32 || log_probs.dtype() == kFloat64;
  Tensor loss = fused ? nll_fused(log_probs, ext) : nll_composed(log_probs, ext);
  if (o.zero_infinity) loss = where(isinf(loss), 0.0, loss);
  if (!batched) loss = loss.squeeze(0);
  if (o.reduction == Reduction::Mean) {
    const Tensor tl = clamp_min(tensor(tgt_len, TensorOptions(kInt64)).to(loss.device(), loss.dtype()), 1.0);
    return (loss / (batched ? tl : tl.squeeze(0))).mean();
  }
  TG_CHECK_VALUE(o.reduction != Reduction::BatchMean, "ctc_loss: reduction 'batchmean' is kl_div's only");
  return reduce_loss(loss, o.reduction);
}

}  // namespace tg::nn::functional
