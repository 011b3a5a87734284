"""tg.nn.functional: torch.nn.functional's ops with its names and keywords."""
from .. import _C
from .._C.nn.functional import *  # noqa: F401,F403


def _activation(name):
    fn = getattr(_C, name)

    def activation(input, *args, inplace=False, **kwargs):
        if inplace and not args and not kwargs:
            return getattr(input, name + "_")()
        return fn(input, *args, **kwargs)

    activation.__name__ = name
    activation.__doc__ = f"tg.{name}, with PyTorch's inplace flag."
    return activation


relu = _activation("relu")
sigmoid = _C.sigmoid
tanh = _C.tanh
leaky_relu = _C.leaky_relu
elu = _C.elu
gelu = _C.gelu
silu = _C.silu
softplus = _C.softplus


def softmax(input, dim, dtype=None):
    return _C.softmax(input, dim, dtype=dtype)


def log_softmax(input, dim, dtype=None):
    return _C.log_softmax(input, dim, dtype=dtype)

