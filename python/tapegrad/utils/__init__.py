"""tg.utils: data loading and C++/CUDA extensions."""
from . import cpp_extension, data

__all__ = ["cpp_extension", "data"]
