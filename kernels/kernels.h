#pragma once
// The interface between op front ends and device kernels: raw pointers, sizes and strides in,
// no Tensor handles, no autograd, no allocation beyond scratch. Each device provides a Backend
// (a table of kernel entry points); front ends call backend(device, op).<kernel>(...).
#include <cstdint>

#include "tapegrad/tensor/device.h"
#include "tapegrad/tensor/dtype.h"
#include "tapegrad/tensor/scalar.h"
#include "tapegrad/tensor/shape.h"

namespace tg::kernels {

inline constexpr int kMaxOperands = 4;

// An elementwise iteration space: the operands broadcast to one shape, dims coalesced where
// memory allows, dim 0 innermost. Strides are in elements; operand 0 is the output. Broadcast
// dims have stride 0.
struct Loop {
  int ndim = 1;
  int noperands = 0;
  int64_t numel = 1;
  int64_t sizes[kMaxDims] = {1};
  int64_t strides[kMaxOperands][kMaxDims] = {};
};

// The loop that adds a contiguous [n] bias to every row of a contiguous [total / n, n] matrix in
// place (operands: the matrix as output and as input, then the bias, which steps by 0 along rows).
inline Loop bias_rows_loop(int64_t total, int64_t n) {
  Loop L;
  L.ndim = 2;
  L.noperands = 3;
  L.numel = total;
  L.sizes[0] = n;
  L.sizes[1] = total / n;
  L.strides[0][0] = L.strides[1][0] = L.strides[2][0] = 1;
  L.strides[0][1] = L.strides[1][1] = n;
  L.strides[2][1] = 0;
  return L;
}

enum class UnaryOp : uint8_t {
#define TG_UNARY_OP(name, Name, ...) Name,
#include "tapegrad/tensor/unary_ops.def"
// then tg::special's kernels
#include "tapegrad/tensor/special_ops.def"
#undef TG_UNARY_OP
};
enum class BinaryOp : uint8_t {
#define TG_BINARY_OP(name, Name, ...) Name,
#include "tapegrad/tensor/binary_ops.def"
// then tg::special's kernels
#include "tapegrad/tensor/special_ops.def"
#undef TG_BINARY_OP
};
enum class CompareOp : uint8_t {
#define TG_COMPARE_OP(name, Name, ...) Name,
#include "tapegrad/tensor/compare_ops.def"
#undef TG_COMPARE_OP
};
enum class ClassifyOp : uint8_t { IsNan, IsInf, IsFinite, LogicalNot };
enum class BitwiseOp : uint8_t {
#define TG_BITWISE_OP(name, Name, ...) Name,
#include "tapegrad/tensor/bitwise_ops.def"
#undef TG_BITWISE_OP
};
// The pointwise ops of three operands, fused: one pass where composing them takes two or three.
// Prelu is b > 0 ? a : a * c: prelu's forward with a = b = the input and c its slopes, and the
// input's gradient with a = the gradient.
enum class TernaryOp : uint8_t { AddCMul, AddCDiv, Lerp, Prelu };

// The activations with a fused kernel (formulas in activation_math.h): one pass forward, one
// backward, where composing them from the table ops takes five to ten. nan_to_num, a pointwise
// map with parameters and a gradient too, shares their kernels.
enum class ActivationOp : uint8_t {
  Gelu,
  GeluTanh,
  Silu,
  Elu,
  LeakyRelu,
  Softplus,
  Hardtanh,
  Hardsigmoid,
  Hardswish,
  Mish,
  NanToNum,
  Hardshrink,
  Softshrink,
  Threshold,
  Huber
};
// alpha: elu's alpha, leaky_relu's negative slope; beta and threshold: softplus's; scale and
// input_scale: elu's outer and inner factors (selu and celu are elus); min_val, max_val: hardtanh's.
// nan_to_num: alpha replaces NaN, max_val +inf and min_val -inf. hardshrink, softshrink: alpha is
// lambda; threshold: threshold and alpha the value below it. Huber (of a difference d): alpha is
// delta, scale the factor of d^2 / 2 inside the band, beta the slope outside (smooth L1: 1/b, 1).
struct ActivationParams {
  double alpha = 0, beta = 1, threshold = 20, scale = 1, input_scale = 1, min_val = -1, max_val = 1;
};

// A reduction: the input seen as [kept dims] x [reduced dims] (each list innermost-last). The
// output is contiguous over the kept dims.
struct ReduceGeometry {
  int n_kept = 0;
  int64_t kept_sizes[kMaxDims] = {};
  int64_t kept_strides[kMaxDims] = {};  // input strides of the kept dims
  int n_reduced = 0;
  int64_t reduced_sizes[kMaxDims] = {};
  int64_t reduced_strides[kMaxDims] = {};
  int64_t kept_numel = 1;
  int64_t reduced_numel = 1;
};
// SumSquares and SumAbs (floating dtypes only) are norm's p = 2 and p = 1 in one pass, without the
// squared or absolute copy of the input.
enum class ReduceOp : uint8_t { Sum, Prod, Max, Min, All, Any, SumSquares, SumAbs };
// Running reductions along a dim: cumsum, cumprod, cummax, cummin, logcumsumexp.
enum class ScanOp : uint8_t { Sum, Prod, Max, Min, LogSumExp };

// Which element of each slice `select` picks (NaN ordered above every number): the k-th smallest;
// the lower median, or the slice's first NaN when it holds one (median); the lower median of the
// values that are not NaN, or the first element when all are (nanmedian).
enum class SelectOp : uint8_t { Kth, Median, NanMedian };

// What the softmax kernel writes of each row along the dim: its softmax, its log_softmax, or
// its log-sum-exp alone (one value per row, at out + outer * out_outer_stride + inner *
// out_inner_stride; the max shifts by 0 where it is infinite, so a row holding +inf gives +inf).
enum class SoftmaxOp : uint8_t { Softmax, LogSoftmax, LogSumExp };

// What the Fourier transform's rows hold. C2C: n complex numbers in and out. R2C (forward): n
// reals (the complex dtype's parts) in, their n / 2 + 1 non-negative frequencies out. C2R
// (inverse): those n / 2 + 1 frequencies in, the n reals of the Hermitian spectrum they begin
// out (the imaginary parts of the zero and, for even n, the Nyquist terms ignored).
enum class FftKind : uint8_t { C2C, R2C, C2R };

// Geometry of an op along one dim: [outer, dim, inner] with strides, for softmax and scans.
struct DimGeometry {
  int64_t outer = 1, size = 1, inner = 1;
  int64_t in_outer_stride = 0, in_dim_stride = 0, in_inner_stride = 0;  // input
  int64_t out_outer_stride = 0, out_dim_stride = 0, out_inner_stride = 0;  // output
};

// `rows` rows of `count` contiguous values, each looked up in a contiguous row of `size` sorted
// boundaries: row r's boundaries start at r * sorted_row_stride (0: one row shared by all).
struct SearchGeometry {
  int64_t rows = 0, count = 0, size = 0, sorted_row_stride = 0;
};

// grid_sample of contiguous images [n, c, (in_d,) in_h, in_w] at contiguous grids
// [n, (out_d,) out_h, out_w, spatial] of normalised (x, y(, z)) points into
// [n, c, (out_d,) out_h, out_w]; in_d = out_d = 1 in 2-D.
struct GridSampleGeometry {
  int64_t n = 0, c = 0, in_d = 1, in_h = 0, in_w = 0, out_d = 1, out_h = 0, out_w = 0;
  int spatial = 2;       // 2 or 3
  bool nearest = false;  // else bilinear (trilinear in 3-D)
  bool bicubic = false;  // 2-D only
  int padding = 0;       // 0 zeros, 1 border, 2 reflection
  bool align_corners = false;
};

// Resampling along one dim: in [outer, in_size, inner] -> out [outer, out_size, inner], with
// out[., o, .] = sum over k < taps of weight[k][o] * in[., index[k][o], .] (index and weight
// [taps, out_size]; weight of the accumulation type, float64 for float64 and float32 otherwise,
// or null for one tap of weight 1).
struct ResampleGeometry {
  int64_t outer = 0, in_size = 0, out_size = 0, inner = 0;
  int taps = 1;
};

// One operand of a (batched) matrix product: batch dims then rows, cols; strides in elements.
struct MatrixOperand {
  const void* data;
  int nbatch;  // number of batch dims (same for a, b and c after broadcasting)
  int64_t sizes[kMaxDims];
  int64_t strides[kMaxDims];
};

// Advanced indexing: `nindex` index arrays (int64, contiguous, `count` entries each, already
// range-checked and non-negative) select along dims with strides `index_strides` of the source;
// for each position the remaining "block" (block_sizes with src/dst strides) is copied.
struct IndexGeometry {
  int nindex = 0;
  const int64_t* indices[kMaxDims] = {};
  int64_t index_strides[kMaxDims] = {};  // source (gather) or destination (put) strides
  int64_t count = 0;                       // positions (broadcast index numel)
  int block_ndim = 0;
  int64_t block_sizes[kMaxDims] = {};
  int64_t block_src_strides[kMaxDims] = {};
  int64_t block_dst_strides[kMaxDims] = {};
  int64_t src_position_stride = 0;  // how far the source moves per position (put: values)
  int64_t dst_position_stride = 0;  // how far the destination moves per position (gather: out)
};

// What scatter does where an element lands: assign it, or combine it with what is there (max and
// min propagate NaN, as maximum and minimum do).
enum class ScatterReduce : uint8_t { Assign, Add, Mul, Max, Min };

// How the histogram kernel finds each value's bin among the increasing edges.
enum class Binning : uint8_t {
  Linear,   // evenly spaced edges, the bin from the position alone: PyTorch's histc
  Uniform,  // evenly spaced edges, that guess walked against the edges: torch.histogram's bin count
  Search,   // any edges, a binary search
};

// gather/scatter along `dim`: iterates over the index tensor's shape.
struct DimIndexGeometry {
  int ndim = 0;
  int64_t sizes[kMaxDims] = {};  // the index tensor's sizes
  int64_t index_strides[kMaxDims] = {};
  int64_t self_strides[kMaxDims] = {};  // gather: source; scatter: destination
  int64_t other_strides[kMaxDims] = {};  // gather: output; scatter: source values
  int dim = 0;
  int64_t dim_size = 0;  // self's size along dim (gather checks its indices against it)
};

// A 2-D or 3-D convolution over contiguous NCHW / NCDHW data (conv1d runs as 2-D with H = 1).
// Spatial arrays run (depth, height, width); a 2-D convolution has depth 1 and trivial depth
// parameters. Output sizes follow from the input, kernel, stride, dilation and the (possibly
// asymmetric) padding. Every field is an int64_t, so the geometry hashes and compares bytewise.
struct ConvGeometry {
  int64_t spatial = 2;  // 2 or 3
  int64_t n = 1, c_in = 1, c_out = 1, groups = 1;
  int64_t in[3] = {1, 1, 1}, out[3] = {1, 1, 1}, k[3] = {1, 1, 1};
  int64_t stride[3] = {1, 1, 1}, dilation[3] = {1, 1, 1};
  int64_t pad_lo[3] = {0, 0, 0}, pad_hi[3] = {0, 0, 0};  // front/top/left and back/bottom/right
  int64_t in_volume() const { return in[0] * in[1] * in[2]; }
  int64_t out_volume() const { return out[0] * out[1] * out[2]; }
  int64_t k_volume() const { return k[0] * k[1] * k[2]; }
};
// Forward: out = y [N, K, OD, OH, OW] from a = x, b = w [K, C/G, KD, KH, KW].
// BackwardData: out = dx [N, C, D, H, W] from a = dy, b = w.
// BackwardWeights: out = dw [K, C/G, KD, KH, KW] from a = x, b = dy.
enum class ConvPass : uint8_t { Forward, BackwardData, BackwardWeights };

// 2-D pooling over `planes` contiguous [H, W] planes.
struct PoolGeometry {
  int64_t planes = 1, in_h = 1, in_w = 1, out_h = 1, out_w = 1;
  // Max pooling: the window of output (oh, ow) starts at oh * stride - pad, `kernel` taps
  // `dilation` apart, clipped to the input; adaptive: rows [floor(oh * in_h / out_h),
  // ceil((oh + 1) * in_h / out_h)), columns the same (kernel, stride, pad, dilation unused).
  int64_t kernel[2] = {1, 1}, stride[2] = {1, 1}, pad[2] = {0, 0}, dilation[2] = {1, 1};
  bool adaptive = false;
  // Average pooling: output row oh averages input rows [h_lo[oh], h_hi[oh]) (columns the same),
  // divided by h_div[oh] * w_div[ow] (or by `divisor` when it is > 0).
  const int64_t* h_lo = nullptr;
  const int64_t* h_hi = nullptr;
  const int64_t* h_div = nullptr;
  const int64_t* w_lo = nullptr;
  const int64_t* w_hi = nullptr;
  const int64_t* w_div = nullptr;
  int64_t divisor = 0;
  // Fractional max pooling: plane p's window of output row oh starts at input row
  // h_start[p * out_h + oh] and spans `kernel` rows, all inside the input (columns the same with
  // w_start); null: the windows above. On the kernel's device, like the tensors.
  const int64_t* h_start = nullptr;
  const int64_t* w_start = nullptr;
};

// The constants of one Adam/AdamW step, shared by the tensors updated together.
struct AdamStep {
  double lr, beta1, beta2, eps, weight_decay;
  double bias_correction1, bias_correction2_sqrt;  // 1 - beta1^t, sqrt(1 - beta2^t)
  bool decoupled, amsgrad, maximize;
};

// Cross entropy of `rows` rows of `classes` logits against int64 class targets:
// loss[r] = (1 - s) * w[t] * (lse - x[t]) + s / C * sum_c w[c] * (lse - x[c]), with s the label
// smoothing and w the class weights (null: 1); rows whose target is ignore_index get 0. The
// logits are contiguous [rows / inner, classes, inner]: inner = 1 for [N, C], the positions of
// a sample for [N, C, d...] (row r = sample * inner + position, class stride inner); the
// targets and the per-row outputs are in row order.
struct CrossEntropyParams {
  int64_t rows = 0, classes = 0, ignore_index = -100;
  double smoothing = 0;
  const int64_t* target = nullptr;
  const void* weight = nullptr;  // [classes] of the logits' dtype, or null
  int64_t inner = 1;
};

// CTC over contiguous log_probs [steps, batch, classes] (float32 / float64). Sequence n's states
// are its extended targets ext[n] (blank, l1, blank, ..., l_S, blank: 2 * target_lengths[n] + 1
// of the row's width); next_same[n][s] is the next state with state s's label (-1: none), and
// first_same[n][s] is 1 where no earlier state has that label. All three are [batch, width] and,
// like the lengths ([batch] each), live on the kernel's device.
struct CtcGeometry {
  int64_t steps = 0, batch = 0, classes = 0, width = 0, blank = 0;
  const int64_t* ext = nullptr;
  const int64_t* next_same = nullptr;
  const int64_t* first_same = nullptr;
  const int64_t* input_lengths = nullptr;
  const int64_t* target_lengths = nullptr;
};

// Group norm over contiguous [n, c, inner] data in `groups` groups of c / groups channels: each
// (sample, group) is one row of c / groups * inner elements.
struct GroupNormGeometry {
  int64_t n = 0, c = 0, inner = 0, groups = 1;
};

// Distances |x1_i - x2_j|_p between the rows of contiguous x1 [batch, rows1, cols] and x2 [batch,
// rows2, cols], into [batch, rows1, rows2] (cdist). With pairs (pdist: batch 1, x2 is x1), only
// the pairs i < j, in row-major order (rows1 (rows1 - 1) / 2 of them).
struct DistanceGeometry {
  int64_t batch = 1, rows1 = 0, rows2 = 0, cols = 0;
  double p = 2;
  bool pairs = false;
};

// One Adam/AdamW update of n contiguous elements (torch.optim.Adam's single-tensor formula).
struct AdamTensor {
  int64_t n;
  void *param;
  const void* grad;
  void *exp_avg, *exp_avg_sq, *max_exp_avg_sq;  // max_exp_avg_sq: amsgrad only
};

struct Backend {
  void (*unary)(UnaryOp op, DType dtype, const Loop& loop, void* out, const void* in);
  void (*binary)(BinaryOp op, DType dtype, const Loop& loop, void* out, const void* a, const void* b,
                 const Scalar& alpha);
  // out = f(a, b, c), all of `dtype`: addcmul a + value * b * c, addcdiv a + value * b / c, lerp
  // a + c * (b - a) and prelu b > 0 ? a : a * c (floating dtypes; value 0, unused). Formulas in
  // scalar_math.h.
  void (*ternary)(TernaryOp op, DType dtype, const Loop& loop, void* out, const void* a, const void* b, const void* c,
                  const Scalar& value);
  // Output bool; a and b of `dtype`.
  void (*compare)(CompareOp op, DType dtype, const Loop& loop, void* out, const void* a, const void* b);
  void (*classify)(ClassifyOp op, DType dtype, const Loop& loop, void* out, const void* in);
  // The mantissa (of `dtype`) and the int32 exponent of each element, over a loop with operands
  // (mantissa, exponent, in); floating dtypes (frexp_value, scalar_math.h).
  void (*frexp)(DType dtype, const Loop& loop, void* mantissa, int32_t* exponent, const void* in);
  // out = f(a, b), all of `dtype`: bool or an integer type (shifts: integers only).
  void (*bitwise)(BitwiseOp op, DType dtype, const Loop& loop, void* out, const void* a, const void* b);
  // out = f(in) over a loop with operands (out, in); floating dtypes.
  void (*activation)(ActivationOp op, DType dtype, const ActivationParams& p, const Loop& loop, void* out,
                     const void* in);
  // dx = dy * f'(x) over a loop with operands (dx, dy, x).
  void (*activation_backward)(ActivationOp op, DType dtype, const ActivationParams& p, const Loop& loop, void* dx,
                              const void* dy, const void* x);
  // out = cond ? a : b; cond is bool.
  void (*where)(DType dtype, const Loop& loop, void* out, const void* cond, const void* a, const void* b);
  // out = min(max(x, lo), hi) with optional bounds.
  void (*clamp)(DType dtype, const Loop& loop, void* out, const void* in, const Scalar* lo, const Scalar* hi);
  void (*copy)(const Loop& loop, void* out, DType out_dtype, const void* in, DType in_dtype);
  void (*fill)(const Loop& loop, void* out, DType dtype, const Scalar& value);
  // tril/triu of `batch` contiguous [rows, cols] matrices into contiguous out: element (i, j) kept
  // where j - i <= diagonal (lower) or j - i >= diagonal (upper), else zero (every dtype's zero is
  // all bits clear, so only the element size matters).
  void (*triangle)(DType dtype, int64_t batch, int64_t rows, int64_t cols, int64_t diagonal, bool lower, void* out,
                   const void* in);
  // out[kept] = op over reduced of in; arg reductions also write int64 indices (may be null).
  void (*reduce)(ReduceOp op, DType in_dtype, DType out_dtype, const ReduceGeometry& g, void* out,
                 int64_t* indices, const void* in);
  // out[.., k, ..] = op over in[.., 0..k, ..] along the dim, both of `dtype` (sums and products
  // accumulate in double or int64). Max/Min also write the int64 index of the running extreme,
  // laid out as out: the last of equal values; a NaN holds once reached (PyTorch's cummax).
  // LogSumExp: floating dtypes.
  void (*scan)(ScanOp op, DType dtype, const DimGeometry& g, void* out, int64_t* indices, const void* in);
  void (*softmax)(DType dtype, SoftmaxOp op, const DimGeometry& g, void* out, const void* in);
  // c = a @ b (batched, batch dims broadcast via size 1); c contiguous. A bias (contiguous [n],
  // or null) is added to every row in the same call: oneDNN's bias argument, cuBLASLt's epilogue.
  void (*matmul)(DType dtype, const MatrixOperand& a, const MatrixOperand& b, void* c, const void* bias);
  // The unscaled discrete Fourier transform (exp(-2 pi i jk / n); inverse: exp(+...)) of `batch`
  // contiguous rows of a signal of length n, dtype the complex dtype; out a separate buffer. kind
  // (FftKind) says what the rows hold.
  void (*fft)(DType dtype, FftKind kind, int64_t batch, int64_t n, bool inverse, const void* in, void* out);
  void (*index_gather)(DType dtype, const IndexGeometry& g, void* out, const void* src);
  void (*index_put)(DType dtype, const IndexGeometry& g, void* dst, const void* values, bool accumulate);
  // Checks each index against g.dim_size as it reads: returns the position (in the contiguous
  // index) of the first one out of range, or -1; with one, the output holds no meaning.
  int64_t (*gather)(DType dtype, const DimIndexGeometry& g, void* out, const void* self, const int64_t* index);
  // How each source element combines with the one it lands on (scatter, scatter_add, scatter_reduce).
  void (*scatter)(DType dtype, const DimIndexGeometry& g, void* self, const void* src, const int64_t* index,
                  ScatterReduce reduce);
  // out[r, j] = how many of row r's boundaries are < values[r, j] (<= with right): the insertion
  // point that keeps the row sorted. NaN values go last, as in PyTorch.
  void (*searchsorted)(DType dtype, const SearchGeometry& g, int64_t* out, const void* sorted, const void* values,
                       bool right);
  // hist[b] += how many of the n contiguous values (or the sum of their weights, of the same dtype;
  // null for counts) fall in bin b of the bins + 1 increasing edges (histogram_math.h); hist is
  // float64, zeroed by the caller.
  void (*histogram)(DType dtype, int64_t n, const void* values, const void* weights, const void* edges, int64_t bins,
                    Binning binning, double* hist);
  // Dense factorizations (LAPACK on the CPU, cuSOLVER on the GPU) of `batch` contiguous
  // column-major n x n float32/float64 matrices (lu_factor: m x n), in place; info (host memory,
  // one per matrix) is LAPACK's: > 0 where a matrix is singular (LU: U[i][i] == 0) or not
  // positive-definite (Cholesky). lu_factor writes 1-based int32 pivots (device memory)
  // [batch, min(m, n)]; lu_solve overwrites b, `batch` column-major n x nrhs right-hand sides,
  // with the solutions of A X = B; cholesky writes the lower factor, leaving the upper triangle
  // as it was.
  void (*lu_factor)(DType dtype, int64_t batch, int64_t m, int64_t n, void* a, int32_t* pivots, int32_t* info);
  void (*lu_solve)(DType dtype, int64_t batch, int64_t n, int64_t nrhs, const void* lu, const int32_t* pivots,
                   void* b);
  void (*cholesky)(DType dtype, int64_t batch, int64_t n, void* a, int32_t* info);
  // A = L D L^T (L D L^H with hermitian) with Bunch-Kaufman pivoting (LAPACK's sytrf / hetrf,
  // cuSOLVER's sytrf) of `batch` column-major n x n symmetric (Hermitian) matrices read from their
  // lower triangles, in place there: D's 1 x 1 and 2 x 2 blocks on and below the diagonal, L's
  // multipliers below them; LAPACK's 1-based int32 pivots [batch, n] (device memory; negative
  // pairs mark a 2 x 2 block). info > 0 where D[info - 1][info - 1] is exactly zero. ldl_solve
  // overwrites b, `batch` column-major n x nrhs right-hand sides, with the solutions of A X = B,
  // from those factors and pivots widened to int64 (cuSOLVER's Xsytrs reads those). cuSOLVER has
  // no Hermitian form: the GPU takes hermitian for real dtypes only (where it is the same).
  void (*ldl_factor)(DType dtype, int64_t batch, int64_t n, void* a, int32_t* pivots, bool hermitian, int32_t* info);
  void (*ldl_solve)(DType dtype, int64_t batch, int64_t n, int64_t nrhs, const void* ld, const int64_t* pivots,
                    bool hermitian, void* b);
  // Eigenvalues (ascending, into w [batch, n]) of the symmetric matrices read from a's lower
  // triangle; with vectors, a is overwritten with the orthonormal eigenvectors as its columns.
  // info > 0: the iteration did not converge.
  void (*eigh)(DType dtype, int64_t batch, int64_t n, void* a, void* w, bool vectors, int32_t* info);
  // Eigenvalues w [batch, n] (complex, of a's precision) of `batch` general column-major n x n
  // matrices a (destroyed); with v non-null, the right eigenvectors as the columns of column-major
  // complex [batch, n, n], each of unit norm with its largest component real (LAPACK's geev).
  // info > 0: the QR iteration did not converge.
  void (*eig)(DType dtype, int64_t batch, int64_t n, void* a, void* w, void* v, int32_t* info);
  // Householder QR of `batch` column-major m x n matrices, in place (LAPACK's geqrf): R on and
  // above the diagonal, the reflectors below it, their scales in tau [batch, min(m, n)].
  void (*geqrf)(DType dtype, int64_t batch, int64_t m, int64_t n, void* a, void* tau);
  // Overwrites `batch` column-major m x n matrices (n <= m) whose first k columns hold geqrf's
  // reflectors (tau [batch, k]) with the first n columns of their product Q (LAPACK's orgqr).
  void (*orgqr)(DType dtype, int64_t batch, int64_t m, int64_t n, int64_t k, void* a, const void* tau);
  // SVD A = U diag(s) Vh of `batch` contiguous row-major m x n matrices a (destroyed): singular
  // values descending into s [batch, min(m, n)]; with u and vh non-null, U row-major [m, m] and
  // Vh [n, n] (full) or [m, k] and [k, n] (k = min(m, n)). info > 0: no convergence.
  void (*svd)(DType dtype, int64_t batch, int64_t m, int64_t n, void* a, void* s, void* u, void* vh, bool full,
              int32_t* info);
  // Overwrites b, `batch` column-major n x nrhs right-hand sides, with X solving A X = B for the
  // triangular n x n a (upper or lower; unit: its diagonal taken as ones), column-major, or
  // row-major with row_major (a contiguous tensor, read in place). The caller rules out zeros on
  // the diagonal.
  void (*triangular_solve)(DType dtype, int64_t batch, int64_t n, int64_t nrhs, const void* a, void* b, bool upper,
                           bool unit, bool row_major);
  // Least squares on the CPU (LAPACK's gels, gelsy, gelsd or gelss: driver 'g', 'y', 'd' or 's')
  // of `batch` column-major m x n matrices a (destroyed) against b, column-major max(m, n) x
  // nrhs, overwritten with the (minimum-norm) solutions in its first n rows; for the
  // rank-revealing drivers, singular values at most rcond * the largest count as zero. rank
  // [batch] is written, and s [batch, min(m, n)] for gelsd and gelss. info > 0: gels met an
  // exactly rank-deficient A, the others no convergence. The GPU has none (its only driver,
  // QR-based gels, is composed by the front end).
  void (*lstsq)(DType dtype, int64_t batch, int64_t m, int64_t n, int64_t nrhs, void* a, void* b, double rcond,
                char driver, int64_t* rank, void* s, int32_t* info);
  // Forward: out from in. Backward: out = d(in) (zeroed, then accumulated) from in = d(out).
  // The forward copies any dtype when weight is null; the rest is floating-point.
  void (*resample)(DType dtype, const ResampleGeometry& g, bool backward, void* out, const void* in,
                   const int64_t* index, const void* weight);
  // grid_sample's forward, and its backward: grad_input (zeroed, then accumulated) and
  // grad_grid, either null when not wanted (nearest mode gives the grid a zero gradient).
  void (*grid_sample)(DType dtype, const GridSampleGeometry& g, void* out, const void* input, const void* grid);
  void (*grid_sample_backward)(DType dtype, const GridSampleGeometry& g, void* grad_input, void* grad_grid,
                               const void* grad_out, const void* input, const void* grid);
  // embedding_bag's sums: out [bags, dim] row b = sum over entries i in [offsets[b],
  // offsets[b + 1]) of scale[i] * table[index[i]] (scale null: 1); index already checked.
  void (*bag_sum)(DType dtype, int64_t bags, int64_t dim, void* out, const void* table, const int64_t* index,
                  const int64_t* offsets, const void* scale);
  // Sorts each slice along the dim; values and int64 indices written out (k first ones for topk).
  void (*sort)(DType dtype, const DimGeometry& g, void* values, int64_t* indices, const void* in, int64_t k,
               bool descending, bool stable);
  // One element of each slice along the dim (SelectOp; k the 0-based rank for Kth): its value and
  // int64 position, written at out_outer_stride / out_inner_stride; ties go by position. With
  // indices null, the value alone (which the CPU finds faster).
  void (*select)(DType dtype, const DimGeometry& g, void* values, int64_t* indices, const void* in, SelectOp op,
                 int64_t k);
  // Writes the multi-indices (int64 [count, ndim]) of non-zeros of a contiguous tensor.
  int64_t (*count_nonzero)(DType dtype, const void* in, int64_t n);
  void (*nonzero)(DType dtype, const void* in, const Shape& sizes, int64_t* out);
  // Checks indices in [-size, size) and wraps negatives; returns the first bad index position
  // or -1.
  int64_t (*check_indices)(const int64_t* in, int64_t* out, int64_t n, int64_t size);
  void (*conv)(ConvPass pass, DType dtype, const ConvGeometry& g, void* out, const void* a, const void* b);
  // out [planes, OH, OW] and the flat (h * W + w) index of each maximum; NaN wins.
  void (*max_pool2d)(DType dtype, const PoolGeometry& g, void* out, int64_t* indices, const void* in);
  // Forward: out [planes, OH, OW] from in [planes, H, W]. Backward: out = d(in) from in = d(out).
  void (*avg_pool2d)(DType dtype, const PoolGeometry& g, bool backward, void* out, const void* in);
  // grad_in [planes, H, W] = zeros, then grad_out scattered (added) at the argmax indices.
  void (*max_pool2d_backward)(DType dtype, const PoolGeometry& g, void* grad_in, const int64_t* indices,
                              const void* grad_out);
  // Batch norm over contiguous [n, c, inner] data; per-channel vectors are of `dtype` too.
  // Mean and biased variance of each channel (accumulated in double).
  void (*batch_norm_stats)(DType dtype, int64_t n, int64_t c, int64_t inner, const void* x, void* mean, void* var);
  // y = x * scale[ch] + shift[ch].
  void (*channel_affine)(DType dtype, int64_t n, int64_t c, int64_t inner, const void* x, const void* scale,
                         const void* shift, void* y);
  // Per channel: sum_dy = sum(dy), sum_dy_xhat = sum(dy * (x - mean) * invstd); and, when dx is not
  // null, dx = weight * invstd * (dy - sum_dy / M - xhat * sum_dy_xhat / M) (weight null: 1).
  // eps is the one invstd = 1 / sqrt(var + eps) was computed with (cuDNN asks for it).
  void (*batch_norm_backward)(DType dtype, int64_t n, int64_t c, int64_t inner, double eps, const void* x,
                              const void* dy, const void* mean, const void* invstd, const void* weight, void* dx,
                              void* sum_dy, void* sum_dy_xhat);
  // Training-mode batch norm in one library call, where the backend has one (CUDA with cuDNN;
  // null elsewhere). y = (x - mean) * invstd * weight[ch] + bias[ch] with the batch's mean and
  // invstd = 1 / sqrt(var + eps) written ([c]); running_mean and running_var (both or neither)
  // move by `momentum` toward the mean and the unbiased variance. weight, bias and the [c]
  // vectors are of `dtype`. Returns false, having done nothing, for a case the library does not
  // take (the caller then runs batch_norm_stats and channel_affine).
  bool (*batch_norm_training)(DType dtype, int64_t n, int64_t c, int64_t inner, double eps, double momentum,
                              const void* x, const void* weight, const void* bias, void* y, void* mean, void* invstd,
                              void* running_mean, void* running_var);
  // Layer norm of `rows` contiguous rows of `cols`: y = (x - mean) * rstd * weight + bias per
  // row (weight, bias [cols] or null), with each row's mean and rstd = 1 / sqrt(var + eps) written.
  void (*layer_norm)(DType dtype, int64_t rows, int64_t cols, double eps, const void* x, const void* weight,
                     const void* bias, void* y, void* mean, void* rstd);
  // dx = rstd * (dy*w - mean(dy*w) - xhat * mean(dy*w*xhat)) per row; dweight = sum over rows of
  // dy * xhat, dbias = sum of dy. Any of dx, dweight, dbias may be null (not wanted).
  void (*layer_norm_backward)(DType dtype, int64_t rows, int64_t cols, const void* x, const void* dy,
                              const void* mean, const void* rstd, const void* weight, void* dx, void* dweight,
                              void* dbias);
  // Each row's mean and rstd = 1 / sqrt(var + eps) ([n * groups]), and y = (x - mean) * rstd *
  // weight[ch] + bias[ch] (weight, bias [c] or null).
  void (*group_norm)(DType dtype, const GroupNormGeometry& g, double eps, const void* x, const void* weight,
                     const void* bias, void* y, void* mean, void* rstd);
  // The gradients of x, weight and bias from dy; any of dx, dweight, dbias may be null.
  void (*group_norm_backward)(DType dtype, const GroupNormGeometry& g, const void* x, const void* dy, const void* mean,
                              const void* rstd, const void* weight, void* dx, void* dweight, void* dbias);
  // loss[rows], lse[rows] (log-sum-exp of each row) and row_weight[rows] (w[t], 0 when ignored:
  // the mean's denominator). Returns the first row whose target is out of range and not ignored,
  // or -1 (then the outputs are not to be used).
  int64_t (*cross_entropy)(DType dtype, const CrossEntropyParams& p, const void* logits, void* loss, void* lse,
                           void* row_weight);
  // dx = d(loss[r]) * dloss/dlogits from the forward's lse; grad_loss steps by grad_stride (0: one
  // value for all rows).
  void (*cross_entropy_backward)(DType dtype, const CrossEntropyParams& p, const void* logits, const void* lse,
                                 const void* grad_loss, int64_t grad_stride, void* dx);
  // The forward (alpha) recursion of CTC in log space: alpha [batch, steps, width] (the states
  // of the first input_lengths[n] steps written) and nll[batch] = -log p(target | input) (inf
  // where no alignment exists, 0 for an empty input and target).
  void (*ctc_loss)(DType dtype, const CtcGeometry& g, const void* log_probs, void* alpha, void* nll);
  // grad [steps, batch, classes] = grad_nll[n] * d(nll[n]) / d(log_probs), zero past each input's
  // length and for a sequence whose nll is infinite; beta is scratch of [batch, 2, width].
  void (*ctc_loss_backward)(DType dtype, const CtcGeometry& g, const void* log_probs, const void* alpha,
                            const void* nll, const void* grad_nll, void* beta, void* grad);
  // One LSTM step for n rows of `hidden` units (float32 / float64, contiguous rows; rnn_cell_math.h):
  // the gates' pre-activations proj + prod ([n, 4 * hidden] each: the step's input projection and
  // h's product with w_hh), act = their sigmoid, sigmoid, tanh, sigmoid (input, forget, cell,
  // output), c = f c_prev + i g and h = o tanh(c) ([n, hidden]).
  void (*lstm_cell)(DType dtype, int64_t n, int64_t hidden, const void* proj, const void* prod, const void* c_prev,
                    void* act, void* c, void* h);
  // Back through that step: dh = dh_out (null: none) + dh_rec, dc holds the cell's gradient from
  // the step after and leaves with the one to c_prev; d_gates [n, 4 * hidden] gets the gradient of
  // the pre-activations.
  void (*lstm_cell_backward)(DType dtype, int64_t n, int64_t hidden, const void* act, const void* c,
                             const void* c_prev, const void* dh_out, const void* dh_rec, void* dc, void* d_gates);
  // One GRU step, the same way: proj [n, 3 * hidden] = x W_ih^T + b_ih, prod = h_prev W_hh^T +
  // b_hh; act [n, 4 * hidden] gets r, z, n and prod's n part (h_n), h [n, hidden] the new state.
  void (*gru_cell)(DType dtype, int64_t n, int64_t hidden, const void* proj, const void* prod, const void* h_prev,
                   void* act, void* h);
  // Back through it: dh = dh_out (null: none) + dh_rec; d_proj and d_prod [n, 3 * hidden] get the
  // gradients of the input's and the product's pre-activations, dh_prev [n, hidden] h_prev's part
  // outside the product.
  void (*gru_cell_backward)(DType dtype, int64_t n, int64_t hidden, const void* act, const void* h_prev,
                            const void* dh_out, const void* dh_rec, void* d_proj, void* d_prod, void* dh_prev);
  // out from x1 and x2 (float32 / float64; formulas in distance_math.h).
  void (*distance)(DType dtype, const DistanceGeometry& g, void* out, const void* x1, const void* x2);
  // gx1 [batch, rows1, cols] = sum over j of grad_ij d(dist_ij) / d(x1_i), from the forward's
  // dist; with pairs, over every j != i (each pair's gradient and distance read from its i < j
  // slot). x2's gradient is this with the operands, grad and dist transposed.
  void (*distance_backward)(DType dtype, const DistanceGeometry& g, void* gx1, const void* grad, const void* x1,
                            const void* x2, const void* dist);
  // p, exp_avg, exp_avg_sq (and max_exp_avg_sq with amsgrad) of `count` tensors updated in place
  // from their grads, with one launch (on the GPU) for all of them.
  void (*adam_step)(DType dtype, const AdamStep& s, int64_t count, const AdamTensor* tensors);
  // Random: uniform [0,1), normal, integers [low, high) from the Philox stream (seed, offset).
  void (*uniform)(DType dtype, void* out, int64_t n, uint64_t seed, uint64_t offset);
  void (*normal)(DType dtype, void* out, int64_t n, uint64_t seed, uint64_t offset);
  void (*randint)(DType dtype, void* out, int64_t n, int64_t low, int64_t high, uint64_t seed, uint64_t offset);
};

// The kernels of `device`'s backend; a tg::Error naming `op` when this build has none.
const Backend& backend(Device device, const char* op);
// A TypeError for a kernel reached with a dtype it has no code for (a complex tensor, mostly),
// naming the public op in progress.
[[noreturn]] void fail_dtype(DType dtype);

// Copies `bytes` contiguous bytes between devices (at least one of them a GPU). Returns when the
// data is in place for the host (device-to-host) or ordered before later work on the destination
// device's current stream.
void copy_between_devices(void* dst, Device dst_device, const void* src, Device src_device, size_t bytes,
                          bool src_pinned);
// Device memory from the device's caching allocator, for the current stream; and its release.
void* device_allocate(Device device, size_t bytes);
void device_free(Device device, void* ptr);
// Page-locked host memory (cudaHostAlloc) for fast and asynchronous copies; and its release.
void* pinned_allocate(size_t bytes);
void pinned_free(void* ptr);

// The CPU backend (kernels/cpu).
const Backend& cpu_backend();
// The CUDA backend (kernels/cuda), in builds with the toolkit.
const Backend& cuda_backend();

}  // namespace tg::kernels
