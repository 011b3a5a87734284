"""Tensor methods written in Python: apply_, map_ and map2_ (a Python callable per element, on
CPU tensors, as in PyTorch: for small tensors and tests, not for speed), and the layout queries.
tapegrad's tensors are all dense and strided, so ``layout`` is ``tg.strided``, ``is_sparse`` is
False and ``to_dense`` returns the tensor."""
from . import _C
from ._C import Tensor

__all__ = ["layout", "strided"]


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


for _fn in (apply_, map_, map2_, to_dense):
    setattr(Tensor, _fn.__name__, _fn)
Tensor.layout = property(lambda self: strided, doc="The memory layout: always tg.strided.")
for _name in ("is_sparse", "is_sparse_csr", "is_quantized", "is_meta", "is_mkldnn", "is_nested"):
    setattr(Tensor, _name, property(lambda self: False, doc="False: tapegrad's tensors are dense and strided."))
