#pragma once
// Helpers shared by the solver and factorization front ends: input checks, batch counts and the
// column-major copies LAPACK-style kernels work on. Nothing here records for autograd but
// lu_parts, which is made of tensor ops (so that gradients flow through it where they are on).
#include <string>
#include <utility>
#include <vector>

#include "tapegrad/tensor/tensor.h"

namespace tg::ops {

// A floating [..., m, n] input (square with `square`) of float32 or float64.
void check_matrices(const char* op, const Tensor& a, bool square);
// The number of m x n matrices in a [..., m, n] (0 when any dim is 0).
int64_t matrix_count(const Tensor& a);
// " (batch element b)" for batched inputs, as PyTorch's messages say; empty for one matrix.
std::string where_in_batch(const Tensor& a, int64_t b);
// Raises tg::LinAlgError naming the first matrix of a [..., m, n] holding a NaN or an inf, for
// the factorizations that would not converge on one: "{op}: ... values{where}: {consequence}".
void check_finite_matrices(const char* op, const Tensor& a, const char* consequence);
// A fresh contiguous copy of a's transpose: a's matrices in column-major order; no autograd.
Tensor column_major(const Tensor& a);
// a's batch dims (all but the last two); a batch shape with rows x cols appended.
Shape batch_shape(const Tensor& a);
Shape with_matrix_dims(Shape batch, int64_t rows, int64_t cols);
// The linalg _ex forms' info: the kernels' per-matrix codes as int32 of the batch shape on a's
// device (zeros where the kernels visited no matrix: empty ones).
Tensor info_tensor(const Tensor& a, std::vector<int32_t> codes, const Shape& batch);
// The LU factorization A = P L U of a [..., m, n] with partial pivoting, on the backend's kernel
// (LAPACK's getrf, cuSOLVER's); k = min(m, n).
struct LU {
  Tensor factors;             // column-major: U on and above the diagonal, L (unit diagonal) below it
  Tensor pivots;              // int32 [..., k], 1-based: row i was swapped with row pivots[i] - 1
  std::vector<int32_t> info;  // per matrix: k > 0 when U[k - 1][k - 1] is exactly zero
};
LU lu_factor(const Tensor& a);
// The parts of a packed LU [..., m, n] (lu_factor's form, or a gradient of that shape),
// k = min(m, n): strictly below the diagonal [..., m, k] (L without its unit diagonal), and on
// and above it [..., k, n] (U).
std::pair<Tensor, Tensor> lu_parts(const Tensor& LU);
// The machine epsilon of float32 or float64 (default tolerances of rank decisions).
double machine_eps(DType dtype);

}  // namespace tg::ops
