"""tg.utils.data: Dataset (subclass it in Python), TensorDataset, FashionMNIST and DataLoader
(batches made by C++ worker threads, in a deterministic order for a given seed)."""
from .. import _C
from .._reexport import reexport as _reexport

__all__ = _reexport(_C.utils.data, globals())
