#pragma once
// MaxPool2d, AvgPool2d, AdaptiveAvgPool2d (torch.nn names and defaults).
#include "tapegrad/nn/functional/pooling.h"
#include "tapegrad/nn/module.h"

namespace tg::nn {

class MaxPool2dImpl : public Module {
 public:
  explicit MaxPool2dImpl(functional::MaxPool2dOptions options) : Module("MaxPool2d"), options(options) {}
  explicit MaxPool2dImpl(Size2 kernel_size) : MaxPool2dImpl(functional::MaxPool2dOptions{.kernel_size = kernel_size}) {}
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  functional::MaxPool2dOptions options;
};
class MaxPool2d : public ::tg::nn::ModuleHolder<MaxPool2dImpl> {
 public:
  using ModuleHolder::ModuleHolder;
  MaxPool2d(const functional::MaxPool2dOptions& options) : ModuleHolder(std::make_shared<MaxPool2dImpl>(options)) {}
};

class AvgPool2dImpl : public Module {
 public:
  explicit AvgPool2dImpl(functional::AvgPool2dOptions options) : Module("AvgPool2d"), options(options) {}
  explicit AvgPool2dImpl(Size2 kernel_size) : AvgPool2dImpl(functional::AvgPool2dOptions{.kernel_size = kernel_size}) {}
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  functional::AvgPool2dOptions options;
};
class AvgPool2d : public ::tg::nn::ModuleHolder<AvgPool2dImpl> {
 public:
  using ModuleHolder::ModuleHolder;
  AvgPool2d(const functional::AvgPool2dOptions& options) : ModuleHolder(std::make_shared<AvgPool2dImpl>(options)) {}
};

class AdaptiveAvgPool2dImpl : public Module {
 public:
  explicit AdaptiveAvgPool2dImpl(Size2 output_size) : Module("AdaptiveAvgPool2d"), output_size(output_size) {}
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  Size2 output_size;
};
class AdaptiveAvgPool2d : public ::tg::nn::ModuleHolder<AdaptiveAvgPool2dImpl> {
 public:
  using ModuleHolder::ModuleHolder;
  AdaptiveAvgPool2d(Size2 output_size) : ModuleHolder(std::make_shared<AdaptiveAvgPool2dImpl>(output_size)) {}
};

}  // namespace tg::nn
