"""Anomaly mode: the first op (forward) or node (backward) that makes a NaN or Inf raises
tg.AnomalyError naming the op and the Python line that called it."""
from .. import _C

is_anomaly_enabled = _C.autograd.is_anomaly_enabled


def _check_nan(check_nan):
    if not check_nan:
        raise ValueError("anomaly mode with check_nan=False is not supported: tapegrad's anomaly mode is the check "
                         "for NaN and Inf (use it off instead)")


class detect_anomaly:
    """``with tg.autograd.detect_anomaly():`` (check_forward=False checks backward only).
    check_nan (torch's, default True) must stay True: anomaly mode here is the NaN check."""

    def __init__(self, check_forward=True, check_nan=True):
        _check_nan(check_nan)
        self._check_forward = check_forward

    def __enter__(self):
        self._prev = (_C.autograd.is_anomaly_enabled(), _C.autograd.is_anomaly_check_forward_enabled())
        _C.autograd.set_detect_anomaly(True, self._check_forward)
        return self

    def __exit__(self, *exc):
        _C.autograd.set_detect_anomaly(*self._prev)
        return False


class set_detect_anomaly:
    """Turns anomaly mode on or off: for the rest of the thread when called, or for a block when
    used as ``with tg.autograd.set_detect_anomaly(True):``."""

    def __init__(self, mode, check_forward=True, check_nan=True):
        _check_nan(check_nan)
        self._prev = (_C.autograd.is_anomaly_enabled(), _C.autograd.is_anomaly_check_forward_enabled())
        _C.autograd.set_detect_anomaly(bool(mode), check_forward)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        _C.autograd.set_detect_anomaly(*self._prev)
        return False
