#pragma once
// Activation modules (torch.nn names and defaults), wrappers over the tensor ops.
#include <string>

#include "tapegrad/nn/module.h"
#include "tapegrad/tensor/generator.h"

namespace tg::nn {

class ReLUImpl : public Module {
 public:
  TG_CLONEABLE
  ReLUImpl() : Module("ReLU") {}
  Tensor forward(const Tensor& input) override;
};
TG_MODULE(ReLU);

class LeakyReLUImpl : public Module {
 public:
  TG_CLONEABLE
  explicit LeakyReLUImpl(double negative_slope = 0.01) : Module("LeakyReLU"), negative_slope(negative_slope) {}
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  double negative_slope;
};
TG_MODULE(LeakyReLU);

class ELUImpl : public Module {
 public:
  TG_CLONEABLE
  explicit ELUImpl(double alpha = 1.0) : Module("ELU"), alpha(alpha) {}
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  double alpha;
};
TG_MODULE(ELU);

class SoftplusImpl : public Module {
 public:
  TG_CLONEABLE
  explicit SoftplusImpl(double beta = 1.0, double threshold = 20.0)
      : Module("Softplus"), beta(beta), threshold(threshold) {}
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  double beta, threshold;
};
TG_MODULE(Softplus);

class GELUImpl : public Module {
 public:
  TG_CLONEABLE
  explicit GELUImpl(std::string approximate = "none") : Module("GELU"), approximate(std::move(approximate)) {}
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  std::string approximate;
};
TG_MODULE(GELU);

class SiLUImpl : public Module {
 public:
  TG_CLONEABLE
  SiLUImpl() : Module("SiLU") {}
  Tensor forward(const Tensor& input) override;
};
TG_MODULE(SiLU);

class TanhImpl : public Module {
 public:
  TG_CLONEABLE
  TanhImpl() : Module("Tanh") {}
  Tensor forward(const Tensor& input) override;
};
TG_MODULE(Tanh);

class SigmoidImpl : public Module {
 public:
  TG_CLONEABLE
  SigmoidImpl() : Module("Sigmoid") {}
  Tensor forward(const Tensor& input) override;
};
TG_MODULE(Sigmoid);

class SoftmaxImpl : public Module {
 public:
  TG_CLONEABLE
  explicit SoftmaxImpl(int64_t dim) : Module("Softmax"), dim(dim) {}
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  int64_t dim;
};
TG_MODULE(Softmax);

class LogSoftmaxImpl : public Module {
 public:
  TG_CLONEABLE
  explicit LogSoftmaxImpl(int64_t dim) : Module("LogSoftmax"), dim(dim) {}
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  int64_t dim;
};
TG_MODULE(LogSoftmax);

// Softmax over the channels of [N, C, H, W] or [C, H, W] input (dim -3).
class Softmax2dImpl : public Module {
 public:
  TG_CLONEABLE
  Softmax2dImpl() : Module("Softmax2d") {}
  Tensor forward(const Tensor& input) override;
};
TG_MODULE(Softmax2d);

// Activations without parameters.
#define TG_PLAIN_ACTIVATION(Name)                 \
  class Name##Impl : public Module {              \
   public:                                        \
    TG_CLONEABLE                                  \
    Name##Impl() : Module(#Name) {}               \
    Tensor forward(const Tensor& input) override; \
  };                                              \
  TG_MODULE(Name)
TG_PLAIN_ACTIVATION(ReLU6);
TG_PLAIN_ACTIVATION(SELU);
TG_PLAIN_ACTIVATION(Hardsigmoid);
TG_PLAIN_ACTIVATION(Hardswish);
TG_PLAIN_ACTIVATION(Mish);
TG_PLAIN_ACTIVATION(LogSigmoid);
TG_PLAIN_ACTIVATION(Softsign);
TG_PLAIN_ACTIVATION(Tanhshrink);
#undef TG_PLAIN_ACTIVATION

class CELUImpl : public Module {
 public:
  TG_CLONEABLE
  explicit CELUImpl(double alpha = 1.0) : Module("CELU"), alpha(alpha) {}
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  double alpha;
};
TG_MODULE(CELU);

class HardtanhImpl : public Module {
 public:
  TG_CLONEABLE
  explicit HardtanhImpl(double min_val = -1.0, double max_val = 1.0)
      : Module("Hardtanh"), min_val(min_val), max_val(max_val) {}
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  double min_val, max_val;
};
TG_MODULE(Hardtanh);

class HardshrinkImpl : public Module {
 public:
  TG_CLONEABLE
  explicit HardshrinkImpl(double lambd = 0.5) : Module("Hardshrink"), lambd(lambd) {}
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  double lambd;
};
TG_MODULE(Hardshrink);

class SoftshrinkImpl : public Module {
 public:
  TG_CLONEABLE
  explicit SoftshrinkImpl(double lambd = 0.5) : Module("Softshrink"), lambd(lambd) {}
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  double lambd;
};
TG_MODULE(Softshrink);

class ThresholdImpl : public Module {
 public:
  TG_CLONEABLE
  ThresholdImpl(double threshold, double value) : Module("Threshold"), threshold(threshold), value(value) {}
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  double threshold, value;
};
TG_MODULE(Threshold);

class GLUImpl : public Module {
 public:
  TG_CLONEABLE
  explicit GLUImpl(int64_t dim = -1) : Module("GLU"), dim(dim) {}
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  int64_t dim;
};
TG_MODULE(GLU);

class SoftminImpl : public Module {
 public:
  TG_CLONEABLE
  explicit SoftminImpl(int64_t dim) : Module("Softmin"), dim(dim) {}
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  int64_t dim;
};
TG_MODULE(Softmin);

// One learnable negative slope, or one per channel (dim 1 of the input), each starting at init.
class PReLUImpl : public Module {
 public:
  TG_CLONEABLE
  explicit PReLUImpl(int64_t num_parameters = 1, double init = 0.25);
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  int64_t num_parameters;
  Tensor weight;
};
TG_MODULE(PReLU);

// Randomized leaky ReLU (functional::rrelu): random slopes in training, their mean in eval.
class RReLUImpl : public Module {
 public:
  TG_CLONEABLE
  explicit RReLUImpl(double lower = 1.0 / 8, double upper = 1.0 / 3) : Module("RReLU"), lower(lower), upper(upper) {}
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  double lower, upper;
  Generator* generator = nullptr;
};
TG_MODULE(RReLU);

}  // namespace tg::nn
