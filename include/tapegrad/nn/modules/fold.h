#pragma once
// Unfold and Fold (torch.nn names): F::unfold and F::fold with fixed options.
#include "tapegrad/nn/functional/fold.h"
#include "tapegrad/nn/module.h"

namespace tg::nn {

class UnfoldImpl : public Module {
 public:
  TG_CLONEABLE
  explicit UnfoldImpl(functional::FoldOptions options) : Module("Unfold"), options(options) {}
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  functional::FoldOptions options;
};
class Unfold : public ::tg::nn::ModuleHolder<UnfoldImpl> {
 public:
  using ModuleHolder::ModuleHolder;
  Unfold(const functional::FoldOptions& options) : ModuleHolder(std::make_shared<UnfoldImpl>(options)) {}
};

class FoldImpl : public Module {
 public:
  TG_CLONEABLE
  FoldImpl(Size2 output_size, functional::FoldOptions options)
      : Module("Fold"), output_size(output_size), options(options) {}
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  Size2 output_size;
  functional::FoldOptions options;
};
TG_MODULE(Fold);

}  // namespace tg::nn
