#pragma once
// torch.use_deterministic_algorithms: with it on, an op that would run a kernel whose result can
// differ between two identical runs (the CUDA kernels that sum with atomic adds, in whatever
// order the threads arrive) raises tg::Error instead, or warns with warn_only; and cuDNN
// convolutions choose only among its deterministic algorithms. CPU kernels are deterministic.
#include <functional>
#include <string>

namespace tg {

void use_deterministic_algorithms(bool mode, bool warn_only = false);
bool are_deterministic_algorithms_enabled();
bool is_deterministic_algorithms_warn_only_enabled();

namespace cuda {
// torch.backends.cudnn.deterministic: only cuDNN's deterministic convolution algorithms (also
// chosen whenever use_deterministic_algorithms is on).
void set_cudnn_deterministic(bool deterministic);
bool cudnn_deterministic();
}  // namespace cuda

namespace detail {
// Called before a kernel without a deterministic implementation runs: raises tg::Error naming
// it in deterministic mode, or hands the message to the warning handler with warn_only.
void alert_not_deterministic(const char* kernel);
// Where warn_only's warnings go (stderr by default; the Python binding makes them warnings).
void set_warning_handler(std::function<void(const std::string&)> handler);
}  // namespace detail

}  // namespace tg
