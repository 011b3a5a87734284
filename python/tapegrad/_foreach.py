"""torch's ``_foreach_*`` functions: one op over lists of tensors.

EMA updates (``torch._foreach_lerp_(ema, model, 0.1)``), hand-written optimizers and gradient
utilities call them on a model's parameter list. Each applies the op of its name to every
tensor in turn (tapegrad's ops are cheap to call, so there is no fused kernel to reach for), with
torch's forms of the second operand: one number, a list of numbers, a list of tensors or one
tensor for all. The out-of-place forms return a tuple, the in-place ones the list they updated;
gradients flow through both as through the single ops.
"""
import numbers as _numbers

from . import _C
from ._C import Tensor

_UNARY = ("abs acos asin atan ceil cos cosh erf erfc exp expm1 floor frac lgamma log log10 log1p log2 neg "
          "reciprocal round rsqrt sigmoid sign sin sinh sqrt tan tanh trunc").split()
# name -> the method for a number or a tensor as the other operand, and whether it takes alpha.
_BINARY = {
    "add": ("add", "add", True),
    "sub": ("sub", "sub", True),
    "mul": ("mul", "mul", False),
    "div": ("div", "div", False),
    "pow": ("pow", "pow", False),
    "clamp_min": ("clamp_min", "clamp_min", False),
    "clamp_max": ("clamp_max", "clamp_max", False),
    "maximum": ("clamp_min", "maximum", False),
    "minimum": ("clamp_max", "minimum", False),
}

__all__ = []


def _tensors(name, tensors):
    if isinstance(tensors, Tensor) or not isinstance(tensors, (list, tuple)):
        raise TypeError(f"_foreach_{name}: expected a list or tuple of tensors, got {type(tensors).__name__}")
    if not tensors:
        raise RuntimeError(f"_foreach_{name}: Tensor list must have at least one tensor.")
    for t in tensors:
        if not isinstance(t, Tensor):
            raise TypeError(f"_foreach_{name}: expected a list of tensors, found {type(t).__name__}")
    return tensors


def _operands(name, tensors, other):
    """`other` as one operand per tensor: a number or a tensor repeated, or a list's items."""
    if isinstance(other, (list, tuple)):
        if len(other) != len(tensors):
            kind = "tensors" if other and isinstance(other[0], Tensor) else "scalars"
            raise RuntimeError(f"_foreach_{name}: Tensor lists must have the same number of {kind}, "
                               f"got {len(tensors)} and {len(other)}")
        return list(other)
    if isinstance(other, (Tensor, _numbers.Number)):
        return [other] * len(tensors)
    raise TypeError(f"_foreach_{name}: expected a number, a tensor or a list of them, got {type(other).__name__}")


def _scalars(name, tensors, value):
    """addcmul's and addcdiv's value: a number, a list of numbers or a 1-d tensor of them."""
    if isinstance(value, Tensor):
        if value.dim() != 1 or value.numel() != len(tensors):
            raise RuntimeError(f"_foreach_{name}: a tensor of scalars must be 1-d with one per tensor "
                               f"({len(tensors)}), got shape {list(value.shape)}")
        value = value.tolist()
    return _operands(name, tensors, value)


def _finish(tensors, results, in_place):
    return tensors if in_place else tuple(results)


def _define(name, fn):
    fn.__name__ = fn.__qualname__ = "_foreach_" + name
    globals()[fn.__name__] = fn
    __all__.append(fn.__name__)


def _unary(op, in_place):
    method = op + "_" if in_place else op

    def fn(self):
        tensors = _tensors(method, self)
        return _finish(tensors, [getattr(t, method)() for t in tensors], in_place)

    fn.__doc__ = f"torch._foreach_{method}: t.{method}() for each tensor t."
    return fn


def _binary(name, in_place):
    number_method, tensor_method, takes_alpha = _BINARY[name]
    suffix = "_" if in_place else ""

    def fn(self, other, alpha=1):
        if isinstance(self, _numbers.Number) and name == "pow":  # _foreach_pow(2.0, exponents)
            exponents = _tensors(name + suffix, other)
            return tuple(_C.pow(self, t) for t in exponents)
        tensors = _tensors(name + suffix, self)
        if alpha != 1 and not takes_alpha:
            raise TypeError(f"_foreach_{name}{suffix}: got an unexpected keyword argument 'alpha'")
        results = []
        for t, o in zip(tensors, _operands(name + suffix, tensors, other)):
            op = getattr(t, (tensor_method if isinstance(o, Tensor) else number_method) + suffix)
            results.append(op(o, alpha=alpha) if takes_alpha else op(o))
        return _finish(tensors, results, in_place)

    fn.__doc__ = (f"torch._foreach_{name}{suffix}: {name} of each tensor with one number, the matching item "
                  "of a list of numbers or tensors, or one tensor.")
    return fn


def _pointwise(name, in_place):
    suffix = "_" if in_place else ""

    def fn(self, tensor1, tensor2, value=1):
        tensors = _tensors(name + suffix, self)
        firsts = _operands(name + suffix, tensors, _tensors(name + suffix, tensor1))
        seconds = _operands(name + suffix, tensors, _tensors(name + suffix, tensor2))
        results = [getattr(t, name + suffix)(a, b, value=v)
                   for t, a, b, v in zip(tensors, firsts, seconds, _scalars(name + suffix, tensors, value))]
        return _finish(tensors, results, in_place)

    fn.__doc__ = f"torch._foreach_{name}{suffix}: self[i].{name}{suffix}(tensor1[i], tensor2[i], value=value[i])."
    return fn


def _lerp(in_place):
    suffix = "_" if in_place else ""

    def fn(self, tensors1, weight):
        tensors = _tensors("lerp" + suffix, self)
        ends = _operands("lerp" + suffix, tensors, _tensors("lerp" + suffix, tensors1))
        weights = _operands("lerp" + suffix, tensors, weight)
        results = [getattr(t, "lerp" + suffix)(e, w) for t, e, w in zip(tensors, ends, weights)]
        return _finish(tensors, results, in_place)

    fn.__doc__ = f"torch._foreach_lerp{suffix}: self[i] + weight * (tensors1[i] - self[i])."
    return fn


for _op in _UNARY:
    _define(_op, _unary(_op, False))
    _define(_op + "_", _unary(_op, True))
for _op in _BINARY:
    _define(_op, _binary(_op, False))
    _define(_op + "_", _binary(_op, True))
for _op in ("addcmul", "addcdiv"):
    _define(_op, _pointwise(_op, False))
    _define(_op + "_", _pointwise(_op, True))
_define("lerp", _lerp(False))
_define("lerp_", _lerp(True))


def _norm(self, ord=2, dtype=None):
    """torch._foreach_norm: the vector norm of each tensor."""
    return tuple(_C.linalg.vector_norm(t, ord, dtype=dtype) for t in _tensors("norm", self))


def _powsum(self, ord=1, dtype=None):
    """torch._foreach_powsum: the sum of |t|**ord for each tensor."""
    tensors = _tensors("powsum", self)
    return tuple((t if dtype is None else t.to(dtype)).abs().pow(ord).sum() for t in tensors)


def _max(self):
    """torch._foreach_max: the largest value of each tensor."""
    return tuple(t.max() for t in _tensors("max", self))


def _mm(self, mat2):
    """torch._foreach_mm: self[i] @ mat2[i]."""
    tensors = _tensors("mm", self)
    return tuple(_C.mm(a, b) for a, b in zip(tensors, _operands("mm", tensors, _tensors("mm", mat2))))


def _clone(self):
    """torch._foreach_clone: a copy of each tensor."""
    return tuple(t.clone() for t in _tensors("clone", self))


def _zero_(self):
    """torch._foreach_zero_: fills each tensor with zeros."""
    tensors = _tensors("zero_", self)
    for t in tensors:
        t.zero_()
    return tensors


def _copy_(self, src, non_blocking=False):
    """torch._foreach_copy_: self[i].copy_(src[i])."""
    tensors = _tensors("copy_", self)
    for t, s in zip(tensors, _operands("copy_", tensors, _tensors("copy_", src))):
        t.copy_(s, non_blocking=non_blocking)
    return tensors


for _fn in (_norm, _powsum, _max, _mm, _clone, _zero_, _copy_):
    _define(_fn.__name__[1:], _fn)
