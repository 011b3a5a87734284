#pragma once
// Per-thread state every op consults: grad mode, anomaly mode, and the user call site of the
// outermost public op in progress (ops called from inside other ops keep the outer site).
#include "tapegrad/tensor/source_loc.h"
#include "tensor/profiling.h"

namespace tg::detail {

struct ThreadState {
  bool grad_enabled = true;
  bool inference_mode = false;  // InferenceMode: new storages hold inference tensors
  bool anomaly_enabled = false;
  bool anomaly_check_forward = true;
  bool forward_ad = false;  // a dual level is active and tangents are being propagated (forward_ad.h)
  int api_depth = 0;
  const char* api_op = nullptr;
  SourceLoc api_loc;
};

extern thread_local ThreadState tls;

// Marks entry into a public op; the outermost one records its name and the caller's location.
// Each is an event for the profiler when it records.
class ApiScope {
 public:
  ApiScope(const char* op, const SourceLoc& loc) : range_(op) {
    ThreadState& s = tls;
    if (s.api_depth++ == 0) {
      s.api_op = op;
      s.api_loc = loc;
    }
  }
  ~ApiScope() { --tls.api_depth; }
  ApiScope(const ApiScope&) = delete;
  ApiScope& operator=(const ApiScope&) = delete;

 private:
  ProfileRange range_;
};

}  // namespace tg::detail
