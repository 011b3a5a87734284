#pragma once
// Checkpoints in the safetensors format (https://github.com/huggingface/safetensors): files that
// the Python `safetensors` package and PyTorch read and write. A file holds named tensors and an
// optional string-to-string metadata map. Loading validates everything before trusting it: a
// truncated, corrupted or hostile file gives a tg::Error, never a crash or a huge allocation.
#include <map>
#include <string>
#include <string_view>

#include "tapegrad/nn/module.h"
#include "tapegrad/nn/ordered_dict.h"
#include "tapegrad/optim/optimizer.h"

namespace tg {

using Metadata = std::map<std::string, std::string>;

// Named tensors (any device, dtype and strides; written contiguous, little-endian).
void save(const std::string& path, const nn::NamedTensors& tensors, const Metadata& metadata = {});
nn::NamedTensors load(const std::string& path, Metadata* metadata = nullptr);
// The same, in memory.
std::string save_to_bytes(const nn::NamedTensors& tensors, const Metadata& metadata = {});
nn::NamedTensors load_from_bytes(std::string_view bytes, Metadata* metadata = nullptr);

// One tensor, stored under the name "tensor".
void save(const std::string& path, const Tensor& tensor);
Tensor load_tensor(const std::string& path);

// A module's state_dict / an optimizer's state.
void save(const std::string& path, const nn::Module& module);
void load(const std::string& path, nn::Module& module, bool strict = true);
void save(const std::string& path, const optim::Optimizer& optimizer);
void load(const std::string& path, optim::Optimizer& optimizer);

}  // namespace tg
