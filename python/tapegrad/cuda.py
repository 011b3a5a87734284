"""tg.cuda: CUDA devices, streams and events, and the caching allocator's statistics."""
from . import _C as _core
from ._C.cuda import *  # noqa: F401,F403
from ._C import OutOfMemoryError  # noqa: F401  (torch.cuda.OutOfMemoryError, the same as tg.OutOfMemoryError)
from ._legacy_tensor_types import CUDA_TYPES as _CUDA_TYPES

globals().update(_CUDA_TYPES)  # tg.cuda.FloatTensor, ...: torch's legacy CUDA tensor types


def _cuda_amp():
    """tg.cuda.amp (PyTorch's older spelling): autocast and GradScaler for the GPU."""
    import sys
    import types

    from . import amp as _amp

    mod = types.ModuleType(__name__ + ".amp", _cuda_amp.__doc__)

    def autocast(enabled=True, dtype=None, cache_enabled=True):
        return _amp.autocast("cuda", dtype=dtype, enabled=enabled, cache_enabled=cache_enabled)

    def GradScaler(init_scale=65536.0, growth_factor=2.0, backoff_factor=0.5, growth_interval=2000, enabled=True):
        return _amp.GradScaler("cuda", init_scale, growth_factor, backoff_factor, growth_interval, enabled)

    def custom_fwd(fwd=None, *, cast_inputs=None):
        return _amp.custom_fwd(fwd, device_type="cuda", cast_inputs=cast_inputs)

    def custom_bwd(bwd=None):
        return _amp.custom_bwd(bwd, device_type="cuda")

    mod.autocast, mod.GradScaler, mod.custom_fwd, mod.custom_bwd = autocast, GradScaler, custom_fwd, custom_bwd
    sys.modules[mod.__name__] = mod
    return mod


amp = _cuda_amp()



# The random state. One generator serves every device (a seed gives the same numbers on the CPU
# and the GPU), so with a GPU these seed and read the CPU's stream too; without one the seeding
# functions do nothing, as PyTorch's do then (a CPU run of a script that seeds both is unchanged).
def manual_seed(seed):
    """Seeds the generator behind CUDA's random numbers (torch.cuda.manual_seed)."""
    if is_available():
        _core.manual_seed(seed)


def manual_seed_all(seed):
    manual_seed(seed)


def seed():
    """Seeds it from a random source (torch.cuda.seed)."""
    if is_available():
        _core.seed()


def seed_all():
    seed()


def initial_seed():
    _need_device("initial_seed")
    return _core.initial_seed()


def get_rng_state(device="cuda"):
    """The generator's state as a uint8 tensor (torch.cuda.get_rng_state)."""
    _need_device("get_rng_state")
    return _core.get_rng_state()


def get_rng_state_all():
    return [get_rng_state(i) for i in range(device_count())]


def set_rng_state(new_state, device="cuda"):
    _need_device("set_rng_state")
    _core.set_rng_state(new_state)


def set_rng_state_all(new_states):
    for state in new_states:
        set_rng_state(state)


def _need_device(name):
    if not is_available():
        raise RuntimeError(f"tg.cuda.{name}: no CUDA device is available")


# ---- devices ----------------------------------------------------------------------------------

def _device_index(device, optional=True):
    """An index from None (the current device, or -1 when `optional`), an int, "cuda:1" or a
    tg.device of type cuda."""
    if device is None or (isinstance(device, int) and device < 0):
        return current_device() if not optional else -1
    if isinstance(device, int):
        return device
    from . import device as _device_type

    d = _device_type(device) if isinstance(device, str) else device
    if getattr(d, "type", None) != "cuda":
        raise ValueError(f"expected a CUDA device, got {device!r}")
    return d.index


def get_device_name(device=None):
    """The device's name, as the driver gives it ("NVIDIA H100 80GB HBM3")."""
    return get_device_properties(device).name


def get_device_capability(device=None):
    """The device's compute capability as (major, minor): (9, 0) for an H100."""
    p = get_device_properties(device)
    return p.major, p.minor


def is_bf16_supported(including_emulation=True):
    """Whether bfloat16 runs natively on the current device (compute capability 8.0, Ampere, or
    later); False without a GPU. tapegrad does not emulate it on older devices."""
    return is_available() and get_device_capability()[0] >= 8


def is_tf32_supported():
    """Whether the current device has TensorFloat-32 tensor cores (compute capability 8.0 or later)."""
    return is_available() and get_device_capability()[0] >= 8


def init():
    """Makes sure CUDA can be used (torch.cuda.init): raises RuntimeError when no device is there."""
    _need_device("init")
    current_device()


def get_arch_list():
    """The compute architectures this build's kernels were compiled for ("sm_90"); empty without a GPU."""
    if not is_available():
        return []
    return [f"sm_{a}" for a in _core.cuda._compiled_architectures()]


def get_gencode_flags():
    """The -gencode flags that match get_arch_list(), as nvcc takes them."""
    return " ".join(f"-gencode compute=compute_{a[3:]},code={a}" for a in get_arch_list())


class device:
    """Makes `device` current within a ``with`` block (torch.cuda.device); None or -1 changes nothing."""

    def __init__(self, device):
        self.idx = _device_index(device, optional=True)
        self.prev_idx = -1

    def __enter__(self):
        if self.idx == -1:
            return self
        self.prev_idx = current_device()
        if self.prev_idx != self.idx:
            set_device(self.idx)
        return self

    def __exit__(self, *exc):
        if self.idx != -1 and self.prev_idx != self.idx:
            set_device(self.prev_idx)
        return False


class device_of(device):
    """The device of a tensor made current within a ``with`` block; a CPU tensor changes nothing."""

    def __init__(self, obj):
        super().__init__(obj.get_device() if obj.is_cuda else -1)


# ---- memory -------------------------------------------------------------------------------------

def memory_stats(device=None):
    """The caching allocator's statistics as torch.cuda.memory_stats() names them, sorted by key:
    "<figure>.<pool>.<kind>" for the figures active, active_bytes, allocated_bytes, allocation,
    requested_bytes, reserved_bytes and segment, the pools all, small_pool (requests up to 1 MiB)
    and large_pool, the kinds current, peak, allocated and freed; and num_alloc_retries, num_ooms,
    num_device_alloc and num_device_free. All zero before the device's first allocation."""
    import collections

    return collections.OrderedDict(sorted(_core.cuda._memory_stats(device).items()))


def memory_stats_as_nested_dict(device=None):
    """memory_stats() with its dotted keys as nested dicts: stats["allocated_bytes"]["all"]["peak"]."""
    nested = {}
    for key, value in memory_stats(device).items():
        *path, last = key.split(".")
        d = nested
        for part in path:
            d = d.setdefault(part, {})
        d[last] = value
    return nested


def _size(n, ref):
    for unit in ("B  ", "KiB", "MiB", "GiB", "TiB"):
        if ref < 1024 * 1024 or unit == "TiB":
            return f"{n:7d} {unit}"
        n, ref = n // 1024, ref / 1024


def _count(n, ref):
    for unit in (" ", "K", "M"):
        if ref < 1000 * 1000 or unit == "M":
            return f"{n:8d}{unit}  "
        n, ref = n // 1000, ref / 1000


def memory_summary(device=None, abbreviated=False):
    """The allocator's statistics as a table to print: for allocated, active, requested and reserved
    memory and for the counts of blocks and segments, the current and peak figures and the totals
    allocated and freed, with the small and large pools apart unless `abbreviated`."""
    stats = memory_stats(device)
    index = _device_index(device, optional=True)
    if index < 0:
        index = current_device() if is_available() else 0
    header = f"| {'Metric':^21} | " + " | ".join(f"{h:^11}" for h in ("Cur Usage", "Peak Usage", "Tot Alloc", "Tot Freed")) + " |"
    width = len(header)
    rule, heavy = "|" + "-" * (width - 2) + "|", "|" + "=" * (width - 2) + "|"
    half = (width - 3) // 2
    lines = [heavy, "|" + f"tapegrad CUDA memory summary, device ID {index}".center(width - 2) + "|", rule,
             "|" + f"CUDA OOMs: {stats['num_ooms']}".center(half) + "|"
             + f"cudaMalloc retries: {stats['num_alloc_retries']}".center(width - 3 - half) + "|",
             heavy, header]
    rows = [("allocated_bytes", "Allocated memory", _size), ("active_bytes", "Active memory", _size),
            ("requested_bytes", "Requested memory", _size), ("reserved_bytes", "GPU reserved memory", _size),
            ("allocation", "Allocations", _count), ("active", "Active allocs", _count),
            ("segment", "GPU reserved segments", _count)]
    pools = [("all", "")] if abbreviated else [("all", ""), ("large_pool", "      from large pool"),
                                                ("small_pool", "      from small pool")]
    for key, title, fmt in rows:
        lines.append(rule)
        for pool, label in pools:
            cells = " | ".join(fmt(v, v) for v in (stats[f"{key}.{pool}.{kind}"]
                                                   for kind in ("current", "peak", "allocated", "freed")))
            lines.append(f"| {(label or title):<21} | {cells} |")
    lines.append(heavy)
    return "\n".join(lines) + "\n"


# torch's older names for the reserved memory ("cached") and for resetting the peaks.
def memory_cached(device=None):
    return memory_reserved(device)


def max_memory_cached(device=None):
    return max_memory_reserved(device)


def reset_max_memory_allocated(device=None):
    reset_peak_memory_stats(device)


def reset_max_memory_cached(device=None):
    reset_peak_memory_stats(device)


def _cuda_nvtx():
    """tg.cuda.nvtx: NVIDIA Tools Extension ranges and marks, which Nsight Systems shows on its
    timeline. They cost next to nothing when no profiler is attached."""
    import contextlib
    import sys
    import types

    mod = types.ModuleType(__name__ + ".nvtx", _cuda_nvtx.__doc__)
    mod.range_push, mod.range_pop, mod.mark = _core.cuda._nvtx.range_push, _core.cuda._nvtx.range_pop, _core.cuda._nvtx.mark

    @contextlib.contextmanager
    def range(msg, *args, **kwargs):
        """A range around the ``with`` block, its message msg.format(*args, **kwargs)."""
        mod.range_push(msg.format(*args, **kwargs))
        try:
            yield
        finally:
            mod.range_pop()

    mod.range = range
    sys.modules[mod.__name__] = mod
    return mod


nvtx = _cuda_nvtx()
