"""SyncBatchNorm.convert_sync_batchnorm, as torch.nn's: every batch norm layer of a model
becomes a SyncBatchNorm that shares its parameters and running statistics. Outside a process
group (tapegrad has none) a SyncBatchNorm normalizes with this process's batch statistics, as
PyTorch's does when torch.distributed is not initialized."""
from .._C import nn as _nn


def _convert_sync_batchnorm(cls, module, process_group=None):
    """Returns ``module`` with each BatchNorm1d/2d/3d (or SyncBatchNorm) in it replaced by a
    SyncBatchNorm holding the same weight, bias and running statistics; a batch norm layer given
    by itself comes back as a new SyncBatchNorm."""
    converted = module
    if isinstance(module, _nn._BatchNorm):
        converted = cls(module.num_features, module.eps, module.momentum, module.affine, module.track_running_stats,
                        process_group)
        if module.affine:
            converted.weight = module.weight
            converted.bias = module.bias
        if module.track_running_stats:
            converted.running_mean = module.running_mean
            converted.running_var = module.running_var
            converted.num_batches_tracked = module.num_batches_tracked
        converted.train(module.training)
        if hasattr(module, "qconfig"):
            converted.qconfig = module.qconfig
    for name, child in module.named_children():
        converted.add_module(name, _convert_sync_batchnorm(cls, child, process_group))
    return converted


_nn.SyncBatchNorm.convert_sync_batchnorm = classmethod(_convert_sync_batchnorm)
_nn.SyncBatchNorm.process_group = None
