"""tg.linalg: torch.linalg's solvers and factorizations (inv, det, slogdet, solve, cholesky, eigh,
eigvalsh, eig, eigvals, qr, svd, svdvals, lu_factor, lu, lu_solve, ldl_factor, ldl_solve,
solve_triangular, lstsq, pinv, matrix_rank, polar, tensorinv, tensorsolve, and the _ex forms inv_ex,
solve_ex, cholesky_ex, lu_factor_ex, ldl_factor_ex), norms (vector_norm, matrix_norm, norm, cond)
and matrix functions (matrix_power, matrix_exp, matrix_sqrth, multi_dot, cross, vecdot, vander, matmul,
diagonal); batched over leading dims, float32, float64, complex64 or complex128, differentiable
(but for the LDL factorization, as in PyTorch). A factorization that fails on its input (a
singular matrix, one not positive-definite, NaN or inf where the SVD or eig cannot converge)
raises LinAlgError."""
from ._C.linalg import *  # noqa: F401,F403
from ._C import _LinAlgError as LinAlgError  # noqa: E402  (torch.linalg.LinAlgError, a RuntimeError)
