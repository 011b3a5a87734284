import numpy as np
import pytest

import tapegrad as tg


@pytest.fixture(autouse=True)
def _seed():
    tg.manual_seed(0)
    np.random.seed(0)


def assert_close(t, expected, rtol=1e-6, atol=1e-6):
    """Compares a tapegrad tensor with a NumPy array (or nested list) elementwise."""
    np.testing.assert_allclose(np.asarray(t.detach()), np.asarray(expected), rtol=rtol, atol=atol)


def _has_lapack():
    try:
        tg.linalg.det(tg.eye(1, dtype=tg.float64))
        return True
    except RuntimeError:
        return False


# The CPU's factorizations need LAPACK at build time (liblapacke-dev); without it they raise.
requires_lapack = pytest.mark.skipif(not _has_lapack(), reason="built without LAPACK")
