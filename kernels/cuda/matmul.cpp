// Matrix products on the GPU through cuBLAS: batched products as strided-batched GEMMs over the
// longest run of batch dims that both operands step through evenly, with row-major operands read
// as transposed column-major ones (no copies unless an operand has no unit stride). A single
// product with a bias (linear, addmm) goes through cuBLASLt with the bias fused as its epilogue;
// whatever cuBLASLt declines gets a GEMM and then the bias added by the elementwise kernel.
#include <cublasLt.h>

#include <array>
#include <cstdint>
#include <optional>
#include <unordered_map>
#include <vector>

#include "kernels/cuda/cublas_handle.h"
#include "kernels/cuda/cuda_kernels.h"
#include "kernels/cuda/cuda_runtime.h"
#include "tapegrad/cuda.h"

namespace tg::kernels::cuda {

cublasHandle_t blas_handle(const char* op) {
  thread_local std::array<cublasHandle_t, ::tg::cuda::detail::kMaxDevices> handles{};
  const int device = ::tg::cuda::detail::current_device();
  cublasHandle_t& h = handles[static_cast<size_t>(device)];
  if (!h) TG_CUBLAS_CHECK(cublasCreate(&h), op);
  TG_CUBLAS_CHECK(cublasSetStream(h, ::tg::cuda::detail::current_stream()), op);
  return h;
}

namespace {

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
    case DType::Complex64:
      return {CUDA_C_32F, ::tg::cuda::matmul_allow_tf32() ? CUBLAS_COMPUTE_32F_FAST_TF32 : CUBLAS_COMPUTE_32F, false};
    case DType::Complex128:
      return {CUDA_C_64F, CUBLAS_COMPUTE_64F, true};
    default:
      ::tg::detail::fail<::tg::TypeError>(
          "matmul: dtype {} is not supported on CUDA (floating-point and complex dtypes only, as in PyTorch)", dt);
  }
}

// GEMM scale factors 1 and 0 in the compute's scale type: a real number, or (complex dtypes) the
// pair of parts whose first is that number.
constexpr float kOneF[2] = {1.0f, 0.0f}, kZeroF[2] = {0.0f, 0.0f};
constexpr double kOneD[2] = {1.0, 0.0}, kZeroD[2] = {0.0, 0.0};

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

// c[r, :] += bias for every row of a contiguous [rows, n] c (bias stride 0 along the rows).
void add_bias_rows(DType dt, void* c, const void* bias, int64_t total, int64_t n) {
  if (total == 0 || n == 0) return;
  binary(BinaryOp::Add, dt, bias_rows_loop(total, n), c, c, bias, Scalar(1));
}

// ---- cuBLASLt with the bias epilogue ----------------------------------------------------------

#define TG_LT_OK(call) ((call) == CUBLAS_STATUS_SUCCESS)

cublasLtHandle_t lt_handle() {
  thread_local std::array<cublasLtHandle_t, ::tg::cuda::detail::kMaxDevices> handles{};
  cublasLtHandle_t& h = handles[static_cast<size_t>(::tg::cuda::detail::current_device())];
  if (!h) TG_CUBLAS_CHECK(cublasLtCreate(&h), "linear");
  return h;
}

// One problem's descriptors and the heuristic's algorithm, made once per shape and thread.
struct LtPlan {
  cublasLtMatmulDesc_t op = nullptr;
  cublasLtMatrixLayout_t a = nullptr, b = nullptr, d = nullptr;
  cublasLtMatmulAlgo_t algo{};
  bool usable = false;
};
struct LtKey {
  int device, dtype, compute, op_a, op_b;
  int64_t m, n, k, ld_a, ld_b;
  bool operator==(const LtKey&) const = default;
};
struct LtKeyHash {
  size_t operator()(const LtKey& k) const {
    size_t h = 0;
    for (int64_t v : {int64_t{k.device}, int64_t{k.dtype}, int64_t{k.compute}, int64_t{k.op_a}, int64_t{k.op_b}, k.m,
                      k.n, k.k, k.ld_a, k.ld_b})
      h = h * 1000003u ^ static_cast<size_t>(v);
    return h;
  }
};

constexpr size_t kLtWorkspace = size_t{32} << 20;  // what cuBLASLt's Hopper kernels ask for

// Column-major D [n, m] = op(A) [n, k] * op(B) [k, m] + bias [n] per column, where A is the
// row-major b operand and B the row-major a operand (as in the GEMM path).
LtPlan& lt_plan(DType dtype, const TypeInfo& ti, int64_t m, int64_t n, int64_t k, const BlasView& vb,
                const BlasView& va) {
  thread_local std::unordered_map<LtKey, LtPlan, LtKeyHash> plans;
  const LtKey key{::tg::cuda::detail::current_device(), static_cast<int>(dtype), static_cast<int>(ti.compute),
                  static_cast<int>(vb.op), static_cast<int>(va.op), m, n, k, vb.ld, va.ld};
  auto it = plans.find(key);
  if (it != plans.end()) return it->second;
  LtPlan plan;
  const cudaDataType_t scale = ti.double_scale ? CUDA_R_64F : CUDA_R_32F;
  const cublasLtEpilogue_t epilogue = CUBLASLT_EPILOGUE_BIAS;
  cublasLtMatmulPreference_t pref = nullptr;
  bool ok = TG_LT_OK(cublasLtMatmulDescCreate(&plan.op, ti.compute, scale)) &&
            TG_LT_OK(cublasLtMatmulDescSetAttribute(plan.op, CUBLASLT_MATMUL_DESC_TRANSA, &vb.op, sizeof(vb.op))) &&
            TG_LT_OK(cublasLtMatmulDescSetAttribute(plan.op, CUBLASLT_MATMUL_DESC_TRANSB, &va.op, sizeof(va.op))) &&
            TG_LT_OK(cublasLtMatmulDescSetAttribute(plan.op, CUBLASLT_MATMUL_DESC_EPILOGUE, &epilogue,
                                                    sizeof(epilogue))) &&
            // Stored shapes: an operand read transposed is stored [cols, rows] of its op.
            TG_LT_OK(cublasLtMatrixLayoutCreate(&plan.a, ti.data, static_cast<uint64_t>(vb.op == CUBLAS_OP_N ? n : k),
                                                static_cast<uint64_t>(vb.op == CUBLAS_OP_N ? k : n), vb.ld)) &&
            TG_LT_OK(cublasLtMatrixLayoutCreate(&plan.b, ti.data, static_cast<uint64_t>(va.op == CUBLAS_OP_N ? k : m),
                                                static_cast<uint64_t>(va.op == CUBLAS_OP_N ? m : k), va.ld)) &&
            TG_LT_OK(cublasLtMatrixLayoutCreate(&plan.d, ti.data, static_cast<uint64_t>(n), static_cast<uint64_t>(m), n)) &&
            TG_LT_OK(cublasLtMatmulPreferenceCreate(&pref)) &&
            TG_LT_OK(cublasLtMatmulPreferenceSetAttribute(pref, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES, &kLtWorkspace,
                                                          sizeof(kLtWorkspace)));
  if (ok) {
    cublasLtMatmulHeuristicResult_t result{};
    int found = 0;
    ok = TG_LT_OK(cublasLtMatmulAlgoGetHeuristic(lt_handle(), plan.op, plan.a, plan.b, plan.d, plan.d, pref, 1, &result,
                                                 &found)) &&
         found > 0 && result.state == CUBLAS_STATUS_SUCCESS && result.workspaceSize <= kLtWorkspace;
    if (ok) plan.algo = result.algo;
  }
  if (pref) cublasLtMatmulPreferenceDestroy(pref);
  plan.usable = ok;
  if (plans.size() > 1024) plans.clear();  // leaks the old descriptors' few bytes rather than tracking them
  return plans.emplace(key, plan).first->second;
}

// The product with its bias fused, or false when cuBLASLt declines (the caller falls back).
bool lt_matmul_bias(DType dtype, const TypeInfo& ti, int64_t m, int64_t n, int64_t k, const void* a, const BlasView& va,
                    const void* b, const BlasView& vb, void* c, const void* bias) {
  // The heuristic assumes operands aligned to 256 bytes (cuBLASLt's default minimum alignment);
  // views at an offset take the GEMM path.
  for (const void* ptr : {a, b, static_cast<const void*>(c), bias})
    if (reinterpret_cast<uintptr_t>(ptr) % 256 != 0) return false;
  LtPlan& plan = lt_plan(dtype, ti, m, n, k, vb, va);
  if (!plan.usable) return false;
  if (!TG_LT_OK(cublasLtMatmulDescSetAttribute(plan.op, CUBLASLT_MATMUL_DESC_BIAS_POINTER, &bias, sizeof(bias))))
    return false;
  const void* alpha = ti.double_scale ? static_cast<const void*>(kOneD) : kOneF;
  const void* beta = ti.double_scale ? static_cast<const void*>(kZeroD) : kZeroF;
  ::tg::cuda::detail::Scratch workspace(kLtWorkspace);
  return TG_LT_OK(cublasLtMatmul(lt_handle(), plan.op, alpha, b, plan.a, a, plan.b, beta, c, plan.d, c, plan.d,
                                 &plan.algo, workspace.as<void>(), kLtWorkspace, ::tg::cuda::detail::current_stream()));
}

}  // namespace

void matmul(DType dtype, const MatrixOperand& a, const MatrixOperand& b, void* c, const void* bias) {
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
    if (bias) add_bias_rows(dtype, c, bias, batches * m * n, n);
    return;
  }
  if (bias && batches == 1 && !is_complex(dtype)) {  // cuBLASLt's bias epilogue is real-only
    BlasView va{}, vb{};
    if (blas_view(m, k, a.strides[nb], a.strides[nb + 1], va) && blas_view(k, n, b.strides[nb], b.strides[nb + 1], vb) &&
        lt_matmul_bias(dtype, ti, m, n, k, a.data, va, b.data, vb, c, bias))
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

  const void* alpha = ti.double_scale ? static_cast<const void*>(kOneD) : kOneF;
  const void* beta = ti.double_scale ? static_cast<const void*>(kZeroD) : kZeroF;
  cublasHandle_t h = blas_handle("matmul");
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
  if (bias) add_bias_rows(dtype, c, bias, batches * m * n, n);
}

}  // namespace tg::kernels::cuda
