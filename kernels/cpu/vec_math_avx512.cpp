// The float32 vector routines of vec_math.h sixteen at a time, where the CPU has AVX-512. The
// build targets AVX2 (x86-64-v3) so that it runs everywhere; these functions alone are compiled
// for AVX-512 and are called only after the CPU says it has it. On a Xeon with AVX-512, glibc's
// 16-lane tanhf takes half the time of its 8-lane one and expf four fifths; erf has its own.
#include "kernels/cpu/vec_math.h"

#include <cstdlib>

#include "kernels/activation_math.h"
#include "kernels/cpu/erf_table.h"

#ifdef TG_VECTOR_EXP
extern "C" __m512 _ZGVeN16v_logf(__m512);
#ifdef TG_HAVE_LIBMVEC_2_35
extern "C" __m512 _ZGVeN16v_tanhf(__m512);
#endif
#endif

namespace tg::kernels::cpu {

#ifdef TG_VECTOR_EXP
namespace {

// TG_NO_AVX512 set (to anything) keeps the AVX2 routines, to compare the two.
// (__builtin_cpu_init first: this runs among the static initialisers, perhaps before libgcc's.)
const bool kAvx512 = [] {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx512f") && std::getenv("TG_NO_AVX512") == nullptr;
}();

}  // namespace

bool has_avx512() { return kAvx512; }

#pragma GCC diagnostic push  // (GCC 12: _mm512_max_ps, as at the pragma further down)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
// exp in 16 lanes, our own (libmvec's 16-lane expf took 1.25x this, and exp ran at 1.5x PyTorch's
// time): n = round(x log2(e)), r = x - n ln 2 in two fmas (Cody and Waite), e^r by its Taylor
// series to r^7 (the first term left out is 5e-9 of the result at |r| = ln(2) / 2), and
// scalef's p 2^n, rounded once, subnormal results included. Within 1 ulp
// (Unary.FloatExpIsWithinAnUlp...); x is clamped to [-104, 89] first (e^-104 rounds to 0, e^89
// overflows), and NaN stays.
__attribute__((target("avx512f"))) inline __m512 exp_wide16(__m512 d) {
  const __m512 x = _mm512_min_ps(_mm512_set1_ps(89.0f), _mm512_max_ps(_mm512_set1_ps(-104.0f), d));
  const __m512 magic = _mm512_set1_ps(12582912.0f);  // 1.5 * 2^23: adding it rounds to an integer
  const __m512 n = _mm512_sub_ps(_mm512_fmadd_ps(x, _mm512_set1_ps(1.44269504088896341f), magic), magic);
  __m512 r = _mm512_fnmadd_ps(n, _mm512_set1_ps(0.693145751953125f), x);  // ln 2's first 16 bits: exact
  r = _mm512_fnmadd_ps(n, _mm512_set1_ps(1.42860682030941723e-6f), r);
  __m512 p = _mm512_set1_ps(1.0f / 5040);
  for (const float k : {1.0f / 720, 1.0f / 120, 1.0f / 24, 1.0f / 6, 0.5f, 1.0f, 1.0f})
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(k));
  return _mm512_mask_mov_ps(_mm512_scalef_ps(p, n), _mm512_cmp_ps_mask(d, d, _CMP_UNORD_Q), d);
}
#pragma GCC diagnostic pop

__attribute__((target("avx512f"))) int64_t vector_map_avx512(VectorFn fn, const float* x, float* y, int64_t n) {
  int64_t i = 0;
  const __m512 one = _mm512_set1_ps(1.0f), zero = _mm512_setzero_ps();
  for (; i + 16 <= n; i += 16) {
    const __m512 v = _mm512_loadu_ps(x + i);
    __m512 r;
    switch (fn) {
      case VectorFn::Exp:
        r = exp_wide16(v);
        break;
      case VectorFn::Log: r = _ZGVeN16v_logf(v); break;
      case VectorFn::Sigmoid:
        r = _mm512_div_ps(one, _mm512_add_ps(one, exp_wide16(_mm512_sub_ps(zero, v))));
        break;
#ifdef TG_HAVE_LIBMVEC_2_35
      case VectorFn::Tanh: r = _ZGVeN16v_tanhf(v); break;
#endif
      default: return i;
    }
    _mm512_storeu_ps(y + i, r);
  }
  // exp's tail in the same lanes, so that an element's bits do not depend on where it lands.
  if (i < n && (fn == VectorFn::Exp || fn == VectorFn::Sigmoid)) {
    const __mmask16 m = static_cast<__mmask16>((1u << (n - i)) - 1);
    const __m512 e = exp_wide16(fn == VectorFn::Exp ? _mm512_maskz_loadu_ps(m, x + i)
                                                    : _mm512_sub_ps(zero, _mm512_maskz_loadu_ps(m, x + i)));
    _mm512_mask_storeu_ps(y + i, m, fn == VectorFn::Exp ? e : _mm512_div_ps(one, _mm512_add_ps(one, e)));
    i = n;
  }
  return i;
}

#pragma GCC diagnostic push  // (GCC 12: _mm512_max_ps as at the pragma below)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
__attribute__((target("avx512f"))) int64_t exp_shifted_avx512(const float* x, float shift, float* out, int64_t n,
                                                              float* sum) {
  const __m512 s = _mm512_set1_ps(shift), floor = _mm512_set1_ps(-kExpSafe<float>);
  __m512 acc = _mm512_setzero_ps();
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    // As exp_or_zero (vec_math.h): 0 below the floor.
    const __m512 d = _mm512_sub_ps(_mm512_loadu_ps(x + i), s);
    const __m512 e = _mm512_maskz_mov_ps(_mm512_cmp_ps_mask(d, floor, _CMP_NLT_UQ), exp_wide16(d));
    if (out) _mm512_storeu_ps(out + i, e);
    acc = _mm512_add_ps(acc, e);
  }
  // (_mm512_reduce_add_ps trips GCC 12's -Wuninitialized inside its own header.)
  alignas(64) float lanes[16];
  _mm512_store_ps(lanes, acc);
  float total = 0;
  for (float v : lanes) total += v;
  *sum = total;
  return i;
}
#pragma GCC diagnostic pop

#ifdef TG_VECTOR_ACTIVATIONS
namespace {

// (GCC 12's avx512fintrin.h starts these intrinsics from a deliberately undefined vector, which
// its own -Wmaybe-uninitialized then reports once they are inlined.)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
// erf in float, 16 lanes (erf_table.h; vec_math.h's erf8 is the same in 8). Twice as fast as
// libmvec's 16-lane erff, with which GELU's forward pass ran at half PyTorch's speed.
// Each lane's row[piece] (the rows hold 8 entries: the upper half of the register is never picked).
__attribute__((target("avx512f"))) inline __m512 pick(const float* row, __m512i piece) {
  return _mm512_permutexvar_ps(piece, _mm512_castps256_ps512(_mm256_load_ps(row)));
}

__attribute__((target("avx512f"))) inline __m512 erf16(__m512 x) {
  const __m512 sign = _mm512_castsi512_ps(_mm512_and_si512(_mm512_castps_si512(x), _mm512_set1_epi32(INT32_MIN)));
  const __m512 four = _mm512_set1_ps(4.0f);
  // (min's second operand is what a NaN lane gets: NaN stays NaN through the polynomial.)
  const __m512 t = _mm512_min_ps(four, _mm512_abs_ps(x));
  const __m512i piece = _mm512_min_epi32(_mm512_cvttps_epi32(_mm512_add_ps(t, t)), _mm512_set1_epi32(7));
  const __m512 u = _mm512_sub_ps(t, pick(kErfCentre, piece));
  __m512 r = pick(kErfCoef[7], piece);
  for (int k = 6; k >= 1; --k) r = _mm512_fmadd_ps(r, u, pick(kErfCoef[k], piece));
  const __mmask16 first = _mm512_cmpeq_epi32_mask(piece, _mm512_setzero_si512());
  r = _mm512_fmadd_ps(r, u, _mm512_mask_mov_ps(pick(kErfCoef[0], piece), first, t));
  // Exactly 1 from 4 on (the last piece ends a rounding short of it), so that GELU(-inf) is NaN.
  r = _mm512_mask_mov_ps(r, _mm512_cmp_ps_mask(t, four, _CMP_GE_OQ), _mm512_set1_ps(1.0f));
  return _mm512_castsi512_ps(_mm512_or_si512(_mm512_castps_si512(r), _mm512_castps_si512(sign)));
}

}  // namespace

__attribute__((target("avx512f"))) int64_t erf_avx512(const float* x, float* y, int64_t n) {
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) _mm512_storeu_ps(y + i, erf16(_mm512_loadu_ps(x + i)));
  return i;
}

// The formulas of activation_math.h's Gelu, written out here: its templates instantiated in this
// file would be compiled for AVX-512 and could be the copy the linker keeps for everyone.
__attribute__((target("avx512f"))) int64_t gelu_avx512(const float* x, float* y, int64_t n) {
  const __m512 half = _mm512_set1_ps(0.5f), one = _mm512_set1_ps(1.0f);
  const __m512 k = _mm512_set1_ps(static_cast<float>(kSqrtHalf));
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    const __m512 v = _mm512_loadu_ps(x + i);
    const __m512 cdf = _mm512_add_ps(one, erf16(_mm512_mul_ps(v, k)));
    _mm512_storeu_ps(y + i, _mm512_mul_ps(_mm512_mul_ps(v, half), cdf));
  }
  return i;
}

__attribute__((target("avx512f"))) int64_t gelu_backward_avx512(const float* dy, int64_t dy_step, const float* x,
                                                                float* dx, int64_t n) {
  const __m512 half = _mm512_set1_ps(0.5f), one = _mm512_set1_ps(1.0f), minus_half = _mm512_set1_ps(-0.5f);
  const __m512 k = _mm512_set1_ps(static_cast<float>(kSqrtHalf));
  const __m512 inv_sqrt_2pi = _mm512_set1_ps(static_cast<float>(kInvSqrt2Pi));
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    const __m512 v = _mm512_loadu_ps(x + i);
    const __m512 g = dy_step == 0 ? _mm512_set1_ps(dy[0]) : _mm512_loadu_ps(dy + i);
    const __m512 cdf = _mm512_mul_ps(half, _mm512_add_ps(one, erf16(_mm512_mul_ps(v, k))));
    const __m512 pdf = _mm512_mul_ps(exp_wide16(_mm512_mul_ps(minus_half, _mm512_mul_ps(v, v))), inv_sqrt_2pi);
    _mm512_storeu_ps(dx + i, _mm512_mul_ps(g, _mm512_add_ps(cdf, _mm512_mul_ps(v, pdf))));
  }
  return i;
}

// SiLU and its gradient (activation_math.h's Silu) through the 16-lane expf: 1.2-1.5x the 8-lane
// form, which had SiLU at 0.86-0.96x PyTorch.
__attribute__((target("avx512f"))) int64_t silu_avx512(const float* x, float* y, int64_t n) {
  const __m512 one = _mm512_set1_ps(1.0f), zero = _mm512_setzero_ps();
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    const __m512 v = _mm512_loadu_ps(x + i);
    _mm512_storeu_ps(y + i, _mm512_div_ps(v, _mm512_add_ps(one, exp_wide16(_mm512_sub_ps(zero, v)))));
  }
  return i;
}

__attribute__((target("avx512f"))) int64_t silu_backward_avx512(const float* dy, int64_t dy_step, const float* x,
                                                                float* dx, int64_t n) {
  const __m512 one = _mm512_set1_ps(1.0f), zero = _mm512_setzero_ps();
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    const __m512 v = _mm512_loadu_ps(x + i);
    const __m512 g = dy_step == 0 ? _mm512_set1_ps(dy[0]) : _mm512_loadu_ps(dy + i);
    const __m512 s = _mm512_div_ps(one, _mm512_add_ps(one, exp_wide16(_mm512_sub_ps(zero, v))));
    const __m512 d = _mm512_add_ps(one, _mm512_mul_ps(v, _mm512_sub_ps(one, s)));
    _mm512_storeu_ps(dx + i, _mm512_mul_ps(_mm512_mul_ps(g, s), d));
  }
  return i;
}
#pragma GCC diagnostic pop
#endif
#endif

}  // namespace tg::kernels::cpu
