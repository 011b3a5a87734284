#pragma once
// The CUDA backend's kernels (the entries of its Backend table).
#include "kernels/kernels.h"

namespace tg::kernels::cuda {

void unary(UnaryOp op, DType dtype, const Loop& loop, void* out, const void* in);
void binary(BinaryOp op, DType dtype, const Loop& loop, void* out, const void* a, const void* b,
            const Scalar& alpha);
void compare(CompareOp op, DType dtype, const Loop& loop, void* out, const void* a, const void* b);
void classify(ClassifyOp op, DType dtype, const Loop& loop, void* out, const void* in);
void where(DType dtype, const Loop& loop, void* out, const void* cond, const void* a, const void* b);
void clamp(DType dtype, const Loop& loop, void* out, const void* in, const Scalar* lo, const Scalar* hi);
void copy(const Loop& loop, void* out, DType out_dtype, const void* in, DType in_dtype);
void fill(const Loop& loop, void* out, DType dtype, const Scalar& value);
void reduce(ReduceOp op, DType in_dtype, DType out_dtype, const ReduceGeometry& g, void* out, int64_t* indices,
            const void* in);
void cumsum(DType in_dtype, DType out_dtype, const DimGeometry& g, void* out, const void* in);
void softmax(DType dtype, bool log, const DimGeometry& g, void* out, const void* in);
void matmul(DType dtype, const MatrixOperand& a, const MatrixOperand& b, void* c);
void index_gather(DType dtype, const IndexGeometry& g, void* out, const void* src);
void index_put(DType dtype, const IndexGeometry& g, void* dst, const void* values, bool accumulate);
void gather(DType dtype, const DimIndexGeometry& g, void* out, const void* self, const int64_t* index);
void scatter(DType dtype, const DimIndexGeometry& g, void* self, const void* src, const int64_t* index, int reduce);
void sort(DType dtype, const DimGeometry& g, void* values, int64_t* indices, const void* in, int64_t k,
          bool descending, bool stable);
int64_t count_nonzero(DType dtype, const void* in, int64_t n);
void nonzero(DType dtype, const void* in, const Shape& sizes, int64_t* out);
int64_t check_indices(const int64_t* in, int64_t* out, int64_t n, int64_t size);
void conv2d(ConvPass pass, DType dtype, const ConvGeometry& g, void* out, const void* a, const void* b);
void max_pool2d(DType dtype, const PoolGeometry& g, void* out, int64_t* indices, const void* in);
void avg_pool2d(DType dtype, const PoolGeometry& g, bool backward, void* out, const void* in);
void max_pool2d_backward(DType dtype, const PoolGeometry& g, void* grad_in, const int64_t* indices, const void* grad_out);
void batch_norm_stats(DType dtype, int64_t n, int64_t c, int64_t inner, const void* x, void* mean, void* var);
void channel_affine(DType dtype, int64_t n, int64_t c, int64_t inner, const void* x, const void* scale, const void* shift,
                    void* y);
void batch_norm_backward(DType dtype, int64_t n, int64_t c, int64_t inner, const void* x, const void* dy,
                         const void* mean, const void* invstd, const void* weight, void* dx, void* sum_dy,
                         void* sum_dy_xhat);
void adam_step(DType dtype, int64_t n, const AdamStep& s, void* param, const void* grad, void* exp_avg, void* exp_avg_sq,
               void* max_exp_avg_sq);
void uniform(DType dtype, void* out, int64_t n, uint64_t seed, uint64_t offset);
void normal(DType dtype, void* out, int64_t n, uint64_t seed, uint64_t offset);
void randint(DType dtype, void* out, int64_t n, int64_t low, int64_t high, uint64_t seed, uint64_t offset);

}  // namespace tg::kernels::cuda
