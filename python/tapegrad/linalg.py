"""tg.linalg: torch.linalg's solvers and factorizations (inv, det, slogdet, solve, cholesky, eigh,
eigvalsh, qr, svd, svdvals, lu_factor, lu, lu_solve, solve_triangular, lstsq, pinv, matrix_rank),
norms (vector_norm, matrix_norm, norm, cond) and matrix functions (matrix_power, matrix_exp,
multi_dot, cross); batched over leading dims, float32 or float64, differentiable."""
from ._C.linalg import *  # noqa: F401,F403
