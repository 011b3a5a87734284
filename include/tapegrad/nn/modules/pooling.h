#pragma once
// MaxPool2d, AvgPool2d, AdaptiveAvgPool2d, AdaptiveMaxPool2d and their 1-D and 3-D forms
// (torch.nn names and defaults).
#include "tapegrad/nn/functional/pooling.h"
#include "tapegrad/nn/module.h"

namespace tg::nn {

class MaxPool2dImpl : public Module {
 public:
  TG_CLONEABLE
  explicit MaxPool2dImpl(functional::MaxPool2dOptions options) : Module("MaxPool2d"), options(options) {}
  explicit MaxPool2dImpl(Size2 kernel_size) : MaxPool2dImpl(functional::MaxPool2dOptions{.kernel_size = kernel_size}) {}
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  functional::MaxPool2dOptions options;
  // Also the flat indices of the maxima, as functional::*_with_indices returns them.
  std::tuple<Tensor, Tensor> forward_with_indices(const Tensor& input);
  bool return_indices = false;  // what the Python module's forward returns (torch.nn's argument)
};
class MaxPool2d : public ::tg::nn::ModuleHolder<MaxPool2dImpl> {
 public:
  using ModuleHolder::ModuleHolder;
  MaxPool2d(const functional::MaxPool2dOptions& options) : ModuleHolder(std::make_shared<MaxPool2dImpl>(options)) {}
};

class AvgPool2dImpl : public Module {
 public:
  TG_CLONEABLE
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
  TG_CLONEABLE
  explicit AdaptiveAvgPool2dImpl(AdaptiveSize2 output_size) : Module("AdaptiveAvgPool2d"), output_size(output_size) {}
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  AdaptiveSize2 output_size;
};
class AdaptiveAvgPool2d : public ::tg::nn::ModuleHolder<AdaptiveAvgPool2dImpl> {
 public:
  using ModuleHolder::ModuleHolder;
  AdaptiveAvgPool2d(AdaptiveSize2 output_size) : ModuleHolder(std::make_shared<AdaptiveAvgPool2dImpl>(output_size)) {}
};

class AdaptiveMaxPool2dImpl : public Module {
 public:
  TG_CLONEABLE
  explicit AdaptiveMaxPool2dImpl(AdaptiveSize2 output_size) : Module("AdaptiveMaxPool2d"), output_size(output_size) {}
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  AdaptiveSize2 output_size;
  // Also the flat indices of the maxima, as functional::*_with_indices returns them.
  std::tuple<Tensor, Tensor> forward_with_indices(const Tensor& input);
  bool return_indices = false;  // what the Python module's forward returns (torch.nn's argument)
};
class AdaptiveMaxPool2d : public ::tg::nn::ModuleHolder<AdaptiveMaxPool2dImpl> {
 public:
  using ModuleHolder::ModuleHolder;
  AdaptiveMaxPool2d(AdaptiveSize2 output_size) : ModuleHolder(std::make_shared<AdaptiveMaxPool2dImpl>(output_size)) {}
};

class MaxPool1dImpl : public Module {
 public:
  TG_CLONEABLE
  explicit MaxPool1dImpl(functional::MaxPool1dOptions options) : Module("MaxPool1d"), options(options) {}
  explicit MaxPool1dImpl(int64_t kernel_size)
      : MaxPool1dImpl(functional::MaxPool1dOptions{.kernel_size = kernel_size}) {}
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  functional::MaxPool1dOptions options;
  // Also the flat indices of the maxima, as functional::*_with_indices returns them.
  std::tuple<Tensor, Tensor> forward_with_indices(const Tensor& input);
  bool return_indices = false;  // what the Python module's forward returns (torch.nn's argument)
};
TG_MODULE(MaxPool1d);

class AvgPool1dImpl : public Module {
 public:
  TG_CLONEABLE
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
  TG_CLONEABLE
  explicit AdaptiveAvgPool1dImpl(int64_t output_size) : Module("AdaptiveAvgPool1d"), output_size(output_size) {}
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  int64_t output_size;
};
TG_MODULE(AdaptiveAvgPool1d);

class AdaptiveMaxPool1dImpl : public Module {
 public:
  TG_CLONEABLE
  explicit AdaptiveMaxPool1dImpl(int64_t output_size) : Module("AdaptiveMaxPool1d"), output_size(output_size) {}
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  int64_t output_size;
  // Also the flat indices of the maxima, as functional::*_with_indices returns them.
  std::tuple<Tensor, Tensor> forward_with_indices(const Tensor& input);
  bool return_indices = false;  // what the Python module's forward returns (torch.nn's argument)
};
TG_MODULE(AdaptiveMaxPool1d);

class MaxPool3dImpl : public Module {
 public:
  TG_CLONEABLE
  explicit MaxPool3dImpl(functional::MaxPool3dOptions options) : Module("MaxPool3d"), options(options) {}
  explicit MaxPool3dImpl(Size3 kernel_size) : MaxPool3dImpl(functional::MaxPool3dOptions{.kernel_size = kernel_size}) {}
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  functional::MaxPool3dOptions options;
  // Also the flat indices of the maxima, as functional::*_with_indices returns them.
  std::tuple<Tensor, Tensor> forward_with_indices(const Tensor& input);
  bool return_indices = false;  // what the Python module's forward returns (torch.nn's argument)
};
class MaxPool3d : public ::tg::nn::ModuleHolder<MaxPool3dImpl> {
 public:
  using ModuleHolder::ModuleHolder;
  MaxPool3d(const functional::MaxPool3dOptions& options) : ModuleHolder(std::make_shared<MaxPool3dImpl>(options)) {}
};

class AvgPool3dImpl : public Module {
 public:
  TG_CLONEABLE
  explicit AvgPool3dImpl(functional::AvgPool3dOptions options) : Module("AvgPool3d"), options(options) {}
  explicit AvgPool3dImpl(Size3 kernel_size) : AvgPool3dImpl(functional::AvgPool3dOptions{.kernel_size = kernel_size}) {}
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  functional::AvgPool3dOptions options;
};
class AvgPool3d : public ::tg::nn::ModuleHolder<AvgPool3dImpl> {
 public:
  using ModuleHolder::ModuleHolder;
  AvgPool3d(const functional::AvgPool3dOptions& options) : ModuleHolder(std::make_shared<AvgPool3dImpl>(options)) {}
};

class AdaptiveAvgPool3dImpl : public Module {
 public:
  TG_CLONEABLE
  explicit AdaptiveAvgPool3dImpl(AdaptiveSize3 output_size) : Module("AdaptiveAvgPool3d"), output_size(output_size) {}
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  AdaptiveSize3 output_size;
};
TG_MODULE(AdaptiveAvgPool3d);

class AdaptiveMaxPool3dImpl : public Module {
 public:
  TG_CLONEABLE
  explicit AdaptiveMaxPool3dImpl(AdaptiveSize3 output_size) : Module("AdaptiveMaxPool3d"), output_size(output_size) {}
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  AdaptiveSize3 output_size;
  // Also the flat indices of the maxima, as functional::*_with_indices returns them.
  std::tuple<Tensor, Tensor> forward_with_indices(const Tensor& input);
  bool return_indices = false;  // what the Python module's forward returns (torch.nn's argument)
};
TG_MODULE(AdaptiveMaxPool3d);

// Power-average pooling (functional::lp_pool1d / 2d / 3d): Size is int64_t, Size2 or Size3.
template <class Size>
struct LPPoolOptions {
  double norm_type;
  Size kernel_size;
  std::optional<Size> stride = {};
  bool ceil_mode = false;
};

template <class Size>
class LPPoolImpl : public Module {
 public:
  TG_CLONEABLE
  explicit LPPoolImpl(LPPoolOptions<Size> options);
  LPPoolImpl(double norm_type, Size kernel_size) : LPPoolImpl(LPPoolOptions<Size>{norm_type, kernel_size}) {}
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  LPPoolOptions<Size> options;
};
using LPPool1dImpl = LPPoolImpl<int64_t>;
using LPPool2dImpl = LPPoolImpl<Size2>;
using LPPool3dImpl = LPPoolImpl<Size3>;
TG_MODULE(LPPool1d);
TG_MODULE(LPPool2d);
TG_MODULE(LPPool3d);

// The inverse of max pooling (functional::max_unpool1d / 2d / 3d): forward(input, indices[, output_size]).
template <class Size>
struct MaxUnpoolOptions {
  Size kernel_size;
  std::optional<Size> stride = {};
  Size padding = 0;
};

template <class Size>
class MaxUnpoolImpl : public Module {
 public:
  TG_CLONEABLE
  explicit MaxUnpoolImpl(MaxUnpoolOptions<Size> options);
  explicit MaxUnpoolImpl(Size kernel_size) : MaxUnpoolImpl(MaxUnpoolOptions<Size>{kernel_size}) {}
  using Module::forward;
  Tensor forward(const Tensor& input, const Tensor& indices, std::optional<Size> output_size = {});
  std::string extra_repr() const override;
  MaxUnpoolOptions<Size> options;
};
using MaxUnpool1dImpl = MaxUnpoolImpl<int64_t>;
using MaxUnpool2dImpl = MaxUnpoolImpl<Size2>;
using MaxUnpool3dImpl = MaxUnpoolImpl<Size3>;
TG_MODULE(MaxUnpool1d);
TG_MODULE(MaxUnpool2d);
TG_MODULE(MaxUnpool3d);

// Fractional max pooling (functional::fractional_max_pool2d / 3d). Without random_samples in its
// options, every forward draws new windows, in training and evaluation alike (as in PyTorch).
template <class Options>
class FractionalMaxPoolImpl : public Module {
 public:
  TG_CLONEABLE
  explicit FractionalMaxPoolImpl(Options options);
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  Options options;
  // Also the flat indices of the maxima, as functional::*_with_indices returns them.
  std::tuple<Tensor, Tensor> forward_with_indices(const Tensor& input);
  bool return_indices = false;  // what the Python module's forward returns (torch.nn's argument)
};
using FractionalMaxPool2dImpl = FractionalMaxPoolImpl<functional::FractionalMaxPool2dOptions>;
using FractionalMaxPool3dImpl = FractionalMaxPoolImpl<functional::FractionalMaxPool3dOptions>;
TG_MODULE(FractionalMaxPool2d);
TG_MODULE(FractionalMaxPool3d);

}  // namespace tg::nn
