"""tg.cpu: torch.cpu's device-agnostic facade over the CPU (is_available, synchronize, streams,
events, cpu.amp), for code written once for "cuda" and "cpu" through getattr(tg, device.type).
CPU ops run synchronously, so streams and events have nothing to wait for, as in PyTorch."""
import functools as _functools
import os as _os
import platform as _platform
import sys as _sys
import types as _types
from contextlib import AbstractContextManager as _AbstractContextManager
from types import MappingProxyType as _MappingProxyType

__all__ = ["is_available", "is_initialized", "synchronize", "current_device", "current_stream", "stream",
           "set_device", "device_count", "Stream", "StreamContext", "Event", "get_capabilities"]


def is_available():
    return True


def is_initialized():
    return True


def device_count():
    return 1


def current_device():
    return "cpu"


def set_device(device):
    """Only the CPU: nothing to select."""


def synchronize(device=None):
    """Every CPU op has finished when it returns: nothing to wait for."""


class Stream:
    def __init__(self, priority=-1):
        self.priority = priority

    def wait_stream(self, stream):
        pass

    def record_event(self):
        pass

    def wait_event(self, event):
        pass


class Event:
    def query(self):
        return True

    def record(self, stream=None):
        pass

    def synchronize(self):
        pass

    def wait(self, stream=None):
        pass


_default_stream = Stream()
_current_stream = _default_stream


def current_stream(device=None):
    return _current_stream


class StreamContext(_AbstractContextManager):
    def __init__(self, stream):
        self.stream = stream
        self.prev_stream = _default_stream

    def __enter__(self):
        global _current_stream
        if self.stream is not None:
            self.prev_stream, _current_stream = _current_stream, self.stream

    def __exit__(self, *exc):
        global _current_stream
        if self.stream is not None:
            _current_stream = self.prev_stream


def stream(stream):
    return StreamContext(stream)


# /proc/cpuinfo's flag names for torch's capability names (x86).
_X86_FLAGS = {"sse": "sse", "sse2": "sse2", "sse3": "pni", "ssse3": "ssse3", "sse4_1": "sse4_1", "sse4_2": "sse4_2",
              "sse4a": "sse4a", "avx": "avx", "avx2": "avx2", "avx_vnni": "avx_vnni", "avx512_f": "avx512f",
              "avx512_cd": "avx512cd", "avx512_dq": "avx512dq", "avx512_bw": "avx512bw", "avx512_vl": "avx512vl",
              "avx512_ifma": "avx512ifma", "avx512_vbmi": "avx512vbmi", "avx512_vbmi2": "avx512_vbmi2",
              "avx512_bitalg": "avx512_bitalg", "avx512_vpopcntdq": "avx512_vpopcntdq", "avx512_vnni": "avx512_vnni",
              "avx512_bf16": "avx512_bf16", "avx512_fp16": "avx512_fp16", "avx512_vp2intersect": "avx512_vp2intersect",
              "amx_bf16": "amx_bf16", "amx_tile": "amx_tile", "amx_int8": "amx_int8", "amx_fp16": "amx_fp16",
              "fma3": "fma", "fma4": "fma4", "f16c": "f16c", "bmi": "bmi1", "bmi2": "bmi2", "popcnt": "popcnt",
              "lzcnt": "abm", "aes": "aes", "sha": "sha_ni", "clflush": "clflush", "clflushopt": "clflushopt",
              "clwb": "clwb"}


@_functools.lru_cache(None)
def get_capabilities():
    """The CPU's instruction-set extensions (torch's names: avx2, avx512_f, amx_tile, fma3, ...),
    read from /proc/cpuinfo, with its architecture, name and logical core count."""
    caps = {"architecture": _platform.machine(), "num_logical_cores": _os.cpu_count() or 1}
    flags, name = set(), _platform.processor()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                key, _, value = line.partition(":")
                key = key.strip()
                if key in ("flags", "Features") and not flags:
                    flags = set(value.split())
                elif key == "model name" and value.strip():
                    name = value.strip()
    except OSError:
        pass
    if caps["architecture"] in ("x86_64", "AMD64", "i686"):
        caps.update({cap: flag in flags for cap, flag in _X86_FLAGS.items()})
    elif flags:  # ARM's Features line
        caps.update({"neon": "asimd" in flags, "fp16_arith": "fphp" in flags, "bf16": "bf16" in flags,
                     "i8mm": "i8mm" in flags, "dot": "asimddp" in flags, "sve": "sve" in flags,
                     "sve2": "sve2" in flags, "atomics": "atomics" in flags, "aes": "aes" in flags})
    caps["cpu_name"] = name
    return _MappingProxyType(caps)


def _cpu_amp():
    """tg.cpu.amp (PyTorch's older spelling): autocast (bfloat16 by default) and GradScaler."""
    from . import amp as _amp

    mod = _types.ModuleType(__name__ + ".amp", _cpu_amp.__doc__)
    from . import _C

    def autocast(enabled=True, dtype=_C.bfloat16, cache_enabled=True):
        return _amp.autocast("cpu", dtype=dtype, enabled=enabled, cache_enabled=cache_enabled)

    def GradScaler(init_scale=65536.0, growth_factor=2.0, backoff_factor=0.5, growth_interval=2000, enabled=True):
        return _amp.GradScaler("cpu", init_scale, growth_factor, backoff_factor, growth_interval, enabled)

    mod.autocast, mod.GradScaler = autocast, GradScaler
    _sys.modules[mod.__name__] = mod
    return mod


amp = _cpu_amp()
