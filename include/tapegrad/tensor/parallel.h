#pragma once
// How many CPU threads kernels use (torch.set_num_threads / get_num_threads).

namespace tg {
void set_num_threads(int n);
int get_num_threads();
}  // namespace tg
