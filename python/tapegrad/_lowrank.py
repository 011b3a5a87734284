"""Low-rank factorizations by randomized subspace iteration (Halko, Martinsson and Tropp 2011,
Algorithm 4.4): svd_lowrank and pca_lowrank, as torch has them. Built from matmul, QR and a small
SVD, so they differentiate and run on any device."""
from . import _C, linalg

__all__ = ["svd_lowrank", "pca_lowrank"]


def _t(x):
    return x.transpose(-2, -1)


def _range_basis(A, M, q, niter, generator):
    # Orthonormal columns spanning (approximately) the range of A - M, refined by niter rounds
    # of power iteration, each re-orthonormalized so that small singular values survive.
    def times(X):
        return A @ X if M is None else A @ X - M @ X

    def times_t(X):
        return _t(A) @ X if M is None else _t(A) @ X - _t(M) @ X

    sketch = _C.randn(*A.shape[:-2], A.shape[-1], q, dtype=A.dtype, device=A.device, generator=generator)
    Q = linalg.qr(times(sketch)).Q
    for _ in range(niter):
        Q = linalg.qr(times(linalg.qr(times_t(Q)).Q)).Q
    return Q


def svd_lowrank(A, q=6, niter=2, M=None, *, generator=None):
    """(U, S, V) with A - M ~ U diag(S) V^T, of rank q (overestimate it a little), from niter
    power iterations. A may be batched (..., m, n); M, when given, broadcasts to A's shape."""
    if A.dim() < 2:
        raise ValueError(f"svd_lowrank: A must have at least 2 dimensions, got shape {tuple(A.shape)}")
    if not A.dtype.is_floating_point:
        raise TypeError(f"svd_lowrank: A must be floating-point, got {A.dtype}")
    m, n = A.shape[-2], A.shape[-1]
    if not 0 < q <= min(m, n):
        raise ValueError(f"svd_lowrank: q={q} must be positive and at most min(m, n) = {min(m, n)}")
    if M is not None:
        M = M.broadcast_to(A.shape)
    if m < n:  # factor the transpose: the sketch then has the smaller side
        V, S, U = svd_lowrank(_t(A), q, niter, None if M is None else _t(M), generator=generator)
        return U, S, V
    Q = _range_basis(A, M, q, niter, generator)
    B = _t(Q) @ A if M is None else _t(Q) @ A - _t(Q) @ M
    Ub, S, Vh = linalg.svd(B, full_matrices=False)
    return Q @ Ub, S, _t(Vh)


def pca_lowrank(A, q=None, center=True, niter=2, *, generator=None):
    """Principal components of the rows of A (..., m, n): (U, S, V) with the columns of V the
    principal directions and S**2 / (m - 1) the variances along them. q defaults to
    min(6, m, n); center subtracts the column means first."""
    if A.dim() < 2:
        raise ValueError(f"pca_lowrank: A must have at least 2 dimensions, got shape {tuple(A.shape)}")
    m, n = A.shape[-2], A.shape[-1]
    q = min(6, m, n) if q is None else q
    if not 0 < q <= min(m, n):
        raise ValueError(f"pca_lowrank: q={q} must be positive and at most min(m, n) = {min(m, n)}")
    if center:
        A = A - A.mean(dim=-2, keepdim=True)
    return svd_lowrank(A, q, niter, generator=generator)
