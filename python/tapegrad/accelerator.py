"""tg.accelerator: the device-neutral API of torch.accelerator over tapegrad's one accelerator, CUDA.

    device = tg.accelerator.current_accelerator() if tg.accelerator.is_available() else tg.device("cpu")

is how PyTorch's tutorials pick their device now; the same line works here. The memory functions
are tg.cuda's, for the current accelerator device."""
from . import _C
from . import cuda as _cuda
from .cuda import empty_cache, get_arch_list  # noqa: F401

__all__ = ["current_accelerator", "current_device_index", "current_device_idx", "current_stream", "device_count",
           "device_index", "empty_cache", "get_device_capability", "get_memory_info", "is_available",
           "max_memory_allocated", "max_memory_reserved", "memory_allocated", "memory_reserved", "memory_stats",
           "reset_accumulated_memory_stats", "reset_peak_memory_stats", "set_device_index", "set_device_idx",
           "set_stream", "synchronize"]


def current_accelerator(check_available=False):
    """tg.device("cuda") in a build with CUDA (with `check_available`, only when a GPU is there too);
    None otherwise."""
    if not _C.cuda._compiled_version() or (check_available and not _cuda.is_available()):
        return None
    return _C.device("cuda")


def get_device_module(device=None):
    """The module of a device type (torch.get_device_module): tg.cuda for "cuda" or tg.device("cuda:1"),
    tg.cpu for "cpu", and, for None, the accelerator's (tg.cuda in a build with CUDA) or else tg.cpu."""
    from . import cpu as _cpu

    if device is None:
        accelerator = current_accelerator()
        device_type = accelerator.type if accelerator is not None else "cpu"
    elif isinstance(device, _C.device):
        device_type = device.type
    elif isinstance(device, str):
        device_type = _C.device(device).type
    else:
        raise RuntimeError(f"Invalid value of device '{device}', expect tapegrad.device, str, or None")
    return _cuda if device_type == "cuda" else _cpu  # tapegrad's only device types


def is_available():
    """Whether the accelerator is built and a device of it is present."""
    return _cuda.is_available()


def device_count():
    return _cuda.device_count()


def _index(device):
    if device is None:
        return None
    return _cuda._device_index(device, optional=False)


def current_device_index():
    """The current device's index (a RuntimeError without a device)."""
    return _cuda.current_device()


def set_device_index(device):
    index = _index(device)
    if index is not None:
        _cuda.set_device(index)


current_device_idx = current_device_index  # torch's deprecated spellings
set_device_idx = set_device_index


class device_index:
    """Makes the device with this index current within a ``with`` block; None changes nothing."""

    def __init__(self, device):
        self._guard = _cuda.device(-1 if device is None else device)

    def __enter__(self):
        self._guard.__enter__()
        return self

    def __exit__(self, *exc):
        return self._guard.__exit__(*exc)


def current_stream(device=None):
    return _cuda.current_stream(device)


def set_stream(stream):
    _cuda.set_stream(stream)


def synchronize(device=None):
    _cuda.synchronize(device)


def get_device_capability(device=None):
    """What the device can do, as torch.accelerator's dict: its compute capability ("major",
    "minor") and the dtypes its kernels take ("supported_dtypes")."""
    major, minor = _cuda.get_device_capability(device)
    dtypes = [_C.float32, _C.float64, _C.float16, _C.complex64, _C.complex128, _C.int8, _C.uint8, _C.int32,
              _C.int64, _C.bool]
    if major >= 8:
        dtypes.append(_C.bfloat16)
    return {"major": major, "minor": minor, "supported_dtypes": dtypes}


def get_memory_info(device_index=None):
    """(free, total) bytes of the device, as the driver counts them."""
    return _cuda.mem_get_info(device_index)


def memory_allocated(device_index=None):
    return _cuda.memory_allocated(device_index)


def max_memory_allocated(device_index=None):
    return _cuda.max_memory_allocated(device_index)


def memory_reserved(device_index=None):
    return _cuda.memory_reserved(device_index)


def max_memory_reserved(device_index=None):
    return _cuda.max_memory_reserved(device_index)


def memory_stats(device_index=None):
    return _cuda.memory_stats(device_index)


def reset_peak_memory_stats(device_index=None):
    _cuda.reset_peak_memory_stats(device_index)


def reset_accumulated_memory_stats(device_index=None):
    _cuda.reset_accumulated_memory_stats(device_index)
