"""tg.fft against numpy.fft (values, every transform and norm) and against torch.fft where it is
installed (gradients, and the errors' exception types)."""
import numpy as np
import pytest

import tapegrad as tg

rng = np.random.default_rng(0)
X = rng.standard_normal((3, 10)) + 1j * rng.standard_normal((3, 10))
R = rng.standard_normal((4, 6, 7))


def close(t, expected, tol=1e-10):
    np.testing.assert_allclose(np.asarray(t.detach()), np.asarray(expected), rtol=tol, atol=tol)


@pytest.mark.parametrize("norm", [None, "backward", "ortho", "forward"])
def test_one_dim_transforms_match_numpy(norm):
    x, r = tg.tensor(X), tg.tensor(R)
    close(tg.fft.fft(x, norm=norm), np.fft.fft(X, norm=norm))
    close(tg.fft.ifft(x, n=13, dim=0, norm=norm), np.fft.ifft(X, n=13, axis=0, norm=norm))
    close(tg.fft.rfft(r, norm=norm), np.fft.rfft(R, norm=norm))
    close(tg.fft.rfft(r, n=4, dim=1, norm=norm), np.fft.rfft(R, n=4, axis=1, norm=norm))
    close(tg.fft.irfft(x, norm=norm), np.fft.irfft(X, norm=norm))
    close(tg.fft.irfft(x, n=7, norm=norm), np.fft.irfft(X, n=7, norm=norm))
    close(tg.fft.hfft(x, norm=norm), np.fft.hfft(X, norm=norm))
    close(tg.fft.ihfft(r, norm=norm), np.fft.ihfft(R, norm=norm))


@pytest.mark.parametrize("norm", [None, "ortho", "forward"])
def test_n_dim_transforms_match_numpy(norm):
    r, z = tg.tensor(R), tg.tensor(R + 0.5j * R[::-1])
    Z = R + 0.5j * R[::-1]
    close(tg.fft.fftn(z, norm=norm), np.fft.fftn(Z, norm=norm))
    close(tg.fft.fft2(z, s=(4, 9), norm=norm), np.fft.fft2(Z, s=(4, 9), norm=norm))
    close(tg.fft.ifftn(z, dim=(0, 2), norm=norm), np.fft.ifftn(Z, axes=(0, 2), norm=norm))
    close(tg.fft.rfftn(r, norm=norm), np.fft.rfftn(R, norm=norm))
    close(tg.fft.rfft2(r, norm=norm), np.fft.rfft2(R, norm=norm))
    close(tg.fft.irfftn(tg.fft.rfftn(r), s=R.shape), R)
    close(tg.fft.irfft2(z, s=(6, 5), norm=norm), np.fft.irfft2(Z, s=(6, 5), norm=norm))


def test_frequencies_shifts_and_dtypes():
    close(tg.fft.fftfreq(7, d=0.1), np.fft.fftfreq(7, d=0.1), 1e-6)
    close(tg.fft.rfftfreq(8, dtype=tg.float64), np.fft.rfftfreq(8))
    assert tg.fft.fftfreq(4, dtype=tg.float64).dtype is tg.float64
    close(tg.fft.fftshift(tg.tensor(R)), np.fft.fftshift(R))
    close(tg.fft.ifftshift(tg.tensor(R), dim=(0, 2)), np.fft.ifftshift(R, axes=(0, 2)))
    close(tg.fft.fftshift(tg.tensor(R), dim=1), np.fft.fftshift(R, axes=1))
    assert tg.fft.fft(tg.ones(4)).dtype is tg.complex64
    assert tg.fft.rfft(tg.ones(4, dtype=tg.float64)).dtype is tg.complex128
    assert tg.fft.irfft(tg.ones(4, dtype=tg.complex64)).dtype is tg.float32
    out = tg.empty(0, dtype=tg.complex128)
    tg.fft.fft(tg.tensor(X), out=out)
    close(out, np.fft.fft(X))


def test_errors():
    with pytest.raises(TypeError, match="expects a real input tensor"):
        tg.fft.rfft(tg.tensor(X))
    with pytest.raises(ValueError, match="invalid normalization mode"):
        tg.fft.fft(tg.tensor(X), norm="nope")
    with pytest.raises(ValueError, match="invalid number of data points"):
        tg.fft.fft(tg.tensor(X), n=0)
    with pytest.raises(IndexError):
        tg.fft.fft(tg.tensor(X), dim=2)


def test_gradients_match_pytorch():
    torch = pytest.importorskip("torch")

    def loss(lib, z, r):
        a = lib.fft.fft(z, n=12, norm="ortho") * lib.fft.ifft(z, n=12)
        b = lib.fft.irfft(lib.fft.rfft(r, dim=0) * 2, n=5, dim=0)
        c = lib.fft.hfft(z, n=7) + lib.fft.fft2(z).abs().sum()
        return a.abs().sum() + (b ** 2).sum() + c.sum() + lib.fft.rfftn(r).abs().pow(2).sum()

    grads = []
    for lib in (tg, torch):
        z = lib.tensor(X, requires_grad=True)
        r = lib.tensor(R[0, :5], requires_grad=True)
        loss(lib, z, r).backward()
        grads.append((np.asarray(z.grad.detach()), np.asarray(r.grad.detach())))
    for a, b in zip(*grads):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-9)


def test_values_match_pytorch_for_odd_lengths():
    torch = pytest.importorskip("torch")
    for n in [1, 9, 37, 101]:
        x = rng.standard_normal((2, n)) + 1j * rng.standard_normal((2, n))
        close(tg.fft.fft(tg.tensor(x)), torch.fft.fft(torch.tensor(x)).numpy())
        close(tg.fft.irfft(tg.tensor(x), n=2 * n - 1), torch.fft.irfft(torch.tensor(x), n=2 * n - 1).numpy())
