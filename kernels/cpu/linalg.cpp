// Dense factorizations through LAPACK (LAPACKE's C interface, column-major), one matrix per task
// across threads, for float32, float64, complex64 and complex128 matrices. Without LAPACK at
// build time each one is a clear error.
#include <algorithm>
#include <cmath>
#include <complex>
#include <initializer_list>
#include <limits>
#include <utility>
#include <vector>

#include "kernels/complex_math.h"
#include "kernels/cpu/cpu_kernels.h"
#include "kernels/cpu/loops.h"

#ifdef TG_WITH_LAPACK
// LAPACKE's complex arguments as std::complex (the layout of tapegrad's complex elements).
#define LAPACK_COMPLEX_CPP
#define lapack_complex_float std::complex<float>
#define lapack_complex_double std::complex<double>
#include <lapacke.h>
#endif
#ifdef TG_WITH_BLAS
#include <cblas.h>
#endif

namespace tg::kernels::cpu {
namespace {

// The real type of T's parts: the dtype of singular values, eigenvalues and norms.
template <class T>
struct RealOf {
  using type = T;
};
template <class R>
struct RealOf<std::complex<R>> {
  using type = R;
};
template <class T>
using real_of = typename RealOf<T>::type;

// a * b and a / b, complex ones by their formulas (complex_math.h): std::complex's operators,
// libgcc's Annex G routines, put a batch of 4 x 4 complex inverses at half PyTorch's speed.
template <class T>
inline T times(T a, T b) {
  if constexpr (is_complex_v<T>)
    return cmul(a, b);
  else
    return a * b;
}
template <class T>
inline T over(T a, T b) {
  if constexpr (is_complex_v<T>)
    return cdiv(a, b);
  else
    return a / b;
}

#ifdef TG_WITH_LAPACK
// Calls f.template operator()<T>(i) for each of the batch's matrices, a few per thread, with T
// the dtype's element type (float, double, std::complex<float> or std::complex<double>).
template <class F>
void each_matrix(DType dtype, int64_t batch, int64_t n, F f) {
  // LAPACKE's NaN scan would turn a NaN input into an "illegal argument" error; PyTorch lets
  // NaNs flow through to the results instead.
  static const bool no_nan_check = (LAPACKE_set_nancheck(0), true);
  (void)no_nan_check;
  auto run = [&]<class T>() {
    parallel_for(0, batch, std::max<int64_t>(1, kGrain / std::max<int64_t>(1, n * n * n)), [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) f.template operator()<T>(i);
    });
  };
  if (is_complex(dtype))
    dispatch_complex(dtype, run);
  else
    dispatch_single_double(dtype, run);
}

// LAPACK's routine `name` for element type T: its s, d, c or z form (sy/he and or/un names as
// `real` and `cplx`), column-major.
#define TG_LAPACK_AS(name, real, cplx)                         \
  template <class T, class... Args>                            \
  lapack_int name(Args... args) {                              \
    if constexpr (std::is_same_v<T, float>)                    \
      return LAPACKE_s##real(LAPACK_COL_MAJOR, args...);       \
    else if constexpr (std::is_same_v<T, double>)              \
      return LAPACKE_d##real(LAPACK_COL_MAJOR, args...);       \
    else if constexpr (std::is_same_v<T, std::complex<float>>) \
      return LAPACKE_c##cplx(LAPACK_COL_MAJOR, args...);       \
    else                                                       \
      return LAPACKE_z##cplx(LAPACK_COL_MAJOR, args...);       \
  }
#define TG_LAPACK(name) TG_LAPACK_AS(name, name, name)
namespace lapack {
TG_LAPACK(getrf)
TG_LAPACK(getrs)
TG_LAPACK(potrf)
TG_LAPACK(sytrf)
TG_LAPACK_AS(hetrf, sytrf, hetrf)
TG_LAPACK(sytrs)
TG_LAPACK_AS(hetrs, sytrs, hetrs)
TG_LAPACK_AS(eigh, syevd, heevd)
TG_LAPACK(geev)
TG_LAPACK(geqrf)
TG_LAPACK_AS(orgqr, orgqr, ungqr)
TG_LAPACK(gesdd)
TG_LAPACK(trtrs)
TG_LAPACK(gels)
TG_LAPACK(gelsy)
TG_LAPACK(gelsd)
TG_LAPACK(gelss)
}  // namespace lapack
#undef TG_LAPACK
#undef TG_LAPACK_AS

// Small systems skip LAPACK: its trsm packs its operands and splits the work into blocks, which
// costs more than the solve itself below this size.
constexpr int64_t kSmallSolve = 64;

// Substitution, real dtypes, on up to 64 rows (the small solves from 4 right-hand sides, 2-2.5x
// faster than small_solve's row updates below for 32 rows; fewer take its column loops, and the
// blocked solve's leaves), or on any number of rows for 2 to 16 right-hand sides: there LAPACK's
// trsm and the blocked solve's gemms spent as long packing their operands as multiplying (a
// [512, 512] float32 solve with 16 right-hand sides took 0.080 ms, PyTorch 0.044; now 0.044), and
// one right-hand side keeps LAPACK's, as fast as PyTorch's.
constexpr int64_t kSubstituteMaxRows = 64;
constexpr int64_t kSubstituteMinRhs = 16;
constexpr int64_t kSubstituteNarrowMinRhs = 4;
constexpr bool narrow_solve(int64_t k) { return k >= 2 && k <= kSubstituteMinRhs; }
static_assert(kSmallSolve <= kSubstituteMaxRows);

// The rows i0 .. i0 + R of x in v, every other row's part subtracted, solved with the R x R
// block of op(A) on the diagonal there (op_a(i, j): op(A)'s element).
template <class T, int64_t W, int64_t R, bool kForward, class OpA>
inline void solve_diagonal_block(T (&v)[R][W], int64_t i0, OpA op_a, const T* inverse) {
#pragma GCC unroll 16
  for (int64_t s = 0; s < R; ++s) {
    const int64_t r = kForward ? s : R - 1 - s;
#pragma GCC unroll 16
    for (int64_t t = kForward ? 0 : r + 1; t < (kForward ? r : R); ++t) {
      const T f = op_a(i0 + r, i0 + t);
#pragma omp simd
      for (int64_t c = 0; c < W; ++c) v[r][c] -= f * v[t][c];
    }
#pragma omp simd
    for (int64_t c = 0; c < W; ++c) v[r][c] *= inverse[i0 + r];
  }
}

// Rows i0 .. i0 + R of the W right-hand sides x (row by row) solved in place, op(A) = A^T lower
// (forward) or upper, the rows before them in that order already solved: A's columns are op(A)'s
// rows, read in order, and each loaded row of x serves R rows' multiply-adds kept in registers.
template <class T, int64_t W, int64_t R, bool kForward>
inline void gather_block(int64_t n, int64_t i0, const T* a, int64_t lda, const T* inverse, T* x) {
  const auto op_a = [&](int64_t i, int64_t j) { return a[j + i * lda]; };
  T acc[R][W];
#pragma GCC unroll 16
  for (int64_t r = 0; r < R; ++r)
    for (int64_t c = 0; c < W; ++c) acc[r][c] = x[(i0 + r) * W + c];
  const int64_t lo = kForward ? 0 : i0 + R, hi = kForward ? i0 : n;
  for (int64_t j = lo; j < hi; ++j) {
    const T* __restrict xj = x + j * W;
#pragma GCC unroll 16
    for (int64_t r = 0; r < R; ++r) {
      const T f = op_a(i0 + r, j);
      // Across the right-hand sides: left alone, GCC vectorised 8-wide transposed blocks along j,
      // gathering A's row (4x slower).
#pragma omp simd
      for (int64_t c = 0; c < W; ++c) acc[r][c] -= f * xj[c];
    }
  }
  solve_diagonal_block<T, W, R, kForward>(acc, i0, op_a, inverse);
#pragma GCC unroll 16
  for (int64_t r = 0; r < R; ++r)
    for (int64_t c = 0; c < W; ++c) x[(i0 + r) * W + c] = acc[r][c];
}

// The same for op(A) = A, whose rows run across columns (each step of gather_block's loop would
// load a new line): rows i0 .. i0 + R solved, their earlier rows' parts already subtracted, then
// subtracted from every row still to solve, down R of A's columns (2x faster for 1024 rows).
template <class T, int64_t W, int64_t R, bool kForward>
inline void eliminate_block(int64_t n, int64_t i0, const T* a, int64_t lda, const T* inverse, T* x) {
  T xs[R][W];
#pragma GCC unroll 16
  for (int64_t r = 0; r < R; ++r)
    for (int64_t c = 0; c < W; ++c) xs[r][c] = x[(i0 + r) * W + c];
  solve_diagonal_block<T, W, R, kForward>(
      xs, i0, [&](int64_t i, int64_t j) { return a[i + j * lda]; }, inverse);
#pragma GCC unroll 16
  for (int64_t r = 0; r < R; ++r)
    for (int64_t c = 0; c < W; ++c) x[(i0 + r) * W + c] = xs[r][c];
  const int64_t lo = kForward ? i0 + R : 0, hi = kForward ? n : i0;
  for (int64_t i = lo; i < hi; ++i) {
    T* __restrict xi = x + i * W;
    T acc[W];
    for (int64_t c = 0; c < W; ++c) acc[c] = xi[c];
#pragma GCC unroll 16
    for (int64_t r = 0; r < R; ++r) {
      const T f = a[i + (i0 + r) * lda];
#pragma omp simd
      for (int64_t c = 0; c < W; ++c) acc[c] -= f * xs[r][c];
    }
    for (int64_t c = 0; c < W; ++c) xi[c] = acc[c];
  }
}

// The W right-hand sides of x (row by row) solved in place: op(A) lower (forward) or upper.
// Narrow blocks (two vectors a row) take 6 rows at a time, 12 vectors of sums (one at a time, a
// [512, 512] float32 solve with 16 right-hand sides took 1.8x as long); the rows left over one
// at a time.
template <class T, int64_t W, bool kForward, bool kTrans>
void substitute_rows(int64_t n, const T* a, int64_t lda, const T* inverse, T* x) {
  constexpr int64_t kVectors = std::max<int64_t>(1, W * static_cast<int64_t>(sizeof(T)) / 32);
  constexpr int64_t R = std::max<int64_t>(1, 12 / kVectors);
  const auto block = [&]<int64_t Rows>(int64_t i0) {
    if constexpr (kTrans)
      gather_block<T, W, Rows, kForward>(n, i0, a, lda, inverse, x);
    else
      eliminate_block<T, W, Rows, kForward>(n, i0, a, lda, inverse, x);
  };
  const int64_t whole = n / R * R;
  if constexpr (kForward) {
    for (int64_t i0 = 0; i0 < whole; i0 += R) block.template operator()<R>(i0);
    for (int64_t i = whole; i < n; ++i) block.template operator()<1>(i);
  } else {
    for (int64_t i0 = n - R; i0 >= n - whole; i0 -= R) block.template operator()<R>(i0);
    for (int64_t i = n - whole - 1; i >= 0; --i) block.template operator()<1>(i);
  }
}

// op(A) X = B by substitution on blocks of W right-hand sides laid out row by row, so that each
// step is W independent multiply-adds kept in registers (op as in blocked_solve below). As the
// blocked solve's leaves: OpenBLAS 0.3.21's trsm ran those 64 x 512 blocks at 7 GFLOP/s; this
// takes half its time, and the whole [512, 512] solve with 512 right-hand sides 3.1-3.3 ms
// instead of 4.4-4.8. With few right-hand sides it solves any n: the packing of a blocked solve's
// gemms cost as much as their multiply-adds.
template <class T, int64_t W>
void substitute(bool upper, bool trans, bool unit, int64_t n, int64_t k, const T* a, int64_t lda, T* b, int64_t ldb) {
  alignas(64) T on_stack[kSubstituteMaxRows * W];
  thread_local std::vector<T> on_heap;
  if (n > kSubstituteMaxRows) on_heap.resize(static_cast<size_t>(n * W));
  T* x = n > kSubstituteMaxRows ? on_heap.data() : on_stack;
  thread_local std::vector<T> inverses;
  inverses.resize(static_cast<size_t>(n));
  T* inverse = inverses.data();
  for (int64_t i = 0; i < n; ++i) inverse[i] = unit ? T(1) : T(1) / a[i + i * lda];
  const bool forward = upper == trans;  // op(A) lower triangular
  for (int64_t c0 = 0; c0 < k; c0 += W) {
    const int64_t w = std::min(W, k - c0);
    if (w < W) std::fill(x, x + n * W, T(0));
    for (int64_t c = 0; c < w; ++c)
      for (int64_t i = 0; i < n; ++i) x[i * W + c] = b[i + (c0 + c) * ldb];
    // Each direction and layout its own loop: with run-time flags GCC kept acc in memory (5x slower).
    if (forward && trans)
      substitute_rows<T, W, true, true>(n, a, lda, inverse, x);
    else if (forward)
      substitute_rows<T, W, true, false>(n, a, lda, inverse, x);
    else if (trans)
      substitute_rows<T, W, false, true>(n, a, lda, inverse, x);
    else
      substitute_rows<T, W, false, false>(n, a, lda, inverse, x);
    for (int64_t c = 0; c < w; ++c)
      for (int64_t i = 0; i < n; ++i) b[i + (c0 + c) * ldb] = x[i * W + c];
  }
}

// Substitution on blocks as wide as k needs: one vector a row, or two (taken 6 rows at a time,
// the best of one, two and four: the x of 512 rows at four vectors left L1).
template <class T>
void substitute_fit(bool upper, bool trans, bool unit, int64_t n, int64_t k, const T* a, int64_t lda, T* b,
                    int64_t ldb) {
  constexpr int64_t kLanes = 32 / sizeof(T);
  if (k <= kLanes) return substitute<T, kLanes>(upper, trans, unit, n, k, a, lda, b, ldb);
  substitute<T, 2 * kLanes>(upper, trans, unit, n, k, a, lda, b, ldb);
}

// LAPACK's row swaps (1-based, applied in order) down each column of the column-major n x k x.
template <class T>
void swap_rows(int64_t n, int64_t k, const int32_t* pivots, T* x) {
  for (int64_t c = 0; c < k; ++c, x += n)
    for (int64_t r = 0; r < n; ++r) std::swap(x[r], x[pivots[r] - 1]);
}

#ifdef TG_WITH_BLAS
// Large triangular solves with many right-hand sides halve the triangle again and again, so that
// most of the work is a gemm: OpenBLAS 0.3.21's trsm ran [512, 512] with 512 right-hand sides at
// a third of its gemm's speed (7.6 ms, recursing 4.0, MKL 2.6-4.2). Fewer right-hand sides take
// the substitution (one, LAPACK's own routines).
constexpr int64_t kBlockedSolveMinRhs = kSubstituteMinRhs + 1;
constexpr int64_t kBlockedSolveLeaf = kSubstituteMaxRows;

// C -= op(A) B, all column-major: op(A) m x kk (A itself kk x m when transposed), B kk x n.
template <class T>
void gemm_subtract(bool trans, int64_t m, int64_t n, int64_t kk, const T* a, int64_t lda, const T* b, int64_t ldb, T* c,
                   int64_t ldc) {
  const auto ta = trans ? CblasTrans : CblasNoTrans;
  const int im = static_cast<int>(m), in = static_cast<int>(n), ik = static_cast<int>(kk), ia = static_cast<int>(lda),
            ib = static_cast<int>(ldb), ic = static_cast<int>(ldc);
  if constexpr (std::is_same_v<T, float>) {
    cblas_sgemm(CblasColMajor, ta, CblasNoTrans, im, in, ik, -1.0f, a, ia, b, ib, 1.0f, c, ic);
  } else if constexpr (std::is_same_v<T, double>) {
    cblas_dgemm(CblasColMajor, ta, CblasNoTrans, im, in, ik, -1.0, a, ia, b, ib, 1.0, c, ic);
  } else {
    const T minus_one(-1), one(1);
    if constexpr (std::is_same_v<T, std::complex<float>>)
      cblas_cgemm(CblasColMajor, ta, CblasNoTrans, im, in, ik, &minus_one, a, ia, b, ib, &one, c, ic);
    else
      cblas_zgemm(CblasColMajor, ta, CblasNoTrans, im, in, ik, &minus_one, a, ia, b, ib, &one, c, ic);
  }
}

// op(A) X = B for the column-major n x n triangle A (op: A, or A^T without conjugation) and the
// column-major n x k B, overwritten with X. A zero on A's diagonal gives infinities or NaNs, as
// trsm's (and PyTorch's) do. The complex leaves are OpenBLAS's trsm.
template <class T>
void blocked_solve(bool upper, bool trans, bool unit, int64_t n, int64_t k, const T* a, int64_t lda, T* b,
                   int64_t ldb) {
  if constexpr (!is_complex_v<T>) {
    if (n <= kBlockedSolveLeaf) return substitute_fit(upper, trans, unit, n, k, a, lda, b, ldb);
  }
  if (n <= kBlockedSolveLeaf) {
    const auto uplo = upper ? CblasUpper : CblasLower;
    const auto ta = trans ? CblasTrans : CblasNoTrans;
    const auto diag = unit ? CblasUnit : CblasNonUnit;
    const int in = static_cast<int>(n), ik = static_cast<int>(k), ia = static_cast<int>(lda),
              ib = static_cast<int>(ldb);
    if constexpr (std::is_same_v<T, float>) {
      cblas_strsm(CblasColMajor, CblasLeft, uplo, ta, diag, in, ik, 1.0f, a, ia, b, ib);
    } else if constexpr (std::is_same_v<T, double>) {
      cblas_dtrsm(CblasColMajor, CblasLeft, uplo, ta, diag, in, ik, 1.0, a, ia, b, ib);
    } else {
      const T one(1);
      if constexpr (std::is_same_v<T, std::complex<float>>)
        cblas_ctrsm(CblasColMajor, CblasLeft, uplo, ta, diag, in, ik, &one, a, ia, b, ib);
      else
        cblas_ztrsm(CblasColMajor, CblasLeft, uplo, ta, diag, in, ik, &one, a, ia, b, ib);
    }
    return;
  }
  // A = [A11 A12; A21 A22] with A11 n1 x n1 (a multiple of 8 rows: aligned gemm panels). op(A) is
  // lower triangular for a lower A untransposed or an upper one transposed: X1 first, then X2
  // from B2 less op(A)21 X1; otherwise X2 first.
  const int64_t n1 = (n / 2 + 7) / 8 * 8, n2 = n - n1;
  const T* a22 = a + n1 + n1 * lda;
  const T* off = upper ? a + n1 * lda : a + n1;  // A12 or A21, the block op(A) needs
  T* b2 = b + n1;
  if (upper == trans) {
    blocked_solve(upper, trans, unit, n1, k, a, lda, b, ldb);
    gemm_subtract(trans, n2, k, n1, off, lda, b, ldb, b2, ldb);
    blocked_solve(upper, trans, unit, n2, k, a22, lda, b2, ldb);
  } else {
    blocked_solve(upper, trans, unit, n2, k, a22, lda, b2, ldb);
    gemm_subtract(trans, n1, k, n2, off, lda, b2, ldb, b, ldb);
    blocked_solve(upper, trans, unit, n1, k, a, lda, b, ldb);
  }
}
#endif

// One triangle of a's: its upper or lower part, with its own diagonal or ones (unit).
struct Triangle {
  bool upper, unit;
};

// Overwrites the column-major n x k right-hand sides x with the solutions of A X = B, where A is
// P T1 T2 ...: the row swaps of 1-based `pivots` (LAPACK's, applied in order; null for none),
// then the triangles `steps` of the column-major n x n a, solved one after the other. With
// several right-hand sides they are laid out row by row once, so that each step (row i -=
// a[i][j] * row j) runs along k contiguous values.
template <class T>
void small_solve(int64_t n, int64_t k, const T* a, const int32_t* pivots, std::initializer_list<Triangle> steps, T* x) {
  if (k < 4) {  // by columns of A: each step an axpy along a contiguous column
    for (int64_t c = 0; c < k; ++c, x += n) {
      if (pivots)
        for (int64_t r = 0; r < n; ++r) std::swap(x[r], x[pivots[r] - 1]);
      for (const Triangle& t : steps) {
        for (int64_t step = 0; step < n; ++step) {
          const int64_t j = t.upper ? n - 1 - step : step;
          if (!t.unit) x[j] = over(x[j], a[j + j * n]);
          const T xj = x[j];
          const T* __restrict col = a + j * n;
          T* __restrict y = x;
          const int64_t lo = t.upper ? 0 : j + 1, hi = t.upper ? j : n;
          for (int64_t i = lo; i < hi; ++i) y[i] -= times(xj, col[i]);
        }
      }
    }
    return;
  }
  thread_local std::vector<T> scratch;
  scratch.resize(static_cast<size_t>(n * k));
  T* rows = scratch.data();
  for (int64_t c = 0; c < k; ++c)
    for (int64_t r = 0; r < n; ++r) rows[r * k + c] = x[c * n + r];
  if (pivots) {
    for (int64_t r = 0; r < n; ++r)
      if (pivots[r] - 1 != r) std::swap_ranges(rows + r * k, rows + (r + 1) * k, rows + (pivots[r] - 1) * k);
  }
  for (const Triangle& t : steps) {
    for (int64_t step = 0; step < n; ++step) {
      const int64_t j = t.upper ? n - 1 - step : step;
      T* __restrict rj = rows + j * k;
      if (!t.unit) {
        const T d = a[j + j * n];
        for (int64_t c = 0; c < k; ++c) rj[c] = over(rj[c], d);
      }
      const int64_t lo = t.upper ? 0 : j + 1, hi = t.upper ? j : n;
      for (int64_t i = lo; i < hi; ++i) {
        const T f = a[i + j * n];
        T* __restrict ri = rows + i * k;
        for (int64_t c = 0; c < k; ++c) ri[c] -= times(f, rj[c]);
      }
    }
  }
  for (int64_t c = 0; c < k; ++c)
    for (int64_t r = 0; r < n; ++r) x[c * n + r] = rows[r * k + c];
}
#else
[[noreturn]] void no_lapack(const char* op) {
  TG_FAIL("{}: tapegrad was built without LAPACK (install liblapacke-dev and rebuild)", op);
}
#endif

}  // namespace

namespace {
// Matrices up to this size are factored here: LAPACK's getrf set-up per call (its recursive
// blocking, thread checks) cost more than the factorization, and a batch of 4x4 determinants
// took 2.4x PyTorch's time.
constexpr int64_t kSmallLu = 16;

// LU with partial pivoting of a column-major m x n matrix as LAPACK's unblocked getf2 computes
// it: the first largest |pivot| (1-based in piv), rows swapped whole, the column below scaled
// by the pivot's reciprocal (divided where that would overflow), a rank-1 update; the first
// zero pivot's 1-based position returned, 0 when there is none.
template <class T>
int32_t small_getrf(int64_t m, int64_t n, T* a, int32_t* piv) {
  using R = real_of<T>;
  // The magnitude LAPACK's i?amax compares: |re| + |im| for complex numbers.
  const auto size = [](T v) -> R {
    if constexpr (is_complex_v<T>)
      return std::abs(v.real()) + std::abs(v.imag());
    else
      return std::abs(v);
  };
  int32_t info = 0;
  for (int64_t j = 0; j < std::min(m, n); ++j) {
    T* col = a + j * m;
    int64_t p = j;
    R best = size(col[j]);
    for (int64_t i = j + 1; i < m; ++i) {
      if (size(col[i]) > best) {
        best = size(col[i]);
        p = i;
      }
    }
    piv[j] = static_cast<int32_t>(p + 1);
    if (col[p] != T(0)) {
      if (p != j)
        for (int64_t c = 0; c < n; ++c) std::swap(a[j + c * m], a[p + c * m]);
      const T pivot = col[j];
      if (std::abs(pivot) >= std::numeric_limits<R>::min()) {
        const T r = over(T(1), pivot);
        for (int64_t i = j + 1; i < m; ++i) col[i] = times(col[i], r);
      } else {
        for (int64_t i = j + 1; i < m; ++i) col[i] = over(col[i], pivot);
      }
    } else if (info == 0) {
      info = static_cast<int32_t>(j + 1);
    }
    for (int64_t c = j + 1; c < n; ++c) {
      T* other = a + c * m;
      const T u = other[j];
      for (int64_t i = j + 1; i < m; ++i) other[i] -= times(col[i], u);
    }
  }
  return info;
}
}  // namespace

void lu_factor(DType dtype, int64_t batch, int64_t m, int64_t n, void* a, int32_t* pivots, int32_t* info) {
#ifdef TG_WITH_LAPACK
  const auto mm = static_cast<lapack_int>(m), nn = static_cast<lapack_int>(n);
  const int64_t k = std::min(m, n);
  each_matrix(dtype, batch, std::max(k, int64_t{1}), [&]<class T>(int64_t i) {
    T* x = static_cast<T*>(a) + i * m * n;
    int32_t* piv = pivots + i * k;
    if (m <= kSmallLu && n <= kSmallLu)
      info[i] = small_getrf(m, n, x, piv);
    else
      info[i] = lapack::getrf<T>(mm, nn, x, std::max(mm, 1), piv);
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
    // getrs: the row swaps, then L (unit diagonal) and U
    if constexpr (!is_complex_v<T>) {
      if (n <= kSmallSolve ? nrhs >= kSubstituteNarrowMinRhs : narrow_solve(nrhs)) {
        swap_rows(n, nrhs, piv, rhs);
        substitute_fit(false, false, true, n, nrhs, m, n, rhs, n);
        return substitute_fit(true, false, false, n, nrhs, m, n, rhs, n);
      }
    }
    if (n <= kSmallSolve)
      return small_solve(n, nrhs, m, piv, {{.upper = false, .unit = true}, {.upper = true, .unit = false}}, rhs);
#ifdef TG_WITH_BLAS
    if (nrhs >= kBlockedSolveMinRhs) {
      swap_rows(n, nrhs, piv, rhs);
      blocked_solve(false, false, true, n, nrhs, m, n, rhs, n);
      return blocked_solve(true, false, false, n, nrhs, m, n, rhs, n);
    }
#endif
    lapack::getrs<T>('N', nn, k, m, nn, piv, rhs, nn);
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
    info[i] = lapack::potrf<T>('L', nn, m, nn);
  });
#else
  no_lapack("cholesky");
#endif
}

void ldl_factor(DType dtype, int64_t batch, int64_t n, void* a, int32_t* pivots, bool hermitian, int32_t* info) {
#ifdef TG_WITH_LAPACK
  const auto nn = static_cast<lapack_int>(n);
  each_matrix(dtype, batch, n, [&]<class T>(int64_t i) {
    T* m = static_cast<T*>(a) + i * n * n;
    int32_t* piv = pivots + i * n;
    // Complex symmetric (not Hermitian) matrices take the sy form; real ones are both.
    info[i] = hermitian ? lapack::hetrf<T>('L', nn, m, nn, piv) : lapack::sytrf<T>('L', nn, m, nn, piv);
  });
#else
  no_lapack("ldl_factor");
#endif
}

void ldl_solve(DType dtype, int64_t batch, int64_t n, int64_t nrhs, const void* ld, const int64_t* pivots,
               bool hermitian, void* b) {
#ifdef TG_WITH_LAPACK
  const auto nn = static_cast<lapack_int>(n), k = static_cast<lapack_int>(nrhs);
  each_matrix(dtype, batch, n, [&]<class T>(int64_t i) {
    thread_local std::vector<lapack_int> piv;
    piv.assign(pivots + i * n, pivots + (i + 1) * n);
    const T* m = static_cast<const T*>(ld) + i * n * n;
    T* rhs = static_cast<T*>(b) + i * n * nrhs;
    if (hermitian)
      lapack::hetrs<T>('L', nn, k, m, nn, piv.data(), rhs, nn);
    else
      lapack::sytrs<T>('L', nn, k, m, nn, piv.data(), rhs, nn);
  });
#else
  no_lapack("ldl_solve");
#endif
}

void eigh(DType dtype, int64_t batch, int64_t n, void* a, void* w, bool vectors, int32_t* info) {
#ifdef TG_WITH_LAPACK
  const auto nn = static_cast<lapack_int>(n);
  const char job = vectors ? 'V' : 'N';
  each_matrix(dtype, batch, n, [&]<class T>(int64_t i) {
    T* m = static_cast<T*>(a) + i * n * n;
    real_of<T>* values = static_cast<real_of<T>*>(w) + i * n;  // real for Hermitian matrices too
    info[i] = lapack::eigh<T>(job, 'L', nn, m, nn, values);
  });
#else
  no_lapack("eigh");
#endif
}

void eig(DType dtype, int64_t batch, int64_t n, void* a, void* w, void* v, int32_t* info) {
#ifdef TG_WITH_LAPACK
  const auto nn = static_cast<lapack_int>(n), ld = static_cast<lapack_int>(std::max<int64_t>(n, 1));
  const char job = v ? 'V' : 'N';
  each_matrix(dtype, batch, n, [&]<class T>(int64_t i) {
    using Cx = std::complex<real_of<T>>;
    T* m = static_cast<T*>(a) + i * n * n;
    Cx* values = static_cast<Cx*>(w) + i * n;
    Cx* vectors = v ? static_cast<Cx*>(v) + i * n * n : nullptr;
    if constexpr (is_complex_v<T>) {
      info[i] = lapack::geev<T>('N', job, nn, m, ld, values, nullptr, 1, vectors, ld);
    } else {
      // The real routine (PyTorch's, so that both order the eigenvalues alike): a complex pair's
      // vectors come as its real and imaginary parts in two columns.
      thread_local std::vector<T> re, im, columns;
      re.resize(static_cast<size_t>(n));
      im.resize(static_cast<size_t>(n));
      columns.resize(v ? static_cast<size_t>(n * n) : 0);
      info[i] =
          lapack::geev<T>('N', job, nn, m, ld, re.data(), im.data(), nullptr, 1, v ? columns.data() : nullptr, ld);
      for (int64_t j = 0; j < n; ++j) values[j] = Cx(re[static_cast<size_t>(j)], im[static_cast<size_t>(j)]);
      for (int64_t j = 0; vectors && j < n; ++j) {
        const T* col = columns.data() + j * n;
        Cx* out = vectors + j * n;
        if (im[static_cast<size_t>(j)] == 0 || j + 1 == n) {
          for (int64_t r = 0; r < n; ++r) out[r] = Cx(col[r], 0);
          continue;
        }
        for (int64_t r = 0; r < n; ++r) {
          out[r] = Cx(col[r], col[r + n]);
          out[r + n] = Cx(col[r], -col[r + n]);
        }
        ++j;
      }
    }
  });
#else
  no_lapack("eig");
#endif
}

void geqrf(DType dtype, int64_t batch, int64_t m, int64_t n, void* a, void* tau) {
#ifdef TG_WITH_LAPACK
  const auto mm = static_cast<lapack_int>(m), nn = static_cast<lapack_int>(n);
  const int64_t k = std::min(m, n);
  each_matrix(dtype, batch, std::max(m, n), [&]<class T>(int64_t i) {
    T* x = static_cast<T*>(a) + i * m * n;
    T* t = static_cast<T*>(tau) + i * k;
    lapack::geqrf<T>(mm, nn, x, std::max(mm, 1), t);
  });
#else
  no_lapack("geqrf");
#endif
}

void orgqr(DType dtype, int64_t batch, int64_t m, int64_t n, int64_t k, void* a, const void* tau) {
#ifdef TG_WITH_LAPACK
  const auto mm = static_cast<lapack_int>(m), nn = static_cast<lapack_int>(n), kk = static_cast<lapack_int>(k);
  each_matrix(dtype, batch, m, [&]<class T>(int64_t i) {
    T* x = static_cast<T*>(a) + i * m * n;
    const T* t = static_cast<const T*>(tau) + i * k;
    lapack::orgqr<T>(mm, nn, kk, x, std::max(mm, 1), t);
  });
#else
  no_lapack("orgqr");
#endif
}

void svd(DType dtype, int64_t batch, int64_t m, int64_t n, void* a, void* s, void* u, void* vh, bool full,
         int32_t* info) {
#ifdef TG_WITH_LAPACK
  // The row-major m x n buffer is A^T in column-major order, and A^T = conj(V) S U^T: LAPACK's U
  // of it is conj(V) (column-major, so Vh = V^H row-major) and its V^H is U^T (so U row-major),
  // no copies. The singular values are real.
  const int64_t k = std::min(m, n), u_cols = full ? m : k, v_rows = full ? n : k;
  const char job = !u ? 'N' : full ? 'A' : 'S';
  const auto rows = static_cast<lapack_int>(n), cols = static_cast<lapack_int>(m);
  const auto ld_v = static_cast<lapack_int>(std::max<int64_t>(n, 1));
  const auto ld_u = static_cast<lapack_int>(std::max<int64_t>(u_cols, 1));
  each_matrix(dtype, batch, std::max(m, n), [&]<class T>(int64_t i) {
    T* x = static_cast<T*>(a) + i * m * n;
    real_of<T>* values = static_cast<real_of<T>*>(s) + i * k;
    T* v_out = u ? static_cast<T*>(vh) + i * v_rows * n : nullptr;
    T* u_out = u ? static_cast<T*>(u) + i * m * u_cols : nullptr;
    info[i] = lapack::gesdd<T>(job, rows, cols, x, ld_v, values, v_out, ld_v, u_out, ld_u);
  });
#else
  no_lapack("svd");
#endif
}

void triangular_solve(DType dtype, int64_t batch, int64_t n, int64_t nrhs, const void* a, void* b, bool upper,
                      bool unit, bool row_major) {
#ifdef TG_WITH_LAPACK
  const auto nn = static_cast<lapack_int>(n), k = static_cast<lapack_int>(nrhs);
  // A row-major A is the column-major A^T, triangular the other way: LAPACK solves with its
  // transpose (not the conjugate one), so the matrix is never copied.
  const char uplo = upper != row_major ? 'U' : 'L', trans = row_major ? 'T' : 'N', diag = unit ? 'U' : 'N';
  each_matrix(dtype, batch, n, [&]<class T>(int64_t i) {
    const T* m = static_cast<const T*>(a) + i * n * n;
    T* rhs = static_cast<T*>(b) + i * n * nrhs;
    if constexpr (!is_complex_v<T>) {
      if (n <= kSmallSolve ? nrhs >= kSubstituteNarrowMinRhs : narrow_solve(nrhs))
        return substitute_fit(upper != row_major, row_major, unit, n, nrhs, m, n, rhs, n);
    }
    if (n <= kSmallSolve) {
      if (row_major) {  // small: one transposing copy, then the column-major loops
        thread_local std::vector<T> cm;
        cm.resize(static_cast<size_t>(n * n));
        for (int64_t r = 0; r < n; ++r)
          for (int64_t c = 0; c < n; ++c) cm[static_cast<size_t>(c * n + r)] = m[r * n + c];
        m = cm.data();
      }
      return small_solve(n, nrhs, m, nullptr, {{.upper = upper, .unit = unit}}, rhs);
    }
#ifdef TG_WITH_BLAS
    if (nrhs >= kBlockedSolveMinRhs) return blocked_solve(upper != row_major, row_major, unit, n, nrhs, m, n, rhs, n);
#endif
    lapack::trtrs<T>(uplo, trans, diag, nn, k, m, nn, rhs, nn);
  });
#else
  no_lapack("triangular_solve");
#endif
}

void lstsq(DType dtype, int64_t batch, int64_t m, int64_t n, int64_t nrhs, void* a, void* b, double rcond, char driver,
           int64_t* rank, void* s, int32_t* info) {
#ifdef TG_WITH_LAPACK
  const auto mm = static_cast<lapack_int>(m), nn = static_cast<lapack_int>(n), k = static_cast<lapack_int>(nrhs);
  const int64_t ldb = std::max<int64_t>({m, n, 1}), min_mn = std::min(m, n);
  const auto lda = static_cast<lapack_int>(std::max<int64_t>(m, 1)), ld_b = static_cast<lapack_int>(ldb);
  each_matrix(dtype, batch, std::max(m, n), [&]<class T>(int64_t i) {
    T* x = static_cast<T*>(a) + i * m * n;
    T* rhs = static_cast<T*>(b) + i * ldb * nrhs;
    real_of<T>* values = s ? static_cast<real_of<T>*>(s) + i * min_mn : nullptr;
    const auto cut = static_cast<real_of<T>>(rcond);
    lapack_int r = 0;
    if (driver == 'g') {
      info[i] = lapack::gels<T>('N', mm, nn, k, x, lda, rhs, ld_b);
      r = static_cast<lapack_int>(min_mn);
    } else if (driver == 'y') {
      std::vector<lapack_int> pivots(static_cast<size_t>(std::max<int64_t>(n, 1)), 0);  // all columns free
      info[i] = lapack::gelsy<T>(mm, nn, k, x, lda, rhs, ld_b, pivots.data(), cut, &r);
    } else if (driver == 'd') {
      info[i] = lapack::gelsd<T>(mm, nn, k, x, lda, rhs, ld_b, values, cut, &r);
    } else {
      info[i] = lapack::gelss<T>(mm, nn, k, x, lda, rhs, ld_b, values, cut, &r);
    }
    rank[i] = r;
  });
#else
  no_lapack("lstsq");
#endif
}

}  // namespace tg::kernels::cpu
