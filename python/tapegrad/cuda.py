"""tg.cuda: CUDA devices, streams and events, and the caching allocator's statistics."""
from ._C.cuda import *  # noqa: F401,F403


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

    mod.autocast, mod.GradScaler = autocast, GradScaler
    sys.modules[mod.__name__] = mod
    return mod


amp = _cuda_amp()
