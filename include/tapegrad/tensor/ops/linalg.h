#pragma once
// Matrix products. Float32 and bfloat16 run on oneDNN matmul primitives (cached by shape).
#include <string_view>

#include "tapegrad/tensor/tensor.h"

namespace tg {

// PyTorch's matmul: 1-D x 1-D is a dot product, 2-D x 2-D a matrix product, and higher ranks a
// batched product whose batch dims broadcast; a 1-D operand gets a dim added and removed.
Tensor matmul(const Tensor& self, const Tensor& other, TG_CALLER);
Tensor mm(const Tensor& self, const Tensor& other, TG_CALLER);
Tensor bmm(const Tensor& self, const Tensor& other, TG_CALLER);
// beta * self + alpha * (mat1 @ mat2)
Tensor addmm(const Tensor& self, const Tensor& mat1, const Tensor& mat2, const Scalar& beta = 1,
             const Scalar& alpha = 1, TG_CALLER);
Tensor dot(const Tensor& self, const Tensor& other, TG_CALLER);
Tensor outer(const Tensor& self, const Tensor& other, TG_CALLER);
// Einstein summation over one or two operands, with "..." and an optional "->output".
Tensor einsum(std::string_view equation, const tensor_list& operands, TG_CALLER);

}  // namespace tg
