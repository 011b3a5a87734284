"""torch's older linear-algebra names that PyTorch still runs and much existing code calls:
torch.svd (V rather than Vh), torch.triangular_solve (b first), torch.lu, torch.lu_solve and
torch.chain_matmul, as functions and as Tensor methods, over tapegrad.linalg. (torch.qr and
torch.cholesky now only raise in PyTorch, pointing at torch.linalg; they are left out.)
"""
from collections import namedtuple

from . import _C
from ._C import Tensor


def _result(name, fields):
    t = namedtuple(name, fields)
    t.__module__ = "tapegrad.return_types"
    return t


_SVD = _result("svd", ["U", "S", "V"])
_TRIANGULAR_SOLVE = _result("triangular_solve", ["solution", "cloned_coefficient"])


def svd(input, some=True, compute_uv=True):
    """input = U diag(S) V^T. Without compute_uv, U and V are zero-filled [..., m, m] and
    [..., n, n], as PyTorch returns them."""
    if not compute_uv:
        s = _C.linalg.svdvals(input)
        m, n = input.shape[-2], input.shape[-1]
        batch = tuple(input.shape[:-2])
        return _SVD(_C.zeros(batch + (m, m), dtype=input.dtype, device=input.device), s,
                    _C.zeros(batch + (n, n), dtype=input.dtype, device=input.device))
    u, s, vh = _C.linalg.svd(input, full_matrices=not some)
    return _SVD(u, s, vh.mT)


def triangular_solve(b, A, upper=True, transpose=False, unitriangular=False):
    """X with A X = b (A^T X = b with transpose) for triangular A; also a copy of A."""
    a = A.mT if transpose else A
    x = _C.linalg.solve_triangular(a, b, upper=upper != transpose, unitriangular=unitriangular)
    return _TRIANGULAR_SOLVE(x, A.clone())


def lu(A, pivot=True, get_infos=False):
    """(LU, pivots), and info with get_infos, as lu_factor_ex; only partial pivoting."""
    if not pivot:
        raise RuntimeError("lu: LU without pivoting is not implemented; call it with pivot=True")
    factors = _C.linalg.lu_factor_ex(A)
    return tuple(factors) if get_infos else (factors[0], factors[1])


def lu_solve(b, LU_data, LU_pivots):
    return _C.linalg.lu_solve(LU_data, LU_pivots, b)


def chain_matmul(*matrices):
    return _C.linalg.multi_dot(list(matrices))


for _fn in (svd, triangular_solve, lu, lu_solve):
    setattr(Tensor, _fn.__name__, _fn)

__all__ = ["svd", "triangular_solve", "lu", "lu_solve", "chain_matmul"]
