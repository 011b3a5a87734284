"""Tensor methods written in Python: apply_, map_ and map2_ (a Python callable per element, on
CPU tensors, as in PyTorch: for small tensors and tests, not for speed), the layout queries,
nonzero_static, const_data_ptr, dim_order, the legacy ``new``, hardshrink / prelu as methods, div_
with a rounding_mode, and the in-place operators //= and %=.
tapegrad's tensors are all dense and strided, so ``layout`` is ``tg.strided``, ``is_sparse`` is
False and ``to_dense`` returns the tensor."""
from . import _C
from ._C import Tensor
from ._size import Size

__all__ = ["layout", "nonzero_static", "strided"]


class layout:
    """A tensor's memory layout; tapegrad has one, ``tg.strided``."""

    def __init__(self, name):
        self._name = name

    def __repr__(self):
        return f"tapegrad.{self._name}"

    def __reduce__(self):
        return self._name


strided = layout("strided")


def _require_cpu(self, op):
    if self.device.type != "cpu":
        raise TypeError(f"{op}: the tensor is on {self.device}; {op} works on CPU tensors only")


def _write_values(self, values):
    self.copy_(_C.tensor(values, dtype=self.dtype).reshape(self.shape))
    return self


def apply_(self, callable):
    """Replaces each element x with callable(x), in place (CPU only)."""
    _require_cpu(self, "apply_")
    return _write_values(self, [callable(x) for x in self.reshape(-1).tolist()])


def map_(self, tensor, callable):
    """Replaces each element x with callable(x, y), y the matching element of ``tensor``
    (broadcast to this tensor's shape), in place (CPU only)."""
    _require_cpu(self, "map_")
    ys = tensor.broadcast_to(self.shape).reshape(-1).tolist()
    return _write_values(self, [callable(x, y) for x, y in zip(self.reshape(-1).tolist(), ys)])


def map2_(self, x, y, callable):
    """Replaces each element a with callable(a, b, c), b and c the matching elements of x and y
    (broadcast to this tensor's shape), in place (CPU only)."""
    _require_cpu(self, "map2_")
    bs = x.broadcast_to(self.shape).reshape(-1).tolist()
    cs = y.broadcast_to(self.shape).reshape(-1).tolist()
    return _write_values(self, [callable(a, b, c) for a, b, c in zip(self.reshape(-1).tolist(), bs, cs)])


def to_dense(self, dtype=None, *, masked_grad=None):
    """The tensor itself (already dense), converted to ``dtype`` when one is given."""
    return self if dtype is None or dtype == self.dtype else self.to(dtype)


def nonzero_static(input, *, size, fill_value=-1):
    """nonzero() as a [size, dim] tensor whatever the count: the first ``size`` indices, the rows
    past the count filled with ``fill_value`` (a fixed shape, as torch.nonzero_static)."""
    if size < 0:
        raise RuntimeError(f"nonzero_static: 'size' must be an non-negative integer, got {size}")
    found = _C.nonzero(input)[:size]
    if found.shape[0] == size:
        return found
    pad = _C.full((size - found.shape[0], input.dim()), fill_value, dtype=_C.int64, device=input.device)
    return _C.cat([found, pad])


def const_data_ptr(self):
    """The address of the first element (data_ptr, for reading)."""
    return self.data_ptr()


def new(self, *args, device=None):
    """torch's legacy constructor: ``x.new(2, 3)`` an uninitialized tensor of that shape,
    ``x.new([1, 2])`` one with that data, ``x.new()`` an empty one; x's dtype and device."""
    device = self.device if device is None else device
    if not args:
        return _C.empty(0, dtype=self.dtype, device=device)
    if all(isinstance(a, int) for a in args):
        return _C.empty(args, dtype=self.dtype, device=device)
    if len(args) == 1 and isinstance(args[0], Size):
        return _C.empty(tuple(args[0]), dtype=self.dtype, device=device)
    if len(args) == 1:
        return _C.tensor(args[0], dtype=self.dtype, device=device)
    raise TypeError(f"new(): expected sizes (ints) or one sequence of data, got {tuple(type(a).__name__ for a in args)}")


def hardshrink(self, lambd=0.5):
    from .nn import functional as F
    return F.hardshrink(self, lambd)


def prelu(self, weight):
    from .nn import functional as F
    return F.prelu(self, weight)


def dim_order(self, *, ambiguity_check=False):
    """The dims from outermost to innermost in memory, as torch's (its algorithm: contiguous and
    channels-last tensors by their format, others sorted by stride). ambiguity_check=True raises
    where another order fits the strides as well (equal strides or a size-1 dim); a list of
    memory formats accepts such a tensor if it is contiguous in exactly one of them."""
    if not isinstance(ambiguity_check, (bool, list)) or (
            isinstance(ambiguity_check, list) and not all(isinstance(f, _C.memory_format) for f in ambiguity_check)):
        raise TypeError("The ambiguity_check argument must be a bool or a list of memory formats.")
    sizes, strides, ndim = tuple(self.shape), self.stride(), self.dim()
    if ambiguity_check is not False:
        ambiguous = any(a == b for a, b in zip(strides, strides[1:])) or any(n == 1 for n in sizes)
        formats = ambiguity_check if isinstance(ambiguity_check, list) else []
        if ambiguous and sum(bool(self.is_contiguous(memory_format=f)) for f in formats) != 1:
            raise RuntimeError("The tensor does not have unique dim order, or cannot map to exact one of the given "
                               "memory formats.")
    if ndim <= 1:
        return tuple(range(ndim))
    contiguous = self.is_contiguous()
    channels_last = ndim == 4 and self.is_contiguous(memory_format=_C.channels_last)
    if contiguous != channels_last:
        return tuple(range(ndim)) if contiguous else (0, *range(2, ndim), 1)

    def at_least(a, b):
        return b == 0 or (a != 0 and (a >= b or a % b == 0))

    def outer(a, b):  # 1: dim a is outside dim b, -1: inside, 0: either
        sa, sb = strides[a], strides[b]
        if sa == 0 or sb == 0:
            return 0
        if sa == sb:
            return 0 if at_least(sizes[b], sizes[a]) else 1
        return -1 if at_least(sb, sa) else 1
    perm = list(reversed(range(ndim)))  # innermost first, insertion-sorted as torch does
    for i in range(1, ndim):
        j = i
        for k in reversed(range(i)):
            c = outer(perm[k], perm[j])
            if c > 0:
                perm[k], perm[j] = perm[j], perm[k]
                j = k
            elif c < 0:
                break
    if ambiguity_check and any(outer(perm[i], perm[i + 1]) != -1 for i in range(ndim - 1)):
        raise RuntimeError("The tensor does not have unique dim order.")
    return tuple(reversed(perm))


_true_div_ = Tensor.div_


def div_(self, other, *, rounding_mode=None):
    """In-place division; rounding_mode "trunc" or "floor" rounds the quotient, as div's."""
    if rounding_mode is None:
        return _true_div_(self, other)
    result = self.div(other, rounding_mode=rounding_mode)
    if not _C.can_cast(result.dtype, self.dtype):
        raise TypeError(f"div_: the result type {result.dtype} can't be cast to the tensor's dtype {self.dtype}")
    return self.copy_(result)


for _fn in (apply_, map_, map2_, to_dense, nonzero_static, const_data_ptr, new, hardshrink, prelu, div_, dim_order):
    setattr(Tensor, _fn.__name__, _fn)
Tensor.divide_ = div_
Tensor.layout = property(lambda self: strided, doc="The memory layout: always tg.strided.")
for _name in ("is_sparse", "is_sparse_csr", "is_quantized", "is_meta", "is_mkldnn", "is_nested"):
    setattr(Tensor, _name, property(lambda self: False, doc="False: tapegrad's tensors are dense and strided."))
# x //= y and x %= y in place, as PyTorch's (and Python 2's names for / and /=).
Tensor.__ifloordiv__ = lambda self, other: self.floor_divide_(other)
Tensor.__imod__ = lambda self, other: self.remainder_(other)
Tensor.__idiv__ = Tensor.__itruediv__
Tensor.__rdiv__ = Tensor.__rtruediv__
