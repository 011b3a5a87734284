"""Storages, as torch.UntypedStorage and torch.TypedStorage: the memory under a tensor and every
view of it. ``t.untyped_storage()`` is its bytes (``data_ptr()``, ``nbytes()``, item access as
uint8, ``fill_``, ``copy_``), ``t.storage()`` the same memory as elements of t's dtype. Both are
views of that memory: writes through them are seen by the tensors, and the memory lives while
either does. tapegrad's storages have a fixed size (no ``resize_``) and are not shared between
processes (no ``share_memory_``)."""
from . import _C

__all__ = ["UntypedStorage", "TypedStorage", "is_storage"]


class _Storage:
    """What both kinds share: `_flat` is a 1-D tensor over the whole storage."""

    _flat = None

    @classmethod
    def _wrap(cls, flat):
        s = cls.__new__(cls)
        s._flat = flat
        return s

    def data_ptr(self):
        return self._flat.data_ptr()

    def nbytes(self):
        return self._flat.numel() * self._flat.element_size()

    def size(self):
        return self._flat.numel()

    def __len__(self):
        return self._flat.numel()

    def element_size(self):
        return self._flat.element_size()

    @property
    def device(self):
        return self._flat.device

    @property
    def is_cuda(self):
        return self._flat.is_cuda

    def is_pinned(self):
        return self._flat.is_pinned()

    def is_shared(self):
        return False

    def tolist(self):
        return self._flat.tolist()

    def __iter__(self):
        return iter(self.tolist())

    def __getitem__(self, index):
        if isinstance(index, slice):
            return self._wrap(self._flat[index])
        return self._flat[index].item()

    def __setitem__(self, index, value):
        self._flat[index] = value

    def fill_(self, value):
        self._flat.fill_(value)
        return self

    def copy_(self, source, non_blocking=False):
        if not isinstance(source, _Storage):
            raise TypeError(f"copy_: expected a storage, got {type(source).__name__}")
        if source.nbytes() != self.nbytes():
            raise RuntimeError(f"copy_: the storages hold {self.nbytes()} and {source.nbytes()} bytes; they must match")
        self.untyped()._flat.copy_(source.untyped()._flat)
        return self

    def resize_(self, size):
        raise RuntimeError("resize_: tapegrad's storages have a fixed size; make a new tensor instead")

    def share_memory_(self):
        raise RuntimeError("share_memory_: tapegrad does not share storages between processes")

    def cpu(self):
        return self if self.device.type == "cpu" else self._wrap(self._flat.cpu())

    def cuda(self, device=None):
        return self._wrap(self._flat.cuda(device))

    def to(self, *, device):
        return self._wrap(self._flat.to(device))

    def clone(self):
        return self._wrap(self._flat.clone())

    def __repr__(self):
        values = " ".join(str(v) for v in self.tolist()[:20]) + (" ..." if self.size() > 20 else "")
        return f" {values}\n[tapegrad.{type(self).__name__} of size {self.size()}]"


class UntypedStorage(_Storage):
    """The bytes under a tensor (``t.untyped_storage()``), or ``UntypedStorage(nbytes, device=...)``
    new zeroed memory, or ``UntypedStorage([byte values])``."""

    def __init__(self, *args, device=None):
        if len(args) > 1:
            raise TypeError(f"UntypedStorage: expected a size or a sequence of byte values, got {len(args)} arguments")
        source = args[0] if args else 0
        if isinstance(source, int):
            if source < 0:
                raise ValueError(f"UntypedStorage: the size must be non-negative, got {source}")
            self._flat = _C.zeros(source, dtype=_C.uint8, device=device or "cpu")
        else:
            self._flat = _C.tensor(list(source), dtype=_C.uint8, device=device or "cpu")

    @property
    def dtype(self):
        return _C.uint8

    def untyped(self):
        return self


class TypedStorage(_Storage):
    """A storage as elements of one dtype (``t.storage()``): ``size()`` counts elements."""

    def __init__(self, *args, dtype=None, device=None):
        dtype = dtype if dtype is not None else _C.get_default_dtype()
        source = args[0] if args else 0
        if isinstance(source, int):
            self._flat = _C.zeros(source, dtype=dtype, device=device or "cpu")
        else:
            self._flat = _C.tensor(list(source), dtype=dtype, device=device or "cpu")

    @property
    def dtype(self):
        return self._flat.dtype

    def untyped(self):
        return UntypedStorage._wrap(self._flat.view(_C.uint8))

    def _untyped_storage(self):
        return self.untyped()


def is_storage(obj):
    """Whether obj is a storage (torch.is_storage)."""
    return isinstance(obj, _Storage)


def _whole(tensor):
    """A 1-D tensor of tensor's dtype over all of its storage (views share one)."""
    _, nbytes = _C._storage_info(tensor)
    return tensor.detach().as_strided((nbytes // tensor.element_size(),), (1,), 0)


def untyped_storage(self):
    """The bytes under this tensor and its views (torch's Tensor.untyped_storage)."""
    flat = _whole(self)
    return UntypedStorage._wrap(flat.view(_C.uint8))


def storage(self):
    """The storage under this tensor as elements of its dtype (torch's Tensor.storage)."""
    return TypedStorage._wrap(_whole(self))


_C.Tensor.untyped_storage = untyped_storage
_C.Tensor.storage = storage
