"""tg.utils: data loading, activation checkpointing, C++/CUDA extensions, hook handles and DLPack."""
from . import benchmark, checkpoint, cpp_extension, data, dlpack, hooks

__all__ = ["benchmark", "checkpoint", "cpp_extension", "data", "dlpack", "hooks"]
