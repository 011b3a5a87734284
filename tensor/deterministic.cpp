// The deterministic-algorithms switches and the alert the nondeterministic kernels raise.
#include "tapegrad/deterministic.h"

#include <fmt/format.h>

#include <atomic>
#include <cstdio>
#include <mutex>

#include "tapegrad/tensor/error.h"
#include "tensor/thread_state.h"

namespace tg {

namespace {
std::atomic<bool> deterministic{false}, warn_only_mode{false}, cudnn_det{false};
std::mutex handler_mu;
std::function<void(const std::string&)>& handler() {
  static auto* h = new std::function<void(const std::string&)>();
  return *h;
}
}  // namespace

void use_deterministic_algorithms(bool mode, bool warn_only) {
  warn_only_mode.store(mode && warn_only, std::memory_order_relaxed);
  deterministic.store(mode, std::memory_order_relaxed);
}
bool are_deterministic_algorithms_enabled() { return deterministic.load(std::memory_order_relaxed); }
bool is_deterministic_algorithms_warn_only_enabled() { return warn_only_mode.load(std::memory_order_relaxed); }

namespace cuda {
void set_cudnn_deterministic(bool d) { cudnn_det.store(d, std::memory_order_relaxed); }
bool cudnn_deterministic() { return cudnn_det.load(std::memory_order_relaxed); }
}  // namespace cuda

namespace detail {

void set_warning_handler(std::function<void(const std::string&)> h) {
  std::lock_guard<std::mutex> lock(handler_mu);
  handler() = std::move(h);
}

void alert_not_deterministic(const char* kernel) {
  if (!deterministic.load(std::memory_order_relaxed)) [[likely]]
    return;
  const std::string in = tls.api_depth > 0 && tls.api_op ? fmt::format(" (called by {})", tls.api_op) : "";
  const std::string msg = fmt::format(
      "{}{}: the CUDA kernel adds with atomics, in an order that can change from run to run, so it has no "
      "deterministic implementation, but use_deterministic_algorithms(true) is set; pass warn_only=true to be "
      "warned instead",
      kernel, in);
  TG_CHECK(warn_only_mode.load(std::memory_order_relaxed), "{}", msg);
  std::function<void(const std::string&)> h;
  {
    std::lock_guard<std::mutex> lock(handler_mu);
    h = handler();
  }
  if (h)
    h(msg);
  else
    std::fprintf(stderr, "tapegrad warning: %s\n", msg.c_str());
}

}  // namespace detail
}  // namespace tg
