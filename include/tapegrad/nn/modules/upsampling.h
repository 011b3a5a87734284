#pragma once
// torch.nn.Upsample: F::interpolate with fixed options.
#include <string>

#include "tapegrad/nn/functional/upsampling.h"
#include "tapegrad/nn/module.h"

namespace tg::nn {

class UpsampleImpl : public Module {
 public:
  explicit UpsampleImpl(functional::InterpolateOptions options);
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  functional::InterpolateOptions options;
};
TG_MODULE(Upsample);

}  // namespace tg::nn
