"""torch.nn.utils.convert_conv2d_weight_memory_format and its 3-d twin: the weights of a model's
convolutions (transposed ones too) laid out in a memory format, channels_last usually."""
from ... import _C


def _convert(module, memory_format, kinds):
    for m in module.modules():
        if isinstance(m, kinds):
            w = m.weight
            if not w.is_contiguous(memory_format=memory_format):
                w.data = w.detach().contiguous(memory_format=memory_format)
    return module


def convert_conv2d_weight_memory_format(module, memory_format):
    """Lays out the weight of each Conv2d and ConvTranspose2d in ``module`` (itself included) in
    ``memory_format``; returns ``module``."""
    return _convert(module, memory_format, (_C.nn.Conv2d, _C.nn.ConvTranspose2d))


def convert_conv3d_weight_memory_format(module, memory_format):
    """The same for Conv3d and ConvTranspose3d (channels_last_3d)."""
    return _convert(module, memory_format, (_C.nn.Conv3d, _C.nn.ConvTranspose3d))
