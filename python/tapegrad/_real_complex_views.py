"""torch's complex-number helpers as they act on real tensors, tapegrad's only kind: conj and
its resolve_ forms return the tensor itself, real is the tensor, isreal is all True, angle is
pi for negative values and 0 otherwise (NaN kept). imag has no real meaning: an error, as in
PyTorch.
"""
import math

from . import _C
from ._C import Tensor


def conj(input):
    return input


def resolve_conj(input):
    return input


def resolve_neg(input):
    return input


def conj_physical(input):
    return input.clone()


def is_conj(input):
    return False


def is_neg(input):
    return False


def real(input):
    return input


def imag(input):
    raise RuntimeError(f"imag is not implemented for tensors with non-complex dtypes (got {input.dtype})")


def isreal(input):
    return _C.ones_like(input, dtype=_C.bool)


def angle(input):
    x = input if input.is_floating_point() else input.to(_C.get_default_dtype())
    # x.clamp(0, 0) is 0 even at inf, and links the result to x with a zero gradient, as
    # PyTorch's for real inputs.
    return _C.where(_C.isnan(x), x, _C.where(x < 0, _C.full_like(x, math.pi), x.clamp(0, 0)))


for _fn in (conj, resolve_conj, resolve_neg, conj_physical, is_conj, is_neg, isreal, angle):
    setattr(Tensor, _fn.__name__, _fn)
Tensor.real = property(real)
Tensor.imag = property(imag)

__all__ = ["conj", "resolve_conj", "resolve_neg", "conj_physical", "is_conj", "is_neg", "real", "imag", "isreal",
           "angle"]
