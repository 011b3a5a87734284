#pragma once
// BatchNorm1d/2d/3d, SyncBatchNorm, InstanceNorm1d/2d/3d, LayerNorm, RMSNorm, GroupNorm (torch.nn names and defaults).
#include <optional>

#include "tapegrad/nn/module.h"

namespace tg::nn {

struct BatchNormOptions {
  double eps = 1e-5;
  // nullopt: running stats become the cumulative average of all batches seen (PyTorch's momentum=None).
  std::optional<double> momentum = 0.1;
  bool affine = true;
  bool track_running_stats = true;
  bool bias = true;  // with affine: false gives the weight alone (torch's keyword-only bias=False)
};
// Shared by BatchNorm1d ([N, C] or [N, C, L]), BatchNorm2d ([N, C, H, W]) and BatchNorm3d
// ([N, C, D, H, W]).
class BatchNormImpl : public Module {
 public:
  TG_CLONEABLE
  BatchNormImpl(const char* name, int expected_dims_lo, int expected_dims_hi, int64_t num_features,
                const BatchNormOptions& options);
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  void reset_running_stats();
  void reset_parameters();

  int64_t num_features;
  BatchNormOptions options;
  Tensor weight, bias, running_mean, running_var, num_batches_tracked;

 private:
  int dims_lo_, dims_hi_;
};
class BatchNorm1dImpl : public BatchNormImpl {
 public:
  TG_CLONEABLE
  explicit BatchNorm1dImpl(int64_t num_features, const BatchNormOptions& options = {})
      : BatchNormImpl("BatchNorm1d", 2, 3, num_features, options) {}
};
class BatchNorm1d : public ::tg::nn::ModuleHolder<BatchNorm1dImpl> {
 public:
  using ModuleHolder::ModuleHolder;
  BatchNorm1d(int64_t num_features, const BatchNormOptions& options) : ModuleHolder(std::make_shared<BatchNorm1dImpl>(num_features, options)) {}
};
class BatchNorm2dImpl : public BatchNormImpl {
 public:
  TG_CLONEABLE
  explicit BatchNorm2dImpl(int64_t num_features, const BatchNormOptions& options = {})
      : BatchNormImpl("BatchNorm2d", 4, 4, num_features, options) {}
};
class BatchNorm2d : public ::tg::nn::ModuleHolder<BatchNorm2dImpl> {
 public:
  using ModuleHolder::ModuleHolder;
  BatchNorm2d(int64_t num_features, const BatchNormOptions& options) : ModuleHolder(std::make_shared<BatchNorm2dImpl>(num_features, options)) {}
};
class BatchNorm3dImpl : public BatchNormImpl {
 public:
  TG_CLONEABLE
  explicit BatchNorm3dImpl(int64_t num_features, const BatchNormOptions& options = {})
      : BatchNormImpl("BatchNorm3d", 5, 5, num_features, options) {}
};
class BatchNorm3d : public ::tg::nn::ModuleHolder<BatchNorm3dImpl> {
 public:
  using ModuleHolder::ModuleHolder;
  BatchNorm3d(int64_t num_features, const BatchNormOptions& options)
      : ModuleHolder(std::make_shared<BatchNorm3dImpl>(num_features, options)) {}
};
// PyTorch's SyncBatchNorm outside a process group: batch norm over any input of 2 or more dims
// ([N, C, ...]). tapegrad has no distributed backend, so there is nothing to synchronize
// with, which is also what PyTorch does when torch.distributed is not initialized.
class SyncBatchNormImpl : public BatchNormImpl {
 public:
  TG_CLONEABLE
  explicit SyncBatchNormImpl(int64_t num_features, const BatchNormOptions& options = {})
      : BatchNormImpl("SyncBatchNorm", 2, kMaxDims, num_features, options) {}
  Tensor forward(const Tensor& input) override;
};
class SyncBatchNorm : public ::tg::nn::ModuleHolder<SyncBatchNormImpl> {
 public:
  using ModuleHolder::ModuleHolder;
  SyncBatchNorm(int64_t num_features, const BatchNormOptions& options)
      : ModuleHolder(std::make_shared<SyncBatchNormImpl>(num_features, options)) {}
};

// Shared by InstanceNorm1d ([N, C, L] or unbatched [C, L]) and InstanceNorm2d ([N, C, H, W] or
// [C, H, W]). PyTorch's defaults differ from batch norm's: no affine and no running statistics.
class InstanceNormImpl : public Module {
 public:
  TG_CLONEABLE
  InstanceNormImpl(const char* name, int spatial_dims, int64_t num_features, const BatchNormOptions& options);
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  int64_t num_features;
  BatchNormOptions options;
  // num_batches_tracked is PyTorch's too (its state dicts hold it), and as there never counted.
  Tensor weight, bias, running_mean, running_var, num_batches_tracked;

 private:
  int spatial_dims_;
};
inline constexpr BatchNormOptions kInstanceNormDefaults{.affine = false, .track_running_stats = false};
class InstanceNorm1dImpl : public InstanceNormImpl {
 public:
  TG_CLONEABLE
  explicit InstanceNorm1dImpl(int64_t num_features, const BatchNormOptions& options = kInstanceNormDefaults)
      : InstanceNormImpl("InstanceNorm1d", 1, num_features, options) {}
};
TG_MODULE(InstanceNorm1d);
class InstanceNorm2dImpl : public InstanceNormImpl {
 public:
  TG_CLONEABLE
  explicit InstanceNorm2dImpl(int64_t num_features, const BatchNormOptions& options = kInstanceNormDefaults)
      : InstanceNormImpl("InstanceNorm2d", 2, num_features, options) {}
};
TG_MODULE(InstanceNorm2d);
class InstanceNorm3dImpl : public InstanceNormImpl {
 public:
  TG_CLONEABLE
  explicit InstanceNorm3dImpl(int64_t num_features, const BatchNormOptions& options = kInstanceNormDefaults)
      : InstanceNormImpl("InstanceNorm3d", 3, num_features, options) {}
};
TG_MODULE(InstanceNorm3d);

class LayerNormImpl : public Module {
 public:
  TG_CLONEABLE
  explicit LayerNormImpl(Shape normalized_shape, double eps = 1e-5, bool elementwise_affine = true, bool bias = true);
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  Shape normalized_shape;
  double eps;
  bool elementwise_affine;
  Tensor weight, bias;
};
class LayerNorm : public ::tg::nn::ModuleHolder<LayerNormImpl> {
 public:
  using ModuleHolder::ModuleHolder;
  LayerNorm(Shape normalized_shape, double eps = 1e-5, bool elementwise_affine = true, bool bias = true) : ModuleHolder(std::make_shared<LayerNormImpl>(normalized_shape, eps, elementwise_affine, bias)) {}
};

class RMSNormImpl : public Module {
 public:
  TG_CLONEABLE
  explicit RMSNormImpl(Shape normalized_shape, std::optional<double> eps = std::nullopt,
                       bool elementwise_affine = true);
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  Shape normalized_shape;
  std::optional<double> eps;
  bool elementwise_affine;
  Tensor weight;
};
class RMSNorm : public ::tg::nn::ModuleHolder<RMSNormImpl> {
 public:
  using ModuleHolder::ModuleHolder;
  RMSNorm(Shape normalized_shape, std::optional<double> eps = std::nullopt, bool elementwise_affine = true)
      : ModuleHolder(std::make_shared<RMSNormImpl>(normalized_shape, eps, elementwise_affine)) {}
};

class GroupNormImpl : public Module {
 public:
  TG_CLONEABLE
  GroupNormImpl(int64_t num_groups, int64_t num_channels, double eps = 1e-5, bool affine = true, bool bias = true);
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  int64_t num_groups, num_channels;
  double eps;
  bool affine;
  Tensor weight, bias;
};
TG_MODULE(GroupNorm);

// Local response normalization across channels (functional::local_response_norm).
class LocalResponseNormImpl : public Module {
 public:
  TG_CLONEABLE
  explicit LocalResponseNormImpl(int64_t size, double alpha = 1e-4, double beta = 0.75, double k = 1.0)
      : Module("LocalResponseNorm"), size(size), alpha(alpha), beta(beta), k(k) {}
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  int64_t size;
  double alpha, beta, k;
};
TG_MODULE(LocalResponseNorm);

}  // namespace tg::nn
