// Dense factorizations on the GPU through cuSOLVER's dense API (triangular solves through
// cuBLAS), one call per matrix on the current stream (column-major, as LAPACK), of float32,
// float64, complex64 and complex128 matrices (cuSOLVER's S, D, C and Z routines, the same as the
// CPU's LAPACK calls). The per-matrix info codes come back to the host at the end of the batch,
// one copy and one wait.
#include <cusolverDn.h>

#include <array>
#include <memory>
#include <type_traits>
#include <vector>

#include "kernels/cuda/complex_kernels.h"
#include "kernels/cuda/cublas_handle.h"
#include "kernels/cuda/cuda_kernels.h"
#include "kernels/cuda/cuda_runtime.h"

namespace tg::kernels::cuda {
namespace {

#define TG_CUSOLVER_CHECK(call, op)                                                            \
  do {                                                                                         \
    const cusolverStatus_t tg_st = (call);                                                     \
    if (tg_st != CUSOLVER_STATUS_SUCCESS) [[unlikely]]                                         \
      ::tg::detail::fail<::tg::Error>("{}: {} failed with cuSOLVER status {}", op, #call,      \
                                      static_cast<int>(tg_st));                                \
  } while (0)

using ::tg::cuda::detail::current_stream;
using ::tg::cuda::detail::Scratch;

// The part type of an element type: eigenvalues and singular values are real for complex
// matrices too.
template <class T>
struct RealOf {
  using type = T;
};
template <>
struct RealOf<cuComplex> {
  using type = float;
};
template <>
struct RealOf<cuDoubleComplex> {
  using type = double;
};
template <class T>
using real_of = typename RealOf<T>::type;

// A real number v as element type T.
template <class T>
T element(double v) {
  if constexpr (std::is_same_v<T, cuComplex>)
    return make_cuComplex(static_cast<float>(v), 0.0f);
  else if constexpr (std::is_same_v<T, cuDoubleComplex>)
    return make_cuDoubleComplex(v, 0.0);
  else
    return static_cast<T>(v);
}

// Calls run.template operator()<T>(s, d, c, z) with T the element type of dtype and the routine
// of that type (one of cuSOLVER's or cuBLAS's S, D, C and Z forms, passed as tuples of them).
#define TG_BY_TYPE(dtype, run, S, D, C, Z)                                           \
  do {                                                                               \
    switch (dtype) {                                                                 \
      case DType::Float32:                                                           \
        run.template operator()<float> S;                                            \
        break;                                                                       \
      case DType::Float64:                                                           \
        run.template operator()<double> D;                                           \
        break;                                                                       \
      case DType::Complex64:                                                         \
        run.template operator()<cuComplex> C;                                        \
        break;                                                                       \
      case DType::Complex128:                                                        \
        run.template operator()<cuDoubleComplex> Z;                                  \
        break;                                                                       \
      default:                                                                       \
        TG_FAIL("{}: dtype {} is not a floating-point or complex dtype", op, dtype); \
    }                                                                                \
  } while (0)

// One handle per device and thread, bound to the current stream before each use (as cuBLAS's).
cusolverDnHandle_t handle(const char* op) {
  thread_local std::array<cusolverDnHandle_t, ::tg::cuda::detail::kMaxDevices> handles{};
  cusolverDnHandle_t& h = handles[static_cast<size_t>(::tg::cuda::detail::current_device())];
  if (!h) TG_CUSOLVER_CHECK(cusolverDnCreate(&h), op);
  TG_CUSOLVER_CHECK(cusolverDnSetStream(h, current_stream()), op);
  return h;
}

// Device info codes for `batch` matrices, copied to `info` (host) once all calls are queued.
class InfoCodes {
 public:
  InfoCodes(int64_t batch, const char* op) : dev_(sizeof(int) * static_cast<size_t>(batch)), batch_(batch), op_(op) {
    TG_CUDA_CHECK(cudaMemsetAsync(dev_.as<int>(), 0, sizeof(int) * static_cast<size_t>(batch), current_stream()), op);
  }
  int* at(int64_t i) const { return dev_.as<int>() + i; }
  void copy_to(int32_t* info) const {
    TG_CUDA_CHECK(cudaMemcpyAsync(info, dev_.as<int>(), sizeof(int) * static_cast<size_t>(batch_),
                                  cudaMemcpyDeviceToHost, current_stream()),
                  op_);
    TG_CUDA_CHECK(cudaStreamSynchronize(current_stream()), op_);
  }

 private:
  Scratch dev_;
  int64_t batch_;
  const char* op_;
};

}  // namespace

void lu_factor(DType dtype, int64_t batch, int64_t m, int64_t n, void* a, int32_t* pivots, int32_t* info) {
  const char* op = "lu_factor";
  cusolverDnHandle_t h = handle(op);
  const int mm = static_cast<int>(m), nn = static_cast<int>(n), lda = std::max(mm, 1);
  const int64_t k = std::min(m, n);
  InfoCodes codes(batch, op);
  auto run = [&]<class T>(auto buffer_size, auto factor) {
    T* x = static_cast<T*>(a);
    int lwork = 0;
    TG_CUSOLVER_CHECK(buffer_size(h, mm, nn, x, lda, &lwork), op);
    Scratch work(sizeof(T) * static_cast<size_t>(std::max(lwork, 1)));
    for (int64_t i = 0; i < batch; ++i)
      TG_CUSOLVER_CHECK(factor(h, mm, nn, x + i * m * n, lda, work.as<T>(), pivots + i * k, codes.at(i)), op);
  };
  TG_BY_TYPE(dtype, run, (cusolverDnSgetrf_bufferSize, cusolverDnSgetrf),
             (cusolverDnDgetrf_bufferSize, cusolverDnDgetrf), (cusolverDnCgetrf_bufferSize, cusolverDnCgetrf),
             (cusolverDnZgetrf_bufferSize, cusolverDnZgetrf));
  codes.copy_to(info);
}

void lu_solve(DType dtype, int64_t batch, int64_t n, int64_t nrhs, const void* lu, const int32_t* pivots, void* b) {
  const char* op = "lu_solve";
  cusolverDnHandle_t h = handle(op);
  const int nn = static_cast<int>(n), k = static_cast<int>(nrhs);
  InfoCodes codes(batch, op);  // getrs reports only illegal arguments, which cannot happen here
  auto run = [&]<class T>(auto solve) {
    for (int64_t i = 0; i < batch; ++i)
      TG_CUSOLVER_CHECK(solve(h, CUBLAS_OP_N, nn, k, static_cast<const T*>(lu) + i * n * n, nn, pivots + i * n,
                              static_cast<T*>(b) + i * n * nrhs, nn, codes.at(i)),
                        op);
  };
  TG_BY_TYPE(dtype, run, (cusolverDnSgetrs), (cusolverDnDgetrs), (cusolverDnCgetrs), (cusolverDnZgetrs));
}

void cholesky(DType dtype, int64_t batch, int64_t n, void* a, int32_t* info) {
  const char* op = "cholesky";
  cusolverDnHandle_t h = handle(op);
  const int nn = static_cast<int>(n);
  InfoCodes codes(batch, op);
  auto run = [&]<class T>(auto buffer_size, auto factor) {
    T* m = static_cast<T*>(a);
    int lwork = 0;
    TG_CUSOLVER_CHECK(buffer_size(h, CUBLAS_FILL_MODE_LOWER, nn, m, nn, &lwork), op);
    Scratch work(sizeof(T) * static_cast<size_t>(std::max(lwork, 1)));
    for (int64_t i = 0; i < batch; ++i)
      TG_CUSOLVER_CHECK(factor(h, CUBLAS_FILL_MODE_LOWER, nn, m + i * n * n, nn, work.as<T>(), lwork, codes.at(i)),
                        op);
  };
  TG_BY_TYPE(dtype, run, (cusolverDnSpotrf_bufferSize, cusolverDnSpotrf),
             (cusolverDnDpotrf_bufferSize, cusolverDnDpotrf), (cusolverDnCpotrf_bufferSize, cusolverDnCpotrf),
             (cusolverDnZpotrf_bufferSize, cusolverDnZpotrf));
  codes.copy_to(info);
}

void ldl_factor(DType dtype, int64_t batch, int64_t n, void* a, int32_t* pivots, bool hermitian, int32_t* info) {
  const char* op = "ldl_factor";
  TG_CHECK(!hermitian || !is_complex(dtype),
           "{}: cuSOLVER has no Hermitian LDL factorization (LAPACK's hetrf) for {} matrices", op, dtype);
  cusolverDnHandle_t h = handle(op);
  const int nn = static_cast<int>(n), ld = std::max(nn, 1);
  InfoCodes codes(batch, op);
  auto run = [&]<class T>(auto buffer_size, auto factor) {
    T* m = static_cast<T*>(a);
    int lwork = 0;
    TG_CUSOLVER_CHECK(buffer_size(h, nn, m, ld, &lwork), op);
    Scratch work(sizeof(T) * static_cast<size_t>(std::max(lwork, 1)));
    for (int64_t i = 0; i < batch; ++i)
      TG_CUSOLVER_CHECK(
          factor(h, CUBLAS_FILL_MODE_LOWER, nn, m + i * n * n, ld, pivots + i * n, work.as<T>(), lwork, codes.at(i)),
          op);
  };
  TG_BY_TYPE(dtype, run, (cusolverDnSsytrf_bufferSize, cusolverDnSsytrf),
             (cusolverDnDsytrf_bufferSize, cusolverDnDsytrf), (cusolverDnCsytrf_bufferSize, cusolverDnCsytrf),
             (cusolverDnZsytrf_bufferSize, cusolverDnZsytrf));
  codes.copy_to(info);
}

// Through the 64-bit Xsytrs, the only cuSOLVER solve from sytrf's factors (hence int64 pivots).
void ldl_solve(DType dtype, int64_t batch, int64_t n, int64_t nrhs, const void* ld, const int64_t* pivots,
               bool hermitian, void* b) {
  const char* op = "ldl_solve";
  TG_CHECK(!hermitian || !is_complex(dtype), "{}: cuSOLVER has no Hermitian LDL solve (LAPACK's hetrs) for {} matrices",
           op, dtype);
  if (batch == 0 || n == 0 || nrhs == 0) return;
  cusolverDnHandle_t h = handle(op);
  const bool single = dtype == DType::Float32 || dtype == DType::Complex64;
  const cudaDataType type = is_complex(dtype) ? (single ? CUDA_C_32F : CUDA_C_64F) : (single ? CUDA_R_32F : CUDA_R_64F);
  const size_t bytes = itemsize(dtype);
  const auto* as = static_cast<const char*>(ld);
  auto* bs = static_cast<char*>(b);
  size_t device_bytes = 0, host_bytes = 0;
  TG_CUSOLVER_CHECK(cusolverDnXsytrs_bufferSize(h, CUBLAS_FILL_MODE_LOWER, n, nrhs, type, as, n, pivots, type, bs, n,
                                                &device_bytes, &host_bytes),
                    op);
  Scratch device_work(std::max<size_t>(device_bytes, 1));
  std::vector<char> host_work(std::max<size_t>(host_bytes, 1));
  InfoCodes codes(batch, op);  // sytrs reports only illegal arguments, which cannot happen here
  for (int64_t i = 0; i < batch; ++i)
    TG_CUSOLVER_CHECK(cusolverDnXsytrs(h, CUBLAS_FILL_MODE_LOWER, n, nrhs, type, as + i * n * n * bytes, n,
                                       pivots + i * n, type, bs + i * n * nrhs * bytes, n, device_work.as<void>(),
                                       device_bytes, host_work.data(), host_bytes, codes.at(i)),
                      op);
}

void eigh(DType dtype, int64_t batch, int64_t n, void* a, void* w, bool vectors, int32_t* info) {
  const char* op = "eigh";
  cusolverDnHandle_t h = handle(op);
  const int nn = static_cast<int>(n);
  const cusolverEigMode_t job = vectors ? CUSOLVER_EIG_MODE_VECTOR : CUSOLVER_EIG_MODE_NOVECTOR;
  InfoCodes codes(batch, op);
  auto run = [&]<class T>(auto buffer_size, auto solve) {
    T* m = static_cast<T*>(a);
    auto* values = static_cast<real_of<T>*>(w);
    int lwork = 0;
    TG_CUSOLVER_CHECK(buffer_size(h, job, CUBLAS_FILL_MODE_LOWER, nn, m, nn, values, &lwork), op);
    Scratch work(sizeof(T) * static_cast<size_t>(std::max(lwork, 1)));
    for (int64_t i = 0; i < batch; ++i)
      TG_CUSOLVER_CHECK(solve(h, job, CUBLAS_FILL_MODE_LOWER, nn, m + i * n * n, nn, values + i * n, work.as<T>(),
                              lwork, codes.at(i)),
                        op);
  };
  TG_BY_TYPE(dtype, run, (cusolverDnSsyevd_bufferSize, cusolverDnSsyevd),
             (cusolverDnDsyevd_bufferSize, cusolverDnDsyevd), (cusolverDnCheevd_bufferSize, cusolverDnCheevd),
             (cusolverDnZheevd_bufferSize, cusolverDnZheevd));
  codes.copy_to(info);
}

// General eigendecompositions through cuSOLVER's 64-bit Xgeev, right vectors only, one matrix
// at a time. A real matrix's eigenvalues come as complex numbers (a conjugate pair in full, the
// one with the positive imaginary part first, as LAPACK's), its vectors in LAPACK's packing (a
// pair's real and imaginary parts in two real columns), unpacked on the device into the complex
// vectors the CPU returns.
void eig(DType dtype, int64_t batch, int64_t n, void* a, void* w, void* v, int32_t* info) {
  const char* op = "eig";
  if (batch == 0 || n == 0) return;  // nothing to decompose; the caller's info codes stay 0
  cusolverDnHandle_t h = handle(op);
  cusolverDnParams_t params = nullptr;
  TG_CUSOLVER_CHECK(cusolverDnCreateParams(&params), op);
  const std::unique_ptr<std::remove_pointer_t<cusolverDnParams_t>, decltype(&cusolverDnDestroyParams)> owned(
      params, cusolverDnDestroyParams);
  const bool real = !is_complex(dtype);
  const bool single = dtype == DType::Float32 || dtype == DType::Complex64;
  const cudaDataType a_type = real ? (single ? CUDA_R_32F : CUDA_R_64F) : (single ? CUDA_C_32F : CUDA_C_64F);
  const cudaDataType w_type = single ? CUDA_C_32F : CUDA_C_64F;
  const size_t a_bytes = itemsize(dtype), w_bytes = single ? 8 : 16;
  const int64_t ld = std::max<int64_t>(n, 1);
  const cusolverEigMode_t jobvr = v ? CUSOLVER_EIG_MODE_VECTOR : CUSOLVER_EIG_MODE_NOVECTOR;
  // A real matrix's packed vectors, one matrix's at a time (the unpacking runs before the next
  // matrix's call on the same stream).
  Scratch packed(real && v ? a_bytes * static_cast<size_t>(n * n) : 1);
  auto* as = static_cast<char*>(a);
  auto* ws = static_cast<char*>(w);
  auto* vs = static_cast<char*>(v);
  const auto vectors_of = [&](int64_t i) -> void* {
    if (!v) return nullptr;
    return real ? packed.as<void>() : vs + i * n * n * w_bytes;
  };
  size_t device_bytes = 0, host_bytes = 0;
  TG_CUSOLVER_CHECK(
      cusolverDnXgeev_bufferSize(h, params, CUSOLVER_EIG_MODE_NOVECTOR, jobvr, n, a_type, as, ld, w_type, ws, a_type,
                                 nullptr, ld, a_type, vectors_of(0), ld, a_type, &device_bytes, &host_bytes),
      op);
  Scratch device_work(std::max<size_t>(device_bytes, 1));
  std::vector<char> host_work(std::max<size_t>(host_bytes, 1));
  InfoCodes codes(batch, op);
  for (int64_t i = 0; i < batch; ++i) {
    void* values = ws + i * n * w_bytes;
    TG_CUSOLVER_CHECK(cusolverDnXgeev(h, params, CUSOLVER_EIG_MODE_NOVECTOR, jobvr, n, a_type, as + i * n * n * a_bytes,
                                      ld, w_type, values, a_type, nullptr, ld, a_type, vectors_of(i), ld, a_type,
                                      device_work.as<void>(), device_bytes, host_work.data(), host_bytes, codes.at(i)),
                      op);
    if (real && v) unpack_real_eigenvectors(dtype, n, packed.as<void>(), values, vs + i * n * n * w_bytes);
  }
  codes.copy_to(info);
}

void geqrf(DType dtype, int64_t batch, int64_t m, int64_t n, void* a, void* tau) {
  const char* op = "geqrf";
  cusolverDnHandle_t h = handle(op);
  const int mm = static_cast<int>(m), nn = static_cast<int>(n), lda = std::max(mm, 1);
  const int64_t k = std::min(m, n);
  InfoCodes codes(batch, op);  // geqrf reports only illegal arguments
  auto run = [&]<class T>(auto buffer_size, auto factor) {
    T* x = static_cast<T*>(a);
    int lwork = 0;
    TG_CUSOLVER_CHECK(buffer_size(h, mm, nn, x, lda, &lwork), op);
    Scratch work(sizeof(T) * static_cast<size_t>(std::max(lwork, 1)));
    for (int64_t i = 0; i < batch; ++i)
      TG_CUSOLVER_CHECK(factor(h, mm, nn, x + i * m * n, lda, static_cast<T*>(tau) + i * k, work.as<T>(), lwork,
                               codes.at(i)),
                        op);
  };
  TG_BY_TYPE(dtype, run, (cusolverDnSgeqrf_bufferSize, cusolverDnSgeqrf),
             (cusolverDnDgeqrf_bufferSize, cusolverDnDgeqrf), (cusolverDnCgeqrf_bufferSize, cusolverDnCgeqrf),
             (cusolverDnZgeqrf_bufferSize, cusolverDnZgeqrf));
}

void orgqr(DType dtype, int64_t batch, int64_t m, int64_t n, int64_t k, void* a, const void* tau) {
  const char* op = "orgqr";
  cusolverDnHandle_t h = handle(op);
  const int mm = static_cast<int>(m), nn = static_cast<int>(n), kk = static_cast<int>(k), lda = std::max(mm, 1);
  InfoCodes codes(batch, op);  // orgqr reports only illegal arguments
  auto run = [&]<class T>(auto buffer_size, auto form) {
    T* x = static_cast<T*>(a);
    const T* t = static_cast<const T*>(tau);
    int lwork = 0;
    TG_CUSOLVER_CHECK(buffer_size(h, mm, nn, kk, x, lda, t, &lwork), op);
    Scratch work(sizeof(T) * static_cast<size_t>(std::max(lwork, 1)));
    for (int64_t i = 0; i < batch; ++i)
      TG_CUSOLVER_CHECK(form(h, mm, nn, kk, x + i * m * n, lda, t + i * k, work.as<T>(), lwork, codes.at(i)), op);
  };
  TG_BY_TYPE(dtype, run, (cusolverDnSorgqr_bufferSize, cusolverDnSorgqr),
             (cusolverDnDorgqr_bufferSize, cusolverDnDorgqr), (cusolverDnCungqr_bufferSize, cusolverDnCungqr),
             (cusolverDnZungqr_bufferSize, cusolverDnZungqr));
}

void svd(DType dtype, int64_t batch, int64_t m, int64_t n, void* a, void* s, void* u, void* vh, bool full,
         int32_t* info) {
  const char* op = "svd";
  cusolverDnHandle_t h = handle(op);
  // Jacobi SVD of A^T (the row-major buffer read column-major), A^T = conj(V) S U^T: its left
  // vectors are conj(V), column-major, so Vh = V^H row-major as wanted; its right ones are conj(U)
  // column-major, turned into U row-major by a cuBLAS conjugate transpose (a plain one for real
  // matrices). Vectors are always computed (into scratch when not asked
  // for): the values-only path is not worth a second, untested mode.
  const int64_t k = std::min(m, n), u_cols = full ? m : k, v_rows = full ? n : k;
  const int rows = static_cast<int>(n), cols = static_cast<int>(m), ld_v = std::max(rows, 1), ld_u = std::max(cols, 1);
  gesvdjInfo_t params = nullptr;
  TG_CUSOLVER_CHECK(cusolverDnCreateGesvdjInfo(&params), op);
  struct Release {
    gesvdjInfo_t p;
    ~Release() { cusolverDnDestroyGesvdjInfo(p); }
  } release{params};
  InfoCodes codes(batch, op);
  auto run = [&]<class T>(auto buffer_size, auto decompose, auto transpose) {
    T* x = static_cast<T*>(a);
    auto* values = static_cast<real_of<T>*>(s);
    Scratch v_scratch(u ? 1 : sizeof(T) * static_cast<size_t>(std::max<int64_t>(batch * v_rows * n, 1)));
    T* v_out = u ? static_cast<T*>(vh) : v_scratch.as<T>();
    Scratch u_cm(sizeof(T) * static_cast<size_t>(std::max<int64_t>(batch * m * u_cols, 1)));
    int lwork = 0;
    TG_CUSOLVER_CHECK(buffer_size(h, CUSOLVER_EIG_MODE_VECTOR, full ? 0 : 1, rows, cols, x, ld_v, values, v_out, ld_v,
                                  u_cm.as<T>(), ld_u, &lwork, params),
                      op);
    Scratch work(sizeof(T) * static_cast<size_t>(std::max(lwork, 1)));
    for (int64_t i = 0; i < batch; ++i)
      TG_CUSOLVER_CHECK(decompose(h, CUSOLVER_EIG_MODE_VECTOR, full ? 0 : 1, rows, cols, x + i * m * n, ld_v,
                                  values + i * k, v_out + i * v_rows * n, ld_v, u_cm.as<T>() + i * m * u_cols, ld_u,
                                  work.as<T>(), lwork, codes.at(i), params),
                        op);
    if (!u || m * u_cols == 0) return;
    cublasHandle_t blas = blas_handle(op);
    const T one = element<T>(1), zero = element<T>(0);
    const int uc = static_cast<int>(u_cols);
    for (int64_t i = 0; i < batch; ++i) {
      T* dst = static_cast<T*>(u) + i * m * u_cols;
      TG_CUBLAS_CHECK(transpose(blas, CUBLAS_OP_C, CUBLAS_OP_N, uc, cols, &one, u_cm.as<T>() + i * m * u_cols, ld_u,
                                &zero, dst, uc, dst, uc),
                      op);
    }
  };
  TG_BY_TYPE(dtype, run, (cusolverDnSgesvdj_bufferSize, cusolverDnSgesvdj, cublasSgeam),
             (cusolverDnDgesvdj_bufferSize, cusolverDnDgesvdj, cublasDgeam),
             (cusolverDnCgesvdj_bufferSize, cusolverDnCgesvdj, cublasCgeam),
             (cusolverDnZgesvdj_bufferSize, cusolverDnZgesvdj, cublasZgeam));
  codes.copy_to(info);
}

void triangular_solve(DType dtype, int64_t batch, int64_t n, int64_t nrhs, const void* a, void* b, bool upper,
                      bool unit, bool row_major) {
  const char* op = "triangular_solve";
  cublasHandle_t h = blas_handle(op);
  const int nn = static_cast<int>(n), k = static_cast<int>(nrhs), ld = std::max(nn, 1);
  // A row-major A is the column-major A^T, triangular the other way: solve with its transpose.
  const cublasFillMode_t fill = upper != row_major ? CUBLAS_FILL_MODE_UPPER : CUBLAS_FILL_MODE_LOWER;
  const cublasOperation_t trans = row_major ? CUBLAS_OP_T : CUBLAS_OP_N;
  const cublasDiagType_t diag = unit ? CUBLAS_DIAG_UNIT : CUBLAS_DIAG_NON_UNIT;
  auto run = [&]<class T>(auto trsm) {
    const T one = element<T>(1);
    for (int64_t i = 0; i < batch; ++i)
      TG_CUBLAS_CHECK(trsm(h, CUBLAS_SIDE_LEFT, fill, trans, diag, nn, k, &one, static_cast<const T*>(a) + i * n * n,
                           ld, static_cast<T*>(b) + i * n * nrhs, ld),
                      op);
  };
  TG_BY_TYPE(dtype, run, (cublasStrsm), (cublasDtrsm), (cublasCtrsm), (cublasZtrsm));
}

void lstsq(DType, int64_t, int64_t, int64_t, int64_t, void*, void*, double, char driver, int64_t*, void*, int32_t*) {
  TG_FAIL("lstsq: driver '{}' has no GPU kernel; on the GPU least squares is QR-based (driver \"gels\")", driver);
}

}  // namespace tg::kernels::cuda
