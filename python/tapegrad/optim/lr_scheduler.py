"""tg.optim.lr_scheduler: torch.optim.lr_scheduler's schedulers."""
from .. import _C
from .._reexport import reexport as _reexport

__all__ = _reexport(_C.optim.lr_scheduler, globals())
