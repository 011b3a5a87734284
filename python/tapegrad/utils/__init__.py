"""tg.utils: data loading, activation checkpointing, C++/CUDA extensions, hook handles and DLPack."""
from . import checkpoint, cpp_extension, data, dlpack, hooks

__all__ = ["checkpoint", "cpp_extension", "data", "dlpack", "hooks"]
