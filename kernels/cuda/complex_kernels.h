#pragma once
// The complex64 / complex128 forms of the GPU's elementwise kernels (complex.cu), called by those
// kernels when their dtype is complex; the same ops and formulas as the CPU's (complex_math.h).
// Reductions, scans, copies and index ops take complex dtypes in their own files.
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

}  // namespace tg::kernels::cuda
