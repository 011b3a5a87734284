"""tg.nn.init: torch.nn.init's in-place initialisers."""
from .. import _C
from .._reexport import reexport as _reexport

__all__ = _reexport(_C.nn.init, globals())
_calculate_fan_in_and_fan_out = _C.nn.init._calculate_fan_in_and_fan_out
