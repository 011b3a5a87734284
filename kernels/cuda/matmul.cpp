// Matrix products on the GPU through cuBLAS: batched products as strided-batched GEMMs over the
// longest run of batch dims that both operands step through evenly, with row-major operands read
// as transposed column-major ones (no copies unless an operand has no unit stride).
#include <cublas_v2.h>

#include <array>
#include <optional>
#include <vector>

#include "kernels/cuda/cuda_kernels.h"
#include "kernels/cuda/cuda_runtime.h"
#include "tapegrad/cuda.h"

namespace tg::kernels::cuda {
namespace {

#define TG_CUBLAS_CHECK(call, op)                                                                        \
  do {                                                                                                   \
    const cublasStatus_t tg_st = (call);                                                                 \
    if (tg_st != CUBLAS_STATUS_SUCCESS) [[unlikely]]                                                     \
      ::tg::detail::fail<::tg::Error>("{}: {} failed: {} ({})", op, #call, cublasGetStatusString(tg_st), \
                                      cublasGetStatusName(tg_st));                                       \
  } while (0)

// One handle per device and thread (a handle is not to be shared between threads that use it at
// the same time), bound to the current stream before each use.
cublasHandle_t handle() {
  thread_local std::array<cublasHandle_t, ::tg::cuda::detail::kMaxDevices> handles{};
  const int device = ::tg::cuda::detail::current_device();
  cublasHandle_t& h = handles[static_cast<size_t>(device)];
  if (!h) TG_CUBLAS_CHECK(cublasCreate(&h), "matmul");
  TG_CUBLAS_CHECK(cublasSetStream(h, ::tg::cuda::detail::current_stream()), "matmul");
  return h;
}

// A row-major operand [rows, cols] with strides (rs, cs) as cuBLAS sees it: the column-major
// transpose with leading dimension ld, or (cs > 1, rs == 1) the plain column-major matrix.
struct BlasView {
  cublasOperation_t op;
  int64_t ld;
};
bool blas_view(int64_t rows, int64_t cols, int64_t rs, int64_t cs, BlasView& v) {
  // As X^T: column-major [cols, rows] with ld = rs; needs a unit column stride.
  if ((cs == 1 || cols == 1) && (rows == 1 || rs >= std::max<int64_t>(cols, 1))) {
    v = {CUBLAS_OP_N, rows == 1 ? std::max<int64_t>(cols, 1) : rs};
    return true;
  }
  // As X itself: column-major [rows, cols] with ld = cs, transposed by cuBLAS.
  if ((rs == 1 || rows == 1) && (cols == 1 || cs >= std::max<int64_t>(rows, 1))) {
    v = {CUBLAS_OP_T, cols == 1 ? std::max<int64_t>(rows, 1) : cs};
    return true;
  }
  return false;
}

struct TypeInfo {
  cudaDataType_t data;
  cublasComputeType_t compute;
  bool double_scale;
};
TypeInfo type_info(DType dt) {
  switch (dt) {
    case DType::Float32:
      return {CUDA_R_32F, ::tg::cuda::matmul_allow_tf32() ? CUBLAS_COMPUTE_32F_FAST_TF32 : CUBLAS_COMPUTE_32F, false};
    case DType::Float64: return {CUDA_R_64F, CUBLAS_COMPUTE_64F, true};
    case DType::Float16: return {CUDA_R_16F, CUBLAS_COMPUTE_32F, false};
    case DType::BFloat16: return {CUDA_R_16BF, CUBLAS_COMPUTE_32F, false};
    default:
      ::tg::detail::fail<::tg::TypeError>("matmul: dtype {} is not supported on CUDA (floating-point dtypes only, as in PyTorch)", dt);
  }
}

// Copies a strided [rows, cols] matrix into a contiguous one (a 2-D Loop over the copy kernel).
void compact(DType dt, const void* src, int64_t rows, int64_t cols, int64_t rs, int64_t cs, void* dst) {
  Loop L;
  L.ndim = 2;
  L.noperands = 2;
  L.numel = rows * cols;
  L.sizes[0] = cols;
  L.sizes[1] = rows;
  L.strides[0][0] = 1;
  L.strides[0][1] = cols;
  L.strides[1][0] = cs;
  L.strides[1][1] = rs;
  copy(L, dst, dt, src, dt);
}

}  // namespace

void matmul(DType dtype, const MatrixOperand& a, const MatrixOperand& b, void* c) {
  const TypeInfo ti = type_info(dtype);
  const int nb = a.nbatch;
  const int64_t m = a.sizes[nb], k = a.sizes[nb + 1], n = b.sizes[nb + 1];
  std::array<int64_t, kMaxDims> c_sizes{};
  int64_t batches = 1;
  for (int d = 0; d < nb; ++d) {
    c_sizes[static_cast<size_t>(d)] = std::max(a.sizes[d], b.sizes[d]);
    batches *= c_sizes[static_cast<size_t>(d)];
  }
  if (m == 0 || n == 0 || batches == 0) return;
  const size_t item = itemsize(dtype);
  cudaStream_t stream = ::tg::cuda::detail::current_stream();
  if (k == 0) {
    TG_CUDA_CHECK(cudaMemsetAsync(c, 0, static_cast<size_t>(batches * m * n) * item, stream), "matmul");
    return;
  }
  // Batch strides in elements; a broadcast (size-1) batch dim steps by 0.
  auto batch_stride = [&](const MatrixOperand& x, int d) { return x.sizes[d] == 1 ? int64_t{0} : x.strides[d]; };
  // The innermost batch dims [inner_from, nb) that each operand (and c) walks with one stride.
  int inner_from = nb;
  int64_t inner_count = 1;
  while (inner_from > 0) {
    const int d = inner_from - 1;
    if (inner_from < nb) {
      const auto next = static_cast<size_t>(inner_from);
      const bool linear = batch_stride(a, d) == batch_stride(a, inner_from) * c_sizes[next] &&
                          batch_stride(b, d) == batch_stride(b, inner_from) * c_sizes[next];
      if (!linear) break;
    }
    inner_count *= c_sizes[static_cast<size_t>(d)];
    --inner_from;
  }
  const int64_t sa = inner_from < nb ? batch_stride(a, nb - 1) : 0;
  const int64_t sb = inner_from < nb ? batch_stride(b, nb - 1) : 0;

  // Operands without a unit stride are copied to contiguous scratch, one matrix at a time.
  BlasView va{}, vb{};
  const bool a_ok = blas_view(m, k, a.strides[nb], a.strides[nb + 1], va);
  const bool b_ok = blas_view(k, n, b.strides[nb], b.strides[nb + 1], vb);
  using ::tg::cuda::detail::Scratch;
  std::optional<Scratch> a_scratch, b_scratch;
  if (!a_ok) a_scratch.emplace(static_cast<size_t>(m * k) * item);
  if (!b_ok) b_scratch.emplace(static_cast<size_t>(k * n) * item);
  void* a_tmp = a_ok ? nullptr : a_scratch->as<void>();
  void* b_tmp = b_ok ? nullptr : b_scratch->as<void>();
  if (!a_ok) va = {CUBLAS_OP_N, k};
  if (!b_ok) vb = {CUBLAS_OP_N, n};

  const float one_f = 1.0f, zero_f = 0.0f;
  const double one_d = 1.0, zero_d = 0.0;
  const void* alpha = ti.double_scale ? static_cast<const void*>(&one_d) : &one_f;
  const void* beta = ti.double_scale ? static_cast<const void*>(&zero_d) : &zero_f;
  cublasHandle_t h = handle();
  const int64_t outer = batches / inner_count;
  for (int64_t ob = 0; ob < outer; ++ob) {
    // Offsets of this outer batch position in a and b.
    int64_t rem = ob, off_a = 0, off_b = 0;
    for (int d = inner_from - 1; d >= 0; --d) {
      const int64_t i = rem % c_sizes[static_cast<size_t>(d)];
      rem /= c_sizes[static_cast<size_t>(d)];
      off_a += i * batch_stride(a, d);
      off_b += i * batch_stride(b, d);
    }
    const char* pa = static_cast<const char*>(a.data) + off_a * static_cast<int64_t>(item);
    const char* pb = static_cast<const char*>(b.data) + off_b * static_cast<int64_t>(item);
    char* pc = static_cast<char*>(c) + ob * inner_count * m * n * static_cast<int64_t>(item);
    const bool one_by_one = !a_ok || !b_ok;
    for (int64_t ib = 0; ib < (one_by_one ? inner_count : 1); ++ib) {
      const char* xa = pa + ib * sa * static_cast<int64_t>(item);
      const char* xb = pb + ib * sb * static_cast<int64_t>(item);
      char* xc = pc + ib * m * n * static_cast<int64_t>(item);
      if (!a_ok) {
        compact(dtype, xa, m, k, a.strides[nb], a.strides[nb + 1], a_tmp);
        xa = static_cast<const char*>(a_tmp);
      }
      if (!b_ok) {
        compact(dtype, xb, k, n, b.strides[nb], b.strides[nb + 1], b_tmp);
        xb = static_cast<const char*>(b_tmp);
      }
      // Column-major: C^T [n, m] = B^T [n, k] * A^T [k, m].
      TG_CUBLAS_CHECK(cublasGemmStridedBatchedEx(h, vb.op, va.op, static_cast<int>(n), static_cast<int>(m),
                                                 static_cast<int>(k), alpha, xb, ti.data, static_cast<int>(vb.ld),
                                                 one_by_one ? 0 : sb, xa, ti.data, static_cast<int>(va.ld),
                                                 one_by_one ? 0 : sa, beta, xc, ti.data, static_cast<int>(n), m * n,
                                                 static_cast<int>(one_by_one ? 1 : inner_count), ti.compute,
                                                 CUBLAS_GEMM_DEFAULT),
                      "matmul");
    }
  }
}

}  // namespace tg::kernels::cuda
