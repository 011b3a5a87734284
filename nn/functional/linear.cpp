// linear and bilinear, composed from matmul / addmm so that autograd and the matmul kernels serve
// them (linear's bias rides in the product's kernel).
#include "tapegrad/nn/functional/linear.h"

#include "tapegrad/tensor/ops.h"
#include "tensor/ops/common.h"

namespace tg::nn::functional {

Tensor linear(const Tensor& input_in, const Tensor& weight_in, const Tensor& bias_in, SourceLoc loc) {
  detail::ApiScope scope("linear", loc);
  // Under autocast the bias goes down too, so that the sum stays in the lower precision.
  const Tensor input = ops::autocast_lower(input_in), weight = ops::autocast_lower(weight_in),
               bias = ops::autocast_lower(bias_in);
  ops::check_defined("linear", input, "input");
  ops::check_defined("linear", weight, "weight");
  TG_CHECK(weight.dim() == 2 || weight.dim() == 1, "linear: expected a weight [out_features, in_features], got shape {}",
           weight.sizes());
  TG_CHECK(input.dim() >= 1 && input.sizes()[input.dim() - 1] == weight.sizes()[weight.dim() - 1],
           "linear: input of shape {} does not match weight of shape {} (in_features {})", input.sizes(),
           weight.sizes(), weight.sizes()[weight.dim() - 1]);
  if (bias.defined())
    TG_CHECK(bias.dim() <= 1 && bias.numel() == (weight.dim() == 2 ? weight.sizes()[0] : 1),
             "linear: expected a bias of shape [{}], got {}", weight.dim() == 2 ? weight.sizes()[0] : 1, bias.sizes());
  // [..., in] as [rows, in] and the bias through addmm: one product with the bias fused.
  if (bias.defined() && bias.dim() == 1 && weight.dim() == 2 && input.dim() >= 2 && input.dtype() == weight.dtype() &&
      bias.dtype() == weight.dtype()) {
    const int64_t in = weight.sizes()[1], out = weight.sizes()[0];
    Shape out_shape = input.sizes();
    out_shape[out_shape.size() - 1] = out;
    const Tensor x2 = input.dim() == 2 ? input : input.reshape({-1, in});
    const Tensor y = addmm(bias, x2, weight.t());
    return input.dim() == 2 ? y : y.view(out_shape);
  }
  Tensor y = matmul(input, weight.dim() == 2 ? weight.t() : weight);
  if (!bias.defined()) return y;
  return y + bias;
}

Tensor bilinear(const Tensor& input1, const Tensor& input2, const Tensor& weight, const Tensor& bias, SourceLoc loc) {
  detail::ApiScope scope("bilinear", loc);
  ops::check_defined("bilinear", input1, "input1");
  ops::check_defined("bilinear", input2, "input2");
  ops::check_defined("bilinear", weight, "weight");
  TG_CHECK(weight.dim() == 3, "bilinear: expected a weight [out, in1, in2], got shape {}", weight.sizes());
  const int64_t out = weight.sizes()[0], in1 = weight.sizes()[1], in2 = weight.sizes()[2];
  TG_CHECK(input1.dim() >= 1 && input1.sizes()[input1.dim() - 1] == in1 && input2.dim() >= 1 &&
               input2.sizes()[input2.dim() - 1] == in2,
           "bilinear: inputs of shapes {} and {} do not match weight of shape {}", input1.sizes(), input2.sizes(),
           weight.sizes());
  Shape lead1 = input1.sizes(), lead2 = input2.sizes();
  lead1.pop_back();
  lead2.pop_back();
  TG_CHECK(lead1 == lead2, "bilinear: inputs of shapes {} and {} differ in their leading dims", input1.sizes(),
           input2.sizes());
  // y[b, o] = sum_j (sum_i x1[b, i] A[o, i, j]) x2[b, j]: one matmul against A laid out [i, o * j].
  Tensor x1 = input1.reshape({-1, in1}), x2 = input2.reshape({-1, in2});
  Tensor t = matmul(x1, weight.permute({1, 0, 2}).reshape({in1, out * in2})).view({-1, out, in2});
  Tensor y = (t * x2.unsqueeze(1)).sum({2});
  if (bias.defined()) {
    TG_CHECK(bias.dim() == 1 && bias.sizes()[0] == out, "bilinear: expected a bias of shape [{}], got {}", out,
             bias.sizes());
    y = y + bias;
  }
  Shape out_shape = lead1;
  out_shape.push_back(out);
  return y.view(out_shape);
}

}  // namespace tg::nn::functional
