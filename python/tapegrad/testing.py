"""tg.testing.assert_close: PyTorch's comparison of tensors (and numbers, and sequences or dicts
of them) with tolerances that default by dtype."""
import math as _math

from . import _C

__all__ = ["assert_close"]

# (rtol, atol) by dtype, PyTorch's defaults; integers and bools compare exactly.
_TOLERANCES = {_C.float16: (1e-3, 1e-5), _C.bfloat16: (1.6e-2, 1e-5), _C.float32: (1.3e-6, 1e-5),
               _C.float64: (1e-7, 1e-7)}


def _as_tensor(x):
    return x if isinstance(x, _C.Tensor) else _C.tensor(x)


def assert_close(actual, expected, *, rtol=None, atol=None, equal_nan=False, check_dtype=True, check_device=True,
                 msg=None):
    if (rtol is None) != (atol is None):
        raise ValueError("assert_close: rtol and atol must both be given, or neither")
    if isinstance(expected, dict):
        if not isinstance(actual, dict) or set(actual) != set(expected):
            raise AssertionError(msg or f"assert_close: the keys differ: {sorted(map(str, actual))} vs "
                                        f"{sorted(map(str, expected))}")
        for k in expected:
            assert_close(actual[k], expected[k], rtol=rtol, atol=atol, equal_nan=equal_nan,
                         check_dtype=check_dtype, check_device=check_device, msg=msg)
        return
    if isinstance(expected, (list, tuple)):
        if not isinstance(actual, (list, tuple)) or len(actual) != len(expected):
            raise AssertionError(msg or "assert_close: the sequences differ in length")
        for a, e in zip(actual, expected):
            assert_close(a, e, rtol=rtol, atol=atol, equal_nan=equal_nan, check_dtype=check_dtype,
                         check_device=check_device, msg=msg)
        return
    a, e = _as_tensor(actual), _as_tensor(expected)
    if a.shape != e.shape:
        raise AssertionError(msg or f"The values for attribute 'shape' do not match: {a.shape} != {e.shape}.")
    if check_dtype and isinstance(actual, _C.Tensor) and isinstance(expected, _C.Tensor) and a.dtype != e.dtype:
        raise AssertionError(msg or f"The values for attribute 'dtype' do not match: {a.dtype} != {e.dtype}.")
    if check_device and a.device != e.device:
        raise AssertionError(msg or f"The values for attribute 'device' do not match: {a.device} != {e.device}.")
    if rtol is None:
        rtol, atol = max(_TOLERANCES.get(a.dtype, (0.0, 0.0)), _TOLERANCES.get(e.dtype, (0.0, 0.0)))
    av, ev = a.detach().cpu().double(), e.detach().cpu().double()
    close = _C.isclose(av, ev, rtol=rtol, atol=atol, equal_nan=equal_nan)
    if bool(close.all()):
        return
    bad = int((~close).sum())
    diff = (av - ev).abs()
    diff = _C.where(close, _C.zeros_like(diff), diff)
    worst = int(diff.flatten().argmax())
    rel = diff / ev.abs()
    rel = _C.where(close, _C.zeros_like(rel), rel)
    worst_rel = int(rel.flatten().argmax())
    index = list(_unravel(worst, a.shape))
    text = (f"Tensor-likes are not close!\n\nMismatched elements: {bad} / {a.numel()} "
            f"({100.0 * bad / max(a.numel(), 1):.1f}%)\n"
            f"Greatest absolute difference: {float(diff.flatten()[worst])} at index {tuple(index)} "
            f"(up to {atol} allowed)\n"
            f"Greatest relative difference: {float(rel.flatten()[worst_rel])} at index "
            f"{tuple(_unravel(worst_rel, a.shape))} (up to {rtol} allowed)")
    raise AssertionError(msg or text)


def _unravel(flat, shape):
    out = []
    for n in reversed(tuple(shape)):
        out.append(flat % n if n else 0)
        flat //= max(n, 1)
    return tuple(reversed(out))
