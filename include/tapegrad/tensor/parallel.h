#pragma once
// How many CPU threads kernels use (torch.set_num_threads / get_num_threads), and whether they
// flush denormal floats to zero (torch.set_flush_denormal).

namespace tg {
void set_num_threads(int n);
int get_num_threads();
// Denormal inputs and results count as zero (x86's FTZ and DAZ) on this thread and on the
// kernels' threads, or no longer; false where the CPU cannot (nothing changes).
bool set_flush_denormal(bool mode);
}  // namespace tg
