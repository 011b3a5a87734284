"""tg.signal.windows, as torch.signal.windows (and scipy.signal.windows): window functions of M
points. Symmetric by default (sym=True, for filter design); sym=False gives the periodic window
of spectral analysis, the first M points of the symmetric window of M + 1 (tg.hann_window's
default). Computed in float64, returned in `dtype` (the default dtype when None)."""
import math as _math

from .. import _C

__all__ = ["bartlett", "blackman", "cosine", "exponential", "gaussian", "general_cosine", "general_hamming",
           "hamming", "hann", "kaiser", "nuttall"]


def _check(name, M, dtype):
    if not isinstance(M, int) or isinstance(M, bool):
        raise TypeError(f"{name}: the window length M must be an int, got {type(M).__name__}")
    if M < 0:
        raise ValueError(f"{name} requires non-negative window length, got M={M}")
    dtype = dtype if dtype is not None else _C.get_default_dtype()
    if dtype not in (_C.float32, _C.float64):
        raise ValueError(f"{name} expects float32 or float64 dtypes, got: {dtype}")
    return dtype


def _window(name, M, sym, dtype, layout, device, requires_grad, values):
    """values(n, L): the window at positions n (float64) of a symmetric window of L points."""
    import tapegrad as tg  # the package's default device and layouts (this module loads with it)

    dtype = _check(name, M, dtype)
    if layout not in (None, tg.strided):
        raise ValueError(f"{name}: only strided windows are supported, got layout {layout}")
    if M == 0:
        w = _C.zeros(0, dtype=_C.float64)
    elif M == 1:
        w = _C.ones(1, dtype=_C.float64)
    else:
        length = M if sym else M + 1
        w = values(_C.arange(M, dtype=_C.float64), length)
    w = w.to(dtype=dtype, device=tg.device(device) if device is not None else tg.get_default_device())
    return w.requires_grad_(requires_grad)


def general_cosine(M, *, a, sym=True, dtype=None, layout=None, device=None, requires_grad=False):
    """sum_k (-1)^k a_k cos(2 pi k n / (M - 1)): hann, hamming, blackman and nuttall are such sums."""
    coefficients = list(a) if not isinstance(a, _C.Tensor) else a.tolist()
    if not coefficients:
        raise ValueError("Coefficients cannot be empty")

    def values(n, length):
        phase = n * (2 * _math.pi / (length - 1))
        w = _C.zeros_like(n)
        for k, c in enumerate(coefficients):
            w = w + ((-1) ** k * c) * _C.cos(phase * k)
        return w

    return _window("general_cosine", M, sym, dtype, layout, device, requires_grad, values)


def general_hamming(M, *, alpha=0.54, sym=True, dtype=None, layout=None, device=None, requires_grad=False):
    """alpha - (1 - alpha) cos(2 pi n / (M - 1))."""
    return general_cosine(M, a=[alpha, 1.0 - alpha], sym=sym, dtype=dtype, layout=layout, device=device,
                          requires_grad=requires_grad)


def hamming(M, *, sym=True, dtype=None, layout=None, device=None, requires_grad=False):
    return general_hamming(M, sym=sym, dtype=dtype, layout=layout, device=device, requires_grad=requires_grad)


def hann(M, *, sym=True, dtype=None, layout=None, device=None, requires_grad=False):
    return general_hamming(M, alpha=0.5, sym=sym, dtype=dtype, layout=layout, device=device,
                           requires_grad=requires_grad)


def blackman(M, *, sym=True, dtype=None, layout=None, device=None, requires_grad=False):
    return general_cosine(M, a=[0.42, 0.5, 0.08], sym=sym, dtype=dtype, layout=layout, device=device,
                          requires_grad=requires_grad)


def nuttall(M, *, sym=True, dtype=None, layout=None, device=None, requires_grad=False):
    """The minimum 4-term Blackman-Harris window of Nuttall (1981)."""
    return general_cosine(M, a=[0.3635819, 0.4891775, 0.1365995, 0.0106411], sym=sym, dtype=dtype, layout=layout,
                          device=device, requires_grad=requires_grad)


def bartlett(M, *, sym=True, dtype=None, layout=None, device=None, requires_grad=False):
    """The triangle 1 - |2n / (M - 1) - 1|, zero at both ends."""
    return _window("bartlett", M, sym, dtype, layout, device, requires_grad,
                   lambda n, length: 1.0 - _C.abs(n * (2.0 / (length - 1)) - 1.0))


def cosine(M, *, sym=True, dtype=None, layout=None, device=None, requires_grad=False):
    """sin(pi (n + 1/2) / M): the sine window."""
    return _window("cosine", M, sym, dtype, layout, device, requires_grad,
                   lambda n, length: _C.sin((n + 0.5) * (_math.pi / length)))


def gaussian(M, *, std=1.0, sym=True, dtype=None, layout=None, device=None, requires_grad=False):
    """exp(-(n - (M - 1) / 2)^2 / (2 std^2))."""
    if not std > 0:
        raise ValueError(f"Standard deviation must be positive, got: {std} instead.")
    return _window("gaussian", M, sym, dtype, layout, device, requires_grad,
                   lambda n, length: _C.exp(-((n - (length - 1) / 2.0) ** 2) / (2.0 * std * std)))


def exponential(M, *, center=None, tau=1.0, sym=True, dtype=None, layout=None, device=None, requires_grad=False):
    """exp(-|n - center| / tau); center (M - 1) / 2 by default, and only then for symmetric windows."""
    if not tau > 0:
        raise ValueError(f"Tau must be positive, got: {tau} instead.")
    if sym and center is not None:
        raise ValueError("Center must be None for symmetric windows")

    def values(n, length):
        c = (length - 1) / 2.0 if center is None else float(center)
        return _C.exp(-_C.abs(n - c) / tau)

    return _window("exponential", M, sym, dtype, layout, device, requires_grad, values)


def kaiser(M, *, beta=12.0, sym=True, dtype=None, layout=None, device=None, requires_grad=False):
    """I0(beta sqrt(1 - (2n / (M - 1) - 1)^2)) / I0(beta), I0 the modified Bessel function."""
    if beta < 0:
        raise ValueError(f"beta must be non-negative, got: {beta} instead.")

    def values(n, length):
        r = n * (2.0 / (length - 1)) - 1.0
        arg = beta * _C.sqrt(_C.clamp(1.0 - r * r, min=0.0))
        return _C.special.i0(arg) / _C.special.i0(_C.tensor(float(beta), dtype=_C.float64))

    return _window("kaiser", M, sym, dtype, layout, device, requires_grad, values)
