#pragma once
// Matrix products (float32 and bfloat16 on oneDNN matmul primitives, cached by shape), solvers,
// factorizations (LAPACK on the CPU, cuSOLVER and cuBLAS on the GPU) and norms.
#include <optional>
#include <string_view>
#include <tuple>
#include <vector>

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
// A matrix [n, m] times a vector [m].
Tensor mv(const Tensor& self, const Tensor& vec, TG_CALLER);
// beta * self + alpha * product, with self broadcast to the product's shape (beta = 0 ignores
// self, its NaNs included, as PyTorch): of mat @ vec, of outer(vec1, vec2), of bmm(batch1, batch2),
// and of the sum over the batch of batch1[i] @ batch2[i].
Tensor addmv(const Tensor& self, const Tensor& mat, const Tensor& vec, const Scalar& beta = 1, const Scalar& alpha = 1,
             TG_CALLER);
Tensor addr(const Tensor& self, const Tensor& vec1, const Tensor& vec2, const Scalar& beta = 1, const Scalar& alpha = 1,
            TG_CALLER);
Tensor baddbmm(const Tensor& self, const Tensor& batch1, const Tensor& batch2, const Scalar& beta = 1,
               const Scalar& alpha = 1, TG_CALLER);
Tensor addbmm(const Tensor& self, const Tensor& batch1, const Tensor& batch2, const Scalar& beta = 1,
              const Scalar& alpha = 1, TG_CALLER);
// The in-place forms: self must have the product's shape (it is not broadcast up).
const Tensor& addmm_(const Tensor& self, const Tensor& mat1, const Tensor& mat2, const Scalar& beta = 1,
                     const Scalar& alpha = 1, TG_CALLER);
const Tensor& addmv_(const Tensor& self, const Tensor& mat, const Tensor& vec, const Scalar& beta = 1,
                     const Scalar& alpha = 1, TG_CALLER);
const Tensor& addr_(const Tensor& self, const Tensor& vec1, const Tensor& vec2, const Scalar& beta = 1,
                    const Scalar& alpha = 1, TG_CALLER);
const Tensor& baddbmm_(const Tensor& self, const Tensor& batch1, const Tensor& batch2, const Scalar& beta = 1,
                       const Scalar& alpha = 1, TG_CALLER);
const Tensor& addbmm_(const Tensor& self, const Tensor& batch1, const Tensor& batch2, const Scalar& beta = 1,
                      const Scalar& alpha = 1, TG_CALLER);
// The sum of products over the last dim of both (a scalar operand multiplies).
Tensor inner(const Tensor& self, const Tensor& other, TG_CALLER);
// The sum of products over dims_a of a paired with dims_b of b; the result has a's other dims,
// then b's. `dims` = n pairs a's last n dims with b's first n.
Tensor tensordot(const Tensor& a, const Tensor& b, int64_t dims = 2, TG_CALLER);
Tensor tensordot(const Tensor& a, const Tensor& b, const std::vector<int64_t>& dims_a,
                 const std::vector<int64_t>& dims_b, TG_CALLER);
// Einstein summation over any number of operands (contracted pairwise, left to right), with "..."
// and an optional "->output".
Tensor einsum(std::string_view equation, const tensor_list& operands, TG_CALLER);

// torch.linalg's names. Square matrices [..., n, n], batched over the leading dims; float32 or
// float64; differentiable (to any order).
namespace linalg {
// A^-1; a singular matrix raises tg::LinAlgError.
Tensor inv(const Tensor& A, TG_CALLER);
Tensor det(const Tensor& A, TG_CALLER);
// (sign, log|det|): sign 0 and -inf for a singular matrix.
std::tuple<Tensor, Tensor> slogdet(const Tensor& A, TG_CALLER);
// X with A X = B, for B [..., n, k], or vectors B [..., n] (B 1-D or A's shape without the last
// dim); batch dims broadcast. A singular matrix raises tg::LinAlgError.
Tensor solve(const Tensor& A, const Tensor& B, TG_CALLER);
// L lower-triangular with L L^H = A (U = L^H with upper), from A's lower triangle; a matrix
// that is not positive-definite (a NaN pivot included) raises tg::LinAlgError.
Tensor cholesky(const Tensor& A, bool upper = false, TG_CALLER);
// (eigenvalues ascending [..., n] (real), orthonormal eigenvectors as columns [..., n, n]) of the
// symmetric (Hermitian) matrices read from A's lower triangle ("L") or upper one ("U"). Each
// eigenvector's sign (phase) is arbitrary; gradients are for losses that do not depend on it, and
// are unbounded where eigenvalues repeat.
std::tuple<Tensor, Tensor> eigh(const Tensor& A, std::string_view uplo = "L", TG_CALLER);
Tensor eigvalsh(const Tensor& A, std::string_view uplo = "L", TG_CALLER);
// (eigenvalues [..., n], right eigenvectors as columns [..., n, n]) of general square matrices,
// complex (complex64 for float32 and complex64 input, else complex128), in LAPACK's order; each
// eigenvector has unit norm and its largest component real. Gradients are for losses that do not
// depend on the eigenvectors' phases (a ValueError otherwise, as PyTorch's); a real A gets the
// real part.
std::tuple<Tensor, Tensor> eig(const Tensor& A, TG_CALLER);
Tensor eigvals(const Tensor& A, TG_CALLER);

// The rest take any [..., m, n] matrices.
// A = Q R with Q's columns orthonormal and R upper-triangular. mode "reduced": Q [..., m, k], R
// [..., k, n] (k = min(m, n)); "complete": Q [..., m, m], R [..., m, n]; "r": R only (Q empty,
// not differentiable). Differentiable in "reduced" mode and in "complete" mode with m <= n.
std::tuple<Tensor, Tensor> qr(const Tensor& A, std::string_view mode = "reduced", TG_CALLER);
// The first n columns of Q = H_1 ... H_k from Householder reflectors in geqrf's form: A [..., m, n]
// (m >= n) holds v_i below the diagonal of column i, tau [..., k] (k <= n) their scales.
Tensor householder_product(const Tensor& A, const Tensor& tau, TG_CALLER);
// A = U diag(S) Vh, singular values S descending: U [..., m, m], Vh [..., n, n] with
// full_matrices, else [..., m, k] and [..., k, n]. The signs of each pair of singular vectors are
// arbitrary; gradients (full_matrices false only) are for losses that do not depend on them, and
// are unbounded where singular values repeat.
std::tuple<Tensor, Tensor, Tensor> svd(const Tensor& A, bool full_matrices = true, TG_CALLER);
Tensor svdvals(const Tensor& A, TG_CALLER);
// X with A X = B (left) or X A = B for triangular A [..., n, n] (read from its upper or lower
// triangle; unitriangular: ones taken on the diagonal), B [..., n, k] or [..., k, n]; batch dims
// broadcast. A zero on the diagonal is an error.
Tensor solve_triangular(const Tensor& A, const Tensor& B, bool upper, bool left = true, bool unitriangular = false,
                        TG_CALLER);
// The least-squares solution X of A X = B, A [..., m, n], B [..., m, k] (batch dims broadcast),
// as (solution, residuals, rank, singular_values), torch.linalg.lstsq's fields. driver "gels"
// (QR; every A of full rank) or, on the CPU, LAPACK's rank-revealing "gelsy" (pivoted QR),
// "gelsd", "gelss" (SVD), giving the minimum-norm solution with singular values below rcond *
// the largest treated as zero (rcond defaults to the dtype's eps * max(m, n)). The default:
// "gelsy" on the CPU, "gels" on the GPU, as in PyTorch. rank is
// returned by all but "gels", singular_values by "gelsd" and "gelss", residuals (the squared
// residual norm of each column) when m > n and every A has full rank; the rest are empty.
std::tuple<Tensor, Tensor, Tensor, Tensor> lstsq(const Tensor& A, const Tensor& B,
                                                 std::optional<double> rcond = std::nullopt,
                                                 std::optional<std::string_view> driver = std::nullopt, TG_CALLER);
// Moore-Penrose pseudo-inverse [..., n, m]: singular values at most max(atol, rtol * largest)
// count as zero (atol 0 and rtol eps * max(m, n) when neither is given); hermitian: A is
// symmetric, decomposed by eigh.
Tensor pinv(const Tensor& A, std::optional<double> atol = std::nullopt, std::optional<double> rtol = std::nullopt,
            bool hermitian = false, TG_CALLER);
// How many singular values exceed that same tolerance, int64 [...].
Tensor matrix_rank(const Tensor& A, std::optional<double> atol = std::nullopt,
                   std::optional<double> rtol = std::nullopt, bool hermitian = false, TG_CALLER);
// The ord-norm of x over dims (all when empty) as one flattened vector: sum(|x|^ord)^(1/ord),
// with 0 counting non-zeros and +-inf the largest or smallest |x|.
Tensor vector_norm(const Tensor& x, const Scalar& ord = 2, const Shape& dims = {}, bool keepdim = false, TG_CALLER);
// Matrix norms over the two dims: "fro", "nuc" (sum of singular values), 2 / -2 (largest /
// smallest singular value), 1 / -1 (largest / smallest column sum of |A|), inf / -inf (rows).
Tensor matrix_norm(const Tensor& A, std::string_view ord = "fro", const Shape& dims = {-2, -1}, bool keepdim = false,
                   TG_CALLER);
Tensor matrix_norm(const Tensor& A, double ord, const Shape& dims = {-2, -1}, bool keepdim = false, TG_CALLER);
inline Tensor matrix_norm(const Tensor& A, const char* ord, const Shape& dims = {-2, -1}, bool keepdim = false,
                          TG_CALLER) {
  return matrix_norm(A, std::string_view(ord), dims, keepdim, loc);
}
// torch.linalg.norm: without ord, the 2-norm of the flattened dims (all by default); with ord,
// a vector norm over one dim or a matrix norm over two (a 1-D or 2-D A when no dims are given).
Tensor norm(const Tensor& A, std::optional<double> ord = std::nullopt, const Shape& dims = {}, bool keepdim = false,
            TG_CALLER);
Tensor norm(const Tensor& A, std::string_view ord, const Shape& dims = {}, bool keepdim = false, TG_CALLER);
inline Tensor norm(const Tensor& A, const char* ord, const Shape& dims = {}, bool keepdim = false, TG_CALLER) {
  return norm(A, std::string_view(ord), dims, keepdim, loc);
}
// The condition number in a matrix norm: ||A|| ||A^-1|| (for 2 / -2 and no ord: the ratio of
// the extreme singular values, any shape).
Tensor cond(const Tensor& A, std::optional<double> ord = std::nullopt, TG_CALLER);
Tensor cond(const Tensor& A, std::string_view ord, TG_CALLER);
// A^n for square A, by repeated squaring; n < 0 inverts first, n == 0 gives identities.
Tensor matrix_power(const Tensor& A, int64_t n, TG_CALLER);
// The product of a chain of matrices (the first may be 1-D, as the last), in the cheapest order.
Tensor multi_dot(const tensor_list& tensors, TG_CALLER);
// The LU factorization with partial pivoting of A [..., m, n]: A = P L U, L unit lower
// triangular. lu_factor returns (LU, pivots): L below LU's diagonal, U on and above it, and
// LAPACK's int32 pivots [..., min(m, n)] (1-based: row i was swapped with row pivots[i] - 1, in
// order); a zero on U's diagonal (a singular A) raises tg::LinAlgError, as in PyTorch: lu_factor_ex
// (with its info) and lu factor such an A too. lu returns (P, L, U). Both differentiable.
std::tuple<Tensor, Tensor> lu_factor(const Tensor& A, TG_CALLER);
std::tuple<Tensor, Tensor, Tensor> lu(const Tensor& A, TG_CALLER);
// X with A X = B (left) or X A = B, A given by lu_factor's (LU, pivots); adjoint: with A^H (A^T
// for real A).
// Differentiable in LU and B.
Tensor lu_solve(const Tensor& LU, const Tensor& pivots, const Tensor& B, bool left = true, bool adjoint = false,
                TG_CALLER);
// The LDL factorization with Bunch-Kaufman pivoting of symmetric A [..., n, n] (Hermitian with
// hermitian; only the lower triangle is read): P A P^T = L D L^T (L D L^H), D block-diagonal with
// 1 x 1 and 2 x 2 blocks. ldl_factor returns (LD, pivots) in LAPACK's compact form, as
// torch.linalg.ldl_factor: D's blocks on and below LD's diagonal, L's multipliers (unit diagonal)
// below them, zeros above; int32 pivots [..., n], 1-based, negative pairs marking a 2 x 2 block.
// A singular D is an error (ldl_factor_ex reports it in info instead: k > 0 where D[k - 1][k - 1]
// is exactly zero). Not differentiable, as in PyTorch: a gradient reaching LD is an error.
std::tuple<Tensor, Tensor> ldl_factor(const Tensor& A, bool hermitian = false, TG_CALLER);
std::tuple<Tensor, Tensor, Tensor> ldl_factor_ex(const Tensor& A, bool hermitian = false, bool check_errors = false,
                                                 TG_CALLER);
// X with A X = B, A given by ldl_factor's (LD, pivots) (int32 or int64) with the same hermitian;
// batch dims broadcast. Differentiable in B (the gradient solves with A^H); not in LD.
Tensor ldl_solve(const Tensor& LD, const Tensor& pivots, const Tensor& B, bool hermitian = false, TG_CALLER);
// The principal square root X (X X = A, X Hermitian positive-semidefinite) of symmetric
// (Hermitian) positive-definite A [..., n, n], from eigh of A's lower triangle; negative
// eigenvalues count as 0, as in PyTorch. Differentiable: X dX + dX X = dA, solved in X's eigenbasis.
Tensor matrix_sqrth(const Tensor& A, TG_CALLER);
// The polar decomposition A = U H of [..., m, n] with m >= n: U [..., m, n] with orthonormal
// columns (the nearest such matrix to A), H [..., n, n] Hermitian positive-semidefinite; from
// A's SVD. Differentiable where A has full column rank (H invertible), as PyTorch's.
std::tuple<Tensor, Tensor> polar(const Tensor& A, TG_CALLER);
// e^A of square A [..., n, n]: scaling and squaring with the degree-13 Pade approximant
// (Higham 2005); differentiable through its products and solve.
Tensor matrix_exp(const Tensor& A, TG_CALLER);
// Cross products of 3-vectors along dim (broadcast).
Tensor cross(const Tensor& a, const Tensor& b, int64_t dim = -1, TG_CALLER);
// The _ex forms also return `info`, int32 of the batch shape: 0 where the matrix factored, k > 0
// where U[k - 1][k - 1] is exactly zero (inv_ex, solve_ex, lu_factor_ex: A is singular) or where
// the leading minor of order k is not positive-definite (cholesky_ex). With check_errors false a
// failure shows only there, and that matrix's result holds what LAPACK left (infinities, NaNs,
// a partial factor); with it true, the error the plain form raises. solve_ex's left = false
// solves X A = B. lu_factor_ex takes pivot = true only.
std::tuple<Tensor, Tensor> inv_ex(const Tensor& A, bool check_errors = false, TG_CALLER);
std::tuple<Tensor, Tensor> solve_ex(const Tensor& A, const Tensor& B, bool left = true, bool check_errors = false,
                                    TG_CALLER);
std::tuple<Tensor, Tensor> cholesky_ex(const Tensor& A, bool upper = false, bool check_errors = false, TG_CALLER);
std::tuple<Tensor, Tensor, Tensor> lu_factor_ex(const Tensor& A, bool pivot = true, bool check_errors = false,
                                                TG_CALLER);
// The sum over dim of x * y (broadcast; one dtype).
Tensor vecdot(const Tensor& x, const Tensor& y, int64_t dim = -1, TG_CALLER);
// The Vandermonde matrices of x [..., n]: [..., n, N], column j holding x^j (N defaults to n;
// integers count in int64).
Tensor vander(const Tensor& x, std::optional<int64_t> N = std::nullopt, TG_CALLER);
// The inverse of A read as a matrix of its first `ind` dims by the rest (which must have as many
// elements): shape A.shape[ind:] + A.shape[:ind], so that tensordot(tensorinv(A), A, ind) is an
// identity.
Tensor tensorinv(const Tensor& A, int64_t ind = 2, TG_CALLER);
// X with tensordot(A, X, X.dim()) == B: X has the shape of A's dims past B's, after `dims` of A are
// moved to its end.
Tensor tensorsolve(const Tensor& A, const Tensor& B, const std::optional<Shape>& dims = std::nullopt, TG_CALLER);
}  // namespace linalg

// The dot product of two 1-D tensors of one length (real: dot's value).
Tensor vdot(const Tensor& self, const Tensor& other, TG_CALLER);
// The p-norm of self - other (broadcast), as one vector.
Tensor dist(const Tensor& self, const Tensor& other, const Scalar& p = 2, TG_CALLER);
// Each slice along dim whose p-norm exceeds maxnorm scaled down to norm maxnorm (PyTorch's 1e-7
// guard on the divisor); the others unchanged.
Tensor renorm(const Tensor& self, const Scalar& p, int64_t dim, const Scalar& maxnorm, TG_CALLER);
const Tensor& renorm_(const Tensor& self, const Scalar& p, int64_t dim, const Scalar& maxnorm, TG_CALLER);

Tensor inverse(const Tensor& A, TG_CALLER);
Tensor det(const Tensor& A, TG_CALLER);
// log(det(A)): NaN where det < 0, -inf where it is 0.
Tensor logdet(const Tensor& A, TG_CALLER);
std::tuple<Tensor, Tensor> slogdet(const Tensor& A, TG_CALLER);
Tensor pinverse(const Tensor& A, double rcond = 1e-15, TG_CALLER);
// X with A X = B for A = L L^T (L lower, or A = U^T U with upper) given its Cholesky factor;
// batch dims broadcast. cholesky_inverse is A^-1 from the factor.
Tensor cholesky_solve(const Tensor& B, const Tensor& L, bool upper = false, TG_CALLER);
Tensor cholesky_inverse(const Tensor& L, bool upper = false, TG_CALLER);
// (P, L, U) with A = P L U from lu_factor's (LU, pivots), for [..., m, n] factors: L [..., m, k]
// with a unit diagonal, U [..., k, n], k = min(m, n). The parts not asked for are empty.
std::tuple<Tensor, Tensor, Tensor> lu_unpack(const Tensor& LU, const Tensor& pivots, bool unpack_data = true,
                                             bool unpack_pivots = true, TG_CALLER);
// The QR factorisation as LAPACK's geqrf stores it, (a, tau): R on and above a's diagonal,
// Householder vectors below it, their scales in tau [..., min(m, n)]. Not differentiable.
std::tuple<Tensor, Tensor> geqrf(const Tensor& A, TG_CALLER);
// Q C (left) or C Q, or with Q^T (transpose), for Q = H_1 ... H_k from geqrf's (A, tau)
// [..., mn, k'] and [..., k]; other [..., m, n] with mn = m (left) or n.
Tensor ormqr(const Tensor& A, const Tensor& tau, const Tensor& other, bool left = true, bool transpose = false,
             TG_CALLER);
Tensor matrix_power(const Tensor& A, int64_t n, TG_CALLER);
Tensor matrix_exp(const Tensor& A, TG_CALLER);

}  // namespace tg
