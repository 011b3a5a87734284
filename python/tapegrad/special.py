"""tg.special: torch.special's functions. Kernels of their own: bessel_j0, bessel_j1, bessel_y0,
bessel_y1, modified_bessel_k0, modified_bessel_k1, scaled_modified_bessel_k0/k1,
spherical_bessel_j0, erfcx, ndtr, log_ndtr, ndtri, zeta, gammainc, gammaincc; the orthogonal
polynomials chebyshev_polynomial_t/u/v/w, shifted_chebyshev_polynomial_t/u/v/w,
hermite_polynomial_h/he, laguerre_polynomial_l and legendre_polynomial_p (input, n); and tg's own
ops under the names torch.special gives them (expit, gammaln, psi, multigammaln, i0e, entr, ...).
All broadcast, accept integer inputs (computed in the default dtype) and are differentiable
(zeta and gammainc/gammaincc in their second argument only, as in PyTorch; the polynomials in x,
not in the degree n, where PyTorch has no derivative at all)."""
from ._C.special import *  # noqa: F401,F403
