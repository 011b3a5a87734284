"""torch.finfo, torch.iinfo and torch.result_type for tapegrad's dtypes."""
from . import _C

# bits, eps, max, tiny (smallest normal), resolution: IEEE binary16 and binary32/64, and bfloat16
# (binary32's exponent with 8 significand bits).
_FLOATS = {
    "float16": (16, 2.0**-10, 65504.0, 2.0**-14, 1e-3),
    "bfloat16": (16, 2.0**-7, 3.3895313892515355e38, 2.0**-126, 1e-2),
    "float32": (32, 2.0**-23, 3.4028234663852886e38, 2.0**-126, 1e-6),
    "float64": (64, 2.0**-52, 1.7976931348623157e308, 2.0**-1022, 1e-15),
}
_INTS = {"uint8": (8, 0, 255), "int8": (8, -128, 127), "int16": (16, -32768, 32767), "int32": (32, -2**31, 2**31 - 1),
         "int64": (64, -2**63, 2**63 - 1)}


def _name(dtype):
    return str(dtype).rsplit(".", 1)[-1]


_PARTS = {"complex64": "float32", "complex128": "float64"}


class finfo:
    """The numeric limits of a floating dtype (the default dtype when none is given); a complex
    dtype's are those of its parts, as in PyTorch."""

    def __init__(self, type=None):
        dtype = _C.get_default_dtype() if type is None else type
        if _name(dtype) in _PARTS:
            dtype = getattr(_C, _PARTS[_name(dtype)])
        if _name(dtype) not in _FLOATS:
            raise TypeError(f"finfo: expected a floating dtype, got {dtype}")
        self.dtype = dtype
        self.bits, self.eps, self.max, self.tiny, self.resolution = _FLOATS[_name(dtype)]
        self.min = -self.max
        self.smallest_normal = self.tiny

    def __repr__(self):
        return (f"finfo(resolution={self.resolution}, min={self.min:e}, max={self.max:e}, eps={self.eps:e}, "
                f"smallest_normal={self.tiny:e}, tiny={self.tiny:e}, dtype={_name(self.dtype)})")


class iinfo:
    """The numeric limits of an integer dtype."""

    def __init__(self, type):
        if _name(type) not in _INTS:
            raise TypeError(f"iinfo: expected an integer dtype, got {type}")
        self.dtype = type
        self.bits, self.min, self.max = _INTS[_name(type)]

    def __repr__(self):
        return f"iinfo(min={self.min}, max={self.max}, dtype={_name(self.dtype)})"


def _representative(x):
    # An empty 1-D tensor keeps a dimensioned tensor's weight in promotion without its elements;
    # a 0-D tensor and a number stand for themselves.
    if isinstance(x, _C.Tensor):
        return x.detach().reshape(-1)[:0] if x.dim() > 0 else x.detach()
    return x


def result_type(tensor1, tensor2):
    """The dtype an arithmetic op on the two (tensors or numbers) gives, by PyTorch's rules."""
    a, b = _representative(tensor1), _representative(tensor2)
    if not isinstance(a, _C.Tensor) and not isinstance(b, _C.Tensor):
        a = _C.tensor(a)
    return (a + b).dtype


__all__ = ["finfo", "iinfo", "result_type"]
