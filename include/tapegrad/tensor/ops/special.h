#pragma once
// tg::special: torch.special's functions under torch.special's names. The kernels of their own
// come from special_ops.def (Bessel functions, the normal distribution, erfcx, Hurwitz's zeta,
// the incomplete gamma functions, orthogonal polynomials); the rest are tg's elementwise ops under the names PyTorch
// gives them there. Every one broadcasts, computes integer inputs in the default float dtype, and
// records for autograd.
#include <optional>

#include "tapegrad/tensor/tensor.h"

namespace tg {

// torch.igamma / torch.igammac: the regularised lower and upper incomplete gamma functions
// P(a, x) and Q(a, x) (special::gammainc and gammaincc).
Tensor igamma(const Tensor& self, const Tensor& other, TG_CALLER);
Tensor igammac(const Tensor& self, const Tensor& other, TG_CALLER);
// torch.mvlgamma: the log of the multivariate gamma function of dimension p,
// log(pi) p (p - 1) / 4 + sum_{i<p} lgamma(x - i / 2), for x > (p - 1) / 2.
Tensor mvlgamma(const Tensor& self, int64_t p, TG_CALLER);
// The in-place forms (self floating point).
const Tensor& igamma_(const Tensor& self, const Tensor& other, TG_CALLER);
const Tensor& igammac_(const Tensor& self, const Tensor& other, TG_CALLER);
const Tensor& mvlgamma_(const Tensor& self, int64_t p, TG_CALLER);
// torch.round(input, decimals=): round half to even at 10^-decimals.
Tensor round(const Tensor& self, int64_t decimals, TG_CALLER);

namespace special {

// J_0, J_1, Y_0, Y_1, K_0, K_1, e^x K_0, e^x K_1, sin(x) / x, e^(x^2) erfc(x), the standard
// normal distribution function, its log and its inverse, Airy's Ai and its derivative Ai' (the
// latter tapegrad's, as scipy.special.airy gives it).
#define TG_UNARY_OP(name, ...) Tensor name(const Tensor& self, TG_CALLER);
#include "tapegrad/tensor/special_ops.def"
#undef TG_UNARY_OP

// Hurwitz's zeta(x, q) = sum_k (q + k)^-x, and P(a, x) and Q(a, x); either argument may be a number.
// The orthogonal polynomials p_n(x) (self = x, other = n): Chebyshev's T, U, V, W and the shifted
// T*, U*, V*, W* (p_n(2x - 1)), Hermite's H and He, Laguerre's L and Legendre's P. The degree is
// truncated to an integer; below 0 the result is 0. Differentiable in x only.
#define TG_BINARY_OP(name, ...)                                    \
  Tensor name(const Tensor& self, const Tensor& other, TG_CALLER); \
  Tensor name(const Tensor& self, const Scalar& other, TG_CALLER); \
  Tensor name(const Scalar& self, const Tensor& other, TG_CALLER);
#include "tapegrad/tensor/special_ops.def"
#undef TG_BINARY_OP

// -x log x (0 at 0, -inf below).
Tensor entr(const Tensor& self, TG_CALLER);
// mvlgamma under torch.special's name.
Tensor multigammaln(const Tensor& self, int64_t p, TG_CALLER);

// The others under their torch.special names.
Tensor digamma(const Tensor& self, TG_CALLER);
Tensor psi(const Tensor& self, TG_CALLER);
Tensor polygamma(int64_t n, const Tensor& self, TG_CALLER);
Tensor gammaln(const Tensor& self, TG_CALLER);
Tensor erf(const Tensor& self, TG_CALLER);
Tensor erfc(const Tensor& self, TG_CALLER);
Tensor erfinv(const Tensor& self, TG_CALLER);
Tensor exp2(const Tensor& self, TG_CALLER);
Tensor expm1(const Tensor& self, TG_CALLER);
Tensor expit(const Tensor& self, TG_CALLER);
Tensor log1p(const Tensor& self, TG_CALLER);
Tensor logit(const Tensor& self, std::optional<double> eps = std::nullopt, TG_CALLER);
Tensor i0(const Tensor& self, TG_CALLER);
Tensor i0e(const Tensor& self, TG_CALLER);
Tensor i1(const Tensor& self, TG_CALLER);
Tensor i1e(const Tensor& self, TG_CALLER);
Tensor modified_bessel_i0(const Tensor& self, TG_CALLER);
Tensor modified_bessel_i1(const Tensor& self, TG_CALLER);
Tensor sinc(const Tensor& self, TG_CALLER);
Tensor round(const Tensor& self, int64_t decimals = 0, TG_CALLER);
Tensor xlogy(const Tensor& self, const Tensor& other, TG_CALLER);
Tensor xlog1py(const Tensor& self, const Tensor& other, TG_CALLER);
Tensor softmax(const Tensor& self, int64_t dim, std::optional<DType> dtype = std::nullopt, TG_CALLER);
Tensor log_softmax(const Tensor& self, int64_t dim, std::optional<DType> dtype = std::nullopt, TG_CALLER);
Tensor logsumexp(const Tensor& self, const Shape& dims, bool keepdim = false, TG_CALLER);

}  // namespace special
}  // namespace tg
