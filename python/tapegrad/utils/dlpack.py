"""torch.utils.dlpack: to_dlpack and from_dlpack, tensors shared with other libraries through
DLPack capsules or objects with __dlpack__ (tg.to_dlpack and tg.from_dlpack)."""
from .._C import from_dlpack, to_dlpack

__all__ = ["from_dlpack", "to_dlpack"]
