"""torch's factories over existing memory and other tensors: asarray, frombuffer, from_file,
randint_like, Tensor.new_empty_strided."""
import mmap as _mmap
import os as _os
import warnings as _warnings

from . import _C
from ._C import Tensor

__all__ = ["asarray", "empty_permuted", "from_file", "frombuffer", "randint_like"]


def _is_numpy(obj):
    return type(obj).__module__ == "numpy" and hasattr(obj, "__array_interface__")


def _is_raw_buffer(obj):
    # bytes, bytearray, memoryview, array.array, mmap: their bytes are the data (torch reads
    # them as frombuffer does); NumPy arrays carry a type of their own.
    if _is_numpy(obj) or isinstance(obj, (Tensor, str)):
        return False
    try:
        memoryview(obj)
    except TypeError:
        return False
    return True


def frombuffer(buffer, *, dtype, count=-1, offset=0, requires_grad=False):
    """A 1-D tensor over the bytes of an object with the buffer protocol (bytearray, memoryview,
    array.array, mmap, ...), without copying: writes through either are seen by the other.
    ``offset`` bytes are skipped and ``count`` elements read (-1: all that follow)."""
    view = memoryview(buffer)
    if not view.c_contiguous:
        raise ValueError("frombuffer: the buffer must be contiguous")
    raw = view.cast("B") if view.format != "B" or view.ndim != 1 else view
    nbytes, size = len(raw), dtype.itemsize
    if nbytes == 0 or count == 0:
        raise ValueError(f"frombuffer: both buffer length ({nbytes}) and count ({count}) must not be 0")
    if not 0 <= offset < nbytes:
        raise ValueError(f"frombuffer: offset ({offset} bytes) must be non-negative and no greater than buffer "
                         f"length ({nbytes} bytes) minus 1")
    if count == -1:
        if (nbytes - offset) % size:
            raise ValueError(f"frombuffer: buffer length ({nbytes - offset} bytes) after offset ({offset} bytes) "
                             f"must be a multiple of element size ({size})")
        count = (nbytes - offset) // size
    elif count < 0:
        raise ValueError(f"frombuffer: count must be -1 or positive, got {count}")
    elif offset + count * size > nbytes:
        raise ValueError(f"frombuffer: requested buffer length ({count} * {size} bytes) after offset ({offset} "
                         f"bytes) must not be greater than actual buffer length ({nbytes} bytes)")
    if view.readonly:
        _warnings.warn("frombuffer: the buffer is not writable; writing to the tensor would change memory its "
                       "owner treats as immutable", UserWarning, stacklevel=2)
    t = _C.from_numpy(raw)[offset:offset + count * size].view(dtype)
    return t.requires_grad_() if requires_grad else t


def asarray(obj, *, dtype=None, device=None, copy=None, requires_grad=None):
    """obj as a tensor, sharing its memory where it can (torch.asarray): a tensor as it is, a
    NumPy array or buffer-protocol object shared (with ``dtype``, a buffer's bytes are read as
    that type, as frombuffer does), a DLPack exporter shared; numbers and nested sequences are copied. ``copy=True``
    always copies, ``copy=False`` raises where a copy would be needed. ``requires_grad`` (None:
    obj's own) sets whether the result requires grad."""
    shared = True
    if isinstance(obj, Tensor):
        t = obj
    elif _is_numpy(obj):
        t = _C.from_numpy(obj)
    elif _is_raw_buffer(obj):  # typed by its format (bytes: uint8), or its bytes read as dtype
        t = _C.from_numpy(memoryview(obj)) if dtype is None else frombuffer(obj, dtype=dtype)
    elif hasattr(obj, "__dlpack__"):
        t = _C.from_dlpack(obj)
    else:
        if copy is False:
            raise ValueError(f"asarray: can't alias a {type(obj).__name__} (it must be copied); pass copy=None "
                             "or copy=True")
        t, shared = _C.tensor(obj, dtype=dtype, device=device), False
    target_dtype = dtype or t.dtype
    target_device = _C.device(device) if device is not None else t.device
    if t.dtype != target_dtype or t.device != target_device:
        if copy is False:
            raise ValueError(f"asarray: can't alias a tensor of dtype {t.dtype} on {t.device} into dtype "
                             f"{target_dtype} on {target_device}; pass copy=None or copy=True")
        t, shared = t.to(device=target_device, dtype=target_dtype), False
    if copy and shared:
        t = t.clone()
    if requires_grad is None:
        return t
    if requires_grad and not t.requires_grad:
        return (t.detach() if t is obj else t).requires_grad_()
    if not requires_grad and t.requires_grad:
        return t.detach()
    return t


def from_file(filename, shared=None, size=0, *, dtype=None, layout=None, device=None, pin_memory=False):
    """A 1-D tensor of ``size`` elements over a memory-mapped file, as torch.from_file: with
    ``shared=True`` writes to the tensor go to the file (which is created or extended to fit);
    otherwise the mapping is private (copy-on-write) and the file must hold the
    ``size * itemsize`` bytes. A ``device`` other than the CPU gets a copy."""
    dtype = dtype or _C.get_default_dtype()
    if not isinstance(size, int) or size < 0:
        raise ValueError(f"from_file: size must be a non-negative int, got {size!r}")
    nbytes = size * dtype.itemsize
    if nbytes == 0:
        out = _C.empty(0, dtype=dtype)
    else:
        mode = ("r+b" if _os.path.exists(filename) else "w+b") if shared else "rb"
        with open(filename, mode) as f:
            have = _os.fstat(f.fileno()).st_size
            if have < nbytes:
                if not shared:
                    raise RuntimeError(f"from_file: {filename} has {have} bytes, fewer than the {nbytes} that {size} "
                                       f"elements of {dtype} need (shared=False maps the file as it is)")
                f.truncate(nbytes)
            mapped = _mmap.mmap(f.fileno(), nbytes, access=_mmap.ACCESS_WRITE if shared else _mmap.ACCESS_COPY)
        out = _C.from_numpy(memoryview(mapped)).view(dtype)
    if device is not None and _C.device(device) != out.device:
        out = out.to(device)
    return out.pin_memory() if pin_memory else out


def randint_like(input, low=0, high=None, *, dtype=None, layout=None, device=None, requires_grad=False,
                 memory_format=None, **_ignored):
    """Integers uniform on [low, high) in a tensor of input's shape, dtype and device
    (``randint_like(x, high)`` or ``randint_like(x, low, high)``), laid out as input
    (preserve_format) unless ``memory_format`` says otherwise."""
    if high is None:
        low, high = 0, low
    out = _C.empty_like(input, dtype=dtype or input.dtype, device=device or input.device,
                        memory_format=memory_format)
    out.random_(low, high)
    return out.requires_grad_(True) if requires_grad else out


def empty_permuted(size, physical_layout, *, dtype=None, layout=None, device=None, requires_grad=False,
                   pin_memory=False):
    """An uninitialized tensor of ``size`` whose dims lie in memory in the order
    ``physical_layout`` names them, outermost first: ``empty_permuted((N, C, H, W), (0, 2, 3, 1))``
    is channels-last."""
    size, order = tuple(size), tuple(physical_layout)
    if sorted(order) != list(range(len(size))):
        raise RuntimeError(f"empty_permuted: physical_layout {order} must be a permutation of the {len(size)} dims "
                           f"of size {size}")
    inverse = [0] * len(order)
    for position, dim in enumerate(order):
        inverse[dim] = position
    out = _C.empty(tuple(size[d] for d in order), dtype=dtype, device=device, pin_memory=pin_memory)
    return out.permute(inverse).requires_grad_(requires_grad)


def _new_empty_strided(self, size, stride, *, dtype=None, device=None, requires_grad=False, **_ignored):
    """An uninitialized tensor of ``size`` laid out with ``stride``, of this tensor's dtype and
    device unless told otherwise."""
    return _C.empty_strided(size, stride, dtype=dtype or self.dtype, device=device or self.device,
                            requires_grad=requires_grad)


Tensor.new_empty_strided = _new_empty_strided
