"""tg.nn.utils: gradient clipping."""
from .. import _C
from .._reexport import reexport as _reexport

__all__ = _reexport(_C.nn.utils, globals())
