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

    mod.autocast, mod.GradScaler = autocast, GradScaler
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
