"""tg.nn: Module (subclass it in Python), the C++ layers, Parameter, Buffer, the Lazy layers,
functional, init, utils."""
from .._C.nn import *  # noqa: F401,F403
from . import functional, init, utils  # noqa: E402
from .parameter import Buffer, Parameter  # noqa: E402
from .lazy import *  # noqa: E402,F401,F403  (LazyLinear, LazyConv2d, ...)



def _keep_given_modules(cls):
    # A C++ container holds its modules as C++ objects. Listing its children once, while the
    # modules given to the constructor are alive, makes it keep their Python objects (and the
    # attributes set on them), as a torch.nn container does.
    init = cls.__init__

    def __init__(self, *args, **kwargs):
        init(self, *args, **kwargs)
        for _ in self.named_children():
            pass

    __init__.__doc__ = init.__doc__
    cls.__init__ = __init__


for _container in (Sequential, ModuleList, ModuleDict):  # noqa: F405
    _keep_given_modules(_container)
