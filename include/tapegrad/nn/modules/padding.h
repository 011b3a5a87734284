#pragma once
// The padding layers (ZeroPad2d, ConstantPad1d, ReflectionPad2d, ...): F::pad with a fixed
// mode, padding and value. The padding is F::pad's list: {left, right} for the 1-D layers,
// {left, right, top, bottom} for the 2-D ones, then {front, back} for the 3-D ones.
#include <string>
#include <vector>

#include "tapegrad/nn/module.h"

namespace tg::nn {

class PadImpl : public Module {
 public:
  TG_CLONEABLE
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  std::vector<int64_t> padding;
  std::string mode;
  double value;

 protected:
  PadImpl(const char* name, std::string mode, int dims, std::vector<int64_t> padding, double value = 0.0);
};

#define TG_PAD_MODULE(Name, mode, dims)                                                                   \
  class Name##Impl : public PadImpl {                                                                     \
   public:                                                                                                \
    TG_CLONEABLE                                                                                          \
    explicit Name##Impl(std::vector<int64_t> padding) : PadImpl(#Name, mode, dims, std::move(padding)) {} \
  };                                                                                                      \
  TG_MODULE(Name)
TG_PAD_MODULE(ZeroPad1d, "constant", 1);
TG_PAD_MODULE(ZeroPad2d, "constant", 2);
TG_PAD_MODULE(ReflectionPad1d, "reflect", 1);
TG_PAD_MODULE(ReflectionPad2d, "reflect", 2);
TG_PAD_MODULE(ReplicationPad1d, "replicate", 1);
TG_PAD_MODULE(ReplicationPad2d, "replicate", 2);
TG_PAD_MODULE(CircularPad1d, "circular", 1);
TG_PAD_MODULE(CircularPad2d, "circular", 2);
TG_PAD_MODULE(ZeroPad3d, "constant", 3);
TG_PAD_MODULE(ReflectionPad3d, "reflect", 3);
TG_PAD_MODULE(ReplicationPad3d, "replicate", 3);
TG_PAD_MODULE(CircularPad3d, "circular", 3);
#undef TG_PAD_MODULE

class ConstantPad1dImpl : public PadImpl {
 public:
  TG_CLONEABLE
  ConstantPad1dImpl(std::vector<int64_t> padding, double value)
      : PadImpl("ConstantPad1d", "constant", 1, std::move(padding), value) {}
};
TG_MODULE(ConstantPad1d);
class ConstantPad2dImpl : public PadImpl {
 public:
  TG_CLONEABLE
  ConstantPad2dImpl(std::vector<int64_t> padding, double value)
      : PadImpl("ConstantPad2d", "constant", 2, std::move(padding), value) {}
};
TG_MODULE(ConstantPad2d);
class ConstantPad3dImpl : public PadImpl {
 public:
  TG_CLONEABLE
  ConstantPad3dImpl(std::vector<int64_t> padding, double value)
      : PadImpl("ConstantPad3d", "constant", 3, std::move(padding), value) {}
};
TG_MODULE(ConstantPad3d);

}  // namespace tg::nn
