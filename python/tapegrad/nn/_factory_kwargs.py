"""PyTorch's factory keywords on the layers that own parameters: ``nn.Linear(4, 3, device="cuda",
dtype=tg.float64)``. The C++ constructors make their tensors on the CPU in the default dtype; the
layer then moves to the device (tg.get_default_device() when none is given) and casts its
floating-point tensors (integer buffers such as num_batches_tracked keep their dtype, as in
PyTorch). A complex dtype then draws the parameters again, so that their imaginary parts are
initialized as PyTorch's complex layers' are rather than left at zero."""
import functools

from .. import _C, _default_device

_LAYERS = ("Bilinear", "BatchNorm1d", "BatchNorm2d", "BatchNorm3d", "Conv1d", "Conv2d", "Conv3d", "ConvTranspose1d",
           "ConvTranspose2d", "ConvTranspose3d", "Embedding", "EmbeddingBag", "GRU", "GRUCell", "GroupNorm",
           "InstanceNorm1d", "InstanceNorm2d", "InstanceNorm3d", "LSTM", "LSTMCell", "LayerNorm", "Linear",
           "MultiheadAttention", "PReLU", "RMSNorm", "RNN", "RNNCell", "SyncBatchNorm", "Transformer", "TransformerDecoderLayer",
           "TransformerEncoderLayer")


def _with_factory_kwargs(init):
    @functools.wraps(init)
    def __init__(self, *args, device=None, dtype=None, **kwargs):
        if dtype is not None and not (dtype.is_floating_point or dtype.is_complex):
            raise TypeError(f"{type(self).__name__}: dtype must be a floating-point or complex dtype, got {dtype}")
        init(self, *args, **kwargs)
        device = _default_device.current() if device is None else device
        if device is not None or dtype is not None:
            self.to(**{k: v for k, v in (("device", device), ("dtype", dtype)) if v is not None})
        if dtype is not None and dtype.is_complex and hasattr(self, "reset_parameters"):
            self.reset_parameters()

    __init__._tg_wraps, __init__._tg_keywords = init, {"device": None, "dtype": None}  # for _signatures
    return __init__


for _name in _LAYERS:
    _cls = getattr(_C.nn, _name)
    _cls.__init__ = _with_factory_kwargs(_cls.__init__)
