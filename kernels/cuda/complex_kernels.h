#pragma once
// The complex64 / complex128 forms of the GPU's elementwise kernels (complex.cu), called by those
// kernels when their dtype is complex; the same ops and formulas as the CPU's (complex_math.h).
// Reductions, scans, copies and index ops take complex dtypes in their own files; eig's real
// matrices unpack their vectors here.
#include "kernels/kernels.h"

namespace tg::kernels::cuda {

// abs (into the real dtype of the parts), and the maps of TG_COMPLEX_UNARY_OPS.
void complex_unary(UnaryOp op, DType dtype, const Loop& loop, void* out, const void* in);
// add, sub (with alpha), mul, div, pow.
void complex_binary(BinaryOp op, DType dtype, const Loop& loop, void* out, const void* a, const void* b,
                    const Scalar& alpha);
// eq, ne and the logical ops (non-zero as true); complex numbers have no order.
void complex_compare(CompareOp op, DType dtype, const Loop& loop, void* out, const void* a, const void* b);
void complex_classify(ClassifyOp op, DType dtype, const Loop& loop, void* out, const void* in);
// addcmul, addcdiv and lerp.
void complex_ternary(TernaryOp op, DType dtype, const Loop& loop, void* out, const void* a, const void* b,
                     const void* c, const Scalar& value);

// A real matrix's eigenvectors (n x n, column-major) from LAPACK's packing, where a conjugate pair
// of eigenvalues (positive imaginary part first) keeps its vectors' real and imaginary parts in
// two real columns, into complex columns; values are the complex eigenvalues. dtype is the real
// dtype; on the current stream.
void unpack_real_eigenvectors(DType dtype, int64_t n, const void* packed, const void* values, void* vectors);

}  // namespace tg::kernels::cuda
