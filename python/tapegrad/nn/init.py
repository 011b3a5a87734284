"""tg.nn.init: torch.nn.init's in-place initialisers, and its deprecated names without the
trailing underscore (``nn.init.normal``), which warn and call them, as PyTorch's do."""
import functools as _functools
import warnings as _warnings

from .._C.nn import init as _init
from .._C.nn.init import *  # noqa: F401,F403
from .._C.nn.init import _calculate_fan_in_and_fan_out  # noqa: F401


def _deprecated(new_name):
    old_name = new_name[:-1]
    fn = getattr(_init, new_name)

    @_functools.wraps(fn)
    def deprecated_init(*args, **kwargs):
        _warnings.warn(f"`nn.init.{old_name}` is now deprecated in favor of `nn.init.{new_name}`.", FutureWarning,
                       stacklevel=2)
        return fn(*args, **kwargs)

    deprecated_init.__name__ = old_name
    return deprecated_init


for _new in ("uniform_", "normal_", "constant_", "eye_", "dirac_", "xavier_uniform_", "xavier_normal_",
             "kaiming_uniform_", "kaiming_normal_", "orthogonal_", "sparse_"):
    if hasattr(_init, _new):
        globals()[_new[:-1]] = _deprecated(_new)
