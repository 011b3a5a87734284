"""torch's legacy tensor types: tg.FloatTensor, tg.LongTensor, ... and tg.cuda.FloatTensor, ...,
Tensor.type() with their names, set_default_tensor_type and typename.

A legacy type is not a subclass of tg.Tensor (as in torch): calling it makes a tg.Tensor of its
dtype and device (``tg.FloatTensor(2, 3)`` uninitialised, ``tg.LongTensor([1, 2])`` from data),
and ``isinstance(t, tg.FloatTensor)`` asks for a float32 CPU tensor."""
import builtins
import warnings

from . import _C
from ._C import Tensor
from ._size import Size

__all__ = ["set_default_tensor_type", "typename"]

# Name stem -> dtype, for every dtype with a legacy name (the complex ones only name types).
_STEMS = {"Double": _C.float64, "Float": _C.float32, "Half": _C.float16, "BFloat16": _C.bfloat16,
          "Byte": _C.uint8, "Char": _C.int8, "Short": _C.int16, "Int": _C.int32, "Long": _C.int64, "Bool": _C.bool,
          "ComplexFloat": _C.complex64, "ComplexDouble": _C.complex128}
_CLASS_STEMS = ("Double", "Float", "Half", "BFloat16", "Byte", "Char", "Short", "Int", "Long", "Bool")
_TYPES = {}  # "tapegrad.FloatTensor", "tapegrad.cuda.FloatTensor", ... -> class


def _type_name(dtype, device_type):
    stem = next(s for s, d in _STEMS.items() if d == dtype)
    return f"tapegrad.{'cuda.' if device_type == 'cuda' else ''}{stem}Tensor"


class tensortype(type):
    """The metaclass of the legacy types: instance checks ask for the dtype and the device type."""

    def __instancecheck__(cls, obj):
        return isinstance(obj, Tensor) and obj.dtype == cls.dtype and obj.device.type == cls._device_type

    def __repr__(cls):
        return f"<class '{cls.__module__}.{cls.__qualname__}'>"


def _construct(cls, *args, device=None):
    if device is not None and _C.device(device).type != cls._device_type:
        raise RuntimeError(f"{cls.__qualname__}: legacy constructor expects device type {cls._device_type}, "
                           f"got {device}")
    device = cls._device_type if device is None else device
    if not args:
        return _C.empty(0, dtype=cls.dtype, device=device)
    if len(args) == 1 and isinstance(args[0], Tensor):
        t = args[0]
        if not isinstance(t, cls):
            raise TypeError(f"{cls.__qualname__}(tensor): expected a {cls.dtype} tensor on {cls._device_type}, "
                            f"got {t.dtype} on {t.device}")
        return t.detach()  # the same storage, as torch's
    if all(isinstance(a, int) and not isinstance(a, bool) for a in args):
        return _C.empty(*args, dtype=cls.dtype, device=device)  # sizes: uninitialised
    if len(args) == 1 and isinstance(args[0], Size):  # (a plain tuple is data, as in torch)
        return _C.empty(args[0], dtype=cls.dtype, device=device)
    if len(args) == 1 and not isinstance(args[0], (str, bytes)):
        return _C.tensor(args[0], dtype=cls.dtype, device=device)  # data
    raise TypeError(f"{cls.__qualname__}(): expected sizes (ints), a Size, a sequence of data or a tensor, "
                    f"got ({', '.join(type(a).__name__ for a in args)})")


def _make_type(stem, device_type):
    name = f"{stem}Tensor"
    cls = tensortype(name, (), {
        "__doc__": f"torch's legacy {name}: {name}(*sizes) is uninitialised, {name}(data) copies data, as "
                   f"{_STEMS[stem]} tensors on {device_type}.",
        "__new__": _construct, "dtype": _STEMS[stem], "is_cuda": device_type == "cuda", "is_sparse": False,
        "_device_type": device_type,
        "__module__": "tapegrad.cuda" if device_type == "cuda" else "tapegrad",
    })
    _TYPES[_type_name(cls.dtype, device_type)] = cls
    return cls


for _stem in _CLASS_STEMS:
    _cls = _make_type(_stem, "cpu")
    globals()[_cls.__name__] = _cls
    __all__.append(_cls.__name__)
CUDA_TYPES = {_stem + "Tensor": _make_type(_stem, "cuda") for _stem in _CLASS_STEMS}  # tg.cuda takes them


def _legacy_type(spec):
    if isinstance(spec, tensortype):
        return spec
    for prefix in ("torch.", "tapegrad."):
        if isinstance(spec, str) and spec.startswith(prefix) and "tapegrad." + spec[len(prefix):] in _TYPES:
            return _TYPES["tapegrad." + spec[len(prefix):]]
    raise ValueError(f"invalid type: {spec!r} (a dtype, a legacy type such as tapegrad.FloatTensor, or its name)")


def _tensor_type(self, dtype=None, non_blocking=False, **kwargs):
    """With no argument, the legacy type's name ('tapegrad.FloatTensor'); else this tensor as that
    dtype, legacy type or type name ('torch.cuda.LongTensor' too), itself when it already is."""
    if dtype is None:
        return _type_name(self.dtype, self.device.type)
    if isinstance(dtype, _C.dtype):
        return self.to(dtype, non_blocking=non_blocking)
    cls = _legacy_type(dtype)
    device = self.device if self.device.type == cls._device_type else cls._device_type
    return self.to(device=device, dtype=cls.dtype, non_blocking=non_blocking)


_tensor_type.__name__ = _tensor_type.__qualname__ = "type"
Tensor.type = _tensor_type


def set_default_tensor_type(t):
    """torch's deprecated form of set_default_dtype (and set_default_device for a CUDA type)."""
    warnings.warn("set_default_tensor_type() is deprecated, as in torch: use set_default_dtype() and "
                  "set_default_device()", UserWarning, stacklevel=2)
    cls = _legacy_type(t)
    if not cls.dtype.is_floating_point:
        raise TypeError(f"set_default_tensor_type: only floating-point types are supported as the default type, "
                        f"got {cls.__qualname__}")
    _C.set_default_dtype(cls.dtype)
    if cls.is_cuda:
        from ._default_device import set_default_device
        set_default_device("cuda")


def typename(obj):
    """torch.typename: a tensor's legacy type name, else the object's qualified name."""
    if isinstance(obj, Tensor):
        return obj.type()
    module, name = getattr(obj, "__module__", None), getattr(obj, "__qualname__", None)
    if name is None:
        module, name = builtins.type(obj).__module__, builtins.type(obj).__qualname__
    return name if module in (None, "", "builtins") else f"{module}.{name}"
