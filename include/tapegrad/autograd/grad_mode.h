#pragma once
// Whether ops record the tape: on by default, per thread; NoGradGuard turns it off for a scope.

namespace tg {

struct GradMode {
  static bool is_enabled();
  static void set_enabled(bool enabled);
};

// Sets grad mode for the guard's lifetime and restores the previous mode after.
class AutoGradMode {
 public:
  explicit AutoGradMode(bool enabled) : prev_(GradMode::is_enabled()) { GradMode::set_enabled(enabled); }
  ~AutoGradMode() { GradMode::set_enabled(prev_); }
  AutoGradMode(const AutoGradMode&) = delete;
  AutoGradMode& operator=(const AutoGradMode&) = delete;

 private:
  bool prev_;
};

class NoGradGuard : public AutoGradMode {
 public:
  NoGradGuard() : AutoGradMode(false) {}
};

class EnableGradGuard : public AutoGradMode {
 public:
  EnableGradGuard() : AutoGradMode(true) {}
};

// PyTorch's c10::InferenceMode for a scope: grad mode off, and the tensors made inside (and their
// views) are inference tensors (Tensor::is_inference()), which outside such a scope cannot be
// modified in place, saved for backward or made to require grad; clone() one to get a normal
// tensor. InferenceMode(false) inside one leaves grad mode as it is and makes normal tensors.
class InferenceMode {
 public:
  explicit InferenceMode(bool enabled = true);
  ~InferenceMode();
  InferenceMode(const InferenceMode&) = delete;
  InferenceMode& operator=(const InferenceMode&) = delete;
  static bool is_enabled();
  // Sets it for the rest of the thread (what the guard does, for bindings that cannot hold one).
  static void set_enabled(bool enabled);

 private:
  bool prev_grad_;
  bool prev_inference_;
};

}  // namespace tg
