#pragma once
// The torch.nn.functional activations that are compositions of tensor ops. The fused ones (relu,
// gelu, silu, elu, selu, celu, hardtanh, relu6, hardsigmoid, hardswish, mish, ...) are tensor ops
// in tapegrad/tensor/ops/elementwise.h, and functional.h brings their names in here.
#include "tapegrad/tensor/tensor.h"

namespace tg::nn::functional {

// log(sigmoid(x)), computed as softplus with beta = -1 (one fused pass, exact for large |x|).
Tensor logsigmoid(const Tensor& input, TG_CALLER);
// x / (1 + |x|).
Tensor softsign(const Tensor& input, TG_CALLER);
// x - tanh(x).
Tensor tanhshrink(const Tensor& input, TG_CALLER);
// x where |x| > lambd, else 0.
Tensor hardshrink(const Tensor& input, double lambd = 0.5, TG_CALLER);
// x - lambd above lambd, x + lambd below -lambd, else 0; lambd >= 0.
Tensor softshrink(const Tensor& input, double lambd = 0.5, TG_CALLER);
// x where x > threshold, else value.
Tensor threshold(const Tensor& input, double threshold, double value, TG_CALLER);
// The gated linear unit: the input split in two halves a, b along dim, a * sigmoid(b).
Tensor glu(const Tensor& input, int64_t dim = -1, TG_CALLER);
// softmax(-x).
Tensor softmin(const Tensor& input, int64_t dim, TG_CALLER);
// max(0, x) + weight * min(0, x), weight holding one slope or one per channel (dim 1).
Tensor prelu(const Tensor& input, const Tensor& weight, TG_CALLER);

}  // namespace tg::nn::functional
