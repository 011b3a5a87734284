"""tg.utils: data loading, activation checkpointing, C++/CUDA extensions and hook handles."""
from . import checkpoint, cpp_extension, data, hooks

__all__ = ["checkpoint", "cpp_extension", "data", "hooks"]
