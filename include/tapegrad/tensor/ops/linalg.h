#pragma once
// Matrix products (float32 and bfloat16 on oneDNN matmul primitives, cached by shape) and
// square-matrix solvers and factorizations (LAPACK on the CPU, cuSOLVER on the GPU).
#include <string_view>
#include <tuple>

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

// torch.linalg's names. Square matrices [..., n, n], batched over the leading dims; float32 or
// float64; differentiable (to any order).
namespace linalg {
// A^-1; a singular matrix is an error.
Tensor inv(const Tensor& A, TG_CALLER);
Tensor det(const Tensor& A, TG_CALLER);
// (sign, log|det|): sign 0 and -inf for a singular matrix.
std::tuple<Tensor, Tensor> slogdet(const Tensor& A, TG_CALLER);
// X with A X = B, for B [..., n, k], or vectors B [..., n] (B 1-D or A's shape without the last
// dim); batch dims broadcast. A singular matrix is an error.
Tensor solve(const Tensor& A, const Tensor& B, TG_CALLER);
// L lower-triangular with L L^T = A (U = L^T with upper), from A's lower triangle; a matrix
// that is not positive-definite is an error.
Tensor cholesky(const Tensor& A, bool upper = false, TG_CALLER);
// (eigenvalues ascending [..., n], orthonormal eigenvectors as columns [..., n, n]) of the
// symmetric matrices read from A's lower triangle ("L") or upper one ("U"). Each eigenvector's
// sign is arbitrary; gradients are for losses that do not depend on it, and are unbounded where
// eigenvalues repeat.
std::tuple<Tensor, Tensor> eigh(const Tensor& A, std::string_view uplo = "L", TG_CALLER);
Tensor eigvalsh(const Tensor& A, std::string_view uplo = "L", TG_CALLER);
}  // namespace linalg

Tensor inverse(const Tensor& A, TG_CALLER);
Tensor det(const Tensor& A, TG_CALLER);
// log(det(A)): NaN where det < 0, -inf where it is 0.
Tensor logdet(const Tensor& A, TG_CALLER);
std::tuple<Tensor, Tensor> slogdet(const Tensor& A, TG_CALLER);

}  // namespace tg
