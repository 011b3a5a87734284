"""torch.autograd.Variable, the pre-0.4 wrapper that tensors absorbed: Variable(t) is a detached
alias of t (the same storage), requires_grad as asked, and every tensor is a Variable."""
import warnings

from .. import _C


class _VariableMeta(type):
    def __instancecheck__(cls, other):
        return isinstance(other, _C.Tensor)


class Variable(metaclass=_VariableMeta):
    """``Variable(data, requires_grad=False)``: a new leaf sharing ``data``'s storage."""

    def __new__(cls, data=None, requires_grad=False, volatile=False):
        if volatile:
            warnings.warn("volatile was removed and now has no effect. Use `with tg.no_grad():` instead.",
                          UserWarning, stacklevel=2)
        if data is None:
            data = _C.empty(0)
        if not isinstance(data, _C.Tensor):
            raise TypeError(f"Variable data has to be a tensor, but got {type(data).__name__}")
        return data.detach().requires_grad_(requires_grad)
