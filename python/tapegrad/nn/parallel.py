"""nn.DataParallel (also tg.nn.parallel.DataParallel), for scripts that wrap their model in it.

Without CUDA devices it calls the module as it is, as PyTorch's does; with one it moves the
module to that device and the inputs there before each call. Splitting a batch over several
GPUs is not implemented (tapegrad has no multi-GPU support yet): asking for more than one device
is an error. The state dict's keys get the ``module.`` prefix, as PyTorch's checkpoints of a
wrapped model have them."""
from .. import _C

__all__ = ["DataParallel"]


def _device_index(device):
    if isinstance(device, int):
        return device
    device = _C.device(device) if isinstance(device, str) else device
    if device.type != "cuda":
        raise ValueError(f"DataParallel: expected a CUDA device, got {device}")
    return device.index if device.index is not None else 0


def _to(obj, device):
    """Tensors in obj (nested in tuples, lists and dicts) moved to device."""
    if isinstance(obj, _C.Tensor):
        return obj.to(device)
    if isinstance(obj, tuple) and hasattr(obj, "_fields"):  # a namedtuple keeps its class
        return type(obj)(*(_to(v, device) for v in obj))
    if isinstance(obj, (list, tuple)):
        return type(obj)(_to(v, device) for v in obj)
    if isinstance(obj, dict):
        return {k: _to(v, device) for k, v in obj.items()}
    return obj


class DataParallel(_C.nn.Module):
    """``DataParallel(module, device_ids=None, output_device=None, dim=0)``: ``forward`` runs
    ``module`` on device_ids[0] (every CUDA device by default; none: the CPU, as it is)."""

    def __init__(self, module, device_ids=None, output_device=None, dim=0):
        super().__init__()
        self.module = module
        self.dim = dim
        if not _C.cuda.is_available():
            self.device_ids = []
            return
        if device_ids is None:
            device_ids = list(range(_C.cuda.device_count()))
        self.device_ids = [_device_index(d) for d in device_ids]
        if not self.device_ids:
            raise RuntimeError("DataParallel: device_ids is empty")
        if len(self.device_ids) > 1:
            raise NotImplementedError(f"DataParallel: splitting batches over {len(self.device_ids)} GPUs "
                                      f"({self.device_ids}) is not implemented; pass device_ids=[{self.device_ids[0]}]")
        self.output_device = _device_index(output_device) if output_device is not None else self.device_ids[0]
        self.src_device_obj = _C.device("cuda", self.device_ids[0])
        self.module.to(self.src_device_obj)

    def forward(self, *inputs, **kwargs):
        if not self.device_ids:
            return self.module(*inputs, **kwargs)
        for t in list(self.module.parameters()) + list(self.module.buffers()):
            if t.device != self.src_device_obj:
                raise RuntimeError(f"module must have its parameters and buffers on device {self.src_device_obj} "
                                   f"(device_ids[0]) but found one of them on device: {t.device}")
        # One device: the output stays there, as PyTorch's (it gathers to output_device only
        # the outputs of several).
        return self.module(*_to(inputs, self.src_device_obj), **_to(kwargs, self.src_device_obj))
