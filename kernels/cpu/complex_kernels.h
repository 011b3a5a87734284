#pragma once
// The complex64 / complex128 forms of the CPU's elementwise and reduction kernels (complex.cpp),
// called by those kernels when their dtype is complex. An op without a complex form fails with
// kernels::fail_dtype.
#include "kernels/kernels.h"

namespace tg::kernels::cpu {

// abs (into the real dtype of the parts), and the maps of TG_COMPLEX_UNARY_OPS (complex_math.h):
// neg, sgn (as Sign), the exponential, logarithmic, power, trigonometric and hyperbolic functions
// and sigmoid.
void complex_unary(UnaryOp op, DType dtype, const Loop& loop, void* out, const void* in);
// add, sub (with alpha), mul, div, pow.
void complex_binary(BinaryOp op, DType dtype, const Loop& loop, void* out, const void* a, const void* b,
                    const Scalar& alpha);
// eq, ne and the logical ops (non-zero as true); complex numbers have no order.
void complex_compare(CompareOp op, DType dtype, const Loop& loop, void* out, const void* a, const void* b);
void complex_classify(ClassifyOp op, DType dtype, const Loop& loop, void* out, const void* in);
// sum and prod; all and any (of the non-zero test, into bools).
void complex_reduce(ReduceOp op, DType in_dtype, DType out_dtype, const ReduceGeometry& g, void* out, const void* in);

// addcmul, addcdiv and lerp.
void complex_ternary(TernaryOp op, DType dtype, const Loop& loop, void* out, const void* a, const void* b,
                     const void* c, const Scalar& value);
// cumsum, cumprod and logcumsumexp.
void complex_scan(ScanOp op, DType dtype, const DimGeometry& g, void* out, const void* in);

}  // namespace tg::kernels::cpu
