"""tg.utils: data loading, activation checkpointing and C++/CUDA extensions."""
from . import checkpoint, cpp_extension, data

__all__ = ["checkpoint", "cpp_extension", "data"]
