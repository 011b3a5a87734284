"""tg.linalg.matrix_sqrth and tg.linalg.polar against PyTorch: values and gradients of real and
complex batches, the gradient where eigenvalues repeat, and the errors."""
import numpy as np
import pytest

import tapegrad as tg
from conftest import requires_lapack

torch = pytest.importorskip("torch")
rng = np.random.default_rng(11)


def randn(shape, complex_):
    return rng.standard_normal(shape) + (1j * rng.standard_normal(shape) if complex_ else 0)


def same(t, p, tol=1e-9):
    np.testing.assert_allclose(np.asarray(t.detach()), p.detach().resolve_conj().numpy(), rtol=tol, atol=tol)


def both(fn_tg, fn_torch, a, grads):
    """Values and the input's gradient for the same output gradients, tapegrad then PyTorch."""
    x, y = tg.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    out_t, out_p = fn_tg(x), fn_torch(y)
    out_t = out_t if isinstance(out_t, tuple) else (out_t,)
    out_p = out_p if isinstance(out_p, tuple) else (out_p,)
    for t, p in zip(out_t, out_p):
        same(t, p)
    sum(((t * tg.tensor(g)).real.sum() for t, g in zip(out_t, grads)), tg.tensor(0.0, dtype=tg.float64)).backward()
    sum((p * torch.tensor(g)).real.sum() for p, g in zip(out_p, grads)).backward()
    same(x.grad, y.grad)


@requires_lapack
@pytest.mark.parametrize("complex_", [False, True])
def test_matrix_sqrth_matches_torch(complex_):
    g = randn((2, 4, 4), complex_)
    a = g @ np.conj(np.swapaxes(g, -1, -2)) + 4 * np.eye(4)
    both(tg.linalg.matrix_sqrth, torch.linalg.matrix_sqrth, a, [randn((2, 4, 4), complex_)])
    # Repeated eigenvalues: a finite gradient.
    both(tg.linalg.matrix_sqrth, torch.linalg.matrix_sqrth, np.eye(3) * 4.0, [randn((3, 3), False)])


@requires_lapack
@pytest.mark.parametrize("complex_", [False, True])
def test_polar_matches_torch(complex_):
    a = randn((3, 5, 3), complex_)
    both(tg.linalg.polar, torch.linalg.polar, a, [randn((3, 5, 3), complex_), randn((3, 3, 3), complex_)])
    got = tg.linalg.polar(tg.tensor(a))
    assert got.U.shape == (3, 5, 3) and got.H.shape == (3, 3, 3)


@requires_lapack
def test_errors():
    with pytest.raises(RuntimeError, match="linalg.polar: expected matrices with at least as many rows as columns"):
        tg.linalg.polar(tg.randn(2, 3))
    with pytest.raises(TypeError, match="linalg.polar"):
        tg.linalg.polar(tg.ones(3, 2, dtype=tg.int64))
    with pytest.raises(RuntimeError, match="linalg.matrix_sqrth: expected square matrices"):
        tg.linalg.matrix_sqrth(tg.randn(2, 3))
