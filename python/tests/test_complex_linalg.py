"""Complex matrices in tg.linalg against NumPy (values) and PyTorch (values and gradients, in its
conventions: conjugate transposes, phases of eigenvectors and singular vectors); the complex
forms of indexing, scans and statistics against PyTorch."""
import numpy as np
import pytest

import tapegrad as tg
from conftest import assert_close

rng = np.random.default_rng(3)


def crandn(*shape):
    return rng.standard_normal(shape) + 1j * rng.standard_normal(shape)


A = crandn(4, 4) + 4 * np.eye(4)
B = crandn(4, 2)
TALL = crandn(5, 3)
H = A + A.conj().T


def close(t, expected, tol=1e-10):
    np.testing.assert_allclose(np.asarray(t.detach()), np.asarray(expected), rtol=tol, atol=tol)


def test_solvers_match_numpy():
    a, b = tg.tensor(A), tg.tensor(B)
    close(tg.linalg.solve(a, b), np.linalg.solve(A, B))
    close(tg.linalg.inv(a), np.linalg.inv(A))
    close(tg.linalg.det(a), np.linalg.det(A))
    sign, logabs = tg.linalg.slogdet(a)
    expected_sign, expected_log = np.linalg.slogdet(A)
    close(sign, expected_sign)
    close(logabs, expected_log)
    assert logabs.dtype == tg.float64 and sign.dtype == tg.complex128
    close(tg.linalg.cholesky(tg.tensor(H + 20 * np.eye(4))), np.linalg.cholesky(H + 20 * np.eye(4)))
    w = tg.linalg.eigvalsh(tg.tensor(H))
    assert w.dtype == tg.float64
    close(w, np.linalg.eigvalsh(H))
    close(tg.linalg.svdvals(tg.tensor(TALL)), np.linalg.svd(TALL, compute_uv=False))
    close(tg.linalg.pinv(tg.tensor(TALL)), np.linalg.pinv(TALL))
    rhs = crandn(5, 2)
    close(tg.linalg.lstsq(tg.tensor(TALL), tg.tensor(rhs)).solution, np.linalg.lstsq(TALL, rhs, rcond=None)[0])
    close(tg.linalg.matrix_norm(tg.tensor(TALL), "nuc"), np.linalg.norm(TALL, "nuc"))
    close(tg.linalg.matrix_norm(tg.tensor(TALL), 2), np.linalg.norm(TALL, 2))


def test_factorizations_match_pytorch():
    torch = pytest.importorskip("torch")
    for name, f in [
        ("qr", lambda L, x: L.linalg.qr(x)),
        ("lu_factor", lambda L, x: L.linalg.lu_factor(x)),
        ("lu", lambda L, x: L.linalg.lu(x)),
        ("eigh", lambda L, x: L.linalg.eigh(x + x.mH)[0]),
        ("svdvals", lambda L, x: L.linalg.svdvals(x)),
        ("matrix_exp", lambda L, x: L.linalg.matrix_exp(x * 0.5)),
        ("lstsq", lambda L, x: L.linalg.lstsq(x, x[:, :2], driver="gelsd").solution),
        ("householder", lambda L, x: L.linalg.householder_product(*L.geqrf(x))),
    ]:
        for data in (TALL.T.copy(), TALL, A):
            if name in ("eigh", "matrix_exp") and data.shape[0] != data.shape[1]:
                continue
            if name == "householder" and data.shape[0] < data.shape[1]:
                continue
            ours, theirs = f(tg, tg.tensor(data)), f(torch, torch.tensor(data))
            if not isinstance(ours, tuple):
                ours, theirs = (ours,), (theirs,)
            for a, b in zip(ours, theirs):
                close(a, b.numpy(), 1e-9)


def test_gradients_match_pytorch():
    torch = pytest.importorskip("torch")

    def loss(L, a, b, t):
        h = a + a.mH
        w, V = L.linalg.eigh(h)
        U, S, Vh = L.linalg.svd(t, full_matrices=False)
        sign, logabs = L.linalg.slogdet(a)
        Q, R = L.linalg.qr(t)
        parts = [
            L.linalg.solve(a, b).abs().sum(),
            (L.linalg.det(a) * (1 + 2j)).real,
            (sign * (0.5 - 1j)).real + logabs,
            L.linalg.inv(a).imag.sum(),
            (w * w).sum() + (V.abs() ** 3).sum(),
            S.sum() + (U @ Vh).real.sum(),
            Q.real.sum() + R.imag.sum(),
            L.linalg.cholesky(a @ a.mH + L.eye(4)).abs().sum(),
            L.linalg.pinv(t).real.sum(),
            L.linalg.lu_factor(a)[0].imag.sum(),
            L.linalg.matrix_exp(a * 0.2).real.sum(),
        ]
        return sum(parts)

    grads = []
    for L in (tg, torch):
        a = L.tensor(A, requires_grad=True)
        b = L.tensor(B, requires_grad=True)
        t = L.tensor(TALL, requires_grad=True)
        loss(L, a, b, t).backward()
        grads.append([np.asarray(x.grad.detach()) for x in (a, b, t)])
    for ours, theirs in zip(*grads):
        np.testing.assert_allclose(ours, theirs, rtol=1e-8, atol=1e-8)


def test_eig_matches_pytorch():
    torch = pytest.importorskip("torch")
    real = rng.standard_normal((2, 5, 5))
    for data in (real, A):
        results = []
        for L in (tg, torch):
            a = L.tensor(data, requires_grad=True)
            values, vectors = L.linalg.eig(a)
            (values.abs().sum() + (vectors.abs() ** 2 * L.arange(5 if data.ndim == 3 else 4)).sum()).backward()
            results.append((values.detach(), vectors.detach(), a.grad, L.linalg.eigvals(a.detach())))
        for ours, theirs in zip(*results):
            close(ours, theirs.numpy(), 1e-9)
    for name in ("eig", "eigh"):  # named as torch.return_types'
        mine, theirs = getattr(tg.linalg, name)(tg.tensor(H)), getattr(torch.linalg, name)(torch.tensor(H))
        assert type(mine).__name__ == type(theirs).__name__ == f"linalg_{name}"
        assert mine._fields == ("eigenvalues", "eigenvectors")


def test_phase_dependent_losses_raise():
    a = tg.tensor(H, requires_grad=True)
    w, V = tg.linalg.eigh(a)
    with pytest.raises(ValueError, match="phases of complex eigenvectors"):
        V.real.sum().backward()


def test_indexing_scans_and_statistics_match_pytorch():
    torch = pytest.importorskip("torch")
    Z = crandn(4, 5)
    idx = np.array([0, 2, 2, 1])

    def run(L):
        z = L.tensor(Z, requires_grad=True)
        i = L.tensor(idx)
        outs = [
            z[i],
            z.index_select(1, i),
            L.zeros(4, 5, dtype=L.complex128).index_add(0, i, z),
            L.zeros(4, 5, dtype=L.complex128).scatter_add(1, L.zeros(4, 5, dtype=L.int64), z),
            z.cumsum(1),
            z.cumprod(0),
            z.var(1),
            z.std(),
            L.addcmul(z, z, z.conj(), value=0.5 - 1j),
            L.addcdiv(z, z, z + 3, value=2j),
            L.lerp(z, z.conj(), 0.3 + 0.1j),
            L.cov(z),
            L.corrcoef(z),
            L.sinc(z),
            L.trapezoid(z),
        ]
        total = sum((o.abs() ** 2).sum() if o.is_complex() else o.sum() for o in outs)
        total.backward()
        return [o.detach() for o in outs], z.grad

    ours, g_ours = run(tg)
    theirs, g_theirs = run(torch)
    for a, b in zip(ours, theirs):
        close(a, b.numpy(), 1e-9)
    close(g_ours, g_theirs.numpy(), 1e-9)
    z = tg.tensor(Z)
    assert tg.isclose(z, z + 1e-12j).all().item()
    assert tg.count_nonzero(tg.tensor([0j, 1j, 2 + 0j])).item() == 2
    assert tg.nonzero(tg.tensor([0j, 1j, 2 + 0j])).flatten().tolist() == [1, 2]


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_stft_and_istft_match_pytorch():
    torch = pytest.importorskip("torch")
    x = rng.standard_normal((2, 200))
    window = np.hanning(64)
    for kwargs in [
        dict(n_fft=64, hop_length=16),
        dict(n_fft=64, hop_length=10, win_length=40),
        dict(n_fft=64, hop_length=16, center=False),
        dict(n_fft=33, normalized=True, pad_mode="constant"),
        dict(n_fft=64, hop_length=16, window=window, onesided=False),
    ]:
        results = []
        for L in (tg, torch):
            args = dict(kwargs)
            if "window" in args:
                args["window"] = L.tensor(args["window"])
            xs = L.tensor(x, requires_grad=True)
            S = L.stft(xs, return_complex=True, **args)
            (S.abs() ** 2).sum().backward()
            y = L.istft(S.detach(), length=200, **{k: v for k, v in args.items() if k != "pad_mode"})
            results.append((S.detach(), xs.grad, y))
        for a, b in zip(*results):
            close(a, b.numpy(), 1e-9)
    S = tg.stft(tg.tensor(x[0]), 64, return_complex=False)
    assert S.shape == (33, 13, 2)
    assert tg.tensor(x[0]).stft(64).shape == (33, 13)
    with pytest.raises(ValueError, match="NOLA"):
        tg.istft(tg.stft(tg.tensor(x[0]), 8, 8, window=tg.hann_window(8, periodic=False), center=False), 8, 8,
                 window=tg.hann_window(8, periodic=False), center=False)
    with pytest.raises(TypeError, match="istft: expected a complex input"):
        tg.istft(tg.ones(5, 3), 8)


def test_norms_cast_to_the_dtype_keyword_first():
    x = tg.tensor([[3.0, 4.0], [0.0, 0.0]], dtype=tg.float16, requires_grad=True)
    n = tg.linalg.vector_norm(x, dtype=tg.float32)
    assert n.dtype == tg.float32 and n.item() == 5.0
    n.backward()
    assert x.grad.dtype == tg.float16
    assert_close(x.grad.float(), [[0.6, 0.8], [0.0, 0.0]], rtol=1e-3)
    assert tg.linalg.matrix_norm(tg.tensor(H), dtype=tg.complex128).dtype == tg.float64
    assert tg.linalg.norm(tg.ones(3), dtype=tg.float64).dtype == tg.float64
    assert tg.linalg.matrix_norm(tg.eye(2), "nuc", dtype=tg.float64).item() == 2.0
    with pytest.raises(RuntimeError, match="linalg.vector_norm: dtype should be real for real inputs, but got complex128"):
        tg.linalg.vector_norm(tg.ones(2), dtype=tg.complex128)
    with pytest.raises(RuntimeError, match="dtype should be complex for complex inputs, but got float64"):
        tg.linalg.norm(tg.tensor(H), dtype=tg.float64)
    with pytest.raises(RuntimeError, match="should be floating point or complex, but got int64"):
        tg.linalg.vector_norm(tg.ones(2), dtype=tg.int64)
    with pytest.raises(RuntimeError, match=r"input \(float32\) should be convertible without narrowing .* \(float16\)"):
        tg.linalg.matrix_norm(tg.eye(2), dtype=tg.float16)
