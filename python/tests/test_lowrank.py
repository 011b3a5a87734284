"""svd_lowrank and pca_lowrank: exact on matrices of rank <= q, close to the leading singular
values otherwise, batched, differentiable, and PyTorch's results where it is installed."""
import pytest

import tapegrad as tg


def low_rank(m, n, r, *batch, dtype=tg.float64):
    tg.manual_seed(0)
    return tg.randn(*batch, m, r, dtype=dtype) @ tg.randn(*batch, r, n, dtype=dtype)


@pytest.mark.parametrize("shape", [(30, 12), (12, 30)])
def test_svd_lowrank_recovers_a_low_rank_matrix(shape):
    A = low_rank(*shape, 4)
    U, S, V = tg.svd_lowrank(A, q=6)
    assert U.shape == (shape[0], 6) and S.shape == (6,) and V.shape == (shape[1], 6)
    assert tg.allclose(U @ tg.diag(S) @ V.T, A, atol=1e-9)
    assert tg.allclose(S[:4], tg.linalg.svdvals(A)[:4], rtol=1e-9)
    assert tg.allclose(U.T @ U, tg.eye(6, dtype=tg.float64), atol=1e-9)


def test_batched_with_m_and_gradients():
    A = low_rank(10, 8, 3, 2)
    M = tg.ones(1, 8, dtype=tg.float64)
    U, S, V = tg.svd_lowrank(A, q=5, M=M)
    assert tg.allclose(U @ tg.diag_embed(S) @ V.transpose(-2, -1), A - M, atol=1e-9)
    A.requires_grad_()
    S = tg.svd_lowrank(A, q=3, niter=4, generator=tg.Generator().manual_seed(1))[1]
    S.sum().backward()
    assert A.grad.shape == A.shape and tg.isfinite(A.grad).all()


def test_pca_lowrank_finds_the_principal_directions():
    tg.manual_seed(1)
    direction = tg.tensor([[3.0, 4.0]], dtype=tg.float64) / 5
    X = tg.randn(500, 1, dtype=tg.float64) * 10 @ direction + tg.randn(500, 2, dtype=tg.float64) * 0.1 + 7
    U, S, V = tg.pca_lowrank(X, q=2)
    assert abs(abs((V[:, 0] * direction[0]).sum().item()) - 1) < 1e-3
    assert S[0] > 50 * S[1]
    with pytest.raises(ValueError, match="q=3 must be positive and at most min"):
        tg.pca_lowrank(X, q=3)
    with pytest.raises(ValueError, match="at least 2 dimensions"):
        tg.svd_lowrank(tg.ones(3))
    with pytest.raises(TypeError, match="floating-point"):
        tg.svd_lowrank(tg.ones(3, 3, dtype=tg.int64))


def test_singular_values_match_torch():
    torch = pytest.importorskip("torch")
    A = low_rank(40, 25, 5)
    ours = tg.svd_lowrank(A, q=8)[1]
    theirs = torch.svd_lowrank(torch.tensor(A.tolist(), dtype=torch.float64), q=8)[1]
    assert ours[:5].tolist() == pytest.approx(theirs[:5].tolist(), rel=1e-9)
    pca_ours = tg.pca_lowrank(A, q=5)[1]
    pca_theirs = torch.pca_lowrank(torch.tensor(A.tolist(), dtype=torch.float64), q=5)[1]
    assert pca_ours.tolist() == pytest.approx(pca_theirs.tolist(), rel=1e-9)
