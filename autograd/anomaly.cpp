// Grad mode, anomaly mode, and the value summaries anomaly reports print.
#include "tapegrad/autograd/anomaly.h"

#include <atomic>
#include <cmath>
#include <limits>

#include "autograd/internal_nodes.h"
#include "autograd/record.h"
#include "tapegrad/autograd/grad_mode.h"
#include "tensor/ops/common.h"

namespace tg {

bool GradMode::is_enabled() { return detail::tls.grad_enabled; }
void GradMode::set_enabled(bool enabled) { detail::tls.grad_enabled = enabled; }

InferenceMode::InferenceMode(bool enabled)
    : prev_grad_(detail::tls.grad_enabled), prev_inference_(detail::tls.inference_mode) {
  detail::tls.inference_mode = enabled;
  if (enabled) detail::tls.grad_enabled = false;
}
InferenceMode::~InferenceMode() {
  detail::tls.grad_enabled = prev_grad_;
  detail::tls.inference_mode = prev_inference_;
}
bool InferenceMode::is_enabled() { return detail::tls.inference_mode; }
void InferenceMode::set_enabled(bool enabled) { detail::tls.inference_mode = enabled; }

namespace autograd {

bool AnomalyMode::is_enabled() { return detail::tls.anomaly_enabled; }
bool AnomalyMode::checks_forward() { return detail::tls.anomaly_check_forward; }
void AnomalyMode::set_enabled(bool enabled, bool check_forward) {
  detail::tls.anomaly_enabled = enabled;
  detail::tls.anomaly_check_forward = check_forward;
}

DetectAnomalyGuard::DetectAnomalyGuard(bool check_forward)
    : prev_enabled_(AnomalyMode::is_enabled()), prev_forward_(AnomalyMode::checks_forward()) {
  AnomalyMode::set_enabled(true, check_forward);
}
DetectAnomalyGuard::~DetectAnomalyGuard() { AnomalyMode::set_enabled(prev_enabled_, prev_forward_); }

ValueSummary summarize(const Tensor& t) {
  ValueSummary s;
  if (!t.defined() || !t.is_floating_point() || t.numel() == 0) return s;
  s.floating = true;
  Tensor d = ops::contiguous(ops::cast(t.is_cpu() ? t : ops::to_device(t, Device::cpu()), kFloat64));
  const double* p = d.data_ptr<double>();
  s.min = std::numeric_limits<double>::infinity();
  s.max = -s.min;
  for (int64_t i = 0; i < d.numel(); ++i) {
    const double v = p[i];
    if (std::isnan(v)) {
      ++s.nan;
    } else {
      if (std::isinf(v)) ++s.inf;
      s.min = std::min(s.min, v);
      s.max = std::max(s.max, v);
    }
  }
  s.all_finite = s.nan == 0 && s.inf == 0;
  return s;
}

std::string ValueSummary::str() const {
  if (!floating) return "(not floating-point)";
  std::string r = min <= max ? fmt::format("min {:.6g}, max {:.6g}", min, max) : "no non-NaN values";
  if (nan) r += fmt::format(", {} NaN", nan);
  if (inf) r += fmt::format(", {} Inf", inf);
  return r;
}

namespace {
std::atomic<CallSiteProvider> call_site_provider{nullptr};

std::unique_ptr<CreationSite> current_site(const Node& node) {
  auto site = std::make_unique<CreationSite>();
  const detail::ThreadState& s = detail::tls;
  site->op = s.api_op ? s.api_op : node.name();
  if (CallSiteProvider provider = call_site_provider.load(std::memory_order_acquire);
      provider && provider(site->file, site->line, site->function))
    return site;
  site->file = s.api_loc.file_name();
  site->line = s.api_loc.line();
  site->function = s.api_loc.function_name();
  return site;
}

template <class Range>
void note_inputs(Node& node, const Range& inputs) {
  auto site = current_site(node);
  int i = 0;
  for (const Tensor* t : inputs) {
    if (!t->defined()) continue;
    ValueSummary v = summarize(*t);
    if (!v.all_finite) site->inputs_finite = false;
    site->input_ranges += fmt::format("{}  input {}: {} {} {}", i ? "\n" : "", i, t->dtype(), t->sizes(), v.str());
    ++i;
  }
  node.set_creation_site(std::move(site));
}
}  // namespace

void set_call_site_provider(CallSiteProvider provider) { call_site_provider.store(provider, std::memory_order_release); }

void anomaly_note_inputs(Node& node, std::initializer_list<const Tensor*> inputs) { note_inputs(node, inputs); }

void anomaly_note_inputs(Node& node, const tensor_list& inputs) {
  std::vector<const Tensor*> ptrs;
  for (const Tensor& t : inputs) ptrs.push_back(&t);
  note_inputs(node, ptrs);
}

void anomaly_check_forward(Node& node, const Tensor& out) {
  if (!node.creation_site()) node.set_creation_site(current_site(node));
  if (!detail::tls.anomaly_check_forward || !out.is_floating_point()) return;
  const CreationSite* site = node.creation_site();
  if (!site->inputs_finite) return;  // passed on, not created here
  ValueSummary v = summarize(out);
  if (v.all_finite) return;
  throw AnomalyError(
      fmt::format("anomaly detected in forward: op '{}' ({}) produced {} NaN and {} Inf values from finite inputs\n"
                  "  called at {}\n{}\n  output: {} {} {}",
                  site->op, node.name(), v.nan, v.inf, site->str(), site->input_ranges, out.dtype(), out.sizes(),
                  v.str()),
      site->op, site->str());
}

}  // namespace autograd
}  // namespace tg
