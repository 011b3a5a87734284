"""tg.signal.windows against torch.signal.windows: symmetric and periodic, every dtype, the edge
lengths and the argument errors."""
import numpy as np
import pytest

import tapegrad as tg

torch = pytest.importorskip("torch")
from torch.signal import windows as TW  # noqa: E402

from tapegrad.signal import windows as W  # noqa: E402

CASES = [("bartlett", {}), ("blackman", {}), ("cosine", {}), ("exponential", {}), ("exponential", {"tau": 2.5}),
         ("gaussian", {}), ("gaussian", {"std": 3.0}), ("general_cosine", {"a": [0.46, 0.23, 0.31]}),
         ("general_hamming", {"alpha": 0.6}), ("hamming", {}), ("hann", {}), ("kaiser", {}),
         ("kaiser", {"beta": 4.0}), ("nuttall", {})]


@pytest.mark.parametrize("name,kw", CASES)
def test_windows_match_torch(name, kw):
    for M in (0, 1, 2, 5, 16, 33):
        for sym in (True, False):
            for dtype, tdtype, tol in ((tg.float64, torch.float64, 1e-12), (tg.float32, torch.float32, 1e-6)):
                got = getattr(W, name)(M, sym=sym, dtype=dtype, **kw)
                want = getattr(TW, name)(M, sym=sym, dtype=tdtype, **kw)
                assert got.dtype == dtype and got.shape == (M,)
                np.testing.assert_allclose(np.asarray(got), want.numpy(), rtol=tol, atol=tol, err_msg=f"{name} {M} {sym}")


def test_window_options_and_errors():
    w = W.hann(8, requires_grad=True)
    assert w.requires_grad and w.dtype == tg.get_default_dtype() and w.device == tg.device("cpu")
    np.testing.assert_allclose(np.asarray(W.hann(8, sym=False)), np.asarray(tg.hann_window(8)), atol=1e-7)
    np.testing.assert_allclose(np.asarray(W.exponential(6, center=1.0, sym=False)),
                               TW.exponential(6, center=1.0, sym=False).numpy(), rtol=1e-6)
    with pytest.raises(ValueError, match="requires non-negative window length, got M=-1"):
        W.hann(-1)
    with pytest.raises(ValueError, match="expects float32 or float64 dtypes, got: tapegrad.int64"):
        W.hann(5, dtype=tg.int64)
    with pytest.raises(ValueError, match="Center must be None for symmetric windows"):
        W.exponential(5, center=1.0)
    with pytest.raises(ValueError, match="Tau must be positive"):
        W.exponential(5, tau=0)
    with pytest.raises(ValueError, match="Standard deviation must be positive"):
        W.gaussian(5, std=0)
    with pytest.raises(ValueError, match="beta must be non-negative"):
        W.kaiser(5, beta=-1)
    with pytest.raises(ValueError, match="Coefficients cannot be empty"):
        W.general_cosine(5, a=[])
    with pytest.raises(TypeError, match="must be an int"):
        W.hann(5.0)
