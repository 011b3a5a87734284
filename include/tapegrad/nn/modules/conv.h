#pragma once
// Conv1d, Conv2d, Conv3d, ConvTranspose1d, ConvTranspose2d, ConvTranspose3d (torch.nn names; weights and biases
// initialised as PyTorch's: kaiming_uniform_ with a = sqrt(5), bias U(-1/sqrt(fan_in), 1/sqrt(fan_in))). The handles
// spell out their constructors so that options can be brace-initialised: Conv2d(1, 8, 3, {.padding = 1}).
#include <string>

#include "tapegrad/nn/functional/options.h"
#include "tapegrad/nn/module.h"

namespace tg::nn {

// padding_mode: "zeros" (the convolution's own padding), or "reflect", "replicate" or
// "circular": the input padded by F::pad in that mode first, as PyTorch's modules do.
struct Conv1dOptions {
  int64_t stride = 1;
  ConvPadding padding = 0;
  int64_t dilation = 1;
  int64_t groups = 1;
  bool bias = true;
  std::string padding_mode = "zeros";
};
class Conv1dImpl : public Module {
 public:
  TG_CLONEABLE
  Conv1dImpl(int64_t in_channels, int64_t out_channels, int64_t kernel_size, const Conv1dOptions& options = {});
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  void reset_parameters();

  int64_t in_channels, out_channels, kernel_size;
  Conv1dOptions options;
  Tensor weight, bias;
};
class Conv1d : public ::tg::nn::ModuleHolder<Conv1dImpl> {
 public:
  using ModuleHolder::ModuleHolder;
  Conv1d(int64_t in_channels, int64_t out_channels, int64_t kernel_size, const Conv1dOptions& options = {}) : ModuleHolder(std::make_shared<Conv1dImpl>(in_channels, out_channels, kernel_size, options)) {}
};

struct Conv2dOptions {
  Size2 stride = 1;
  ConvPadding padding = 0;
  Size2 dilation = 1;
  int64_t groups = 1;
  bool bias = true;
  std::string padding_mode = "zeros";
};
class Conv2dImpl : public Module {
 public:
  TG_CLONEABLE
  Conv2dImpl(int64_t in_channels, int64_t out_channels, Size2 kernel_size, const Conv2dOptions& options = {});
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  void reset_parameters();

  int64_t in_channels, out_channels;
  Size2 kernel_size;
  Conv2dOptions options;
  Tensor weight, bias;
};
class Conv2d : public ::tg::nn::ModuleHolder<Conv2dImpl> {
 public:
  using ModuleHolder::ModuleHolder;
  Conv2d(int64_t in_channels, int64_t out_channels, Size2 kernel_size, const Conv2dOptions& options = {}) : ModuleHolder(std::make_shared<Conv2dImpl>(in_channels, out_channels, kernel_size, options)) {}
};

struct Conv3dOptions {
  Size3 stride = 1;
  ConvPadding3 padding = 0;
  Size3 dilation = 1;
  int64_t groups = 1;
  bool bias = true;
  std::string padding_mode = "zeros";
};
class Conv3dImpl : public Module {
 public:
  TG_CLONEABLE
  Conv3dImpl(int64_t in_channels, int64_t out_channels, Size3 kernel_size, const Conv3dOptions& options = {});
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  void reset_parameters();

  int64_t in_channels, out_channels;
  Size3 kernel_size;
  Conv3dOptions options;
  Tensor weight, bias;
};
class Conv3d : public ::tg::nn::ModuleHolder<Conv3dImpl> {
 public:
  using ModuleHolder::ModuleHolder;
  Conv3d(int64_t in_channels, int64_t out_channels, Size3 kernel_size, const Conv3dOptions& options = {})
      : ModuleHolder(std::make_shared<Conv3dImpl>(in_channels, out_channels, kernel_size, options)) {}
};

struct ConvTranspose2dOptions {
  Size2 stride = 1;
  Size2 padding = 0;
  Size2 output_padding = 0;
  int64_t groups = 1;
  bool bias = true;
  Size2 dilation = 1;
};
class ConvTranspose2dImpl : public Module {
 public:
  TG_CLONEABLE
  ConvTranspose2dImpl(int64_t in_channels, int64_t out_channels, Size2 kernel_size,
                      const ConvTranspose2dOptions& options = {});
  Tensor forward(const Tensor& input) override;
  // The output padding chosen to give `output_size` (the spatial sizes, or the whole output
  // shape), as torch.nn's forward(input, output_size).
  Tensor forward(const Tensor& input, const Shape& output_size);
  std::string extra_repr() const override;
  void reset_parameters();

  int64_t in_channels, out_channels;
  Size2 kernel_size;
  ConvTranspose2dOptions options;
  Tensor weight, bias;  // weight [in, out / groups, kh, kw]
};
class ConvTranspose2d : public ::tg::nn::ModuleHolder<ConvTranspose2dImpl> {
 public:
  using ModuleHolder::ModuleHolder;
  ConvTranspose2d(int64_t in_channels, int64_t out_channels, Size2 kernel_size, const ConvTranspose2dOptions& options = {}) : ModuleHolder(std::make_shared<ConvTranspose2dImpl>(in_channels, out_channels, kernel_size, options)) {}
};

struct ConvTranspose3dOptions {
  Size3 stride = 1;
  Size3 padding = 0;
  Size3 output_padding = 0;
  int64_t groups = 1;
  bool bias = true;
  Size3 dilation = 1;
};
class ConvTranspose3dImpl : public Module {
 public:
  TG_CLONEABLE
  ConvTranspose3dImpl(int64_t in_channels, int64_t out_channels, Size3 kernel_size,
                      const ConvTranspose3dOptions& options = {});
  Tensor forward(const Tensor& input) override;
  // The output padding chosen to give `output_size` (the spatial sizes, or the whole output
  // shape), as torch.nn's forward(input, output_size).
  Tensor forward(const Tensor& input, const Shape& output_size);
  std::string extra_repr() const override;
  void reset_parameters();

  int64_t in_channels, out_channels;
  Size3 kernel_size;
  ConvTranspose3dOptions options;
  Tensor weight, bias;  // weight [in, out / groups, kd, kh, kw]
};
class ConvTranspose3d : public ::tg::nn::ModuleHolder<ConvTranspose3dImpl> {
 public:
  using ModuleHolder::ModuleHolder;
  ConvTranspose3d(int64_t in_channels, int64_t out_channels, Size3 kernel_size,
                  const ConvTranspose3dOptions& options = {})
      : ModuleHolder(std::make_shared<ConvTranspose3dImpl>(in_channels, out_channels, kernel_size, options)) {}
};

struct ConvTranspose1dOptions {
  int64_t stride = 1;
  int64_t padding = 0;
  int64_t output_padding = 0;
  int64_t groups = 1;
  bool bias = true;
  int64_t dilation = 1;
};
class ConvTranspose1dImpl : public Module {
 public:
  TG_CLONEABLE
  ConvTranspose1dImpl(int64_t in_channels, int64_t out_channels, int64_t kernel_size,
                      const ConvTranspose1dOptions& options = {});
  Tensor forward(const Tensor& input) override;
  // The output padding chosen to give `output_size` (the spatial sizes, or the whole output
  // shape), as torch.nn's forward(input, output_size).
  Tensor forward(const Tensor& input, const Shape& output_size);
  std::string extra_repr() const override;
  void reset_parameters();

  int64_t in_channels, out_channels, kernel_size;
  ConvTranspose1dOptions options;
  Tensor weight, bias;  // weight [in, out / groups, k]
};
class ConvTranspose1d : public ::tg::nn::ModuleHolder<ConvTranspose1dImpl> {
 public:
  using ModuleHolder::ModuleHolder;
  ConvTranspose1d(int64_t in_channels, int64_t out_channels, int64_t kernel_size,
                  const ConvTranspose1dOptions& options = {})
      : ModuleHolder(std::make_shared<ConvTranspose1dImpl>(in_channels, out_channels, kernel_size, options)) {}
};

}  // namespace tg::nn
