// ctc_loss: the forward (alpha) recursion over the extended targets (blanks between and around
// the labels), in log space, batched over sequences and target positions: T steps of tensor ops
// whose backward autograd derives (the beta recursion, in effect), on any device.
#include "tapegrad/nn/functional/ctc_loss.h"

#include <limits>
#include <vector>

#include "nn/functional/loss_reduction.h"
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

  // The extended targets [N, L]: blank, l1, blank, l2, ..., blank; which states may skip the
  // one before (a label unlike the label two back); which states may start.
  const int64_t width = 2 * longest + 1;
  std::vector<int64_t> ext(static_cast<size_t>(n * width), o.blank);
  std::vector<uint8_t> skip(ext.size(), 0), start(ext.size(), 0);
  for (int64_t i = 0, offset = 0; i < n; ++i) {
    const int64_t tl = tgt_len[static_cast<size_t>(i)];
    const int64_t base = padded ? i * targets.sizes()[1] : offset;
    auto at = [&](int64_t s) { return static_cast<size_t>(i * width + s); };
    for (int64_t k = 0; k < tl; ++k) {
      const int64_t label = flat[static_cast<size_t>(base + k)];
      TG_CHECK_VALUE(label >= 0 && label < classes, "ctc_loss: target {} of sequence {} is not a class in [0, {})", label,
                     i, classes);
      ext[at(2 * k + 1)] = label;
    }
    for (int64_t s = 2; s < width; ++s) skip[at(s)] = ext[at(s)] != o.blank && ext[at(s)] != ext[at(s - 2)];
    start[at(0)] = 1;
    if (tl > 0) start[at(1)] = 1;
    offset += tl;
  }
  const Device dev = log_probs.device();
  const Tensor ext_t = tensor(ext, TensorOptions(kInt64)).view({n, width}).to(dev);
  const Tensor skip_t = tensor(std::vector<bool>(skip.begin(), skip.end()), TensorOptions(kBool)).view({n, width}).to(dev);
  const Tensor start_t = tensor(std::vector<bool>(start.begin(), start.end()), TensorOptions(kBool)).view({n, width}).to(dev);
  // Each state's log-probability at every step: [T, N, L].
  const Tensor emit = log_probs.gather(2, ext_t.unsqueeze(0).expand({steps, n, width}));
  const Tensor lengths_t = tensor(in_len, TensorOptions(kInt64)).to(dev);

  auto shifted = [&](const Tensor& a, int64_t by) {
    if (width <= by) return full({n, width}, kNegInf, a.options());
    return cat({full({n, by}, kNegInf, a.options()), a.narrow(1, 0, width - by)}, 1);
  };
  const int64_t max_len = *std::max_element(in_len.begin(), in_len.end());
  Tensor alpha = where(start_t, emit[0], kNegInf);
  for (int64_t t = 1; t < max_len; ++t) {
    Tensor next = log_add({alpha, shifted(alpha, 1), where(skip_t, shifted(alpha, 2), kNegInf)}) + emit[t];
    // Sequences already ended keep their last step's alphas.
    alpha = where(gt(lengths_t, t).unsqueeze(1), next, alpha);
  }
  // The likelihood ends in the last label or the blank after it.
  std::vector<int64_t> last(static_cast<size_t>(n)), before(static_cast<size_t>(n));
  std::vector<bool> empty_input(static_cast<size_t>(n)), has_label(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    const int64_t tl = tgt_len[static_cast<size_t>(i)];
    last[static_cast<size_t>(i)] = 2 * tl;
    before[static_cast<size_t>(i)] = std::max<int64_t>(2 * tl - 1, 0);
    has_label[static_cast<size_t>(i)] = tl > 0;
    empty_input[static_cast<size_t>(i)] = in_len[static_cast<size_t>(i)] == 0;
  }
  auto column = [&](const std::vector<int64_t>& idx) {
    return alpha.gather(1, tensor(idx, TensorOptions(kInt64)).view({n, 1}).to(dev)).squeeze(1);
  };
  const Tensor has_label_t = tensor(has_label, TensorOptions(kBool)).to(dev);
  Tensor log_likelihood = log_add({column(last), where(has_label_t, column(before), kNegInf)});
  // No input steps: only the empty target is possible, with likelihood 1.
  const Tensor empty_t = tensor(empty_input, TensorOptions(kBool)).to(dev);
  log_likelihood = where(empty_t, where(has_label_t, kNegInf, 0.0), log_likelihood);
  Tensor loss = -log_likelihood;
  if (o.zero_infinity) loss = where(isinf(loss), 0.0, loss);
  if (!batched) loss = loss.squeeze(0);
  if (o.reduction == Reduction::Mean) {
    const Tensor tl = clamp_min(tensor(tgt_len, TensorOptions(kInt64)).to(dev, loss.dtype()), 1.0);
    return (loss / (batched ? tl : tl.squeeze(0))).mean();
  }
  TG_CHECK_VALUE(o.reduction != Reduction::BatchMean, "ctc_loss: reduction 'batchmean' is kl_div's only");
  return reduce_loss(loss, o.reduction);
}

}  // namespace tg::nn::functional
