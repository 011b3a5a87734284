#pragma once
// tg::cuda: devices and their memory. A build without the CUDA toolkit, or a machine without a
// GPU, reports no devices; the memory figures are those of each device's caching allocator
// (see tapegrad/memory/caching_allocator.h) and are zero until it is used.
#include <cstddef>

namespace tg::cuda {

// Whether this build has CUDA and the machine at least one usable device.
bool is_available();
int device_count();
// Waits for all work on `device` (the current device when -1); a tg::Error without a device.
void synchronize(int device = -1);

size_t memory_allocated(int device = 0);
size_t memory_reserved(int device = 0);
size_t max_memory_allocated(int device = 0);
void reset_peak_memory_stats(int device = 0);
// Returns the cached, unused blocks of every device to the driver.
void empty_cache();

}  // namespace tg::cuda
