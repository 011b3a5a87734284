"""tg.cuda: CUDA devices and the caching allocator's statistics."""
from . import _C
from ._reexport import reexport as _reexport

__all__ = _reexport(_C.cuda, globals())
