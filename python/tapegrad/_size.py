"""tg.Size: the shape of a tensor, as torch.Size is: a tuple of ints with numel()."""

from . import _C


class Size(_C._SizeBase):
    """The sizes of a tensor's dims (``x.shape``, ``x.size()``). A tuple: compares equal to one,
    and any function that takes a shape takes it. Slicing and ``+`` keep it a ``Size``."""

    __slots__ = ()

    def numel(self):
        """The number of elements a tensor of this shape holds."""
        n = 1
        for s in self:
            n *= s
        return n

    def __add__(self, other):
        return Size(tuple.__add__(self, tuple(other)))

    def __radd__(self, other):
        return Size(tuple(other) + tuple(self))

    def __repr__(self):
        return f"tapegrad.Size({list(self)})"


def broadcast_shapes(*shapes):
    """The shape that tensors of the given shapes broadcast to, as a tg.Size (torch.broadcast_shapes)."""
    return Size(_C.broadcast_shapes(*shapes))
