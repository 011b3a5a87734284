#pragma once
// What the random fills share (Tensor's uniform_ / normal_ and family, nn::init's initialisers):
// the generator to draw from, and a tensor's draws, whose shape is the tensor's or, for a complex
// tensor, [..., 2] viewed as complex, so that both parts are drawn alike (PyTorch's).
#include "tapegrad/tensor/generator.h"
#include "tapegrad/tensor/ops.h"

namespace tg::ops {

inline Generator& gen_or_default(Generator* g) { return g ? *g : default_generator(); }

inline Shape draw_shape(const Tensor& t) {
  Shape shape = t.sizes();
  if (t.is_complex()) shape.push_back(2);
  return shape;
}

inline Tensor as_values(const Tensor& t, const Tensor& draws) {
  return t.is_complex() ? tg::view_as_complex(draws) : draws;
}

}  // namespace tg::ops
