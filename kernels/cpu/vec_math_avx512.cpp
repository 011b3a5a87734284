// The float32 vector routines of vec_math.h sixteen at a time, where the CPU has AVX-512. The
// build targets AVX2 (x86-64-v3) so that it runs everywhere; these functions alone are compiled
// for AVX-512 and are called only after the CPU says it has it. On a Xeon with AVX-512, glibc's
// 16-lane tanhf takes half the time of its 8-lane one and expf four fifths; erf has its own.
#include "kernels/cpu/vec_math.h"

#include <cstdlib>

#include "kernels/activation_math.h"
#include "kernels/cpu/erf_table.h"

#ifdef TG_VECTOR_EXP
extern "C" __m512 _ZGVeN16v_expf(__m512);
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
// vec_math.h's exp_wide in 16 lanes: lanes beyond +-87 through exp(d -+ 40) e^+-40, so that
// libmvec stays off its scalar path.
__attribute__((target("avx512f"))) inline __m512 exp_wide16(__m512 d) {
  const __m512 limit = _mm512_set1_ps(87.0f), low = _mm512_set1_ps(-87.0f);
  const __mmask16 far = _mm512_cmp_ps_mask(_mm512_abs_ps(d), limit, _CMP_GT_OQ);
  if (far == 0) return _ZGVeN16v_expf(d);
  const __mmask16 below = _mm512_cmp_ps_mask(d, _mm512_setzero_ps(), _CMP_LT_OQ);
  const __m512 shift =
      _mm512_maskz_mov_ps(far, _mm512_mask_blend_ps(below, _mm512_set1_ps(-40.0f), _mm512_set1_ps(40.0f)));
  const __m512 scale = _mm512_mask_blend_ps(
      far, _mm512_set1_ps(1.0f),
      _mm512_mask_blend_ps(below, _mm512_set1_ps(2.35385266837019985e17f), _mm512_set1_ps(4.24835425529158900e-18f)));
  const __m512 s = _mm512_min_ps(limit, _mm512_max_ps(low, _mm512_add_ps(d, shift)));  // (NaN stays)
  return _mm512_mul_ps(_ZGVeN16v_expf(s), scale);
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
    // As exp_or_zero (vec_math.h): 0 below the floor, whose lanes would send libmvec to its scalar path.
    const __m512 d = _mm512_sub_ps(_mm512_loadu_ps(x + i), s);
    const __m512 e =
        _mm512_maskz_mov_ps(_mm512_cmp_ps_mask(d, floor, _CMP_NLT_UQ), _ZGVeN16v_expf(_mm512_max_ps(floor, d)));
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
