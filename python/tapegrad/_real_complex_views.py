"""torch's negative-bit helpers: tapegrad keeps no lazily negated tensors (nor lazily conjugated
ones: conj copies), so resolve_neg returns the tensor itself and is_neg is False. The complex
helpers (conj, real, imag, angle, view_as_real, ...) are the C++ ones of tapegrad._C.
"""
from ._C import Tensor


def resolve_neg(input):
    return input


def is_neg(input):
    return False


for _fn in (resolve_neg, is_neg):
    setattr(Tensor, _fn.__name__, _fn)

__all__ = ["resolve_neg", "is_neg"]
