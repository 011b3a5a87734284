"""tg.utils.data: datasets (subclass Dataset in Python), Subset, ConcatDataset, random_split,
samplers, FashionMNIST and DataLoader (batches made by C++ worker threads, in a deterministic
order for a given seed)."""
import functools

from .._C.utils.data import *  # noqa: F401,F403
from .._C.utils.data import Dataset, Sampler, _initialised


def _init_without_super(base):
    # PyTorch's Dataset and Sampler have nothing to initialise, so subclasses often skip
    # super().__init__(); pybind11 would refuse such an object. Make the C++ part afterwards.
    def __init_subclass__(cls, **kwargs):
        super(base, cls).__init_subclass__(**kwargs)
        init = cls.__dict__.get("__init__")
        if init is None:
            return

        @functools.wraps(init)
        def __init__(self, *args, **kw):
            init(self, *args, **kw)
            if not _initialised(self):
                base.__init__(self)

        cls.__init__ = __init__

    base.__init_subclass__ = classmethod(__init_subclass__)


_init_without_super(Dataset)
_init_without_super(Sampler)
del _init_without_super
