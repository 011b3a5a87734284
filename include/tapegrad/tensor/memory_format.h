#pragma once
// How a tensor's elements lie in memory, as torch.memory_format. channels_last keeps the C
// channels of each pixel of a 4-d [N, C, H, W] tensor together (strides [H W C, 1, W C, C]);
// channels_last_3d is the same for [N, C, D, H, W]. Every op takes any strides; a format only
// decides where a copy or a new tensor puts its elements (convolutions' libraries prefer
// channels_last). preserve_format asks a copy to keep its input's layout.
#include <cstdint>
#include <string_view>

namespace tg {

enum class MemoryFormat : int8_t { Contiguous, Preserve, ChannelsLast, ChannelsLast3d };

// PyTorch's names: "contiguous_format", "preserve_format", "channels_last", "channels_last_3d".
std::string_view name(MemoryFormat format);

}  // namespace tg
