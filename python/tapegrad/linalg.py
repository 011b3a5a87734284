"""tg.linalg: torch.linalg's square solvers and factorizations (inv, det, slogdet, solve,
cholesky, eigh, eigvalsh), batched over leading dims, float32 or float64, differentiable."""
from ._C.linalg import *  # noqa: F401,F403
