// Dense factorizations on the GPU through cuSOLVER's dense API, one call per matrix on the
// current stream (column-major, as LAPACK). The per-matrix info codes come back to the host at
// the end of the batch, one copy and one wait.
#include <cusolverDn.h>

#include <array>
#include <vector>

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

void lu_factor(DType dtype, int64_t batch, int64_t n, void* a, int32_t* pivots, int32_t* info) {
  const char* op = "lu_factor";
  cusolverDnHandle_t h = handle(op);
  const int nn = static_cast<int>(n);
  InfoCodes codes(batch, op);
  auto run = [&]<class T>(auto buffer_size, auto factor) {
    T* m = static_cast<T*>(a);
    int lwork = 0;
    TG_CUSOLVER_CHECK(buffer_size(h, nn, nn, m, nn, &lwork), op);
    Scratch work(sizeof(T) * static_cast<size_t>(std::max(lwork, 1)));
    for (int64_t i = 0; i < batch; ++i)
      TG_CUSOLVER_CHECK(factor(h, nn, nn, m + i * n * n, nn, work.as<T>(), pivots + i * n, codes.at(i)), op);
  };
  if (dtype == DType::Float32) run.template operator()<float>(cusolverDnSgetrf_bufferSize, cusolverDnSgetrf);
  else if (dtype == DType::Float64) run.template operator()<double>(cusolverDnDgetrf_bufferSize, cusolverDnDgetrf);
  else TG_FAIL("{}: dtype {} is not float32 or float64", op, dtype);
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
  if (dtype == DType::Float32) run.template operator()<float>(cusolverDnSgetrs);
  else if (dtype == DType::Float64) run.template operator()<double>(cusolverDnDgetrs);
  else TG_FAIL("{}: dtype {} is not float32 or float64", op, dtype);
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
  if (dtype == DType::Float32) run.template operator()<float>(cusolverDnSpotrf_bufferSize, cusolverDnSpotrf);
  else if (dtype == DType::Float64) run.template operator()<double>(cusolverDnDpotrf_bufferSize, cusolverDnDpotrf);
  else TG_FAIL("{}: dtype {} is not float32 or float64", op, dtype);
  codes.copy_to(info);
}

void eigh(DType dtype, int64_t batch, int64_t n, void* a, void* w, bool vectors, int32_t* info) {
  const char* op = "eigh";
  cusolverDnHandle_t h = handle(op);
  const int nn = static_cast<int>(n);
  const cusolverEigMode_t job = vectors ? CUSOLVER_EIG_MODE_VECTOR : CUSOLVER_EIG_MODE_NOVECTOR;
  InfoCodes codes(batch, op);
  auto run = [&]<class T>(auto buffer_size, auto solve) {
    T* m = static_cast<T*>(a);
    T* values = static_cast<T*>(w);
    int lwork = 0;
    TG_CUSOLVER_CHECK(buffer_size(h, job, CUBLAS_FILL_MODE_LOWER, nn, m, nn, values, &lwork), op);
    Scratch work(sizeof(T) * static_cast<size_t>(std::max(lwork, 1)));
    for (int64_t i = 0; i < batch; ++i)
      TG_CUSOLVER_CHECK(solve(h, job, CUBLAS_FILL_MODE_LOWER, nn, m + i * n * n, nn, values + i * n, work.as<T>(),
                              lwork, codes.at(i)),
                        op);
  };
  if (dtype == DType::Float32) run.template operator()<float>(cusolverDnSsyevd_bufferSize, cusolverDnSsyevd);
  else if (dtype == DType::Float64) run.template operator()<double>(cusolverDnDsyevd_bufferSize, cusolverDnDsyevd);
  else TG_FAIL("{}: dtype {} is not float32 or float64", op, dtype);
  codes.copy_to(info);
}

}  // namespace tg::kernels::cuda
