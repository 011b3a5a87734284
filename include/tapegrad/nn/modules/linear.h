#pragma once
// Identity, Linear, Bilinear, Flatten, Unflatten (torch.nn names and default initialisation).
#include "tapegrad/nn/module.h"

namespace tg::nn {

class IdentityImpl : public Module {
 public:
  TG_CLONEABLE
  IdentityImpl() : Module("Identity") {}
  Tensor forward(const Tensor& input) override { return input; }
};
TG_MODULE(Identity);

// y = x W^T + b; weight [out, in] and bias drawn from U(-1/sqrt(in), 1/sqrt(in)).
class LinearImpl : public Module {
 public:
  TG_CLONEABLE
  LinearImpl(int64_t in_features, int64_t out_features, bool bias = true);
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  void reset_parameters();

  int64_t in_features, out_features;
  Tensor weight, bias;
};
TG_MODULE(Linear);

// y = x1^T A x2 + b; weight [out, in1, in2].
class BilinearImpl : public Module {
 public:
  TG_CLONEABLE
  BilinearImpl(int64_t in1_features, int64_t in2_features, int64_t out_features, bool bias = true);
  using Module::forward;
  Tensor forward(const Tensor& input1, const Tensor& input2);
  std::string extra_repr() const override;
  void reset_parameters();

  int64_t in1_features, in2_features, out_features;
  Tensor weight, bias;
};
TG_MODULE(Bilinear);

class FlattenImpl : public Module {
 public:
  TG_CLONEABLE
  explicit FlattenImpl(int64_t start_dim = 1, int64_t end_dim = -1)
      : Module("Flatten"), start_dim(start_dim), end_dim(end_dim) {}
  Tensor forward(const Tensor& input) override { return input.flatten(start_dim, end_dim); }
  std::string extra_repr() const override;
  int64_t start_dim, end_dim;
};
TG_MODULE(Flatten);

class UnflattenImpl : public Module {
 public:
  TG_CLONEABLE
  UnflattenImpl(int64_t dim, Shape sizes) : Module("Unflatten"), dim(dim), sizes(sizes) {}
  Tensor forward(const Tensor& input) override { return input.unflatten(dim, sizes); }
  std::string extra_repr() const override;
  int64_t dim;
  Shape sizes;
};
class Unflatten : public ::tg::nn::ModuleHolder<UnflattenImpl> {
 public:
  using ModuleHolder::ModuleHolder;
  Unflatten(int64_t dim, Shape sizes) : ModuleHolder(std::make_shared<UnflattenImpl>(dim, sizes)) {}
};

}  // namespace tg::nn
