#pragma once
// Activation modules (torch.nn names and defaults), wrappers over the tensor ops.
#include <optional>
#include <string>

#include "tapegrad/nn/module.h"
#include "tapegrad/tensor/generator.h"

namespace tg::nn {

class ReLUImpl : public Module {
 public:
  TG_CLONEABLE
  explicit ReLUImpl(bool inplace = false) : Module("ReLU"), inplace(inplace) {}
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  bool inplace;
};
TG_MODULE(ReLU);

class LeakyReLUImpl : public Module {
 public:
  TG_CLONEABLE
  explicit LeakyReLUImpl(double negative_slope = 0.01, bool inplace = false)
      : Module("LeakyReLU"), negative_slope(negative_slope), inplace(inplace) {}
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  double negative_slope;
  bool inplace;
};
TG_MODULE(LeakyReLU);

class ELUImpl : public Module {
 public:
  TG_CLONEABLE
  explicit ELUImpl(double alpha = 1.0, bool inplace = false) : Module("ELU"), alpha(alpha), inplace(inplace) {}
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  double alpha;
  bool inplace;
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
  explicit SiLUImpl(bool inplace = false) : Module("SiLU"), inplace(inplace) {}
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  bool inplace;
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

// Softmax, LogSoftmax and Softmin without dim take torch's implicit choice at each call: dim 0
// for 0-, 1- and 3-D input, else 1.
class SoftmaxImpl : public Module {
 public:
  TG_CLONEABLE
  explicit SoftmaxImpl(std::optional<int64_t> dim = std::nullopt) : Module("Softmax"), dim(dim) {}
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  std::optional<int64_t> dim;
};
TG_MODULE(Softmax);

class LogSoftmaxImpl : public Module {
 public:
  TG_CLONEABLE
  explicit LogSoftmaxImpl(std::optional<int64_t> dim = std::nullopt) : Module("LogSoftmax"), dim(dim) {}
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  std::optional<int64_t> dim;
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

// Activations without parameters; those with torch's inplace flag overwrite their input with the
// result when it is set.
#define TG_INPLACE_ACTIVATION(Name)                                                \
  class Name##Impl : public Module {                                               \
   public:                                                                         \
    TG_CLONEABLE                                                                   \
    explicit Name##Impl(bool inplace = false) : Module(#Name), inplace(inplace) {} \
    Tensor forward(const Tensor& input) override;                                  \
    std::string extra_repr() const override;                                       \
    bool inplace;                                                                  \
  };                                                                               \
  TG_MODULE(Name)
TG_INPLACE_ACTIVATION(ReLU6);
TG_INPLACE_ACTIVATION(SELU);
TG_INPLACE_ACTIVATION(Hardsigmoid);
TG_INPLACE_ACTIVATION(Hardswish);
TG_INPLACE_ACTIVATION(Mish);
#undef TG_INPLACE_ACTIVATION
#define TG_PLAIN_ACTIVATION(Name)                 \
  class Name##Impl : public Module {              \
   public:                                        \
    TG_CLONEABLE                                  \
    Name##Impl() : Module(#Name) {}               \
    Tensor forward(const Tensor& input) override; \
  };                                              \
  TG_MODULE(Name)
TG_PLAIN_ACTIVATION(LogSigmoid);
TG_PLAIN_ACTIVATION(Softsign);
TG_PLAIN_ACTIVATION(Tanhshrink);
#undef TG_PLAIN_ACTIVATION

class CELUImpl : public Module {
 public:
  TG_CLONEABLE
  explicit CELUImpl(double alpha = 1.0, bool inplace = false) : Module("CELU"), alpha(alpha), inplace(inplace) {}
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  double alpha;
  bool inplace;
};
TG_MODULE(CELU);

class HardtanhImpl : public Module {
 public:
  TG_CLONEABLE
  explicit HardtanhImpl(double min_val = -1.0, double max_val = 1.0, bool inplace = false)
      : Module("Hardtanh"), min_val(min_val), max_val(max_val), inplace(inplace) {}
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  double min_val, max_val;
  bool inplace;
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
  ThresholdImpl(double threshold, double value, bool inplace = false)
      : Module("Threshold"), threshold(threshold), value(value), inplace(inplace) {}
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  double threshold, value;
  bool inplace;
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
  explicit SoftminImpl(std::optional<int64_t> dim = std::nullopt) : Module("Softmin"), dim(dim) {}
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  std::optional<int64_t> dim;
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
  double init;
  Tensor weight;
};
TG_MODULE(PReLU);

// Randomized leaky ReLU (functional::rrelu): random slopes in training, their mean in eval.
class RReLUImpl : public Module {
 public:
  TG_CLONEABLE
  explicit RReLUImpl(double lower = 1.0 / 8, double upper = 1.0 / 3, bool inplace = false)
      : Module("RReLU"), lower(lower), upper(upper), inplace(inplace) {}
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  double lower, upper;
  bool inplace;
  Generator* generator = nullptr;
};
TG_MODULE(RReLU);

}  // namespace tg::nn
