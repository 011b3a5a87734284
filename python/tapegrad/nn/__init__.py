"""tg.nn: Module (subclass it in Python), the C++ layers, Parameter, functional, init, utils."""
from .._C.nn import *  # noqa: F401,F403
from . import functional, init, utils  # noqa: E402
from .parameter import Parameter  # noqa: E402

