#pragma once
// Anomaly mode: find the op that first produced a NaN or infinity, and where the user called it.
//
// While a DetectAnomalyGuard is alive, every recorded op remembers the user code that called it.
// In forward, an op whose output holds NaN/Inf although its inputs were finite raises an
// AnomalyError naming the op, the call site and the ranges of its inputs. In backward, the first
// node whose gradients turn non-finite from finite incoming gradients raises one naming that
// node and the call site of the op that created it.
#include <cstdint>
#include <string>

#include "tapegrad/tensor/error.h"

namespace tg::autograd {

struct AnomalyMode {
  static bool is_enabled();
  static bool checks_forward();
  static void set_enabled(bool enabled, bool check_forward = true);
};

// For front ends in other languages (the Python binding): anomaly mode asks the provider where
// the user called an op; when it fills in a site and returns true, that site is reported instead
// of the C++ caller. Called only while anomaly mode is on. nullptr removes it.
using CallSiteProvider = bool (*)(std::string& file, uint32_t& line, std::string& function);
void set_call_site_provider(CallSiteProvider provider);

class DetectAnomalyGuard {
 public:
  // check_forward=false checks only backward (as PyTorch's anomaly mode does), for programs
  // that make infinities on purpose, e.g. -inf attention masks.
  explicit DetectAnomalyGuard(bool check_forward = true);
  ~DetectAnomalyGuard();
  DetectAnomalyGuard(const DetectAnomalyGuard&) = delete;
  DetectAnomalyGuard& operator=(const DetectAnomalyGuard&) = delete;

 private:
  bool prev_enabled_, prev_forward_;
};

class AnomalyError : public Error {
 public:
  AnomalyError(std::string message, std::string op, std::string location)
      : Error(std::move(message)), op_(std::move(op)), location_(std::move(location)) {}
  // The op (forward) or node (backward) that produced the first non-finite value.
  const std::string& op() const { return op_; }
  // "file:line (function)" of the user code that called the op that created it.
  const std::string& location() const { return location_; }

 private:
  std::string op_, location_;
};

}  // namespace tg::autograd
