"""tg.optim: SGD, Adam, AdamW, RMSprop, Adagrad (torch.optim's keywords) and lr_scheduler."""
from .. import _C
from .._reexport import reexport as _reexport
from . import lr_scheduler

__all__ = _reexport(_C.optim, globals()) + ["lr_scheduler"]
