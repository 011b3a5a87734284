#pragma once
// Where a tensor's storage lives: the CPU, or CUDA device N.
#include <cstdint>
#include <string>
#include <string_view>

#include <fmt/format.h>

namespace tg {

enum class DeviceType : uint8_t { CPU, CUDA };
inline constexpr DeviceType kCPU = DeviceType::CPU;
inline constexpr DeviceType kCUDA = DeviceType::CUDA;

class Device {
 public:
  constexpr Device() = default;
  constexpr Device(DeviceType type, int index = 0) : type_(type), index_(static_cast<int8_t>(index)) {}  // NOLINT
  // "cpu", "cuda", "cuda:1"; anything else is a tg::ValueError.
  explicit Device(std::string_view spec);

  static constexpr Device cpu() { return Device(kCPU); }
  static constexpr Device cuda(int index = 0) { return Device(kCUDA, index); }

  constexpr DeviceType type() const { return type_; }
  constexpr int index() const { return index_; }
  constexpr bool is_cpu() const { return type_ == kCPU; }
  constexpr bool is_cuda() const { return type_ == kCUDA; }
  std::string str() const;

  constexpr bool operator==(const Device&) const = default;

 private:
  DeviceType type_ = kCPU;
  int8_t index_ = 0;
};

}  // namespace tg

template <>
struct fmt::formatter<tg::Device> : fmt::formatter<std::string_view> {
  template <class Ctx>
  auto format(const tg::Device& d, Ctx& ctx) const {
    return fmt::formatter<std::string_view>::format(d.str(), ctx);
  }
};
