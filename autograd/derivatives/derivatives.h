#pragma once
// Backward formulas, one function per op family, called by the op front ends when an input
// requires grad. Each makes the op's node (edges from the inputs, saved tensors, formula);
// the caller attaches it to the output (set_history) or, for in-place ops, rebases the
// modified tensor's history on it.
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "autograd/record.h"
#include "kernels/kernels.h"

namespace tg::autograd::derivatives {

// Elementwise. `self` gives the edge; `self_value` is what the formula sees as self (a copy of
// the old values for in-place ops); `result` the op's output.
std::shared_ptr<Node> unary_node(kernels::UnaryOp op, const Tensor& self, const Tensor& self_value, const Tensor& result);
std::shared_ptr<Node> binary_node(kernels::BinaryOp op, const Tensor& self, const Tensor& self_value, const Tensor& other,
                             const Tensor& result, const Scalar& alpha);
std::shared_ptr<Node> clamp_node(const Tensor& self, const Tensor& self_value, const std::optional<Scalar>& lo,
                            const std::optional<Scalar>& hi);
// addcmul, addcdiv and lerp (self, tensor1 or end, tensor2 or weight).
std::shared_ptr<Node> ternary_node(kernels::TernaryOp op, const Tensor& self, const Tensor& b, const Tensor& c,
                                   const Scalar& value);
std::shared_ptr<Node> where_node(const Tensor& condition, const Tensor& self, const Tensor& other);
std::shared_ptr<Node> cast_node(const Tensor& self);
std::shared_ptr<Node> to_device_node(const Tensor& self);
std::shared_ptr<Node> copy_node(const Tensor& dst, const Tensor& src);
std::shared_ptr<Node> fill_node(const Tensor& self, const Tensor& value);
// The fused activations (kernels::ActivationOp), saving self.
std::shared_ptr<Node> activation_node(kernels::ActivationOp op, const kernels::ActivationParams& p, const Tensor& self);
// The fused activation's input gradient: the backward kernel, or tensor ops under create_graph.
Tensor activation_grad(kernels::ActivationOp op, const kernels::ActivationParams& p, const Tensor& grad,
                       const Tensor& x);

// Views: the view's geometry relative to the input.
std::shared_ptr<Node> reshape_like_node(const char* name, const Tensor& self);
std::shared_ptr<Node> permute_node(const Tensor& self, const Shape& dims);
std::shared_ptr<Node> expand_node(const Tensor& self);
// A slicing view (narrow, select, slice, diagonal, as_strided) whose elements sit at (sizes,
// strides, offset) of a contiguous tensor of self's shape.
std::shared_ptr<Node> strided_view_node(const char* name, const Tensor& self, const Shape& sizes, const Shape& strides,
                                   int64_t offset);
std::shared_ptr<Node> clone_node(const Tensor& self);
// Complex numbers: the views that change the element type, the conjugate, and angle (saving self).
std::shared_ptr<Node> view_as_real_node(const Tensor& self);
std::shared_ptr<Node> view_as_complex_node(const Tensor& self);
std::shared_ptr<Node> conj_node(const Tensor& self);
std::shared_ptr<Node> angle_node(const Tensor& self);
// The scaled transform along dim d (fft.h): its gradient is the opposite transform, same scale.
std::shared_ptr<Node> fft_node(const Tensor& self, int d, bool inverse, double scale);
std::shared_ptr<Node> fft_r2c_node(const Tensor& self, int d, double scale);
std::shared_ptr<Node> fft_c2r_node(const Tensor& self, int d, int64_t n, double scale);

// Reductions.
std::shared_ptr<Node> sum_node(const Tensor& self, const Shape& dims, bool keepdim);
std::shared_ptr<Node> mean_node(const Tensor& self, const Shape& dims, bool keepdim);
std::shared_ptr<Node> prod_node(const Tensor& self, const Tensor& result, const Shape& dims, bool keepdim);
std::shared_ptr<Node> amax_amin_node(const char* name, const Tensor& self, const Tensor& result, const Shape& dims,
                                bool keepdim);
// A full reduction that picked one value (median()): the gradient shared evenly by the elements
// equal to it, or by the NaNs when it is NaN, as PyTorch's evenly_distribute_backward.
std::shared_ptr<Node> evenly_distributed_node(const char* name, const Tensor& self, const Tensor& result);
std::shared_ptr<Node> indexed_extreme_node(const char* name, const Tensor& self, const Tensor& indices, int64_t dim,
                                      bool keepdim);
// std = sqrt(var): the gradient flows to var, zero where std is zero.
std::shared_ptr<Node> std_node(const Tensor& var, const Tensor& result);
std::shared_ptr<Node> norm_node(const Tensor& self, const Tensor& result, double p, const Shape& dims, bool keepdim);

// Scans along dim; `result` is the op's output, `indices` cummax/cummin's positions.
std::shared_ptr<Node> cumsum_node(const Tensor& self, int64_t dim);
std::shared_ptr<Node> cumprod_node(const Tensor& self, const Tensor& result, int64_t dim);
std::shared_ptr<Node> cummax_cummin_node(const char* name, const Tensor& self, const Tensor& indices, int64_t dim);
std::shared_ptr<Node> logcumsumexp_node(const Tensor& self, const Tensor& result, int64_t dim);

// Shape ops.
std::shared_ptr<Node> cat_node(const tensor_list& inputs, int64_t dim);
// Multi-output views: every piece is an output of one node.
std::shared_ptr<Node> split_node(const Tensor& self, int64_t dim);
std::shared_ptr<Node> unbind_node(const Tensor& self, int64_t dim);
std::shared_ptr<Node> flip_node(const Tensor& self, const Shape& dims);
std::shared_ptr<Node> pad_node(const Tensor& self, const std::vector<int64_t>& pads);
// tril/triu: the gradient is the same triangle of the incoming one.
std::shared_ptr<Node> triangle_node(const Tensor& self, int64_t diagonal, bool lower);

// Indexing.
std::shared_ptr<Node> index_node(const Tensor& self, const std::vector<std::optional<Tensor>>& indices);
std::shared_ptr<Node> index_put_node(const Tensor& self, const std::vector<std::optional<Tensor>>& indices,
                                const Tensor& values, bool accumulate);
std::shared_ptr<Node> gather_node(const Tensor& self, int64_t dim, const Tensor& index);
std::shared_ptr<Node> scatter_node(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& src, bool add);
std::shared_ptr<Node> scatter_reduce_node(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& src,
                                          std::string_view reduce, bool include_self, const Tensor& result);
std::shared_ptr<Node> sorted_values_node(const char* name, const Tensor& self, int64_t dim, const Tensor& indices);
std::shared_ptr<Node> strided_scatter_node(const Tensor& base, const Tensor& src, const Shape& sizes, const Shape& strides,
                                      int64_t offset, bool accumulate);

// Linear algebra and softmax.
// a @ b (+ bias, broadcast over the rows, when defined).
std::shared_ptr<Node> matmul_node(const Tensor& a, const Tensor& b, const Tensor& bias = {});
// Square solvers: A X = B for A, B of one batch shape (B [..., n, k]); result X.
std::shared_ptr<Node> solve_node(const Tensor& A, const Tensor& B, const Tensor& result);
// det, and slogdet's log|det| (and, for complex A, its sign, saved second): through A^-H.
std::shared_ptr<Node> det_node(const Tensor& A, const Tensor& result);
std::shared_ptr<Node> slogdet_node(const Tensor& A);
// The lower Cholesky factor L of A.
std::shared_ptr<Node> cholesky_node(const Tensor& A, const Tensor& L);
// eigh's two outputs, eigenvalues w and eigenvectors V: the caller sets both outputs' history
// and then saves w and V (saved outputs record their output number when saved).
std::shared_ptr<Node> eigh_node(const Tensor& A);
// eig's eigenvalues L and eigenvectors V, set and saved as eigh's.
std::shared_ptr<Node> eig_node(const Tensor& A);
// X with A X = B for triangular A (upper or lower; unit: diagonal taken as ones), A and B of one
// batch shape; A's gradient keeps to the triangle read.
std::shared_ptr<Node> triangular_solve_node(const Tensor& A, const Tensor& B, const Tensor& X, bool upper, bool unit);
// qr's outputs Q and R, and svd's U, S and Vh: the caller sets the outputs' history, then saves
// them in that order. qr in mode "r", or "complete" with more rows than columns, and an svd with
// full matrices narrowed to the first min(m, n) vectors in the backward (PyTorch's rules).
std::shared_ptr<Node> qr_node(const Tensor& A, std::string_view mode);
std::shared_ptr<Node> svd_node(const Tensor& A, bool full_matrices);
// The least-squares solution X = pinv(A) B of a rank-revealing solver, pinv's singular values
// at most rtol * the largest dropped.
std::shared_ptr<Node> lstsq_node(const Tensor& A, const Tensor& B, double rtol);
// The LU factorization A = P L U of square A. lu_factor's output is the packed LU (the caller
// saves it as an output, then the permutation P); lu's node has L and U as its outputs (the
// caller saves P, then L and U as outputs).
std::shared_ptr<Node> lu_factor_node(const Tensor& A);
std::shared_ptr<Node> lu_node(const Tensor& A);
std::shared_ptr<Node> softmax_node(const Tensor& self, const Tensor& result, int64_t dim, bool log);

}  // namespace tg::autograd::derivatives
