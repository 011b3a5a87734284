"""torch.random: the default generator's seed and state, and fork_rng.

One Philox generator serves every device (a seed gives the same numbers on the CPU and the
GPU; float normals agree to the math libraries' last bits), so its state covers the CUDA
streams too.
"""
import contextlib

from . import _C
from ._C import get_rng_state, initial_seed, seed, set_rng_state

# The generator the ops draw from when given none, as an object (torch.default_generator).
default_generator = _C.default_generator()


def manual_seed(seed):
    """Seeds the default generator (every device's) and returns it, as torch.manual_seed."""
    _C.manual_seed(seed)
    return default_generator


@contextlib.contextmanager
def fork_rng(devices=None, enabled=True, _caller="fork_rng", _devices_kw="devices", device_type="cuda"):
    """Restores the random state on exit, so that what runs inside does not move the streams
    outside (torch.random.fork_rng). ``devices`` is accepted for PyTorch's scripts: the one
    generator's state covers every device."""
    if not enabled:
        yield
        return
    state = _C.get_rng_state()
    try:
        yield
    finally:
        _C.set_rng_state(state)


__all__ = ["default_generator", "fork_rng", "get_rng_state", "initial_seed", "manual_seed", "seed", "set_rng_state"]
