"""tg.save / tg.load: safetensors files, exchanged with the safetensors package and PyTorch."""
from . import _C


def save(obj, f, metadata=None):
    """Writes a tensor, a dict of tensors (a state_dict), a Module or an Optimizer to ``f``."""
    _C.save(obj, str(f), metadata)


def load(f):
    """Reads the tensors of a safetensors file into a dict (a state_dict)."""
    return _C.load(str(f))


load_tensor = _C.load_tensor
load_metadata = _C.load_metadata
save_to_bytes = _C.save_to_bytes
load_from_bytes = _C.load_from_bytes
