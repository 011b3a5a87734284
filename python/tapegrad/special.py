"""tg.special: torch.special's functions. Kernels of their own: bessel_j0, bessel_j1, bessel_y0,
bessel_y1, modified_bessel_k0, modified_bessel_k1, scaled_modified_bessel_k0/k1,
spherical_bessel_j0, erfcx, ndtr, log_ndtr, ndtri, zeta, gammainc, gammaincc; and tg's own ops
under the names torch.special gives them (expit, gammaln, psi, multigammaln, i0e, entr, ...).
All broadcast, accept integer inputs (computed in the default dtype) and are differentiable
(zeta and gammainc/gammaincc in their second argument only, as in PyTorch)."""
from ._C.special import *  # noqa: F401,F403
