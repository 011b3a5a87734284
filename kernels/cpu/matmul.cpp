// Batched matrix products: oneDNN matmul primitives for float32 / bfloat16 / float16 (cached per
// shape and strides, per thread), CBLAS's gemm for float64 and for the float32 layouts oneDNN is
// slow on (when built with it), and a plain kernel for integers and anything else.
#ifdef TG_WITH_BLAS
#include <cblas.h>
#endif

#include <cstring>
#include <memory>
#include <string_view>
#include <unordered_map>
#include <vector>

#ifdef __FMA__
#include <immintrin.h>
#endif

#include "kernels/cpu/cpu_kernels.h"
#include "kernels/cpu/dnnl_util.h"
#include "kernels/cpu/loops.h"

namespace tg::kernels::cpu {
namespace {

struct Problem {
  int ndim;                        // batch dims + 2
  int64_t c_sizes[kMaxDims];       // [batch..., m, n]
  int64_t k;
};

Problem describe(const MatrixOperand& a, const MatrixOperand& b) {
  Problem p{};
  p.ndim = a.nbatch + 2;
  for (int d = 0; d < a.nbatch; ++d) p.c_sizes[d] = std::max(a.sizes[d], b.sizes[d]);
  p.c_sizes[a.nbatch] = a.sizes[a.nbatch];
  p.c_sizes[a.nbatch + 1] = b.sizes[b.nbatch + 1];
  p.k = a.sizes[a.nbatch + 1];
  return p;
}

// Where batch matrix bi (row-major over the output's batch dims) starts in a and in b; a
// broadcast dim (size 1) stays put.
inline void batch_offsets(const Problem& p, const MatrixOperand& a, const MatrixOperand& b, int64_t bi, int64_t& aoff,
                          int64_t& boff) {
  aoff = boff = 0;
  for (int d = a.nbatch - 1; d >= 0; --d) {
    const int64_t idx = bi % p.c_sizes[d];
    bi /= p.c_sizes[d];
    if (a.sizes[d] != 1) aoff += idx * a.strides[d];
    if (b.sizes[d] != 1) boff += idx * b.strides[d];
  }
}

// ---- the plain kernel ------------------------------------------------------------------------

template <class T>
void matmul_plain(const MatrixOperand& a, const MatrixOperand& b, T* c) {
  using Acc = std::conditional_t<std::is_floating_point_v<acc_t<T>>, acc_t<T>, int64_t>;
  const Problem p = describe(a, b);
  const int nb = a.nbatch;
  const int64_t m = p.c_sizes[nb], n = p.c_sizes[nb + 1], k = p.k;
  int64_t batches = 1;
  for (int d = 0; d < nb; ++d) batches *= p.c_sizes[d];
  const T* A = static_cast<const T*>(a.data);
  const T* B = static_cast<const T*>(b.data);
  const int64_t sam = a.strides[nb], sak = a.strides[nb + 1];
  const int64_t sbk = b.strides[nb], sbn = b.strides[nb + 1];
  parallel_for(0, batches * m, std::max<int64_t>(1, kGrain / std::max<int64_t>(1, n * k)), [&](int64_t lo, int64_t hi) {
    std::vector<Acc> row(static_cast<size_t>(n));
    for (int64_t r = lo; r < hi; ++r) {
      const int64_t bi = r / m, i = r % m;
      int64_t aoff, boff;
      batch_offsets(p, a, b, bi, aoff, boff);
      std::fill(row.begin(), row.end(), Acc(0));
      for (int64_t kk = 0; kk < k; ++kk) {
        const Acc av = static_cast<Acc>(acc_t<T>(A[aoff + i * sam + kk * sak]));
        const T* brow = B + boff + kk * sbk;
        if (sbn == 1) {
          for (int64_t j = 0; j < n; ++j) row[static_cast<size_t>(j)] += av * static_cast<Acc>(acc_t<T>(brow[j]));
        } else {
          for (int64_t j = 0; j < n; ++j) row[static_cast<size_t>(j)] += av * static_cast<Acc>(acc_t<T>(brow[j * sbn]));
        }
      }
      T* crow = c + r * n;
      for (int64_t j = 0; j < n; ++j) crow[j] = static_cast<T>(static_cast<acc_t<T>>(row[static_cast<size_t>(j)]));
    }
  });
}

// ---- matrix-vector products (float32) --------------------------------------------------------

float dot_f32(const float* x, const float* y, int64_t n) {
  int64_t i = 0;
  float s = 0;
#ifdef __FMA__
  __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;  // four chains hide the FMA latency
  for (; i + 32 <= n; i += 32) {
    a0 = _mm256_fmadd_ps(_mm256_loadu_ps(x + i), _mm256_loadu_ps(y + i), a0);
    a1 = _mm256_fmadd_ps(_mm256_loadu_ps(x + i + 8), _mm256_loadu_ps(y + i + 8), a1);
    a2 = _mm256_fmadd_ps(_mm256_loadu_ps(x + i + 16), _mm256_loadu_ps(y + i + 16), a2);
    a3 = _mm256_fmadd_ps(_mm256_loadu_ps(x + i + 24), _mm256_loadu_ps(y + i + 24), a3);
  }
  for (; i + 8 <= n; i += 8) a0 = _mm256_fmadd_ps(_mm256_loadu_ps(x + i), _mm256_loadu_ps(y + i), a0);
  alignas(32) float lanes[8];
  _mm256_store_ps(lanes, _mm256_add_ps(_mm256_add_ps(a0, a1), _mm256_add_ps(a2, a3)));
  s = ((lanes[0] + lanes[4]) + (lanes[1] + lanes[5])) + ((lanes[2] + lanes[6]) + (lanes[3] + lanes[7]));
#endif
  for (; i < n; ++i) s += x[i] * y[i];
  return s;
}

// Products with one output column or row: A @ v with A's rows contiguous, and v @ B with B's
// columns contiguous (a linear layer on one sample: v @ W.t()), as a dot product per output
// element; v @ B with B's rows contiguous as scaled rows added up. oneDNN's matmul took 8x
// PyTorch's time for [256, 1024] @ [1024] (0.17 ms against 0.02).
bool try_gemv(const MatrixOperand& a, const MatrixOperand& b, float* c) {
  const Problem p = describe(a, b);
  const int nb = a.nbatch;
  const int64_t m = p.c_sizes[nb], n = p.c_sizes[nb + 1], k = p.k;
  const int64_t sam = a.strides[nb], sak = k == 1 ? 1 : a.strides[nb + 1];
  const int64_t sbk = k == 1 ? 1 : b.strides[nb], sbn = b.strides[nb + 1];
  if ((n != 1 && m != 1) || sak != 1) return false;
  int64_t batches = 1;
  for (int d = 0; d < nb; ++d) batches *= p.c_sizes[d];
  const auto* A = static_cast<const float*>(a.data);
  const auto* B = static_cast<const float*>(b.data);
  const int64_t outputs = n == 1 ? m : n;  // per batch matrix
  if (sbk == 1) {
    parallel_for(
        0, batches * outputs, std::max<int64_t>(1, kGrain / std::max<int64_t>(1, k)), [&](int64_t lo, int64_t hi) {
          for (int64_t r = lo; r < hi; ++r) {
            int64_t aoff, boff;
            batch_offsets(p, a, b, r / outputs, aoff, boff);
            const int64_t i = r % outputs;
            c[r] = n == 1 ? dot_f32(A + aoff + i * sam, B + boff, k) : dot_f32(A + aoff, B + boff + i * sbn, k);
          }
        });
    return true;
  }
  if (m != 1 || sbn != 1) return false;
  // c[j] = sum_k v[k] B[k, j], a band of columns per task so that each row of B is read once.
  constexpr int64_t kBand = 256;
  const int64_t bands = (n + kBand - 1) / kBand;
  parallel_for(0, batches * bands, std::max<int64_t>(1, kGrain / std::max<int64_t>(1, k * kBand)),
               [&](int64_t lo, int64_t hi) {
                 for (int64_t t = lo; t < hi; ++t) {
                   const int64_t bi = t / bands, j0 = t % bands * kBand, len = std::min(kBand, n - j0);
                   int64_t aoff, boff;
                   batch_offsets(p, a, b, bi, aoff, boff);
                   float* out = c + bi * n + j0;
                   std::fill(out, out + len, 0.0f);
                   for (int64_t kk = 0; kk < k; ++kk) {
                     const float v = A[aoff + kk];
                     const float* row = B + boff + kk * sbk + j0;
#pragma omp simd
                     for (int64_t j = 0; j < len; ++j) out[j] += v * row[j];
                   }
                 }
               });
  return true;
}

// ---- CBLAS (float64; float32 where oneDNN is slow) -----------------------------------------

#ifdef TG_WITH_BLAS
// One operand as CBLAS reads a row-major matrix: rows x cols with a unit stride along one of them.
bool blas_layout(int64_t rows, int64_t cols, int64_t row_stride, int64_t col_stride, CBLAS_TRANSPOSE& t,
                 int64_t& ld) {
  if ((col_stride == 1 || cols == 1) && (rows == 1 || row_stride >= std::max<int64_t>(cols, 1))) {
    t = CblasNoTrans;
    ld = rows == 1 ? std::max<int64_t>(cols, 1) : row_stride;
    return true;
  }
  if ((row_stride == 1 || rows == 1) && (cols == 1 || col_stride >= std::max<int64_t>(rows, 1))) {
    t = CblasTrans;
    ld = cols == 1 ? std::max<int64_t>(rows, 1) : col_stride;
    return true;
  }
  return false;
}

// gemm per batch matrix: one call (OpenBLAS's threads) for a single product, else the batch
// across threads (OpenBLAS runs single-threaded inside a parallel region).
template <class T>
bool try_blas(const MatrixOperand& a, const MatrixOperand& b, T* c) {
  const Problem p = describe(a, b);
  const int nb = a.nbatch;
  const int64_t m = p.c_sizes[nb], n = p.c_sizes[nb + 1], k = p.k;
  CBLAS_TRANSPOSE ta, tb;
  int64_t lda, ldb;
  if (!blas_layout(m, k, a.strides[nb], a.strides[nb + 1], ta, lda) ||
      !blas_layout(k, n, b.strides[nb], b.strides[nb + 1], tb, ldb))
    return false;
  int64_t batches = 1;
  for (int d = 0; d < nb; ++d) batches *= p.c_sizes[d];
  auto product = [&](int64_t bi) {
    int64_t aoff, boff;
    batch_offsets(p, a, b, bi, aoff, boff);
    const auto gemm = [] {
      if constexpr (std::is_same_v<T, float>)
        return cblas_sgemm;
      else
        return cblas_dgemm;
    }();
    gemm(CblasRowMajor, ta, tb, static_cast<int>(m), static_cast<int>(n), static_cast<int>(k), T(1),
         static_cast<const T*>(a.data) + aoff, static_cast<int>(lda), static_cast<const T*>(b.data) + boff,
         static_cast<int>(ldb), T(0), c + bi * m * n, static_cast<int>(std::max<int64_t>(n, 1)));
  };
  if (batches == 1) {
    product(0);
  } else {
    const int64_t grain = std::max<int64_t>(1, kGrain / std::max<int64_t>(1, m * n * k));
    parallel_for(0, batches, grain, [&](int64_t lo, int64_t hi) {
      for (int64_t bi = lo; bi < hi; ++bi) product(bi);
    });
  }
  return true;
}

// True where libblas is OpenBLAS (Debian's alternatives choose at run time): the symbol is weak,
// null under the reference BLAS, whose sgemm is no match for oneDNN's.
extern "C" char* openblas_get_config() __attribute__((weak));

// oneDNN 2.6's float32 gemm, for fewer than 368 rows (past them it packs B), reads a row-major B
// whose rows lie a multiple of 2 KiB apart through the same few cache sets: [256, 512] @ [512, 1024]
// (a linear layer's input gradient) took 6.0 ms against OpenBLAS's 3.2 and PyTorch's 3.1. Those
// shapes ran 1.5-2.2x slower than OpenBLAS's sgemm, for every k and n = 512 to 4096; the rest are
// at par, or faster than OpenBLAS (m >= 1024 with k <= 128: OpenBLAS up to 1.9x slower).
bool dnnl_aliases(const MatrixOperand& b, int64_t m, int64_t n) {
  const int nb = b.nbatch;
  return openblas_get_config != nullptr && m < 368 && n > 1 && b.strides[nb + 1] == 1 && b.sizes[nb] > 1 &&
         b.strides[nb] * static_cast<int64_t>(sizeof(float)) % 2048 == 0;
}
#endif

// ---- oneDNN --------------------------------------------------------------------------------

struct Key {
  DType dtype;
  bool bias;
  int ndim;
  int threads;  // oneDNN fixes its thread partitioning when the primitive is made
  int64_t v[4 * kMaxDims];
  bool operator==(const Key& o) const {
    return dtype == o.dtype && bias == o.bias && ndim == o.ndim && threads == o.threads && std::memcmp(v, o.v, sizeof(int64_t) * 4 * ndim) == 0;
  }
};
struct KeyHash {
  size_t operator()(const Key& k) const {
    size_t h = (static_cast<size_t>(k.dtype) * 31 + static_cast<size_t>(k.ndim)) * 131 + static_cast<size_t>(k.threads);
    h = h * 2 + static_cast<size_t>(k.bias);
    for (int i = 0; i < 4 * k.ndim; ++i) h = h * 1000003u ^ static_cast<size_t>(k.v[i]);
    return h;
  }
};
struct Entry {
  dnnl::matmul prim;
  dnnl::memory src, wei, dst, bias;
  bool usable = false;  // false: oneDNN has no implementation for this problem
};

// The primitive for a problem, created on first use. Per thread, so no lock on the hot path.
Entry& lookup(DType dtype, const MatrixOperand& a, const MatrixOperand& b, const Problem& p, bool with_bias) {
  thread_local std::unordered_map<Key, Entry, KeyHash> cache;
  Key key{};
  key.dtype = dtype;
  key.bias = with_bias;
  key.ndim = p.ndim;
  key.threads = omp_get_max_threads();
  for (int d = 0; d < p.ndim; ++d) {
    key.v[d] = a.sizes[d];
    key.v[p.ndim + d] = a.strides[d];
    key.v[2 * p.ndim + d] = b.sizes[d];
    key.v[3 * p.ndim + d] = b.strides[d];
  }
  auto it = cache.find(key);
  if (it != cache.end()) return it->second;
  if (cache.size() > 4096) cache.clear();
  Entry e;
  dnnl::memory::dims ad(a.sizes, a.sizes + p.ndim), as(a.strides, a.strides + p.ndim);
  dnnl::memory::dims bd(b.sizes, b.sizes + p.ndim), bs(b.strides, b.strides + p.ndim);
  dnnl::memory::dims cd(p.c_sizes, p.c_sizes + p.ndim), cs(p.ndim);
  int64_t s = 1;
  for (int d = p.ndim - 1; d >= 0; --d) {
    cs[static_cast<size_t>(d)] = s;
    s *= p.c_sizes[d];
  }
  // A broadcast batch dim may carry any stride; oneDNN wants a plausible one.
  for (int d = 0; d < p.ndim - 2; ++d) {
    if (ad[static_cast<size_t>(d)] == 1) as[static_cast<size_t>(d)] = a.sizes[d + 1] * std::max<int64_t>(1, as[static_cast<size_t>(d + 1)]);
    if (bd[static_cast<size_t>(d)] == 1) bs[static_cast<size_t>(d)] = b.sizes[d + 1] * std::max<int64_t>(1, bs[static_cast<size_t>(d + 1)]);
  }
  const auto dt = dnnl_type(dtype);
  try {
    dnnl::memory::desc amd(ad, dt, as), bmd(bd, dt, bs), cmd(cd, dt, cs);
    // The bias: [1, ..., 1, n], broadcast over the batch and the rows.
    dnnl::memory::dims biasd(static_cast<size_t>(p.ndim), 1), biass(static_cast<size_t>(p.ndim), p.c_sizes[p.ndim - 1]);
    biasd.back() = p.c_sizes[p.ndim - 1];
    biass.back() = 1;
    dnnl::memory::desc biasmd(biasd, dt, biass);
    dnnl::matmul::desc desc = with_bias ? dnnl::matmul::desc(amd, bmd, biasmd, cmd) : dnnl::matmul::desc(amd, bmd, cmd);
    dnnl::matmul::primitive_desc pd(desc, dnnl_engine());
    // oneDNN's reference kernel for the 16-bit floats (float16 without AVX512-FP16, bfloat16
    // without AVX512-BF16) is far slower than the float32 product on widened operands.
    if (dtype != DType::Float32 && std::string_view(pd.impl_info_str()).starts_with("ref"))
      return cache.emplace(key, std::move(e)).first->second;
    e.prim = dnnl::matmul(pd);
    e.src = dnnl::memory(amd, dnnl_engine(), DNNL_MEMORY_NONE);
    e.wei = dnnl::memory(bmd, dnnl_engine(), DNNL_MEMORY_NONE);
    e.dst = dnnl::memory(cmd, dnnl_engine(), DNNL_MEMORY_NONE);
    if (with_bias) e.bias = dnnl::memory(biasmd, dnnl_engine(), DNNL_MEMORY_NONE);
    e.usable = true;
  } catch (const dnnl::error&) {
    e.usable = false;
  }
  return cache.emplace(key, std::move(e)).first->second;
}

bool zero_or_negative_stride(const MatrixOperand& x) {
  for (int d = x.nbatch; d < x.nbatch + 2; ++d)
    if (x.strides[d] <= 0 && x.sizes[d] > 1) return true;
  return false;
}

bool try_dnnl(DType dtype, const MatrixOperand& a, const MatrixOperand& b, void* c, const void* bias) {
  if (dnnl_type(dtype) == dnnl::memory::data_type::undef) return false;
  if (zero_or_negative_stride(a) || zero_or_negative_stride(b)) return false;
  const Problem p = describe(a, b);
  Entry& e = lookup(dtype, a, b, p, bias != nullptr);
  if (!e.usable) return false;
  e.src.set_data_handle(const_cast<void*>(a.data));
  e.wei.set_data_handle(const_cast<void*>(b.data));
  e.dst.set_data_handle(c);
  if (bias) {
    e.bias.set_data_handle(const_cast<void*>(bias));
    dnnl_execute(
        e.prim, {{DNNL_ARG_SRC, &e.src}, {DNNL_ARG_WEIGHTS, &e.wei}, {DNNL_ARG_BIAS, &e.bias}, {DNNL_ARG_DST, &e.dst}});
  } else {
    dnnl_execute(e.prim, {{DNNL_ARG_SRC, &e.src}, {DNNL_ARG_WEIGHTS, &e.wei}, {DNNL_ARG_DST, &e.dst}});
  }
  dnnl_stream().wait();
  return true;
}

// c[r, :] += bias for every row of a contiguous [rows, n] c: the binary add kernel over a 2-D
// loop whose bias operand steps by 0 along the rows.
void add_bias_rows(DType dtype, void* c, const void* bias, int64_t total, int64_t n) {
  if (total == 0 || n == 0) return;
  binary(BinaryOp::Add, dtype, bias_rows_loop(total, n), c, c, bias, Scalar(1));
}

// A copy of x's elements as contiguous float32 in buf, and the operand describing it.
MatrixOperand widened(DType dtype, const MatrixOperand& x, std::vector<float>& buf) {
  const int nd = x.nbatch + 2;
  MatrixOperand w = x;
  Loop L;
  L.noperands = 2;
  int64_t n = 1;
  bool contiguous = true;
  for (int d = nd - 1; d >= 0; --d) {
    contiguous = contiguous && (x.sizes[d] == 1 || x.strides[d] == n);
    w.strides[d] = n;
    n *= x.sizes[d];
  }
  buf.resize(static_cast<size_t>(n));
  w.data = buf.data();
  // Dims innermost first; one dim where x is contiguous, so that the copy takes its vector form.
  L.numel = n;
  if (contiguous) {
    L.sizes[0] = n;
    L.strides[0][0] = L.strides[1][0] = 1;
  } else {
    L.ndim = nd;
    for (int d = 0; d < nd; ++d) {
      L.sizes[d] = x.sizes[nd - 1 - d];
      L.strides[0][d] = w.strides[nd - 1 - d];
      L.strides[1][d] = x.strides[nd - 1 - d];
    }
  }
  copy(L, buf.data(), DType::Float32, x.data, dtype);
  return w;
}

// Up to this many multiply-adds the plain loop beats oneDNN, whose execute (argument maps, the
// stream) costs about 0.5 us: 4 x 4 products ran at 1.2x PyTorch's time.
constexpr int64_t kTinyProduct = 2048;

// oneDNN 2.6's float32 gemm on a column-major A (a linear layer's weight gradient dy.t() @ x, an
// LSTM's dgates.t() @ h) with m >= 1024 and 64 to 320 columns in C ran at half its speed on the
// same A stored row-major: [1024, 32] @ [32, 256] 348 us against 193, [1024, 256] @ [256, 256]
// 3.1 ms against 1.4. Copying A row-major first costs a transpose of m x k elements, which pays
// off in all those shapes (OpenBLAS's sgemm did too, but slower for small k); outside them oneDNN's
// own handling of the layout is as fast or faster.
bool dnnl_slow_on_column_major(const MatrixOperand& a, int64_t m, int64_t n) {
  const int nb = a.nbatch;
  return m >= 1024 && n >= 64 && n <= 320 && a.sizes[nb + 1] > 1 && a.strides[nb] == 1 && a.strides[nb + 1] >= m;
}

Loop contiguous_loop(int64_t n) {
  Loop L;
  L.noperands = 2;
  L.numel = L.sizes[0] = n;
  L.strides[0][0] = L.strides[1][0] = 1;
  return L;
}

}  // namespace

void matmul(DType dtype, const MatrixOperand& a, const MatrixOperand& b, void* c, const void* bias) {
  const Problem p = describe(a, b);
  int64_t total = 1;
  for (int d = 0; d < p.ndim; ++d) total *= p.c_sizes[d];
  if (total == 0) return;  // an empty result (oneDNN rejects zero-sized problems)
  if (p.k > 0 && dtype == DType::Float32 && try_gemv(a, b, static_cast<float*>(c))) {
    if (bias) add_bias_rows(dtype, c, bias, total, p.c_sizes[p.ndim - 1]);
    return;
  }
#ifdef TG_WITH_BLAS
  if (p.k > 0 && dtype == DType::Float32 && dnnl_aliases(b, p.c_sizes[p.ndim - 2], p.c_sizes[p.ndim - 1]) &&
      try_blas(a, b, static_cast<float*>(c))) {
    if (bias) add_bias_rows(dtype, c, bias, total, p.c_sizes[p.ndim - 1]);
    return;
  }
#endif
  if (p.k > 0 && dtype == DType::Float32 &&
      dnnl_slow_on_column_major(a, p.c_sizes[p.ndim - 2], p.c_sizes[p.ndim - 1])) {
    std::vector<float> row_major;
    matmul(dtype, widened(dtype, a, row_major), b, c, bias);
    return;
  }
  if (p.k > 0 && dtype == DType::Float32 && total * p.k <= kTinyProduct) {
    matmul_plain<float>(a, b, static_cast<float*>(c));
    if (bias) add_bias_rows(dtype, c, bias, total, p.c_sizes[p.ndim - 1]);
    return;
  }
  if (p.k > 0 && try_dnnl(dtype, a, b, c, bias)) return;
  if (p.k > 0 && (dtype == DType::Float16 || dtype == DType::BFloat16)) {
    // The float32 product of widened operands, rounded once: oneDNN had no fast kernel for the
    // 16-bit type here, and the plain loop ran at 1/12 of PyTorch's speed.
    std::vector<float> wa, wb, wc(static_cast<size_t>(total)), wbias;
    if (bias) {
      wbias.resize(static_cast<size_t>(p.c_sizes[p.ndim - 1]));
      copy(contiguous_loop(p.c_sizes[p.ndim - 1]), wbias.data(), DType::Float32, bias, dtype);
    }
    matmul(DType::Float32, widened(dtype, a, wa), widened(dtype, b, wb), wc.data(), bias ? wbias.data() : nullptr);
    copy(contiguous_loop(total), c, dtype, wc.data(), DType::Float32);
    return;
  }
#ifdef TG_WITH_BLAS
  const bool by_blas = p.k > 0 && total > 0 && dtype == DType::Float64 && try_blas(a, b, static_cast<double*>(c));
#else
  const bool by_blas = false;
#endif
  if (p.k == 0) std::memset(c, 0, static_cast<size_t>(total) * itemsize(dtype));
  else if (!by_blas) dispatch_all(dtype, [&]<class T>() { matmul_plain<T>(a, b, static_cast<T*>(c)); });
  if (bias) add_bias_rows(dtype, c, bias, total, p.c_sizes[p.ndim - 1]);
}

}  // namespace tg::kernels::cpu
