"""tg.nn: Module (subclass it in Python), the C++ layers, Parameter, functional, init, utils."""
from .. import _C
from .._reexport import reexport as _reexport
from . import functional, init, utils
from .parameter import Parameter

__all__ = _reexport(_C.nn, globals()) + ["Parameter", "functional", "init", "utils"]
