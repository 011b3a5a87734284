"""torch.utils.data.distributed's name: DistributedSampler (one replica's share of a dataset)."""
from . import DistributedSampler

__all__ = ["DistributedSampler"]
