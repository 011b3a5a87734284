"""tg.utils.data: Dataset (subclass it in Python), TensorDataset, FashionMNIST and DataLoader
(batches made by C++ worker threads, in a deterministic order for a given seed)."""
from .._C.utils.data import *  # noqa: F401,F403
