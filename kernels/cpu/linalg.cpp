// Dense factorizations through LAPACK (LAPACKE's C interface, column-major), one matrix per task
// across threads. Without LAPACK at build time each one is a clear error.
#ifdef TG_WITH_LAPACK
#include <lapacke.h>
#endif

#include "kernels/cpu/cpu_kernels.h"
#include "kernels/cpu/loops.h"

namespace tg::kernels::cpu {
namespace {

#ifdef TG_WITH_LAPACK
// Calls f.template operator()<T>(i) for each of the batch's matrices, a few per thread, with T
// the dtype's element type (float or double).
template <class F>
void each_matrix(DType dtype, int64_t batch, int64_t n, F f) {
  // LAPACKE's NaN scan would turn a NaN input into an "illegal argument" error; PyTorch lets
  // NaNs flow through to the results instead.
  static const bool no_nan_check = (LAPACKE_set_nancheck(0), true);
  (void)no_nan_check;
  dispatch_single_double(dtype, [&]<class T>() {
    parallel_for(0, batch, std::max<int64_t>(1, kGrain / std::max<int64_t>(1, n * n * n)), [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) f.template operator()<T>(i);
    });
  });
}
#else
[[noreturn]] void no_lapack(const char* op) {
  TG_FAIL("{}: tapegrad was built without LAPACK (install liblapacke-dev and rebuild)", op);
}
#endif

}  // namespace

void lu_factor(DType dtype, int64_t batch, int64_t n, void* a, int32_t* pivots, int32_t* info) {
#ifdef TG_WITH_LAPACK
  const auto nn = static_cast<lapack_int>(n);
  each_matrix(dtype, batch, n, [&]<class T>(int64_t i) {
    T* m = static_cast<T*>(a) + i * n * n;
    int32_t* piv = pivots + i * n;
    if constexpr (std::is_same_v<T, float>) info[i] = LAPACKE_sgetrf(LAPACK_COL_MAJOR, nn, nn, m, nn, piv);
    else info[i] = LAPACKE_dgetrf(LAPACK_COL_MAJOR, nn, nn, m, nn, piv);
  });
#else
  no_lapack("lu_factor");
#endif
}

void lu_solve(DType dtype, int64_t batch, int64_t n, int64_t nrhs, const void* lu, const int32_t* pivots, void* b) {
#ifdef TG_WITH_LAPACK
  const auto nn = static_cast<lapack_int>(n), k = static_cast<lapack_int>(nrhs);
  each_matrix(dtype, batch, n, [&]<class T>(int64_t i) {
    const T* m = static_cast<const T*>(lu) + i * n * n;
    T* rhs = static_cast<T*>(b) + i * n * nrhs;
    const int32_t* piv = pivots + i * n;
    if constexpr (std::is_same_v<T, float>) LAPACKE_sgetrs(LAPACK_COL_MAJOR, 'N', nn, k, m, nn, piv, rhs, nn);
    else LAPACKE_dgetrs(LAPACK_COL_MAJOR, 'N', nn, k, m, nn, piv, rhs, nn);
  });
#else
  no_lapack("lu_solve");
#endif
}

void cholesky(DType dtype, int64_t batch, int64_t n, void* a, int32_t* info) {
#ifdef TG_WITH_LAPACK
  const auto nn = static_cast<lapack_int>(n);
  each_matrix(dtype, batch, n, [&]<class T>(int64_t i) {
    T* m = static_cast<T*>(a) + i * n * n;
    if constexpr (std::is_same_v<T, float>) info[i] = LAPACKE_spotrf(LAPACK_COL_MAJOR, 'L', nn, m, nn);
    else info[i] = LAPACKE_dpotrf(LAPACK_COL_MAJOR, 'L', nn, m, nn);
  });
#else
  no_lapack("cholesky");
#endif
}

void eigh(DType dtype, int64_t batch, int64_t n, void* a, void* w, bool vectors, int32_t* info) {
#ifdef TG_WITH_LAPACK
  const auto nn = static_cast<lapack_int>(n);
  const char job = vectors ? 'V' : 'N';
  each_matrix(dtype, batch, n, [&]<class T>(int64_t i) {
    T* m = static_cast<T*>(a) + i * n * n;
    T* values = static_cast<T*>(w) + i * n;
    if constexpr (std::is_same_v<T, float>) info[i] = LAPACKE_ssyevd(LAPACK_COL_MAJOR, job, 'L', nn, m, nn, values);
    else info[i] = LAPACKE_dsyevd(LAPACK_COL_MAJOR, job, 'L', nn, m, nn, values);
  });
#else
  no_lapack("eigh");
#endif
}

}  // namespace tg::kernels::cpu
