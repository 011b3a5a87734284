"""tg.Generator's constructor and members in PyTorch's spelling: ``Generator(device="cpu")`` (and
tapegrad's older ``Generator(seed)``), ``.device`` and ``.seed()``. One Philox stream serves
every device, so the device only says where the generator was meant for."""
import os as _os

from . import _C

_cpp_init = _C.Generator.__init__


def __init__(self, device="cpu", seed=None):
    if isinstance(device, int) and not isinstance(device, bool) and seed is None:
        device, seed = "cpu", device  # Generator(seed), tapegrad's older form
    _cpp_init(self, seed)
    self._device = device if isinstance(device, _C.device) else _C.device(device)


def _device(self):
    """The device this generator was made for (cpu unless given)."""
    return self.__dict__.get("_device", _CPU)


def seed(self):
    """Seeds the generator from the operating system's random source and returns that seed."""
    s = int.from_bytes(_os.urandom(8), "little") & ((1 << 63) - 1)
    self.manual_seed(s)
    return s


_CPU = _C.device("cpu")
__init__.__doc__ = _cpp_init.__doc__
_C.Generator.__init__ = __init__
_C.Generator.device = property(_device)
_C.Generator.seed = seed
