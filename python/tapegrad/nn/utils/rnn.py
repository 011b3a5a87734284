"""tg.nn.utils.rnn: batching variable-length sequences (torch.nn.utils.rnn's names)."""
from ..._C.nn.utils.rnn import *  # noqa: F401,F403
from ... import _C as _core


def invert_permutation(permutation):
    """The permutation that undoes `permutation` (None stays None), as PackedSequence's indices use."""
    if permutation is None:
        return None
    output = _core.empty_like(permutation)
    output.scatter_(0, permutation, _core.arange(0, permutation.numel(), device=permutation.device))
    return output


# PackedSequence as torch's: a named tuple (data, batch_sizes, sorted_indices, unsorted_indices)
# whose conversions apply to the data (a dtype) or to the data and indices (a device; the batch
# sizes stay on the CPU).
_Packed = _core.nn.utils.rnn.PackedSequence
_Packed._fields = ("data", "batch_sizes", "sorted_indices", "unsorted_indices")
_Packed._field_defaults = {"sorted_indices": None, "unsorted_indices": None}


def _packed_items(self):
    return (self.data, self.batch_sizes, self.sorted_indices, self.unsorted_indices)


def _packed_with(self, data, device=None):
    def move(t):
        return t if t is None or device is None else t.to(device)
    return _Packed(data, self.batch_sizes, move(self.sorted_indices), move(self.unsorted_indices))


def _packed_to(self, *args, **kwargs):
    """A PackedSequence with its data converted as Tensor.to(*args, **kwargs) converts it; on a
    change of device the indices move too."""
    data = self.data.to(*args, **kwargs)
    if data is self.data:
        return self
    return _packed_with(self, data, data.device if data.device != self.data.device else None)


_Packed.to = _packed_to
_Packed.__iter__ = lambda self: iter(_packed_items(self))
_Packed.__len__ = lambda self: 4
_Packed.__getitem__ = lambda self, i: _packed_items(self)[i]
_Packed._asdict = lambda self: dict(zip(_Packed._fields, _packed_items(self)))
_Packed._replace = lambda self, **kw: _Packed(**{**self._asdict(), **kw})
_Packed._make = classmethod(lambda cls, items: cls(*items))
_Packed.is_cuda = property(lambda self: self.data.is_cuda)
_Packed.is_pinned = lambda self: self.data.is_pinned()
_Packed.pin_memory = lambda self: _packed_with(self, self.data.pin_memory())
_Packed.cpu = lambda self: _packed_to(self, "cpu")
_Packed.cuda = lambda self, *args, **kwargs: _packed_to(self, self.data.cuda(*args, **kwargs).device)
for _name in ("double", "float", "half", "long", "int", "short", "char", "byte"):
    setattr(_Packed, _name, (lambda name: lambda self: _packed_with(self, getattr(self.data, name)()))(_name))
