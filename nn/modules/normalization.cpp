// BatchNorm1d/2d/3d, SyncBatchNorm, InstanceNorm1d/2d/3d, LayerNorm, RMSNorm, GroupNorm, LocalResponseNorm.
#include "tapegrad/nn/modules/normalization.h"

#include "repr.h"
#include "tapegrad/autograd/grad_mode.h"
#include "tapegrad/nn/functional/normalization.h"
#include "tapegrad/nn/init.h"
#include "tapegrad/tensor/factories.h"

namespace tg::nn {

using detail::py_float;
namespace {
std::string momentum_repr(std::optional<double> momentum) { return momentum ? fmt::format("{}", *momentum) : "None"; }

// A batch or instance norm's weight, bias and running statistics. What the options leave out is
// registered empty, as torch registers None (bn.bias is None).
template <class Norm>
void register_norm_tensors(Norm& m, int64_t c, const BatchNormOptions& o) {
  m.register_parameter("weight", o.affine ? ones({c}) : Tensor(), &m.weight);
  m.register_parameter("bias", o.affine && o.bias ? zeros({c}) : Tensor(), &m.bias);
  const bool track = o.track_running_stats;
  m.register_buffer("running_mean", track ? zeros({c}) : Tensor(), &m.running_mean);
  m.register_buffer("running_var", track ? ones({c}) : Tensor(), &m.running_var);
  m.register_buffer("num_batches_tracked", track ? zeros({}, kInt64) : Tensor(), &m.num_batches_tracked);
}
}  // namespace

BatchNormImpl::BatchNormImpl(const char* name, int lo, int hi, int64_t c, const BatchNormOptions& o)
    : Module(name), num_features(c), options(o), dims_lo_(lo), dims_hi_(hi) {
  TG_CHECK_VALUE(c > 0, "{}: num_features must be positive, got {}", name, c);
  register_norm_tensors(*this, c, o);
}

void BatchNormImpl::reset_running_stats() {
  if (!options.track_running_stats) return;
  init::zeros_(running_mean);
  init::ones_(running_var);
  NoGradGuard no_grad;
  num_batches_tracked.zero_();
}

void BatchNormImpl::reset_parameters() {
  reset_running_stats();
  if (options.affine) {
    init::ones_(weight);
    if (bias.defined()) init::zeros_(bias);
  }
}

Tensor BatchNormImpl::forward(const Tensor& input) {
  TG_CHECK(input.defined() && input.dim() >= dims_lo_ && input.dim() <= dims_hi_, "{}: expected {}, got shape {}",
           name(),
           dims_lo_ == dims_hi_   ? fmt::format("a {}-D input", dims_lo_)
           : dims_hi_ >= kMaxDims ? fmt::format("an input of at least {} dims", dims_lo_)
                                  : fmt::format("a {}-D or {}-D input", dims_lo_, dims_hi_),
           input.defined() ? input.sizes() : Shape{});
  const bool use_batch_stats = is_training() || !options.track_running_stats;
  double momentum = options.momentum.value_or(0.0);
  if (is_training() && options.track_running_stats) {
    NoGradGuard no_grad;
    num_batches_tracked.add_(1);
    if (!options.momentum) momentum = 1.0 / static_cast<double>(num_batches_tracked.item<int64_t>());
  }
  return functional::batch_norm(
      input, running_mean, running_var,
      {.weight = weight, .bias = bias, .training = use_batch_stats, .momentum = momentum, .eps = options.eps});
}

Tensor SyncBatchNormImpl::forward(const Tensor& input) {
  TG_CHECK_VALUE(!input.defined() || input.dim() < 2 || input.sizes()[1] > 0,
                 "SyncBatchNorm: the number of input channels must be non-zero, got shape {}", input.sizes());
  return BatchNormImpl::forward(input);
}

std::string BatchNormImpl::extra_repr() const {
  return fmt::format("{}, eps={}, momentum={}, affine={}, bias={}, track_running_stats={}", num_features, options.eps,
                     momentum_repr(options.momentum), options.affine ? "True" : "False",
                     bias.defined() ? "True" : "False", options.track_running_stats ? "True" : "False");
}

LayerNormImpl::LayerNormImpl(Shape shape, double eps, bool affine, bool with_bias)
    : Module("LayerNorm"), normalized_shape(shape), eps(eps), elementwise_affine(affine) {
  register_parameter("weight", affine ? ones(shape) : Tensor(), &weight);
  register_parameter("bias", affine && with_bias ? zeros(shape) : Tensor(), &bias);
}
Tensor LayerNormImpl::forward(const Tensor& input) {
  return functional::layer_norm(input, normalized_shape, weight, bias, eps);
}
std::string LayerNormImpl::extra_repr() const {
  return fmt::format("({},), eps={}, elementwise_affine={}, bias={}",
                     fmt::join(normalized_shape.begin(), normalized_shape.end(), ", "), eps,
                     elementwise_affine ? "True" : "False", bias.defined() ? "True" : "False");
}

InstanceNormImpl::InstanceNormImpl(const char* name, int spatial_dims, int64_t num_features,
                                   const BatchNormOptions& options)
    : Module(name), num_features(num_features), options(options), spatial_dims_(spatial_dims) {
  TG_CHECK_VALUE(num_features > 0, "{}: num_features must be positive, got {}", name, num_features);
  register_norm_tensors(*this, num_features, options);
}
Tensor InstanceNormImpl::forward(const Tensor& input) {
  const int batched = spatial_dims_ + 2;
  TG_CHECK(input.defined() && (input.dim() == batched || input.dim() == batched - 1),
           "{}: expected a {}-D or {}-D (unbatched) input, got shape {}", name(), batched, batched - 1,
           input.defined() ? input.sizes() : Shape{});
  const Tensor x = input.dim() == batched ? input : input.unsqueeze(0);
  TG_CHECK(x.sizes()[1] == num_features, "{}: expected {} channels, got input of shape {}", name(), num_features,
           input.sizes());
  const Tensor y = functional::instance_norm(x, {.running_mean = running_mean,
                                                 .running_var = running_var,
                                                 .weight = weight,
                                                 .bias = bias,
                                                 .use_input_stats = is_training() || !options.track_running_stats,
                                                 .momentum = options.momentum.value_or(0.0),
                                                 .eps = options.eps});
  return input.dim() == batched ? y : y.squeeze(0);
}
std::string InstanceNormImpl::extra_repr() const {
  return fmt::format("{}, eps={}, momentum={}, affine={}, bias={}, track_running_stats={}", num_features, options.eps,
                     momentum_repr(options.momentum), options.affine ? "True" : "False",
                     bias.defined() ? "True" : "False", options.track_running_stats ? "True" : "False");
}

RMSNormImpl::RMSNormImpl(Shape shape, std::optional<double> eps, bool affine)
    : Module("RMSNorm"), normalized_shape(shape), eps(eps), elementwise_affine(affine) {
  register_parameter("weight", affine ? ones(shape) : Tensor(), &weight);
}
Tensor RMSNormImpl::forward(const Tensor& input) {
  return functional::rms_norm(input, normalized_shape, weight, eps);
}
std::string RMSNormImpl::extra_repr() const {
  return fmt::format("({},), eps={}, elementwise_affine={}",
                     fmt::join(normalized_shape.begin(), normalized_shape.end(), ", "),
                     eps ? fmt::format("{}", *eps) : "None", elementwise_affine ? "True" : "False");
}

GroupNormImpl::GroupNormImpl(int64_t groups, int64_t channels, double eps, bool affine, bool with_bias)
    : Module("GroupNorm"), num_groups(groups), num_channels(channels), eps(eps), affine(affine) {
  TG_CHECK_VALUE(groups > 0 && channels % groups == 0, "GroupNorm: num_channels ({}) must be divisible by num_groups ({})",
                 channels, groups);
  register_parameter("weight", affine ? ones({channels}) : Tensor(), &weight);
  register_parameter("bias", affine && with_bias ? zeros({channels}) : Tensor(), &bias);
}
Tensor GroupNormImpl::forward(const Tensor& input) { return functional::group_norm(input, num_groups, weight, bias, eps); }
std::string GroupNormImpl::extra_repr() const {
  return fmt::format("{}, {}, eps={}, affine={}, bias={}", num_groups, num_channels, eps, affine ? "True" : "False",
                     bias.defined() ? "True" : "False");
}

Tensor LocalResponseNormImpl::forward(const Tensor& input) {
  return functional::local_response_norm(input, size, alpha, beta, k);
}
std::string LocalResponseNormImpl::extra_repr() const {
  return fmt::format("{}, alpha={}, beta={}, k={}", size, py_float(alpha), py_float(beta), py_float(k));
}

}  // namespace tg::nn
