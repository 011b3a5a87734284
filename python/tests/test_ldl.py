"""tg.linalg.ldl_factor, ldl_factor_ex and ldl_solve against PyTorch: LAPACK's compact factors and
pivots, info, solutions of real symmetric, complex symmetric and Hermitian systems, the gradient
in B, and the errors."""
import numpy as np
import pytest

import tapegrad as tg
from conftest import requires_lapack

torch = pytest.importorskip("torch")
rng = np.random.default_rng(7)


def sym(shape, complex_=False, hermitian=False):
    g = rng.standard_normal(shape) + (1j * rng.standard_normal(shape) if complex_ else 0)
    return g + (np.conj(np.swapaxes(g, -1, -2)) if hermitian else np.swapaxes(g, -1, -2))


def same(t, p, tol=1e-10):
    np.testing.assert_allclose(np.asarray(t.detach()), p.detach().resolve_conj().numpy(), rtol=tol, atol=tol)


@requires_lapack
@pytest.mark.parametrize("n", [1, 4, 40])
@pytest.mark.parametrize("kind", ["real", "symmetric", "hermitian"])
def test_factors_pivots_and_solutions_match_torch(n, kind):
    complex_, hermitian = kind != "real", kind == "hermitian"
    a = sym((3, n, n), complex_, hermitian)
    b = rng.standard_normal((2, 1, n, 2)) + (1j * rng.standard_normal((2, 1, n, 2)) if complex_ else 0)
    got = tg.linalg.ldl_factor(tg.tensor(a), hermitian=hermitian)
    want = torch.linalg.ldl_factor(torch.tensor(a), hermitian=hermitian)
    assert np.array_equal(np.asarray(got.pivots), want.pivots.numpy()) and got.pivots.dtype == tg.int32
    same(got.LD, want.LD, 1e-9)
    x = tg.linalg.ldl_solve(got.LD, got.pivots, tg.tensor(b), hermitian=hermitian)
    # PyTorch 2.x crashes on batch dims that broadcast here: its factors are expanded by hand.
    ref = torch.linalg.ldl_solve(want.LD.expand(2, 3, n, n), want.pivots.expand(2, 3, n),
                                 torch.tensor(b).expand(2, 3, n, 2), hermitian=hermitian)
    same(x, ref, 1e-8)
    ex = tg.linalg.ldl_factor_ex(tg.tensor(a), hermitian=hermitian, check_errors=True)
    assert ex.info.tolist() == [0, 0, 0]
    same(ex.LD, want.LD, 1e-9)


@requires_lapack
def test_singular_matrices_and_errors():
    a = sym((2, 3, 3))
    a[1] = 0
    got, want = tg.linalg.ldl_factor_ex(tg.tensor(a)), torch.linalg.ldl_factor_ex(torch.tensor(a))
    assert got.info.tolist() == want.info.tolist() == [0, 1]
    same(got.LD, want.LD)
    with pytest.raises(tg.linalg.LinAlgError, match=r"linalg.ldl_factor: D\[0\]\[0\] is zero \(batch element 1\)"):
        tg.linalg.ldl_factor(tg.tensor(a))
    with pytest.raises(tg.linalg.LinAlgError, match="the input matrix is singular"):
        tg.linalg.ldl_factor_ex(tg.tensor(a), check_errors=True)
    ld, piv = tg.linalg.ldl_factor(tg.tensor(sym((3, 3))))
    with pytest.raises(RuntimeError, match="expected square matrices"):
        tg.linalg.ldl_factor(tg.randn(3, 4, dtype=tg.float64))
    with pytest.raises(TypeError, match="linalg.ldl_factor"):
        tg.linalg.ldl_factor(tg.ones(3, 3, dtype=tg.int64))
    with pytest.raises(TypeError, match="LD \\(float64\\) and B \\(float32\\) must have the same dtype"):
        tg.linalg.ldl_solve(ld, piv, tg.randn(3, 2))
    with pytest.raises(TypeError, match="expected int32 or int64 pivots"):
        tg.linalg.ldl_solve(ld, piv.double(), tg.randn(3, 2, dtype=tg.float64))
    with pytest.raises(ValueError, match="pivots must lie in"):
        tg.linalg.ldl_solve(ld, tg.tensor([1, 5, 3], dtype=tg.int32), tg.randn(3, 2, dtype=tg.float64))
    with pytest.raises(RuntimeError, match="needs B with 3 rows"):
        tg.linalg.ldl_solve(ld, piv, tg.randn(4, 2, dtype=tg.float64))


@requires_lapack
@pytest.mark.parametrize("kind", ["real", "symmetric", "hermitian"])
def test_gradient_in_b_matches_solve(kind):
    complex_, hermitian = kind != "real", kind == "hermitian"
    a = sym((4, 4), complex_, hermitian)
    b = rng.standard_normal((4, 3)) + (1j * rng.standard_normal((4, 3)) if complex_ else 0)
    g = rng.standard_normal((4, 3)) + (1j * rng.standard_normal((4, 3)) if complex_ else 0)
    ld, piv = tg.linalg.ldl_factor(tg.tensor(a), hermitian=hermitian)
    bt = tg.tensor(b, requires_grad=True)
    tg.linalg.ldl_solve(ld, piv, bt, hermitian=hermitian).backward(tg.tensor(g))
    # PyTorch has no derivative for ldl_solve: its solve's gradient is the reference.
    bp = torch.tensor(b, requires_grad=True)
    torch.linalg.solve(torch.tensor(a), bp).backward(torch.tensor(g))
    same(bt.grad, bp.grad, 1e-9)
    lt, _ = tg.linalg.ldl_factor(tg.tensor(a, requires_grad=True), hermitian=hermitian)
    assert lt.requires_grad
    with pytest.raises(RuntimeError, match="derivative of the LDL factorization is not implemented"):
        lt.abs().sum().backward()
