#pragma once
// MaxPool2d, AvgPool2d, AdaptiveAvgPool2d, AdaptiveMaxPool2d and their 1-D forms (torch.nn names
// and defaults).
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

class AdaptiveMaxPool2dImpl : public Module {
 public:
  explicit AdaptiveMaxPool2dImpl(Size2 output_size) : Module("AdaptiveMaxPool2d"), output_size(output_size) {}
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  Size2 output_size;
};
class AdaptiveMaxPool2d : public ::tg::nn::ModuleHolder<AdaptiveMaxPool2dImpl> {
 public:
  using ModuleHolder::ModuleHolder;
  AdaptiveMaxPool2d(Size2 output_size) : ModuleHolder(std::make_shared<AdaptiveMaxPool2dImpl>(output_size)) {}
};

class MaxPool1dImpl : public Module {
 public:
  explicit MaxPool1dImpl(functional::MaxPool1dOptions options) : Module("MaxPool1d"), options(options) {}
  explicit MaxPool1dImpl(int64_t kernel_size)
      : MaxPool1dImpl(functional::MaxPool1dOptions{.kernel_size = kernel_size}) {}
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  functional::MaxPool1dOptions options;
};
TG_MODULE(MaxPool1d);

class AvgPool1dImpl : public Module {
 public:
  explicit AvgPool1dImpl(functional::AvgPool1dOptions options) : Module("AvgPool1d"), options(options) {}
  explicit AvgPool1dImpl(int64_t kernel_size)
      : AvgPool1dImpl(functional::AvgPool1dOptions{.kernel_size = kernel_size}) {}
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  functional::AvgPool1dOptions options;
};
TG_MODULE(AvgPool1d);

class AdaptiveAvgPool1dImpl : public Module {
 public:
  explicit AdaptiveAvgPool1dImpl(int64_t output_size) : Module("AdaptiveAvgPool1d"), output_size(output_size) {}
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  int64_t output_size;
};
TG_MODULE(AdaptiveAvgPool1d);

class AdaptiveMaxPool1dImpl : public Module {
 public:
  explicit AdaptiveMaxPool1dImpl(int64_t output_size) : Module("AdaptiveMaxPool1d"), output_size(output_size) {}
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  int64_t output_size;
};
TG_MODULE(AdaptiveMaxPool1d);

}  // namespace tg::nn
