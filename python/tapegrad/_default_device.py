"""tg.set_default_device / get_default_device and ``with tg.device("cuda"):``, as torch's: the
factories in torch's list (tg.zeros, tg.tensor, tg.randn, tg.arange, ...) and the layers with
parameters make their tensors on the default device when not given one. The factories are
wrapped the first time a default is set, so that until then they cost nothing extra; tapegrad's
own code, which calls tapegrad._C, keeps the CPU as torch's internals do."""
import functools
import sys

from . import _C

__all__ = ["get_default_device", "set_default_device"]

_FACTORIES = ("arange", "as_tensor", "asarray", "bartlett_window", "blackman_window", "empty", "empty_strided", "eye",
              "full", "hamming_window", "hann_window", "kaiser_window", "linspace", "logspace", "ones", "rand",
              "randint", "randn", "randperm", "scalar_tensor", "tensor", "tril_indices", "triu_indices", "zeros")
_current = None  # the default device, None while it is the CPU nobody set
_entered = []  # the defaults that `with tg.device(...)` blocks replaced, innermost last
_wrapped = False


def _as_device(device):
    if isinstance(device, _C.device):
        return device
    if isinstance(device, int):
        return _C.device("cuda", device)
    return _C.device(device)


def current():
    """The device a factory given none uses: None for the CPU."""
    return _current


def get_default_device():
    """The device tensors are made on when a factory is not given one (the CPU unless set)."""
    return _C.device("cpu") if _current is None else _current


def set_default_device(device):
    """Makes ``device`` the one factories and layers use when given none (None: the CPU again)."""
    global _current
    _current = None if device is None else _as_device(device)
    if _current is not None:
        _wrap_factories()


def _with_default_device(factory):
    @functools.wraps(factory)
    def made_on_default(*args, **kwargs):
        if _current is not None and kwargs.get("device") is None:
            kwargs["device"] = _current
        return factory(*args, **kwargs)

    return made_on_default


def _wrap_factories():
    global _wrapped
    if _wrapped:
        return
    package = sys.modules["tapegrad"]
    for name in _FACTORIES:
        setattr(package, name, _with_default_device(getattr(package, name)))
    _wrapped = True


def _enter(self):
    _entered.append(_current)
    set_default_device(self)
    return self


def _exit(self, *exc):
    set_default_device(_entered.pop())


_C.device.__enter__ = _enter
_C.device.__exit__ = _exit
